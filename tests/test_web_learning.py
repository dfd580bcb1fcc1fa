"""The Learning page (web/pages/learning.py): the learning log as the register holds it, what `auditdocs learning
themes check` says, and the session's pack, the improvement plan and the bulletin made as `auditdocs learning pack`,
`learning plan` and `learning bulletin` make them (the same files); wrong input refused with the command's message."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
from browser import DEMO_DAY, check_accessible, serving, signed_in
from test_web_report import cell_values, paragraphs
from web_copies import cli_copy_fixture, copy_of, run_cli, served_copy_fixture

from auditdocs.workspace import find_workspace

SESSION = "2026-12-08"
NOW = dt.datetime.combine(DEMO_DAY, dt.time(11))


served_copy = served_copy_fixture("learning")
cli_copy = cli_copy_fixture("learning")


def make(page, button: str, timeout: int = 300_000) -> None:
    page.get_by_role("button", name=button).click()
    page.wait_for_selector("main div.done, main div.problem", timeout=timeout)


def downloaded(page, tmp_path: Path) -> dict[str, Path]:
    got = {}
    for link in page.get_by_role("link", name="Download the").all():
        with page.expect_download() as download:
            link.click()
        got[download.value.suggested_filename] = tmp_path / download.value.suggested_filename
        download.value.save_as(got[download.value.suggested_filename])
    return got


def test_the_learning_log_and_the_themes_check(served_demo, demo_made, browser, monkeypatch):
    page = signed_in(browser, served_demo)
    page.goto(served_demo.address("/learning/"))
    assert page.locator("h1").inner_text() == "Learning"
    check_accessible(page)
    with find_workspace(demo_made).open_register() as reg:
        entries = reg.learning_log()
    rows = [[c.strip() for c in row.locator("th, td").all_inner_texts()]
            for row in page.locator("table.learning-log tbody tr").all()]
    assert len(rows) == len(entries) == 1
    for row, e in zip(rows, entries):
        assert row[:8] == [e.log_id, e.kind, e.finding, e.action, e.owner, e.service, f"{e.due:%d/%m/%Y}", e.status]
        assert row[9] == f"{e.recheck} ({e.recheck_month:%B %Y})" and row[10] == "; ".join(e.themes)
    said = run_cli(demo_made, monkeypatch, "learning", "themes", "check")
    assert said.exit_code == 0
    assert page.locator("p.themes-check").inner_text() == said.output.strip()
    assert page.locator("main [role=alert]").count() == 0


def test_the_themes_problems_are_those_the_check_finds(demo_made, tmp_path_factory, browser, monkeypatch):
    folder = copy_of(demo_made, tmp_path_factory, "themes")
    book = openpyxl.load_workbook(folder / "themes.xlsx")
    book["Themes"].append(["Made-up theme", "", "9.99"])
    book.save(folder / "themes.xlsx")
    said = run_cli(folder, monkeypatch, "learning", "themes", "check")
    assert said.exit_code == 2
    with serving(folder, today=DEMO_DAY) as served:
        page = signed_in(browser, served)
        page.goto(served.address("/learning/"))
        check_accessible(page)
        problems = [p.strip() for p in page.locator("main [role=alert] li").all_inner_texts()]
        lines = said.output.strip().splitlines()
        assert len(problems) == 3 and problems == lines[:-1]
        assert page.locator("p.themes-check").inner_text() == lines[-1]


def test_the_sessions_pack_is_the_commands(served_copy, cli_copy, browser, monkeypatch, tmp_path):
    from auditdocs.learning.run import make_pack

    page = signed_in(browser, served_copy)
    page.goto(served_copy.address("/learning/"))
    assert page.locator("#session").input_value() == SESSION  # the next session of the schedule
    make(page, "Make the session's pack")
    assert page.locator("main div.problem").count() == 0, page.locator("main").inner_text()
    check_accessible(page)
    by_cli = make_pack(find_workspace(cli_copy), session=SESSION, out=cli_copy / "output" / "reports",
                       today=DEMO_DAY, now=NOW)
    assert page.locator("main div.done").inner_text().strip() == by_cli.lines()[0]
    got = downloaded(page, tmp_path)
    assert list(got) == [f"Learning pack {SESSION}.docx"]
    page_text = paragraphs(got[f"Learning pack {SESSION}.docx"])
    assert len(page_text) > 20 and page_text == paragraphs(by_cli.path)

    # a month without audits: the command's message (its register named as each copy has it)
    page.goto(served_copy.address("/learning/"))
    page.check("#for-month")
    page.fill("#pack-month", "2026-10")
    make(page, "Make the session's pack", timeout=120_000)
    said = run_cli(cli_copy, monkeypatch, "learning", "pack", "--month", "2026-10")
    assert said.exit_code == 2
    shown = page.locator("main [role=alert]").inner_text().strip()
    assert shown.replace(str(served_copy.site.workspace.folder), "FOLDER") == \
        said.output.strip().replace(str(cli_copy), "FOLDER")
    check_accessible(page)


def test_the_improvement_plan_is_the_commands(served_copy, cli_copy, browser, monkeypatch, tmp_path):
    from auditdocs.learning.log_run import improvement_plan

    page = signed_in(browser, served_copy)
    page.goto(served_copy.address("/learning/"))
    make(page, "Make the improvement plan")
    assert page.locator("main div.problem").count() == 0, page.locator("main").inner_text()
    check_accessible(page)
    by_cli = improvement_plan(find_workspace(cli_copy), out=cli_copy / "output" / "reports", today=DEMO_DAY, now=NOW)
    assert page.locator("main div.done").inner_text().strip() == by_cli.lines()[0]
    got = downloaded(page, tmp_path)
    assert sorted(got) == sorted([by_cli.docx.name, by_cli.xlsx.name])
    assert paragraphs(got[by_cli.docx.name]) == paragraphs(by_cli.docx)
    assert cell_values(got[by_cli.xlsx.name]) == cell_values(by_cli.xlsx)

    page.goto(served_copy.address("/learning/"))
    page.fill("#service", "Front door")
    make(page, "Make the improvement plan", timeout=120_000)
    said = run_cli(cli_copy, monkeypatch, "learning", "plan", "--service", "Front door")
    assert said.exit_code == 2
    assert page.locator("main [role=alert]").inner_text().strip() == said.output.strip()
    check_accessible(page)


def test_the_bulletin_is_the_commands(served_copy, cli_copy, browser, monkeypatch, tmp_path):
    from auditdocs.learning.log_run import learning_bulletin

    page = signed_in(browser, served_copy)
    page.goto(served_copy.address("/learning/"))
    assert page.locator("#first").input_value() == "2026-11"  # last month
    make(page, "Make the bulletin")
    assert page.locator("main div.problem").count() == 0, page.locator("main").inner_text()
    check_accessible(page)
    by_cli = learning_bulletin(find_workspace(cli_copy), first=dt.date(2026, 11, 1), out=cli_copy / "output" / "reports",
                               today=DEMO_DAY, now=NOW)
    assert page.locator("main div.done").inner_text().strip() == by_cli.lines(lambda p: p.name)[0]
    got = downloaded(page, tmp_path)
    assert list(got) == ["Learning bulletin 2026-11.docx"]
    text = paragraphs(got["Learning bulletin 2026-11.docx"])
    assert len(text) > 5 and text == paragraphs(by_cli.docx)

    page.goto(served_copy.address("/learning/"))
    page.fill("#first", "2026-11")
    page.fill("#last", "2026-10")
    make(page, "Make the bulletin", timeout=120_000)
    said = run_cli(cli_copy, monkeypatch, "learning", "bulletin", "--from", "2026-11", "--to", "2026-10")
    assert said.exit_code == 2
    assert page.locator("main [role=alert]").inner_text().strip() == said.output.strip()
    check_accessible(page)
