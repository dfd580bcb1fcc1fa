"""The weekly "Learning from audits" sessions' schedule (seed 003, 4.3.6 and Appendix C). Pure: no files.

The "Sessions" sheet of themes.xlsx has a row per session: its date, its title ("November Audits – Localities &
Fostering"), the month whose audits it looks at (empty: the month before the session), the services or teams
in scope (one a line; "any" or empty: every one) and the activities in scope (the programme's activity types
or names, one a line; "any" or empty: every one). A name in scope matches a service or team that holds it as
whole words, case ignored ("Assessment" matches "Assessment Team 1"; "AS" does not match "Assessment").
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..domain import model as m
from ..domain.dates import add_months, parse_date, uk
from ..domain.model import name_key as key
from ..errors import UserError
from .themes import ANY, Problem, cell_lines, find_headings, text_of

SHEET = "Sessions"
COLUMNS = {
    "on": ("Date", ("session date", "on", "when"), 12, "The session's date, as 08/12/2026 or 2026-12-08."),
    "title": ("Title", ("subject", "session"), 52, "What the session is, as the schedule says it (for example "
              "'November Audits – Localities & Fostering')."),
    "month": ("Audits of", ("audits of month", "month", "audit month"), 12,
              "The month whose audits it looks at, as 2026-11 (empty: the month before the session)."),
    "services": ("Services or teams", ("services", "teams", "services in scope", "service"), 34,
                 "The services or teams whose audits it looks at, one a line ('any' or empty: every one). A name "
                 "matches a service or team holding it as whole words."),
    "activities": ("Activities", ("activities in scope", "activity", "activity types"), 34,
                   "The programme's activities it looks at, by type (control sample, dip sample, thematic audit…) "
                   "or name, one a line ('any' or empty: every one)."),
}
BY_HEADING = {key(h): name for name, (heading, others, _, _) in COLUMNS.items() for h in (heading, *others)}
_MONTH = re.compile(r"^\s*(\d{4})\s*[-/.]\s*(\d{1,2})\s*$")

LOCALITIES = ("Localities", "Assessment", "Safeguarding", "Early Help", "Front Door", "Fostering")
AS_CWD_ILAC = ("AS", "CWD", "ILAC", "Children in Care", "Supported Lodgings", "Adoption")
THEMED = ("dip sample", "thematic audit", "managers' dip samples")


def example_rows() -> list[tuple[str, str, str, str, str]]:
    """Appendix C's schedule moved to the winter of 2026-27: date, title, audits of, services, activities."""
    def row(day, title, month, services=(), activities=()):
        return day, title, month, "\n".join(services) or ANY, "\n".join(activities) or ANY

    return [
        row("2026-12-01", "October audits – AS, CWD, ILAC", "2026-10", AS_CWD_ILAC),
        row("2026-12-08", "November Audits – Localities & Fostering", "2026-11", LOCALITIES),
        row("2026-12-15", "November audits – AS, CWD, ILAC", "2026-11", AS_CWD_ILAC),
        row("2026-12-18", "November Audit Report", "2026-11"),
        row("2027-01-05", "Themed audit, dip-samples and organisational learning November", "2026-11", (), THEMED),
        row("2027-01-12", "Learning Session", "2026-12"),
        row("2027-01-19", "December Audits – Localities & Fostering", "2026-12", LOCALITIES),
        row("2027-01-26", "December audits – AS, CWD, ILAC", "2026-12", AS_CWD_ILAC),
        row("2027-02-02", "Themed audit, dip-samples and organisational learning December", "2026-12", (), THEMED),
        row("2027-02-09", "January Audits – Localities & Fostering", "2027-01", LOCALITIES),
        row("2027-02-16", "January audits – AS, CWD, ILAC", "2027-01", AS_CWD_ILAC),
        row("2027-02-23", "Learning Session", "2027-01"),
    ]


def _whole_words(name: str) -> re.Pattern:
    return re.compile(r"(?<![^\W_])" + r"[\s\-&]+".join(re.escape(w) for w in name.split()) + r"(?![^\W_])",
                      re.IGNORECASE)


@dataclass(frozen=True)
class Session:
    row: int
    on: dt.date
    title: str
    month: dt.date  # the first day of the month whose audits it looks at
    services: tuple[str, ...] = ()  # empty: any
    activities: tuple[str, ...] = ()  # empty: any

    def holds(self, audit: m.RegisteredAudit) -> bool:
        """Whether an audit is in the session's scope (its services and activities; any month)."""
        if self.services and not any(_whole_words(s).search(where) for s in self.services
                                     for where in (audit.service, audit.team) if where):
            return False
        if self.activities:
            kinds = {key(audit.activity_type or m.CONTROL_SAMPLE), key(m.activity_name(audit))}
            return any(key(a) in kinds for a in self.activities)
        return True

    @property
    def scope_words(self) -> str:
        services = ", ".join(self.services) if self.services else "every service"
        activities = ", ".join(self.activities) if self.activities else "every activity"
        return f"{services}; {activities}"


def sessions_from_rows(headings: list, rows: list[tuple[int, list]], *, file: str,
                       heading_row: int = 1) -> tuple[list[Session], list[Problem]]:
    """The sessions of the sheet's rows, and a Problem for each row that cannot be used (left out)."""
    found, problems = find_headings(headings, file, SHEET, heading_row, ("on", "title"), BY_HEADING, COLUMNS)
    if problems:
        return [], problems
    out: list[Session] = []
    seen: dict[dt.date, int] = {}

    def cell(cells, name):
        i = found.get(name)
        return cells[i] if i is not None and i < len(cells) else None

    for n, cells in rows:
        raw_on, title, raw_month = cell(cells, "on"), text_of(cell(cells, "title")), cell(cells, "month")
        if not text_of(raw_on) and not title:
            continue
        on = raw_on.date() if isinstance(raw_on, dt.datetime) else raw_on if isinstance(raw_on, dt.date) \
            else parse_date(text_of(raw_on))
        wrong = []
        if on is None:
            wrong.append(f"'{text_of(raw_on)}' is not a date: write the session's date as 08/12/2026"
                         if text_of(raw_on) else "the session has no date: write it in 'Date', as 08/12/2026")
        elif on in seen:
            wrong.append(f"{uk(on)} is already the date of the session in row {seen[on]}: a session a day")
        if not title:
            wrong.append("the session has no title: write what it is in 'Title'")
        month = None
        if isinstance(raw_month, (dt.date, dt.datetime)):
            month = dt.date(raw_month.year, raw_month.month, 1)
        elif text_of(raw_month):
            match = _MONTH.match(text_of(raw_month))
            day = parse_date(text_of(raw_month)) if not match else None
            if match and 1 <= int(match[2]) <= 12:
                month = dt.date(int(match[1]), int(match[2]), 1)
            elif day is not None:
                month = day.replace(day=1)
            else:
                wrong.append(f"'{text_of(raw_month)}' is not a month: write the month of the audits as 2026-11")
        if wrong:
            problems += [Problem(file, SHEET, n, w + ".") for w in wrong]
            continue
        services = tuple(s for s in cell_lines(cell(cells, "services")) if s.casefold() != ANY)
        activities = tuple(a for a in cell_lines(cell(cells, "activities")) if a.casefold() != ANY)
        seen[on] = n
        out.append(Session(n, on, title, month or add_months(on.replace(day=1), -1), services, activities))
    return out, problems


class NoSuchSession(UserError):
    pass


def find_session(sessions: list[Session], day: dt.date, file: str) -> Session:
    """The session on `day`; else a NoSuchSession naming the nearest session and listing them."""
    for s in sessions:
        if s.on == day:
            return s
    if not sessions:
        raise NoSuchSession(f"{file} has no sessions in its sheet '{SHEET}': add the session of {uk(day)}, or make "
                            "the pack of a month with --month 2026-11.")
    near = min(sessions, key=lambda s: abs((s.on - day).days))
    listed = "; ".join(f"{s.on.isoformat()} {s.title}" for s in sorted(sessions, key=lambda s: s.on))
    raise NoSuchSession(f"there is no session on {uk(day)} in the sheet '{SHEET}' of {file} (did you mean "
                        f"{near.on.isoformat()}, {near.title}?). The sessions: {listed}.")
