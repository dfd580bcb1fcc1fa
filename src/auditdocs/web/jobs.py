"""Steps that take time run in the background, one at a time, with their progress.

A page starts a job (`Jobs.start`) and sends the browser to the job's page, which shows a progress bar until
the job is done and then its result. The job goes on whatever the browser does (closing the tab does not
stop it). While one runs, starting another is refused with a message that says which is running, since
when (`JobRunning`); a command line run at the same time is kept out by the register's own lock, whose
message the job then shows. A job that fails keeps the message the command line would print (a
`UserError`), or says it was a fault of auditdocs. Stopping the server waits for a running job to finish
(`wait`), so nothing is left half-written.
"""
from __future__ import annotations

import datetime as dt
import os
import secrets
import threading
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import UserError

FAULT = ("auditdocs failed: {kind}: {message}. This is a fault in auditdocs, not in your files. Nothing was "
         "half-written. Please report it.")


class JobRunning(UserError):
    """Another step is running in this server."""


@dataclass
class Job:
    """One step run in the background. `result` is what the use case returned; `error` the message of a
    failed run."""

    id: str
    title: str
    template: str  # the template that shows `result` on the job's page
    started: dt.datetime
    done: int = 0
    total: int = 0
    state: str = "running"  # running, done, failed
    result: Any = None
    error: str = ""
    finished: dt.datetime | None = None
    extra: dict = field(default_factory=dict)  # what the result's template needs besides the result

    def progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total

    def as_json(self) -> dict:
        return {"state": self.state, "done": self.done, "total": self.total, "title": self.title}


class Jobs:
    """The server's jobs: at most one running."""

    def __init__(self):
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._thread: threading.Thread | None = None

    def running(self) -> Job | None:
        return next((job for job in self._jobs.values() if job.state == "running"), None)

    def start(self, title: str, work: Callable[[Job], Any], *, template: str, **extra) -> Job:
        """Run `work(job)` in the background (it reports progress with `job.progress`); its return value
        becomes `job.result`. Refused (JobRunning) while another job runs."""
        with self._lock:
            running = self.running()
            if running is not None:
                raise JobRunning(f"'{running.title}' is running (started at {running.started:%H:%M}). Wait for it "
                                 "to finish: its page shows how far it has got.")
            job = Job(secrets.token_hex(8), title, template, dt.datetime.now(), extra=extra)
            self._jobs[job.id] = job
            self._thread = threading.Thread(target=self._run, args=(job, work), name=f"auditdocs job {job.id}",
                                            daemon=True)  # a second Ctrl+C stops the server at once
            self._thread.start()
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the running job to finish (True when none is left running)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.running() is None

    @staticmethod
    def _run(job: Job, work: Callable[[Job], Any]) -> None:
        state = "failed"
        try:
            job.result = work(job)
            state = "done"
        except UserError as exc:
            job.error = f"Error: {exc}"
        except OSError as exc:
            from ..files import why_not_written

            job.error = f"Error: {why_not_written(exc, exc.filename)}."
        except Exception as exc:  # a fault of auditdocs: said (the traceback on the console with AUDITDOCS_DEBUG=1)
            if os.environ.get("AUDITDOCS_DEBUG"):
                traceback.print_exc()
            job.error = FAULT.format(kind=type(exc).__name__, message=exc)
        finally:
            job.finished = dt.datetime.now()  # before the state: a page asked for in between shows when it ended
            job.state = state
