"""The chase page (to be built)."""
from __future__ import annotations

from flask import Blueprint

from ..app import render

bp = Blueprint("chase", __name__, url_prefix="/chase")


@bp.get("/")
def index():
    return render("soon.html", title="chase")
