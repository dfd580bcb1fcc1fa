"""A council's workspace: `auditdocs init`, its settings, and commands that use them without options."""
from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import SAMPLES, SPECS, full_answers, record_values
from test_returns import returned

from auditdocs.cli import cli
from auditdocs.workspace import SETTINGS_FILE, find_workspace


def cli_run(*args, env=None):
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A new workspace, and the current folder a folder below it."""
    folder = tmp_path / "Case file audits"
    result = cli_run("init", folder, "--council", "Anytown Borough Council")
    assert result.exit_code == 0, result.output
    below = folder / "returned"
    monkeypatch.chdir(below)
    return folder


def settings(folder: Path, text: str) -> None:
    (folder / SETTINGS_FILE).write_text(text, encoding="utf-8")


def test_init_makes_specs_settings_and_readme(tmp_path):
    folder = tmp_path / "audits"
    result = cli_run("init", folder, "--council", 'Anytown "Borough" Council')
    assert result.exit_code == 0, result.output
    assert f"Made an auditdocs workspace in {folder}" in result.output
    copied = sorted(p.relative_to(folder / "form_specs") for p in (folder / "form_specs").rglob("*") if p.is_file())
    shipped = sorted(p.relative_to(SPECS) for p in SPECS.rglob("*") if p.is_file() and p.suffix in (".yaml", ".md"))
    assert copied == shipped and Path("archive/README.md") in copied
    assert (folder / "README.md").read_text(encoding="utf-8").startswith('# Case file audits for Anytown "Borough" Council')
    assert {p.name for p in folder.iterdir()} >= {"form_specs", "forms", "returned", "tracker", SETTINGS_FILE}
    ws = find_workspace(folder / "returned")
    assert ws.council == 'Anytown "Borough" Council' and ws.service == "Children's Services"
    assert ws.specs == folder / "form_specs" and ws.tracker == folder / "tracker" / "Audit tracker.xlsx"
    assert ws.register == folder / "register" / "auditdocs.sqlite"  # for the audit register
    assert ws.warnings == []

    again = cli_run("init", folder)
    assert again.exit_code == 2
    assert "is already an auditdocs workspace" in again.output and "Nothing was changed" in again.output


def test_the_month_inside_a_workspace_needs_no_options(workspace, library):
    spec_file = workspace / "form_specs" / "front_door_referrals.yaml"
    spec_file.write_text(spec_file.read_text(encoding="utf-8").replace(
        'title: "Restorative Learning Audit — Front Door: Referrals and Assessment"',
        'title: "Restorative Learning Audit — Front Door: Referrals (Anytown)"'), encoding="utf-8")
    listing = cli_run("specs", "list")
    assert listing.exit_code == 0 and "Front Door: Referrals (Anytown)" in listing.output  # the workspace's own specs
    assert cli_run("specs", "validate").exit_code == 0

    made = cli_run("generate", "--data", SAMPLES / "allocations_2026-11.xlsx", "--month", "2026-11")
    assert made.exit_code == 0, made.output
    month = workspace / "forms" / "2026-11"
    assert f"forms generated in {month}" in made.output
    first = sorted(month.rglob("*.docx"))[0]
    shutil.copy(first, workspace / "returned" / first.name)

    parsed = cli_run("parse")
    assert parsed.exit_code == 1 and "1 form: 0 complete, 1 incomplete" in parsed.output
    consolidated = cli_run("consolidate")
    assert consolidated.exit_code == 1, consolidated.output  # the unfilled form needs attention
    audits = openpyxl.load_workbook(workspace / "tracker" / "Audit tracker.xlsx")["Audits"]
    assert audits.max_row == 61  # every audit generate recorded in the workspace's register (issue 11)
    status = [c.value for c in audits[1]].index("Status")
    assert sum(1 for row in audits.iter_rows(min_row=2, values_only=True) if row[status] != "not returned") == 1


def test_options_given_win_over_the_settings(workspace, tmp_path, library):
    spec = next(iter(find_workspace(workspace).specs.glob("csc*.yaml")))
    spec.write_text(spec.read_text(encoding="utf-8").replace("Children's Social Care", "CSC (Anytown)"), encoding="utf-8")
    assert "CSC (Anytown)" in cli_run("specs", "list").output
    assert "CSC (Anytown)" not in cli_run("--specs", SPECS, "specs", "list").output
    assert "CSC (Anytown)" not in cli_run("specs", "list", env={"AUDITDOCS_SPECS": str(SPECS)}).output
    other = tmp_path / "elsewhere"
    csc = library.latest("csc_case_file_audit")
    answers, tables = full_answers(csc)
    returned(other, csc, record_values(csc), answers, tables)
    result = cli_run("consolidate", other, "--tracker", tmp_path / "mine.xlsx")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "mine.xlsx").exists() and not (workspace / "tracker" / "Audit tracker.xlsx").exists()


def test_unknown_settings_are_warnings_naming_the_file_and_key(workspace):
    text = (workspace / SETTINGS_FILE).read_text(encoding="utf-8")
    settings(workspace, text.replace("[files]", "[files]\nshare = \"share\"") + '\n[reports]\ntitle = "Monthly"\n')
    result = cli_run("specs", "list")
    assert result.exit_code == 0
    path = workspace / SETTINGS_FILE
    assert f"Warning: {path}, [files] table: this version of auditdocs does not know 'share'; it is ignored" \
        in result.output
    assert f"Warning: {path}: this version of auditdocs does not know the [reports] table; it is ignored" \
        in result.output


@pytest.mark.parametrize("line, expected", [
    ('tracker = 2026', "[files] table: 'tracker' must be text in double quotes. "
                       'Write it as tracker = "tracker/Audit tracker.xlsx".'),
    ('tracker = "tracker.csv"', "[files] table: 'tracker' must name a .xlsx file. Write it as tracker = "),
    ('specs = ""', "[files] table: 'specs' is empty. Write it as specs = \"form_specs\"."),
])
def test_a_wrong_value_names_the_file_the_key_and_what_to_write(workspace, line, expected):
    settings(workspace, f"[files]\n{line}\n")
    result = cli_run("specs", "list")
    assert result.exit_code == 2
    assert f"Error: {workspace / SETTINGS_FILE}, {expected}" in result.output


def test_settings_that_are_not_toml_name_the_line(workspace):
    settings(workspace, '[council]\nname = Anytown\n')
    result = cli_run("specs", "list")
    assert result.exit_code == 2
    assert f"the settings file {workspace / SETTINGS_FILE} cannot be read" in result.output
    assert "line 2" in result.output and "double quotes" in result.output
    settings(workspace, "council = 'Anytown'\n")
    result = cli_run("specs", "list")
    assert result.exit_code == 2 and "'council' must be a table: write [council] on a line of its own" in result.output


def test_a_missing_specs_folder_is_not_found_and_says_where_it_was_named(workspace, tmp_path):
    shutil.rmtree(workspace / "form_specs")
    result = cli_run("specs", "list")
    assert result.exit_code == 2
    assert f"the form specs folder {workspace / 'form_specs'} was not found ('specs' in the [files] table of " \
           f"{workspace / SETTINGS_FILE})" in result.output
    assert "have problems" not in result.output
    gone = tmp_path / "nowhere"
    assert f"{gone} was not found (given with --specs)" in cli_run("--specs", gone, "specs", "list").output
    by_env = cli_run("specs", "list", env={"AUDITDOCS_SPECS": str(gone)})
    assert by_env.exit_code == 2
    assert f"{gone} was not found (set by the AUDITDOCS_SPECS environment variable)" in by_env.output


def test_help_documents_the_specs_setting_and_init():
    result = cli_run("--help")
    assert "AUDITDOCS_SPECS" in result.output and "auditdocs init" in result.output
    assert "auditdocs.toml" in cli_run("init", "--help").output


def test_outside_a_workspace_paths_must_be_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli_run("consolidate")
    assert result.exit_code == 2 and "give the files or folders of returned forms" in result.output
    (tmp_path / "returned").mkdir()
    result = cli_run("consolidate", "returned")
    assert result.exit_code == 2 and "give the tracker with --tracker FILE.xlsx" in result.output
