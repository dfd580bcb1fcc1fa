"""One way in to a returned form, Word or Excel: `read_form` says which reader reads a file, from its format,
and gives its record (complete, incomplete or unreadable with why and what to do); it never raises for a bad
file. Everything that reads a returned form (parse, consolidate, the register's upkeep, --attach)
reads it through this function.

The format is the one the file's name declares: a Word or Excel template (.dotx, .xltx) is read as the document
it otherwise is (with a note); a macro-enabled template is refused with what to do; the kinds of file that are
not forms (.doc, .pdf, .odt …: `safezip.WRONG_KIND`) go to the Word reader, which says what each is. The
readers then look at the bytes themselves: a file whose content is not what its name says ("despite its name,
this is a PDF") is unreadable with that reason, never read as another kind, so that the auditor is asked for the
form they filled in.
"""
from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import re
from pathlib import Path

from ..domain import model as m
from ..files import sha256_of
from .safezip import WRONG_KIND, NotReadable

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
    try:
        record = reader_for(path)(path, library)
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
    record.file_check = record.file_check or file_check(path)  # (a reader that read the file whole hashed it)
    return record


def reader_for(path: Path):
    """The reader of a form file, by its format (see the module's note): `read(path, library) -> AuditRecord`.
    Raises NotReadable for a file no reader reads (a macro-enabled template, another kind of file)."""
    suffix = path.suffix.lower()
    kind = TEMPLATES[suffix][0] if suffix in TEMPLATES else suffix
    if suffix in MACRO_TEMPLATES:
        raise NotReadable(f"this is {MACRO_TEMPLATES[suffix]}.")
    if kind == ".xlsx":
        from .xlsx.reader import read_xlsx

        return read_xlsx
    if kind in (".docx", *WRONG_KIND):
        from .docx.reader import read_docx

        return read_docx
    raise NotReadable(f"auditdocs reads Word (.docx) and Excel (.xlsx) forms, not '{path.suffix}' files.")


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


def content_check(content: bytes) -> str:
    """`file_check` of a file from its bytes, when a reader has read them already (so the file is read once)."""
    return hashlib.sha256(content).hexdigest()[:20]


def unforeseen_reason(path: Path, exc: Exception) -> str:
    """One line: what happened to a file that failed unexpectedly, and what to do."""
    editor, kind = ("Excel", "Excel Workbook (.xlsx)") if path.suffix.lower() == ".xlsx" else ("Word", "Word Document (.docx)")
    return (f"{UNFORESEEN}: something in it is not as {editor} writes it ({type(exc).__name__}). Ask the auditor "
            f"to open it in {editor}, save it again as {kind} and send it again; if it still cannot be read, "
            "report this as a fault in auditdocs. The other files were read as usual.")


def _unreadable(path: Path, reason: str) -> m.AuditRecord:
    return m.AuditRecord(file=str(path), status="unreadable", problems=[m.Problem("", reason)])


def _mtime(path: Path) -> str:
    try:
        return dt.date.fromtimestamp(path.stat().st_mtime).isoformat()
    except OSError:
        return ""
