"""Read a returned Word form into an `AuditRecord`, whatever the editor did to it.

Each answer is found, in order, by:
1. its content control's tag (the field id);
2. its table row's visible reference and the cell's position in the row (`layout`, which
   `WordForm` writes by), reading the cell's whole text, so a control whose tag was
   stripped, whose paragraphs were moved out, or that was deleted and typed over
   still reads;
3. the order and kind of the remaining untagged controls, compared with the spec.
Tracked changes are read as if accepted (and reported); deleted text, comments,
proofing marks, bookmarks and placeholders are never read as answers; controls that
LibreOffice broke into pieces are put back together first (see `libreoffice`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path

from lxml import etree
from lxml.etree import tostring

from ...domain import dates, identity
from ...domain import model as m
from .. import strict
from ..answers import clean_text, normalise, row_is_empty
from ..ooxml import qn
from ..read import content_check
from ..reading import (
    identify,
    read_safely,
    refuse_macros,
    subject_values,
    take_answers,
    take_subject,
)
from ..safezip import NotReadable, open_package_read, parse_xml, read_part
from .layout import answer_cells, row_slots
from .libreoffice import (
    LIBREOFFICE_DAMAGED,
    Damaged,
    damaged_by_libreoffice,
    may_hold_libreoffice_pieces,
    put_libreoffice_pieces_together,
)

W, W14 = qn("w:"), qn("w14:")  # "{namespace}", to put before a name
T, P, R, TBL, TR, TC, SDT, SDT_PR = (W + n for n in ("t", "p", "r", "tbl", "tr", "tc", "sdt", "sdtPr"))
MARKS = {W + "tab": "\t", W + "br": "\n", W + "cr": "\n", W + "noBreakHyphen": "-"}
TEXT = (T, *MARKS)
HIDDEN = frozenset(W + n for n in ("del", "moveFrom", "instrText", "delInstrText"))  # never what a person sees
REVISIONS = frozenset(W + n for n in ("ins", "del", "moveFrom", "moveTo"))
_PREPARED = tuple(REVISIONS | HIDDEN | set(MARKS))  # what `_prepare` looks at
STRICT_NOTE = ("the form was saved as a Strict Open XML Document; it was read as usual. Ask the auditor to save "
               "forms as Word Document (.docx) (File > Save As), which every program reads.")
#: Word's own placeholder texts (every version since 2007, and its building-block galleries'), never an answer.
WORD_PLACEHOLDERS = {
    "choose an item.", "click or tap here to enter text.", "click or tap to enter a date.", "click here to enter text.",
    "click here to enter a date.", "tap here to enter text.", "tap to enter a date.", "choose a building block.",
    "click or tap here to enter text", "click here to enter text"}
#: Placeholder texts: ours, and Word's own.
PLACEHOLDERS = {text.casefold() for text in m.PLACEHOLDER.values() if text} | WORD_PLACEHOLDERS


@dataclass
class _Body:
    """A document body made to read as a person sees it (`_prepare`), with its controls found once."""

    element: etree._Element
    controls: list[tuple[etree._Element, str]]  # every content control and its tag, in document order
    revised: bool  # it had tracked changes (read as if accepted)
    damaged: bool  # LibreOffice damaged a control beyond putting right
    plain: bool = False  # all its text is in text elements (`_visible_text` can take the quick way)
    kinds: dict = dc_field(default_factory=dict)  # control -> its tick box and date properties, in order
    tables: list = dc_field(default_factory=list)  # every w:tbl, in document order

    def text(self, element) -> str:
        """`_visible_text` of an element of this body."""
        return _visible_text(element, self.plain)

    def value(self, sdt, tc) -> object:
        """The text a person sees in a control (or in its whole cell, when `tc` is given)."""
        kinds = self.kinds.get(sdt) if sdt is not None else ()
        if kinds is None:
            props = _sdt_props(sdt)
            kinds = props.iterchildren(_CHECKBOX, _DATE) if props is not None else ()
        date = None
        for kind in kinds:
            if kind.tag == _DATE:
                date = kind if date is None else date
                continue
            box = next(kind.iterchildren(_CHECKED), None)
            if box is not None:  # LibreOffice writes w:val where Word writes w14:val
                return box.get(W14 + "val", box.get(W + "val")) in ("1", "true", "on")
        where = tc if tc is not None else sdt
        text = _visible_text(where, self.plain)
        if self.damaged and where is not None and damaged_by_libreoffice(where):
            return Damaged(text)
        if date is not None and sdt.get(PLACEHOLDER_SHOWN) is None:
            return date_shown(text, date)
        return text


@dataclass
class _Found:
    """What has been read so far: raw text per field, rows per table."""

    raw: dict[str, object] = dc_field(default_factory=dict)
    rows: dict[str, list[dict[str, object]]] = dc_field(default_factory=dict)


def read_docx(path: Path, library) -> m.AuditRecord:
    """Read one returned Word form. Never raises for a bad file: it is 'unreadable' with the reason."""
    return read_safely(_read, path, library)


def _read(path: Path, library, record: m.AuditRecord) -> None:
    package, content = open_package_read(path, ".docx")
    if content is not None:
        record.file_check = content_check(content)
    with package:
        refuse_macros(read_part(package, "[Content_Types].xml") or b"", "Word document")
        document_xml = read_part(package, "word/document.xml")
        if document_xml is None:
            raise NotReadable("this is not a Word document (it has no document body). Ask for the .docx form.")
        custom = read_part(package, "docProps/custom.xml")
        core = read_part(package, "docProps/core.xml")
        glossary = read_part(package, "word/glossary/document.xml")
        document = parse_xml(document_xml, "document")
        if document.find(W + "body") is None and strict.is_strict(document_xml):  # saved as Strict Open XML
            document = parse_xml(strict.transitional(document_xml), "document")
            glossary = strict.transitional(glossary) if glossary else glossary
            record.notes.append(STRICT_NOTE)
        props = _custom_properties(parse_xml(custom, "custom properties")) if custom else {}
        record.modified = _modified(parse_xml(core, "core properties")) if core else ""
        placeholders = _glossary_placeholders(parse_xml(glossary, "glossary")) if glossary else {}
    element = document.find(W + "body")
    if element is None:
        raise NotReadable("this Word document has no body. Ask the auditor to send the form again.")
    body = _prepare(element, placeholders)
    spec = identify(props, (body.text(p) for p in element.iter(P)), library, record)
    layout_is_ours = props.get(identity.PROP_LAYOUT, "auditdocs") == "auditdocs"
    found = _Found()
    columns = _read_tagged_controls(body, spec, found, layout_is_ours)
    if layout_is_ours:
        _read_rows_by_reference(body, spec, found)
        _read_action_tables(body, spec, found, columns)
    else:
        _read_tagged_table_rows(body, columns, found)
        _read_cells_of_removed_controls(body, spec, found, props)
    _read_remaining_by_order(body, spec, found)
    _split_joined_choices(spec, found, record)
    details = _header_values(body, spec, found, props)
    take_subject(spec, details, record)
    if body.damaged:  # (only then can an answer be `Damaged`)
        _report_libreoffice_damage(spec, details, found, record)
    if body.revised:
        record.problems.append(m.Problem("", "the form has tracked changes that are not accepted; they were read as "
                                         "if accepted. Accept or reject them in Word (Review > Accept All Changes) "
                                         "and send the form again."))
    take_answers(spec, found.raw, found.rows, record)


def date_shown(text: str, date) -> str:
    """A date control's answer: the date Word stored (`w:fullDate`), unless the text shows another date
    in the control's own format (an editor other than Word changed it); else the text as read by that
    format (`M/d/yyyy` is month-first), never by a guess. Text that is not a date is left as it is."""
    full = date.get(_FULL_DATE) or ""
    stored = full[:10] if re.match(r"\d{4}-\d{2}-\d{2}", full) else ""
    fmt = date.find(_DATE_FORMAT)
    shown = dates.by_word_format(text, fmt.get(_VAL, "")) if text and fmt is not None else None
    if shown is not None and shown.isoformat() != stored:
        return shown.isoformat()
    return stored or text


def _report_libreoffice_damage(spec: m.FormSpec, details: dict, found: _Found, record: m.AuditRecord) -> None:
    """A problem for every answer (and detail) whose text LibreOffice damaged beyond putting right."""
    what = ("LibreOffice damaged this answer when it saved the form (parts of the text are repeated); "
            "check it, correct it in the form and send the form again.")
    for h in spec.header:
        if isinstance(details.get(h.id), Damaged):
            record.problems.append(m.Problem(h.id, f"{h.label}: {what}"))
    for f in spec.fields:
        if isinstance(found.raw.get(f.id), Damaged):
            record.problems.append(m.Problem(f.id, f"{f.label}: {what}"))
    for t in spec.tables:
        filled = [row for row in found.rows.get(t.id, []) if not row_is_empty(row)]
        for n, row in enumerate(filled, start=1):
            for c in t.columns:
                if isinstance(row.get(c.id), Damaged):
                    record.problems.append(m.Problem(c.tag(t.id), f"{t.ref} action {n}, {c.label}: {what}"))


def details_as_read(document_xml: bytes, spec: m.FormSpec, props: dict[str, str]) -> dict[str, str]:
    """The record's details as this reader finds them in a council template's document.

    A template shows details wherever its author put them (often as plain text), so its
    fingerprint is made from what reading the merged document gives, not from the list."""
    element = parse_xml(document_xml, "document").find(W + "body")
    found = _Found()
    body = _prepare(element, {})
    _read_tagged_controls(body, spec, found, whole_cell=False)
    return subject_values(spec, _header_values(body, spec, found, props))


def answers_already_given(document_xml: bytes, glossary_xml: bytes | None, spec: m.FormSpec
                          ) -> list[tuple[str, str, object]]:
    """The answers a council template holds before anyone fills it in, as this reader reads a form made
    from it (by its controls' tags, else their order and kind): (tag, what it is, the answer as people see it,
    a choice as its label). An empty
    box (☐) is how every form starts, so is not one."""
    element = parse_xml(document_xml, "document").find(W + "body")
    placeholders = _glossary_placeholders(parse_xml(glossary_xml, "glossary")) if glossary_xml else {}
    body = _prepare(element, placeholders)
    found = _Found()
    _read_tagged_table_rows(body, _read_tagged_controls(body, spec, found, whole_cell=False), found)
    _read_remaining_by_order(body, spec, found)
    held = []

    def hold(tag, kind, label, raw):
        value, _ = normalise(kind, raw, label)
        if value is not None and value is not False:
            held.append((tag, label, m.shown(kind, value)))

    for f in spec.fields:
        if f.id in found.raw:
            hold(f.id, f, f.label, found.raw[f.id])
    for t in spec.tables:
        for row in found.rows.get(t.id, []):
            for c in t.columns:
                if c.id in row:
                    hold(c.tag(t.id), c, f"{t.ref} action, {c.label}", row[c.id])
    return held


# ---- identity -----------------------------------------------------------------------


def _custom_properties(root: etree._Element) -> dict[str, str]:
    props = {}
    for prop in root:
        name = prop.get("name")
        if name and len(prop):
            props[name] = prop[0].text or ""
    return props


def _modified(root: etree._Element) -> str:
    node = root.find(qn("dcterms:modified"))
    text = (node.text or "") if node is not None else ""
    return text[:10] if re.match(r"\d{4}-\d{2}-\d{2}", text) else ""


def _header_values(body: _Body, spec: m.FormSpec, found: _Found, props: dict) -> dict[str, object]:
    """The record's details: from the header controls, else the header table's labels, else the properties."""
    by_label = None

    def labelled() -> dict[str, str]:
        texts = {}
        first_table = body.element.find(TBL)
        if first_table is not None:
            for tr in first_table.iter(TR):
                cells = tr.findall(TC)
                for label_cell, value_cell in zip(cells[::2], cells[1::2]):
                    texts[_norm(body.text(label_cell))] = body.text(value_cell)
        return texts

    raw = {}
    for h in spec.header:
        value = found.raw.pop(h.id, None)
        if value is None:
            by_label = labelled() if by_label is None else by_label
            value = by_label.get(_norm(h.label))
        if value is None:
            value = props.get(identity.PROP_SUBJECT + h.id, "")
        raw[h.id] = value
    return raw


# ---- 1. tagged controls ----------------------------------------------------------------


def _read_tagged_controls(body: _Body, spec: m.FormSpec, found: _Found, whole_cell: bool
                          ) -> list[tuple[str, etree._Element]]:
    """Read every control whose tag is a field or header id; return the table-column controls."""
    places = _places(spec)
    wanted, column_tags = places.wanted, places.column_tags
    columns = []
    for sdt, tag in body.controls:
        if tag in wanted and tag not in found.raw:
            tc = _ancestor(sdt, TC) if whole_cell else None
            found.raw[tag] = body.value(sdt, tc)
        elif tag in column_tags:
            columns.append((tag, sdt))
    return columns


def _read_tagged_table_rows(body: _Body, columns, found: _Found) -> None:
    """A council's template: action rows are the table rows holding tagged controls, in document order."""
    rows: dict[tuple[str, etree._Element], dict] = {}  # (table id, its row element) -> values
    for tag, sdt in columns:
        table_id, column_id = tag.rsplit(".", 1)
        tr = _ancestor(sdt, TR)
        values = rows.setdefault((table_id, tr if tr is not None else sdt), {})  # the element, never its id()
        values.setdefault(column_id, body.value(sdt, None))
    for (table_id, _), values in rows.items():
        found.rows.setdefault(table_id, []).append(values)


# ---- a council template's controls that remove themselves when edited ---------------------------


PROP_CELL = "auditdocs.cell."  # + a field id: where its control, which removes itself when edited, stood
_TEMPORARY = W + "temporary"


def removable_controls(document_xml: bytes, spec: m.FormSpec) -> tuple[dict[str, str], list[str]]:
    """The controls of a (merged) council template set to "Remove content control when contents are
    edited": for those of fields standing in a table cell, the properties saying where (`PROP_CELL`),
    so that the answer typed there is read from the cell; and the tags of the others, which cannot be
    read back once edited."""
    element = parse_xml(document_xml, "document").find(W + "body")
    fields = {f.id for f in spec.fields}
    columns = set(_places(spec).column_tags)
    tables = list(element.iter(TBL))
    where, lost = {}, []
    for sdt in element.iter(SDT):
        props = _sdt_props(sdt)
        if props is None or props.find(_TEMPORARY) is None:
            continue
        tag = _tag_of(props)
        tc = _closest(sdt, TC)
        if tc is None or _closest(sdt, TR) is not _closest(tc, TR):
            tc = sdt.find(f"{W}sdtContent/{TC}")  # a control wrapping its whole cell
        if tag in columns or (tag in fields and tc is None):
            lost.append(tag)
        if tag not in fields or tc is None:
            continue
        tr = _closest(tc, TR)
        cells = _own(tr, TC, TR)
        date = props.find(_DATE)
        fmt = date.find(_DATE_FORMAT) if date is not None else None
        where[PROP_CELL + tag] = "|".join([
            f"{tables.index(_closest(tr, TBL))}/{_own(_closest(tr, TBL), TR, TBL).index(tr)}/{cells.index(tc)}",
            fmt.get(_VAL, "") if fmt is not None else "", _outside_controls(tc), _row_label(cells, tc)])
    return where, lost


def _read_cells_of_removed_controls(body: _Body, spec: m.FormSpec, found: _Found, props: dict[str, str]) -> None:
    """An answer whose control removed itself when the auditor typed (see `removable_controls`): the text
    of the cell it stood in, found by its row's other cells' text (a row added above it moves nothing),
    else by its place."""
    places = [(name[len(PROP_CELL):], value) for name, value in props.items() if name.startswith(PROP_CELL)]
    fields = {f.id for f in spec.fields}
    rows = None
    for tag, value in places:
        if tag not in fields or tag in found.raw:
            continue
        place, fmt, static, label = (value.split("|", 3) + ["", "", ""])[:4]
        try:
            t, r, c = (int(n) for n in place.split("/"))
        except ValueError:
            continue
        if rows is None:
            rows = [_own(tbl, TR, TBL) for tbl in body.element.iter(TBL)]
        same = [cells[c] for table in rows for tr in table if len(cells := _own(tr, TC, TR)) > c
                and _row_label(cells, cells[c]) == label] if label else []
        if len(same) == 1:
            tc = same[0]
        elif t < len(rows) and r < len(rows[t]) and len(cells := _own(rows[t][r], TC, TR)) > c:
            tc = cells[c]
        else:
            continue
        text = _visible_text(tc)
        if static and _norm(text).startswith(static):  # the cell's own words ("Date:") are not the answer
            text = text.strip()[len(static):].strip() if text.strip().casefold().startswith(static) else text
        if fmt and text:
            shown = dates.by_word_format(text, fmt)
            text = shown.isoformat() if shown else text
        found.raw[tag] = text


def _row_label(cells, tc) -> str:
    """What a row shows outside content controls, but for cell `tc`: which row it is."""
    return " | ".join(_outside_controls(c) for c in cells if c is not tc)


def _outside_controls(element) -> str:
    """An element's text that is in no content control within it (normalised)."""
    texts = []
    for t in element.iter(T):
        node = t.getparent()
        while node is not None and node is not element and node.tag != SDT:
            node = node.getparent()
        if node is None or node is element:
            texts.append(t.text or "")
    return _norm("".join(texts))


def _closest(element, tag):
    """The nearest ancestor with this tag (None if none)."""
    parent = element.getparent()
    while parent is not None and parent.tag != tag:
        parent = parent.getparent()
    return parent


def _own(parent, tag, container):
    """The `tag` elements of `parent` that are not in a nested `container` (rows of this table, cells of
    this row), also where a content control wraps them."""
    return [e for e in parent.iter(tag) if _closest(e, container) is parent]


# ---- 2. rows by visible reference ----------------------------------------------------


@dataclass(frozen=True)
class _Places:
    """Where a spec's answers are found, by their controls' tags and by row reference (the same for every
    form of the spec, so worked out once)."""

    cells: dict[str, list[tuple[m.Field, int]]]  # row reference -> (field, index of its cell) in that row
    refs: frozenset[str]  # every row reference, as `_norm` gives it, and the heading "ref"
    wanted: frozenset[str]  # the tags of the controls of fields and details
    column_tags: dict[str, m.Table]  # the tags of the controls of action table columns -> their table
    in_cells: frozenset[str] = frozenset()  # the ids of the fields in `cells`
    field_ids: frozenset[str] = frozenset()  # the ids of every field


_places_kept: dict[int, tuple[m.FormSpec, _Places]] = {}


def _places(spec: m.FormSpec) -> _Places:
    kept = _places_kept.get(id(spec))
    if kept is not None and kept[0] is spec:
        return kept[1]
    cells = answer_cells(spec)
    refs = {"ref"} | {_norm(ref) for _, item in spec.items() for ref in row_slots(item)}
    places = _Places(cells, frozenset(refs), frozenset({f.id for f in spec.fields} | {h.id for h in spec.header}),
                    {c.tag(t.id): t for t in spec.tables for c in t.columns},
                    frozenset(f.id for targets in cells.values() for f, _ in targets),
                    frozenset(f.id for f in spec.fields))
    _places_kept[id(spec)] = (spec, places)
    return places


def _read_rows_by_reference(body: _Body, spec: m.FormSpec, found: _Found) -> None:
    places = _places(spec)
    if found.raw.keys() >= places.in_cells:
        return  # every answer was found by its tag
    layout = places.cells
    for tr in body.element.iter(TR):
        cells = _children(tr, TC)
        if len(cells) < 3:
            continue
        targets = layout.get(body.text(cells[0]).strip())
        for f, index in targets or ():
            if f.id not in found.raw and index < len(cells):
                found.raw[f.id] = body.value(_first_sdt(cells[index]), cells[index])


@dataclass
class _Part:
    """The part of an action table read last: a table split in two continues it."""

    table: m.Table
    positions: list[tuple[m.Column, int]]
    heading: list[str]  # the heading row's cell texts
    element: etree._Element  # its w:tbl


def _read_action_tables(body: _Body, spec: m.FormSpec, found: _Found, columns: list[tuple[str, etree._Element]]
                        ) -> None:
    """Every row of every action table, in order, including every part of a table that was split
    (Word's Layout > Split Table, or a paragraph typed between two rows): a part without the
    heading row continues the table its tagged controls belong to, or, with no tags left, the
    action table just above it when only paragraphs lie between and its rows look the same."""
    by_ref = {t.ref: t for t in spec.tables}
    places = _places(spec)
    refs = places.refs
    tagged_by, tagged_rows = _tagged_tables(columns, places.column_tags, body.element)
    last: dict[str, _Part] = {}  # table id -> its part read last
    previous: _Part | None = None
    text = body.text
    for tbl in body.tables:
        head = next(tbl.iterchildren(TR), None)  # its first row (the others are looked at only in an action table)
        if head is None:
            continue
        first = next(head.iterchildren(TC), None)
        table = by_ref.get(text(first).strip()) if first is not None else None
        tagged = tagged_by.get(tbl)
        if table is not None or (tagged is not None and tagged.id not in last and head not in tagged_rows):
            table = table or tagged  # a heading row (its reference may be lost: a tagged control says which)
            if table.id in last and not _follows(tbl, last[table.id].element):
                continue  # a second copy of a table already read
            part = last.get(table.id)
            if part is None:
                heading = [text(c) for c in _children(head, TC)]
                part = _Part(table, _column_positions(heading, table), heading, tbl)
            data_rows = _children(tbl, TR)[1:]
        elif tagged is not None:
            part = last.get(tagged.id) or _Part(tagged, _column_positions([text(c) for c in _children(head, TC)], tagged),
                                                [], tbl)
            data_rows = _children(tbl, TR)
        elif previous is not None and _follows(tbl, previous.element):
            data_rows = _children(tbl, TR)
            if not _looks_like(data_rows, previous, refs, text):
                continue
            part = previous
        else:
            continue
        values = found.rows.setdefault(part.table.id, [])
        for tr in data_rows:
            cells = _children(tr, TC)
            if len(cells) == len(part.heading) and all(text(c) == h for c, h in zip(cells, part.heading)):
                continue  # a repeated heading row
            values.append({c.id: body.value(_first_sdt(cells[i]), cells[i]) if i < len(cells) else None
                           for c, i in part.positions})
        part.element = tbl
        last[part.table.id] = previous = part


def _tagged_tables(columns: list[tuple[str, etree._Element]], by_column_tag: dict[str, m.Table], body
                   ) -> tuple[dict[etree._Element, m.Table], set[etree._Element]]:
    """For each w:tbl whose rows hold an action table's column controls, that action table (the first such
    control's, in document order); and the rows (w:tr, of any w:tbl) that hold one. (`body`: the w:body they
    are in, where the walk up from each control stops: no row lies above it.)"""
    tables: dict[etree._Element, m.Table] = {}
    rows: set[etree._Element] = set()
    for tag, sdt in columns:
        node = sdt.getparent()
        while node is not None and node is not body:
            parent = node.getparent()
            if node.tag == TR and parent is not None and parent.tag == TBL:
                rows.add(node)
                tables.setdefault(parent, by_column_tag[tag])
            node = parent
    return tables, rows


def _follows(tbl, earlier) -> bool:
    """Only paragraphs (no heading, control or other table) lie between `earlier` and `tbl`."""
    sibling = tbl.getprevious()
    while sibling is not None and sibling is not earlier:
        if sibling.tag != P or _is_heading(sibling):
            return False
        sibling = sibling.getprevious()
    return sibling is earlier


def _is_heading(p) -> bool:
    style = p.find(f"{W}pPr/{W}pStyle")
    return style is not None and style.get(qn("w:val"), "").lower().startswith(("heading", "title"))


def _looks_like(rows, part: _Part, refs: set[str], text) -> bool:
    """Rows with the action table's number of cells, none showing a question's reference (`text`: `_Body.text`)."""
    width = len(part.heading)
    return all(len(_children(tr, TC)) == width and _norm(text(next(tr.iterchildren(TC), None))) not in refs
               for tr in rows)


def _column_positions(heading: list[str], table: m.Table) -> list[tuple[m.Column, int]]:
    """Columns by their heading text (`heading`: the heading row's cells' text; a column inserted by a user
    moves nothing), else by position."""
    headings = [_norm(text) for text in heading]
    positions = []
    for n, c in enumerate(table.columns, start=1):
        label = _norm(c.label)
        positions.append((c, headings.index(label) if label in headings else n))
    return positions


# ---- choices changed with tracked changes on, then saved by LibreOffice ---------------------------


def _split_joined_choices(spec: m.FormSpec, found: _Found, record: m.AuditRecord) -> None:
    """A choice changed in Word with tracked changes on is the old text deleted, then the new one inserted;
    LibreOffice 7.4 saves the two run together ('PartiallyYes'), without the marks. Where a choice's text
    is option texts (or placeholders) run together in only one way, the last one is the choice made:
    it is read, and, when the one before was an answer too, reported for checking."""
    def split(tag: str, label: str, scale: m.Scale, raw):
        if not isinstance(raw, str) or isinstance(raw, Damaged) or not raw.strip() or scale.by_label(raw) is not None:
            return raw  # (text LibreOffice damaged otherwise is reported as such)
        pieces = _run_together(raw.strip(), tuple(scale.labels))
        if pieces is None:
            return raw
        before, chosen = pieces[:-1], pieces[-1]
        earlier = [p for p in before if p.casefold() not in PLACEHOLDERS]
        what = f"LibreOffice saved this choice, made in Word with tracked changes on, as '{raw.strip()}'"
        if earlier:
            record.problems.append(m.Problem(tag, f"{label}: {what} (the choice before the change, "
                                             f"'{earlier[-1]}', and the one after it run together); it was read as "
                                             f"'{chosen}', the later one. Check it: in Word, turn off Review > "
                                             "Track Changes, choose the answer again and send the form again."))
        else:
            record.notes.append(f"{label}: {what}; it was read as '{chosen}'.")
        return chosen

    for f in spec.fields:
        if f.scale is not None and f.id in found.raw:
            found.raw[f.id] = split(f.id, f.label, f.scale, found.raw[f.id])
    for t in spec.tables:
        for n, row in enumerate((r for r in found.rows.get(t.id, []) if not row_is_empty(r)), start=1):
            for c in t.columns:
                if c.scale is not None and c.id in row:
                    row[c.id] = split(c.tag(t.id), f"{t.ref} action {n}, {c.label}", c.scale, row[c.id])


#: Placeholders a choice shows before one is made (ours and Word's), as written.
_CHOICE_PLACEHOLDERS = tuple(sorted({m.PLACEHOLDER[k] for k in ("choice", "judgement", "grade", "column choice")}
                                    | {"Choose an item."}))


def _run_together(text: str, labels: tuple[str, ...]) -> list[str] | None:
    """`text` as option labels (after any placeholders) run together, if it is so in only one way
    and the last piece is a label; else None."""
    pieces = labels + _CHOICE_PLACEHOLDERS
    ways: list[list[str]] = []

    def walk(start: int, so_far: list[str]) -> None:
        if len(ways) > 1:
            return
        if start == len(text):
            if len(so_far) > 1 and so_far[-1] in labels:
                ways.append(so_far)
            return
        for piece in pieces:
            if text.startswith(piece, start):
                walk(start + len(piece), so_far + [piece])

    walk(0, [])
    return ways[0] if len(ways) == 1 else None


# ---- 3. the rest, by order and kind -----------------------------------------------------


def _read_remaining_by_order(body: _Body, spec: m.FormSpec, found: _Found) -> None:
    places = _places(spec)
    if found.raw.keys() >= places.field_ids:
        return  # nothing is missing (most forms)
    missing = [f for f in spec.fields if f.id not in found.raw]
    loose = [s for s, tag in body.controls
             if tag not in places.wanted and tag not in places.column_tags and _ancestor(s, TR) is None]
    if len(loose) == len(missing) and all(_kind(s) == _field_kind(f) for s, f in zip(loose, missing)):
        for sdt, f in zip(loose, missing):
            found.raw[f.id] = body.value(sdt, None)


def _kind(sdt) -> str:
    pr = sdt.find(W + "sdtPr")
    if pr is None:
        return "text"
    if pr.find(W + "dropDownList") is not None or pr.find(W + "comboBox") is not None:
        return "choice"
    if pr.find(W + "date") is not None:
        return "date"
    if pr.find(W14 + "checkbox") is not None:
        return "checkbox"
    return "text"


def _field_kind(f: m.Field) -> str:
    return "choice" if f.scale else f.type if f.type in ("date", "checkbox") else "text"


# ---- text -------------------------------------------------------------------------------


_TAG, _SHOWING_PLACEHOLDER, _VAL = W + "tag", W + "showingPlcHdr", qn("w:val")
_CHECKBOX, _CHECKED, _DATE, _FULL_DATE = W14 + "checkbox", W14 + "checked", W + "date", W + "fullDate"
_DATE_FORMAT, _GALLERIES = W + "dateFormat", (W + "docPartObj", W + "docPartList")
PLACEHOLDER_SHOWN = "{urn:auditdocs}placeholder"  # set by `_prepare` on a control showing its placeholder


def _sdt_props(sdt):
    """A control's w:sdtPr (its first child, as every editor writes it), or None."""
    for child in sdt:
        if child.tag == SDT_PR:
            return child
    return None


def _sdt_tag(sdt) -> str:
    return _tag_of(_sdt_props(sdt))


def _tag_of(props) -> str:
    """The tag in a control's w:sdtPr ('' if none)."""
    tag = next(props.iterchildren(_TAG), None) if props is not None else None
    return tag.get(_VAL, "") if tag is not None else ""


def _children(element, tag) -> list:
    """The children of `element` with this tag (`findall(tag)`, without its path parsing)."""
    return list(element.iterchildren(tag))


_TABLE_OR_BODY = (TBL, W + "body")


def _ancestor(element, tag):
    parent = element.getparent()
    while parent is not None and parent.tag != tag:
        if parent.tag in _TABLE_OR_BODY:
            return None
        parent = parent.getparent()
    return parent


def _first_sdt(tc):
    return next(tc.iter(SDT), None)


def _prepare(element, placeholders: dict[str, str]) -> _Body:
    """Make the body read as a person sees it, once: tracked changes accepted, field codes
    and placeholders blanked, tabs and breaks as characters."""
    revised, hidden, marks = False, [], []
    for node in element.iter(*_PREPARED):
        if node.tag in MARKS:
            marks.append(node)
            continue
        revised = revised or node.tag in REVISIONS
        if node.tag in HIDDEN:
            hidden.append(node)
    for gone in hidden:
        gone.getparent().remove(gone)
    for mark in marks:
        if mark.getparent().tag == R:
            mark.text = MARKS[mark.tag]
    controls, tables = _controls_and_tables(element)
    if may_hold_libreoffice_pieces(controls):
        put_libreoffice_pieces_together(element)
        controls, tables = _controls_and_tables(element)
    damaged, tagged, kinds_of = False, [], {}
    for sdt in controls:
        if not damaged and sdt.get(LIBREOFFICE_DAMAGED):
            damaged = True
        props = None
        for child in sdt:  # (`_sdt_props`, written out)
            if child.tag == SDT_PR:
                props = child
                break
        tag, showing, kinds = None, False, []
        if props is not None:  # its tag (as `_tag_of` finds it), placeholder flag, tick box and date properties
            for child in props:  # one pass over them all (cheaper than iterchildren() with these four tags)
                name = child.tag
                if name == _TAG:
                    tag = child if tag is None else tag
                elif name == _SHOWING_PLACEHOLDER:
                    showing = True
                elif name == _CHECKBOX or name == _DATE:
                    kinds.append(child)
        tagged.append((sdt, tag.get(_VAL, "") if tag is not None else ""))
        kinds_of[sdt] = kinds
        if showing and _shows_placeholder(sdt, placeholders, not marks):
            sdt.set(PLACEHOLDER_SHOWN, "1")
            for t in sdt.iter(T):
                t.text = ""
    plain = _ALL_TEXT_IN_T(element) or not _STRAY_TEXT(element)
    return _Body(element, tagged, revised, damaged, plain, kinds_of, tables)


def _controls_and_tables(element) -> tuple[list, list]:
    """Every w:sdt and every w:tbl in an element, each in document order (one walk of the tree for both)."""
    controls, tables = [], []
    for node in element.iter(SDT, TBL):
        (controls if node.tag == SDT else tables).append(node)
    return controls, tables


def _shows_placeholder(sdt, placeholders: dict[str, str], only_t: bool = False) -> bool:
    """Is a control flagged as showing its placeholder really showing it? Word clears the flag
    when a person types, but other editors leave it: then the text differs from the placeholder
    (ours, Word's own, or the template's in its glossary) and is the answer. `only_t`: the body
    has no text elements but w:t (no tab, break… marks)."""
    text = _norm(_text_elements_text(sdt, only_t))
    if not text or text in PLACEHOLDERS:
        return True
    if text.startswith("[") and text.endswith("]"):
        return True  # Word's own templates' placeholders: "[Job Title]", "[Publish Date]"
    props = _sdt_props(sdt)
    if next(props.iterchildren(*_GALLERIES), None) is not None:
        return True  # a building-block gallery shows its placeholder until a block is chosen
    part = sdt.find(f"{W}sdtPr/{W}placeholder/{W}docPart")
    return part is not None and _norm(placeholders.get(part.get(qn("w:val"), ""), "")) == text


def _text_elements_text(element, only_t: bool) -> str:
    """`"".join(element.itertext(*TEXT))`: each text element's text and tail, in document order. Written
    out where every text element is a leaf (as editors write them: then each one's tail follows its text),
    which is several times quicker than itertext's walk; `only_t`: there are no text elements but w:t."""
    texts = []
    for node in element.iter(T) if only_t else element.iter(*TEXT):
        if len(node):  # a text element holding an element: itertext's own order
            return "".join(element.itertext(*TEXT))
        text, tail = node.text, node.tail
        if text is not None:
            texts.append(text)
        if tail is not None and node is not element:
            texts.append(tail)
    return "".join(texts)


def _glossary_placeholders(root) -> dict[str, str]:
    """The texts of a template's own placeholders: glossary part name -> text."""
    texts = {}
    for part in root.iter(W + "docPart"):
        name = part.find(f"{W}docPartPr/{W}name")
        body = part.find(W + "docPartBody")
        if name is not None and body is not None:
            texts[name.get(qn("w:val"), "")] = "".join(body.itertext(*TEXT))
    return texts


#: The texts a person sees in an element, in document order (after `_prepare`).
_TEXTS = etree.XPath("|".join(f"descendant::w:{name.split('}')[1]}/text()" for name in TEXT),
                     namespaces={"w": W[1:-1]}, smart_strings=False)


#: Is there text in an element that is not in a text element (`TEXT`)? Word writes none; where there is
#: none, an element's text is its text elements' text (`_visible_text`'s quick way).
_STRAY_TEXT = etree.XPath("boolean(descendant::text()[not(parent::w:t)][not(" + " or ".join(  # (w:t's text, most
    f"parent::w:{name.split('}')[1]}" for name in TEXT[1:]) + ")])", namespaces={"w": W[1:-1]})  # of it: tested first)


#: Is every text node in an element a w:t's text (as Word writes)? Then there is no stray text (`_STRAY_TEXT`,
#: whose test of every text node costs more than these two counts).
_ALL_TEXT_IN_T = etree.XPath("count(descendant::text()) = count(descendant::w:t/text())", namespaces={"w": W[1:-1]})


def _all_text(element) -> str:
    return etree.tostring(element, method="text", encoding="unicode", with_tail=False)


def _visible_text(element, plain: bool = False) -> str:
    """Paragraphs joined by new lines, placeholder lines left out (after `_prepare`). `plain`: the element's
    body has no text outside text elements (`_Body.plain`), so that a paragraph's text is all its text."""
    if element is None:
        return ""
    if plain:
        # `_all_text` of each paragraph, written out (~140 elements a form, most of them one paragraph)
        paragraphs = element.iter(P)
        first = next(paragraphs, None)
        text = "" if first is None else tostring(first, method="text", encoding=str, with_tail=False)
        for p in paragraphs:
            text += "\n" + tostring(p, method="text", encoding=str, with_tail=False)
        if not text:  # a control inside a paragraph (a text element's own text is not its text elements' text)
            tag = element.tag
            text = _all_text(element) if tag != T and tag not in MARKS else "".join(_TEXTS(element))
    else:
        text = "\n".join(["".join(_TEXTS(p)) for p in element.iter(P)])
        if not text:
            text = "".join(_TEXTS(element))  # a control inside a paragraph
    stripped = text.strip()
    if not stripped:
        return ""
    if "\n" not in text and "\r" not in text:  # one line, as most answers are (what clean_text gives it)
        return "" if len(text) <= 40 and _norm(text) in PLACEHOLDERS else stripped
    if "\r" in text:
        lines = [line for line in text.split("\n") if len(line) > 40 or _norm(line) not in PLACEHOLDERS]
        return clean_text("\n".join(lines))
    # one pass: the lines kept, each trimmed as `clean_text` trims them (it would split them again)
    lines = [line.rstrip() for line in text.split("\n") if len(line) > 40 or _norm(line) not in PLACEHOLDERS]
    return "\n".join(lines).strip("\n").strip()


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()
