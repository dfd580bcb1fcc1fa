"""The learning session's pack: what the weekly "Learning from audits" meeting reads (seed 003, 4.3.6), in Word.

`pack_content` works out what the pack shows (pure: the audits in scope, their records, the themes and the QA
officer's corrections in, a `PackContent` out); `render_pack` writes it with the report's building blocks (the
report's document, tables, grade charts with alt text). Anonymous: no names, dates of birth, case numbers or
audit ids; the examples quote what auditors wrote with the names the register holds replaced by roles.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field as dc_field

from ..domain import model as m
from ..forms.docx.oxml import el, para, run
from ..redact import known_names, replace_names
from ..report import charts as ch
from ..report.figures import Figures, GradeCounts, _without_identifiers
from ..report.word import ReportDocument, _even, _grade_table
from . import themes as th

EXAMPLES = 3  # of good practice, and of worries
CONSENT = "Ask the practitioner's consent before using this example more widely."


@dataclass
class Example:
    kind: str  # th.STRENGTH or th.WORRY
    themes: list[str]
    field: str
    form: str
    text: str  # names replaced by roles


@dataclass
class PackContent:
    title: str  # "November Audits – Localities & Fostering"
    when: str  # "Tuesday 8 December 2026", or the month
    scope: str
    figures: Figures  # the report's figures of the audits in scope (anonymous)
    themes: th.ThemeTable
    by_service: th.ThemeTable
    by_team: th.ThemeTable
    worries_trend: th.ThemeTable
    strengths_trend: th.ThemeTable
    strengths: list[Example] = dc_field(default_factory=list)
    worries: list[Example] = dc_field(default_factory=list)
    corrected: int = 0  # tags a QA officer corrected


def redacted(text: str, spec: m.FormSpec, audit: m.RegisteredAudit) -> str:
    """`text` with the names the register holds (the subject's, the workers', the auditor's group) replaced by
    roles, and the case number and date of birth too."""
    names = known_names(spec, audit.subject, {name.split(" (")[0]: "[auditor]" for name in audit.group})
    return _without_identifiers(replace_names(text, names), audit)


def _source(field_id: str) -> int:
    return 1 if field_id.endswith("comment") else 2 if field_id.endswith("evidence") else 0


def examples(tags: list[th.Tag], kind: str, specs: dict[str, m.FormSpec], audits: dict[str, m.RegisteredAudit],
             count: int = EXAMPLES) -> list[Example]:
    """A few texts of `kind`, at most one an audit and each text once: in turn a strength (or worry) field, a
    judgement's rationale and a question's evidence, those showing the most themes first."""
    by_text: dict[tuple[str, str], list[th.Tag]] = {}
    for t in tags:
        if t.kind == kind and t.audit_id in specs:
            by_text.setdefault((t.audit_id, t.field_id), []).append(t)
    ranked = sorted(by_text.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    # in turn from what is working well (or worried about), the judgements' rationales and the questions' evidence
    sources = [[kv for kv in ranked if _source(kv[0][1]) == n] for n in range(3)]
    turns = [kv for i in range(max(map(len, sources))) for group in sources if i < len(group) for kv in [group[i]]]
    chosen, used, said = [], set(), set()
    for (audit_id, _), group in turns:
        if audit_id in used or th.key(group[0].text) in said:
            continue
        used.add(audit_id)
        said.add(th.key(group[0].text))
        spec, audit = specs[audit_id], audits[audit_id]
        chosen.append(Example(kind, sorted({t.theme for t in group}), group[0].field, spec.short_title,
                              redacted(group[0].text, spec, audit)))
        if len(chosen) == count:
            break
    return chosen


def pack_content(*, title: str, when: str, scope: str, figures: Figures, tags: list[th.Tag], themes: list[th.Theme],
                 months: list[dt.date], month: dt.date, specs: dict[str, m.FormSpec],
                 audits: dict[str, m.RegisteredAudit]) -> PackContent:
    """What the pack shows: `tags` (corrected) of the audits in scope over `months` (the trend), `month` the
    session's month; `specs` and `audits` by audit id, for the examples."""
    this = [t for t in tags if t.month == month]
    return PackContent(
        title, when, scope, figures, th.theme_counts(this, themes), th.theme_counts(this, themes, by="service"),
        th.theme_counts(this, themes, by="team"), th.theme_trend(tags, months, themes, th.WORRY),
        th.theme_trend(tags, months, themes, th.STRENGTH), examples(this, th.STRENGTH, specs, audits),
        examples(this, th.WORRY, specs, audits), corrected=sum(bool(t.tagged_as) for t in tags))


def themes_chart(table: th.ThemeTable, period: str) -> ch.Chart:
    """Each theme's audits, in worries and in strengths: horizontal bars side by side."""
    rows = [r for r in table.rows if r[1] or r[2]] or table.rows
    names = [r[0] for r in rows]
    title = f"Themes in the audits of {period}: in worries and in strengths"
    alt = (f"Bar chart of the themes found in what auditors wrote about the audits of {period}, how many audits "
           "showed each in their worries and in their strengths: "
           + "; ".join(f"{r[0]}: {r[1]} in worries, {r[2]} in strengths" for r in rows) + ".")

    def paint(fig, ax):
        y = list(range(len(names)))
        worse = ax.barh([i + 0.2 for i in y], [r[1] for r in rows], height=0.4, color="#C00000", label="In worries")
        better = ax.barh([i - 0.2 for i in y], [r[2] for r in rows], height=0.4, color="#548235", label="In strengths")
        ax.bar_label(worse, padding=2, fontsize=7.5)
        ax.bar_label(better, padding=2, fontsize=7.5)
        ax.set_yticks(y, [ch._wrap(n, 30) for n in names], fontsize=7.5)
        ax.invert_yaxis()
        ax.set_xlabel("Audits")
        ch._whole_numbers(ax.xaxis)
        ch._legend(fig, ax, 2)

    return ch._draw("themes", title, alt, 0.45 * len(rows) + 1.6, paint)


def _table(doc: ReportDocument, table: th.ThemeTable, first: int = 3600) -> None:
    if not table.rows:
        doc.text("None.")
        return
    doc.grid(table.headers, table.rows, _even(len(table.headers), first=first))


def _quote(doc: ReportDocument, e: Example) -> None:
    doc.add(para(run(f"{e.field} ", bold=True), run(f"({e.form}; {', '.join(e.themes)})"), keep_next=True))
    for line in e.text.splitlines() or [""]:
        doc.text(line, style="Quote")
    if e.kind == th.STRENGTH:
        doc.text(CONSENT, style="Guidance")


def render_pack(p: PackContent, when: dt.datetime) -> bytes:
    """The pack as the bytes of a .docx."""
    from ..forms.docx import package

    f = p.figures
    doc = ReportDocument(f"Learning from audits: {p.title}")
    doc.add(el("w:p", el("w:pPr", el("w:spacing", before=1200))))
    doc.text(f.council, style="TitlePageLine")
    doc.text("Learning from audits", style="Title")
    doc.text(p.title, style="TitlePageLine")
    doc.text(p.when, style="TitlePageLine")
    doc.text(f"The audits of {f.period_label} in scope: {p.scope}. Made on {f.made_on.day} {f.made_on:%B %Y} from "
             "the audit register, by auditdocs.")
    doc.text("This pack holds no names, dates of birth, case numbers or audit ids. The examples quote what auditors "
             "wrote, with the names the register holds replaced by roles; names it does not hold (a school, a "
             "relative) cannot be known: read them before sharing.", style="Guidance")
    doc.contents()

    g = f.grades
    doc.heading("The audits in scope", new_page=True)
    c = f.completion.total
    doc.text(f"{c.allocated} audit{'s' * (c.allocated != 1)} of {f.period_label} in scope: {c.returned} returned, "
             f"{c.not_returned} not returned; {g.this_period.total} completed and graded.")
    rows = [[r.name, r.allocated, r.returned, r.not_returned] for r in f.completion.by_team]
    doc.grid(["Team", "Allocated", "Returned", "Not returned"], rows, _even(4, first=3600),
             total=["All teams", c.allocated, c.returned, c.not_returned])

    doc.heading("Grades", new_page=True)
    doc.text("The overall grade of each completed audit in scope (the grade after moderation where moderated), beside "
             "the month before and the months before that.")
    if g.this_period.total or g.previous_period.total:
        doc.chart(ch.grades_chart(g, f.period_label, f.previous_label))
    _grade_table(doc, "Period", [GradeCounts(f.period_label, g.this_period.counts, g.this_period.total),
                                 GradeCounts(f.previous_label, g.previous_period.counts, g.previous_period.total)],
                 g.bands, total=False, width=1700)
    trend = [r for r in g.trend if r.total] or g.trend[-1:]
    doc.heading("Month by month", 2)
    if sum(r.total for r in g.trend):
        doc.chart(ch.trend_chart(g))
    _grade_table(doc, "Month", trend, g.bands, width=1400)

    doc.heading("Themes", new_page=True)
    doc.text("How many audits show each theme in what auditors wrote: in what we are worried about (and evidence of "
             "questions answered No or Partially, rationales of the lower judgements), and in what is working well. "
             "Each tag keeps the words that triggered it; the QA officer's corrections in the tracker's Themes sheet "
             "count instead of the tagger's." + (f" {p.corrected} tag{'s were' if p.corrected != 1 else ' was'} "
                                                 "corrected." if p.corrected else ""))
    if any(r[1] or r[2] for r in p.themes.rows):
        doc.chart(themes_chart(p.themes, f.period_label))
    _table(doc, p.themes)
    if any(r[0] != th.NOT_GIVEN for r in p.by_service.rows):
        doc.heading("By service", 2)
        _table(doc, p.by_service, 2600)
    doc.heading("By team", 2)
    _table(doc, p.by_team, 2600)
    doc.heading("Worries month by month", 2)
    _table(doc, p.worries_trend, 3000)
    doc.heading("Strengths month by month", 2)
    _table(doc, p.strengths_trend, 3000)

    doc.heading("Good practice", new_page=True)
    doc.text("A few examples of what is working well, as auditors wrote them.")
    for e in p.strengths:
        _quote(doc, e)
    if not p.strengths:
        doc.text("No example this time.")
    doc.heading("What we are worried about", 2)
    for e in p.worries:
        _quote(doc, e)
    if not p.worries:
        doc.text("No example this time.")

    a = f.actions
    doc.heading("Actions", new_page=True)
    doc.text(f"{a.total.raised} action{'s' * (a.total.raised != 1)} were raised in the audits in scope: {a.total.open} "
             f"open and not yet due, {a.total.overdue} overdue, {a.total.done} done. From the earlier months: "
             f"{a.earlier.open + a.earlier.overdue} still open, {a.earlier.overdue} of them overdue.")
    doc.grid(["Team", "Raised", "Open, not yet due", "Overdue", "Done"],
             [[r.name, r.raised, r.open, r.overdue, r.done] for r in a.by_team], _even(5, first=3200),
             total=["All teams", a.total.raised, a.total.open, a.total.overdue, a.total.done])
    doc.heading("Oldest overdue actions", 2)
    if a.oldest_overdue:
        doc.grid(["Team", "Required by", "Days overdue"],
                 [[o.team, o.required_by, o.days_overdue] for o in a.oldest_overdue])
    else:
        doc.text("No action is overdue.")

    doc.heading("The meeting's notes", new_page=True)
    for heading in ("Present", "What we learned", "Strategic, learning and organisational actions agreed "
                    "(what, who, by when, how we will check)", "To share with staff (the learning bulletin)"):
        doc.heading(heading, 2)
        for _ in range(4):
            doc.text("")
    return doc.package(when, package.custom_xml({"auditdocs.learning_pack": p.title, "auditdocs.report_anonymous":
                                                 "yes"}))
