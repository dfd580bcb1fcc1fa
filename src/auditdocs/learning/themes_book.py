"""themes.xlsx, the edge: the workbook `auditdocs init` writes (the framework's themes and Appendix C's sessions)
and its sheets read back (openpyxl)."""
from __future__ import annotations

from pathlib import Path

from ..budgets import LIST_CELLS
from ..errors import UserError
from ..files import put_text, write_atomic
from ..specs.loader import did_you_mean
from . import sessions as ss
from . import themes as th
from .themes import key, text_of

HELP = [
    "How to fill in the themes and the sessions",
    "",
    f"The sheet '{th.SHEET}' holds the themes of practice auditdocs looks for in what auditors write (what is "
    "working well, what we are worried about, the evidence of each question and the rationale of each judgement). "
    "A row per theme; add, change or delete rows, and keep the headings of row 1.",
    "",
    *[f"  {heading}: {help}" for heading, _, _, help in th.COLUMNS.values()],
    "",
    "Every tag shows the words that triggered it, in the tracker's Themes sheet, where a QA officer can say a tag "
    "is wrong ('Correct?' No) or belongs to another theme ('Theme instead'): the correction wins in every count.",
    "",
    f"The sheet '{ss.SHEET}' holds the weekly 'Learning from audits' sessions: a row per session.",
    "",
    *[f"  {heading}: {help}" for heading, _, _, help in ss.COLUMNS.values()],
    "",
    "Then check it: auditdocs learning themes check",
    "And make a session's pack: auditdocs learning pack --session 2026-12-08",
]


def write_themes(path: Path) -> Path:
    """The example workbook: the framework's themes and Appendix C's sessions; headings bold and frozen."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    wrap = Alignment(wrap_text=True, vertical="top")

    def fill(sheet, columns, rows):
        for i, (heading, _, width, _) in enumerate(columns.values(), start=1):
            put_text(sheet.cell(1, i), heading)
            sheet.cell(1, i).font = Font(bold=True)
            sheet.column_dimensions[get_column_letter(i)].width = width + 2
        for r, row in enumerate(rows, start=2):
            for i, value in enumerate(row, start=1):
                put_text(sheet.cell(r, i), value)
                sheet.cell(r, i).alignment = wrap
        sheet.freeze_panes = "A2"

    themes = book.active
    themes.title = th.SHEET
    fill(themes, th.COLUMNS, [(name, "\n".join(words), questions) for name, words, questions in th.DEFAULT_THEMES])
    fill(book.create_sheet(ss.SHEET), ss.COLUMNS, ss.example_rows())
    helps = book.create_sheet(th.HELP_SHEET)
    helps.column_dimensions["A"].width = 110
    for r, line in enumerate(HELP, start=1):
        put_text(helps.cell(r, 1), line)
        helps.cell(r, 1).alignment = wrap
    helps["A1"].font = Font(bold=True, size=14)
    data = BytesIO()
    book.save(data)
    return write_atomic(Path(path), data.getvalue())


def read_sheets(path: Path, names: tuple[str, ...] = (th.SHEET, ss.SHEET)) -> dict[str, tuple[list, list, int]]:
    """Each sheet of `names` the workbook has: its headings, its rows below them (row number, cells) and the
    headings' row. A workbook that cannot be read, or has none of the sheets, is a UserError naming it and what
    to do."""
    from ..programme.workbook import open_workbook

    path = Path(path)
    if not path.is_file():
        raise UserError(f"the themes workbook {path} does not exist. Check the file name and folder (a workspace made "
                        f"by 'auditdocs init' has {th.THEMES_FILE}).")
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise UserError(f"{path.name} is not an Excel workbook: give the themes as a .xlsx file.")
    book = open_workbook(path, "themes workbook")
    out = {}
    try:
        for name in names:
            found = next((s for s in book.sheetnames if key(s) == key(name)), None)
            if found is None:
                continue
            sheet = book[found]
            if sheet.max_row * sheet.max_column > LIST_CELLS:
                raise UserError(f"{path}: the sheet '{found}' reaches far beyond any list of themes; it was refused "
                                "for safety. Delete the rows and columns after it, save it and try again.")
            table = [(n, list(cells)) for n, cells in enumerate(sheet.iter_rows(values_only=True), start=1)]
            table = [(n, cells) for n, cells in table if any(text_of(c) for c in cells)]
            if not table:
                out[name] = ([], [], 1)
                continue
            out[name] = (table[0][1], table[1:], table[0][0])
        if not out:
            raise UserError(f"{path} has no sheet '{th.SHEET}'{did_you_mean(th.SHEET, book.sheetnames)}. Its sheets: "
                            f"{', '.join(book.sheetnames)}. Name the sheet of the themes '{th.SHEET}'.")
    finally:
        book.close()
    return out
