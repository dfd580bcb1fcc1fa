"""A month of audits through the real commands and files, as a QA officer lives it.

`auditdocs init` makes a workspace; `auditdocs generate` makes December 2025's forms from an
allocation list written here; auditors fill them (`demo.invent_answers`, `fill_docx`, saved on a
given day as Word would stamp it) and put them in the returned folder; `auditdocs consolidate`
writes the tracker; the QA officer and the managers type into the tracker; and `auditdocs status
--json` and `auditdocs chase --out` say where each audit stands. Christmas 2025 and New Year 2026
fall inside the deadlines, so bank holidays count (a month gone by, so that every form was saved
before the run that sees it, as in life). tests/test_cycle.py has the rules themselves
over a register; here they are seen through the files and the commands.

The month is built once (`month`); each test works on its own copy of the workspace (`workspace`).
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import rewrite_parts

from auditdocs.cli import cli
from auditdocs.demo import invent_answers
from auditdocs.domain import cycle
from auditdocs.domain import model as m
from auditdocs.forms.docx.fill import fill_docx
from auditdocs.specs import load_library

DECEMBER, JANUARY = "2025-12", "2026-01"
FORM = "csc_case_file_audit"
NORTH, SOUTH = ("Team North", "Terry Madeupson"), ("Team South", "Tess Inventwell")
ANN, BO, CY = "Ann Testworth", "Bo Fictionby", "Cy Notreal"


@dataclass(frozen=True)
class Case:
    """One audit of the month: the child, the auditor and the team, and what happens to it."""

    case_number: str
    family: str
    given: str
    auditor: str
    team: tuple[str, str]  # team, team manager


#: The month's audits, by what happens to them.
CASES = {
    "waiting": Case("9912001", "Testworth", "Amelia", ANN, NORTH),  # never returned
    "by_parse": Case("9912002", "Fictionby", "Oscar", BO, NORTH),  # incomplete, sent back by parse --sent
    "by_tracker": Case("9912003", "Madeupson", "Priya", CY, SOUTH),  # incomplete, sent back in the tracker
    "actions": Case("9912004", "Notreal", "Kai", ANN, NORTH),  # complete with actions: oversight, drafts
    "exempted": Case("9912005", "Inventwell", "Isla", BO, SOUTH),  # exempted by the Assistant Director
    "exempt_wrong": Case("9912006", "Pretendon", "Noah", CY, SOUTH),  # exempted by a team manager: not valid
    "cancelled": Case("9912007", "Fakeley", "Ruby", CY, SOUTH),  # cancelled, who agreed and why
    "inadequate": Case("9912008", "Nonesuch", "Alfie", BO, NORTH),  # Inadequate, re-audited in January
    "south": Case("9912009", "Makebelieve", "Zara", CY, SOUTH),  # complete: oversight over Christmas
}
#: January 2026: the re-audit of the Inadequate audit (the same case), by another auditor.
JANUARY_CASES = {"re_audit": Case(CASES["inadequate"].case_number, "Nonesuch", "Alfie", ANN, NORTH)}
ALL_CASES = {**CASES, **JANUARY_CASES}
#: The forms back in the first round, as `Workspace.fill` is told to fill them (saved on: the day).
FIRST_ROUND = {
    "by_parse": {"saved": dt.date(2025, 12, 19), "incomplete": True},
    "by_tracker": {"saved": dt.date(2025, 12, 19), "incomplete": True},
    "actions": {"saved": dt.date(2025, 12, 18), "actions": [("Update the chronology", "2026-01-08"),
                                                           ("Visit the child at home", "2026-01-29")]},
    "inadequate": {"saved": dt.date(2025, 12, 10), "grade": "inadequate",
                   "actions": [("Review the child's plan with the family", "2026-01-29")]},
    "south": {"saved": dt.date(2025, 12, 17)},
}

ALLOCATION_HEADINGS = ["Form", "Case number", "Family name", "Given names", "Date of birth", "Social worker",
                       "Team manager", "Team", "Audit type", "Auditor", "Due date"]


# ---- the commands and the files ------------------------------------------------------------


def run(*args: str, code: int | tuple[int, ...] = 0) -> str:
    """An `auditdocs` command in the current folder (a workspace): its output, once it exited with `code`."""
    result = CliRunner().invoke(cli, list(args))
    codes = code if isinstance(code, tuple) else (code,)
    assert result.exit_code in codes, (args, result.exit_code, result.output, result.exception)
    return result.output


def write_allocations(path: Path, cases: dict[str, Case]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(ALLOCATION_HEADINGS)
    for case in cases.values():
        team, manager = case.team
        sheet.append([FORM, case.case_number, case.family, case.given, "02/04/2015", "Sam Fictionby", manager, team,
                      "Control sample - CIN", case.auditor, None])  # due: the last day of the month
    book.save(path)
    return path


def saved_on(data: bytes, day: dt.date) -> bytes:
    """The package as Word leaves it when saved on `day` (its core properties' modified date)."""
    stamp = f"{day.isoformat()}T16:30:00Z".encode()

    def change(name, content):
        if name == "docProps/core.xml":
            return re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, content)
        return content

    return rewrite_parts(data, change)


class Workspace:
    """A workspace of the month, with what auditors, QA officers and managers do in it (the current folder
    must be the workspace: the commands find it there)."""

    def __init__(self, folder: Path, ids: dict[str, str] | None = None, forms: dict[str, Path] | None = None):
        self.folder = folder
        self.ids = dict(ids or {})  # case key -> audit id
        self.forms = dict(forms or {})  # audit id -> the form made (relative to the workspace)
        self.library = load_library(folder / "form_specs")
        self.tracker = folder / "tracker" / "Audit tracker.xlsx"

    def copy(self, folder: Path) -> Workspace:
        shutil.copytree(self.folder, folder)
        return Workspace(folder, self.ids, self.forms)

    def generate(self, month: str, cases: dict[str, Case]) -> str:
        """The month's allocation list, written as the QA officer would, and `auditdocs generate` on it."""
        allocations = write_allocations(self.folder.parent / f"allocations {month}.xlsx", cases)
        made = run("generate", "--data", str(allocations), "--month", month)
        with open(self.folder / "forms" / month / "manifest.csv", encoding="utf-8-sig") as fh:
            manifest = list(csv.DictReader(fh))
        for key, case in cases.items():
            line = next(r for r in manifest if r["Case number"] == case.case_number)
            self.ids[key] = line["Audit id"]
            self.forms[line["Audit id"]] = Path("forms", month, line["File"])
        return made

    def fill(self, key: str, saved: dt.date, *, grade: str = "good", incomplete: bool = False, actions=()) -> Path:
        """The auditor fills the form in Word (finalised the day it is saved), saves it on `saved` and sends it:
        it goes in the returned folder, over the one sent before. `actions`: (action, required by ISO date)."""
        aid, case = self.ids[key], ALL_CASES[key]
        form = self.folder / self.forms[aid]
        spec = self.library.get(FORM)
        values = {"team_manager": case.team[1], "social_worker": "Sam Fictionby", "auditor": case.auditor}
        answers, tables = invent_answers(spec, m.Allocation(FORM, values, 2, aid), random.Random(aid), grade,
                                         incomplete=incomplete)
        answers.pop("moderated_grade", None)  # not moderated
        answers["audit_date"] = saved.isoformat()
        tables = {"actions": [{"action": text, "responsible_person": "Sam Fictionby",
                               "responsible_role": "Social worker", "required_date": day} for text, day in actions]}
        target = self.folder / self.returned(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(saved_on(fill_docx(form.read_bytes(), answers, tables), saved))
        return target

    def returned(self, key: str) -> Path:
        """Where the audit's form goes when it comes back (relative to the workspace)."""
        return Path("returned", ALL_CASES[key].auditor, self.forms[self.ids[key]].name)

    def consolidate(self, code=(0, 1)) -> str:
        return run("consolidate", code=code)

    def status(self, on: str, month: str = DECEMBER) -> dict:
        """`auditdocs status --json` on the day `on` (dd/mm/yyyy): what it wrote."""
        out = self.folder / f"status {on.replace('/', '-')}.json"
        run("status", "--month", month, "--on", on, "--json", str(out), code=(0, 1))
        return json.loads(out.read_text(encoding="utf-8"))

    def standing(self, key: str, on: str, month: str = DECEMBER) -> dict:
        return by_id(self.status(on, month))[self.ids[key]]

    def type_in_tracker(self, sheet: str, edits: dict[str, dict[str, object]]) -> None:
        """What a QA officer or a manager types into the tracker in Excel: row key (first column) -> heading -> value."""
        book = openpyxl.load_workbook(self.tracker)
        ws = book[sheet]
        headings = [c.value for c in ws[1]]
        rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
        for key, values in edits.items():
            for heading, value in values.items():
                ws.cell(rows[key], headings.index(heading) + 1).value = value
        book.save(self.tracker)

    def sheet(self, name: str = "Audits") -> dict[str, dict]:
        """A sheet of the tracker: first column -> heading -> value."""
        ws = openpyxl.load_workbook(self.tracker)[name]
        headings = [c.value for c in ws[1]]
        return {row[0]: dict(zip(headings, row)) for row in ws.iter_rows(min_row=2, values_only=True) if row[0]}


#: What status --json says of an audit's activity, for an audit of the month's control sample.
CONTROL_SAMPLE = {"activity": "Monthly control sample", "activity_type": "control sample", "counts_toward_ten": True,
                  "group": []}


def by_id(status: dict) -> dict[str, dict]:
    return {a["audit_id"]: a for a in status["audits"]}


def day(text: str) -> dt.datetime:
    """A date as a person types it into Excel (a date cell)."""
    return dt.datetime.strptime(text, "%d/%m/%Y")


@dataclass
class Month:
    """The month built once: December's workspace after the first forms came back, and what status said on
    the way."""

    workspace: Workspace
    before_returns: dict[str, dict]  # --on date -> status JSON, before any form came back


@pytest.fixture(scope="module")
def month(tmp_path_factory) -> Month:
    """December 2025 allocated and made; the first forms back (two incomplete) and consolidated."""
    root = tmp_path_factory.mktemp("month")
    folder = root / "Case file audits"
    with pytest.MonkeyPatch.context() as mp:
        run("init", str(folder), "--council", "Anytown Borough Council")
        mp.chdir(folder)
        ws = Workspace(folder)
        assert "9 audits recorded in the register" in ws.generate(DECEMBER, CASES)
        month = Month(ws, {on: ws.status(on) for on in ("31/12/2025", "01/01/2026")})
        for key, filled in FIRST_ROUND.items():
            ws.fill(key, **filled)
        assert "2 incomplete" in ws.consolidate(code=1)  # they need attention
    return month


@pytest.fixture
def workspace(month, tmp_path, monkeypatch) -> Workspace:
    """A copy of the month's workspace for one test, the current folder."""
    ws = month.workspace.copy(tmp_path / "Case file audits")
    monkeypatch.chdir(ws.folder)
    return ws


# ---- status --json: allocated, due on the last day of the month, overdue ----------------------------


def test_status_json_lists_every_audit_of_the_month_and_counts_every_state(month):
    ids = month.workspace.ids
    status = month.before_returns["31/12/2025"]
    assert set(status) == {"month", "counts", "audits"} and status["month"] == DECEMBER
    assert list(status["counts"]) == list(cycle.STATES)  # every state, those with none too
    assert status["counts"] == {state: 9 if state == cycle.ALLOCATED else 0 for state in cycle.STATES}
    assert sorted(a["audit_id"] for a in status["audits"]) == sorted(ids.values())
    assert by_id(status)[ids["waiting"]] == {
        "audit_id": ids["waiting"], "case_number": "9912001", "form": FORM, "auditor": ANN, "team": "Team North",
        "state": "allocated", "next_deadline": "2025-12-31",
        "next_step": "Complete the audit and send it to QA by 31/12/2025", **CONTROL_SAMPLE}


def test_an_audit_not_returned_by_the_last_calendar_day_of_the_month_is_overdue(month, workspace):
    status = month.before_returns["01/01/2026"]
    assert status["counts"][cycle.OVERDUE] == 9
    assert {(a["state"], a["next_deadline"]) for a in status["audits"]} == {("overdue", "2025-12-31")}
    # after the first forms came back, only those still out are overdue, and status says so
    after = workspace.status("01/01/2026")
    still_out = {"waiting", "exempted", "exempt_wrong", "cancelled"}
    assert {a["audit_id"] for a in after["audits"] if a["state"] == "overdue"} == {workspace.ids[k] for k in still_out}
    text = run("status", "--month", DECEMBER, "--on", "01/01/2026", code=1)  # 1: something is overdue
    overdue = text.split("\nOverdue:\n")[1].split("Due in the next")[0]
    assert all(workspace.ids[k] in overdue for k in still_out) and workspace.ids["actions"] not in overdue



# ---- returned incomplete, sent back, amended -------------------------------------------------------


def overdue_in_status_text(on: str, month: str = DECEMBER) -> str:
    """The 'Overdue' list of `auditdocs status` on the day `on`."""
    text = run("status", "--month", month, "--on", on, code=(0, 1))
    return text.split("\nOverdue:")[1].split("\nDue in the next")[0]


def test_sent_back_with_parse_sent_the_amendment_is_due_three_working_days_later_over_christmas(workspace):
    ids = workspace.ids
    waiting = workspace.standing("by_parse", "22/12/2025")
    assert (waiting["state"], waiting["next_deadline"]) == ("to_send_back", None)  # the QA officer's, at once
    assert waiting["next_step"] == "Send the audit back to Bo Fictionby to amend"

    sent = run("parse", str(workspace.returned("by_parse")), "--returns", "--sent", "--sent-on", "23/12/2025", code=1)
    assert "send them back by Tuesday 30 December 2025" in sent  # 25 and 26 December are bank holidays
    assert "1 incomplete audit was sent back on 23/12/2025" in sent
    status = workspace.status("29/12/2025")
    assert by_id(status)[ids["by_parse"]] | {"next_step": ""} == {
        "audit_id": ids["by_parse"], "case_number": "9912002", "form": FORM, "auditor": BO, "team": "Team North",
        "state": "sent_back", "next_deadline": "2025-12-30", "next_step": "", **CONTROL_SAMPLE}
    assert by_id(status)[ids["by_parse"]]["next_step"] == "Amend the audit and send it back by 30/12/2025"
    assert by_id(status)[ids["by_tracker"]]["state"] == "to_send_back"  # only the form given was sent back
    assert status["counts"]["sent_back"] == 1 and status["counts"]["to_send_back"] == 1
    assert ids["by_parse"] not in overdue_in_status_text("30/12/2025")
    assert ids["by_parse"] in overdue_in_status_text("31/12/2025")

    workspace.consolidate()
    row = workspace.sheet()[ids["by_parse"]]
    assert row["Sent back on"] == day("23/12/2025") and row["State"] == cycle.STATES["sent_back"]
    assert row["Next deadline"] == day("30/12/2025")

    workspace.fill("by_parse", dt.date(2025, 12, 30))  # the amended form, complete, over the first one
    workspace.consolidate()
    amended = workspace.standing("by_parse", "31/12/2025")
    assert (amended["state"], amended["next_deadline"]) == ("oversight_due", "2026-01-14")  # New Year's Day
    row = workspace.sheet()[ids["by_parse"]]
    assert row["Status"] == "complete" and row["Sent back on"] == day("23/12/2025")  # what happened is kept
    assert row["Management oversight due"] == day("14/01/2026")


def test_parse_sent_over_the_returned_folder_before_consolidate_has_seen_a_late_form(workspace):
    workspace.fill("waiting", dt.date(2026, 1, 9), incomplete=True)  # late, and incomplete
    sent = run("parse", "--returns", "--sent", "--sent-on", "12/01/2026", code=1)  # the workspace's returned folder
    assert "3 incomplete audits were sent back on 12/01/2026" in sent and "not in the register" not in sent
    workspace.consolidate()
    status = by_id(workspace.status("13/01/2026"))
    assert {k: (status[workspace.ids[k]]["state"], status[workspace.ids[k]]["next_deadline"])
            for k in ("waiting", "by_parse", "by_tracker")} == {k: ("sent_back", "2026-01-15")
                                                                for k in ("waiting", "by_parse", "by_tracker")}


def test_a_date_typed_in_the_trackers_sent_back_on_column_sends_it_back(workspace):
    ids = workspace.ids
    workspace.type_in_tracker("Audits", {ids["by_tracker"]: {"Sent back on": day("24/12/2025")}})
    workspace.consolidate()
    status = by_id(workspace.status("29/12/2025"))
    assert (status[ids["by_tracker"]]["state"], status[ids["by_tracker"]]["next_deadline"]) == ("sent_back",
                                                                                                "2025-12-31")
    assert status[ids["by_parse"]]["state"] == "to_send_back"
    workspace.consolidate()  # a re-run keeps the date and what it means
    assert workspace.sheet()[ids["by_tracker"]]["Sent back on"] == day("24/12/2025")
    assert workspace.standing("by_tracker", "29/12/2025")["next_deadline"] == "2025-12-31"

    workspace.fill("by_tracker", dt.date(2025, 12, 31), incomplete=True)  # amended, still incomplete
    workspace.consolidate()
    again = workspace.standing("by_tracker", "02/01/2026")
    assert (again["state"], again["next_deadline"]) == ("to_send_back", None)  # to send back again
    workspace.type_in_tracker("Audits", {ids["by_tracker"]: {"Sent back on": "05/01/2026"}})  # typed as text
    workspace.consolidate()
    resent = workspace.standing("by_tracker", "05/01/2026")
    assert (resent["state"], resent["next_deadline"]) == ("sent_back", "2026-01-08")

    workspace.fill("by_tracker", dt.date(2026, 1, 7))  # complete at last
    workspace.consolidate()
    done = workspace.standing("by_tracker", "07/01/2026")
    assert (done["state"], done["next_deadline"]) == ("oversight_due", "2026-01-21")


def test_a_sending_recorded_by_parse_is_kept_when_the_tracker_was_changed_before_it_showed_it(workspace):
    aid = workspace.ids["by_parse"]
    run("parse", str(workspace.returned("by_parse")), "--returns", "--sent", "--sent-on", "23/12/2025", code=1)
    book = openpyxl.load_workbook(workspace.tracker)  # the tracker saved with a sheet of the QA officer's own
    book.create_sheet("My notes")["A1"] = "Chase list"
    book.save(workspace.tracker)
    assert "rows of the tracker were changed" not in run("register", "check", code=(0, 1))
    # the tracker, written before, has no date in 'Sent back on': a manager's edit elsewhere does not clear it
    workspace.type_in_tracker("Audits", {workspace.ids["south"]: {"Oversight recorded on": day("05/01/2026")}})
    workspace.consolidate()
    assert workspace.standing("by_parse", "29/12/2025")["state"] == "sent_back"
    assert workspace.sheet()[aid]["Sent back on"] == day("23/12/2025")
    assert workspace.standing("south", "06/01/2026")["state"] == "closed"
    # once the tracker shows it, clearing the cell undoes it (sent back by mistake)
    workspace.type_in_tracker("Audits", {aid: {"Sent back on": None}})
    workspace.consolidate()
    assert workspace.standing("by_parse", "29/12/2025")["state"] == "to_send_back"
    assert workspace.sheet()[aid]["Sent back on"] is None


# ---- finalised, management oversight, actions -------------------------------------------------------


def test_oversight_due_ten_working_days_after_the_audit_date_until_the_manager_records_it(workspace):
    ids = workspace.ids
    status = by_id(workspace.status("23/12/2025"))
    # finalised 18/12 and 17/12: Christmas Day, Boxing Day and New Year's Day are not working days
    assert status[ids["actions"]]["state"] == status[ids["south"]]["state"] == "oversight_due"
    assert status[ids["actions"]]["next_deadline"] == "2026-01-06"
    assert status[ids["south"]]["next_deadline"] == "2026-01-05"
    assert status[ids["south"]]["next_step"] == "Record management oversight by 05/01/2026"
    assert ids["south"] in overdue_in_status_text("06/01/2026")

    workspace.type_in_tracker("Audits", {ids["south"]: {"Oversight recorded on": day("05/01/2026")}})
    workspace.consolidate()
    recorded = workspace.standing("south", "06/01/2026")
    assert (recorded["state"], recorded["next_deadline"], recorded["next_step"]) == ("closed", None, None)
    workspace.consolidate()  # read back on every run
    assert workspace.sheet()[ids["south"]]["Oversight recorded on"] == day("05/01/2026")
    assert workspace.standing("south", "06/01/2026")["state"] == "closed"
    assert ids["south"] not in overdue_in_status_text("06/01/2026")


def test_in_drafts_until_the_team_manager_marks_every_action_done(workspace):
    aid = workspace.ids["actions"]
    first, second = f"{aid}-A1", f"{aid}-A2"
    assert {a["Action"] for k, a in workspace.sheet("Actions").items() if k in (first, second)} == {
        "Update the chronology", "Visit the child at home"}
    workspace.type_in_tracker("Audits", {aid: {"Oversight recorded on": day("05/01/2026")}})
    workspace.consolidate()
    drafts = workspace.standing("actions", "06/01/2026")
    assert drafts == drafts | {"state": "in_drafts", "next_deadline": "2026-01-08",
                               "next_step": "Confirm the 2 open actions done"}
    assert aid in overdue_in_status_text("09/01/2026")  # the first action was required by 08/01/2026

    workspace.type_in_tracker("Actions", {first: {"Status": "Done", "Completed on": day("07/01/2026")},
                                          second: {"Status": "In progress"}})
    workspace.consolidate()
    one_left = workspace.standing("actions", "09/01/2026")
    assert one_left == one_left | {"state": "in_drafts", "next_deadline": "2026-01-29",
                                   "next_step": "Confirm the 1 open action done"}
    assert workspace.sheet()[aid]["State"] == cycle.STATES["in_drafts"]

    workspace.type_in_tracker("Actions", {second: {"Status": "Done", "Signed off by": "Terry Madeupson"}})
    workspace.consolidate()
    closed = workspace.standing("actions", "09/01/2026")
    assert (closed["state"], closed["next_deadline"], closed["next_step"]) == ("closed", None, None)
    actions = workspace.sheet("Actions")
    assert actions[first]["Status"] == actions[second]["Status"] == "Done"
    assert actions[first]["Completed on"] == day("07/01/2026") and actions[second]["Signed off by"] == "Terry Madeupson"


# ---- exempted, cancelled ---------------------------------------------------------------------------------


def test_exemptions_and_a_cancellation_typed_in_the_tracker(workspace):
    ids = workspace.ids
    workspace.type_in_tracker("Audits", {
        ids["exempted"]: {"Exempted on": day("08/12/2025"), "Exemption agreed by": "Ada Fictionby",
                          "Agreed role": "Assistant Director"},
        ids["exempt_wrong"]: {"Exempted on": day("08/12/2025"), "Exemption agreed by": "Tess Inventwell",
                              "Agreed role": "Team manager"},
        ids["cancelled"]: {"Cancelled on": day("09/12/2025"), "Cancelled because": "The family moved abroad",
                           "Cancellation agreed by": "Ada Fictionby"},
    })
    workspace.consolidate()
    status = workspace.status("05/01/2026")
    audits = by_id(status)
    assert audits[ids["exempted"]] == audits[ids["exempted"]] | {
        "state": "exempted", "next_deadline": None, "next_step": "Reallocate the audit to another auditor"}
    # agreed by someone who cannot agree it: not completed, still overdue
    assert audits[ids["exempt_wrong"]] == audits[ids["exempt_wrong"]] | {"state": "overdue",
                                                                         "next_deadline": "2025-12-31"}
    assert audits[ids["cancelled"]] == audits[ids["cancelled"]] | {"state": "cancelled", "next_deadline": None,
                                                                   "next_step": None}
    assert (status["counts"]["exempted"], status["counts"]["cancelled"], status["counts"]["overdue"]) == (1, 1, 2)
    overdue = overdue_in_status_text("05/01/2026")
    assert ids["exempt_wrong"] in overdue and ids["exempted"] not in overdue and ids["cancelled"] not in overdue

    rows = workspace.sheet()
    assert "only the Assistant Director can agree an exemption" in rows[ids["exempt_wrong"]]["Needs attention"]
    assert not rows[ids["exempted"]]["Needs attention"] and not rows[ids["cancelled"]]["Needs attention"]
    workspace.consolidate()  # what the QA officer typed stays, and still counts
    again = workspace.sheet()
    assert again[ids["exempted"]]["Exemption agreed by"] == "Ada Fictionby"
    assert again[ids["exempted"]]["Agreed role"] == "Assistant Director"
    assert again[ids["exempt_wrong"]]["Agreed role"] == "Team manager"
    assert again[ids["cancelled"]]["Cancelled because"] == "The family moved abroad"
    assert workspace.status("05/01/2026")["counts"] == status["counts"]


# ---- Inadequate: the meeting, the review meeting, the re-audit, and Inadequate again ---------------------


def test_an_inadequate_audit_its_meetings_and_its_re_audit_next_month_inadequate_again(workspace):
    ids = workspace.ids
    first = ids["inadequate"]
    row = workspace.sheet()[first]  # finalised 10/12/2025
    assert (row["Management oversight due"], row["Review meeting due"], row["Re-audit due"]) == (
        day("24/12/2025"), day("07/01/2026"), day("10/02/2026"))  # 10 working days, 4 weeks, 2 months
    assert row["Next step"].startswith("group manager: Group manager, team manager and worker meet")  # at once

    workspace.type_in_tracker("Audits", {first: {"Meeting held on": day("12/12/2025"),
                                                 "Oversight recorded on": day("15/12/2025")}})
    workspace.type_in_tracker("Actions", {f"{first}-A1": {"Status": "Done"}})
    workspace.consolidate()
    follow_up = workspace.standing("inadequate", "16/12/2025")
    assert follow_up == follow_up | {"state": "follow_up", "next_deadline": "2026-01-07",
                                     "next_step": "Hold the review meeting by 07/01/2026"}
    workspace.type_in_tracker("Audits", {first: {"Review meeting held on": day("06/01/2026")}})
    workspace.consolidate()
    waiting = workspace.standing("inadequate", "06/01/2026")
    assert waiting == waiting | {"state": "follow_up", "next_deadline": "2026-02-10",
                                 "next_step": "Allocate the re-audit of case 9912008, due by 10/02/2026"}

    workspace.generate(JANUARY, JANUARY_CASES)  # the re-audit, allocated the next month
    again = ids["re_audit"] = workspace.ids["re_audit"]
    linked = workspace.standing("inadequate", "12/01/2026")
    assert linked["next_step"] == f"Complete the re-audit {again} by 10/02/2026"
    assert workspace.standing("re_audit", "12/01/2026", JANUARY)["state"] == "allocated"

    workspace.fill("re_audit", dt.date(2026, 1, 20), grade="inadequate",
                   actions=[("Escalate to the legal gateway meeting", "2026-02-27")])
    workspace.consolidate()
    rows = workspace.sheet()
    assert rows[again]["Re-audit of"] == first and rows[first]["Re-audited by"] == again
    assert workspace.standing("inadequate", "21/01/2026")["state"] == "closed"  # its re-audit came back
    second = workspace.standing("re_audit", "21/01/2026", JANUARY)
    assert second["state"] == "oversight_due"
    assert second["next_step"] == (f"Inadequate again (after {first}): the Head of Service meets the group manager, "
                                   "team manager and worker to review the case")
    assert (rows[again]["Review meeting due"], rows[again]["Re-audit due"]) == (day("17/02/2026"), day("20/03/2026"))

    head_of_service = (f"{again} (Alfie Nonesuch, case 9912008): meet the Head of Service: the case is Inadequate "
                       "again as soon as possible")
    assert head_of_service in run("chase", "--month", JANUARY, "--on", "21/01/2026", code=(0, 1))  # Terry Madeupson's letter

    workspace.type_in_tracker("Audits", {again: {"Head of Service meeting on": day("23/01/2026")}})
    workspace.consolidate()
    assert workspace.standing("re_audit", "26/01/2026", JANUARY)["next_step"].startswith("Group manager, team manager")
    assert workspace.sheet()[again]["Head of Service meeting on"] == day("23/01/2026")
    assert "meet the Head of Service" not in run("chase", "--month", JANUARY, "--on", "26/01/2026", code=(0, 1))  # it was held


# ---- chase: one letter per auditor, one per team manager ----------------------------------------------


def test_chase_writes_one_letter_per_person_with_only_their_own_audits(workspace):
    ids = workspace.ids
    run("parse", str(workspace.returned("by_parse")), "--returns", "--sent", "--sent-on", "23/12/2025", code=1)
    workspace.type_in_tracker("Audits", {
        ids["exempted"]: {"Exempted on": day("08/12/2025"), "Exemption agreed by": "Ada Fictionby",
                          "Agreed role": "Assistant Director"},
        ids["cancelled"]: {"Cancelled on": day("09/12/2025"), "Cancelled because": "The family moved abroad",
                           "Cancellation agreed by": "Ada Fictionby"}})
    workspace.consolidate()
    out = workspace.folder / "chase"
    shown = run("chase", "--month", DECEMBER, "--on", "12/01/2026", "--out", str(out), code=1)  # 1: overdue listed
    letters = {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()}
    assert set(letters) == {f"{ANN} (auditor).txt", f"{BO} (auditor).txt", f"{CY} (auditor).txt",
                            "Terry Madeupson (team manager).txt", "Tess Inventwell (team manager).txt"}
    assert all(text.strip() in shown for text in letters.values())  # what the command showed, letter by letter
    # each letter names its person, and holds their audits and no one else's
    theirs = {f"{ANN} (auditor).txt": {"waiting"}, f"{BO} (auditor).txt": {"by_parse"},
              f"{CY} (auditor).txt": {"exempt_wrong"},
              "Terry Madeupson (team manager).txt": {"actions", "inadequate"},
              "Tess Inventwell (team manager).txt": {"south"}}
    for name, keys in theirs.items():
        text = letters[name]
        assert text.startswith(f"To {name.split(' (')[0]}:\n")
        named = set(re.findall(r"AUD-\d{6}-[A-Z0-9]+(?!-A)\b", text))
        assert named == {ids[k] for k in keys}, name
        assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4}", text), name  # dates written out
    assert letters[f"{ANN} (auditor).txt"] == (
        f"To {ANN}:\nPlease complete these audits and send them to QA by the dates shown:\n"
        f"  {ids['waiting']} (Amelia Testworth, case 9912001): due Wednesday 31 December 2025 - overdue\n")
    bo = letters[f"{BO} (auditor).txt"]
    assert "Please amend these audits, which were sent back to you" in bo
    assert f"{ids['by_parse']} (Oscar Fictionby, case 9912002): amend and send back by Tuesday 30 December 2025 - " \
           "overdue" in bo
    terry = letters["Terry Madeupson (team manager).txt"]
    for expected in (
            f"{ids['actions']} (Kai Notreal, case 9912004): record management oversight by Tuesday 6 January 2026 - "
            "overdue",
            f"action {ids['actions']}-A1 'Update the chronology' was due Thursday 8 January 2026 - overdue",
            f"{ids['inadequate']} (Alfie Nonesuch, case 9912008): meet the group manager and the worker about the "
            "Inadequate audit as soon as possible",
            "hold the review meeting after the Inadequate audit by Wednesday 7 January 2026 - overdue",
            "see that the re-audit is done by Tuesday 10 February 2026"):
        assert expected in terry
    assert "Visit the child at home" not in terry  # not due until 29 January
    assert "record management oversight by Monday 5 January 2026 - overdue" in letters[
        "Tess Inventwell (team manager).txt"]


# ---- the tracker's Audits sheet ---------------------------------------------------------------------------


def test_the_audits_sheet_lists_every_audit_allocated_returned_or_not_with_where_it_stands(workspace):
    rows = workspace.sheet()
    assert sorted(rows) == sorted(workspace.ids.values())  # nine allocated, five returned
    assert sum(row["Status"] == "not returned" for row in rows.values()) == 4
    out = workspace.folder / "today.json"
    run("status", "--month", DECEMBER, "--json", str(out), code=1)  # today, as the tracker was written
    for audit in json.loads(out.read_text(encoding="utf-8"))["audits"]:
        row = rows[audit["audit_id"]]
        assert row["State"] == cycle.STATES[audit["state"]], audit
        assert row["Next deadline"] == (day(dt.date.fromisoformat(audit["next_deadline"]).strftime("%d/%m/%Y"))
                                        if audit["next_deadline"] else None), audit
        assert (row["Next step"] or "").endswith(audit["next_step"] or ""), audit
        assert (row["Case number"], row["Auditor"], row["Team"]) == (audit["case_number"], audit["auditor"],
                                                                      audit["team"])
    waiting = rows[workspace.ids["waiting"]]
    assert waiting["Next step"] == f"{ANN}: Complete the audit and send it to QA by 31/12/2025"
    assert waiting["Due"] == day("31/12/2025") and waiting["Name"] == "Testworth, Amelia"


def test_qa_officers_and_managers_columns_survive_re_runs_while_forms_come_back(workspace):
    ids = workspace.ids
    typed_audits = {
        ids["by_tracker"]: {"Sent back on": day("22/12/2025")},
        ids["south"]: {"Oversight recorded on": day("05/01/2026")},
        ids["exempted"]: {"Exempted on": day("08/12/2025"), "Exemption agreed by": "Ada Fictionby",
                          "Agreed role": "Assistant Director"},
        ids["inadequate"]: {"Meeting held on": day("12/12/2025"), "Review meeting held on": day("06/01/2026"),
                            "Oversight recorded on": day("15/12/2025")},
    }
    workspace.type_in_tracker("Audits", {**typed_audits, ids["cancelled"]: {"Cancelled on": "when agreed"}})
    book = openpyxl.load_workbook(workspace.tracker)  # a column of the QA officer's own, at the end
    audits = book["Audits"]
    own = audits.max_column + 1
    audits.cell(1, own).value = "QA notes"
    row_of = {audits.cell(r, 1).value: r for r in range(2, audits.max_row + 1)}
    audits.cell(row_of[ids["waiting"]], own).value = "Chased by phone on 05/01"
    book.save(workspace.tracker)
    action = f"{ids['actions']}-A2"
    workspace.type_in_tracker("Actions", {action: {"Status": "In progress", "Notes": "Visit booked for 20/01."}})

    workspace.consolidate()
    workspace.fill("waiting", dt.date(2026, 1, 9))  # a form comes back late, between two runs
    workspace.consolidate()
    workspace.consolidate()
    rows = workspace.sheet()
    for aid, typed in typed_audits.items():
        assert {h: rows[aid][h] for h in typed} == typed, aid
    assert rows[ids["waiting"]]["QA notes"] == "Chased by phone on 05/01"
    assert rows[ids["cancelled"]]["Cancelled on"] == "when agreed"  # not a date: kept as typed, and said so
    entry = [e for e in workspace.sheet("Exceptions").values() if e["Audit id"] == ids["cancelled"]]
    assert len(entry) == 1 and entry[0]["Problem"] == "Tracker entry" and "'when agreed'" in entry[0]["Details"]
    assert rows[ids["waiting"]]["Status"] == "complete"
    actions = workspace.sheet("Actions")
    assert (actions[action]["Status"], actions[action]["Notes"]) == ("In progress", "Visit booked for 20/01.")
    states = by_id(workspace.status("12/01/2026"))
    assert {k: states[ids[k]]["state"] for k in ("by_tracker", "south", "exempted", "waiting", "cancelled")} == {
        "by_tracker": "sent_back", "south": "closed", "exempted": "exempted", "waiting": "oversight_due",
        "cancelled": "overdue"}
    assert states[ids["inadequate"]]["next_step"] == "Confirm the 1 open action done"  # oversight and meetings done
