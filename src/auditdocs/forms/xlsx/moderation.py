"""The moderation lock of an Excel form: the answer cells of its moderation part open (and shaded as cells to
fill in), every other answer cell locked on the protected sheet (and shaded grey), and the moderator's name
typed in. Which fields and tables are the moderation part is the moderation package's plan
(`moderation.forms.moderation_parts`); this module only edits the workbook, finding the cells by the names
the writer gives them (`layout.field_name`, `layout.table_cell_name`).
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from ...domain import model as m
from ...files import put_text
from .layout import DETAIL_SHADE, INPUT_SHADE, field_name, table_cell_name


@dataclass(frozen=True)
class Locked:
    """A form with its moderation lock, and how many of its answer cells were found by name."""

    data: bytes
    found: int  # 0: the cells have lost their names; nothing was locked or filled in


def lock_for_moderation(data: bytes, spec: m.FormSpec, *, open_fields: set[str] | frozenset[str],
                        open_tables: set[str] | frozenset[str], moderator_field: str = "",
                        moderator: str = "") -> Locked:
    """The Excel form `data` with the cells of `open_fields` and of the rows of `open_tables` open, every other
    answer cell of `spec` locked, `moderator` typed into the `moderator_field` cell, and each visible sheet
    protected."""
    from openpyxl import load_workbook
    from openpyxl.styles import PatternFill, Protection
    from openpyxl.utils.cell import range_boundaries

    from .fill import named_cell

    wb = load_workbook(io.BytesIO(data))
    found = 0

    def shade(ws, cell, is_open: bool) -> None:
        targets = [cell]
        for merged in ws.merged_cells.ranges:
            if cell.coordinate in merged:
                targets = [ws.cell(r, c) for r in range(merged.min_row, merged.max_row + 1)
                           for c in range(merged.min_col, merged.max_col + 1)]
        colour = INPUT_SHADE if is_open else DETAIL_SHADE
        for target in targets:
            target.protection = Protection(locked=not is_open)
            target.fill = PatternFill("solid", start_color=colour, end_color=colour)

    for f in spec.fields:
        place = named_cell(wb, field_name(f.id))
        if place is None or isinstance(place[1], str):
            continue
        found += 1
        ws, cell = place
        shade(ws, cell, f.id in open_fields)
        if f.id == moderator_field and moderator:
            put_text(cell, moderator)
    for t in spec.tables:
        block = named_cell(wb, field_name(t.id))
        if block is None:
            continue
        ws, ref = block
        _, header_row, _, end_row = range_boundaries(ref)
        for c in t.columns:
            first = named_cell(wb, table_cell_name(t.id, c.id, 1))
            if first is None or isinstance(first[1], str):
                continue
            for row in range(header_row + 1, end_row):
                shade(ws, ws.cell(row, first[1].column), t.id in open_tables)
    for ws in wb.worksheets:
        if ws.sheet_state == "visible":
            ws.protection.sheet = True
    out = io.BytesIO()
    wb.save(out)
    return Locked(out.getvalue(), found)
