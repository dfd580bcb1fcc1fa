"""Form specs: find, load and check them."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .. import builtin
from ..errors import UserError

if TYPE_CHECKING:
    from .loader import Library, SpecErrors, load_library

ENV_VAR = "AUDITDOCS_SPECS"


def __getattr__(name: str):
    """`Library`, `SpecErrors` and `load_library` of `.loader`, imported when first asked for: the command line
    imports this package for every command, and `auditdocs --help` needs no spec loaded (nor yaml)."""
    if name in ("Library", "SpecErrors", "load_library"):
        from . import loader

        return getattr(loader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def builtin_specs_folder() -> Path:
    """The form specs that ship with auditdocs (the eight forms of the Hull framework)."""
    return builtin("form_specs")


def open_library(folder: Path | None = None, origin: str = "", *, leave_out_broken: bool = False) -> Library:
    """The specs of `folder` (default: the built-in ones). `origin` says, for messages, where
    the folder was named (an option, a setting). With `leave_out_broken`, a spec file with problems
    of its own is left out (`library.left_out` says why) and the others are used."""
    from .loader import SpecErrors, load_library

    folder = Path(folder) if folder else builtin_specs_folder()
    if not folder.is_dir():
        where = f" ({origin})" if origin else ""
        raise UserError(
            f"the form specs folder {folder} was not found{where}. Check the folder name, or leave it out "
            "to use the built-in forms ('auditdocs init FOLDER' makes a workspace with a copy to change)."
        )
    try:
        return load_library(folder, leave_out_broken=leave_out_broken)
    except SpecErrors as exc:
        raise UserError(
            f"the form specs in {folder} have problems; fix them first "
            f"(auditdocs specs validate lists them):\n" + "\n".join(str(m) for m in exc.messages)
        ) from None


def left_out_warnings(library: Library) -> list[str]:
    """One warning per spec file left out: which, why (its first problem) and what to do."""
    out = []
    for path, messages in library.left_out.items():
        more = f" (and {len(messages) - 1} more problem{'s' * (len(messages) > 2)})" if len(messages) > 1 else ""
        first = messages[0]
        where = f"line {first.line}: " if first.line else ""
        out.append(f"the form spec {path} was left out: {where}{first.text}{more} Until it is fixed, forms made "
                   "from it cannot be made or read; the other forms are used. 'auditdocs specs validate' lists "
                   "its problems.")
    return out


def get_spec(library: Library, form_id: str, version: int | None = None):
    spec = library.get(form_id, version)
    if spec is None:
        if form_id in library.forms:
            raise UserError(
                f"form '{form_id}' has no version {version} in {library.folder} "
                f"(versions: {', '.join(map(str, sorted(library.forms[form_id])))})."
            )
        raise UserError(
            f"there is no form '{form_id}' in {library.folder}{library.suggest(form_id)}. "
            "'auditdocs specs list' shows the forms."
        )
    return spec


__all__ = ["Library", "SpecErrors", "builtin_specs_folder", "get_spec", "left_out_warnings", "load_library",
           "open_library"]
