"""The share page (to be built)."""
from __future__ import annotations

from flask import Blueprint

from ..app import render

bp = Blueprint("share", __name__, url_prefix="/share")


@bp.get("/")
def index():
    return render("soon.html", title="share")
