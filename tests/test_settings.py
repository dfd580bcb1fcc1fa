"""The council's choices in its workspace: [allocation], [moderation], [report] and [export] in
auditdocs.toml, written by `auditdocs init`, read by each package's own settings class, and used by
the commands as a QA officer runs them inside the workspace, with no --register to type."""
from __future__ import annotations

import json
import shutil
import tomllib
from dataclasses import fields

import docx
import openpyxl
import pytest
from allocate_year import write_auditors, write_cases
from helpers import SAMPLES
from month_register import make_month, sample_allocations
from test_workspace import cli_run

from auditdocs.allocate.settings import AllocationSettings
from auditdocs.report.settings import ReportSettings
from auditdocs.share.keys import make_key_file
from auditdocs.workspace import (
    PACKAGE_TABLES,
    SETTINGS_FILE,
    find_workspace,
    settings_class,
)

COUNCIL = "Anytown Borough Council"


@pytest.fixture(scope="module")
def month(library, tmp_path_factory):
    """Twelve audits of November 2026 in a register: real forms, filled, read back and recorded."""
    return make_month(tmp_path_factory.mktemp("month"), library, sample_allocations(library, 12))


@pytest.fixture
def council(tmp_path, monkeypatch):
    """A workspace made with `auditdocs init`; the current folder is its folder."""
    folder = tmp_path / "Case file audits"
    assert cli_run("init", folder, "--council", COUNCIL).exit_code == 0
    monkeypatch.chdir(folder)
    return folder


def with_register(council, month):
    """The workspace, with the month's register where its settings say."""
    shutil.copy(month.register, find_workspace(council).register)
    return council


def change(folder, old: str, new: str) -> None:
    """Change a line of the settings file, as a QA officer does in a text editor."""
    path = folder / SETTINGS_FILE
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ---- the file init writes ---------------------------------------------------------------------------


def test_init_writes_every_setting_at_its_default_with_what_it_is_for(council):
    text = (council / SETTINGS_FILE).read_text(encoding="utf-8")
    data = tomllib.loads(text)
    lines = text.splitlines()
    line_of, table = {}, None  # (table, key) -> the line that sets it; a table of its own: (its name, None)
    for n, line in enumerate(lines):
        if line.startswith("["):
            table = line.strip("[]")
            line_of[table, None] = n
        elif " = " in line and not line.startswith("#"):
            line_of[table, line.split(" = ")[0]] = n
    for table in PACKAGE_TABLES:
        cls = settings_class(table)
        described = set(cls.HELP) | set(getattr(cls, "FROM_COUNCIL", {}))
        assert described == {f.name for f in fields(cls)}, table  # every setting is in the file or in [council]
        assert set(data[table]) == set(cls.HELP), table
        for key, help in cls.HELP.items():
            line = line_of.get((table, key), line_of.get((f"{table}.{key}", None)))
            assert lines[line - 1] == f"# {help}", (table, key)
    ws = find_workspace(council)
    assert ws.warnings == []
    for table in ("allocation", "moderation", "export"):
        assert ws.settings(table) == settings_class(table)(), table
    assert ws.settings("report") == ReportSettings(council=COUNCIL)  # the council's name comes from [council]
    assert "council" not in data["report"] and data["council"]["name"] == COUNCIL


def test_a_settings_file_from_before_these_tables_still_works(council):
    (council / SETTINGS_FILE).write_text(f'[council]\nname = "{COUNCIL}"\n\n[files]\nspecs = "form_specs"\n',
                                         encoding="utf-8")
    ws = find_workspace(council)
    assert ws.warnings == []
    assert ws.settings("allocation") == AllocationSettings()
    assert ws.settings("report").council == COUNCIL and ws.settings("report").year_start == 4
    assert cli_run("specs", "list").exit_code == 0


# ---- each package's settings, used --------------------------------------------------------------------


def test_allocation_counts_and_break_limit_come_from_the_settings(council):
    write_auditors(council / "auditors.xlsx")
    write_cases(council / "cases.xlsx")
    change(council, "break_percent = 20", "break_percent = 30")
    sample = council / SETTINGS_FILE
    text = sample.read_text(encoding="utf-8")
    start, end = text.index("[allocation.sample]"), text.index("# The form each category")
    sample.write_text(text[:start] + '[allocation.sample]\n"Child in Need" = 3\nCP = 2\nCLA = 2\n"Foster carer" = 1\n\n'
                      + text[end:], encoding="utf-8")
    result = cli_run("allocate", "--month", "2026-11", "--cases", "cases.xlsx", "--auditors", "auditors.xlsx")
    assert result.exit_code == 0, result.output  # 3 of 10 auditors may take a break at 30%: nothing to see to
    assert "Allocated 8 audits for November 2026" in result.output and "Ask Cat Madeupson" not in result.output
    assert f"Recorded in the register {find_workspace(council).register}." in result.output  # no --register typed
    rows = list(openpyxl.load_workbook(council / "allocations-2026-11.xlsx").worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 1 + 8

    elsewhere = council.parent / "another register.sqlite"
    other = cli_run("allocate", "--month", "2026-11", "--cases", "cases.xlsx", "--auditors", "auditors.xlsx",
                    "--register", elsewhere, "--out", "again.xlsx")
    assert other.exit_code == 0, other.output  # the register given wins: this one has no November yet
    assert f"Recorded in the register {elsewhere}." in other.output and elsewhere.exists()


def test_a_bigger_moderation_share_picks_more_audits_and_the_option_wins(council, month):
    with_register(council, month)
    moderators = SAMPLES / "moderators.xlsx"

    def chosen(*options) -> int:
        out = council / "sample.json"
        result = cli_run("moderation", "select", "--month", "2026-11", "--moderators", moderators, "--dry-run",
                         "--json", out, *options)
        assert result.exit_code in (0, 1), result.output
        return len(json.loads(out.read_text(encoding="utf-8"))["sample"])

    usual = chosen()
    change(council, "share = 10", "share = 50")
    assert chosen() > usual and json.loads((council / "sample.json").read_text())["share"] == 50
    assert chosen("--share", "10") == usual  # the option wins over the file
    recorded = cli_run("moderation", "select", "--month", "2026-11", "--moderators", moderators)
    assert "Next: auditdocs moderation forms --month 2026-11 --out \"Moderation 2026-11\"\n" in recorded.output


def test_the_report_title_page_names_the_council_of_the_settings(council, month):
    with_register(council, month)
    change(council, "top_questions = 10", "top_questions = 2")
    result = cli_run("report", "--month", "2026-11", "--out", "reports", "--json", "figures.json")
    assert result.exit_code in (0, 1), result.output
    title = [p.text for p in docx.Document(council / "reports" / "Audit report 2026-11.docx").paragraphs[:8]]
    assert COUNCIL in title and "Children's Services" in title
    figures = json.loads((council / "figures.json").read_text(encoding="utf-8"))
    assert figures["council"] == COUNCIL
    assert len(figures["domains"]["questions"]) == 2


def test_export_settings_code_teams_and_age_bands_and_the_option_wins(council, month):
    with_register(council, month)
    key = make_key_file(council.parent / "team.key")
    change(council, "age_bands = [1, 5, 10, 16, 18]", "age_bands = [5, 11]")
    change(council, "code_teams = false", "code_teams = true")
    teams = {a.values.get("team") for a in month.allocations.allocations}

    def audits(name: str, *options) -> list[dict]:
        result = cli_run("export", "--pseudonymise", "--key-file", key, "--month", "2026-11", "--out", name, *options)
        assert result.exit_code in (0, 1), result.output
        rows = list(openpyxl.load_workbook(council / name)["Audits"].iter_rows(values_only=True))
        start = next(i for i, row in enumerate(rows) if row and row[0] == "Audit ref")
        return [dict(zip(rows[start], row)) for row in rows[start + 1:] if row[0]]

    coded = audits("coded.xlsx")
    assert len(coded) == 12 and not {r["Team"] for r in coded} & teams
    assert {r["Age band"] for r in coded} - {""} <= {"Under 5", "5 to 10", "11 and over"}
    named = audits("named.xlsx", "--no-code-teams")
    assert {r["Team"] for r in named} <= teams


# ---- what is wrong in the file ---------------------------------------------------------------------


def test_an_unknown_key_is_a_warning_naming_the_file_the_table_and_the_key(council):
    change(council, "share = 10", "share = 10\nshaer = 20")
    change(council, "[export]", "[export]\ncolour = \"blue\"")
    result = cli_run("specs", "list")
    assert result.exit_code == 0
    path = council / SETTINGS_FILE
    assert (f"Warning: {path}, [moderation] table: this version of auditdocs does not know 'shaer'; it is ignored "
            "(known there: share, always_include, senior_roles).") in result.output
    assert f"Warning: {path}, [export] table: this version of auditdocs does not know 'colour'" in result.output


@pytest.mark.parametrize("old, new, expected", [
    ("share = 10", "share = 0", "[moderation] table: share = 0 is not a percentage. Write a number from 1 to 100, "
                                "for example share = 10."),
    ("audits_per_year = 10", 'audits_per_year = "ten"', "[allocation] table: 'audits_per_year' must be a whole "
                                                        "number from 1 to 120, for example 10"),
    ("CIN = 13", "CIN = -1", "[allocation] table: 'sample' CIN must be a whole number 0 or more"),
    ('year_start = "April"', 'year_start = "Aprl"',
     "[council] table: 'year_start' must be a month, by its name or its number. Write it as "
     'year_start = "April".'),
    ("code_teams = false", 'code_teams = "no"', "[export] table: code_teams must be true or false"),
])
def test_a_wrong_value_is_refused_naming_the_file_table_key_and_what_to_write(council, old, new, expected):
    change(council, old, new)
    result = cli_run("specs", "list")
    assert result.exit_code == 2
    assert f"Error: {council / SETTINGS_FILE}, {expected}" in result.output


def test_a_table_that_is_not_a_table_says_how_to_write_it(council):
    (council / SETTINGS_FILE).write_text('moderation = 20\n', encoding="utf-8")
    result = cli_run("specs", "list")
    assert result.exit_code == 2
    assert "'moderation' must be a table: write [moderation] on a line of its own" in result.output
    assert "for example share = 10." in result.output


# ---- the register: the workspace's, or given --------------------------------------------------------


@pytest.mark.parametrize("command", [
    ["allocate", "--check", "list.xlsx", "--auditors", "auditors.xlsx"],
    ["moderation", "select", "--month", "2026-11", "--moderators", "m.xlsx"],
    ["moderation", "forms", "--month", "2026-11", "--out", "copies"],
    ["moderation", "dispute", "AUD-202611-ABCD2345", "--moderator", "Dana Testworth", "--moderators", "m.xlsx"],
    ["moderation", "agreement"],
    ["report", "--month", "2026-11"],
    ["export", "--pseudonymise", "--key-file", "team.key", "--out", "x.xlsx"],
    ["finalise", "--month", "2026-11"],
])
def test_outside_a_workspace_every_command_asks_for_the_register(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    make_key_file(tmp_path / "team.key")  # export reads its key first
    result = cli_run(*command)
    assert result.exit_code == 2, result.output
    assert "give the audit register with --register PATH, or run inside a workspace" in result.output


def test_help_says_where_each_default_comes_from():
    def help_of(*command) -> str:
        return " ".join(cli_run(*command, "--help").output.split())

    assert "the [allocation] table of auditdocs.toml" in help_of("allocate")
    assert "the workspace's [moderation] settings, else 10" in help_of("moderation", "select")
    assert "[council] settings" in help_of("report") and "[report] settings" in help_of("report")
    assert "the workspace's [export] settings" in help_of("export")
    for command in (["allocate"], ["moderation", "select"], ["report"], ["export"], ["finalise"]):
        assert "--register PATH The audit register (an SQLite file). Default: the workspace's" in help_of(*command)


@pytest.mark.parametrize("written, month", [('"January"', 1), ("9", 9), ('"Sept"', 9)])
def test_the_audit_year_starts_once_for_allocation_moderation_and_the_report(council, written, month):
    change(council, 'year_start = "April"', f"year_start = {written}")
    ws = find_workspace(council)
    assert [ws.settings(t).year_start for t in ("allocation", "moderation", "report")] == [month] * 3
