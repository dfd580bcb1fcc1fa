"""The moderation page: the sample chosen, the moderators' copies (a zip each), the agreement figures, as the
`auditdocs moderation` commands give them in another copy of the demo month."""
from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from browser import DEMO_DAY, check_accessible, click_through, serving, signed_in
from click.testing import CliRunner

from auditdocs.cli import cli

MONTH = "2026-11"


def command(folder: Path, *args, code=(0, 1)) -> str:
    """`auditdocs …` run in the workspace at `folder`, and what it printed."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code in code, result.output
    return result.output


def other_copy(demo_made: Path, tmp_path: Path) -> Path:
    target = tmp_path / "other" / "demo"
    shutil.copytree(demo_made, target, symlinks=True)
    return target


def finished(page, timeout=120_000):
    """The job's page once the job has ended (done or failed)."""
    page.wait_for_selector("main div.done, main div.problem", timeout=timeout)
    return page


def table_rows(page, caption: str) -> list[list[str]]:
    """The rows (header cells and data cells, as text) of the table captioned `caption`, once the page shows it."""
    table = page.locator("table", has=page.locator("caption", has_text=caption)).first
    table.wait_for()  # a click that submits a form does not wait for the next page
    return [[c.strip() for c in row.locator("th, td").all_inner_texts()] for row in table.locator("tbody tr").all()]


def test_the_agreement_figures_are_the_commands(demo_copy, browser):
    said = command(demo_copy, "moderation", "agreement", "--month", MONTH)
    with serving(demo_copy, today=DEMO_DAY) as served:
        page = signed_in(browser, served)
        page.goto(served.address("/moderation/"))
        check_accessible(page)
        page.get_by_role("button", name="Show the agreement figures").click()  # worked out in the background
        finished(page)
        assert page.locator("h1").inner_text() == "Agreement, November 2026"
        check_accessible(page)
        counts = dict(table_rows(page, "Audits moderated"))
        assert (f"November 2026: {counts['Moderated']} audits moderated ({counts['Chosen for moderation']} chosen for "
                f"moderation, {counts['Disputed']} disputed).") in said
        agreed = dict(table_rows(page, "Agreement ("))
        n = agreed["Audits with both grades"]
        assert int(n) > 0
        assert (f"{n} audits: the same grade {agreed['The same grade']}, within one grade "
                f"{agreed['Within one grade']}; linear-weighted kappa {agreed['Linear-weighted kappa']}") in said
        grades = table_rows(page, "Auditor (rows) against After moderation (columns)")
        cli_table = [line.split() for line in said.splitlines() if line.rstrip().endswith(")") and "   (" in line]
        assert [row[1:] for row in grades] == [line[-len(grades) - 1:-1] for line in cli_table[:len(grades)]]
        for caption in ("Moderated audits by auditor", "Moderated audits by moderator"):
            rows = table_rows(page, caption)
            assert rows
            for name, n, same, within, up, down in rows:
                assert any(line.split() == [*name.split(), n, same, within, "up", up, "down", down]
                           for line in said.splitlines()), (name, said)
        audits = [row[0] for row in table_rows(page, "Each moderated audit")]
        assert audits and all(f"  {audit}  case " in said for audit in audits)
        assert len(audits) == said.count("  case ")  # every moderated audit, no more

        page.goto(served.address("/moderation/"))  # a problem, as the CLI says it: a month and a period
        page.fill("#agreement-month", "2031-01")
        page.evaluate("""() => { const given = document.createElement("input");
            given.type = "hidden"; given.name = "from"; given.value = "2026-04";
            document.querySelector("#agreement-month").form.append(given); }""")
        click_through(page, page.get_by_role("button", name="Show the agreement figures"))
        assert "Error: give either one month" in page.locator("main").inner_text()
        check_accessible(page)


def test_the_sample_chosen_on_the_page_is_the_commands(demo_made, demo_copy, browser, tmp_path):
    other = other_copy(demo_made, tmp_path)
    command(other, "moderation", "select", "--month", MONTH, "--moderators", "moderators.xlsx", "--seed", "7",
            "--share", "40", "--json", tmp_path / "sample.json")
    sample = json.loads((tmp_path / "sample.json").read_text(encoding="utf-8"))
    with serving(demo_copy) as served:  # on the clock's day, as the command
        page = signed_in(browser, served)
        page.goto(served.address("/moderation/"))
        assert page.locator("#list option").all_inner_texts() == ["moderators.xlsx"]
        page.fill("#select-month", MONTH)
        page.fill("#seed", "7")
        page.fill("#share", "40")
        click_through(page, page.get_by_role("button", name="Choose the sample"))
        assert page.locator("h1").inner_text() == "Moderation sample for November 2026"
        check_accessible(page)
        rows = table_rows(page, "The sample")
        assert [row[0] for row in rows] == [c["audit_id"] for c in sample["sample"]]
        for row, chosen in zip(rows, sample["sample"]):
            if chosen["moderator"]:
                assert chosen["moderator"]["name"] in row[5]
        assert any(not row[5].startswith("Already moderated") for row in rows)  # new audits chosen too
        assert "Seed 7" in page.locator("[role=status]").first.inner_text()

        # chosen again without --replace: the audits waiting for moderation, as the command says them
        page.goto(served.address("/moderation/"))
        page.fill("#select-month", MONTH)
        click_through(page, page.get_by_role("button", name="Choose the sample"))
        waiting = table_rows(page, "Waiting for moderation")
        said = command(other, "moderation", "select", "--month", MONTH, "--moderators", "moderators.xlsx")
        assert waiting and all(f"  {audit}  case {case}  moderator {who}" in said for audit, case, who in waiting)
        assert len(waiting) == said.count("  moderator ")
        check_accessible(page)


def test_the_moderators_copies_come_as_a_zip_each(demo_made, demo_copy, browser, tmp_path):
    other = other_copy(demo_made, tmp_path)
    for folder in (other, demo_copy):  # a sample waiting for moderation in both
        command(folder, "moderation", "select", "--month", MONTH, "--moderators", "moderators.xlsx", "--seed", "7",
                "--share", "40")
    command(other, "moderation", "forms", "--month", MONTH, "--out", tmp_path / "copies")
    by_cli = {p.relative_to(tmp_path / "copies").as_posix() for p in (tmp_path / "copies").rglob("*") if p.is_file()}
    with serving(demo_copy) as served:  # on the clock's day, as the command
        page = signed_in(browser, served)
        page.goto(served.address("/moderation/"))
        page.fill("#copies-month", MONTH)
        page.get_by_role("button", name="Make the copies").click()
        finished(page)
        check_accessible(page)
        made = demo_copy / "moderation" / MONTH
        on_page = {p.relative_to(made).as_posix() for p in made.rglob("*") if p.is_file()}
        assert by_cli <= on_page  # the demo's own copies (moderated already) are there too
        links = page.locator("a", has_text="copies (zip)")
        assert links.count() == len({name.split("/")[0] for name in by_cli})
        zipped = set()
        for n in range(links.count()):
            assert "/download/" in links.nth(n).get_attribute("href")
            with page.expect_download() as download:
                links.nth(n).click()
            with zipfile.ZipFile(download.value.path()) as package:
                names = package.namelist()
                for name in names:
                    assert package.read(name) == (made / name).read_bytes()
                zipped |= set(names)
        assert zipped == by_cli

        # again: the copies are there, kept (as the command keeps them without --force)
        page.goto(served.address("/moderation/"))
        page.fill("#copies-month", "2026-10")
        page.get_by_role("button", name="Make the copies").click()
        finished(page)
        assert "Error: no audit of October 2026 is waiting for moderation" in page.locator("main").inner_text()
        check_accessible(page)


def test_a_moderators_list_given_to_the_page_is_kept_and_used(demo_copy, browser, tmp_path):
    given = tmp_path / "Our moderators.xlsx"
    shutil.copy(demo_copy / "moderators.xlsx", given)
    said = command(demo_copy, "moderation", "select", "--month", MONTH, "--moderators", given, "--seed", "11",
                   "--share", "40", "--dry-run")
    with serving(demo_copy) as served:  # on the clock's day, as the command
        page = signed_in(browser, served)
        page.goto(served.address("/moderation/"))
        page.fill("#select-month", MONTH)
        page.set_input_files("#list-file", [given])
        page.fill("#seed", "11")
        page.fill("#share", "40")
        page.check("#dry-run")
        click_through(page, page.get_by_role("button", name="Choose the sample"))
        assert "Nothing was recorded" in page.locator("main [role=status]").first.inner_text()
        rows = table_rows(page, "The sample")
        assert rows and all(f"  {row[0]}  case {row[1]}  " in said for row in rows)
        assert len(rows) == said.count("  case ")
        assert (demo_copy / "lists" / "Our moderators.xlsx").read_bytes() == given.read_bytes()
        page.goto(served.address("/moderation/"))  # offered from the workspace from now on
        assert page.locator("#list option").all_inner_texts() == ["moderators.xlsx", "lists/Our moderators.xlsx"]

        (tmp_path / "sample.txt").write_text("not a list", encoding="utf-8")
        page.set_input_files("#list-file", [tmp_path / "sample.txt"])
        click_through(page, page.get_by_role("button", name="Choose the sample"))
        assert "Error: sample.txt: not a kind of file this page takes" in page.locator("main [role=alert]").inner_text()
        check_accessible(page)
