"""Consolidation: put the audit records read from returned forms into the tracker workbook."""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path

import openpyxl

from .. import model as m
from ..dates import parse_date
from ..errors import UserError
from . import actions, safety, sheets, versions
from . import rows as r
from .sheets import OldSheet, plain, text_of
from .versions import ReturnedFile

TODO_UNREADABLE = ("Fix what the details say (or move the file out of the folder if it is not an audit form), "
                   "then run consolidate again.")
TODO_UNKNOWN_FORM = ("Ask whoever looks after the form specs to add this form (older versions go in "
                     "form_specs/archive/), then run consolidate again.")
TODO_NO_ID = ("Check that this form was made by auditdocs. If it was, ask for a new copy of the form "
              "for this case and copy the answers into it.")


@dataclass
class Summary:
    """What a consolidation did, for the person who ran it: print `lines()`."""

    tracker: Path
    files: int = 0
    complete: int = 0
    incomplete: int = 0
    unreadable: int = 0
    audits_new: int = 0
    audits_updated: int = 0
    audits_total: int = 0
    actions_total: int = 0
    actions_new: int = 0
    actions_removed: int = 0
    actions_overdue: int = 0
    duplicates: int = 0  # audits that came in as different files with different answers
    exceptions: int = 0  # files listed on the Exceptions sheet in this run
    backup: Path | None = None
    created: bool = False

    @property
    def needs_attention(self) -> bool:
        """Something on the Exceptions sheet came from this run (unreadable, incomplete, duplicates…)."""
        return bool(self.exceptions or self.unreadable or self.incomplete or self.duplicates)

    def lines(self) -> list[str]:
        def n(count: int, word: str) -> str:
            return f"{count} {word}{'' if count == 1 else 's'}"

        out = [f"Read {n(self.files, 'file')}: {self.complete} complete, {self.incomplete} incomplete, "
               f"{self.unreadable} unreadable.",
               f"The tracker has {n(self.audits_total, 'audit')} "
               f"({self.audits_new} new, {self.audits_updated} updated) "
               f"and {n(self.actions_total, 'action')} ({self.actions_new} new, "
               f"{self.actions_removed} removed from their form, {self.actions_overdue} overdue)."]
        if self.duplicates:
            out.append(f"{n(self.duplicates, 'audit')} came in twice with different answers: "
                       "see the Exceptions sheet.")
        if self.exceptions:
            out.append(f"{n(self.exceptions, 'file')} need{'s' if self.exceptions == 1 else ''} attention: "
                       "see the Exceptions sheet for what to do.")
        out.append(f"{'Created' if self.created else 'Updated'} {self.tracker}")
        if self.backup:
            out.append(f"The previous version is kept in {self.backup}")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


@dataclass
class _Candidate:
    """One version of an audit: a record read now, or the row already in the tracker (record None)."""

    file: ReturnedFile
    check: str
    newness: tuple
    record: m.AuditRecord | None = None
    spec: m.FormSpec | None = None
    why: str = ""


@dataclass
class _Plan:
    apply: list[tuple[m.AuditRecord, m.FormSpec]] = dc_field(default_factory=list)
    exceptions: list[dict] = dc_field(default_factory=list)
    duplicates: int = 0


def consolidate(records: list[m.AuditRecord], library, tracker_path: Path, *,
                prefer_newer: bool = False, now: dt.datetime | None = None) -> Summary:
    """Create or update the tracker workbook at `tracker_path` from the records of returned forms.

    `records` are all the forms read (complete, incomplete and unreadable); `library` is the
    form specs (`specs.open_library()`). Complete and incomplete audits go to the Audits,
    Answers, Judgements and Actions sheets; unreadable and incomplete ones, and audits that
    came in twice with different answers, to Exceptions. Audits already in the tracker and
    not in `records` are kept as they are. Managers' columns, rows, columns and sheets are
    never lost (see `tracker.actions` for how actions keep their ids).

    Two files with the same audit id: identical answers count once; otherwise the audit
    already in the tracker (or the first file read) is kept, unless `prefer_newer`, when the
    newest file wins (date saved, then file time).

    The previous tracker is backed up first (`<name> backups` beside it, last 10 kept) and
    the new one written to a temporary file and renamed over it. Raises UserError, changing
    nothing, if the tracker is open in Excel, not writable, unreadable, not a tracker, or holds
    things that would be lost (charts, pictures, pivot tables, macros, newer Excel features).
    """
    now = now or dt.datetime.now()
    path = Path(tracker_path)
    records = [dataclasses.replace(rec, file=os.path.abspath(rec.file)) for rec in records]
    safety.check_before_update(path)
    existed = path.exists()
    wb = safety.load(path) if existed else _new_workbook()
    if existed and not any(s in wb.sheetnames for s in (r.AUDITS.name, r.ACTIONS.name)):
        raise UserError(f"{path} does not look like an auditdocs tracker (it has no Audits or Actions sheet), "
                        "so it was not changed. Give a new file name to start a tracker.")
    old = {s.name: sheets.read(wb[s.name]) if s.name in wb.sheetnames else OldSheet() for s in r.DATA_SHEETS}
    for s in r.DATA_SHEETS:
        heading = s.key[0]
        if old[s.name].headers and heading not in old[s.name].headers:
            raise UserError(
                f"the {s.name} sheet of {path} has no '{heading}' heading in its first row, so its rows cannot "
                f"be matched. If rows were inserted above the headings, delete them; if the heading was renamed, "
                f"change it back to '{heading}'. Then run again. {safety.NOTHING_CHANGED}")
    plan = _plan(records, library, old[r.AUDITS.name], prefer_newer, now.date())
    tracked = {text_of(row.get("Audit id")): row for row in old[r.AUDITS.name].rows}

    new: dict[str, dict[str, list[dict]]] = {s.name: {} for s in r.DATA_SHEETS}
    summary = Summary(path, created=not existed, duplicates=plan.duplicates)
    for record, spec in plan.apply:
        aid = record.audit_id
        before = tracked.get(aid)
        returned = (parse_date(record.modified) or (before and parse_date(plain(before.get("Returned"))))
                    or now.date())
        new[r.AUDITS.name][aid] = [r.audit_row(spec, record, returned)]
        new[r.ANSWERS.name][aid] = r.answer_rows(spec, record)
        new[r.JUDGEMENTS.name][aid] = r.judgement_rows(spec, record)
        new[r.ACTIONS.name][aid] = r.action_rows(spec, record)
        if before is None:
            summary.audits_new += 1
        elif text_of(before.get("Content check")) != r.content_check(record):
            summary.audits_updated += 1

    merged = {s.name: _merge_by_audit(old[s.name].rows, new[s.name], s)
              for s in (r.AUDITS, r.ANSWERS, r.JUDGEMENTS)}
    merged[r.ACTIONS.name], counts = actions.merge(old[r.ACTIONS.name].rows, new[r.ACTIONS.name])
    for was, kept, added in counts.unsure:
        plan.exceptions.append(_action_changed_row(was, kept, added, new[r.AUDITS.name][text_of(added["Audit id"])][0],
                                                   now.date()))
    plan.exceptions += _odd_manager_entries(merged[r.ACTIONS.name], now.date())
    merged[r.EXCEPTIONS.name] = _merge_exceptions(old[r.EXCEPTIONS.name].rows, records, new[r.AUDITS.name],
                                                  plan.exceptions)
    for s in r.DATA_SHEETS:
        ws = wb[s.name] if s.name in wb.sheetnames else wb.create_sheet(s.name)
        headers = sheets.write(ws, s, old[s.name], merged[s.name])
        if s is r.ACTIONS:
            sheets.mark_actions(ws, headers, len(merged[s.name]))

    audits = [row for row in merged[r.AUDITS.name] if text_of(row.get("Audit id"))]
    ours = [row for row in merged[r.ACTIONS.name] if text_of(row.get("Action id"))]
    summary.files = len(records)
    for status in ("complete", "incomplete", "unreadable"):
        setattr(summary, status, sum(1 for rec in records if rec.status == status))
    summary.audits_total = len(audits)
    summary.actions_total = len(ours)
    summary.actions_new, summary.actions_removed = counts.new, counts.removed
    summary.actions_overdue = sum(1 for row in ours if _overdue(row, now.date()))
    summary.exceptions = len(plan.exceptions)
    about = wb[r.ABOUT] if r.ABOUT in wb.sheetnames else wb.create_sheet(r.ABOUT)
    sheets.write_about(about, _about_lines(summary, records, audits, ours, merged, path, now))
    summary.backup = safety.save(wb, path, now)
    return summary


def _new_workbook() -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for s in r.DATA_SHEETS:
        wb.create_sheet(s.name)
    wb.create_sheet(r.ABOUT)
    return wb


# ---- which record goes in ----------------------------------------------------------


def returned_file(rec: m.AuditRecord) -> ReturnedFile:
    return ReturnedFile(rec.file_check, rec.shown_file, os.path.abspath(rec.file))


def remembered_file(row: dict, shown: str) -> ReturnedFile:
    """A file as a tracker row remembers it (trackers made before file checks: by its path alone)."""
    return ReturnedFile(text_of(row.get("File check")), text_of(row.get(shown)),
                        text_of(row.get("File location")) or text_of(row.get(shown)))


def _mtime(file: str) -> float:
    try:
        return os.path.getmtime(file)
    except OSError:
        return 0.0


def _plan(records, library, audits: OldSheet, prefer_newer: bool, today: dt.date) -> _Plan:
    plan = _Plan()
    tracked = {text_of(row.get("Audit id")): row for row in audits.rows if text_of(row.get("Audit id"))}
    by_audit: dict[str, list[_Candidate]] = {}
    for rec in records:
        if rec.status == "unreadable":
            details = "\n".join(p.message for p in rec.problems) or "The file could not be read."
            plan.exceptions.append(r.exception_row(rec, "Unreadable", details, TODO_UNREADABLE, today))
            continue
        spec = library.get(rec.form_id, rec.form_version) if rec.form_id else None
        if spec is None:
            what = f"'{rec.form_id}' version {rec.form_version}" if rec.form_id else "(no form id)"
            plan.exceptions.append(r.exception_row(
                rec, "Unknown form", f"The form {what} is not in the form specs, so it cannot be put in the tracker.",
                TODO_UNKNOWN_FORM, today))
            continue
        if not rec.audit_id:
            plan.exceptions.append(r.exception_row(
                rec, "No audit id", "The form's audit id could not be read, so it cannot be put in the tracker.",
                TODO_NO_ID, today))
            continue
        by_audit.setdefault(rec.audit_id, []).append(
            _Candidate(returned_file(rec), r.content_check(rec), (rec.modified or "", _mtime(rec.file)), rec, spec))

    for aid, found in by_audit.items():
        row = tracked.get(aid)
        earlier = remembered_file(row, "Source file") if row is not None else None
        still_there = earlier is not None and bool(earlier.location) and os.path.exists(earlier.location)
        index, why = versions.current_version(earlier, [c.file for c in found], still_there)
        if index is None:  # the tracker's own version stays: its file is still there, and was not read now
            returned = parse_date(plain(row.get("Returned")))
            current = _Candidate(earlier, text_of(row.get("Content check")),
                                 (returned.isoformat() if returned else "", _mtime(earlier.location)))
        else:
            current = found[index]
        current.why = why
        copies = [current] + [c for c in found if c is not current]
        if all(c.check == current.check for c in copies):
            winner = current
        else:
            plan.duplicates += 1
            winner = max(copies, key=lambda c: c.newness) if prefer_newer else current
            if prefer_newer:
                winner.why = "it is the newest"
            for loser in copies:
                if loser.check != winner.check:
                    plan.exceptions.append(_duplicate_row(aid, loser, winner, row, prefer_newer, today))
        if winner.record is not None:
            plan.apply.append((winner.record, winner.spec))
            if winner.record.status == "incomplete":
                details = "\n".join(p.message for p in winner.record.problems)
                auditor = winner.record.subject.get("auditor") or "the auditor"
                plan.exceptions.append(r.exception_row(
                    winner.record, "Incomplete", details,
                    f"Send the form back to {auditor} to complete: they have 3 working days to amend it. "
                    "Run consolidate again when it comes back.", today))
    return plan


def _duplicate_row(aid: str, loser: _Candidate, winner: _Candidate, tracked_row, prefer_newer: bool,
                   today: dt.date) -> dict:
    source = loser.record or winner.record
    subject = source.subject if source else {}
    if tracked_row is not None and not subject:
        subject = {"case_number": text_of(tracked_row.get("Case number")),
                   "auditor": text_of(tracked_row.get("Auditor"))}
    todo = "Check which file is right and move the other one out of the folder."
    if not prefer_newer:
        todo += " To use the newest file instead, run consolidate again with --prefer-newer."
    return {"Found on": today, "File": loser.file.shown, "File check": loser.file.file_check or None,
            "File location": loser.file.location, "Audit id": aid,
            "Case number": subject.get("case_number") or None, "Auditor": subject.get("auditor") or None,
            "Problem": "Duplicate",
            "Details": f"This file holds the same audit as {winner.file.shown}, but the answers differ. "
                       f"The tracker uses {winner.file.shown} ({winner.why}).",
            "What to do": todo}


ACTION_CHANGED = "Action changed"


def _action_changed_row(was: dict, kept: dict, added: dict, audit: dict, today: dt.date) -> dict:
    """An Exceptions row for a row of a form whose new wording may or may not be the same action."""
    old_id, new_id = text_of(kept.get("Action id")), text_of(added.get("Action id"))
    before = text_of(was.get("Action")) or text_of(was.get("Next steps"))
    after = text_of(added.get("Action")) or text_of(added.get("Next steps"))
    return {"Found on": today, "File": audit.get("Source file"), "Audit id": audit.get("Audit id"),
            "Case number": audit.get("Case number"), "Auditor": audit.get("Auditor"), "Problem": ACTION_CHANGED,
            "Details": f"Row {text_of(was.get('Form row'))} of action table {text_of(was.get('Form ref'))} said "
                       f"'{before}' ({old_id}) and now says '{after}'. The tool cannot tell whether this is the "
                       f"same action reworded, so it keeps both: {old_id}, with its status, sign-off and notes, is "
                       f"marked '{r.REMOVED}', and the new wording is {new_id}.",
            "What to do": f"If it is the same action, copy what still applies (status, sign-off, notes) from {old_id} "
                          f"to {new_id} and set {old_id} to 'No longer needed'. Then delete this row."}


TRACKER_ENTRY = "Tracker entry"
MANAGER_DATES = ("Completed on", "Signed off on")


def _odd_manager_entries(rows: list[dict], today: dt.date) -> list[dict]:
    """Exceptions rows for what managers typed that the tracker cannot use: a status not on the
    list, a date that is not a date. Those are kept as typed; this says so, on every run."""
    known = {s.casefold() for s in r.STATUSES}
    out = []
    for n, row in enumerate(rows, start=2):
        action = text_of(row.get("Action id"))
        if actions.number_of(row) is None:
            continue
        where = f"Actions sheet, row {n} ({action})"
        status = text_of(row.get("Status"))
        if status and status.casefold() not in known:
            out.append((where, f"the Status '{status}' is not a status the tracker knows ({', '.join(r.STATUSES)}), "
                               "so the action counts as not done. It is kept as typed.",
                        "Choose the status from the list in the Status cell.", row))
        for heading in MANAGER_DATES:
            value = plain(row.get(heading))
            if value not in (None, "") and not isinstance(value, dt.date):
                out.append((where, f"'{heading}' holds '{text_of(value)}', which is not a date, so it is kept as typed.",
                            f"Type the date in the '{heading}' cell as dd/mm/yyyy.", row))
    return [{"Found on": today, "File": None, "Audit id": text_of(row.get("Audit id")),
             "Case number": text_of(row.get("Case number")) or None, "Auditor": None, "Problem": TRACKER_ENTRY,
             "Details": f"{where}: {what}", "What to do": todo} for where, what, todo, row in out]


# ---- merging rows ---------------------------------------------------------------------


def _key(sheet: r.SheetDef, row: dict) -> tuple[str, ...]:
    return tuple(text_of(row.get(h)) for h in sheet.key)


def _merge_by_audit(old_rows: list[dict], new_by_audit: dict[str, list[dict]], sheet: r.SheetDef) -> list[dict]:
    """Rows of the audits in this run replace their old rows (in place); all others are kept.

    Columns managers added travel with the row that has the same key (see SheetDef.key).
    """
    replaced: dict[tuple, dict] = {}
    out: list = []  # old rows kept, and audit ids where the audit's new rows go
    placed: set[str] = set()
    for row in old_rows:
        aid = text_of(row.get("Audit id"))
        if aid not in new_by_audit:
            out.append(row)
            continue
        replaced.setdefault(_key(sheet, row), row)
        if aid not in placed:
            out.append(aid)
            placed.add(aid)
    out += [aid for aid in new_by_audit if aid not in placed]
    merged = []
    for item in out:
        if isinstance(item, str):
            merged += [_carry(sheet, row, replaced) for row in new_by_audit[item]]
        else:
            merged.append(item)
    return merged


def _carry(sheet: r.SheetDef, row: dict, replaced: dict[tuple, dict], key=None) -> dict:
    """A new row, with the managers' columns and cell notes of the old row with the same key
    (`key(row)`, by default the sheet's key columns)."""
    old = replaced.get(key(row) if key else _key(sheet, row))
    if old is None:
        return row
    extras = {h: v for h, v in old.items() if h not in sheet.headers}
    return {**extras, **sheets.refreshed(old, row, sheet.headers)}


def _merge_exceptions(old_rows: list[dict], records, applied: dict, new_rows: list[dict]) -> list[dict]:
    """Old exceptions stay unless this run read the same file again (by its content, or at its path),
    updated the audit, or the file is gone. Managers' columns travel to the new row for the same file."""
    read_now = [returned_file(rec) for rec in records]
    kept, replaced = [], {}
    for row in old_rows:
        problem, aid = text_of(row.get("Problem")), text_of(row.get("Audit id"))
        seen = remembered_file(row, "File")
        if problem == ACTION_CHANGED:  # about the tracker's actions: kept until someone deletes it
            kept.append(row)
        elif problem == TRACKER_ENTRY:  # worked out again on every run
            replaced.setdefault(_exception_key(row), row)
        elif aid in applied or any(seen.read_again(f) for f in read_now) or (seen.location and not os.path.exists(seen.location)):
            replaced.setdefault(_exception_key(row), row)
        else:
            kept.append(row)
    return kept + [_carry(r.EXCEPTIONS, row, replaced, _exception_key) for row in new_rows]


def _exception_key(row: dict) -> tuple[str, ...]:
    """The same problem with the same file: by its content when known, else by its shown path."""
    return (text_of(row.get("File check")) or text_of(row.get("File")), text_of(row.get("Audit id")),
            text_of(row.get("Problem")))


def _overdue(row: dict, today: dt.date) -> bool:
    due = parse_date(plain(row.get("Required date")))
    return due is not None and due < today and actions.is_open(row)


def _about_lines(summary: Summary, records, audits, ours, merged, path: Path, now: dt.datetime):
    folders = sorted({str(Path(rec.file).parent) for rec in records if rec.file})
    statuses = [text_of(row.get("Status")) for row in audits]
    removed = sum(1 for row in ours if text_of(row.get("On form")) == r.REMOVED)
    manager = ", ".join(r.MANAGER_HEADERS)
    return [
        ("auditdocs tracker", ""),
        ("Last updated", now.replace(microsecond=0)),
        ("Files read in the last update", f"{summary.files}: {summary.complete} complete, "
                                          f"{summary.incomplete} incomplete, {summary.unreadable} unreadable"),
        ("Read from", "\n".join(folders)),
        ("Audits in the tracker", f"{len(audits)}: {statuses.count('complete')} complete, "
                                  f"{statuses.count('incomplete')} incomplete"),
        ("Actions in the tracker", f"{len(ours)}: {sum(1 for row in ours if actions.is_open(row))} not done, "
                                   f"{summary.actions_overdue} overdue, {removed} removed from their form"),
        ("Files needing attention", f"{len(merged[r.EXCEPTIONS.name])} (see the Exceptions sheet)"),
        ("", ""),
        ("How to use this workbook", ""),
        ("Team managers", f"On the Actions sheet, fill in the columns with yellow headings ({manager}). "
                          "They are never overwritten."),
        ("Keeping your changes", "Updating the tracker keeps your entries, and the rows, columns and sheets you "
                                 "add. Do not change an Action id. Columns with blue headings come from the "
                                 "audit forms and are rewritten from the forms when an audit is read again."),
        ("Removed actions", f"An action that is no longer on its form is kept and marked '{r.REMOVED}' "
                            "in the 'On form' column. To close an action, set its Status to 'No longer needed' "
                            "rather than deleting its row: a deleted row comes back when its form is read again."),
        ("Overdue", "Actions shown in red are overdue: the required date has passed and the status is "
                    "not Done or No longer needed."),
        ("Deadlines", "Management oversight is due 10 working days (England and Wales) after the audit was "
                      "finalised. For an Inadequate audit - by the grade after moderation if there is one, "
                      "else by the overall grade - a review meeting is due 4 weeks and a re-audit 2 months "
                      "after the audit was finalised. Finalised is the date on the form, or the date the "
                      "form was returned if it has none. Due is the last day of the audit's month."),
        ("Backups", f"Before each update the previous tracker is copied to the folder "
                    f"'{safety.backup_folder(path).name}' beside it (the last {safety.KEEP_BACKUPS} are kept)."),
        ("Please do not add", "charts, pictures, pivot tables, slicers or macros to this workbook: the tool "
                              "cannot keep them, so it will refuse to update it. Put them in another workbook "
                              "that reads from this one."),
    ]
