"""Every file auditdocs writes goes through here: whole or not at all, and text never a formula.

`write_atomic` writes to a temporary file beside the target and renames it over, so a
run stopped halfway leaves the old file as it was. `private=True` makes a new file
readable by its owner only (files holding personal data: register, tracker, exports) where
file modes say who may read a file (Linux, macOS); on Windows they do not (its folders'
access lists do), and auditdocs says so instead (`owner_only`, WINDOWS_PRIVACY).
`put_text` and `csv_text` are the one guard that keeps text from a document from
becoming a spreadsheet formula.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

MAX_CELL_TEXT = 32767  # Excel's limit
#: Text Excel or LibreOffice would take as the start of a formula.
FORMULA_START = re.compile(r"^\s*[=+\-@]")
CUT_NOTE = " … (cut: longer than an Excel cell can hold)"


def write_atomic(path: Path, data: bytes | str, *, private: bool = False, encoding: str = "utf-8") -> Path:
    """Write `data` to `path` whole, or leave `path` as it was.

    An existing file keeps its permissions; a new one gets the usual ones (the umask),
    or owner-only ones when `private`.
    """
    path = Path(path)
    if isinstance(data, str):
        data = data.encode(encoding)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".~auditdocs-", suffix=path.suffix or ".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        set_mode_like(tmp, path, private)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


#: What a QA officer on Windows is told, where file modes cannot keep a file to its owner.
WINDOWS_PRIVACY = ("On Windows, auditdocs cannot make its files readable by you only: keep the workspace (and the "
                   "key, exports and reports) in a folder only you, or only your QA team, can open, such as your own "
                   "Documents folder or a team folder shared with the team alone; not a folder shared more widely, "
                   "and not a cloud-synced one. To check who can open it: right-click the folder in File Explorer, "
                   "Properties, Security.")


def owner_only() -> bool:
    """Whether a private file is readable by its owner only here (file modes apply: not on Windows)."""
    return os.name != "nt"


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes (hex): the same file whatever it is called or wherever it is."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def set_mode_like(tmp: Path, target: Path, private: bool) -> None:
    """Give `tmp` the permissions `target` has (or should have, if it is new)."""
    if target.exists():
        mode = target.stat().st_mode & 0o777
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = (0o600 if private else 0o666) & ~umask
    os.chmod(tmp, mode)


def looks_like_formula(text: str) -> bool:
    return bool(FORMULA_START.match(text))


def cell_safe(text: str) -> str:
    """Text an Excel cell can hold: no characters XML forbids, at most 32,767 characters."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > MAX_CELL_TEXT:
        text = text[: MAX_CELL_TEXT - len(CUT_NOTE)] + CUT_NOTE
    return text


def put_text(cell, text: str) -> None:
    """Text from a document is data: an openpyxl cell gets it as text, never as a formula."""
    cell.value = cell_safe(str(text))
    cell.data_type = "s"
    if looks_like_formula(cell.value):
        cell.quotePrefix = True  # Excel keeps it as text when someone edits the cell


def csv_text(text: str) -> str:
    """Text for a CSV file that Excel will show as text, never run as a formula."""
    text = str(text)
    return "'" + text if looks_like_formula(text) else text
