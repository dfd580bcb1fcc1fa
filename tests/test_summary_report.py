"""The audit summary report of a thematic audit (`auditdocs report --activity`), the tracker's Key messages
sheet it reads the group's key messages from, and the six-month review (status, chase) with a re-audit.

Through real files: a workspace made by `auditdocs init` (its programme.xlsx has "Multiple changes of social
worker" in January of its year, moved to 2026), the activity's audits allocated into a real register as a group's (a lead auditor
and the others named), real Word forms filled and returned, consolidated into a real tracker, the key messages
typed into the tracker with openpyxl, consolidated again; the report read back with python-docx."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from helpers import docx_schema_errors, needs_soffice, xlsx_schema_errors
from pypdf import PdfReader
from report_register import Action, Register

from auditdocs.allocate.run import allocate_month
from auditdocs.cli import cli
from auditdocs.consolidate import consolidate_returns
from auditdocs.domain import cycle
from auditdocs.programme.run import programme_month
from auditdocs.report.summary_run import NoSuchActivity, make_summary
from auditdocs.report.summary_sheet import SHEET, reviews
from auditdocs.status.run import chase_letters, month_status
from auditdocs.workspace import (
    PROGRAMME_FILE,
    SETTINGS_FILE,
    init_workspace,
    load_workspace,
)

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
ACTIVITY = "Multiple changes of social worker"
THEMATIC = "thematic audit"
MONTH, JANUARY = "2026-01", dt.date(2026, 1, 1)
PARTNER, COLLEAGUE = "Priya Madeupname (health)", "Dev Notreal"
NOW = dt.datetime(2026, 2, 10, 9, 0)
TODAY = NOW.date()
MESSAGES = "Children with many workers repeat their story\nPlans drift when a worker leaves"
RECOMMENDATIONS = "Hand over every case in a joint visit"


def _headings(sheet) -> dict[str, int]:
    return {cell.value: cell.column for cell in sheet[1] if cell.value}


def _row_of(sheet, activity: str) -> int:
    col = _headings(sheet)["Activity"]
    return next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, col).value == activity)


def type_in(tracker, activity: str, entries: dict) -> None:
    """Type in the tracker's Key messages sheet as a person does (openpyxl), and save it."""
    book = openpyxl.load_workbook(tracker)
    sheet = book[SHEET]
    cols, row = _headings(sheet), _row_of(sheet, activity)
    for heading, value in entries.items():
        sheet.cell(row, cols[heading]).value = value
    book.save(tracker)


def programme_in(path, year: int) -> None:
    """The example programme moved to `year`, as a QA officer changes it to the council's year (the forms' audit
    dates cannot be after today)."""
    book = openpyxl.load_workbook(path)
    sheet = book["Programme"]
    col = _headings(sheet)["Month"]
    for r in range(2, sheet.max_row + 1):
        value = sheet.cell(r, col).value
        if isinstance(value, str) and value.startswith("2027-"):
            sheet.cell(r, col).value = f"{year}-{value[5:]}"
    book.save(path)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory, library):
    folder = tmp_path_factory.mktemp("thematic")
    init_workspace(folder / "ws")
    programme_in(folder / "ws" / PROGRAMME_FILE, 2026)
    reg = Register(folder / "audits", library)
    common = dict(month=MONTH, activity=ACTIVITY, activity_type=THEMATIC)
    reg.audit("C2001", grade="Good", group=[PARTNER], back=dt.date(2026, 1, 20),
              answers={"kss1_seen_alone": "No", "kss1_met": "Partially met"},
              actions=[Action("Allocate one consistent worker", "2026-03-31")], **common)
    reg.audit("C2002", grade="Requires Improvement", auditor="Bob Checkwell", group=[PARTNER, COLLEAGUE],
              back=dt.date(2026, 1, 22), answers={"kss1_seen_alone": "Partially"},
              actions=[Action("Review the plan with the family", "2026-01-31")], **common)
    reg.audit("C2003", auditor="Bob Checkwell", group=[COLLEAGUE], **common)  # not returned
    reg.audit("C1001", month=MONTH, grade="Inadequate", actions=[Action("Strategy meeting", "2026-02-15")])  # the
    # month's control sample: not the activity's
    tracker = folder / "tracker.xlsx"
    ws = load_workspace(folder / "ws" / SETTINGS_FILE).with_files(
        "given", specs=library.folder, register=reg.path, tracker=tracker, returned=reg.returned)
    consolidate_returns(ws, [reg.returned], now=NOW)
    return ws, reg, tracker


def test_the_key_messages_sheet_has_a_row_per_activity_with_audits_returned_and_keeps_what_the_group_typed(
        scenario):
    ws, reg, tracker = scenario
    book = openpyxl.load_workbook(tracker)
    assert SHEET in book.sheetnames and book.sheetnames.index(SHEET) < book.sheetnames.index("About")
    sheet = book[SHEET]
    cols = _headings(sheet)
    rows = [{h: sheet.cell(r, c).value for h, c in cols.items()} for r in range(2, sheet.max_row + 1)
            if sheet.cell(r, 1).value]
    assert len(rows) == 1  # the control sample has no row
    row = rows[0]
    assert row["Month"] == MONTH and row["Activity"] == ACTIVITY and row["Type"] == THEMATIC
    assert row["Audits"] == 3 and row["Returned"] == 2
    assert row["Lead auditors"] == "Ann Auditorson, Bob Checkwell"
    assert row["Others in the group"] == f"{COLLEAGUE}, {PARTNER}"
    # six months after the end of January: 31 July 2026, a Friday
    assert row["Review due"].date() == dt.date(2026, 7, 31) == cycle.review_due(JANUARY)
    type_in(tracker, ACTIVITY, {"Key messages": MESSAGES, "Recommendations": RECOMMENDATIONS,
                                "Agreed by": "Terry Madeupson", "Agreed on": dt.datetime(2026, 2, 8)})
    consolidate_returns(ws, [reg.returned], now=NOW + dt.timedelta(hours=1))
    with ws.open_register() as register:
        typed = register.tracker_columns(SHEET)
    [(key, cells)] = typed.items()
    assert key == f"{MONTH}\x1f{ACTIVITY}"
    assert cells["Key messages"] == MESSAGES and cells["Agreed by"] == "Terry Madeupson"
    sheet = openpyxl.load_workbook(tracker)[SHEET]
    cols, r = _headings(sheet), _row_of(sheet, ACTIVITY)
    assert sheet.cell(r, cols["Recommendations"]).value == RECOMMENDATIONS  # kept in the tracker
    # the review is now due six months after the group agreed the summary (8 August 2026 is a Saturday)
    assert sheet.cell(r, cols["Review due"]).value.date() == dt.date(2026, 8, 10)


@pytest.fixture(scope="module")
def agreed(scenario):
    """The scenario once the group has typed its key messages (the test above, done here if it was not run)."""
    ws, reg, tracker = scenario
    with ws.open_register() as register:
        typed = register.tracker_columns(SHEET)
    if not typed:
        type_in(tracker, ACTIVITY, {"Key messages": MESSAGES, "Recommendations": RECOMMENDATIONS,
                                    "Agreed by": "Terry Madeupson", "Agreed on": dt.datetime(2026, 2, 8)})
        consolidate_returns(ws, [reg.returned], now=NOW + dt.timedelta(hours=1))
    return scenario


def _text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(c.text for c in row.cells))
    return "\n".join(parts)


def test_the_summary_report_has_the_cohort_findings_group_messages_actions_and_review(agreed, tmp_path):
    ws, reg, _ = agreed
    json_file = tmp_path / "summary.json"
    done = make_summary(ws, activity="multiple changes of  Social Worker", out=tmp_path / "out", today=TODAY,
                        json_file=json_file, now=NOW)
    f = done.figures
    assert f.activity == ACTIVITY and f.month == MONTH and f.activity_type == THEMATIC
    assert done.report.name == f"Audit summary {MONTH} {ACTIVITY}.docx" and done.report.exists()
    assert done.dashboard.exists() and done.files == [done.report, done.dashboard, json_file]
    # the cohort, from the programme and the register
    assert f.cohort.in_programme and f.cohort.rules == ["Social workers in the last 12 months at least 5"]
    assert f.cohort.sample == "20" and (f.cohort.drawn, f.cohort.returned, f.cohort.complete) == (3, 2, 2)
    # findings: each question's answers across the cases, each section's judgements, the grades
    seen_alone = next(q for q in f.questions if q.ref == "1.1")
    assert seen_alone.counts == {"Yes": 0, "Partially": 1, "No": 1, "Not applicable": 0} or \
        (seen_alone.counts["No"], seen_alone.counts["Partially"], seen_alone.answered) == (1, 1, 2)
    kss1 = next(r for r in f.sections if r.title.startswith("Knowledge and Skills Statement 1:"))
    assert kss1.total == 2 and kss1.counts["partially_met"] == 1
    assert f.grades.total == 2 and f.grades.counts["good"] == 1 and f.grades.counts["requires_improvement"] == 1
    assert f.grades.counts.get("inadequate", 0) == 0  # the control sample's Inadequate audit is not the activity's
    # the group, the messages, the actions with owners
    assert f.group.leads == ["Ann Auditorson", "Bob Checkwell"] and f.group.others == [COLLEAGUE, PARTNER]
    assert f.messages.key_messages == MESSAGES and f.messages.agreed_on == dt.date(2026, 2, 8)
    assert [(a.case, a.action, a.status) for a in f.actions] == [
        ("C2002", "Review the plan with the family", "Overdue"), ("C2001", "Allocate one consistent worker", "Open")]
    assert f.actions[0].responsible_role == "Social worker" and f.actions[0].responsible_person
    assert f.review.due == dt.date(2026, 8, 10) and f.review.held_on is None
    # the Word report says it all, and is valid
    data = done.report.read_bytes()
    assert docx_schema_errors(data) == []
    document = docx.Document(done.report)
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    for heading in ("Summary", "The cohort", "The group", "Findings", "Overall grades",
                    "Key messages and recommendations", "Recommendations", "Actions", "Six-month review"):
        assert heading in headings, heading
    text = _text(document)
    for said in ("Social workers in the last 12 months at least 5", "Children with many workers repeat their story",
                 "Plans drift when a worker leaves", RECOMMENDATIONS, "Agreed by the group by Terry Madeupson",
                 PARTNER, COLLEAGUE, "Bob Checkwell", "Review the plan with the family", "Overdue",
                 "10/08/2026"):
        assert said in text, said
    assert "C1001" not in text
    pictures = document.inline_shapes
    assert len(pictures) >= 3  # the grades, the sections, the questions
    alts = [s._inline.docPr.get("descr") for s in pictures]
    assert all(alts) and any("Good 1" in alt for alt in alts)
    # the figures in Excel and as JSON
    assert xlsx_schema_errors(done.dashboard.read_bytes()) == []
    book = openpyxl.load_workbook(done.dashboard)
    assert book.sheetnames == ["Summary", "Findings", "Actions"]
    actions = [row for row in book["Actions"].iter_rows(min_row=3, values_only=True) if row[0]]
    assert ("C2002", "Review the plan with the family") in [(r[0], r[1]) for r in actions]
    data = json.loads(json_file.read_text(encoding="utf-8"))
    assert data["activity"] == ACTIVITY and data["review"]["due"] == "2026-08-10"
    assert data["messages"]["recommendations"] == RECOMMENDATIONS


def test_the_anonymous_summary_names_no_one_and_no_case(agreed, tmp_path):
    ws, _, _ = agreed
    done = make_summary(ws, activity=ACTIVITY, month=MONTH, out=tmp_path, today=TODAY, anonymous=True)
    text = _text(docx.Document(done.report))
    for name in ("C2001", "C2002", "Ann Auditorson", "Bob Checkwell", PARTNER, COLLEAGUE, "Terry Madeupson"):
        assert name not in text, name
    assert "Lead auditor 1" in text and MESSAGES.splitlines()[0] in text


@needs_soffice
def test_the_summary_as_pdf_has_its_headings_as_bookmarks(agreed, tmp_path):
    ws, _, _ = agreed
    done = make_summary(ws, activity=ACTIVITY, out=tmp_path, today=TODAY, pdf=True, anonymous=True)
    assert done.pdf == tmp_path / f"Audit summary {MONTH} {ACTIVITY}.pdf" and done.warnings == []
    reader = PdfReader(done.pdf)
    marks = [item.title for item in reader.outline if not isinstance(item, list)]
    assert {"Summary", "The cohort", "The group", "Findings", "Key messages and recommendations", "Actions",
            "Six-month review"} <= set(marks)
    assert "Children with many workers repeat their story" in "".join(p.extract_text() for p in reader.pages)


def test_a_wrong_activity_name_says_which_was_meant(agreed, tmp_path):
    ws, reg, _ = agreed
    with pytest.raises(NoSuchActivity, match="did you mean 'Multiple changes of social worker'"):
        make_summary(ws, activity="Multiple changes of socail workers", out=tmp_path, today=TODAY)
    result = CliRunner().invoke(cli, ["report", "--register", str(reg.path), "--activity", "Changes of worker",
                                      "--out", str(tmp_path)])
    assert result.exit_code == 2 and "no audits of an activity named 'Changes of worker'" in result.output
    assert "The activities it has: Multiple changes of social worker" in result.output
    result = CliRunner().invoke(cli, ["report", "--register", str(reg.path), "--activity", ACTIVITY, "--month",
                                      "2026-02", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "for January 2026" in result.output and "Check --month" in result.output
    assert not list(tmp_path.glob("*.docx"))


def test_report_activity_on_the_command_line(agreed, tmp_path):
    _, reg, _ = agreed
    result = CliRunner().invoke(cli, ["report", "--register", str(reg.path), "--activity", ACTIVITY,
                                      "--out", str(tmp_path), "--anonymous"])
    assert result.exit_code in (0, 1), result.output  # 1: notes (outside the workspace, no programme)
    assert f"Audit summary of '{ACTIVITY}', January 2026: 3 audits (2 returned, 2 graded), 2 actions." in result.output
    assert (tmp_path / f"Audit summary {MONTH} {ACTIVITY}.docx").exists()
    result = CliRunner().invoke(cli, ["report", "--register", str(reg.path), "--activity", ACTIVITY,
                                      "--quarter", "2026-Q4"])
    assert result.exit_code == 2 and "--activity makes one activity's summary" in result.output


def test_the_six_month_review_is_chased_shown_in_status_and_can_schedule_a_re_audit(agreed, tmp_path):
    ws, reg, tracker = agreed
    late = dt.date(2026, 8, 20)  # after the review's date, 10 August 2026
    glance = month_status(ws, month=JANUARY, today=late).glance
    assert [r.activity for r in glance.reviews] == [ACTIVITY]
    text = glance.text()
    assert "Six-month reviews of thematic audits:" in text
    assert f"{ACTIVITY} (January 2026): six-month review due 10/08/2026 - overdue" in text
    assert glance.as_json()["reviews"][0]["due"] == "2026-08-10"
    chased = chase_letters(ws, month=dt.date(2026, 8, 1), today=late)
    letter = next(x for x in chased.letters if x.role == "QA officer")
    assert f"{ACTIVITY} (January 2026): hold the six-month review by Monday 10 August 2026 - overdue" in letter.text
    assert letter.overdue and chased.overdue
    # the review is held: practice has not progressed, a re-audit is scheduled for February 2027
    type_in(tracker, ACTIVITY, {"Review held on": dt.datetime(2026, 8, 23), "Practice progressed": "No",
                                "Re-audit in": "2027-02"})
    consolidate_returns(ws, [reg.returned], now=dt.datetime(2026, 8, 24, 9, 0))
    with ws.open_register() as register:
        [review] = reviews(register.audits(), register.tracker_columns(SHEET))
    assert review.held_on == dt.date(2026, 8, 23) and review.re_audit_in == dt.date(2027, 2, 1)
    assert not review.late(dt.date(2026, 9, 1))
    chased = chase_letters(ws, month=dt.date(2026, 8, 1), today=dt.date(2026, 9, 1))
    assert not any(x.role == "QA officer" for x in chased.letters)
    glance = month_status(ws, month=JANUARY, today=dt.date(2026, 9, 1)).glance
    assert "practice has not progressed sufficiently; re-audit scheduled for February 2027" in glance.text()
    # the month of the re-audit shows it as scheduled
    glance = month_status(ws, month=dt.date(2027, 2, 1), today=dt.date(2027, 2, 1)).glance
    assert f"Re-audits scheduled for February 2027: {ACTIVITY} (thematic audit of January 2026)" in glance.text()
    shown = programme_month(ws, dt.date(2027, 2, 1), with_re_audits=True)
    assert shown.lines()[-2:] == ["Re-audits scheduled for February 2027 (by a six-month review):",
                                  f"  {ACTIVITY}: re-audit of the thematic audit of January 2026"]
    assert programme_month(ws, dt.date(2027, 3, 1), with_re_audits=True).re_audits == []
    # allocating February 2027 draws it: the activity as the programme has it in January 2026, drawn again
    feb = allocate_month(ws, month=dt.date(2027, 2, 1), cases=SAMPLES / "cases_2026-11.xlsx",
                         auditors=SAMPLES / "auditors.xlsx", out=tmp_path / "february.xlsx", today=dt.date(2027, 1, 25))
    (outcome,) = [o for o in feb.activities if o.activity.name == ACTIVITY]
    assert outcome.activity.re_audit_of == JANUARY and outcome.allocated == outcome.drawn > 0
    assert f"{ACTIVITY} (thematic audit, the re-audit of January 2026 scheduled by its six-month review)" in \
        outcome.line()
    with ws.open_register() as register:
        again = [a for a in register.audits(month=dt.date(2027, 2, 1)) if a.activity == ACTIVITY]
    assert len(again) == outcome.allocated and all(a.activity_type == THEMATIC for a in again)
    shown = programme_month(ws, dt.date(2027, 2, 1), with_re_audits=True)  # a re-audit the programme lost
    shown.re_audits = [dataclasses.replace(r, activity="Renamed since") for r in shown.re_audits]
    assert shown.with_re_audits_drawn() == ([], [
        "The re-audit of 'Renamed since' (January 2026), scheduled by its six-month review, was not drawn: "
        "programme.xlsx no longer has that activity in January 2026."])
    summary = make_summary(ws, activity=ACTIVITY, out=tmp_path, today=dt.date(2027, 2, 1))  # the latest: the re-audit
    assert summary.figures.month == "2027-02" and not any("programme" in w for w in summary.figures.notes)
    done = make_summary(ws, activity=ACTIVITY, month="2026-01", out=tmp_path, today=dt.date(2026, 9, 1))
    assert done.figures.review.re_audit_in == dt.date(2027, 2, 1)
    assert "February 2027" in _text(docx.Document(done.report))


def test_a_review_reads_what_people_type_as_excel_keeps_it():
    from auditdocs.tracker.key_messages import review_of

    # Excel turns a typed 2027-02 into a date, and a UK date may stay text
    review = review_of(ACTIVITY, dt.date(2026, 1, 15), {"Review held on": "23/08/2026", "Practice progressed": " no ",
                                                        "Re-audit in": dt.datetime(2027, 2, 1)})
    assert (review.month, review.held_on, review.re_audit_in) == (JANUARY, dt.date(2026, 8, 23), dt.date(2027, 2, 1))
    assert review.what == ("six-month review held 23/08/2026: practice has not progressed sufficiently; re-audit "
                           "scheduled for February 2027")
    assert review_of(ACTIVITY, JANUARY, {"Re-audit in": "February 2027"}).re_audit_in == dt.date(2027, 2, 1)
    assert review_of(ACTIVITY, JANUARY, {"Re-audit in": "soon"}).re_audit_in is None  # not a month: left out
    assert review_of(ACTIVITY, JANUARY, {}).late(dt.date(2026, 8, 1)) and not review_of(
        ACTIVITY, JANUARY, {}).late(dt.date(2026, 7, 31))
