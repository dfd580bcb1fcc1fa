"""Colour contrast as WCAG 2.2 measures it: text on a fill must reach 4.5:1 (success criterion 1.4.3).

Every fill auditdocs puts text on (a grade's colour from the scale, a tracker state's, the report's
and the forms' shades) is checked against this in the tests; `text_on` picks black or white text,
whichever reads better on a fill.
"""
from __future__ import annotations

#: WCAG 2.2 AA, normal text.
MINIMUM = 4.5
BLACK, WHITE = "000000", "FFFFFF"


def _hex(colour: str) -> str:
    colour = colour.strip().lstrip("#").upper()
    if len(colour) == 8:  # ARGB, as openpyxl writes it
        colour = colour[2:]
    return colour


def luminance(colour: str) -> float:
    """WCAG's relative luminance of "#RRGGBB" (or "RRGGBB", "AARRGGBB")."""
    colour = _hex(colour)

    def channel(i: int) -> float:
        c = int(colour[i:i + 2], 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)


def contrast_ratio(one: str, other: str) -> float:
    """(L1 + 0.05) / (L2 + 0.05), the lighter colour's luminance over the darker's: 1 to 21."""
    a, b = sorted((luminance(one), luminance(other)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def text_on(fill: str) -> str:
    """BLACK or WHITE ("RRGGBB"), whichever has the higher contrast on `fill`."""
    return WHITE if contrast_ratio(fill, WHITE) > contrast_ratio(fill, BLACK) else BLACK
