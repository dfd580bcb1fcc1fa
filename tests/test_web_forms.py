"""The Forms page (web/pages/forms.py): the month's forms made in the background as 'auditdocs generate --eml' makes
them (the same forms in the same auditor folders, the same manifest, the same audits recorded, the same drafts),
each auditor's forms as a zip, each draft to download, and a list that cannot be read said as the command says it."""
from __future__ import annotations

import csv
import email
import shutil
import zipfile
from email import policy
from pathlib import Path

import pytest
from browser import check_accessible, serving, signed_in
from click.testing import CliRunner

from auditdocs import builtin
from auditdocs.allocate.run import allocate_month
from auditdocs.cli import cli
from auditdocs.demo import ALLOCATED_ON, LISTS, MADE_AT, MONTH
from auditdocs.workspace import find_workspace, init_workspace

SAMPLES = builtin("samples")
CASES, AUDITORS = LISTS[0], LISTS[1]
LIST = f"allocations-{MONTH:%Y-%m}.xlsx"
DRAFTS = "E-mail drafts"


@pytest.fixture
def two(tmp_path):
    """Two fresh workspaces with the sample month allocated alike (as the demo allocates it), and the lists."""
    made = []
    for name in ("web", "cli"):
        folder = tmp_path / name
        init_workspace(folder)
        for listed in (CASES, AUDITORS):
            shutil.copy(SAMPLES / listed, folder / listed)
        allocate_month(find_workspace(folder), month=MONTH, cases=folder / CASES, auditors=folder / AUDITORS,
                       out=folder / LIST, today=ALLOCATED_ON)
        made.append(folder)
    return made


def forms_of(folder: Path) -> dict[str, list[str]]:
    """The month's forms: auditor folder -> the names of the forms in it."""
    out = folder / "forms" / f"{MONTH:%Y-%m}"
    return {d.name: sorted(p.name for p in d.iterdir()) for d in sorted(out.iterdir())
            if d.is_dir() and d.name != DRAFTS}


def manifest_of(folder: Path) -> list[dict]:
    with open(folder / "forms" / f"{MONTH:%Y-%m}" / "manifest.csv", newline="", encoding="utf-8-sig") as fh:
        return [{k: v for k, v in row.items() if k != "Date"} for row in csv.DictReader(fh)]


def recorded(folder: Path) -> list[tuple]:
    forms = (folder / "forms").resolve()
    with find_workspace(folder).open_register() as reg:
        return sorted((a.audit_id, a.auditor, a.source, a.due, sorted(str(Path(f).relative_to(forms)) for f in a.files))
                      for a in reg.audits())


def drafts_of(folder: Path) -> dict[str, tuple]:
    """Each draft: its name -> (to, subject, the names of the forms attached)."""
    found = {}
    for path in sorted((folder / "forms" / f"{MONTH:%Y-%m}" / DRAFTS).iterdir()):
        found[path.name] = drafted(path.read_bytes())
    return found


def drafted(data: bytes) -> tuple:
    message = email.message_from_bytes(data, policy=policy.default)
    return (str(message["To"]), str(message["Subject"]), message["X-Unsent"],
            sorted(part.get_filename() for part in message.iter_attachments()))


def same_forms_made(web: Path, by_cli: Path) -> None:
    """The forms, manifest, register records and e-mail drafts the page made are the command's."""
    assert forms_of(web) == forms_of(by_cli)
    assert manifest_of(web) == manifest_of(by_cli)
    assert recorded(web) == recorded(by_cli)
    assert drafts_of(web) == drafts_of(by_cli)


def zip_is_the_auditors_forms(page, web: Path, auditor: str, month: str = "2026-11") -> None:
    """The zip the page gives for `auditor` holds their forms, byte for byte."""
    with page.expect_download() as download:
        page.click(f"text=Download the forms of {auditor} (zip)")
    with zipfile.ZipFile(download.value.path()) as zipped:
        assert sorted(zipped.namelist()) == forms_of(web)[auditor]
        for name in zipped.namelist():
            assert zipped.read(name) == (web / "forms" / month / auditor / name).read_bytes()


def made_on_the_page(page):
    page.click("text=Make the forms")
    page.wait_for_url("**/jobs/**")
    page.wait_for_selector("text=The forms, by auditor", timeout=180_000)


def test_the_forms_are_made_as_the_command_makes_them(two, browser, monkeypatch):
    web, by_cli = two
    with serving(web, today=MADE_AT.date()) as served:
        page = signed_in(browser, served)
        page.goto(served.address("/forms/"))
        assert page.locator("h1").inner_text() == "Forms"
        assert page.locator("#month").input_value() == "2026-11"  # the newest allocation list's month
        assert page.locator("#data option:checked").inner_text() == LIST
        assert page.locator("#auditors option:checked").inner_text() == AUDITORS
        assert "No form has been made for November 2026 yet." in page.inner_text("main")
        check_accessible(page)
        made_on_the_page(page)
        check_accessible(page)
        said = page.locator("pre.lines").last.inner_text()

        monkeypatch.chdir(by_cli)
        run = CliRunner().invoke(cli, ["generate", "--data", LIST, "--month", "2026-11", "--eml",
                                       "--auditors", AUDITORS])
        assert run.exit_code == 0, run.output
        for line in run.stdout.splitlines():
            assert line.replace(str(by_cli.resolve()), "WS") in said.replace(str(web.resolve()), "WS")
        assert sum(len(names) for names in forms_of(web).values()) == len(manifest_of(web)) > 40
        same_forms_made(web, by_cli)
        auditor = sorted(forms_of(web))[0]
        zip_is_the_auditors_forms(page, web, auditor)  # an auditor's forms as one zip
        # a draft
        name = sorted(drafts_of(web))[0]
        with page.expect_download() as download:
            page.click(f"text=Download the draft {name}")
        assert download.value.suggested_filename == name
        assert drafted(Path(download.value.path()).read_bytes()) == drafts_of(by_cli)[name]
        for link in page.locator("main a").all():  # no name of a file or a person in an address
            href = link.get_attribute("href") or ""
            assert auditor.split()[0] not in href and ".xlsx" not in href and ".eml" not in href

        # the page itself lists the month's forms and drafts
        page.goto(served.address("/forms/"))
        assert page.locator("table.auditors tbody tr").count() == len(forms_of(web))
        assert page.locator("ul.drafts li").count() == len(drafts_of(web))
        check_accessible(page)


def test_a_list_that_cannot_be_read_is_said_as_the_command_says_it(two, browser, monkeypatch):
    web, by_cli = two
    monkeypatch.chdir(by_cli)
    run = CliRunner().invoke(cli, ["generate", "--data", AUDITORS, "--month", "2026-11"])
    assert run.exit_code == 2
    error = next(line for line in run.output.splitlines() if line.startswith("Error: "))
    with serving(web, today=MADE_AT.date()) as served:
        page = signed_in(browser, served)
        page.goto(served.address("/forms/"))
        page.select_option("#data", label=AUDITORS)
        page.click("text=Make the forms")
        page.wait_for_selector("[role=alert]", timeout=60_000)
        assert error in page.locator("[role=alert]").text_content()
        check_accessible(page)
    assert not (web / "forms" / "2026-11").exists() or not forms_of(web)


def test_rows_with_no_form_are_listed_as_the_command_lists_them(two, browser, monkeypatch):
    import openpyxl

    web, by_cli = two
    for folder in (web, by_cli):
        with open(folder / LIST, "rb") as data:
            book = openpyxl.load_workbook(data)
        sheet = book.worksheets[0]
        column = next(cell.column for cell in sheet[1] if cell.value == "Date of birth")
        sheet.cell(3, column).value = "not a date"
        book.save(folder / "allocations by hand.xlsx")
    monkeypatch.chdir(by_cli)
    run = CliRunner().invoke(cli, ["generate", "--data", "allocations by hand.xlsx", "--month", "2026-11"])
    assert run.exit_code == 1, run.output
    skipped = run.stdout.split("Rows skipped:\n")[1].split("\n\n")[0].splitlines()
    assert skipped and skipped[0].startswith("  row 3")
    with serving(web, today=MADE_AT.date()) as served:
        page = signed_in(browser, served)
        page.goto(served.address("/forms/"))
        page.select_option("#data", label="allocations by hand.xlsx")
        page.select_option("#auditors", label="(no e-mail drafts)")
        made_on_the_page(page)
        assert "Not every row was generated: 1 row skipped" in page.locator("[role=alert]").text_content()
        rows = page.locator("table.problems tbody tr")
        assert rows.count() == len(skipped)
        cells = rows.first.locator("td").all_inner_texts()
        assert skipped[0].strip() == f"row {cells[0]} (case {cells[1]}): {cells[3]}"
        shown = page.inner_text("main").replace(str(web.resolve()), "WS")
        for line in run.stdout.splitlines():
            assert line.replace(str(by_cli.resolve()), "WS") in shown
        check_accessible(page)
    assert forms_of(web) == forms_of(by_cli)
