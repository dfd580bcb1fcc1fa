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
from itertools import chain
from typing import Iterable


def _by_width(groups: dict[int, str]) -> dict[str, int]:
    return {ch: w for w, chars in groups.items() for ch in chars}


# Every printable ASCII character, by its width.
_REGULAR = _by_width({
    191: "'", 222: "ijl", 260: "|", 278: " !,./:;I[\\]ft", 333: "()-`r", 334: "{}", 355: '"', 389: "*", 469: "^",
    500: "Jcksvxyz", 556: "#$0123456789?L_abdeghnopqu", 584: "+<=>~", 611: "FTZ", 667: "&ABEKPSVXY",
    722: "CDHNRUw", 778: "GOQ", 833: "Mm", 889: "%", 944: "W", 1015: "@",
})
_BOLD = _by_width({
    238: "'", 278: " ,./I\\ijl", 280: "|", 333: "!()-:;[]`ft", 389: "*r{}", 474: '"', 500: "z",
    556: "#$0123456789J_aceksvxy", 584: "+<=>^~", 611: "?FLTZbdghnopqu", 667: "EPSVXY", 722: "&ABCDHKNRU",
    778: "GOQw", 833: "M", 889: "%m", 944: "W", 975: "@",
})
_OTHER = {"\u2018": 250, "\u2019": 250, "\u201c": 420, "\u201d": 420, "\u2013": 556, "\u2014": 1000,
          "\u2022": 350, "\u2026": 1000, "\u2192": 1000, "\u00a0": 278}
_AVERAGE = 611
#: Where a line may break: after spaces, and after a hyphen or slash inside a word.
_BREAKS = re.compile(r"(?<=[\s/\-])")
#: The pieces of a line, found in one go (`pieces` without its empty ones): each is what lies up to and
#: including a space, a hyphen or a slash, or the rest of the line.
_PIECES = re.compile(r"[^\s/\-]*[\s/\-]|[^\s/\-]+").findall
SHEET_LINE = 1.3  # a line of text in a spreadsheet cell, in ems, as Excel and LibreOffice space them
CELL_PADDING = 6.0  # points a spreadsheet cell's own margins take from its width


def char_width(ch: str, bold: bool = False) -> int:
    """Width of one character, in thousandths of an em."""
    table = _BOLD if bold else _REGULAR
    if ch in table:
        return table[ch]
    if ch in _OTHER:
        return _OTHER[ch]
    return table.get(unicodedata.normalize("NFKD", ch)[:1], _AVERAGE)


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


@lru_cache(maxsize=65536)
def _piece_ems(piece: str, bold: bool) -> tuple[int, int]:
    """A piece's width in thousandths of an em, with and without the space it ends with."""
    stripped = piece.rstrip()
    full = _ems(piece, bold)
    return full, (full if stripped == piece else _ems(stripped, bold))


def lines(text: str, room: float, size: float, bold: bool = False, most: int = 0) -> int:
    """How many lines `text` takes in a column `room` points wide (at least 1); with `most`, counting
    stops there (`most` for a text that takes that many lines or more)."""
    total = 0
    for paragraph in text.split("\n"):
        count, used = 1, 0.0
        for w, stripped in _piece_widths(paragraph, bold, size):
            if used and used + stripped > room:
                count, used = count + 1, 0.0
                if most and total + count >= most:
                    return most
            if w > room:  # a piece wider than the column is broken wherever it must be
                count += math.ceil(w / room) - 1
                w = w % room
                if most and total + count >= most:
                    return most
            used += w
        total += count
        if most and total >= most:
            return most
    return max(1, total)


#: Words seen (up to and including the space after them; a paragraph's last word, with none after it, as the word
#: and a newline), per (bold, size): their pieces' widths (`_piece_widths`).
_WORDS: dict[tuple[bool, float], dict[str, tuple[tuple[float, float], ...]]] = {}
_WORDS_KEPT = 65536  # words kept per (bold, size) before they are forgotten (memory stays small)


def _piece_widths(paragraph: str, bold: bool, size: float) -> Iterable[tuple[float, float]]:
    """(width, width without its trailing space) in points of each piece of a paragraph (`_PIECES`), as
    `_piece_points` gives them. For speed, the paragraph is split at its spaces, which end pieces, and the
    pieces of each word (with its space) are found and measured once, not again in every text."""
    words = paragraph.split(" ")
    last = words.pop()
    known = _WORDS.get((bold, size))
    if known is None or len(known) > _WORDS_KEPT:
        known = _WORDS[bold, size] = {}
    try:  # (nearly always every word is known: one pass, no test of each)
        widths = list(map(known.__getitem__, words))
    except KeyError:
        widths = list(map(known.get, words))
        for i, word in enumerate(words):
            if widths[i] is None:
                widths[i] = known[word] = tuple(_piece_points(p, bold, size) for p in _PIECES(word + " "))
    if last:  # the rest of the line, with no space after it (kept as the word and a newline, which no word holds)
        rest = known.get(last + "\n")
        if rest is None:
            rest = known[last + "\n"] = tuple(_piece_points(p, bold, size) for p in _PIECES(last))
        widths.append(rest)
    return chain.from_iterable(widths)


@lru_cache(maxsize=65536)
def _piece_points(piece: str, bold: bool, size: float) -> tuple[float, float]:
    """A piece's width in points at `size`, with and without the space it ends with (as `width` works it out)."""
    full, stripped = _piece_ems(piece, bold)
    return full * size / 1000, stripped * size / 1000


def column_points(width: float) -> float:
    """The width in points of spreadsheet columns `width` characters wide (Excel's unit: 7-pixel digits)."""
    return (7 * width + 5) * 0.75


def cell_height(text: str, width: float, size: float, bold: bool = False, spare: float = 0.9,
                minimum: float = 15.0, tallest: float = 0.0) -> float:
    """The height (points) a spreadsheet row needs to show `text` wrapped in columns `width`
    characters wide; `spare`: the share of the width counted on (LibreOffice measures a
    little differently from Excel, and may show another font). With `tallest`, a text that needs
    at least that gets a height of at least that, not its own (its lines are not all counted)."""
    room = (column_points(width) - CELL_PADDING) * spare
    most = math.ceil((tallest - 4) / (size * SHEET_LINE)) + 1 if tallest else 0
    return max(minimum, round(lines(text, room, size, bold, most) * size * SHEET_LINE + 4, 1))
