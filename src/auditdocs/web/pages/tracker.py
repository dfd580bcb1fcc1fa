"""Update the tracker: the returned forms into the register, the tracker written from it, as `auditdocs
consolidate` does (use case: `consolidate.run.consolidate_returns`), in the background with its progress; what
needs attention (the tracker's Exceptions sheet) listed; the tracker to download."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from flask import Blueprint

from ...consolidate.run import Summary, consolidate_returns
from ...tracker.rows import EXCEPTIONS
from ..app import render, site, start_job

bp = Blueprint("tracker", __name__, url_prefix="/tracker")

TITLE = "Updating the tracker"
#: The rows of the Exceptions sheet shown on the page (all are in the tracker).
SHOWN_EXCEPTIONS = 500
#: The Exceptions sheet's columns shown (the hidden ones are not).
EXCEPTION_COLUMNS = [c.header for c in EXCEPTIONS.columns if not c.hidden]


@dataclass
class Updated:
    """What an update did (`consolidate`'s summary) and what needs attention (the Exceptions sheet's rows)."""

    summary: Summary
    attention: list[dict] = field(default_factory=list)
    more: int = 0  # rows of the sheet not shown

    @property
    def tracker_written(self) -> bool:
        return not self.summary.not_changed and self.summary.tracker.is_file()


@bp.get("/")
def index():
    ws = site().workspace
    last = None
    if ws.register.is_file() and ws.tracker.is_file():
        with ws.open_register() as reg:
            last = reg.tracker_last_written(ws.tracker)
    return render("tracker/index.html", tracker=ws.tracker if ws.tracker.is_file() else None,
                  shown_tracker=_shown(ws.tracker, ws.folder), returned=_shown(ws.returned, ws.folder), last=last)


@bp.post("/update")
def update():
    ws, now = site().workspace, site().now()

    def work(job) -> Updated:
        summary = consolidate_returns(ws, now=now, progress=job.progress)
        updated = Updated(summary)
        if not summary.not_changed and ws.register.is_file():
            with ws.open_register() as reg:
                rows = [row for _, row in reg.exceptions()]
            updated.attention, updated.more = rows[:SHOWN_EXCEPTIONS], max(0, len(rows) - SHOWN_EXCEPTIONS)
        return updated

    return start_job(TITLE, work, template="tracker/result.html", columns=EXCEPTION_COLUMNS)


def _shown(path, base) -> str:
    try:
        return os.path.relpath(path, base)
    except ValueError:
        return str(path)
