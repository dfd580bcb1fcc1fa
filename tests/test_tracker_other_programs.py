"""The tracker opened, edited and saved in another spreadsheet program (Gnumeric, LibreOffice Calc): every
cell is still there, and the managers' entries made there are kept by the next consolidate."""
from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl
from helpers import (
    calc_edit,
    files_workspace,
    gnumeric_edit,
    needs_gnumeric,
    needs_soffice,
)
from lxml import etree
from tracker_records import NOW, action, by_id, make_record, rows_of

from auditdocs.consolidate import consolidate_records

A, B = "AUD-202601-C1", "AUD-202601-C2"
SHEETS = ("Audits", "Answers", "Judgements", "Actions", "Exceptions")
X = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def records(library):
    a = make_record(library, "C1", actions=[action("Update the chronology"), action("Visit the child at home")])
    b = make_record(library, "C2", actions=[action("Refer to the speech therapist")],
                    mo_actions=[action("Discuss in supervision", person="Terry Manager")])
    return [a, b]


#: What managers do in the tracker: an action done and signed off, one in progress, a management oversight
#: action signed off, the oversight recorded on an audit.
EDITS = {
    "Actions": {(f"{A}-A1", "Status"): "Done", (f"{A}-A1", "Completed on"): dt.date(2026, 2, 3),
                (f"{A}-A1", "Signed off by"): "Terry Manager", (f"{A}-A1", "Signed off on"): dt.date(2026, 2, 4),
                (f"{A}-A1", "Notes"): "Chronology checked in supervision.",
                (f"{A}-A2", "Status"): "In progress", (f"{A}-A2", "Notes"): "Visit booked for 12/02.",
                (f"{B}-A2", "Status"): "Done", (f"{B}-A2", "Signed off by"): "Group Manager"},
    "Audits": {(A, "Oversight recorded on"): dt.date(2026, 2, 5)},
}


def as_read(path):
    """Every sheet's rows as a person would read them."""
    return {sheet: rows_of(path, sheet) for sheet in SHEETS}


def check_kept(tracker):
    actions = by_id(tracker)
    a1, a2, mo = actions[f"{A}-A1"], actions[f"{A}-A2"], actions[f"{B}-A2"]
    assert (a1["Status"], a1["Completed on"], a1["Signed off by"], a1["Signed off on"], a1["Notes"]) == (
        "Done", dt.datetime(2026, 2, 3), "Terry Manager", dt.datetime(2026, 2, 4), "Chronology checked in supervision.")
    assert (a2["Status"], a2["Notes"]) == ("In progress", "Visit booked for 12/02.")
    assert (mo["From"], mo["Status"], mo["Signed off by"]) == ("Management oversight", "Done", "Group Manager")
    assert by_id(tracker, "Audits", "Audit id")[A]["Oversight recorded on"] == dt.datetime(2026, 2, 5)


def references(path) -> dict[str, list[int]]:
    """Each sheet's row numbers, checking that every row and cell has its reference, cells in their row."""
    out = {}
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/sheet"):
                root = etree.fromstring(zf.read(name))
                numbers = []
                for row in root.iter(f"{X}row"):
                    assert row.get("r"), name
                    numbers.append(int(row.get("r")))
                    for cell in row.iter(f"{X}c"):
                        assert cell.get("r") and cell.get("r").lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == row.get("r")
                assert numbers == sorted(set(numbers)), name
                out[name] = numbers
    return out


def test_every_row_and_cell_of_the_tracker_has_its_reference(library, tmp_path):
    a, b = records(library)
    fresh = tmp_path / "fresh.xlsx"
    consolidate_records(files_workspace(fresh, library=library), [a, b], now=NOW)
    tracker = tmp_path / "tracker.xlsx"
    consolidate_records(files_workspace(tracker, library=library), [b], now=NOW)
    consolidate_records(files_workspace(tracker, library=library),
                        [a, b], now=NOW)  # b's rows, kept from the first run, now further down
    consolidate_records(files_workspace(tracker, library=library), [a, b], now=NOW)  # and kept where they are
    assert references(tracker) == references(fresh)
    for sheet, rows in as_read(tracker).items():  # the same rows (an editable sheet keeps the order it had)
        assert sorted(map(repr, rows)) == sorted(map(repr, as_read(fresh)[sheet])), sheet
    assert len(as_read(fresh)["Answers"]) > 20


@needs_gnumeric
def test_managers_entries_made_in_gnumeric_are_kept(library, tracker, tmp_path):
    consolidate_records(files_workspace(tracker, library=library), records(library), now=NOW)
    before = as_read(tracker)
    note = {"Actions": {**EDITS["Actions"], "B12": "Supervision dates: 12/02, 12/03"}}  # below, after a gap
    gnumeric_edit(tracker, {**EDITS, **note}, tmp_path / "gnumeric")
    after = as_read(tracker)
    for sheet in ("Answers", "Judgements", "Exceptions"):  # nothing lost on the way
        assert after[sheet] == before[sheet], sheet
    assert [r["Action id"] for r in after["Actions"] if r["Action id"]] == [r["Action id"] for r in before["Actions"]]
    check_kept(tracker)

    third = make_record(library, "C3", actions=[action("Write the child's plan")])
    summary = consolidate_records(files_workspace(tracker, library=library), [*records(library), third], now=NOW)
    assert (summary.actions_new, summary.actions_removed) == (1, 0)
    check_kept(tracker)
    assert as_read(tracker)["Answers"][:len(before["Answers"])] == before["Answers"]
    wb = openpyxl.load_workbook(tracker)
    for sheet in ("Audits", "Actions", "Answers"):  # rows written now look as those Gnumeric saved
        fonts = {(c.font.name, c.font.sz) for row in wb[sheet].iter_rows(min_row=2) for c in row if c.value}
        assert fonts <= {("Calibri", 11), (None, None)}, sheet  # (a graded cell's font: the default's)
    ws = wb["Actions"]
    # a note outside the table stays outside, moved down as the table grew by a row
    assert ws["B13"].value == "Supervision dates: 12/02, 12/03"
    assert ws.max_row == 13 and not any(c.value for row in ws.iter_rows(min_row=7, max_row=12) for c in row)
    status = [dv for dv in ws.data_validations.dataValidation if dv.promptTitle == "Status"]
    assert len(status) == 1 and status[0].formula1  # the drop-down Gnumeric emptied is made again, once
    assert list(ws.tables) == ["Actions"]  # and the table Gnumeric does not keep


@needs_soffice
def test_managers_entries_made_in_libreoffice_calc_are_kept(library, tracker, tmp_path, lo_profile):
    consolidate_records(files_workspace(tracker, library=library), records(library), now=NOW)
    before = as_read(tracker)
    calc_edit(tracker, EDITS, tmp_path / "calc", lo_profile)
    after = as_read(tracker)
    for sheet in ("Answers", "Judgements"):
        assert after[sheet] == before[sheet], sheet
    check_kept(tracker)

    summary = consolidate_records(files_workspace(tracker, library=library), records(library), now=NOW)
    assert (summary.actions_new, summary.actions_removed) == (0, 0)
    check_kept(tracker)
    assert as_read(tracker)["Answers"] == before["Answers"]
