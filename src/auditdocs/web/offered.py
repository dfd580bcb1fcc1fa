"""Files a page offers to download, by an opaque id.

A file's name often holds a child's name, and a path would let a changed address reach other files: so a
page never puts either in an address. It asks `offer(path)` for an address `/download/<id>` instead; the id
is random, kept for the server's run, and only files inside the workspace (or the server's own private
folder, for zips made on request) can be offered. The download is sent under the file's own name.
"""
from __future__ import annotations

import secrets
import threading
from pathlib import Path

from flask import Blueprint, abort, current_app, send_file, url_for

bp = Blueprint("offered", __name__)


class Offered:
    """The files offered in this run: id -> path (and the path's id, so a file keeps one address)."""

    def __init__(self, roots: list[Path]):
        self.roots = [Path(root).resolve() for root in roots]
        self._by_id: dict[str, Path] = {}
        self._by_path: dict[Path, str] = {}
        self._lock = threading.Lock()

    def id_of(self, path: Path) -> str:
        path = Path(path).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            raise ValueError(f"{path} is outside the workspace and cannot be offered")
        with self._lock:
            if path not in self._by_path:
                file_id = secrets.token_hex(12)
                self._by_id[file_id], self._by_path[path] = path, file_id
            return self._by_path[path]

    def path_of(self, file_id: str) -> Path | None:
        path = self._by_id.get(file_id)
        if path is None or not any(path.resolve().is_relative_to(root) for root in self.roots):
            return None  # unknown, or the file (or a folder on its way) was replaced by a link leading out
        return path


def offer(path: Path) -> str:
    """The address to download `path` from (a file inside the workspace)."""
    return url_for("offered.download", file_id=current_app.extensions["auditdocs"].offered.id_of(path))


@bp.get("/download/<file_id>")
def download(file_id: str):
    path = current_app.extensions["auditdocs"].offered.path_of(file_id)
    if path is None or not path.is_file():
        abort(404)
    return send_file(path, as_attachment=True, download_name=path.name, max_age=0)
