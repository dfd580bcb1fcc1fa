"""Reading the tracker's sheets as rows by heading, and laying them out again around our own rows.

A sheet is read into rows keyed by heading text, each with its row key (`rows.row_key`: the audit
id, the action id…; "" for a row a person added). Of the rows the tool made, only what a person put
there is kept: the values of their columns (managers', QA officers', their own), and every cell that
carries something of theirs (a note, a link, a formula, a look they gave it) as a `Kept` cell, written
back exactly. Rows a person added, rows of audits the register does not know, and cells outside the
table are kept whole. Our own values come from the register every time.

Every sheet prints landscape, fitted to the page width, with its headings on each page (the Audits sheet:
the columns a team manager reads, three pages across); rows are made high enough for their wrapped text (Excel would grow them, LibreOffice does not).
"""
from __future__ import annotations

import bisect
import datetime as dt
import re
from copy import copy
from dataclasses import dataclass
from dataclasses import field as dc_field

from openpyxl.cell.rich_text import CellRichText
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.formatting.rule import Rule
from openpyxl.formula.translate import Translator
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.protection import SheetProtection
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.worksheet.views import Selection

from ..domain import cycle
from ..files import put_text
from .rows import ACTIONS, AGREED_ROLES, AUDITS, Col, Graded, SheetDef, row_key
from .stream import (
    DATETIME_FORMAT,
    TOP,
    WRAP,
    BodyRow,
    RowWriter,
    Styles,
    row_height,
    row_xml,
)

MANAGER_HEADER_FILL = PatternFill("solid", fgColor="FFF2CC")
HEADER_FONT = Font(bold=True, color="000000")
OVERDUE = DifferentialStyle(fill=PatternFill("solid", bgColor="FFC7CE"), font=Font(color="9C0006"))
STATUS_LIST = '"' + ",".join(cycle.ACTION_STATUSES) + '"'
ROLES_LIST = '"' + ",".join(AGREED_ROLES) + '"'


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
    """A new value for a cell a person annotated or formatted: keeps their note and their look."""

    value: object
    comment: object = None
    style: object = None


@dataclass
class OldSheet:
    headers: list[str] = dc_field(default_factory=list)
    rows: list[dict[str, object]] = dc_field(default_factory=list)  # heading -> Kept cell or a plain value
    keys: list[str] = dc_field(default_factory=list)  # each row's key ("" for a person's own row)
    whole: list[bool] = dc_field(default_factory=list)  # the row is kept as it is (not one of ours)
    header_cells: dict[str, Kept] = dc_field(default_factory=dict)
    widths: dict[str, tuple[float | None, bool]] = dc_field(default_factory=dict)  # header -> (width, hidden)
    #: Cells people wrote outside the table (below it, or beside it): (row, column) -> cell, and
    #: the table's last row and column then, so that they keep their place next to the table.
    outside: dict[tuple[int, int], Kept] = dc_field(default_factory=dict)
    merged_outside: list[tuple[int, int, int, int]] = dc_field(default_factory=list)  # (min_row, min_col, max_row, max_col)
    table_end: tuple[int, int] = (1, 0)
    protected: bool = False

    def by_key(self) -> dict[str, dict[str, object]]:
        return {k: row for k, row, whole in zip(self.keys, self.rows, self.whole) if k and not whole}


def plain(value):
    """The value of a cell, whether kept from the workbook or newly made."""
    return value.value if isinstance(value, (Kept, Updated)) else value


def text_of(value) -> str:
    value = plain(value)
    if isinstance(value, Graded):
        return value.label
    if isinstance(value, CellRichText):
        return str(value).strip()
    return "" if value is None else str(value).strip()


def _keep(cell) -> Kept:
    return Kept(cell.value, cell.data_type, copy(cell._style), cell.comment, cell.hyperlink, cell.coordinate)


def is_special(cell, styles: Styles) -> bool:
    """A cell (or a `Kept` one) that carries something of a person's beyond its value: a note, a link, a
    formula, formatted text, or a look the tool does not give."""
    style = cell.style if isinstance(cell, Kept) else cell._style
    return (cell.comment is not None or cell.hyperlink is not None or cell.data_type == "f"
            or isinstance(cell.value, CellRichText) or not styles.is_ours(style))


def as_ours(sheet: SheetDef, row: dict[str, Kept], styles: Styles) -> dict[str, object]:
    """A row kept whole, now known as one of ours: people's cells and what is special in ours."""
    generated = sheet.generated
    out: dict[str, object] = {}
    for h, kept in row.items():
        if is_special(kept, styles):
            out[h] = kept
        elif h not in generated:
            out[h] = kept.value
    return out


def read(ws, sheet: SheetDef, styles: Styles, known, layout: list[str] | None = None) -> OldSheet:
    """The table's rows by heading, with their keys, and the cells outside the table.

    The table is the sheet's Excel table, and the rows typed straight below it (Excel makes them part of
    the table too); after a blank row, and in columns beyond it that have no heading, cells are people's
    own notes: kept where they are, never read as rows. `known(key)`: whether the register knows a row
    key (rows it does not know are kept whole). `layout`: the row keys of a skeleton (a tracker as the
    register last wrote it, with only people's cells), one per row from row 2."""
    old = OldSheet(protected=bool(ws.protection.sheet))
    if ws is None or ws.max_row < 1:
        return old
    table_rows, table_cols = _table_size(ws)
    if layout is not None:
        table_rows = max(table_rows, len(layout) + 1)
    by_row: dict[int, dict[int, object]] = {}
    for (row_n, col_n), cell in ws._cells.items():
        by_row.setdefault(row_n, {})[col_n] = cell
    if not ws.tables and layout is None:  # the Excel table is gone (Gnumeric does not keep it): it ends at
        table_rows = _last_known_row(sheet, by_row, known)  # the last row of ours, as Excel's would
    used_columns = {col_n for row_n, cells in by_row.items() if 2 <= row_n <= table_rows
                    for col_n, cell in cells.items() if cell.value is not None}
    columns: dict[str, int] = {}
    for c in range(1, ws.max_column + 1):
        cell = ws.cell(1, c)
        header = " ".join(str(cell.value).split()) if cell.value is not None else ""
        if not header:
            if c > table_cols or c not in used_columns:
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
    generated = sheet.generated
    heading_of = {c: h for h, c in columns.items()}
    end = max(ws.max_row, table_rows)
    with_cells = sorted(by_row)

    def next_with_cells(row_n: int) -> int:
        """The first row from `row_n` on that has cells (one past the last row if none)."""
        i = bisect.bisect_left(with_cells, row_n)
        return with_cells[i] if i < len(with_cells) else end + 1

    last = 1
    r = 1
    while r < end:
        r += 1
        present = by_row.get(r)
        if present is None and layout is not None and r - 2 < len(layout):
            # rows of ours with nothing of people's, up to the next one with something
            stop = min(next_with_cells(r), len(layout) + 2, end + 1)
            keys = layout[r - 2:stop - 2]
            old.rows += [{} for _ in keys]
            old.keys += keys
            old.whole += [not known(key) if key else True for key in keys]
            r = last = stop - 1
            continue
        if present is None:  # an empty row, not one of the skeleton's
            if r > table_rows:
                break  # a blank row below the table: what follows is not the table's
            r = min(next_with_cells(r), table_rows + 1) - 1  # and the empty rows after it, in the table
            continue
        cells = {heading_of[c]: cell for c, cell in (present or {}).items() if c in heading_of}
        if layout is not None and r - 2 < len(layout):
            key = layout[r - 2]
        else:
            if all(cell.value is None for cell in cells.values()):
                if r > table_rows:
                    break  # a blank row below the table: what follows is not the table's
                continue
            key = row_key(sheet, {h: cell.value for h, cell in cells.items()})
        whole = not key or not known(key)
        row: dict[str, object] = {}
        for h, cell in cells.items():
            if cell.value is None and cell.comment is None:
                continue
            if whole or is_special(cell, styles):
                row[h] = _keep(cell)
            elif h not in generated:
                row[h] = cell.value
        old.rows.append(row)
        old.keys.append(key)
        old.whole.append(whole)
        last = r
    last = max(last, min(table_rows, max(ws.max_row, table_rows)))
    last_col = max(columns.values(), default=0)
    old.table_end = (last, last_col)
    for (row_n, col_n), cell in ws._cells.items():
        if (cell.value is not None or cell.comment is not None) and (row_n > last or col_n > last_col):
            old.outside[row_n, col_n] = _keep(cell)
    for rng in ws.merged_cells.ranges:
        if rng.min_row > last or rng.min_col > last_col:
            old.merged_outside.append((rng.min_row, rng.min_col, rng.max_row, rng.max_col))
    return old


def _last_known_row(sheet: SheetDef, by_row: dict[int, dict[int, object]], known) -> int:
    """The last row (1: none) that is one of ours: its key one the register knows."""
    headings = {c: " ".join(str(cell.value).split()) for c, cell in by_row.get(1, {}).items() if cell.value is not None}
    for row_n in sorted(by_row, reverse=True):
        if row_n > 1:
            values = {headings[c]: cell.value for c, cell in by_row[row_n].items() if c in headings}
            key = row_key(sheet, values)
            if key and known(key):
                return row_n
    return 1


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
    """The existing columns in their order (people's included), with ours that are missing each after the one of
    ours it follows (a column a later version added goes where a new tracker has it), else at the end."""
    out = list(old.headers)
    for i, header in enumerate(sheet.headers):
        if header in out:
            continue
        before = next((h for h in reversed(sheet.headers[:i]) if h in out), None)
        out.insert(out.index(before) + 1 if before is not None else len(out), header)
    return out


# ---- the rows after this run -------------------------------------------------------


def compose(sheet: SheetDef, old: OldSheet, fresh: dict[str, dict], placed_after=None) -> list[tuple[str, dict]]:
    """The sheet's rows after this run, as (row key, heading -> value), in the order people left them.

    `fresh`: every row the register gives, by key (in its order). A row already there keeps its place,
    with what people put in it; a row people added, or of an audit the register does not know, stays as
    it is; a row of ours the register no longer gives goes; a new row goes after the last row
    `placed_after(key)` names (its audit's), else at the end."""
    out: list[tuple[str, dict]] = []
    used = set()
    for key, row, whole in zip(old.keys, old.rows, old.whole):
        if whole:
            out.append((key, row))
            continue
        if key not in fresh:
            continue  # one of ours that is no longer there (an exception dealt with)
        if key in used:
            continue  # a second copy of one of our rows (pasted by a person): the register's is written once
        used.add(key)
        out.append((key, carried(sheet, row, fresh[key])))
    new = [k for k in fresh if k not in used]
    if not new:
        return out
    if placed_after is None:
        return out + [(k, fresh[k]) for k in new]
    last_of: dict[str, int] = {}
    for i, (key, _) in enumerate(out):
        if key in fresh:
            last_of[placed_after(key)] = i
    after: dict[int, list[str]] = {}
    end = []
    for k in new:
        i = last_of.get(placed_after(k))
        (after.setdefault(i, []) if i is not None else end).append(k)
    placed = []
    for i, item in enumerate(out):
        placed.append(item)
        placed += [(k, fresh[k]) for k in after.get(i, [])]
    return placed + [(k, fresh[k]) for k in end]


def carried(sheet: SheetDef, old_row: dict, new_row: dict) -> dict:
    """`new_row` with what people put in the old row: their cells kept, and on our cells their notes and
    look (the value is ours)."""
    if not old_row:
        return new_row
    out = dict(new_row)
    generated = sheet.generated
    for h, value in old_row.items():
        if isinstance(value, Kept):
            if h in generated:
                out[h] = Updated(plain(new_row.get(h)), value.comment, value.style)
            else:
                out[h] = value
    return out


# ---- writing a sheet: the skeleton with openpyxl, our rows for the stream ----------------


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


def put(cell, value, col: Col | None, styles: Styles) -> None:
    """A cell written by openpyxl: one of people's, or one of ours they annotated."""
    if isinstance(value, Kept):
        _restore(cell, value)
        return
    if isinstance(value, Updated):
        put(cell, value.value, col, styles)
        if value.style is not None:
            quote = cell.quotePrefix
            cell._style = copy(value.style)
            cell.quotePrefix = quote
        if value.comment is not None:
            cell.comment = copy(value.comment)
        return
    style = styles.of(col, value)
    if isinstance(value, Graded):
        put_text(cell, value.label)
    elif isinstance(value, str):
        put_text(cell, value)
    elif value is not None:
        cell.value = value
    cell._style = copy(styles.wb._cell_styles[style])


@dataclass
class LaidOut:
    """A data sheet after `lay_out`: its headings, and the rows our writer streams (row 2 onwards)."""

    headers: list[str]
    body: list[BodyRow]
    keys: list[str]
    writer: RowWriter


def lay_out(ws, sheet: SheetDef, old: OldSheet, rows: list[tuple[str, dict | Rendered]], styles: Styles,
            count: int | None = None, colours=(None,), writer: RowWriter | None = None) -> LaidOut:
    """Rewrite a data sheet's skeleton (headings, people's cells, table, frozen headings, widths, print
    setup) and return the rows to stream. `count`: the number of rows of a big sheet whose rows are
    streamed apart (`rows` then empty); `colours`: those of the graded values the rows may hold."""
    headers = merged_headers(sheet, old)
    for rng in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(rng))
    ws._cells.clear()
    ws.row_dimensions.clear()
    ws.column_dimensions.clear()
    for name in list(ws.tables):
        del ws.tables[name]
    ws.auto_filter.ref = None
    cols = [sheet.col(h) for h in headers]
    for c, (header, col) in enumerate(zip(headers, cols), start=1):
        cell = ws.cell(1, c)
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
    wrapped_at = wrapped_columns(sheet, old, headers)
    body = []
    keys = []
    for r, (key, row) in enumerate(rows, start=2):
        keys.append(key)
        if type(row) is Rendered:
            body.append(BodyRow(None, xml=row))
            continue
        values = [row.get(header) for header in headers]
        texts = [(v if type(v) is str else text_of(v), width) for i, width in wrapped_at if (v := values[i]) is not None]
        for i, value in enumerate(values):
            if type(value) in (Kept, Updated):
                put(ws.cell(r, i + 1), value, cols[i], styles)
                values[i] = None
        body.append(BodyRow(values, row_height(texts)))
    n_rows = count if count is not None else len(rows)
    _put_back_outside(ws, old, (max(n_rows + 1, 2), len(headers)))
    last = get_column_letter(len(headers))
    table = Table(displayName=sheet.name.replace(" ", "_"), ref=f"A1:{last}{max(n_rows + 1, 2)}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    # the columns named here: else openpyxl makes every cell of the table to read its headings
    table.tableColumns = [TableColumn(id=i, name=h) for i, h in enumerate(headers, start=1)]
    table.autoFilter = AutoFilter(ref=table.ref)
    ws.add_table(table)
    ws.freeze_panes = None
    ws.sheet_view.selection = [Selection(activeCell="A1", sqref="A1")]  # else openpyxl adds more each run
    ws.freeze_panes = "B2" if sheet in (ACTIONS, AUDITS) else "A2"
    height = row_height([(h, ws.column_dimensions[get_column_letter(c)].width or 13)
                         for c, h in enumerate(headers, start=1)], bold=True)
    if height:
        ws.row_dimensions[1].height = height  # the headings wrap in every column
    print_setup(ws, headers=headers if sheet is AUDITS else None, last_row=max(n_rows + 1, 2))
    if sheet.big:
        protect(ws)
    return LaidOut(headers, body, keys, writer or RowWriter(cols, styles, colours))


def wrapped_columns(sheet: SheetDef, old: OldSheet, headers: list[str]) -> list[tuple[int, float]]:
    """(index, width) of the columns whose text wraps, so that rows are made high enough for it."""
    out = []
    for i, h in enumerate(headers):
        col = sheet.col(h)
        width, hidden = old.widths.get(h, (None, False))
        if col is not None and col.kind == "long" and not (col.hidden or hidden):
            out.append((i, float(width or col.width)))
    return out


class Rendered:
    """A row already written as SpreadsheetML (with `stream.ROW` for its number): one of ours with nothing of
    people's. Held as its UTF-8 bytes (`data`: a year's rows, in several scripts, take a third of the memory they
    would as text); with `spill` (the run's temporary file: `append(data) -> where`, `read_at(where, size)`), there
    until they are written into the tracker (a year's rows are not all held at once)."""

    __slots__ = ("_data", "_spill", "_at", "_size")

    def __init__(self, xml: str | bytes, spill=None):
        data = xml if type(xml) is bytes else xml.encode("utf-8")
        self._spill = spill
        if spill is None:
            self._data = data
            return
        self._data, self._at, self._size = None, spill.append(data), len(data)

    @classmethod
    def held_in(cls, source, at: int, size: int) -> "Rendered":
        """The row that is `size` bytes from `at` of what `source.read_at(at, size)` gives (rows kept elsewhere)."""
        row = cls.__new__(cls)
        row._data, row._spill, row._at, row._size = None, source, at, size
        return row

    @property
    def data(self) -> bytes:
        if self._spill is None:
            return self._data
        return self._spill.read_at(self._at, self._size)

    @property
    def xml(self) -> str:
        return self.data.decode("utf-8")

    def __eq__(self, other) -> bool:
        return type(other) is Rendered and other.data == self.data

    def __repr__(self) -> str:
        return f"Rendered({self.xml!r})"


def render_row(row: dict, headers: list[str], writer: RowWriter, wrapped: list[tuple[int, float]]) -> Rendered:
    """A row of ours (nothing of people's in it) as `lay_out` would have it written."""
    values = [row.get(h) for h in headers]
    texts = [(v if type(v) is str else text_of(v), width) for i, width in wrapped if (v := values[i]) is not None]
    height = row_height(texts)
    return Rendered(row_xml(writer.cells(values), height))


def protect(ws) -> None:
    """A sheet nobody edits: protected without a password, so that Excel says so; filtering, and
    resizing columns and rows, still work (Review > Unprotect Sheet to change it; the tool then reads
    the sheet back and keeps what was added)."""
    ws.protection = SheetProtection(sheet=True, objects=True, scenarios=True, formatColumns=False,
                                    formatRows=False, autoFilter=False, sort=True, selectLockedCells=False,
                                    selectUnlockedCells=False)


#: The Audits sheet on paper: its columns from the first to this one (who, where it stands, what next and by
#: when, the grade, the dates), the rest (the QA officers' own, the files) being for the screen.
AUDITS_PRINTED_TO = "Finalised"
AUDITS_PAGES_WIDE = 3  # pages across, at about full size (one page would be too small to read)


def print_setup(ws, landscape: bool = True, headers: list[str] | None = None, last_row: int = 2) -> None:
    """A4, fitted to the page width, the heading row on every page, page numbers in the footer.
    The Audits sheet (`headers` given) prints the columns a team manager reads, up to AUDITS_PRINTED_TO,
    from row 1 to `last_row`, over AUDITS_PAGES_WIDE pages across, with the audit id on each (Page Layout >
    Print Area > Clear Print Area prints them all). Set once: print settings a person changes afterwards are
    kept; only our own print area follows the rows. A sheet still set up as this tool once set every sheet
    (fitted to one page wide, no print area) gets the Audits sheet's."""
    audits = headers is not None and AUDITS_PRINTED_TO in headers
    last_col = get_column_letter(headers.index(AUDITS_PRINTED_TO) + 1) if audits else ""
    if ws.print_title_rows and not (audits and not ws.print_area and ws.page_setup.fitToWidth in (1, "1", None)):
        if audits and _our_print_area(ws.print_area, last_col):
            ws.print_area = f"A1:{last_col}{last_row}"
        return
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = AUDITS_PAGES_WIDE if audits else 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_title_rows = "1:1"
    if audits:
        ws.print_area = f"A1:{last_col}{last_row}"
        ws.print_title_cols = "A:A"  # the audit id on every page across
        ws.page_setup.pageOrder = "overThenDown"  # a row's pages one after the other
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top, ws.page_margins.bottom = 0.6, 0.8
    ws.page_margins.header, ws.page_margins.footer = 0.3, 0.35
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.right.text = "Page &P of &N"


def _our_print_area(area: str | None, last_col: str) -> bool:
    """Is this print area the one `print_setup` gives the Audits sheet (A1 to the last printed column)?"""
    ranges = (area or "").split(",")
    if len(ranges) != 1 or "!" not in ranges[0]:
        return False
    cells = ranges[0].split("!")[-1].replace("$", "")
    return bool(re.fullmatch(rf"A1:{last_col}\d+", cells))


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


def _replace_ours(ws, ours, title: str) -> None:
    """Drop our drop-downs and conditional formats (`ours(formula)`), keeping people's; and a drop-down with
    our prompt's `title` but no list left (what Gnumeric keeps of ours: it would lie over the new one)."""
    for dv in list(ws.data_validations.dataValidation):
        if ours(dv.formula1 or "") or (dv.promptTitle == title and not dv.formula1):
            ws.data_validations.dataValidation.remove(dv)
    kept = ConditionalFormattingList()
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            if not any(ours(f) for f in rule.formula or []):
                kept.add(str(cf.sqref), rule)
    ws.conditional_formatting = kept


def mark_actions(ws, headers: list[str], n_rows: int, due_heading: str = "Required date") -> None:
    """The Status drop-down and the overdue colour on the Actions sheet, and the Learning log's with its
    `due_heading` (ours replaced, others kept)."""
    last_row = max(n_rows + 1, 2)
    letter = {h: get_column_letter(i) for i, h in enumerate(headers, start=1)}
    _replace_ours(ws, lambda f: f == STATUS_LIST or "No longer needed" in f, "Status")
    status = DataValidation(type="list", formula1=STATUS_LIST, allow_blank=True, showErrorMessage=False,
                            showInputMessage=True, promptTitle="Status",
                            prompt="Choose: " + ", ".join(cycle.ACTION_STATUSES))
    status.add(f"{letter['Status']}2:{letter['Status']}{last_row}")
    ws.add_data_validation(status)
    due, st = letter[due_heading], letter["Status"]
    formula = (f'AND(ISNUMBER(${due}2),${due}2<TODAY(),'
               f'${st}2<>"Done",${st}2<>"No longer needed")')
    ws.conditional_formatting.add(f"A2:{get_column_letter(len(headers))}{last_row}",
                                  Rule(type="expression", dxf=OVERDUE, formula=[formula]))


def mark_choices(ws, sheet: SheetDef, headers: list[str], n_rows: int) -> None:
    """A drop-down list on each column of `sheet` that offers choices (`Col.choices`; ours replaced, others kept)."""
    last_row = max(n_rows + 1, 2)
    for col in sheet.columns:
        if not col.choices or col.header not in headers:
            continue
        letter = get_column_letter(headers.index(col.header) + 1)
        choices = '"' + ",".join(col.choices) + '"'
        _replace_ours(ws, lambda f, choices=choices: f == choices, col.header)
        offered = DataValidation(type="list", formula1=choices, allow_blank=True, showErrorMessage=False,
                                 showInputMessage=True, promptTitle=col.header, prompt="Choose: " + ", ".join(col.choices))
        offered.add(f"{letter}2:{letter}{last_row}")
        ws.add_data_validation(offered)


def mark_audits(ws, headers: list[str], n_rows: int) -> None:
    """On the Audits sheet: the roles that can agree an exemption as a list, and a next deadline that has
    passed in red (on the day the workbook is opened, not the day it was made)."""
    last_row = max(n_rows + 1, 2)
    letter = {h: get_column_letter(i) for i, h in enumerate(headers, start=1)}
    deadline = letter["Next deadline"]
    _replace_ours(ws, lambda f: f == ROLES_LIST or f.startswith(f"AND(ISNUMBER(${deadline}2)"), "Agreed role")
    roles = DataValidation(type="list", formula1=ROLES_LIST, allow_blank=True, showErrorMessage=False,
                           showInputMessage=True, promptTitle="Agreed role",
                           prompt="Only the Assistant Director (for a QA auditor, the Strategic Lead) can agree "
                                  "an exemption.")
    roles.add(f"{letter['Agreed role']}2:{letter['Agreed role']}{last_row}")
    ws.add_data_validation(roles)
    ws.conditional_formatting.add(f"{deadline}2:{deadline}{last_row}", Rule(
        type="expression", dxf=OVERDUE, formula=[f"AND(ISNUMBER(${deadline}2),${deadline}2<TODAY())"]))


def write_about(ws, lines: list[tuple[str, object]], styles: Styles) -> None:
    """The About sheet: two columns, rewritten every time."""
    ws._cells.clear()
    for r, (label, value) in enumerate(lines, start=1):
        put_text(ws.cell(r, 1), label)
        ws.cell(r, 1).alignment = TOP
        cell = ws.cell(r, 2)
        if isinstance(value, str):
            put_text(cell, value)
        elif value is not None:
            cell.value = value
        cell.alignment = WRAP
        if isinstance(value, dt.datetime):
            cell.number_format = DATETIME_FORMAT
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 110
    ws.row_dimensions.clear()
    ws.row_dimensions[1].height = 22  # the title's larger letters
    for r, (_, value) in enumerate(lines, start=1):
        height = row_height([(str(value), 110)]) if isinstance(value, str) else None
        if height:
            ws.row_dimensions[r].height = height
    print_setup(ws)
