"""The tracker workbook: consolidation, managers' edits kept, deadlines, text as data.

Records are built directly (as the Word reader will make them) for the real
csc_case_file_audit spec; workbooks are written to tmp_path and read back with openpyxl.
"""
from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
from helpers import files_workspace, library_from_text, xlsx_schema_errors
from tracker_records import NOW, action, by_id, day, make_record, on_disk, rows_of

from auditdocs.consolidate import consolidate_records
from auditdocs.domain import model as m
from auditdocs.tracker.rows import AUDITS

# ---- the workbook ------------------------------------------------------------------


def test_new_tracker_has_the_sheets_as_excel_tables(library, tracker):
    summary = consolidate_records(files_workspace(tracker, library=library),
                                  [make_record(library, "C1"), make_record(library, "C2", grade="Inadequate")], now=NOW)
    wb = openpyxl.load_workbook(tracker)
    assert wb.sheetnames == ["Audits", "Answers", "Judgements", "Actions", "Exceptions", "Themes", "About"]  # evidence tagged
    for name in wb.sheetnames[:-1]:
        ws = wb[name]
        assert list(ws.tables) == [name]
        assert ws.tables[name].ref == f"A1:{ws.tables[name].ref.split(':')[1]}"
        assert ws.freeze_panes in ("A2", "B2")
    # every audit's state, next step, moderation and QA officers' columns (issue 11) widen the Audits sheet
    assert wb["Audits"].tables["Audits"].ref == f"A1:{openpyxl.utils.get_column_letter(len(AUDITS.columns))}3"
    assert wb["Actions"].tables["Actions"].ref == "A1:T5"  # (with the activity of each action)
    audits = wb["Audits"]
    headers = [c.value for c in audits[1]]
    row = {h: c for h, c in zip(headers, audits[2])}
    # due Saturday 31 January 2026: the next working day
    assert row["Due"].value == dt.datetime(2026, 2, 2) and row["Due"].number_format == "DD/MM/YYYY"
    assert row["Month"].value == dt.datetime(2026, 1, 1)
    assert row["Overall grade"].fill.fgColor.rgb == "009BBB59"  # Good, the scale's colour
    assert {h: c for h, c in zip(headers, audits[3])}["Overall grade"].fill.fgColor.rgb == "00C00000"
    assert audits.column_dimensions["A"].width == 24
    assert audits.column_dimensions[openpyxl.utils.get_column_letter(headers.index("Content check") + 1)].hidden
    assert summary.audits_total == 2 and summary.actions_total == 4 and summary.actions_new == 4
    text = str(summary)
    assert "Read 2 files: 2 complete, 0 incomplete, 0 unreadable." in text
    assert "2 audits (2 new, 0 updated)" in text and "4 actions (4 new" in text
    assert str(tracker) in text


def test_generated_tracker_is_valid_spreadsheetml(library, tracker):
    records = [make_record(library, "C1", evidence="=1+1"), make_record(library, "C2", grade="Inadequate")]
    consolidate_records(files_workspace(tracker, library=library), records, now=NOW)
    consolidate_records(files_workspace(tracker, library=library), records + [make_record(library, "C3")], now=NOW)
    assert xlsx_schema_errors(tracker.read_bytes()) == []


def test_the_register_knows_the_tracker_it_wrote_by_the_hash_of_its_bytes_as_they_are_on_disk(library, tracker):
    """The tracker is hashed as it is written (a year's is not read back to hash it): the hash the register keeps is
    that of the file, so that the next run knows nobody has changed it (and reads only what people can have typed)."""
    import hashlib
    import sqlite3

    ws = files_workspace(tracker, library=library)
    for records in ([make_record(library, "C1")], [make_record(library, "C1"), make_record(library, "C2")]):
        consolidate_records(ws, records, now=NOW)
        db = sqlite3.connect(ws.register)
        (kept,) = db.execute("SELECT sha256 FROM trackers ORDER BY written DESC, rowid DESC LIMIT 1").fetchone()
        db.close()
        assert kept == hashlib.sha256(tracker.read_bytes()).hexdigest()


def test_audit_rows_dates_and_deadlines(library, tracker):
    records = [
        make_record(library, "C1", audit_date="2026-12-18"),
        make_record(library, "C2", grade="Inadequate", audit_date="2026-03-26"),
        make_record(library, "C3", grade="Inadequate", moderated="Good"),  # moderation lifted it
        make_record(library, "C4", grade="Good", moderated="Inadequate"),  # moderation lowered it
        make_record(library, "C5", audit_date=None, modified="2026-02-02"),  # no date: returned
    ]
    records[4].answers.pop("audit_date")
    consolidate_records(files_workspace(tracker, library=library), records, now=NOW)
    audits = by_id(tracker, "Audits", "Audit id")
    c1, c2, c3, c4, c5 = (audits[f"AUD-202601-C{i}"] for i in range(1, 6))
    assert c1["Management oversight due"] == day("06/01/2027")  # Christmas, Boxing Day (Mon), New Year
    assert c1["Review meeting due"] is None and c1["Re-audit due"] is None
    assert c2["Management oversight due"] == day("13/04/2026")  # Good Friday and Easter Monday skipped
    assert c2["Review meeting due"] == day("23/04/2026") and c2["Re-audit due"] == day("26/05/2026")
    assert c3["Review meeting due"] is None and c3["Grade after moderation"] == "Good"
    assert c4["Review meeting due"] == day("17/02/2026") and c4["Re-audit due"] == day("20/03/2026")
    assert c5["Finalised"] == c5["Returned"] == day("02/02/2026")
    assert c5["Management oversight due"] == day("16/02/2026")
    assert c1["Due"] == day("02/02/2026") and c1["Status"] == "complete" and c1["Name"] == "Smith, Alice"  # not Sat 31/01


def test_deadline_arithmetic_around_bank_holidays():
    from auditdocs.domain import (
        cycle,  # the one module of rules the tracker uses (issue 11)
    )
    assert cycle.oversight_due(dt.date(2026, 12, 18)) == dt.date(2027, 1, 6)
    assert cycle.oversight_due(dt.date(2026, 3, 26)) == dt.date(2026, 4, 13)
    # finalised on Maundy Thursday: Good Friday and Easter Monday are not working days
    assert cycle.oversight_due(dt.date(2026, 4, 2)) == dt.date(2026, 4, 20)
    # early May bank holiday 2026 is Monday 4 May
    assert cycle.oversight_due(dt.date(2026, 4, 27)) == dt.date(2026, 5, 12)
    assert cycle.review_meeting_due(dt.date(2026, 12, 31)) == dt.date(2027, 1, 28)
    # no 31 February: the month's last day, Sunday 28 February 2027, so the next working day
    assert cycle.re_audit_due(dt.date(2026, 12, 31)) == dt.date(2027, 3, 1)


def test_answers_judgements_and_exceptions(library, tracker, tmp_path):
    returned = on_disk(tmp_path, "C1.docx", "C2.docx", "C3.docx", "scan.pdf")
    good = make_record(library, "C1", file=returned["C1.docx"])
    incomplete = make_record(library, "C2", file=returned["C2.docx"])
    incomplete.status = "incomplete"
    incomplete.answers.pop("kss1_seen_alone")
    incomplete.answers.pop("kss1_seen_alone.evidence")
    incomplete.problems = [m.Problem("kss1_seen_alone", "1.1 Answer: not answered.")]
    unreadable = m.AuditRecord(file=returned["scan.pdf"], problems=[
        m.Problem("", "This is a PDF, not a Word form: ask the auditor for the .docx.")])
    unknown = make_record(library, "C3", file=returned["C3.docx"])
    unknown.form_version = 9
    summary = consolidate_records(files_workspace(tracker, library=library),
                                  [good, incomplete, unreadable, unknown], now=NOW)
    answers = rows_of(tracker, "Answers")
    c1 = [r for r in answers if r["Audit id"] == "AUD-202601-C1"]
    first = c1[0]
    assert (first["Ref"], first["Answer"], first["Evidence / comment"]) == ("1.1", "Yes", "Seen alone at school.")
    assert first["Question"].startswith("Is there a record that the child")
    assert any(r["Question"] == "What is working well?" and r["Evidence / comment"] == "Good relationships."
               for r in c1)
    assert not any(r["Ref"] == "1.1" for r in answers if r["Audit id"] == "AUD-202601-C2")
    judgements = [r for r in rows_of(tracker, "Judgements") if r["Audit id"] == "AUD-202601-C1"]
    assert [r["Judgement"] for r in judgements if r["Type"] == "Domain"] == ["Met"] * 10
    assert [(r["Type"], r["Judgement"]) for r in judgements if r["Type"] != "Domain"] == [("Overall grade", "Good")]
    exceptions = {r["File"]: r for r in rows_of(tracker, "Exceptions")}
    assert set(exceptions) == {returned["C2.docx"], returned["scan.pdf"], returned["C3.docx"]}
    assert exceptions[returned["C2.docx"]]["Problem"] == "Incomplete"
    assert "1.1 Answer: not answered." in exceptions[returned["C2.docx"]]["Details"]
    assert "Ann Auditor" in exceptions[returned["C2.docx"]]["What to do"]
    assert "PDF" in exceptions[returned["scan.pdf"]]["Details"]
    assert exceptions[returned["C3.docx"]]["Problem"] == "Unknown form"
    audits = by_id(tracker, "Audits", "Audit id")
    assert set(audits) == {"AUD-202601-C1", "AUD-202601-C2"}
    assert audits["AUD-202601-C2"]["Status"] == "incomplete"
    assert (summary.complete, summary.incomplete, summary.unreadable, summary.exceptions) == (2, 1, 1, 3)
    # the incomplete form comes back complete: its exception goes, the others stay
    fixed = make_record(library, "C2", file=returned["C2.docx"])
    consolidate_records(files_workspace(tracker, library=library), [fixed], now=NOW)
    assert {r["File"] for r in rows_of(tracker, "Exceptions")} == {returned["scan.pdf"], returned["C3.docx"]}
    assert by_id(tracker, "Audits", "Audit id")["AUD-202601-C2"]["Status"] == "complete"
    # the PDF is taken out of the folder: its exception goes too
    Path(returned["scan.pdf"]).unlink()
    consolidate_records(files_workspace(tracker, library=library), [fixed], now=NOW)
    assert {r["File"] for r in rows_of(tracker, "Exceptions")} == {returned["C3.docx"]}


VOICE_SPEC = """
id: voices_test
title: Audit and Moderation Tool (test)
version: 1
subject: child
question_scale: grade
header:
  - field: case_number
    label: Case number
  - field: auditor
    label: Auditor
  - field: due_date
    label: Due
    type: date
voices:
  - id: self
    label: Self-assessment
    required: false
  - id: auditor
    label: Auditor
  - id: moderator
    label: Moderator
    required: false
roles:
  overall_grade: overall
sections:
  - id: practice
    title: Practice
    items:
      - question: plan
        text: "Is the plan clear?"
      - question: voice
        text: "Is the child's voice heard?"
      - judgement: overall
        label: Overall grade
        scale: grade
"""


def test_answers_one_row_per_question_and_voice(tmp_path, tracker):
    library = library_from_text(tmp_path / "specs", "voices_test", VOICE_SPEC)
    record = m.AuditRecord(
        file="v.docx", status="complete", form_id="voices_test", form_version=1, audit_id="AUD-202602-V1",
        subject={"case_number": "V1", "auditor": "Ann", "due_date": "2026-02-28"},
        answers={"plan.self.grade": "Good", "plan.self.comment": "We review it monthly.",
                 "plan.auditor.grade": "Requires Improvement", "plan.auditor.comment": "No timescales.",
                 "voice.auditor.grade": "Outstanding", "overall": "Requires Improvement"})
    consolidate_records(files_workspace(tracker, library=library), [record], now=NOW)
    answers = [(r["Ref"], r["Voice"], r["Answer"], r["Evidence / comment"]) for r in rows_of(tracker, "Answers")]
    assert answers == [("1.1", "Self-assessment", "Good", "We review it monthly."),
                       ("1.1", "Auditor", "Requires Improvement", "No timescales."),
                       ("1.2", "Auditor", "Outstanding", None)]
    ws = openpyxl.load_workbook(tracker)["Answers"]
    assert ws["I3"].value == "Requires Improvement" and ws["I3"].fill.fgColor.rgb == "00FFC000"
    assert by_id(tracker, "Audits", "Audit id")["AUD-202602-V1"]["Month"] == dt.datetime(2026, 2, 1)


# ---- text from documents is data ------------------------------------------------------

FORMULA_LIKE = ["=1+1", "+44 7700 900123", "-5 days", "@SUM(A1:A3)", "  =HYPERLINK(\"http://x\")",
                "\t=cmd|' /C calc'!A0", "\r=2*3", "=", "-"]


def test_formula_like_text_lands_as_text(library, tracker):
    actions = [action(text, person=text) for text in FORMULA_LIKE]
    record = make_record(library, "C1", evidence="=SUM(1,2)", actions=actions)
    record.answers["working_well"] = "+ good relationships"
    consolidate_records(files_workspace(tracker, library=library), [record], now=NOW)
    consolidate_records(files_workspace(tracker, library=library), [record], now=NOW)  # again: the audit is read again
    consolidate_records(files_workspace(tracker, library=library),
                        [make_record(library, "C2")], now=NOW)  # again: its rows are kept as they were
    with zipfile.ZipFile(tracker) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = zf.read(name).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml, name
        actions_xml = zf.read("xl/worksheets/sheet4.xml").decode("utf-8")
    assert 't="inlineStr"><is><t>=1+1</t>' in actions_xml
    assert "@SUM(A1:A3)" in actions_xml
    wb = openpyxl.load_workbook(tracker)
    cells = [c for row in wb["Actions"].iter_rows(min_row=2) for c in row if c.value in FORMULA_LIKE]
    assert len(cells) >= 2 * len(FORMULA_LIKE) - 2  # action and person; "\r..." may be normalised
    assert all(c.data_type == "s" for c in cells)
    assert all(c.quotePrefix for c in cells if c.value.lstrip()[:1] in "=+-@")
    evidence = [c for row in wb["Answers"].iter_rows(min_row=2) for c in row if c.value == "=SUM(1,2)"]
    assert evidence and all(c.data_type == "s" for c in evidence)


def test_a_text_written_without_a_change_is_written_as_cell_safe_and_escaped_write_it():
    """`stream.cell_xml` looks once for anything `cell_safe` or `_escaped` would change, and writes a text with
    nothing to change as it is: the same cell as the text made safe and escaped, for texts of every kind."""
    import random

    from auditdocs.files import MAX_CELL_TEXT, cell_safe
    from auditdocs.tracker.stream import _escaped, cell_xml

    def written_in_full(text: str) -> str:
        safe = cell_safe(text)
        space = ' xml:space="preserve"' if safe.strip() and safe != safe.strip() else ""
        return f'<c r="B7" s="3" t="inlineStr"><is><t{space}>{_escaped(safe)}</t></is></c>'

    rng = random.Random(11)
    letters = "ab &<>\r\n\t\x00\x01\x08\x0b\x0c\x0e\x1f\x7f\ud800é👍 =+-@\xa0\u2028"
    texts = ["".join(rng.choice(letters) for _ in range(rng.randint(1, 14))) for _ in range(20000)]
    texts += [" ".join(FORMULA_LIKE), "x" * MAX_CELL_TEXT, "x" * (MAX_CELL_TEXT + 1), " " + "y" * MAX_CELL_TEXT,
              "z\r", "\r", "a & b < c > d"]
    for text in texts:
        assert cell_xml(text, 3, "B7") == written_in_full(text), repr(text[:40])


def filled_record(spec: m.FormSpec, n: int) -> m.AuditRecord:
    """Every field and one action row of any form, filled with a value of the right kind."""
    def value(f):
        if f.scale is not None:
            return f.scale.options[n % len(f.scale.options)].label
        return {"date": "2026-01-15", "checkbox": True}.get(f.type, f"Text for {f.id}")
    subject = {h.id: (h.scale.options[0].label if h.scale else "2026-01-31" if h.type == "date" else f"{h.label} {n}")
               for h in spec.header}
    return m.AuditRecord(
        file=f"/returned/{spec.id}.docx", status="complete", form_id=spec.id, form_version=spec.version,
        audit_id=f"AUD-202601-{spec.id[:8].upper()}{n}", subject=subject,
        answers={f.id: value(f) for f in spec.fields},
        tables={t.id: [{c.id: value(c) for c in t.columns}] for t in spec.tables})


def test_every_form_in_the_specs_lands_in_the_tracker(library, tracker):
    specs = library.current()
    records = [filled_record(spec, n) for n, spec in enumerate(specs)]
    summary = consolidate_records(files_workspace(tracker, library=library), records, now=NOW)
    assert summary.audits_total == len(specs) and summary.exceptions == 0
    assert summary.actions_total == sum(len(spec.tables) for spec in specs)
    answers = rows_of(tracker, "Answers")
    for spec, record in zip(specs, records):
        mine = [r for r in answers if r["Audit id"] == record.audit_id]
        assert len(mine) >= len([i for _, i in spec.items() if not isinstance(i, (m.Judgement, m.Actions))]) > 0
    grades = {(r["Audit id"], r["Type"]) for r in rows_of(tracker, "Judgements")}
    for spec, record in zip(specs, records):
        for role, kind in (("overall_grade", "Overall grade"), ("grade_after_moderation", "Grade after moderation")):
            assert (role not in spec.roles) or (record.audit_id, kind) in grades
    for row in rows_of(tracker, "Actions"):  # 'by whom' and 'by when' fill the usual columns
        assert row["Action"] and row["Responsible person"] and row["Required date"] == dt.datetime(2026, 1, 15)
