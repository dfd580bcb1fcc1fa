"""The organisational learning log, the improvement plan and the bulletin (issue 26, items 3-5), through real files:
a workspace from `auditdocs init` (its programme.xlsx), a register of real returned forms, the tracker written by
consolidate and edited with openpyxl, the CLI through click's CliRunner, LibreOffice for the bulletin's pages."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from report_register import Register

from auditdocs.cli import cli
from auditdocs.consolidate import consolidate_returns
from auditdocs.domain import model as m
from auditdocs.errors import UserError
from auditdocs.learning import log
from auditdocs.learning.log_run import (
    add_to_log,
    improvement_plan,
    learning_bulletin,
    the_log,
)
from auditdocs.register import SCHEMA_VERSION, open_register
from auditdocs.register.schema import MIGRATIONS
from auditdocs.status.run import chase_letters
from auditdocs.workspace import PROGRAMME_FILE, init_workspace, load_workspace

NOW = dt.datetime(2026, 12, 7, 9, 0)
TODAY = NOW.date()
SHEET = "Learning log"
VALIDATORS = [Path(p) for p in ("/work/shared/ooxml",)] + [Path(__file__).parents[2] / "shared" / "ooxml"]


def _validator(name: str) -> Path | None:
    return next((p / name for p in VALIDATORS if (p / name).exists()), None)


@pytest.fixture
def place(tmp_path, library):
    """A workspace (its programme.xlsx: Appendix D's year moved to 2026) whose register holds audits of November 2026, two
    of them the re-check "Children who go missing" of July 2026, one of those back graded."""
    folder = tmp_path / "ws"
    init_workspace(folder, council="Anytown Borough Council")
    ws = load_workspace(folder / "auditdocs.toml")
    book = openpyxl.load_workbook(folder / PROGRAMME_FILE)  # the example year moved to 2026, whose July is past
    for row in book["Programme"].iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("2027-"):
                cell.value = "2026-" + cell.value[5:]
    book.save(folder / PROGRAMME_FILE)
    made = Register(tmp_path / "made", library)
    made.path = ws.register
    ws.register.parent.mkdir(parents=True, exist_ok=True)
    made.audit("CS100001", month="2026-11", grade="good")
    made.audit("CS100002", month="2026-11", grade="requires_improvement")
    dip1 = made.audit("CS100003", month="2026-07", grade="good")
    dip2 = made.audit("CS100004", month="2026-07")
    with open_register(ws.register, write=True) as reg:
        for known in (dip1, dip2):
            audit = reg.audit(known.audit_id)
            audit.activity, audit.activity_type, audit.counts_toward_ten = "Children who go missing", "dip sample", False
            reg.record_audits([audit])
    return ws, made


def _run(ws, *args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False, env={"AUDITDOCS_DEBUG": "1"})
    return result


def _sheet_rows(path: Path) -> list[dict]:
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:] if any(v is not None for v in row)]


def _type_in(path: Path, edit) -> None:
    wb = openpyxl.load_workbook(path)
    edit(wb[SHEET])
    wb.save(path)


def _column(sheet, heading: str) -> int:
    return [c.value for c in sheet[1]].index(heading) + 1


# ---- the register ---------------------------------------------------------------------------------


def test_a_register_of_schema_6_gains_the_learning_log_and_keeps_its_audits(tmp_path, library):
    path = tmp_path / "register.sqlite"
    made = Register(tmp_path, library)
    made.path = path
    known = made.audit("CS200001", month="2026-11", grade="good")
    db = sqlite3.connect(path)  # as a register of schema 6 was: no learning_log table (nor theme_tags, nor the files' stats)
    with db:
        db.execute("DROP TABLE learning_log")
        db.execute("DROP TABLE theme_tags")
        db.execute("ALTER TABLE files DROP COLUMN stat")
        db.execute("PRAGMA user_version = 6")
    db.close()
    assert SCHEMA_VERSION == 9 == len(MIGRATIONS)
    with open_register(path, write=True) as reg:  # opening migrates it
        assert reg.learning_log() == []
        (audit,) = reg.audits()
        reg.record_learning([m.LearningAction("LL-2026-001", "strategic", "Chronologies were out of date",
                                              owner="Dana Whitfield", due=dt.date(2027, 1, 31),
                                              themes=["chronology"], audits=[known.audit_id],
                                              recheck="Children who go missing", recheck_month=dt.date(2026, 7, 1),
                                              added_on=TODAY)], now=NOW)
    assert audit.audit_id == known.audit_id and audit.current is not None
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 9
    with open_register(path) as reg:
        (entry,) = reg.learning_log()
    assert (entry.log_id, entry.kind, entry.themes, entry.audits, entry.recheck_month, entry.due) == (
        "LL-2026-001", "strategic", ["chronology"], [known.audit_id], dt.date(2026, 7, 1), dt.date(2027, 1, 31))


# ---- the log: the command line, the tracker ------------------------------------------------------


def test_a_log_action_added_by_the_command_line_is_shown_in_the_tracker(place, monkeypatch):
    ws, made = place
    monkeypatch.chdir(ws.folder)
    result = _run(ws, "learning", "log", "add", "--finding", "The journey of the child was not clear",
                  "--action", "Record the child's journey in the MASH contact tool", "--owner", "Dana Whitfield",
                  "--due", "2027-03-31", "--service", "Front door", "--kind", "organisational",
                  "--theme", "chronology", "--audit", made.audits[0].audit_id,
                  "--recheck", "children who go missing 2026-07")
    assert result.exit_code == 0, result.output
    year = dt.date.today().year
    assert f"Added LL-{year}-001 to the learning log (organisational)" in result.output
    with open_register(ws.register) as reg:
        (entry,) = reg.learning_log()
    assert (entry.recheck, entry.recheck_month, entry.source) == ("Children who go missing", dt.date(2026, 7, 1),
                                                                  "command line")
    consolidate_returns(ws, now=NOW)
    (row,) = _sheet_rows(ws.tracker)
    assert row["Log id"] == entry.log_id and row["Finding"] == "The journey of the child was not clear"
    assert row["Owner"] == "Dana Whitfield" and row["Status"] == "Open" and row["Themes"] == "chronology"
    assert row["Re-check"] == "Children who go missing" and row["Re-check month"].date() == dt.date(2026, 7, 1)
    assert row["Re-check result"] == "1 of 2 audits back: Good 1"
    sheet = openpyxl.load_workbook(ws.tracker)[SHEET]
    status = next(dv for dv in sheet.data_validations.dataValidation if dv.promptTitle == "Status")
    assert status.formula1 == '"Open,In progress,Done,No longer needed"' and "N2" in str(status.sqref)


def test_a_re_check_not_in_the_programme_is_refused_with_did_you_mean(place, monkeypatch):
    ws, made = place
    monkeypatch.chdir(ws.folder)
    result = _run(ws, "learning", "log", "add", "--finding", "x", "--owner", "A", "--due", "2027-01-31",
                  "--recheck", "Children who go mising 2026-07")
    assert result.exit_code == 2
    assert "is not an activity of the programme (did you mean 'Children who go missing'?)" in result.output
    result = _run(ws, "learning", "log", "add", "--finding", "x", "--owner", "A", "--due", "2027-01-31",
                  "--recheck", "Children who go missing 2026-03")
    assert result.exit_code == 2 and "not in the programme in 2026-03 (its months: 2026-01, 2026-07)" in result.output
    with pytest.raises(UserError, match="needs its month"):
        add_to_log(ws, finding="x", owner="A", due="2027-01-31", recheck="Children who go missing", today=TODAY)
    with pytest.raises(UserError, match="did you mean 'organisational'"):
        add_to_log(ws, finding="x", owner="A", due="2027-01-31", kind="organisationel", today=TODAY)
    with pytest.raises(UserError, match="'next week' is not a date"):
        add_to_log(ws, finding="x", owner="A", due="next week", today=TODAY)
    known = made.audits[0].audit_id
    with pytest.raises(UserError, match=f"is not an audit of the register .*did you mean '{known}'"):
        add_to_log(ws, finding="x", owner="A", due="2027-01-31", audits=[known[:-1] + "Q"], today=TODAY)
    with open_register(ws.register) as reg:
        assert reg.learning_log() == []


def test_a_status_typed_in_the_learning_log_sheet_is_read_back_and_kept(place):
    ws, _ = place
    added = add_to_log(ws, finding="Plans were not SMART", action="Plans workshop for team managers",
                       owner="Lee Untrue", due="2026-12-01", service="Locality North", today=TODAY, now=NOW)
    consolidate_returns(ws, now=NOW)

    def done(sheet):
        row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == added.entry.log_id)
        sheet.cell(row, _column(sheet, "Status")).value = "Done"
        sheet.cell(row, _column(sheet, "Evidence of change")).value = "Plans now name who does what by when."
    _type_in(ws.tracker, done)
    consolidate_returns(ws, now=NOW)
    consolidate_returns(ws, now=NOW)  # and again: still there
    (row,) = _sheet_rows(ws.tracker)
    assert row["Status"] == "Done" and row["Evidence of change"] == "Plans now name who does what by when."
    with open_register(ws.register) as reg:
        (entry,) = the_log(reg)
    assert entry.status == "Done" and entry.evidence == "Plans now name who does what by when."
    assert not log.overdue(entry, TODAY)  # done, though past its date
    _type_in(ws.tracker, lambda s: s.cell(2, _column(s, "Status")).__setattr__("value", "Finished-ish"))
    consolidate_returns(ws, now=NOW)
    (said,) = [r for r in _sheet_rows_of(ws.tracker, "Exceptions") if r["Problem"] == "Tracker entry"]
    assert said["Details"] == (f"Learning log sheet, action {added.entry.log_id}: the Status 'Finished-ish' is not a "
                               "status the tracker knows (Open, In progress, Done, No longer needed), so the action "
                               "counts as not done. It is kept as typed.")
    assert _sheet_rows(ws.tracker)[0]["Status"] == "Finished-ish"
    with open_register(ws.register) as reg:
        assert log.overdue(the_log(reg)[0], TODAY)


def test_a_row_typed_in_the_learning_log_sheet_is_taken_in_with_an_id(place):
    ws, _ = place
    first = add_to_log(ws, finding="Chronologies were out of date", owner="Dana Whitfield", due="2027-02-28",
                       today=TODAY, now=NOW).entry
    consolidate_returns(ws, now=NOW)

    def typed(sheet):
        r = sheet.max_row + 1
        for heading, value in (("Kind", "Strategic"), ("Finding", "Threshold application was not evidenced"),
                               ("Action", "Pathways document used at every contact"), ("Owner", "Jo Imaginary"),
                               ("Service", "Front door"), ("Due", dt.datetime(2027, 1, 15)),
                               ("Re-check", "Children who go missing"), ("Re-check month", "2026-07"),
                               ("Status", "In progress"), ("Notes", "agreed at the session of 8 December")):
            sheet.cell(r, _column(sheet, heading)).value = value
        r += 1  # a second one, that looks like the first action: both kept, and said
        for heading, value in (("Finding", "Chronologies were out of date"), ("Owner", "Sam Fictionby"),
                               ("Due", "next month"), ("Re-check", "Core group 2026-10")):
            sheet.cell(r, _column(sheet, heading)).value = value
    _type_in(ws.tracker, typed)
    consolidate_returns(ws, now=NOW)
    year = TODAY.year
    with open_register(ws.register) as reg:
        entries = {e.log_id: e for e in the_log(reg)}
    assert set(entries) == {first.log_id, f"LL-{year}-002", f"LL-{year}-003"}
    second, third = entries[f"LL-{year}-002"], entries[f"LL-{year}-003"]
    assert (second.kind, second.owner, second.due, second.recheck, second.recheck_month, second.source) == (
        "strategic", "Jo Imaginary", dt.date(2027, 1, 15), "Children who go missing", dt.date(2026, 7, 1), "tracker")
    assert second.status == "In progress" and second.notes == "agreed at the session of 8 December"
    assert third.finding == "Chronologies were out of date" and third.due is None
    assert "Due typed as 'next month'" in third.notes and third.recheck == "Core group"
    rows = {r["Log id"]: r for r in _sheet_rows(ws.tracker)}
    assert set(rows) == set(entries)  # each once, with its id: nothing typed lost
    assert rows[second.log_id]["Status"] == "In progress" and rows[third.log_id]["Owner"] == "Sam Fictionby"
    said = [r["Details"] for r in _sheet_rows_of(ws.tracker, "Exceptions") if r["Problem"] == log.LOG_ENTRY]
    assert any(second.log_id in d for d in said)
    (about_third,) = [d for d in said if third.log_id in d]
    assert "the same as " + first.log_id in about_third and "'next month' is not a date" in about_third
    assert "did you mean 'Core groups'" in about_third
    consolidate_returns(ws, now=NOW)  # again: nothing taken in twice
    with open_register(ws.register) as reg:
        assert len(reg.learning_log()) == 3


def _sheet_rows_of(path: Path, name: str) -> list[dict]:
    sheet = openpyxl.load_workbook(path)[name]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:] if any(v is not None for v in row)]


def test_chase_lists_an_overdue_learning_log_action_for_its_owner(place):
    ws, _ = place
    add_to_log(ws, finding="Supervision was not recorded", action="Supervision template in use in every team",
               owner="Terry Madeupson", due="2026-11-30", today=dt.date(2026, 11, 1), now=NOW)
    add_to_log(ws, finding="Not yet due", action="Something later", owner="Lee Untrue", due="2027-05-31",
               today=dt.date(2026, 11, 1), now=NOW)
    chased = chase_letters(ws, today=TODAY)
    (letter,) = [x for x in chased.letters if x.role == "learning log"]
    assert letter.to == "Terry Madeupson" and letter.overdue and chased.overdue
    assert "'Supervision template in use in every team' was due Monday 30 November 2026 - overdue" in letter.text
    assert "Something later" not in chased.text


# ---- the improvement plan -----------------------------------------------------------------------


def _docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    return " ".join(re.sub(r"<[^>]+>", " ", xml.replace("</w:p>", "\n")).split())


def _validate(path: Path, name: str) -> None:
    validator = _validator(name)
    if validator is None:
        return
    out = subprocess.run([sys.executable, str(validator), str(path)], capture_output=True, text=True)
    assert "INVALID" not in out.stdout and out.returncode == 0, out.stdout + out.stderr


def test_the_improvement_plan_per_service_with_the_re_checks_result(place, tmp_path, monkeypatch):
    ws, made = place
    add_to_log(ws, finding="The journey of the child was not clear", action="MASH contact tool records it",
               owner="Dana Whitfield", due="2027-03-31", service="Front door",
               recheck="Children who go missing 2026-07", today=TODAY, now=NOW)
    child = made.audits[1].values
    add_to_log(ws, finding=f"Plans were not SMART ({child['given_names']} {child['family_name']}, {made.audits[1].case})",
               owner="Lee Untrue", due="2027-01-31", service="Locality North",
               recheck="Planning for permanence 2026-05", today=TODAY, now=NOW)
    consolidate_returns(ws, now=NOW)
    _type_in(ws.tracker, lambda s: s.cell(2, _column(s, "Evidence of change")).__setattr__(
        "value", "The journey of the child is now clearly documented in the MASH contact tool."))
    consolidate_returns(ws, now=NOW)
    done = improvement_plan(ws, out=tmp_path / "out", today=TODAY, now=NOW)
    assert [p.service for p in done.plans] == ["Front door", "Locality North"]
    front = done.plans[0].rows[0]
    assert front.changed.startswith("The journey of the child is now clearly documented")
    assert (front.check, front.when, front.result) == ("Children who go missing, July 2026", "July 2026",
                                                       "1 of 2 audits back: Good 1")
    assert done.plans[1].rows[0].result == "Not begun"
    assert done.plans[1].rows[0].finding == "Plans were not SMART ([child], [case number])"
    text = _docx_text(done.docx)
    for words in ("Front door", "Locality North", "What has changed", "How it will be checked",
                  "The journey of the child is now clearly documented", "1 of 2 audits back: Good 1"):
        assert words in text
    book = openpyxl.load_workbook(done.xlsx)
    cells = [c for row in book.active.iter_rows(values_only=True) for c in row if c is not None]
    assert "Front door" in cells and "Locality North" in cells and "1 of 2 audits back: Good 1" in cells
    assert len(book.active.tables) == 2
    _validate(done.docx, "validate_docx.py")
    _validate(done.xlsx, "validate_xlsx.py")
    # one service, by the command line; its second audit back: the result changes
    made.comes_back(made.audits[3], made.library.get("csc_case_file_audit"), "requires_improvement", None, {},
                    dt.date(2026, 7, 20), False)
    monkeypatch.chdir(ws.folder)
    result = _run(ws, "learning", "plan", "--service", "front door", "--out", str(tmp_path / "one"))
    assert result.exit_code == 0, result.output
    (docx,) = (tmp_path / "one").glob("*.docx")
    text = _docx_text(docx)
    assert "2 of 2 audits back: Good 1, Requires Improvement 1" in text and "Locality North" not in text
    result = _run(ws, "learning", "plan", "--service", "Front dor")
    assert result.exit_code == 2 and "did you mean 'Front door'" in result.output


# ---- the bulletin ---------------------------------------------------------------------------------


def test_the_bulletin_is_one_page_and_holds_no_name_case_number_or_date_of_birth(place, tmp_path, lo_profile,
                                                                                   monkeypatch):
    ws, made = place
    child = made.audits[0].values
    worker = child["social_worker"]
    added = add_to_log(ws, finding=f"{child['given_names']} {child['family_name']}'s plan (case "
                                   f"{made.audits[0].case}, born {child['date_of_birth']}) did not say what would change",
                       action=f"Write plans the child can understand, as {worker} did", owner="Dana Whitfield",
                       due="2026-12-31", service="Front door", today=dt.date(2026, 11, 10), now=NOW)
    add_to_log(ws, finding="Threshold decisions lacked a rationale", action="Managers record their rationale",
               kind="organisational", owner="Lee Untrue", due="2027-01-31", today=dt.date(2026, 11, 10), now=NOW)
    add_to_log(ws, finding="Children in care did not see their plans", action="Read Children in care their plans",
               owner="Head of Service, Children in Care", due="2027-01-31", today=dt.date(2026, 11, 10), now=NOW)
    consolidate_returns(ws, now=NOW)

    def evidence(sheet):
        row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == added.entry.log_id)
        sheet.cell(row, _column(sheet, "Evidence of change")).value = (
            f"Dana Whitfield checked: {child['family_name']} family's plan now says what will change by when.")
    _type_in(ws.tracker, evidence)
    consolidate_returns(ws, now=NOW)
    monkeypatch.chdir(ws.folder)
    result = _run(ws, "learning", "bulletin", "--from", "2026-10", "--to", "2026-11", "--out", str(tmp_path / "b"))
    assert result.exit_code == 0, result.output
    docx = tmp_path / "b" / "Learning bulletin 2026-10 to 2026-11.docx"
    text = _docx_text(docx)
    for words in ("What audits found", "What good looks like", "What to do differently", "October 2026 to November 2026",
                  "2 audits of case files were completed: 1 Good, 1 Requires Improvement",
                  "plan now says what will change by when", "Write plans the child can understand"):
        assert words in text, words
    assert "Managers record their rationale" not in text  # organisational, not a learning action for staff
    assert "Read Children in care their plans" in text  # an owner written as a role takes no word out
    personal = made.subject_values() | {k.case for k in made.audits} | {"Dana Whitfield", "Dana", "Whitfield"}
    with open_register(ws.register) as reg:
        for audit in reg.audits():
            personal |= {audit.case_number, audit.auditor, audit.audit_id}
    found = [value for value in personal if value and re.search(rf"(?<!\w){re.escape(value)}(?!\w)", text)]
    assert found == []
    _validate(docx, "validate_docx.py")
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed")
    from helpers import libreoffice_convert

    (pdf,) = libreoffice_convert([docx], tmp_path / "pdf", "pdf", lo_profile)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))
    assert pages == 1


def test_the_bulletin_refuses_months_the_wrong_way_round(place):
    ws, _ = place
    with pytest.raises(UserError, match="is before --from"):
        learning_bulletin(ws, first=dt.date(2026, 11, 1), last=dt.date(2026, 10, 1), today=TODAY)


def test_a_register_made_again_takes_the_log_back_from_the_tracker_with_its_ids(place):
    from auditdocs.consolidate.upkeep import rebuild_register

    ws, _ = place
    first = add_to_log(ws, finding="Chronologies were out of date", action="Chronology workshop", owner="Dana Whitfield",
                       due="2027-02-28", service="Front door", recheck="Children who go missing 2026-07",
                       today=dt.date(2026, 11, 20), now=NOW).entry
    second = add_to_log(ws, finding="Plans were not SMART", owner="Lee Untrue", due="2027-01-31",
                        today=dt.date(2026, 11, 21), now=NOW).entry
    consolidate_returns(ws, now=NOW)
    _type_in(ws.tracker, lambda s: s.cell(3, _column(s, "Status")).__setattr__("value", "In progress"))
    consolidate_returns(ws, now=NOW)
    rebuild_register(ws, now=NOW)
    with open_register(ws.register) as reg:
        back = {e.log_id: e for e in the_log(reg)}
    assert set(back) == {first.log_id, second.log_id}
    again = back[first.log_id]
    assert (again.finding, again.action, again.owner, again.service, again.due, again.recheck, again.recheck_month,
            again.added_on) == (first.finding, first.action, first.owner, first.service, first.due, first.recheck,
                                first.recheck_month, first.added_on)
    assert back[second.log_id].status == "In progress"

