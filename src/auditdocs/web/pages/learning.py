"""Learning from audits: the organisational learning log as it stands (the register's, with what people typed in
the tracker's Learning log sheet: `learning.log_run.the_log`), what `auditdocs learning themes check` says of
themes.xlsx (`learning.run.check_themes`), and, each made in the background with its files offered to download,
the learning session's pack (`learning pack --session | --month`: `learning.run.make_pack`), the service
improvement plan (`learning plan [--service]`: `learning.log_run.improvement_plan`) and the staff bulletin
(`learning bulletin --from --to`: `learning.log_run.learning_bulletin`). The files go where the commands put them
by default: output/reports in the workspace."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, request

from ...domain.dates import add_months
from ...errors import UserError
from ..app import month_given, render, site, start_job
from .report import reports_folder

bp = Blueprint("learning", __name__, url_prefix="/learning")


@dataclass
class Made:
    """What a learning step made: the line the command prints first, its files, and its warnings."""

    said: str
    files: list[Path]
    warnings: list[str]


def _file_name(path: Path) -> str:
    return Path(path).name


def _log(ws) -> list:
    """The learning log as it stands; none while the workspace has no register yet."""
    from ...learning.log_run import the_log

    if not Path(ws.register).exists():
        return []
    with ws.open_register() as reg:
        return the_log(reg)


def _themes_check(ws):
    """`learning themes check`'s result, or the message it stops with (a themes workbook that cannot be read)."""
    from ...learning.run import check_themes

    try:
        return check_themes(ws), ""
    except UserError as exc:
        return None, f"Error: {exc}"


@bp.get("/")
def index():
    ws = site().workspace
    entries = _log(ws)
    checked, problem = _themes_check(ws)
    services = sorted({e.service for e in entries if e.service}, key=str.casefold)
    sessions = checked.vocabulary.sessions if checked is not None else []
    today = site().today()
    coming = next((s.on for s in sorted(sessions, key=lambda s: s.on) if s.on >= today), None)
    return render("learning/index.html", entries=entries, checked=checked, themes_problem=problem,
                  services=services, sessions=sessions, coming=coming, month=add_months(today.replace(day=1), -1))


@bp.post("/pack")
def pack():
    """`learning pack --session DATE` or `--month YYYY-MM`."""
    from ...learning.run import make_pack

    kind = request.form.get("for", "session")
    session = (request.form.get("session") or "").strip() if kind == "session" else None
    month = (request.form.get("month") or "").strip() if kind == "month" else None
    if bool(session) == bool(month):
        raise UserError("give --session YYYY-MM-DD or --month YYYY-MM (one of them).")
    ws, today, now, out = site().workspace, site().today(), site().now(), reports_folder()

    def work(job) -> Made:
        made = make_pack(ws, session=session, month=month, out=out, today=today, now=now)
        return Made(made.lines()[0], made.files, made.warnings)

    return start_job("The learning session's pack", work, template="learning/made.html")


@bp.post("/plan")
def plan():
    """`learning plan [--service]`."""
    from ...learning.log_run import improvement_plan

    service = (request.form.get("service") or "").strip() or None
    ws, today, now, out = site().workspace, site().today(), site().now(), reports_folder()

    def work(job) -> Made:
        made = improvement_plan(ws, service=service, out=out, today=today, now=now)
        return Made(made.lines(_file_name)[0], made.files, [])

    return start_job("The service improvement plan", work, template="learning/made.html")


@bp.post("/bulletin")
def bulletin():
    """`learning bulletin --from YYYY-MM [--to YYYY-MM]`."""
    from ...learning.log_run import learning_bulletin

    first, last = month_given("first"), month_given("last")
    if first is None:
        raise UserError("give the first month of audits (--from YYYY-MM), for example 2026-10.")
    ws, today, now, out = site().workspace, site().today(), site().now(), reports_folder()

    def work(job) -> Made:
        made = learning_bulletin(ws, first=first, last=last, out=out, today=today, now=now)
        return Made(made.lines(_file_name)[0], made.files, [])

    return start_job("The learning bulletin", work, template="learning/made.html")
