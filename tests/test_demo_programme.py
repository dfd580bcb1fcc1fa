"""The demo month's programme (issue 25, 7): November 2026 runs a dip sample and a thematic audit whose form was
written in a spreadsheet, allocated, generated, filled by the invented auditors, returned and consolidated like the
control sample (the demo month made once for the session, `demo_month`)."""
from __future__ import annotations

from collections import Counter

import openpyxl

from auditdocs.demo import PARTNER, THEMATIC_FORM, THEMATIC_WORKBOOK
from auditdocs.register import open_register

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
