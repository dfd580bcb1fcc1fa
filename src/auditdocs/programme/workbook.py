"""programme.xlsx, the edge: the example workbook `auditdocs init` writes, and its rows read back (openpyxl)."""
from __future__ import annotations

from pathlib import Path

from ..budgets import LIST_CELLS
from ..errors import UserError
from ..files import put_text, write_atomic
from ..specs.loader import did_you_mean
from .example import example_rows
from .plan import (
    AUDITORS_HELP,
    BY_HEADING,
    COLUMNS,
    HELP_SHEET,
    SHEET,
    TYPES,
    key,
    text_of,
)

HELP = [
    "How to fill in the audit programme",
    "",
    "The sheet 'Programme' holds the year's audit schedule: a row for each activity of each month (the control "
    "sample, dip samples, thematic audits, fostering and adoption samples, managers' dip samples and the "
    "action-completion check). Add, change or delete rows; keep the headings of row 1 (columns may be moved, "
    "and columns of your own added).",
    "",
    "The columns:",
    *[f"  {c.heading}{' (needed)' if c.required else ''}: {c.help}" for c in COLUMNS],
    "",
    "The cohort: one rule a line, each on a column of the case system's export (its heading as the export "
    "writes it). A case is in the cohort when every rule holds. The rules:",
    "  <column> is <value>           Category is Care leaver",
    "  <column> is <value> or <value>   Category is CIN or CP",
    "  <column> is not <value>       Legal status is not Placed for adoption",
    "  <column> at least <number>    Missing episodes in the last 6 months at least 1",
    "  <column> at most <number>     Age at most 17",
    "",
    *AUDITORS_HELP,
    "",
    "Then check it: auditdocs programme check",
    "And see a month: auditdocs programme show --month 2027-01",
]


def write_programme(path: Path, form_ids=()) -> Path:
    """The example programme (Appendix D's year), with a list to pick the type, the form (`form_ids`) and
    Yes/No from; headings bold and frozen."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    rows = example_rows()
    for i, column in enumerate(COLUMNS, start=1):
        put_text(sheet.cell(1, i), column.heading)
        sheet.cell(1, i).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(i)].width = column.width + 2
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(rows, start=2):
        for i, value in enumerate(row, start=1):
            cell = sheet.cell(r, i)
            if isinstance(value, int):
                cell.value = value
            else:
                put_text(cell, value)
            cell.alignment = wrap
    sheet.freeze_panes = "A2"
    last = max(len(rows) + 1, 500)

    def choose(column: str, choices, strict: bool = True):
        letter = get_column_letter(next(i for i, c in enumerate(COLUMNS, start=1) if c.name == column))
        rule = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True,
                              showErrorMessage=strict, errorTitle="Not in the list",
                              error="Pick one from the list.")
        rule.add(f"{letter}2:{letter}{last}")
        sheet.add_data_validation(rule)

    choose("type", TYPES)
    choose("counts", ("Yes", "No"))
    if form_ids and len(",".join(form_ids)) < 250:  # Excel's limit for a list written in the rule
        choose("form", sorted(form_ids), strict=False)  # a form added later may be typed
    helps = book.create_sheet(HELP_SHEET)
    helps.column_dimensions["A"].width = 110
    for r, line in enumerate(HELP, start=1):
        put_text(helps.cell(r, 1), line)
        helps.cell(r, 1).alignment = Alignment(wrap_text=True, vertical="top")
    helps["A1"].font = Font(bold=True, size=14)
    data = BytesIO()
    book.save(data)
    return write_atomic(Path(path), data.getvalue())


def open_workbook(path: Path, what: str):
    """A workbook people keep (the programme, the themes), opened for its values: one too big to be a `what`, or
    that cannot be opened, is a UserError naming it and what to do."""
    import warnings
    import zipfile

    from openpyxl import load_workbook

    from ..forms.safezip import DAMAGED_ZIP, too_big

    try:
        with zipfile.ZipFile(path) as package:
            if problem := too_big(package.infolist(), what):
                raise UserError(f"{path}: {problem}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about what other programs write; we read values only
            return load_workbook(path, data_only=True)
    except UserError:
        raise
    except PermissionError:
        raise UserError(f"cannot open {path}: permission denied. If it is open in Excel, close it and try "
                        "again.") from None
    except (*DAMAGED_ZIP, KeyError):
        raise UserError(f"{path} could not be read as an Excel workbook (it may be damaged or not really a .xlsx "
                        "file). Open it in Excel and save it again as 'Excel Workbook (.xlsx)'.") from None


def read_programme(path: Path) -> tuple[list, list[tuple[int, list]], int]:
    """The headings of the sheet 'Programme', its rows below them (row number, cells) and the headings' row.
    A file that cannot be read at all is a UserError naming it and what to do."""
    path = Path(path)
    if path.name.startswith("~$"):
        raise UserError(f"{path.name} is a lock file that Excel leaves beside an open workbook, not the programme. "
                        "Give the programme itself.")
    if not path.is_file():
        raise UserError(f"the programme {path} does not exist. Check the file name and folder (a workspace made "
                        "by 'auditdocs init' has programme.xlsx).")
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise UserError(f"{path.name} is not an Excel workbook: give the programme as a .xlsx file.")
    book = open_workbook(path, "programme")
    try:
        found = next((name for name in book.sheetnames if key(name) == key(SHEET)), None)
        if found is None:
            raise UserError(f"{path} has no sheet '{SHEET}'{did_you_mean(SHEET, book.sheetnames)}. Its sheets: "
                            f"{', '.join(book.sheetnames)}. Name the sheet of the programme '{SHEET}'.")
        sheet = book[found]
        if sheet.max_row * sheet.max_column > LIST_CELLS:
            raise UserError(f"{path}: the sheet '{found}' reaches far beyond any programme; it was refused for "
                            "safety. Delete the rows and columns after the programme, save it and try again.")
        table = [(n, list(cells)) for n, cells in enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        book.close()
    table = [(n, cells) for n, cells in table if any(text_of(c) for c in cells)]
    if not table:
        raise UserError(f"the sheet '{SHEET}' of {path} is empty: it needs a row of headings "
                        f"({', '.join(c.heading for c in COLUMNS)}) and a row per activity.")
    start = next((i for i, (_, cells) in enumerate(table[:10])
                  if sum(key(text_of(c)) in BY_HEADING for c in cells) >= 3), 0)
    return table[start][1], table[start + 1:], table[start][0]

