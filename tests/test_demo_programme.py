"""The demo month's programme (issue 25, 7): November 2026 runs a dip sample and a thematic audit whose form was
written in a spreadsheet, allocated, generated, filled by the invented auditors, returned and consolidated like the
control sample (the demo month made once for the session, `demo_month`)."""
from __future__ import annotations

import json
from collections import Counter

import docx
import openpyxl

from auditdocs.demo import (
    KEY_MESSAGES,
    LEARNING_ACTION,
    PARTNER,
    REPORT_ON,
    THEMATIC_FORM,
    THEMATIC_WORKBOOK,
)
from auditdocs.register import open_register
from auditdocs.report.run import make_report
from auditdocs.workspace import find_workspace

MISSING, THEMATIC = "Children who go missing", "Multiple changes of social worker"


def test_the_demo_month_runs_a_dip_sample_and_a_thematic_audit_from_a_spreadsheet(demo_month):
    output, demo = demo_month
    assert f'$ auditdocs specs from-xlsx "{THEMATIC_WORKBOOK}"' in output
    assert f"made into form_specs/{THEMATIC_FORM}.yaml" in output.replace("\\", "/")
    assert f"{MISSING} (dip sample): 14 cases match its cohort, 5 drawn" in output
    assert f"{THEMATIC} (thematic audit): 14 cases match its cohort, 4 drawn" in output
    assert (demo / THEMATIC_WORKBOOK).exists() and (demo / "form_specs" / f"{THEMATIC_FORM}.yaml").exists()

    with open_register(demo / "register" / "auditdocs.sqlite") as reg:
        audits = reg.audits()
        grades = {a.audit_id: a.current.record.answers.get("overall_grade") for a in audits
                  if a.activity and a.current is not None}
    assert Counter(a.activity for a in audits) == {"": 60, MISSING: 5, THEMATIC: 4}
    thematic = [a for a in audits if a.activity == THEMATIC]
    assert {a.form_id for a in thematic} == {THEMATIC_FORM} and all(a.group == [PARTNER] for a in thematic)
    assert all(a.counts_toward_ten for a in thematic)
    assert not any(a.counts_toward_ten for a in audits if a.activity == MISSING)
    # filled by the auditors, returned and consolidated like the rest: every one complete
    programme = [a for a in audits if a.activity]
    assert all(a.current is not None and a.current.status == "complete" for a in programme)
    assert all(grades[a.audit_id] for a in thematic)
    tracker = openpyxl.load_workbook(demo / "tracker" / "Audit tracker.xlsx")
    ids = {row[0] for row in tracker["Audits"].iter_rows(min_row=2, values_only=True)}
    assert {a.audit_id for a in programme} <= ids


def test_the_demo_month_ends_with_the_summary_the_learning_log_the_pack_and_the_bulletin(demo_month):
    output, demo = demo_month
    reports = demo / "reports"
    assert f"Audit summary of '{THEMATIC}', November 2026: 4 audits (4 returned, 4 graded)" in output
    assert "Added LL-2026-001 to the learning log" in output
    made = {p.name for p in reports.iterdir()}
    assert {f"Audit summary 2026-11 {THEMATIC}.docx", "Learning pack 2026-12-08.docx",
            "Learning bulletin 2026-11.docx"} <= made
    summary = docx.Document(reports / f"Audit summary 2026-11 {THEMATIC}.docx")
    text = "\n".join(p.text for p in summary.paragraphs)
    assert KEY_MESSAGES["Key messages"].splitlines()[0] in text  # typed by the group in the tracker, read back
    bulletin = "\n".join(p.text for p in docx.Document(reports / "Learning bulletin 2026-11.docx").paragraphs)
    assert LEARNING_ACTION["action"] in bulletin  # the action agreed after the month, by the day it was made
    assert LEARNING_ACTION["finding"] in bulletin  # not mangled by taking names out


def test_the_quarterly_report_gives_the_boards_the_themes_the_learning_log_and_the_improvement_plan(
        demo_month, tmp_path):
    _, demo = demo_month
    out = tmp_path / "quarter"
    make_report(find_workspace(demo), quarter="2026-Q3", out=out, json_file=out / "figures.json", today=REPORT_ON)
    g = json.loads((out / "figures.json").read_text(encoding="utf-8"))["governance"]
    themes = {row[0]: row[1:] for row in g["themes"]}
    assert themes["The child's voice and lived experience"][2] > 0 and g["tagged_audits"] > 0
    assert (g["agreed"], g["done"], g["open"], g["overdue"]) == (1, 0, 1, 0)
    (service,) = g["services"]
    assert service["service"] == LEARNING_ACTION["service"]
    (row,) = service["rows"]
    assert row[:2] == ["LL-2026-001", LEARNING_ACTION["finding"]]
    assert row[3] == f"{THEMATIC}, January 2027" and row[5] == "Not begun"
    document = docx.Document(next(out.glob("Audit report 2026-Q3.docx")))
    text = [p.text for p in document.paragraphs]
    part = text[text.index("Learning from audits"):]
    assert "Themes" in part and f"The improvement plan: {LEARNING_ACTION['service']}" in part
    assert LEARNING_ACTION["owner"] not in "\n".join(part)  # the boards see services and findings, not owners
    cells = {c.text for t in document.tables for r in t.rows for c in r.cells}
    assert LEARNING_ACTION["finding"] in cells
    # a month's report has no such part
    monthly = json.loads((demo / "reports" / "figures.json").read_text(encoding="utf-8"))
    assert "governance" not in monthly
