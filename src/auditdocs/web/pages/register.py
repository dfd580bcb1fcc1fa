"""The register page (to be built)."""
from __future__ import annotations

from flask import Blueprint

from ..app import render

bp = Blueprint("register", __name__, url_prefix="/register")


@bp.get("/")
def index():
    return render("soon.html", title="register")
