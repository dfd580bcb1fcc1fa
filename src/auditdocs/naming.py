"""Every path auditdocs makes stays short enough for Windows, Excel and OneDrive.

Windows' usual limit on a whole path is 260 characters, and Excel will not open or save a workbook
whose path is longer than 218. A council's folders are often deep already: a OneDrive folder such as
`C:\\Users\\firstname.lastname\\OneDrive - Anytown Borough Council\\Audits\\` is about 75 characters
before auditdocs adds anything. So every name auditdocs makes is budgeted from the real folder it goes
in: `fit` shortens the parts of a name that can be shortened (a child's names, a form's title), never
the parts that identify it (the case number, the audit id, the extension), until the whole path fits;
`too_deep` says when the chosen folder itself leaves too little room.
"""
from __future__ import annotations

import os
import unicodedata
from pathlib import Path

EXCEL_LIMIT = 218  # Excel cannot open or save a workbook whose whole path is longer
OTHER_LIMIT = 250  # Windows' 260, less room for the temporary names Word and auditdocs write beside a file
EXCEL_TYPES = (".xlsx", ".xlsm", ".xls", ".csv")
LEAST_ROOM = 60  # characters a folder must leave for the names made in it
SEPARATORS = " -–—,;."

#: The longest name auditdocs gives a file or folder it makes.
MAX_NAME = 120
RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{dev}{i}" for dev in ("COM", "LPT") for i in range(10)
}
_CHARS = str.maketrans({"<": "(", ">": ")", ":": " -", '"': "'", "/": "-", "\\": "-",
                        "|": "-", "?": "", "*": ""})


def limit_for(name: str) -> int:
    """The longest whole path a file of this name may have."""
    return EXCEL_LIMIT if Path(name).suffix.lower() in EXCEL_TYPES else OTHER_LIMIT


def length(path: Path) -> int:
    """The length of a path as Windows counts it: the whole absolute path."""
    return len(os.path.abspath(path))


def room(folder: Path, name: str = "") -> int:
    """How many characters a name made in `folder` may have (a file like `name`: Excel's limit or the others')."""
    return limit_for(name) - length(folder) - 1


def fit(folder: Path, parts: list[tuple[str, bool]]) -> str:
    """The name the parts make (joined as they are), shortened so that `folder/name` stays within its limit.

    Each part is (text, can be shortened). The parts that can are cut from their end, at a word where
    there is one, the last such part first (down to nothing, with the separator before it) before the
    one before it; the others (the case number, the audit id, the extension) are kept whole. If the
    name still does not fit, it is left at its shortest: `too_deep` tells the user why."""
    texts = [t for t, _ in parts]
    name = "".join(texts)
    over = len(name) - room(folder, name)
    for i in reversed([i for i, (_, cut) in enumerate(parts) if cut]):
        if over <= 0:
            break
        keep = max(0, len(texts[i]) - over)
        short = _cut(texts[i], keep)
        over -= len(texts[i]) - len(short)
        texts[i] = short
    return "".join(texts)


def fit_name(folder: Path, name: str, keep: tuple[str, ...] = ()) -> str:
    """A file name made for `folder` (its extension, and each of `keep` found in it, such as the case number
    and the audit id, kept whole; the rest cut from the end), short enough for the whole path (`fit`)."""
    suffix = Path(name).suffix
    stem = name[:len(name) - len(suffix)] if suffix else name
    spans = sorted((i, i + len(k)) for k in keep if k and (i := stem.find(k)) >= 0)
    parts, at = [], 0
    for start, end in spans:
        if start < at:
            continue
        parts += [(stem[at:start], True), (stem[start:end], False)]
        at = end
    parts += [(stem[at:], True), (suffix, False)]
    return fit(folder, [p for p in parts if p[0]])


def _cut(text: str, keep: int) -> str:
    """`text` cut to at most `keep` characters, at a word boundary where one is near, without a separator
    dangling at its end; the separator it ended with (" - " before an audit id) stays."""
    if len(text) <= keep:
        return text
    core = text.rstrip(SEPARATORS)
    trail = text[len(core):]
    keep = max(0, keep - len(trail))
    cut = core[:keep]
    if " " in cut[keep // 2:]:
        cut = cut.rsplit(" ", 1)[0]
    cut = cut.rstrip(SEPARATORS)
    return (cut + trail) if cut.strip(SEPARATORS) else trail


def too_deep(folder: Path, example: str = "x.xlsx") -> str | None:
    """A warning when `folder` is so deep that the names made in it would have to be cut short (or the files
    could not be opened), else None. `example`: a name of the kind made there (its type sets the limit)."""
    left = room(folder, example)
    if left >= LEAST_ROOM:
        return None
    limit = limit_for(example)
    return (f"the folder {os.path.abspath(folder)} is {length(folder)} characters long, which leaves "
            f"{max(left, 0)} for the names of the files made in it: "
            + ("Excel cannot open a file whose whole path is longer than 218 characters"
               if limit == EXCEL_LIMIT else "Windows cannot open files whose whole path is longer than 260 characters")
            + ", so their names are cut short. Choose a folder nearer the top of the drive (for example "
              "C:\\Audits, or a shorter folder name in OneDrive) and run the command again.")


def safe_name(text: str, limit: int = MAX_NAME) -> str:
    """A file or folder name Windows accepts: no reserved characters or names, no control
    characters, no trailing dots or spaces, at most `limit` characters."""
    text = unicodedata.normalize("NFC", str(text)).translate(_CHARS)
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    text = shorten(" ".join(text.split()), limit - 1).strip(" .")
    if text.split(".")[0].strip().upper() in RESERVED:
        text = "_" + text
    return text or "_"


def shorten(text: str, limit: int) -> str:
    """Cut text to `limit` characters, at a word boundary where there is one nearby."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if " " in cut[limit // 2:]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" .,;-")
