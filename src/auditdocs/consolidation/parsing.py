"""Reading the returned files that are new to the register, several at a time.

The files are read by worker processes (one per processor), each with its own copy of the form
specs. Reading never raises for a bad file (`returns.read_form` makes it 'unreadable'); if a worker
itself dies (the computer ran out of memory, a fault in a library), the files it had not finished are
read again here, one by one, so the batch still goes through.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Iterator

from .. import model as m
from ..returns import read_form

#: Below this many files, starting worker processes costs more than it saves.
WORTH_WORKERS = 24
CHUNK = 8  # files per task sent to a worker

_library = None


def _start(library) -> None:
    global _library
    _library = library


def _read(paths: list[str]) -> list[m.AuditRecord]:
    return [read_form(Path(p), _library) for p in paths]


def workers_available() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def read_forms(paths: list[Path], library, workers: int | None = None) -> Iterator[tuple[int, m.AuditRecord]]:
    """(index in `paths`, record) for every file, as each is read (not in order)."""
    workers = workers or workers_available()
    if workers < 2 or len(paths) < WORTH_WORKERS:
        for i, path in enumerate(paths):
            yield i, read_form(path, library)
        return
    chunks = [list(range(i, min(i + CHUNK, len(paths)))) for i in range(0, len(paths), CHUNK)]
    done: set[int] = set()
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    try:
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_start, initargs=(library,)) as pool:
            futures = {pool.submit(_read, [str(paths[i]) for i in chunk]): chunk for chunk in chunks}
            for future in as_completed(futures):
                chunk = futures[future]
                for i, record in zip(chunk, future.result()):
                    done.add(i)
                    yield i, record
    except BrokenProcessPool:
        pass
    for i, path in enumerate(paths):
        if i not in done:
            yield i, read_form(path, library)

