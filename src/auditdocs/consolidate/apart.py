"""Work of the run's own process done in worker processes when there is much of it (a fresh year's rows: the
Audits and Actions rows written, the Answers and Judgements rows numbered for their place), so that this
process, which does the rest alone, is not the one everybody waits for.

One run starts its worker processes once (`run_workers`), when a step first has enough to give them, and every
step after it uses the same ones: the forms are hashed, then read, then their rows written and numbered by the
same processes (starting them costs, on Windows most: each is a new interpreter). They start as
the readers do (`parsing.START_METHOD`: forked where the system can, else spawned, as on Windows), with what
the readers need (`Workers.readers`), and end with the run however it ends. The results come back in the order of
the tasks.
"""
from __future__ import annotations

import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar

from . import parsing

AHEAD = 2  # tasks per worker sent before their results are taken (not a year's rows held at once)


class Workers:
    """The worker processes of one run (`run_workers`): `count` of them, started when first needed, each with the
    form specs and what the readers make of each form (`readers`, `parsing._start`)."""

    def __init__(self, count: int | None = None):
        self.count = count or parsing.workers_available()
        self.library = self.render = None
        self._pool: ProcessPoolExecutor | None = None

    def readers(self, library, render) -> None:
        """What the workers need to read forms (`parsing.read_forms`): given before they start, else those read
        the forms in processes of their own."""
        if self._pool is None:
            self.library, self.render = library, render

    def pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            if self.library is not None:
                parsing.import_readers()
            context = multiprocessing.get_context(parsing.START_METHOD)
            self._pool = ProcessPoolExecutor(self.count, mp_context=context, initializer=parsing._start,
                                             initargs=(self.library, self.render, os.getpid()))
        return self._pool

    def broken(self) -> None:
        """A worker died (the computer ran out of memory, a fault in a library): the next step starts others."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


_running: ContextVar[Workers | None] = ContextVar("auditdocs_run_workers", default=None)


@contextmanager
def run_workers(count: int | None = None) -> Iterator[Workers]:
    """The worker processes every step of a run uses (`in_order`, `parsing.read_forms`), ended with it. (Per
    thread: two runs at once, as the browser interface may make, each have their own.)"""
    workers = Workers(count)
    token = _running.set(workers)
    try:
        yield workers
    finally:
        _running.reset(token)
        workers.close()


def running() -> Workers | None:
    """The run's worker processes (`run_workers`), if any."""
    return _running.get()


def in_order(work: Callable[[object], list], tasks: Iterable, worth: bool) -> Iterator:
    """Each result of `work(task)` (a list) for each task, in order: in worker processes when `worth` it and
    there are two processors or more, else here. `work` and the tasks must be picklable (a function of a module).
    The tasks are taken as they are needed (a generator's are not all made at once)."""
    workers = running()
    if not worth or (workers.count if workers is not None else parsing.workers_available()) < 2:
        for task in tasks:
            yield from work(task)
        return
    if workers is None:  # a step called outside a run: workers of its own
        with run_workers() as workers:
            yield from _in_pool(workers, work, tasks)
        return
    yield from _in_pool(workers, work, tasks)


def started(work: Callable[[object], list], tasks: list, worth: bool) -> Iterator:
    """`in_order(work, tasks, worth)`, every task given to the worker processes now, when it is worth it: for a step
    whose results are small (the files' hashes), so that this process does something else while they work."""
    workers = running()
    if not worth or workers is None or workers.count < 2:
        return in_order(work, tasks, worth)
    pool = workers.pool()
    with parsing.workers_starting():
        futures = [pool.submit(work, task) for task in tasks]
    return (result for future in futures for result in future.result())


def _in_pool(workers: Workers, work: Callable[[object], list], tasks: Iterable) -> Iterator:
    pool = workers.pool()
    waiting, running_now = iter(tasks), deque()
    with parsing.workers_starting():
        for task in itertools.islice(waiting, workers.count * AHEAD):
            running_now.append(pool.submit(work, task))
    while running_now:
        done = running_now.popleft().result()
        following = next(waiting, None)
        if following is not None:
            running_now.append(pool.submit(work, following))
        yield from done
