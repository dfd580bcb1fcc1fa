"""The allocation list, in exactly the format `auditdocs generate --data` reads, with a second sheet
"Why" saying why each auditor and every rule that could not be kept, with what to do.

The list keeps the cases list's own columns (so generate matches them as it matched them there),
adds the columns a form needs that the list did not have, and fills in the form, audit type,
auditor, auditor's service and due date of every row.
"""
from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass
from dataclasses import field as dc_field

from ..domain import model as m
from ..domain.dates import parse_date, uk
from ..domain.identity import audit_id
from ..files import put_text
from .allocation_list import FORM_COLUMN_NAMES, key, match_columns
from .lists import form_values
from .plan import Allocated
from .rules import Breach

WHY = "Why"
WHY_COLUMNS = ["Row", "Case number", "Form", "Auditor", "Audit id", "Why this auditor", "Rules not kept", "What to do"]
AUDITOR_SERVICE = "Auditor service"
ACTIVITY = "Activity"  # the programme's activity of each row (empty: the control sample); generate reads it back
ACTIVITY_TYPE = "Activity type"
COUNTS = "Counts toward the ten"  # Yes / No (empty: the control sample, which counts)
GROUP = "Group"  # the others auditing the case with its auditor (a group audit)
#: The name of a column added for a detail the cases list did not have (else the detail's label).
NEW_COLUMN = {"auditor": "Auditor", "due_date": "Due date", "audit_type": "Audit type"}
DATE_FORMAT = "dd/mm/yyyy"
WIDE = {"Why this auditor", "Rules not kept", "What to do"}  # columns of sentences: 60 characters wide
WIDE_CHARS = 55  # what fits on one line of them
LINE_HEIGHT = 15  # points


@dataclass
class ListRow:
    """A row of the allocation list: what generate will read from it, and why."""

    spec: m.FormSpec
    values: dict[str, str]  # the form's details, as generate reads them (dates ISO)
    others: dict[str, object]  # the cases list's other columns (text or dates)
    auditor: m.Auditor
    why: str = ""
    unmet: list[Breach] = dc_field(default_factory=list)
    re_audit_of: str = ""
    service: str = ""  # the case's service
    activity: str = ""  # the programme's activity ('' : the month's control sample)
    activity_type: str = ""
    counts: bool = True  # counts toward the auditor's ten a year
    group: tuple[str, ...] = ()  # the others auditing it with the auditor

    @property
    def audit_id(self) -> str:
        return audit_id(self.spec, self.values, self.activity)


def list_rows(allocated: list[Allocated], library) -> list[ListRow]:
    """The plan's rows as the allocation list gives them: re-audits first, then in the cases list's order (the
    control sample, then each activity of the programme in turn)."""
    rows = []
    order = {name: i for i, name in enumerate(dict.fromkeys(["", *(a.case.activity for a in allocated)]))}
    for a in sorted(allocated, key=lambda a: (not a.case.re_audit_of, order[a.case.activity], a.case.row)):
        spec = library.get(a.case.form_id)
        rows.append(ListRow(spec, form_values(spec, a.case.subject), dict(a.case.others), a.auditor, a.why,
                            list(a.unmet), a.case.re_audit_of, a.case.service, a.case.activity, a.activity_type,
                            a.counts, tuple(a.group)))
    return rows


def list_columns(rows: list[ListRow], given: list[str]) -> list[str]:
    """The cases list's columns, with a Form column first if it had none, and a column added for each
    detail a row has that no column holds, and for the auditor's service."""
    columns = [c for c in given if c]
    if not any(key(c) in FORM_COLUMN_NAMES for c in columns):
        columns.insert(0, "Form")
    if any(row.group for row in rows) and key(GROUP) not in {key(c) for c in columns}:
        columns.append(GROUP)  # before the forms' details: a form's detail 'group' is this column
    for row in rows:
        matched = match_columns(row.spec, columns, {})
        for h in row.spec.header:
            if h.id not in matched and (row.values.get(h.id) or h.id in NEW_COLUMN):
                name = NEW_COLUMN.get(h.id, h.label)
                columns.append(name if key(name) not in {key(c) for c in columns} else h.id)
        columns += [c for c in row.others if key(c) not in {key(col) for col in columns}]
    if key(AUDITOR_SERVICE) not in {key(c) for c in columns}:
        columns.append(AUDITOR_SERVICE)
    if any(row.activity for row in rows):
        columns += [c for c in (ACTIVITY, ACTIVITY_TYPE, COUNTS) if key(c) not in {key(col) for col in columns}]
    return columns


def workbook(rows: list[ListRow], columns: list[str], month: dt.date, notes: list[Breach], made: str,
             activities: list[str] = ()) -> bytes:
    """The allocation list (first sheet) and the Why sheet, as .xlsx bytes. `activities`: a line for each
    activity of the programme (how many matched its cohort and were drawn), at the end of the Why sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = f"Allocations {month:%Y-%m}"
    _heading(sheet, columns, Font)
    form_column = next(i for i, c in enumerate(columns) if key(c) in FORM_COLUMN_NAMES)
    service_column = next(i for i, c in enumerate(columns) if key(c) == key(AUDITOR_SERVICE))
    holds: dict[str, dict[int, m.HeaderField]] = {}
    for n, row in enumerate(rows, start=2):
        if row.spec.id not in holds:
            matched = match_columns(row.spec, columns, {})
            holds[row.spec.id] = {i: row.spec.header_field(f) for f, i in matched.items()}
        for i, name in enumerate(columns):
            field = holds[row.spec.id].get(i)
            if i == form_column:
                value = row.spec.id
            elif field is not None:
                value = row.values.get(field.id, "")
                if field.type == "date" and value:
                    value = parse_date(value)
            elif i == service_column:
                value = row.auditor.service
            elif key(name) == key(ACTIVITY):
                value = row.activity
            elif key(name) == key(ACTIVITY_TYPE):
                value = row.activity_type
            elif key(name) == key(COUNTS):
                value = ("Yes" if row.counts else "No") if row.activity else ""
            elif key(name) == key(GROUP):
                value = ", ".join(row.group)
            else:
                value = row.others.get(name, "")
            _put(sheet.cell(n, i + 1), value)
    _widths(sheet, columns)

    why = book.create_sheet(WHY)
    _heading(why, WHY_COLUMNS, Font)
    for n, row in enumerate(rows, start=2):
        values = [n, row.values.get("case_number", ""), row.spec.id, row.auditor.name, row.audit_id, row.why,
                  " ".join(b.what for b in row.unmet), " ".join(b.todo for b in row.unmet)]
        for i, value in enumerate(values, start=1):
            _put(why.cell(n, i), value)
    last = len(rows) + 2
    for note in notes:
        for i, value in enumerate(["", "", "", "", "", "For the whole month", note.what, note.todo], start=1):
            _put(why.cell(last, i), value)
        last += 1
    for line in activities:
        for i, value in enumerate(["", "", "", "", "", "Activity of the programme", line], start=1):
            _put(why.cell(last, i), value)
        last += 1
    _put(why.cell(last + 1, 1), made)
    _widths(why, WHY_COLUMNS, wide=WIDE)
    for n, cells in enumerate(why.iter_rows(min_row=2), start=2):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        lines = max(math.ceil(len(str(c.value or "")) / WIDE_CHARS) for c in cells)
        why.row_dimensions[n].height = LINE_HEIGHT * max(lines, 1)  # not every editor fits wrapped rows itself
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _heading(sheet, columns: list[str], font) -> None:
    for i, name in enumerate(columns, start=1):
        cell = sheet.cell(1, i)
        put_text(cell, name)
        cell.font = font(bold=True)
    sheet.freeze_panes = "A2"


def _put(cell, value) -> None:
    if value is None or value == "":
        return
    if isinstance(value, dt.date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    elif isinstance(value, int):
        cell.value = value
    else:
        put_text(cell, value)


def _widths(sheet, columns: list[str], wide: set[str] = frozenset()) -> None:
    """Each column as wide as its longest text (dates 12), within 10 to 40 characters; `wide` ones wider."""
    for i, name in enumerate(columns, start=1):
        longest = max((12 if isinstance(c.value, dt.date) else len(str(c.value)) for (c,) in
                       sheet.iter_rows(min_col=i, max_col=i) if c.value is not None), default=0)
        sheet.column_dimensions[sheet.cell(1, i).column_letter].width = WIDE_CHARS + 5 if name in wide else \
            max(10, min(40, longest + 2))


def made_line(what: str, today: dt.date) -> str:
    return f"Made by {what} on {uk(today)}."
