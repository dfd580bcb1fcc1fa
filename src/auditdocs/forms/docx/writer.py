"""Write Word audit forms from a spec: built once per form, filled once per record.

`WordForm(spec)` lays the whole document out once, with a token where each of the
record's details goes; `render(values, audit_id)` puts one record's details in
and zips the package. Each answer is a content control in its own table cell,
tagged with the field id, in a row whose first cell shows the row's reference,
so that a form can be read back even after an editor has stripped the tags.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from xml.sax.saxutils import escape

from lxml import etree

from ... import identity
from ... import model as m
from ...reading import audit_line
from . import package
from .oxml import (
    NSMAP,
    UNCHECKED,
    block_sdt,
    cell,
    checkbox_kind,
    date_kind,
    dropdown_kind,
    el,
    para,
    qn,
    row,
    run,
    sdt_props,
    table,
    text_para,
)

# A4 portrait, 2 cm margins: 9638 twips of text width.
PAGE_W, PAGE_H, MARGIN = 11906, 16838, 1134
TEXT_W = PAGE_W - 2 * MARGIN
# Section tables: reference | question | three answer columns (see _item_rows).
GRID = [560, 3700, 1250, 1250, TEXT_W - 560 - 3700 - 2 * 1250]
REF_SHADE, HEAD_SHADE = "F2F2F2", "DCE6F1"
COLUMN_WEIGHTS = {"text": 3.0, "line": 2.0, "role": 1.6, "person": 1.6, "date": 1.3, "choice": 1.5}
ACTION_NO_W = 440

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
        self._document = etree.tostring(self._document_xml(), xml_declaration=True, encoding="UTF-8", standalone=True)
        self._footer = package.footer_xml(spec.title).encode()

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
            z.writestr("word/footer1.xml", self._footer)
        return out.getvalue()

    # ---- the document, once per form ----------------------------------------

    def _document_xml(self) -> etree._Element:
        body = el("w:body")
        for block in self._title_block():
            body.append(block)
        for section in self.spec.sections:
            for block in self._section(section):
                body.append(block)
        body.append(self._sect_pr())
        doc = etree.Element(qn("w:document"), nsmap=NSMAP)
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
        blocks = [text_para(f"{section.number}. {section.title}", style="Heading1")]
        if section.intro:
            blocks.append(text_para(section.intro, style="Guidance", keep_next=True))
        for g in section.guidance:
            blocks.append(text_para(f"•  {g}", style="Guidance", indent=284, hanging=227, keep_next=True))
        rows: list[etree._Element] = []
        last_heading = None
        for item in section.items:
            if isinstance(item, m.Actions):
                if rows:
                    blocks += [table(GRID, rows), spacer()]
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
            blocks += [table(GRID, rows), spacer()]
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
        spans = [1, 1, 1, 2] if len(heading) == 4 else [1, 1, 1, 1, 1]
        cells, col = [], 0
        for text, span in zip(heading, spans):
            cells.append(cell(sum(GRID[col:col + span]), text_para(text, style="CellHeading"), span=span, shade=HEAD_SHADE))
            col += span
        return row(*cells, header=True, cant_split=True)

    def _ref_cell(self, ref: str) -> etree._Element:
        return cell(GRID[0], text_para(ref, style="CellHeading"), shade=REF_SHADE)

    def _text_cell(self, text: str, notes: tuple[str, ...] = (), width=GRID[1], span=1) -> etree._Element:
        content = [text_para(text, style="CellText")]
        content += [text_para(f"•  {n}", style="Guidance", indent=227, hanging=170) for n in notes]
        return cell(width, *content, span=span)

    def _control_cell(self, f: m.Field, first_col: int, span: int) -> etree._Element:
        return cell(sum(GRID[first_col:first_col + span]), self.control(f.id, f.label, f.type, f.scale, f.placeholder), span=span)

    def _item_rows(self, item: m.Item) -> list[etree._Element]:
        fields = {f.part: f for f in item.fields}
        if isinstance(item, m.Question) and item.voices:
            rows = [row(self._ref_cell(item.ref), self._text_cell(item.text, item.prompts, sum(GRID[1:]), span=4))]
            for ref, voice in item.voice_rows():
                rows.append(row(
                    self._ref_cell(ref),
                    self._text_cell(voice.label),
                    self._control_cell(fields[f"{voice.id}.grade"], 2, 1),
                    self._control_cell(fields[f"{voice.id}.comment"], 3, 2),
                ))
            return rows
        cells = [self._ref_cell(item.ref)]
        if isinstance(item, m.Check):
            notes = tuple(f.label[len(item.ref) + 1:] for f in item.fields if f.part in ("date", "confirm"))
            cells.append(self._text_cell(item.text, notes))
            for col, part in ((2, "date"), (3, "confirm"), (4, "comment")):
                cells.append(self._control_cell(fields[part], col, 1) if part in fields else cell(GRID[col], shade=REF_SHADE))
            return [row(*cells)]
        if isinstance(item, m.FieldItem):
            cells.append(self._text_cell(item.label, item.prompts))
            cells.append(self._control_cell(fields["answer"], 2, 3))
            return [row(*cells)]
        # a question without voices, or a judgement: answer | evidence or comment
        text = item.text if isinstance(item, m.Question) else item.label
        companion = fields.get("evidence") or fields.get("comment")
        notes = getattr(item, "prompts", ())
        if isinstance(item, m.Judgement) and companion is not None:
            notes = (f"Comment → {companion.label[len(item.ref) + 1:]}",)
        cells.append(self._text_cell(text, notes))
        if companion is None:
            cells.append(self._control_cell(fields["answer"], 2, 3))
        else:
            cells.append(self._control_cell(fields["answer"], 2, 1))
            cells.append(self._control_cell(companion, 3, 2))
        return [row(*cells)]

    # ---- action tables ------------------------------------------------------

    def _actions(self, t: m.Table) -> list[etree._Element]:
        weights = [COLUMN_WEIGHTS[c.type] for c in t.columns]
        room = TEXT_W - ACTION_NO_W
        widths = [ACTION_NO_W] + [int(room * w / sum(weights)) for w in weights]
        widths[-1] += TEXT_W - sum(widths)
        heading = row(
            cell(widths[0], text_para(t.ref, style="CellHeading"), shade=HEAD_SHADE),
            *(cell(w, text_para(c.label, style="CellHeading"), shade=HEAD_SHADE) for w, c in zip(widths[1:], t.columns)),
            header=True, cant_split=True,
        )
        rows = [heading]
        for n in range(1, t.rows + 1):
            rows.append(row(
                cell(widths[0], text_para(str(n), style="CellText"), shade=REF_SHADE),
                *(cell(w, self.control(c.tag(t.id), f"{t.ref} {c.label}", c.type, c.scale,
                                       m.PLACEHOLDER["column choice"] if c.scale else m.PLACEHOLDER["date"] if c.type == "date" else ""))
                  for w, c in zip(widths[1:], t.columns)),
            ))
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
        content = run(placeholder, style="PlaceholderText", colour="808080") if placeholder else None
        return block_sdt(props, para(content, style="CellText"))


def form_for(spec: m.FormSpec, template=None):
    """The Word form maker for a spec: ours, or a council's own template (docxtpl)."""
    if template is None:
        return WordForm(spec)
    from .council import CouncilTemplateForm

    return CouncilTemplateForm(spec, template)


__all__ = ["WordForm", "form_for"]
