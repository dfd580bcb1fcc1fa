"""Share: a pseudonymised export of the month's audits (`auditdocs export --pseudonymise`, with the team's key kept
in the workspace: `auditdocs key new` makes it once) and a PDF of each complete audit for the child's file
(`auditdocs finalise --month`). Both run in the background; their files are offered to download. The key is never
shown, nor offered."""
from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

from flask import Blueprint, request

from ...domain.dates import add_months
from ...errors import UserError
from ..app import month_given, private_folder, render, site, start_job

bp = Blueprint("share", __name__, url_prefix="/share")

KEY = Path("keys") / "auditdocs.key"  # the team's key, in the workspace (apart from the exports)
EXPORTS = Path("output") / "exports"
FINALISED = Path("output") / "finalised"  # as `auditdocs finalise` run in the workspace


def key_file() -> Path:
    return site().workspace.folder / KEY



@bp.get("/")
def index():
    return render("share/index.html", month=month_given() or add_months(site().today().replace(day=1), -1),
                  has_key=key_file().is_file(), key=str(KEY), exports=str(EXPORTS), finalised=str(FINALISED))


@bp.post("/key")
def key():
    from ...files import make_folder
    from ...share.run import new_key

    make_folder(key_file().parent)
    made = new_key(site().workspace, key_file())
    return render("share/key.html", made=made, key=str(KEY))


def _month() -> dt.date:
    month = month_given()
    if month is None:
        raise UserError("choose the month.")
    return month


@bp.post("/export")
def export():
    from ...share.run import export_audits

    month = _month()
    if not key_file().is_file():
        raise UserError("the team has no key yet: make it first on the Share page ('Make the team's key'), once. "
                        "The same key gives a child the same pseudonym in every export.")
    kind = ".csv" if request.form.get("format") == "csv" else ".xlsx"
    out = site().workspace.folder / EXPORTS / f"Audits {month:%Y-%m}{kind}"
    teams = request.form.get("code_teams", "")
    code_teams = {"yes": True, "no": False}.get(teams)
    long, with_text = request.form.get("long") == "yes", request.form.get("with_text") == "yes"
    ws, key, today = site().workspace, key_file(), site().today()

    def work(job):
        return export_audits(ws, key_file=key, out=out, month=month, long=long, with_text=with_text,
                             code_teams=code_teams, today=today)

    return start_job(f"The pseudonymised export of {month:%B %Y}", work, template="share/exported.html")


@bp.post("/finalise")
def finalise():
    from ...share.run import finalise_audits

    month = _month()
    ws, today, now = site().workspace, site().today(), site().now()
    out, zips = ws.folder / FINALISED, private_folder("finalised")

    def work(job):
        done = finalise_audits(ws, month=month, out=out, today=today, now=now, progress=job.progress)
        return done, zipped(done.made, zips / f"Finalised audits {month:%Y-%m}.zip")

    return start_job(f"The finalised audits of {month:%B %Y}", work, template="share/finalised.html")


def zipped(files: list[Path], path: Path) -> Path | None:
    """The files in one zip at `path` (None: no files)."""
    if not files:
        return None
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for file in files:
            package.write(file, file.name)
    return path
