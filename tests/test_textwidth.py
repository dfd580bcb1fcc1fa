"""How many lines a text takes in a spreadsheet column (`forms.textwidth.lines`), as the tracker's row heights
are worked out from it."""
from __future__ import annotations

import math
import random

from auditdocs.forms import textwidth


def _lines_piece_by_piece(text: str, room: float, size: float, bold: bool, most: int) -> int:
    """The rule, written out plainly: a piece (up to and including a space, hyphen or slash) goes on the next
    line when it does not fit, its trailing space left off; one wider than the column is broken where it must be."""
    total = 0
    for paragraph in text.split("\n"):
        count, used = 1, 0.0
        for piece in (p for p in textwidth._BREAKS.split(paragraph) if p):
            w = textwidth._ems(piece, bold) * size / 1000
            stripped = textwidth._ems(piece.rstrip(), bold) * size / 1000
            if used and used + stripped > room:
                count, used = count + 1, 0.0
            if w > room:
                count += math.ceil(w / room) - 1
                w = w % room
            used += w
        total += count
    return min(total, most) if most else max(1, total)


def test_lines_are_counted_as_the_rule_says():
    rng = random.Random(7)
    letters = "abcdefg WMil'-/\t\xa0\u2003é孩👍مД" + " " * 6
    for n in range(3000):
        text = "".join(rng.choice(letters) for _ in range(rng.randint(0, 400)))
        if n % 5 == 0:
            text = text.replace("W", "\n")
        room, size = rng.choice([4.0, 30.0, 99.0, 250.2, 292.2]), rng.choice([11, 10.5, 8])
        bold, most = n % 3 == 0, rng.choice([0, 1, 2, 30])
        assert textwidth.lines(text, room, size, bold, most) == _lines_piece_by_piece(text, room, size, bold, most), \
            (text, room, size, bold, most)


def test_pieces_found_in_one_go_are_the_pieces():
    rng = random.Random(3)
    for _ in range(5000):
        text = "".join(rng.choice("ab -/\t\xa0\u3000x👍") for _ in range(rng.randint(0, 20)))
        assert textwidth._PIECES(text) == [p for p in textwidth._BREAKS.split(text) if p]


def test_pieces_measured_word_by_word_are_the_pieces_measured():
    """`lines` measures a paragraph's pieces word by word, each word once (kept for the next texts): the same
    widths as measuring each piece `_PIECES` finds."""
    rng = random.Random(5)
    for n in range(4000):
        text = "".join(rng.choice("ab -/\t\xa0\u3000x👍  ") for _ in range(rng.randint(0, 30)))
        bold, size = n % 2 == 0, (11, 10.5)[n % 3 == 0]
        assert list(textwidth._piece_widths(text, bold, size)) == \
            [textwidth._piece_points(p, bold, size) for p in textwidth._PIECES(text)], text
