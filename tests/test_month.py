"""The sample month end to end: privacy of every generated package, and the demo command."""
from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from helpers import REQUIRE_SOFFICE, SAMPLES, SOFFICE, SPECS

from auditdocs.allocation import read_allocations
from auditdocs.cli import cli
from auditdocs.dates import uk
from auditdocs.generate import generate

SAMPLE = SAMPLES / "allocations_2026-11.xlsx"


def personal_values(spec, values: dict[str, str]) -> set[str]:
    """What identifies the person a form is about, in the forms it could appear as."""
    found = set()
    for h in spec.header:
        value = values.get(h.id, "")
        if value and (h.identifier or h.id in ("date_of_birth", "case_number")):
            found.add(value)
            if h.type == "date":
                found.add(uk(value))
    return {v for v in found if len(v) >= 4}


def test_no_generated_package_holds_another_rows_personal_details(library, tmp_path):
    allocations = read_allocations(SAMPLE, library)
    assert len(allocations.allocations) >= 55 and not allocations.problems
    result = generate(allocations, library, tmp_path / "forms", fmt="both")
    assert result.all_generated
    rows = {a.audit_id: (a, personal_values(library.get(a.form_id), a.values)) for a in allocations.allocations}
    packages = sorted((tmp_path / "forms").rglob("*.docx")) + sorted((tmp_path / "forms").rglob("*.xlsx"))
    assert len(packages) == 2 * len(rows)
    for path in packages:
        audit_id = next(aid for aid in rows if aid in path.name)
        allocation, own = rows[audit_id]
        others = {v for aid, (_, values) in rows.items() if aid != audit_id for v in values} - own
        # a carer's form may name the children placed with them: that is this record's own data
        others = {v for v in others if not any(v in str(mine) for mine in allocation.values.values())}
        with zipfile.ZipFile(path) as package:
            for part in package.namelist():
                text = package.read(part).decode("utf-8", "replace")
                leaked = [v for v in others if v in text]
                assert not leaked, (path.name, part, leaked)
                for other_id in rows:
                    assert other_id == audit_id or other_id not in text


def test_demo_month_runs_end_to_end(tmp_path):
    result = CliRunner().invoke(cli, ["--specs", str(SPECS), "demo", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    demo = tmp_path / "demo"
    forms = list((demo / "forms").rglob("*.docx")) + list((demo / "forms").rglob("*.xlsx"))
    assert len(forms) == 60 and any(f.suffix == ".xlsx" for f in forms)
    assert "1 unreadable" in result.output and "incomplete" in result.output
    if SOFFICE or REQUIRE_SOFFICE:
        assert "saved through LibreOffice" in result.output
    assert (demo / "returns.txt").read_text(encoding="utf-8").count("send them back by ") >= 3
    tracker = openpyxl.load_workbook(demo / "tracker" / "Audit tracker.xlsx")  # the demo is a workspace
    assert {"Audits", "Answers", "Judgements", "Actions", "Exceptions", "About"} <= set(tracker.sheetnames)
    audits = tracker["Audits"]
    header = [c.value for c in audits[1]]
    grades = {row[header.index("Overall grade")] for row in audits.iter_rows(min_row=2, values_only=True)}
    assert {"Outstanding", "Good", "Requires Improvement with elements of good practice",
            "Requires Improvement", "Inadequate"} <= grades
    assert audits.max_row - 1 == 60  # every audit allocated (issue 11), the one sent back as a PDF too
    statuses = [row[header.index("Status")] for row in audits.iter_rows(min_row=2, values_only=True)]
    assert len(statuses) - statuses.count("not returned") == 59  # every readable audit came back
    assert "Where the month stands (auditdocs status)" in result.output and "November 2026" in result.output
    assert tracker["Exceptions"].max_row >= 9  # 7 incomplete, 1 unreadable, and the heading
    again = CliRunner().invoke(cli, ["--specs", str(SPECS), "demo", str(tmp_path / "demo")])
    assert again.exit_code == 0, again.output
    assert Path(demo / "tracker" / "Audit tracker.xlsx").exists()
