"""Write one Excel audit form (.xlsx) per allocation row, laid out like the Word form.

`XlsxForm(spec)` works out the layout, styles, names and validations once per form;
`render(values, audit_id)` builds the workbook for one record and returns its bytes.
The sheet is protected without a password: people fill the yellow (unlocked) cells,
choose answers from drop-down lists (inline lists, or a list in a hidden column of
the same sheet when the options are too long), and can insert rows in action tables.
Each answer cell carries a defined name (see `layout` for the scheme). Identity
(audit id, form id and version, fingerprint, identifier fields) is stored in the
workbook's custom properties and in a hidden, protected sheet.
"""
from __future__ import annotations

import io
from copy import copy

from openpyxl import Workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.properties import PageSetupProperties

from ...domain import identity
from ...domain import model as m
from ...domain.dates import parse_date
from ...files import LANGUAGE, cell_safe, put_text
from ..reading import audit_line
from .layout import (
    BODY_SIZE,
    DETAIL_SHADE,
    FONT,
    IDENTITY_SHEET,
    INPUT_SHADE,
    SHEET_TITLE,
    SMALL_SIZE,
    TITLE_ROWS,
    Input,
    field_name,
    layout,
)

DATE_FORMAT = "dd/mm/yyyy"
TEXT_FORMAT = "@"
CHECKBOX_LABELS = ("Yes", "No")  # answers.normalise reads them as ticked / not ticked
IDENTITY_NOTE = "This sheet tells auditdocs which audit this form belongs to. Please leave it unchanged."

_thin = Side(style="thin", color="A6A6A6")
_box = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
_wrap = Alignment(wrap_text=True, vertical="top")
_unlocked = Protection(locked=False)


def _fill(colour: str) -> PatternFill:
    return PatternFill("solid", start_color=colour, end_color=colour)


def _font(size: float = BODY_SIZE, **kw) -> Font:
    return Font(name=FONT, size=size, **kw)


# style name -> (font, fill, border, alignment)
STYLES = {
    "title": (_font(14, bold=True), None, None, Alignment(vertical="center")),
    "identity": (_font(SMALL_SIZE, color="595959"), None, None, None),
    "how": (_font(italic=True), None, None, _wrap),
    "section": (_font(bold=True, color="FFFFFF"), _fill("1F4E79"), None, Alignment(wrap_text=True, vertical="center")),
    "intro": (_font(italic=True), None, None, _wrap),
    "guidance": (_font(SMALL_SIZE, color="595959"), None, None, _wrap),
    "heading": (_font(bold=True), _fill("D9E1F2"), _box, _wrap),
    "ref": (_font(bold=True), None, _box, _wrap),
    "subref": (_font(SMALL_SIZE, color="595959"), None, _box, _wrap),
    "question": (_font(), None, _box, _wrap),
    "label": (_font(bold=True), None, _box, _wrap),
    "sublabel": (_font(), None, _box, Alignment(wrap_text=True, vertical="top", indent=1)),
    "voice": (_font(italic=True), None, _box, Alignment(wrap_text=True, vertical="top", indent=1)),
    "blank": (_font(), _fill("F2F2F2"), _box, None),
    "rownum": (_font(color="595959"), None, _box, Alignment(horizontal="center", vertical="top")),
    "end": (_font(SMALL_SIZE, italic=True, color="595959"), _fill("F2F2F2"), None, None),
    "input": (_font(), _fill(INPUT_SHADE), _box, _wrap),
    "detail": (_font(), _fill(DETAIL_SHADE), _box, Alignment(wrap_text=True, vertical="top", horizontal="left")),
}


class _Styler:
    """Styles cells of one workbook; each style is worked out once, then copied (fast)."""

    def __init__(self, ws):
        self.ws = ws
        self.arrays: dict[tuple, StyleArray] = {}

    def cell(self, row: int, col: int, style: str, number_format: str | None = None,
             unlocked: bool = False, span: int = 1):
        cell = self.ws.cell(row, col)
        key = (style, number_format, unlocked)
        if key not in self.arrays:
            font, fill, border, alignment = STYLES[style]
            for attr, value in (("font", font), ("fill", fill), ("border", border), ("alignment", alignment),
                                ("number_format", number_format), ("protection", unlocked and _unlocked)):
                if value:
                    setattr(cell, attr, value)
            self.arrays[key] = copy(cell._style)
        cell._style = copy(self.arrays[key])
        if span > 1:  # merged: every cell of the range gets the style (borders, unlocked)
            end = get_column_letter(col + span - 1)
            self.ws.merged_cells.add(MergedCellRange(self.ws, f"{cell.coordinate}:{end}{row}"))
            for c in range(col + 1, col + span):
                merged = MergedCell(self.ws, row, c)
                merged._style = copy(self.arrays[key])
                self.ws._cells[row, c] = merged
        return cell


class XlsxForm:
    """The Excel form of one spec; render() makes one workbook per record."""

    def __init__(self, spec: m.FormSpec):
        self.spec = spec
        self.layout = layout(spec)
        self.last_col = get_column_letter(self.layout.ncols)
        self.list_col = self.layout.ncols + 2  # hidden column for drop-down lists too long to inline
        self.lists: dict[str, tuple[str, list[str]]] = {}  # scale id -> (formula, options to write)
        self.validations: dict[str, tuple[dict, list[str]]] = {}  # key -> (DataValidation args, cells)
        for inp in self.layout.inputs:
            if not isinstance(inp.kind, m.HeaderField):
                self._validation(inp)

    # -- built once

    def _list_formula(self, scale: m.Scale) -> str:
        if scale.id not in self.lists:
            labels = scale.labels
            inline = ",".join(labels)
            if len(inline) <= 250 and not any("," in lb or '"' in lb for lb in labels):
                self.lists[scale.id] = (f'"{inline}"', [])
            else:
                start = 1 + sum(len(v[1]) for v in self.lists.values())
                col = get_column_letter(self.list_col)
                self.lists[scale.id] = (f"${col}${start}:${col}${start + len(labels) - 1}", labels)
        return self.lists[scale.id][0]

    def _validation(self, inp: Input) -> None:
        kind = inp.kind
        if kind.scale is not None:
            key = f"scale:{kind.scale.id}"
            options = ", ".join(kind.scale.labels)
            args = dict(type="list", formula1=self._list_formula(kind.scale), promptTitle="Choose from the list",
                        prompt=f"Choose one of: {options}"[:250], errorTitle="Not one of the options",
                        error=f"Choose one of: {options}"[:220])
        elif kind.type == "checkbox":
            key = "checkbox"
            args = dict(type="list", formula1=f'"{",".join(CHECKBOX_LABELS)}"', promptTitle="Tick box",
                        prompt="Choose Yes (ticked) or No.", errorTitle="Yes or No", error="Choose Yes or No.")
        elif kind.type == "date":
            key = "date"
            args = dict(type="date", operator="between", formula1="1", formula2="73415", errorStyle="warning",
                        promptTitle="Date", prompt="Type the date as dd/mm/yyyy, e.g. 01/02/2026.",
                        errorTitle="Not a date", error="Type the date as dd/mm/yyyy, e.g. 01/02/2026.")
        else:
            return
        self.validations.setdefault(key, (args, []))[1].append(f"{get_column_letter(inp.col)}{inp.row}")

    # -- per record

    def render(self, values: dict[str, str], audit_id: str) -> bytes:
        """One filled workbook for one allocation row (values: header field id -> text, dates ISO)."""
        spec, lay = self.spec, self.layout
        wb = Workbook()
        ws = wb.active
        ws.title = SHEET_TITLE
        for i, width in enumerate(lay.widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        for row, height in lay.heights.items():
            ws.row_dimensions[row].height = height
        styler = _Styler(ws)
        for s in lay.statics:
            cell = styler.cell(s.row, s.col, s.style, span=s.span)
            if s.value:
                put_text(cell, s.value)
        put_text(ws.cell(lay.identity_row, 1), audit_line(spec, audit_id))
        sheet = quote_sheetname(SHEET_TITLE)
        for inp in lay.inputs:
            if isinstance(inp.kind, m.HeaderField):
                self._detail(styler, inp, str(values.get(inp.kind.id) or ""))
            else:
                styler.cell(inp.row, inp.col, "input", DATE_FORMAT if inp.kind.type == "date" else TEXT_FORMAT,
                            unlocked=True, span=inp.span)
            ref = f"{sheet}!${get_column_letter(inp.col)}${inp.row}"
            wb.defined_names[inp.name] = DefinedName(inp.name, attr_text=ref)
        for place in lay.tables.values():
            name = field_name(place.table.id)
            ref = f"{sheet}!$A${place.header_row}:${self.last_col}${place.end_row}"
            wb.defined_names[name] = DefinedName(name, attr_text=ref)
        self._lists_and_validations(ws)
        self._protect_and_print(ws)
        self._identity(wb, identity.properties(spec, values, audit_id))
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    def _detail(self, styler: _Styler, inp: Input, text: str) -> None:
        """A detail of the record: locked, a real date for dates, always text otherwise."""
        h = inp.kind
        day = parse_date(text) if h.type == "date" and text else None
        cell = styler.cell(inp.row, inp.col, "detail", DATE_FORMAT if day else TEXT_FORMAT, span=inp.span)
        if day is not None:
            cell.value = day
            return
        option = h.scale.by_label(text) if h.scale is not None and text else None
        put_text(cell, option.label if option else text)

    def _lists_and_validations(self, ws) -> None:
        if any(opts for _, opts in self.lists.values()):
            row = 1
            for _, options in self.lists.values():
                for label in options:
                    put_text(ws.cell(row, self.list_col), label)
                    row += 1
            ws.column_dimensions[get_column_letter(self.list_col)].hidden = True
        for args, cells in self.validations.values():
            dv = DataValidation(allow_blank=True, showErrorMessage=True, showInputMessage=True, **args)
            dv.sqref = " ".join(cells)
            ws.add_data_validation(dv)

    def _protect_and_print(self, ws) -> None:
        p = ws.protection
        p.sheet = True  # no password: the point is to keep the layout, not to lock people out
        p.formatRows = p.formatColumns = p.insertRows = p.deleteRows = p.sort = p.autoFilter = False
        ws.sheet_view.showGridLines = False
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "portrait"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.print_title_rows = f"{TITLE_ROWS[0]}:{TITLE_ROWS[-1]}"
        ws.print_area = f"A1:{self.last_col}{self.layout.last_row}"
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top, ws.page_margins.bottom = 0.6, 0.8
        ws.page_margins.header, ws.page_margins.footer = 0.3, 0.35
        ws.oddFooter.right.text = "Page &P of &N"

    def _identity(self, wb: Workbook, props: dict[str, str]) -> None:
        for name, value in props.items():
            wb.custom_doc_props.append(StringProperty(name=name, value=cell_safe(str(value or ""))))
        ws = wb.create_sheet(IDENTITY_SHEET)
        ws.sheet_state = "hidden"
        put_text(ws.cell(1, 1), IDENTITY_NOTE)
        for row, (name, value) in enumerate(props.items(), start=2):
            put_text(ws.cell(row, 1), name)
            put_text(ws.cell(row, 2), str(value or ""))
        ws.column_dimensions["A"].width = 36
        ws.column_dimensions["B"].width = 30
        ws.protection.sheet = True
        wb.properties.creator = "auditdocs"
        wb.properties.lastModifiedBy = None
        wb.properties.title = self.spec.title
        wb.properties.language = LANGUAGE

