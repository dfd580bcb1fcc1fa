"""Work of the run's own process done in worker processes when there is much of it (a fresh year's rows: the
Audits and Actions rows written, the Answers and Judgements rows numbered for their place), so that this
process, which does the rest alone, is not the one everybody waits for.

The workers start as the readers do (`parsing.START_METHOD`: forked where the system can, else spawned, as on
Windows) and end with the run however it ends. The results come back in the order of the tasks.
"""
from __future__ import annotations

import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor

from . import parsing

AHEAD = 2  # tasks per worker sent before their results are taken (not a year's rows held at once)


def in_order(work: Callable[[object], list], tasks: Iterable, worth: bool) -> Iterator:
    """Each result of `work(task)` (a list) for each task, in order: in worker processes when `worth` it and
    there are two processors or more, else here. `work` and the tasks must be picklable (a function of a module).
    The tasks are taken as they are needed (a generator's are not all made at once)."""
    workers = parsing.workers_available()
    if not worth or workers < 2:
        for task in tasks:
            yield from work(task)
        return
    context = multiprocessing.get_context(parsing.START_METHOD)  # (as the readers start)
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start, initargs=(os.getpid(),)) as pool:
        waiting, running = iter(tasks), deque()
        with parsing.workers_starting():
            for task in itertools.islice(waiting, workers * AHEAD):
                running.append(pool.submit(work, task))
        while running:
            done = running.popleft().result()
            following = next(waiting, None)
            if following is not None:
                running.append(pool.submit(work, following))
            yield from done


def _start(parent: int) -> None:
    parsing._start(None, None, parent)  # a worker that ends with the run (and collects its cycles)
