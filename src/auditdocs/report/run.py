"""The audit report, as a use case: `make_report(ws, month=...)` is `auditdocs report`.

It reads the register once (the audits the figures need), works the figures out (`figures`) and writes
the files (`make.write_report`): the Word report, the Excel dashboard, and on request the PDF and every
figure as JSON. What it returns (`make.ReportFiles`) holds the figures, the files and what needs a look.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..errors import UserError
from ..progress import Progress
from ..workspace import Workspace
from . import action_checks, governance
from .figures import report_figures
from .make import ReportFiles, audits_for, no_audits, write_report
from .period import Period, month_period, quarter_period, range_period


class PeriodsClash(UserError):
    """More than one period was asked for, or a run of months without its first or its last month."""


class NotAPeriod(UserError):
    """A month, a quarter or a run of months that cannot be read as one (the message says how to write it)."""


def report_period(*, month: str | None = None, quarter: str | None = None, first: str | None = None,
                  last: str | None = None, year_start: int, today: dt.date) -> Period:
    """The period asked for: a month ('2026-11'), a quarter of the audit year starting in `year_start`
    ('2026-Q3'), or the months `first` to `last`; none of them: the month before `today`'s."""
    given = [name for name, value in (("--month", month), ("--quarter", quarter), ("--from/--to", first or last))
             if value]
    if len(given) > 1:
        raise PeriodsClash(f"give one period: {' or '.join(given)}, not both.")
    if (first is None) != (last is None):
        raise PeriodsClash("give both --from and --to (the first and the last month), e.g. "
                           "--from 2026-04 --to 2027-03.")
    try:
        if quarter:
            return quarter_period(quarter, year_start)
        if first:
            return range_period(first, last)
        if month:
            return month_period(month)
    except UserError as exc:
        raise NotAPeriod(exc.message) from None
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    return month_period(f"{last_month:%Y-%m}")


def make_report(ws: Workspace, *, month: str | None = None, quarter: str | None = None, first: str | None = None,
                last: str | None = None, out: Path, today: dt.date | None = None, now: dt.datetime | None = None,
                anonymous: bool = False, with_evidence: bool = False, pdf: bool = False,
                json_file: Path | None = None, progress: Progress | None = None) -> ReportFiles:
    """The audit report for a month ('YYYY-MM'), a quarter of the audit year ('YYYY-QN', the year starting in
    the month the workspace's [report] settings say) or the months `first` to `last` (default: last month),
    written into `out`: the Word report and the Excel dashboard, with `pdf` the PDF too (needs LibreOffice:
    without it, a warning), with `json_file` every figure as JSON. `anonymous`: no case numbers, auditors'
    names or audit ids; `with_evidence`: the annex quoting what auditors wrote. `today`: the day the figures
    are worked out on; `now`: when the report says it was made (both default to the clock).

    Raises `PeriodsClash` or `NotAPeriod` (both UserErrors) for a period that cannot be used, and a UserError
    when the register has no audits for the period."""
    settings = ws.settings("report")
    today = today or dt.date.today()
    period = report_period(month=month, quarter=quarter, first=first, last=last, year_start=settings.year_start,
                           today=today)
    library = ws.library()
    with ws.open_register() as reg:
        audits = audits_for(reg, period, library, settings)
        if not any(period.holds(a.month) for a in audits):
            raise no_audits(reg, period)
        figures = report_figures(audits, period, library, today, settings, anonymous=anonymous,
                                 with_evidence=with_evidence)
        figures.action_checks = action_checks.from_register(reg, period.first, period.last)
        if period.kind == "quarter":  # for the boards: the quarter's learning from audits
            figures.governance = governance.governance_figures(
                reg, [a for a in audits if period.holds(a.month)], library, today,
                ws.folder if ws.settings_file is not None else None)
    return write_report(figures, period, out, now=now, anonymous=anonymous, pdf=pdf, json_file=json_file,
                        progress=progress)
