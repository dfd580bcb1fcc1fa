"""How a long step tells whoever runs it how far it has got: a callback, called as `progress(done, total)`
after each piece of work (a form made, a file read). The command line draws it as a bar; a test or a
browser page can show it its own way. None means nobody is watching."""
from __future__ import annotations

from typing import Callable

Progress = Callable[[int, int], None]


def report(progress: Progress | None, done: int, total: int) -> None:
    """Tell `progress`, if anyone is watching."""
    if progress is not None:
        progress(done, total)
