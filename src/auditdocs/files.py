"""Every file auditdocs writes goes through here: whole or not at all, and text never a formula.

`write_atomic` writes to a temporary file beside the target and renames it over, so a
run stopped halfway leaves the old file as it was. `private=True` makes a new file
readable by its owner only (files holding personal data: register, tracker, exports).
`put_text` and `csv_text` are the one guard that keeps text from a document from
becoming a spreadsheet formula.
"""
from __future__ import annotations

import errno
import hashlib
import os
import re
import tempfile
from pathlib import Path

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

#: The language of the documents auditdocs writes (a screen reader chooses its voice by it).
LANGUAGE = "en-GB"
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
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename is None:  # (a write that fails names no file)
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
    return path


#: What the system says when a disk (or the person's share of it) is full.
NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def why_not_written(exc: OSError, path: Path | str | None) -> str:
    """Why `path` could not be written, and what to do, for a message: which folder is full, or the system's
    reason with the file named."""
    if path is None:
        return (f"a file could not be written ({exc.strerror or exc}): "
                + ("free some space on the disk or drive of the files you gave and run again"
                   if exc.errno in NO_SPACE else "check that you may write in the folders you gave"))
    path = Path(path)
    if exc.errno in NO_SPACE:
        return (f"there is no space left on the disk for {path}: free some space on {path.absolute().parent} "
                "(the disk or drive it is on) and run again")
    return f"{path} could not be written ({exc.strerror or exc})"


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
