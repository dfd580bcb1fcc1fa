"""Files a person gives a page (returned forms, the month's lists), checked and kept in the workspace.

Only the file's own name is kept (a folder dropped onto a page sends names with folders in them), made safe for
Windows (`naming.safe_name`); a file of a kind the page does not take, or bigger than a form or list can be,
is refused with its name and the reason, and the rest go through. A file whose name is already taken in the
folder is kept beside it under a new name (" (2)"), unless it is the very same file: nothing a person gave
replaces anything. Each file is written whole or not at all, readable by its owner only. What a package holds
(zip bombs, XML entities, damage) is checked when the use case opens it, as for any returned file.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath

from ..budgets import PACKAGE_BYTES, megabytes
from ..files import make_folder, sha256_of
from ..naming import MAX_NAME, fit_name, safe_name, shorten

CHUNK = 1024 * 1024


@dataclass
class Received:
    saved: list[Path] = field(default_factory=list)  # written now
    already: list[Path] = field(default_factory=list)  # the same file was there already
    refused: list[str] = field(default_factory=list)  # "name: why", for the page

    def paths(self) -> list[Path]:
        return self.saved + self.already


def own_name(given: str) -> str:
    """The file's own name, without any folders (either kind of slash), safe on Windows, its kind (extension)
    kept when a long name is cut short; "" when nothing of a name is left."""
    name = PureWindowsPath(PurePosixPath(given.replace("\\", "/")).name).name
    if not name.strip(" ."):
        return ""
    suffix = PurePosixPath(name).suffix
    suffix = suffix if len(suffix) <= 16 else ""
    return safe_name(shorten(name[:len(name) - len(suffix)], MAX_NAME - 1 - len(suffix)) + suffix)


def receive(files, folder: Path, *, suffixes: set[str], limit: int = PACKAGE_BYTES) -> Received:
    """Keep each uploaded file (werkzeug FileStorage: `.filename`, `.stream`) of a kind in `suffixes` in `folder`."""
    done = Received()
    for upload in files:
        name = own_name(upload.filename or "")
        if not name:
            continue  # an empty field of the form
        suffix = Path(name).suffix.lower()
        if suffix not in suffixes:
            done.refused.append(f"{name}: not a kind of file this page takes (it takes {', '.join(sorted(suffixes))}).")
            continue
        make_folder(folder)
        kept = _keep(upload.stream, folder, name, limit)
        if isinstance(kept, str):
            done.refused.append(f"{name}: {kept}")
        else:
            path, new = kept
            (done.saved if new else done.already).append(path)
    return done


def _keep(stream, folder: Path, name: str, limit: int):
    """Write `stream` into `folder` as `name` (or a free name beside it), the whole path short enough for Windows
    (`naming.fit_name`): (path, written now), or why not."""
    digest, size = hashlib.sha256(), 0
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    return f"bigger than {megabytes(limit)}, more than a form or a list can be; it was not kept."
                digest.update(chunk)
                out.write(chunk)
        stem, suffix = Path(name).stem, Path(name).suffix
        for n in range(1, 1000):
            target = folder / (fit_name(folder, name) if n == 1 else fit_name(folder, f"{stem} ({n}){suffix}",
                                                                              keep=(f" ({n})",)))
            if target.exists():
                if target.is_file() and sha256_of(target) == digest.hexdigest():
                    return target, False
                continue
            os.replace(temporary, target)
            temporary = None
            return target, True
        return "too many files of that name in the folder already; rename it and give it again."
    finally:
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)
