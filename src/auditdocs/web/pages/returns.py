"""The returns page (to be built)."""
from __future__ import annotations

from flask import Blueprint

from ..app import render

bp = Blueprint("returns", __name__, url_prefix="/returns")


@bp.get("/")
def index():
    return render("soon.html", title="returns")
