"""The report: the audit report for a month or a quarter (`auditdocs report`, the use case `report.run.make_report`),
made in the background; its summary and charts shown on the page, the Word report, the Excel dashboard and the
PDF offered to download."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, request

from ...domain.dates import add_months
from ...errors import UserError
from ..app import private_folder, render, site, start_job

bp = Blueprint("report", __name__, url_prefix="/report")


def reports_folder() -> Path:
    """Where the reports go: the workspace's output/reports (as `auditdocs report` run in the workspace)."""
    return site().workspace.folder / "output" / "reports"



@bp.get("/")
def index():
    month = add_months(site().today().replace(day=1), -1)
    year_start = site().workspace.settings("report").year_start
    quarter = (month.month - year_start) % 12 // 3 + 1
    year = month.year if month.month >= year_start else month.year - 1
    return render("report/index.html", month=month, quarter=f"{year}-Q{quarter}", year_start=year_start)


@bp.post("/make")
def make():
    from ...report.run import make_report, report_period

    kind = request.form.get("period", "month")
    month = (request.form.get("month") or "").strip() if kind == "month" else None
    quarter = (request.form.get("quarter") or "").strip().upper() if kind == "quarter" else None
    if not (month or quarter):
        raise UserError("give the month (YYYY-MM) or the quarter (YYYY-QN) to report on.")
    anonymous = request.form.get("anonymous") == "yes"
    pdf = request.form.get("pdf") == "yes"
    ws, today, now = site().workspace, site().today(), site().now()
    period = report_period(month=month, quarter=quarter, year_start=ws.settings("report").year_start, today=today)
    out, pictures = reports_folder(), private_folder("report-charts")

    def work(job):
        files = make_report(ws, month=month, quarter=quarter, out=out, today=today, now=now, anonymous=anonymous,
                            pdf=pdf, progress=job.progress)
        return files, chart_pictures(files.figures, pictures)

    return start_job(f"The audit report for {period.label}", work, template="report/made.html", pdf=pdf)


@bp.app_template_global("completion_labels")
def completion_labels() -> list[tuple[str, str]]:
    from ...report.figures import COMPLETION_LABELS

    return list(COMPLETION_LABELS.items())


def chart_pictures(figures, folder: Path) -> list[tuple[object, Path]]:
    """The report's charts as PNG files in `folder` (the server's own), each with its chart (title, alt text)."""
    from ...report.charts import report_charts

    out = []
    for n, chart in enumerate(report_charts(figures).values(), start=1):
        path = folder / f"chart {n}.png"
        path.write_bytes(chart.png)
        out.append((chart, path))
    return out


@bp.app_template_global("headline_value")
def headline_value(value, unit: str = "") -> str:
    from ...report.figures import shown

    return shown(value, unit)


@bp.app_template_global("change_sentences")
def change_sentences(figures) -> list[str]:
    from ...report.figures import change_sentences as sentences

    return sentences(figures)
