"""Allocating a month, checking a hand-made list and reallocating, through real files: the cases and
auditors lists as .xlsx, the invented year in a real register (allocate_year), the allocation list
read back by generate."""
from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from allocate_year import (
    AUDITOR_HEADINGS,
    CASE_HEADINGS,
    NOV,
    SERVICES,
    SETTINGS,
    auditor_rows,
    case_row,
    pool_rows,
    sheet_rows,
    write_auditors,
    write_cases,
    write_table,
    year_register,
    year_workspace,
)
from click.testing import CliRunner
from helpers import SPECS

from auditdocs.allocate import allocate_month, check_allocation, reallocate_audit
from auditdocs.allocate.allocation_list import key, read_allocations
from auditdocs.allocate.history import history_from
from auditdocs.cli import cli
from auditdocs.domain import cycle
from auditdocs.domain import model as m
from auditdocs.errors import UserError
from auditdocs.generate.run import generate
from auditdocs.register import audit_from_allocation, open_register

TODAY = dt.date(2026, 10, 30)
TEAM_OF = {row[0]: row[2] for row in auditor_rows()}


@pytest.fixture
def year(tmp_path, library):
    """The folder, with auditors.xlsx, cases.xlsx and the register of the invented year."""
    returned = tmp_path / "returned"
    returned.mkdir()
    year_register(tmp_path / "register.sqlite", library, returned)
    write_auditors(tmp_path / "auditors.xlsx")
    write_cases(tmp_path / "cases.xlsx")
    return tmp_path


def allocate(year, library, *, cases="cases.xlsx", auditors="auditors.xlsx", out="allocations.xlsx", **options):
    return allocate_month(year_workspace(year, options.pop("settings", SETTINGS)), month=NOV, cases=year / cases,
                          auditors=year / auditors, out=year / out, today=TODAY, **options)


def register_audits(year, month=NOV):
    with open_register(year / "register.sqlite") as reg:
        return reg.audits(month=month)


def test_every_hard_rule_holds_in_the_month_allocated(year, library):
    result = allocate(year, library)
    assert not result.plan.impossible and result.out.exists()
    listed = read_allocations(result.out, library, month=NOV)
    assert not listed.problems and len(listed.allocations) == 15  # the re-audit and 14 drawn
    with open_register(year / "register.sqlite") as reg:
        everything = reg.audits()
    history = history_from([a for a in everything if a.month != NOV], library, NOV, SETTINGS)
    per_auditor = Counter(a.values["auditor"] for a in listed.allocations)
    for allocation in listed.allocations:
        auditor, case = allocation.values["auditor"], allocation.values["case_number"]
        assert TEAM_OF[auditor] != allocation.values["team"], allocation  # never their own team
        assert auditor not in ("Ann Testworth", "Ben Fictionby"), allocation  # their November breaks stand
        assert (auditor, case) != ("Jon Fabricate", "9903002")  # exempted from it before
        last = history.last.get(case)
        assert last is None or last.auditor != auditor or case == "9903003"  # never twice running (bar the re-audit)
    for auditor, count in per_auditor.items():
        assert history.done_by(auditor) + count <= 10, auditor
    assert "Gus Imaginary" not in per_auditor  # his ten are done
    categories = Counter(row["Category"] for row in sheet_rows(result.out)
                         if row["Audit type"] != "Re-audit (Inadequate)")
    assert categories == {"CIN": 4, "CP": 4, "CLA": 4, "Foster carer": 2}
    drawn = {a.values["case_number"] for a in listed.allocations}
    assert not drawn & {"9903001", "9903004", "9903005", "9903006", "9903007"}  # audited in the last six months
    teams = Counter(a.values["team"] for a in listed.allocations if a.values["audit_type"].endswith("CIN"))
    assert teams == {"North": 2, "South": 2}  # spread across the category's teams


def test_the_re_audit_comes_first_to_the_same_auditor_and_is_linked_in_the_register(year, library):
    result = allocate(year, library)
    first = sheet_rows(result.out)[0]
    assert first["Case number"] == "9903003" and first["Auditor"] == "Dev Notreal"
    assert first["Audit type"] == "Re-audit (Inadequate)" and first["Due date"] == dt.datetime(2026, 11, 30)
    recorded = {a.case_number: a for a in register_audits(year)}
    re_audit = recorded["9903003"]
    assert re_audit.source == "allocate" and re_audit.re_audit_of and re_audit.auditor_role == "Team manager"
    with open_register(year / "register.sqlite") as reg:
        states = cycle.standings(reg.audits(), library, dt.date(2026, 11, 2))
    assert states[re_audit.re_audit_of].re_audit == re_audit.audit_id
    why = sheet_rows(result.out, "Why")[0]["Why this auditor"]
    assert "Re-audit of" in why and "as the settings ask" in why


def test_the_list_is_what_generate_reads_and_generate_lands_on_the_same_audits(year, library):
    result = allocate(year, library)
    listed = read_allocations(result.out, library)  # as `generate --data` reads it, without --month
    made = generate(listed, library, year / "forms")
    assert made.all_generated and made.count("generated") == 15
    recorded = {a.audit_id: a for a in register_audits(year)}
    assert {e.audit_id for e in made.entries} == set(recorded)
    assert all(a.source == "allocate" and a.service in SERVICES.values() for a in recorded.values())
    why = {row["Audit id"]: row for row in sheet_rows(result.out, "Why") if row["Audit id"]}
    assert set(why) == set(recorded)
    with open_register(year / "register.sqlite", write=True) as reg:  # generate recording its forms (phase B)
        new = reg.record_audits(audit_from_allocation(library.get(a.form_id), a, source="generate",
                                                      files=[f"{a.audit_id}.docx"]) for a in listed.allocations)
    assert new == 0


def test_the_same_seed_gives_the_same_allocation_and_another_seed_another(tmp_path, library):
    lists = {}
    for name, seed in (("one", 7), ("two", 7), ("three", 8)):
        folder = tmp_path / name
        (folder / "returned").mkdir(parents=True)
        year_register(folder / "register.sqlite", library, folder / "returned")
        write_auditors(folder / "auditors.xlsx")
        write_cases(folder / "cases.xlsx")
        result = allocate(folder, library, seed=seed)
        lists[name] = [(r["Case number"], r["Auditor"]) for r in sheet_rows(result.out)]
    assert lists["one"] == lists["two"]
    assert {c for c, _ in lists["one"]} != {c for c, _ in lists["three"]}


def test_marked_rows_are_the_sample_and_the_rules_decide_who_takes_them(year, library):
    rows = pool_rows()
    marks = {"9903001", "9903002"}
    write_cases(year / "marked.xlsx", [r + ["Yes" if r[0] in marks else ""] for r in rows],
                CASE_HEADINGS + ["Audit this month"])
    write_auditors(year / "three.xlsx", auditor_rows({"Ann Testworth", "Ivy Unreal", "Jon Fabricate"}))
    result = allocate(year, library, cases="marked.xlsx", auditors="three.xlsx")
    given = {r["Case number"]: r["Auditor"] for r in sheet_rows(result.out)}
    # Ann is in North (their team); Ivy audited 9903001 last time; Jon was exempted from 9903002
    assert given == {"9903003": "Jon Fabricate", "9903001": "Jon Fabricate", "9903002": "Ivy Unreal"}
    assert "Audit this month" not in sheet_rows(result.out)[0]


def test_an_impossible_month_is_reported_and_nothing_is_written_or_recorded(year, library):
    west = [case_row(f"990500{i}", "CLA", "West", i, form="csc_case_file_audit") + ["Yes"] for i in range(3)]
    write_cases(year / "west.xlsx", west, CASE_HEADINGS + ["Audit this month"])
    write_auditors(year / "few.xlsx", auditor_rows({"Dev Notreal", "Jon Fabricate", "Gus Imaginary"}))
    before = {a.audit_id for a in register_audits(year)}
    result = allocate(year, library, cases="west.xlsx", auditors="few.xlsx", out="never.xlsx")
    assert result.out is None and not (year / "never.xlsx").exists()
    assert {a.audit_id for a in register_audits(year)} == before
    (why,) = result.plan.impossible
    assert "may only go to Gus Imaginary (0 left)" in why and "Not enough auditors outside" in why
    assert "Dev Notreal, Jon Fabricate" in why and "No audits left this audit year" in why
    run = CliRunner().invoke(cli, ["--specs", str(SPECS), "allocate", "--month", "2026-11", "--cases",
                                   str(year / "west.xlsx"), "--auditors", str(year / "few.xlsx"), "--register",
                                   str(year / "register.sqlite"), "--out", str(year / "never.xlsx")])
    assert run.exit_code == 2 and "Nothing was allocated for November 2026" in run.output
    assert not (year / "never.xlsx").exists()


def test_break_requests_over_the_limit_are_named_in_the_order_they_came(year, library):
    result = allocate(year, library)
    (cap,) = [n for n in result.plan.notes if n.rule == "break_cap"]
    assert "at most 2 of the 10 auditors (20%)" in cap.what
    assert cap.what.index("Ann Testworth") < cap.what.index("Ben Fictionby")
    assert "Ask Cat Madeupson (asked 20/10/2026) to move" in cap.todo
    assert cap in result.plan.attention
    whole_month = [row for row in sheet_rows(result.out, "Why") if row["Why this auditor"] == "For the whole month"]
    assert any("Cat Madeupson" in row["What to do"] for row in whole_month)


def test_allocating_a_month_again_needs_replace_which_cancels_what_is_not_kept(year, library):
    first = allocate(year, library)
    with pytest.raises(UserError, match="is already there"):  # never over a list someone may have worked on
        allocate(year, library, seed=99)
    with pytest.raises(UserError, match="already allocated"):
        allocate(year, library, seed=99, out="other.xlsx")
    again = allocate(year, library, seed=99, replace=True, out="again.xlsx")
    kept = {row["Audit id"] for row in sheet_rows(again.out, "Why") if row["Audit id"]}
    audits = {a.audit_id: a for a in register_audits(year)}
    cancelled = {aid for aid, a in audits.items() if a.events_of("cancelled")}
    assert cancelled and cancelled == set(audits) - kept and again.replaced == len(cancelled)
    assert all(not cycle.counts_towards_load(audits[aid]) for aid in cancelled)
    assert first.recorded == again.recorded == 15
    first_ids = {row["Audit id"] for row in sheet_rows(first.out, "Why") if row["Audit id"]}
    third = allocate(year, library, replace=True, out="third.xlsx")  # the first seed again: the first list back
    third_ids = {row["Audit id"] for row in sheet_rows(third.out, "Why") if row["Audit id"]}
    assert third_ids == first_ids and third.replaced == len(kept - first_ids)
    audits = {a.audit_id: a for a in register_audits(year)}
    assert {aid for aid, a in audits.items() if cycle.counts_towards_load(a)} == first_ids
    with open_register(year / "register.sqlite", write=True) as reg:
        reg.record_events([m.Event("sent_back", dt.date(2026, 11, 20), next(iter(third_ids)))])
    with pytest.raises(UserError, match="cannot be allocated again"):
        allocate(year, library, replace=True, out="fourth.xlsx")


# ---- checking a hand-made list ---------------------------------------------------------------------


def hand_made(year, rows: list[tuple[str, str, str]]) -> str:
    """An allocation list as a QA officer makes it: (case number, team, auditor) per row."""
    headings = ["Form", "Case number", "Family name", "Given names", "Social worker", "Team manager", "Team",
                "Auditor", "Due date"]
    write_table(year / "hand.xlsx", headings, [["csc_case_file_audit", case, "Madeupson", "Alex", "Sam Worker",
                                                "Terry Manager", team, auditor, dt.date(2026, 11, 30)]
                                               for case, team, auditor in rows])
    return "hand.xlsx"


def test_every_breach_of_a_hand_made_list_is_found_with_its_row(year, library):
    name = hand_made(year, [
        ("9906001", "South", "Fay Pretendon"),   # row 2: fine
        ("9906002", "East", "Hal Storybook"),    # row 3: his own team
        ("9906003", "South", "Ann Testworth"),   # row 4: on her break
        ("9903002", "North", "Jon Fabricate"),   # row 5: exempted from it before
        ("9903001", "North", "Ivy Unreal"),      # row 6: audited it last time
        ("9906004", "South", "Gus Imaginary"),   # row 7: his 11th audit of the year
        ("9906005", "South", "Zed Nobody"),      # row 8: not on the auditors list
        ("9906001", "South", "Dev Notreal"),     # row 9: the same case as row 2 (his 9th audit of the year)
        ("9906006", "East", "Dev Notreal"),      # row 10: fine (his 10th)
        ("9906007", "East", "Dev Notreal"),      # row 11: his 11th
    ])
    result = check_allocation(year_workspace(year), listed=year / name, auditors=year / "auditors.xlsx")
    found = {(b.row, b.rule) for b in result.breaches}
    assert found == {(3, "own_team"), (4, "on_break"), (5, "exempted"), (6, "audited_last_time"),
                     (7, "over_the_year"), (8, "not_on_the_list"), (9, "same_case_twice"), (11, "over_the_year"),
                     (0, "break_cap"), (0, "re_audit_missing")}
    assert result.month == NOV and not result.problems
    run = CliRunner().invoke(cli, ["--specs", str(SPECS), "allocate", "--check", str(year / name), "--auditors",
                                   str(year / "auditors.xlsx"), "--register", str(year / "register.sqlite")])
    assert run.exit_code == 1 and "10 breaches of the rules" in run.output
    assert "row 7: Gus Imaginary's audit number 11 of the audit year April 2026 to March 2027" in run.output


def test_a_list_auditdocs_made_passes_its_own_check(year, library):
    result = allocate(year, library)
    checked = check_allocation(year_workspace(year), listed=result.out, auditors=year / "auditors.xlsx")
    assert {b.rule for b in checked.breaches} == {"break_cap"}  # the only one: a person must ask Cat to move


# ---- reallocating after an exemption ---------------------------------------------------------------


def test_reallocating_records_the_exemption_and_the_new_audit_that_generate_makes(year, library):
    allocate(year, library)
    audit = next(a for a in register_audits(year) if a.case_number != "9903003" and a.auditor_role == "Team manager")
    with pytest.raises(UserError, match="only the Assistant Director"):
        reallocate_audit(year_workspace(year), audit_id=audit.audit_id, reason="Long-term sick leave",
                         agreed_by="Ivy Unreal", auditors=year / "auditors.xlsx", out=year / "re.xlsx", today=TODAY)
    assert not (year / "re.xlsx").exists()
    assert not next(a for a in register_audits(year) if a.audit_id == audit.audit_id).events
    done = reallocate_audit(year_workspace(year), audit_id=audit.audit_id, reason="Long-term sick leave",
                            agreed_by="Dana Fictional", auditors=year / "auditors.xlsx", out=year / "re.xlsx",
                            agreed_role="Assistant Director", today=TODAY)
    new = done.replacement.auditor
    assert new.name != audit.auditor and new.team != audit.team and new.name not in ("Ann Testworth", "Ben Fictionby")
    (row,) = read_allocations(done.out, library).allocations
    assert row.audit_id == done.new_audit_id and row.values["auditor"] == new.name
    assert {k: v for k, v in row.values.items() if k != "auditor"} == \
        {k: v for k, v in audit.subject.items() if k != "auditor"}
    audits = {a.audit_id: a for a in register_audits(year)}
    old = audits[audit.audit_id]
    assert [e.kind for e in old.events] == ["exempted", "reallocated"]
    assert old.events[1].details == {"to": new.name, "new_audit_id": done.new_audit_id}
    assert cycle.standing(old, library.get(old.form_id), TODAY).state == cycle.REALLOCATED
    assert audits[done.new_audit_id].source == "allocate"
    assert generate(read_allocations(done.out, library), library, year / "forms").count("generated") == 1
    with open_register(year / "register.sqlite") as reg:
        history = history_from(reg.audits(), library, NOV, SETTINGS)
    assert (key(audit.auditor), audit.case_number) in history.exempted
    with pytest.raises(UserError, match="nothing to reallocate"):
        reallocate_audit(year_workspace(year, None), audit_id=audit.audit_id, reason="Again",
                         agreed_by="Dana Fictional", auditors=year / "auditors.xlsx", out=year / "re2.xlsx",
                         agreed_role="Assistant Director", today=TODAY)


def test_the_allocate_command_end_to_end(year):
    run = CliRunner().invoke(cli, ["--specs", str(SPECS), "allocate", "--month", "2026-11", "--cases",
                                   str(year / "cases.xlsx"), "--auditors", str(year / "auditors.xlsx"),
                                   "--register", str(year / "register.sqlite"), "--out", str(year / "nov.xlsx")])
    assert run.exit_code == 1, run.output  # done, but Cat must be asked to move her break
    assert "Allocated 26 audits for November 2026 (1 re-audit)" in run.output
    assert "the sample asks for 13 CIN cases, but the cases list has only 6 that may be drawn" in run.output
    assert "Ask Cat Madeupson" in run.output and "Next: auditdocs generate --data" in run.output
    usage = CliRunner().invoke(cli, ["allocate", "--register", "r.sqlite", "--auditors", "a.xlsx"])
    assert usage.exit_code == 2 and "give one of --cases" in usage.output


def test_headings_of_the_lists_are_documented_in_the_help():
    text = CliRunner().invoke(cli, ["allocate", "--help"]).output
    for heading in AUDITOR_HEADINGS:
        assert heading in text
