"""The register page: the check says what `auditdocs register check` says; a rebuild, asked for twice, remakes the
register as `auditdocs register rebuild` does in another copy."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from browser import DEMO_DAY, check_accessible, click_through, serving, signed_in
from click.testing import CliRunner

from auditdocs.cli import cli
from auditdocs.register import open_register


def command(folder: Path, *args, code=(0, 1)) -> str:
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code in code, result.output
    return result.stdout  # without the warnings, which the page shows apart


def records(folder: Path) -> list[tuple]:
    """What the register holds of each audit: its id, case, form, month, and each return's status and grade."""
    with open_register(folder / "register" / "auditdocs.sqlite") as reg:
        return sorted((a.audit_id, a.case_number, a.form_id, a.month, tuple(r.status for r in a.returns),
                       a.current.status if a.current else None) for a in reg.audits())


def finished(page, timeout=120_000):
    """The job's page once the job has ended (done or failed)."""
    page.wait_for_selector("main div.done, main div.problem", timeout=timeout)
    return page


def test_the_check_says_what_the_command_says(demo_copy, browser):
    said = command(demo_copy, "register", "check")
    with serving(demo_copy, today=DEMO_DAY) as served:
        page = signed_in(browser, served)
        page.goto(served.address("/register/"))
        check_accessible(page)
        page.get_by_role("button", name="Check the register").click()  # in the background
        finished(page)
        assert page.locator("h1").inner_text() == "Check the register"
        check_accessible(page)
        lines = page.locator("ul.differences li").all_inner_texts()
        assert [f"- {line}" for line in lines] == [line for line in said.splitlines() if line.startswith("- ")]
        assert said.splitlines()[-1] in page.locator("main [role=status]").inner_text()

        (demo_copy / "returned").rename(demo_copy / "returned gone")  # now they differ
        said = command(demo_copy, "register", "check")
        page.get_by_role("button", name="Check again").click()
        finished(page)
        lines = page.locator("ul.differences li").all_inner_texts()
        assert lines and [f"- {line}" for line in lines] == [line for line in said.splitlines()
                                                             if line.startswith("- ")]
        assert said.splitlines()[-1] in page.locator("main [role=status]").inner_text()
        check_accessible(page)


def test_a_rebuild_is_confirmed_then_remakes_the_register_as_the_command(demo_made, demo_copy, browser, tmp_path):
    other = tmp_path / "other" / "demo"
    shutil.copytree(demo_made, other, symlinks=True)
    said = command(other, "register", "rebuild")
    before = records(demo_copy)
    with serving(demo_copy, today=DEMO_DAY) as served:
        page = signed_in(browser, served)
        page.goto(served.address("/register/"))
        click_through(page, page.get_by_role("link", name="Rebuild the register"))
        assert page.locator("h1").inner_text() == "Rebuild the register?"
        assert "cannot be remade" in page.locator("main").inner_text()
        check_accessible(page)
        click_through(page, page.get_by_role("link", name="No, go back"))
        assert page.locator("h1").inner_text() == "Register"
        assert records(demo_copy) == before

        page.get_by_role("link", name="Rebuild the register").click()
        page.get_by_role("button", name="Yes, rebuild the register").click()
        page.wait_for_selector("main div.done, main div.problem", timeout=300_000)
        check_accessible(page)
        shown = page.locator("main").inner_text()
        for line in said.splitlines()[:-1]:  # the counts (the last line names the register kept, of its own time)
            assert line.strip() in shown
        assert "Rebuilt the register" in shown and "before rebuild" in shown
    assert records(demo_copy) == records(other)
    assert len(list((demo_copy / "register").glob("*before rebuild*"))) == 1
