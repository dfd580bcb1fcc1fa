"""Making the report: the audits it reads from the register, and the files it writes.

The decisions are in `figures` (what the numbers are) and the writers in `word`, `dashboard`
and `pdf`; this module is the file I/O around them, and `run.make_report` the use case that
puts it together. Every file goes through `files.write_atomic`, owner-only unless the report
is anonymous.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path

from .. import naming
from ..domain import cycle
from ..domain import model as m
from ..errors import UserError
from ..files import write_atomic
from ..progress import Progress
from ..progress import report as report_progress
from ..register.interface import AuditRegister
from ..tagged_pdf import structure
from .charts import report_charts
from .dashboard import render_dashboard
from .figures import Figures, as_json
from .pdf import report_pdf
from .period import Period, trend_months
from .settings import ReportSettings
from .word import render_report


@dataclass
class ReportFiles:
    figures: Figures
    report: Path
    dashboard: Path
    pdf: Path | None = None
    json: Path | None = None
    warnings: list[str] = dc_field(default_factory=list)  # what was not done, and why

    @property
    def files(self) -> list[Path]:
        """Every file written: the Word report, the dashboard, and the PDF and the JSON when made."""
        return [self.report, self.dashboard, *(path for path in (self.pdf, self.json) if path)]

    @property
    def notes(self) -> list[str]:
        """What the figures say needs a look (the command line prints each as a note)."""
        return self.figures.notes

    @property
    def attention(self) -> bool:
        return bool(self.warnings or self.figures.notes)

    def lines(self, shown=str) -> list[str]:
        """What was made, for the person who asked: the period's counts, then each file (as `shown(path)`)."""
        f = self.figures
        lines = [f"Audit report for {f.period_label}: {f.audits} audit{'s' * (f.audits != 1)} "
                 f"({f.completion.total.returned} returned, {f.grades.this_period.total} graded).",
                 f"  Word report: {shown(self.report)}", f"  Dashboard:   {shown(self.dashboard)}"]
        lines += [f"  {what:<12} {shown(path)}" for what, path in (("PDF:", self.pdf), ("Figures:", self.json))
                  if path]
        return lines


def file_names(period: Period) -> tuple[str, str]:
    """The report's and the dashboard's names, without their extension."""
    return f"Audit report {period.key}", f"Audit dashboard {period.key}"


def audits_for(reg: AuditRegister, period: Period, library, settings: ReportSettings) -> list[m.RegisteredAudit]:
    """The audits the figures need: every audit from the first month of the trend (or of the
    period before) onwards, later ones included (re-audits), and the whole history of each case
    with an Inadequate audit (so a second Inadequate grade is known as one)."""
    first = min(trend_months(period, settings.trend_months)[0], period.previous().first)
    audits = reg.audits(first=first)
    seen = {a.audit_id for a in audits}
    cases = set()
    for a in audits:
        current = a.current
        if a.case_number and current is not None and current.status == "complete" and cycle.is_inadequate(
                library.get(a.form_id, a.form_version), current.record):
            cases.add(a.case_number)
    for case in sorted(cases):
        for a in reg.case_history(case):
            if a.audit_id not in seen:
                audits.append(a)
                seen.add(a.audit_id)
    return audits


def no_audits(reg: AuditRegister, period: Period) -> UserError:
    """The error of a period the register has no audits for, saying which months it has."""
    months = reg.months()
    held = (f"it has audits for {months[0]:%B %Y}" + (f" to {months[-1]:%B %Y}" if len(months) > 1 else "")
            if months else "it has no audits yet")
    return UserError(f"the register {reg.path} has no audits allocated for {period.label} ({held}). "
                     "Check the period, or the register.")


def write_report(figures: Figures, period: Period, out: Path, *, now: dt.datetime | None = None,
                 anonymous: bool = False, pdf: bool = False, json_file: Path | None = None,
                 progress: Progress | None = None) -> ReportFiles:
    """Write the Word report and the dashboard of `figures` into `out` (and the PDF, the JSON); `now`: when
    the report says it was made (default: the clock's). `progress` is told of each file made."""
    report_name, dashboard_name = file_names(period)
    charts = report_charts(figures)
    when = (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)

    def render(pages=None) -> bytes:
        return render_report(figures, charts, when, pages)

    files = ReportFiles(figures, Path(out) / f"{report_name}.docx", Path(out) / f"{dashboard_name}.xlsx")
    return write_files(files, render, lambda: render_dashboard(figures), lambda: as_json(figures), anonymous=anonymous,
                       pdf=pdf, json_file=json_file, progress=progress)


def write_files(files: ReportFiles, render, dashboard, figures_json, *, anonymous: bool = False, pdf: bool = False,
                json_file: Path | None = None, progress: Progress | None = None) -> ReportFiles:
    """Write a report's files where `files` names them: the Word report (`render(pages)`: its bytes, with each
    heading's page in its contents when `pages` gives them), the workbook (`dashboard()`), with `pdf` the PDF
    (beside the report, its name), with `json_file` the figures (`figures_json()`) as JSON. Owner-only unless
    `anonymous`; what could not be made is in `files.warnings`."""
    out, name = files.report.parent, files.report.stem
    total = 2 + pdf + (json_file is not None)
    docx = render()
    if deep := naming.too_deep(out, files.dashboard.name):
        files.warnings.append(deep[0].upper() + deep[1:])
    pdf_bytes = None
    if pdf:
        try:
            docx, pdf_bytes = report_pdf(render, name, name, out)
            files.warnings += [f"The PDF {problem}." for problem in structure(pdf_bytes).problems()]
        except UserError as exc:
            files.warnings.append(exc.message[0].upper() + exc.message[1:])
    private = not anonymous
    write_atomic(files.report, docx, private=private)
    report_progress(progress, 1, total)
    write_atomic(files.dashboard, dashboard(), private=private)
    report_progress(progress, 2, total)
    if pdf_bytes is not None:
        files.pdf = write_atomic(out / f"{name}.pdf", pdf_bytes, private=private)
    if pdf:
        report_progress(progress, 3, total)
    if json_file is not None:
        files.json = write_atomic(Path(json_file), json.dumps(figures_json(), indent=1, ensure_ascii=False) + "\n",
                                  private=private)
        report_progress(progress, total, total)
    return files
