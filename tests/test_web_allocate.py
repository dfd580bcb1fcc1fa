"""The Allocate page (web/pages/allocate.py): the lists given or chosen, the month drawn as 'auditdocs allocate' draws
it (the same allocation list, the same audits in the register), every auditor's why, drawing again as --replace
does, and the problems the command line says, said the same."""
from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from browser import check_accessible, serving, signed_in
from click.testing import CliRunner

from auditdocs import builtin
from auditdocs.cli import cli
from auditdocs.demo import ALLOCATED_ON, LISTS
from auditdocs.workspace import find_workspace, init_workspace

SAMPLES = builtin("samples")
CASES, AUDITORS = LISTS[0], LISTS[1]


def fresh(folder: Path) -> Path:
    init_workspace(folder)
    return folder


def cli_allocate(folder: Path, monkeypatch, *args: str):
    """`auditdocs allocate` run in the workspace `folder`, with the sample lists copied there."""
    for name in (CASES, AUDITORS):
        if not (folder / name).exists():
            shutil.copy(SAMPLES / name, folder / name)
    monkeypatch.chdir(folder)
    return CliRunner().invoke(cli, ["allocate", "--month", "2026-11", "--cases", CASES, "--auditors", AUDITORS, *args])


def sheets(path: Path) -> dict[str, list[tuple]]:
    """Every sheet's rows, without the line that says when the list was made (the command line's clock)."""
    with open(path, "rb") as data:
        book = openpyxl.load_workbook(data)
    return {sheet.title: [row for row in sheet.iter_rows(values_only=True)
                          if not (isinstance(row[0], str) and row[0].startswith("Made by auditdocs"))]
            for sheet in book.worksheets}


def audits(folder: Path) -> list[tuple]:
    """The register's audits of a workspace, as allocate recorded them (not when)."""
    with find_workspace(folder).open_register() as reg:
        return sorted((a.audit_id, a.form_id, a.auditor, a.month, a.due, a.source, sorted(a.subject.items()),
                       a.auditor_role, a.service, a.re_audit_of, [e.kind for e in a.events]) for a in reg.audits())


def allocate_on_the_page(page, *, seed: str = "", cases: Path | None = None, auditors: Path | None = None):
    page.fill("#month", "2026-11")
    if cases:
        page.set_input_files("#cases_file", [cases])
    if auditors:
        page.set_input_files("#auditors_file", [auditors])
    page.fill("#seed", seed)
    page.click("button:text-is('Allocate the month')")


@pytest.fixture
def two(tmp_path):
    """A fresh workspace for the page, another for the command line, and the sample lists to give."""
    given = tmp_path / "given"
    given.mkdir()
    for name in (CASES, AUDITORS):
        shutil.copy(SAMPLES / name, given / name)
    return fresh(tmp_path / "web"), fresh(tmp_path / "cli"), given


def test_the_lists_given_are_allocated_as_the_command_allocates_them(two, browser, monkeypatch):
    web, by_cli, given = two
    with serving(web, today=ALLOCATED_ON) as served:
        page = signed_in(browser, served)
        page.goto(served.address("/allocate/"))
        assert page.locator("h1").inner_text() == "Allocate"
        check_accessible(page)
        allocate_on_the_page(page, seed="7", cases=given / CASES, auditors=given / AUDITORS)
        assert "audits are recorded in the register" in page.locator("[role=status]").inner_text()
        check_accessible(page)
        with page.expect_download() as download:
            page.click("text=Download the allocation list")
        listed = Path(download.value.path())
        why = page.locator("table.why tbody tr")
        shown = page.locator("pre.lines").last.inner_text()

        run = cli_allocate(by_cli, monkeypatch, "--seed", "7")
        assert run.exit_code in (0, 1), run.output
        assert download.value.suggested_filename == "allocations-2026-11.xlsx"
        assert sheets(listed) == sheets(by_cli / "allocations-2026-11.xlsx")
        assert audits(web) == audits(by_cli)
        # the lists given are kept in the workspace's lists folder for the month
        assert sorted(p.name for p in (web / "lists" / "2026-11").iterdir()) == sorted([AUDITORS, CASES])
        # every row of the Why sheet, with its why, is on the page; the summary is the command's
        why_sheet = sheets(listed)["Why"][1:]
        assert why.count() == len([row for row in why_sheet if any(row)])
        first = why_sheet[0]
        assert why.first.locator("td").nth(4).inner_text() == first[4]  # the audit id
        assert why.first.locator("td").nth(5).inner_text() == first[5]  # why this auditor
        for line in run.stdout.splitlines():
            if not line.startswith(("Written:", "Recorded in", "Next:")):  # paths: the workspace's own
                assert line in shown

        # drawing again: --replace, the earlier allocation cancelled
        page.fill("#again-seed", "8")
        page.click("text=Draw again (cancels this allocation)")
        check_accessible(page)
        again = cli_allocate(by_cli, monkeypatch, "--seed", "8", "--replace")
        assert again.exit_code in (0, 1), again.output
        assert sheets(web / "allocations-2026-11.xlsx") == sheets(by_cli / "allocations-2026-11.xlsx")
        assert audits(web) == audits(by_cli)
        assert "seed 8" in page.locator("pre.lines").last.inner_text()


def test_lists_already_in_the_workspace_are_chosen_and_a_bad_row_is_said_as_the_command_says_it(two, browser,
                                                                                                  monkeypatch):
    web, by_cli, given = two
    book = openpyxl.load_workbook(given / CASES)
    book.active["H3"] = "the fourth of never"  # row 3's date of birth
    for folder in (web, by_cli):
        book.save(folder / "cases bad.xlsx")
        shutil.copy(given / AUDITORS, folder / AUDITORS)
    monkeypatch.chdir(by_cli)
    run = CliRunner().invoke(cli, ["allocate", "--month", "2026-11", "--cases", "cases bad.xlsx",
                                   "--auditors", AUDITORS])
    assert run.exit_code == 2
    said = run.output.strip().splitlines()
    assert "cases bad.xlsx, row 3" in run.output
    with serving(web, today=ALLOCATED_ON) as served:
        page = signed_in(browser, served)
        page.goto(served.address("/allocate/"))
        options = page.locator("#cases option").all_inner_texts()
        assert "cases bad.xlsx" in options and AUDITORS in options
        for option in page.locator("#cases option").all():  # an opaque id, never a path or a name
            assert "/" not in (option.get_attribute("value") or "") and "." not in (option.get_attribute("value") or "")
        page.select_option("#cases", label="cases bad.xlsx")
        page.select_option("#auditors", label=AUDITORS)
        allocate_on_the_page(page)
        alert = page.locator("[role=alert]").text_content()
        assert [line.strip() for line in alert.strip().splitlines()] == [line.strip() for line in said]
        check_accessible(page)
    assert not (web / "allocations-2026-11.xlsx").exists()


def test_a_file_of_the_wrong_kind_is_refused_with_its_name(two, browser):
    web, _, given = two
    notes = given / "cases notes.txt"
    notes.write_text("not a list", encoding="utf-8")
    with serving(web, today=ALLOCATED_ON) as served:
        page = signed_in(browser, served)
        page.goto(served.address("/allocate/"))
        allocate_on_the_page(page, cases=notes, auditors=given / AUDITORS)
        alert = page.locator("[role=alert]").text_content()
        assert "cases notes.txt: not a kind of file this page takes" in alert
        # the auditors list given is kept, and chosen in the form shown again
        assert page.locator("#auditors option:checked").inner_text() == f"lists/2026-11/{AUDITORS}"
        check_accessible(page)
    assert not (web / "allocations-2026-11.xlsx").exists()
    assert not (web / "lists" / "2026-11" / "cases notes.txt").exists()


def test_a_month_that_cannot_be_allocated_says_why_as_the_command_does(two, browser, monkeypatch):
    web, by_cli, given = two
    book = openpyxl.load_workbook(given / AUDITORS)
    book.active.delete_rows(4, book.active.max_row)  # two auditors: too few for the month's 60 cases
    book.save(given / "two auditors.xlsx")
    shutil.copy(given / "two auditors.xlsx", by_cli / "two auditors.xlsx")
    shutil.copy(given / CASES, by_cli / CASES)
    monkeypatch.chdir(by_cli)
    run = CliRunner().invoke(cli, ["allocate", "--month", "2026-11", "--cases", CASES, "--auditors", "two auditors.xlsx"])
    assert run.exit_code == 2 and "Nothing was allocated for November 2026" in run.stderr
    with serving(web, today=ALLOCATED_ON) as served:
        page = signed_in(browser, served)
        page.goto(served.address("/allocate/"))
        allocate_on_the_page(page, cases=given / CASES, auditors=given / "two auditors.xlsx")
        alert = page.locator("[role=alert]").text_content()
        refusal = [line for line in run.stderr.splitlines() if line.strip()]
        assert [line.strip() for line in alert.splitlines() if line.strip()] == [line.strip() for line in refusal]
        check_accessible(page)
    assert not (web / "allocations-2026-11.xlsx").exists()
    assert not find_workspace(web).register.exists() or audits(web) == []


def test_a_month_allocated_already_is_allocated_again_only_when_asked(two, browser):
    web, _, given = two
    with serving(web, today=ALLOCATED_ON) as served:
        page = signed_in(browser, served)
        page.goto(served.address("/allocate/"))
        allocate_on_the_page(page, cases=given / CASES, auditors=given / AUDITORS)
        first = audits(web)
        page.goto(served.address("/allocate/"))  # the lists given are chosen now
        assert page.locator("#cases option:checked").inner_text() == f"lists/2026-11/{CASES}"
        assert page.locator("#auditors option:checked").inner_text() == f"lists/2026-11/{AUDITORS}"
        allocate_on_the_page(page, seed="5")
        alert = page.locator("[role=alert]").text_content()
        assert "allocations-2026-11.xlsx is already in the workspace" in alert and "Allocate the month again" in alert
        check_accessible(page)
        assert audits(web) == first
        page.check("#replace")
        page.click("button:text-is('Allocate the month')")
        assert "seed 5" in page.locator("pre.lines").last.inner_text()
        after = audits(web)
    assert {a[0] for a in after} >= {a[0] for a in first}
    cancelled = {a[0] for a in after if "cancelled" in a[-1]}
    assert cancelled == {a[0] for a in first} - {a[0] for a in after if "cancelled" not in a[-1]}
