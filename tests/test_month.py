"""The sample month end to end: privacy of every generated package, and the demo command."""
from __future__ import annotations

import re
import shutil
import zipfile

import openpyxl
from click.testing import CliRunner
from helpers import REQUIRE_SOFFICE, SAMPLES, SOFFICE, SPECS

from auditdocs.allocate.allocation_list import read_allocations
from auditdocs.cli import cli
from auditdocs.demo import demo_workspace
from auditdocs.domain.dates import uk
from auditdocs.generate.run import generate
from auditdocs.workspace import init_workspace

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


def test_demo_month_runs_end_to_end(demo_month, library):
    output, demo = demo_month
    steps = re.findall(r"^(\d)\. ", output, re.M)
    assert steps == [str(n) for n in range(1, 10)]
    for command in ("allocate --month 2026-11 --cases cases_2026-11.xlsx --auditors auditors.xlsx",
                    "generate --data allocations-2026-11.xlsx --month 2026-11", "parse --returns", "consolidate",
                    "moderation select --month 2026-11 --moderators moderators.xlsx", "moderation forms",
                    "moderation agreement", "report --month 2026-11", "learning pack --session 2026-12-08 --out reports",
                    "learning bulletin --from 2026-11 --out reports", "status --on 07/12/2026"):
        assert f"$ auditdocs {command}" in output, command
    # the sample auditors list asks for one break too many: said, and the month goes on
    assert "Needs attention:" in output and "Ask Imran Chaudhry" in output
    forms = list((demo / "forms").rglob("*.docx")) + list((demo / "forms").rglob("*.xlsx"))
    assert len(forms) == 69 and any(f.suffix == ".xlsx" for f in forms)  # 60 control sample, 9 of the programme
    assert "1 unreadable" in output and "incomplete" in output
    if SOFFICE or REQUIRE_SOFFICE:
        assert "saved through LibreOffice" in output and (demo / "reports" / "Audit report 2026-11.pdf").exists()
    assert (demo / "returns.txt").read_text(encoding="utf-8").count("send them back by ") >= 3
    tracker = openpyxl.load_workbook(demo / "tracker" / "Audit tracker.xlsx")  # the demo is a workspace
    assert {"Audits", "Answers", "Judgements", "Actions", "Exceptions", "About"} <= set(tracker.sheetnames)
    audits = rows_by_heading(tracker["Audits"])
    assert {"Outstanding", "Good", "Requires Improvement with elements of good practice",
            "Requires Improvement", "Inadequate"} <= {a["Overall grade"] for a in audits}
    assert len(audits) == 69  # every audit allocated (issue 11), the one sent back as a PDF too
    assert sum(a["Status"] != "not returned" for a in audits) == 69  # every audit came back, the PDF one too:
    assert [a["State"] for a in audits if a["Status"] == "unreadable"] == ["Returned, but cannot be read"]
    # some Inadequate audits are complete, and their follow-up is under way: the first meeting held for some
    inadequate = [a for a in audits if (a["Grade after moderation"] or a["Overall grade"]) == "Inadequate"
                  and a["Status"] == "complete"]
    assert len(inadequate) >= 3 and all(a["Review meeting due"] and a["Re-audit due"] for a in inadequate)
    assert 0 < sum(bool(a["Meeting held on"]) for a in inadequate) < len(inadequate)
    # the moderators' grades are the final grades, read by consolidate like any other return
    moderated = [a for a in audits if a["Moderated on"]]
    assert len(moderated) == sum(a["Selected for moderation"] == "Yes" for a in audits) >= 6
    assert {a["Changed"] for a in moderated} >= {"Up", "Same"}
    assert all(a["Grade after moderation"] for a in moderated)
    # what managers typed was read back: a third of the actions done, the incomplete audits sent back
    actions = rows_by_heading(tracker["Actions"])
    assert 0 < sum(a["Status"] == "Done" for a in actions) < len(actions)
    assert sum(bool(a["Sent back on"]) for a in audits) == 7
    problems = [e["Problem"] for e in rows_by_heading(tracker["Exceptions"])]
    assert "Duplicate" not in problems  # a moderator's copy is the audit's newer version, not a duplicate
    assert problems.count("Incomplete") == 6 and problems.count("Unreadable") == 1  # one came back amended
    assert "Where the month stands" in output and "November 2026 on Monday 7 December 2026" in output


def rows_by_heading(sheet) -> list[dict]:
    rows = sheet.iter_rows(values_only=True)
    headings = next(rows)
    return [dict(zip(headings, row)) for row in rows if row[0] is not None]


def test_the_demo_starts_afresh_and_leaves_a_councils_workspace_alone(demo_month, tmp_path):
    _, made = demo_month
    again = tmp_path / "demo"
    shutil.copytree(made, again)
    workspace = demo_workspace(again)
    left = {p.name for p in again.iterdir()}
    assert {"forms", "returned", "moderation", "reports", "allocations-2026-11.xlsx", "returns.txt"}.isdisjoint(left)
    assert not workspace.register.exists() and not workspace.tracker.exists()
    assert {"cases_2026-11.xlsx", "auditors.xlsx", "moderators.xlsx", "auditdocs.toml", "form_specs"} <= left
    ours = tmp_path / "ours"
    init_workspace(ours, council="Fictionshire County Council")
    before = sorted(ours.rglob("*"))
    refused = CliRunner().invoke(cli, ["--specs", str(SPECS), "demo", str(ours)])
    assert refused.exit_code == 2 and "a workspace of your own" in refused.output
    assert sorted(ours.rglob("*")) == before
