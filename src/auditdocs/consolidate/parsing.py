"""Reading the returned files that are new to the register, several at a time.

The files are read by worker processes (one per processor), each with its own copy of the form
specs; they end when the run does, however it ends. Reading never raises for a bad file
(`forms.read.read_form` makes it 'unreadable'); if a worker itself dies (the computer ran out of memory,
a fault in a library), the files it had not finished are read again here, one by one, so the batch
still goes through.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import threading
import time
from concurrent.futures import FIRST_COMPLETED, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, contextmanager
from itertools import islice
from pathlib import Path
from typing import Iterator

from ..domain import model as m
from ..forms.read import read_form

#: Below this many files, starting worker processes costs more than it saves.
WORTH_WORKERS = 24
CHUNK = 8  # files per task sent to a worker
AHEAD = 4  # chunks a worker may have read or be reading before this process takes them
#: How worker processes start: forked where the system can (quicker), else as new interpreters ('spawn':
#: Windows, and macOS's default), which must be given everything they need (the tests run both).
START_METHOD = "fork" if os.name == "posix" else "spawn"
#: How many files the worker processes read in the last run (the rest, if any, were read here, one by one).
read_by_workers = 0
PARENT_CHECK_SECONDS = 0.5  # how often a worker checks that the run it reads for is still there

_library = None
_render = None


def _start(library, render, parent: int) -> None:
    global _library, _render
    _library, _render = library, render
    gc.enable()  # forked from a run that paused it (`run`)
    threading.Thread(target=_end_with, args=(parent,), daemon=True).start()


def _end_with(parent: int) -> None:
    """A worker ends when the run that started it has gone (it was stopped or killed): it would otherwise wait
    for work forever. Gone: this process was handed to another parent (POSIX), or that process ended (Windows)."""
    started_by = multiprocessing.parent_process()
    while True:
        time.sleep(PARENT_CHECK_SECONDS)
        if os.getppid() != parent or (os.name == "nt" and started_by is not None and not started_by.is_alive()):
            os._exit(1)


@contextmanager
def workers_starting():
    """Around the first tasks given to a pool of worker processes (when they are started): the objects this process
    holds are out of the cycle collector's sight meanwhile, so that a forked worker's collector does not go over
    them all (a year's audits and rows), which would copy every page they are on into the worker."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _read(paths: list[str]) -> list[tuple[m.AuditRecord, dict | None, str]]:
    return [_read_one(Path(p), _library, _render) for p in paths]


def _read_one(path: Path, library, render) -> tuple[m.AuditRecord, dict | None, str]:
    """A form read, its `model.content_check`, and (with `render`, the run's `_ReadHere`) what the run needs of
    the whole record, made here, where the form was read: then the record as `render.sent` gives it (without what
    that holds already: a year's answers are not sent to the run twice)."""
    record = read_form(path, library)
    spec = library.spec_of(record)
    check = m.content_check(record, spec)
    if render is None or record.status == "unreadable":
        return record, None, check
    try:
        made = render.render(spec, record)
    except Exception:  # the rows are made again where the tracker is written, which says what went wrong
        return record, None, check
    return render.sent(record), made, check


def import_readers() -> None:
    """The form readers imported here, before worker processes are forked from this one: once, not in each."""
    from ..forms.docx import reader  # noqa: F401
    from ..forms.xlsx import reader as xlsx_reader  # noqa: F401


def workers_available() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def read_forms(paths: list[Path], library, workers: int | None = None, render=None
               ) -> Iterator[tuple[int, m.AuditRecord, dict | None, str]]:
    """(index in `paths`, record, its big sheets' rows, its content check) for every file, as each is read
    (not in order)."""
    global read_by_workers
    read_by_workers = 0
    workers = workers or workers_available()
    if workers < 2 or len(paths) < WORTH_WORKERS:
        for i, path in enumerate(paths):
            yield i, *_read_one(path, library, render)
        return
    from . import apart

    chunks = [list(range(i, min(i + CHUNK, len(paths)))) for i in range(0, len(paths), CHUNK)]
    done: set[int] = set()
    run = apart.running()
    with ExitStack() as stack:
        # the run's worker processes when they were started for these forms (`apart.Workers.readers`), else some
        if run is None or run.library is not library or run.render is not render or run.count != workers:
            run = stack.enter_context(apart.run_workers(workers))
            run.readers(library, render)
        try:
            pool = run.pool()
            # A few chunks ahead of what this process has taken, not all at once: what is read waits here
            # (whole records, with their rows) only until it is taken, and each is let go once it is.
            waiting = iter(chunks)
            futures = {}
            with workers_starting():
                for chunk in islice(waiting, workers * AHEAD):
                    futures[pool.submit(_read, [str(paths[i]) for i in chunk])] = chunk
            while futures:
                finished, _ = wait(futures, return_when=FIRST_COMPLETED)
                for future in finished:
                    chunk = futures.pop(future)
                    for i, (record, rows, check) in zip(chunk, future.result()):
                        done.add(i)
                        read_by_workers += 1
                        yield i, record, rows, check
                    following = next(waiting, None)
                    if following is not None:
                        futures[pool.submit(_read, [str(paths[i]) for i in following])] = following
        except BrokenProcessPool:
            run.broken()
    for i, path in enumerate(paths):
        if i not in done:
            yield i, *_read_one(path, library, render)

