"""Fill a generated Excel form the way a person does in Excel (for `auditdocs demo` and the tests).

Answers are typed into the named cells: choices as the label shown in the list, dates
as real dates, ticks as Yes/No, text as text. An action table with more actions than
rows gets rows inserted above its End row, with what Excel does on an insert: the new
rows take the format of the row above, and names, merged cells, validations and row
heights below move down (ranges that span the insert grow).
"""
from __future__ import annotations

import datetime as dt
import io
from copy import copy

from openpyxl import load_workbook
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils.cell import get_column_letter, range_boundaries

from ...domain.dates import parse_date
from ...files import put_text
from .layout import field_name
from .writer import CHECKBOX_LABELS


def fill_xlsx(data: bytes, answers: dict[str, object], tables: dict[str, list[dict]] | None = None) -> bytes:
    """The form with `answers` (field id -> value as the JSON contract has it) and
    `tables` (table id -> rows of column id -> value) typed in."""
    wb = load_workbook(io.BytesIO(data))
    for field_id, value in answers.items():
        found = named_cell(wb, field_name(field_id))
        if found is not None:
            type_into(found[1], value)
    for table_id, rows in (tables or {}).items():
        found = named_cell(wb, field_name(table_id))
        if found is None:
            continue
        ws, block = found
        _, header_row, _, end_row = range_boundaries(block)
        places = end_row - header_row - 1
        if len(rows) > places:
            insert_rows(wb, ws, end_row, len(rows) - places)
        for i, row in enumerate(rows):
            for column_id, value in row.items():
                first = named_cell(wb, f"{field_name(table_id)}.{column_id}.1")
                if first is not None:
                    type_into(ws.cell(header_row + 1 + i, first[1].column), value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def named_cell(wb, name: str):
    """(worksheet, cell) of a single-cell name; (worksheet, 'A1:B2') for a range; None if absent."""
    dn = wb.defined_names.get(name)
    if dn is None:
        return None
    sheet, ref = next(iter(dn.destinations))
    ws = wb[sheet]
    ref = ref.replace("$", "")
    return (ws, ws[ref]) if ":" not in ref else (ws, ref)


def type_into(cell, value) -> None:
    """What a person typing `value` into this cell ends up with."""
    if isinstance(value, bool):
        value = CHECKBOX_LABELS[0] if value else CHECKBOX_LABELS[1]
    day = parse_date(value) if isinstance(value, (str, dt.date)) and is_date_format(cell.number_format) else None
    if day is not None:
        cell.value = day
    elif value is None:
        cell.value = None
    else:
        put_text(cell, str(value))


def insert_rows(wb, ws, idx: int, amount: int = 1) -> None:
    """Insert rows above row `idx` as Excel does (openpyxl alone moves only the cells)."""
    heights = {r: d.height for r, d in ws.row_dimensions.items() if r >= idx and d.height}
    ws.insert_rows(idx, amount)
    for r in heights:
        ws.row_dimensions[r].height = None
    for r, h in heights.items():
        ws.row_dimensions[r + amount].height = h
    for r in range(idx, idx + amount):  # the new rows look like the row above
        for c in range(1, ws.max_column + 1):
            ws.cell(r, c)._style = copy(ws.cell(idx - 1, c)._style)
    for merged in ws.merged_cells.ranges:
        if merged.min_row >= idx:
            merged.shift(0, amount)
    for dv in ws.data_validations.dataValidation:
        dv.sqref = " ".join(_shift(str(r), idx, amount) for r in dv.sqref.ranges)
    for dn in wb.defined_names.values():
        sheet, _, ref = dn.attr_text.rpartition("!")
        if sheet.strip("'") == ws.title:
            dn.attr_text = f"{sheet}!{_shift(ref, idx, amount)}"
    if ws.print_area:
        ws.print_area = [_shift(a.split("!")[-1], idx, amount) for a in ws.print_area.split(",")]


def _shift(ref: str, idx: int, amount: int) -> str:
    """A reference after inserting `amount` rows above row `idx` (ranges across it grow)."""
    absolute = "$" in ref
    min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
    min_row += amount if min_row >= idx else 0
    max_row += amount if max_row >= idx else 0
    d = "$" if absolute else ""
    start = f"{d}{get_column_letter(min_col)}{d}{min_row}"
    end = f"{d}{get_column_letter(max_col)}{d}{max_row}"
    return start if start == end and ":" not in ref else f"{start}:{end}"
