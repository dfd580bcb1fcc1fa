"""The share page: the team's key made once and kept in the workspace (never shown), the pseudonymised export (its
rows those `auditdocs export --pseudonymise` gives with the same key, seen on the same day) and the finalised PDFs,
each downloaded."""
from __future__ import annotations

import re
import shutil
import zipfile

from browser import DEMO_DAY, check_accessible, serving, signed_in

MONTH = "2026-11"


def finished(page, timeout=600_000):
    page.wait_for_selector("main div.done, main div.problem", timeout=timeout)
    return page


def cell_values(path) -> dict[str, list]:
    from openpyxl import load_workbook

    book = load_workbook(path)
    return {sheet.title: [[c.value for c in row] for row in sheet.iter_rows()] for sheet in book.worksheets}


def test_the_export_is_the_commands_with_the_same_key(demo_made, demo_copy, browser, tmp_path):
    from auditdocs.share.run import export_audits
    from auditdocs.workspace import load_workspace

    key = demo_copy / "keys" / "auditdocs.key"
    assert not key.exists()
    with serving(demo_copy, today=DEMO_DAY) as served:
        page = signed_in(browser, served)
        page.goto(served.address("/share/"))
        check_accessible(page)
        assert page.get_by_role("button", name="Make the export").count() == 0  # not without a key
        page.get_by_role("button", name="Make the team's key").click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == "The team's key", page.locator("main").inner_text()
        assert key.is_file()
        secret = [line for line in key.read_text(encoding="utf-8").splitlines() if line and not line.startswith(("#", "auditdocs"))]
        assert secret and all(part not in page.content() for part in secret)  # the key is never shown
        check_accessible(page)
        made = key.read_bytes()

        page.goto(served.address("/share/"))
        page.fill("#export-month", MONTH)
        page.check("#long")
        page.get_by_role("button", name="Make the export").click()
        finished(page)
        check_accessible(page)
        assert "pseudonymised with key" in page.locator("main div.done").inner_text()
        assert all(part not in page.content() for part in secret)
        with page.expect_download() as download:
            page.get_by_role("link", name="Download Audits 2026-11.xlsx").click()
        got = tmp_path / "page.xlsx"
        download.value.save_as(got)
        assert key.read_bytes() == made  # the key is kept, not made again

        page.goto(served.address("/share/"))  # no second key is offered
        assert page.get_by_role("button", name="Make the team's key").count() == 0

    other = tmp_path / "other" / "demo"
    shutil.copytree(demo_made, other, symlinks=True)
    shutil.copy(key, tmp_path / "team.key")
    by_cli = export_audits(load_workspace(other / "auditdocs.toml"), key_file=tmp_path / "team.key",
                           out=tmp_path / "cli.xlsx", month=__import__("datetime").date(2026, 11, 1), long=True,
                           today=DEMO_DAY)
    page_rows, cli_rows = cell_values(got), cell_values(by_cli.files[0])
    assert len(page_rows["Audits"]) > 10
    assert page_rows == cli_rows


def test_the_export_needs_a_month_the_register_has(demo_copy, browser):
    from auditdocs.share.run import new_key

    (demo_copy / "keys").mkdir()
    new_key(None, demo_copy / "keys" / "auditdocs.key")
    with serving(demo_copy, today=DEMO_DAY) as served:
        page = signed_in(browser, served)
        page.goto(served.address("/share/"))
        page.fill("#export-month", "2031-01")
        page.get_by_role("button", name="Make the export").click()
        finished(page)
        assert re.search(r"Error: the register .* has no audits for January 2031",
                         page.locator("main div.problem").inner_text())
        check_accessible(page)


def test_the_finalised_pdfs_are_offered(demo_copy, browser, tmp_path):
    # one auditor's returned forms (of every kind, Word and Excel) left where they came back, the others moved
    # away: a PDF of each of the month's sixty audits through LibreOffice would make this test minutes longer
    # (tests/test_share.py finalises whole months)
    for folder in (demo_copy / "returned").iterdir():
        if folder.name != "Gareth Pennington":
            shutil.move(folder, tmp_path / folder.name)
    with serving(demo_copy, today=DEMO_DAY) as served:
        page = signed_in(browser, served)
        page.goto(served.address("/share/"))
        page.fill("#finalise-month", MONTH)
        page.get_by_role("button", name="Make the PDFs").click()
        finished(page)
        check_accessible(page)
        made = sorted((demo_copy / "output" / "finalised").glob("*.pdf"))
        assert made
        links = page.locator("ul.downloads a")
        assert sorted(links.all_inner_texts()) == sorted(f"Download {p.name}" for p in made)
        assert all("/download/" in href and ".pdf" not in href
                   for href in (links.nth(n).get_attribute("href") for n in range(links.count())))
        with page.expect_download() as download:
            links.first.click()
        assert download.value.suggested_filename.endswith(".pdf")
        with page.expect_download() as download:
            page.get_by_role("link", name="Download every PDF (zip)").click()
        with zipfile.ZipFile(download.value.path()) as package:
            assert sorted(package.namelist()) == sorted(p.name for p in made)
            assert all(package.read(p.name) == p.read_bytes() for p in made)
