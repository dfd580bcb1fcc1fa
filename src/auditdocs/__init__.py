"""auditdocs: case file audit forms for children's services quality assurance."""
from __future__ import annotations

from pathlib import Path

__version__ = "0.1.0"


def builtin(name: str) -> Path:
    """A folder of data that ships with auditdocs: 'form_specs' (the built-in forms) or 'samples' (the invented
    sample month). Installed from the wheel, it is inside the package; in a source checkout (an editable
    install), it is at the top of the repository, where setup.py maps it from."""
    # here, not at the top: every command imports this package, and most need no folder of it
    from importlib import resources

    folder = resources.files(__name__).joinpath(name)
    if not isinstance(folder, Path):  # installed in a way that has no folders on disk (a zip)
        raise RuntimeError(f"auditdocs is installed without its {name} folder on disk; install it with pip.")
    if not folder.is_dir():
        checkout = Path(__file__).resolve().parents[2] / name
        if checkout.is_dir():
            return checkout
    return folder
