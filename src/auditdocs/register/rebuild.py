"""Remaking a register beside the one there is (`auditdocs register rebuild`): the new one takes the old one's place
only when it is whole, and the old one is kept beside it. The files a register is kept in (its journal, its lock)
are known here only; the use case (`consolidate.upkeep.rebuild_register`) fills the new register through a
workspace naming it."""
from __future__ import annotations

import datetime as dt
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .lock import WriterLock, register_files


@dataclass
class Rebuilding:
    path: Path  # the new register, for the block to make (`Workspace.with_files(register=path)`)
    kept: Path | None = None  # the register as it was, kept beside the new one once that has taken its place

    @property
    def made(self) -> bool:
        """The block has made the new register (something was recorded in it)."""
        return self.path.exists()


@contextmanager
def rebuilding(register: Path, now: dt.datetime) -> Iterator[Rebuilding]:
    """The register at `register` remade: the block makes the new one at `.path` (beside it), while the writer lock
    keeps every other run from updating the register. When the block ends normally having made it, the register
    there was is kept beside it (`<name> before rebuild <date time>`, `.kept`) and the new one takes its place;
    otherwise the new one is removed and the register stays as it was."""
    register = Path(register)
    new = register.with_name(register.name + ".rebuilding")
    lock = WriterLock(register)
    lock.acquire()  # nobody updates the register while it is remade
    try:
        for leftover in register_files(new):
            leftover.unlink(missing_ok=True)
        state = Rebuilding(new)
        yield state
        if state.made:
            if register.exists():
                state.kept = register.with_name(f"{register.stem} before rebuild {now:%Y-%m-%d %H-%M-%S}"
                                                f"{register.suffix}")
                shutil.copy2(register, state.kept)
                os.chmod(state.kept, 0o600)
            os.replace(new, register)
    finally:
        new.unlink(missing_ok=True)
        lock.release()
