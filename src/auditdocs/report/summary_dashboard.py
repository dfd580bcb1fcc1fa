"""The audit summary's figures in Excel (`Audit summary 2027-01 Multiple changes of social worker.xlsx`): the
cohort, the group, the findings (native tables and charts, as the monthly dashboard's) and the actions.
Made afresh each time; nothing typed into it is kept (the group types in the tracker's Key messages sheet)."""
from __future__ import annotations

from openpyxl import Workbook

from .dashboard import (
    TITLE,
    Sheet,
    _colour,
    _grade_table,
    bar_chart,
    saved,
)
from .figures import GradeCounts
from .summary import SummaryFigures
from .summary_word import ACTION_HEADERS


def render_summary_workbook(f: SummaryFigures) -> bytes:
    """The workbook of the summary's figures, as the bytes of an .xlsx."""
    book = Workbook()
    names: set[str] = set()
    summary, findings, actions = (Sheet(book, title, names, first=not n)
                                  for n, title in enumerate(("Summary", "Findings", "Actions")))
    _summary(summary, f)
    _findings(findings, f)
    actions.heading(f"Actions: {f.activity}, {f.month_label}", TITLE)
    actions.table("Actions", "Actions raised, with their owners", ACTION_HEADERS[:2] + [
        "Responsible role", "Responsible person", "Required by", "Status", "Done on"],
        [[a.case, a.action, a.responsible_role, a.responsible_person, a.required_by, a.status, a.done_on]
         for a in f.actions])
    actions.widths(12, 60, 20, 20, 12, 14, 12)
    for sheet in (summary, findings, actions):
        sheet.print_setup()
    return saved(book, f"Audit summary {f.key}")


def _summary(s: Sheet, f: SummaryFigures) -> None:
    c, g, k = f.cohort, f.group, f.messages
    s.heading(f"{f.council}, {f.service}", TITLE)
    s.heading(f"Audit summary: {f.activity} ({f.activity_type or 'activity'}), {f.month_label}")
    s.line(f"Made on {f.made_on:%d/%m/%Y} from the audit register and the tracker's Key messages sheet.")
    s.row += 1
    s.table("Cohort", "The cohort", ["What", "Value"],
            [["Subject", c.subject], ["Who is in the cohort", "; ".join(c.rules)], ["Sample asked for", c.sample],
             ["Auditors", c.auditors], ["Form", c.form], ["Cases drawn (audits allocated)", c.drawn],
             ["Returned", c.returned], ["Complete", c.complete]])
    s.table("Group", "The group", ["Role", "Name"],
            [["Lead auditor", n] for n in g.leads] + [["Other in the group", n] for n in g.others])
    s.table("KeyMessages", "Key messages and recommendations (as the group typed them)", ["What", "Text"],
            [["Key messages", k.key_messages], ["Recommendations", k.recommendations], ["Agreed by", k.agreed_by],
             ["Agreed on", k.agreed_on]])
    if f.review is not None:
        r = f.review
        s.table("Review", "Six-month review", ["What", "Value"],
                [["Due", r.due], ["Held on", r.held_on], ["Practice progressed", r.progressed],
                 ["Re-audit scheduled for", f"{r.re_audit_in:%Y-%m}" if r.re_audit_in else ""]])
    for line in f.notes:
        s.line(line)
    s.widths(34, 90)


def _findings(s: Sheet, f: SummaryFigures) -> None:
    s.heading(f"Findings: {f.activity}, {f.month_label}", TITLE)
    _grade_table(s, "Grades", "Overall grades (after moderation where moderated)", "Activity",
                 [GradeCounts(f.activity, f.grades.counts, f.grades.total)], f.bands,
                 f"Overall grades, {f.activity}", "Activity")
    for _name, scale, rows in f.section_groups():
        placed = s.table(f"Sections {scale.id}", f"By section: {scale.label}",
                         ["Section", *(b.label for b in scale.bands), "Audits"],
                         [[r.title, *(r.counts.get(b.value, 0) for b in scale.bands), r.total] for r in rows],
                         colours=[None, *(_colour(b.colour) for b in scale.bands), None])
        if placed:
            s.chart(bar_chart(s.ws, placed, 2, 1 + len(scale.bands), f"{scale.label}, {f.activity}", "Section",
                              "Share of audits", colours=[_colour(b.colour) for b in scale.bands],
                              grouping="percentStacked"), placed)
    for _name, scale, rows in f.question_groups():
        s.table(f"Questions {scale.id}", f"By question: {scale.label}",
                ["Ref", "Question", *(b.label for b in scale.bands), "Answered"],
                [[q.ref, q.question, *(q.counts.get(b.label, 0) for b in scale.bands), q.answered] for q in rows],
                colours=[None, None, *(_colour(b.colour) for b in scale.bands), None])
    s.widths(40, 60, 12, 12, 12, 12, 12)
