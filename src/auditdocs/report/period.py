"""The period a report covers: a month, a quarter of the audit year, or a run of months.

Quarters are those of the financial year English councils report by (April to March, the
same year as the audits): `2026-Q1` is April–June 2026, `Q2` July–September, `Q3`
October–December 2026 and `Q4` January–March 2027. A council whose audit year starts in
another month sets it once (`ReportSettings.year_start`) and its quarters follow.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..allocate.allocation_list import parse_month
from ..domain.cycle import YEAR_START_MONTH
from ..domain.dates import add_months
from ..errors import UserError

_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*Q([1-4])\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    """Months `first`..`last` (their first days), and how the report names them."""

    first: dt.date
    last: dt.date
    kind: str = "month"  # month | quarter | months
    quarter: str = ""  # "2026-Q3" for a quarter

    @property
    def months(self) -> list[dt.date]:
        out, month = [], self.first
        while month <= self.last:
            out.append(month)
            month = add_months(month, 1)
        return out

    @property
    def length(self) -> int:
        return len(self.months)

    @property
    def key(self) -> str:
        """How files are named: 2026-11, 2026-Q3, 2026-04 to 2027-03."""
        if self.kind == "quarter":
            return self.quarter
        if self.first == self.last:
            return f"{self.first:%Y-%m}"
        return f"{self.first:%Y-%m} to {self.last:%Y-%m}"

    @property
    def label(self) -> str:
        """How people read it: November 2026, Q3 2026-27 (October to December 2026), April 2026 to March 2027."""
        if self.first == self.last:
            return f"{self.first:%B %Y}"
        span = f"{self.first:%B %Y} to {self.last:%B %Y}" if self.first.year != self.last.year \
            else f"{self.first:%B} to {self.last:%B %Y}"
        if self.kind == "quarter":
            year, q = self.quarter.split("-Q")
            return f"Q{q} {year}-{(int(year) + 1) % 100:02d} ({span})"
        return span

    def previous(self) -> Period:
        """The period of the same length just before (the last quarter, the month before…)."""
        first = add_months(self.first, -self.length)
        last = add_months(self.first, -1)
        if self.kind == "quarter":
            year, q = self.quarter.split("-Q")
            year, q = (int(year), int(q) - 1) if q != "1" else (int(year) - 1, 4)
            return Period(first, last, "quarter", f"{year}-Q{q}")
        return Period(first, last, self.kind)

    def holds(self, month: dt.date | None) -> bool:
        return month is not None and self.first <= month <= self.last


def month_period(text: str) -> Period:
    month = parse_month(text)
    return Period(month, month)


def quarter_period(text: str, year_start: int = YEAR_START_MONTH) -> Period:
    """`2026-Q3`: the third quarter of the audit year starting in 2026 (see the module docstring)."""
    match = _QUARTER.match(text or "")
    if not match:
        raise UserError(f"'{text}' is not a quarter: write the year the audit year starts in and the quarter, "
                        "for example 2026-Q3 (October to December 2026).")
    year, quarter = int(match[1]), int(match[2])
    first = add_months(dt.date(year, year_start, 1), 3 * (quarter - 1))
    return Period(first, add_months(first, 2), "quarter", f"{year}-Q{quarter}")


def range_period(first: str, last: str) -> Period:
    start, end = parse_month(first), parse_month(last)
    if end < start:
        raise UserError(f"--to {last} is before --from {first}: give the first month, then the last.")
    if (end.year - start.year) * 12 + end.month - start.month >= 36:
        raise UserError(f"{first} to {last} is more than three years: make a report per year instead.")
    return Period(start, end, "months")


def trend_months(period: Period, count: int = 12) -> list[dt.date]:
    """The `count` months ending with the period's last month, oldest first."""
    return [add_months(period.last, -n) for n in range(count - 1, -1, -1)]
