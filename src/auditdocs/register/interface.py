"""What a use case may ask of the audit register, whatever keeps it (issue 23, item 4).

`AuditRegister` is the register as the rest of auditdocs sees it: domain objects in and out, never
rows, paths of the register's own files or SQL. The SQLite store (`store.Register`, opened with
`register.open_register` or `Workspace.open_register`, one transaction per `with`) implements it; a
register a whole QA team shares on a database server can be a second implementation. Functions
outside `register/` take an `AuditRegister` (or the workspace that opens one), never a register path.

Writing needs a register opened with `write=True`; everything done is committed when its `with`
ends normally, or none of it.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Protocol

from ..domain import cycle
from ..domain import model as m

if TYPE_CHECKING:
    from .store import AuditorHistory, ReturnCounts, SeenFile, TrackerState


class AuditRegister(Protocol):
    """An open audit register: every audit from allocation to sign-off (see the package docstring)."""

    path: Path  # where it is, for messages
    notes: list[str]  # what the person running the step should be told (a writer lock taken over)

    # ---- writing ----

    def commit(self) -> None:
        """Commit now what was done (nothing may be changed after this)."""
        ...

    def record_audits(self, audits: Iterable[m.RegisteredAudit], *, now: dt.datetime | None = None) -> int:
        """Add or update allocated audits (their details); how many were new."""
        ...

    def record_returns(self, folder: Path | str, files: Iterable[SeenFile], *,
                       now: dt.datetime | None = None) -> ReturnCounts:
        """The returned files found under `folder` in this run (a new content with its record)."""
        ...

    def attach_content(self, content_hash: str, audit_id: str) -> None:
        """A returned content is (now) a version of `audit_id` ('': of no audit)."""
        ...

    def choose_version(self, audit_id: str, content_hash: str) -> None:
        """The version of an audit to use until another comes back ('': the latest)."""
        ...

    def record_events(self, events: Iterable[m.Event], *, now: dt.datetime | None = None) -> list[int]:
        """Add events (model.EVENT_KINDS: sent back, exempted, moderated…); their ids."""
        ...

    def delete_events(self, ids: Iterable[int]) -> None:
        """Remove events recorded by mistake."""
        ...

    def record_actions(self, actions: Iterable[m.TrackedAction], *, now: dt.datetime | None = None) -> None:
        """Add actions, or update what the form says about actions already known by their id."""
        ...

    def set_action_status(self, action_id: str, status: str, done_on: dt.date | None = None,
                          signed_off_by: str = "", signed_off_on: dt.date | None = None) -> None:
        """What the team manager says about an action (from the tracker)."""
        ...

    def save_exceptions(self, rows: Iterable[tuple[str, dict[str, object]]]) -> None:
        """The rows of the tracker's Exceptions sheet, in order, each with its row key (replacing all)."""
        ...

    def record_tracker(self, path: Path | str, sha256: str, skeleton: bytes, layouts: dict[str, list[str]], *,
                       now: dt.datetime | None = None) -> None:
        """The tracker as written: its hash, its skeleton and the row keys of its sheets."""
        ...

    def save_tracker_columns(self, sheet: str, rows: dict[str, dict[str, object]]) -> None:
        """The managers' and QA officers' cells of `sheet`, by row key (each row given replaced)."""
        ...

    def keep_rendered(self, sheet: str, rows: dict[str, tuple]) -> None:
        """Keep the tracker rows made for `sheet`: key -> (signature, data, CRC-32, length, rows[, meta])."""
        ...

    def forget_rendered(self, sheet: str, keys: set[str]) -> None:
        """Let go of the tracker rows kept for `sheet` whose key is not one of `keys` (rows no longer on it)."""
        ...

    def keep_theme_tags(self, tags: dict[str, tuple[str, list | bytes]]) -> None:
        """Keep the theme tags of contents: content hash -> (signature, tags: a list, or `pack_tags` of it)."""
        ...

    def record_learning(self, entries: Iterable[m.LearningAction], *, now: dt.datetime | None = None) -> None:
        """Add actions to the organisational learning log, or update those already there by their id."""
        ...

    # ---- reading ----

    def audit(self, audit_id: str) -> m.RegisteredAudit | None:
        """One audit, by its id (None: not in the register)."""
        ...

    def audits(self, *, month: dt.date | None = None, first: dt.date | None = None, last: dt.date | None = None,
               audit_year: int | None = None, year_start: int = cycle.YEAR_START_MONTH,
               auditor: str | None = None, case_number: str | None = None, team: str | None = None,
               ids: Iterable[str] | None = None, summaries: bool = False) -> list[m.RegisteredAudit]:
        """Audits by month, months first..last, audit year, auditor, case, team or ids; by month, then id."""
        ...

    def months(self) -> list[dt.date]:
        """Every month the register has audits for, oldest first."""
        ...

    def auditor_history(self, auditor: str, *, year_start: int = cycle.YEAR_START_MONTH) -> AuditorHistory:
        """Everything the auditor was allocated, by audit year."""
        ...

    def case_history(self, case_number: str) -> list[m.RegisteredAudit]:
        """Every audit of a case, oldest month first."""
        ...

    def moderation(self, *, first: dt.date | None = None, last: dt.date | None = None) -> list[m.RegisteredAudit]:
        """Audits selected for moderation, moderated or disputed, in months first..last."""
        ...

    def revisions(self) -> dict[str, tuple[int, str]]:
        """audit id -> (revision, case number): a revision changes whenever anything of its audit does."""
        ...

    def known_contents(self, hashes: Iterable[str]) -> set[str]:
        """Which of these content hashes were already read (no need to read those files again)."""
        ...

    def seen_again(self, folder: Path | str, files: Iterable[tuple[str, str, str]], *,
                   now: dt.datetime | None = None) -> int:
        """(path, content hash, stat) of files of known contents hashed again: their stat now, and their places
        not known yet (moved, renamed, copied). How many such places."""
        ...

    def known_by_stat(self, folder: Path | str) -> dict[tuple[str, str], str]:
        """(path, stat) -> content hash of the files last seen under `folder`, by their size and times then."""
        ...

    def content_facts(self, hashes: Iterable[str]) -> dict[str, tuple[str, str, tuple[str, int | None] | None]]:
        """content hash -> (audit id, status, (form id, version)) of contents already read."""
        ...

    def keys(self) -> tuple[set[str], set[str]]:
        """Every audit id and every action id the register holds."""
        ...

    def actions(self, audit_ids: Iterable[str]) -> dict[str, list[m.TrackedAction]]:
        """audit id -> its actions, without the rest of each audit."""
        ...

    def record_of(self, content_hash: str) -> m.AuditRecord | None:
        """The record read from a content, with the path it was last seen at as its file."""
        ...

    def unidentified(self, folder: Path | str | None = None) -> list[m.Return]:
        """Returned files that could not be identified as any audit (most recently seen first)."""
        ...

    def rendered(self, sheet: str, signatures: dict[str, str]) -> dict[str, tuple[bytes, int, int, int, dict]]:
        """The tracker rows kept for `sheet` whose signature is still the same, by key."""
        ...

    def rendered_meta(self, sheet: str, signatures: dict[str, str]) -> dict[str, dict]:
        """What `rendered` gives of each key as its meta, without the rows themselves."""
        ...

    def theme_tags(self, signatures: dict[str, str]) -> Iterator[tuple[str, list]]:
        """The theme tags kept for each content of `signatures` (content hash -> signature) whose signature is
        still the same, one content at a time: (content hash, its tags)."""
        ...

    def theme_tags_kept(self) -> dict[str, str]:
        """content hash -> the signature its theme tags are kept with, for every content whose tags are kept."""
        ...

    def exceptions(self) -> list[tuple[str, dict[str, object]]]:
        """The rows of the tracker's Exceptions sheet, in order: (row key, heading -> value)."""
        ...

    def tracker_written(self, sha256: str) -> TrackerState | None:
        """The tracker this register last wrote with these bytes, if any."""
        ...

    def tracker_last_written(self, path: Path | str | None) -> dt.datetime | None:
        """When the tracker at `path` (else any) was last written; None: never."""
        ...

    def tracker_columns(self, sheet: str) -> dict[str, dict[str, object]]:
        """The managers' and QA officers' cells of `sheet` the register holds, by row key."""
        ...

    def learning_log(self) -> list[m.LearningAction]:
        """The organisational learning log, by id (people's columns of its tracker sheet: `tracker_columns`)."""
        ...
