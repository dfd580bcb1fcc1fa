"""The month page (what `auditdocs status` says, as tables, with filters and a search), each audit's page, the
scales' colours, and the month page printed on A4: in a real browser, over the demo month (tests/browser.py)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from browser import DEMO_DAY, check_accessible, serving, signed_in
from click.testing import CliRunner

from auditdocs.cli import cli
from auditdocs.contrast import text_on
from auditdocs.domain import cycle
from auditdocs.domain import model as m
from auditdocs.status.run import month_status
from auditdocs.web.pages.month import Known, grade_class, who_key
from auditdocs.workspace import find_workspace, init_workspace

AN_AUDIT = "AUD-202611-LG4EBT6L"  # the demo's Inadequate audit: in drafts, with actions, moderated, two versions


@pytest.fixture(scope="module")
def status_said(demo_made):
    """What `auditdocs status --on 07/12/2026` prints in the demo's workspace."""
    import os

    here = os.getcwd()
    os.chdir(demo_made)
    try:
        said = CliRunner().invoke(cli, ["status", "--on", DEMO_DAY.strftime("%d/%m/%Y")])
    finally:
        os.chdir(here)
    assert said.exit_code in (0, 1), said.output
    return said.output


def section(text: str, title: str) -> list[str]:
    """The lines of a part of `auditdocs status`' text (after its title line, up to the blank line)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    out = []
    for line in lines[start + 1:]:
        if not line.strip():
            break
        out.append(line.strip())
    return out


def month_ready(page):
    """The month page, once where every audit stands is worked out (it shows itself then)."""
    page.wait_for_selector("#summary-heading", timeout=60_000)
    return page


def table_rows(page, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(f"{selector} tbody tr", "rows => rows.map(r => Array.from(r.children, "
                                                                    "c => c.innerText.trim()))")


def test_the_month_page_shows_what_status_says(served_demo, browser, status_said, demo_made):
    page = month_ready(signed_in(browser, served_demo))
    assert page.locator("h1").inner_text() == "The month"
    # counts per state, as the command's first lines
    said = {}
    for line in status_said.splitlines()[2:]:
        if not line.strip():
            break
        n, label = line.strip().split("  ", 1)
        said[label.strip()] = int(n)
    shown = {row[0]: int(row[1]) for row in table_rows(page, "table.counts:not(.by)")}
    assert shown == said
    assert page.locator("table.counts:not(.by) tfoot td").inner_text() == str(sum(said.values()))
    # overdue and due this week: the same audits, in the same order
    overdue = [line.split()[0] for line in section(status_said, "Overdue")]
    soon = [line.split()[0] for line in section(status_said, "Due in the next 7 days")]
    assert overdue and soon
    assert [row[0] for row in table_rows(page, "#overdue")] == overdue
    assert [row[0] for row in table_rows(page, "#soon")] == soon
    assert page.locator(".at-once li.late .number").inner_text() == str(len(overdue))
    # per auditor and per team, as month_status counts them
    glance = month_status(find_workspace(demo_made), today=DEMO_DAY).glance
    states = [s for s, n in glance.counts().items() if n]
    for what, caption in (("auditor", "each auditor"), ("team", "each team")):
        table = f"table.by:has(caption:has-text('{caption}'))"
        rows = {row[0]: [int(n or 0) for n in row[1:len(states) + 1]] for row in table_rows(page, table)}
        assert rows == {key: [counts.get(s, 0) for s in states] for key, counts in glance.by(what).items()}
        for key in glance.by(what):  # each as the command's line says it
            assert any(line.startswith(f"{key}: ") for line in section(status_said, f"By {what}"))
    check_accessible(page)


def test_filters_narrow_the_month_and_keep_names_out_of_the_address(served_demo, browser, demo_made):
    page = month_ready(signed_in(browser, served_demo))
    page.select_option("#state", "sent_back")
    page.click(".filters button[type=submit]")
    assert "state=sent_back" in page.url
    listed = table_rows(page, "#listed")
    glance = month_status(find_workspace(demo_made), today=DEMO_DAY).glance
    sent_back = sorted(x.audit.audit_id for x in glance.lines if x.standing.state == cycle.SENT_BACK)
    assert sorted(row[0] for row in listed) == sent_back and len(sent_back) == 6
    assert {row[5] for row in listed} == {cycle.STATES[cycle.SENT_BACK]}
    check_accessible(page)

    auditor = "Tomasz Wróbel"
    page.goto(served_demo.address("/"))
    page.select_option("#auditor", label=auditor)
    page.select_option("#team", "Front Door (MASH)")
    page.click(".filters button[type=submit]")
    assert who_key(auditor) in page.url and "Tomasz" not in page.url and "Wr" not in page.url
    listed = table_rows(page, "#listed")
    expected = sorted(x.audit.audit_id for x in glance.lines
                      if x.audit.auditor == auditor and x.audit.team == "Front Door (MASH)")
    assert sorted(row[0] for row in listed) == expected and expected
    assert page.locator("#state").input_value() == ""
    assert page.locator("#auditor option:checked").inner_text() == auditor
    # a month chosen: that month's audits alone (as 'auditdocs status --month 2026-11')
    page.goto(served_demo.address("/?month=2026-11"))
    by_month = month_status(find_workspace(demo_made), month=dt.date(2026, 11, 1), today=DEMO_DAY).glance
    assert [row[0] for row in table_rows(page, "#overdue")] == [x.audit.audit_id for x in by_month.overdue()]
    check_accessible(page)


def test_the_search_finds_an_audit_by_case_number_or_id(served_demo, browser, demo_made):
    page = month_ready(signed_in(browser, served_demo))
    glance = month_status(find_workspace(demo_made), today=DEMO_DAY).glance
    line = next(x for x in glance.lines if x.audit.audit_id == AN_AUDIT)
    page.fill("#q", line.audit.case_number)
    with page.expect_navigation():
        page.press("#q", "Enter")
    found = table_rows(page, "#found")
    assert [row[0] for row in found] == [AN_AUDIT]
    assert found[0][1] == line.audit.case_number and found[0][2] == line.name
    assert page.locator("[role=status]").first.inner_text() == "1 audit found."
    check_accessible(page)
    page.fill("#q", AN_AUDIT.lower())  # an audit id, however typed
    with page.expect_navigation():
        page.press("#q", "Enter")
    assert [row[0] for row in table_rows(page, "#found")] == [AN_AUDIT]
    page.click(f"#found a:has-text('{AN_AUDIT}')")
    assert page.locator("h1").inner_text() == f"Audit {AN_AUDIT}"
    page.goto(served_demo.address("/?q=0000000"))
    assert "No audit has the case number or audit id" in page.locator(".found [role=status]").inner_text()
    check_accessible(page)


def test_an_audits_page_shows_its_state_versions_actions_and_moderation(served_demo, browser, demo_made):
    ws = find_workspace(demo_made)
    with ws.open_register() as reg:
        audit = reg.audit(AN_AUDIT)
        history = reg.case_history(audit.case_number)
    standing = cycle.standings(history, ws.library(), DEMO_DAY)[AN_AUDIT]
    page = month_ready(signed_in(browser, served_demo))
    page.goto(served_demo.address(f"/audits/{AN_AUDIT}"))
    facts = {row[0]: row[1] for row in table_rows(page, "table.facts:has(caption:has-text('today'))")}
    assert facts["State"].startswith(cycle.STATES[standing.state])
    assert facts["Next step"] == f"{standing.next_step.who}: {standing.next_step.what}"
    assert facts["Deadline"] == f"{standing.earliest_deadline:%a} {standing.earliest_deadline.day} " \
                                f"{standing.earliest_deadline:%b %Y}"
    assert facts["Grade"] == standing.grade.label
    spec = ws.library().get(audit.form_id, audit.form_version)
    scale = spec.field_with_role("overall_grade").scale.id
    assert page.locator(f"table.facts .{grade_class(scale, standing.grade.value)}").count() == 1
    versions = table_rows(page, "table.versions")
    assert len(versions) == len(audit.returns) == 2
    assert [row[4] for row in versions] == ["", "Yes"]  # the latest is in use
    actions = table_rows(page, "table.actions")
    assert [row[0] for row in actions] == [a.action_id for a in audit.actions]
    assert [row[4].split(" on ")[0] for row in actions] == [a.status for a in audit.actions]
    moderation = page.locator("#moderation-heading + ul").inner_text()
    assert "Selected for moderation" in moderation and "Moderated" in moderation
    # no name in any address the page gives (file names hold children's names)
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    assert not [h for h in hrefs if re.search(r"Akhtar|Kai|docx|xlsx|%20", h)]
    with page.expect_download() as download:
        page.click("table.versions a")
    assert download.value.suggested_filename == audit.returns[0].path.rsplit("/", 1)[-1]
    check_accessible(page)
    page.goto(served_demo.address("/audits/AUD-000000-NOTTHERE"))
    assert "There is nothing at this address" in page.locator("main").inner_text()


def test_the_keyboard_reaches_the_search_and_the_skip_link_works(served_demo, browser):
    page = month_ready(signed_in(browser, served_demo))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type(AN_AUDIT)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert [row[0] for row in table_rows(page, "#found")] == [AN_AUDIT]


def test_the_scales_colours_are_classes(served_demo, browser, demo_made):
    page = month_ready(signed_in(browser, served_demo))
    css = page.goto(served_demo.address("/colours.css")).text()
    library = find_workspace(demo_made).library()
    options = [(scale, o) for spec in library.current() for scale in spec.scales.values() for o in scale.options
               if o.colour]
    assert options
    for scale, option in options:
        fill = option.colour.lstrip("#").upper()
        assert f".{grade_class(scale.id, option.value)} {{ background-color: #{fill}; color: #{text_on(fill)}; }}" in css
    page.goto(served_demo.address("/"))
    assert page.locator("head link[href='/colours.css']").count() == 1
    # a grade shown on the page has its scale's colour
    page.goto(served_demo.address(f"/audits/{AN_AUDIT}"))
    colour = page.eval_on_selector("table.facts .grade", "e => getComputedStyle(e).backgroundColor")
    inadequate = next(o for s, o in options if s.id == "overall_grade" and o.value == "inadequate")
    assert colour == "rgb({}, {}, {})".format(*(int(inadequate.colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)))


def test_the_month_page_prints_on_a4(served_demo, browser):
    # A4 portrait less the page's margins (12 mm each side), at the browser's 96 pixels to the inch
    page = month_ready(signed_in(browser, served_demo, viewport={"width": 703, "height": 1000}))
    page.emulate_media(media="print")
    assert not page.locator("nav").is_visible() and not page.locator("form.filters").is_visible()
    assert not page.locator("form.search").is_visible()
    assert page.locator("#overdue").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 703
    widths = page.eval_on_selector_all("table", "ts => ts.map(t => t.getBoundingClientRect().right)")
    assert widths and max(widths) <= 703
    assert page.pdf(format="A4")[:4] == b"%PDF"


def test_a_workspace_with_no_audits_yet_says_how_to_begin(tmp_path, browser):
    init_workspace(tmp_path / "new")
    with serving(tmp_path / "new", today=DEMO_DAY) as served:
        page = signed_in(browser, served)
        page.wait_for_selector("main [role=status]:has-text('no audits yet')", timeout=30_000)
        check_accessible(page)


def test_the_page_follows_the_register(demo_copy, browser):
    """What the month page shows is worked out again when the register changes (until then it says so)."""
    with serving(demo_copy, today=DEMO_DAY) as served:
        extensions = served.running.app.extensions
        worker, extensions["auditdocs.month"] = extensions["auditdocs.month"], Known()  # nothing worked out yet
        page = signed_in(browser, served)
        assert "Working out where every audit" in page.locator("main [role=status]").inner_text()
        check_accessible(page)
        extensions["auditdocs.month"] = worker
        month_ready(page)  # it shows itself once ready
        before = {row[0]: int(row[1]) for row in table_rows(page, "table.counts:not(.by)")}
        ws = find_workspace(demo_copy)
        glance = month_status(ws, today=DEMO_DAY).glance
        due = [x.audit.audit_id for x in glance.lines if x.standing.state == cycle.OVERSIGHT_DUE]
        with ws.open_register(write=True) as reg:
            reg.record_events([m.Event("oversight_recorded", DEMO_DAY, due[0], "the tracker")])
        label = cycle.STATES[cycle.OVERSIGHT_DUE]
        for _ in range(60):  # worked out again by the server's thread, which the page asks to look now
            page.reload()
            after = {row[0]: int(row[1]) for row in table_rows(page, "table.counts:not(.by)")}
            if after != before:
                break
            page.wait_for_timeout(500)
        assert page.locator(".stale").count() == 0
        assert after[label] == before[label] - 1
        assert after == {cycle.STATES[s]: n for s, n in month_status(ws, today=DEMO_DAY).glance.counts().items() if n}


def test_the_standings_worked_out_again_from_what_changed_are_those_worked_out_afresh(demo_copy):
    """The page reads again only the audits that changed (and works out again where the audits of their cases
    stand): the same as `auditdocs status` working everything out afresh."""
    from auditdocs.status.run import standings

    ws = find_workspace(demo_copy)
    known = Known()
    first = known.work_out(ws, DEMO_DAY)
    glance = month_status(ws, today=DEMO_DAY).glance
    due = [x.audit for x in glance.lines if x.standing.state == cycle.OVERSIGHT_DUE]
    inadequate = next(x.audit for x in glance.lines if x.audit.audit_id == AN_AUDIT)
    with ws.open_register(write=True) as reg:
        reg.record_events([m.Event("oversight_recorded", DEMO_DAY, due[0].audit_id, "the tracker"),
                           m.Event("cancelled", DEMO_DAY, due[1].audit_id, "QA officer", "Jo Madeup", "Head of Service",
                                   "The case closed")])
        open_action = next(a for a in inadequate.actions if cycle.action_open(a))
        reg.set_action_status(open_action.action_id, "Done", DEMO_DAY)
        # the next audit of the Inadequate audit's case: its re-audit, which changes where that one stands
        reg.record_audits([m.RegisteredAudit("AUD-202612-REAUDIT1", inadequate.form_id, inadequate.form_version,
                                             dict(inadequate.subject), dt.date(2026, 12, 1), dt.date(2026, 12, 31))])
    again = known.work_out(ws, DEMO_DAY)
    assert again is not first and again.whole == first.whole  # only what changed was read again
    afresh = standings(ws, None, DEMO_DAY)
    assert [a.audit_id for a in again.found.audits] == [a.audit_id for a in afresh.audits]
    assert again.found.standings == afresh.standings
    assert again.found.standings[AN_AUDIT].re_audit == "AUD-202612-REAUDIT1"
    assert again.found.standings != first.found.standings
    assert again.found.month == afresh.month


def test_a_month_that_is_not_one_is_refused_as_the_command_refuses_it(served_demo, browser):
    page = month_ready(signed_in(browser, served_demo))
    answer = page.goto(served_demo.address("/?month=2026-13"))
    assert answer.status == 400
    assert "Error: '2026-13' is not a month: write it as year-month, for example 2026-11." in \
        page.locator("main").inner_text()
    check_accessible(page)


def test_the_month_page_filters_and_counts_by_activity_as_status_does(demo_copy, browser):
    """The demo month with another dip sample and two managers' dip samples added: an Activity filter (the activity's
    name in the address: not a person's), the audits counted by activity, and the managers' own dip samples, as
    `auditdocs status --activity` says."""
    from auditdocs.register import audit_from_allocation

    missing, dips = "Re-referrals", "Managers' dip samples"  # activities the demo month has not
    ws = find_workspace(demo_copy)
    glance = month_status(ws, today=DEMO_DAY).glance
    first = glance.lines[0].audit
    spec = ws.library().get(first.form_id, first.form_version)
    due = first.due.isoformat()
    added = []
    for n, (activity, kind, auditor) in enumerate([(missing, "dip sample", first.auditor),
                                                   (missing, "dip sample", first.auditor),
                                                   (dips, "managers' dip samples", "Mo Manager"),
                                                   (dips, "managers' dip samples", "Mo Manager")]):
        values = {**first.subject, "case_number": f"99770{n}", "auditor": auditor, "due_date": due}
        allocation = m.Allocation(spec.id, values, 100 + n, f"AUD-{due[:7].replace('-', '')}-ACT0000{n}", activity=activity)
        added.append(audit_from_allocation(spec, allocation, activity_type=kind, counts_toward_ten=kind == "dip sample",
                                           auditor_role="Team manager" if auditor == "Mo Manager" else ""))
    with ws.open_register(write=True) as reg:
        reg.record_audits(added)
    said = month_status(ws, today=DEMO_DAY).glance
    by_activity = {name: sum(states.values()) for name, states in said.by("activity").items()}
    assert by_activity[missing] == 2 and by_activity[dips] == 2

    with serving(demo_copy, today=DEMO_DAY) as served:
        page = month_ready(signed_in(browser, served))
        shown = {row[0]: int(row[-1]) for row in table_rows(page, "#by-activity-heading + table")}
        assert shown == by_activity
        assert table_rows(page, "table.managers") == [["Mo Manager", "Team manager", "2", "0", "2"]]
        check_accessible(page)
        page.select_option("#activity", missing)
        page.click(".filters button[type=submit]")
        assert "activity=Re-referrals" in page.url and "Mo" not in page.url
        only = month_status(ws, today=DEMO_DAY, activity=missing).glance
        assert sorted(row[0] for row in table_rows(page, "#listed")) == sorted(x.audit.audit_id for x in only.lines)
        assert f"of the activity “{missing}”" in page.locator(".summary").inner_text()
        assert page.locator("#activity option:checked").inner_text() == missing
        check_accessible(page)
        page.click(f"#listed a:has-text('{added[0].audit_id}')")
        assert f"{missing} (dip sample)" in page.locator("main").inner_text()
        check_accessible(page)
