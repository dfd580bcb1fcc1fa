"""Where files are, as the register keeps them: relative to the register's own folder for the files of its
workspace (in that folder, or in the folder it is in and the folders below), so that a workspace copied to
another computer, or a share renamed, keeps working; absolute for files elsewhere.

Relative paths are kept with '/' whatever the system, starting './' or '../' (a path given relative, as
tests do, is kept as given); `placed` gives them back as this computer's paths, under the register's folder
as it is now.
"""
from __future__ import annotations

import os
from pathlib import Path


def base_of(register: Path | str) -> str:
    """The folder paths are kept relative to: the register's own."""
    return os.path.dirname(os.path.abspath(register))


def stored(path: Path | str, base: str) -> str:
    """`path` as the register keeps it: an absolute path under the workspace as './…' or '../…' from the
    register's folder; any other path as given ('' stays '')."""
    if not path or not os.path.isabs(path):
        return str(path or "")
    text = os.path.abspath(path)
    try:
        relative = os.path.relpath(text, base)
    except ValueError:  # another drive (Windows)
        return text
    parts = relative.split(os.sep)  # (a path relpath gives is normal: as Path(relative).parts, but quicker)
    if parts.count("..") > 1 or (parts[1:] and ".." in parts[1:]):
        return text
    posix = "/".join(parts)
    return posix if posix in (".", "..") or posix.startswith("../") else "./" + posix


def placed(text: str, base: str) -> str:
    """A path the register keeps, as a path on this computer now ('' stays '')."""
    if text == "." or text.startswith(("./", "../")) or text == "..":
        # (the parts PurePosixPath(text).parts gives, quicker: a year's file locations are placed on every run)
        return os.path.normpath(os.path.join(base, *[part for part in text.split("/") if part not in ("", ".")]))
    return text


LOCATION = "File location"  # the tracker's hidden column of where a returned file was read


def make_relative(conn, base: str) -> None:
    """Schema 3 -> 4: the paths a register kept whole (forms made, folders of returned files, trackers, the
    Exceptions rows' file locations) kept as `stored` gives them."""
    import json

    def text(value) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    for (folder,) in conn.execute("SELECT DISTINCT folder FROM files").fetchall():
        if stored(folder, base) != folder:
            conn.execute("UPDATE files SET folder = ? WHERE folder = ?", (stored(folder, base), folder))
    for audit_id, files in conn.execute("SELECT audit_id, files FROM audits WHERE files != '[]'").fetchall():
        conn.execute("UPDATE audits SET files = ? WHERE audit_id = ?",
                     (text([stored(f, base) for f in json.loads(files)]), audit_id))
    for (path,) in conn.execute("SELECT path FROM trackers").fetchall():
        conn.execute("UPDATE trackers SET path = ? WHERE path = ?", (stored(path, base), path))
    for key, cells in conn.execute("SELECT row_key, cells FROM exceptions").fetchall():
        values = json.loads(cells)
        kind, location = values.get(LOCATION, ["", None])
        if kind == "value" and isinstance(location, str) and location:
            values[LOCATION] = ["value", stored(location, base)]
            conn.execute("UPDATE exceptions SET cells = ? WHERE row_key = ?", (text(values), key))
