"""The Update-the-tracker page: consolidate in the background with its progress, compared with the use case of
`auditdocs consolidate` on another copy of the month (its lines, the tracker's sheets); what needs attention;
the tracker downloaded; a second run refused while one runs, saying which."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import threading
from pathlib import Path

import openpyxl
from browser import DEMO_DAY, check_accessible, serving, signed_in

from auditdocs.consolidate.run import consolidate_returns
from auditdocs.workspace import init_workspace, load_workspace


def same_place(text: str, folder: Path) -> str:
    """A line or a cell with the workspace's folder and the backup's time left out."""
    text = text.replace(str(folder.resolve()), "WS").replace(str(folder), "WS")
    return re.sub(r"\d{4}-\d{2}-\d{2} \d{2}-\d{2}-\d{2}", "TIME", text)


def cells(path: Path, folder: Path) -> dict[str, list[list]]:
    """Every sheet's cell values (times left out, the workspace's folder as WS)."""
    book = openpyxl.load_workbook(path)
    return {sheet.title: [[None if isinstance(v, dt.datetime) else same_place(v, folder) if isinstance(v, str) else v
                           for v in row] for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def test_the_tracker_updated_as_consolidate_updates_it(demo_made, demo_copy, tmp_path, browser):
    other = tmp_path / "other"
    shutil.copytree(demo_made, other, symlinks=True)
    for folder in (demo_copy, other):  # the same change in both: a form taken out, another sent again
        moved = next((folder / "returned").rglob("9901029 *.docx"))
        moved.rename(folder / "returned" / moved.name)
        next((folder / "returned").rglob("9901058 *.pdf")).unlink()
    with serving(demo_copy, today=DEMO_DAY) as served:
        page = signed_in(browser, served)
        page.goto(served.address("/tracker/"))
        assert page.locator("h1").inner_text() == "Update the tracker"
        check_accessible(page)
        page.get_by_role("button", name="Update the tracker").click()
        page.wait_for_selector("progress, ul.summary", timeout=60_000)  # the job's page: its progress, then its result
        assert "/jobs/" in page.url
        page.wait_for_selector("ul.summary", timeout=180_000)
        check_accessible(page)
        shown = page.locator("ul.summary li").all_inner_texts()
        attention = page.locator("table.attention tbody tr").count()
        files_listed = set(page.locator("table.attention tbody tr td:nth-child(2)").all_inner_texts())
        with page.expect_download() as got:
            page.get_by_role("link", name="Download the tracker").click()
        downloaded = Path(got.value.path()).read_bytes()
    ws = load_workspace(other / "auditdocs.toml")
    summary = consolidate_returns(ws, now=dt.datetime.combine(DEMO_DAY, dt.time(12)))
    assert [same_place(line, demo_copy) for line in shown] == [same_place(line, other) for line in summary.lines()]
    assert any("need attention" in line for line in shown)
    assert downloaded == (demo_copy / "tracker" / "Audit tracker.xlsx").read_bytes()
    ours, theirs = cells(demo_copy / "tracker" / "Audit tracker.xlsx", demo_copy), cells(ws.tracker, other)
    assert list(ours) == list(theirs)
    for sheet in ours:
        assert ours[sheet] == theirs[sheet], sheet
    exceptions = [row for row in theirs["Exceptions"][1:] if any(v not in (None, "") for v in row)]
    assert attention == len(exceptions) > 0
    assert files_listed == {row[1] or "" for row in exceptions}


def test_a_second_update_while_one_runs_says_what_is_running(served_demo, browser):
    page = signed_in(browser, served_demo)
    release = threading.Event()

    def slow(job):
        job.progress(3, 10)
        release.wait(60)

    job = served_demo.site.jobs.start("Updating the tracker", slow, template="tracker/result.html")
    try:
        page.goto(served_demo.address(f"/jobs/{job.id}"))
        bar = page.locator("progress")
        assert bar.get_attribute("value") == "3" and bar.get_attribute("max") == "10"
        check_accessible(page)
        page.goto(served_demo.address("/tracker/"))
        assert "Running now: Updating the tracker" in page.get_by_role("status").first.inner_text()
        with page.expect_response(lambda answer: answer.request.method == "POST") as answer:
            page.get_by_role("button", name="Update the tracker").click()
        assert answer.value.status == 409
        said = page.get_by_role("alert").inner_text()
        assert "'Updating the tracker' is running (started at" in said and "Wait for it to finish" in said
        check_accessible(page)
    finally:
        release.set()
        assert served_demo.site.jobs.wait(30)


def test_a_workspace_with_nothing_yet(tmp_path, browser):
    init_workspace(tmp_path / "new", council="Anytown (test)")
    with serving(tmp_path / "new", today=DEMO_DAY) as served:
        page = signed_in(browser, served)
        page.goto(served.address("/tracker/"))
        assert "There is no tracker yet" in page.locator("main").inner_text()
        check_accessible(page)
        page.get_by_role("button", name="Update the tracker").click()
        page.wait_for_selector("ul.summary", timeout=60_000)
        said = page.locator("ul.summary").inner_text()
        assert "No forms (.docx or .xlsx) were found in" in said and "The tracker was not changed." in said
        assert page.get_by_role("link", name="Download the tracker").count() == 0
        check_accessible(page)
