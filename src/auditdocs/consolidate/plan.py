"""What a consolidation decides, without touching a file: which version of each audit is in use, what
goes on the Exceptions sheet, which actions are which, and what people typed into the tracker.

`run` gathers what these functions need (the files found and read, the register before and after
this run's returns, what the tracker holds) and writes what they decide.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field as dc_field

from ..domain import cycle
from ..domain import model as m
from ..domain.dates import parse_date
from ..moderation.forms import VersionFacts, version_facts
from ..tracker import rows as r
from ..tracker.sheets import OldSheet, plain, text_of
from .placing import Placed
from .versions import Held, ReturnedFile, current_version, held, standing

TODO_UNREADABLE = ("Fix what the details say (or move the file out of the folder if it is not an audit form), "
                   "then run consolidate again.")
TODO_UNKNOWN_FORM = ("Ask whoever looks after the form specs to add this form (older versions go in "
                     "form_specs/archive/), then run consolidate again.")
TODO_NO_ID = ("Check that this form was made by auditdocs. If it was, ask for a new copy of the form "
              "for this case and copy the answers into it.")


class Seen:
    """A returned file found in this run: its content (by hash), where it is, and the record read from it
    (for a content the register already knows, read back from the register only when it is needed)."""

    def __init__(self, content_hash: str, folder: str, path: str, *, record: m.AuditRecord | None = None,
                 load=None, audit_id: str = "", status: str = "", form: tuple[str, int | None] | None = None,
                 check: str = "", new: bool = True, order: int = 0, library=None, stat: str = "",
                 hashed: bool = True):
        self.content_hash = content_hash
        self.stat = stat  # the file's size and times when its content was hashed (`files.settled_stat`)
        self.hashed = hashed  # hashed in this run (else known by its stat: as it was when last hashed)
        self.folder = folder  # the folder given, absolute ("" for a file given itself)
        self.path = path  # relative to the folder (as given, for a file given itself)
        self.new = new  # its content is new to the register
        self.order = order  # the order it was found in
        self._record, self._load = record, load
        self.audit_id = record.audit_id if record is not None else audit_id
        self.status = record.status if record is not None else status
        self._form = (record.form_id, record.form_version) if record is not None else form
        self._check = check
        self._library = library  # for `check`, when not given
        self._facts: tuple[VersionFacts | None] | None = None
        self._held: Held | None = None
        self.placed: Placed | None = None  # where `placing` put it (None: where it says)

    @property
    def record(self) -> m.AuditRecord:
        if self._record is None:
            self._record = self._load()
        return self._record

    @property
    def form(self) -> tuple[str, int | None]:
        """The form (id, version) the file is."""
        if self._form is None:
            self._form = (self.record.form_id, self.record.form_version)
        return self._form

    @form.setter
    def form(self, value: tuple[str, int | None]) -> None:
        self._form = value

    @property
    def check(self) -> str:
        """`model.content_check` of what the file says (to tell copies with other answers apart)."""
        if not self._check:
            form_id, version = self.form
            spec = self._library.get(form_id, version) if self._library is not None else None
            self._check = m.content_check(self.record, spec)
        return self._check

    def facts(self, spec: m.FormSpec | None) -> VersionFacts | None:
        """`moderation.forms.version_facts` of what the file says (worked out while its whole record is at hand:
        the run keeps only a light record of the files it read)."""
        if self._facts is None:
            self._facts = (version_facts(spec, self.record),)
        return self._facts[0]

    def held(self) -> Held:
        """`versions.held` of what the file says (worked out while its whole record is at hand)."""
        if self._held is None:
            self._held = held(self.record)
        return self._held

    @property
    def location(self) -> str:
        return r.file_location(self.folder, self.path)

    @property
    def file(self) -> ReturnedFile:
        return ReturnedFile(self.content_hash, self.path, self.location)


@dataclass
class _Candidate:
    """One version of an audit: a file read now, or the version the register has in use (seen None)."""

    file: ReturnedFile
    check: str
    newness: tuple  # (date saved, file time)
    seen: Seen | None = None
    why: str = ""


@dataclass
class Decision:
    """Which version of each audit read in this run is in use, and what goes on the Exceptions sheet."""

    chosen: dict[str, str] = dc_field(default_factory=dict)  # audit id -> content hash in use
    applied: dict[str, Seen] = dc_field(default_factory=dict)  # audits whose version in use was read now
    exceptions: list[dict] = dc_field(default_factory=list)
    duplicates: int = 0
    new: int = 0  # audits that came back for the first time
    updated: int = 0  # audits whose answers changed


def needs_deciding(audit: m.RegisteredAudit | None, seen: list[Seen]) -> bool:
    """Whether this run changes anything for the audit: a content or a place new to the register, two
    different contents, or a content that is not the version in use."""
    if audit is None or any(s.new for s in seen):
        return True
    places = {place for version in audit.returns for place in version.places}
    if any((s.folder, s.path) not in places for s in seen):
        return True
    current = audit.current
    return len({s.content_hash for s in seen}) > 1 or current is None or current.content_hash != seen[0].content_hash


def decide(seen: list[Seen], before: dict[str, m.RegisteredAudit], library, *, prefer_newer: bool,
           today: dt.date, mtime, exists, record_of=None, attached: frozenset[str] = frozenset()) -> Decision:
    """The versions in use and this run's Exceptions rows. Two files with the same audit id: identical
    answers count once; a moderator's copy of the version in use, filled in, is its newer version
    (`moderated_version`); otherwise the versions are ordered by when they were saved (the date in the
    document, then the file's time, then its content: never its name) and the newest stands, unless it lost
    what an earlier one held (`versions.standing`: that one stands, the newer is listed with what it lost), or
    `prefer_newer`, when the newest stands whatever it lost; a file a QA officer attached (`attached`: content
    hashes) wins over the others. `mtime(location)` and
    `exists(location)` ask the disk; `record_of(content_hash)` the register, for the whole record of the
    version in use when its file was not read in this run."""
    decision = Decision()
    by_audit: dict[str, list[Seen]] = {}
    for s in seen:
        if s.status == "unreadable":
            details = "\n".join(p.message for p in s.record.problems) or "The file could not be read."
            decision.exceptions.append(_file_exception(s, "Unreadable", details, TODO_UNREADABLE, today))
            continue
        form_id, version = s.form
        spec = library.get(form_id, version) if form_id else None
        if spec is None:
            what = f"'{form_id}' version {version}" if form_id else "(no form id)"
            decision.exceptions.append(_file_exception(
                s, "Unknown form", f"The form {what} is not in the form specs, so it cannot be put in the tracker.",
                TODO_UNKNOWN_FORM, today))
            continue
        if s.placed is not None and s.placed.refused:
            decision.exceptions.append(_file_exception(s, s.placed.problem, s.placed.details, s.placed.todo, today))
            continue
        if not s.audit_id:
            decision.exceptions.append(_file_exception(
                s, "No audit id", "The form's audit id could not be read, so it cannot be put in the tracker.",
                TODO_NO_ID, today))
            continue
        by_audit.setdefault(s.audit_id, []).append(s)

    for aid, found in by_audit.items():
        audit = before.get(aid)
        tracked_version = audit.current if audit is not None else None
        if not needs_deciding(audit, found):
            if tracked_version is not None and tracked_version.status == "incomplete":
                # (its details and problems as the register keeps what the rules read of it: the same content)
                decision.exceptions.append(_incomplete(found[0], today, tracked_version.record))
            continue
        found = _distinct(found)
        candidates = [_Candidate(s.file, s.check, (s.record.modified or "", mtime(s.location), s.content_hash), s)
                      for s in found]
        if tracked_version is not None:
            tracked = ReturnedFile(tracked_version.content_hash, tracked_version.path,
                                   r.file_location(tracked_version.folder, tracked_version.path))
            still_there = any(exists(r.file_location(f, p)) for f, p in tracked_version.places)
        else:
            tracked, still_there = None, False
        index, why = current_version(tracked, [c.file for c in candidates], still_there)
        if index is None:  # the version in use stays: its file is still there, and was not read now
            record = tracked_version.record
            current = _Candidate(tracked, tracked_version.check,
                                 (record.modified or "", mtime(tracked.location), tracked.file_check))
        else:
            current = candidates[index]
        current.why = why
        copies = [current] + [c for c in candidates if c is not current]
        others = [c for c in copies[1:] if c.check != current.check]
        facts = _facts_of(library, tracked_version, record_of)
        moderated, others = moderated_version(current, others, facts)
        if moderated is not None:
            moderated.why = f"it is the moderated copy of {current.file.shown}"
        # the version in use before, replaced now by a file read in its place (saved again there, or under
        # another name when its own is gone): the oldest of the versions, kept if the new one lost what it held
        earlier = None
        if (index is not None and tracked_version is not None and moderated is None
                and current.file.file_check != tracked_version.content_hash and current.check != tracked_version.check):
            earlier = _Candidate(tracked, tracked_version.check, ("", 0.0, ""))
            earlier.why = "the copy read now in its place has lost what it held"
        pool = [*([earlier] if earlier else []), moderated or current, *others]
        winner = pool[-1] if len(pool) == 1 else None
        if winner is None:
            spec = library.get(*found[0].form)
            ranked = [c for c in pool if prefer_newer or not _changed_moderation(current, c, facts)]
            at, losses = standing([(c.newness, _holds_of(tracked_version, record_of)(c)) for c in ranked],
                                  prefer_newer, spec)
            winner = ranked[at]
            picked = [c for c in pool if c.file.file_check in attached]  # a QA officer's choice (--attach)
            if picked:
                winner, losses = max(picked, key=lambda c: c.newness), {}
            newest = max(pool, key=lambda c: c.newness)
            if picked:
                winner.why = "a QA officer said it is this audit's (consolidate --attach)"
            elif winner is not earlier:
                winner.why = ("it is the newest" if prefer_newer else "it was saved last" if winner is newest
                              else "the newer copies have lost what it holds")
            if others:
                decision.duplicates += 1
            losers = [c for c in copies if c.check != winner.check] if any(winner is c for c in others) else \
                [c for c in pool if c is not winner and c is not earlier and c.check != winner.check]
            for loser in losers:
                gone = next((losses[i] for i, c in enumerate(ranked) if c is loser and i in losses), None)
                if gone:
                    decision.exceptions.append(_lost(aid, loser, winner, gone, audit, today))
                else:
                    decision.exceptions.append(_duplicate(aid, loser, winner, audit, winner is not newest, today))
        decision.chosen[aid] = winner.file.file_check
        if winner.seen is not None:
            decision.applied[aid] = winner.seen
            if tracked_version is None:
                decision.new += 1
            elif winner.file.file_check != tracked_version.content_hash and winner.check != tracked_version.check:
                decision.updated += 1
            if winner.seen.record.status == "incomplete":
                decision.exceptions.append(_incomplete(winner.seen, today))
    return decision


def moderated_version(current: _Candidate, others: list[_Candidate], facts) -> tuple[_Candidate | None, list]:
    """Which of an audit's files with other answers than the version in use (`current`) are its versions
    through moderation: a moderator's copy of it, filled in (the same outside the moderation part, with a
    grade after moderation it lacks), is its newer version; when `current` is that moderated copy, the
    version it was copied from (no grade after moderation) is its earlier one. Returns (the moderated copy
    to use, or None; the files that are neither, which stay duplicates). Two moderated copies that differ
    cannot be told apart: both stay duplicates. `facts(candidate)`: its `VersionFacts` (None: not known)."""
    base = facts(current)
    if base is None:
        return None, others
    same = [c for c in others if (f := facts(c)) is not None and f.outside == base.outside]
    if base.graded:
        earlier = [c for c in same if not facts(c).graded]
        return None, _without(others, earlier)
    graded = [c for c in same if facts(c).graded]
    if len({c.check for c in graded}) != 1:
        return None, others
    return graded[0], _without(others, same)


def _without(items: list, gone: list) -> list:
    return [c for c in items if not any(c is g for g in gone)]


def _facts_of(library, tracked_version: m.Return | None, record_of):
    """`facts(candidate)` for moderated_version: a file's from its record; the version in use's (its file not
    read now) from its whole record in the register. Each by the spec of its own form."""
    def facts(c: _Candidate) -> VersionFacts | None:
        if c.seen is not None:
            return c.seen.facts(library.get(*c.seen.form))
        if tracked_version is None or record_of is None:
            return None
        record = record_of(tracked_version.content_hash)
        return version_facts(library.get(record.form_id, record.form_version), record) if record is not None else None
    return facts


def _distinct(found: list[Seen]) -> list[Seen]:
    """One file per content (the same bytes in two places are one version)."""
    out, contents = [], set()
    for s in found:
        if s.content_hash not in contents:
            contents.add(s.content_hash)
            out.append(s)
    return out


def _file_exception(s: Seen, problem: str, details: str, todo: str, today: dt.date,
                    rec: m.AuditRecord | None = None) -> dict:
    rec = rec or s.record
    return r.exception_row(today, s.path, rec.audit_id, rec.subject, problem, details, todo, s.content_hash,
                           s.location)


def _incomplete(s: Seen, today: dt.date, rec: m.AuditRecord | None = None) -> dict:
    """`rec`: the record of `s`'s content, or what the rules read of it (when it is at hand: `s` may have to
    load its whole record from the register)."""
    rec = rec or s.record
    auditor = rec.subject.get("auditor") or "the auditor"
    return _file_exception(s, "Incomplete", "\n".join(p.message for p in rec.problems),
                           f"Send the form back to {auditor} to complete: they have {cycle.AMEND_WORKING_DAYS} "
                           "working days to amend it. Put the date you sent it in the 'Sent back on' column of the "
                           "Audits sheet, and run consolidate again when it comes back.", today, rec)


def _changed_moderation(current: _Candidate, c: _Candidate, facts) -> bool:
    """A moderator's copy of the version in use (it has a grade after moderation, the version in use has none)
    changed outside its moderation part: it is not a moderation, and does not stand unless the QA officer takes
    it (--prefer-newer)."""
    if c is current:
        return False
    base, other = facts(current), facts(c)
    return base is not None and other is not None and not base.graded and other.graded and other.outside != base.outside


def _holds_of(tracked_version: m.Return | None, record_of):
    """`holds(candidate)` for `versions.standing`: what a file read now holds; the version in use's (its file not
    read now) from its whole record in the register (None: not known)."""
    def holds(c: _Candidate) -> Held | None:
        if c.seen is not None:
            return c.seen.held()
        record = record_of(tracked_version.content_hash) if tracked_version is not None and record_of else None
        return held(record) if record is not None else None
    return holds


def _lost(aid: str, loser: _Candidate, winner: _Candidate, gone: list[str], audit, today: dt.date) -> dict:
    source = winner.seen or loser.seen
    subject = source.record.subject if source else (audit.subject if audit else {})
    if winner.seen is None and winner.file.same_shown_path(loser.file):  # saved again in its place
        said = (f"This file was saved again since it was read, and has lost what it held then: {', '.join(gone)}. "
                "It may have been saved by a program that drops a form's tables or details (Calligra Words does). "
                "The tracker keeps what it held before (the register has it).")
    else:
        said = (f"This file is a newer copy of the audit than {winner.file.shown}, but it has lost what that one "
                f"holds: {', '.join(gone)}. It may have been saved by a program that drops a form's tables or details "
                f"(Calligra Words does). The tracker keeps {winner.file.shown}.")
    return r.exception_row(
        today, loser.file.shown, aid, subject, LOST, said,
        "Ask the auditor to open the form in Word, check it, and send it again. If this file is right after all, run "
        "consolidate again with --prefer-newer. Then move the file that is not wanted out of the folder.",
        loser.file.file_check, loser.file.location)


LOST = "Newer copy lost answers"


def _duplicate(aid: str, loser: _Candidate, winner: _Candidate, audit, hint: bool, today: dt.date) -> dict:
    source = loser.seen or winner.seen
    subject = source.record.subject if source else (audit.subject if audit else {})
    todo = "Check which file is right and move the other one out of the folder."
    if hint:
        todo += " To use the newest file instead, run consolidate again with --prefer-newer."
    return r.exception_row(today, loser.file.shown, aid, subject, "Duplicate",
                           f"This file holds the same audit as {winner.file.shown}, but the answers differ. "
                           f"The tracker uses {winner.file.shown} ({winner.why}).", todo, loser.file.file_check,
                           loser.file.location)


def action_changed(old: m.TrackedAction, new: m.TrackedAction, audit_row: dict, today: dt.date) -> dict:
    """An Exceptions row for a row of a form whose new wording may or may not be the same action."""
    table = f"{audit_row.get('Form ref') or old.table_id}"
    return {"Found on": today, "File": audit_row.get("Source file"), "Audit id": old.audit_id,
            "Case number": audit_row.get("Case number"), "Auditor": audit_row.get("Auditor"),
            "Problem": r.ACTION_CHANGED,
            "Details": f"Row {old.form_row} of action table {table} said '{old.text}' ({old.action_id}) and now says "
                       f"'{new.text}'. The tool cannot tell whether this is the same action reworded, so it keeps "
                       f"both: {old.action_id}, with its status, sign-off and notes, is marked '{r.REMOVED}', and the "
                       f"new wording is {new.action_id}.",
            "What to do": f"If it is the same action, copy what still applies (status, sign-off, notes) from "
                          f"{old.action_id} to {new.action_id} and set {old.action_id} to 'No longer needed'. "
                          "Then delete this row.",
            "File check": audit_row.get("File check"), "File location": audit_row.get("File location")}


def merge_exceptions(old: list[tuple[str, dict]], new: list[dict], seen: list[Seen], exists
                     ) -> list[tuple[str, dict]]:
    """The Exceptions rows after this run, by key. An old row stays unless this run read the same file
    again (by its content, or at its path), read a file of its audit, or its file is gone;
    a row about the tracker itself ('Tracker entry') is worked out again on every run, and one about an
    action that changed stays until someone deletes it. A new row replaces the old one with its key."""
    read_now = [s.file for s in seen]
    audits_read = {s.audit_id for s in seen if s.audit_id}
    new_keyed = [(r.exception_key(row), row) for row in new]
    new_keys = {key for key, _ in new_keyed}
    kept = []
    for key, row in old:
        if key in new_keys:
            continue
        problem, aid = text_of(row.get("Problem")), text_of(row.get("Audit id"))
        location = text_of(row.get("File location"))
        earlier = ReturnedFile(text_of(row.get("File check")), text_of(row.get("File")), location or text_of(row.get("File")))
        if problem == r.ACTION_CHANGED:
            kept.append((key, row))
        elif problem == r.TRACKER_ENTRY:
            continue
        elif aid in audits_read or any(earlier.read_again(f) for f in read_now) or (location and not exists(location)):
            continue
        else:
            kept.append((key, row))
    out, placed = [], set()
    for key, row in kept + new_keyed:
        if key not in placed:
            placed.add(key)
            out.append((key, row))
    return out


# ---- what people typed into the tracker ------------------------------------------------------------


@dataclass
class ReadBack:
    """What the tracker's people's columns say, for the register."""

    cells: dict[str, dict[str, dict[str, object]]] = dc_field(default_factory=dict)  # sheet -> key -> heading -> value
    action_states: dict[str, dict[str, object]] = dc_field(default_factory=dict)  # action id -> TrackedAction fields
    events: list[m.Event] = dc_field(default_factory=list)  # to record
    gone: list[int] = dc_field(default_factory=list)  # events to delete (their cells were cleared or changed)


def _value(value):
    value = plain(value)
    if value is not None and not isinstance(value, (str, int, float, bool, dt.date, dt.time)):
        value = str(value)  # formatted text
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _day(value) -> dt.date | None | str:
    """A date typed in a cell (None when empty; the text when it is not a date)."""
    value = _value(value)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return parse_date(value) or str(value)


def read_back(old: dict[str, OldSheet], audits: dict[str, m.RegisteredAudit], today: dt.date,
              shown_until: dt.datetime | None = None) -> ReadBack:
    """What people typed in the tracker (managers' and QA officers' columns, their own columns), as the
    register holds it: cells by sheet and row key, action states, and QA officers' events.

    `shown_until`: when the tracker was last written. An event recorded after it (by `parse --sent`,
    `allocate`…) was never shown in the tracker, so its empty cell does not clear it."""
    back = ReadBack()
    actions = {a.action_id: a for audit in audits.values() for a in audit.actions}
    for sheet in r.DATA_SHEETS:
        sheet_old = old.get(sheet.name)
        if sheet_old is None or not sheet_old.headers:
            continue
        generated = sheet.generated
        cells = back.cells.setdefault(sheet.name, {})
        rows: dict[str, dict] = {}
        for key, row, whole in zip(sheet_old.keys, sheet_old.rows, sheet_old.whole):
            if not key or whole:
                continue
            typed = {h: _value(v) for h, v in row.items() if h not in generated}
            rows[key] = _both_copies(rows[key], typed) if key in rows else typed
        for key, typed in rows.items():
            if sheet is r.AUDITS and key in audits:
                typed = _audit_events(audits[key], typed, back, today, shown_until)
            elif sheet is r.ACTIONS and key in actions:
                back.action_states[key] = _action_state(typed)
                typed = _without_default_status(typed)
            cells[key] = {h: v for h, v in typed.items() if v is not None}
    return back


def _both_copies(first: dict, second: dict) -> dict:
    """People's cells of a row that is in the tracker twice (copied by a person, or written twice by an older
    auditdocs over a register that was lost): nothing typed in either is lost. Where both hold something,
    the first copy's is kept; an action's status counts only when it is not the one every new action has."""
    out = dict(first)
    for heading, value in second.items():
        held = out.get(heading)
        if value is not None and (held is None or held == "" or (
                heading == "Status" and text_of(held) == cycle.ACTION_STATUSES[0])):
            out[heading] = value
    return out


def _without_default_status(cells: dict) -> dict:
    """An action's managers' cells without the status the tracker gives every new action ("Open"): that is
    no one's entry, whether the tracker read back was written by a run that finished or not."""
    return {h: v for h, v in cells.items() if not (h == "Status" and v == cycle.ACTION_STATUSES[0])}


def _action_state(typed: dict) -> dict:
    """The TrackedAction fields the managers' columns give (a date that is not one counts as none)."""
    dates = {h: _day(typed.get(h)) for h in ("Completed on", "Signed off on")}
    dates = {h: d if isinstance(d, dt.date) else None for h, d in dates.items()}
    return {"status": text_of(typed.get("Status")) or "Open", "done_on": dates["Completed on"],
            "signed_off_by": text_of(typed.get("Signed off by")), "signed_off_on": dates["Signed off on"]}


def tracker_entries(sheet_rows: dict[str, list[tuple[str, dict]]], today: dt.date) -> list[dict]:
    """'Tracker entry' Exceptions rows for what people typed that the tracker cannot use: a status not on
    the list, a date that is not a date. Those are kept as typed; this says so, on every run."""
    known = {s.casefold() for s in cycle.ACTION_STATUSES}
    out = []

    def entry(audit_id, case, where, what, todo):
        out.append({"Found on": today, "File": None, "Audit id": audit_id or None, "Case number": case or None,
                    "Auditor": None, "Problem": r.TRACKER_ENTRY, "Details": f"{where}: {what}", "What to do": todo})

    for key, row in sheet_rows.get(r.ACTIONS.name, []):
        if not key or key != text_of(row.get("Action id")):
            continue
        where, aid, case = f"Actions sheet, action {key}", text_of(row.get("Audit id")), text_of(row.get("Case number"))
        status = text_of(row.get("Status"))
        if status and status.casefold() not in known:
            entry(aid, case, where, f"the Status '{status}' is not a status the tracker knows "
                                    f"({', '.join(cycle.ACTION_STATUSES)}), so the action counts as not done. "
                                    "It is kept as typed.", "Choose the status from the list in the Status cell.")
        for heading in ("Completed on", "Signed off on"):
            day = _day(row.get(heading))
            if isinstance(day, str):
                entry(aid, case, where, f"'{heading}' holds '{day}', which is not a date, so it is kept as typed.",
                      f"Type the date in the '{heading}' cell as dd/mm/yyyy.")
    for key, row in sheet_rows.get(r.AUDITS.name, []):
        if not key or key != text_of(row.get("Audit id")):
            continue
        for heading in r.QA_DATES:
            value = row.get(heading)
            day = _day(value) if value is not None and not isinstance(value, dt.date) else value
            if isinstance(day, str):
                entry(key, text_of(row.get("Case number")), f"Audits sheet, audit {key}",
                      f"'{heading}' holds '{day}', which is not a date, so nothing was recorded; it is kept as typed.",
                      f"Type the date in the '{heading}' cell as dd/mm/yyyy.")
    return out


def shown_event(event: m.Event | None, fields: dict[str, str]) -> dict[str, object]:
    """The QA columns of an event kind as the Audits sheet shows its latest event."""
    if event is None:
        return {}
    return {heading: getattr(event, field) or None for field, heading in fields.items()}


def _audit_events(audit: m.RegisteredAudit, typed: dict, back: ReadBack, today: dt.date,
                  shown_until: dt.datetime | None = None) -> dict:
    """Turn what the QA columns of an Audits row say into events (recorded, changed or deleted); what
    cannot be an event (a date that is not one) is kept as typed, and listed. Only an event the tracker
    showed (recorded by `shown_until`) is changed or deleted by what its cells say."""
    keep = {h: v for h, v in typed.items() if h not in r.QA_DATES and h not in _QA_FIELDS}
    for kind, (date_heading, fields) in r.QA_EVENTS.items():
        events = audit.events_of(kind)
        shown = [e for e in events if shown_until is None or e.who == FROM_TRACKER or e.recorded is None
                 or e.recorded <= shown_until]
        latest = shown[-1] if shown else None
        day = _day(typed.get(date_heading))
        others = {h: text_of(typed.get(h)) or None for h in fields.values()}
        shown_day = latest.on if latest else None
        if day == shown_day and others == shown_event(latest, fields):
            continue
        if any(e.on == day and others == shown_event(e, fields) for e in events if e not in shown):
            continue  # typed as a command recorded it since the tracker was written
        if day is None and not any(others.values()):
            if latest is not None:
                back.gone.append(latest.id)
            continue
        if isinstance(day, str):  # kept as typed (and listed, see tracker_entries)
            keep[date_heading] = typed.get(date_heading)
            keep.update({h: typed.get(h) for h in fields.values() if typed.get(h) is not None})
            continue
        if latest is not None and not (kind == "sent_back" and day and shown_day and day > shown_day):
            back.gone.append(latest.id)  # corrected; a later 'sent back' date is another sending
        fields_typed = {field: others[heading] or "" for field, heading in fields.items()}
        back.events.append(m.Event(kind, day or today, audit.audit_id, who=FROM_TRACKER, **fields_typed))
    return keep


_QA_FIELDS = {h for _, fields in r.QA_EVENTS.values() for h in fields.values()}
FROM_TRACKER = "the tracker"  # who recorded the events typed in the tracker

