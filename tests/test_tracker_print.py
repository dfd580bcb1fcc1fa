"""The tracker on paper and in LibreOffice Calc: print setup, rows high enough for their text,
and the Status list and overdue colours that LibreOffice keeps and shows as Excel does."""
from __future__ import annotations

import re
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from helpers import (
    SPECS,
    files_workspace,
    full_answers,
    libreoffice_convert,
    needs_soffice,
    one_of_each_form,
    overlapping_rows,
    page_text,
    pdf_chunks,
)
from pypdf import PdfReader
from tracker_records import NOW, action, make_record

from auditdocs.cli import cli
from auditdocs.consolidate import consolidate_records
from auditdocs.domain import cycle
from auditdocs.forms.docx.fill import fill_docx

LONG = ("What is working well: the worker knows the family and the child's voice is clear in the record. "
        "What we are worried about: the plan has drifted since the summer, the chronology stops in June "
        "and the last two visits were not recorded within the timescales.")
OVERDUE_FILL = (1.0, 0.78, 0.81)  # FFC7CE, the overdue rows' colour


def month(library, count):
    """A month of audits with long evidence and actions long overdue."""
    return [make_record(library, f"C{n:04d}", evidence=LONG, grade="Inadequate" if n % 4 == 0 else "Good",
                        actions=[action("Update the chronology", date="2020-01-15"),
                                 action("Visit the child at home and record their views", date="2099-01-31")])
            for n in range(count)]


def page_colours(page) -> set[tuple[float, ...]]:
    """The fill colours a PDF page paints with (its `rg` operators), to two decimals."""
    data = page.get_contents().get_data()
    return {tuple(round(float(v), 2) for v in m.groups()) for m in re.finditer(rb"([\d.]+) ([\d.]+) ([\d.]+) rg", data)}


def test_every_sheet_prints_landscape_fitted_to_its_width_with_its_headings(library, tracker):
    consolidate_records(files_workspace(tracker, library=library), month(library, 2), now=NOW)
    wb = openpyxl.load_workbook(tracker)
    for ws in wb.worksheets:
        setup = ws.page_setup
        wide = 3 if ws.title == "Audits" else 1  # a manager's columns of the Audits sheet, at a size to read
        assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, wide, 0), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.print_title_rows.replace("$", "") == "1:1", ws.title
        assert "&P of &N" in ws.oddFooter.right.text
    answers = wb["Answers"]
    evidence = [c.column for c in answers[1] if c.value == "Evidence / comment"][0]
    assert answers.row_dimensions[2].height >= 45  # the long evidence wraps over several lines
    assert answers.cell(2, evidence).alignment.wrap_text

    audits = wb["Audits"]
    headers = [c.value for c in audits[1]]
    finalised = openpyxl.utils.get_column_letter(headers.index("Finalised") + 1)
    assert audits.print_area.split("!")[-1].replace("$", "") == f"A1:{finalised}3"  # two audits
    assert audits.print_title_cols.replace("$", "") == "A:A"  # the audit id on every page across

    wb["Actions"].page_setup.orientation = "portrait"  # a manager's own choice
    wb.save(tracker)
    consolidate_records(files_workspace(tracker, library=library), month(library, 3), now=NOW)
    wb = openpyxl.load_workbook(tracker)
    assert wb["Actions"].page_setup.orientation == "portrait"
    assert wb["Audits"].print_area.split("!")[-1].replace("$", "") == f"A1:{finalised}4"  # follows the rows


def test_a_tracker_fitted_to_one_page_wide_gets_the_audits_print_area(library, tracker):
    """A tracker made before: its Audits sheet fitted to one page wide (unreadably small) is set up afresh."""
    consolidate_records(files_workspace(tracker, library=library), month(library, 2), now=NOW)
    wb = openpyxl.load_workbook(tracker)
    wb["Audits"].page_setup.fitToWidth = 1
    wb["Audits"].print_area = None
    wb.save(tracker)
    consolidate_records(files_workspace(tracker, library=library), month(library, 2), now=NOW)
    audits = openpyxl.load_workbook(tracker)["Audits"]
    assert audits.page_setup.fitToWidth == 3 and audits.print_area


def returned_month(library, folder: Path) -> Path:
    """The forms `auditdocs generate` makes, one of each, filled in and returned: long evidence,
    and in each action table one action long overdue and one not yet due."""
    returned = folder / "returned"
    for form_id, path in one_of_each_form(folder).items():
        spec = library.latest(form_id)
        answers, tables = full_answers(spec)
        answers.update({f.id: LONG for f in spec.fields if f.type == "text"})
        for rows in tables.values():
            for n, row in enumerate(rows):
                row.update({k: "2020-01-15" if n == 0 else "2099-01-31" for k in row if k.endswith("date")})
        target = returned / path.relative_to(folder / "forms")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(fill_docx(path.read_bytes(), answers, tables))
    return returned


@needs_soffice
def test_libreoffice_shows_and_prints_the_tracker_as_excel_does(library, tracker, tmp_path, lo_profile):
    returned = returned_month(library, tmp_path)
    result = CliRunner().invoke(cli, ["--specs", str(SPECS), "consolidate", str(returned), "--tracker", str(tracker)])
    assert result.exit_code == 0, result.output
    [pdf] = libreoffice_convert([tracker], tmp_path / "pdf", "pdf", lo_profile)
    reader = PdfReader(pdf)
    assert all(float(p.mediabox.width) > float(p.mediabox.height) for p in reader.pages), "landscape"
    assert overlapping_rows(reader) == []  # every row high enough for its wrapped text
    sheets = {}  # sheet name (the footer's left) -> its pages
    for page in reader.pages:
        footer = sorted(c for c in pdf_chunks(page) if c[1] < 40)
        sheets.setdefault(footer[0][2] if footer else "", []).append((page_text(page), page))
    assert {"Audits", "Answers", "Judgements", "Actions", "Exceptions", "About"} <= set(sheets)
    audits = sheets["Audits"]
    assert page_text(reader.pages[0]) == audits[0][0]  # the tracker's first page: the Audits sheet
    assert 1 < len(audits) <= 4  # a manager's columns, a few pages across, not one page of 46 columns
    for text, page in audits:
        assert "Audit id" in text  # the headings, and the audit id, on every page
        body = [size for _, y, _, size in pdf_chunks(page) if y > 40]
        assert min(body) >= 7, "text too small to read"
    printed = " ".join(text for text, _ in audits)
    assert "Next deadline" in printed and "Finalised" in printed and "Source file" not in printed
    assert len(sheets["Answers"]) > 1
    for text, _ in sheets["Answers"]:
        assert "Evidence / comment" in text  # the headings on every page
    assert any(OVERDUE_FILL in page_colours(page) for _, page in sheets["Actions"])  # overdue rows coloured

    [kept] = libreoffice_convert([tracker], tmp_path / "calc", "xlsx", lo_profile)  # what Calc kept
    actions = openpyxl.load_workbook(kept)["Actions"]
    headers = [c.value for c in actions[1]]
    status = openpyxl.utils.get_column_letter(headers.index("Status") + 1)
    lists = [dv for dv in actions.data_validations.dataValidation if dv.type == "list"]
    assert len(lists) == 1 and lists[0].formula1.strip('"').split(",") == list(cycle.ACTION_STATUSES)
    assert f"{status}2:{status}{actions.max_row}" in str(lists[0].sqref)
    assert not lists[0].showDropDown  # the arrow is shown (OOXML's flag hides it)
    rules = [rule for cf in actions.conditional_formatting for rule in cf.rules]
    assert any("TODAY()" in rule.formula[0] and rule.dxf.fill.bgColor.rgb.endswith("FFC7CE") for rule in rules)
