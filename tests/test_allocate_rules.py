"""Allocation's decisions one by one: the settings, reading the lists, the rules, the draw, the solver,
and the sample month the demo starts from."""
from __future__ import annotations

import datetime as dt

import pytest
from allocate_year import (
    CASE_HEADINGS,
    NOV,
    SETTINGS,
    auditor_rows,
    case_row,
    sheet_rows,
    write_cases,
    write_table,
)
from helpers import SAMPLES

from auditdocs.allocate import AllocationSettings, allocate_month
from auditdocs.allocate import rules as r
from auditdocs.allocate.allocation_list import read_allocations
from auditdocs.allocate.history import History, ReAudit
from auditdocs.allocate.lists import read_auditors, read_cases
from auditdocs.allocate.plan import allocate, facts_for
from auditdocs.allocate.sample import draw
from auditdocs.allocate.solver import Problem, bottleneck, solve
from auditdocs.domain import model as m
from auditdocs.errors import UserError
from auditdocs.generate.run import generate
from auditdocs.register import open_register
from auditdocs.workspace import workspace_without_settings

# ---- settings ------------------------------------------------------------------------------------------


def test_settings_from_a_toml_table_with_categories_as_people_write_them():
    settings, warnings = AllocationSettings.from_mapping(
        {"year_start": "January", "own": "Service", "sample": {"Child in Need": 5, "Foster carers": 2},
         "forms": {"Youth justice": "csc_case_file_audit"}, "role_forms": {"foster_carer_case_file_audit": "IFRO"},
         "colour": "blue"}, "auditdocs.toml, [allocation] table")
    assert settings.year_start == 4 and settings.own == "service"  # the audit year: set in [council] only
    assert settings.sample == {"CIN": 5, "Foster carer": 2}
    assert settings.form_for("Youth Justice") == "csc_case_file_audit"
    assert settings.form_for("EH") == "eh_case_file_audit"
    assert settings.role_forms == {"foster_carer_case_file_audit": ("IFRO",)}
    assert warnings == ["auditdocs.toml, [allocation] table: 'year_start' is ignored here: it is set once for every "
                        "table, in the [council] table (year_start = …).",
                        "auditdocs.toml, [allocation] table: this version of auditdocs does not know 'colour'; it is "
                        "ignored (known there: audits_per_year, break_percent, own, recent_months, "
                        "re_audit_same_auditor, sample, forms, role_forms)."]


@pytest.mark.parametrize("section, message", [
    ({"audits_per_year": "ten"}, "'audits_per_year' must be a whole number from 1 to 120, for example 10"),
    ({"break_percent": 120}, "'break_percent' must be a percentage from 0 to 100"),
    ({"own": "department"}, "'own' must be \"team\""),
    ({"re_audit_same_auditor": "yes"}, "must be true or false (without quotes)"),
    ({"sample": {"CIN": -1}}, "'sample' CIN must be a whole number 0 or more"),
])
def test_a_wrong_setting_names_the_file_the_key_and_what_to_write(section, message):
    with pytest.raises(UserError) as error:
        AllocationSettings.from_mapping(section, "auditdocs.toml, [allocation] table")
    assert error.value.message.startswith("auditdocs.toml, [allocation] table: ") and message in error.value.message


# ---- reading the lists --------------------------------------------------------------------------------


def test_the_auditors_list_breaks_exemptions_and_rows_that_cannot_be_used(tmp_path):
    rows = auditor_rows({"Ann Testworth", "Cat Madeupson", "Dev Notreal"})
    rows[2][5], rows[2][7] = "Xmas; 2027-01", "9903001"  # Dev: a month that is not one
    rows.append(["Ann Testworth", "", "South", "", "", "", "", ""])
    rows.append(["Zoe Teamless", "zoe.example.org", "", "", "", "", "", ""])
    rows.append(["Kim Exempt", "kim@example.org", "East", "", "IRO", "January, March", "02/10/2026",
                 "9903001; 9903002"])
    path = write_table(tmp_path / "auditors.xlsx", ["Name", "Email address", "Team", "Service", "Job title",
                                                    "Audit break", "Break requested on", "Do not allocate"], rows)
    read = read_auditors(path, SETTINGS, NOV)
    assert [a.name for a in read.auditors] == ["Ann Testworth", "Cat Madeupson", "Kim Exempt"]
    cat, kim = read.auditors[1], read.auditors[2]
    assert [b.month for b in cat.breaks] == [NOV, dt.date(2027, 2, 1)]  # "Nov" is this audit year's
    assert [b.month for b in kim.breaks] == [dt.date(2027, 1, 1), dt.date(2027, 3, 1)]
    assert {b.requested_on for b in kim.breaks} == {dt.date(2026, 10, 2)}
    assert kim.exempt_cases == {"9903001", "9903002"} and kim.role == "IRO"
    problems = {p.row: p.message for p in read.problems}
    assert "'Xmas' in the break months is not a month" in problems[4]
    assert "also in row 2" in problems[5] and "has no team" in problems[6]


def test_an_auditors_list_without_a_team_column_is_refused(tmp_path):
    path = write_table(tmp_path / "auditors.xlsx", ["Name", "Role"], [["Ann Testworth", "Team manager"]])
    with pytest.raises(UserError, match="has no 'Team' column"):
        read_auditors(path, SETTINGS, NOV)


def test_the_cases_list_is_matched_as_generate_matches_and_bad_rows_are_reported(tmp_path, library):
    rows = [case_row("9907001", "Child in Need", "North"),
            case_row("9907002", "Youth justice", "South"),          # no form for the category
            case_row("9907003", "CLA", "East") + ["Yes"],
            case_row("9907001", "CIN", "North"),                     # the same case again
            case_row("9907004", "Foster carer", "Fostering"),
            case_row("", "CP", "North") + ["x"]]                      # no case number, marked
    rows[4][5] = ""  # no social worker (the foster carer form needs one)
    path = write_cases(tmp_path / "cases.xlsx", rows, CASE_HEADINGS + ["In sample"])
    read = read_cases(path, library, SETTINGS, NOV)
    assert [(c.case_number, c.category, c.form_id) for c in read.cases] == [
        ("9907001", "CIN", "csc_case_file_audit"), ("9907003", "CLA", "csc_case_file_audit")]
    first = read.cases[0]
    assert first.subject["family_name"] == "Testworth" and first.subject["date_of_birth"] == "2014-01-01"
    assert first.service == "Safeguarding" and not first.marked and read.cases[1].marked
    problems = {p.row: p.message for p in read.problems}
    assert "no form is set for the category 'Youth justice'" in problems[3]
    assert "the same case as row 2" in problems[5]
    assert "Fostering social worker is missing" in problems[6]
    assert "Case number is missing" in problems[7] and [p.row for p in read.marked_unusable] == [7]


def test_the_cases_list_names_forms_as_the_allocation_list_does(tmp_path, library):
    """The Form column takes the names generate takes: id, title, short name, an alias; so do the settings."""
    rows = [case_row("9907011", "", "North", form="csc_case_file_audit"),
            case_row("9907012", "", "South", form="Case File Audit Tool — Children's Social Care"),
            case_row("9907013", "", "East", form="Children's Social Care"),
            case_row("9907014", "", "West", form="CSC"),
            case_row("9907015", "", "North", form="Front Door"),  # the start of two forms' short names
            case_row("9907016", "", "North", form="Soshal care"),
            case_row("9907017", "Youth justice", "South"),
            case_row("9907018", "Care leaver", "East")]
    path = write_cases(tmp_path / "cases.xlsx", rows)
    settings, _ = AllocationSettings.from_mapping({"forms": {"Youth justice": "Social care",
                                                             "Care leaver": "Leaving care audit"}}, "settings")
    read = read_cases(path, library, settings, NOV)
    assert [(c.case_number, c.form_id) for c in read.cases] == [
        (f"990701{n}", "csc_case_file_audit") for n in (1, 2, 3, 4, 7)]
    problems = {p.row: p.message for p in read.problems}
    assert "'Front Door' could be any of these forms" in problems[6]
    assert "there is no form 'Soshal care' (did you mean 'Social care', csc_case_file_audit?)" in problems[7]
    assert ("the [allocation.forms] settings name the form 'Leaving care audit' for 'Care leaver', but there is no "
            "form 'Leaving care audit'") in problems[9]


# ---- the rules, one by one ------------------------------------------------------------------------------


def auditor(name, team, service="", role="Team manager", breaks=(), row=1):
    return m.Auditor(name, team, service, role, breaks=tuple(m.BreakRequest(NOV, on) for on in breaks), row=row)


def case(number, team, form="csc_case_file_audit", service="", re_audit_of="", row=2):
    return m.Case(row, form, {"case_number": number, "team": team, "auditor": ""}, "CIN", service,
                  re_audit_of=re_audit_of)


def facts(auditors, settings=SETTINGS, **history):
    return facts_for(auditors, History(NOV, 2026, **history), settings)


def test_own_service_when_the_settings_say_so():
    ann = auditor("Ann Testworth", "North", "Safeguarding")
    south = case("9908001", "South", service="Safeguarding")
    assert r.own_team(south, ann, facts([ann])) is None
    service = AllocationSettings(own="service")
    assert "own service" in r.own_team(south, ann, facts([ann], service)).what
    south.subject["team_manager"] = "Ann  TESTWORTH"
    assert r.own_team(south, ann, facts([ann])).what == "Ann Testworth is the case's team manager."


def test_the_break_limit_is_first_asked_first_agreed():
    people = [auditor(f"Auditor {n}", "North", row=n, breaks=[dt.date(2026, 10, 20 - n)] if n < 4 else [])
              for n in range(11)]
    decision = r.break_decision(people, NOV, SETTINGS)
    assert decision.limit == 2 and [a.name for a in decision.granted] == ["Auditor 3", "Auditor 2"]
    assert [a.name for a in decision.over] == ["Auditor 1", "Auditor 0"]
    assert "Ask Auditor 1 (asked 19/10/2026), Auditor 0 (asked 20/10/2026) to move" in \
        r.break_cap(decision, SETTINGS).todo


def test_a_re_audit_waits_for_the_last_month_that_still_meets_its_deadline():
    assert r.re_audit_now(dt.date(2026, 12, 20), NOV)  # December's audits end on 31/12, too late
    assert not r.re_audit_now(dt.date(2026, 12, 31), NOV)  # December still meets it
    assert r.re_audit_due(dt.date(2026, 11, 20), NOV) == dt.date(2026, 11, 20)
    assert r.re_audit_due(dt.date(2026, 12, 20), NOV) == dt.date(2026, 11, 30)
    assert r.re_audit_due(dt.date(2026, 10, 20), NOV) == dt.date(2026, 11, 30)  # already late: by the month's end


def test_a_re_audit_goes_elsewhere_when_its_auditor_is_on_a_break_and_says_why():
    dev = auditor("Dev Notreal", "West", breaks=[dt.date(2026, 10, 1)], row=1)
    jon = auditor("Jon Fabricate", "West", row=2)
    hal = auditor("Hal Storybook", "East", row=3)
    original = m.RegisteredAudit("AUD-202610-ORIGINAL", "csc_case_file_audit", subject={"auditor": "Dev Notreal"})
    history = History(NOV, 2026, re_audits=[ReAudit(original, dt.date(2026, 12, 15))])
    rules = facts_for([dev, jon, hal], history, AllocationSettings(break_percent=50))
    plan = allocate([case("9903003", "North", re_audit_of=original.audit_id)], [dev, jon, hal], rules, 1)
    (row,) = plan.rows
    assert row.auditor.name in ("Jon Fabricate", "Hal Storybook")
    (note,) = row.unmet
    assert note.rule == "re_audit_elsewhere" and "has an audit break in November 2026" in note.what


def test_forms_go_to_the_roles_the_settings_name_where_they_can():
    settings = AllocationSettings(role_forms={"foster_carer_case_file_audit": ("IFRO", "Fostering service manager")})
    people = [auditor(f"Manager {n}", f"Team {n}", row=n) for n in range(4)] + [auditor("Hal Storybook", "East",
                                                                                         role="IFRO", row=9)]
    carers = [case(f"990900{n}", "Fostering", form="foster_carer_case_file_audit", row=n) for n in range(2)]
    plan = allocate(carers, people, facts(people, settings), 1)
    given = sorted(row.auditor.name for row in plan.rows)
    assert given[0] == "Hal Storybook"  # the one IRO takes one; the other goes elsewhere (an even load)
    assert sum(1 for row in plan.rows if row.unmet and row.unmet[0].rule == "role_for_form") == 1


# ---- the draw and the solver ------------------------------------------------------------------------


def test_the_draw_spreads_over_teams_leaves_out_recent_cases_and_says_when_short():
    pool = [m.Case(n, "csc_case_file_audit", {"case_number": f"99100{n:02d}", "team": f"Team {n % 3}"},
                   "CIN" if n < 12 else "CP") for n in range(15)]
    chosen, short = draw(pool, {"CIN": 6, "CP": 5}, {"9910000", "9910003"}, seed=4, recent_months=6)
    cin = [c for c in chosen if c.category == "CIN"]
    assert len(cin) == 6 and {c.team for c in cin} == {"Team 0", "Team 1", "Team 2"}
    assert not {"9910000", "9910003"} & {c.case_number for c in chosen}
    assert [c.case_number for c in chosen] == [c.case_number for c in draw(pool, {"CIN": 6, "CP": 5},
                                                                             {"9910000", "9910003"}, 4, 6)[0]]
    (note,) = short
    assert "asks for 5 CP cases, but the cases list has only 3 that may be drawn" in note.what


def test_the_bottleneck_is_the_group_of_cases_its_auditors_cannot_take():
    # cases 0-2 may only go to auditor 0 (2 left); case 3 to anyone
    problem = Problem(4, 3, [(0, 0), (1, 0), (2, 0), (3, 0), (3, 1), (3, 2)], [0.0] * 6, [2, 5, 5], [0, 0, 0])
    stuck = bottleneck(problem)
    assert stuck.cases == [0, 1, 2] and stuck.auditors == [0] and stuck.short == 1
    problem.capacity = [3, 5, 5]
    assert bottleneck(problem) is None and solve(problem)[:3] == [0, 0, 0]


def test_the_solver_gives_more_to_those_with_most_audits_left_this_year():
    problem = Problem(4, 2, [(c, a) for c in range(4) for a in range(2)], [0.0] * 8, [1, 8], [9, 2])
    assert solve(problem) == [1, 1, 1, 1]
    problem.done = [2, 2]
    assert sorted(solve(problem)) == [0, 1, 1, 1]  # one is all auditor 0 may still have


# ---- the sample month of the demo -----------------------------------------------------------------------


def test_the_sample_month_allocates_the_marked_sixty_and_generate_makes_their_forms(tmp_path, library):
    out = tmp_path / "allocations-2026-11.xlsx"
    ws = workspace_without_settings(tmp_path).with_files(register=tmp_path / "register.sqlite")
    result = allocate_month(ws, month=NOV, cases=SAMPLES / "cases_2026-11.xlsx", auditors=SAMPLES / "auditors.xlsx",
                            out=out, today=dt.date(2026, 10, 30))
    assert len(result.plan.rows) == 60 and result.out == out
    rows = sheet_rows(result.out)
    sample = {row["Case number"]: row for row in sheet_rows(SAMPLES / "allocations_2026-11.xlsx")}
    assert {row["Case number"] for row in rows} == set(sample)
    for row in rows:
        assert row["Form"] == sample[row["Case number"]]["Form"]
        assert row["Audit type"] == sample[row["Case number"]]["Audit type"]
    assert "Helen Marsh-Rigby" not in {row["Auditor"] for row in rows}  # her November break stands
    assert any("Imran Chaudhry" in n.todo for n in result.plan.notes)  # his is one too many
    made = generate(read_allocations(result.out, library), library, tmp_path / "forms")
    assert made.count("generated") == 60
    with open_register(tmp_path / "register.sqlite") as reg:
        assert {a.audit_id for a in reg.audits()} == {e.audit_id for e in made.entries}


def test_lists_may_be_csv_files_and_a_missing_service_column_is_said(tmp_path):
    path = tmp_path / "auditors.csv"
    path.write_text("Name,Team,Role,Break months\nAnn Testworth,North,Team manager,2026-11\n", encoding="utf-8-sig")
    read = read_auditors(path, AllocationSettings(own="service"), NOV)
    assert [(a.name, a.team, [b.month for b in a.breaks]) for a in read.auditors] == [("Ann Testworth", "North", [NOV])]
    assert any("no 'Service' column" in note for note in read.notes)
