"""Every audit's activity of the programme, everywhere: the tracker, status, chase, the monthly report and the
export show it, filter by it and count by it; the managers' own dip samples (4.31: two cases a month each) are
followed manager by manager. A real register filled through real forms (tests/report_register.py), the real
commands through click's CliRunner, their files read back.

November 2026, as the scenario below makes it:

| case | auditor | activity (type) | what happened |
|---|---|---|---|
| C1 | Ann | the monthly control sample | back Good |
| C2 | Ann | Children who go missing (dip sample, not toward the ten) | not returned |
| C3 | Bob, with a partner and a colleague | Multiple changes of social worker (thematic audit) | back Requires Improvement, an action |
| C4 | Ann | the monthly control sample | not returned |
| D1, D2 | Mo Manager (Team manager) | Managers' dip samples | both back: Good, Outstanding |
| D3, D4 | Nia Headley (Head of service) | Managers' dip samples | D3 back Good, D4 not returned |
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import SPECS, docx_schema_errors, xlsx_schema_errors
from report_register import Action, Register
from test_report import word_tables

from auditdocs.cli import cli
from auditdocs.domain import model as m
from auditdocs.share.keys import make_key_file

MONTH = "2026-11"
ON = "15/12/2026"
MISSING, THEMATIC, MANAGERS = "Children who go missing", "Multiple changes of social worker", "Managers' dip samples"
DIPS = "managers' dip samples"
ANN, BOB, MO, NIA = "Ann Auditorson", "Bob Checkwell", "Mo Manager", "Nia Headley"
GROUP = ["Priya Madeup (health)", "Sam Colleague"]


def run(*args, code=0) -> str:
    result = CliRunner().invoke(cli, ["--specs", str(SPECS), *map(str, args)])
    assert result.exit_code == code, result.output
    return result.output


class Scenario:
    def __init__(self, folder: Path, library):
        r = self.register = Register(folder, library)
        back = dt.date(2026, 11, 25)
        self.c1 = r.audit("C1", month=MONTH, grade="Good", back=back)
        self.c2 = r.audit("C2", month=MONTH, activity=MISSING, activity_type="dip sample", counts_toward_ten=False)
        self.c3 = r.audit("C3", month=MONTH, auditor=BOB, team="Team South", grade="Requires Improvement", back=back,
                          activity=THEMATIC, activity_type="thematic audit", group=GROUP,
                          actions=[Action("Review the plan", "2099-12-31")])
        self.c4 = r.audit("C4", month=MONTH)
        dip = {"month": MONTH, "activity": MANAGERS, "activity_type": DIPS, "counts_toward_ten": False}
        self.d1 = r.audit("D1", auditor=MO, auditor_role="Team manager", grade="Good", back=back, **dip)
        self.d2 = r.audit("D2", auditor=MO, auditor_role="Team manager", grade="Outstanding", back=back, **dip)
        self.d3 = r.audit("D3", auditor=NIA, auditor_role="Head of service", grade="Good", back=back, **dip)
        self.d4 = r.audit("D4", auditor=NIA, auditor_role="Head of service", **dip)

    @property
    def path(self) -> Path:
        return self.register.path


@pytest.fixture(scope="module")
def scenario(tmp_path_factory, library):
    return Scenario(tmp_path_factory.mktemp("activities"), library)


# ---- status ---------------------------------------------------------------------------------------


def test_status_json_carries_each_audits_activity_and_counts_by_activity(scenario, tmp_path):
    out = run("status", "--register", scenario.path, "--month", MONTH, "--on", ON, "--json", tmp_path / "s.json",
              code=1)
    status = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    audits = {a["case_number"]: a for a in status["audits"]}
    assert (audits["C1"]["activity"], audits["C1"]["activity_type"]) == (m.CONTROL_SAMPLE_NAME, m.CONTROL_SAMPLE)
    assert (audits["C2"]["activity"], audits["C2"]["activity_type"], audits["C2"]["counts_toward_ten"]) == (
        MISSING, "dip sample", False)
    assert (audits["C3"]["activity"], audits["C3"]["activity_type"], audits["C3"]["group"]) == (
        THEMATIC, "thematic audit", GROUP)
    assert audits["D1"]["activity_type"] == DIPS and audits["C1"]["counts_toward_ten"] is True
    by_activity = status["by_activity"]
    assert set(by_activity) == {m.CONTROL_SAMPLE_NAME, MISSING, THEMATIC, MANAGERS}
    assert sum(by_activity[m.CONTROL_SAMPLE_NAME].values()) == 2 and sum(by_activity[MANAGERS].values()) == 4
    assert by_activity[MISSING]["overdue"] == 1
    # the state rules are the same whatever the activity
    assert audits["C2"]["state"] == audits["C4"]["state"] == "overdue"
    assert "By activity:" in out and f"  {MISSING}: 1 overdue: not returned" in out
    assert "(C2; auditor" not in out and f"auditor {ANN}; {MISSING}): " in out  # an overdue audit names its activity


def test_status_says_which_managers_have_done_their_dip_samples(scenario, tmp_path):
    out = run("status", "--register", scenario.path, "--month", MONTH, "--on", ON, "--json", tmp_path / "s.json",
              code=1)
    status = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    managers = {d["manager"]: d for d in status["managers_dip_samples"]}
    assert {k: (d["role"], d["due"], d["returned"], d["outstanding"]) for k, d in managers.items()} == {
        MO: ("Team manager", 2, 2, 0), NIA: ("Head of service", 2, 1, 1)}
    assert managers[NIA]["audits"] == [scenario.d3.audit_id, scenario.d4.audit_id]
    assert "Managers' dip samples (1 of 2 managers done):" in out
    assert f"  {MO} (Team manager): 2 due, 2 returned, done" in out
    assert f"  {NIA} (Head of service): 2 due, 1 returned, 1 outstanding" in out


def test_status_activity_filters_by_name_or_type_and_a_wrong_name_gets_did_you_mean(scenario, tmp_path):
    out = run("status", "--register", scenario.path, "--month", MONTH, "--on", ON, "--activity", MISSING.upper(),
              "--json", tmp_path / "s.json", code=1)
    status = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert [a["case_number"] for a in status["audits"]] == ["C2"] and status["activity"] == MISSING
    assert f"1 audit of the activity '{MISSING}'." in out and "By activity:" not in out
    run("status", "--register", scenario.path, "--month", MONTH, "--on", ON, "--activity", "monthly control sample",
        "--json", tmp_path / "c.json", code=1)
    control = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert sorted(a["case_number"] for a in control["audits"]) == ["C1", "C4"] and "managers_dip_samples" not in control
    run("status", "--register", scenario.path, "--month", MONTH, "--on", ON, "--activity", DIPS,
        "--json", tmp_path / "d.json", code=1)
    dips = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    assert sorted(a["case_number"] for a in dips["audits"]) == ["D1", "D2", "D3", "D4"]

    wrong = CliRunner().invoke(cli, ["--specs", str(SPECS), "status", "--register", str(scenario.path), "--month",
                                     MONTH, "--on", ON, "--activity", "Children who go mising"])
    assert wrong.exit_code == 2
    assert f"no audit of the register is of the activity 'Children who go mising' (did you mean '{MISSING}'?)" \
        in wrong.output
    assert MANAGERS in wrong.output and "--activity" in wrong.output


# ---- chase ----------------------------------------------------------------------------------------


def letter_to(text: str, who: str) -> str:
    return next(letter for letter in text.split("\n\n") if letter.startswith(f"To {who}:"))


def test_chase_letters_name_the_activity_of_each_audit_and_chase_the_managers_dip_samples(scenario, tmp_path):
    out = run("chase", "--register", scenario.path, "--month", MONTH, "--on", ON, "--out", tmp_path / "letters",
              code=1)
    ann = letter_to(out, ANN)
    c2 = next(line for line in ann.splitlines() if scenario.c2.audit_id in line)
    c4 = next(line for line in ann.splitlines() if scenario.c4.audit_id in line)
    assert f"case C2; {MISSING}): due Monday 30 November 2026 - overdue" in c2
    assert f"case C4; {m.CONTROL_SAMPLE_NAME}): due Monday 30 November 2026 - overdue" in c4
    # a manager whose dip samples are not all back gets a letter of their own for them; one who has done theirs none
    nia = letter_to(out, NIA)
    assert "your managers' dip samples" in nia and scenario.d4.audit_id in nia and scenario.d3.audit_id not in nia
    assert f"case D4; {MANAGERS}): due Monday 30 November 2026 - overdue" in nia
    assert f"To {MO}:" not in out
    assert out.count(scenario.d4.audit_id) == 1  # not in an auditor's letter as well
    files = sorted(p.name for p in (tmp_path / "letters").iterdir())
    assert f"{NIA} (dip samples).txt" in files and f"{ANN} (auditor).txt" in files
    assert scenario.d4.audit_id in (tmp_path / "letters" / f"{NIA} (dip samples).txt").read_text(encoding="utf-8")


def test_chase_activity_chases_only_that_activitys_audits(scenario):
    out = run("chase", "--register", scenario.path, "--month", MONTH, "--on", ON, "--activity", DIPS, code=1)
    assert scenario.d4.audit_id in letter_to(out, NIA) and scenario.c2.audit_id not in out and f"To {ANN}:" not in out
    assert all("Managers' dip samples)" in line for line in out.splitlines() if line.startswith("  AUD-"))
    missing = run("chase", "--register", scenario.path, "--month", MONTH, "--on", ON, "--activity", MISSING, code=1)
    assert scenario.c2.audit_id in missing and scenario.c4.audit_id not in missing
    wrong = CliRunner().invoke(cli, ["--specs", str(SPECS), "chase", "--register", str(scenario.path), "--activity",
                                     "Thematic audits"])
    assert wrong.exit_code == 2 and "(did you mean 'thematic audit'?)" in wrong.output


# ---- the tracker ----------------------------------------------------------------------------------


def consolidate(returned: Path, tracker: Path, register: Path) -> None:
    result = CliRunner().invoke(cli, ["--specs", str(SPECS), "consolidate", str(returned), "--tracker", str(tracker),
                                      "--register", str(register)])
    assert result.exit_code in (0, 1), result.output  # 1: something needs attention (the overdue audits)


def sheet_rows(path: Path, name: str) -> tuple[list[str], list[dict]]:
    ws = openpyxl.load_workbook(path)[name]
    headers = [c.value for c in ws[1]]
    return headers, [dict(zip(headers, (c.value for c in row))) for row in ws.iter_rows(min_row=2)]


def test_the_tracker_shows_each_audits_activity_and_group_and_an_old_tracker_gets_the_columns(scenario, tmp_path):
    r = scenario.register
    tracker = tmp_path / "tracker.xlsx"
    consolidate(r.returned, tracker, scenario.path)
    headers, rows = sheet_rows(tracker, "Audits")
    assert headers[headers.index("Audit type") + 1: headers.index("Audit type") + 3] == ["Activity", "Group"]
    by_case = {row["Case number"]: row for row in rows}
    assert by_case["C1"]["Activity"] == m.CONTROL_SAMPLE_NAME and by_case["C1"]["Group"] is None
    assert by_case["C2"]["Activity"] == MISSING and by_case["D4"]["Activity"] == MANAGERS
    assert (by_case["C3"]["Activity"], by_case["C3"]["Group"]) == (THEMATIC, "; ".join(GROUP))
    action_headers, actions = sheet_rows(tracker, "Actions")
    assert action_headers[action_headers.index("Team") + 1] == "Activity"
    assert [(a["Case number"], a["Activity"]) for a in actions] == [("C3", THEMATIC)]

    # a tracker an older auditdocs wrote (no Activity, no Group) with a column of the QA officer's own and an entry
    # in one of theirs: the new columns go where a new tracker has them, and what people put in is kept
    wb = openpyxl.load_workbook(tracker)
    ws = wb["Audits"]
    at = headers.index("Activity") + 1
    ws.delete_cols(at, 2)
    mine = ws.max_column + 1
    ws.cell(1, mine).value = "My notes"
    row_c2 = next(i for i in range(2, ws.max_row + 1) if ws.cell(i, 5).value == "C2")
    ws.cell(row_c2, mine).value = "Chased by phone"
    sent = [c.value for c in ws[1]].index("Exemption agreed by") + 1
    ws.cell(row_c2, sent).value = "Alex Director"
    for sheet, table in ((ws, "Audits"), (wb["Actions"], "Actions")):
        if sheet is wb["Actions"]:
            sheet.delete_cols([c.value for c in sheet[1]].index("Activity") + 1)
        t = sheet.tables[table]
        t.ref = f"A1:{openpyxl.utils.get_column_letter(sheet.max_column)}{sheet.max_row}"
        t.tableColumns = []
        t._initialise_columns()
        for col, cell in zip(t.tableColumns, sheet[1]):
            col.name = str(cell.value)
    wb.save(tracker)
    old_headers, _ = sheet_rows(tracker, "Audits")
    assert "Activity" not in old_headers and "Group" not in old_headers

    consolidate(r.returned, tracker, scenario.path)
    headers, rows = sheet_rows(tracker, "Audits")
    assert headers[headers.index("Audit type") + 1: headers.index("Audit type") + 3] == ["Activity", "Group"]
    assert headers[-1] == "My notes"
    by_case = {row["Case number"]: row for row in rows}
    assert (by_case["C2"]["Activity"], by_case["C2"]["My notes"]) == (MISSING, "Chased by phone")
    assert by_case["C2"]["Exemption agreed by"] == "Alex Director"
    assert (by_case["C3"]["Activity"], by_case["C3"]["Group"]) == (THEMATIC, "; ".join(GROUP))
    action_headers, actions = sheet_rows(tracker, "Actions")
    assert action_headers[action_headers.index("Team") + 1] == "Activity" and actions[0]["Activity"] == THEMATIC


# ---- the monthly report ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report(scenario, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    run("report", "--register", scenario.path, "--month", MONTH, "--out", out, "--json", out / "figures.json")
    return out


def test_the_report_counts_the_control_sample_as_before_and_every_activity_in_a_table(report):
    figures = json.loads((report / "figures.json").read_text(encoding="utf-8"))
    total = figures["completion"]["total"]
    assert (total["allocated"], total["on_time"], total["not_returned"]) == (2, 1, 1)  # C1 and C4 only
    assert figures["grades"]["this_period"]["total"] == 1
    rows = {r["name"]: r for r in figures["activities"]["rows"]}
    assert list(rows) == [m.CONTROL_SAMPLE_NAME, MISSING, MANAGERS, THEMATIC]  # the control sample first
    assert {k: (r["type"], r["completion"]["allocated"], r["completion"]["on_time"], r["grades"]["total"])
            for k, r in rows.items()} == {
        m.CONTROL_SAMPLE_NAME: (m.CONTROL_SAMPLE, 2, 1, 1), MISSING: ("dip sample", 1, 0, 0),
        THEMATIC: ("thematic audit", 1, 1, 1), MANAGERS: (DIPS, 4, 3, 3)}
    assert rows[THEMATIC]["grades"]["counts"]["requires_improvement"] == 1
    assert rows[MANAGERS]["grades"]["counts"]["good"] == 2 and rows[MANAGERS]["grades"]["counts"]["outstanding"] == 1

    tables = word_tables(report / f"Audit report {MONTH}.docx")
    [completion] = tables["Audits by activity", "Completion by activity"]
    assert completion[0][:3] == ["Activity", "Type", "Allocated"]
    assert [MISSING, "dip sample", "1", "0", "0", "1", "0", "0"] in completion
    [grades] = tables["Audits by activity", "Grades by activity"]
    assert grades[0][0] == "Activity" and any(row[0] == THEMATIC and row[-1] == "1" for row in grades)
    book = openpyxl.load_workbook(report / f"Audit dashboard {MONTH}.xlsx")
    assert book.sheetnames.index("Activities") == book.sheetnames.index("Moderation") + 1
    cells = [[c.value for c in row] for row in book["Activities"].iter_rows()]
    assert [MANAGERS, DIPS, 4, 3, 0, 1, 0, 0] in cells


def test_the_report_has_a_section_on_the_managers_dip_samples(report):
    figures = json.loads((report / "figures.json").read_text(encoding="utf-8"))
    assert figures["managers_dip_samples"] == [
        {"manager": MO, "role": "Team manager", "due": 2, "returned": 2, "outstanding": 0,
         "grades": ["Outstanding", "Good"]},
        {"manager": NIA, "role": "Head of service", "due": 2, "returned": 1, "outstanding": 1, "grades": ["Good"]}]
    tables = word_tables(report / f"Audit report {MONTH}.docx")
    [managers] = tables["Managers' dip samples", ""]
    assert managers == [["Manager", "Role", "Due", "Returned", "Outstanding", "Grades"],
                        [MO, "Team manager", "2", "2", "0", "Outstanding, Good"],
                        [NIA, "Head of service", "2", "1", "1", "Good"]]
    book = openpyxl.load_workbook(report / f"Audit dashboard {MONTH}.xlsx")
    cells = [[c.value for c in row] for row in book["Activities"].iter_rows()]
    assert [NIA, "Head of service", 2, 1, 1, "Good"] in [row[:6] for row in cells]
    assert docx_schema_errors((report / f"Audit report {MONTH}.docx").read_bytes()) == []
    assert xlsx_schema_errors((report / f"Audit dashboard {MONTH}.xlsx").read_bytes()) == []


def test_an_anonymous_report_numbers_the_managers(scenario, tmp_path):
    run("report", "--register", scenario.path, "--month", MONTH, "--out", tmp_path, "--json", tmp_path / "f.json",
        "--anonymous")
    figures = json.loads((tmp_path / "f.json").read_text(encoding="utf-8"))
    assert [d["manager"] for d in figures["managers_dip_samples"]] == ["Manager 1", "Manager 2"]
    assert MO not in (tmp_path / "f.json").read_text(encoding="utf-8")


# ---- the export ------------------------------------------------------------------------------------


def test_the_pseudonymised_export_has_each_audits_activity(scenario, tmp_path):
    (tmp_path / "key").mkdir()
    key = make_key_file(tmp_path / "key" / "team.key")
    out = tmp_path / "export.xlsx"
    run("export", "--pseudonymise", "--key-file", key, "--month", MONTH, "--out", out, "--register", scenario.path,
        "--long")
    book = openpyxl.load_workbook(out)
    headers = [c.value for c in book["Audits"][1]]
    assert headers[headers.index("Audit type") + 1: headers.index("Audit type") + 3] == ["Activity", "Activity type"]
    rows = [dict(zip(headers, (c.value for c in row))) for row in book["Audits"].iter_rows(min_row=2)]
    assert sorted((r["Activity"], r["Activity type"]) for r in rows) == sorted(
        [(m.CONTROL_SAMPLE_NAME, m.CONTROL_SAMPLE)] * 2 + [(MISSING, "dip sample"), (THEMATIC, "thematic audit")]
        + [(MANAGERS, DIPS)] * 4)
    actions = [c.value for c in book["Actions"][1]]
    assert "Activity" in actions


# ---- the use cases, without the command line ---------------------------------------------------------------


def test_the_use_cases_filter_by_activity_and_follow_the_managers(scenario, tmp_path):
    from auditdocs.errors import UserError
    from auditdocs.status.run import chase_letters, month_status
    from auditdocs.workspace import workspace_without_settings

    ws = workspace_without_settings(tmp_path).with_files(register=scenario.path, specs=SPECS)
    november, on = dt.date(2026, 11, 1), dt.date(2026, 12, 15)
    done = month_status(ws, month=november, today=on, activity=THEMATIC, json_file=tmp_path / "t.json")
    assert [x.audit.case_number for x in done.glance.lines] == ["C3"] and done.files == [tmp_path / "t.json"]
    assert done.glance.activity == THEMATIC
    whole = month_status(ws, month=november, today=on).glance
    assert [(d.manager, d.due, d.returned, d.outstanding, d.done) for d in whole.managers()] == [
        (MO, 2, 2, 0, True), (NIA, 2, 1, 1, False)]
    chased = chase_letters(ws, month=november, today=on, activity=DIPS, out=tmp_path / "letters")
    assert [(letter.to, letter.role) for letter in chased.letters if letter.role == "dip samples"] == [
        (NIA, "dip samples")]
    assert chased.overdue and tmp_path / "letters" / f"{NIA} (dip samples).txt" in chased.files
    with pytest.raises(UserError, match="did you mean 'Multiple changes of social worker'"):
        month_status(ws, month=november, today=on, activity="Multiple change of social workers")
