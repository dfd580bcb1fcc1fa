"""The audit summary report in Word (`Audit summary 2027-01 Multiple changes of social worker.docx`) and its charts.

Written with the monthly report's building blocks (`word.ReportDocument`: title page, contents, headings,
tables, charts with alt text; `charts`: the same drawing and colours), from `summary.SummaryFigures`.
"""
from __future__ import annotations

import datetime as dt

from ..domain.dates import uk
from ..forms.docx import package
from ..forms.docx.oxml import el
from ..forms.docx.writer import TEXT_W
from . import charts as ch
from .figures import DomainRow, DomainScale, GradeCounts
from .summary import SummaryFigures
from .word import ReportDocument, _even, _grade_headers, _grade_table

ACTION_HEADERS = ["Case", "Action", "Responsible", "Required by", "Status"]


def _question_rows(f: SummaryFigures, scale, rows) -> list[DomainRow]:
    return [DomainRow(f"{q.ref} {q.question}", scale.id, {b.value: q.counts.get(b.label, 0) for b in scale.bands},
                      q.answered) for q in rows]


def summary_charts(f: SummaryFigures) -> dict[str, ch.Chart]:
    """The charts of the summary, by name (a chart with nothing to show is left out)."""
    out = {}
    if f.grades.total:
        out["grades"] = ch.grades_by_chart("grades", [GradeCounts(f.activity, f.grades.counts, f.grades.total)],
                                           f.bands, "activity", f.month_label)
    for name, scale, rows in f.section_groups():
        out[name] = ch.domains_chart(name, scale, "", rows, f.month_label)
    for name, scale, rows in f.question_groups():
        best = scale.bands[0].label
        mixed = [q for q in rows if q.counts.get(best, 0) < q.answered]  # the table beside it has every question
        if mixed:
            out[name] = ch.domains_chart(
                name, DomainScale(scale.id, f"Questions not always answered {best} ({scale.label})", scale.bands),
                "", _question_rows(f, scale, mixed), f.month_label)
    return out


def render_summary(f: SummaryFigures, charts: dict[str, ch.Chart] | None = None, when: dt.datetime | None = None,
                   pages: list[int] | None = None) -> bytes:
    """The summary report, as the bytes of a .docx; `pages`: the page of each heading, for the contents."""
    charts = summary_charts(f) if charts is None else charts
    when = when or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    doc = ReportDocument(f"Audit summary {f.key}")
    _title_page(doc, f)
    doc.contents()
    _summary(doc, f, charts)
    _cohort(doc, f)
    _group(doc, f)
    _findings(doc, f, charts)
    _messages(doc, f)
    _actions(doc, f)
    _review(doc, f)
    _about(doc, f)
    props = package.custom_xml({"auditdocs.summary_activity": f.activity, "auditdocs.summary_month": f.month,
                                "auditdocs.report_anonymous": "yes" if f.anonymous else "no"})
    return doc.package(when, props, pages)


def _title_page(doc: ReportDocument, f: SummaryFigures) -> None:
    doc.add(el("w:p", el("w:pPr", el("w:spacing", before=1200))))
    doc.text(f.council, style="TitlePageLine")
    doc.text(f.service, style="TitlePageLine")
    doc.text("Audit summary report", style="Title")
    doc.text(f.activity, style="TitlePageLine")
    doc.text(f"{f.activity_type.capitalize() or 'Audit activity'}, {f.month_label}", style="TitlePageLine")
    doc.text(f"Made on {f.made_on.day} {f.made_on:%B %Y} from the audit register and the tracker's Key messages "
             "sheet, by auditdocs.")
    doc.add(el("w:p", el("w:pPr", el("w:spacing", before=480))))
    privacy = ("This report holds no names, dates of birth or case numbers." if f.anonymous else
               "This report holds no names of children or families and no dates of birth. It names the auditors of "
               "the group, the people actions fall to, and the case of each action.")
    doc.text(privacy + " The key messages and recommendations are as the group typed them: read them before "
             "sharing.", style="Guidance")


def _summary(doc: ReportDocument, f: SummaryFigures, charts) -> None:
    doc.heading("Summary", new_page=True)
    c = f.completion
    g = f.grades
    doc.text(f"{c.allocated} case{'s' * (c.allocated != 1)} {'were' if c.allocated != 1 else 'was'} audited for "
             f"'{f.activity}' in {f.month_label}: {c.returned} returned ({c.on_time} on time, {c.late} late), "
             f"{c.not_returned} not returned, {c.exempted} exempted and {c.cancelled} cancelled. {g.total} completed "
             f"audit{'s' * (g.total != 1)} {'were' if g.total != 1 else 'was'} graded.")
    if g.total:
        best = ", ".join(f"{b.label} {g.counts.get(b.value, 0)}" for b in f.bands if g.counts.get(b.value))
        doc.text(f"Overall grades: {best}.")
    if f.messages.key_messages:
        doc.heading("Key messages", 2)
        doc.bullets(_lines(f.messages.key_messages))
    if "grades" in charts:
        doc.chart(charts["grades"])
    if f.review is not None:
        doc.text(f"{f.review.what[0].upper()}{f.review.what[1:]}.")
    if f.notes:
        doc.heading("To know", 2)
        doc.bullets(f.notes)


def _cohort(doc: ReportDocument, f: SummaryFigures) -> None:
    c = f.cohort
    doc.heading("The cohort", new_page=True)
    rows = [["Subject", c.subject or "–"],
            ["Who is in the cohort", "; ".join(c.rules) or ("Any case" if c.in_programme else "Not known")],
            ["Sample asked for", c.sample or "–"], ["Auditors", c.auditors or "–"], ["Form", c.form or "–"],
            ["Cases drawn (audits allocated)", c.drawn], ["Returned", c.returned], ["Complete", c.complete]]
    doc.grid(["", "The programme and the register"], rows, _even(2, first=3400))
    if not c.in_programme:
        doc.text("The programme (programme.xlsx) does not have this activity in this month, so its cohort rules "
                 "are not shown.", style="Guidance")


def _group(doc: ReportDocument, f: SummaryFigures) -> None:
    g = f.group
    doc.heading("The group", new_page=True)
    doc.text(f"The audits were undertaken jointly (seed 003, 4.12): {len(g.leads)} lead auditor"
             f"{'s' * (len(g.leads) != 1)} (each returned the form of a case) and {len(g.others)} other"
             f"{'s' * (len(g.others) != 1)} named with them, partner agencies included; {g.audits_with_others} "
             f"audit{'s' * (g.audits_with_others != 1)} had more than one auditor.")
    doc.grid(["Lead auditors", "Others in the group"],
             [[lead, other] for lead, other in _pairs(g.leads, g.others)] or [["–", "–"]], _even(2))


def _pairs(first: list[str], second: list[str]) -> list[tuple[str, str]]:
    n = max(len(first), len(second))
    return [(first[i] if i < len(first) else "", second[i] if i < len(second) else "") for i in range(n)]


def _findings(doc: ReportDocument, f: SummaryFigures, charts) -> None:
    doc.heading("Findings", new_page=True)
    doc.text("What the completed audits of the activity found: the overall grades (after moderation where "
             "moderated), each section's judgements, and how each question was answered across the cases.")
    doc.heading("Overall grades", 2)
    if "grades" in charts:
        doc.chart(charts["grades"])
    _grade_table(doc, "Activity", [GradeCounts(f.activity, f.grades.counts, f.grades.total)], f.bands, total=False,
                 width=2600)
    for name, scale, rows in f.section_groups():
        doc.heading(f"By section: {scale.label}", 2)
        if name in charts:
            doc.chart(charts[name])
        labels, colours = _grade_headers(scale.bands)
        doc.grid(["Section", *labels, "Audits"],
                 [[r.title, *(r.counts.get(b.value, 0) for b in scale.bands), r.total] for r in rows],
                 _even(len(scale.bands) + 2, first=3800), [None, *colours, None])
    for name, scale, rows in f.question_groups():
        doc.heading(f"By question: {scale.label}", 2)
        if name in charts:
            doc.chart(charts[name])
        labels, colours = _grade_headers(scale.bands)
        n = len(scale.bands)
        widths = [700, TEXT_W - 700 - (n + 1) * 900] + [900] * (n + 1)
        doc.grid(["Ref", "Question", *labels, "Answered"],
                 [[q.ref, q.question, *(q.counts.get(b.label, 0) for b in scale.bands), q.answered] for q in rows],
                 widths, [None, None, *colours, None])
    if not f.questions and not f.sections:
        doc.text("No audit of the activity is complete yet.")


def _lines(text: str) -> list[str]:
    return [line.strip().lstrip("•-* ").strip() for line in text.splitlines() if line.strip()]


def _messages(doc: ReportDocument, f: SummaryFigures) -> None:
    k = f.messages
    doc.heading("Key messages and recommendations", new_page=True)
    if not (k.key_messages or k.recommendations):
        doc.text("The group has not yet recorded its key messages: type them in the tracker's Key messages sheet "
                 f"(the row of {f.month} and '{f.activity}') and run 'auditdocs consolidate' again.", style="Guidance")
        return
    agreed = " and ".join(filter(None, [f"by {k.agreed_by}" if k.agreed_by else "",
                                        f"on {uk(k.agreed_on)}" if k.agreed_on else ""]))
    if agreed:
        doc.text(f"Agreed by the group {agreed}.")
    doc.heading("Key messages", 2)
    doc.bullets(_lines(k.key_messages) or ["None recorded."])
    doc.heading("Recommendations", 2)
    doc.bullets(_lines(k.recommendations) or ["None recorded."])


def _actions(doc: ReportDocument, f: SummaryFigures) -> None:
    doc.heading("Actions", new_page=True)
    n = len(f.actions)
    doc.text(f"{n} action{'s' * (n != 1)} {'were' if n != 1 else 'was'} raised in the audits of the activity, each "
             "with its owner and the date it is due; the status is the team manager's, from the tracker.")
    if not f.actions:
        return
    doc.grid(ACTION_HEADERS,
             [[a.case, a.action, ", ".join(filter(None, [a.responsible_role, a.responsible_person])) or "–",
               a.required_by, a.status + (f" ({uk(a.done_on)})" if a.done_on else "")] for a in f.actions],
             [1100, TEXT_W - 1100 - 2400 - 1300 - 1500, 2400, 1300, 1500])


def _review(doc: ReportDocument, f: SummaryFigures) -> None:
    doc.heading("Six-month review", new_page=True)
    r = f.review
    if r is None:
        doc.text("This activity is not a thematic audit: no six-month review is set for it.")
        return
    doc.text("Where thematic audits identify significant remedial actions, a review follows after six months; "
             "further audit activity may be needed where the quality of practice has not progressed sufficiently "
             "(seed 003, 4.13-4.14).")
    doc.grid(["Review", ""], [["Due", r.due], ["Held on", r.held_on],
                              ["Practice progressed", r.progressed or "–"],
                              ["Re-audit scheduled for", f"{r.re_audit_in:%B %Y}" if r.re_audit_in else "–"]],
             _even(2, first=3400))


def _about(doc: ReportDocument, f: SummaryFigures) -> None:
    doc.heading("About these figures", new_page=True)
    doc.bullets([
        f"The audits of the activity '{f.activity}' allocated for {f.month_label}, counted as the monthly audit "
        "report counts them: reallocated audits once (the new audit), grades after moderation where moderated.",
        "Findings: the completed audits only. A question answered by several voices (the child, the carer…) has a "
        "row per voice.",
        "Key messages, recommendations and the review: as typed in the tracker's Key messages sheet and read back "
        "by 'auditdocs consolidate'.",
        f"Figures as they stood on {uk(f.made_on)}. The Excel workbook of the same name holds the same figures.",
    ])
