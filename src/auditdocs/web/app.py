"""The browser interface's application: `make_app(folder, secret=…)` gives the WSGI application `serve` runs.

What every page shares is here: the workspace the server runs in (`Site`), the day it is (`Site.today`: the
clock's, or the demo's calendar), the layout and navigation, running a step in the background (`start_job`),
and how a problem is shown (a `UserError` as the command line says it; anything else as a fault of auditdocs).
Each step of the month is a blueprint in `pages/`, calling the same use case as its command.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from flask import (
    Flask,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from ..errors import UserError
from ..files import make_folder, remove_left_over
from ..workspace import Workspace, find_workspace
from . import guard
from .jobs import Job, JobRunning, Jobs
from .offered import Offered, offer
from .pages import PAGES

#: The most a page takes in one request (a whole folder of returned forms): more is refused with a message.
MOST_UPLOADED = 2 * 1024 * 1024 * 1024
MOST_FILES = 20_000
#: The server's private folder (zips made on request, letters, charts), in the system's temporary folder.
PRIVATE_PREFIX = "auditdocs-serve-"


@dataclass
class Site:
    """The server's own state: its workspace, its jobs, the files it offers, its private folder."""

    workspace: Workspace
    jobs: Jobs
    offered: Offered
    private: Path  # removed when the server stops
    fixed_today: dt.date | None = None
    notes: list[str] = field(default_factory=list)

    def today(self) -> dt.date:
        return self.fixed_today or dt.date.today()

    def now(self) -> dt.datetime:
        if self.fixed_today is None:
            return dt.datetime.now()
        return dt.datetime.combine(self.fixed_today, dt.datetime.now().time())


def site() -> Site:
    """The running server's `Site`."""
    return current_app.extensions["auditdocs"]


def open_workspace(folder: Path) -> Workspace:
    """The workspace of `folder` (its settings file there or in a folder above); a UserError says how to make one."""
    found = find_workspace(Path(folder))
    if found is None:
        raise UserError(f"{folder} is not in an auditdocs workspace: make one with 'auditdocs init FOLDER' and start "
                        "'auditdocs serve' in it (or give it with --workspace FOLDER).")
    return found


def make_app(folder: Path, *, secret: str, hosts: set[str], today: dt.date | None = None) -> Flask:
    """The application for the workspace at `folder`, answering only at `hosts` (Host headers) to requests that
    carry `secret` (see `guard`). `today`: the day the month is seen on (default: the clock's)."""
    workspace = open_workspace(folder)
    remove_left_over(Path(tempfile.gettempdir()), PRIVATE_PREFIX)  # a server stopped outright (its window closed)
    private = Path(tempfile.mkdtemp(prefix=PRIVATE_PREFIX))  # owner-only (0700), removed by `close`
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.update(MAX_CONTENT_LENGTH=MOST_UPLOADED, MAX_FORM_PARTS=MOST_FILES + 100,
                      SESSION_COOKIE_NAME="auditdocs", TEMPLATES_AUTO_RELOAD=False)
    app.extensions["auditdocs"] = Site(workspace, Jobs(), Offered([workspace.folder, private]), private, today,
                                       list(workspace.warnings))
    guard.install(app, secret, hosts)
    from .offered import bp as offered_bp

    app.register_blueprint(offered_bp)
    for page in PAGES:
        app.register_blueprint(page.blueprint())
    _shared_routes(app)
    app.jinja_env.globals.update(PAGES=PAGES, offer=offer, shown_date=shown_date)
    return app


def close(app: Flask) -> None:
    """What the server leaves behind when it stops: nothing (its private folder is removed)."""
    shutil.rmtree(app.extensions["auditdocs"].private, ignore_errors=True)


def shown_date(value: dt.date | None) -> str:
    """A date as a QA officer reads it: 'Mon 7 Dec 2026'."""
    return f"{value:%a} {value.day} {value:%b %Y}" if value else ""


def render(template: str, status: int = 200, **context):
    """A page: `template` with what every page shows (the workspace's council, the current page)."""
    ws = site().workspace
    return render_template(template, council=ws.council, service=ws.service, today=site().today(),
                           running=site().jobs.running(), **context), status


def start_job(title: str, work: Callable[[Job], Any], *, template: str, **extra):
    """Run `work(job)` in the background and send the browser to the job's page, which shows its progress and,
    when it is done, `template` with `result` (what `work` returned) and `extra`."""
    job = site().jobs.start(title, work, template=template, **extra)
    return redirect(url_for("job", job_id=job.id), 303)


def month_given(name: str = "month") -> dt.date | None:
    """The month a page's form or address gives as `name` (YYYY-MM, as an <input type="month"> sends it): its
    first day, or None when it was left empty; a UserError as the command line's --month says it."""
    text = (request.values.get(name) or "").strip()
    if not text:
        return None
    from ..allocate.allocation_list import parse_month

    return parse_month(text)


def number_given(name: str, label: str, kind=int, least: int | None = None):
    """The number a page's form gives as `name` (shown to the person as `label`), None when it was left empty;
    refused in words when it is not a number (a whole one for `kind` int) or is less than `least`."""
    text = (request.form.get(name) or "").strip()
    if not text:
        return None
    try:
        value = kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise UserError(f"the {label} must be {what}, and '{text}' is not one.") from None
    if least is not None and value < least:
        raise UserError(f"the {label} must be {least} or more ({text} was given).")
    return value


def private_folder(purpose: str) -> Path:
    """A folder of the server's own, owner-only, removed when the server stops (for zips made on request)."""
    return Path(tempfile.mkdtemp(prefix=f"{purpose}-", dir=make_folder(site().private)))


def _shared_routes(app: Flask) -> None:
    @app.get("/jobs/<job_id>")
    def job(job_id: str):
        found = site().jobs.get(job_id)
        if found is None:
            abort(404)
        return render("job.html", job=found)

    @app.get("/jobs/<job_id>/progress")
    def job_progress(job_id: str):
        found = site().jobs.get(job_id)
        if found is None:
            abort(404)
        return jsonify(found.as_json())

    @app.errorhandler(UserError)
    def _problem(exc: UserError):
        status = 409 if isinstance(exc, JobRunning) else 400
        return render("problem.html", status, message=f"Error: {exc}")

    @app.errorhandler(413)
    def _too_much(exc):
        return render("problem.html", 413, message=(
            f"Error: that is more than one page takes at once ({MOST_UPLOADED // 1024 ** 3} GB, {MOST_FILES:,} files). "
            "Give the files in smaller batches."))

    @app.errorhandler(404)
    def _not_here(exc):
        return render("problem.html", 404, message="There is nothing at this address. Choose a page from the menu.")

    @app.errorhandler(Exception)
    def _fault(exc):
        if hasattr(exc, "code") and hasattr(exc, "get_response"):  # an HTTP answer (werkzeug), as it is
            return exc
        if os.environ.get("AUDITDOCS_DEBUG"):
            raise exc
        from .jobs import FAULT

        return render("problem.html", 500, message=FAULT.format(kind=type(exc).__name__, message=exc))

    @app.get("/health")
    def health():  # for the tests and the server's own start: no data
        return {"ok": True}

