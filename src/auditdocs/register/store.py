"""The register file: opening it (locked, migrated, one transaction), writing to it, reading it back.

All of auditdocs' SQL is here and in `schema`. Dates are stored as ISO text, records as
zlib-compressed JSON, tracker cells as JSON [type, value].
"""
from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import Iterable, Iterator

from ..domain import cycle
from ..domain import model as m
from ..domain.dates import parse_date
from ..domain.identity import audit_month
from ..errors import RegisterDamaged, UserError
from ..files import sha256_of
from .interface import AuditRegister
from .lock import WriterLock
from .places import LOCATION, base_of, placed, stored
from .schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION

BUSY_TIMEOUT = 30  # seconds to wait for a reader or writer that has the file for a moment
COMPRESSION = 1  # records are written once a year's worth at a time: quick beats small


@dataclass
class SeenFile:
    """A returned file found in this run: its path relative to the folder given, its content hash
    (`file_hash`) and, when its content is new to the register, the record read from it."""

    path: str
    content_hash: str
    record: m.AuditRecord | None = None
    summary: m.AuditRecord | None = None  # what the rules read of the record (cycle.summary_record), if given
    check: str = ""  # model.content_check of the record, if already worked out
    audit_id: str | None = None  # the audit it is attached to, when not the one it says ('': none; see consolidate.placing)
    #: `pack_record` of the record and of the summary, when already made (where the form was read): then `record`
    #: may be a light one (its details, without its answers)
    packed: tuple[bytes, bytes | None] | None = None
    stat: str = ""  # the file's size and times when it was hashed (`files.settled_stat`; '': not to be trusted)


@dataclass
class ReturnCounts:
    new_contents: int = 0  # contents the register had not seen: parsed in this run
    new_places: int = 0  # a content seen at a path for the first time
    seen_again: int = 0


@dataclass(frozen=True)
class TrackerState:
    """A tracker as the register last wrote it (see `Register.record_tracker`)."""

    path: str
    sha256: str
    skeleton: bytes
    layouts: dict[str, list[str]]
    written: dt.datetime


@dataclass
class AuditorHistory:
    """An auditor's audits (oldest first), by audit year, the cases audited, and exemptions."""

    auditor: str
    audits: list[m.RegisteredAudit]
    year_start: int = cycle.YEAR_START_MONTH
    years: dict[int, list[m.RegisteredAudit]] = dc_field(default_factory=dict)  # audit year -> audits
    cases: set[str] = dc_field(default_factory=set)  # case numbers of the audits that count
    exempted_cases: set[str] = dc_field(default_factory=set)  # cases this auditor was validly exempted from

    def load(self, year: int) -> int:
        """How many audits count towards the auditor's audits in that audit year."""
        return sum(1 for a in self.years.get(year, []) if cycle.counts_towards_load(a))


def file_hash(path: Path) -> str:
    """The content hash the register knows a returned file by (SHA-256 of its bytes)."""
    return sha256_of(path)


# ---- opening ---------------------------------------------------------------------------


@contextmanager
def open_register(path: Path | str, *, write: bool = False, create: bool = False) -> Iterator[Register]:
    """The register at `path`, as one transaction.

    `write=True`: takes the writer lock (a `UserError` naming whoever holds it), and commits
    everything done inside the `with` when it ends normally; an exception, or the process being
    stopped, leaves the register as it was. `create=True` makes a new register (readable by its
    owner only) when there is none. Reading (the default) takes no lock and changes nothing,
    except that a register made by an older auditdocs is migrated first.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise UserError(f"the folder of the register, {path.parent}, does not exist. Check the path.")
    if path.is_dir():
        raise UserError(f"{path} is a folder; give the register's file name (for example register.sqlite).")
    lock = WriterLock(path)
    if write:
        lock.acquire()
    created = committed = False
    try:
        if not path.exists():
            if not (write and create):
                raise UserError(f"there is no register at {path}. Check the path, or make one (auditdocs init).")
            _create_private(path)
            created = True
        conn = _connect(path)
        try:
            _migrate(conn, path, lock)
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            register = Register(path, conn, write)
            if lock.taken_over:
                register.notes.append(lock.taken_over_note())
            try:
                yield register
            except BaseException as exc:
                committed = register.committed
                _roll_back(conn)
                if _damaged_content(exc):
                    raise _damaged(path, type(exc).__name__) from None
                raise
            if conn.in_transaction:  # (unless `commit` was called)
                try:
                    conn.execute("COMMIT" if write else "ROLLBACK")
                except BaseException:
                    _roll_back(conn)
                    raise
            committed = True
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and _says_damaged(exc):
                raise _damaged(path, str(exc)[:200]) from None  # its tables are not as its header says
            raise register_trouble(path, exc) or exc from None
        finally:
            conn.close()
    except BaseException:
        if created and not committed:  # a register this run began and did not finish: not left behind
            for made in (path, path.with_name(path.name + "-journal")):
                made.unlink(missing_ok=True)
        raise
    finally:
        if write:
            lock.release()


def _roll_back(conn: sqlite3.Connection) -> None:
    """Undo the transaction, if SQLite has not already (it does after some errors: a full disk...)."""
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.DatabaseError:
            pass  # the journal left beside the file undoes it when the register is next opened


#: What to say of a damaged register (after "the register PATH ").
DAMAGED = ("is damaged ({error}): it cannot be used. Nothing was changed. Run 'auditdocs register rebuild' to remake "
           "it from your forms and tracker (the damaged file is kept beside it), or put back a backup copy of it.")


#: SQLite's errors that come of the register's file or its place, not of auditdocs: what to tell the person.
_TROUBLE = {
    "SQLITE_BUSY": "is in use by another program and stayed busy for {busy} seconds. Try again when it has "
                   "finished.",
    "SQLITE_LOCKED": "is in use by another program and stayed busy for {busy} seconds. Try again when it has "
                     "finished.",
    "SQLITE_FULL": "could not be written: there is no space left for it. Free some space on {folder} (the disk "
                   "or drive it is on) and run again.",
    "SQLITE_IOERR": "could not be read or written ({error}). Check that the disk or network drive {folder} is on "
                    "is connected and has space (free some space on it), then run again.",
    "SQLITE_READONLY": "is read-only (or its folder {folder} is), so it cannot be updated. Make the file and its "
                       "folder writable for you (or copy the register somewhere you can write and give it with "
                       "--register), then run again.",
    "SQLITE_CANTOPEN": "cannot be opened. Check that its folder {folder} is there and that you may write in it "
                       "(SQLite makes a journal file beside the register).",
    "SQLITE_PERM": "cannot be opened: you are not allowed to. Check the permissions of the file and its folder "
                   "{folder}.",
    "SQLITE_CORRUPT": DAMAGED,
    "SQLITE_NOTADB": DAMAGED,
}


def register_trouble(path: Path, exc: sqlite3.DatabaseError) -> UserError | None:
    """What to tell the person when SQLite fails because of the register's file or its place (a full disk, a
    damaged or read-only file...), changing nothing; None for a fault of auditdocs."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    kind = next((k for k in _TROUBLE if name == k or name.startswith(k + "_")), None)
    if kind is None and isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError) \
            and "malformed" in str(exc):
        kind = "SQLITE_CORRUPT"
    if kind is None:
        return None
    said = _TROUBLE[kind].format(busy=BUSY_TIMEOUT, folder=Path(path).resolve().parent, error=exc)
    undone = "" if kind in ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CORRUPT", "SQLITE_NOTADB") else \
        " Nothing was changed: the register is as it was before this run."
    return UserError(f"the register {path} {said}{undone}")


def never_wrote_a_tracker(path: Path | str) -> bool:
    """No register at `path`, or one that has never written a tracker: a file left empty, one made and never
    used, or one started afresh since (by `generate` or `allocate`, with the month's new audits only). An empty
    file is not opened (opening it would make it a register)."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return True
    with open_register(path) as reg:
        return not reg._count("trackers")


#: What reading a register's own rows raises when what they hold was damaged on disk (SQLite cannot tell).
DAMAGED_CONTENT = (ValueError, KeyError, TypeError, IndexError, AttributeError, zlib.error, sqlite3.DatabaseError)


def _says_damaged(exc: sqlite3.OperationalError) -> bool:
    """SQLite's words for a file whose tables or text are not as they were written."""
    said = str(exc)
    return said.startswith(("no such", "malformed", "Could not decode")) or "already exists" in said


def _damaged(path: Path, what: str) -> RegisterDamaged:
    return RegisterDamaged(f"the register {path} " + DAMAGED.format(error=what))


def _damaged_content(exc: BaseException) -> bool:
    """An error raised while this module read the register's rows (a JSON, a date, a packed record that is
    not as it was written): the register is damaged. Errors raised elsewhere are left as they are."""
    if not isinstance(exc, DAMAGED_CONTENT):
        return False
    if isinstance(exc, sqlite3.OperationalError) and not _says_damaged(exc):
        return False  # locked, busy, read-only, a disk that fails: not damage
    frame = exc.__traceback__.tb_next if exc.__traceback__ else None  # (the first is open_register's own)
    while frame is not None:
        if frame.tb_frame.f_code.co_filename == __file__:
            return True
        frame = frame.tb_next
    return False


def _create_private(path: Path) -> None:
    """An empty file readable by its owner only; SQLite makes it a database (and its journal alike)."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        raise UserError(f"cannot create the register {path} ({exc.strerror or exc}).") from None


#: The page size of a new register's file (SQLite's default is 4 KB; a register made so keeps it).
PAGE_SIZE = 16384


def _connect(path: Path) -> sqlite3.Connection:
    conn = None
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)
        app, version = (conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("application_id", "user_version"))
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app != APPLICATION_ID and (tables or version):
            raise UserError(f"{path} is a database, but not an auditdocs register. "
                            "Give the register's file, or a new file name to start one.")
        if not tables and not version:  # a new register: pages of PAGE_SIZE (its kept tracker rows, a few KB each,
            conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # are read on every run; in smaller pages they overflow)
        # a rollback journal, not WAL: works on network drives; FULL: a commit is on disk when it returns
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA synchronous = FULL")
        return conn
    except BaseException as exc:
        if conn is not None:
            conn.close()
        if isinstance(exc, UnicodeDecodeError):  # SQLite's own message about a damaged schema is itself damaged
            raise _damaged(path, "its list of tables cannot be read") from None
        if not isinstance(exc, sqlite3.DatabaseError):
            raise
        if getattr(exc, "sqlite_errorname", "") != "SQLITE_NOTADB" and (trouble := register_trouble(path, exc)):
            raise trouble from None
        raise UserError(f"{path} is not an auditdocs register (it is not a database file). Give the register's "
                        "file, or a new file name to start one. If it was the register, it is damaged: run "
                        "'auditdocs register rebuild' to remake it from your forms and tracker.") from None


def _version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def _migrate(conn: sqlite3.Connection, path: Path, lock: WriterLock) -> None:
    """Bring the file to SCHEMA_VERSION in one transaction (under the writer lock)."""
    version = _version(conn)
    if version > SCHEMA_VERSION:
        raise UserError(f"the register {path} was made by a newer version of auditdocs (schema {version}; this "
                        f"one knows up to {SCHEMA_VERSION}). Update auditdocs to use it.")
    if version == SCHEMA_VERSION:
        return
    took_lock = not lock.held
    if took_lock:
        lock.acquire()
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            for step in MIGRATIONS[_version(conn):]:
                for statement in step:
                    if isinstance(statement, str):
                        conn.execute(statement)
                    else:  # a step SQL alone cannot take
                        statement(conn, base_of(path))
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    finally:
        if took_lock:
            lock.release()


# ---- values as stored ------------------------------------------------------------------------


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _month(day: dt.date | None) -> str:
    return day.strftime("%Y-%m") if day else ""


def _auditor_key(name: str) -> str:
    return " ".join((name or "").split()).casefold()


def _layouts(kept: str | bytes) -> dict[str, list[str]]:
    """The row keys of a tracker's sheets as `record_tracker` keeps them: JSON, compressed (a year's Themes rows'
    keys are megabytes); not compressed as an earlier auditdocs kept them."""
    return json.loads(zlib.decompress(kept) if type(kept) is bytes else kept)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


_scan_json = json.JSONDecoder().scan_once


def _from_json(text: str):
    """`json.loads` of what `_json` wrote, without the work json.loads does on each call besides (a year's audits
    and actions are tens of thousands of small values, read on every run). Anything else (space around the
    value, text that is not JSON) goes to json.loads, which says what it says of it."""
    try:
        value, end = _scan_json(text, 0)
    except StopIteration:
        end = -1
    return value if end == len(text) else json.loads(text)


#: How a packed record marks a date answer ({"$date": "2026-01-15"}), so that it comes back a date, not text.
DATE_TAG = "$date"


def _tagged(value):
    return {DATE_TAG: value.isoformat()} if isinstance(value, dt.date) else value


def _untagged(value):
    return dt.date.fromisoformat(value[DATE_TAG]) if isinstance(value, dict) and DATE_TAG in value else value


def pack_record(record: m.AuditRecord) -> bytes:
    """The record in the JSON contract (without its file, which the register keeps apart), with
    what the contract leaves out (saved date, fingerprint, notes), compressed. Date answers (fields and
    action-table cells) are tagged (`DATE_TAG`) to come back as dates."""
    data = record.as_dict()
    del data["file"]
    data["answers"] = {k: _tagged(v) for k, v in data["answers"].items()}
    data["tables"] = {t: [{k: _tagged(v) for k, v in row.items()} for row in rows] for t, rows in data["tables"].items()}
    data.update(modified=record.modified, fingerprint=record.fingerprint, notes=list(record.notes))
    return zlib.compress(_json(data).encode("utf-8"), COMPRESSION)


def pack_tags(tags: list) -> bytes:
    """A content's theme tags (a list of JSON values) as `Register.keep_theme_tags` keeps them: compressed JSON."""
    return zlib.compress(_json(tags).encode("utf-8"), COMPRESSION)


def unpack_record(blob: bytes, file: str) -> m.AuditRecord:
    """The record `pack_record` packed, its date answers as dates. A record packed before dates were tagged
    (register schema 5 and earlier) keeps its date answers as the ISO text they were: every reader of a date
    answer takes either (`dates.parse_date`)."""
    text = zlib.decompress(blob)
    data = json.loads(text)
    if DATE_TAG.encode() in text:
        data["answers"] = {k: _untagged(v) for k, v in data.get("answers", {}).items()}
        data["tables"] = {t: [{k: _untagged(v) for k, v in row.items()} for row in rows]
                          for t, rows in data.get("tables", {}).items()}
    form = data.get("form") or {}
    return m.AuditRecord(
        file=file, status=data["status"], form_id=form.get("id") or "", form_version=form.get("version"),
        audit_id=data.get("audit_id", ""), subject=data.get("subject", {}), answers=data.get("answers", {}),
        tables=data.get("tables", {}), problems=[m.Problem(p["field"], p["message"]) for p in data.get("problems", [])],
        fingerprint=data.get("fingerprint", ""), modified=data.get("modified", ""), notes=data.get("notes", []))


_CELL_TYPES = {"date": dt.date.fromisoformat, "datetime": dt.datetime.fromisoformat,
               "time": dt.time.fromisoformat}


def _packed(value) -> list:
    for name, kind in (("datetime", dt.datetime), ("date", dt.date), ("time", dt.time)):
        if isinstance(value, kind):
            return [name, value.isoformat()]
    return ["value", value]


def pack_cell(value) -> str:
    """A tracker cell's value, keeping its type (text, number, yes/no, date, date and time, time)."""
    return _json(_packed(value))


def unpack_cell(text: str):
    return _unpacked(*_from_json(text))


def _unpacked(kind, value):
    return _CELL_TYPES[kind](value) if kind in _CELL_TYPES else value


# ---- the register ---------------------------------------------------------------------------


_AUDIT_COLUMNS = ("audit_id, form_id, form_version, subject, month, due, source, files, auditor_role, "
                  "service, re_audit_of, recorded, activity, activity_type, counts_toward_ten, audit_group")


class Register(AuditRegister):
    """An open register, kept in one SQLite file: the `AuditRegister` of auditdocs (see the package docstring
    for what to call)."""

    def __init__(self, path: Path, conn: sqlite3.Connection, writable: bool):
        self.path = path
        self._base = base_of(path)  # paths of the workspace's files are kept relative to it (see `places`)
        self._db = conn
        self.writable = writable
        self.notes: list[str] = []  # what the person running the command should be told (a lock taken over)
        self.committed = False  # `commit` was called

    def commit(self) -> None:
        """Commit now what was done (before the `with` ends: nothing may be changed after this)."""
        self._writing()
        self._db.execute("COMMIT")
        self.writable, self.committed = False, True

    def _writing(self) -> None:
        if not self.writable:
            raise RuntimeError("the register was opened for reading; open it with write=True to change it")

    # ---- writing ----

    def record_audits(self, audits: Iterable[m.RegisteredAudit], *, now: dt.datetime | None = None) -> int:
        """Add or update allocated audits (their details, not what came back or happened).
        Returns how many were new."""
        self._writing()
        now = _iso(now or dt.datetime.now())
        rows = [_audit_row(a, now, self._base) for a in audits]
        unknown = {r[6] for r in rows} - set(m.AUDIT_SOURCES)
        if unknown:
            raise ValueError(f"not a source the register knows: {', '.join(sorted(unknown))} ({', '.join(m.AUDIT_SOURCES)})")
        before = self._count("audits")
        self._db.executemany(
            f"INSERT INTO audits ({_AUDIT_COLUMNS}, case_number, auditor, auditor_key, team, audit_type) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (audit_id) DO UPDATE SET "
            "form_id=excluded.form_id, form_version=excluded.form_version, subject=excluded.subject, "
            "month=excluded.month, due=excluded.due, source=excluded.source, files=excluded.files, "
            "auditor_role=excluded.auditor_role, service=excluded.service, re_audit_of=excluded.re_audit_of, "
            "activity=excluded.activity, activity_type=excluded.activity_type, "
            "counts_toward_ten=excluded.counts_toward_ten, audit_group=excluded.audit_group, case_number=excluded.case_number, auditor=excluded.auditor, auditor_key=excluded.auditor_key, "
            "team=excluded.team, audit_type=excluded.audit_type", rows)
        self._touch(r[0] for r in rows)
        return self._count("audits") - before

    def record_returns(self, folder: Path | str, files: Iterable[SeenFile], *,
                       now: dt.datetime | None = None) -> ReturnCounts:
        """The returned files found under `folder` in this run. A file whose content is new must
        carry its record; for one already known (`known_contents`) the record may be left out.
        An audit that came back but is in no allocation is added with source 'returned'."""
        self._writing()
        folder, now = stored(folder, self._base), _iso(now or dt.datetime.now())
        files = list(files)
        known = self.known_contents(f.content_hash for f in files)
        counts = ReturnCounts()
        contents, audits = {}, {}
        for f in files:
            if f.content_hash in known or f.content_hash in contents:
                continue
            if f.record is None:
                raise ValueError(f"{f.path}: its content is new to the register, so its record must be given")
            attached = f.record.audit_id if f.audit_id is None else f.audit_id
            record, summary = f.packed or (pack_record(f.record),
                                           pack_record(f.summary) if f.summary is not None else None)
            contents[f.content_hash] = (f.content_hash, attached, f.record.status, record,
                                        f.record.form_id, f.record.form_version, f.check or m.content_check(f.record, None),
                                        summary)
            if attached and attached == f.record.audit_id:
                audits.setdefault(attached, _audit_row(_audit_of_record(f.record), now, self._base))
        counts.new_contents = len(contents)
        self._db.executemany("INSERT INTO contents (content_hash, audit_id, status, record, form_id, form_version, "
                             "content_check, summary) VALUES (?,?,?,?,?,?,?,?)", contents.values())
        # a new version came back: the latest is in use again, until consolidate chooses otherwise
        self._db.executemany("UPDATE audits SET chosen = '' WHERE audit_id = ?",
                             {(row[1],) for row in contents.values() if row[1]})
        self._db.executemany(
            f"INSERT INTO audits ({_AUDIT_COLUMNS}, case_number, auditor, auditor_key, team, audit_type) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (audit_id) DO NOTHING", audits.values())
        places = self._places(folder, {f.content_hash for f in files})
        self._db.executemany(
            "INSERT INTO files (folder, path, content_hash, first_seen, last_seen, stat) VALUES (?,?,?,?,?,?) "
            "ON CONFLICT (folder, path, content_hash) DO UPDATE SET last_seen = excluded.last_seen, stat = excluded.stat",
            [(folder, f.path, f.content_hash, now, now, f.stat) for f in files])
        new_places = {(f.path, f.content_hash) for f in files} - places
        self._placed_anew(folder, new_places)
        counts.new_places = len(new_places)
        counts.seen_again = len(files) - counts.new_places
        return counts

    def seen_again(self, folder: Path | str, files: Iterable[tuple[str, str, str]], *,
                   now: dt.datetime | None = None) -> int:
        """(path, content hash, stat) of files found under `folder` whose content the register has, hashed in this
        run (not as they were when last hashed: `known_by_stat`): their stat now, and the place of each the
        register does not know (a file moved, renamed or copied since), first seen now. How many such places."""
        self._writing()
        folder, now = stored(folder, self._base), _iso(now or dt.datetime.now())
        files = list(files)
        places = self._places(folder, {content for _, content, _ in files})
        self._db.executemany("UPDATE files SET stat = ? WHERE folder = ? AND path = ? AND content_hash = ?",
                             [(stat, folder, path, content) for path, content, stat in files if (path, content) in places])
        new_places = [(path, content, stat) for path, content, stat in files if (path, content) not in places]
        self._db.executemany("INSERT INTO files (folder, path, content_hash, first_seen, last_seen, stat) "
                             "VALUES (?,?,?,?,?,?)", [(folder, path, content, now, now, stat)
                                                      for path, content, stat in new_places])
        self._placed_anew(folder, {(path, content) for path, content, _ in new_places})
        return len(new_places)

    def _places(self, folder: str, contents: set[str]) -> set[tuple[str, str]]:
        """(path, content hash) of the places of `folder` (as kept) the register knows these contents at."""
        return {(r[0], r[1]) for r in self._db.execute(
            "SELECT path, content_hash FROM files WHERE folder = ? AND content_hash IN (SELECT value FROM json_each(?))",
            (folder, _json(sorted(contents))))}

    def _placed_anew(self, folder: str, places: set[tuple[str, str]]) -> None:
        """(path, content hash) seen at these places of `folder` (as kept) for the first time: their audits' tracker
        rows are made again (they show where each file is)."""
        # a path with another content now: what its file was when it held the others no longer tells anything
        self._db.executemany("UPDATE files SET stat = '' WHERE folder = ? AND path = ? AND content_hash != ? "
                             "AND stat != ''", [(folder, path, content) for path, content in places])
        self._touch(r[0] for r in self._db.execute(
            "SELECT DISTINCT audit_id FROM contents WHERE content_hash IN (SELECT value FROM json_each(?))",
            (_json(sorted({content for _, content in places})),)))

    def attach_content(self, content_hash: str, audit_id: str) -> None:
        """A returned content is (now) a version of `audit_id` ('': of no audit): a QA officer said which audit
        it is, or the audit it says it is was allocated since."""
        self._writing()
        before = [r[0] for r in self._db.execute("SELECT audit_id FROM contents WHERE content_hash = ?", (content_hash,))]
        self._db.execute("UPDATE contents SET audit_id = ? WHERE content_hash = ?", (audit_id, content_hash))
        self._db.execute("UPDATE audits SET chosen = '' WHERE audit_id = ?", (audit_id,))
        self._touch([a for a in [*before, audit_id] if a])

    def _touch(self, audit_ids: Iterable[str]) -> None:
        """Something of these audits changed: their tracker rows are made again."""
        self._db.execute("UPDATE audits SET revision = revision + 1 WHERE audit_id IN (SELECT value FROM json_each(?))",
                         (_json(sorted(set(audit_ids))),))

    def revisions(self) -> dict[str, tuple[int, str]]:
        """audit id -> (revision, case number): a revision changes whenever anything of its audit does."""
        return {r[0]: (r[1], r[2]) for r in self._db.execute("SELECT audit_id, revision, case_number FROM audits")}

    def choose_version(self, audit_id: str, content_hash: str) -> None:
        """The version of an audit to use (two files of it came back with different answers), until
        another new version comes back; '' goes back to the latest."""
        self._writing()
        self._db.execute("UPDATE audits SET chosen = ?, revision = revision + (chosen != ?) WHERE audit_id = ?",
                         (content_hash, content_hash, audit_id))

    def record_events(self, events: Iterable[m.Event], *, now: dt.datetime | None = None) -> list[int]:
        """Add events (see model.EVENT_KINDS); returns their ids."""
        self._writing()
        now = _iso(now or dt.datetime.now())
        ids = []
        for e in events:
            if e.kind not in m.EVENT_KINDS:
                raise ValueError(f"'{e.kind}' is not a kind of event the register knows ({', '.join(m.EVENT_KINDS)})")
            if not e.audit_id:
                raise ValueError("an event needs the audit it happened to")
            cursor = self._db.execute(
                "INSERT INTO events (audit_id, kind, on_date, who, agreed_by, agreed_role, reason, details, recorded) "
                "VALUES (?,?,?,?,?,?,?,?,?)",
                (e.audit_id, e.kind, e.on.isoformat(), e.who, e.agreed_by, e.agreed_role, e.reason,
                 _json(e.details), now))
            ids.append(cursor.lastrowid)
            self._touch([e.audit_id])
        return ids

    def delete_events(self, ids: Iterable[int]) -> None:
        """Remove events recorded by mistake (a QA officer cleared the tracker cell they came from)."""
        self._writing()
        ids = list(ids)
        self._touch(r[0] for r in self._db.execute(
            "SELECT audit_id FROM events WHERE id IN (SELECT value FROM json_each(?))", (_json(ids),)))
        self._db.executemany("DELETE FROM events WHERE id = ?", [(i,) for i in ids])

    def record_actions(self, actions: Iterable[m.TrackedAction], *, now: dt.datetime | None = None) -> None:
        """Add actions, or update what the form says about actions already known by their id (their
        table, row, text, values, whether still on the form). Status and done date are not changed
        here (see `set_action_status`); an id is never moved to another audit."""
        self._writing()
        now = _iso(now or dt.datetime.now())
        actions = list(actions)
        owners = {a.action_id: a.audit_id for a in actions}
        clash = self._db.execute(
            "SELECT action_id, audit_id FROM actions WHERE action_id IN (SELECT value FROM json_each(?))",
            (_json(list(owners)),)).fetchall()
        moved = [aid for aid, audit in clash if owners[aid] != audit]
        if moved:
            raise ValueError(f"action ids belong to another audit already: {', '.join(moved)}")
        self._db.executemany(
            "INSERT INTO actions (action_id, audit_id, table_id, form_row, text, row_values, on_form, status, "
            "done_on, signed_off_by, signed_off_on, first_seen) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT (action_id) DO UPDATE SET "
            "table_id=excluded.table_id, form_row=excluded.form_row, text=excluded.text, "
            "row_values=excluded.row_values, on_form=excluded.on_form",
            # (each row made as it is written: a year's actions are not all held twice, as text)
            ((a.action_id, a.audit_id, a.table_id, a.form_row, a.text, _json(a.values), int(a.on_form), a.status,
              _iso(a.done_on), a.signed_off_by, _iso(a.signed_off_on), now) for a in actions))
        self._touch(owners.values())

    def set_action_status(self, action_id: str, status: str, done_on: dt.date | None = None,
                          signed_off_by: str = "", signed_off_on: dt.date | None = None) -> None:
        """What the team manager says about an action (from the tracker)."""
        self._writing()
        changed = self._db.execute(
            "UPDATE actions SET status = ?, done_on = ?, signed_off_by = ?, signed_off_on = ? WHERE action_id = ? AND "
            "(status, coalesce(done_on, ''), signed_off_by, coalesce(signed_off_on, '')) IS NOT (?, ?, ?, ?)",
            (status, _iso(done_on), signed_off_by, _iso(signed_off_on), action_id, status, _iso(done_on) or "",
             signed_off_by, _iso(signed_off_on) or "")).rowcount
        if changed:
            self._touch(r[0] for r in self._db.execute("SELECT audit_id FROM actions WHERE action_id = ?", (action_id,)))

    def save_exceptions(self, rows: Iterable[tuple[str, dict[str, object]]]) -> None:
        """The rows of the tracker's Exceptions sheet, in order, each with its row key (replacing all)."""
        self._writing()
        self._db.execute("DELETE FROM exceptions")
        self._db.executemany("INSERT INTO exceptions (row_key, position, cells) VALUES (?,?,?)",
                             [(key, n, _json({h: _packed(self._location(h, v, stored)) for h, v in cells.items()
                                              if v is not None}))
                              for n, (key, cells) in enumerate(rows)])

    def _location(self, heading: str, value, how):
        """A 'File location' cell as the register keeps it (`how` = `stored`) or gives it (`placed`)."""
        return how(value, self._base) if heading == LOCATION and isinstance(value, str) else value

    def record_tracker(self, path: Path | str, sha256: str, skeleton: bytes, layouts: dict[str, list[str]], *,
                       now: dt.datetime | None = None) -> None:
        """The tracker as written: its bytes' hash, its skeleton (everything but the cells written from the
        register) and the row key of each row of its sheets."""
        self._writing()
        self._db.execute(
            "INSERT INTO trackers (path, sha256, skeleton, layouts, written) VALUES (?,?,?,?,?) ON CONFLICT (path) "
            "DO UPDATE SET sha256=excluded.sha256, skeleton=excluded.skeleton, layouts=excluded.layouts, "
            "written=excluded.written",
            (stored(path, self._base), sha256, zlib.compress(skeleton, 1), zlib.compress(_json(layouts).encode("utf-8"), 1),
             _iso(now or dt.datetime.now())))

    def save_tracker_columns(self, sheet: str, rows: dict[str, dict[str, object]]) -> None:
        """The managers' and QA officers' cells of `sheet`, by row key (audit id, action id…):
        each row given replaces what the register held for it; other rows are left as they are."""
        self._writing()
        held: dict[str, dict[str, str]] = {}
        for key, heading, value in self._db.execute(
                "SELECT row_key, heading, value FROM tracker_cells WHERE sheet = ? AND row_key IN "
                "(SELECT value FROM json_each(?))", (sheet, _json(list(rows)))):
            held.setdefault(key, {})[heading] = value
        packed = {key: {h: pack_cell(v) for h, v in cells.items() if v is not None} for key, cells in rows.items()}
        changed = [key for key, cells in packed.items() if cells != held.get(key, {})]
        self._db.executemany("DELETE FROM tracker_cells WHERE sheet = ? AND row_key = ?", [(sheet, k) for k in changed])
        self._db.executemany("INSERT INTO tracker_cells (sheet, row_key, heading, value) VALUES (?,?,?,?)",
                             [(sheet, key, h, v) for key in changed for h, v in packed[key].items()])
        keys = _json(changed + [key.split("\x1f", 1)[0] for key in changed if "\x1f" in key])
        self._touch([r[0] for r in self._db.execute(
            "SELECT audit_id FROM audits WHERE audit_id IN (SELECT value FROM json_each(?)) UNION "
            "SELECT audit_id FROM actions WHERE action_id IN (SELECT value FROM json_each(?))", (keys, keys))])

    def record_learning(self, entries: Iterable[m.LearningAction], *, now: dt.datetime | None = None) -> None:
        """Add actions to the organisational learning log, or update those already there by their id."""
        self._writing()
        now = _iso(now or dt.datetime.now())
        self._db.executemany(
            "INSERT INTO learning_log (log_id, kind, finding, action, owner, service, due, themes, audits, status, "
            "evidence, recheck, recheck_month, added_on, source, done_on, notes, recorded) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (log_id) DO UPDATE SET "
            "kind=excluded.kind, finding=excluded.finding, action=excluded.action, owner=excluded.owner, "
            "service=excluded.service, due=excluded.due, themes=excluded.themes, audits=excluded.audits, "
            "status=excluded.status, evidence=excluded.evidence, recheck=excluded.recheck, "
            "recheck_month=excluded.recheck_month, done_on=excluded.done_on, notes=excluded.notes",
            [(e.log_id, e.kind, e.finding, e.action, e.owner, e.service, _iso(e.due), _json(e.themes),
              _json(e.audits), e.status, e.evidence, e.recheck, _month(e.recheck_month), _iso(e.added_on), e.source,
              _iso(e.done_on), e.notes, now) for e in entries])

    # ---- reading ----

    def audit(self, audit_id: str) -> m.RegisteredAudit | None:
        found = self._audits("a.audit_id = ?", [audit_id])
        return found[0] if found else None

    def audits(self, *, month: dt.date | None = None, first: dt.date | None = None, last: dt.date | None = None,
               audit_year: int | None = None, year_start: int = cycle.YEAR_START_MONTH,
               auditor: str | None = None, case_number: str | None = None, team: str | None = None,
               ids: Iterable[str] | None = None, summaries: bool = False) -> list[m.RegisteredAudit]:
        """Audits by month (any day of it), months `first`..`last`, audit year, auditor (case and spaces
        ignored), case number, team or ids; filters combine. Ordered by month, then audit id.
        `summaries`: each version's `record` is what the rules read of it (`cycle.summary_record`: its
        details and the answers with a role) where the register kept that, which is quicker to read."""
        where, params = [], []
        if audit_year is not None:
            first, last = cycle.audit_year_months(audit_year, year_start)
        if month is not None:
            first = last = month
        if first is not None:
            where.append("a.month >= ?")
            params.append(_month(first))
        if last is not None:
            where.append("a.month <= ? AND a.month != ''")
            params.append(_month(last))
        for column, value in (("a.auditor_key", _auditor_key(auditor) if auditor is not None else None),
                              ("a.case_number", case_number), ("a.team", team)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if ids is not None:
            where.append("a.audit_id IN (SELECT value FROM json_each(?))")
            params.append(_json(list(ids)))
        return self._audits(" AND ".join(where) or "1", params, summaries)

    def months(self) -> list[dt.date]:
        """Every month the register has audits for, oldest first."""
        rows = self._db.execute("SELECT DISTINCT month FROM audits WHERE month != '' ORDER BY month")
        return [dt.date.fromisoformat(r[0] + "-01") for r in rows]

    def auditor_history(self, auditor: str, *, year_start: int = cycle.YEAR_START_MONTH) -> AuditorHistory:
        """Everything the auditor was allocated, by audit year (starting in `year_start`)."""
        audits = self.audits(auditor=auditor)
        history = AuditorHistory(auditor, audits, year_start)
        for a in audits:
            if a.month:
                history.years.setdefault(cycle.audit_year(a.month, year_start), []).append(a)
            if a.case_number and cycle.counts_towards_load(a):
                history.cases.add(a.case_number)
            if a.case_number and any(cycle.exemption_problem(e, a.auditor_role) is None
                                     for e in a.events_of("exempted")):
                history.exempted_cases.add(a.case_number)
        return history

    def case_history(self, case_number: str) -> list[m.RegisteredAudit]:
        """Every audit of a case, oldest month first (re-audits; who audited it last)."""
        return self.audits(case_number=case_number)

    def moderation(self, *, first: dt.date | None = None, last: dt.date | None = None) -> list[m.RegisteredAudit]:
        """Audits selected for moderation, moderated or disputed, in months `first`..`last`."""
        kinds = ("selected_for_moderation", "moderated", "disputed")
        chosen = {r[0] for r in self._db.execute(
            f"SELECT DISTINCT audit_id FROM events WHERE kind IN ({','.join('?' * len(kinds))})", kinds)}
        return self.audits(first=first, last=last, ids=chosen)

    def known_contents(self, hashes: Iterable[str]) -> set[str]:
        """Which of these content hashes the register has already parsed (no need to read them again)."""
        return {r[0] for r in self._db.execute(
            "SELECT content_hash FROM contents WHERE content_hash IN (SELECT value FROM json_each(?))",
            (_json(list(hashes)),))}

    def known_by_stat(self, folder: Path | str) -> dict[tuple[str, str], str]:
        """(path, stat) -> content hash of the files last seen under `folder` whose stat was kept (`SeenFile.stat`):
        a file found there with the same stat still has that content. (A stat kept with two contents, which only
        a clock set back could make, is left out: those files are hashed.)"""
        found: dict[tuple[str, str], str] = {}
        twice = set()
        for path, stat, content in self._db.execute(
                "SELECT path, stat, content_hash FROM files WHERE folder = ? AND stat != ''",
                (stored(folder, self._base),)):
            if found.setdefault((path, stat), content) != content:
                twice.add((path, stat))
        for key in twice:
            del found[key]
        return found

    def content_facts(self, hashes: Iterable[str]) -> dict[str, tuple[str, str, tuple[str, int | None] | None]]:
        """content hash -> (audit id, status, (form id, version)) of the contents already parsed, without
        reading their records (the form is None for contents recorded by an older auditdocs)."""
        return {r[0]: (r[1], r[2], (r[3] or "", r[4]) if r[3] is not None else None) for r in self._db.execute(
            "SELECT content_hash, audit_id, status, form_id, form_version FROM contents "
            "WHERE content_hash IN (SELECT value FROM json_each(?))", (_json(list(hashes)),))}

    def keys(self) -> tuple[set[str], set[str]]:
        """Every audit id and every action id the register holds."""
        return ({r[0] for r in self._db.execute("SELECT audit_id FROM audits")},
                {r[0] for r in self._db.execute("SELECT action_id FROM actions")})

    def actions(self, audit_ids: Iterable[str]) -> dict[str, list[m.TrackedAction]]:
        """audit id -> its actions, as `audits` gives them, without the rest of each audit."""
        return self._actions("SELECT value FROM json_each(?)", [_json(list(audit_ids))])

    def record_of(self, content_hash: str) -> m.AuditRecord | None:
        """The record read from a content, with the path it was last seen at as its file."""
        found = self._returns("c.content_hash = ?", [content_hash])
        return found[0].record if found else None

    def unidentified(self, folder: Path | str | None = None) -> list[m.Return]:
        """Returned files that could not be identified as any audit (most recently seen first)."""
        where, params = "c.audit_id = ''", []
        if folder is not None:
            where += " AND f.folder = ?"
            params.append(stored(folder, self._base))
        return sorted(self._returns(where, params), key=lambda r: r.last_seen, reverse=True)

    def rendered(self, sheet: str, signatures: dict[str, str]) -> dict[str, tuple[bytes, int, int, int, dict]]:
        """The tracker rows kept for `sheet`, for each key (audit id, action id) whose signature is still
        the same: key -> (data, CRC-32, length, rows, meta)."""
        found = {}
        for key, signature, data, crc, length, rows, meta in self._db.execute(
                "SELECT audit_id, signature, data, crc, length, rows, meta FROM rendered WHERE sheet = ?", (sheet,)):
            if signatures.get(key) == signature:
                found[key] = (data, crc, length, rows, {} if meta == "{}" else json.loads(meta))  # most are {}
        return found

    def rendered_meta(self, sheet: str, signatures: dict[str, str]) -> dict[str, dict]:
        """key -> the meta of the tracker rows kept for `sheet` under the same signature (as `rendered` gives it),
        without reading the rows (a year's Themes rows are tens of megabytes)."""
        return {key: {} if meta == "{}" else json.loads(meta) for key, signature, meta in self._db.execute(
            "SELECT audit_id, signature, meta FROM rendered WHERE sheet = ?", (sheet,)) if signatures.get(key) == signature}

    def keep_rendered(self, sheet: str, rows: dict[str, tuple]) -> None:
        """Keep the tracker rows made for `sheet`: key -> (signature, data, CRC-32, length, rows[, meta])."""
        self._writing()
        self._db.executemany(
            "INSERT INTO rendered (sheet, audit_id, signature, data, crc, length, rows, meta) VALUES (?,?,?,?,?,?,?,?) "
            "ON CONFLICT (sheet, audit_id) DO UPDATE SET signature=excluded.signature, data=excluded.data, "
            "crc=excluded.crc, length=excluded.length, rows=excluded.rows, meta=excluded.meta",
            [(sheet, key, *row[:5], _json(row[5]) if len(row) > 5 and row[5] else "{}") for key, row in rows.items()])

    def forget_rendered(self, sheet: str, keys: set[str]) -> None:
        """Let go of the tracker rows kept for `sheet` whose key is not one of `keys` (rows no longer on it)."""
        self._writing()
        self._db.execute("DELETE FROM rendered WHERE sheet = ? AND audit_id NOT IN (SELECT value FROM json_each(?))",
                         (sheet, _json(sorted(keys))))

    def theme_tags(self, signatures: dict[str, str]) -> Iterator[tuple[str, list]]:
        """The theme tags kept for each content of `signatures` (content hash -> signature) whose signature is
        still the same, one content at a time (a year's are not all held at once): (content hash, its tags, as
        `keep_theme_tags` was given them)."""
        for content, signature, tags in self._db.execute(
                "SELECT content_hash, signature, tags FROM theme_tags "
                "WHERE content_hash IN (SELECT value FROM json_each(?))", (_json(list(signatures)),)):
            if signatures.get(content) == signature:
                yield content, json.loads(zlib.decompress(tags))

    def theme_tags_kept(self) -> dict[str, str]:
        """content hash -> the signature its theme tags are kept with, for every content whose tags are kept."""
        return dict(self._db.execute("SELECT content_hash, signature FROM theme_tags"))

    def keep_theme_tags(self, tags: dict[str, tuple[str, list | bytes]]) -> None:
        """Keep the theme tags of contents: content hash -> (signature, tags: a list of JSON values, or `pack_tags`
        of it, when packed where they were made)."""
        self._writing()
        self._db.executemany(
            "INSERT INTO theme_tags (content_hash, signature, tags) VALUES (?,?,?) ON CONFLICT (content_hash) "
            "DO UPDATE SET signature=excluded.signature, tags=excluded.tags",
            [(content, signature, rows if type(rows) is bytes else pack_tags(rows))
             for content, (signature, rows) in tags.items()])

    def exceptions(self) -> list[tuple[str, dict[str, object]]]:
        """The rows of the tracker's Exceptions sheet, in order: (row key, heading -> value)."""
        return [(key, {h: self._location(h, _unpacked(*v), placed) for h, v in json.loads(cells).items()})
                for key, cells in self._db.execute("SELECT row_key, cells FROM exceptions ORDER BY position")]

    def tracker_written(self, sha256: str) -> TrackerState | None:
        """The tracker this register last wrote with these bytes (a copy of it, wherever it is now), if any."""
        row = self._db.execute("SELECT path, skeleton, layouts, written FROM trackers WHERE sha256 = ? "
                               "ORDER BY written DESC LIMIT 1", (sha256,)).fetchone()
        if row is None:
            return None
        return TrackerState(placed(row[0], self._base), sha256, zlib.decompress(row[1]), _layouts(row[2]),
                            dt.datetime.fromisoformat(row[3]))

    def tracker_last_written(self, path: Path | str | None) -> dt.datetime | None:
        """When the register last wrote the tracker at `path`; for a tracker it never wrote there (one moved or
        copied), when it last wrote any; None when it never wrote one."""
        row = self._db.execute("SELECT written FROM trackers WHERE path = ?",
                               (stored(Path(path).resolve(), self._base) if path else "",)).fetchone()
        row = row or self._db.execute("SELECT max(written) FROM trackers").fetchone()
        return dt.datetime.fromisoformat(row[0]) if row and row[0] else None

    def tracker_columns(self, sheet: str) -> dict[str, dict[str, object]]:
        """The managers' and QA officers' cells of `sheet` the register holds, by row key."""
        out: dict[str, dict[str, object]] = {}
        for key, heading, value in self._db.execute(
                "SELECT row_key, heading, value FROM tracker_cells WHERE sheet = ? ORDER BY rowid", (sheet,)):
            out.setdefault(key, {})[heading] = unpack_cell(value)
        return out

    def learning_log(self) -> list[m.LearningAction]:
        """The organisational learning log, by id (as recorded: people's columns of its tracker sheet are in
        `tracker_columns`)."""
        return [m.LearningAction(log_id, kind, finding, action, owner, service, _date(due), json.loads(themes),
                                 json.loads(audits), status, evidence, recheck,
                                 _date(recheck_month + "-01" if recheck_month else None), _date(added_on), source,
                                 _date(done_on), notes)
                for (log_id, kind, finding, action, owner, service, due, themes, audits, status, evidence, recheck,
                     recheck_month, added_on, source, done_on, notes) in self._db.execute(
                    "SELECT log_id, kind, finding, action, owner, service, due, themes, audits, status, evidence, "
                    "recheck, recheck_month, added_on, source, done_on, notes FROM learning_log ORDER BY log_id")]

    # ---- assembling domain objects ----

    def _count(self, table: str) -> int:
        return self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def _audits(self, where: str, params: list, summaries: bool = False) -> list[m.RegisteredAudit]:
        chosen = f"SELECT a.audit_id FROM audits a WHERE {where}"
        audits = {}
        for row in self._db.execute(f"SELECT {_AUDIT_COLUMNS}, chosen FROM audits a WHERE {where} "
                                    "ORDER BY a.month, a.audit_id", params):
            (aid, form_id, version, subject, month, due, source, files, role, service, re_audit_of, recorded,
             activity, activity_type, counts, group, in_use) = row
            audits[aid] = m.RegisteredAudit(
                aid, form_id, version, _from_json(subject), _date(month + "-01" if month else None), _date(due),
                source, [placed(f, self._base) for f in _from_json(files)], role, service, re_audit_of,
                dt.datetime.fromisoformat(recorded), activity, activity_type, bool(counts), _from_json(group),
                chosen=in_use)
        if not audits:
            return []
        for version in self._returns(f"c.audit_id IN ({chosen})", params, summaries):
            audits[version.audit_id].returns.append(version)
        for row in self._db.execute(
                "SELECT id, audit_id, kind, on_date, who, agreed_by, agreed_role, reason, details, recorded "
                f"FROM events WHERE audit_id IN ({chosen}) ORDER BY on_date, id", params):
            eid, aid, kind, on, who, agreed_by, role, reason, details, recorded = row
            audits[aid].events.append(m.Event(kind, _date(on), aid, who, agreed_by, role, reason, _from_json(details),
                                              eid, dt.datetime.fromisoformat(recorded)))
        for aid, actions in self._actions(chosen, params).items():
            audits[aid].actions = actions
        cells = self._cells(chosen, params)
        for aid, audit in audits.items():
            audit.columns = cells.get(aid, {})
        return list(audits.values())

    def _cells(self, keys: str, params: list) -> dict[str, dict[str, dict[str, object]]]:
        """row key -> sheet -> heading -> value, for the row keys the SQL `keys` selects."""
        cells: dict[str, dict[str, dict[str, object]]] = {}
        for key, sheet, heading, value in self._db.execute(
                f"SELECT row_key, sheet, heading, value FROM tracker_cells WHERE row_key IN ({keys}) ORDER BY rowid",
                params):
            cells.setdefault(key, {}).setdefault(sheet, {})[heading] = unpack_cell(value)
        return cells

    def _actions(self, chosen: str, params: list) -> dict[str, list[m.TrackedAction]]:
        """audit id -> its actions (with their tracker cells), for the audit ids the SQL `chosen` selects."""
        cells = self._cells(f"SELECT action_id FROM actions WHERE audit_id IN ({chosen})", params)
        out: dict[str, list[m.TrackedAction]] = {}
        for row in self._db.execute(
                "SELECT action_id, audit_id, table_id, form_row, text, row_values, on_form, status, done_on, "
                f"signed_off_by, signed_off_on FROM actions WHERE audit_id IN ({chosen}) ORDER BY audit_id, rowid",
                params):
            action_id, aid, table_id, form_row, text, values, on_form, status, done_on, by, signed_on = row
            out.setdefault(aid, []).append(m.TrackedAction(action_id, aid, table_id, form_row, text, _from_json(values),
                                                           bool(on_form), status, _date(done_on),
                                                           cells.get(action_id, {}), by, _date(signed_on)))
        return out

    def _returns(self, where: str, params: list, summaries: bool = False) -> list[m.Return]:
        """Versions of returned files, oldest first, each with every place it was seen at."""
        versions: dict[str, m.Return] = {}
        folders: dict[str, str] = {}  # as kept -> as placed (a year's files are in the few folders it was given)
        for row in self._db.execute(
                f"SELECT c.content_hash, c.audit_id, c.status, {'coalesce(c.summary, c.record)' if summaries else 'c.record'},"
                " f.folder, f.path, f.first_seen, f.last_seen, c.content_check "
                f"FROM contents c JOIN files f ON f.content_hash = c.content_hash WHERE {where} "
                "ORDER BY f.first_seen, f.last_seen", params):
            content, aid, status, blob, folder, path, first, last, check = row
            folder = folders.get(folder) or folders.setdefault(folder, placed(folder, self._base))
            first, last = dt.datetime.fromisoformat(first), dt.datetime.fromisoformat(last)
            version = versions.get(content)
            if version is None:
                version = versions[content] = m.Return(content, aid, status, folder, path, first, last,
                                                       known_check=check or "")
                version.load = _loader(blob, version)
            elif last >= version.last_seen:
                version.folder, version.path, version.last_seen = folder, path, last
            version.places.append((folder, path))
        return list(versions.values())


def _loader(blob: bytes, version: m.Return):
    return lambda: unpack_record(blob, os.path.join(version.folder, version.path))


def _audit_row(a: m.RegisteredAudit, now: str, base: str) -> tuple:
    return (a.audit_id, a.form_id, a.form_version, _json(a.subject), _month(a.month), _iso(a.due), a.source,
            _json([stored(f, base) for f in a.files]), a.auditor_role, a.service, a.re_audit_of, _iso(a.recorded) or now,
            a.activity, a.activity_type, int(a.counts_toward_ten), _json(list(a.group)), a.case_number, a.auditor, _auditor_key(a.auditor), a.team, a.audit_type)


def _audit_of_record(record: m.AuditRecord) -> m.RegisteredAudit:
    """An audit known only from a returned form: its details as the form gives them."""
    due = parse_date(record.subject.get("due_date"))
    month = due.replace(day=1) if due else audit_month(record.audit_id)
    return m.RegisteredAudit(record.audit_id, record.form_id, record.form_version, dict(record.subject),
                             month, due, source="returned")
