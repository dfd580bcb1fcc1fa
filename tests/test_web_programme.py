"""The Programme page (web/pages/programme.py): a month's activities as `auditdocs programme show --month` shows them,
the thematic audits' six-month reviews as `auditdocs status` says them, an activity's audit summary report made as
`auditdocs report --activity` makes it (the same Word report and Excel figures), and the draw of the audits whose
actions are checked, as `auditdocs actions check-sample` draws it; wrong input refused with the command's message."""
from __future__ import annotations

import datetime as dt
import time

from browser import DEMO_DAY, check_accessible, click_through, serving, signed_in
from test_web_report import cell_values, paragraphs
from web_copies import cli_copy_fixture, copy_of, run_cli, served_copy_fixture

THEMATIC = "Multiple changes of social worker"


served_copy = served_copy_fixture("programme")
cli_copy = cli_copy_fixture("programme")


def activity_blocks(output: str) -> list[dict]:
    """`programme show`'s activities: each '1. Name (type), row N' block as a dict of its lines."""
    blocks = []
    for line in output.splitlines():
        if line[:1].isdigit() and ". " in line:
            head = line.split(". ", 1)[1]
            name, rest = head.rsplit(" (", 1)
            kind, row = rest.split("), row ")
            blocks.append({"Activity": name, "Type": kind, "Row": row})
        elif line.startswith("   ") and ": " in line and blocks:
            key, value = line.strip().split(": ", 1)
            blocks[-1][key] = value
    return blocks


def test_the_months_activities_are_what_programme_show_shows(served_demo, demo_made, browser, monkeypatch):
    page = signed_in(browser, served_demo)
    page.goto(served_demo.address("/programme/"))
    assert page.locator("h1").inner_text() == "Programme"
    check_accessible(page)
    said = run_cli(demo_made, monkeypatch, "programme", "show", "--month", "2026-12")
    assert page.locator("main p[role=status]").first.inner_text() == said.output.strip()  # December: none

    page.fill("#month", "2026-11")
    click_through(page, page.get_by_role("button", name="Show the month"))
    check_accessible(page)
    said = run_cli(demo_made, monkeypatch, "programme", "show", "--month", "2026-11")
    assert said.exit_code == 0
    assert page.locator("main p[role=status]").first.inner_text() == said.output.splitlines()[0]
    headings = [h.strip() for h in page.locator("table.activities thead th").all_inner_texts()]
    rows = [dict(zip(headings, [c.strip() for c in row.locator("th, td").all_inner_texts()]))
            for row in page.locator("table.activities tbody tr").all()]
    expected = activity_blocks(said.output)
    assert len(rows) == len(expected) == 2
    for row, block in zip(rows, expected):
        assert row == {"Activity": block["Activity"], "Type": block["Type"], "Row": block["Row"],
                       "Subject": block["Subject"], "Cohort": block["Cohort"], "Sample": block["Sample"],
                       "Auditors": block["Auditors"], "Form": block["Form"],
                       "Counts toward the auditor's ten a year": block["Counts toward the auditor's ten a year"]}


def test_a_month_written_wrong_is_refused_as_the_command_refuses_it(served_demo, demo_made, browser, monkeypatch):
    page = signed_in(browser, served_demo)
    answer = page.goto(served_demo.address("/programme/?month=2026-13"))
    assert answer.status == 400
    said = run_cli(demo_made, monkeypatch, "programme", "show", "--month", "2026-13")
    assert said.exit_code == 2
    message = said.output.strip().splitlines()[-1].replace("Invalid value for '--month': ", "")
    assert page.locator("[role=alert]").inner_text().strip() == message
    check_accessible(page)


def test_the_six_month_reviews_are_those_status_says(served_demo, demo_made, browser, monkeypatch):
    page = signed_in(browser, served_demo)
    page.goto(served_demo.address("/programme/?month=2026-11"))
    rows = [[c.strip() for c in row.locator("th, td").all_inner_texts()]
            for row in page.locator("table.reviews tbody tr").all()]
    assert rows == [[THEMATIC, "November 2026", "04/06/2027", "six-month review due 04/06/2027"]]
    said = run_cli(demo_made, monkeypatch, "status", "--on", "07/12/2026").output.splitlines()
    listed = said[said.index("Six-month reviews of thematic audits:") + 1:]
    assert f"  {rows[0][0]} ({rows[0][1]}): {rows[0][3]}" == listed[0]


def test_the_summary_report_is_the_commands(served_copy, cli_copy, browser, monkeypatch, tmp_path):
    from auditdocs.report.summary_run import make_summary
    from auditdocs.workspace import find_workspace

    page = signed_in(browser, served_copy)
    page.goto(served_copy.address("/programme/?month=2026-11"))
    page.fill("#activity", THEMATIC)
    page.fill("#summary-month", "2026-11")
    page.get_by_role("button", name="Make the summary report").click()
    page.wait_for_selector("main div.done, main div.problem", timeout=300_000)
    assert page.locator("main div.problem").count() == 0, page.locator("main").inner_text()
    check_accessible(page)
    by_cli = make_summary(find_workspace(cli_copy), activity=THEMATIC, month="2026-11",
                          out=cli_copy / "output" / "reports", today=DEMO_DAY,
                          now=dt.datetime.combine(DEMO_DAY, dt.time(11)))
    assert page.locator("main div.done").inner_text().strip() == by_cli.lines()[0]
    got = {}
    for what in ("Word report", "Excel figures"):
        with page.expect_download() as download:
            page.get_by_role("link", name=f"Download the {what}").click()
        got[what] = tmp_path / download.value.suggested_filename
        download.value.save_as(got[what])
    assert got["Word report"].name == by_cli.report.name == f"Audit summary 2026-11 {THEMATIC}.docx"
    assert cell_values(got["Excel figures"]) == cell_values(by_cli.dashboard)
    page_text, cli_text = paragraphs(got["Word report"]), paragraphs(by_cli.report)
    assert len(page_text) > 20 and page_text == cli_text


def test_an_activity_the_register_has_not_is_refused_as_the_command_refuses_it(served_copy, cli_copy, browser,
                                                                               monkeypatch):
    page = signed_in(browser, served_copy)
    page.goto(served_copy.address("/programme/"))
    page.fill("#activity", THEMATIC + "s")
    page.get_by_role("button", name="Make the summary report").click()
    page.wait_for_selector("main div.done, main div.problem", timeout=120_000)
    said = run_cli(cli_copy, monkeypatch, "report", "--activity", THEMATIC + "s")
    assert said.exit_code == 2
    assert page.locator("main [role=alert]").inner_text().strip() == said.output.strip()
    assert "did you mean" in said.output
    check_accessible(page)


def sample_rows(output: str) -> list[list[str]]:
    """The audits `actions check-sample` lists: id, case, team, actions."""
    rows = []
    for line in output.splitlines():
        if line.startswith("  AUD-"):
            audit_id, case, rest = line.strip().split("  ", 2)
            team, actions = rest.strip().rsplit("  ", 1)
            rows.append([audit_id, case.replace("case ", ""), team.strip(), actions.split()[0]])
    return rows


def test_the_check_sample_is_drawn_as_the_command_draws_it(served_copy, cli_copy, browser, monkeypatch):
    page = signed_in(browser, served_copy)
    page.goto(served_copy.address("/programme/"))
    assert page.locator("#check-month").input_value() == "2026-12" and page.locator("#size").input_value() == "10"
    page.fill("#seed", "4")
    click_through(page, page.get_by_role("button", name="Draw the check sample"))
    check_accessible(page)
    said = run_cli(cli_copy, monkeypatch, "actions", "check-sample", "--month", "2026-12", "--seed", "4", "--on",
                   "07/12/2026")
    assert said.exit_code == 0
    lines = said.output.splitlines()
    assert page.locator("main div.done").inner_text().strip() == lines[0]
    shown = [[c.strip() for c in row.locator("th, td").all_inner_texts()]
             for row in page.locator("table.check-sample tbody tr").all()]
    assert len(shown) == 10 and shown == sample_rows(said.output)
    assert page.locator("table.check-sample caption").inner_text() == "Drawn"

    # again: the month is shown as it was drawn, with the command's note
    page.goto(served_copy.address("/programme/"))
    click_through(page, page.get_by_role("button", name="Draw the check sample"))
    check_accessible(page)
    again = run_cli(cli_copy, monkeypatch, "actions", "check-sample", "--month", "2026-12", "--on", "07/12/2026")
    assert page.locator("main div.done").inner_text().strip() == again.output.splitlines()[0]
    assert page.locator("table.check-sample caption").inner_text() == "Drawn before"
    assert [n.strip() for n in page.locator("p.note").all_inner_texts()] == [
        line for line in again.output.splitlines() if line.startswith("Note: ")]
    assert sample_rows(again.output) == shown


def test_a_check_sample_of_no_audits_is_refused_as_the_command_refuses_it(served_copy, cli_copy, browser,
                                                                          monkeypatch):
    page = signed_in(browser, served_copy)
    page.goto(served_copy.address("/programme/"))
    page.locator("#size").evaluate("(e) => e.removeAttribute('min')")
    page.fill("#size", "0")
    click_through(page, page.get_by_role("button", name="Draw the check sample"))
    said = run_cli(cli_copy, monkeypatch, "actions", "check-sample", "--month", "2026-12", "--size", "0")
    assert said.exit_code == 2 and "0 is not in the range x>=1" in said.output  # refused there too
    assert page.locator("[role=alert]").inner_text().strip() == \
        "Error: the number of audits to draw must be 1 or more (0 was given)."
    check_accessible(page)


def test_a_programme_with_problems_says_them_as_programme_check_does(demo_made, tmp_path_factory, browser,
                                                                    monkeypatch):
    import openpyxl

    folder = copy_of(demo_made, tmp_path_factory, "programme-problems")
    book = openpyxl.load_workbook(folder / "programme.xlsx")
    book["Programme"].append(["2026-11", "Made-up audit", "tea party", "", "", 5, "", "QA team", "no_such_form", "No"])
    book.save(folder / "programme.xlsx")
    checked = run_cli(folder, monkeypatch, "programme", "check")
    shown = run_cli(folder, monkeypatch, "programme", "show", "--month", "2026-11")
    assert checked.exit_code == 2 and shown.exit_code == 1
    with serving(folder, today=DEMO_DAY) as served:
        page = signed_in(browser, served)
        page.goto(served.address("/programme/?month=2026-11"))
        check_accessible(page)
        alert = page.locator("main [role=alert]")
        problems = [line.strip() for line in alert.locator("li").all_inner_texts()]
        assert len(problems) >= 3 and problems == checked.output.strip().splitlines()[:len(problems)]
        n = len(problems) - 1
        assert alert.locator("p").inner_text().startswith(f"Warning: {n} problems in programme.xlsx (those rows are "
                                                          "left out)")
        assert page.locator("table.activities tbody tr").count() == len(activity_blocks(shown.output)) == 2

        (folder / "programme.xlsx").unlink()
        page.goto(served.address("/programme/?month=2026-11"))
        check_accessible(page)
        said = run_cli(folder, monkeypatch, "programme", "show", "--month", "2026-11")
        assert said.exit_code == 2
        assert page.locator("main [role=alert]").inner_text().strip() == said.output.strip()
        assert page.get_by_role("button", name="Draw the check sample").count() == 1  # the rest of the page serves


def test_a_re_audit_a_review_scheduled_is_shown_as_programme_show_and_status_show_it(demo_made, tmp_path_factory,
                                                                                     browser, monkeypatch):
    import openpyxl

    from auditdocs.tracker.rows import KEY_MESSAGES
    from auditdocs.workspace import find_workspace

    folder = copy_of(demo_made, tmp_path_factory, "programme-re-audit")
    with serving(folder, today=DEMO_DAY) as served:
        page = signed_in(browser, served)
        page.goto(served.address("/programme/?month=2027-01"))
        assert page.locator("ul.re-audits").count() == 0
        tracker = find_workspace(folder).tracker
        book = openpyxl.load_workbook(tracker)
        sheet = book[KEY_MESSAGES.name]
        columns = {c.value: c.column for c in sheet[1] if c.value}
        row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, columns["Activity"]).value == THEMATIC)
        for heading, value in {"Review held on": dt.datetime(2026, 12, 4), "Practice progressed": "No",
                               "Re-audit in": "2027-01"}.items():
            sheet.cell(row, columns[heading]).value = value
        book.save(tracker)
        assert run_cli(folder, monkeypatch, "consolidate").exit_code in (0, 1)  # (the demo's forms needing a look)

        page.goto(served.address("/programme/?month=2027-01"))  # the register changed: the reviews are read again
        check_accessible(page)
        shown = run_cli(folder, monkeypatch, "programme", "show", "--month", "2027-01").output.splitlines()
        listed = shown[shown.index("Re-audits scheduled for January 2027 (by a six-month review):") + 1:]
        assert [f"  {li.strip()}" for li in page.locator("ul.re-audits li").all_inner_texts()] == listed
        assert listed == [f"  {THEMATIC}: re-audit of the thematic audit of November 2026"]
        status = run_cli(folder, monkeypatch, "status", "--on", "07/12/2026", "--month", "2026-11").output.splitlines()
        review = [c.strip() for c in page.locator("table.reviews tbody tr").first.locator("th, td").all_inner_texts()]
        assert f"  {review[0]} ({review[1]}): {review[3]}" in status
        assert review[3] == ("six-month review held 04/12/2026: practice has not progressed sufficiently; re-audit "
                             "scheduled for January 2027")

        # the same once the month page's thread has worked the register out again (its audits are then used)
        month_page = served.running.app.extensions["auditdocs.month"]
        for _ in range(600):
            if month_page.current(served.site.workspace, DEMO_DAY)[1]:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the month page's thread did not work the changed register out within a minute")
        page.goto(served.address("/programme/?month=2027-01"))
        assert [f"  {li.strip()}" for li in page.locator("ul.re-audits li").all_inner_texts()] == listed
        assert [c.strip() for c in page.locator("table.reviews tbody tr").first.locator("th, td").all_inner_texts()
                ] == review


def test_a_check_sample_already_checked_is_not_drawn_again(demo_made, tmp_path_factory, browser, monkeypatch):
    import openpyxl

    from auditdocs.tracker.rows import ACTION_CHECKS
    from auditdocs.workspace import find_workspace

    folder = copy_of(demo_made, tmp_path_factory, "programme-checked")
    with serving(folder, today=DEMO_DAY) as served:
        page = signed_in(browser, served)
        page.goto(served.address("/programme/"))
        click_through(page, page.get_by_role("button", name="Draw the check sample"))
        assert page.locator("table.check-sample tbody tr").count() == 10
        assert run_cli(folder, monkeypatch, "consolidate").exit_code in (0, 1)  # the Action checks sheet made
        tracker = find_workspace(folder).tracker
        book = openpyxl.load_workbook(tracker)
        sheet = book[ACTION_CHECKS.name]
        columns = {c.value: c.column for c in sheet[1] if c.value}
        sheet.cell(2, columns["Confirmed"]).value = "Yes"
        book.save(tracker)
        assert run_cli(folder, monkeypatch, "consolidate").exit_code in (0, 1)  # the QA officer's Yes read back

        page.goto(served.address("/programme/"))
        page.check("#replace")
        click_through(page, page.get_by_role("button", name="Draw the check sample"))
        check_accessible(page)
        said = run_cli(folder, monkeypatch, "actions", "check-sample", "--month", "2026-12", "--replace")
        assert said.exit_code == 2 and "cannot be drawn again" in said.output
        assert page.locator("[role=alert]").inner_text().strip() == said.output.strip()
