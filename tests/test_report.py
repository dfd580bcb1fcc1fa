"""The audit report: figures worked out from a real register filled through real forms, then the
Word report, the dashboard and --json checked against what the forms said.

The month (November 2025) and what happened in it, as the scenario below makes it:

| audit | team | auditor | what happened | grade |
|---|---|---|---|---|
| C1001 | Team North | Ann | back 20/11 | Good; KSS 1 partially met, 1.1 Partially; actions: one overdue, one done |
| C1002 | Team North | Ann | back 3/12 (late) | Requires Improvement, moderated to Good; 1.1 No, 9.1 No, KSS 1 not met; one open action |
| C1003 | Team South | Bob | back 25/11, meeting held 28/11 | Inadequate; 1.1 No, 9.1 Partially; one overdue action; re-audit allocated in December |
| C1004 | Team South | Bob | not returned | |
| C1005 | Team South | Bob | exempted by the Assistant Director | |
| C1006 | Team North | Ann | cancelled | |
| C1007 | Team North | Ann | back 30/11 | Outstanding, moderated to Good |
| C1008 | Front Door | Cat | back 10/11 (the Front Door form, 4-level grades) | Good |

October 2025: C2001 (Team North) Inadequate, no meeting yet; C2002 (Team South) Good.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from docx.oxml.ns import qn
from helpers import (
    SPECS,
    broken,
    cut_pictures,
    docx_schema_errors,
    filled_shapes,
    heading_words,
    libreoffice_convert,
    needs_soffice,
    page_text,
    pdf_chunks,
    pdfinfo_says,
    xlsx_schema_errors,
    xmp_properties,
)
from lxml import etree
from PIL import Image
from pypdf import PdfReader
from report_register import Action, Register

from auditdocs.cli import cli
from auditdocs.errors import UserError
from auditdocs.register import open_register
from auditdocs.report import charts as ch
from auditdocs.report.figures import change_sentences, grade_bands, report_figures
from auditdocs.report.period import month_period, quarter_period, range_period
from auditdocs.report.settings import ReportSettings
from auditdocs.status.plan import is_control_sample
from auditdocs.tagged_pdf import structure

NOV = month_period("2025-11")
TODAY = dt.date(2025, 12, 15)
OVERDUE, LATER = "2020-01-10", "2099-12-31"  # overdue on any day a test runs; open on any day


class Scenario:
    """The register of the module docstring, with the audits by case number."""

    def __init__(self, folder: Path, library):
        r = self.register = Register(folder, library)
        self.audits = {}

        def add(case, **kw):
            self.audits[case] = r.audit(case, **kw)
            return self.audits[case]

        add("C1001", grade="Good", back=dt.date(2025, 11, 20),
            answers={"kss1_met": "Partially met", "kss1_seen_alone": "Partially"},
            actions=[Action("Update the chronology", OVERDUE), Action("Visit at home", LATER, "Done", TODAY)])
        add("C1002", grade="Requires Improvement", moderated="Good", back=dt.date(2025, 12, 3),
            answers={"kss1_seen_alone": "No", "kss9_regular": "No", "kss1_met": "Not met"},
            actions=[Action("Record supervision", LATER)])
        add("C1003", grade="Inadequate", team="Team South", auditor="Bob Checkwell", back=dt.date(2025, 11, 25),
            answers={"kss1_seen_alone": "No", "kss9_regular": "Partially"}, actions=[Action("Safety plan", "2020-02-01")])
        add("C1004", team="Team South", auditor="Bob Checkwell")
        add("C1005", team="Team South", auditor="Bob Checkwell")
        add("C1006")
        add("C1007", grade="Outstanding", moderated="Good", back=dt.date(2025, 11, 30), audit_type="CP")
        add("C1008", form="front_door_recording", grade="Good", team="Front Door", auditor="Cat Reviewer",
            back=dt.date(2025, 11, 10))  # the Front Door form has no audit type
        add("C2001", month="2025-10", grade="Inadequate", back=dt.date(2025, 10, 20),
            actions=[Action("Strategy meeting", "2020-03-01")])
        add("C2002", month="2025-10", grade="Good", team="Team South", back=dt.date(2025, 10, 21))
        self.re_audit = r.audit("C1003", month="2025-12", team="Team South", auditor="Dee Again",
                                re_audit_of=self.audits["C1003"].audit_id)
        a = self.audits
        r.happens("inadequate_meeting", a["C1003"], dt.date(2025, 11, 28), who="Group manager")
        r.happens("exempted", a["C1005"], dt.date(2025, 11, 5), agreed_by="Alex Director",
                  agreed_role="Assistant Director", reason="Long-term sick leave")
        r.happens("cancelled", a["C1006"], dt.date(2025, 11, 6), agreed_by="Alex Director", reason="Case closed")
        for case in ("C1001", "C1002"):
            r.happens("oversight_recorded", a[case], dt.date(2025, 12, 1))
        r.happens("moderated", a["C1002"], dt.date(2025, 12, 5), who="Head of Service")
        r.happens("moderated", a["C1007"], dt.date(2025, 12, 5), who="Head of Service")

    def figures(self, library, **kw):
        with open_register(self.register.path) as reg:
            audits = reg.audits()
        return report_figures(audits, NOV, library, TODAY, **kw)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory, library):
    return Scenario(tmp_path_factory.mktemp("report"), library)


@pytest.fixture(scope="module")
def figures(scenario, library):
    return scenario.figures(library)


def by_name(rows) -> dict:
    return {r.name: r for r in rows}


# ---- the figures -------------------------------------------------------------------------------


def test_completion_counts_each_audit_once_by_service_team_and_auditor(figures):
    c = figures.completion
    t = c.total
    assert (t.allocated, t.on_time, t.late, t.not_returned, t.exempted, t.cancelled) == (8, 4, 1, 1, 1, 1)
    teams = by_name(c.by_team)
    assert [r.name for r in c.by_team] == ["Front Door", "Team North", "Team South"]
    north, south = teams["Team North"], teams["Team South"]
    assert (north.allocated, north.on_time, north.late, north.cancelled) == (4, 2, 1, 1)
    assert (south.allocated, south.on_time, south.not_returned, south.exempted) == (3, 1, 1, 1)
    assert {r.name: r.allocated for r in c.by_auditor} == {"Ann Auditorson": 4, "Bob Checkwell": 3, "Cat Reviewer": 1}
    assert [(r.name, r.allocated) for r in c.by_service] == [("Children's Social Care", 8)]


def test_an_exemption_nobody_entitled_agreed_counts_as_not_returned(tmp_path, library):
    r = Register(tmp_path, library)
    a = r.audit("C3001")
    r.happens("exempted", a, dt.date(2025, 11, 5), agreed_by="Pat Manager", agreed_role="Team manager")
    with open_register(r.path) as reg:
        c = report_figures(reg.audits(), NOV, library, TODAY).completion.total
    assert (c.exempted, c.not_returned) == (0, 1)


def test_grades_are_after_moderation_best_to_worst_in_the_scales_colours(figures, library):
    g = figures.grades
    scale = library.get("csc_case_file_audit").scales["overall_grade"]
    assert [(b.value, b.label, b.colour) for b in g.bands] == [(o.value, o.label, o.colour) for o in scale.options]
    assert [b.colour for b in g.bands] == ["#2E7D32", "#9BBB59", "#FFD966", "#FFC000", "#C00000"]
    assert g.this_period.counts == {"outstanding": 0, "good": 4, "ri_good_practice": 0, "requires_improvement": 0,
                                    "inadequate": 1}
    assert g.previous_period.counts["inadequate"] == 1 and g.previous_period.total == 2
    assert (g.changes.moderated, g.changes.up, g.changes.down) == (2, 1, 1)
    assert {r.name: r.counts["good"] for r in g.by_form} == {
        "Case File Audit Tool — Children's Social Care": 3,
        "Restorative Learning Audit — Front Door: Recording, chronologies, management oversight": 1}
    assert {r.name: r.total for r in g.by_audit_type} == {"CIN": 3, "CP": 1, "(not given)": 1}
    assert by_name(g.by_team)["Team South"].counts["inadequate"] == 1


def test_the_four_level_scale_shares_the_five_level_order(library):
    four = library.get("front_door_recording")
    assert [b.value for b in grade_bands([four])] == ["outstanding", "good", "requires_improvement", "inadequate"]
    both = grade_bands([four, library.get("csc_case_file_audit")])
    assert [b.value for b in both] == ["outstanding", "good", "ri_good_practice", "requires_improvement", "inadequate"]


def test_the_trend_has_a_row_per_month_for_twelve_months(figures):
    trend = figures.grades.trend
    assert [r.name for r in trend][0] == "Dec 2024" and trend[-1].name == "Nov 2025" and len(trend) == 12
    assert (trend[-2].name, trend[-2].total, trend[-1].total) == ("Oct 2025", 2, 5)


def test_domains_share_and_the_questions_most_often_answered_no_or_partially(figures):
    d = figures.domains
    kss1 = next(r for r in d.rows if r.title.startswith("Knowledge and Skills Statement 1:"))
    assert kss1.counts == {"met": 2, "partially_met": 1, "not_met": 1} and kss1.total == 4
    titles = [r.title for r in d.rows if r.scale == "kss"]
    assert len(titles) == 10 and titles[1].startswith("Knowledge and Skills Statement 2:")
    assert titles[-1].startswith("Knowledge and Skills Statement 10:")  # in number order, not as text
    assert {r.title for r in d.rows if r.scale == "grade"} >= {"Management Oversight and Supervision"}
    top = [(q.ref, q.no, q.partially, q.answered) for q in d.questions]
    assert top == [("1.1", 2, 1, 4), ("9.1", 1, 1, 4)]
    assert d.questions[0].form == "Case File Audit Tool — Children's Social Care"
    assert [b.label for b in d.concern_bands] == ["No", "Partially"]


def test_inadequate_cases_and_where_each_stands_in_its_follow_up(figures):
    i = figures.inadequate
    assert (i.this_period, i.previous_period) == (1, 1)
    assert [c.case for c in i.cases] == ["C1003", "C2001"]
    this, earlier = i.cases
    assert this.meeting == "Held 28/11/2025"
    assert this.review_meeting == "Due by 23/12/2025"  # 4 weeks after 25/11
    assert this.re_audit == "Allocated, due by 26/01/2026"  # 2 months after 25/11: Sunday 25/01, so the Monday
    assert earlier.meeting == "To hold as soon as possible" and earlier.month == "2025-10"
    assert earlier.re_audit.startswith("Overdue") is False and "To allocate" in earlier.re_audit


def test_anonymous_figures_have_no_case_numbers_auditors_or_ids(scenario, library):
    f = scenario.figures(library, anonymous=True)
    assert [c.case for c in f.inadequate.cases] == ["Case 1", "Case 2"]
    assert [r.name for r in f.completion.by_auditor] == ["Auditor 1", "Auditor 2", "Auditor 3"]
    assert all(o.action == "" for o in f.actions.oldest_overdue)
    assert {r.audit for r in f.audit_rows} == {f"Audit {n}" for n in range(1, 9)}
    text = json.dumps([r.__dict__ for r in f.judgement_rows], default=str)
    assert "AUD-" not in text


def test_actions_by_team_oldest_overdue_and_audits_in_drafts(figures, scenario):
    a = figures.actions
    assert (a.total.raised, a.total.open, a.total.overdue, a.total.done) == (4, 1, 2, 1)
    north = by_name(a.by_team)["Team North"]
    assert (north.raised, north.open, north.overdue, north.done) == (3, 1, 1, 1)
    assert [(o.required_by, o.team) for o in a.oldest_overdue] == [  # the last from October's C2001
        (dt.date(2020, 1, 10), "Team North"), (dt.date(2020, 2, 1), "Team South"), (dt.date(2020, 3, 1), "Team North")]
    assert a.oldest_overdue[0].action == f"{scenario.audits['C1001'].audit_id}-A1"
    assert a.oldest_overdue[0].days_overdue == (TODAY - dt.date(2020, 1, 10)).days
    assert a.in_drafts == 3  # C1001, C1002 and C1003 have open actions (C1003 also waits for oversight)


def test_headlines_compare_with_the_period_before(figures):
    h = {x.label: x for x in figures.headlines}
    assert (h["Audits allocated"].value, h["Audits allocated"].previous) == (8, 2)
    assert h["Returned on time (% of audits due)"].value == 66.7  # 4 of the 6 due (not exempted or cancelled)
    good = h["Graded Good or better (% of graded)"]
    assert (good.value, good.previous, good.change) == (80.0, 50.0, "up 30 points")
    assert h["Graded Inadequate"].change == "no change"


def test_the_moderation_section_takes_agreement_figures_from_its_hook(scenario, library):
    from auditdocs.report.figures import AgreementRow

    def agreement(audits, lib):
        assert {a.case_number for a in audits} >= {"C1002", "C1007"}
        return [AgreementRow("Moderators agreed with the auditor's grade", "0 of 2")]

    f = scenario.figures(library, agreement=agreement)
    assert f.moderation.agreement[0].value == "0 of 2"
    assert (f.moderation.moderated, f.moderation.changes.up) == (2, 1)


def test_the_moderation_section_shows_how_far_moderators_kept_the_auditors_grade(scenario, library):
    rows = {r.label: r.value for r in scenario.figures(library).moderation.agreement}
    assert rows["Audits moderated with both grades"] == 2  # C1002 and C1007, both regraded
    assert (rows["The same grade after moderation"], rows["Within one grade"]) == (0.0, 50.0)
    # both were moderated to Good: one grade used, so kappa cannot say anything (not "0.00: slight agreement")
    assert rows["Linear-weighted kappa"] == "cannot be worked out (see below)"
    assert rows["What that can say"].startswith("Only one grade was used (After moderation: Good), so kappa cannot "
                                                "be worked out")


def test_better_or_worse_compares_shares_and_counts_only_the_audits_that_were_due(scenario, library):
    nov = scenario.figures(library)
    sentences = change_sentences(nov)
    # one Inadequate of 5 graded in November, one of 2 in October: the same count, a smaller share
    assert ("Graded Inadequate: 1 of 5 graded (20%), the same number from 1 of 2 graded (50%): a smaller share "
            "(better).") in sentences
    assert "Not returned by their due date: 1 of 6 due (16.7%), up 1 from 0 of 2 due (0%): a larger share (worse)." in sentences
    with open_register(scenario.register.path) as reg:
        audits = reg.audits()
    dec = report_figures(audits, month_period("2025-12"), library, TODAY)  # the re-audit, due on 31 December
    h = {x.label: x for x in dec.headlines}
    late = h["Not returned by their due date"]
    assert (late.value, late.base, late.verdict) == (0, 0, "")
    assert h["Returned on time (% of audits due)"].value is None
    sentences = change_sentences(dec)
    assert "Not returned by their due date: 0 (none due), down 1 from 1 of 6 due (16.7%)." in sentences
    assert not [s for s in sentences if "(worse)" in s]


def test_evidence_quotes_replace_names_by_roles(scenario, library):
    f = scenario.figures(library, with_evidence=True)
    assert f.evidence and {q.grade for q in f.evidence} == {"Good", "Inadequate"}
    names = scenario.register.subject_values()
    for q in f.evidence:
        assert "[child]" in q.text and "[social worker]" in q.text
        assert not [n for n in names if n in q.text], q.text


# ---- periods and settings ---------------------------------------------------------------------


def test_quarters_are_those_of_the_financial_year():
    q3 = quarter_period("2026-Q3")
    assert (q3.first, q3.last, q3.key) == (dt.date(2026, 10, 1), dt.date(2026, 12, 1), "2026-Q3")
    assert q3.label == "Q3 2026-27 (October to December 2026)"
    q4 = quarter_period("2026-q4")
    assert (q4.first, q4.last) == (dt.date(2027, 1, 1), dt.date(2027, 3, 1))
    assert quarter_period("2026-Q1").previous().key == "2025-Q4"
    assert quarter_period("2026-Q1", year_start=1).first == dt.date(2026, 1, 1)
    with pytest.raises(UserError, match="2026-Q3"):
        quarter_period("Q3")


def test_a_run_of_months_and_its_previous_period():
    year = range_period("2026-04", "2027-03")
    assert (year.length, year.key, year.label) == (12, "2026-04 to 2027-03", "April 2026 to March 2027")
    assert (year.previous().first, year.previous().last) == (dt.date(2025, 4, 1), dt.date(2026, 3, 1))
    with pytest.raises(UserError, match="before"):
        range_period("2027-03", "2026-04")
    assert month_period("2026-01").previous().label == "December 2025"


def test_report_settings_from_a_toml_section():
    where = "auditdocs.toml, [report] table"
    settings, warnings = ReportSettings.from_mapping(
        {"council": "Fictionshire County Council", "year_start": 1, "colour": "red"}, where)
    assert settings.council == ReportSettings.council and settings.year_start == 4  # both from [council]
    assert warnings == [f"{where}: 'council' is ignored here: it is set once for every table, in the [council] "
                        "table (name = …).",
                        f"{where}: 'year_start' is ignored here: it is set once for every table, in the [council] "
                        "table (year_start = …).",
                        f"{where}: this version of auditdocs does not know 'colour'; it is ignored (known there: "
                        "top_questions, trend_months, evidence_fields, evidence_per_grade)."]
    with pytest.raises(UserError, match=r"auditdocs.toml, \[report\] table: 'trend_months' should be a whole number"):
        ReportSettings.from_mapping({"trend_months": 40}, where)
    with pytest.raises(UserError, match="'evidence_fields' should be a list"):
        ReportSettings.from_mapping({"evidence_fields": "working_well"}, where)


# ---- charts ---------------------------------------------------------------------------------------


def _pixels(png: bytes) -> set[tuple[int, int, int]]:
    return {colour for _, colour in Image.open(io.BytesIO(png)).convert("RGB").getcolors(1 << 24)}


def test_every_chart_has_a_title_alt_text_and_the_grade_colours(figures):
    charts = ch.report_charts(figures)
    assert {"completion", "grades", "trend", "grades-team", "grades-type", "grades-form", "domains-kss",
            "domains-grade", "questions", "actions"} == set(charts)
    for chart in charts.values():
        assert chart.png.startswith(b"\x89PNG") and chart.title and len(chart.alt) > 40
    assert "Good 4" in charts["grades"].alt and "Inadequate 1" in charts["grades"].alt
    assert "question 1.1" in charts["questions"].alt
    colours = _pixels(charts["trend"].png)
    for hex_colour in ("#9BBB59", "#C00000"):  # the grades the trend shows
        assert tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)) in colours


# ---- the command, through real files ------------------------------------------------------------------


@pytest.fixture(scope="module")
def made(scenario, tmp_path_factory):
    """`auditdocs report` run on the scenario's register."""
    out = tmp_path_factory.mktemp("made")
    result = CliRunner().invoke(cli, ["--specs", str(SPECS), "report", "--register", str(scenario.register.path),
                                      "--month", "2025-11", "--out", str(out), "--json", str(out / "figures.json")])
    assert result.exit_code == 0, result.output
    return out, result.output


def word_tables(path: Path) -> dict[tuple[str, str], list[list[list[str]]]]:
    """The report's tables by the (Heading 1, Heading 2) they are under, as the text of their cells."""
    document = docx.Document(str(path))
    h1 = h2 = ""
    found: dict[tuple[str, str], list] = {}
    for block in document.element.body.iterchildren():
        tag = etree.QName(block).localname
        if tag == "p":
            style = block.find(".//{*}pStyle")
            name = style.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}val") if style is not None else ""
            text = "".join(t.text or "" for t in block.iter("{*}t"))
            if name == "Heading1":
                h1, h2 = text, ""
            elif name == "Heading2":
                h2 = text
        elif tag == "tbl":
            rows = [["".join(t.text or "" for t in tc.iter("{*}t")) for tc in tr.iter("{*}tc")]
                    for tr in block.iter("{*}tr")]
            found.setdefault((h1, h2), []).append(rows)
    return found


def test_the_word_report_tables_show_the_known_figures(made):
    out, output = made
    assert "Audit report for November 2025: 8 audits" in output
    tables = word_tables(out / "Audit report 2025-11.docx")
    team = {r[0]: r[1:] for r in tables[("Completion", "By team")][0]}
    assert team["Team North"] == ["4", "2", "1", "0", "0", "1"]
    assert team["Team South"] == ["3", "1", "0", "1", "1", "0"]
    assert team["All audits"] == ["8", "4", "1", "1", "1", "1"]
    grades = tables[("Grades", "")][0]
    assert grades[0] == ["Period", "Outstanding", "Good", "Requires Improvement with elements of good practice",
                         "Requires Improvement", "Inadequate", "Audits"]
    assert grades[1] == ["November 2025", "0", "4", "0", "0", "1", "5"]
    assert grades[2] == ["October 2025", "0", "1", "0", "0", "1", "2"]
    summary = {r[0]: r[1:] for r in tables[("Summary", "")][0]}
    assert summary["Graded Good or better (% of graded)"] == ["80%", "50%", "up 30 points"]
    inadequate = tables[("Inadequate cases", "")][0]
    assert [r[0] for r in inadequate[1:]] == ["C1003", "C2001"] and inadequate[1][4] == "Held 28/11/2025"
    actions = {r[0]: r[1:] for r in tables[("Actions", "")][0]}
    assert actions["Team North"] == ["3", "1", "1", "1"] and actions["All teams"] == ["4", "1", "2", "1"]
    questions = tables[("Domains", "Questions most often answered No or Partially")][0]
    assert [r[1] for r in questions[1:]] == ["1.1", "9.1"] and questions[1][3:] == ["2", "1", "4"]


def test_the_word_report_is_a4_with_headings_contents_page_numbers_and_alt_text(made):
    out, _ = made
    data = (out / "Audit report 2025-11.docx").read_bytes()
    assert docx_schema_errors(data) == []
    package = zipfile.ZipFile(io.BytesIO(data))
    body = package.read("word/document.xml").decode()
    assert '<w:pgSz w:w="11906" w:h="16838"/>' in body
    assert 'TOC \\o "1-2"' in body and "PAGEREF _Toc0001" in body
    styles = package.read("word/styles.xml").decode()
    assert re.search(r'w:styleId="Heading1">.*?<w:outlineLvl w:val="0"/>', styles)
    assert " PAGE " in package.read("word/footer1.xml").decode()
    root = etree.fromstring(package.read("word/document.xml"))
    pictures = root.findall(".//{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr")
    assert len(pictures) >= 8 and all(len(p.get("descr")) > 40 for p in pictures)
    assert len([n for n in package.namelist() if n.startswith("word/media/")]) == len(pictures)
    core = package.read("docProps/core.xml").decode()
    assert "<dc:creator></dc:creator>" in core and "/" not in re.sub(r"<[^>]+>|https?://\S+", "", core)


def test_the_dashboard_has_the_same_figures_as_native_tables_and_charts(made):
    out, _ = made
    path = out / "Audit dashboard 2025-11.xlsx"
    data = path.read_bytes()
    assert xlsx_schema_errors(data) == []
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:8] == ["Summary", "Completion", "Grades", "Domains", "Inadequate", "Actions",
                                   "Moderation", "Data"]

    def table(sheet, name):
        ws = book[sheet]
        rows = [[c.value for c in row] for row in ws[ws.tables[name].ref]]
        return rows[0], rows[1:]

    head, rows = table("Completion", "CompletionByTeam")
    assert head[:7] == ["Team", "Allocated", "Returned on time", "Returned late", "Not returned", "Exempted",
                        "Cancelled"]
    assert {r[0]: r[1:7] for r in rows}["Team South"] == [3, 1, 0, 1, 1, 0]
    head, rows = table("Grades", "GradesThisPeriod")
    assert rows[0] == ["November 2025", 0, 4, 0, 0, 1, 5]
    head, rows = table("Data", "DataAudits")
    assert len(rows) == 8 and {r[head.index("Grade counted")] for r in rows} == {"Good", "Inadequate", None}
    head, rows = table("Data judgements", "DataJudgements")
    assert len(rows) == 4 * 10 + 3  # ten KSS judgements on each CSC audit, three on the Front Door one
    package = zipfile.ZipFile(io.BytesIO(data))
    charts = [n for n in package.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) >= 8
    grades = etree.fromstring(package.read(next(n for n in charts if b"Overall grades, November" in package.read(n))))
    fills = [ser.find("{*}spPr/{*}solidFill/{*}srgbClr").get("val") for ser in grades.iter("{*}ser")]
    assert fills == ["2E7D32", "9BBB59", "FFD966", "FFC000", "C00000"]
    assert grades.find(".//{*}dLbls/{*}showVal").get("val") == "1"


GOOD, INADEQUATE = (0.61, 0.73, 0.35), (0.75, 0.0, 0.0)  # 9BBB59 and C00000, as the PDF paints them


@needs_soffice
def test_the_dashboard_prints_in_libreoffice_as_in_excel(made, tmp_path, lo_profile):
    """The dashboard through LibreOffice: A4 landscape, each label on the page of its value, and bar charts
    drawn as bars of the right lengths (they were thin lines labelled 0), with no label on an empty bar."""
    out, _ = made
    path = out / "Audit dashboard 2025-11.xlsx"
    package = zipfile.ZipFile(path)
    for name in (n for n in package.namelist() if n.startswith("xl/charts/chart")):
        chart = etree.fromstring(package.read(name))
        for series in chart.iter("{*}ser"):  # what Excel writes, and LibreOffice draws from
            assert series.find("{*}cat/{*}strRef/{*}strCache/{*}ptCount") is not None, name
            assert series.find("{*}val/{*}numRef/{*}numCache/{*}ptCount") is not None, name
        assert chart.find(".//{*}barChart/{*}gapWidth").get("val") == "60"
        assert chart.find(".//{*}dLbls/{*}numFmt").get("sourceLinked") == "0"
    book = openpyxl.load_workbook(path)
    for ws in book.worksheets:
        assert (ws.page_setup.orientation, ws.page_setup.paperSize, ws.page_setup.fitToHeight) == ("landscape", 9, 0)

    [pdf] = libreoffice_convert([path], tmp_path, "pdf", lo_profile)
    reader = PdfReader(pdf)
    assert all(float(p.mediabox.width) > float(p.mediabox.height) for p in reader.pages), "landscape"
    pages = {}  # sheet (the footer's left) -> its pages
    for page in reader.pages:
        footer = sorted(c for c in pdf_chunks(page) if c[1] < 40)
        pages.setdefault(footer[0][2], []).append(page)
    assert len(reader.pages) <= 20 and set(book.sheetnames) == set(pages)
    assert len(pages["Summary"]) == 1
    summary = pdf_chunks(pages["Summary"][0])
    for label, value in (("Audits allocated", "8"), ("Graded Good or better (% of graded)", "80%")):
        [y] = [c[1] for c in summary if c[2] == label]
        assert [c for c in summary if c[2] == value and abs(c[1] - y) < 2], label  # on its row, on its page

    grades = pages["Grades"][0]
    text = " ".join(page_text(grades).split())
    assert "This period and the last" in text and "Overall grades, November 2025 and October 2025" in text
    bars = {colour: sorted((x1 - x0, y1 - y0) for c, x0, y0, x1, y1 in filled_shapes(grades) if c == colour)
            for colour in (GOOD, INADEQUATE)}
    # this period and the last: Good 4 and 1, Inadequate 1 and 1 (the first chart's bars, horizontal)
    good_width, thickness = bars[GOOD][-1]  # the widest: November's 4
    assert thickness > 10  # a bar, not a thin line
    inadequate = [width for width, height in bars[INADEQUATE] if height == pytest.approx(thickness, abs=0.1)]
    assert len(inadequate) == 2 and good_width == pytest.approx(4 * inadequate[0], rel=0.02)
    good = [width for width, height in bars[GOOD] if height == pytest.approx(thickness, abs=0.1)]
    assert good == pytest.approx([inadequate[0], good_width], rel=0.02)  # October's 1 and November's 4


def test_json_holds_the_figures_of_the_report(made, figures):
    out, _ = made
    data = json.loads((out / "figures.json").read_text(encoding="utf-8"))
    assert data["period"] == "2025-11" and data["audits"] == 8
    assert data["completion"]["total"] == {"name": "All audits", "allocated": 8, "on_time": 4, "late": 1,
                                           "not_returned": 1, "not_yet_due": data["completion"]["total"]["not_yet_due"],
                                           "exempted": 1, "cancelled": 1}
    assert data["grades"]["this_period"]["counts"] == figures.grades.this_period.counts
    assert [q["ref"] for q in data["domains"]["questions"]] == ["1.1", "9.1"]
    assert [c["case"] for c in data["inadequate"]["cases"]] == ["C1003", "C2001"]
    assert data["actions"]["total"]["raised"] == 4


def _texts(path: Path) -> dict[str, str]:
    """Every XML part of a package as text."""
    with zipfile.ZipFile(path) as package:
        return {n: package.read(n).decode("utf-8") for n in package.namelist() if not n.endswith((".png", ".jpeg"))}


def test_no_name_or_date_of_birth_in_the_report_or_the_dashboard(scenario, tmp_path):
    for extra in ([], ["--anonymous"]):
        out = tmp_path / ("anonymous" if extra else "named")
        result = CliRunner().invoke(cli, ["--specs", str(SPECS), "report", "--register", str(scenario.register.path),
                                          "--month", "2025-11", "--out", str(out), "--with-evidence", *extra])
        assert result.exit_code == 0, result.output
        names = scenario.register.subject_values()
        auditors = {"Ann Auditorson", "Bob Checkwell", "Cat Reviewer"}
        for path in (out / "Audit report 2025-11.docx", out / "Audit dashboard 2025-11.xlsx"):
            for part, text in _texts(path).items():
                assert not [n for n in names if n in text], (path.name, part)
                if extra:
                    assert not re.search(r"\bC[12]\d{3}\b|AUD-", text), (path.name, part)
                    assert not [a for a in auditors if a in text], (path.name, part)
        report = _texts(out / "Audit report 2025-11.docx")["word/document.xml"]
        assert "[child]" in report  # the evidence annex, names replaced
        if extra:
            continue
        # case numbers only in the Inadequate follow-up, auditors only in completion by auditor
        tables = word_tables(out / "Audit report 2025-11.docx")
        cases = {key for key, found in tables.items() if re.search(r"\bC[12]\d{3}\b", repr(found))}
        assert cases == {("Inadequate cases", "")} and report.count("C1003") == report.count("C2001") == 1
        named = {key for key, found in tables.items() if "Ann Auditorson" in repr(found)}
        assert named == {("Completion", "By auditor")} and report.count("Ann Auditorson") == 1
        book = openpyxl.load_workbook(out / "Audit dashboard 2025-11.xlsx")
        found = {(ws.title, kind) for ws in book for row in ws.iter_rows(values_only=True) for value in row
                 for kind, pattern in (("case", r"\bC[12]\d{3}\b"), ("auditor", "Auditorson|Checkwell|Reviewer"))
                 if isinstance(value, str) and re.search(pattern, value)}
        assert found == {("Inadequate", "case"), ("Completion", "auditor")}


def test_a_period_with_no_audits_or_two_periods_is_an_error(scenario):
    runner = CliRunner()
    base = ["--specs", str(SPECS), "report", "--register", str(scenario.register.path)]
    result = runner.invoke(cli, base + ["--month", "2024-01"])
    assert result.exit_code == 2 and "no audits allocated for January 2024" in result.output
    assert "October 2025 to December 2025" in result.output
    result = runner.invoke(cli, base + ["--month", "2025-11", "--quarter", "2025-Q3"])
    assert result.exit_code == 2 and "give one period" in result.output
    result = runner.invoke(cli, base + ["--from", "2025-04"])
    assert result.exit_code == 2 and "give both --from and --to" in result.output
    result = runner.invoke(cli, base + ["--quarter", "2025-3"])
    assert result.exit_code == 2 and "is not a quarter" in result.output


def test_a_quarter_report_counts_the_quarters_audits(scenario, tmp_path):
    result = CliRunner().invoke(cli, ["--specs", str(SPECS), "report", "--register", str(scenario.register.path),
                                      "--quarter", "2025-Q3", "--out", str(tmp_path), "--json", str(tmp_path / "q.json")])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "q.json").read_text(encoding="utf-8"))
    assert data["period_label"] == "Q3 2025-26 (October to December 2025)"
    assert data["audits"] == 11 and data["previous_label"].startswith("Q2 2025-26")
    assert (tmp_path / "Audit report 2025-Q3.docx").exists() and (tmp_path / "Audit dashboard 2025-Q3.xlsx").exists()


def test_without_libreoffice_the_pdf_is_not_made_and_says_so(scenario, tmp_path):
    result = CliRunner().invoke(cli, ["--specs", str(SPECS), "report", "--register", str(scenario.register.path),
                                      "--month", "2025-11", "--out", str(tmp_path), "--pdf"],
                                env={"PATH": str(tmp_path / "nowhere")})
    assert result.exit_code == 1
    assert "PDF was not made: LibreOffice is not installed" in result.output
    assert (tmp_path / "Audit report 2025-11.docx").exists() and not (tmp_path / "Audit report 2025-11.pdf").exists()


@pytest.fixture(scope="module")
def report_with_pdf(scenario, tmp_path_factory):
    """The folder of the November report made with --pdf (LibreOffice runs once for the tests below)."""
    out = tmp_path_factory.mktemp("report-pdf")
    result = CliRunner().invoke(cli, ["--specs", str(SPECS), "report", "--register", str(scenario.register.path),
                                      "--month", "2025-11", "--out", str(out), "--pdf"])
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.output
    return out


@needs_soffice
def test_the_pdf_has_the_headings_as_bookmarks_the_pages_in_its_contents_and_no_author(report_with_pdf):
    tmp_path = report_with_pdf
    reader = PdfReader(tmp_path / "Audit report 2025-11.pdf")
    assert 10 <= len(reader.pages) <= 25
    assert dict(reader.metadata) == {"/Title": "Audit report 2025-11"}
    assert xmp_properties(reader) == {"dc:title": "Audit report 2025-11", "pdfuaid:part": "1"}  # no tool, no date
    marks = []

    def walk(items, level=1):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                marks.append((level, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline)
    document = docx.Document(str(tmp_path / "Audit report 2025-11.docx"))
    headings = [(int(p.style.name[-1]), p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert [(level, title) for level, title, _ in marks] == headings
    assert headings[0] == (1, "Summary") and (1, "Inadequate cases") in headings
    contents = [p for p in document.paragraphs if p.style.name in ("toc 1", "toc 2")]
    assert [p.text.rsplit("\t", 1)[-1] for p in contents] == [str(page) for _, _, page in marks]
    first = page_text(reader.pages[0])
    assert "Audit report" in first and "November 2025" in first and "Contents" in first
    summary = next(page for _, title, page in marks if title == "Summary")
    assert "Graded Good or better" in page_text(reader.pages[summary - 1])
    assert all(page_text(reader.pages[page - 1]).count(title.split(":")[0]) for _, title, page in marks)


@needs_soffice
def test_the_pdf_is_tagged_for_screen_readers_with_the_word_reports_headings_tables_and_alt_text(report_with_pdf):
    path = report_with_pdf / "Audit report 2025-11.pdf"
    reader = PdfReader(path)
    catalog = reader.trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"]) and "/ParentTree" in catalog["/StructTreeRoot"].get_object()
    assert catalog["/Lang"] == "en-GB" and bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.pdf_header >= "%PDF-1.4"  # tagged PDF needs 1.4 or later (pypdf alone would write 1.3)
    assert all("/StructParents" in page for page in reader.pages)  # each page's marked content in the tree
    said = pdfinfo_says(path)
    assert said["Tagged"] == "yes" and said["Title"] == "Audit report 2025-11"
    found = structure(path.read_bytes())
    assert found.problems() == [] and found.pdfua
    document = docx.Document(str(report_with_pdf / "Audit report 2025-11.docx"))
    levels = [int(p.style.name[-1]) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert found.roles["/H1"] == levels.count(1) >= 5 and found.roles["/H2"] == levels.count(2) >= 5
    assert found.bookmarks == len(levels)
    pictures = document.element.body.findall(".//" + qn("wp:docPr"))
    assert found.roles["/Figure"] == len(pictures) >= 5 and found.figures_without_alt == 0
    assert found.roles["/Table"] == len(document.tables) >= 5 and found.tables_without_headers == 0
    assert found.roles["/TH"] >= len(document.tables)
    alt = [str(e.get_object()["/Alt"]) for e in _figures(catalog["/StructTreeRoot"])]
    assert all(p.get("descr") in a for p, a in zip(pictures, alt)), alt  # the chart's own alt text, in order


def _figures(element) -> list:
    """The /Figure elements under a structure element, in document order (LibreOffice's role names
    are mapped to standard ones, but a Figure is a Figure)."""
    found = []
    kids = element.get_object().get("/K")
    kids = kids.get_object() if kids is not None else []
    for kid in kids if isinstance(kids, list) else [kids]:
        kid = kid.get_object() if hasattr(kid, "get_object") else kid
        if isinstance(kid, dict) and "/S" in kid:
            found += [kid] if kid["/S"] == "/Figure" else _figures(kid)
    return found


def test_the_pdf_reads_well_on_paper_no_heading_word_split_and_no_chart_cut(report_with_pdf):
    """As LibreOffice prints it: no table heading breaks inside a word ("Requireme / nt"), and every chart is
    drawn whole, its title included ("Knowledge and Skills Statement met?, Decembe")."""
    reader = PdfReader(report_with_pdf / "Audit report 2025-11.pdf")
    text = "\n".join(page.extract_text() for page in reader.pages)
    words = heading_words((report_with_pdf / "Audit report 2025-11.docx").read_bytes())
    assert {"Improvement", "Outstanding", "Inadequate", "Answered", "Cancelled"} <= words
    assert sorted(w for w in words if broken(w, text)) == []
    assert len({image.name for page in reader.pages for image in page.images}) >= 8
    assert cut_pictures(reader) == []


def test_chart_titles_wrap_to_stay_inside_the_chart(figures):
    """A long title (a quarter's label, a long scale name) wraps onto more lines, never past the edge."""
    long = dataclasses.replace(figures, period_label="Q3 2025-26 (October to December 2025)")
    charts = ch.report_charts(long)
    for name, chart in charts.items():
        grey = Image.open(io.BytesIO(chart.png)).convert("L")
        w, h = grey.size
        assert min(grey.getpixel((w - 1, y)) for y in range(h)) > 128, name  # nothing drawn at the right edge
    assert "Q3 2025-26 (October to December 2025)" in charts["questions"].title


def test_a_vertical_label_longer_than_a_short_chart_is_high_goes_over_more_lines(figures):
    """A chart of one question is short: its vertical label ("Question (its reference on the form)") is wrapped to
    stay beside its one bar, not cut at the picture's top."""
    one = dataclasses.replace(figures.domains, questions=figures.domains.questions[:1])
    grey = Image.open(io.BytesIO(ch.questions_chart(one, figures.period_label).png)).convert("L")
    w, h = grey.size
    edges = [(x, y) for x in (0, w - 1) for y in range(h)] + [(x, y) for y in (0, h - 1) for x in range(w)]
    assert min(grey.getpixel(p) for p in edges) > 128  # nothing drawn at any edge


def test_the_demo_month_makes_its_report_from_its_register(demo_month, library):
    _, demo = demo_month
    reports = demo / "reports"
    figures = json.loads((reports / "figures.json").read_text(encoding="utf-8"))
    with open_register(demo / "register" / "auditdocs.sqlite") as reg:
        every = reg.audits(month=dt.date(2026, 11, 1))
    audits = [a for a in every if is_control_sample(a)]  # the month's report counts the control sample
    returned = [a for a in audits if a.current is not None]
    assert figures["period"] == "2026-11" and figures["audits"] == len(audits) == 60 and len(every) == 69
    assert figures["council"] == "Anytown Borough Council (demo)"  # the workspace's [council] settings
    completion = figures["completion"]["total"]
    assert completion["on_time"] == len(returned) and completion["not_returned"] == 1  # saved in November
    assert figures["grades"]["this_period"]["total"] == sum(a.current.status == "complete" for a in returned)
    actions = figures["actions"]["total"]
    assert 0 < actions["done"] < actions["raised"]  # the team managers' Status column, read back by consolidate
    moderation = figures["moderation"]
    assert moderation["moderated"] == moderation["selected"] >= 6 and moderation["changes"]["unchanged"] < 7
    held = [c for c in figures["inadequate"]["cases"] if c["meeting"].startswith("Held")]
    assert held and len(held) < len(figures["inadequate"]["cases"])
    assert docx_schema_errors((reports / "Audit report 2026-11.docx").read_bytes()) == []
    assert openpyxl.load_workbook(reports / "Audit dashboard 2026-11.xlsx").sheetnames