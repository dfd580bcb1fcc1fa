"""One writer at a time: a lock file beside the register saying who holds it, where, and since when.

`<register>.lock` is created exclusively (it either is ours or was there already) and holds
the user, the machine, the process id and the time. A lock left by a process that is no longer
running on this machine is taken over; a lock held by a running process, or by another machine
(whose processes we cannot see), stops the run with a message naming its holder.
SQLite's own locking is the second line: each run holds a write transaction from start to end.
"""
from __future__ import annotations

import datetime as dt
import errno
import getpass
import glob
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from ..errors import RegisterBusy, UserError
from ..files import NO_SPACE, why_not_written

#: An empty lock file younger than this is another run starting (where a lock cannot be made whole in one step,
#: it is empty only for the moment between its creation and its write); an older one was left by a run stopped
#: as it started (or by an older auditdocs) and is taken over.
SETTING_UP_SECONDS = 5


@dataclass(frozen=True)
class Holder:
    user: str
    host: str
    pid: int
    since: str  # ISO date and time

    def describe(self) -> str:
        try:
            when = dt.datetime.fromisoformat(self.since).strftime("%d/%m/%Y %H:%M")
        except ValueError:
            when = self.since
        return f"{self.user} on {self.host} (since {when}, process {self.pid})"


def lock_path(register: Path) -> Path:
    return register.with_name(register.name + ".lock")


def register_files(register: Path) -> list[Path]:
    """Every file a register at `register` is kept in: itself, SQLite's journal beside it, its writer lock."""
    return [register, register.with_name(register.name + "-journal"), lock_path(register)]


def this_process() -> Holder:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name known to the system
        user = "unknown user"
    return Holder(user, socket.gethostname(), os.getpid(), dt.datetime.now().isoformat(timespec="seconds"))


def read_holder(path: Path) -> Holder | None:
    """Who holds the lock, or None when the file is empty or not one of ours."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Holder(str(data["user"]), str(data["host"]), int(data["pid"]), str(data["since"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def running(pid: int) -> bool:
    """Whether a process with this id is running on this machine."""
    if pid <= 0:
        return False
    if os.name == "nt":
        return _running_on_windows(pid)
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, and belongs to someone else
        return True
    return True


def _running_on_windows(pid: int) -> bool:
    import ctypes

    kernel32 = ctypes.windll.kernel32
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return kernel32.GetLastError() == 5  # access denied: it exists
    try:
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def _write_new(path: Path, text: bytes, how: int) -> None:
    """A file with `text` in it, readable by its owner only; none left behind when it cannot be written whole
    (an empty lock would look like another run starting)."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | how, 0o600)
    try:
        if os.write(fd, text) != len(text):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise
    os.close(fd)


class WriterLock:
    """The register's lock file; `acquire()` then `release()` (or use it in a `with`)."""

    def __init__(self, register: Path):
        self.register = Path(register)
        self.path = lock_path(self.register)
        self.held = False
        self.taken_over = ""  # who held a lock left by a run that is no longer running, when one was taken over

    def taken_over_note(self) -> str:
        """What to tell the person when a lock left behind was taken over ('' when none was)."""
        if not self.taken_over:
            return ""
        return (f"the register was still locked by {self.taken_over}, which was no longer running (it was stopped, "
                "or its computer was switched off), so the lock was taken over. The register is as it was before "
                "that run started: if it was not this command, run that one again.")

    def acquire(self) -> None:
        me = this_process()
        for _ in range(3):
            try:
                self._create(me)
            except FileExistsError:
                holder = read_holder(self.path)
                if self._stale(me, holder):
                    try:
                        self.path.unlink()
                        self.taken_over = holder.describe() if holder else "a run that was stopped as it started"
                    except FileNotFoundError:  # it went away meanwhile: that run has finished
                        pass
                    if holder is not None:
                        self._draft(holder).unlink(missing_ok=True)  # left if it was stopped as it locked
                    continue
                raise self._busy() from None
            except OSError as exc:
                if exc.errno in NO_SPACE:
                    raise UserError(f"cannot lock the register {self.register}: "
                                    f"{why_not_written(exc, self.path)}. Nothing was changed.") from None
                raise UserError(f"cannot lock the register {self.register} ({exc.strerror or exc}): check that "
                                "its folder exists and that you may write there.") from None
            self.held = True
            self._forget_drafts(me)
            return
        raise self._busy()

    def _forget_drafts(self, me: Holder) -> None:
        """Drafts of the lock left by runs stopped as they were locking (between writing the draft and linking it
        into place: no lock was left to take over), by runs of this machine that are no longer running."""
        for draft in self.path.parent.glob(f".{glob.escape(self.path.name)}-*"):
            holder = read_holder(draft)
            if holder is not None and holder.host == me.host and holder.pid != me.pid and not running(holder.pid):
                draft.unlink(missing_ok=True)

    def _create(self, me: Holder) -> None:
        """The lock file with who holds it, made whole in one step (a hard link to a file written first), so that
        a run stopped at any moment never leaves an empty lock; where links cannot be made, created exclusively
        and then written. Raises FileExistsError when there is a lock already."""
        text = json.dumps(me.__dict__).encode("utf-8")
        draft = self._draft(me)
        try:
            _write_new(draft, text, os.O_TRUNC)
        except OSError:  # not even a small file can be written there (a full disk…): acquire says so
            draft.unlink(missing_ok=True)
            raise
        try:
            os.link(draft, self.path)
            return
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links (some network drives)
            pass
        finally:
            draft.unlink(missing_ok=True)
        _write_new(self.path, text, os.O_EXCL)

    def _draft(self, holder: Holder) -> Path:
        """Where a run writes its lock before linking it into place."""
        return self.path.with_name(f".{self.path.name}-{holder.pid}")

    def _stale(self, me: Holder, holder: Holder | None) -> bool:
        """A lock whose process is gone from this machine (or an empty file left long ago)."""
        if holder is None:
            try:
                age = dt.datetime.now().timestamp() - self.path.stat().st_mtime
            except OSError:
                return True  # it went away meanwhile
            return age > SETTING_UP_SECONDS
        return holder.host == me.host and not running(holder.pid)

    def _busy(self) -> RegisterBusy:
        holder = read_holder(self.path)
        who = holder.describe() if holder else "another run that is starting"
        return RegisterBusy(
            f"the register {self.register} is being updated by {who}. Only one run can update it at a time: "
            f"wait for that run to finish and try again. If no run is going on (that computer was switched off "
            f"or the run was stopped), delete {self.path} and try again.")

    def release(self) -> None:
        holder = read_holder(self.path) if self.held else None
        if holder and holder.pid == os.getpid() and holder.host == socket.gethostname():
            self.path.unlink(missing_ok=True)
        self.held = False

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
