"""The month: where every audit stands (the first page)."""
from __future__ import annotations

from flask import Blueprint

from ...status.run import month_status
from ..app import render, site

bp = Blueprint("month", __name__)


@bp.get("/")
def index():
    status = month_status(site().workspace, today=site().today())
    return render("month/index.html", glance=status.glance, text=status.glance.text())
