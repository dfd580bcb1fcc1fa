"""The year's audit programme (programme.xlsx): made by `auditdocs init` from Appendix D's schedule, checked by
`auditdocs programme check` (every problem with its sheet, row and column), a month shown by `programme show`."""
from __future__ import annotations

import datetime as dt
import shutil

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import calc_edit, gnumeric_edit, needs_gnumeric, needs_soffice

from auditdocs.cli import cli
from auditdocs.programme.plan import COLUMNS, TYPES, CohortRule, parse_rule
from auditdocs.workspace import PROGRAMME_FILE, init_workspace


def cli_run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A workspace as `auditdocs init` makes it (made once; each test copies its programme)."""
    folder = tmp_path_factory.mktemp("programme") / "Case file audits"
    init_workspace(folder, council="Anytown Borough Council")
    return folder


@pytest.fixture
def workspace(made, tmp_path, monkeypatch):
    folder = tmp_path / "ws"
    shutil.copytree(made, folder)
    monkeypatch.chdir(folder)
    return folder


def column_of(heading: str) -> int:
    return next(i for i, c in enumerate(COLUMNS, start=1) if c.heading == heading)


def edit(path, changes: dict[tuple[int, str], object]) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book["Programme"]
    for (row, heading), value in changes.items():
        sheet.cell(row, column_of(heading)).value = value
    book.save(path)


def activities_in(path) -> int:
    sheet = openpyxl.load_workbook(path)["Programme"]
    return sum(1 for row in sheet.iter_rows(min_row=2, values_only=True) if any(row))


def test_init_makes_the_programme_from_appendix_d_and_it_checks_clean(workspace):
    path = workspace / PROGRAMME_FILE
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Programme", "How to fill this in"]
    sheet = book["Programme"]
    assert [c.value for c in sheet[1]] == [c.heading for c in COLUMNS]
    assert all(c.font.bold for c in sheet[1]) and sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["D"].width >= 40  # the subject is readable
    lists = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert lists["C2:C500"] == '"' + ",".join(TYPES) + '"' and lists["J2:J500"] == '"Yes,No"'
    assert "csc_case_file_audit" in lists["I2:I500"]
    rows = [r for r in sheet.iter_rows(min_row=2, values_only=True)]
    january = [r for r in rows if r[0] == "2027-01"]
    control = next(r for r in january if r[2] == "control sample")
    assert control[5] == 40 and "Care leaver: 19" in control[6] and control[9] == "Yes"
    missing = next(r for r in january if r[1] == "Children who go missing")
    assert missing[2] == "dip sample" and missing[4] == "Missing episodes in the last 6 months at least 1"
    assert {r[2] for r in rows} == set(TYPES)  # every type of activity, as the example
    helps = [row[0] for row in book["How to fill this in"].iter_rows(values_only=True)]
    assert "Then check it: auditdocs programme check" in helps and any("Sample by category" in h for h in helps if h)

    checked = cli_run("programme", "check")
    assert checked.exit_code == 0, checked.output
    assert checked.output == f"The programme has {len(rows)} activities over 12 months; no problems.\n"
    assert "programme.xlsx" in (workspace / "README.md").read_text(encoding="utf-8")


def test_each_problem_names_its_sheet_row_and_column_and_the_other_rows_are_still_read(workspace):
    path = workspace / PROGRAMME_FILE
    total = activities_in(path)
    edit(path, {(2, "Type"): "Dip sampel",
                (3, "Form"): "csc_case_file_audt",
                (4, "Month"): "Smarch 2027",
                (5, "Sample size"): "forty",
                (6, "Cohort"): "Category is Foster carer\nMissing episodes more than 1",
                (7, "Auditors"): None,
                (8, "Counts toward the ten"): "Maybe",
                (9, "Month"): "January",
                (11, "Form"): None,  # February's second dip sample (only the action-completion check has none)
                (13, "Sample by category"): "CIN: 30\nCP: 30",  # February's control sample
                (17, "Form"): None, (18, "Sample size"): 0})
    checked = cli_run("programme", "check")
    assert checked.exit_code == 2
    out = checked.output
    place = f"{path}, sheet 'Programme', row"
    assert f"{place} 2, column 'Type': 'Dip sampel' is not a type of activity (did you mean 'dip sample'?)" in out
    assert f"{place} 3, column 'Form': 'csc_case_file_audt' is not a form of this workspace (did you mean " \
           "'csc_case_file_audit'?)" in out
    assert f"{place} 4, column 'Month': 'Smarch 2027' is not a month: write it as 2027-01 or January 2027." in out
    assert f"{place} 5, column 'Sample size': 'forty' is not a whole number of cases" in out
    assert f"{place} 6, column 'Cohort': 'Missing episodes more than 1' cannot be read as a cohort rule: write " \
           "it as '<column> is <value>'" in out
    assert f"{place} 7, column 'Auditors': is empty." in out
    assert f"{place} 8, column 'Counts toward the ten': 'Maybe' is neither Yes nor No" in out
    assert f"{place} 9, column 'Month': 'January' needs its year too: write it as 2027-01 or January 2027." in out
    assert f"{place} 13, column 'Sample by category': the categories add up to 60, more than the sample size (40)" \
        in out
    assert f"{place} 11, column 'Form': is empty. The form's id" in out
    assert "row 17, column" not in out  # February's action-completion check needs no form
    assert f"{place} 18, column 'Sample size': is 0: write how many cases (at least 1)" in out
    assert "11 problems in programme.xlsx" in out  # January's 8 rows all have one: 11 months left
    assert f"The programme has {total - 11} activities over 11 months that could be read; the rows with problems " \
           "were left out." in out


def test_a_month_excel_made_a_date_columns_moved_and_added_still_read(workspace):
    path = workspace / PROGRAMME_FILE
    book = openpyxl.load_workbook(path)
    sheet = book["Programme"]
    sheet["A2"].value = dt.datetime(2027, 1, 1)  # Excel turns a typed 2027-01 into a date
    sheet.insert_cols(3)
    sheet["C1"].value = "Notes of our own"
    sheet["C2"].value = "ask the missing team"
    book.save(path)
    checked = cli_run("programme", "check")
    assert checked.exit_code == 0, checked.output


def test_show_gives_a_months_activities_in_plain_words(workspace):
    shown = cli_run("programme", "show", "--month", "2027-01")
    assert shown.exit_code == 0, shown.output
    out = shown.output
    assert out.startswith("January 2027: 8 activities (programme.xlsx)")
    assert "1. Children who go missing (dip sample), row 2" in out
    assert "   Cohort: Missing episodes in the last 6 months at least 1" in out
    assert "   Sample: 40 (CIN: 7, CP: 7, CLA: 6, Placed for adoption: 1, Care leaver: 19)" in out
    assert "   Auditors: QA team + service; Dana Whitfield" in out
    assert "   Form: foster_carer_case_file_audit" in out
    assert "   Counts toward the auditor's ten a year: Yes" in out and "ten a year: No" in out
    assert "Private fostering (dip sample)" in cli_run("programme", "show", "--month", "2027-03").output
    assert "   Sample: everyone in the cohort" in cli_run("programme", "show", "--month", "2027-03").output
    none = cli_run("programme", "show", "--month", "2026-01")
    assert none.exit_code == 0 and "The programme has no activities in January 2026 (its months: January 2027," \
        in none.output
    assert cli_run("programme", "show", "--month", "2027-13").exit_code == 2

    edit(workspace / PROGRAMME_FILE, {(2, "Type"): "nonsense"})
    warned = cli_run("programme", "show", "--month", "2027-01")
    assert warned.exit_code == 1
    assert "Warning: 1 problem in programme.xlsx (those rows are left out): 'auditdocs programme check' lists " \
           "them." in warned.output and "January 2027: 7 activities" in warned.output


def test_a_programme_given_outside_a_workspace_and_files_that_cannot_be_used(made, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    asked = cli_run("programme", "check")
    assert asked.exit_code == 2 and "give the programme with --programme FILE" in asked.output
    given = tmp_path / "programme 2027.xlsx"
    shutil.copy(made / PROGRAMME_FILE, given)
    assert cli_run("programme", "check", "--programme", given).exit_code == 0  # the built-in forms' ids

    gone = cli_run("programme", "check", "--programme", tmp_path / "nowhere.xlsx")
    assert gone.exit_code == 2 and "nowhere.xlsx does not exist" in gone.output

    book = openpyxl.load_workbook(given)
    book["Programme"].title = "Programe"
    book.save(given)
    renamed = cli_run("programme", "check", "--programme", given)
    assert renamed.exit_code == 2
    assert "has no sheet 'Programme' (did you mean 'Programe'?)" in renamed.output

    book["Programe"].title = "Programme"
    book["Programme"].cell(1, column_of("Sample size")).value = "Sample sise"
    book.save(given)
    headless = cli_run("programme", "check", "--programme", given)
    assert headless.exit_code == 2
    assert f"{given}, sheet 'Programme', row 1: there is no column 'Sample size' (did you mean 'Sample sise'?)" \
        in headless.output

    given.write_bytes(b"not a workbook")
    assert "could not be read as an Excel workbook" in cli_run("programme", "check", "--programme", given).output


def test_cohort_rules_in_plain_words():
    assert parse_rule("Missing episodes in the last 6 months at least 1") == CohortRule(
        "Missing episodes in the last 6 months", "at least", number=1)
    assert parse_rule("Category is CIN or CP") == CohortRule("Category", "is", values=("CIN", "CP"))
    assert parse_rule("Legal status is not  Placed for adoption") == CohortRule(
        "Legal status", "is not", values=("Placed for adoption",))
    assert parse_rule("Age at most 17").words() == "Age at most 17"
    assert parse_rule("Re-referral within 12 months is Yes").column == "Re-referral within 12 months"
    assert parse_rule("Social workers more than 5") is None and parse_rule("at least 5") is None


@needs_soffice
def test_the_programme_edited_and_saved_by_libreoffice_still_reads(workspace, lo_profile):
    path = workspace / PROGRAMME_FILE
    calc_edit(path, {"Programme": {("2027-12", "Sample size"): 12}}, workspace / "lo", lo_profile)
    sheet = openpyxl.load_workbook(path)["Programme"]
    assert any(v.formula1 == '"Yes,No"' for v in sheet.data_validations.dataValidation)  # the lists are kept
    checked = cli_run("programme", "check")
    assert checked.exit_code == 0, checked.output
    shown = cli_run("programme", "show", "--month", "2027-12").output
    assert "Actions really completed (action-completion check)" in shown and "   Sample: 12" in shown
    assert "   Auditors: QA team + service; Dana Whitfield" in cli_run("programme", "show", "--month", "2027-01").output


def cases_export(path, rows: int = 30):
    """A case system's export of invented cases: every third has gone missing, every fifth is a care leaver."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Case number", "Category", "Team", "Date of birth", "Missing episodes in the last 6 months",
                  "Re-referral within 12 months", "Social workers in the last 12 months"])
    for n in range(rows):
        sheet.append([f"77{n:03d}", "Care leaver" if n % 5 == 0 else "Child in Need", f"Team {n % 3}",
                      dt.datetime(2008 + n % 10, 3, 1), n % 3 if n % 4 else "unknown", "Y" if n % 2 else "No",
                      n % 7])
    book.save(path)
    return path


def test_cohort_rules_drawn_from_the_case_systems_export(workspace, tmp_path):
    from auditdocs.allocate.cohort import draw_cohort, read_export
    from auditdocs.programme.run import programme_month
    from auditdocs.workspace import find_workspace

    cases = cases_export(tmp_path / "cases 2027-01.xlsx")
    edit(workspace / PROGRAMME_FILE, {(4, "Cohort"): "Social workers in the last 12 months at least 5\nAge at most 14"})
    january = programme_month(find_workspace(workspace), dt.date(2027, 1, 1))
    missing, rereferral, changes = january.activities[:3]
    export = read_export(cases)

    drawn = draw_cohort(missing, export, seed=7)
    expected = [n + 2 for n in range(30) if n % 3 and n % 4]  # at least 1 episode; 'unknown' is no number
    assert drawn.problems == [] and drawn.matched == expected and len(drawn.drawn) == min(20, len(expected))
    assert "8 cases with no number in 'Missing episodes in the last 6 months' are not in the cohort." in drawn.notes
    assert draw_cohort(missing, export, seed=7).drawn == drawn.drawn  # the same seed, the same cases
    assert set(drawn.drawn) <= set(drawn.matched)
    assert drawn.lines()[0].startswith(f"Children who go missing (dip sample, January 2027): {len(expected)} cases "
                                       "of cases 2027-01.xlsx match the cohort")

    yes = draw_cohort(rereferral, export, seed=1)
    assert yes.matched == [n + 2 for n in range(30) if n % 2]  # "Y" is Yes
    assert len(yes.drawn) == 15 and "25 asked for, but only 15 cases match the cohort: 15 drawn." in yes.notes

    aged = draw_cohort(changes, export)  # Age from the date of birth, at the start of January 2027
    assert aged.matched == [n + 2 for n in range(30) if n % 7 >= 5 and 2027 - (2008 + n % 10) - 1 <= 14]

    edit(workspace / PROGRAMME_FILE, {(2, "Cohort"): "Mising episodes in the last 6 months at least 1"})
    shown = cli_run("programme", "draw", "--month", "2027-01", "--cases", cases, "--seed", "7")
    assert shown.exit_code == 2
    assert "the cohort rule 'Mising episodes in the last 6 months at least 1' names a column 'Mising episodes in " \
           "the last 6 months' that cases 2027-01.xlsx does not have (did you mean 'Missing episodes in the last 6 " \
           "months'?): write the column's heading as the export has it." in shown.output
    assert "The columns of cases 2027-01.xlsx: 'Case number', 'Category'" in shown.output
    assert "Children who go missing (dip sample, January 2027): not drawn." in shown.output
    assert "Re-referrals (dip sample, January 2027): 15 cases of cases 2027-01.xlsx match" in shown.output  # still
    one = cli_run("programme", "draw", "--month", "2027-01", "--cases", cases, "--activity", "re-referrals")
    assert one.exit_code == 0 and one.output.count("cases of cases 2027-01.xlsx match") == 1
    wrong = cli_run("programme", "draw", "--month", "2027-01", "--cases", cases, "--activity", "Re-referal")
    assert wrong.exit_code == 2 and "(did you mean 'Re-referrals'?)" in wrong.output


def test_the_sample_by_category_comes_first(workspace, tmp_path):
    from auditdocs.allocate.cohort import draw_cohort, read_export
    from auditdocs.programme.run import programme_month
    from auditdocs.workspace import find_workspace

    cases = cases_export(tmp_path / "cases.xlsx", rows=60)
    edit(workspace / PROGRAMME_FILE, {(5, "Cohort"): "Category is CIN or Care leaver", (5, "Sample size"): 20,
                                      (5, "Sample by category"): "Care leaver: 11"})
    control = programme_month(find_workspace(workspace), dt.date(2027, 1, 1)).activities[3]
    drawn = draw_cohort(control, read_export(cases), seed=3)
    leavers = [n for n in drawn.drawn if (n - 2) % 5 == 0]
    assert len(drawn.drawn) == 20 and len(leavers) == 11  # 12 care leavers on the list: 11 of them drawn first
    assert len(drawn.matched) == 60


def test_check_with_the_export_names_every_cohort_column_it_lacks(workspace, tmp_path):
    cases = cases_export(tmp_path / "cases.xlsx")
    checked = cli_run("programme", "check", "--cases", cases)
    assert checked.exit_code == 2
    assert "Error: row 5 of the programme ('Monthly control sample', January 2027)" not in checked.output  # Category
    assert "the cohort rule 'Disability is Yes' names a column 'Disability' that cases.xlsx does not have: write" \
        in checked.output
    assert checked.output.count("The columns of cases.xlsx: 'Case number', 'Category', 'Team'") == 1
    assert "\n21 cohort rule(s) name a column that cases.xlsx does not have: correct the rules, or the headings of " \
           "the export.\n" in checked.output


@needs_gnumeric
def test_the_programme_edited_and_saved_by_gnumeric_still_reads(workspace):
    path = workspace / PROGRAMME_FILE
    gnumeric_edit(path, {"Programme": {"F2": 12, "C3": "thematic audit"}}, workspace / "gnumeric")
    checked = cli_run("programme", "check")
    assert checked.exit_code == 0, checked.output
    shown = cli_run("programme", "show", "--month", "2027-01").output
    assert "1. Children who go missing (dip sample), row 2" in shown and "   Sample: 12" in shown
    assert "2. Re-referrals (thematic audit), row 3" in shown
    assert "   Cohort: Category is CIN or CP or CLA or Placed for adoption or Care leaver" in shown
