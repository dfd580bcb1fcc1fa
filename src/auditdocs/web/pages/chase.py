"""Chase: what to chase, ready to e-mail, as `auditdocs chase` says it (use case: `status.run.chase_letters`):
one letter per auditor and one per team manager, each to copy or download (the files `chase --out` writes, in
the server's private folder, and all of them in a zip). Working them out reads every audit that still needs
something (seconds with a year of audits), so it runs as a job."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint

from ...status.run import Chased, chase_letters
from ..app import month_given, private_folder, render, site, start_job

bp = Blueprint("chase", __name__, url_prefix="/chase")

TITLE = "Writing the chase letters"


@dataclass
class Letters:
    """The letters (`chase`'s result), each with its file when written, and the zip of them all."""

    chased: Chased
    zipped: Path | None = None

    @property
    def letters(self) -> list:
        done = self.chased
        files = done.letter_files if len(done.letter_files) == len(done.letters) else [None] * len(done.letters)
        return list(zip(done.letters, files))


@bp.get("/")
def index():
    return render("chase/index.html")


@bp.post("/letters")
def letters():
    ws, today, month = site().workspace, site().today(), month_given("month")
    folder = private_folder("chase")

    def work(job) -> Letters:
        done = Letters(chase_letters(ws, month=month, today=today, out=folder / "letters"))
        if done.chased.letter_files:
            name = f"chase letters {done.chased.month:%Y-%m} on {done.chased.today:%Y-%m-%d}"
            done.zipped = Path(shutil.make_archive(str(folder / name), "zip", root_dir=folder / "letters"))
        return done

    return start_job(TITLE, work, template="chase/result.html")
