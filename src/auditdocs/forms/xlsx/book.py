"""A returned workbook read with lxml, for what the Excel form reader uses: the same values as openpyxl's
`load_workbook(read_only=True)` gives, at a fraction of the cost (openpyxl builds an object, with checks
on every attribute, for every part, cell, defined name and merged range).

`read_book` reads only workbooks it can vouch for: every other one (a formula other than a plain one,
a chart sheet, external links, text in another encoding, anything openpyxl might refuse or read
otherwise) raises `Unusual`, and the reader then reads it with openpyxl as before. So a workbook
openpyxl finds damaged is still found damaged by openpyxl, with the same message. openpyxl's pure
functions are used where they decide something: dates (`from_excel`), the small parts (manifest,
properties, relationships, the workbook part without its defined names), a defined name or a
string that is not plain, and every part of a sheet other than its cells. What they make of the
parts that come back the same in every form of a batch is kept, by the parts' bytes (`_once`).
tests/test_xlsx_book.py reads many workbooks both ways and compares the records.
"""
from __future__ import annotations

import copy
import functools
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import NamedTuple

from lxml import etree
from openpyxl.cell.text import Text
from openpyxl.packaging.core import DocumentProperties
from openpyxl.packaging.custom import CustomPropertyList
from openpyxl.packaging.manifest import Manifest
from openpyxl.packaging.relationship import get_dependents, get_rels_path
from openpyxl.packaging.workbook import WorkbookPackage
from openpyxl.reader.excel import _find_workbook_part
from openpyxl.styles.numbers import (
    builtin_format_code,
    is_date_format,
    is_timedelta_format,
)
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.utils.datetime import (
    CALENDAR_MAC_1904,
    WINDOWS_EPOCH,
    from_excel,
    from_ISO8601,
)
from openpyxl.workbook.defined_name import RESERVED_REGEX, DefinedName
from openpyxl.worksheet._reader import WorkSheetParser, _cast_number
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.worksheet.print_settings import PrintArea, PrintTitles
from openpyxl.xml.constants import (
    ARC_CONTENT_TYPES,
    ARC_CORE,
    ARC_CUSTOM,
    CUSTPROPS_NS,
    SHARED_STRINGS,
    VTYPES_NS,
)
from openpyxl.xml.functions import fromstring

from ...budgets import CELL_CHARS
from ..ooxml import qn
from ..safezip import parse_xml

SML = qn("x:")
ROW, VALUE, FORMULA, INLINE = (SML + t for t in ("row", "v", "f", "is"))
TEXT, SI, DATA, DIMENSION = (SML + t for t in ("t", "si", "sheetData", "dimension"))
#: The parts of a sheet openpyxl's sheet parser reads besides its rows (at any depth).
SHEET_PARTS = [SML + t for t in (
    "col", "sheetProtection", "extLst", "conditionalFormatting", "legacyDrawing", "rowBreaks", "colBreaks",
    "customSheetViews", "printOptions", "pageMargins", "pageSetup", "headerFooter", "autoFilter",
    "dataValidations", "sheetPr", "sheetViews", "sheetFormatPr", "scenarios", "tableParts", "hyperlinks",
    "mergeCells")]
#: A part bigger than this (a form's sheet is about 150 KB) is left to openpyxl, which reads it as a stream
#: rather than as a whole tree in memory.
LARGEST = 8 * 1024 * 1024
_PLAIN_NAME = {"name", "localSheetId", "hidden"}
_PLAIN_PROPERTY = {"name", "pid", "fmtid"}
PROPERTY, LPWSTR = f"{{{CUSTPROPS_NS}}}property", f"{{{VTYPES_NS}}}lpwstr"
_DIGITS = re.compile(r"[0-9]+")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")
# Comments and processing instructions are left out, as openpyxl's parser (ElementTree) leaves them out.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                          remove_comments=True, remove_pis=True, collect_ids=False)


class Unusual(Exception):
    """This workbook is not read here: openpyxl reads it."""


@dataclass(frozen=True)
class Name:
    """A defined name as the reader uses it (of openpyxl's `DefinedName`: its name and its text)."""
    name: str
    value: str | None


@dataclass
class Sheet:
    """A worksheet: its rows as openpyxl's sheet parser gives them, (row number, [(row, column, value)])."""
    title: str
    rows: list = field(default_factory=list)
    max_row: int | None = None
    max_column: int | None = None

    def iter_rows(self, min_row=None, max_row=None, min_col=None, max_col=None, values_only=True):
        """openpyxl's read-only `iter_rows(values_only=True)`, over the rows read (its `_cells_by_row`)."""
        min_col, min_row = min_col or 1, min_row or 1
        max_col, max_row = max_col or self.max_column, max_row or self.max_row
        empty_row = (None,) * (max_col + 1 - min_col) if max_col is not None else []
        counter, idx = min_row, 1
        for idx, row in self.rows:
            if max_row is not None and idx > max_row:
                break
            for _ in range(counter, idx):  # rows missing from the sheet
                counter += 1
                yield empty_row
            if counter <= idx:
                counter += 1
                yield _values(row, min_col, max_col)
        if max_row is not None and max_row < idx:
            for _ in range(counter, max_row + 1):
                yield empty_row


def _values(row, min_col, max_col):
    """openpyxl's read-only `_get_row(values_only=True)`."""
    if not row and not max_col:
        return ()
    max_col = max_col or row[-1][1]
    values = [None] * (max_col + 1 - min_col)
    for _, col, value in row:
        if min_col <= col <= max_col:
            values[col - min_col] = value
    return tuple(values)


@dataclass
class Book:
    """A read workbook, with the parts of openpyxl's `Workbook` the reader uses."""
    properties: DocumentProperties
    custom_doc_props: list
    worksheets: list[Sheet]
    defined_names: dict[str, Name]
    epoch: object = WINDOWS_EPOCH

    @property
    def sheetnames(self):
        return [ws.title for ws in self.worksheets]

    def __getitem__(self, title):
        for ws in self.worksheets:
            if ws.title == title:
                return ws
        raise KeyError(title)

    def close(self):
        pass


def read_book(archive: zipfile.ZipFile, parts: dict[str, bytes] | None = None) -> Book:
    """The workbook in `archive` as openpyxl would read it; `Unusual` when not sure. `parts`: the parts
    of the archive read already, by name."""
    parts = parts or {}
    files = archive.namelist()

    def read(name: str) -> bytes:
        data = parts[name] if name in parts else archive.read(name)
        if len(data) > LARGEST:
            raise Unusual("a part too big to hold as a tree")
        return data

    def rels_of(name: str):
        return _once(("rels", name), read(name), lambda: get_dependents(archive, name).to_dict())

    manifest = _once(Manifest, read(ARC_CONTENT_TYPES), lambda: Manifest.from_tree(fromstring(read(ARC_CONTENT_TYPES))))
    strings = _strings(read, manifest)
    if _find_workbook_part(manifest).PartName != "/xl/workbook.xml":
        raise Unusual("the workbook part is elsewhere")
    workbook_xml = read("xl/workbook.xml")
    package, names = _once(_workbook, workbook_xml, lambda: _workbook(workbook_xml))
    epoch = CALENDAR_MAC_1904 if package.properties.date1904 else WINDOWS_EPOCH
    properties = DocumentProperties()  # as openpyxl's new workbook has them (modified: now)
    if ARC_CORE in files:
        properties = DocumentProperties.from_tree(fromstring(read(ARC_CORE)))
    custom = _custom(read(ARC_CUSTOM)) if ARC_CUSTOM in files else []
    styles = read("xl/styles.xml") if "xl/styles.xml" in files else None
    dates, durations = _once(value_styles, styles, lambda: value_styles(styles))
    sheets, rels = [], None
    for sheet in package.sheets:
        if not sheet.id:
            continue  # openpyxl leaves it out
        if rels is None:
            rels = rels_of(get_rels_path("xl/workbook.xml"))
        rel = rels[sheet.id]
        if rel.target not in files:
            continue
        if "chartsheet" in rel.Type:
            raise Unusual("a chart sheet")
        if get_rels_path(rel.target) in files:
            rels_of(get_rels_path(rel.target))  # openpyxl reads them (and may fail there)
        sheets.append(_sheet(sheet.name, read(rel.target), strings, epoch, dates, durations))
    defined = _once(_assign, (names, len(sheets)), lambda: _assign(names, sheets))
    return Book(properties, custom, sheets, defined, epoch)


def value_styles(xml: bytes | None) -> tuple[set[int], set[int]]:
    """The cell styles (by their number) whose number format shows a date, and those showing a duration, as
    openpyxl's stylesheet finds them in xl/styles.xml (None: the workbook has none)."""
    if xml is None:
        return set(), set()
    root = parse_xml(xml, "xl/styles.xml")
    custom = {int(n.get("numFmtId")): n.get("formatCode") for n in root.iterfind(f"{SML}numFmts/{SML}numFmt")}
    dates, durations = set(), set()
    for i, xf in enumerate(root.iterfind(f"{SML}cellXfs/{SML}xf")):
        number = int(xf.get("numFmtId", 0))
        fmt = custom[number] if number in custom else builtin_format_code(number)
        if is_date_format(fmt):
            dates.add(i)
        if is_timedelta_format(fmt):
            durations.add(i)
    return dates, durations


#: What openpyxl makes of the parts that come back the same in every form of a batch (the manifest, the
#: relationships, the styles, the workbook part without its names, a sheet's parts besides its cells),
#: by their exact bytes: reading them costs more than the cells. Each is a pure function of those bytes,
#: so nothing here can be stale; the objects kept are only read. (Never the core properties: a missing
#: date is read as now.)
_SEEN: dict = {}
_MISSING = object()


def _once(what, data, make):
    """`make()`, which depends only on `data`, made once."""
    key = (what, data)
    found = _SEEN.get(key, _MISSING)
    if found is _MISSING:
        found = make()
        if len(_SEEN) > 512:
            _SEEN.clear()
        _SEEN[key] = found
    return found


def _xml(data: bytes) -> etree._Element:
    """A part parsed with lxml; one in an encoding other than UTF-8 is left to openpyxl (its parser and
    lxml's may differ on which encodings they know)."""
    head = data[:200]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Unusual("UTF-16")
    found = _ENCODING.search(head[:head.find(b"?>")] if head.startswith(b"<?xml") else b"")
    if found and found.group(1).lower() not in (b"utf-8", b"utf8"):
        raise Unusual("an encoding")
    return etree.fromstring(data, _PARSER)


def _strings(read, manifest) -> list[str]:
    """The shared strings (openpyxl's `read_string_table`): each `si` as its text, rich text runs joined."""
    ct = manifest.find(SHARED_STRINGS)
    if ct is None:
        return []
    root = _xml(read(ct.PartName[1:]))
    items = root.findall(SI)
    if sum(1 for _ in root.iter(SI)) != len(items):
        raise Unusual("shared strings inside others")
    strings = [_text(si).replace("x005F_", "") for si in items]
    if any(len(text) > CELL_CHARS for text in strings):
        raise Unusual("a string longer than a cell holds")  # refused by the reader, as before
    return strings


def _text(node) -> str:
    """The text of a string item (openpyxl's `Text.from_tree(node).content`); a plain one without openpyxl."""
    if len(node) == 1 and not node.attrib:
        t = node[0]
        if t.tag == TEXT and len(t) == 0:
            return t.text or ""
    return Text.from_tree(node).content


class Property(NamedTuple):
    """A custom property as the reader uses it (of openpyxl's `StringProperty`)."""
    name: str
    value: str | None


def _custom(xml: bytes) -> list:
    """The custom properties (openpyxl's `CustomPropertyList.from_tree`): when each is text, as a form's are,
    without openpyxl's objects."""
    root = _xml(xml)
    props = []
    for el in root:
        attrib = el.attrib
        if not (el.tag == PROPERTY and len(el) == 1 and el[0].tag == LPWSTR and not len(el[0]) and "name" in attrib
                and _PLAIN_PROPERTY.issuperset(attrib.keys()) and _DIGITS.fullmatch(attrib.get("pid", "0"))):
            break
        props.append(Property(attrib["name"], el[0].text))
    else:
        if not root.attrib:
            return props
    return CustomPropertyList.from_tree(fromstring(xml))


def _workbook(xml: bytes):
    """openpyxl's `WorkbookPackage` of the workbook part, and its defined names as (name, value, sheet
    index): the names (a form has a hundred) without openpyxl's objects when they are plain."""
    root = fromstring(xml)
    lists = [el for el in root if _local(el) == "definedNames"]
    if len(lists) > 1:
        raise Unusual("two lists of defined names")
    names = []
    for group in lists:
        root.remove(group)
        if any(not k.startswith("{") for k in group.attrib):
            raise Unusual("defined names' attributes")
        for el in group:
            if _local(el) != "definedName":
                raise Unusual("not a defined name")
            attrib = {k: v for k, v in el.attrib.items() if not k.startswith("{")}
            sheet_id = attrib.get("localSheetId")
            if ("name" in attrib and attrib.keys() <= _PLAIN_NAME and len(el) == 0
                    and (sheet_id is None or _DIGITS.fullmatch(sheet_id))):
                names.append((attrib["name"], el.text or None, None if sheet_id is None else int(sheet_id)))
            else:
                dn = DefinedName.from_tree(el)
                names.append((dn.name, dn.value, dn.localSheetId))
    package = WorkbookPackage.from_tree(root)
    if package.externalReferences:
        raise Unusual("external links")
    return package, tuple(names)


def _local(el) -> str:
    return el.tag.rpartition("}")[2]


def _assign(names, sheets) -> dict[str, Name]:
    """The workbook's own names (openpyxl's `DefinedNameList.by_sheet` and `assign_names`: a sheet's print
    titles and print area are read as openpyxl reads them). Depends only on the names and how many sheets
    there are."""
    by_sheet: dict = {}
    for name, value, sheet_id in names:
        if sheet_id is None:
            if name in ("_xlnm.Print_Titles", "_xlnm.Print_Area", "_xlnm._FilterDatabase"):
                continue
            by_sheet.setdefault("global", {})[name] = Name(name, value)
        else:
            by_sheet.setdefault(int(sheet_id), {})[name] = Name(name, value)
    for idx, local in by_sheet.items():
        if idx == "global":
            continue
        try:
            sheets[idx]
        except IndexError:
            continue
        for name, dn in local.items():
            reserved = RESERVED_REGEX.match(name)
            if reserved and reserved.group("name") == "Print_Titles":
                PrintTitles.from_string(dn.value)
            elif reserved and reserved.group("name") == "Print_Area":
                try:
                    PrintArea.from_string(dn.value)
                except TypeError:
                    pass
    return by_sheet.get("global", {})


def _check_parts(root, data) -> None:
    """Every part of the sheet besides its cells (`data`), read by openpyxl's own sheet parser (as it reads
    them while reading the cells: a fault there is a damaged sheet)."""
    others = [child for child in root if child is not data]
    key = (root.tag, tuple(root.attrib.items()), tuple(etree.tostring(child) for child in others))

    def check():
        alone = etree.Element(root.tag, dict(root.attrib), nsmap=root.nsmap)
        alone.extend(copy.deepcopy(child) for child in others)
        for _ in WorkSheetParser(io.BytesIO(etree.tostring(alone)), []).parse():
            pass
        return True

    _once(_check_parts, key, check)


#: (row, column) of a cell's reference: the same references come back in every form.
_coordinate = functools.lru_cache(maxsize=1 << 16)(coordinate_to_tuple)


def _sheet(title, xml, strings, epoch, dates, durations) -> Sheet:
    """One worksheet's cells, as openpyxl's `WorkSheetParser.parse` reads them (its `parse_row` and
    `parse_cell`, for the cells a form holds)."""
    root = _xml(xml)
    data = root.find(DATA)
    for row in root.iter(ROW):
        if row.getparent() is not data:
            raise Unusual("a row outside the sheet's data")
    if data is not None and next(data.iter(*SHEET_PARTS), None) is not None:
        raise Unusual("a sheet part inside the sheet's data")
    sheet = Sheet(title)
    dims = list(root.iter(DIMENSION))
    if len(dims) > 1 or (dims and dims[0].getparent() is not root):
        raise Unusual("dimensions")
    if dims and (data is None or root.index(dims[0]) < root.index(data)):
        _, _, sheet.max_column, sheet.max_row = SheetDimension.from_tree(dims[0]).boundaries
    _check_parts(root, data)
    if data is None:
        return sheet
    row_counter = 0
    for row in data.iterchildren(ROW):
        r = row.get("r")
        if r is None:
            row_counter += 1
        elif _DIGITS.fullmatch(r):
            row_counter = int(r)
        else:
            raise Unusual("a row number")
        col_counter, cells = 0, []
        append = cells.append
        for el in row:
            get = el.get
            data_type, coordinate, style_id = get("t", "n"), get("r"), get("s", 0)
            if style_id:
                style_id = int(style_id)
            if coordinate:
                row_at, col_counter = _coordinate(coordinate)
            else:
                col_counter += 1
                row_at = row_counter
            if not len(el):  # most of a form's cells: empty, styled
                append((row_at, col_counter, None))
                continue
            value_el = formula = inline = None
            for child in el:  # one pass: the first <v>, <f> and <is> (openpyxl's find and findtext)
                tag = child.tag
                if tag == VALUE:
                    value_el = child if value_el is None else value_el
                elif tag == FORMULA:
                    formula = child if formula is None else formula
                elif tag == INLINE:
                    inline = child if inline is None else inline
            value = None if data_type == "inlineStr" or value_el is None else (value_el.text or None)
            if formula is not None:
                if formula.get("t") in ("array", "shared", "dataTable"):
                    raise Unusual("an array, shared or table formula")
                value = "=" + (formula.text or "")
            elif value is not None:
                if data_type == "n":
                    value = _cast_number(value)
                    if style_id in dates:
                        value = from_excel(value, epoch, timedelta=style_id in durations)
                elif data_type == "s":
                    value = strings[int(value)]
                elif data_type == "b":
                    value = bool(int(value))
                elif data_type == "d":
                    value = from_ISO8601(value)
            elif inline is not None and data_type == "inlineStr":
                t = inline[0] if len(inline) == 1 and not inline.attrib else None
                value = (t.text or "") if t is not None and t.tag == TEXT and not len(t) else _text(inline)
            append((row_at, col_counter, value))
        sheet.rows.append((row_counter, cells))
    return sheet
