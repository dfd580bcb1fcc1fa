"""Write Word audit forms from a spec: built once per form, filled once per record.

`WordForm(spec)` lays the whole document out once, with a token where each of the
record's details goes; `render(values, audit_id)` puts one record's details in
and zips the package. Each answer is a content control in its own table cell,
tagged with the field id, in a row whose first cell shows the row's reference,
so that a form can be read back even after an editor has stripped the tags
(which cell holds what: `layout`).

On paper: no row is split across pages, a heading row stays with the row after it,
a question stays with its voices, and an action row copied by a person numbers itself
(Word's list numbering in the number cell).
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from xml.sax.saxutils import escape

from lxml import etree

from ...domain import identity
from ...domain import model as m
from ..ooxml import WORD_NSMAP, qn
from ..reading import audit_line
from . import package
from .layout import (
    ANSWER,
    HEADING_SIZE,
    MARGIN,
    PAGE_H,
    PAGE_W,
    TEXT_W,
    action_widths,
    row_slots,
    section_grid,
)
from .oxml import (
    UNCHECKED,
    block_sdt,
    cell,
    checkbox_kind,
    date_kind,
    dropdown_kind,
    el,
    keep_with_next,
    para,
    row,
    run,
    sdt_props,
    table,
    text_para,
)

REF_SHADE, HEAD_SHADE = "F2F2F2", "DCE6F1"
KEEP_GUIDANCE = 3  # lines of a section's guidance kept with its table
KEEP_LAST = 16  # the last section is kept on one page when it has at most this many rows and paragraphs


def spacer() -> etree._Element:
    """An empty paragraph: two tables must never touch, or editors merge them into one."""
    return el("w:p", el("w:pPr", el("w:spacing", after=0)))


TOKEN = "\u27e6{}\u27e7"  # ⟦name⟧, replaced by each record's value
_TOKEN_RE = re.compile("\u27e6([A-Za-z0-9_.]+)\u27e7".encode())


class WordForm:
    """A form's Word document, built once; `render` fills it for one record."""

    def __init__(self, spec: m.FormSpec):
        self.spec = spec
        self._ids = iter(range(1000, 10**9))
        headings = [h for _, item in spec.items() if (h := self._column_heading(item)) is not None]
        self.grid = section_grid(spec, headings)
        self._lists = 0  # action tables, each its own numbered list
        self._document = etree.tostring(self._document_xml(), xml_declaration=True, encoding="UTF-8", standalone=True)
        self._footer = package.footer_xml(spec.title).encode()
        self._numbering = package.numbering_xml(self._lists).encode()

    # ---- per record ---------------------------------------------------------

    def render(self, values: dict[str, str], audit_id: str, when: dt.datetime | None = None) -> bytes:
        shown = {**identity.shown_values(self.spec, values), "audit_id": audit_id}

        def fill(match: re.Match) -> bytes:
            return escape(shown.get(match.group(1).decode(), "")).encode()

        document = _TOKEN_RE.sub(fill, self._document)
        props = identity.properties(self.spec, values, audit_id)
        when = when or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("[Content_Types].xml", package.CONTENT_TYPES)
            z.writestr("_rels/.rels", package.PACKAGE_RELS)
            z.writestr("docProps/core.xml", package.core_xml(self.spec.title, when))
            z.writestr("docProps/app.xml", package.APP)
            z.writestr("docProps/custom.xml", package.custom_xml(props))
            z.writestr("word/document.xml", document)
            z.writestr("word/_rels/document.xml.rels", package.DOCUMENT_RELS)
            z.writestr("word/styles.xml", package.STYLES)
            z.writestr("word/settings.xml", package.SETTINGS)
            z.writestr("word/numbering.xml", self._numbering)
            z.writestr("word/footer1.xml", self._footer)
        return out.getvalue()

    # ---- the document, once per form ----------------------------------------

    def _document_xml(self) -> etree._Element:
        body = el("w:body")
        for block in self._title_block():
            body.append(block)
        for n, section in enumerate(self.spec.sections, start=1):
            blocks = self._section(section)
            if n == len(self.spec.sections) and sum(len(b.findall(qn("w:tr"))) or 1 for b in blocks) <= KEEP_LAST:
                for block in blocks:  # the closing section all on one page: never a last page of one row
                    keep_with_next(block)
            for block in blocks:
                body.append(block)
        body.append(self._sect_pr())
        doc = etree.Element(qn("w:document"), nsmap=WORD_NSMAP)
        doc.set(qn("mc:Ignorable"), "w14 w15")
        doc.append(body)
        return doc

    def _sect_pr(self) -> etree._Element:
        footer = el("w:footerReference", type="default")
        footer.set(qn("r:id"), package.FOOTER_REL_ID)
        return el(
            "w:sectPr",
            footer,
            el("w:pgSz", w=PAGE_W, h=PAGE_H),
            el("w:pgMar", top=MARGIN, right=MARGIN, bottom=MARGIN, left=MARGIN, header=567, footer=567, gutter=0),
            el("w:cols", space=708),
            el("w:docGrid", linePitch=360),
        )

    def _next_id(self) -> int:
        return next(self._ids)

    def _title_block(self) -> list[etree._Element]:
        spec = self.spec
        blocks = [text_para(spec.title, style="Title")]
        blocks.append(para(
            run(f"{spec.subject_label}: ", bold=True),
            run(" ".join(TOKEN.format(k) for k in spec.name_fields)),
            run(f"   Case number: {TOKEN.format('case_number')}"),
        ))
        blocks.append(text_para(
            audit_line(spec, TOKEN.format("audit_id")),
            style="Guidance",
        ))
        blocks.append(text_para(
            "Choose an answer from each list and type your evidence in the box beside it. "
            "Do not delete the boxes. Need more actions? Copy a row of the action table.",
            style="Guidance",
        ))
        blocks += [self._header_table(), spacer()]
        return blocks

    def _header_table(self) -> etree._Element:
        """The record's details, two to a row: label | value | label | value."""
        half = TEXT_W // 2
        widths = [half * 2 // 5, half - half * 2 // 5] * 2
        cells = []
        for h in self.spec.header:
            value = block_sdt(
                sdt_props(tag=h.id, alias=h.label, sdt_id=self._next_id(), lock="sdtContentLocked",
                          kind=el("w:text"), showing_placeholder=False),
                text_para(TOKEN.format(h.id), style="CellText"),
            )
            cells.append(cell(widths[0], text_para(h.label, style="CellHeading"), shade=REF_SHADE))
            cells.append(cell(widths[1], value))
        if len(self.spec.header) % 2:  # the last value spans the rest of its row
            cells[-1] = cell(sum(widths[1:]), *cells[-1][1:], span=3)
        return table(widths, [row(*cells[i:i + 4], cant_split=True) for i in range(0, len(cells), 4)])

    # ---- sections -----------------------------------------------------------

    def _section(self, section: m.Section) -> list[etree._Element]:
        # The heading keeps with the guidance (style), and the last lines of guidance with the table:
        # long guidance may run over a page, rather than leave half a page empty.
        blocks = [text_para(f"{section.number}. {section.title}", style="Heading1")]
        if section.intro:
            blocks.append(text_para(section.intro, style="Guidance", keep_next=len(section.guidance) < KEEP_GUIDANCE))
        for n, g in enumerate(section.guidance, start=1):
            blocks.append(text_para(f"•  {g}", style="Guidance", indent=284, hanging=227,
                                    keep_next=n > len(section.guidance) - KEEP_GUIDANCE))
        rows: list[etree._Element] = []
        last_heading = None
        for item in section.items:
            if isinstance(item, m.Actions):
                if rows:
                    blocks += [table(self.grid, rows), spacer()]
                    rows = []
                blocks += self._actions(item.table)
                last_heading = None
                continue
            heading = self._column_heading(item)
            if heading is not None and heading != last_heading:
                rows.append(self._heading_row(heading))
            last_heading = heading
            rows += self._item_rows(item)
        if rows:
            blocks += [table(self.grid, rows), spacer()]
        return blocks

    def _column_heading(self, item: m.Item) -> tuple[str, ...] | None:
        if isinstance(item, m.Question) and item.voices:
            return ("Ref", "Question", "Grading", "Comment")
        if isinstance(item, m.Question):
            answer = item.fields[0]
            return ("Ref", "Question", answer.scale.label if answer.scale else "Answer", item.evidence_label or "")
        if isinstance(item, m.Check):
            return ("Ref", "Process check", "Date", "Confirmed?", "Auditor's comments")
        return None

    def _heading_row(self, heading: tuple[str, ...]) -> etree._Element:
        """Column headings: repeated on each page, and kept with the row below them."""
        spans = [1, 1, 1, 2] if len(heading) == 4 else [1, 1, 1, 1, 1]
        cells, col = [], 0
        for text, span in zip(heading, spans):
            cells.append(cell(sum(self.grid[col:col + span]), text_para(text, style="CellHeading"),
                              span=span, shade=HEAD_SHADE))
            col += span
        return keep_with_next(row(*cells, header=True, cant_split=True))

    def _ref_cell(self, ref: str) -> etree._Element:
        return cell(self.grid[0], text_para(ref, style="CellHeading"), shade=REF_SHADE)

    def _text_cell(self, text: str, notes: tuple[str, ...] = (), span: int = 1) -> etree._Element:
        content = [text_para(text, style="CellText")]
        content += [text_para(f"•  {n}", style="Guidance", indent=227, hanging=170) for n in notes]
        return cell(sum(self.grid[1:1 + span]), *content, span=span)

    def _item_rows(self, item: m.Item) -> list[etree._Element]:
        """The rows of one item, every cell where `layout.row_slots` says; no row splits across pages."""
        fields = {f.part: f for f in item.fields}
        slots = row_slots(item)
        if isinstance(item, m.Question) and item.voices:  # the question, kept with its first voice
            rows = [keep_with_next(row(self._ref_cell(item.ref), self._text_cell(item.text, item.prompts, span=4),
                                       cant_split=True))]
            for ref, voice in item.voice_rows():
                rows.append(row(self._ref_cell(ref), self._text_cell(voice.label),
                                *self._slot_cells(slots[ref], fields), cant_split=True))
            return rows
        if isinstance(item, m.Check):
            notes = tuple(f.label[len(item.ref) + 1:] for f in item.fields if f.part in ("date", "confirm"))
        elif isinstance(item, m.Judgement) and (companion := fields.get("comment")) is not None:
            notes = (f"Comment → {companion.label[len(item.ref) + 1:]}",)
        else:
            notes = getattr(item, "prompts", ())
        text = getattr(item, "text", None) or item.label
        return [row(self._ref_cell(item.ref), self._text_cell(text, notes),
                    *self._slot_cells(slots[item.ref], fields), cant_split=True)]

    def _slot_cells(self, slots, fields) -> list[etree._Element]:
        """A cell per slot; a grey cell where a process check has no such part."""
        by_column = {s.column: s for s in slots}
        cells, col = [], ANSWER
        while col < len(self.grid):
            slot = by_column.get(col)
            if slot is None:
                cells.append(cell(self.grid[col], shade=REF_SHADE))
                col += 1
                continue
            f = fields[slot.part]
            width = sum(self.grid[col:col + slot.span])
            cells.append(cell(width, self.control(f.id, f.label, f.type, f.scale, f.placeholder), span=slot.span))
            col += slot.span
        return cells

    # ---- action tables ------------------------------------------------------

    def _actions(self, t: m.Table) -> list[etree._Element]:
        """An action table: its reference and column headings, then numbered rows (Word numbers
        a row a person copies, too)."""
        widths, size = action_widths(t)
        self._lists += 1
        number = self._lists

        def heading(text: str, w: int) -> etree._Element:
            fmt = {"size": size} if size != HEADING_SIZE else {}
            return cell(w, text_para(text, style="CellHeading", run_fmt=fmt), shade=HEAD_SHADE)

        rows = [row(heading(t.ref, widths[0]), *(heading(c.label, w) for w, c in zip(widths[1:], t.columns)),
                    header=True, cant_split=True)]
        for _ in range(t.rows):
            rows.append(row(
                cell(widths[0], para(style="CellText", num_id=number), shade=REF_SHADE),
                *(cell(w, self.control(c.tag(t.id), f"{t.ref} {c.label}", c.type, c.scale,
                                       m.PLACEHOLDER["column choice"] if c.scale else m.PLACEHOLDER["date"] if c.type == "date" else ""))
                  for w, c in zip(widths[1:], t.columns)),
                cant_split=True,
            ))
        for tr in rows[:-1]:  # a short table stays whole, on one page
            keep_with_next(tr)
        caption = text_para(f"{t.ref}  {t.title or 'Actions'}", style="CellHeading", keep_next=True, before=120)
        return [caption, table(widths, rows), spacer()]

    # ---- one content control ------------------------------------------------

    def control(self, tag: str, alias: str, ftype: str, scale: m.Scale | None, placeholder: str) -> etree._Element:
        """A block-level content control holding one paragraph, protected against deletion."""
        if ftype == "checkbox":
            props = sdt_props(tag=tag, alias=alias, sdt_id=self._next_id(), lock="sdtLocked", kind=None, showing_placeholder=False)
            props.append(checkbox_kind(False))
            return block_sdt(props, para(run(UNCHECKED, font="MS Gothic"), style="CellText"))
        if scale is not None:
            kind = dropdown_kind([(o.label, o.value) for o in scale.options])
        elif ftype == "date":
            kind = date_kind()
        elif ftype in ("line", "role", "person"):
            kind = el("w:text")
        else:
            kind = None  # rich text: several paragraphs allowed
        props = sdt_props(tag=tag, alias=alias, sdt_id=self._next_id(), lock="sdtLocked", kind=kind,
                          showing_placeholder=bool(placeholder))
        content = run(placeholder, style="PlaceholderText", colour="666666") if placeholder else None
        return block_sdt(props, para(content, style="CellText"))


def form_for(spec: m.FormSpec, template=None):
    """The Word form maker for a spec: ours, or a council's own template (docxtpl)."""
    if template is None:
        return WordForm(spec)
    from .council import CouncilTemplateForm

    return CouncilTemplateForm(spec, template)


__all__ = ["WordForm", "form_for"]
