"""The report page (to be built)."""
from __future__ import annotations

from flask import Blueprint

from ..app import render

bp = Blueprint("report", __name__, url_prefix="/report")


@bp.get("/")
def index():
    return render("soon.html", title="report")
