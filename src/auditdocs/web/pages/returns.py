"""Returns: the returned forms read, as `auditdocs parse` reads them (use cases: `returns.run`).

Files given to the page (dropped, chosen, or a whole folder) are kept in the workspace's returned folder
(`uploads.receive`: only the kinds of file the reader looks at, so that a PDF sent by mistake is read and said
what to do about) and those files are read; or the returned folder is read as it is. Reading is a job. Its
page shows complete / incomplete / unreadable with the reasons (`parse`'s lines), the letters to send back
(`parse --returns`), every answer read to download (`parse --json`, written in the server's private folder),
and records that they were sent back (`parse --returns --sent`).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from flask import Blueprint, abort, redirect, request, url_for

from ...errors import UserError
from ...files import write_atomic
from ...returns.read import RETURNED_SUFFIXES, in_form_order
from ...returns.run import ReturnsChecked, check_returns, record_sent_back
from ..app import private_folder, render, site, start_job
from ..jobs import JobRunning
from ..uploads import receive

bp = Blueprint("returns", __name__, url_prefix="/returns")

TITLE = "Reading the returned forms"


@dataclass
class Read:
    """What a reading job found, for its page: `parse`'s result, the letters to send back, the files refused."""

    checked: ReturnsChecked
    letters: str
    returned: Path  # the workspace's returned folder: files are shown from it
    library: object  # the form specs they were read with
    refused: list[str] = field(default_factory=list)
    answers: Path | None = None  # every answer read, as `parse --json` writes them
    sent: str = ""  # what `record_sent_back` said, once recorded
    letters_file: Path | None = None  # the letters, to download (in the server's private folder)

    def shown(self, record) -> str:
        try:
            return os.path.relpath(record.file, self.returned)
        except ValueError:  # another drive (Windows)
            return record.shown_file

    def of(self, status: str) -> list:
        return [r for r in self.checked.records if r.status == status]

    @property
    def to_send_back(self) -> bool:
        return any(r.status == "incomplete" and r.audit_id for r in self.checked.standing)

    def reasons(self, record) -> list[str]:
        """What to fix (in the form's order), or why the file cannot be read; the reader's notes after."""
        if record.status == "incomplete":
            problems = in_form_order(self.library.get(record.form_id, record.form_version), record.problems)
        else:
            problems = record.problems
        return [p.message for p in problems] + [f"Note: {note}" for note in record.notes]


@bp.get("/")
def index():
    ws = site().workspace
    return render("returns/index.html", returned=_shown_folder(ws.returned, ws.folder),
                  suffixes=", ".join(sorted(RETURNED_SUFFIXES)), accept=",".join(sorted(RETURNED_SUFFIXES)))


@bp.post("/upload")
def upload():
    ws = site().workspace
    got = receive(request.files.getlist("files"), ws.returned, suffixes=RETURNED_SUFFIXES)
    if not got.paths():
        if not got.refused:
            raise UserError("no file was given: choose the returned forms (or their folder), or drop them onto the "
                            "page.")
        return render("returns/index.html", 400, returned=_shown_folder(ws.returned, ws.folder), refused=got.refused,
                      suffixes=", ".join(sorted(RETURNED_SUFFIXES)), accept=",".join(sorted(RETURNED_SUFFIXES)))
    return _read(got.paths(), got.refused)


@bp.post("/read")
def read_folder():
    return _read(None, [])


@bp.post("/sent")
def sent():
    """Record that the incomplete audits of a reading were sent back today (`parse --returns --sent`)."""
    job = site().jobs.get(request.form.get("job", ""))
    if job is None or job.state != "done" or not isinstance(job.result, Read):
        abort(404)
    if not job.result.sent:  # (recorded once: the form sent again, by a reload, records nothing more)
        done = record_sent_back(site().workspace, job.result.checked.standing, sent_on=site().today())
        job.result.sent = done.text().strip()
    return redirect(url_for("job", job_id=job.id) + "#sent", 303)


def _read(paths: list[Path] | None, refused: list[str]):
    ws, today = site().workspace, site().today()
    answers = private_folder("answers") / "answers.json"

    def work(job) -> Read:
        checked = check_returns(ws, paths, json_file=answers, progress=job.progress)
        written = answers if checked.records and not checked.json_problem else None
        checked.json_file = None  # (its place is the server's own: the page offers it to download instead)
        library = ws.library()
        letters = checked.returns_text(library, today) if checked.records else ""
        letters_file = None
        if any(r.status != "complete" for r in checked.standing):
            letters_file = write_atomic(answers.with_name(f"Send back {today:%Y-%m-%d}.txt"), letters, private=True)
        return Read(checked, letters, ws.returned, library, refused, written, letters_file=letters_file)

    try:
        return start_job(TITLE, work, template="returns/result.html")
    except JobRunning as exc:
        if paths:
            raise JobRunning(f"{exc} The files given were kept in the returned folder: read it when that has "
                             "finished.") from None
        raise


def _shown_folder(folder: Path, base: Path) -> str:
    try:
        return os.path.relpath(folder, base)
    except ValueError:
        return str(folder)
