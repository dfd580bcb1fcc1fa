"""Open returned Office files carefully: say what a wrong file is, refuse dangerous ones.

Returned forms come from many hands. Before anything is parsed, a file is checked:
what it really is (whatever its name says), whether it is damaged, encrypted, a zip
bomb, or XML with entity declarations. Every refusal is a `NotReadable` whose
message says what the file is and what to do.
"""
from __future__ import annotations

import io
import os
import stat
import zipfile
import zlib
from pathlib import Path

from lxml import etree

from ..budgets import PACKAGE_BYTES as MAX_TOTAL
from ..budgets import PACKAGE_PARTS as MAX_PARTS
from ..budgets import PACKAGE_RATIO as MAX_RATIO
from ..budgets import megabytes

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")

WRONG_KIND = {
    ".doc": "an old Word 97-2003 document (.doc). Open it in Word, choose File > Save As > "
    "Word Document (.docx), and parse the .docx",
    ".odt": "an OpenDocument text file (.odt). Open it in Word or LibreOffice and save it as "
    "Word Document (.docx), and parse the .docx",
    ".pdf": "a PDF. Answers cannot be read from a PDF: ask the auditor for the Word form (.docx) they filled in",
    ".docm": "a macro-enabled Word document (.docm). Open it in Word, save it as Word Document (.docx) "
    "(macros are removed), and parse the .docx",
    ".rtf": "a Rich Text file (.rtf). Open it in Word, save it as Word Document (.docx), and parse the .docx",
    ".xls": "an old Excel 97-2003 workbook (.xls). Open it in Excel, save it as Excel Workbook (.xlsx), "
    "and parse the .xlsx",
    ".xlsm": "a macro-enabled Excel workbook (.xlsm). Save it as Excel Workbook (.xlsx), and parse the .xlsx",
    ".ods": "an OpenDocument spreadsheet (.ods). Open it in Excel or LibreOffice, save it as Excel "
    "Workbook (.xlsx), and parse the .xlsx",
}


#: What zipfile raises for a damaged package: bad headers or checksums (BadZipFile, EOFError,
#: ValueError, OSError), damaged compressed data (zlib.error), a part marked as protected by a
#: zip password (RuntimeError), a version or compression method it does not know (NotImplementedError).
DAMAGED_ZIP = (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, RuntimeError, NotImplementedError)


class NotReadable(Exception):
    """The file cannot be read as a form; the message says why and what to do."""


def skipped_silently(path: Path) -> bool:
    """Word's and Excel's lock files (~$…) and hidden files are not forms."""
    return path.name.startswith(("~$", ".")) or path.name in ("Thumbs.db", "desktop.ini")


#: A package file up to this size is read whole, once (`open_package_read`): opened from memory, and its bytes
#: kept for the file's hash, rather than read from disk again.
READ_WHOLE = 32 * 1024 * 1024


def open_package(path: Path, expected: str) -> zipfile.ZipFile:
    """Open an OOXML package (`expected` is '.docx' or '.xlsx') or raise NotReadable."""
    return open_package_read(path, expected)[0]


def open_package_read(path: Path, expected: str) -> tuple[zipfile.ZipFile, bytes | None]:
    """`open_package`, and the file's bytes when it was read whole (a file up to `READ_WHOLE`; else None)."""
    suffix = path.suffix.lower()
    if suffix in WRONG_KIND:
        raise NotReadable(f"this is {WRONG_KIND[suffix]}.")
    content = None
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
            if head == OLE_MAGIC:
                fh.seek(0)
                sample = fh.read(2 * 1024 * 1024)
            elif head.startswith(b"PK"):
                content = _rest(fh, head)
    except OSError as exc:
        raise NotReadable(f"the file could not be opened ({exc.strerror or exc}). Check it is not open elsewhere "
                          "and that you may read it.") from None
    if head == OLE_MAGIC:
        if ENCRYPTED_MARK in sample:
            raise NotReadable("the file is protected with a password, so it cannot be read. Ask the auditor to "
                              "remove the password (File > Info > Protect Document > Encrypt with Password, "
                              "clear it) and send it again.")
        kind = WRONG_KIND[".doc" if expected == ".docx" else ".xls"]
        raise NotReadable(f"despite its name, this is {kind}.")
    if head.startswith(b"%PDF"):
        raise NotReadable(f"despite its name, this is {WRONG_KIND['.pdf']}.")
    if not head.startswith(b"PK"):
        raise NotReadable(f"this is not a {expected} file (it may be damaged, or another kind of file renamed). "
                          f"Ask the auditor to send the {expected} again.")
    try:
        package = zipfile.ZipFile(path if content is None else io.BytesIO(content))
        infos = package.infolist()
    except DAMAGED_ZIP:
        raise NotReadable(f"the file is damaged or incomplete (perhaps only partly copied or downloaded). "
                          f"Ask the auditor to send the {expected} again.") from None
    problem = too_big(infos, "form")
    if problem:
        package.close()
        raise NotReadable(problem)
    return package, content


def _rest(fh, head: bytes) -> bytes | None:
    """The whole of a regular file up to `READ_WHOLE` bytes (`head` its first bytes, read already), else None
    (it is then opened from disk as before, and a failure reported as before)."""
    try:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > READ_WHOLE:
            return None
        return head + fh.read()
    except OSError:
        return None


def too_big(infos: list[zipfile.ZipInfo], what: str, limit: int = MAX_TOTAL, ratio: bool = True) -> str:
    """Why a package (its parts, as the zip lists them) is refused before it is unpacked, or ''."""
    if len(infos) > MAX_PARTS:
        return f"the file has {len(infos)} parts, far more than any {what}; it was refused for safety."
    total = sum(i.file_size for i in infos)
    if total > limit:
        return (f"the file would unpack to {megabytes(total)}, more than any {what} (at most {megabytes(limit)}); "
                "it was refused for safety.")
    for info in infos:
        if ratio and info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            return "the file is compressed to an unusual degree (a 'zip bomb'); it was refused for safety."
    return ""


def read_part(package: zipfile.ZipFile, name: str) -> bytes | None:
    """A part of the package, or None if it has no such part."""
    try:
        return package.read(name)
    except KeyError:
        return None
    except DAMAGED_ZIP:
        raise NotReadable("the file is damaged (a part of it cannot be unpacked). Ask the auditor to send it again.") from None


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=False,
                          collect_ids=False)


def refuse_entities(data: bytes, part: str) -> None:
    """XML with a DOCTYPE (where entities are declared) is refused: Word and Excel never write one.

    The whole part is searched: unescaped, these can only be markup. (Most parts have no '!' at all: one quick
    look for that byte first.)"""
    if b"!" in data and (b"<!DOCTYPE" in data or b"<!ENTITY" in data):
        raise NotReadable(f"the file's {part} declares XML entities, which Word and Excel never write; "
                          "it was refused for safety.")


def parse_xml(data: bytes, part: str) -> etree._Element:
    """Parse a package part; XML with a DOCTYPE or entity declarations is refused."""
    refuse_entities(data, part)
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError:
        raise NotReadable(f"the file is damaged ({part} is not readable). Ask the auditor to send it again.") from None
    return root
