"""Faults around the register never cost a manager's work, and every message says what to do (issue 21).

Through real files and the real `auditdocs` command, on the month of `test_register_upkeep` (60 Word forms
made by `generate`, filled in as auditors would):

- a register that is missing or empty, with its tracker still there, stops a run, changing nothing, and
  `register rebuild` remakes it with every manager's sign-off (item 1); a tracker an older auditdocs wrote
  over a lost register (every action twice) is taken back whole;
- a run that fails for want of space (or of a file that cannot be written) anywhere leaves the register and
  the tracker as they were, says which folder is full or which file could not be written, and leaves no lock
  to hold up the next run (item 2);
- a damaged or read-only register, and dates and months out of range, are the person's to put right: exit 2,
  with what to do (item 3);
- a workspace copied to another folder keeps working: the register keeps the paths of its files relative to
  its folder (a register made by an older auditdocs is migrated), and the tracker holds no computer's own
  paths (item 4).
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path

import openpyxl
import pytest
from helpers import ROOT, SPECS, files_workspace, needs_soffice
from test_register import allocated
from test_register_upkeep import (  # noqa: F401 (fixture)
    LIST,
    MONTH,
    ON_POSIX,
    Place,
    auditdocs,
    fill_month,
    month,
    register_view,
    sheet_values,
    type_into_tracker,
)

from auditdocs.consolidate import run
from auditdocs.register import open_register
from auditdocs.register.lock import lock_path
from auditdocs.returns.read import find_files

SIGNED = {"Status": "Done", "Completed on": dt.datetime(2026, 12, 3), "Signed off by": "Pat Example",
          "Signed off on": dt.datetime(2026, 12, 5)}


@dataclass
class Signed(Place):
    """A month consolidated, with managers' sign-offs typed into the tracker and taken into the register."""

    forms: Path
    signed: list[str]  # the actions signed off
    actions: int  # how many there are
    files: dict[str, bytes] = dc_field(repr=False)

    def copy(self, to: Path) -> Signed:
        shutil.copytree(self.place, to)
        return Signed(to, self.forms, list(self.signed), self.actions, self.files)

    def consolidate(self, code: int | None = 1, *extra):
        return auditdocs("consolidate", self.place / "returned", "--tracker", self.tracker, "--register",
                         self.register, *extra, code=code)

    def rebuild(self):
        return auditdocs("register", "rebuild", "--forms", self.forms, "--returned", self.place / "returned",
                         "--tracker", self.tracker, "--register", self.register)


@pytest.fixture(scope="module")
def signed(month) -> Signed:  # noqa: F811
    place = month.place("signed")
    month.hand_in(month.returned, place / "returned")
    state = Signed(place, month.forms, [], 0, {})
    state.consolidate()
    actions = [row[0] for row in sheet_values(state.tracker, ("Actions",))["Actions"][1:]]
    state.signed, state.actions = [actions[0], actions[7], actions[-1]], len(actions)
    type_into_tracker(state.tracker, {}, {key: SIGNED for key in state.signed})
    state.consolidate()
    state.files = {name: (place / name).read_bytes() for name in ("register.sqlite", "tracker.xlsx")}
    return state


def action_rows(tracker: Path) -> list[dict[str, object]]:
    rows = sheet_values(tracker, ("Actions",))["Actions"]
    return [dict(zip(rows[0], row)) for row in rows[1:] if row[0]]


def signed_off_in_tracker(tracker: Path) -> dict[str, tuple]:
    return {row["Action id"]: (row["Status"], row["Signed off by"], row["Signed off on"])
            for row in action_rows(tracker) if row["Signed off by"]}


def signed_off_in_register(register: Path) -> dict[str, tuple]:
    with open_register(register) as reg:
        return {a.action_id: (a.status, a.signed_off_by, a.signed_off_on)
                for audit in reg.audits() for a in audit.actions if a.signed_off_by}


def each_once_and_signed(state: Signed) -> None:
    """Every action once in the tracker, and every sign-off there and in the register."""
    counts = Counter(row["Action id"] for row in action_rows(state.tracker))
    assert len(counts) == state.actions and set(counts.values()) == {1}
    assert signed_off_in_tracker(state.tracker) == {
        key: ("Done", "Pat Example", dt.datetime(2026, 12, 5)) for key in state.signed}
    assert signed_off_in_register(state.register) == {
        key: ("Done", "Pat Example", dt.date(2026, 12, 5)) for key in state.signed}


# ---- 1. a missing or empty register --------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["deleted", "empty", "started afresh"])
def test_a_missing_or_empty_register_stops_the_run_and_rebuild_keeps_every_sign_off(signed, tmp_path, library, how):
    state = signed.copy(tmp_path / how)
    if how == "empty":
        state.register.write_bytes(b"")
    else:
        state.register.unlink()
    if how == "started afresh":  # then `generate` (or `allocate`) made a new one, with next month's audit only
        with open_register(state.register, write=True, create=True) as reg:
            reg.record_audits([allocated(library, case="9909999", month="2027-01")])
    files = sorted(state.place.rglob("*"))
    stopped = state.consolidate(code=2)
    assert (f"the register {state.register} is missing, empty or new (it has never written a tracker); the tracker "
            f"{state.tracker} was made from one") in " ".join(stopped.output.split()), stopped.output
    assert "Run 'auditdocs register rebuild' to remake it from your forms and tracker" in " ".join(
        stopped.output.split()).replace("Otherwise run", "Run")
    assert state.tracker.read_bytes() == signed.files["tracker.xlsx"]  # nothing changed
    if how != "started afresh":
        assert not (state.register.exists() and state.register.stat().st_size)
    assert sorted(state.place.rglob("*")) == files  # no backup, no register, no lock made
    state.rebuild()
    assert signed_off_in_register(state.register) == {
        key: ("Done", "Pat Example", dt.date(2026, 12, 5)) for key in state.signed}
    state.consolidate()
    each_once_and_signed(state)


def older_run_over_a_lost_register(state: Signed, library) -> None:
    """What an older auditdocs did with the register gone: a run that made a new one (the check that stops it
    left out), writing every action a second time below the first."""
    state.register.unlink()
    run._consolidate(run._reading(find_files([state.place / "returned"]), library, None), library, state.tracker,
                     files_workspace(state.tracker, state.register), False, dt.datetime(2026, 12, 8, 9),
                     read_files=True)
    counts = Counter(row["Action id"] for row in action_rows(state.tracker))
    assert set(counts.values()) == {2}  # the state the issue found


@pytest.mark.parametrize("then", ["consolidate", "rebuild"])
def test_a_tracker_an_older_auditdocs_wrote_twice_is_taken_back_whole(signed, tmp_path, library, then):
    state = signed.copy(tmp_path / then)
    older_run_over_a_lost_register(state, library)
    if then == "rebuild":
        state.rebuild()
    state.consolidate()  # not "'Rendered' object is not iterable"
    each_once_and_signed(state)


def test_a_sign_off_typed_in_either_copy_of_a_row_is_kept(signed, tmp_path):
    """Rows there twice (pasted, or written twice by an older auditdocs): what is typed in either copy is read
    back, by `consolidate` and by `register rebuild`."""
    state = signed.copy(tmp_path / "copies")
    first, second = state.signed[0], next(row["Action id"] for row in action_rows(state.tracker)
                                          if row["Action id"] not in state.signed)
    wb = openpyxl.load_workbook(state.tracker)
    ws = wb["Actions"]
    headings = [c.value for c in ws[1]]
    rows = {row[0].value: [c.value for c in row] for row in ws.iter_rows(min_row=2) if row[0].value}
    plain = dict(zip(headings, rows[first]))
    plain.update({"Status": "Open", "Completed on": None, "Signed off by": None, "Signed off on": None})
    again = dict(zip(headings, rows[second]))
    again.update(SIGNED)
    end = ws.max_row
    for n, copy in enumerate((plain, again), start=1):  # typed straight below the table: part of it
        for c, heading in enumerate(headings, start=1):
            ws.cell(end + n, c).value = copy[heading]
    wb.save(state.tracker)
    state.signed.append(second)
    kept = state.copy(tmp_path / "copies, rebuilt")
    state.consolidate()
    each_once_and_signed(state)
    kept.rebuild()
    kept.consolidate()
    each_once_and_signed(kept)


# ---- 2. a full disk: the register and the tracker change together or not at all ------------------------------------

#: A run in a process of its own whose files cannot grow past `limit` bytes (RLIMIT_FSIZE): each write past it
#: fails with a real error from the system, as on a full disk, at whatever step the run has reached.
LIMITED = """
import resource, signal, sys
limit = int(sys.argv[1])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
sys.argv = ["auditdocs"] + sys.argv[2:]
from auditdocs.cli import main
main()
"""


def limited_consolidate(state: Signed, limit: int) -> subprocess.CompletedProcess:
    args = ["--specs", str(SPECS), "consolidate", str(state.place / "returned"), "--tracker", str(state.tracker),
            "--register", str(state.register)]
    return subprocess.run([sys.executable, "-c", LIMITED, str(limit), *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")}, timeout=600)


def left_behind(state: Signed) -> list[Path]:
    """Files a run leaves that are not the register, the tracker or the returned forms (a lock, a temporary
    tracker, a backup, a new register...)."""
    return sorted(p for p in state.place.rglob("*") if p.is_file() and "returned" not in p.parts
                  and p not in (state.register, state.tracker)
                  and p.name != state.register.name + "-journal")  # (undone when the register is next opened)


@ON_POSIX
def test_a_run_short_of_space_anywhere_leaves_the_register_and_tracker_as_they_were(signed, tmp_path):
    state = signed.copy(tmp_path / "full")
    shutil.rmtree(state.place / "tracker backups")
    rows = action_rows(state.tracker)
    type_into_tracker(state.tracker, {}, {rows[3]["Action id"]: {"Notes": "Discussed with the team"}})
    before = {p: p.read_bytes() for p in (state.register, state.tracker)}
    view = register_view(state.register)  # what it holds (its free pages may differ after a run undone)
    tracker_size, register_size = (p.stat().st_size for p in (state.tracker, state.register))
    # too small for the lock, the tracker, the register's journal; and for the register's last pages, which are
    # written when it commits, after the new tracker has taken the old one's place
    limits = [40, tracker_size // 2, register_size // 3, register_size * 2 // 3, register_size - 4096]
    for limit in limits:
        failed = limited_consolidate(state, limit)
        said = " ".join((failed.stdout + failed.stderr).split())
        assert failed.returncode == 2, (limit, said)
        assert "Error:" in said and ("free some space on" in said or "could not be written" in said
                                     or "could not be read or written" in said), (limit, said)
        for wrong in ("fault in auditdocs", "Nothing was half-written", "cannot rollback", "Traceback"):
            assert wrong not in said, (limit, said)
        assert state.tracker.read_bytes() == before[state.tracker], limit
        assert register_view(state.register) == view, limit
        assert left_behind(state) == [], (limit, left_behind(state))
    done = state.consolidate()  # at once: no lock left to wait for
    assert "being updated by" not in done.output
    assert any(row["Notes"] == "Discussed with the team" for row in action_rows(state.tracker))


@contextmanager
def small_disk(folder: Path, size: int):
    """`folder` a file system of its own of `size` bytes (a tmpfs), where this user may mount one."""
    folder.mkdir()
    if os.name != "posix" or shutil.which("mount") is None or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True).returncode:
        pytest.skip("a small file system cannot be mounted here (only where root may mount one)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@ON_POSIX
def test_a_full_disk_names_the_folder_to_free_space_on(signed, tmp_path):
    """The same as above on a disk that is really full (No space left on device), where one can be made."""
    register_size, tracker_size = signed.register.stat().st_size, signed.tracker.stat().st_size
    used = register_size + tracker_size
    for n, room in enumerate((48 * 1024, tracker_size // 2, tracker_size + 96 * 1024)):
        with small_disk(tmp_path / f"disk {n}", used + room) as disk:
            state = Signed(disk, signed.forms, signed.signed, signed.actions, signed.files)
            shutil.copy2(signed.register, state.register)
            shutil.copy2(signed.tracker, state.tracker)
            view = register_view(state.register)
            rows = action_rows(state.tracker)
            type_into_tracker(state.tracker, {}, {rows[3]["Action id"]: {"Notes": "Discussed with the team"}})
            before = state.tracker.read_bytes()
            said = " ".join(auditdocs("consolidate", signed.place / "returned", "--tracker", state.tracker,
                                      "--register", state.register, code=2).output.split())
            assert f"free some space on {disk}".lower() in said.lower(), (room, said)
            assert "Nothing was half-written" not in said and "fault in auditdocs" not in said
            assert state.tracker.read_bytes() == before, room
            assert register_view(state.register) == view, room
            assert sorted(p.name for p in disk.iterdir() if p.is_file()) in (
                ["register.sqlite", "tracker.xlsx"], ["register.sqlite", "register.sqlite-journal", "tracker.xlsx"])


@ON_POSIX
def test_a_run_that_cannot_write_its_lock_leaves_none_to_hold_up_the_next(signed, tmp_path):
    state = signed.copy(tmp_path / "lock")
    shutil.rmtree(state.place / "tracker backups")
    failed = limited_consolidate(state, 10)  # the lock's few bytes cannot be written whole
    said = " ".join(failed.stderr.split())
    assert failed.returncode == 2, said
    assert f"cannot lock the register {state.register}" in said and "free some space on" in said, said
    assert not lock_path(state.register).exists()
    assert left_behind(state) == []
    again = state.consolidate()
    assert "being updated by" not in again.output and "starting" not in again.output


# ---- 3. the person's situation, not a fault of auditdocs ------------------------------------------------------------


def damage(register: Path) -> None:
    """Pages in the middle of the register overwritten, as a failing disk or a bad copy leaves them."""
    data = bytearray(register.read_bytes())
    for at in range(4096, 4096 * 40, 5):
        data[at] ^= 0x33
    register.write_bytes(bytes(data))


def test_a_damaged_register_says_so_and_rebuild_remakes_it(signed, tmp_path):
    state = signed.copy(tmp_path / "damaged")
    damage(state.register)
    for command in (["status", "--month", "2026-11"], ["register", "check", "--forms", state.forms]):
        said = auditdocs(*command, "--register", state.register, code=2).output
        assert f"the register {state.register} is damaged (database disk image is malformed)" in said, said
        assert "Run 'auditdocs register rebuild'" in said
    said = state.consolidate(code=2).output
    assert f"the register {state.register} is damaged" in said and "fault in auditdocs" not in said
    assert state.tracker.read_bytes() == signed.files["tracker.xlsx"]
    rebuilt = state.rebuild()
    assert "The one there was is kept as" in rebuilt.output
    state.consolidate()
    each_once_and_signed(state)


@contextmanager
def read_only(path: Path):
    """The file read-only for whoever runs the tests: its permissions (root's own runs ignore those, so for
    root the file is made immutable, where the file system allows it)."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        yield
        return
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)]).returncode != 0:
        pytest.skip("root's runs ignore a file's permissions, and this file system cannot make a file immutable")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@ON_POSIX
def test_a_read_only_register_says_so(signed, tmp_path):
    state = signed.copy(tmp_path / "read only")
    before = state.register.read_bytes()
    with read_only(state.register):
        said = " ".join(state.consolidate(code=2).output.split())
    assert f"the register {state.register} is read-only" in said and "Make the file and its folder writable" in said
    assert "fault in auditdocs" not in said
    assert state.register.read_bytes() == before
    assert state.tracker.read_bytes() == signed.files["tracker.xlsx"]


@pytest.mark.parametrize("option", [("--month", "9999-12"), ("--month", "0001-01"), ("--on", "31/12/9999"),
                                    ("--on", "01/01/0001")])
def test_dates_and_months_out_of_range_are_refused_not_changed(signed, option):
    name, value = option
    said = auditdocs("status", name, value, "--register", signed.register, code=2).output
    assert f"Invalid value for '{name}': '{value}': the year {int(value[-4:] if name == '--on' else value[:4])} " \
           "is not one auditdocs can work with: give a year from 1900 to 2100" in said, said
    report = auditdocs("report", "--month", "9999-12", "--register", signed.register, "--out", signed.place / "r",
                       code=2).output
    assert "the year 9999 is not one auditdocs can work with" in report


# ---- 4. a workspace moved or copied ---------------------------------------------------------------------------------


def workspace_month(folder: Path, library, monkeypatch, returned: int = 8) -> Path:
    """A workspace with the sample month made in it, `returned` of its forms come back and consolidated."""
    auditdocs("init", folder)
    monkeypatch.chdir(folder)
    auditdocs("generate", "--data", LIST, "--month", MONTH)
    filled = fill_month(folder / "forms" / MONTH, folder.parent / "filled", library)
    for path in filled[:returned]:
        target = folder / "returned" / path.relative_to(folder.parent / "filled")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    auditdocs("consolidate", code=None)
    return folder


def as_auditdocs_3_left_it(register: Path) -> None:
    """The register as an auditdocs of schema 3 kept it: every path whole (absolute)."""
    import json
    import sqlite3

    from auditdocs.register import places

    base = places.base_of(register)
    db = sqlite3.connect(register, isolation_level=None)
    for (folder,) in db.execute("SELECT DISTINCT folder FROM files").fetchall():
        db.execute("UPDATE files SET folder = ? WHERE folder = ?", (places.placed(folder, base), folder))
    for aid, files in db.execute("SELECT audit_id, files FROM audits").fetchall():
        db.execute("UPDATE audits SET files = ? WHERE audit_id = ?",
                   (json.dumps([places.placed(f, base) for f in json.loads(files)]), aid))
    for (path,) in db.execute("SELECT path FROM trackers").fetchall():
        db.execute("UPDATE trackers SET path = ? WHERE path = ?", (places.placed(path, base), path))
    db.execute("DROP TABLE learning_log")  # and without what schemas 6 to 9 added
    db.execute("ALTER TABLE files DROP COLUMN stat")
    db.execute("DROP TABLE theme_tags")
    db.execute("DROP INDEX audits_activity")
    for column in ("activity", "activity_type", "counts_toward_ten", "audit_group"):
        db.execute(f"ALTER TABLE audits DROP COLUMN {column}")
    db.execute("PRAGMA user_version = 3")
    db.close()


def no_path_of(folder: Path, tracker: Path) -> None:
    """No cell of any sheet of the tracker (hidden columns and About included) holds a path of `folder`."""
    wb = openpyxl.load_workbook(tracker, read_only=True)
    try:
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                for value in row:
                    assert not (isinstance(value, str) and str(folder) in value), (ws.title, value)
    finally:
        wb.close()


@pytest.mark.parametrize("made_by", ["this auditdocs", "auditdocs 3"])
def test_a_workspace_copied_to_another_folder_keeps_working(tmp_path, library, monkeypatch, made_by):
    old = workspace_month(tmp_path / "old laptop" / "Case file audits", library, monkeypatch)
    register = old / "register" / "auditdocs.sqlite"
    if made_by == "auditdocs 3":
        as_auditdocs_3_left_it(register)
        auditdocs("status", "--month", MONTH, code=None)  # opened where it is: migrated
    assert str(old) not in "\n".join(sqlite3_dump(register))
    no_path_of(tmp_path, old / "tracker" / "Audit tracker.xlsx")
    new = tmp_path / "new laptop" / "Audits"
    shutil.copytree(old, new)
    shutil.rmtree(old)
    monkeypatch.chdir(new)
    checked = auditdocs("register", "check", code=0)
    assert "agrees with the forms, the returned forms and the tracker" in checked.output, checked.output
    auditdocs("consolidate", code=None)
    no_path_of(old, new / "tracker" / "Audit tracker.xlsx")
    auditdocs("register", "check", code=0)


def sqlite3_dump(register: Path) -> list[str]:
    import sqlite3

    db = sqlite3.connect(register)
    try:
        return list(db.iterdump())
    finally:
        db.close()


@needs_soffice
def test_finalise_month_works_in_a_workspace_copied_elsewhere(tmp_path, library, monkeypatch):
    old = workspace_month(tmp_path / "old" / "Case file audits", library, monkeypatch, returned=3)
    new = tmp_path / "new" / "Case file audits"
    shutil.copytree(old, new)
    shutil.rmtree(old)
    monkeypatch.chdir(new)
    done = auditdocs("finalise", "--month", MONTH, "--out", new / "finalised", code=None)
    assert "no longer at" not in done.output, done.output
    made = sorted((new / "finalised").glob("*.pdf"))
    assert made and all(p.stat().st_size for p in made), done.output
