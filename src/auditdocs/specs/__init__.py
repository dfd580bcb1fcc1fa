"""Form specs: find, load and check them."""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import UserError
from .loader import Library, SpecErrors, load_library

ENV_VAR = "AUDITDOCS_SPECS"


def default_specs_folder() -> Path:
    """The specs to use when none are named: $AUDITDOCS_SPECS, ./form_specs, or the project's own."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    here = Path.cwd() / "form_specs"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[3] / "form_specs"


def open_library(folder: Path | None = None) -> Library:
    folder = folder or default_specs_folder()
    try:
        return load_library(folder)
    except SpecErrors as exc:
        raise UserError(
            f"the form specs in {folder} have problems; fix them first "
            f"(auditdocs specs validate lists them):\n" + "\n".join(str(m) for m in exc.messages)
        ) from None


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


__all__ = ["Library", "SpecErrors", "default_specs_folder", "get_spec", "load_library", "open_library"]
