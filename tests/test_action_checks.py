"""Closing the loop on actions (issue 25 item 6): `auditdocs actions check-sample` draws audits whose actions the
team manager marked done; the QA officer confirms them on the tracker's Action checks sheet; the monthly report
says how many were really done. Through real trackers, registers and the real command line."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import (
    calc_edit,
    docx_schema_errors,
    files_workspace,
    needs_soffice,
    xlsx_schema_errors,
)
from lxml import etree
from tracker_records import NOW, action, by_id, make_record, rows_of

from auditdocs.actions import plan
from auditdocs.actions.run import draw_check_sample
from auditdocs.cli import cli
from auditdocs.consolidate import consolidate_records
from auditdocs.errors import UserError
from auditdocs.register import open_register
from auditdocs.report import action_checks
from auditdocs.report.run import make_report
from auditdocs.workspace import register_beside

#: case -> team: 14 audits of January 2026 in four teams of different sizes
TEAMS = {**{f"C{n}": "Team North" for n in range(1, 6)}, **{f"C{n}": "Team South" for n in range(6, 10)},
         **{f"C{n}": "Team East" for n in range(10, 13)}, **{f"C{n}": "Team West" for n in range(13, 15)}}
NOT_DONE = {"C5", "C9"}  # their team manager has not marked any action done
DONE_LATE = {"C14": dt.datetime(2026, 2, 10)}  # marked done in February
SHEET = "Action checks"


def records(library, teams=TEAMS):
    return [make_record(library, case, team=team, actions=[action(f"Update the chronology of {case}"),
                                                            action(f"Visit the child of {case} at home")])
            for case, team in teams.items()]


def mark_done(tracker, done: dict[str, dt.datetime]) -> None:
    """What team managers do in Excel: the first action of each audit Done, with its date and who signed it off."""
    wb = openpyxl.load_workbook(tracker)
    ws = wb["Actions"]
    col = {c.value: c.column for c in ws[1]}
    for r in range(2, ws.max_row + 1):
        audit = ws.cell(r, col["Audit id"]).value
        case = audit.rsplit("-", 1)[-1]
        if ws.cell(r, col["Action id"]).value.endswith("-A1") and case in done:
            ws.cell(r, col["Status"]).value = "Done"
            ws.cell(r, col["Completed on"]).value = done[case]
            ws.cell(r, col["Signed off by"]).value = "Terry Manager"
    wb.save(tracker)


def month_with_done_actions(library, tracker, teams=TEAMS):
    """A register and tracker of January's audits (real records, consolidated), with the first action of most of
    them marked done in the tracker and read back by a second consolidate."""
    recs = records(library, teams)
    ws = files_workspace(tracker, library=library)
    consolidate_records(ws, recs, now=NOW)
    done = {case: DONE_LATE.get(case, dt.datetime(2026, 1, 28)) for case in teams if case not in NOT_DONE}
    mark_done(tracker, done)
    consolidate_records(ws, recs, now=NOW + dt.timedelta(days=1))
    return ws, recs


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def drawn_ids(out: str) -> list[str]:
    return [line.split()[0] for line in out.splitlines() if line.startswith("  AUD-")]


def team(audit_or_action_id: str) -> str:
    return TEAMS[audit_or_action_id.split("-")[2]]


@pytest.fixture
def month(library, tracker, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ws, recs = month_with_done_actions(library, tracker)
    return ws, recs, register_beside(tracker)


def test_ten_drawn_spread_over_teams_reproducible_and_recorded(month, tmp_path):
    ws, _, register = month
    copy = shutil.copy(register, tmp_path / "copy.sqlite")
    done = invoke("actions", "check-sample", "--month", "2026-01", "--seed", 3, "--register", register)
    assert done.exit_code == 0, done.output
    ids = drawn_ids(done.output)
    assert done.output.startswith("Action check sample for January 2026: 10 audits, 10 actions marked done "
                                  "to confirm (seed 3).")
    assert len(ids) == len(set(ids)) == 10
    eligible = {f"AUD-202601-{c}" for c in TEAMS if c not in NOT_DONE and c not in DONE_LATE}
    assert set(ids) <= eligible  # C14's action was done in February
    assert {team(i) for i in ids[:4]} == {"Team North", "Team South", "Team East", "Team West"}  # one each first
    assert "Run 'auditdocs consolidate'" in done.output
    # the same register and seed draw the same audits
    again = invoke("actions", "check-sample", "--month", "2026-01", "--seed", 3, "--register", copy)
    assert drawn_ids(again.output) == ids
    # recorded in the register: an event on each audit drawn, with the month, the seed and the actions
    with open_register(register) as reg:
        events = [e for a in reg.audits() for e in a.events_of(plan.DRAWN)]
    assert sorted(e.audit_id for e in events) == sorted(ids)
    assert all(e.details["month"] == "2026-01" and e.details["seed"] == 3 and e.details["actions"] == [f"{e.audit_id}-A1"]
               for e in events)
    # the same month again: already drawn, nothing drawn now
    third = invoke("actions", "check-sample", "--month", "2026-01", "--seed", 9, "--register", register)
    assert third.exit_code == 0, third.output
    assert "Note: The check sample of January 2026 was already drawn on" in third.output
    assert "(seed 3); nothing was drawn now. Give --replace" in third.output
    assert drawn_ids(third.output) == ids
    with open_register(register) as reg:
        assert len([e for a in reg.audits() for e in a.events_of(plan.DRAWN)]) == 10
    # --replace draws again while nothing is checked
    other = invoke("actions", "check-sample", "--month", "2026-01", "--seed", 9, "--replace", "--register", register)
    assert other.exit_code == 0, other.output
    assert "The earlier draw of January 2026 (10 audits) was replaced." in other.output
    assert len(drawn_ids(other.output)) == 10 and drawn_ids(other.output) != ids
    with open_register(register) as reg:
        events = [e for a in reg.audits() for e in a.events_of(plan.DRAWN)]
    assert sorted(e.audit_id for e in events) == sorted(drawn_ids(other.output))
    assert {e.details["seed"] for e in events} == {9}


def test_next_month_draws_the_others_first(month):
    ws, _, register = month
    first = draw_check_sample(ws, month=dt.date(2026, 1, 1), today=dt.date(2026, 1, 30))
    assert first.eligible == 11 and len(first.sample) == 10 and not first.attention
    second = draw_check_sample(ws, month=dt.date(2026, 2, 1), today=dt.date(2026, 2, 27))
    assert second.eligible == 12
    before = {d.audit.audit_id for d in first.sample}
    now = [d.audit.audit_id for d in second.sample]
    assert len(now) == 10
    assert set(now[:2]) == {f"AUD-202601-C{n}" for n in range(1, 15)} - before - {"AUD-202601-C5", "AUD-202601-C9"}
    assert set(now[2:]) <= before and len(second.again) == 8
    assert "8 of them were drawn for another month's check too: there were not enough others." in second.notes()


def test_fewer_than_ten_drawn_all_and_said(library, tracker, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    teams = {"C1": "Team North", "C2": "Team North", "C3": "Team South", "C5": "Team South"}
    month_with_done_actions(library, tracker, teams)
    done = invoke("actions", "check-sample", "--month", "2026-01", "--register", register_beside(tracker))
    assert done.exit_code == 1, done.output
    assert sorted(drawn_ids(done.output)) == ["AUD-202601-C1", "AUD-202601-C2", "AUD-202601-C3"]
    assert ("Note: Only 3 audits have an action marked done by the end of January 2026: all of them were drawn "
            "(10 asked for).") in done.output
    none = invoke("actions", "check-sample", "--month", "2025-12", "--register", register_beside(tracker))
    assert "No audit has an action marked done by the end of December 2025: nothing was drawn." in none.output


def confirm(tracker, entries: dict[str, dict]) -> None:
    """What the QA officer does in Excel on the Action checks sheet: by action id, the columns to fill."""
    wb = openpyxl.load_workbook(tracker)
    ws = wb[SHEET]
    col = {c.value: c.column for c in ws[1]}
    for r in range(2, ws.max_row + 1):
        for heading, value in entries.get(ws.cell(r, col["Action id"]).value, {}).items():
            ws.cell(r, col[heading]).value = value
    wb.save(tracker)


def test_confirmations_on_the_tracker_read_back_kept_and_flagged(month, tracker, library):
    ws, recs, register = month
    sample = draw_check_sample(ws, month=dt.date(2026, 1, 1), seed=1, today=dt.date(2026, 1, 30))
    ids = [d.audit.audit_id for d in sample.sample]
    consolidate_records(ws, recs, now=NOW + dt.timedelta(days=2))
    rows = by_id(tracker, SHEET)
    assert sorted(rows) == sorted(f"{a}-A1" for a in ids)
    first = rows[f"{ids[0]}-A1"]
    case = ids[0].rsplit("-", 1)[-1]
    assert {k: first[k] for k in ("Check month", "Audit id", "Case number", "Team", "Action", "Status",
                                  "Signed off by", "Team manager", "Activity")} == {
        "Check month": "2026-01", "Audit id": ids[0], "Case number": case, "Team": TEAMS[case],
        "Action": f"Update the chronology of {case}", "Status": "Done", "Signed off by": "Terry Manager",
        "Team manager": "Terry Manager", "Activity": "Monthly control sample"}
    assert first["Completed on"] == dt.datetime(2026, 1, 28)
    assert first["Confirmed"] is None and first["Follow-up"] is None
    # the Confirmed column offers Yes / No / Partly
    wb = openpyxl.load_workbook(tracker)
    assert any(dv.formula1 == '"Yes,No,Partly"' for dv in wb[SHEET].data_validations.dataValidation)
    assert wb.sheetnames.index(SHEET) == wb.sheetnames.index("About") - 1
    # the QA officer confirms two, finds one not done and one partly done
    yes, no, partly = (f"{a}-A1" for a in ids[:3])
    confirm(tracker, {
        yes: {"Confirmed": "Yes", "Checked on": dt.datetime(2026, 2, 3), "Checked by": "Quinn Officer",
              "Evidence seen / notes": "Chronology updated on the case record."},
        no: {"Confirmed": "No", "Checked on": dt.datetime(2026, 2, 3), "Checked by": "Quinn Officer",
             "Evidence seen / notes": "No home visit recorded."},
        partly: {"Confirmed": "Partly", "Checked by": "Quinn Officer"},
        f"{ids[3]}-A1": {"Confirmed": "maybe"},
    })
    consolidate_records(ws, recs, now=NOW + dt.timedelta(days=3))
    with open_register(register) as reg:
        cells = reg.tracker_columns(SHEET)
    assert cells[f"{yes}\x1f2026-01"] == {"Confirmed": "Yes", "Checked on": dt.datetime(2026, 2, 3),
                                          "Checked by": "Quinn Officer",
                                          "Evidence seen / notes": "Chronology updated on the case record."}
    assert cells[f"{no}\x1f2026-01"]["Confirmed"] == "No"
    # kept over a re-run, and the one not done flagged in its row
    consolidate_records(ws, recs, now=NOW + dt.timedelta(days=4))
    rows = by_id(tracker, SHEET)
    assert rows[yes]["Confirmed"] == "Yes" and rows[yes]["Checked by"] == "Quinn Officer"
    assert rows[yes]["Checked on"] == dt.datetime(2026, 2, 3) and rows[yes]["Follow-up"] is None
    assert rows[no]["Evidence seen / notes"] == "No home visit recorded."
    assert rows[no]["Follow-up"].startswith("Not confirmed: the action was marked done, but the check found it was not.")
    assert rows[partly]["Follow-up"].startswith("Partly done:")
    assert rows[f"{ids[3]}-A1"]["Follow-up"] == "'maybe' is not Yes, No or Partly: choose from the list."
    # flagged on the Exceptions sheet while still marked done
    flagged = {row["Details"]: row for row in rows_of(tracker, "Exceptions")}
    assert flagged[f"Action checks sheet, action {no} (January 2026 check): marked done, but the check found it "
                   "not done."]["What to do"] == ("Ask the team manager to reopen the action (its Status on the "
                                                  "Actions sheet) and agree a new date.")
    assert f"Action checks sheet, action {partly} (January 2026 check): marked done, but the check found it only " \
           "partly done." in flagged
    assert len(flagged) == 2
    # the team manager reopens the one not done: no longer flagged (its row keeps the check)
    wb = openpyxl.load_workbook(tracker)
    sheet = wb["Actions"]
    col = {c.value: c.column for c in sheet[1]}
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, col["Action id"]).value == no)
    sheet.cell(row, col["Status"]).value = "In progress"
    wb.save(tracker)
    consolidate_records(ws, recs, now=NOW + dt.timedelta(days=5))
    assert [row["Details"] for row in rows_of(tracker, "Exceptions")] == [
        f"Action checks sheet, action {partly} (January 2026 check): marked done, but the check found it only "
        "partly done."]
    assert by_id(tracker, SHEET)[no]["Status"] == "In progress"
    assert by_id(tracker, SHEET)[no]["Confirmed"] == "No"
    # the next check says so, and the month checked cannot be drawn again
    result = invoke("actions", "check-sample", "--month", "2026-02", "--register", register)
    assert result.exit_code == 1, result.output
    assert "Other months' checks: 3 actions checked, 1 not confirmed, 1 partly done, 7 not yet checked." in result.output
    assert f"  {no} (January 2026 check, {team(no)}): not confirmed" in result.output
    assert f"  {partly} (January 2026 check, {team(partly)}): partly done" in result.output
    # and `status` says where the checks stand
    status = invoke("status", "--month", "2026-01", "--on", "10/02/2026", "--register", register)
    assert ("Action checks: 3 actions checked, 1 not confirmed, 1 partly done, 17 not yet checked."
            in status.output), status.output
    with pytest.raises(UserError, match="the check sample of January 2026 cannot be drawn again: 4 of its actions "
                                        "have been checked already"):
        draw_check_sample(ws, month=dt.date(2026, 1, 1), seed=2, replace=True)
    refused = invoke("actions", "check-sample", "--month", "2026-01", "--replace", "--register", register)
    assert refused.exit_code == 2 and "cannot be drawn again" in refused.output


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_read(path) -> tuple[str, list[list[str]]]:
    """The Word report's paragraphs (one a line) and the rows of its tables (each a list of cell texts)."""
    with zipfile.ZipFile(path) as zf:
        body = etree.fromstring(zf.read("word/document.xml"))
    text = "\n".join("".join(t.text or "" for t in p.iter(f"{W}t")) for p in body.iter(f"{W}p"))
    rows = [["".join(t.text or "" for t in tc.iter(f"{W}t")) for tc in tr.iter(f"{W}tc")] for tr in body.iter(f"{W}tr")]
    return text, rows


def test_the_monthly_report_says_whether_actions_were_really_done(month, tracker, tmp_path):
    ws, recs, register = month
    out = tmp_path / "reports"
    out.mkdir()
    before = make_report(ws, month="2026-01", out=out, today=dt.date(2026, 2, 10))
    assert "Were the actions really done?" not in docx_read(before.report)[0]  # no check ever drawn: no section
    sample = draw_check_sample(ws, month=dt.date(2026, 1, 1), seed=4, today=dt.date(2026, 1, 30))
    ids = [f"{d.audit.audit_id}-A1" for d in sample.sample]
    consolidate_records(ws, recs, now=NOW + dt.timedelta(days=2))
    confirm(tracker, {ids[0]: {"Confirmed": "Yes"}, ids[1]: {"Confirmed": "No"}, ids[2]: {"Confirmed": "Partly"}})
    consolidate_records(ws, recs, now=NOW + dt.timedelta(days=3))
    files = make_report(ws, month="2026-01", out=out, today=dt.date(2026, 2, 10), json_file=out / "figures.json")
    assert json.loads(files.json.read_text(encoding="utf-8"))["action_checks"]["total"] == {
        "name": "All teams", "audits": 10, "drawn": 10, "confirmed": 1, "partly": 1, "not_confirmed": 1,
        "not_checked": 7}
    text, rows = docx_read(files.report)
    assert "Were the actions really done?" in text
    assert ("In January 2026, 10 audits were drawn, with 10 actions marked done: 1 confirmed done, 1 partly done, "
            "1 not done, and 7 not yet checked.") in text
    teams = {team(a) for a in ids}
    head = rows.index(["Team", "Audits drawn", "Actions drawn", "Confirmed", "Partly done", "Not confirmed",
                       "Not yet checked"])
    table = rows[head + 1: head + 2 + len(teams)]
    assert {r[0] for r in table[:-1]} == teams
    assert table[-1] == ["All teams", "10", "10", "1", "1", "1", "7"]
    # the dashboard: the same table on its Actions sheet
    wb = openpyxl.load_workbook(files.dashboard)
    table = wb["Actions"].tables["ActionChecks"]
    cells = [[c.value for c in row] for row in wb["Actions"][table.ref]]
    assert cells[0] == ["Team", "Audits drawn", "Actions drawn", "Confirmed", "Partly done", "Not confirmed",
                        "Not yet checked"]
    assert {r[0] for r in cells[1:]} >= teams
    total = next(row for row in wb["Actions"].iter_rows(values_only=True) if row[0] == "All teams" and row[1] == 10)
    assert list(total[:7]) == ["All teams", 10, 10, 1, 1, 1, 7]
    assert files.figures.action_checks.total.drawn == 10
    assert docx_schema_errors(files.report.read_bytes()) == []
    assert xlsx_schema_errors(files.dashboard.read_bytes()) == []
    # a period without a check drawn says so
    with open_register(register) as reg:
        february = action_checks.from_register(reg, dt.date(2026, 2, 1), dt.date(2026, 2, 1))
    assert february.total.drawn == 0 and february.by_team == []
    assert action_checks.summary(february, "February 2026") == (
        "No audit was drawn in February 2026 to check that its actions marked done were done ('auditdocs actions "
        "check-sample').")


@needs_soffice
def test_a_check_typed_in_libreoffice_calc_is_read_back(month, tracker, tmp_path, lo_profile):
    ws, recs, register = month
    sample = draw_check_sample(ws, month=dt.date(2026, 1, 1), seed=5, size=3, today=dt.date(2026, 1, 30))
    no = f"{sample.sample[0].audit.audit_id}-A1"
    consolidate_records(ws, recs, now=NOW + dt.timedelta(days=2))
    calc_edit(tracker, {SHEET: {(no, "Confirmed"): "No", (no, "Checked on"): dt.date(2026, 2, 3),
                                (no, "Checked by"): "Quinn Officer"}}, tmp_path / "calc", lo_profile)
    consolidate_records(ws, recs, now=NOW + dt.timedelta(days=3))
    rows = by_id(tracker, SHEET)
    assert len(rows) == 3 and rows[no]["Check month"] == "2026-01"
    assert (rows[no]["Confirmed"], rows[no]["Checked on"], rows[no]["Checked by"]) == (
        "No", dt.datetime(2026, 2, 3), "Quinn Officer")
    assert rows[no]["Follow-up"].startswith("Not confirmed:")
    with open_register(register) as reg:
        assert reg.tracker_columns(SHEET)[f"{no}\x1f2026-01"]["Confirmed"] == "No"
