"""The register: check it against the files (`auditdocs register check`, the use case
`consolidate.upkeep.check_register`, in the background: it reads every audit) and rebuild it from them (`auditdocs register rebuild`: `rebuild_register`, in
the background, after a second screen that says what a rebuild does), in the workspace's folders and tracker."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, redirect, request, url_for

from ..app import render, site, start_job

bp = Blueprint("register", __name__, url_prefix="/register")


@bp.get("/")
def index():
    return render("register/index.html", register=_shown(site().workspace.register))


def _shown(path) -> str:
    try:
        return str(Path(path).relative_to(site().workspace.folder))
    except ValueError:
        return str(path)


@bp.post("/check")
def check():
    """`register check`: it reads every audit of the register and the files (seconds with a year of audits), so
    it runs in the background."""
    from ...consolidate.upkeep import check_register
    from ...specs import left_out_warnings

    ws = site().workspace

    def work(job):
        warnings = left_out_warnings(ws.library())
        return warnings, check_register(ws, forms=[ws.forms], returned=[ws.returned], with_tracker=True)

    return start_job("Check the register", work, template="register/check.html", register=ws.register)


@bp.get("/rebuild")
def confirm():
    ws = site().workspace
    return render("register/confirm.html", register=_shown(ws.register), forms=_shown(ws.forms),
                  returned=_shown(ws.returned), tracker=_shown(ws.tracker))


@bp.post("/rebuild")
def rebuild():
    from ...consolidate.upkeep import rebuild_register
    from ...tracker.safety import check_before_update

    if request.form.get("confirm") != "yes":
        return redirect(url_for("register.confirm"), 303)
    ws, now = site().workspace, site().now()

    def work(job):
        if Path(ws.tracker).exists():
            check_before_update(Path(ws.tracker))
        return rebuild_register(ws, forms=[ws.forms], returned=[ws.returned], with_tracker=True, now=now)

    return start_job("Rebuild the register", work, template="register/rebuilt.html", register=ws.register)
