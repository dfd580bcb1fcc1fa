"""Every file auditdocs writes goes through here: whole or not at all, and text never a formula.

`write_atomic` writes to a temporary file beside the target and renames it over, so a
run stopped halfway leaves the old file as it was. `private=True` makes a new file
readable by its owner only (files holding personal data: register, tracker, forms,
exports) where file modes say who may read a file (Linux, macOS); on Windows they do not (its
folders' access lists do), and auditdocs says so instead (`owner_only`, WINDOWS_PRIVACY). The
folders auditdocs makes are its owner's only too (`make_folder`), and work in progress goes in
a `private_folder` beside the output, removed when the run ends.
`put_text` and `csv_text` are the one guard that keeps text from a document from
becoming a spreadsheet formula.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

#: The language of the documents auditdocs writes (a screen reader chooses its voice by it).
LANGUAGE = "en-GB"
MAX_CELL_TEXT = 32767  # Excel's limit
#: Text Excel or LibreOffice would take as the start of a formula.
FORMULA_START = re.compile(r"^\s*[=+\-@]")
CUT_NOTE = " … (cut: longer than an Excel cell can hold)"
#: The characters XML forbids, which openpyxl refuses in a cell: its own ILLEGAL_CHARACTERS_RE, written out here so
#: that importing this module does not import openpyxl (`auditdocs --help` stays fast; a test keeps the two equal).
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def write_atomic(path: Path, data: bytes | str, *, private: bool = False, encoding: str = "utf-8") -> Path:
    """Write `data` to `path` whole, or leave `path` as it was.

    An existing file keeps its permissions; a new one gets the usual ones (the umask),
    or owner-only ones when `private`. An OSError (a full disk…) names `path`, not the temporary file.
    """
    path = Path(path)
    if isinstance(data, str):
        data = data.encode(encoding)
    make_folder(path.parent)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".~auditdocs-", suffix=path.suffix or ".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        set_mode_like(tmp, path, private)
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename is None:  # (a write that fails names no file)
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
    return path


#: What the system says when a disk (or the person's share of it) is full.
NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def why_not_written(exc: OSError, path: Path | str | None) -> str:
    """Why `path` could not be written, and what to do, for a message: which folder is full, or the system's
    reason with the file named."""
    if path is None:
        return (f"a file could not be written ({exc.strerror or exc}): "
                + ("free some space on the disk or drive of the files you gave and run again"
                   if exc.errno in NO_SPACE else "check that you may write in the folders you gave"))
    path = Path(path)
    if exc.errno in NO_SPACE:
        return (f"there is no space left on the disk for {path}: free some space on {path.absolute().parent} "
                "(the disk or drive it is on) and run again")
    return f"{path} could not be written ({exc.strerror or exc})"


def os_problem(exc: OSError) -> str:
    """What went wrong with a file, for a message that names it: a full drive says what to do."""
    if exc.errno in NO_SPACE:
        return "there is no space left on the drive: free some space there, or choose another folder, and run again"
    return exc.strerror or str(exc)


def make_folder(path: Path) -> Path:
    """Make a folder and its missing parents, each its owner's only (0700 on POSIX; Windows
    ignores the mode). Folders already there are left as they are."""
    path = Path(path)
    missing = []
    while not os.path.lexists(path) and path.parent != path:
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
    target = missing[0] if missing else path
    target.mkdir(mode=0o700, parents=True, exist_ok=True)  # raises as usual if it is a file
    return target


#: A private folder left by a run that was killed is removed by a later run after this long.
LEFT_OVER_AFTER = 24 * 3600  # seconds


def remove_left_over(folder: Path, prefix: str) -> None:
    """Remove the private folders named `prefix…` in `folder` that a run killed outright left (older than
    LEFT_OVER_AFTER); those of runs going on now are younger and stay."""
    for old in Path(folder).glob(prefix + "*"):
        try:
            if time.time() - old.stat().st_mtime > LEFT_OVER_AFTER:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass


@contextlib.contextmanager
def private_folder(beside: Path, purpose: str):
    """A folder for work in progress (copies of personal data), made in `beside` (the output's folder),
    its owner's only, and removed when the block ends, however it ends: an error, Ctrl+C, or a
    termination request (SIGTERM). What a run killed outright leaves is removed by a later run."""
    beside = make_folder(Path(beside))
    prefix = f".~auditdocs-{purpose}-"
    remove_left_over(beside, prefix)
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=beside))  # 0700
    with _terminate_as_exit():
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def run_program(command: list[str], timeout: float) -> subprocess.CompletedProcess:
    """Run a program (LibreOffice) on copies in a private folder. If the run stops, for a timeout
    (subprocess.TimeoutExpired is raised), an error or a termination request, the program and every
    process it started are ended first, so that none goes on writing in the folder once it is removed."""
    group = ({"start_new_session": True} if os.name == "posix"
             else {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)})
    with subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, errors="replace", **group) as program:
        try:
            out, err = program.communicate(timeout=timeout)
        except BaseException:
            if os.name == "posix":
                with contextlib.suppress(OSError):
                    os.killpg(program.pid, signal.SIGKILL)
            program.kill()
            program.wait()
            raise
    return subprocess.CompletedProcess(command, program.returncode, out, err)


@contextlib.contextmanager
def _terminate_as_exit():
    """While the block runs, a termination request ends the run as an exit does, so `finally` blocks run."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    try:
        before = signal.signal(signal.SIGTERM, stop)
    except (ValueError, OSError):  # pragma: no cover - no signals here
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


#: What a QA officer on Windows is told, where file modes cannot keep a file to its owner.
WINDOWS_PRIVACY = ("On Windows, auditdocs cannot make its files readable by you only: keep the workspace (and the "
                   "key, exports and reports) in a folder only you, or only your QA team, can open, such as your own "
                   "Documents folder or a team folder shared with the team alone; not a folder shared more widely, "
                   "and not a cloud-synced one. To check who can open it: right-click the folder in File Explorer, "
                   "Properties, Security.")


def owner_only() -> bool:
    """Whether a private file is readable by its owner only here (file modes apply: not on Windows)."""
    return os.name != "nt"


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes (hex): the same file whatever it is called or wherever it is."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


#: Seconds since a file was last modified before its stat is trusted to tell whether it changed again
#: (`settled_stat`): more than the coarsest clock a file system keeps times with (FAT's two seconds).
SETTLED = 3.0


def settled_stat(path: Path | str, now: float | None = None) -> str:
    """What tells that a file has not changed since it was hashed, as git's index does: its size, its modification
    and change (Windows: creation) times to the nanosecond, and where it is on its disk. '' (hash it every time)
    while it may still be changing: modified less than SETTLED seconds before `now` (when it is about to be hashed:
    default the clock), so that a change made later in the same tick of a coarse clock is not missed (or modified
    in the future: a clock elsewhere that is wrong), and when it cannot be looked at."""
    try:
        st = os.stat(path)
    except OSError:
        return ""
    if (now if now is not None else time.time()) - st.st_mtime < SETTLED:
        return ""
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}:{st.st_dev}"


def set_mode_like(tmp: Path, target: Path, private: bool) -> None:
    """Give `tmp` the permissions `target` has (or should have, if it is new)."""
    if target.exists():
        mode = target.stat().st_mode & 0o777
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = (0o600 if private else 0o666) & ~umask
    os.chmod(tmp, mode)


def looks_like_formula(text: str) -> bool:
    return bool(FORMULA_START.match(text))


def cell_safe(text: str) -> str:
    """Text an Excel cell can hold: no characters XML forbids, at most 32,767 characters."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > MAX_CELL_TEXT:
        text = text[: MAX_CELL_TEXT - len(CUT_NOTE)] + CUT_NOTE
    return text


def put_text(cell, text: str) -> None:
    """Text from a document is data: an openpyxl cell gets it as text, never as a formula."""
    cell.value = cell_safe(str(text))
    cell.data_type = "s"
    if looks_like_formula(cell.value):
        cell.quotePrefix = True  # Excel keeps it as text when someone edits the cell


def csv_text(text: str) -> str:
    """Text for a CSV file that Excel will show as text, never run as a formula."""
    text = str(text)
    return "'" + text if looks_like_formula(text) else text
