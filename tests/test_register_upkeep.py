"""The register kept whole and in step with the files, through real files and the real commands.

A month of real forms: `auditdocs generate` makes the sample month's 60 Word forms (recorded in the
register), auditors' answers are filled in (`demo.invent_answers`, every grade, some incomplete), and
every step after that is the `auditdocs` command itself (click's CliRunner), or the command in a process
of its own where that process is killed halfway.

- a consolidation killed anywhere leaves the register and the tracker as they were, its lock is taken
  over with a message, and the next run gives what a run never interrupted gives (issue 11, item 7);
- `generate` records every audit it makes, with what `allocate` recorded kept (item 1);
- `register import`, `register check` and `register rebuild` (item 7);
- a moderated form returned becomes the audit's final grade in the tracker and the report (issue 13), and
  the report's figures are the tracker's.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import ROOT, SAMPLES, SPECS

from auditdocs.allocation import read_allocations
from auditdocs.cli import cli
from auditdocs.consolidation.run import KILL_AT
from auditdocs.demo import invent_answers
from auditdocs.forms.docx.fill import fill_docx
from auditdocs.register import open_register
from auditdocs.register.lock import lock_path

LIST = SAMPLES / "allocations_2026-11.csv"
MONTH = "2026-11"
GRADES = ["outstanding", "good", "ri_good_practice", "requires_improvement", "inadequate"]
INCOMPLETE_EVERY = 9
DATA_SHEETS = ("Audits", "Answers", "Judgements", "Actions", "Exceptions")


def auditdocs(*args, code: int | None = 0):
    """The `auditdocs` command, run here; `code`: the exit code it must give (None: any)."""
    result = CliRunner().invoke(cli, ["--specs", str(SPECS), *map(str, args)])
    if code is not None:
        assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    return result


def fill_month(forms: Path, returned: Path, library, seed: int = 11) -> list[Path]:
    """Every form under `forms` filled in as its auditor would, into the same place under `returned`."""
    allocations = {a.audit_id: a for a in read_allocations(LIST, library).allocations}
    rng = random.Random(seed)
    out = []
    for n, path in enumerate(sorted(forms.rglob("*.docx"))):
        allocation = next(a for aid, a in allocations.items() if aid in path.name)
        answers, tables = invent_answers(library.get(allocation.form_id), allocation, rng, GRADES[n % len(GRADES)],
                                         incomplete=n % INCOMPLETE_EVERY == 4)
        target = returned / path.relative_to(forms)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(fill_docx(path.read_bytes(), answers, tables))
        out.append(target)
    return out


def sheet_values(tracker: Path, sheets=DATA_SHEETS) -> dict[str, list[tuple]]:
    """Every cell value of the tracker's data sheets, row by row."""
    wb = openpyxl.load_workbook(tracker, read_only=True)
    try:
        return {name: [tuple(row) for row in wb[name].iter_rows(values_only=True)] for name in sheets}
    finally:
        wb.close()


def audits_sheet(tracker: Path) -> dict[str, dict[str, object]]:
    """The Audits sheet: audit id -> heading -> value."""
    rows = sheet_values(tracker, ("Audits",))["Audits"]
    return {row[0]: dict(zip(rows[0], row)) for row in rows[1:] if row[0]}


def register_view(path: Path, *, times: bool = True) -> dict:
    """What the register holds, through its API: every audit with its versions returned, events, actions and
    tracker columns, the Exceptions rows and the files that are no audit. `times=False` leaves out when each
    thing was recorded or seen (a run's own clock)."""

    def when(value):
        return value if times else None

    with open_register(path) as reg:
        audits = []
        for a in reg.audits():
            audits.append({
                "allocation": (a.audit_id, a.form_id, a.form_version, a.subject, a.month, a.due, a.source,
                               sorted(a.files), a.auditor_role, a.service, a.re_audit_of, when(a.recorded), a.chosen),
                "returns": [(r.content_hash, r.status, r.folder, r.path, sorted(r.places), when(r.first_seen),
                             when(r.last_seen), r.check, r.record.as_dict()) for r in a.returns],
                "events": [(e.kind, e.on, e.who, e.agreed_by, e.agreed_role, e.reason, e.details, when(e.recorded))
                           for e in a.events],
                "actions": [dataclasses.astuple(action) for action in a.actions],
                "columns": a.columns,
            })
        return {"audits": audits, "exceptions": reg.exceptions(),
                "unidentified": [(r.content_hash, r.folder, r.path) for r in reg.unidentified()]}


@dataclass
class Month:
    folder: Path
    forms: Path  # as generate made them
    returned: list[Path]  # every form filled in, under folder / "filled"
    register: Path  # after generate: every audit allocated, nothing returned

    def place(self, name: str) -> Path:
        """A folder of a test's own, with a copy of the register as generate left it."""
        folder = self.folder / name
        folder.mkdir()
        shutil.copy2(self.register, folder / "register.sqlite")
        return folder


@pytest.fixture(scope="module")
def month(tmp_path_factory, library) -> Month:
    folder = tmp_path_factory.mktemp("month")
    register = folder / "generated.sqlite"
    made = auditdocs("generate", "--data", LIST, "--month", MONTH, "--out", folder / "forms", "--register", register)
    assert "60 forms generated" in made.output and "60 audits recorded in the register" in made.output
    returned = fill_month(folder / "forms", folder / "filled", library)
    assert len(returned) == 60
    return Month(folder, folder / "forms", returned, register)


# ---- a run killed halfway -----------------------------------------------------------------------------------------


def start_consolidate(place: Path, env: dict | None = None) -> subprocess.Popen:
    """`auditdocs consolidate` in a process of its own (as a person runs it)."""
    script = "from auditdocs.cli import main; main()"
    args = ["--specs", str(SPECS), "consolidate", str(place / "returned"), "--tracker", str(place / "tracker.xlsx"),
            "--register", str(place / "register.sqlite")]
    return subprocess.Popen([sys.executable, "-c", script, *args], env={**os.environ, "PYTHONPATH": str(ROOT / "src"),
                                                                         **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, run: subprocess.Popen, timeout: float = 60) -> None:
    """Until `path` exists (the run got that far), polling quickly."""
    end = time.monotonic() + timeout
    while not path.exists():
        assert run.poll() is None, f"the run ended before {path.name} appeared: {run.communicate()}"
        assert time.monotonic() < end, f"{path.name} never appeared"
        time.sleep(0.001)


def kill(run: subprocess.Popen) -> None:
    run.send_signal(signal.SIGKILL)
    run.communicate(timeout=60)  # reaped: its process id is no longer running


@dataclass
class Killing:
    """A month half consolidated, a manager's entries typed into its tracker, and the other half returned since:
    the state a run starts from (`restore`), and what an uninterrupted run makes of it."""

    place: Path
    before: dict[str, bytes]  # file name -> its bytes, before the run
    before_view: dict
    after_view: dict  # after a run never interrupted (no times)
    after_sheets: dict

    @property
    def register(self) -> Path:
        return self.place / "register.sqlite"

    @property
    def tracker(self) -> Path:
        return self.place / "tracker.xlsx"

    def restore(self) -> None:
        for name, data in self.before.items():
            (self.place / name).write_bytes(data)
        for leftover in (self.register.with_name("register.sqlite-journal"), lock_path(self.register)):
            leftover.unlink(missing_ok=True)
        for temporary in self.place.glob(".~auditdocs-*"):
            temporary.unlink()
        shutil.rmtree(self.place / "tracker backups", ignore_errors=True)


def type_into_tracker(tracker: Path, audits: dict[str, dict], actions: dict[str, dict]) -> None:
    """A person's entries, saved the way Excel saves a workbook (here openpyxl): sheet -> row key -> heading -> value."""
    wb = openpyxl.load_workbook(tracker)
    for name, entries in (("Audits", audits), ("Actions", actions)):
        ws = wb[name]
        headings = [c.value for c in ws[1]]
        for row in ws.iter_rows(min_row=2):
            for heading, value in entries.get(row[0].value, {}).items():
                row[headings.index(heading)].value = value
    wb.save(tracker)


@pytest.fixture(scope="module")
def killing(month) -> Killing:
    place = month.place("killing")
    returned = place / "returned"
    first, second = month.returned[:30], month.returned[30:]
    for path in first:
        target = returned / path.relative_to(month.folder / "filled")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    auditdocs("consolidate", returned, "--tracker", place / "tracker.xlsx", "--register", place / "register.sqlite",
              code=1)  # the incomplete forms need attention
    sheet = audits_sheet(place / "tracker.xlsx")
    incomplete = next(aid for aid, row in sheet.items() if row["Status"] == "incomplete")
    action = sheet_values(place / "tracker.xlsx", ("Actions",))["Actions"][1][0]
    type_into_tracker(place / "tracker.xlsx", {incomplete: {"Sent back on": dt.datetime(2026, 12, 1)}},
                      {action: {"Status": "Done", "Completed on": dt.datetime(2026, 12, 1), "Notes": "Seen in supervision"}})
    for path in second:
        target = returned / path.relative_to(month.folder / "filled")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    before = {name: (place / name).read_bytes() for name in ("register.sqlite", "tracker.xlsx")}
    state = Killing(place, before, register_view(place / "register.sqlite"), {}, {})
    auditdocs("consolidate", returned, "--tracker", state.tracker, "--register", state.register, code=1)
    state.after_view, state.after_sheets = register_view(state.register, times=False), sheet_values(state.tracker)
    after = state.after_view["audits"]
    assert sum(1 for a in after if a["returns"]) == 60
    assert any(a["events"] and a["events"][0][0] == "sent_back" for a in after)  # the QA officer's entry, read back
    assert any(action[7] == "Done" for a in after for action in a["actions"])  # and the manager's
    state.restore()
    return state


def as_before(state: Killing) -> None:
    """The register and the tracker exactly as they were before the run."""
    assert register_view(state.register) == state.before_view
    assert state.tracker.read_bytes() == state.before["tracker.xlsx"]


def run_again_gives_an_uninterrupted_run(state: Killing, stale_lock: bool) -> None:
    again = auditdocs("consolidate", state.place / "returned", "--tracker", state.tracker, "--register",
                      state.register, code=1)
    if stale_lock:
        assert "was no longer running" in again.output and "taken over" in again.output, again.output
    assert not lock_path(state.register).exists()
    view = register_view(state.register, times=False)
    if view != state.after_view:
        _diff(view, state.after_view)
    assert view == state.after_view
    assert sheet_values(state.tracker) == state.after_sheets


def children(pid: int) -> list[int]:
    """The processes `pid` started (Linux)."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


KILLED_AT = {
    "lock taken": "as soon as the lock file is there",
    "reading": "while its worker processes read the forms",
    "first write": "as soon as it writes to the register (its journal is there)",
    "planned": "when the tracker's rows are made",
    "recorded tracker": "when the new tracker is whole and recorded, but not yet in place",
}


@pytest.mark.parametrize("stop", list(KILLED_AT))
def test_a_run_killed_halfway_leaves_the_register_and_tracker_as_they_were(killing, stop):
    killing.restore()
    workers = []
    if stop in ("lock taken", "first write", "reading"):
        run = start_consolidate(killing.place)
        if stop == "reading":
            if not Path(f"/proc/{run.pid}").exists():
                kill(run)
                pytest.skip("the processes a process started are found in /proc (Linux)")
            end = time.monotonic() + 60
            while not workers:
                assert run.poll() is None and time.monotonic() < end, "the forms were never read in parallel"
                workers = children(run.pid)
                time.sleep(0.001)
        else:
            wait_for(lock_path(killing.register) if stop == "lock taken" else
                     killing.register.with_name("register.sqlite-journal"), run)
        kill(run)
    else:  # a step of its own, where the run kills itself
        run = start_consolidate(killing.place, {KILL_AT: stop})
        run.communicate(timeout=120)
        assert run.returncode == -signal.SIGKILL
    assert lock_path(killing.register).exists()  # left behind by the killed run
    end = time.monotonic() + 30
    while any(running(w) for w in workers):  # the workers end with the run that started them
        assert time.monotonic() < end, f"worker processes {workers} still running after the run was killed"
        time.sleep(0.05)
    as_before(killing)
    run_again_gives_an_uninterrupted_run(killing, stale_lock=True)


def test_a_run_killed_as_its_tracker_takes_the_old_ones_place_is_made_whole_by_the_next(killing):
    """The one instant the two files are not in step: the new tracker is in place, the register's transaction not
    yet committed. The register is as it was; the tracker is the new one, and the next run reads it back as one a
    person saved, giving what a run never stopped gives."""
    killing.restore()
    run = start_consolidate(killing.place, {KILL_AT: "written"})
    run.communicate(timeout=120)
    assert run.returncode == -signal.SIGKILL
    assert register_view(killing.register) == killing.before_view
    assert sheet_values(killing.tracker) == killing.after_sheets
    run_again_gives_an_uninterrupted_run(killing, stale_lock=True)


@pytest.mark.parametrize("delay", [1.3, 2.2])
def test_a_run_killed_at_any_moment_is_undone_or_whole(killing, delay):
    """Killed at a moment chosen beforehand: the run had not finished (the register and the tracker as they were,
    or at worst in the instant above), or it had."""
    killing.restore()
    run = start_consolidate(killing.place)
    time.sleep(delay)
    finished = run.poll() is not None
    kill(run)
    locked = lock_path(killing.register).exists()
    if finished:
        assert register_view(killing.register, times=False) == killing.after_view
    else:
        assert register_view(killing.register) == killing.before_view
        if killing.tracker.read_bytes() != killing.before["tracker.xlsx"]:
            assert sheet_values(killing.tracker) == killing.after_sheets
    run_again_gives_an_uninterrupted_run(killing, stale_lock=locked)


def _diff(a, b, where=""):
    if type(a) != type(b):
        print(where, "TYPE", repr(a)[:300], "!=", repr(b)[:300]); return
    if isinstance(a, dict):
        for k in set(a) | set(b):
            if a.get(k) != b.get(k):
                _diff(a.get(k), b.get(k), f"{where}.{k}")
    elif isinstance(a, (list, tuple)) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                _diff(x, y, f"{where}[{i}]")
    elif a != b:
        print(where, repr(a)[:400], "!=", repr(b)[:400])
