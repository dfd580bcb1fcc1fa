"""What the register says that allocating a month needs: each auditor's audits this audit year,
who audited each case last, the exempted auditor–case pairs, the cases audited recently, and the
re-audits due. Decided from the register's audits with `domain.cycle`, never re-derived.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Iterable

from ..domain import cycle
from ..domain import model as m
from ..domain.dates import add_months
from .settings import AllocationSettings, name_key

MANAGERS = "managers' dip samples"  # their audits are not an auditor's, nor a case's last audit


@dataclass(frozen=True)
class ReAudit:
    """An Inadequate audit whose re-audit has not been allocated yet."""

    original: m.RegisteredAudit
    due: dt.date  # the re-audit is due by this day (two months after the audit was finalised)


@dataclass
class History:
    month: dt.date  # the month being allocated (its first day)
    year: int  # its audit year
    done: dict[str, int] = dc_field(default_factory=dict)  # auditor key -> audits that count this audit year
    last: dict[str, m.RegisteredAudit] = dc_field(default_factory=dict)  # case number -> its latest audit before
    exempted: set[tuple[str, str]] = dc_field(default_factory=set)  # (auditor key, case number) validly exempted
    recent: set[str] = dc_field(default_factory=set)  # case numbers audited in the last months (and this one)
    re_audits: list[ReAudit] = dc_field(default_factory=list)  # re-audits not yet allocated, soonest first

    def done_by(self, auditor: str) -> int:
        return self.done.get(name_key(auditor), 0)


def history_from(audits: Iterable[m.RegisteredAudit], library, month: dt.date, settings: AllocationSettings,
                 *, leave_out: Iterable[str] = ()) -> History:
    """The history the rules need for allocating `month`, from every audit the register holds.
    `leave_out`: audits to act as if they were not there (the month's own allocation being replaced,
    or the audit being reallocated)."""
    left_out = set(leave_out)
    audits = [a for a in audits if a.audit_id not in left_out]
    year = cycle.audit_year(month, settings.year_start)
    history = History(month, year)
    since = add_months(month, -settings.recent_months)
    for a in sorted(audits, key=lambda a: (a.month or dt.date.min, a.recorded or dt.datetime.min, a.audit_id)):
        counts = cycle.counts_towards_load(a) and a.activity_type != MANAGERS  # a manager's own service's cases
        if counts and a.counts_toward_ten and a.month and cycle.audit_year(a.month, settings.year_start) == year:
            history.done[name_key(a.auditor)] = history.done.get(name_key(a.auditor), 0) + 1
        if a.case_number and counts and a.month and a.month < month:
            history.last[a.case_number] = a
        if a.case_number and counts and a.month and since <= a.month <= month:
            history.recent.add(a.case_number)
        if a.case_number and any(cycle.exemption_problem(e, a.auditor_role) is None for e in a.events_of("exempted")):
            history.exempted.add((name_key(a.auditor), a.case_number))
    history.re_audits = re_audits_waiting(audits, library, month)
    return history


def re_audits_waiting(audits: list[m.RegisteredAudit], library, month: dt.date) -> list[ReAudit]:
    """Inadequate audits whose re-audit is still to be allocated, as `cycle.standings` says on the first day
    of `month`, soonest due first."""
    by_id = {a.audit_id: a for a in audits}
    waiting = []
    for audit_id, standing in cycle.standings(audits, library, month).items():
        step = next((s for s in standing.steps if s.kind == "re_audit"), None)
        if step is not None and not standing.re_audit:
            waiting.append(ReAudit(by_id[audit_id], step.due))
    return sorted(waiting, key=lambda r: (r.due, r.original.audit_id))
