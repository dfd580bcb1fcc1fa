"""The tracker page (to be built)."""
from __future__ import annotations

from flask import Blueprint

from ..app import render

bp = Blueprint("tracker", __name__, url_prefix="/tracker")


@bp.get("/")
def index():
    return render("soon.html", title="tracker")
