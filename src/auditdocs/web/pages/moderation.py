"""The moderation page (to be built)."""
from __future__ import annotations

from flask import Blueprint

from ..app import render

bp = Blueprint("moderation", __name__, url_prefix="/moderation")


@bp.get("/")
def index():
    return render("soon.html", title="moderation")
