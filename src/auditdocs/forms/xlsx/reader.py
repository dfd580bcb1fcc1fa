"""Read a returned Excel form into an `AuditRecord` (the same JSON contract as a Word form).

The form and audit are identified by the workbook's custom properties, else the hidden
identity sheet, else the "Audit ID … · form …, version …" line under the title.
Each answer is found by its defined name (see `layout`); when the names are gone,
by the reference shown in column A of its row and its column. An action table is
every row between its column headings and its "End" row, so rows inserted or sorted
by people are read too. Every value goes through `answers.normalise`, like the Word
reader's, so that the same answers give the same JSON.
"""
from __future__ import annotations

import datetime as dt
import functools
import warnings
import zipfile
from pathlib import Path
from typing import Iterator

from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import SHEETRANGE_RE, range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet._reader import WorkSheetParser

from ...budgets import CELL_CHARS
from ...domain import identity
from ...domain import model as m
from .. import strict
from ..answers import clean_text
from ..ooxml import qn
from ..reading import identify, read_safely, refuse_macros, take_answers, take_subject
from ..safezip import NotReadable, open_package, parse_xml, read_part, refuse_entities
from .book import LARGEST, Sheet, read_book, value_styles
from .layout import (
    END_MARK,
    IDENTITY_SHEET,
    REF,
    TEXT,
    Layout,
    TablePlace,
    field_name,
    layout,
)

DAMAGED = ("the workbook is damaged and cannot be read. Ask the auditor to open it in Excel, "
           "save it again as Excel Workbook (.xlsx), and send it again.")
STRICT_NOTE = ("the form was saved as a Strict Open XML Spreadsheet; it was read as usual. Ask the auditor to "
               "save forms as Excel Workbook (.xlsx) (File > Save As), which every program reads.")
#: The size of an Excel sheet (a defined name beyond it is damaged) and of a formula.
MAX_ROW, MAX_COLUMN, MAX_FORMULA = 1048576, 16384, 8192
SML = qn("x:")  # "{namespace}", to put before a name


def read_xlsx(path: Path, library) -> m.AuditRecord:
    """Read one returned Excel form. Never raises for a bad file: it is 'unreadable' with the reason."""
    return read_safely(_read, path, library)


def _read(path: Path, library, record: m.AuditRecord) -> None:
    with open_package(path, ".xlsx") as package:
        refuse_macros(read_part(package, "[Content_Types].xml") or b"", "Excel workbook")
        if read_part(package, "xl/workbook.xml") is None:
            kind = "a Word document" if read_part(package, "word/document.xml") is not None else "not an Excel workbook"
            raise NotReadable(f"despite its name, this is {kind}. Ask the auditor for the Excel form (.xlsx) they filled in.")
        parts = {}  # kept for `read_book`, which reads them again otherwise
        for name in package.namelist():
            if name.endswith((".xml", ".rels")):
                data = read_part(package, name) or b""
                refuse_entities(data, name)
                if len(data) <= LARGEST:
                    parts[name] = data
        workbook_xml = parts.get("xl/workbook.xml") or read_part(package, "xl/workbook.xml")
        source = path
        if strict.is_strict(workbook_xml):  # saved as Strict Open XML Spreadsheet: read as the workbook it is
            workbook_xml, source = strict.transitional(workbook_xml), strict.transitional_package(package)
            record.notes.append(STRICT_NOTE)
        _check_names(workbook_xml)
        wb = _book(package, parts) if source is path else _book(source, {})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about features it drops; we only read values
        try:
            wb = wb or _open_workbook(source)
        except NotReadable:
            raise
        except Exception:  # openpyxl raises many kinds on a damaged workbook
            raise NotReadable(DAMAGED) from None
        try:
            if isinstance(wb.properties.modified, dt.datetime):
                record.modified = wb.properties.modified.date().isoformat()
            spec = identify(_properties(wb), _title_lines(wb), library, record)
            sheet = _Sheet(wb, layout(spec))
        finally:
            wb.close()
    take_subject(spec, {h.id: _header_value(sheet, h) for h in spec.header}, record)
    raw = {f.id: sheet.field_value(f) for f in spec.fields}
    rows = {place.table.id: sheet.table_rows(place) for place in sheet.layout.tables.values()}
    take_answers(spec, raw, rows, record)


#: Read workbooks with `book.read_book` where it can vouch for them (else with openpyxl, as before); the
#: tests turn it off to compare both readings.
FAST = True


def _book(archive, parts):
    """The workbook (in a zip, or a file holding one) as `book.read_book` reads it (a fraction of openpyxl's
    cost), or None: then openpyxl reads it, and judges it (anything `read_book` cannot vouch for, damage
    included)."""
    if not FAST:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl's parts warn about features it drops
        try:
            if isinstance(archive, zipfile.ZipFile):
                return read_book(archive, parts)
            with zipfile.ZipFile(archive) as opened:
                return read_book(opened, parts)
        except Exception:
            return None


def _open_workbook(path):
    """The workbook as openpyxl's `load_workbook(path, read_only=True)` gives it (every cell is then read
    once into a grid), but for its cell styles: reading values needs only which styles show a date or a
    duration (`_value_styles`), and openpyxl's whole stylesheet costs a third of reading a form."""
    reader = ExcelReader(path, read_only=True)
    try:
        reader.read_manifest()
        reader.read_strings()
        if any(len(text) > CELL_CHARS for text in reader.shared_strings):
            raise NotReadable(f"a cell of the workbook holds more text than Excel can hold in a cell ({CELL_CHARS:,} "
                              "characters), so it was not saved by Excel; it was refused for safety. Ask the auditor "
                              "to send the form as Excel saved it.")
        reader.read_workbook()
        reader.read_properties()
        reader.read_custom()
        reader.wb._date_formats, reader.wb._timedelta_formats = _value_styles(reader.archive)
        reader.read_worksheets()
        reader.parser.assign_names()
    except BaseException:
        reader.archive.close()  # the file is not left open (Windows would keep it locked)
        raise
    return reader.wb


def _value_styles(archive) -> tuple[set[int], set[int]]:
    """The cell styles (by their number) whose number format shows a date, and those showing a duration, as
    openpyxl's stylesheet finds them (the stylesheet is always xl/styles.xml there)."""
    try:
        xml = archive.read("xl/styles.xml")
    except KeyError:
        return set(), set()
    return value_styles(xml)


def _cells(ws) -> Iterator[tuple[tuple[int, int], object]]:
    """((row, column), value) of every cell of a sheet that holds a value.

    Read with openpyxl's own sheet parser, not `iter_rows`, which makes up every empty row
    and cell before the last one (a cell moved to row 1,048,576 would cost seconds) and
    trusts the size the file records (which some tools get wrong, cutting rows off)."""
    if isinstance(ws, Sheet):  # read already, as the same parser reads it
        yield from (((row, column), value) for cells in ws.rows for row, column, value in cells[1]
                    if value is not None and 1 <= row <= MAX_ROW and 1 <= column <= MAX_COLUMN)
        return
    wb = ws.parent
    try:
        with ws._get_source() as source:
            parser = WorkSheetParser(source, ws._shared_strings, data_only=wb.data_only, epoch=wb.epoch,
                                     date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
            for _, row in parser.parse():
                for cell in row:
                    if cell["value"] is not None and 1 <= cell["row"] <= MAX_ROW and 1 <= cell["column"] <= MAX_COLUMN:
                        yield (cell["row"], cell["column"]), cell["value"]
    except Exception:
        raise NotReadable(DAMAGED) from None


def _check_names(workbook_xml: bytes) -> None:
    """Refuse a workbook whose defined names Excel could not have written (longer than a formula
    may be): openpyxl would take minutes to parse them."""
    for name in parse_xml(workbook_xml, "workbook").iter(f"{SML}definedName"):
        if len(name.text or "") > MAX_FORMULA:
            raise NotReadable(DAMAGED)


def _rows(ws, **bounds):
    """The values of a sheet's rows (`ws.iter_rows`); a sheet openpyxl cannot parse is damaged.

    Only openpyxl's own reading is covered: a fault in this reader is not reported as damage."""
    try:
        yield from ws.iter_rows(values_only=True, **bounds)
    except Exception:
        raise NotReadable(DAMAGED) from None


# ---- identity -------------------------------------------------------------------------


def _properties(wb) -> dict[str, str]:
    """Identity from the custom properties, else from the hidden identity sheet."""
    props = {p.name: str(p.value) for p in wb.custom_doc_props if p.name and p.value is not None}
    if props.get(identity.PROP_FORM_ID):
        return props
    for ws in wb.worksheets:
        pairs = {}
        for key, value in _rows(ws, min_col=1, max_col=2, max_row=60):
            if isinstance(key, str) and key.startswith("auditdocs."):
                pairs[key] = "" if value is None else str(value)
        if pairs.get(identity.PROP_FORM_ID):
            return pairs
    return {}


def _title_lines(wb):
    """Texts near the top of each sheet, where the line under the title is."""
    for ws in wb.worksheets:
        for row in _rows(ws, max_row=6, max_col=3):
            yield from (v for v in row if isinstance(v, str))


def _header_value(sheet: "_Sheet", h: m.HeaderField):
    """A detail of the record, by its defined name, else by its label in the details block."""
    raw = sheet.named_value(h.id)
    if raw is None:
        row = sheet.row_with_label(h.label)
        raw = sheet.value(row, TEXT + 1) if row else None
    return _plain(raw)


# ---- cells ------------------------------------------------------------------------------


def _plain(value):
    """A cell's value as normalise takes it: text, number, date or bool; a formula as its text."""
    if value is None or isinstance(value, (str, int, float, bool, dt.date)):
        return value
    return str(getattr(value, "text", value))  # array formulas, times


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(str(value)) if value is not None else ""


def _destinations(dn) -> tuple[tuple[str, str], ...]:
    """What a defined name points to: (sheet, cells), as openpyxl's `destinations` gives it."""
    return _places(dn.value)


@functools.lru_cache(maxsize=4096)
def _places(text: str | None) -> tuple[tuple[str, str], ...]:
    """What a defined name's text points to (the same names come back in every form of a batch); the form's
    own names (one sheet, one range) are read without openpyxl's formula tokenizer, which is slow."""
    simple = SHEETRANGE_RE.fullmatch(text or "")
    if simple is not None and simple.group("cells"):
        return ((simple.group("notquoted") or simple.group("quoted"), simple.group("cells")),)
    return tuple(DefinedName(name="name", attr_text=text).destinations)


@functools.lru_cache(maxsize=4096)
def _boundaries(cells: str) -> tuple:
    """openpyxl's `range_boundaries` of a name's cells (the same ones, for every field of every form)."""
    return range_boundaries(cells.replace("$", ""))


class _Sheet:
    """The sheet holding the form, and how to find its cells."""

    def __init__(self, wb, lay: Layout):
        self.wb, self.layout = wb, lay
        self.names: dict[str, tuple[str, str]] = {}  # casefolded defined name -> (sheet title, range)
        for name, dn in wb.defined_names.items():
            try:
                destinations = _destinations(dn)
            except Exception:  # #REF! and other broken names
                continue
            if len(destinations) == 1 and destinations[0][0] in wb.sheetnames:
                self.names[name.casefold()] = destinations[0]
        self.ws = self._form_sheet()
        self.grid: dict[tuple[int, int], object] = dict(_cells(self.ws))  # (row, column) -> value
        self.rows = sorted({r for r, _ in self.grid})  # the rows that hold something, in order
        self.max_row = self.rows[-1] if self.rows else 0
        self.max_col = max((c for _, c in self.grid), default=0)
        self._refs: dict[tuple[str, int], int] | None = None

    def value(self, row: int, col: int):
        return self.grid.get((row, col))

    def _form_sheet(self):
        """The sheet most of our names point to, else the one with the form's title, else the first."""
        counts: dict[str, int] = {}
        for f in self.layout.spec.fields:
            sheet = self.names.get(field_name(f.id).casefold(), ("",))[0]
            if sheet:
                counts[sheet] = counts.get(sheet, 0) + 1
        if counts:
            return self.wb[max(counts, key=counts.get)]
        candidates = [ws for ws in self.wb.worksheets if ws.title != IDENTITY_SHEET]
        for ws in candidates:
            first = next(_rows(ws, max_row=1, max_col=1), (None,))
            if _text(first[0] if first else None) == clean_text(self.layout.spec.title):
                return ws
        if not (candidates or self.wb.worksheets):
            raise NotReadable("the workbook has no sheets left, so there is nothing to read. Ask the auditor "
                              "to send the form again.")
        return (candidates or self.wb.worksheets)[0]

    def named_range(self, name: str) -> tuple[int, int, int, int] | None:
        """(min_col, min_row, max_col, max_row) of one of our names on the form sheet; None when
        the name is missing, on another sheet, or not a block of cells (a whole row or column,
        a cell beyond the sheet's edge): then the reader falls back on what a person sees."""
        found = self.names.get(name.casefold())
        if found is None or found[0] != self.ws.title:
            return None
        try:
            bounds = _boundaries(found[1])
        except (ValueError, TypeError):
            return None
        if any(b is None for b in bounds):
            return None
        min_col, min_row, max_col, max_row = bounds
        if not (1 <= min_col <= max_col <= MAX_COLUMN and 1 <= min_row <= max_row <= MAX_ROW):
            return None
        return bounds

    def named_value(self, item_id: str):
        bounds = self.named_range(field_name(item_id))
        return self.value(bounds[1], bounds[0]) if bounds else None

    def field_value(self, f: m.Field):
        """By the field's name; else by the reference shown in column A of its row."""
        bounds = self.named_range(field_name(f.id))
        if bounds:
            return _plain(self.value(bounds[1], bounds[0]))
        ref, k, col = self.layout.keys[f.id]
        row = self.ref_rows().get((ref, k))
        return _plain(self.value(row, col)) if row else None

    def ref_rows(self) -> dict[tuple[str, int], int]:
        """(reference, k) -> row of the k-th row (from 0) showing that reference in column A."""
        if self._refs is None:
            self._refs, seen = {}, {}
            for row in self.rows:
                text = _text(self.value(row, REF))
                if text:
                    k = seen.get(text, 0)
                    seen[text] = k + 1
                    self._refs[(text, k)] = row
        return self._refs

    def row_with_label(self, label: str) -> int | None:
        want = clean_text(label).casefold()
        for row in self.rows:
            if row > 80:
                break
            if _text(self.value(row, TEXT)).casefold() == want:
                return row
        return None

    def table_rows(self, place: TablePlace) -> list[dict[str, object]]:
        """Every row between the table's column headings and its End row, in sheet order."""
        bounds = self.named_range(field_name(place.table.id))
        if bounds:
            first_col, header_row, _, last_row = bounds
        else:
            title = self.ref_rows().get(place.ref_key)
            first_col, header_row = REF, (title + 1 if title else place.header_row)
            last_row = None
        end = next((r for r in self.rows if r > header_row
                    and _text(self.value(r, first_col)).casefold() == END_MARK.casefold()), None)
        if end is None:  # the End row was deleted: the name's range, else the rows first made
            end = last_row + 1 if last_row else header_row + place.table.rows + 1
        columns = self._columns(place, header_row, first_col)
        return [{c.id: _plain(self.value(r, col)) for c, col in columns} for r in self.rows if header_row < r < end]

    def _columns(self, place: TablePlace, header_row: int, first_col: int) -> list[tuple[m.Column, int]]:
        """Each column by its heading (a column inserted by a user moves nothing), else by position."""
        headings = {}
        for col in range(first_col, self.max_col + 1):
            headings.setdefault(_text(self.value(header_row, col)).casefold(), col)
        return [(c, headings.get(clean_text(c.label).casefold(), first_col + 1 + i))
                for i, c in enumerate(place.table.columns)]
