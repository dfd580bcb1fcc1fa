"""The forms that came back: find them, read each one, say what is missing.

`read_returns` reads every form under the given files and folders, Word or Excel,
one bad file never stopping the rest. `returns_by_auditor` groups the incomplete
ones, and the files that could not be read, by auditor, ready to e-mail: what to fix
in form order, and the date to send them back by (3 working days).
"""
from __future__ import annotations

import datetime as dt
import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Iterator

from ..domain import model as m
from ..domain.dates import add_working_days, long_date, uk
from ..domain.identity import PROP_AUDITOR
from ..errors import UserError
from ..files import write_atomic
from ..forms.read import (  # noqa: F401  (read_form and UNFORESEEN: the returned forms' reader, used from here)
    FORM_SUFFIXES,
    MACRO_TEMPLATES,
    TEMPLATES,
    UNFORESEEN,
    is_not_searched,
    not_searched,
    read_form,
)
from ..forms.safezip import (
    WRONG_KIND,
    NotReadable,
    open_package,
    parse_xml,
    read_part,
    skipped_silently,
)
from ..generate.run import folder_name

AMEND_WITHIN = 3  # working days an auditor has to amend an audit
#: The kinds of file looked at among the returned forms: the forms, and those sent by mistake (said what to do).
RETURNED_SUFFIXES = FORM_SUFFIXES | set(WRONG_KIND) | set(TEMPLATES) | set(MACRO_TEMPLATES)


def find_files(paths: list[Path]) -> list[tuple[Path, Path | None]]:
    """Form files under `paths` (folders searched recursively). Lock files and hidden files are
    skipped; files that are plainly not forms (.doc, .pdf, …) are kept, so that they are
    reported with what to do. A path that does not exist (a mistyped folder) raises UserError
    before anything is read, so that nothing is written from a run that read the wrong place.
    Each file comes with the folder given that it was found in (None for a file given itself). A folder
    that cannot be searched (no permission, a path too long) comes as a file would, so that `read_form`
    reports it with what to do; the others are searched as usual."""
    missing = [path for path in paths if not path.exists()]
    if missing:
        names = ", ".join(f"'{path}'" for path in missing)
        raise UserError(f"there is no file or folder {names}. Check the name (and the folder you are in); "
                        "nothing was read or written.")
    files: list[tuple[Path, Path | None]] = []
    wanted = RETURNED_SUFFIXES
    for path in paths:
        if path.is_dir():
            found = []
            for folder, folders, names in os.walk(path, onerror=lambda exc: found.append(Path(exc.filename))):
                folders[:] = [f for f in folders if not skipped_silently(Path(f))]  # hidden folders are not looked in
                found += [Path(folder, name) for name in names
                          if os.path.splitext(name)[1].lower() in wanted and not skipped_silently(Path(name))]
            files += [(candidate, path) for candidate in sorted(found) if _a_file(candidate)
                      or is_not_searched(candidate)]
        elif not skipped_silently(path):
            files.append((path, None))
    return files


def _a_file(path: Path) -> bool:
    """A file (one look: most of what is found is); False for what cannot be looked at, such as a folder whose path
    is too long to open, which `is_not_searched` then says why."""
    try:
        return path.is_file()
    except OSError:
        return False


def read_returns(paths: list[Path], library) -> Iterator[m.AuditRecord]:
    """Every form under `paths`, read one by one (UserError first if a path does not exist)."""
    for path, folder in find_files(paths):
        record = read_form(path, library)
        record.folder = str(folder) if folder is not None else ""
        yield record


def one_line(record: m.AuditRecord, shown_missing: int = 3) -> str:
    """complete / incomplete (what is missing) / unreadable (why and what to do)."""
    if record.status == "complete":
        line = f"complete    {record.file}"
    elif record.status == "incomplete":
        messages = [p.message for p in record.problems]
        more = f" … and {len(messages) - shown_missing} more" if len(messages) > shown_missing else ""
        line = f"incomplete  {record.file}: {len(messages)} to fix: " + "; ".join(messages[:shown_missing]) + more
    else:
        line = f"unreadable  {record.file}: " + " ".join(p.message for p in record.problems)
    for note in record.notes:
        line += f"\n            note: {note}"
    return line


def returns_by_auditor(records: list[m.AuditRecord], library, sent_on: dt.date | None = None) -> str:
    """What to send back, per auditor, ready to e-mail: the incomplete audits with what to fix (in form
    order), and the files that could not be read where the file says who sent it; the date to send them
    back by is 3 working days after `sent_on` (default: today)."""
    due = long_date(add_working_days(sent_on or dt.date.today(), AMEND_WITHIN))
    incomplete: dict[str, list[m.AuditRecord]] = defaultdict(list)
    unreadable: dict[str, list[m.AuditRecord]] = defaultdict(list)
    folders = {folder_name(r.subject["auditor"]): r.subject["auditor"] for r in records if r.subject.get("auditor")}
    for r in records:
        if r.status == "incomplete":
            incomplete[r.subject.get("auditor") or ""].append(r)
        elif r.status == "unreadable":
            unreadable[_sent_to(r, folders)].append(r)
    if not incomplete and not unreadable:
        return "Every audit is complete: nothing to send back."
    lines = []
    for auditor in sorted(set(incomplete) | set(unreadable), key=lambda a: (not a, a.casefold())):
        if not auditor and not incomplete.get(auditor):
            continue  # files that cannot be read and do not say who sent them: listed last
        lines += ["", f"To {auditor or '(no auditor named on the form)'}:"]
        if incomplete.get(auditor):
            lines.append(f"Please amend these audits and send them back by {due}.")
            for r in incomplete[auditor]:
                spec = library.get(r.form_id, r.form_version)
                who = spec.subject_name(r.subject) if spec else ""
                lines.append(f"  {Path(r.file).name} ({who + ', ' if who else ''}case {r.subject.get('case_number', '')}, "
                             f"audit {r.audit_id})")
                lines += [f"    - {p.message}" for p in in_form_order(spec, r.problems)]
        if unreadable.get(auditor):
            lines.append(f"These files could not be read: please send the form itself (the .docx or .xlsx file) by {due}.")
            for r in unreadable[auditor]:
                lines += [f"  {Path(r.file).name}", f"    - {r.problems[0].message}"]
    if unreadable.get(""):
        lines += ["", "Files that could not be read and do not say who sent them (ask whoever sent them for the form itself):"]
        for r in unreadable[""]:
            lines += [f"  {Path(r.file).name}", f"    - {r.problems[0].message}"]
    return "\n".join(lines).lstrip("\n")


def in_form_order(spec: m.FormSpec | None, problems: list[m.Problem]) -> list[m.Problem]:
    """Problems in the order of the form (section by section, row by row); those about the whole form first."""
    if spec is None:
        return list(problems)
    order: dict[str, int] = {}
    for n, (_, item) in enumerate(spec.items()):
        for f in item.fields:
            order[f.id] = n
        if isinstance(item, m.Actions):
            order[item.table.id] = n
            order.update({c.tag(item.table.id): n for c in item.table.columns})
    return sorted(problems, key=lambda p: order.get(p.field, -1))


def _sent_to(record: m.AuditRecord, folders: dict[str, str]) -> str:
    """Who a file that could not be read was sent to: from the form's details or properties if they
    could still be read, else from the auditor's folder it is in ('' when it does not say)."""
    path = Path(record.file)
    return (record.subject.get("auditor") or _property(path, PROP_AUDITOR)
            or folders.get(path.parent.name, ""))


def _property(path: Path, name: str) -> str:
    """A custom document property of a Word or Excel file, if its package can be opened ('' if not)."""
    if path.suffix.lower() not in FORM_SUFFIXES:
        return ""
    try:
        with open_package(path, path.suffix.lower()) as package:
            custom = read_part(package, "docProps/custom.xml")
        root = parse_xml(custom, "custom properties") if custom else None
    except (NotReadable, OSError):
        return ""
    for prop in root if root is not None else ():
        if prop.get("name") == name and len(prop):
            return (prop[0].text or "").strip()
    return ""


def write_json(records: list[m.AuditRecord], library, path: Path) -> None:
    """A JSON array with one object per form (the contract in the README: choices as their labels)."""
    shown = [m.shown_record(library.spec_of(r), r).as_dict() for r in records]
    write_atomic(path, json.dumps(shown, ensure_ascii=False, indent=2) + "\n", private=True)


def standing_versions(records: list[m.AuditRecord], library
                      ) -> tuple[list[m.AuditRecord], dict[str, list[tuple[m.AuditRecord, str]]]]:
    """Which file of each audit stands when several were read (as `consolidate` decides: by when each was saved,
    never by its name; a newer copy that lost what an earlier one held does not stand): the records that stand
    (one an audit, with the unreadable and unidentified ones), and audit id -> every file of it read, with what
    is said of it ('stands', 'saved earlier', 'has lost …'), for audits read more than once with other answers."""
    from ..consolidate.versions import held, standing

    by_audit: dict[str, list[m.AuditRecord]] = defaultdict(list)
    for r in records:
        if r.status != "unreadable" and r.audit_id:
            by_audit[r.audit_id].append(r)
    out = [r for r in records if r.status == "unreadable" or not r.audit_id]
    shown: dict[str, list[tuple[m.AuditRecord, str]]] = {}
    for aid, found in by_audit.items():
        if len({m.content_check(r, library.spec_of(r)) for r in found}) < 2:
            out.append(found[0])
            continue
        spec = library.get(found[0].form_id, found[0].form_version)
        versions = [((r.modified or "", _file_time(r.file), r.file_check), held(r)) for r in found]
        at, losses = standing(versions, spec=spec)
        out.append(found[at])
        saved = {i: f"saved {uk(r.modified[:10])}" if r.modified else "" for i, r in enumerate(found)}
        shown[aid] = [(r, "stands" + (f" ({saved[i]}, {r.status})" if saved[i] else f" ({r.status})") if i == at else
                       (f"not used: it was saved later, but has lost what the file that stands holds: "
                        f"{', '.join(losses[i])}" if i in losses else
                        f"not used: it was saved earlier ({saved[i] or 'by its file time'}, {r.status})"))
                      for i, r in enumerate(found)]
    order = {id(r): n for n, r in enumerate(records)}
    return sorted(out, key=lambda r: order[id(r)]), shown


def _file_time(path: str) -> float:
    try:
        return os.path.getmtime(path)
    except OSError:
        return 0.0


def versions_text(shown: dict[str, list[tuple[m.AuditRecord, str]]]) -> str:
    """The audits read more than once with other answers: every file, and which one stands."""
    if not shown:
        return ""
    lines = ["", "Audits that came in as more than one file with other answers (the one that stands is used; "
             "move the others out of the folder when you have checked them):"]
    for aid, files in shown.items():
        case = files[0][0].subject.get("case_number", "")
        lines.append(f"  {aid}{f' (case {case})' if case else ''}: {len(files)} files")
        lines += [f"    {r.shown_file}: {said}" for r, said in files]
    return "\n".join(lines)


def refused_text(refused: dict) -> str:
    """The files attached to no audit (`consolidate.placing`), with why and what to do."""
    if not refused:
        return ""
    lines = ["", "Files not put on any audit (they say they are an audit they may not be):"]
    for file, placed in refused.items():
        lines += [f"  {file}", f"    - {placed.details}", f"    - What to do: {placed.todo}"]
    return "\n".join(lines)


def lossy_text(lossy: dict[str, str]) -> str:
    """The files that have lost what the register's version of their audit holds (`consolidate.placing`)."""
    if not lossy:
        return ""
    return "\n".join(["", "Files that have lost what was read from them before (not sent back: the earlier version "
                       "stands):"] + [f"  {file}\n    - {said}" for file, said in lossy.items()])
