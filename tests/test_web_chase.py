"""The chase page: the letters `auditdocs chase` gives, each to copy or download as `chase --out` writes it."""
from __future__ import annotations

import zipfile
from pathlib import Path

from browser import check_accessible, signed_in
from click.testing import CliRunner

from auditdocs.cli import cli


def chased(folder: Path, monkeypatch, *more: str) -> str:
    monkeypatch.chdir(folder)
    done = CliRunner().invoke(cli, ["chase", "--on", "07/12/2026", *more], catch_exceptions=False)
    assert done.exit_code in (0, 1), done.output
    return done.output


def show_letters(page, month: str = "") -> None:
    if month:
        page.get_by_label("The month", exact=True).fill(month)
    page.get_by_role("button", name="Show the letters").click()
    page.wait_for_selector("p.done, .problem", timeout=60_000)


def test_the_letters_are_the_commands(served_demo, demo_made, tmp_path, browser, monkeypatch):
    page = signed_in(browser, served_demo, permissions=["clipboard-read", "clipboard-write"])
    page.goto(served_demo.address("/chase/"))
    assert page.locator("h1").inner_text() == "Chase"
    check_accessible(page)
    show_letters(page)
    check_accessible(page)
    letters = [box.input_value() for box in page.locator("textarea.letter").all()]
    assert len(letters) > 5
    assert "\n\n".join(letters) + "\n" == chased(demo_made, monkeypatch)

    chased(demo_made, monkeypatch, "--out", str(tmp_path / "letters"))
    written = {path.name: path.read_bytes() for path in (tmp_path / "letters").iterdir()}
    downloaded = {}
    for link in page.get_by_role("link", name="Download the letter to").all():
        with page.expect_download() as got:
            link.click()
        downloaded[got.value.suggested_filename] = Path(got.value.path()).read_bytes()
    assert downloaded == written and len(downloaded) == len(letters)
    with page.expect_download() as got:
        page.get_by_role("link", name="Download all the letters").click()
    assert got.value.suggested_filename == "chase letters 2026-11 on 2026-12-07.zip"
    with zipfile.ZipFile(got.value.path()) as zipped:
        assert {name: zipped.read(name) for name in zipped.namelist()} == written

    page.get_by_role("button", name="Copy the letter to").first.click()
    page.get_by_text("Copied: paste it into an e-mail.").wait_for()
    assert page.evaluate("() => navigator.clipboard.readText()") == letters[0]


def test_a_month_with_nothing_to_chase_and_one_that_is_not(served_demo, demo_made, browser, monkeypatch):
    page = signed_in(browser, served_demo)
    page.goto(served_demo.address("/chase/"))
    show_letters(page, "2026-10")
    said = page.locator("p.done").inner_text()
    assert said + "\n" == chased(demo_made, monkeypatch, "--month", "2026-10")
    assert said.startswith("Nothing to chase for October 2026")
    assert page.locator("textarea").count() == 0
    assert page.get_by_role("link", name="Download all the letters").count() == 0
    check_accessible(page)
    page.goto(served_demo.address("/chase/"))
    page.locator("#month").evaluate("box => box.type = 'text'")  # as a browser without month inputs sends it
    with page.expect_response(lambda answer: answer.request.method == "POST") as answer:
        show_letters(page, "2026-13")
    assert answer.value.status == 400
    assert "Error: '2026-13' is not a month" in page.get_by_role("alert").inner_text()
    check_accessible(page)
