"""auditdocs: case file audit forms for children's services quality assurance."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

__version__ = "0.1.0"


def builtin(name: str) -> Path:
    """A folder of data that ships inside the package: 'form_specs' (the built-in forms) or
    'samples' (the invented sample month)."""
    folder = resources.files(__name__).joinpath(name)
    if not isinstance(folder, Path):  # installed in a way that has no folders on disk (a zip)
        raise RuntimeError(f"auditdocs is installed without its {name} folder on disk; install it with pip.")
    return folder
