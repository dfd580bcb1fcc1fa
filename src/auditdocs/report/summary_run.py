"""The audit summary report as a use case: `make_summary(ws, activity=...)` is `auditdocs report --activity`.

It reads the register once (the activity's audits and the tracker's Key messages sheet as read back), the
programme (the activity's cohort rules, when programme.xlsx has it), works the figures out (`summary`) and
writes the Word report and the Excel figures (and on request the PDF and every figure as JSON).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from .. import naming
from ..domain import model as m
from ..errors import UserError
from ..progress import Progress
from ..specs.loader import did_you_mean
from ..workspace import PROGRAMME_FILE, Workspace
from . import summary_sheet
from .make import ReportFiles, write_files
from .period import month_period
from .run import NotAPeriod
from .summary import SummaryFigures, summary_figures, summary_json
from .summary_dashboard import render_summary_workbook
from .summary_word import render_summary, summary_charts


class NoSuchActivity(UserError):
    """The register has no audits of the activity asked for (the message says which it has)."""


class SummaryFiles(ReportFiles):
    """The summary's files (`dashboard`: its figures in Excel) and its figures (`SummaryFigures`)."""

    def lines(self, shown=str) -> list[str]:
        f = self.figures
        c = f.completion
        lines = [f"Audit summary of '{f.activity}', {f.month_label}: {c.allocated} audit{'s' * (c.allocated != 1)} "
                 f"({c.returned} returned, {f.grades.total} graded), {len(f.actions)} action"
                 f"{'s' * (len(f.actions) != 1)}.",
                 f"  Word report: {shown(self.report)}", f"  Figures:     {shown(self.dashboard)}"]
        lines += [f"  {what:<12} {shown(path)}" for what, path in (("PDF:", self.pdf), ("JSON:", self.json)) if path]
        return lines


def find_activity(audits: list[m.RegisteredAudit], asked: str) -> str:
    """The activity's name as the register has it (case, spaces and punctuation aside); NoSuchActivity else."""
    names = sorted({a.activity.strip() for a in audits if a.activity.strip()}, key=str.casefold)
    for name in names:
        if name == asked.strip() or m.name_key(name) == m.name_key(asked):
            return name
    if not names:
        raise NoSuchActivity(f"the register has no audits of any activity of the programme, so none named '{asked}' "
                             "(an activity's audits are recorded when 'auditdocs allocate' draws them).")
    raise NoSuchActivity(f"the register has no audits of an activity named '{asked}'{did_you_mean(asked, names)}. "
                         f"The activities it has: {'; '.join(names)}. Give the activity's name as the programme "
                         "writes it.")


def _programme_activity(ws: Workspace, month: dt.date, activity: str, notes: list[str]):
    """The programme's row for the activity in its month (or, for a re-audit a six-month review scheduled, in the
    month of the audit it re-audits), when the workspace has a programme that has it."""
    if ws.settings_file is None or not (ws.folder / PROGRAMME_FILE).exists():
        return None
    from ..programme.run import programme_month

    try:
        shown = programme_month(ws, month, with_re_audits=True)
    except UserError as exc:
        notes.append(f"The programme could not be read ({exc.message}): the cohort's rules are not shown.")
        return None
    activities, _not_drawn = shown.with_re_audits_drawn()
    return next((a for a in activities if m.name_key(a.name) == m.name_key(activity)), None)


def file_name(figures: SummaryFigures) -> str:
    """The report's (and its workbook's) name, without the extension."""
    return naming.safe_name(f"Audit summary {figures.month} {figures.activity}", 100)


def make_summary(ws: Workspace, *, activity: str, month: str | None = None, out: Path,
                 today: dt.date | None = None, now: dt.datetime | None = None, anonymous: bool = False,
                 pdf: bool = False, json_file: Path | None = None, progress: Progress | None = None) -> SummaryFiles:
    """The audit summary report of `activity` (its name as the programme writes it) in `month` ('YYYY-MM'; default:
    the latest month the register has audits of it), written into `out`: the Word report and the Excel figures,
    with `pdf` the PDF too, with `json_file` every figure as JSON. `anonymous`: no case numbers or people's names.
    Raises NoSuchActivity (a UserError, with "did you mean") for an activity the register has no audits of,
    NotAPeriod for a month that cannot be read, and a UserError for a month without audits of the activity."""
    today = today or dt.date.today()
    settings = ws.settings("report")
    library = ws.library()
    chosen = None
    if month:
        try:
            chosen = month_period(month).first
        except UserError as exc:
            raise NotAPeriod(exc.message) from None
    with ws.open_register() as reg:
        audits = reg.audits()
        name = find_activity(audits, activity)
        ours = [a for a in audits if a.activity.strip() == name]
        months = sorted({a.month for a in ours if a.month})
        if chosen is None:
            chosen = months[-1]
        elif chosen not in months:
            raise UserError(f"the register has no audits of '{name}' allocated for {chosen:%B %Y} (it has audits of "
                            f"it for {', '.join(f'{mo:%B %Y}' for mo in months)}). Check --month.")
        cells = reg.tracker_columns(summary_sheet.SHEET)
    notes: list[str] = []
    programme = _programme_activity(ws, chosen, name, notes)
    figures = summary_figures(ours, name, chosen, library, today, settings, programme_activity=programme,
                              messages=summary_sheet.key_messages(cells, chosen, name),
                              review=summary_sheet.review(ours, cells, chosen, name), anonymous=anonymous)
    figures.notes += notes
    return write_summary(figures, Path(out), now=now, anonymous=anonymous, pdf=pdf, json_file=json_file,
                         progress=progress)


def write_summary(figures: SummaryFigures, out: Path, *, now: dt.datetime | None = None, anonymous: bool = False,
                  pdf: bool = False, json_file: Path | None = None, progress: Progress | None = None) -> SummaryFiles:
    """Write the summary's Word report and workbook into `out` (and the PDF, the JSON), as `make.write_files`."""
    name = file_name(figures)
    charts = summary_charts(figures)
    when = (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)

    def render(pages=None) -> bytes:
        return render_summary(figures, charts, when, pages)

    files = SummaryFiles(figures, Path(out) / f"{name}.docx", Path(out) / f"{name}.xlsx")
    return write_files(files, render, lambda: render_summary_workbook(figures), lambda: summary_json(figures),
                       anonymous=anonymous, pdf=pdf, json_file=json_file, progress=progress)
