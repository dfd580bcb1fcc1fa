"""Turn what a person typed or chose into the value the JSON contract carries.

Shared by the Word and the Excel readers, so that the same answers read the same:
choices as the option's value (its id in the spec: labels are made where answers are shown), dates as
`datetime.date` (written as ISO `YYYY-MM-DD` where answers are shown: `model.shown`), tick boxes as
true/false, text with its paragraphs joined by `\\n`. A value that does not fit
(a word typed into a dropdown, a date that is not a date) is kept as typed and
reported, never dropped and never guessed.
"""
from __future__ import annotations

import datetime as dt
import math

from ..domain import model as m
from ..domain.dates import PLAUSIBLE_YEARS, parse_date, uk

CHECKED = {"☒", "☑", "✔", "✓", "x", "true", "yes", "1"}
UNCHECKED = {"☐", "false", "no", "0", ""}


def clean_text(text: str) -> str:
    """Trim each line's trailing spaces and the blank lines around the text."""
    if "\n" not in text and "\r" not in text:  # one line (most answers): what the lines' way below gives it
        return text.strip()
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip("\n").strip()


def normalise(kind: m.Field | m.Column, raw, label: str) -> tuple[object | None, str | None]:
    """(value, problem message or None). value None means 'not answered'."""
    ftype, scale = kind.type, kind.scale
    if ftype == "checkbox":
        if isinstance(raw, bool):
            return raw, None
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        text = clean_text(str(raw or "")).lower()
        if text in CHECKED:
            return True, None
        if text in UNCHECKED:
            return False, None
        return text, f"{label}: '{text}' is not a tick (☒) or an empty box (☐)."
    if isinstance(raw, (dt.date, dt.datetime)):
        day = parse_date(raw)
        if ftype == "date":
            if not PLAUSIBLE_YEARS[0] <= day.year <= PLAUSIBLE_YEARS[1]:
                return day, (f"{label}: {uk(day)} is not a likely date (a year or another number "
                                         "typed into a date cell?). Check it and type the date as dd/mm/yyyy.")
            return day, None
        raw = day.isoformat()
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if isinstance(raw, float) and not math.isfinite(raw):
            return str(raw), f"{label}: the cell holds a number too large for Excel ('{raw}'). Check what was typed."
        if ftype == "date":
            day = parse_date(raw)
            return (day, None) if day else (_number_text(raw), f"{label}: '{_number_text(raw, 40)}' is not a date.")
        raw = _number_text(raw)
    text = clean_text(str(raw or ""))
    if not text:
        return None, None
    if scale is not None:
        option = scale.by_label(text)
        if option is None:
            return text, f"{label}: '{text}' is not one of the options ({', '.join(scale.labels)})."
        return option.value, None
    if ftype == "date":
        day = parse_date(text)
        if day is None:
            return text, f"{label}: '{text}' is not a date (write it as dd/mm/yyyy)."
        return day, None
    if ftype in ("line", "role", "person"):
        return " ".join(text.split()), None
    return text, None


def _number_text(number: int | float, limit: int | None = None) -> str:
    """A number as a person typed it: 12 not 12.0 (however many digits it has)."""
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    try:
        text = str(number)
    except ValueError:  # more digits than Python turns into text by default
        text = f"a number of about {int(math.log10(abs(number)))} digits"
    return text if limit is None or len(text) <= limit else text[:limit] + "…"


def row_is_empty(row: dict) -> bool:
    return all(v is None or v is False or (isinstance(v, str) and not v.strip()) for v in row.values())
