"""The allocate page (to be built)."""
from __future__ import annotations

from flask import Blueprint

from ..app import render

bp = Blueprint("allocate", __name__, url_prefix="/allocate")


@bp.get("/")
def index():
    return render("soon.html", title="allocate")
