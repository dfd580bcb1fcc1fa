"""A QA officer's habits: what `status` and `chase` show when no month is given, deadlines on working days,
and the small slips a new user meets (issue 22). Through the real commands, workspace and register."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from habits import FORM, auditors_list, invoke, workspace_with
from helpers import SAMPLES, full_answers, libreoffice_convert, needs_soffice

from auditdocs.domain import cycle
from auditdocs.domain import model as m
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
    letter = invoke("chase", "--month", "2026-11", "--on", "20/11/2026", cwd=folder)
    asked = letter.split("The files you sent for these audits cannot be read")[1]
    assert "please send the form itself, the Word (.docx) or Excel (.xlsx) file" in asked and "case 9914031" in asked


# ---- allocation lists as councils export them -----------------------------------------------------------

CASES, AUDITORS = SAMPLES / "cases_2026-11.xlsx", SAMPLES / "auditors.xlsx"


def exported(source: Path, target: Path, *, titles=(), renamed=None, notes=(), change=None) -> Path:
    """The sample list as a council's system exports it: title lines above the headings, headings renamed,
    note lines below the rows, cells changed (`change(sheet)`)."""
    book = openpyxl.load_workbook(source)
    sheet = book.active
    for cell in sheet[1]:
        cell.value = (renamed or {}).get(cell.value, cell.value)
    if change:
        change(sheet)
    for note in notes:
        sheet.append([note])
    if titles:
        sheet.insert_rows(1, len(titles))
        for n, title in enumerate(titles, start=1):
            sheet.cell(n, 1).value = title
    book.save(target)
    return target


def allocate(tmp_path: Path, cases: Path, auditors: Path, *args: str, code=(0, 1)) -> tuple[str, Path, Path]:
    out, register = tmp_path / "allocations.xlsx", tmp_path / "register.sqlite"
    tmp_path.mkdir(exist_ok=True)
    shown = invoke("allocate", "--month", "2026-11", "--cases", cases, "--auditors", auditors, "--out", out,
                   "--register", register, *args, code=code)
    return shown, out, register


def allocated_audits(register: Path) -> int:
    if not register.exists():
        return 0
    from auditdocs.register import open_register

    with open_register(register) as reg:
        return len(reg.audits())


def test_allocate_reads_lists_with_title_rows_and_notes_as_generate_does(tmp_path):
    usual, _, _ = allocate(tmp_path / "usual", CASES, AUDITORS)
    first = usual.splitlines()[[n for n, line in enumerate(usual.splitlines()) if line.startswith("Allocated ")][0]]
    titles = ("Anytown Borough Council: open cases, November 2026", "Exported from the case management system")
    cases = exported(CASES, tmp_path / "cases.xlsx", titles=titles, notes=["Notes: figures as at 31/10/2026"])
    auditors = exported(AUDITORS, tmp_path / "auditors.xlsx", titles=("Auditors 2026-27",),
                        notes=["Source: QA team"])
    shown, out, register = allocate(tmp_path / "exported", cases, auditors)
    assert first in shown  # the same allocation, the same words
    assert "the column headings of cases.xlsx are in row 3" in shown and "row 124 of cases.xlsx is a note" in shown
    assert "the column headings of auditors.xlsx are in row 2" in shown
    assert out.exists() and allocated_audits(register) == int(first.split()[1])


def test_allocate_knows_headings_as_case_management_systems_name_them_and_map_names_the_rest(tmp_path):
    renamed = {"Case number": "Person ID", "Social worker": "Allocated Worker", "Team manager": "Worker's Manager"}
    cases = exported(CASES, tmp_path / "cases.xlsx", renamed=renamed)
    shown, out, _ = allocate(tmp_path / "known", cases, AUDITORS)
    assert shown.count("Allocated ") == 1 and out.exists()
    # a heading auditdocs cannot know: one message (not one a row), with the --map to give
    cases = exported(CASES, tmp_path / "cases2.xlsx", renamed={"Form": "Tool", "Category": "Categry",
                                                                  "Current status of child": "Status of child"})
    shown, out, register = allocate(tmp_path / "unknown", cases, AUDITORS, code=2)
    assert shown.count("has no Category column") == 1  # said once, not for each of its 120 rows
    assert 'Did you mean the column \'Categry\'? If so, add: --map "Categry=category"' in shown
    assert not out.exists() and allocated_audits(register) == 0
    cases = exported(CASES, tmp_path / "cases3.xlsx", renamed={"Case number": "Case numbr"})
    shown, out, register = allocate(tmp_path / "unknown2", cases, AUDITORS, code=2)
    assert shown.count("is missing") == 0 and shown.count("Case number (case_number)") >= 1
    assert shown.count('did you mean column \'Case numbr\' for Case number? If so, add: --map "Case numbr=case_number"') == 1
    assert not out.exists() and allocated_audits(register) == 0
    shown, out, register = allocate(tmp_path / "mapped", cases, AUDITORS, "--map", "Case numbr=case_number")
    assert out.exists() and allocated_audits(register) > 0
    shown, _, _ = allocate(tmp_path / "mistyped", cases, AUDITORS, "--map", "Case nmbr=case_number", code=2)
    assert "--map \"Case nmbr=case_number\" names no column of cases3.xlsx (did you mean 'Case numbr'?)" in shown
    shown, _, _ = allocate(tmp_path / "mistyped2", cases, AUDITORS, "--map", "Case numbr=case_number", "--map",
                           "E-mial=email", code=2)
    assert "--map \"E-mial=email\": neither list has a column 'E-mial' (did you mean 'E-mail'?)" in shown


def test_a_list_with_rows_that_cannot_be_used_writes_and_records_nothing_one_message_a_problem(tmp_path):
    def no_team(sheet):
        team = [c.value for c in sheet[1]].index("Team") + 1
        for row in range(2, 9):
            sheet.cell(row, team).value = None
        sheet.cell(10, [c.value for c in sheet[1]].index("Date of birth") + 1).value = "31/02/2016"

    cases = exported(CASES, tmp_path / "cases.xlsx", change=no_team)
    shown, out, register = allocate(tmp_path, cases, AUDITORS, code=2)
    assert "nothing was allocated, written or recorded" in shown
    assert "cases.xlsx, 7 rows (2, 3, 4, 5, 6, 7, 8): " in shown and shown.count("Social worker's team is missing (column 'Team' is empty)") == 1
    assert "cases.xlsx, row 10 (case " in shown and "'31/02/2016'" in shown
    assert not out.exists() and allocated_audits(register) == 0


# ---- smaller slips ----------------------------------------------------------------------------------------


def test_export_without_a_key_says_how_to_make_one(two_months, tmp_path):
    shown = invoke("export", "--pseudonymise", "--month", "2026-11", "--out", tmp_path / "export.xlsx", code=2,
                   cwd=two_months)
    assert "make one with `auditdocs key new team.key`" in shown and "Missing option" not in shown
    assert not (tmp_path / "export.xlsx").exists()


def test_consolidate_counts_the_files_that_need_attention_apart_from_other_entries(tmp_path):
    folder = workspace_with(tmp_path, {"2026-11": NOVEMBER})
    forms = sorted((folder / "forms" / "2026-11").rglob("*.docx"))
    for form in forms:  # sent back blank: incomplete
        target = folder / "returned" / form.relative_to(folder / "forms" / "2026-11")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(form.read_bytes())
    assert "2 files need attention" in invoke("consolidate", code=1, cwd=folder)
    tracker = folder / "tracker" / "Audit tracker.xlsx"
    book = openpyxl.load_workbook(tracker)
    sheet = book["Audits"]
    headings = [c.value for c in sheet[1]]
    sheet.cell(2, headings.index("Sent back on") + 1).value = "next week"  # not a date: a tracker entry to check
    book.save(tracker)
    shown = invoke("consolidate", code=1, cwd=folder)
    assert "2 files and 1 other entry need attention" in shown, shown


# ---- e-mail drafts, as councils work ------------------------------------------------------------------------


def read_draft(path: Path):
    import email
    from email import policy

    raw = path.read_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")  # RFC 5322 line ends
    return email.message_from_bytes(raw, policy=policy.default)


def test_generate_eml_writes_a_draft_per_auditor_with_their_forms_split_over_the_councils_limit(tmp_path):
    people = [("9914041", "Testworth", "Amelia", "Zoë Fictionby"), ("9914042", "Madeupson", "Priya", "Zoë Fictionby"),
              ("9914043", "Notreal", "Kai", "Zoë Fictionby"), ("9914044", "Fictionby", "Oscar", "Bo Notreal")]
    folder = workspace_with(tmp_path, {"2026-11": people})
    settings = folder / "auditdocs.toml"
    text = settings.read_text(encoding="utf-8")
    assert "[email]" in text and "max_mb = 20" in text  # the council's limit, 20 MB unless it says otherwise
    forms = folder / "forms" / "2026-11"
    one = max(p.stat().st_size for p in forms.rglob("*.docx"))
    limit = (2 * (one * 78 // 57 + 600) + 10 * 1024) / (1024 * 1024)  # room for two forms (in base64), not three
    settings.write_text(text.replace("max_mb = 20", f"max_mb = {limit:.4f}"), encoding="utf-8")
    auditors = auditors_list(tmp_path / "auditors.xlsx", [("Zoë Fictionby", "zoe.fictionby@anytown.example",
                                                           "Team South"), ("Bo Notreal", "", "Team East")])
    shown = invoke("generate", "--data", tmp_path / "allocations 2026-11.xlsx", "--month", "2026-11", "--eml",
                   "--auditors", auditors, cwd=folder)
    assert "3 e-mail drafts written" in shown and "nothing was sent" in shown
    assert "no e-mail address for Bo Notreal: fill in To" in shown
    drafts = sorted((forms / "E-mail drafts").glob("*.eml"))
    assert [p.name for p in drafts] == ["Bo Notreal.eml", "Zoë Fictionby (1 of 2).eml", "Zoë Fictionby (2 of 2).eml"]
    attached = {}
    for path in drafts[1:]:
        draft = read_draft(path)
        assert path.stat().st_size <= limit * 1024 * 1024
        assert draft["X-Unsent"] == "1" and "Case file audits for November 2026: your forms (" in draft["Subject"]
        [to] = draft["To"].addresses
        assert (to.display_name, to.addr_spec) == ("Zoë Fictionby", "zoe.fictionby@anytown.example")
        body = draft.get_body(("plain",)).get_content().replace("\r\n", "\n")
        assert body.startswith("Dear Zoë Fictionby,") and "by Monday 30 November 2026" in body
        for part in draft.iter_attachments():
            attached[part.get_filename()] = part.get_content()
    mine = {p.name: p.read_bytes() for p in (forms / "Zoë Fictionby").glob("*.docx")}
    assert attached == mine and len(mine) == 3  # every form once, byte for byte
    bo = read_draft(drafts[0])
    assert bo["To"] is None and [p.get_filename() for p in bo.iter_attachments()] == [
        p.name for p in (forms / "Bo Notreal").glob("*.docx")]


def test_chase_eml_writes_a_draft_per_letter(two_months, tmp_path):
    auditors = auditors_list(tmp_path / "auditors.xlsx", [("Ann Testworth", "ann.testworth@anytown.example",
                                                           "Team South"),
                                                          ("Bo Fictionby", "bo.fictionby@anytown.example", "Team East")])
    out = tmp_path / "chase"
    shown = invoke("chase", "--on", "15/12/2026", "--out", out, "--eml", "--auditors", auditors, code=1,
                   cwd=two_months)
    drafts = {p.name: read_draft(p) for p in out.glob("*.eml")}
    assert set(drafts) == {"Ann Testworth (auditor).eml", "Bo Fictionby (auditor).eml"}
    ann = drafts["Ann Testworth (auditor).eml"]
    assert ann["To"].addresses[0].addr_spec == "ann.testworth@anytown.example" and ann["X-Unsent"] == "1"
    body = ann.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert body == (out / "Ann Testworth (auditor).txt").read_text(encoding="utf-8") + "\nThank you.\n"
    assert not list(ann.iter_attachments()) and "2 e-mail drafts written" in shown
