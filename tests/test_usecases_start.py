"""The start of the month as use cases, called without click as a browser front end will call them: allocate,
generate (the forms, recorded in the register, with their e-mail drafts), the specs and init. Each runs in a real
workspace (`init_workspace` + `load_workspace`, or the defaults with the files given) on real files, and its result
object says what it did, the files it wrote and the problems with their places."""
from __future__ import annotations

import datetime as dt
import email
from email import policy
from pathlib import Path

import pytest
from allocate_year import (
    NOV,
    sheet_rows,
    write_auditors,
    write_cases,
    write_table,
    year_register,
)
from click.testing import CliRunner
from habits import auditors_list
from test_allocation import child, write_csv

from auditdocs.allocate.run import allocate_month, check_allocation, reallocate_audit
from auditdocs.cli import cli
from auditdocs.errors import UserError
from auditdocs.generate.run import MANIFEST, make_forms
from auditdocs.specs.run import form_outline, form_table, form_tags, validate_specs
from auditdocs.workspace import (
    SETTINGS_FILE,
    init_workspace,
    load_workspace,
    made_lines,
    workspace_without_settings,
)

TODAY = dt.date(2026, 10, 30)
DEFAULT_SAMPLE = 'CIN = 13\nCP = 13\nCLA = 13\n"Placed for adoption" = 1\n"Foster carer" = 6\n"Prospective adopter" = 3\n'
YEAR_SAMPLE = 'CIN = 4\nCP = 4\nCLA = 4\n"Foster carer" = 2\n'


def council_workspace(folder):
    """`auditdocs init` in `folder`, and its settings read back."""
    init_workspace(folder, council="Anytown Borough Council")
    return load_workspace(folder / SETTINGS_FILE)


@pytest.fixture
def year(tmp_path, library):
    """A council's workspace holding the invented year (allocate_year): its register, its lists, and the year's
    smaller sample written in its settings file."""
    folder = tmp_path / "Case file audits"
    init_workspace(folder)
    settings = folder / SETTINGS_FILE
    text = settings.read_text(encoding="utf-8")
    assert DEFAULT_SAMPLE in text
    settings.write_text(text.replace(DEFAULT_SAMPLE, YEAR_SAMPLE), encoding="utf-8")
    ws = load_workspace(settings)
    assert ws.settings("allocation").sample == {"CIN": 4, "CP": 4, "CLA": 4, "Foster carer": 2}
    (tmp_path / "returned").mkdir()
    year_register(ws.register, library, tmp_path / "returned")
    write_auditors(folder / "auditors.xlsx")
    write_cases(folder / "cases.xlsx")
    return ws


# ---- allocate ---------------------------------------------------------------------------------------------


def test_allocate_month_writes_the_list_records_it_in_the_workspace_register_and_says_so(year):
    out = year.folder / "allocations-2026-11.xlsx"
    result = allocate_month(year, month=NOV, cases=year.folder / "cases.xlsx", auditors=year.folder / "auditors.xlsx",
                            out=out, today=TODAY)
    assert result.files == [out] and out.exists() and result.out == out
    assert result.recorded == len(result.plan.rows) == 15  # the workspace's sample: 4 + 4 + 4 + 2, and a re-audit
    assert result.problems == [] and result.refusal() == [] and result.replaced == 0
    listed = {row["Audit id"] for row in sheet_rows(out, "Why") if row["Audit id"]}
    with year.open_register() as reg:
        assert {a.audit_id for a in reg.audits(month=NOV)} == listed
    lines = result.lines()
    assert lines[0] == (f"Allocated 15 audits for November 2026 (1 re-audit) to "
                        f"{len({row.auditor.name for row in result.plan.rows})} auditors, seed 202611.")
    assert lines[1] == f"Written: {out} (its Why sheet says why each auditor and what could not be kept)."
    assert lines[2] == f"Recorded in the register {year.register}."
    assert "Needs attention:" in lines and any("Ask Cat Madeupson" in line for line in lines)
    assert lines[-1] == f"Next: auditdocs generate --data {out} --month 2026-11"
    assert result.needs_attention  # Cat must be asked to move her break
    with pytest.raises(UserError, match="already allocated"):  # the register, not the list, says so
        allocate_month(year, month=NOV, cases=year.folder / "cases.xlsx", auditors=year.folder / "auditors.xlsx",
                       out=year.folder / "again.xlsx", today=TODAY)


def test_a_month_that_cannot_be_allocated_writes_and_records_nothing_and_says_why(year):
    west = [["9905001", "Notreal", "Alex", "01/01/2015", "", "Sam Worker", "Tess Manager", "West", "",
             "CLA", "", "csc_case_file_audit", "Yes"]]
    write_table(year.folder / "west.xlsx", ["Case number", "Surname", "Forename", "DOB", "Gender", "Social worker",
                                            "Team manager", "Team", "Service", "Category", "Audit type", "Form",
                                            "Audit this month"], west)
    write_auditors(year.folder / "few.xlsx", [["Dev Notreal", "", "West", "Children in Care", "Team manager", "",
                                               "", ""]])
    with year.open_register() as reg:
        before = len(reg.audits())
    result = allocate_month(year, month=NOV, cases=year.folder / "west.xlsx", auditors=year.folder / "few.xlsx",
                            out=year.folder / "never.xlsx", today=TODAY)
    assert result.out is None and result.files == [] and not (year.folder / "never.xlsx").exists()
    assert result.recorded == 0 and result.plan.impossible
    assert result.refusal()[0] == "Nothing was allocated for November 2026, and nothing was written or recorded:"
    assert result.refusal()[1:] == [f"  {why}" for why in result.plan.impossible]
    with year.open_register() as reg:
        assert len(reg.audits()) == before


def test_check_allocation_finds_each_breach_with_its_row_and_writes_nothing(year):
    headings = ["Form", "Case number", "Family name", "Given names", "Social worker", "Team manager", "Team",
                "Auditor", "Due date"]
    rows = [("9906001", "South", "Fay Pretendon"), ("9906002", "East", "Hal Storybook"),
            ("9903001", "North", "Ivy Unreal"), ("", "South", "Dev Notreal")]  # row 5: no case number
    listed = write_table(year.folder / "hand.xlsx", headings, [
        ["csc_case_file_audit", case, "Madeupson", "Alex", "Sam Worker", "Terry Manager", team, auditor,
         dt.date(2026, 11, 30)] for case, team, auditor in rows])
    before = sorted(p.name for p in year.folder.iterdir())
    result = check_allocation(year, listed=listed, auditors=year.folder / "auditors.xlsx")
    assert {(b.row, b.rule) for b in result.breaches} >= {(3, "own_team"), (4, "audited_last_time")}
    assert result.month == NOV and result.rows == 4 and result.files == []
    assert len(result.problems) == 1 and result.problems[0].startswith("hand.xlsx, row 5")
    assert result.needs_attention
    lines = result.lines()
    assert lines[0] == "Checked 4 rows of hand.xlsx for November 2026 against the rules."
    assert lines[1] == f"{len(result.breaches)} breaches of the rules:"
    assert any(line.startswith("  row 3: ") and "Hal Storybook" in line for line in lines)
    assert sorted(p.name for p in year.folder.iterdir()) == before
    elsewhere = workspace_without_settings(year.folder / "elsewhere")  # no register there yet: checked without
    alone = check_allocation(elsewhere, listed=listed, auditors=year.folder / "auditors.xlsx", month=NOV)
    assert any(f"there is no register at {elsewhere.register} yet" in remark for remark in alone.remarks)
    assert not elsewhere.register.exists()


def test_reallocate_audit_records_the_exemption_and_the_new_audit(year):
    allocate_month(year, month=NOV, cases=year.folder / "cases.xlsx", auditors=year.folder / "auditors.xlsx",
                   out=year.folder / "allocations.xlsx", today=TODAY)
    with year.open_register() as reg:
        audit = next(a for a in reg.audits(month=NOV) if a.case_number != "9903003" and a.auditor_role == "Team manager")
    out = year.folder / "reallocation.xlsx"
    result = reallocate_audit(year, audit_id=audit.audit_id, reason="Long-term sick leave", agreed_by="Dana Fictional",
                              auditors=year.folder / "auditors.xlsx", out=out, agreed_role="Assistant Director",
                              today=TODAY)
    assert result.files == [out] and out.exists() and result.refusal() == []
    new = result.replacement.auditor.name
    assert result.lines()[0] == f"Exemption of {audit.auditor} from {audit.audit_id} recorded (agreed by Dana Fictional)."
    assert result.lines()[1].startswith(f"Reallocated to {new}: the new audit is {result.new_audit_id}. ")
    assert result.lines()[-1] == f"Written: {out}. Next: auditdocs generate --data {out}"
    with year.open_register() as reg:
        assert [e.kind for e in reg.audit(audit.audit_id).events] == ["exempted", "reallocated"]
        assert reg.audit(result.new_audit_id).auditor == new
    with pytest.raises(UserError, match=f"the register {year.register.name} has no audit AUD-202611-NOSUCH"):
        reallocate_audit(year, audit_id="AUD-202611-NOSUCH", reason="Sick", agreed_by="Dana Fictional",
                         auditors=year.folder / "auditors.xlsx", out=year.folder / "other.xlsx", today=TODAY)


# ---- generate ---------------------------------------------------------------------------------------------


def month_list(tmp_path):
    """Three children for two auditors, and a row with no case number (row 5)."""
    return write_csv(tmp_path / "list.csv", [child(case="1"), child(case="2", auditor="Gareth Pennington"),
                                             child(case="3", given="Ben"), child(case="", given="Nia")])


def test_make_forms_makes_records_and_drafts_the_month_in_the_workspace(tmp_path):
    ws = council_workspace(tmp_path / "Case file audits")
    auditors = auditors_list(tmp_path / "auditors.xlsx", [("Priya Lakhani", "priya.lakhani@anytown.example",
                                                           "Team North"), ("Gareth Pennington", "", "Team South")])
    told, read = [], []
    result = make_forms(ws, data=month_list(tmp_path), month=NOV, auditors=auditors,
                        progress=lambda done, total: told.append((done, total)), on_read=read.append,
                        now=dt.datetime(2026, 11, 2, 9))
    out = ws.forms / "2026-11"  # the workspace's forms folder, a folder for the month
    assert result.out == out and result.month == NOV and read == [result.allocations]
    assert told[-1] == (3, 3)
    made = sorted(out.rglob("*.docx"))
    drafts = sorted((out / "E-mail drafts").glob("*.eml"))
    assert len(made) == 3 and len(drafts) == 2
    assert sorted(result.files) == sorted([*made, out / MANIFEST, *drafts])
    [skipped] = result.problems  # the row with no case number, with its row and why
    assert skipped.status == "skipped" and skipped.row == 5 and skipped.reason
    assert not result.all_generated
    assert result.register == ws.register and result.recorded == 3
    with ws.open_register() as reg:
        audits = reg.audits()
    assert sorted(f for a in audits for f in a.files) == sorted(str(p.resolve()) for p in made)
    lines = result.lines()
    assert "3 forms generated in" in " ".join(lines) and f"The list of forms is in {out / MANIFEST}." in lines
    assert lines[-1] == f"3 audits recorded in the register {ws.register}."
    assert result.drafts_lines() == [f"2 e-mail drafts written to {out / 'E-mail drafts'} (nothing was sent: open "
                                     "each in Outlook or Thunderbird, check it and send it)."]
    assert result.drafts.warnings == ["the auditors list gives no e-mail address for Gareth Pennington: fill in To "
                                      "in their draft before sending it."]
    to_priya = email.message_from_bytes(next(p for p in drafts if "Priya" in p.name).read_bytes(),
                                        policy=policy.default)
    assert str(to_priya["To"]).endswith("<priya.lakhani@anytown.example>")
    assert len(list(to_priya.iter_attachments())) == 2


def test_a_dry_run_writes_and_records_nothing(tmp_path):
    ws = council_workspace(tmp_path / "Case file audits")
    result = make_forms(ws, data=month_list(tmp_path), month=NOV, dry_run=True,
                        auditors=tmp_path / "auditors.xlsx")  # not even read: nothing is drafted in a dry run
    assert result.files == [] and result.register is None and result.drafts is None
    assert not (ws.forms / "2026-11").exists() and not ws.register.exists()
    assert result.made.count("would generate") == 3
    assert result.lines()[-1] == f"Dry run: nothing was written. 3 forms would be made in {ws.forms / '2026-11'}, " \
                                 "a folder per auditor."


def test_make_forms_outside_a_workspace_records_only_when_asked_and_drafts_refused_leave_the_forms(tmp_path):
    ws = workspace_without_settings(tmp_path)
    out = tmp_path / "output" / "forms"
    result = make_forms(ws, data=month_list(tmp_path), month=NOV, out=out, record=False)
    assert result.register is None and not ws.register.exists() and len(list(out.rglob("*.docx"))) == 3
    assert result.lines()[-1].startswith("Note: no audit register was named (--register PATH, or work in a workspace")
    named = ws.with_files("given on the command line", register=tmp_path / "register.sqlite")
    again = make_forms(named, data=month_list(tmp_path), month=NOV, out=out, auditors=tmp_path / "no such list.xlsx")
    assert again.recorded == 3 and (tmp_path / "register.sqlite").exists()  # the forms left from before, recorded
    assert isinstance(again.drafts_refused, UserError) and "no such list.xlsx" in again.drafts_refused.message
    assert again.drafts is None and not (out / "E-mail drafts").exists()



def test_make_forms_of_some_audits_only_each_in_its_format(tmp_path):
    """`audits`: the forms of those audits only (the demo makes one in twelve in Excel this way), each run
    recording its own; the list's problems are left for the run of the whole list."""
    ws = council_workspace(tmp_path / "Case file audits")
    data = month_list(tmp_path)
    first = make_forms(ws, data=data, month=NOV, dry_run=True)
    ids = [a.audit_id for a in first.allocations.allocations]
    excel = make_forms(ws, data=data, month=NOV, fmt="xlsx", audits={ids[1]})
    word = make_forms(ws, data=data, month=NOV, audits=set(ids) - {ids[1]})
    out = ws.forms / "2026-11"
    assert [e.audit_id for e in excel.made.entries] == [ids[1]] and excel.recorded == 1
    assert sorted(e.audit_id for e in word.made.entries) == sorted(set(ids) - {ids[1]}) and word.recorded == 2
    assert excel.problems == [] and word.problems == []  # the row with no case number: not in either run
    assert len(list(out.rglob("*.xlsx"))) == 1 and len(list(out.rglob("*.docx"))) == 2
    with ws.open_register() as reg:
        files = {a.audit_id: a.files for a in reg.audits()}
    assert sorted(files) == sorted(ids) and [Path(f).suffix for f in files[ids[1]]] == [".xlsx"]

# ---- specs and init ---------------------------------------------------------------------------------------


def test_the_specs_use_cases_read_the_workspaces_own_specs(tmp_path):
    ws = council_workspace(tmp_path / "Case file audits")
    forms = ws.library().current()
    table = form_table(ws)
    assert table[0].split()[:2] == ["ID", "TITLE"] and len(table) == 1 + len(forms)
    assert all(line.startswith(spec.id) for line, spec in zip(table[1:], forms))
    assert form_outline(ws, "csc_case_file_audit").startswith(ws.library().get("csc_case_file_audit").title)
    tags = form_tags(ws, "csc_case_file_audit")
    assert tags[0].startswith(ws.library().get("csc_case_file_audit").fields[0].id)
    assert any("(action table" in line for line in tags)
    with pytest.raises(UserError, match="there is no form 'csc_case_file_audt'"):
        form_outline(ws, "csc_case_file_audt")
    good = validate_specs(ws)
    assert not good.needs_attention and good.problem_lines() == [] and good.files == []
    assert good.lines() == [f"OK: {len(good.good)} form specs valid."] and len(good.good) >= len(forms)
    spec = ws.specs / "csc_case_file_audit.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("title:", "titel:", 1), encoding="utf-8")
    broken = validate_specs(ws)
    assert broken.needs_attention and broken.messages
    assert all(m.path == str(spec) for m in broken.messages)
    assert broken.problem_lines()[0] == str(broken.messages[0]) and str(spec) in broken.problem_lines()[0]
    n = len(broken.messages)
    assert broken.problem_lines()[-1] == f"{n} problem{'s' * (n != 1)} in 1 file."
    assert validate_specs(ws, [ws.specs / "foster_carer_case_file_audit.yaml"]).lines() == ["OK: 1 form spec valid."]


def test_init_says_what_it_made_as_the_command_prints_it(tmp_path):
    folder = tmp_path / "Case file audits"
    written = init_workspace(folder, council="Anytown Borough Council")
    lines = made_lines(folder, written)
    yaml = sum(1 for p in written if p.suffix == ".yaml")
    assert lines[0] == f"Made an auditdocs workspace in {folder}:"
    assert f"  {folder / 'form_specs'}   {yaml} form spec files to change (auditdocs specs validate checks them)" \
        in lines
    other = tmp_path / "Another"
    shown = CliRunner().invoke(cli, ["init", str(other), "--council", "Anytown Borough Council"])
    assert shown.exit_code == 0
    assert shown.output == "\n".join(made_lines(other, written)) + "\n"  # the same files, in another folder
