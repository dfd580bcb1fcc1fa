"""Chase: what to chase, ready to e-mail, as `auditdocs chase` says it (use case: `status.run.chase_letters`):
one letter per auditor and one per team manager, each to copy or download (the files `chase --out` writes,
written in the server's private folder)."""
from __future__ import annotations

from flask import Blueprint, request

from ...status.run import chase_letters
from ..app import month_given, private_folder, render, site

bp = Blueprint("chase", __name__, url_prefix="/chase")


@bp.get("/")
def index():
    month = month_given("month")
    done = chase_letters(site().workspace, month=month, today=site().today(), out=private_folder("chase"))
    files = done.letter_files if len(done.letter_files) == len(done.letters) else [None] * len(done.letters)
    return render("chase/index.html", chased=done, letters=list(zip(done.letters, files)),
                  month_value=request.args.get("month", "") if month else "")
