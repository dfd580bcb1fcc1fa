"""The Word report: `Audit report 2026-11.docx`, written from the figures with the project's oxml layer.

A4, a title page (council, service, period, the day it was made), a table of contents (a TOC
field whose entries are already filled in, each with a PAGEREF to its heading's bookmark, so
it reads right before anyone updates it), a one-page summary, then a section per subject with
its charts (PNG, with alt text) and tables. Headings use Word's Heading 1 and 2 styles (outline
levels: the navigation pane, and bookmarks in the PDF). Page numbers in the footer. The
package's metadata is neutral: no author, no path, no name.
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from xml.sax.saxutils import quoteattr

from lxml import etree

from ..domain.dates import uk
from ..forms.docx import package
from ..forms.docx.oxml import cell, el, para, row, run, table, text_para
from ..forms.docx.writer import MARGIN, PAGE_H, PAGE_W, TEXT_W, spacer
from ..forms.ooxml import NS, WORD_NSMAP, qn, rel_type
from ..forms.textwidth import longest_piece
from . import action_checks, governance
from . import charts as ch
from .figures import (
    COMPLETION_LABELS,
    Band,
    Figures,
    GradeCounts,
    about,
    change_sentences,
)

HEAD_SHADE = "DCE6F1"
TOTAL_SHADE = "F2F2F2"
EMU_PER_INCH = 914400
IMAGE_REL = rel_type("image")

#: Styles the report adds to the forms' own (Title, Heading 1 and 2, Cell Text, Footer…).
EXTRA_STYLES = """
<w:style w:type="paragraph" w:customStyle="1" w:styleId="TitlePageLine"><w:name w:val="Title Page Line"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:after="120"/></w:pPr><w:rPr><w:color w:val="1F3864"/><w:sz w:val="28"/><w:szCs w:val="28"/></w:rPr></w:style>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="ContentsHeading"><w:name w:val="Contents Heading"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:before="280" w:after="120"/></w:pPr><w:rPr><w:b/><w:color w:val="1F4E79"/><w:sz w:val="26"/><w:szCs w:val="26"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="TOC1"><w:name w:val="toc 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="39"/><w:unhideWhenUsed/><w:pPr><w:tabs><w:tab w:val="right" w:leader="dot" w:pos="9628"/></w:tabs><w:spacing w:before="60" w:after="40"/></w:pPr><w:rPr><w:b/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="TOC2"><w:name w:val="toc 2"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="39"/><w:unhideWhenUsed/><w:pPr><w:tabs><w:tab w:val="right" w:leader="dot" w:pos="9628"/></w:tabs><w:spacing w:after="20"/><w:ind w:left="284"/></w:pPr></w:style>
<w:style w:type="character" w:styleId="Hyperlink"><w:name w:val="Hyperlink"/><w:basedOn w:val="DefaultParagraphFont"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/><w:rPr><w:color w:val="1F4E79"/></w:rPr></w:style>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="Quote"><w:name w:val="Quote"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:after="120"/><w:ind w:left="340"/></w:pPr><w:rPr><w:i/><w:color w:val="404040"/></w:rPr></w:style>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="Bullet"><w:name w:val="Bullet"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:after="40"/><w:ind w:left="284" w:hanging="227"/></w:pPr></w:style>
"""


#: Word updates the fields (the contents' page numbers) when the report is opened.
SETTINGS = package.SETTINGS.replace("<w:compat>", '<w:updateFields w:val="true"/><w:compat>')


def report_styles() -> str:
    return package.STYLES.replace("</w:styles>", EXTRA_STYLES + "</w:styles>")


def _props_xml(figures: Figures) -> str:
    return package.custom_xml({"auditdocs.report_period": figures.period,
                               "auditdocs.report_anonymous": "yes" if figures.anonymous else "no"})


class ReportDocument:
    """The body of the report, built block by block; `package()` zips it."""

    def __init__(self, title: str):
        self.title = title
        self.body: list[etree._Element] = []
        self.images: list[tuple[str, bytes]] = []  # (part name, PNG)
        self.headings: list[tuple[int, str, str]] = []  # (level, text, bookmark)
        self._toc_at: int | None = None
        self._ids = iter(range(1, 10**6))

    # ---- blocks ----

    def add(self, *blocks) -> None:
        self.body.extend(b for b in blocks if b is not None)

    def heading(self, text: str, level: int = 1, new_page: bool = False) -> None:
        mark = f"_Toc{len(self.headings) + 1:04d}"
        self.headings.append((level, text, mark))
        n = next(self._ids)
        ppr = el("w:pPr", el("w:pStyle", val=f"Heading{level}"), el("w:pageBreakBefore") if new_page else None)
        start = el("w:bookmarkStart", id=n)
        start.set(qn("w:name"), mark)  # (el's own first argument is called name)
        self.add(el("w:p", ppr, start, run(text), el("w:bookmarkEnd", id=n)))

    def text(self, text: str, style: str | None = None, **fmt) -> None:
        self.add(text_para(text, style=style, **fmt))

    def bullets(self, lines: list[str]) -> None:
        for line in lines:
            self.add(el("w:p", el("w:pPr", el("w:pStyle", val="Bullet")), run("•"), el("w:r", el("w:tab")), run(line)))

    def contents(self) -> None:
        """Where the table of contents goes (filled in by `package`, when every heading is known)."""
        self.add(text_para("Contents", style="ContentsHeading"))
        self._toc_at = len(self.body)

    def chart(self, chart: ch.Chart) -> None:
        n = next(self._ids)
        rel = f"rIdImage{len(self.images) + 1}"
        name = f"media/chart{len(self.images) + 1}.png"
        self.images.append((name, chart.png))
        cx, cy = int(chart.width_in * EMU_PER_INCH), int(chart.height_in * EMU_PER_INCH)
        drawing = etree.fromstring(DRAWING.format(
            cx=cx, cy=cy, id=n, name=quoteattr(f"Chart {len(self.images)}: {chart.title}"),
            descr=quoteattr(chart.alt), title=quoteattr(chart.title), file=quoteattr(f"chart{len(self.images)}.png"),
            rel=rel, **{p: NS[p] for p in ("w", "r", "wp", "a", "pic")}))
        self.add(el("w:p", el("w:pPr", el("w:keepNext"), el("w:spacing", before=120, after=60)), drawing))

    def grid(self, headers: list[str], rows: list[list], widths: list[int] | None = None,
             shades: list[str | None] | None = None, total: list | None = None) -> None:
        """A table: a heading row (repeated on each page), rows, and an optional total row.
        Numbers are right-aligned; `shades` colours heading cells (a grade in its colour)."""
        widths = fit_words(widths or _even(len(headers)), headers, [*rows, *([total] if total else [])])
        shades = shades or [None] * len(headers)
        out = [row(*(cell(w, _cell_para(h, heading=True, shade=s), shade=s or HEAD_SHADE)
                     for w, h, s in zip(widths, headers, shades)), header=True, cant_split=True)]
        for values in rows:
            out.append(row(*(cell(w, _cell_para(v)) for w, v in zip(widths, values)), cant_split=True))
        if total is not None:
            out.append(row(*(cell(w, _cell_para(v, bold=True), shade=TOTAL_SHADE) for w, v in zip(widths, total)),
                           cant_split=True))
        self.add(table(widths, out), spacer())

    # ---- the package ----

    def _toc(self, pages: list[int] | None) -> list[etree._Element]:
        """The contents: a TOC field (Word refreshes it) whose entries are already there, each linked to its
        heading, with its page number when `pages` gives them (from a layout of the report), else '…'."""
        if pages is None or len(pages) != len(self.headings):
            pages = ["…"] * len(self.headings)
        paras = []
        for i, (level, text, mark) in enumerate(self.headings):
            runs = []
            if i == 0:
                runs += _field_start(' TOC \\o "1-2" \\h \\z \\u ')
            link = el("w:hyperlink", anchor=mark, history=1)
            link.extend([run(text), el("w:r", el("w:tab")), *_field_start(f" PAGEREF {mark} \\h "),
                         run(str(pages[i])), _field_end()])
            runs.append(link)
            if i == len(self.headings) - 1:
                runs.append(_field_end())
            paras.append(el("w:p", el("w:pPr", el("w:pStyle", val=f"TOC{level}")), *runs))
        return paras

    def _document(self, pages: list[int] | None) -> bytes:
        body = el("w:body")
        blocks = list(self.body)
        if self._toc_at is not None:
            blocks[self._toc_at:self._toc_at] = self._toc(pages)
        body.extend(blocks)
        footer = el("w:footerReference", type="default")
        footer.set(qn("r:id"), package.FOOTER_REL_ID)
        body.append(el("w:sectPr", footer, el("w:pgSz", w=PAGE_W, h=PAGE_H),
                       el("w:pgMar", top=MARGIN, right=MARGIN, bottom=MARGIN, left=MARGIN, header=567, footer=567,
                          gutter=0),
                       el("w:cols", space=708), el("w:titlePg"), el("w:docGrid", linePitch=360)))
        doc = etree.Element(qn("w:document"), nsmap=WORD_NSMAP)
        doc.set(qn("mc:Ignorable"), "w14 w15")
        doc.append(body)
        return etree.tostring(doc, xml_declaration=True, encoding="UTF-8", standalone=True)

    def package(self, when: dt.datetime, custom_props: str, pages: list[int] | None = None) -> bytes:
        types = package.CONTENT_TYPES.replace(
            '<Default Extension="xml"', '<Default Extension="png" ContentType="image/png"/>\n<Default Extension="xml"')
        rels = package.DOCUMENT_RELS.replace("</Relationships>", "".join(
            f'<Relationship Id="rIdImage{i}" Type="{IMAGE_REL}" Target="{name}"/>'
            for i, (name, _) in enumerate(self.images, start=1)) + "</Relationships>")
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("[Content_Types].xml", types)
            z.writestr("_rels/.rels", package.PACKAGE_RELS)
            z.writestr("docProps/core.xml", package.core_xml(self.title, when))
            z.writestr("docProps/app.xml", package.APP)
            z.writestr("docProps/custom.xml", custom_props)
            z.writestr("word/document.xml", self._document(pages))
            z.writestr("word/_rels/document.xml.rels", rels)
            z.writestr("word/styles.xml", report_styles())
            z.writestr("word/settings.xml", SETTINGS)
            z.writestr("word/footer1.xml", package.footer_xml(self.title))
            z.writestr("word/numbering.xml", package.numbering_xml(0))
            for name, png in self.images:
                z.writestr(f"word/{name}", png, compress_type=zipfile.ZIP_STORED)
        return out.getvalue()


DRAWING = """<w:r xmlns:w="{w}" xmlns:r="{r}"
 xmlns:wp="{wp}"
 xmlns:a="{a}"
 xmlns:pic="{pic}"><w:drawing>
<wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{cx}" cy="{cy}"/>
<wp:docPr id="{id}" name={name} descr={descr} title={title}/>
<wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr>
<a:graphic><a:graphicData uri="{pic}"><pic:pic>
<pic:nvPicPr><pic:cNvPr id="{id}" name={file} descr={descr}/><pic:cNvPicPr/></pic:nvPicPr>
<pic:blipFill><a:blip r:embed="{rel}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>
<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr>
</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"""


def _field_start(instruction: str) -> list[etree._Element]:
    instr = el("w:instrText")
    instr.text = instruction
    instr.set(qn("xml:space"), "preserve")
    return [el("w:r", el("w:fldChar", fldCharType="begin")), el("w:r", instr),
            el("w:r", el("w:fldChar", fldCharType="separate"))]


def _field_end() -> etree._Element:
    return el("w:r", el("w:fldChar", fldCharType="end"))


CELL_MARGINS = 2 * 85  # twips: the left and right margins of a cell (the AuditTable style)
HEADING_PT, TEXT_PT = 9, 10  # the Cell Heading and Cell Text styles' sizes (Arial)
SPARE = 1.1  # room for LibreOffice's and Word's own measuring


def word_room(text: str, size: float, bold: bool = False) -> int:
    """The width (twips) a cell needs so that no word of `text` breaks across lines."""
    return round(longest_piece(text, size, bold) * 20 * SPARE) + CELL_MARGINS


def fit_words(widths: list[int], headers: list[str], rows: list[list]) -> list[int]:
    """The column widths, widened where a heading's (or a cell's) longest word would not fit, so that
    Word and LibreOffice never break a word ("Requireme / nt"); what a column gains is taken from the
    columns with room to spare, in proportion to it. The total width stays the same."""
    need = [max([word_room(h, HEADING_PT, bold=True)] + [word_room(_show(r[i]), TEXT_PT) for r in rows
                                                           if i < len(r)]) for i, h in enumerate(headers)]
    short = sum(max(0, n - w) for n, w in zip(need, widths))
    spare = [max(0, w - n) for n, w in zip(need, widths)]
    if not short or sum(spare) < short:
        return widths  # nothing to do, or no room anywhere: the widths as they were asked for
    out = [max(w, n) if n > w else w - round(short * s / sum(spare)) for n, w, s in zip(need, widths, spare)]
    out[-1] += sum(widths) - sum(out)
    return out


def _even(n: int, first: int | None = None) -> list[int]:
    if first is None:
        return [TEXT_W // n] * (n - 1) + [TEXT_W - TEXT_W // n * (n - 1)]
    rest = (TEXT_W - first) // (n - 1)
    return [first] + [rest] * (n - 2) + [TEXT_W - first - rest * (n - 2)]


def _text_on(colour: str | None) -> str | None:
    if not colour:
        return None
    return "FFFFFF" if ch.text_colour("#" + colour) == "white" else None


def _cell_para(value, heading: bool = False, bold: bool = False, shade: str | None = None) -> etree._Element:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    text = _show(value)
    children = [el("w:pStyle", val="CellHeading" if heading else "CellText"), el("w:jc", val="right") if number else None]
    return el("w:p", el("w:pPr", *children), run(text, bold=bold, colour=_text_on(shade)) if text else None)


def _show(value) -> str:
    """A cell's text: a float is a share (62.5%), a date is a UK date, None a dash."""
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:g}%"
    if isinstance(value, dt.date):
        return uk(value)
    return str(value)


# ---- the report ---------------------------------------------------------------------------------


def _grade_headers(bands: list[Band]) -> tuple[list[str], list[str | None]]:
    return [b.label for b in bands], [b.colour.lstrip("#") for b in bands]


def _grade_table(doc: ReportDocument, first: str, rows: list[GradeCounts], bands: list[Band], total: bool = True,
                 width: int = 2200):
    labels, colours = _grade_headers(bands)
    widths = _even(len(bands) + 2, first=width)
    body = [[r.name, *(r.counts.get(b.value, 0) for b in bands), r.total] for r in rows]
    sums = None
    if total and len(rows) > 1:
        sums = ["All", *(sum(r.counts.get(b.value, 0) for r in rows) for b in bands), sum(r.total for r in rows)]
    doc.grid([first, *labels, "Audits"], body, widths, [None, *colours, None], total=sums)


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def render_report(figures: Figures, charts: dict[str, ch.Chart] | None = None,
                  when: dt.datetime | None = None, pages: list[int] | None = None) -> bytes:
    """The Word report of the figures, as the bytes of a .docx; `pages`: the page of each heading, in
    order, for the contents (see `pdf.report_pdf`)."""
    charts = ch.report_charts(figures) if charts is None else charts
    when = when or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    doc = ReportDocument(f"Audit report {figures.period}")
    _title_page(doc, figures)
    doc.contents()
    _summary(doc, figures, charts)
    _completion(doc, figures, charts)
    _grades(doc, figures, charts)
    _domains(doc, figures, charts)
    _inadequate(doc, figures)
    _actions(doc, figures, charts)
    if figures.action_checks is not None:
        action_checks.word_section(doc, figures)
    _moderation(doc, figures)
    if figures.activities is not None and figures.activities.others:
        _activities(doc, figures)
    if figures.managers_dip_samples:
        _managers_dip_samples(doc, figures)
    if figures.governance is not None:
        governance.word_section(doc, figures)
    if figures.evidence is not None:
        _evidence(doc, figures)
    _about(doc, figures)
    return doc.package(when, _props_xml(figures), pages)


def _title_page(doc: ReportDocument, f: Figures) -> None:
    doc.add(el("w:p", el("w:pPr", el("w:spacing", before=1200))))
    doc.text(f.council, style="TitlePageLine")
    doc.text(f.service, style="TitlePageLine")
    doc.text("Audit report", style="Title")
    doc.text(f.period_label, style="TitlePageLine")
    doc.text(f"Made on {f.made_on.day} {f.made_on:%B %Y} from the audit register, by auditdocs.")
    doc.add(el("w:p", el("w:pPr", el("w:spacing", before=480))))
    privacy = ("This report holds no names, dates of birth or case numbers." if f.anonymous else
               "This report holds no names of children, families or workers and no dates of birth. Case numbers "
               "appear only in the Inadequate follow-up table; auditors are named only in completion by auditor"
               + (" and managers in their dip samples." if f.managers_dip_samples else "."))
    if f.evidence is not None:
        privacy += (" Annex A quotes evidence from the forms, with the names the register holds replaced by roles: "
                    "read it before sharing, as it may name people the register does not know.")
    doc.text(privacy, style="Guidance")


def _summary(doc: ReportDocument, f: Figures, charts) -> None:
    doc.heading("Summary", new_page=True)
    c = f.completion.total
    g = f.grades.this_period
    doc.text(f"{c.allocated} audit{'s' * (c.allocated != 1)} were allocated for {f.period_label}: {c.returned} "
             f"returned ({c.on_time} on time, {c.late} late), {c.not_returned} not returned"
             + (f" ({c.not_yet_due} not yet due)" if c.not_yet_due else "")
             + f", {c.exempted} exempted and {c.cancelled} cancelled. {g.total} completed audits were graded.")
    doc.grid(["Figure", f.period_label, f.previous_label, "Change"],
             [[h.label, h.value, h.previous, h.change] for h in f.headlines], [4300, 1650, 1650, TEXT_W - 4300 - 3300])
    if "grades" in charts:
        doc.chart(charts["grades"])
    doc.heading(f"What changed since {f.previous_label}", 2)
    doc.bullets(change_sentences(f))
    if f.notes:
        doc.heading("To know", 2)
        doc.bullets(f.notes)


def _completion(doc: ReportDocument, f: Figures, charts) -> None:
    doc.heading("Completion", new_page=True)
    c = f.completion
    doc.text("Whether the audits allocated for the period came back by their due date (the last day of the month "
             "unless the allocation list gave another). Non-completion is reported to the senior leadership team.")
    if "completion" in charts:
        doc.chart(charts["completion"])
    headers = ["", "Allocated", *COMPLETION_LABELS.values()]
    keys = list(COMPLETION_LABELS)
    widths = _even(len(headers), first=2600)

    def rows(group):
        return [[r.name, r.allocated, *(getattr(r, k) for k in keys)] for r in group]

    for title, first, group in (("By service", "Service", c.by_service), ("By team", "Team", c.by_team),
                                ("By auditor", "Auditor", c.by_auditor)):
        doc.heading(title, 2)
        doc.grid([first, *headers[1:]], rows(group), widths,
                 total=[c.total.name, c.total.allocated, *(getattr(c.total, k) for k in keys)])
    if c.reallocated:
        doc.text(f"{c.reallocated} audit{'s were' if c.reallocated != 1 else ' was'} reallocated to another auditor: "
                 "each counts once, as the new audit.", style="Guidance")


def _grades(doc: ReportDocument, f: Figures, charts) -> None:
    g = f.grades
    doc.heading("Grades", new_page=True)
    doc.text("The overall grade of each completed audit: the grade after moderation where the audit was moderated. "
             "Grades run from best to worst.")
    if "grades" in charts:
        doc.chart(charts["grades"])
    _grade_table(doc, "Period", [GradeCounts(f.period_label, g.this_period.counts, g.this_period.total),
                                 GradeCounts(f.previous_label, g.previous_period.counts, g.previous_period.total)],
                 g.bands, total=False, width=1700)
    if g.ungraded:
        doc.text(f"{g.ungraded} completed audit{'s have' if g.ungraded != 1 else ' has'} no overall grade.",
                 style="Guidance")
    doc.heading("The last 12 months" if len(g.trend) == 12 else f"The last {len(g.trend)} months", 2)
    if "trend" in charts:
        doc.chart(charts["trend"])
    _grade_table(doc, "Month", g.trend, g.bands, width=1400)
    for title, name, rows, first in (("By team", "grades-team", g.by_team, "Team"),
                                     ("By audit type", "grades-type", g.by_audit_type, "Audit type"),
                                     ("By form", "grades-form", g.by_form, "Form")):
        doc.heading(title, 2)
        if name in charts:
            doc.chart(charts[name])
        _grade_table(doc, first, rows, g.bands)
    doc.heading("Grades changed by moderation", 2)
    ch_ = g.changes
    doc.text(f"{ch_.moderated} completed audit{'s' * (ch_.moderated != 1)} of {f.period_label} had a grade after "
             f"moderation: {ch_.up} moved up, {ch_.down} moved down and {ch_.unchanged} stayed the same.")


def _domains(doc: ReportDocument, f: Figures, charts) -> None:
    d = f.domains
    doc.heading("Domains", new_page=True)
    doc.text("How often each area the forms judge (each Knowledge and Skills Statement…) was met, partially met or "
             "not met in the completed audits of the period.")
    groups = d.groups()
    for name, scale, form, rows in groups:
        several = sum(1 for g in groups if g[1] is scale) > 1
        doc.heading(f"{scale.label} ({form})" if several and form else scale.label, 2)
        if name in charts:
            doc.chart(charts[name])
        labels, colours = _grade_headers(scale.bands)
        first = scale.bands[0]
        widths = _even(len(scale.bands) + 3, first=3800)
        doc.grid(["Area", *labels, "Audits", f"% {first.label.lower()}"],
                 [[r.title, *(r.counts.get(b.value, 0) for b in scale.bands), r.total,
                   _share(r.counts.get(first.value, 0), r.total)] for r in rows],
                 widths, [None, *colours, None, None])
    doc.heading("Questions most often answered No or Partially", 2)
    if not d.questions:
        doc.text("No question was answered No or Partially in the period.")
        return
    if "questions" in charts:
        doc.chart(charts["questions"])
    no, partially = d.concern_bands
    doc.grid(["Form", "Ref", "Question", no.label, partially.label, "Answered"],
             [[q.form, q.ref, q.question, q.no, q.partially, q.answered] for q in d.questions],
             [2000, 600, TEXT_W - 2000 - 600 - 3 * 900, 900, 900, 900],
             [None, None, None, no.colour.lstrip("#"), partially.colour.lstrip("#"), None])


def _inadequate(doc: ReportDocument, f: Figures) -> None:
    i = f.inadequate
    doc.heading("Inadequate cases", new_page=True)
    doc.text(f"{i.this_period} audit{'s' * (i.this_period != 1)} of {f.period_label} graded Inadequate "
             f"({i.previous_period} in {f.previous_label}). For each: a meeting of the group manager, team manager "
             "and worker as soon as possible, a review meeting after 4 weeks and a re-audit within 2 months, "
             "repeated until the case is no longer Inadequate.")
    if not i.cases:
        return
    earlier = sum(1 for c in i.cases if c.month < f"{f.first_month:%Y-%m}")
    if earlier:
        doc.text(f"The table also lists {earlier} Inadequate audit{'s' * (earlier != 1)} of earlier months whose "
                 "follow-up is not finished.")
    doc.grid(["Case", "Month", "Team", "Finalised", "Meeting", "Review meeting", "Re-audit", "Where it stands"],
             [[c.case + (" (again)" if c.again else ""), f"{dt.date.fromisoformat(c.month + '-01'):%b %Y}", c.team,
               c.finalised, c.meeting, c.review_meeting, c.re_audit, c.stands] for c in i.cases],
             [950, 1000, 1100, 1250, 1350, 1300, 1350, TEXT_W - 8300])


def _actions(doc: ReportDocument, f: Figures, charts) -> None:
    a = f.actions
    doc.heading("Actions", new_page=True)
    doc.text(f"{a.total.raised} action{'s' * (a.total.raised != 1)} were raised in the audits of {f.period_label}. "
             "An action is open until the team manager confirms it done; overdue once its required date has passed.")
    if "actions" in charts:
        doc.chart(charts["actions"])
    doc.grid(["Team", "Raised", "Open, not yet due", "Overdue", "Done"],
             [[r.name, r.raised, r.open, r.overdue, r.done] for r in a.by_team], _even(5, first=3200),
             total=["All teams", a.total.raised, a.total.open, a.total.overdue, a.total.done])
    e = a.earlier
    doc.text(f"From the audits of the earlier months of the last year: {e.open + e.overdue} action"
             f"{'s' * (e.open + e.overdue != 1)} still open, {e.overdue} of them overdue.")
    doc.heading("Oldest overdue actions", 2)
    if a.oldest_overdue:
        first = ["Action"] if not f.anonymous else []
        doc.grid([*first, "Team", "Required by", "Days overdue"],
                 [[*([o.action] if not f.anonymous else []), o.team, o.required_by, o.days_overdue]
                  for o in a.oldest_overdue])
    else:
        doc.text("No action is overdue.")
    doc.heading("Audits in drafts", 2)
    doc.text(f"{a.in_drafts} audit{'s' * (a.in_drafts != 1)} of {f.period_label} (and {a.in_drafts_earlier} of the "
             "earlier months) are still in drafts: the team manager has not yet confirmed every action done.")


def _moderation(doc: ReportDocument, f: Figures) -> None:
    mo = f.moderation
    doc.heading("Moderation", new_page=True)
    doc.text(f"Of {mo.complete} completed audit{'s' * (mo.complete != 1)}, {mo.selected} "
             f"{'were' if mo.selected != 1 else 'was'} selected for moderation, {mo.moderated} moderated and "
             f"{mo.disputed} disputed (moderated by a senior manager of another service). Moderation moved "
             f"{mo.changes.up} grade{'s' * (mo.changes.up != 1)} up and {mo.changes.down} down.")
    if mo.agreement:
        doc.grid(["Agreement", "Figure"], [[r.label, r.value] for r in mo.agreement], _even(2, first=6400))


def _activities(doc: ReportDocument, f: Figures) -> None:
    a = f.activities
    doc.heading("Audits by activity", new_page=True)
    doc.text(f"The audits of {f.period_label} by the activity of the audit programme each belongs to: the monthly "
             "control sample, dip samples, thematic audits and the managers' dip samples. The other sections of "
             "this report are of the monthly control sample only.")
    keys = list(COMPLETION_LABELS)
    doc.heading("Completion by activity", 2)
    rows = [[r.name, r.type, r.completion.allocated, *(getattr(r.completion, k) for k in keys)] for r in a.rows]
    doc.grid(["Activity", "Type", "Allocated", *COMPLETION_LABELS.values()], rows, _even(len(keys) + 3, first=2400))
    doc.heading("Grades by activity", 2)
    _grade_table(doc, "Activity", [r.grades for r in a.rows], a.bands)


def _managers_dip_samples(doc: ReportDocument, f: Figures) -> None:
    rows = f.managers_dip_samples
    done = sum(1 for r in rows if r.due and not r.outstanding)
    doc.heading("Managers' dip samples", new_page=True)
    doc.text(f"Heads of service, group managers and team managers each dip sample two cases a month. In "
             f"{f.period_label}, {done} of {len(rows)} manager{'s' * (len(rows) != 1)} returned all of theirs.")
    doc.grid(["Manager", "Role", "Due", "Returned", "Outstanding", "Grades"],
             [[r.manager, r.role or "–", r.due, r.returned, r.outstanding, ", ".join(r.grades) or "–"] for r in rows],
             [2300, 1700, 900, 1100, 1300, TEXT_W - 7300])


def _evidence(doc: ReportDocument, f: Figures) -> None:
    doc.heading("Annex A: evidence from the audits", new_page=True)
    doc.text("What auditors wrote about what is working well and what we are worried about, for a few audits of "
             "each grade. The names the register holds (the child or carer, the family, the workers) are replaced "
             "by their roles; names it does not hold (a school, a relative) cannot be known: read before sharing.",
             style="Guidance")
    if not f.evidence:
        doc.text("No evidence to quote in the period.")
    grade = None
    for q in f.evidence:
        if q.grade != grade:
            doc.heading(q.grade, 2)
            grade = q.grade
        doc.add(para(run(f"{q.field} ", bold=True), run(f"({q.form})"), keep_next=True))
        for line in q.text.splitlines() or [""]:
            doc.text(line, style="Quote")


def _about(doc: ReportDocument, f: Figures) -> None:
    doc.heading("About these figures", new_page=True)
    doc.bullets(about(f))
