"""The edge of `workbook`: its sheets written as an .xlsx a QA officer edits (headings bold and frozen,
columns wide, dropdowns where a column takes one of a few words), and an .xlsx read back as its sheets' rows."""
from __future__ import annotations

import io
from pathlib import Path

from ..domain import model as m
from ..errors import UserError
from ..files import put_text
from . import workbook as wb

WIDTHS = {"Setting": 48, "ID": 24, "Column ID": 20, "Action table": 16, "Text": 60, "Guidance": 45,
          "Introduction": 40, "Evidence box label": 35, "Comment box label": 35, "Value": 60, "What it is": 70,
          "Message": 50, "Evidence message": 40, "Label": 40, "Scale name": 30}
MAX_CELLS = 200_000  # far more than any form's workbook
MAX_ROW_POINTS = 409.0  # as tall as Excel lets a row be


def workbook_bytes(sheets: dict[str, list[list]], spec: m.FormSpec) -> bytes:
    """The .xlsx of a spec's sheets (`workbook.sheets_of`)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    how = book.active
    how.title = wb.HOW
    put_text(how.cell(1, 1), f"How to fill this in: {spec.title}")
    how.cell(1, 1).font = Font(bold=True, size=13)
    for n, line in enumerate(wb.HOW_TO, start=3):
        put_text(how.cell(n, 1), line)
        how.cell(n, 1).alignment = Alignment(wrap_text=True, vertical="top")
        _fit(how, n, [(line, 110)])
    n = len(wb.HOW_TO) + 4
    for sheet, columns in wb.HEADINGS.items():
        if sheet == wb.SETTINGS:
            continue
        put_text(how.cell(n, 1), f"The columns of '{sheet}'")
        how.cell(n, 1).font = Font(bold=True)
        n += 1
        for heading, what in columns.items():
            put_text(how.cell(n, 1), f"{heading}: {what}")
            how.cell(n, 1).alignment = Alignment(wrap_text=True, vertical="top")
            _fit(how, n, [(f"{heading}: {what}", 110)])
            n += 1
        n += 1
    how.column_dimensions["A"].width = 110

    scale_ids = ",".join(s.id for s in spec.scales.values())
    dropdowns = {
        "Type": ",".join(wb.TYPES), "Required": "Yes,No", "Comment required": "Yes,No",
        "Evidence box": ",".join(wb.EVIDENCE_BOX.values()), "Field type": ",".join(m.FIELD_TYPES),
        "Actions from": ",".join(wb.SOURCES), "Ordered best to worst": "Yes,No", "In document properties": "Yes,No",
    }
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        headings = rows[0]
        for r, cells in enumerate(rows, start=1):
            for c, value in enumerate(cells, start=1):
                if value in ("", None):
                    continue
                cell = sheet.cell(r, c)
                if isinstance(value, int) and not isinstance(value, bool):
                    cell.value = value
                else:
                    put_text(cell, str(value))
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        for c, heading in enumerate(headings, start=1):
            letter = get_column_letter(c)
            sheet.cell(1, c).font = Font(bold=True)
            sheet.column_dimensions[letter].width = WIDTHS.get(heading, max(14, len(heading) + 2))
            last = max(len(rows) + 200, 500)
            choices = dropdowns.get(heading)
            if heading == "Answer scale" and len(scale_ids) < 250:
                choices = scale_ids
            if choices and len(choices) < 250:
                check = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True,
                                       showErrorMessage=heading != "Answer scale")
                check.error = f"Choose one of: {choices.replace(',', ', ')}."
                sheet.add_data_validation(check)
                check.add(f"{letter}2:{letter}{last}")
            if heading == "Reference":
                for r in range(2, last + 1):
                    sheet.cell(r, c).number_format = "@"  # 1.10 stays 1.10, not the number 1.1
        widths = [WIDTHS.get(h, max(14, len(h) + 2)) for h in headings]
        for r, cells in enumerate(rows, start=1):
            _fit(sheet, r, [(str(v), w) for v, w in zip(cells, widths) if isinstance(v, str) and v])
        sheet.freeze_panes = "B2" if name in (wb.QUESTIONS, wb.SETTINGS) else "A2"
        if name == wb.SCALES:
            colour_column = headings.index("Colour") + 1
            for r in range(2, len(rows) + 1):
                colour = sheet.cell(r, colour_column).value
                if isinstance(colour, str) and len(colour) == 7:
                    sheet.cell(r, colour_column).fill = PatternFill("solid", fgColor=colour[1:].upper())
        if name == wb.QUESTIONS:
            for r, cells in enumerate(rows[1:], start=2):
                if cells and cells[0] == "section":
                    for c in range(1, len(headings) + 1):
                        sheet.cell(r, c).font = Font(bold=True)
                        sheet.cell(r, c).fill = PatternFill("solid", fgColor="DDEBF7")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _fit(sheet, row: int, texts: list[tuple[str, float]]) -> None:
    """A row tall enough for its wrapped texts ((text, column width) pairs): LibreOffice keeps a row's height."""
    from ..forms.textwidth import cell_height

    height = max((cell_height(text, width, 11, tallest=MAX_ROW_POINTS) for text, width in texts), default=15.0)
    if height > 15:
        sheet.row_dimensions[row].height = min(height, MAX_ROW_POINTS)


def read_sheets(path: Path) -> dict[str, list[tuple[int, list]]]:
    """Each sheet of a workbook as its rows (row number, cells). Raises UserError for a file that is not a
    workbook auditdocs can read."""
    import zipfile

    import openpyxl

    from ..forms.safezip import DAMAGED_ZIP, too_big

    if not path.is_file():
        raise UserError(f"{path} was not found: check the name and folder of the workbook.")
    if path.suffix.casefold() != ".xlsx":
        raise UserError(f"{path.name} is not an Excel workbook (.xlsx): open it in Excel (or LibreOffice) and save "
                        "it as 'Excel Workbook (.xlsx)'.")
    try:
        with zipfile.ZipFile(path) as package:
            problem = too_big(package.infolist(), "form workbook")
    except DAMAGED_ZIP:
        problem = None  # openpyxl says it is damaged, as for any damaged workbook
    if problem:
        raise UserError(f"{path}: {problem} Give the workbook as saved by Excel (.xlsx).")
    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except PermissionError:
        raise UserError(f"cannot open {path}: permission denied. If it is open in Excel, close it and try "
                        "again.") from None
    except Exception:  # whatever is wrong inside a damaged workbook, the user's remedy is the same
        raise UserError(f"{path} could not be read as an Excel workbook (it may be damaged, password-protected "
                        "or not really a .xlsx file). Open it in Excel and save it again as 'Excel Workbook "
                        "(.xlsx)'.") from None
    try:
        out = {}
        for sheet in book.worksheets:
            if sheet.max_row * sheet.max_column > MAX_CELLS:
                raise UserError(f"{path}: the sheet '{sheet.title}' reaches to row {sheet.max_row}, far beyond any "
                                "form; delete the rows and columns after the form, save it and try again.")
            out[sheet.title] = [(n, list(cells)) for n, cells in
                                enumerate(sheet.iter_rows(values_only=True), start=1)]
        return out
    finally:
        book.close()
