"""The audit register: every audit from allocation to sign-off, in one SQLite file.

The only part of auditdocs that knows SQL. It holds what was allocated, every returned file seen
(by content, so an unchanged file is never parsed twice), what happened to each audit (events),
the stable identities of its actions, and the managers' and QA officers' columns read back from
the tracker, so that the tracker can always be rewritten from it. What it returns are domain
objects (`model.RegisteredAudit` and friends), never rows. Where an audit stands is decided by
`domain.cycle` from those objects, not here.

Outside this package the register is an `AuditRegister` (`interface`): the operations below, whatever keeps
them; `Register` is the SQLite one.

Opening (each `with` is one transaction; see `open_register`)::

    with open_register(path, write=True, create=True) as reg:   # one writer at a time (lock file)
        reg.record_audits([audit_from_allocation(spec, allocation, files=[...])])
    with open_register(path) as reg:                             # readers take no lock
        november = reg.audits(month=dt.date(2026, 11, 1))

Writing (`write=True`; all of it is committed when the `with` ends, or none of it):

- `record_audits(audits: Iterable[RegisteredAudit], *, now=None) -> int`: add or update allocations; how many new.
- `record_returns(folder, files: Iterable[SeenFile], *, now=None) -> ReturnCounts`: returned files seen this run.
- `record_events(events: Iterable[Event], *, now=None) -> list[int]`: sent back, exempted, moderated… (model.EVENT_KINDS).
- `delete_events(ids: Iterable[int]) -> None`: events recorded by mistake.
- `record_actions(actions: Iterable[TrackedAction], *, now=None) -> None`: action ids and what the form says of them.
- `set_action_status(action_id, status, done_on=None) -> None`: what the team manager says of an action.
- `save_tracker_columns(sheet, rows: dict[row key, dict[heading, value]]) -> None`: managers' and QA columns.

Reading (any mode):

- `audit(audit_id) -> RegisteredAudit | None`
- `audits(*, month=None, first=None, last=None, audit_year=None, year_start=4, auditor=None, case_number=None,
  team=None, ids=None) -> list[RegisteredAudit]`: filters combine; by month, then audit id.
- `months() -> list[date]`: every month with audits, oldest first.
- `auditor_history(auditor, *, year_start=4) -> AuditorHistory`: `.years` {audit year: audits}, `.load(year)`,
  `.cases` audited, `.exempted_cases`.
- `case_history(case_number) -> list[RegisteredAudit]`: oldest first (re-audits, who audited it last).
- `moderation(*, first=None, last=None) -> list[RegisteredAudit]`: selected for moderation, moderated or disputed.
- `known_contents(hashes: Iterable[str]) -> set[str]`: contents already parsed (skip reading those files).
- `actions(audit_ids) -> dict[audit id, list[TrackedAction]]`: their actions, without the rest of the audits.
- `record_of(content_hash) -> AuditRecord | None`
- `unidentified(folder=None) -> list[Return]`: returned files that are no audit the register could identify.
- `tracker_columns(sheet) -> dict[row key, dict[heading, value]]`
- `tracker_last_written(path) -> datetime | None`: when the tracker there (else any) was last written.

A `RegisteredAudit` has the allocation (`audit_id, form_id, form_version, subject, month, due, source, files,
auditor_role, service, re_audit_of, activity, activity_type, counts_toward_ten, group`; `case_number`, `auditor`, `team`, `audit_type` from the subject), `returns`
(every version that came back, oldest first; `current` is the latest readable one, `.record` its
`AuditRecord`, `returned_on` via `cycle.returned_on`), `events` (by date; `events_of(kind)`), `actions`
(`TrackedAction`: id, table, row, text, values, on_form, status, done_on, and its tracker `columns`) and its own
tracker `columns` ({sheet: {heading: value}}). Then `cycle.standings(audits, library, today)` says where each
stands, and `cycle.final_grade(spec, record)` gives its grade.

Keeping it safe: the file is created readable by its owner only, uses SQLite's rollback journal (not WAL) so a
network drive works, and should not live in a cloud-synced folder (a sync can copy a file halfway through a run).
"""
from __future__ import annotations

from ..domain import model as m
from ..domain.dates import last_day_of_month, parse_date
from ..domain.identity import audit_month
from .interface import AuditRegister
from .lock import WriterLock, register_files
from .schema import SCHEMA_VERSION
from .store import (
    AuditorHistory,
    Register,
    ReturnCounts,
    SeenFile,
    file_hash,
    never_wrote_a_tracker,
    open_register,
    pack_record,
    pack_tags,
    unpack_record,
)


def audit_from_allocation(spec: m.FormSpec, allocation: m.Allocation, *, files=(), source: str = "generate",
                          auditor_role: str = "", service: str = "", re_audit_of: str = "", activity_type: str = "",
                          counts_toward_ten: bool = True, group=()) -> m.RegisteredAudit:
    """The register's view of one allocated audit (a row of the allocation list and the forms made; its activity
    is the allocation's)."""
    values = dict(allocation.values)
    due = parse_date(values.get("due_date"))
    month = due.replace(day=1) if due else audit_month(allocation.audit_id)
    return m.RegisteredAudit(
        allocation.audit_id, spec.id, spec.version, values, month,
        due or (last_day_of_month(month) if month else None), source, list(files),
        auditor_role, service or values.get("service", ""), re_audit_of, activity=allocation.activity,
        activity_type=activity_type, counts_toward_ten=counts_toward_ten, group=list(group))


__all__ = ["SCHEMA_VERSION", "AuditRegister", "AuditorHistory", "Register", "ReturnCounts", "SeenFile", "WriterLock",
           "audit_from_allocation", "file_hash", "never_wrote_a_tracker",
           "open_register", "pack_record", "pack_tags", "register_files",
           "unpack_record"]
