"""The forms page (to be built)."""
from __future__ import annotations

from flask import Blueprint

from ..app import render

bp = Blueprint("forms", __name__, url_prefix="/forms")


@bp.get("/")
def index():
    return render("soon.html", title="forms")
