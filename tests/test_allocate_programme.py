"""`auditdocs allocate` with the workspace's programme (programme.xlsx): every activity of the month drawn and
allocated under the rules of Appendix A, on real files (the sample export with its cohort columns, the sample
auditors, a real register), through the CLI and the use case; generate reads the Activity column back."""
from __future__ import annotations

import csv
import datetime as dt
import json
import random
import shutil
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
import test_programme
from test_programme import cli_run as run

from auditdocs.allocate.allocation_list import read_allocations
from auditdocs.allocate.history import history_from
from auditdocs.allocate.run import allocate_month
from auditdocs.domain.model import name_key
from auditdocs.programme.plan import COLUMNS
from auditdocs.workspace import (
    PROGRAMME_FILE,
    SETTINGS_FILE,
    init_workspace,
    load_workspace,
)

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
MONTH = dt.date(2026, 11, 1)
MISSING = "Children who go missing"
THEMATIC = "Multiple changes of social worker"
MANAGERS = "Managers' dip samples"
PARTNER = "Priya Madeup (health, critical friend)"
ROWS = [
    ["2026-11", "Monthly control sample", "control sample", "", "", 10, "CIN: 4\nCP: 3\nCLA: 3", "Auditor group",
     "csc_case_file_audit", "Yes"],
    ["2026-11", MISSING, "dip sample", "", "Missing episodes in the last 6 months at least 1", 5, "",
     "QA team + service", "csc_case_file_audit", "No"],
    ["2026-11", THEMATIC, "thematic audit", "", "Social workers in the last 12 months at least 5", 4, "",
     f"Auditor group\n{PARTNER}", "csc_case_file_audit", "Yes"],
    ["2026-11", MANAGERS, "managers' dip samples", "", "", 2, "",
     "Heads of service, group managers and team managers", "managers_dip_sample", "No"],
    ["2026-11", "Actions really completed", "action-completion check", "", "", 10, "", "QA team", "", "No"],
]


def write_programme(path: Path, rows) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Programme"
    sheet.append([c.heading for c in COLUMNS])
    for row in rows:
        sheet.append(row)
    book.save(path)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A workspace (`auditdocs init`) with the sample auditors, the sample export without the QA officer's marks
    (so the control sample is drawn, by the programme's categories) and a programme for November 2026."""
    folder = tmp_path_factory.mktemp("programme_allocate") / "ws"
    init_workspace(folder, council="Anytown Borough Council")
    shutil.copy(SAMPLES / "auditors.xlsx", folder / "auditors.xlsx")
    book = openpyxl.load_workbook(SAMPLES / "cases_2026-11.xlsx")
    assert book.active["A1"].value == "Audit this month"
    book.active.delete_cols(1)
    book.save(folder / "cases.xlsx")
    write_programme(folder / PROGRAMME_FILE, ROWS)
    return folder




def allocate(out: str = "alloc.xlsx", *extra):
    return run("allocate", "--month", "2026-11", "--cases", "cases.xlsx", "--auditors", "auditors.xlsx",
               "--out", out, *extra)


workspace = test_programme.workspace  # the fixture: a copy of this module's `made` for each test


def audits_of(folder: Path):
    with load_workspace(folder / SETTINGS_FILE).open_register() as reg:
        return reg.audits()


def list_rows(path: Path) -> list[dict]:
    sheet = openpyxl.load_workbook(path).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def auditors_by_name() -> dict[str, dict]:
    sheet = openpyxl.load_workbook(SAMPLES / "auditors.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    return {name_key(r[0]): dict(zip(rows[0], r)) for r in rows[1:]}


def test_a_month_with_a_programme_allocates_every_activity(workspace):
    result = allocate()
    assert result.exit_code in (0, 1), result.output  # 1: the break cap needs attention, as without a programme
    assert "The month's activities in programme.xlsx:" in result.output
    assert f"{MISSING} (dip sample): 14 cases match its cohort, 5 drawn (5 asked for), 5 allocated" in result.output
    assert f"{THEMATIC} (thematic audit): 14 cases match its cohort, 4 drawn (4 asked for)" in result.output
    assert "does not count toward the ten" in result.output

    audits = audits_of(workspace)
    by_activity = Counter(a.activity for a in audits)
    # five of the six team managers, two each: Helen Marsh-Rigby has an agreed audit break in November
    assert by_activity == {"": 10, MISSING: 5, THEMATIC: 4, MANAGERS: 10}
    assert len({a.audit_id for a in audits}) == len(audits) == 29
    kinds = {a.activity: (a.activity_type, a.counts_toward_ten) for a in audits}
    assert kinds == {"": ("", True), MISSING: ("dip sample", False), THEMATIC: ("thematic audit", True),
                     MANAGERS: ("managers' dip samples", False)}

    # the list: an Activity column, read back by generate's reader with the register's ids
    rows = list_rows(workspace / "alloc.xlsx")
    assert "Activity" in rows[0] and "Group" in rows[0]
    back = read_allocations(workspace / "alloc.xlsx", load_workspace(workspace / SETTINGS_FILE).library(), month=MONTH)
    assert not back.problems
    assert {(a.audit_id, a.activity) for a in back.allocations} == {(a.audit_id, a.activity) for a in audits}
    # the control sample per category is the programme's, not the settings' (13 CIN, 13 CP…)
    assert Counter(r["Category"] for r in rows if not r["Activity"]) == {"CIN": 4, "CP": 3, "CLA": 3}
    # each activity's cases are its cohort's, and nobody audits their own team's cases
    people = auditors_by_name()
    for row in rows:
        if row["Activity"] == MISSING:
            assert int(row["Missing episodes in the last 6 months"]) >= 1
            assert row["Audit type"] == f"Dip sample – {MISSING}"
        if row["Activity"] == THEMATIC:
            assert int(row["Social workers in the last 12 months"]) >= 5
        if row["Activity"] in (MISSING, THEMATIC):
            assert name_key(people[name_key(row["Auditor"])]["Team"]) != name_key(row["Team"])
    # a QA team + service dip sample: the QA officer (the service's own auditors are in the cases' teams)
    assert {r["Auditor"] for r in rows if r["Activity"] == MISSING} == {"Adaeze Okafor"}
    why = [r for r in openpyxl.load_workbook(workspace / "alloc.xlsx")["Why"].iter_rows(values_only=True)]
    said = [r[6] for r in why if r[5] == "Activity of the programme"]
    assert len(said) == 3 and any("14 cases match its cohort, 5 drawn" in s for s in said)


def test_a_group_audit_is_recorded_with_its_group_and_shown_on_the_form(workspace):
    from auditdocs.demo import THEMATIC_FORM, thematic_workbook

    # the thematic form written in a spreadsheet, with a detail for the group (the demo's)
    made = run("specs", "from-xlsx", thematic_workbook(workspace / "thematic.xlsx"))
    assert made.exit_code == 0, made.output
    rows = [list(r) for r in ROWS]
    rows[2][8] = THEMATIC_FORM
    write_programme(workspace / PROGRAMME_FILE, rows)
    allocate()
    thematic = [a for a in audits_of(workspace) if a.activity == THEMATIC]
    assert thematic and all(a.group == [PARTNER] for a in thematic)
    assert all(a.audit_type == f"Thematic audit – {THEMATIC} (group audit)" for a in thematic)  # no names: exported
    rows = [r for r in list_rows(workspace / "alloc.xlsx") if r["Activity"] == THEMATIC]
    assert {r["Group"] for r in rows} == {PARTNER}

    made = run("generate", "--data", "alloc.xlsx", "--month", "2026-11")
    assert made.exit_code == 0, made.output
    assert "29 audits recorded" in made.output
    after = audits_of(workspace)
    assert len(after) == 29  # the same ids: generate read the Activity column back
    kept = next(a for a in after if a.audit_id == thematic[0].audit_id)
    assert kept.group == [PARTNER] and kept.activity_type == "thematic audit" and kept.files
    assert kept.form_id == THEMATIC_FORM and kept.subject["group"] == PARTNER
    import zipfile

    with zipfile.ZipFile(kept.files[0]) as form:  # the form's header names the group
        assert "Audited with (the group)" in form.read("word/document.xml").decode()
        assert "Priya Madeup (health, critical friend)" in form.read("word/document.xml").decode()
    manifest = (workspace / "forms" / "2026-11" / "manifest.csv").read_text(encoding="utf-8-sig")
    assert all(a.audit_id in manifest for a in after)


def test_counts_toward_the_ten_only_where_the_programme_says_so(workspace):
    allocate()
    audits = audits_of(workspace)
    ws = load_workspace(workspace / SETTINGS_FILE)
    history = history_from(audits, ws.library(), dt.date(2026, 12, 1), ws.settings("allocation"))
    counted = Counter(name_key(a.auditor) for a in audits if a.activity in ("", THEMATIC))
    assert history.done == dict(counted)
    adaeze = name_key("Adaeze Okafor")
    assert sum(1 for a in audits if name_key(a.auditor) == adaeze and a.activity == MISSING) == 5
    assert history.done.get(adaeze, 0) == counted[adaeze] < counted[adaeze] + 5  # her dip sample is not counted
    # the next month allocates against that history
    december = run("allocate", "--month", "2026-12", "--cases", "cases.xlsx", "--auditors", "auditors.xlsx",
                   "--out", "alloc-12.xlsx")
    assert december.exit_code in (0, 1), december.output
    assert "The month's activities" not in december.output  # December has no activity: as without a programme


def test_a_wrong_cohort_column_stops_with_did_you_mean(workspace):
    rows = [list(r) for r in ROWS]
    rows[1][4] = "Missing episode in the last 6 month at least 1"
    write_programme(workspace / PROGRAMME_FILE, rows)
    result = allocate()
    assert result.exit_code == 2, result.output
    assert "programme.xlsx, row 3 of the programme" in result.output
    assert "names a column 'Missing episode in the last 6 month' that cases.xlsx does not have" in result.output
    assert "did you mean 'missing episodes in the last 6 months'" in result.output.lower()
    assert "Nothing was allocated, written or recorded." in result.output
    assert not (workspace / "alloc.xlsx").exists()
    assert not (workspace / "register" / "auditdocs.sqlite").exists()  # nothing recorded


def test_managers_dip_two_cases_each_from_their_own_team_reproducibly(workspace):
    allocate()
    people = auditors_by_name()
    managers = [p for p in people.values() if "manager" in p["Role"].lower() and "team" in p["Role"].lower()
                and p["Name"] != "Helen Marsh-Rigby"]  # her audit break in November is agreed: no dip sample
    dips = [a for a in audits_of(workspace) if a.activity == MANAGERS]
    assert Counter(name_key(a.auditor) for a in dips) == {name_key(p["Name"]): 2 for p in managers}
    assert all(a.form_id == "managers_dip_sample" and not a.counts_toward_ten for a in dips)
    assert all(name_key(a.team) == name_key(people[name_key(a.auditor)]["Team"]) for a in dips)

    again = allocate_month(load_workspace(workspace / SETTINGS_FILE), month=MONTH, cases=workspace / "cases.xlsx",
                           auditors=workspace / "auditors.xlsx", out=workspace / "again.xlsx", replace=True)
    assert not again.plan.impossible
    assert {(a.auditor, a.case_number) for a in dips} == {
        (row.auditor.name, row.case.case_number) for row in again.plan.rows if row.case.activity == MANAGERS}
    assert [o.activity.name for o in again.activities] == [MISSING, THEMATIC, MANAGERS]
    assert again.files == [workspace / "again.xlsx"] and again.programme == workspace / PROGRAMME_FILE


def test_a_managers_dip_form_made_filled_and_read_back(workspace):
    from auditdocs.demo import _fill, invent_answers

    allocate()
    assert run("generate", "--data", "alloc.xlsx", "--month", "2026-11").exit_code == 0
    ws = load_workspace(workspace / SETTINGS_FILE)
    library = ws.library()
    allocation = next(a for a in read_allocations(workspace / "alloc.xlsx", library, month=MONTH).allocations
                      if a.activity == MANAGERS)
    form = next(Path(f) for a in audits_of(workspace) if a.audit_id == allocation.audit_id for f in a.files)
    spec = library.get("managers_dip_sample")
    answers, tables = invent_answers(spec, allocation, random.Random(1), "good", incomplete=False)
    returned = workspace / "returned" / form.name
    returned.parent.mkdir(parents=True, exist_ok=True)
    returned.write_bytes(_fill(form, answers, tables))
    parsed = run("parse", returned, "--json", workspace / "parsed.json")
    assert parsed.exit_code == 0, parsed.output
    [record] = json.loads((workspace / "parsed.json").read_text(encoding="utf-8"))
    assert record["status"] == "complete" and record["problems"] == []
    assert record["form"]["id"] == "managers_dip_sample" and record["audit_id"] == allocation.audit_id
    assert record["answers"]["overall_grade"] == answers["overall_grade"]
    assert record["subject"]["audit_type"] == "Managers' dip samples"
    assert record["tables"]["actions"]


def test_the_example_programme_uses_the_managers_dip_form_and_says_who_audits(tmp_path):
    folder = tmp_path / "ws"
    init_workspace(folder, council="Anytown Borough Council")
    book = openpyxl.load_workbook(folder / PROGRAMME_FILE)
    rows = list(book["Programme"].iter_rows(values_only=True))
    dips = [r for r in rows if r[2] == "managers' dip samples"]
    assert dips and {r[8] for r in dips} == {"managers_dip_sample"} and {r[9] for r in dips} == {"No"}
    helps = " ".join(str(r[0]) for r in book["How to fill this in"].iter_rows(values_only=True) if r[0])
    assert "'Auditor group' is every auditor of the auditors list" in helps and "partner" in helps


def test_the_manifest_and_a_rebuilt_register_keep_each_audits_activity(workspace):
    allocate()
    assert run("generate", "--data", "alloc.xlsx", "--month", "2026-11").exit_code == 0
    before = {a.audit_id: a for a in audits_of(workspace)}
    with open(workspace / "forms" / "2026-11" / "manifest.csv", encoding="utf-8-sig") as fh:
        lines = {row["Audit id"]: row for row in csv.DictReader(fh)}
    thematic = next(a for a in before.values() if a.activity == THEMATIC)
    assert lines[thematic.audit_id]["Activity"] == THEMATIC and lines[thematic.audit_id]["Group"] == PARTNER
    assert lines[thematic.audit_id]["Counts toward the ten"] == "Yes"
    assert {r["Activity type"] for r in lines.values() if r["Activity"] == MISSING} == {"dip sample"}

    rebuilt = run("register", "rebuild")
    assert rebuilt.exit_code in (0, 1), rebuilt.output
    after = {a.audit_id: a for a in audits_of(workspace)}
    assert set(after) == set(before)
    assert {aid: (a.activity, a.activity_type, a.counts_toward_ten, a.group) for aid, a in after.items()} == \
        {aid: (a.activity, a.activity_type, a.counts_toward_ten, a.group) for aid, a in before.items()}


def test_a_list_with_an_activity_column_made_into_forms_without_allocate_keeps_it(workspace):
    """generate reads the Activity, Activity type, Counts toward the ten and Group columns of a list allocate did
    not record (another register): the same audit ids, and the audits recorded with their activity."""
    allocate()
    (workspace / "register" / "auditdocs.sqlite").rename(workspace / "allocated.sqlite")
    made = run("generate", "--data", "alloc.xlsx", "--month", "2026-11")
    assert made.exit_code == 0, made.output
    audits = audits_of(workspace)
    assert Counter(a.activity for a in audits) == {"": 10, MISSING: 5, THEMATIC: 4, MANAGERS: 10}
    assert {(a.activity_type, a.counts_toward_ten) for a in audits if a.activity == MISSING} == {("dip sample", False)}
    assert all(a.group == [PARTNER] for a in audits if a.activity == THEMATIC)


def test_check_takes_each_row_under_its_activitys_rules(workspace):
    """`allocate --check` on the list allocate wrote: a case in the control sample and a dip sample is two audits,
    a managers' dip sample of their own team breaks no rule, a dip sample that does not count is not over the ten."""
    allocate()
    checked = run("allocate", "--check", "alloc.xlsx", "--auditors", "auditors.xlsx", "--month", "2026-11")
    assert "Checked 29 rows of alloc.xlsx" in checked.output
    breaches = checked.output.split("breach")[1].split("Worth a look")[0]
    assert "row " not in breaches and "own team" not in breaches and "also in row" not in breaches
    assert "1 breach of the rules:" in checked.output and "asked for an audit break" in breaches  # the month's cap
