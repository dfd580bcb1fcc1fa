"""A QA officer's habits: what `status` and `chase` show when no month is given, deadlines on working days,
and the small slips a new user meets (issue 22). Through the real commands, workspace and register."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from habits import FORM, invoke, workspace_with
from helpers import full_answers, libreoffice_convert, needs_soffice

from auditdocs import cycle
from auditdocs import model as m
from auditdocs.forms.docx.fill import fill_docx
from auditdocs.specs import load_library

NOVEMBER = [("9914001", "Testworth", "Amelia", "Ann Testworth"), ("9914002", "Fictionby", "Oscar", "Bo Fictionby")]
DECEMBER = [("9914003", "Madeupson", "Priya", "Ann Testworth")]


@pytest.fixture(scope="module")
def two_months(tmp_path_factory) -> Path:
    """November 2026 (two audits, overdue from 1 December) and December 2026 (one, due 31 December)."""
    return workspace_with(tmp_path_factory.mktemp("months"), {"2026-11": NOVEMBER, "2026-12": DECEMBER})


# ---- status and chase: every month, and their exit codes -------------------------------------------


def test_status_without_a_month_shows_what_is_overdue_in_earlier_months(two_months):
    shown = invoke("status", "--on", "15/12/2026", code=1, cwd=two_months)  # 1: November's audits are overdue
    assert shown.startswith("December 2026 on Tuesday 15 December 2026: 1 audit.")
    overdue = shown.split("Overdue, of every month:")[1].split("Due in the next")[0]
    assert "case 9914001" in overdue and "case 9914002" in overdue and "November 2026" in overdue
    assert "case 9914003" not in overdue  # December's is not overdue yet
    # with --month, the month alone, as before
    december = invoke("status", "--month", "2026-12", "--on", "15/12/2026", code=0, cwd=two_months)
    assert "Overdue: none." in december and "9914001" not in december


def test_status_json_without_a_month_lists_the_other_months_audits_overdue(two_months, tmp_path):
    out = tmp_path / "status.json"
    invoke("status", "--on", "28/12/2026", "--json", out, code=1, cwd=two_months)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["month"] == "2026-12" and [a["case_number"] for a in data["audits"]] == ["9914003"]
    assert sorted((a["case_number"], a["month"], a["state"]) for a in data["other_months"]) == [
        ("9914001", "2026-11", "overdue"), ("9914002", "2026-11", "overdue")]


def test_chase_exits_1_when_it_lists_something_overdue_and_0_when_not(two_months):
    late = invoke("chase", "--on", "15/12/2026", code=1, cwd=two_months)
    assert "- overdue" in late
    on_time = invoke("chase", "--month", "2026-11", "--on", "16/11/2026", code=0, cwd=two_months)
    assert "To Ann Testworth:" in on_time and "- overdue" not in on_time


def test_status_and_chase_in_a_fresh_workspace_say_to_allocate_or_generate_first(tmp_path):
    folder = tmp_path / "Case file audits"
    invoke("init", folder)
    for command in ("status", "chase"):
        shown = invoke(command, code=2, cwd=folder)
        assert "no audits yet: allocate or generate first" in shown, shown
        assert "auditdocs init" not in shown


# ---- deadlines on working days; audit dates; a .doc sent back ------------------------------------------


def test_every_deadline_on_a_weekend_or_bank_holiday_moves_to_the_next_working_day(tmp_path):
    """January 2027 ends on a Sunday, May 2027 on the Spring bank holiday."""
    folder = workspace_with(tmp_path, {"2027-01": [("9914011", "Testworth", "Amelia", "Ann Testworth")],
                                       "2027-05": [("9914012", "Fictionby", "Oscar", "Ann Testworth")]})
    shown = invoke("status", "--month", "2027-01", "--on", "28/01/2027", cwd=folder)
    assert "Complete the audit and send it to QA by 01/02/2027" in shown  # not Sunday 31/01/2027
    for month, due in (("2027-01", "2027-02-01"), ("2027-05", "2027-06-01")):
        out = tmp_path / f"{month}.json"
        invoke("status", "--month", month, "--on", "01/01/2027", "--json", out, cwd=folder)
        assert [a["next_deadline"] for a in json.loads(out.read_text(encoding="utf-8"))["audits"]] == [due]
    # an Inadequate audit finalised on Sunday 13 December 2026: its review meeting (4 weeks on, Sunday 10
    # January 2027) and its re-audit (2 months on, Saturday 13 February 2027) move to the Monday after
    assert cycle.review_meeting_due(dt.date(2026, 12, 13)) == dt.date(2027, 1, 11)
    assert cycle.re_audit_due(dt.date(2026, 12, 13)) == dt.date(2027, 2, 15)
    # a re-audit allocated with the month's end as its due date, on a Sunday
    re_audit = m.RegisteredAudit("AUD-202701-REAUDIT1", FORM, 1, {}, month=dt.date(2027, 1, 1),
                                 due=dt.date(2027, 1, 31), re_audit_of="AUD-202611-ORIGINAL")
    assert cycle.due_date(re_audit) == dt.date(2027, 2, 1)
    assert cycle.amend_by(dt.date(2027, 5, 27)) == dt.date(2027, 6, 2)  # Thursday: Fri, (bank holiday Mon), Tue, Wed


def test_an_audit_date_after_the_day_the_form_is_read_is_a_problem(tmp_path):
    folder = workspace_with(tmp_path, {"2026-11": [("9914021", "Testworth", "Amelia", "Ann Testworth")]})
    form = next((folder / "forms" / "2026-11").rglob("*.docx"))
    library = load_library(folder / "form_specs")
    spec = library.get(FORM)
    answers, tables = full_answers(spec)
    later = dt.date.today() + dt.timedelta(days=11)
    answers[spec.field_with_role("audit_date").id] = later.isoformat()
    returned = folder / "returned" / "Ann Testworth" / form.name
    returned.parent.mkdir(parents=True)
    returned.write_bytes(fill_docx(form.read_bytes(), answers, tables))
    shown = invoke("parse", returned, code=1, cwd=folder)
    assert f"the audit date {later:%d/%m/%Y} is after today ({dt.date.today():%d/%m/%Y})" in shown
    assert shown.startswith("incomplete")
    answers[spec.field_with_role("audit_date").id] = dt.date.today().isoformat()  # today is fine
    returned.write_bytes(fill_docx(form.read_bytes(), answers, tables))
    assert invoke("parse", returned, cwd=folder).startswith("complete")


@needs_soffice
def test_a_form_sent_back_as_a_doc_is_returned_but_unreadable_in_the_tracker(tmp_path):
    """The auditor saved the form as Word 97-2003 (.doc), as LibreOffice writes it here."""
    folder = workspace_with(tmp_path, {"2026-11": [("9914031", "Testworth", "Amelia", "Ann Testworth"),
                                                   ("9914032", "Fictionby", "Oscar", "Ann Testworth")]})
    forms = sorted((folder / "forms" / "2026-11").rglob("*.docx"))
    returned = folder / "returned" / "Ann Testworth"
    doc, = libreoffice_convert(forms[:1], returned, "doc:MS Word 97", tmp_path / "profile")
    assert doc.read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1")  # a real Word 97-2003 file
    invoke("consolidate", code=1, cwd=folder)  # 1: a file needs attention
    book = openpyxl.load_workbook(folder / "tracker" / "Audit tracker.xlsx")
    sheet = book["Audits"]
    headings = [c.value for c in sheet[1]]
    rows = {r[headings.index("Case number")]: dict(zip(headings, r))
            for r in sheet.iter_rows(min_row=2, values_only=True) if r[0]}
    sent = rows["9914031"]
    assert (sent["State"], sent["Status"]) == ("Returned, but cannot be read", "unreadable")
    assert sent["Next step"].startswith(f"QA officer: Ask Ann Testworth for the form itself (the .docx or .xlsx): "
                                        f"{doc.name} is an old Word 97-2003 document (.doc). Open it in Word")
    assert rows["9914032"]["State"].endswith("not returned") and rows["9914032"]["Status"] == "not returned"
    shown = invoke("status", "--month", "2026-11", "--on", "20/11/2026", cwd=folder)
    assert "1  Returned, but cannot be read" in shown
