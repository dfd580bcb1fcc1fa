"""The forms that came back: find them, read each one, say what is missing.

`read_returns` reads every form under the given files and folders, Word or Excel,
one bad file never stopping the rest. `returns_by_auditor` groups the incomplete
ones, and the files that could not be read, by auditor, ready to e-mail: what to fix
in form order, and the date to send them back by (3 working days).
"""
from __future__ import annotations

import datetime as dt
import errno
import json
import os
import re
from collections import defaultdict
from pathlib import Path
from typing import Iterator

from . import model as m
from .dates import add_working_days, long_date, uk
from .errors import UserError
from .files import sha256_of, write_atomic
from .generate import folder_name
from .identity import PROP_AUDITOR
from .safezip import (
    WRONG_KIND,
    NotReadable,
    open_package,
    parse_xml,
    read_part,
    skipped_silently,
)

FORM_SUFFIXES = {".docx", ".xlsx"}
#: Forms saved as templates: read as the document or workbook they otherwise are (with a note).
TEMPLATES = {".dotx": (".docx", "a Word template (.dotx)", "Word Document (.docx)"),
             ".xltx": (".xlsx", "an Excel template (.xltx)", "Excel Workbook (.xlsx)")}
#: Templates with macros: never read (what to do instead).
MACRO_TEMPLATES = {
    ".dotm": "a macro-enabled Word template (.dotm). Open it in Word (right-click > Open, so that the file itself "
             "opens, not a new document made from it), choose File > Save As > Word Document (.docx) (macros are "
             "removed), and parse the .docx",
    ".xltm": "a macro-enabled Excel template (.xltm). Open it in Excel (right-click > Open), choose File > Save As > "
             "Excel Workbook (.xlsx) (macros are removed), and parse the .xlsx",
}
AMEND_WITHIN = 3  # working days an auditor has to amend an audit


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
    wanted = FORM_SUFFIXES | set(WRONG_KIND) | set(TEMPLATES) | set(MACRO_TEMPLATES)
    for path in paths:
        if path.is_dir():
            found = []
            for folder, folders, names in os.walk(path, onerror=lambda exc: found.append(Path(exc.filename))):
                folders[:] = [f for f in folders if not skipped_silently(Path(f))]  # hidden folders are not looked in
                found += [Path(folder, name) for name in names
                          if os.path.splitext(name)[1].lower() in wanted and not skipped_silently(Path(name))]
            files += [(candidate, path) for candidate in sorted(found) if candidate.is_file()
                      or is_not_searched(candidate)]
        elif not skipped_silently(path):
            files.append((path, None))
    return files


#: The start of the reason given for a file that failed in a way the readers did not foresee.
UNFORESEEN = "auditdocs could not read this file"


def is_not_searched(path: Path) -> bool:
    """A folder that cannot be searched for forms (no permission to list it, or a path too long to open)."""
    try:
        if os.path.isdir(path):
            with os.scandir(path):
                return False
        os.stat(path)  # a path too long is not a folder for isdir: stat says why
        return False
    except OSError as exc:
        return os.path.isdir(path) or exc.errno == errno.ENAMETOOLONG


def not_searched(path: Path) -> str:
    """Why a folder could not be searched, and what to do."""
    try:
        with os.scandir(path):
            reason = "it could not be opened"
    except OSError as exc:
        reason = exc.strerror or str(exc)
    return (f"the folder {path} could not be searched for forms ({reason}), so any forms in it were not read. "
            "Ask for permission to read it, or move its forms to a folder with a shorter path, and run again; "
            "the other folders were read.")


def read_form(path: Path, library) -> m.AuditRecord:
    """Read one returned form (Word or Excel); never raises for a bad file.

    A failure the readers did not foresee is kept to this file too: it is 'unreadable',
    with a one-line reason and what to do (set AUDITDOCS_DEBUG=1 to see the traceback)."""
    if is_not_searched(path):
        return _unreadable(path, not_searched(path))
    suffix = path.suffix.lower()
    kind = TEMPLATES[suffix][0] if suffix in TEMPLATES else suffix
    try:
        if suffix in MACRO_TEMPLATES:
            raise NotReadable(f"this is {MACRO_TEMPLATES[suffix]}.")
        if kind == ".xlsx":
            from .forms.xlsx.reader import read_xlsx

            record = read_xlsx(path, library)
        elif kind in (".docx", *WRONG_KIND):
            from .forms.docx.reader import read_docx

            record = read_docx(path, library)
        else:
            raise NotReadable(f"auditdocs reads Word (.docx) and Excel (.xlsx) forms, not '{path.suffix}' files.")
    except NotReadable as exc:
        record = _unreadable(path, str(exc))
    except Exception as exc:
        if os.environ.get("AUDITDOCS_DEBUG"):
            raise
        record = _unreadable(path, unforeseen_reason(path, exc))
    if suffix in TEMPLATES:
        _, what, instead = TEMPLATES[suffix]
        record.notes.append(f"the form was saved as {what} instead of as {instead}; it was read as usual. Ask "
                            f"the auditor to save forms as {instead} (File > Save As).")
    if record.status == "unreadable" and not record.audit_id and path.suffix.lower() in WRONG_KIND:
        record.audit_id = audit_id_in_name(path)  # a .doc or a PDF of a form: its name still says which audit it is
    if not record.modified:
        record.modified = _mtime(path)
    record.file_check = file_check(path)
    return record


def audit_id_in_name(path: Path) -> str:
    """The audit id a form's file name ends with, as `generate` names them ('… - AUD-202611-ABCD2345'), or ''."""
    found = re.search(r" - (AUD-\d{6}-[A-Z2-7]{8})$", path.stem)
    return found[1] if found else ""


def file_check(path: Path) -> str:
    """A hash of a file's bytes: the same file, whatever it is called or wherever it is ('' if unreadable)."""
    try:
        return sha256_of(path)[:20]
    except OSError:
        return ""


def unforeseen_reason(path: Path, exc: Exception) -> str:
    """One line: what happened to a file that failed unexpectedly, and what to do."""
    editor, kind = ("Excel", "Excel Workbook (.xlsx)") if path.suffix.lower() == ".xlsx" else ("Word", "Word Document (.docx)")
    return (f"{UNFORESEEN}: something in it is not as {editor} writes it ({type(exc).__name__}). Ask the auditor "
            f"to open it in {editor}, save it again as {kind} and send it again; if it still cannot be read, "
            "report this as a fault in auditdocs. The other files were read as usual.")


def read_returns(paths: list[Path], library) -> Iterator[m.AuditRecord]:
    """Every form under `paths`, read one by one (UserError first if a path does not exist)."""
    for path, folder in find_files(paths):
        record = read_form(path, library)
        record.folder = str(folder) if folder is not None else ""
        yield record


def _unreadable(path: Path, reason: str) -> m.AuditRecord:
    return m.AuditRecord(file=str(path), status="unreadable", problems=[m.Problem("", reason)])


def _mtime(path: Path) -> str:
    try:
        return dt.date.fromtimestamp(path.stat().st_mtime).isoformat()
    except OSError:
        return ""


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


def write_json(records: list[m.AuditRecord], path: Path) -> None:
    """A JSON array with one object per form (the contract in the README)."""
    write_atomic(path, json.dumps([r.as_dict() for r in records], ensure_ascii=False, indent=2) + "\n", private=True)


def standing_versions(records: list[m.AuditRecord], library
                      ) -> tuple[list[m.AuditRecord], dict[str, list[tuple[m.AuditRecord, str]]]]:
    """Which file of each audit stands when several were read (as `consolidate` decides: by when each was saved,
    never by its name; a newer copy that lost what an earlier one held does not stand): the records that stand
    (one an audit, with the unreadable and unidentified ones), and audit id -> every file of it read, with what
    is said of it ('stands', 'saved earlier', 'has lost …'), for audits read more than once with other answers."""
    from .consolidation.versions import held, standing

    by_audit: dict[str, list[m.AuditRecord]] = defaultdict(list)
    for r in records:
        if r.status != "unreadable" and r.audit_id:
            by_audit[r.audit_id].append(r)
    out = [r for r in records if r.status == "unreadable" or not r.audit_id]
    shown: dict[str, list[tuple[m.AuditRecord, str]]] = {}
    for aid, found in by_audit.items():
        if len({m.content_check(r) for r in found}) < 2:
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
    """The files attached to no audit (`consolidation.placing`), with why and what to do."""
    if not refused:
        return ""
    lines = ["", "Files not put on any audit (they say they are an audit they may not be):"]
    for file, placed in refused.items():
        lines += [f"  {file}", f"    - {placed.details}", f"    - What to do: {placed.todo}"]
    return "\n".join(lines)


def lossy_text(lossy: dict[str, str]) -> str:
    """The files that have lost what the register's version of their audit holds (`consolidation.placing`)."""
    if not lossy:
        return ""
    return "\n".join(["", "Files that have lost what was read from them before (not sent back: the earlier version "
                       "stands):"] + [f"  {file}\n    - {said}" for file, said in lossy.items()])
