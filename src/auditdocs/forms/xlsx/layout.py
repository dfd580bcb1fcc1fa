"""Where everything sits on the Excel form: worked out once per spec, shared by writer and reader.

Defined names (how the reader finds each answer cell)
------------------------------------------------------
Excel names are case-insensitive, may not look like a cell reference ("KSS1",
"Q1", "R2C3") and allow only letters, digits, "_" and "."; spec ids use exactly
letters, digits, "_" and ".". So every name is a fixed prefix plus the id, with
nothing escaped, and the id is the name without its prefix:

    ad_<field id>                     an answer cell         ad_kss1_seen_alone, ad_kss1_met.comment
    ad_<header field id>              a detail of the record ad_case_number
    ad_<table id>                     a whole action table, from its column header
                                      row to its "End" row   ad_actions
    ad_<table id>.<column id>.<n>     a cell of action row n ad_actions.responsible_person.2

The prefix makes every name start with letters and an underscore, so no name can
look like a cell reference. Two ids that differ only in case would give the same
Excel name: `specs validate` refuses such a spec.

When the names are lost, the reader falls back on what a person sees: every row
that holds an answer shows its reference ("3.2") in column A, so an answer is
found as "the k-th row showing reference 3.2, column C or D" (`Layout.keys`), and
an action table is read from the row after its column headings down to its "End" row.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from dataclasses import field as dc_field

from ...domain import model as m
from ..textwidth import cell_height

PREFIX = "ad_"
SHEET_TITLE = "Audit form"
IDENTITY_SHEET = "auditdocs"
END_MARK = "End"
HEADINGS_REF = "No."
REF, TEXT, ANSWER, EVIDENCE = 1, 2, 3, 4  # columns A, B, C, D
TITLE_ROWS = (1, 2)
FONT, BODY_SIZE, SMALL_SIZE = "Arial", 10, 9  # the form's font, as on the Word form
INPUT_SHADE, DETAIL_SHADE = "FFF9DB", "F2F2F2"  # cells a person fills in; details filled in for them


def field_name(field_id: str) -> str:
    """The defined name of an answer or header cell (also of a whole action table)."""
    return PREFIX + field_id


def table_cell_name(table_id: str, column_id: str, n: int) -> str:
    return f"{PREFIX}{table_id}.{column_id}.{n}"


def id_of(name: str) -> str | None:
    """The id a defined name was made from, or None if it is not one of ours."""
    return name[len(PREFIX):] if name.casefold().startswith(PREFIX) else None


@dataclass
class Static:
    """A cell the form fills in itself: a title, a label, a question."""

    row: int
    col: int
    value: str
    style: str
    span: int = 1  # merged over this many columns


@dataclass
class Input:
    """A cell a person fills in (or, for header fields, the record's detail)."""

    row: int
    col: int
    kind: m.Field | m.Column | m.HeaderField
    name: str
    span: int = 1


@dataclass
class TablePlace:
    table: m.Table
    title_row: int
    header_row: int  # the column headings; action rows follow
    end_row: int  # the "End" row
    ref_key: tuple[str, int]  # (ref, occurrence) of the title row, for the fallback


@dataclass
class Layout:
    spec: m.FormSpec
    ncols: int
    widths: list[float]  # index 0 = column A
    statics: list[Static] = dc_field(default_factory=list)
    inputs: list[Input] = dc_field(default_factory=list)
    heights: dict[int, float] = dc_field(default_factory=dict)
    keys: dict[str, tuple[str, int, int]] = dc_field(default_factory=dict)  # field id -> (ref, k, col)
    tables: dict[str, TablePlace] = dc_field(default_factory=dict)
    identity_row: int = 2
    last_row: int = 0


def column_widths(spec: m.FormSpec) -> list[float]:
    """Columns A (reference), B (question), C (answer), D.. (evidence, and extra table columns)."""
    ncols = max(4, 1 + max((len(t.columns) for t in spec.tables), default=0))
    widths = [6.0, 40.0, 20.0] + [max(12.0, 56.0 / (ncols - 3))] * (ncols - 3)
    for table in spec.tables:
        for i, col in enumerate(table.columns):
            want = 26.0 if col.type == "text" else 12.0 if col.type == "date" else 15.0
            if col.scale is not None:
                want = min(26.0, max(12.0, max(len(lb) for lb in col.scale.labels) * 0.9))
            widths[1 + i] = max(widths[1 + i], want)
    return widths


def text_height(text: str, width: float, minimum: float = 15.0, size: float = BODY_SIZE, bold: bool = False) -> float:
    """Row height (points) that shows `text`, wrapped in Arial at `size`, in columns `width` characters wide."""
    return cell_height(text, width, size, bold, minimum=minimum)


def short_label(f: m.Field) -> str:
    """A field's label without its reference ("1.5 Auditor comments" -> "Auditor comments")."""
    return f.label[len(f.ref) + 1:] if f.label.startswith(f.ref + " ") else f.label


def with_prompts(text: str, prompts) -> str:
    return "\n".join([text] + [f"• {p}" for p in prompts])


class _Planner:
    def __init__(self, spec: m.FormSpec):
        self.spec = spec
        widths = column_widths(spec)
        self.out = Layout(spec, len(widths), widths)
        self.row = 0
        self.refs: Counter = Counter()
        self.last = len(widths)

    # -- helpers

    def width(self, col: int, span: int = 1) -> float:
        return sum(self.out.widths[col - 1: col - 1 + span])

    def next_row(self, height: float | None = None) -> int:
        self.row += 1
        if height:
            self.out.heights[self.row] = height
        return self.row

    def static(self, col: int, value: str, style: str, span: int = 1) -> None:
        self.out.statics.append(Static(self.row, col, value, style, span))

    def ref_cell(self, ref: str, style: str = "ref") -> tuple[str, int]:
        self.static(REF, ref, style)
        key = (ref, self.refs[ref])
        self.refs[ref] += 1
        return key

    def to_end(self, col: int) -> int:
        return self.last - col + 1

    def put(self, key: tuple[str, int], col: int, f: m.Field, span: int = 1) -> None:
        self.out.inputs.append(Input(self.row, col, f, field_name(f.id), span))
        self.out.keys[f.id] = (key[0], key[1], col)

    def wide(self, f: m.Field) -> bool:
        return f.type in ("text", "line")

    # -- the form

    def plan(self) -> Layout:
        spec = self.spec
        self.next_row(26)
        self.static(1, spec.title, "title", self.last)
        self.next_row()
        self.static(1, "", "identity", self.last)  # filled per record: audit id, form, version
        self.next_row(8)
        self.next_row()
        how = ("Fill in the yellow cells. Choose answers from each cell's drop-down list and type "
               "dates as dd/mm/yyyy. To add an action, insert a row above the 'End' row of its table. "
               "Keep the file as an Excel Workbook (.xlsx).")
        self.out.heights[self.row] = text_height(how, self.width(1, self.last))
        self.static(1, how, "how", self.last)
        self.next_row(8)
        self.header()
        for section in spec.sections:
            self.section(section)
        self.out.last_row = self.row
        return self.out

    def header(self) -> None:
        self.next_row(20)
        self.static(REF, f"Details of the {self.spec.subject_label.lower()}", "section", self.last)
        for h in self.spec.header:
            self.next_row(text_height(h.label, self.width(TEXT), bold=True))
            self.static(TEXT, h.label, "label")
            self.out.inputs.append(Input(self.row, ANSWER, h, field_name(h.id), self.to_end(ANSWER)))
        self.next_row(8)

    def section(self, section: m.Section) -> None:
        self.next_row(text_height(section.title, self.width(TEXT, self.to_end(TEXT)), 20, bold=True))
        self.static(REF, section.number, "section")
        self.static(TEXT, section.title, "section", self.to_end(TEXT))
        for text, style, size in ((section.intro, "intro", BODY_SIZE),
                                  ("\n".join(f"• {g}" for g in section.guidance), "guidance", SMALL_SIZE)):
            if text:
                self.next_row(text_height(text, self.width(TEXT, self.to_end(TEXT)), size=size))
                self.static(TEXT, text, style, self.to_end(TEXT))
        headings = None
        for item in section.items:
            if isinstance(item, m.Question):
                want = self.question_headings(item)
                no_evidence_under_same_headings = headings and want[:2] == headings[:2] and not want[2]
                if want != headings and not no_evidence_under_same_headings:
                    self.headings(want)
                    headings = want
            getattr(self, item.kind)(item)
        self.next_row(10)

    def question_headings(self, q: m.Question) -> tuple[str, str, str]:
        if q.voices:
            return ("Question", "Grading", "Comment")
        return ("Question", "Answer", q.evidence_label or "")

    def headings(self, texts: tuple[str, str, str]) -> None:
        self.next_row(max(text_height(texts[1], self.width(ANSWER), bold=True),
                          text_height(texts[2], self.width(EVIDENCE, self.to_end(EVIDENCE)), bold=True)))
        self.static(REF, "Ref", "heading")
        self.static(TEXT, texts[0], "heading")
        self.static(ANSWER, texts[1], "heading")
        self.static(EVIDENCE, texts[2], "heading", self.to_end(EVIDENCE))

    def question(self, q: m.Question) -> None:
        text = with_prompts(q.text, q.prompts)
        self.next_row(text_height(text, self.width(TEXT), 45 if not q.voices else 15))
        key = self.ref_cell(q.ref)
        self.static(TEXT, text, "question")
        if q.voices:
            self.static(ANSWER, "", "blank", self.to_end(ANSWER))
            for v in q.voices:
                comment = next(f for f in q.fields if f.part == f"{v.id}.comment")
                grade = next(f for f in q.fields if f.part == f"{v.id}.grade")
                self.next_row(45)
                key = self.ref_cell(q.ref, "subref")
                self.static(TEXT, v.label, "voice")
                self.put(key, ANSWER, grade)
                self.put(key, EVIDENCE, comment, self.to_end(EVIDENCE))
            return
        for f in q.fields:
            if f.part == "answer":
                self.put(key, ANSWER, f)
            else:
                self.put(key, EVIDENCE, f, self.to_end(EVIDENCE))
        if not any(f.part == "evidence" for f in q.fields):
            self.static(EVIDENCE, "", "blank", self.to_end(EVIDENCE))

    def judgement(self, j: m.Judgement) -> None:
        self.labelled_fields(j.ref, j.label, (), j.fields, first_on_title_row=True)

    def field(self, item: m.FieldItem) -> None:
        self.labelled_fields(item.ref, item.label, item.prompts, item.fields, first_on_title_row=True)

    def check(self, item: m.Check) -> None:
        self.labelled_fields(item.ref, item.text, (), item.fields, first_on_title_row=False)

    def labelled_fields(self, ref, title, prompts, fields, first_on_title_row: bool) -> None:
        """A title row (the first field beside it), then a row per further field with its label."""
        text = with_prompts(title, prompts)
        rest = list(fields)
        first = rest.pop(0) if first_on_title_row and fields else None
        tall = first is not None and first.type == "text"
        self.next_row(text_height(text, self.width(TEXT), 60 if tall else 15, bold=first_on_title_row))
        key = self.ref_cell(ref)
        self.static(TEXT, text, "question" if not first_on_title_row else "label")
        if first is None:
            self.static(ANSWER, "", "blank", self.to_end(ANSWER))
        else:
            self.put_field(key, first)
        for f in rest:
            self.next_row(text_height(short_label(f), self.width(TEXT), 45 if f.type == "text" else 15))
            key = self.ref_cell(ref, "subref")
            self.static(TEXT, short_label(f), "sublabel")
            self.put_field(key, f)

    def put_field(self, key, f: m.Field) -> None:
        if self.wide(f):
            self.put(key, ANSWER, f, self.to_end(ANSWER))
        else:
            self.put(key, ANSWER, f)
            self.static(EVIDENCE, "", "blank", self.to_end(EVIDENCE))

    def actions(self, item: m.Actions) -> None:
        table = item.table
        self.next_row(text_height(table.title or "Actions", self.width(TEXT, self.to_end(TEXT)), 20, bold=True))
        key = self.ref_cell(item.ref)
        self.static(TEXT, table.title or "Actions", "label", self.to_end(TEXT))
        title_row = self.row
        self.next_row(max(text_height(c.label, self.width(TEXT + i), bold=True) for i, c in enumerate(table.columns)))
        header_row = self.row
        self.static(REF, HEADINGS_REF, "heading")
        for i, col in enumerate(table.columns):
            self.static(TEXT + i, col.label, "heading")
        for n in range(1, table.rows + 1):
            self.next_row()  # no fixed height: Excel and Calc grow the row as people type
            self.static(REF, str(n), "rownum")
            for i, col in enumerate(table.columns):
                self.out.inputs.append(Input(self.row, TEXT + i, col, table_cell_name(table.id, col.id, n)))
        self.next_row()
        self.static(REF, END_MARK, "end")
        self.static(TEXT, f"End of the actions table {item.ref}. To add an action, insert a row above this line.",
                    "end", self.to_end(TEXT))
        self.out.tables[table.id] = TablePlace(table, title_row, header_row, self.row, key)


_CACHE: dict[int, Layout] = {}


def layout(spec: m.FormSpec) -> Layout:
    """The layout of a form (worked out once per spec object)."""
    cached = _CACHE.get(id(spec))
    if cached is None or cached.spec is not spec:
        cached = _CACHE[id(spec)] = _Planner(spec).plan()
    return cached
