"""How wide text is in Arial (the forms' font), to size columns and rows without a layout engine.

The widths are Arial's advance widths in thousandths of an em (Liberation Sans, which
LibreOffice uses for Arial, has the same metrics), for the printable ASCII characters;
accented letters count as their base letter and anything else as an average letter.
Good to a few per cent: callers leave room to spare.
"""
from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache

# Characters 32 (space) to 126 (~), regular and bold.
_REGULAR = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667,
    556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556,
    556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722,
    500, 500, 500, 334, 260, 334, 584,
)
_BOLD = (
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722,
    611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556,
    611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778,
    556, 556, 500, 389, 280, 389, 584,
)
_OTHER = {"\u2018": 250, "\u2019": 250, "\u201c": 420, "\u201d": 420, "\u2013": 556, "\u2014": 1000,
          "\u2022": 350, "\u2026": 1000, "\u2192": 1000, "\u00a0": 278}
_AVERAGE = 611
#: Where a line may break: after spaces, and after a hyphen or slash inside a word.
_BREAKS = re.compile(r"(?<=[\s/\-])")
LINE_HEIGHT = 1.15  # Arial's line height, in ems
SHEET_LINE = 1.3  # a line of text in a spreadsheet cell, in ems, as Excel and LibreOffice space them
CELL_PADDING = 6.0  # points a spreadsheet cell's own margins take from its width


def char_width(ch: str, bold: bool = False) -> int:
    """Width of one character, in thousandths of an em."""
    table = _BOLD if bold else _REGULAR
    code = ord(ch)
    if 32 <= code <= 126:
        return table[code - 32]
    if ch in _OTHER:
        return _OTHER[ch]
    base = unicodedata.normalize("NFKD", ch)[:1]
    if base and 32 <= ord(base) <= 126:
        return table[ord(base) - 32]
    return _AVERAGE


def width(text: str, size: float, bold: bool = False) -> float:
    """Width of `text` in points at `size` points."""
    return _ems(text, bold) * size / 1000


@lru_cache(maxsize=65536)
def _ems(text: str, bold: bool) -> int:
    return sum(char_width(ch, bold) for ch in text)


def pieces(text: str) -> list[str]:
    """The pieces a line can break between (each keeps the space or hyphen it ends with)."""
    return [p for p in _BREAKS.split(text) if p]


def longest_piece(text: str, size: float, bold: bool = False) -> float:
    """Width (points) of the widest part of `text` that cannot be broken across lines."""
    return max((width(p.rstrip(), size, bold) for line in text.split("\n") for p in pieces(line)), default=0.0)


def lines(text: str, room: float, size: float, bold: bool = False) -> int:
    """How many lines `text` takes in a column `room` points wide (at least 1)."""
    total = 0
    for paragraph in text.split("\n"):
        count, used = 1, 0.0
        for piece in pieces(paragraph):
            w = width(piece, size, bold)
            if used and used + width(piece.rstrip(), size, bold) > room:
                count, used = count + 1, 0.0
            if w > room:  # a piece wider than the column is broken wherever it must be
                count += math.ceil(w / room) - 1
                w = w % room
            used += w
        total += count
    return max(1, total)


def column_points(width: float) -> float:
    """The width in points of spreadsheet columns `width` characters wide (Excel's unit: 7-pixel digits)."""
    return (7 * width + 5) * 0.75


def cell_height(text: str, width: float, size: float, bold: bool = False, spare: float = 0.9,
                minimum: float = 15.0) -> float:
    """The height (points) a spreadsheet row needs to show `text` wrapped in columns `width`
    characters wide; `spare`: the share of the width counted on (LibreOffice measures a
    little differently from Excel, and may show another font)."""
    room = (column_points(width) - CELL_PADDING) * spare
    return max(minimum, round(lines(text, room, size, bold) * size * SHEET_LINE + 4, 1))
