"""Dates as people write them in England, and the deadlines of the audit cycle.

Working days skip weekends and the England and Wales bank holidays, which come
from the `holidays` library (maintained, offline), not from a list of ours.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from functools import lru_cache

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
EXCEL_EPOCH = dt.date(1899, 12, 30)
#: A bare number is taken as an Excel date (days since the epoch) only if it falls in these
#: years: the dates on these forms (births of carers and children, audits, actions) all do.
#: Outside them it is a year typed as a number (2015 would be 07/07/1905), a case number or a
#: slip, and is reported, never turned into a date.
PLAUSIBLE_YEARS = (1920, 2099)
_FIRST_SERIAL = (dt.date(PLAUSIBLE_YEARS[0], 1, 1) - EXCEL_EPOCH).days
_LAST_SERIAL = (dt.date(PLAUSIBLE_YEARS[1], 12, 31) - EXCEL_EPOCH).days

_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.]+Z?)?$")
_WORDS = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s\-]+([A-Za-z]+)\.?,?[\s\-]+(\d{2}|\d{4})$")


def parse_date(value) -> dt.date | None:
    """A date from a cell or text: Excel dates, ISO, UK day-first (01/02/2026, 1 Feb 2026).

    Returns None when the value is not a date (never guesses month-first), and for a bare
    number that is not a plausible Excel date (see PLAUSIBLE_YEARS).
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if _FIRST_SERIAL <= value <= _LAST_SERIAL:  # an Excel serial date
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        return None
    text = " ".join(str(value).split())
    try:
        if m := _ISO.match(text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _NUMERIC.match(text):
            return dt.date(_year(m[3]), int(m[2]), int(m[1]))
        if m := _WORDS.match(text):
            month = MONTHS.get(m[2].lower())
            return dt.date(_year(m[3]), month, int(m[1])) if month else None
    except ValueError:
        return None
    return None


#: The parts of a Word date format (`w:dateFormat`), longest first: day, weekday, month, year, time.
_WORD_FORMAT = re.compile(r"dddd|ddd|dd|d|MMMM|MMM|MM|M|yyyy|yy|HH|H|hh|h|mm|m|ss|s|AM/PM|am/pm|'[^']*'|.", re.S)
_WORD_PARTS = {"dd": r"(?P<d>\d{1,2})", "d": r"(?P<d>\d{1,2})", "MM": r"(?P<M>\d{1,2})", "M": r"(?P<M>\d{1,2})",
               "MMMM": r"(?P<N>[^\W\d_]+)\.?", "MMM": r"(?P<N>[^\W\d_]+)\.?", "dddd": r"[^\W\d_]+",
               "ddd": r"[^\W\d_]+\.?", "yyyy": r"(?P<y>\d{4})", "yy": r"(?P<y>\d{2})", "AM/PM": r"[AP]\.?M\.?",
               "am/pm": r"[ap]\.?m\.?"}
_word_formats: dict[str, re.Pattern | None] = {}


def by_word_format(text: str, fmt: str) -> dt.date | None:
    """The date `text` shows when written in Word's date format `fmt` (a date control's `w:dateFormat`:
    'M/d/yyyy' is month-first, 'dd/MM/yyyy' day-first, 'd MMMM yyyy' …); None if it is not written so."""
    pattern = _word_formats.get(fmt, False)
    if pattern is False:
        pieces = []
        for token in _WORD_FORMAT.findall(fmt):
            if token in _WORD_PARTS:
                part = _WORD_PARTS[token]
                if any(f"(?P<{g}>" in part and f"(?P<{g}>" in "".join(pieces) for g in "dMNy"):
                    part = re.sub(r"\(\?P<\w>", "(?:", part)  # a part shown twice is matched once
                pieces.append(part)
            elif token[0] in "HhmsS" and token.strip("HhmsS") == "":
                pieces.append(r"\d{1,2}")
            elif token.startswith("'") and len(token) > 1:
                pieces.append(re.escape(token[1:-1]))
            elif token.isspace():
                pieces.append(r"\s*")
            else:
                pieces.append(re.escape(token))
        regex = "".join(pieces)
        pattern = re.compile(regex, re.I) if all(f"(?P<{g}>" in regex for g in "dy") and (
            "(?P<M>" in regex or "(?P<N>" in regex) else None
        _word_formats[fmt] = pattern
    match = pattern.fullmatch(" ".join(text.split())) if pattern is not None else None
    if match is None:
        return None
    groups = match.groupdict()
    month = int(groups["M"]) if groups.get("M") else MONTHS.get(groups["N"].lower().rstrip("."))
    try:
        return dt.date(_year(groups["y"]), month, int(groups["d"])) if month else None
    except ValueError:
        return None


def _year(text: str) -> int:
    """A two-digit year is taken as the latest year ending so that is not more than a year ahead
    ('75' is 1975, a date of birth; '26' is 2026)."""
    year = int(text)
    if year >= 100 or len(text) > 2:  # a year written with four digits is that year, even 0001
        return year
    this_year = dt.date.today().year
    century = this_year // 100 * 100
    return century + year if century + year <= this_year + 1 else century - 100 + year


def month_number(value) -> int | None:
    """The month a setting names: 1 to 12, or its name or abbreviation ("April", "Apr"); None if neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1 <= value <= 12 else None
    text = str(value).strip().lower()
    return MONTHS.get(text) or (int(text) if text.isdecimal() and 1 <= int(text) <= 12 else None)


def uk(value: dt.date | str | None) -> str:
    """dd/mm/yyyy, as forms and messages show dates."""
    if isinstance(value, str):
        value = parse_date(value)
    return value.strftime("%d/%m/%Y") if value else ""


def long_date(day: dt.date) -> str:
    """A date written out, as a letter or an e-mail gives it: 'Thursday 4 December 2026'."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def last_day_of_month(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day if it has fewer days."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    import holidays  # here, not at the top: it takes a while to import, and `auditdocs --help` needs none

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


@lru_cache(maxsize=4096)
def add_working_days(day: dt.date, count: int) -> dt.date:
    """The working day `count` working days after `day` (England and Wales)."""
    while count > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


#: The years a date or month given to a command may be in (--on, --month…): outside them it is a slip
#: (0001 for 2001, 9999 for "no end"), refused rather than changed.
GIVEN_YEARS = (1900, 2100)


def outside_given_years(day: dt.date) -> str:
    """Why a date given to a command cannot be used ('' when it can)."""
    first, last = GIVEN_YEARS
    if first <= day.year <= last:
        return ""
    return f"the year {day.year} is not one auditdocs can work with: give a year from {first} to {last}"


def next_working_day(day: dt.date) -> dt.date:
    """`day` if it is a working day, else the working day after it: a deadline that falls on a weekend or a
    bank holiday moves to the next working day."""
    return day if is_working_day(day) else add_working_days(day, 1)
