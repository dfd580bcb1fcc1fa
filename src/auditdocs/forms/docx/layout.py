"""Where everything sits on the Word form: the page, the column widths, and which cell of
which row holds which answer. The writer builds its rows from here and the reader finds
answers by a row's visible reference from here, so the two can never disagree.

A section table has five grid columns: reference | question | answer | two more (the
evidence or comment spans both; a process check has its confirmation and comment
there). Each answer sits in its own cell (`Slot`): `cell` counts the row's cells as the
reader sees them (`w:tc`), `column` and `span` place it on the grid.

Widths are worked out from the text they must hold (`forms.textwidth`): no reference,
heading word or date may be broken across lines, so each column is at least as wide
as the widest of those, and the rest of the page goes where people write.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...domain import model as m
from ..ooxml import qn
from ..textwidth import longest_piece, width

# A4 portrait, 2 cm margins: 9638 twips (1/20 point) of text width.
PAGE_W, PAGE_H, MARGIN = 11906, 16838, 1134
TEXT_W = PAGE_W - 2 * MARGIN
CELL_MARGIN = 85  # left and right, in each cell of the form's tables (the AuditTable style)
ROOM = 2 * CELL_MARGIN + 40  # what a cell's margins and borders take, and a little to spare
BODY_SIZE, HEADING_SIZE = 10, 9  # points: answers and questions; column headings and references
HEADING_SIZES = (9, 8, 7)  # a crowded action table gets smaller column headings
WIDEST_DATE = "30/11/2026"
REF, QUESTION, ANSWER, THIRD, FOURTH = range(5)  # the grid columns of a section table
ANSWER_W, THIRD_W, FOURTH_W = 1250, 1250, 2878  # the usual widths; wider when their text needs it
TEXT_COLUMN_MIN = 1700  # an action table's free-text column (Action, Next steps)
SPARE_WEIGHTS = {"text": 3.0, "line": 2.0, "role": 1.2, "person": 1.2, "date": 0.2, "choice": 0.8}


@dataclass(frozen=True)
class Slot:
    """Where one field of a row goes."""

    part: str  # the field's part: answer, evidence, comment, date, confirm, <voice>.grade …
    cell: int  # the index of its cell in the row
    column: int  # its first grid column
    span: int = 1


def row_slots(item: m.Item) -> dict[str, list[Slot]]:
    """For each row reference of an item, the slots of the fields that row holds."""
    parts = {f.part for f in item.fields}
    if isinstance(item, m.Question) and item.voices:  # the question's row, then a row per voice
        return {ref: [Slot(f"{v.id}.grade", 2, ANSWER), Slot(f"{v.id}.comment", 3, THIRD, 2)]
                for ref, v in item.voice_rows()}
    if isinstance(item, m.Check):
        return {item.ref: [Slot(p, 2 + i, ANSWER + i) for i, p in enumerate(("date", "confirm", "comment"))
                           if p in parts]}
    companion = next((p for p in ("evidence", "comment") if p in parts), None)
    if isinstance(item, m.FieldItem) or companion is None:
        return {item.ref: [Slot("answer", 2, ANSWER, 3)]}
    return {item.ref: [Slot("answer", 2, ANSWER), Slot(companion, 3, THIRD, 2)]}


def twips(points: float) -> int:
    return round(points * 20)


def _needs(texts, size: float, bold: bool = False) -> int:
    """Twips a column needs so that none of `texts` breaks inside a word."""
    return twips(max((longest_piece(t, size, bold) for t in texts if t), default=0)) + ROOM


def _answer_texts(f: m.Field | m.Column) -> list[str]:
    texts = [f.placeholder] if isinstance(f, m.Field) else []
    if f.scale is not None:
        texts += f.scale.labels
    return texts


def _date_needs(placeholder: bool = True) -> int:
    """A date column shows 30/11/2026 on one line (and, in a section table, its placeholder too)."""
    texts = [WIDEST_DATE] + ([m.PLACEHOLDER["date"]] if placeholder else [])
    return twips(max(width(text, BODY_SIZE) for text in texts)) + ROOM


def section_grid(spec: m.FormSpec, headings: list[tuple[str, ...]]) -> list[int]:
    """The five column widths of the spec's section tables (`headings`: the column heading rows used)."""
    refs = [item.ref for _, item in spec.items()] + [h[0] for h in headings]
    refs += [ref for q in spec.questions for ref, _ in q.voice_rows()]
    need = {REF: _needs(refs, HEADING_SIZE, bold=True), ANSWER: ANSWER_W, THIRD: THIRD_W}
    by_column: dict[int, list[str]] = {ANSWER: [], THIRD: []}
    dates = set()
    for _, item in spec.items():
        fields = {f.part: f for f in item.fields}
        for slots in row_slots(item).values():
            for slot in slots:
                f = fields.get(slot.part)
                if f is not None and slot.span == 1 and slot.column in by_column:
                    by_column[slot.column] += _answer_texts(f)
                    if f.type == "date":
                        dates.add(slot.column)
    for heading in headings:
        for column, text in zip((ANSWER, THIRD), heading[2:4]):
            if len(heading) == 5 or column == ANSWER:  # a four-cell heading spans its last text over two columns
                by_column[column].append(text)
    for column, texts in by_column.items():
        need[column] = max(need[column], _needs(texts, BODY_SIZE), _needs(texts, HEADING_SIZE, bold=True))
        if column in dates:
            need[column] = max(need[column], _date_needs())
    question = TEXT_W - need[REF] - need[ANSWER] - need[THIRD] - FOURTH_W
    return [need[REF], question, need[ANSWER], need[THIRD], FOURTH_W]


def action_widths(table: m.Table) -> tuple[list[int], float]:
    """An action table's column widths (the row number first) and the size of its column headings.

    Every heading word and a whole date must fit (the hard minimum); the free-text columns
    should be at least TEXT_COLUMN_MIN wide. The headings take the largest size at which
    both fit (else the smallest size, for the most room); the room left goes first to the
    narrowest free-text columns, then to every column people write in."""
    def hard(size: float) -> list[int]:
        need = [max(_needs([table.ref], size, bold=True), _needs(["99"], BODY_SIZE))]
        for c in table.columns:
            n = _needs([c.label], size, bold=True)
            if c.scale:
                n = max(n, _needs(_answer_texts(c) + [m.PLACEHOLDER["column choice"]], BODY_SIZE))
            if c.type == "date":
                n = max(n, _date_needs(placeholder=False))
            need.append(n)
        return need

    def soft(need: list[int]) -> list[int]:
        return need[:1] + [max(n, TEXT_COLUMN_MIN) if c.type == "text" else n for n, c in zip(need[1:], table.columns)]

    sizes = [(s, hard(s)) for s in HEADING_SIZES]
    size, need = next(((s, n) for s, n in sizes if sum(soft(n)) <= TEXT_W), sizes[-1])
    widths = list(need)
    texts = [i for i, c in enumerate(table.columns, start=1) if c.type == "text"]
    spare = TEXT_W - sum(widths)
    while spare > 0 and texts:  # the narrowest free-text column first, up to TEXT_COLUMN_MIN
        narrowest = min(texts, key=lambda i: widths[i])
        if widths[narrowest] >= TEXT_COLUMN_MIN:
            break
        step = min(spare, 20, TEXT_COLUMN_MIN - widths[narrowest])
        widths[narrowest] += step
        spare -= step
    weights = [SPARE_WEIGHTS.get("choice" if c.scale else c.type, 1.0) for c in table.columns]
    widths = widths[:1] + [w + int(max(spare, 0) * k / sum(weights)) for w, k in zip(widths[1:], weights)]
    widths[-1] += TEXT_W - sum(widths)
    return widths, size


# ---- which control holds which answer, by where it stands ----------------------------------


def answer_cells(spec: m.FormSpec) -> dict[str, list[tuple[m.Field, int]]]:
    """For each row reference of the spec's section tables, the fields that row holds and the index of
    each one's cell (`Slot.cell`): where the writer puts them, and where the reader finds them."""
    cells = {}
    for _, item in spec.items():
        if isinstance(item, m.Actions):
            continue
        fields = {f.part: f for f in item.fields}
        for ref, slots in row_slots(item).items():
            cells[ref] = [(fields[s.part], s.cell) for s in slots if s.part in fields]
    return cells


def controls_by_place(body, spec: m.FormSpec) -> dict:
    """Which answer each content control (w:sdt) of one of our Word forms holds, by where it stands (its tag,
    if it has one, is not looked at): a detail by its label in the details table (the first table), a field by
    its row's reference and its cell in the row (`answer_cells`), an action table's column by the table's
    reference and the column's heading (else its position). For a form whose tags an editor removed
    (LibreOffice does): sdt element -> tag (the field, detail or column id the writer tagged it with)."""
    tbl, tr, tc, sdt = qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:sdt")

    def text(cell) -> str:
        return text_key("".join(t.text or "" for t in cell.iter(qn("w:t"))))

    details = {text_key(h.label): h.id for h in spec.header}
    fields = {text_key(ref): [(f.id, i) for f, i in where] for ref, where in answer_cells(spec).items()}
    tables = {text_key(t.ref): t for t in spec.tables}
    found = {}

    def put(cell, tag: str) -> None:
        for control in cell.iter(sdt):
            found.setdefault(control, tag)

    for n, table in enumerate(body.iter(tbl)):
        rows = table.findall(tr)
        first = rows[0].findall(tc) if rows else []
        action_table = tables.get(text(first[0])) if first else None
        if action_table is not None:
            headings = [text(c) for c in first]
            columns = [(c, headings.index(text_key(c.label)) if text_key(c.label) in headings else i)
                       for i, c in enumerate(action_table.columns, start=1)]
            for row in rows[1:]:
                cells = row.findall(tc)
                if [text(c) for c in cells] == headings:
                    continue  # the heading row, repeated
                for column, i in columns:
                    if i < len(cells):
                        put(cells[i], column.tag(action_table.id))
            continue
        for row in rows:
            cells = row.findall(tc)
            if n == 0:
                for label, value in zip(cells[::2], cells[1::2]):
                    if text(label) in details:
                        put(value, details[text(label)])
            for field_id, i in fields.get(text(cells[0]), []) if len(cells) >= 3 else []:
                if i < len(cells):
                    put(cells[i], field_id)
    return found


def text_key(text: str) -> str:
    """A reference, label or heading as compared: case and spacing ignored."""
    return " ".join(text.split()).casefold()


def label_cells(body, spec: m.FormSpec) -> list[list[tuple[bool, ...]]]:
    """For each table of one of our Word forms (in the document's order, as `controls_by_place` counts them) and
    each of its rows, for each of its cells, whether it holds a label (never an answer): in the details table (the
    first), each cell whose text is a detail's label; in a section table, a row's reference and question (or
    voice) cells, when the first holds a reference of the spec, the second begins with that row's label, and
    `answer_cells` puts no answer in either. What a finalised PDF's tables mark as their row headers."""
    tbl, tr, tc = qn("w:tbl"), qn("w:tr"), qn("w:tc")

    def text(cell) -> str:
        return text_key("".join(t.text or "" for t in cell.iter(qn("w:t"))))

    details = {text_key(h.label) for h in spec.header}
    answers = {text_key(ref): {i for _, i in where} for ref, where in answer_cells(spec).items()}
    labels = {}
    for _, item in spec.items():
        if isinstance(item, m.Actions):
            continue
        labels[text_key(item.ref)] = text_key(getattr(item, "text", None) or item.label)
        if isinstance(item, m.Question):
            labels.update((text_key(ref), text_key(voice.label)) for ref, voice in item.voice_rows())
    found = []
    for n, table in enumerate(body.iter(tbl)):
        rows = []
        for row in table.findall(tr):
            cells = [text(c) for c in row.findall(tc)]
            if n == 0:
                rows.append(tuple(i % 2 == 0 and text in details for i, text in enumerate(cells)))
            else:
                ref = cells[0] if cells else ""
                headed = (len(cells) >= 2 and bool(labels.get(ref)) and cells[1].startswith(labels[ref])
                          and not answers.get(ref, set()) & {0, 1})
                rows.append(tuple(headed and i < 2 for i in range(len(cells))))
        found.append(rows)
    return found
