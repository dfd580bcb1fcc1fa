"""The whole demo month through the pages (issue 24, 7): from allocate to the report, uploads and downloads included,
in a real browser, on a fresh workspace with the sample lists; the same steps run in a second fresh workspace by the
command line (or, where a command takes the day from the clock and has no option for it, by the use case it calls,
given the same day as the page), and what each step wrote and said compared.

The server sees the demo's calendar (`demo.ALLOCATED_ON` … `demo.REPORT_ON`): the test sets the day between steps
(`served.site.fixed_today`). A handful of forms come back, filled alike in both workspaces with the demo's invented
answers (varied grades, one incomplete). No PDF is made, to keep it quick. Each page's own details (its problems, its
accessibility in each state) are tested in its own tests/test_web_<page>.py: this one checks the month holds together.
"""
from __future__ import annotations

import datetime as dt
import random
import shutil
import time
import zipfile
from pathlib import Path

import pytest
from browser import check_accessible, click_through, serving, signed_in
from click.testing import CliRunner
from test_web_allocate import allocate_on_the_page, audits, sheets
from test_web_forms import (
    forms_of,
    made_on_the_page,
    same_forms_made,
    zip_is_the_auditors_forms,
)
from test_web_moderation import table_rows as captioned_rows
from test_web_month import month_ready, section
from test_web_month import table_rows as month_rows
from test_web_report import cell_values
from test_web_returns import cli_statuses, page_rows, sent_back_events, wait_for_result
from test_web_tracker import cells, same_place

from auditdocs import builtin
from auditdocs.cli import cli
from auditdocs.demo import (
    ALLOCATED_ON,
    LISTS,
    MADE_AT,
    MODERATED_ON,
    MODERATOR_MOVES,
    MONTH,
    REPORT_ON,
    RETURNS_ON,
    SELECTED_ON,
    invent_answers,
    moderator_answers,
)
from auditdocs.forms.docx.fill import fill_docx
from auditdocs.forms.docx.package import saved_on
from auditdocs.workspace import find_workspace, init_workspace

SAMPLES = builtin("samples")
CASES, AUDITORS, MODERATORS = LISTS
LIST = f"allocations-{MONTH:%Y-%m}.xlsx"
SEED, SHARE = 7, 40  # the allocation's and the moderation sample's seed; the share moderated (%)
FILLED = 6  # forms that come back
#: Each one's overall grade (the values of the shared scale; a form whose scale has not that grade: Good).
GRADES = ("outstanding", "good", "requires_improvement", "inadequate", "good", "ri_good_practice")
INCOMPLETE = 4  # the one that comes back with answers left out
SAVED_AT = dt.datetime(2026, 11, 27, 16)  # when the auditors saved them


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour))


def command(folder: Path, *args) -> str:
    """`auditdocs …` run in the workspace at `folder`: what it printed (exit 0 or 1: done, with something to say)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        done = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert done.exit_code in (0, 1), done.output
    return done.output


def standings(folder: Path, today: dt.date) -> dict[str, tuple]:
    """Where each audit of the register stands on `today`: its state, grade, when it came back and was finalised,
    and its current record's answers and status."""
    from auditdocs.status.run import standings as worked_out

    found = worked_out(find_workspace(folder), today=today)
    records = {a.audit_id: (a.current.status, a.current.record.answers) if a.current else None for a in found.audits}
    return {aid: (s.state, s.grade.value if s.grade else None, s.overdue, s.returned_on, s.finalised, records[aid])
            for aid, s in found.standings.items()}


def tracker_cells(folder: Path, tracker: Path | None = None) -> dict[str, list[list]]:
    """The tracker's cell values as `test_web_tracker.cells` gives them, without the returned files' checks (their
    content hashes: each workspace's forms were made, so filled, apart, and hold the time they were made)."""
    found = cells(tracker or find_workspace(folder).tracker, folder)
    for rows in found.values():
        checks = [n for n, heading in enumerate(rows[0] if rows else []) if heading == "File check"]
        for row in rows[1:]:
            for n in checks:
                row[n] = "(check)" if row[n] else row[n]
    return found


def events(folder: Path) -> list[tuple]:
    """The register's events (not when they were recorded): (audit, kind, day, who)."""
    with find_workspace(folder).open_register() as reg:
        return sorted((a.audit_id, e.kind, e.on, e.who) for a in reg.audits() for e in a.events)


def fill_alike(web: Path, by_cli: Path, given: Path) -> dict[str, list]:
    """The auditors fill in FILLED of the month's forms, the same answers in both workspaces' forms (the demo's
    invented answers), and send them back: the files, in a folder of `given` for each workspace ("web", "cli"),
    and the overall grades given ("grades")."""
    from auditdocs.allocate.allocation_list import read_allocations

    library = find_workspace(web).library()
    allocations = {a.audit_id: a for a in read_allocations(web / LIST, library, month=MONTH).allocations}
    month_forms = web / "forms" / f"{MONTH:%Y-%m}"
    forms = sorted(p.relative_to(month_forms) for p in month_forms.rglob("*.docx"))
    chosen = forms[::max(1, len(forms) // FILLED)][:FILLED]  # across the auditors
    rng = random.Random(2026)
    out: dict[str, list] = {"web": [], "cli": [], "grades": []}
    for n, relative in enumerate(chosen):
        allocation = next(a for aid, a in allocations.items() if aid in relative.name)
        spec = library.get(allocation.form_id)
        grade = GRADES[n] if spec.field(spec.roles["overall_grade"]).scale.option(GRADES[n]) else "good"
        answers, tables = invent_answers(spec, allocation, rng, grade, incomplete=n == INCOMPLETE)
        out["grades"].append(grade)
        for name, folder in (("web", web), ("cli", by_cli)):
            blank = folder / "forms" / f"{MONTH:%Y-%m}" / relative
            target = given / name / relative.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(saved_on(fill_docx(blank.read_bytes(), answers, tables), SAVED_AT))
            out[name].append(target)
    return out


def moderated_alike(web: Path, by_cli: Path, copies, given: Path) -> dict[str, list[Path]]:
    """The moderators fill in their copies (the demo's way: the grade after moderation the auditor's, one better,
    the same, one worse, in turn), alike in both workspaces: the files, in a folder of `given` for each."""
    ws = find_workspace(web)
    library = ws.library()
    made = [r.plan for r in copies.results if r.status == "made"]
    with ws.open_register() as reg:  # the auditors' answers, which the moderators see on their copies
        records = {a.audit_id: a for a in reg.audits(ids=[plan.audit_id for plan in made])}
    rng = random.Random(MONTH.year * 100 + MONTH.month)
    out: dict[str, list[Path]] = {"web": [], "cli": []}
    for n, plan in enumerate(made):
        audit = records[plan.audit_id]
        answers = moderator_answers(library.get(audit.form_id, audit.form_version), audit.current.record,
                                    MODERATOR_MOVES[n % len(MODERATOR_MOVES)], rng)
        for name, folder in (("web", web), ("cli", by_cli)):
            copy = folder / "moderation" / f"{MONTH:%Y-%m}" / plan.target
            target = given / name / copy.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(saved_on(fill_docx(copy.read_bytes(), answers), at(MODERATED_ON, 15)))
            out[name].append(target)
    return out


def given_to_the_page(page, served, web: Path, by_cli: Path, files: dict[str, list[Path]]) -> list[Path]:
    """The files given on the returns page (kept in the returned folder, read); the command line's alike put in
    its returned folder under the names the page kept them by: those, in the order given."""
    before = set((web / "returned").rglob("*"))
    page.goto(served.address("/returns/"))
    page.set_input_files("#files", files["web"])
    page.get_by_role("button", name="Keep and read these forms").click()
    wait_for_result(page)
    kept = {p.read_bytes(): p for p in set((web / "returned").rglob("*")) - before if p.is_file()}
    assert len(kept) == len(files["web"])
    out = []
    for ours, theirs in zip(files["web"], files["cli"]):
        target = by_cli / kept[ours.read_bytes()].relative_to(web)
        shutil.copy(theirs, target)
        out.append(target)
    return out


def same_reading(page, by_cli: Path, kept: list[Path]) -> dict[str, str]:
    """The page's reading of the files given is `auditdocs parse`'s of `kept`: file name -> status."""
    from_cli, on_page = cli_statuses(command(by_cli, "parse", *kept)), page_rows(page)
    assert set(on_page) == set(from_cli) == {path.name for path in kept}
    statuses = {name: status for name, (status, _) in from_cli.items()}
    assert {name: status for name, (status, _) in on_page.items()} == statuses
    for name, (status, said) in from_cli.items():
        if status == "incomplete":  # every reason the command gives (before its "… and N more")
            shown = said.split(" to fix: ", 1)[1].split(" … and ")[0].split("; ")
            assert all(reason in on_page[name][1] for reason in shown), name
    return statuses


def tracker_updated(page, served, web: Path, by_cli: Path, on: dt.date) -> None:
    """The tracker updated on the page (consolidate, in the background) and downloaded, as `consolidate` updates
    it on the same day in the other workspace (its use case: the command takes the time from the clock): what it
    says, the tracker's cells, where each audit stands, the register's events."""
    from auditdocs.consolidate.run import consolidate_returns

    ws = find_workspace(by_cli)
    page.goto(served.address("/tracker/"))
    page.get_by_role("button", name="Update the tracker").click()
    page.wait_for_selector("ul.summary", timeout=180_000)
    updated = page.locator("ul.summary li").all_inner_texts()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the tracker").click()
    summary = consolidate_returns(ws, now=at(on))
    assert [same_place(line, web) for line in updated] == [same_place(line, by_cli) for line in summary.lines()]
    tracker = find_workspace(web).tracker
    assert Path(download.value.path()).read_bytes() == tracker.read_bytes()
    assert tracker_cells(web, tracker) == tracker_cells(by_cli)
    assert standings(web, on) == standings(by_cli, on)
    assert events(web) == events(by_cli)


@pytest.fixture
def two(tmp_path):
    """A fresh workspace for the pages and one for the command line (the sample lists copied into the latter), and
    a folder of the lists to give the pages."""
    given = tmp_path / "given"
    given.mkdir()
    for name in LISTS:
        shutil.copy(SAMPLES / name, given / name)
    web, by_cli = tmp_path / "web", tmp_path / "cli"
    for folder in (web, by_cli):
        init_workspace(folder)
    for name in LISTS:
        shutil.copy(SAMPLES / name, by_cli / name)
    return web, by_cli, given


def test_the_whole_month_through_the_pages_is_the_command_lines(two, browser, tmp_path):
    from auditdocs.allocate.run import allocate_month
    from auditdocs.generate.run import make_forms
    from auditdocs.moderation.moderators import read_moderators
    from auditdocs.moderation.run import make_moderator_copies, select_sample
    from auditdocs.report.figures import shown
    from auditdocs.report.run import make_report

    web, by_cli, given = two
    ws = find_workspace(by_cli)
    with serving(web, today=ALLOCATED_ON) as served:
        page = signed_in(browser, served)

        # 1. Allocate: the lists given, the allocation list downloaded. (`allocate` takes today from the clock,
        # with no option for it: its use case, on the day the page sees.)
        page.goto(served.address("/allocate/"))
        allocate_on_the_page(page, seed=str(SEED), cases=given / CASES, auditors=given / AUDITORS)
        assert "audits are recorded in the register" in page.locator("[role=status]").inner_text()
        with page.expect_download() as download:
            page.click("text=Download the allocation list")
        assert download.value.suggested_filename == LIST
        allocated = allocate_month(ws, month=MONTH, cases=by_cli / CASES, auditors=by_cli / AUDITORS,
                                   out=by_cli / LIST, seed=SEED, today=ALLOCATED_ON)
        assert allocated.out is not None
        assert Path(download.value.path()).read_bytes() == (web / LIST).read_bytes()
        assert sheets(web / LIST) == sheets(by_cli / LIST)
        assert audits(web) == audits(by_cli)
        assert page.locator("table.why tbody tr").count() >= len(allocated.plan.rows) > 40
        assert events(web) == events(by_cli)

        # 2. Forms: made in the background, one auditor's zip downloaded. (`generate` takes the time of making
        # from the clock: its use case, at the time the page sees; the e-mail drafts as --eml --auditors.)
        served.site.fixed_today = MADE_AT.date()
        page.goto(served.address("/forms/"))
        made_on_the_page(page)
        forms = make_forms(ws, data=by_cli / LIST, month=MONTH, auditors=by_cli / AUDITORS, today=MADE_AT.date(),
                           now=MADE_AT)
        said = page.locator("pre.lines").last.inner_text().replace(str(web.resolve()), "WS")
        for line in forms.lines() + forms.drafts_lines():
            assert line.replace(str(by_cli.resolve()), "WS") in said
        same_forms_made(web, by_cli)
        zip_is_the_auditors_forms(page, web, sorted(forms_of(web))[1], f"{MONTH:%Y-%m}")

        # 3. The auditors fill in a handful of forms, alike in both workspaces, and send them back.
        filled = fill_alike(web, by_cli, tmp_path / "filled")

        # 4. Returns: the files given to the page, read as `parse` reads them; recorded as sent back.
        served.site.fixed_today = RETURNS_ON
        kept = given_to_the_page(page, served, web, by_cli, filled)
        assert sorted(p.relative_to(web / "returned").as_posix() for p in (web / "returned").rglob("*.docx")) == \
               sorted(p.name for p in filled["web"])
        statuses = same_reading(page, by_cli, kept)
        assert sorted(statuses.values()) == ["complete"] * (FILLED - 1) + ["incomplete"]
        letters = page.locator("#letters-text").input_value()
        page.get_by_role("button", name="Record as sent back today").click()
        page.wait_for_selector("#sent")
        sent = command(by_cli, "parse", *kept, "--returns", "--sent", "--sent-on", f"{RETURNS_ON:%d/%m/%Y}")
        assert letters.strip() and letters in sent
        assert page.locator("#sent").inner_text() in sent
        assert sent_back_events(web) == sent_back_events(by_cli) and sum(sent_back_events(web).values()) == 1

        # 5. Update the tracker.
        tracker_updated(page, served, web, by_cli, RETURNS_ON)
        states = standings(web, RETURNS_ON)
        graded = [grade for n, grade in enumerate(filled["grades"]) if n != INCOMPLETE]
        assert sorted(s[1] for s in states.values() if s[1]) == sorted(graded)
        assert "inadequate" in graded and len(set(graded)) >= 3

        # 6. Moderation: the moderators list given, the sample chosen with a seed and a share. (`moderation
        # select` takes the day chosen from the clock: its use case, on the page's day.)
        served.site.fixed_today = SELECTED_ON
        page.goto(served.address("/moderation/"))
        page.set_input_files("#list-file", [given / MODERATORS])
        page.fill("#select-month", f"{MONTH:%Y-%m}")
        page.fill("#seed", str(SEED))
        page.fill("#share", str(SHARE))
        click_through(page, page.get_by_role("button", name="Choose the sample"))
        assert page.locator("h1").inner_text() == f"Moderation sample for {MONTH:%B %Y}"
        selected = select_sample(ws, month=MONTH, people=read_moderators(by_cli / MODERATORS), share=SHARE, seed=SEED,
                                 today=SELECTED_ON, now=at(SELECTED_ON)).sample
        rows = captioned_rows(page, "The sample")
        assert [row[0] for row in rows] == [c.candidate.audit_id for c in selected.chosen] and rows
        for row, chosen in zip(rows, selected.chosen):
            assert chosen.moderator is not None and chosen.moderator.name in row[5]
        assert f"Seed {SEED}" in page.locator("[role=status]").first.inner_text()
        assert events(web) == events(by_cli)
        # the moderators' copies, one moderator's as a zip (`moderation forms`: its use case, at the page's time)
        page.goto(served.address("/moderation/"))
        page.get_by_role("button", name="Make the copies").click()
        page.wait_for_selector("main div.done, main div.problem", timeout=120_000)
        copies = make_moderator_copies(ws, month=MONTH, out=by_cli / "moderation" / f"{MONTH:%Y-%m}",
                                       now=at(SELECTED_ON))
        assert page.locator("main div.done").inner_text().startswith(f"{copies.made} copies made in ")
        made = {folder: sorted(p.relative_to(folder / "moderation" / f"{MONTH:%Y-%m}").as_posix()
                               for p in (folder / "moderation").rglob("*") if p.is_file()) for folder in (web, by_cli)}
        assert made[web] == made[by_cli] and len(made[web]) == len(rows) == copies.made
        with page.expect_download() as download:
            page.locator("a", has_text="copies (zip)").first.click()
        with zipfile.ZipFile(download.value.path()) as zipped:
            assert zipped.namelist() and set(zipped.namelist()) <= set(made[web])
            for name in zipped.namelist():
                assert zipped.read(name) == (web / "moderation" / f"{MONTH:%Y-%m}" / name).read_bytes()
        assert events(web) == events(by_cli)
        # the moderators' forms come back, are read, and update the tracker; how far the grades agree
        served.site.fixed_today = MODERATED_ON
        moderated = moderated_alike(web, by_cli, copies, tmp_path / "moderated")
        kept = given_to_the_page(page, served, web, by_cli, moderated)
        assert set(same_reading(page, by_cli, kept).values()) == {"complete"}
        served.site.fixed_today = REPORT_ON
        tracker_updated(page, served, web, by_cli, REPORT_ON)
        page.goto(served.address("/moderation/"))
        page.fill("#agreement-month", f"{MONTH:%Y-%m}")
        page.get_by_role("button", name="Show the agreement figures").click()  # worked out in the background
        page.wait_for_selector("main div.done, main div.problem", timeout=120_000)
        said = command(by_cli, "moderation", "agreement", "--month", f"{MONTH:%Y-%m}")
        counts = dict(captioned_rows(page, "Audits moderated"))
        assert counts["Moderated"] == str(copies.made)
        assert (f"November 2026: {counts['Moderated']} audits moderated ({counts['Chosen for moderation']} chosen for "
                f"moderation, {counts['Disputed']} disputed).") in said

        # 7. The report for the month, without the PDF; the Excel dashboard downloaded. (`report` takes today from
        # the clock: its use case, on the page's day.)
        served.site.fixed_today = REPORT_ON
        page.goto(served.address("/report/"))
        assert page.locator("#month").input_value() == f"{MONTH:%Y-%m}"
        page.uncheck("#pdf")
        page.get_by_role("button", name="Make the report").click()
        page.wait_for_selector("main div.done, main div.problem", timeout=300_000)
        report = make_report(ws, month=f"{MONTH:%Y-%m}", out=by_cli / "output" / "reports", today=REPORT_ON,
                             now=at(REPORT_ON))
        f = report.figures
        assert page.locator("main div.done").inner_text().startswith(f"Audit report for November 2026: {f.audits} audits")
        headlines = page.locator("table.headlines tbody tr")
        assert [[c.strip() for c in headlines.nth(n).locator("th, td").all_inner_texts()]
                for n in range(headlines.count())] == \
               [[h.label, shown(h.value, h.unit), shown(h.previous, h.unit), h.change] for h in f.headlines]
        with page.expect_download() as download:
            page.get_by_role("link", name="Download the Excel dashboard").click()
        assert download.value.suggested_filename == report.dashboard.name
        dashboard = tmp_path / "downloaded" / report.dashboard.name
        download.value.save_as(dashboard)
        assert cell_values(dashboard) == cell_values(report.dashboard)
        assert not (web / "output" / "reports" / "Audit report 2026-11.pdf").exists()

        # 8. The month page at the end: the counts `auditdocs status --on` gives.
        status = command(by_cli, "status", "--on", f"{REPORT_ON:%d/%m/%Y}")
        counted = {}
        for line in status.splitlines()[2:]:
            if not line.strip():
                break
            n, label = line.strip().split("  ", 1)
            counted[label.strip()] = int(n)
        deadline = time.monotonic() + 60
        while True:  # the month page shows the register as it is once worked out again
            page.goto(served.address("/"))
            month_ready(page)
            if not page.locator(".stale").count() or time.monotonic() > deadline:
                break
            page.wait_for_timeout(500)
        assert page.locator(".stale").count() == 0
        assert {row[0]: int(row[1]) for row in month_rows(page, "table.counts:not(.by)")} == counted
        assert sum(counted.values()) == len(allocated.plan.rows)
        overdue = [line.split()[0] for line in section(status, "Overdue")]
        assert [row[0] for row in month_rows(page, "#overdue")] == overdue and overdue
        check_accessible(page)  # the month page of a fresh month part done (its own tests look at the demo's)
