"""Reading the tracker's sheets as rows by header, and writing them back as Excel tables.

A sheet is read into rows of `Kept` cells (value, type, style, note, link), keyed by
header text, so that whatever managers wrote is written back exactly, wherever the
column now sits. Our own values are written fresh, text always as text.

Every sheet prints landscape, fitted to the page width, with its headings on each page;
rows are made high enough for their wrapped text (Excel would grow them, LibreOffice
does not), so nothing overlaps on screen or on paper.
"""
from __future__ import annotations

import datetime as dt
from copy import copy
from dataclasses import dataclass
from dataclasses import field as dc_field

from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.formatting.rule import Rule
from openpyxl.formula.translate import Translator
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.views import Selection

from ..files import put_text
from ..forms.textwidth import cell_height
from .rows import ACTIONS, STATUSES, Col, Graded, SheetDef

DATE_FORMAT = "DD/MM/YYYY"
MONTH_FORMAT = "MMM YYYY"
TOP = Alignment(vertical="top")
WRAP = Alignment(vertical="top", wrap_text=True)
MANAGER_HEADER_FILL = PatternFill("solid", fgColor="FFF2CC")
HEADER_FONT = Font(bold=True, color="000000")
OVERDUE = DifferentialStyle(fill=PatternFill("solid", bgColor="FFC7CE"), font=Font(color="9C0006"))
STATUS_LIST = '"' + ",".join(STATUSES) + '"'
FONT_SIZE = 11  # the workbook's own font (Calibri; LibreOffice may show a wider one, so rows get room to spare)
SPARE = 0.8
MAX_ROW_HEIGHT = 409  # Excel's limit, in points


@dataclass
class Kept:
    """A cell as it was in the workbook, written back exactly."""

    value: object
    data_type: str
    style: object
    comment: object
    hyperlink: object
    coordinate: str


@dataclass
class Updated:
    """A new value for a cell a person may have annotated: keeps its note (and its look, if given)."""

    value: object
    comment: object = None
    style: object = None


def refreshed(old_row: dict, new_row: dict, headers, keep_style: bool = False) -> dict:
    """`new_row`, with the notes (and cell formatting, if `keep_style`) of `old_row`'s cells."""
    out = dict(new_row)
    for h in headers:
        kept = old_row.get(h)
        if isinstance(kept, Kept) and (kept.comment is not None or keep_style):
            out[h] = Updated(plain(new_row.get(h)), kept.comment, kept.style if keep_style else None)
    return out


@dataclass
class OldSheet:
    headers: list[str] = dc_field(default_factory=list)
    rows: list[dict[str, Kept]] = dc_field(default_factory=list)
    header_cells: dict[str, Kept] = dc_field(default_factory=dict)
    widths: dict[str, tuple[float | None, bool]] = dc_field(default_factory=dict)  # header -> (width, hidden)
    #: Cells people wrote outside the table (below it, or beside it): (row, column) -> cell, and
    #: the table's last row and column then, so that they keep their place next to the table.
    outside: dict[tuple[int, int], Kept] = dc_field(default_factory=dict)
    merged_outside: list[tuple[int, int, int, int]] = dc_field(default_factory=list)  # (min_row, min_col, max_row, max_col)
    table_end: tuple[int, int] = (1, 0)


def plain(value):
    """The value of a cell, whether kept from the workbook or newly made."""
    return value.value if isinstance(value, (Kept, Updated)) else value


def text_of(value) -> str:
    value = plain(value)
    if isinstance(value, Graded):
        return value.label
    return "" if value is None else str(value).strip()


def _keep(cell) -> Kept:
    return Kept(cell.value, cell.data_type, copy(cell._style), cell.comment, cell.hyperlink, cell.coordinate)


def read(ws) -> OldSheet:
    """The table's rows, as header -> Kept cell (row 1 holds the headers), and the cells outside it.

    The table is the sheet's Excel table, and the rows typed straight below it (Excel makes them
    part of the table too); after a blank row, and in columns beyond it that have no heading,
    cells are people's own notes: they are kept where they are, never read as rows."""
    old = OldSheet()
    if ws is None or ws.max_row < 1:
        return old
    table_rows, table_cols = _table_size(ws)
    columns: dict[str, int] = {}
    for c in range(1, ws.max_column + 1):
        cell = ws.cell(1, c)
        header = " ".join(str(cell.value).split()) if cell.value is not None else ""
        if not header:
            if c > table_cols or all(ws.cell(r, c).value is None for r in range(2, min(table_rows, ws.max_row) + 1)):
                continue
            header = f"Column {get_column_letter(c)}"
        base, n = header, 1
        while header in columns:
            n += 1
            header = f"{base} ({n})"
        columns[header] = c
        old.header_cells[header] = _keep(cell)
    old.headers = list(columns)
    widths: dict[int, tuple[float | None, bool]] = {}
    for dim in ws.column_dimensions.values():
        lo = dim.min or 0
        hi = dim.max or lo
        for c in range(lo, hi + 1):
            widths[c] = (dim.width if dim.customWidth else None, bool(dim.hidden))
    old.widths = {h: widths[c] for h, c in columns.items() if c in widths}
    last = 1
    for r in range(2, ws.max_row + 1):
        cells = {h: ws.cell(r, c) for h, c in columns.items()}
        if all(cell.value is None for cell in cells.values()):
            if r > table_rows:
                break  # a blank row below the table: what follows is not the table's
            continue
        old.rows.append({h: _keep(cell) for h, cell in cells.items()})
        last = r
    last = max(last, min(table_rows, ws.max_row))
    last_col = max(columns.values(), default=0)
    old.table_end = (last, last_col)
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row):
        for cell in row:
            if (cell.value is not None or cell.comment is not None) and (cell.row > last or cell.column > last_col):
                old.outside[cell.row, cell.column] = _keep(cell)
    for rng in ws.merged_cells.ranges:
        if rng.min_row > last or rng.min_col > last_col:
            old.merged_outside.append((rng.min_row, rng.min_col, rng.max_row, rng.max_col))
    return old


def _table_size(ws) -> tuple[int, int]:
    """The last row and column of the sheet's Excel table (the whole sheet if it has none)."""
    for table in ws.tables.values():
        try:
            min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        except (TypeError, ValueError):
            continue
        if min_col == 1 and min_row == 1:
            return max_row, max_col
    return ws.max_row, ws.max_column


def merged_headers(sheet: SheetDef, old: OldSheet) -> list[str]:
    """The existing columns in their order (managers' included), then ours that are missing."""
    return old.headers + [h for h in sheet.headers if h not in old.headers]


# ---- writing cells ---------------------------------------------------------------


def _restore(cell, kept: Kept) -> None:
    value = kept.value
    if kept.data_type == "f" and isinstance(value, str) and kept.coordinate != cell.coordinate:
        value = Translator(value, origin=kept.coordinate).translate_formula(cell.coordinate)
    cell.value = value
    cell.data_type = kept.data_type
    cell._style = copy(kept.style)
    if kept.comment is not None:
        cell.comment = copy(kept.comment)
    if kept.hyperlink is not None:
        cell.hyperlink = copy(kept.hyperlink)


def put(cell, value, col: Col | None) -> None:
    if isinstance(value, Kept):
        _restore(cell, value)
        return
    if isinstance(value, Updated):
        put(cell, value.value, col)
        if value.style is not None:
            quote = cell.quotePrefix
            cell._style = copy(value.style)
            cell.quotePrefix = quote
        if value.comment is not None:
            cell.comment = copy(value.comment)
        return
    kind = col.kind if col else "text"
    cell.alignment = WRAP if kind == "long" else TOP
    if isinstance(value, Graded):
        put_text(cell, value.label)
        if value.colour:
            rgb = value.colour.lstrip("#").upper()
            cell.fill = PatternFill("solid", fgColor=rgb)
            cell.font = Font(color="FFFFFF" if _is_dark(rgb) else "000000")
    elif isinstance(value, str):
        put_text(cell, value)
    elif value is not None:
        cell.value = value
    if kind in ("date", "month") or isinstance(value, dt.date):
        cell.number_format = MONTH_FORMAT if kind == "month" else DATE_FORMAT


def _is_dark(rgb: str) -> bool:
    r, g, b = (int(rgb[i:i + 2], 16) for i in (0, 2, 4))
    return 0.299 * r + 0.587 * g + 0.114 * b < 140


# ---- writing a sheet -------------------------------------------------------------


def write(ws, sheet: SheetDef, old: OldSheet, rows: list[dict]) -> list[str]:
    """Rewrite a data sheet: headers, rows, table, frozen header, widths. Returns the headers."""
    headers = merged_headers(sheet, old)
    for rng in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(rng))
    if ws.max_row:
        ws.delete_rows(1, ws.max_row)
    ws.row_dimensions.clear()
    ws.column_dimensions.clear()
    for name in list(ws.tables):
        del ws.tables[name]
    ws.auto_filter.ref = None
    for c, header in enumerate(headers, start=1):
        cell = ws.cell(1, c)
        col = sheet.col(header)
        if col is None and header in old.header_cells:
            _restore(cell, old.header_cells[header])
        put_text(cell, header)
        if col is not None:
            cell.alignment = WRAP
            if col.manager:
                cell.fill = MANAGER_HEADER_FILL
                cell.font = HEADER_FONT
        width, hidden = old.widths.get(header, (None, False))
        dim = ws.column_dimensions[get_column_letter(c)]
        dim.width = width or (col.width if col else 16)
        dim.hidden = bool(col and col.hidden) or hidden
    for r, row in enumerate(rows, start=2):
        for c, header in enumerate(headers, start=1):
            value = row.get(header)
            col = sheet.col(header)
            if value is None and col is None:
                continue
            put(ws.cell(r, c), value, col)
    _put_back_outside(ws, old, (max(len(rows) + 1, 2), len(headers)))
    last = get_column_letter(len(headers))
    table = Table(displayName=sheet.name, ref=f"A1:{last}{max(len(rows) + 1, 2)}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)
    ws.freeze_panes = None
    ws.sheet_view.selection = [Selection(activeCell="A1", sqref="A1")]  # else openpyxl adds more each run
    ws.freeze_panes = "B2" if sheet is ACTIONS else "A2"
    wrapped = [c for c, h in enumerate(headers, start=1) if (col := sheet.col(h)) and col.kind == "long"
               and not (col.hidden or old.widths.get(h, (None, False))[1])]
    fit_rows(ws, range(2, len(rows) + 2), wrapped)
    fit_rows(ws, range(1, 2), list(range(1, len(headers) + 1)), bold=True)  # the headings wrap in every column
    print_setup(ws)
    return headers


def fit_rows(ws, rows: range, columns: list[int], bold: bool = False) -> None:
    """Make each of `rows` high enough for the wrapped text of its `columns`."""
    widths = {c: ws.column_dimensions[get_column_letter(c)].width or 13 for c in columns}
    for r in rows:
        height = 0.0
        for c in columns:
            value = ws.cell(r, c).value
            if value is not None and not isinstance(value, (int, float, dt.date)):
                height = max(height, cell_height(str(value), widths[c], FONT_SIZE, bold, spare=SPARE))
        if height > 15:
            ws.row_dimensions[r].height = min(height, MAX_ROW_HEIGHT)


def print_setup(ws, landscape: bool = True) -> None:
    """A4, fitted to the page width, the heading row on every page, page numbers in the footer.
    Set once: print settings a person changes afterwards are kept."""
    if ws.print_title_rows:
        return
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_title_rows = "1:1"
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top, ws.page_margins.bottom = 0.6, 0.8
    ws.page_margins.header, ws.page_margins.footer = 0.3, 0.35
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.right.text = "Page &P of &N"


def _put_back_outside(ws, old: OldSheet, table_end: tuple[int, int]) -> None:
    """People's cells outside the table, at the same distance from its end as before."""
    down, right = table_end[0] - old.table_end[0], table_end[1] - old.table_end[1]

    def moved(row: int, col: int) -> tuple[int, int]:
        return row + (down if row > old.table_end[0] else 0), col + (right if col > old.table_end[1] else 0)

    for (row, col), kept in old.outside.items():
        _restore(ws.cell(*moved(row, col)), kept)
    for min_row, min_col, max_row, max_col in old.merged_outside:
        (r1, c1), (r2, c2) = moved(min_row, min_col), moved(max_row, max_col)
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)


def mark_actions(ws, headers: list[str], n_rows: int) -> None:
    """The Status drop-down and the overdue colour on the Actions sheet (ours replaced, others kept)."""
    last_row = max(n_rows + 1, 2)
    letter = {h: get_column_letter(i) for i, h in enumerate(headers, start=1)}
    for dv in list(ws.data_validations.dataValidation):
        if dv.formula1 == STATUS_LIST:
            ws.data_validations.dataValidation.remove(dv)
    status = DataValidation(type="list", formula1=STATUS_LIST, allow_blank=True, showErrorMessage=False,
                            showInputMessage=True, promptTitle="Status", prompt="Choose: " + ", ".join(STATUSES))
    status.add(f"{letter['Status']}2:{letter['Status']}{last_row}")
    ws.add_data_validation(status)
    kept = ConditionalFormattingList()
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            if not any("No longer needed" in f for f in rule.formula or []):
                kept.add(str(cf.sqref), rule)
    ws.conditional_formatting = kept
    due, st = letter["Required date"], letter["Status"]
    formula = (f'AND(ISNUMBER(${due}2),${due}2<TODAY(),'
               f'${st}2<>"Done",${st}2<>"No longer needed")')
    ws.conditional_formatting.add(f"A2:{get_column_letter(len(headers))}{last_row}",
                                  Rule(type="expression", dxf=OVERDUE, formula=[formula]))


def write_about(ws, lines: list[tuple[str, object]]) -> None:
    """The About sheet: two columns, rewritten every time."""
    if ws.max_row:
        ws.delete_rows(1, ws.max_row)
    for r, (label, value) in enumerate(lines, start=1):
        put_text(ws.cell(r, 1), label)
        ws.cell(r, 1).alignment = TOP
        cell = ws.cell(r, 2)
        put(cell, value, None)
        cell.alignment = WRAP
        if isinstance(value, dt.datetime):
            cell.number_format = "DD/MM/YYYY HH:MM"
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 110
    ws.row_dimensions.clear()
    fit_rows(ws, range(1, len(lines) + 1), [2])
    print_setup(ws)
