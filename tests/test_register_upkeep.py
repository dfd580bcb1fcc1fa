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

import csv
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
from allocate_year import write_auditors, write_cases, year_register
from click.testing import CliRunner
from helpers import ROOT, SAMPLES, SPECS

from auditdocs.allocate.allocation_list import read_allocations
from auditdocs.cli import cli
from auditdocs.consolidate.run import KILL_AT
from auditdocs.demo import invent_answers
from auditdocs.domain import cycle
from auditdocs.forms.docx.fill import fill_docx
from auditdocs.register import open_register
from auditdocs.register.lock import lock_path
from auditdocs.report.figures import report_figures
from auditdocs.report.make import audits_for
from auditdocs.report.period import month_period
from auditdocs.report.settings import ReportSettings
from auditdocs.returns.read import read_form

LIST = SAMPLES / "allocations_2026-11.csv"
MONTH = "2026-11"
GRADES = ["outstanding", "good", "ri_good_practice", "requires_improvement", "inadequate"]
INCOMPLETE_EVERY = 9
DATA_SHEETS = ("Audits", "Answers", "Judgements", "Actions", "Exceptions")
ON_POSIX = pytest.mark.skipif(os.name != "posix", reason="kills a run with SIGKILL")


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
        spec = library.get(allocation.form_id)
        answers, tables = invent_answers(spec, allocation, rng, GRADES[n % len(GRADES)],
                                         incomplete=n % INCOMPLETE_EVERY == 4)
        answers.pop(spec.roles.get("grade_after_moderation"), None)  # moderation comes later
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

    def hand_in(self, forms: list[Path], returned: Path) -> None:
        """Filled-in forms come back: copied into `returned`, in their auditors' folders."""
        for path in forms:
            target = returned / path.relative_to(self.folder / "filled")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)


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
class Place:
    """A test's folder: its register and tracker, and its returned forms."""

    place: Path

    @property
    def register(self) -> Path:
        return self.place / "register.sqlite"

    @property
    def tracker(self) -> Path:
        return self.place / "tracker.xlsx"


@dataclass
class Killing(Place):
    """A month half consolidated, a manager's entries typed into its tracker, and the other half returned since:
    the state a run starts from (`restore`), and what an uninterrupted run makes of it."""

    before: dict[str, bytes]  # file name -> its bytes, before the run
    before_view: dict
    after_view: dict  # after a run never interrupted (no times)
    after_sheets: dict

    def restore(self) -> None:
        for name, data in self.before.items():
            (self.place / name).write_bytes(data)
        for leftover in (self.register.with_name("register.sqlite-journal"), lock_path(self.register)):
            leftover.unlink(missing_ok=True)
        for temporary in self.place.glob(".~auditdocs-*"):
            temporary.unlink()
        shutil.rmtree(self.place / "tracker backups", ignore_errors=True)


def type_into_tracker(tracker: Path, audits: dict[str, dict], actions: dict[str, dict]) -> None:
    """A person's entries on the Audits and Actions sheets (row key -> heading -> value), saved as openpyxl saves."""
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
    month.hand_in(month.returned[:30], returned)
    auditdocs("consolidate", returned, "--tracker", place / "tracker.xlsx", "--register", place / "register.sqlite",
              code=1)  # the incomplete forms need attention
    sheet = audits_sheet(place / "tracker.xlsx")
    incomplete = next(aid for aid, row in sheet.items() if row["Status"] == "incomplete")
    action = sheet_values(place / "tracker.xlsx", ("Actions",))["Actions"][1][0]
    type_into_tracker(place / "tracker.xlsx", {incomplete: {"Sent back on": dt.datetime(2026, 12, 1)}},
                      {action: {"Status": "Done", "Completed on": dt.datetime(2026, 12, 1),
                                "Notes": "Seen in supervision"}})
    month.hand_in(month.returned[30:], returned)
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
    assert not list(state.place.glob(".register.sqlite.lock-*"))  # nor the lock's draft,
    assert not list(state.place.glob(".~auditdocs-*"))  # nor a new tracker the killed run had begun
    assert register_view(state.register, times=False) == state.after_view
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


KILLED_AT = (
    "lock taken",  # as soon as the lock file is there
    "reading",  # while its worker processes read the forms
    "first write",  # as soon as it writes to the register (its journal is there)
    "planned",  # the run kills itself (KILL_AT) when the tracker's rows are made
    "recorded tracker",  # ... when the new tracker is whole and recorded, but not yet in place
)


@ON_POSIX
@pytest.mark.parametrize("stop", KILLED_AT)
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
    if stop == "recorded tracker":
        assert list(killing.place.glob(".~auditdocs-tracker-*.xlsx"))  # the new tracker, never put in place
    run_again_gives_an_uninterrupted_run(killing, stale_lock=True)


@ON_POSIX
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


@ON_POSIX
@pytest.mark.parametrize("delay", [1.3, 2.2])
def test_a_run_killed_at_any_moment_is_undone_or_whole(killing, delay):
    """Killed at a moment chosen beforehand: the run had not finished (the register and the tracker as they were,
    or at worst in the instant above), or it had."""
    killing.restore()
    run = start_consolidate(killing.place)
    time.sleep(delay)
    kill(run)
    locked = lock_path(killing.register).exists()
    if register_view(killing.register) == killing.before_view:  # undone
        if killing.tracker.read_bytes() != killing.before["tracker.xlsx"]:  # (the instant above)
            assert sheet_values(killing.tracker) == killing.after_sheets
    else:  # whole: it had committed
        assert register_view(killing.register, times=False) == killing.after_view
        assert sheet_values(killing.tracker) == killing.after_sheets
    run_again_gives_an_uninterrupted_run(killing, stale_lock=locked)



# ---- generate records what it makes ---------------------------------------------------------------------------------


def manifest_lines(folder: Path) -> list[dict[str, str]]:
    with open(folder / "manifest.csv", newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def test_generate_records_every_audit_it_makes_and_a_second_run_adds_nothing(month, library):
    allocations = read_allocations(LIST, library, month=dt.date(2026, 11, 1)).allocations
    made = {line["Audit id"]: line for line in manifest_lines(month.forms)}
    with open_register(month.register) as reg:
        recorded = {a.audit_id: a for a in reg.audits()}
    assert set(recorded) == {a.audit_id for a in allocations} == set(made) and len(recorded) == 60
    for allocation in allocations:
        audit, line = recorded[allocation.audit_id], made[allocation.audit_id]
        values = allocation.values
        spec = library.get(allocation.form_id)
        assert (audit.form_id, audit.form_version) == (spec.id, spec.version) == (line["Form"], int(line["Version"]))
        assert audit.subject == values  # every detail of the list, as the form shows them
        assert (audit.case_number, audit.auditor, audit.team, audit.audit_type) == (
            values["case_number"], values["auditor"], values.get("team", ""), values.get("audit_type", ""))
        assert (audit.month, audit.due) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
        assert audit.files == [str((month.forms / line["File"]).resolve())] and Path(audit.files[0]).is_file()
        assert audit.source == "generate" and not audit.returns and not audit.events
    before = register_view(month.register, times=False)
    again = auditdocs("generate", "--data", LIST, "--month", MONTH, "--out", month.forms, "--register",
                      month.register)
    assert "0 forms generated" in again.output and "60 already there" in again.output
    assert register_view(month.register, times=False) == before
    assert len(manifest_lines(month.forms)) == 60


def test_generate_keeps_what_allocate_recorded(tmp_path, library):
    returned = tmp_path / "returned"
    returned.mkdir()
    register = year_register(tmp_path / "register.sqlite", library, returned)
    write_auditors(tmp_path / "auditors.xlsx")
    write_cases(tmp_path / "cases.xlsx")
    auditdocs("allocate", "--month", MONTH, "--cases", tmp_path / "cases.xlsx", "--auditors",
              tmp_path / "auditors.xlsx", "--register", register, "--out", tmp_path / "november.xlsx",
              code=1)  # done, but a break must be moved
    with open_register(register) as reg:
        allocated = {a.audit_id: a for a in reg.audits(month=dt.date(2026, 11, 1))}
    assert all(a.source == "allocate" and a.service and a.auditor_role and not a.files for a in allocated.values())
    re_audits = [a for a in allocated.values() if a.re_audit_of]
    assert len(re_audits) == 1
    made = auditdocs("generate", "--data", tmp_path / "november.xlsx", "--out", tmp_path / "forms", "--register",
                     register)
    assert f"{len(allocated)} audits recorded in the register" in made.output
    lines = {line["Audit id"]: line for line in manifest_lines(tmp_path / "forms")}
    with open_register(register) as reg:
        generated = {a.audit_id: a for a in reg.audits(month=dt.date(2026, 11, 1))}
    assert set(generated) == set(allocated) == set(lines)
    for aid, audit in generated.items():
        before = allocated[aid]
        assert (audit.source, audit.auditor_role, audit.service, audit.re_audit_of) == (
            "allocate", before.auditor_role, before.service, before.re_audit_of)
        assert audit.subject == before.subject and (audit.month, audit.due) == (before.month, before.due)
        assert audit.files == [str((tmp_path / "forms" / lines[aid]["File"]).resolve())]
    auditdocs("generate", "--data", tmp_path / "november.xlsx", "--out", tmp_path / "forms", "--register", register)
    with open_register(register) as reg:
        assert {a.audit_id: (a.files, a.source, a.re_audit_of) for a in reg.audits(month=dt.date(2026, 11, 1))} == {
            aid: (a.files, a.source, a.re_audit_of) for aid, a in generated.items()}


# ---- forms made before the register: import, check, rebuild ----------------------------------------------------------


@dataclass
class Older(Place):
    """A month whose forms were made before there was a register (a manifest written on Windows), imported."""

    held_back: str  # the audit whose form has not come back
    original: Path  # a copy of the register before it was rebuilt
    typed_action: str  # the action a manager marked Done in the tracker
    sent_back: str  # the audit a QA officer typed a 'Sent back on' date for

    def check(self, code: int):
        return auditdocs("register", "check", "--forms", self.place / "forms", "--returned", self.place / "returned",
                         "--tracker", self.tracker, "--register", self.register, code=code)


def as_windows_wrote_it(manifest: Path) -> None:
    """The manifest as generate wrote it on Windows: paths with backslashes, lines ending CR LF, a BOM."""
    lines = manifest_lines(manifest.parent)
    with open(manifest, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.DictWriter(fh, list(lines[0]))
        writer.writeheader()
        writer.writerows({**line, "File": line["File"].replace("/", "\\")} for line in lines)


@pytest.fixture(scope="module")
def older(month, library) -> Older:
    place = month.folder / "older"
    made = auditdocs("generate", "--data", LIST, "--month", MONTH, "--out", place / "forms")
    assert "these audits are not recorded" in made.output and "'auditdocs register import' can add" in made.output
    assert not (place / "register.sqlite").exists()
    as_windows_wrote_it(place / "forms" / "manifest.csv")
    imported = auditdocs("register", "import", place / "forms", "--register", place / "register.sqlite")
    assert "Read 1 manifest: 60 audits added" in imported.output, imported.output
    held_back = month.returned[-1]
    month.hand_in(month.returned[:-1], place / "returned")
    state = Older(place, next(aid for aid in {a.audit_id for a in read_allocations(LIST, library).allocations}
                              if aid in held_back.name), place / "original.sqlite", "", "")
    auditdocs("consolidate", place / "returned", "--tracker", state.tracker, "--register", state.register, code=1)
    sheet = audits_sheet(state.tracker)
    state.sent_back = next(aid for aid, row in sheet.items() if row["Status"] == "incomplete")
    state.typed_action = sheet_values(state.tracker, ("Actions",))["Actions"][3][0]
    type_into_tracker(state.tracker, {state.sent_back: {"Sent back on": dt.datetime(2026, 12, 1)}},
                      {state.typed_action: {"Status": "Done", "Completed on": dt.datetime(2026, 12, 2),
                                            "Notes": "Checked with the social worker"}})
    auditdocs("consolidate", place / "returned", "--tracker", state.tracker, "--register", state.register, code=1)
    shutil.copy2(state.register, state.original)  # as it was before any rebuild
    return state


def test_forms_made_before_the_register_are_imported_from_their_manifest(older, month):
    with open_register(older.register) as reg:
        imported = {a.audit_id: a for a in reg.audits()}
    with open_register(month.register) as reg:
        generated = {a.audit_id: a for a in reg.audits()}
    lines = {line["Audit id"]: line for line in manifest_lines(older.place / "forms")}
    assert set(imported) == set(generated) == set(lines)
    for aid, audit in imported.items():
        made = generated[aid]
        assert audit.source == "manifest"
        assert (audit.form_id, audit.form_version, audit.month, audit.due) == (
            made.form_id, made.form_version, made.month, made.due)
        assert audit.subject == {k: v for k, v in made.subject.items() if v}  # read from the forms themselves
        assert audit.files == [str(older.place / "forms" / lines[aid]["File"].replace("\\", "/"))]
    again = auditdocs("register", "import", older.place / "forms", "--register", older.register)
    assert "0 audits added" in again.output and "60 already in it" in again.output


def test_register_check_agrees_with_the_files_and_the_tracker_and_lists_each_difference(older, library):
    agrees = older.check(code=0)
    assert "agrees with the forms, the returned forms and the tracker" in agrees.output
    with open_register(older.register) as reg:
        unreturned = reg.audit(older.held_back)
    form = Path(unreturned.files[0])  # a form made, gone from the folders
    amended = next((older.place / "returned").rglob("*.docx"))  # a returned file the register has not seen
    saved = {path: path.read_bytes() for path in (form, amended, older.tracker)}
    form.unlink()
    record = read_form(amended, library)
    amended.write_bytes(fill_docx(saved[amended], {next(iter(record.answers)): "Amended after the audit."}))
    actions = sheet_values(older.tracker, ("Actions",))["Actions"]
    type_into_tracker(older.tracker, {}, {actions[5][0]: {"Notes": "Discussed at the team meeting"}})
    wb = openpyxl.load_workbook(older.tracker)
    gone = wb["Audits"].cell(3, 1).value  # a row of the Audits sheet deleted
    wb["Audits"].delete_rows(3)
    wb.save(older.tracker)
    try:
        found = older.check(code=1)
        assert f"{older.held_back}: the form made for it ({form}) is no longer there" in found.output
        assert f"{amended} has come back but is not in the register yet: run 'auditdocs consolidate'" in found.output
        assert f"1 audit in the register is not on the tracker yet ({gone})" in found.output, found.output
        assert "rows of the tracker were changed since the register last read it (1:" in found.output
        assert "4 differences between the register" in found.output
    finally:
        for path, data in saved.items():
            path.write_bytes(data)
    older.check(code=0)


def status_json(register: Path, folder: Path) -> dict:
    out = folder / f"{register.stem} status.json"
    auditdocs("status", "--month", MONTH, "--on", "10/12/2026", "--json", out, "--register", register, code=None)
    return json.loads(out.read_text(encoding="utf-8"))


def test_register_rebuild_remakes_it_from_the_manifests_the_returned_forms_and_the_tracker(older, tmp_path):
    tracker_before = older.tracker.read_bytes()
    rebuilt = auditdocs("register", "rebuild", "--forms", older.place / "forms", "--returned",
                        older.place / "returned", "--tracker", older.tracker, "--register", older.register)
    assert "From 1 manifest: 60 audits." in rebuilt.output and "From the returned forms: 59 files" in rebuilt.output
    kept = next(older.place.glob("register before rebuild *.sqlite"))
    assert f"The one there was is kept as {kept}" in rebuilt.output
    assert older.tracker.read_bytes() == tracker_before  # read, not changed
    assert register_view(kept) == register_view(older.original)

    assert status_json(older.register, tmp_path) == status_json(older.original, tmp_path)
    with open_register(older.register) as reg:
        action = next(a for audit in reg.audits() for a in audit.actions if a.action_id == older.typed_action)
        sent_back = reg.audit(older.sent_back).events_of("sent_back")
    assert (action.status, action.done_on) == ("Done", dt.date(2026, 12, 2))  # the manager's columns, read back
    assert action.columns["Actions"]["Notes"] == "Checked with the social worker"
    assert [e.on for e in sent_back] == [dt.date(2026, 12, 1)]
    trackers = {}
    for name, register in (("rebuilt", older.register), ("original", older.original)):
        tracker = tmp_path / f"{name}.xlsx"
        tracker.write_bytes(tracker_before)
        auditdocs("consolidate", older.place / "returned", "--tracker", tracker, "--register", register, code=1)
        trackers[name] = sheet_values(tracker)
    assert trackers["rebuilt"] == trackers["original"]


# ---- a moderated form returned: the final grade in the tracker and the report ---------------------------------------


def report(register: Path, library):
    """The report's figures for the month, as `auditdocs report` works them out (without writing the report)."""
    period = month_period(MONTH)
    with open_register(register) as reg:
        return report_figures(audits_for(reg, period, library, ReportSettings()), period, library, dt.date.today())


@dataclass
class Moderated(Place):
    grades: dict[str, tuple[str, str]]  # audit id -> (the auditor's grade, the grade after moderation)
    waiting: list[str]  # chosen, their copies not back yet
    overall_changed: str  # the audit whose moderator changed the auditor's grade too


@pytest.fixture(scope="module")
def moderated(month, library) -> Moderated:
    place = month.place("moderated")
    month.hand_in(month.returned[:-2], place / "returned")  # two audits not back yet
    register, tracker = place / "register.sqlite", place / "tracker.xlsx"
    auditdocs("consolidate", place / "returned", "--tracker", tracker, "--register", register, code=1)
    auditdocs("moderation", "select", "--month", MONTH, "--moderators", SAMPLES / "moderators.xlsx", "--share", "25",
              "--register", register, code=None)  # 1: some forms cannot be moderated
    auditdocs("moderation", "forms", "--month", MONTH, "--out", place / "moderation", "--register", register)
    with open_register(register) as reg:
        chosen = {a.audit_id: a for a in reg.moderation()}
    copies = {aid: next((place / "moderation").rglob(f"*{aid}.docx")) for aid in chosen}
    grades, waiting = {}, []  # one moderated down, one up, one the same; the others not back yet
    for aid, copy in sorted(copies.items()):
        audit = chosen[aid]
        spec = library.get(audit.form_id, audit.form_version)
        scale = [o.label for o in spec.field_with_role("grade_after_moderation").scale.options]  # best first
        given = cycle.overall_grade(spec, audit.current.record).label
        moves = [move for _, (move, _) in grades.items()]
        if "down" not in moves and given != scale[-1]:
            grades[aid] = ("down", (given, scale[-1]))
        elif "up" not in moves and given != scale[0]:
            grades[aid] = ("up", (given, scale[scale.index(given) - 1]))
        elif "same" not in moves:
            grades[aid] = ("same", (given, given))
        elif "overall changed" not in moves and given != scale[-1]:
            grades[aid] = ("overall changed", (given, scale[-1]))
        else:
            waiting.append(aid)
            continue
        answers = {spec.roles["grade_after_moderation"]: grades[aid][1][1]}
        if grades[aid][0] == "overall changed":  # the moderator changed the auditor's grade too (their editor let them)
            answers[spec.roles["overall_grade"]] = scale[-1]
        copy.write_bytes(fill_docx(copy.read_bytes(), answers))
    assert {move for move, _ in grades.values()} == {"up", "down", "same", "overall changed"} and waiting, grades
    back = auditdocs("consolidate", place / "moderation", "--tracker", tracker, "--register", register, code=1)
    assert f"Read {len(copies)} files" in back.output, back.output
    # a copy changed outside its moderation part cannot be told from another version: the QA officer is told,
    # checks it, and takes the newer file
    assert "1 audit came in twice with different answers" in back.output, back.output
    auditdocs("consolidate", place / "moderation", "--prefer-newer", "--tracker", tracker, "--register", register,
              code=1)  # the file not taken is still listed
    overall_changed = next(aid for aid, (move, _) in grades.items() if move == "overall changed")
    return Moderated(place, {aid: pair for aid, (_, pair) in grades.items()}, waiting, overall_changed)


def test_a_moderated_form_returned_becomes_the_final_grade_in_the_tracker_and_the_report(moderated, library):
    sheet = audits_sheet(moderated.tracker)
    changed = {"up": "Up", "down": "Down", "same": "Same"}
    for aid, (given, after) in moderated.grades.items():
        row = sheet[aid]
        assert (row["Overall grade"], row["Grade after moderation"]) == (given, after), row
        move = "same" if given == after else "down" if after == "Inadequate" else "up"  # (down: to Inadequate)
        assert (row["Selected for moderation"], row["Changed"]) == ("Yes", changed[move])
        assert isinstance(row["Moderated on"], dt.datetime) and row["Moderator"]
        if after == "Inadequate" and given != "Inadequate":  # the final grade is Inadequate: its follow-up is due
            assert row["Review meeting due"] and row["Re-audit due"]
        if given == "Inadequate" and after != "Inadequate":
            assert row["Review meeting due"] is None and row["Re-audit due"] is None
    for aid in moderated.waiting:
        assert sheet[aid]["Selected for moderation"] == "Yes" and sheet[aid]["Grade after moderation"] is None
    figures = report(moderated.register, library)
    rows = {r.audit: r for r in figures.audit_rows}
    for aid, (given, after) in moderated.grades.items():
        assert (rows[aid].overall_grade, rows[aid].grade_after_moderation, rows[aid].grade) == (given, after, after)
    changes = figures.grades.changes
    assert (changes.moderated, changes.up, changes.down, changes.unchanged) == (4, 1, 2, 1)
    assert figures.moderation.selected == len(moderated.grades) + len(moderated.waiting)
    assert figures.moderation.moderated == 4

    # the month's returned forms and the moderators' read together again: the moderated versions stay in use, and
    # the versions the moderators were given are not taken for duplicates of them (but for the one changed outside
    # its moderation part, which stays on the Exceptions sheet until the QA officer moves the other file away)
    again = auditdocs("consolidate", moderated.place / "returned", moderated.place / "moderation", "--tracker",
                      moderated.tracker, "--register", moderated.register, code=1)
    assert "1 audit came in twice with different answers" in again.output, again.output
    assert audits_sheet(moderated.tracker) == sheet
    exceptions = sheet_values(moderated.tracker, ("Exceptions",))["Exceptions"]
    assert {aid for row in exceptions for aid in moderated.grades if aid in row} == {moderated.overall_changed}


def test_the_reports_figures_are_the_trackers(moderated, library):
    """Counted from the tracker's Audits and Actions sheets, and from the report's figures, on the same register."""
    sheet = audits_sheet(moderated.tracker)
    actions = sheet_values(moderated.tracker, ("Actions",))["Actions"]
    figures = report(moderated.register, library)
    label = {b.value: b.label for b in figures.grades.bands}
    complete = [row for row in sheet.values() if row["Status"] == "complete"]
    final = Counter(row["Grade after moderation"] or row["Overall grade"] for row in complete)
    assert {label[v]: n for v, n in figures.grades.this_period.counts.items() if n} == dict(final)
    assert figures.inadequate.this_period == final["Inadequate"]
    moved = Counter(row["Changed"] for row in complete if row["Changed"])
    changes = figures.grades.changes
    assert (changes.up, changes.down, changes.unchanged) == (moved["Up"], moved["Down"], moved["Same"])
    assert Counter(r.stands for r in figures.audit_rows) == Counter(row["State"] for row in sheet.values())
    total = figures.completion.total
    assert (figures.audits, total.allocated) == (len(sheet), len(sheet)) == (60, 60)
    assert total.returned == sum(1 for row in sheet.values() if row["Returned"]) == 58
    assert total.not_returned == sum(1 for row in sheet.values() if row["Status"] == "not returned") == 2
    assert total.late == sum(1 for row in sheet.values() if row["Returned"] and row["Returned"] > row["Due"])
    heading = actions[0]
    done = Counter(dict(zip(heading, row))["Status"] for row in actions[1:])
    assert figures.actions.total.raised == len(actions) - 1 and figures.actions.total.done == done["Done"] + done[
        "No longer needed"]
