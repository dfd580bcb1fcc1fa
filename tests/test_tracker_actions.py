"""Managers' work in the tracker survives every re-run; duplicates are handled as documented."""
from __future__ import annotations

import datetime as dt
import os
import random
from pathlib import Path

import openpyxl
from helpers import files_workspace
from openpyxl.comments import Comment
from tracker_records import NOW, action, by_id, make_record, on_disk, rows_of

from auditdocs.consolidate import consolidate_records
from auditdocs.domain import model as m

A = "AUD-202601-C1"
B = "AUD-202601-C2"


def first_round(library):
    a = make_record(library, "C1", actions=[action("Update the chronology", person=""),
                                            action("Visit the child at home"),
                                            action("Book a review meeting")])
    b = make_record(library, "C2", actions=[action("Refer to the speech therapist"), action("Update the plan")],
                    mo_actions=[action("Discuss in supervision", person="Terry Manager")])
    return a, b


def edit_as_a_manager(path):
    """What a team manager does in Excel: fill the manager columns, add a column in the
    middle and one at the end, add a row and a sheet, note a cell, and sort the rows."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Actions"]
    headers = [c.value for c in ws[1]]
    col = {h: i + 1 for i, h in enumerate(headers)}
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    edits = {
        f"{A}-A1": {"Status": "Done", "Completed on": dt.datetime(2026, 2, 3), "Signed off by": "Terry Manager",
                    "Signed off on": dt.datetime(2026, 2, 4), "Notes": "Chronology checked in supervision."},
        f"{A}-A2": {"Status": "In progress", "Notes": "Visit booked for 12/02."},
        f"{A}-A3": {"Notes": "Meeting set for March."},
        f"{B}-A1": {"Status": "No longer needed", "Notes": "Family moved out of area."},
        f"{B}-A3": {"Status": "Done", "Signed off by": "Group Manager"},
    }
    for aid, values in edits.items():
        for header, value in values.items():
            ws.cell(rows[aid], col[header]).value = value
    # a column inserted in the middle of the table, and one added at the end
    ws.insert_cols(5)
    ws.cell(1, 5).value = "Priority"
    ws.cell(rows[f"{A}-A1"], 5).value = "High"
    ws.cell(rows[f"{B}-A1"], 5).value = "Low"
    end = ws.max_column + 1
    ws.cell(1, end).value = "RAG"
    ws.cell(rows[f"{A}-A3"], end).value = "Green"
    # a row of their own, without an action id
    extra = ws.max_row + 1
    ws.cell(extra, 2).value = A
    ws.cell(extra, col["Action"] + 1).value = "Discuss the case at the team meeting"
    ws.cell(extra, col["Notes"] + 1).value = "Added by Terry"
    # sort the rows: newest first (reverse)
    data = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    for r, values in enumerate(reversed(data), start=2):
        for c, value in enumerate(values, start=1):
            ws.cell(r, c).value = value
    # a note (cell comment) on a cell they wrote in
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == f"{A}-A2")
    ws.cell(row, col["Notes"] + 1).comment = Comment("Ask Sam about the date", "Terry")
    # their own sheet
    mine = wb.create_sheet("My notes")
    mine["A1"] = "Supervision dates"
    mine["A2"] = dt.datetime(2026, 2, 12)
    wb.save(path)


def test_manager_edits_survive_reruns(library, tracker):
    a, b = first_round(library)
    consolidate_records(files_workspace(tracker, library=library), [a, b], now=NOW)
    assert set(by_id(tracker)) == {f"{A}-A1", f"{A}-A2", f"{A}-A3", f"{B}-A1", f"{B}-A2", f"{B}-A3"}
    edit_as_a_manager(tracker)

    # A comes back: the responsible person filled in, "Visit the child at home" removed, rows reordered
    a2 = make_record(library, "C1", actions=[action("Book a review meeting"),
                                             action("update the chronology.", person="Sam Patel")])
    c = make_record(library, "C3", actions=[action("Write the child's plan"), action("Visit weekly")])
    summary = consolidate_records(files_workspace(tracker, library=library), [a2, b, c], now=NOW)
    assert (summary.actions_new, summary.actions_removed, summary.audits_new, summary.audits_updated) == (2, 1, 1, 1)

    actions = by_id(tracker)
    a1, a_removed, a3 = actions[f"{A}-A1"], actions[f"{A}-A2"], actions[f"{A}-A3"]
    assert (a1["Status"], a1["Completed on"], a1["Signed off by"], a1["Signed off on"], a1["Notes"]) == (
        "Done", dt.datetime(2026, 2, 3), "Terry Manager", dt.datetime(2026, 2, 4), "Chronology checked in supervision.")
    assert a1["Responsible person"] == "Sam Patel" and a1["Action"] == "update the chronology."
    assert a1["Priority"] == "High" and a1["On form"] == "Yes" and a1["Form row"] == 2
    assert a_removed["On form"] == "Removed from form"
    assert (a_removed["Status"], a_removed["Notes"]) == ("In progress", "Visit booked for 12/02.")
    assert (a3["Notes"], a3["RAG"], a3["Status"], a3["Form row"]) == ("Meeting set for March.", "Green", "Open", 1)
    assert (actions[f"{B}-A1"]["Status"], actions[f"{B}-A1"]["Priority"]) == ("No longer needed", "Low")
    assert actions[f"{B}-A1"]["Notes"] == "Family moved out of area."
    assert (actions[f"{B}-A3"]["Status"], actions[f"{B}-A3"]["From"]) == ("Done", "Management oversight")
    new = [actions[f"AUD-202601-C3-A{n}"] for n in (1, 2)]
    assert [(r["Action"], r["Status"]) for r in new] == [("Write the child's plan", "Open"), ("Visit weekly", "Open")]

    rows = rows_of(tracker, "Actions")
    mine = [r for r in rows if not r["Action id"]]
    assert len(mine) == 1 and mine[0]["Action"] == "Discuss the case at the team meeting"
    assert mine[0]["Notes"] == "Added by Terry"
    wb = openpyxl.load_workbook(tracker)
    ws = wb["Actions"]
    headers = [cell.value for cell in ws[1]]
    assert headers[4] == "Priority" and headers[-1] == "RAG"
    assert ws.tables["Actions"].ref == f"A1:{openpyxl.utils.get_column_letter(len(headers))}{len(rows) + 1}"
    note_cell = ws.cell(2 + rows.index(a_removed), headers.index("Notes") + 1)
    assert note_cell.comment is not None and "Ask Sam" in note_cell.comment.text
    assert wb["My notes"]["A1"].value == "Supervision dates" and wb["My notes"]["A2"].value == dt.datetime(2026, 2, 12)
    assert wb.sheetnames.index("My notes") == len(wb.sheetnames) - 1

    # a third run with the same forms changes nothing
    before = rows_of(tracker, "Actions")
    summary = consolidate_records(files_workspace(tracker, library=library), [a2, b, c], now=NOW)
    assert (summary.actions_new, summary.actions_removed) == (0, 0)
    assert rows_of(tracker, "Actions") == before
    ws = openpyxl.load_workbook(tracker)["Actions"]
    notes = [cell.comment.text for row in ws.iter_rows() for cell in row if cell.comment]
    assert notes == ["Ask Sam about the date"]


def test_audits_not_read_again_are_kept_as_they_are(library, tracker):
    a, b = first_round(library)
    consolidate_records(files_workspace(tracker, library=library), [a, b], now=NOW)
    edit_as_a_manager(tracker)
    before = {k: v for k, v in by_id(tracker).items() if k.startswith(B)}
    consolidate_records(files_workspace(tracker, library=library), [make_record(library, "C3")], now=NOW)
    after = by_id(tracker)
    assert {k: v for k, v in after.items() if k.startswith(B)} == before
    assert set(by_id(tracker, "Audits", "Audit id")) == {A, B, "AUD-202601-C3"}


def test_matching_never_moves_notes_to_another_action(library, tracker):
    record = make_record(library, "C1", actions=[action("Chronology"), action("Genogram"), action("Home visit")])
    consolidate_records(files_workspace(tracker, library=library), [record], now=NOW)
    wb = openpyxl.load_workbook(tracker)
    ws = wb["Actions"]
    headers = [cell.value for cell in ws[1]]
    for r in range(2, 5):
        ws.cell(r, headers.index("Notes") + 1).value = f"note on {ws.cell(r, headers.index('Action') + 1).value}"
    wb.save(tracker)
    # "Chronology" removed from the top, a new action added at the bottom: no position match
    moved = make_record(library, "C1", actions=[action("Genogram"), action("Home visit"), action("Family group conference")])
    consolidate_records(files_workspace(tracker, library=library), [moved], now=NOW)
    actions = by_id(tracker)
    assert actions[f"{A}-A1"]["On form"] == "Removed from form" and actions[f"{A}-A1"]["Notes"] == "note on Chronology"
    assert actions[f"{A}-A2"]["Notes"] == "note on Genogram" and actions[f"{A}-A2"]["Form row"] == 1
    assert actions[f"{A}-A3"]["Notes"] == "note on Home visit"
    assert actions[f"{A}-A4"]["Action"] == "Family group conference" and actions[f"{A}-A4"]["Notes"] is None
    # wording corrected in place: same table, same row -> same action
    reworded = make_record(library, "C1", actions=[action("Genogram with the father's side"), action("Home visit"),
                                                   action("Family group conference")])
    consolidate_records(files_workspace(tracker, library=library), [reworded], now=NOW)
    actions = by_id(tracker)
    assert actions[f"{A}-A2"]["Action"] == "Genogram with the father's side"
    assert actions[f"{A}-A2"]["Notes"] == "note on Genogram"
    assert len(actions) == 4
    # the removed action comes back: same id again, and it is on the form
    back = make_record(library, "C1", actions=[action("Chronology"), action("Genogram with the father's side"),
                                               action("Home visit"), action("Family group conference")])
    consolidate_records(files_workspace(tracker, library=library), [back], now=NOW)
    actions = by_id(tracker)
    assert len(actions) == 4 and actions[f"{A}-A1"]["On form"] == "Yes"
    assert actions[f"{A}-A1"]["Notes"] == "note on Chronology"


def test_overdue_actions_are_coloured(library, tracker):
    record = make_record(library, "C1", actions=[action("Late one", date="2026-01-05"), action("Fine", date="2027-01-01")])
    summary = consolidate_records(files_workspace(tracker, library=library), [record], now=NOW)
    assert summary.actions_overdue == 1 and "1 overdue" in str(summary)
    ws = openpyxl.load_workbook(tracker)["Actions"]
    rules = [(str(cf.sqref), rule) for cf in ws.conditional_formatting for rule in cf.rules]
    assert len(rules) == 1
    sqref, rule = rules[0]
    assert sqref == "A2:T3" and "TODAY()" in rule.formula[0] and '"Done"' in rule.formula[0]
    assert rule.formula[0].startswith("AND(ISNUMBER($M2),$M2<TODAY()")
    [status] = ws.data_validations.dataValidation
    assert status.formula1 == '"Open,In progress,Done,No longer needed"' and str(status.sqref) == "P2:P3"
    consolidate_records(files_workspace(tracker, library=library), [record, make_record(library, "C2")], now=NOW)
    ws = openpyxl.load_workbook(tracker)["Actions"]
    assert [str(cf.sqref) for cf in ws.conditional_formatting] == ["A2:T5"]
    assert [str(dv.sqref) for dv in ws.data_validations.dataValidation] == ["P2:P5"]


# ---- duplicates ------------------------------------------------------------------------


def test_identical_duplicates_count_once(library, tracker):
    one = make_record(library, "C1", file="/in/one.docx")
    copy = make_record(library, "C1", file="/in/copy of one.docx")
    summary = consolidate_records(files_workspace(tracker, library=library), [one, copy], now=NOW)
    assert summary.audits_total == 1 and summary.duplicates == 0 and summary.actions_total == 2
    assert rows_of(tracker, "Exceptions") == []


def test_different_duplicates_are_listed_and_the_one_saved_last_stands(library, tracker):
    """Whichever name sorts first: the copy saved last (an amendment: it changes an answer) stands (issue 20)."""
    newer = make_record(library, "C1", file="/in/a newer.docx", modified="2026-01-25", evidence="Changed later.")
    first = make_record(library, "C1", file="/in/b first.docx", modified="2026-01-21")
    summary = consolidate_records(files_workspace(tracker, library=library), [newer, first], now=NOW)
    assert summary.duplicates == 1 and "came in twice" in str(summary)
    assert by_id(tracker, "Audits", "Audit id")[A]["Source file"] == "/in/a newer.docx"
    [row] = rows_of(tracker, "Exceptions")
    assert row["File"] == "/in/b first.docx" and row["Problem"] == "Duplicate"
    assert "/in/a newer.docx" in row["Details"] and "saved last" in row["Details"]


def test_prefer_newer_takes_the_newest_file(library, tracker):
    first = make_record(library, "C1", file="/in/first.docx", modified="2026-01-21")
    newer = make_record(library, "C1", file="/in/newer.docx", modified="2026-01-25", evidence="Changed later.")
    consolidate_records(files_workspace(tracker, library=library), [first, newer], prefer_newer=True, now=NOW)
    assert by_id(tracker, "Audits", "Audit id")[A]["Source file"] == "/in/newer.docx"
    [row] = rows_of(tracker, "Exceptions")
    assert row["File"] == "/in/first.docx" and "newest" in row["Details"]


def test_duplicate_of_an_audit_already_in_the_tracker(library, tracker, tmp_path):
    files = on_disk(tmp_path, "first.docx", "newer.docx")
    first = make_record(library, "C1", file=files["first.docx"], modified="2026-01-21")
    consolidate_records(files_workspace(tracker, library=library), [first], now=NOW)
    newer = make_record(library, "C1", file=files["newer.docx"], modified="2026-01-25", evidence="Changed later.")
    summary = consolidate_records(files_workspace(tracker, library=library),
                                  [newer], now=NOW)  # saved later, it changes an answer: it stands
    assert summary.duplicates == 1 and summary.audits_updated == 1
    assert by_id(tracker, "Audits", "Audit id")[A]["Source file"] == files["newer.docx"]
    assert [r["File"] for r in rows_of(tracker, "Exceptions")] == [files["first.docx"]]
    assert "saved last" in rows_of(tracker, "Exceptions")[0]["Details"]
    summary = consolidate_records(files_workspace(tracker, library=library), [newer], prefer_newer=True, now=NOW)
    assert summary.audits_updated == 0
    assert by_id(tracker, "Audits", "Audit id")[A]["Source file"] == files["newer.docx"]
    consolidate_records(files_workspace(tracker, library=library), [newer], now=NOW)  # settled: nothing left to report
    assert rows_of(tracker, "Exceptions") == []
    # the same file saved again with changes is an update, not a duplicate
    resaved = make_record(library, "C1", file=files["newer.docx"], modified="2026-01-28", evidence="Amended.")
    summary = consolidate_records(files_workspace(tracker, library=library), [resaved], now=NOW)
    assert summary.duplicates == 0 and summary.audits_updated == 1
    assert any(r["Evidence / comment"] == "Amended." for r in rows_of(tracker, "Answers"))
    # amended again and sent back under another name, the earlier file gone: an update, not a duplicate
    Path(files["newer.docx"]).unlink()
    renamed = on_disk(tmp_path, "amended copy.docx")["amended copy.docx"]
    summary = consolidate_records(files_workspace(tracker, library=library),
                                  [make_record(library, "C1", file=renamed, evidence="Amended twice.")], now=NOW)
    assert summary.duplicates == 0 and summary.audits_updated == 1
    assert by_id(tracker, "Audits", "Audit id")[A]["Source file"] == renamed
    assert rows_of(tracker, "Exceptions") == []


def test_notes_highlights_and_columns_on_other_sheets_are_kept(library, tracker):
    from openpyxl.styles import PatternFill
    incomplete = make_record(library, "C2", file="/in/C2.docx")
    incomplete.status = "incomplete"
    incomplete.problems = [m.Problem("professionals_seen", "11.4: not answered.")]
    consolidate_records(files_workspace(tracker, library=library), [make_record(library, "C1"), incomplete], now=NOW)
    wb = openpyxl.load_workbook(tracker)
    actions, audits, exceptions = wb["Actions"], wb["Audits"], wb["Exceptions"]
    a_col = [c.value for c in actions[1]].index("Action") + 1
    actions.cell(2, a_col).comment = Comment("Wording agreed with the family", "Terry")
    actions.cell(2, a_col).fill = PatternFill("solid", fgColor="FFFF00")
    audits.cell(1, audits.max_column + 1).value = "Chased on"
    audits.cell(2, audits.max_column).value = "12/02/2026"
    exceptions.cell(1, exceptions.max_column + 1).value = "Sent back on"
    exceptions.cell(2, exceptions.max_column).value = dt.datetime(2026, 2, 11)
    wb.save(tracker)
    resubmitted = make_record(library, "C1", evidence="Updated evidence.")
    consolidate_records(files_workspace(tracker, library=library), [resubmitted, incomplete], now=NOW)
    wb = openpyxl.load_workbook(tracker)
    cell = wb["Actions"].cell(2, a_col)
    assert cell.value == "Update the chronology" and "Wording agreed" in cell.comment.text
    assert cell.fill.fgColor.rgb == "00FFFF00"
    assert by_id(tracker, "Audits", "Audit id")[A]["Chased on"] == "12/02/2026"
    [row] = rows_of(tracker, "Exceptions")
    assert row["Sent back on"] == dt.datetime(2026, 2, 11) and row["Problem"] == "Incomplete"


# ---- an action's identity through real forms ---------------------------------------------


def _return_form(library, folder: Path, actions: list[str]) -> None:
    """The auditor's Word form for one audit, with these actions in the table, saved in `folder`."""
    from helpers import full_answers, record_values

    from auditdocs.forms.docx.fill import fill_docx
    from auditdocs.forms.docx.writer import WordForm

    spec = library.latest("csc_case_file_audit")
    answers, tables = full_answers(spec, seed=2)
    tables["actions"] = [{"action": text, "responsible_person": "Sam Invented", "required_date": "2026-12-15"}
                         for text in actions]
    data = WordForm(spec).render(record_values(spec, 2), "AUD-202611-ACTIONS1")
    folder.mkdir(exist_ok=True)
    (folder / "form.docx").write_bytes(fill_docx(data, answers, tables))


def _read(library, folder: Path):
    from auditdocs.returns.read import read_returns

    return list(read_returns([folder], library))


def test_a_different_action_in_the_same_row_never_takes_the_old_ones_sign_off(library, tracker, tmp_path):
    folder = tmp_path / "returned"
    _return_form(library, folder, ["Update the chronology", "Visit the child at home", "Book a review meeting",
                                   "Refer to the school nurse"])
    consolidate_records(files_workspace(tracker, library=library), _read(library, folder), now=NOW)
    aid = "AUD-202611-ACTIONS1"
    wb = openpyxl.load_workbook(tracker)
    ws = wb["Actions"]
    col = {c.value: c.column for c in ws[1]}
    row = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    signed = {"Status": "Done", "Signed off by": "Terry Manager", "Signed off on": dt.datetime(2026, 12, 1)}
    for n, values in {1: {"Notes": "Chronology checked"}, 2: {**signed, "Notes": "Seen at home 28/11"},
                      3: {**signed, "Notes": "Meeting held"}, 4: {"Notes": "Nurse contacted"}}.items():
        for header, value in values.items():
            ws.cell(row[f"{aid}-A{n}"], col[header]).value = value
    wb.save(tracker)

    # the auditor amends the form: row 1 gains a detail, row 2 now holds a different action,
    # row 3 gains a detail although a manager signed it off, row 4 is as it was
    _return_form(library, folder, ["Update the chronology and the genogram", "Refer to the speech therapist",
                                   "Book a review meeting with the family", "Refer to the school nurse"])
    summary = consolidate_records(files_workspace(tracker, library=library), _read(library, folder), now=NOW)
    actions = by_id(tracker)
    assert actions[f"{aid}-A1"]["Action"] == "Update the chronology and the genogram"  # reworded: same action
    assert actions[f"{aid}-A1"]["Notes"] == "Chronology checked" and actions[f"{aid}-A1"]["On form"] == "Yes"
    old = actions[f"{aid}-A2"]  # replaced: kept, with its sign-off, and marked
    assert (old["Action"], old["On form"], old["Status"], old["Signed off by"]) == (
        "Visit the child at home", "Removed from form", "Done", "Terry Manager")
    new = next(a for a in actions.values() if a["Action"] == "Refer to the speech therapist")
    assert (new["Status"], new["Signed off by"], new["Signed off on"], new["Notes"]) == ("Open", None, None, None)
    signed_off = actions[f"{aid}-A3"]  # cannot tell: both kept, the sign-off stays on the words signed off
    assert (signed_off["Action"], signed_off["Signed off by"], signed_off["On form"]) == (
        "Book a review meeting", "Terry Manager", "Removed from form")
    reworded = next(a for a in actions.values() if a["Action"] == "Book a review meeting with the family")
    assert (reworded["Status"], reworded["Signed off by"]) == ("Open", None)
    assert actions[f"{aid}-A4"]["Notes"] == "Nurse contacted"
    [changed] = [e for e in rows_of(tracker, "Exceptions") if e["Problem"] == "Action changed"]
    assert f"{aid}-A3" in changed["Details"] and reworded["Action id"] in changed["Details"]
    assert "cannot tell" in changed["Details"] and changed["File"].endswith("form.docx")
    assert (summary.actions_new, summary.actions_removed) == (2, 2) and summary.needs_attention

    consolidate_records(files_workspace(tracker, library=library),
                        _read(library, folder), now=NOW)  # again: nothing moves, the note stays
    assert by_id(tracker) == actions
    assert [e["Problem"] for e in rows_of(tracker, "Exceptions")] == ["Action changed"]


def test_same_action_thresholds():
    # the rule lives in cycle (issue 11)
    from auditdocs.domain.cycle import DIFFERENT, SAME, UNSURE, same_action

    def verdict(old, new, signed_off=False):
        return same_action(old, new, signed_off=signed_off)

    assert verdict("Update the chronology", "update the chronology.") == SAME
    assert verdict("Update the chronology", "Update the chronolgy") == SAME  # a slip corrected
    assert verdict("Genogram", "Genogram with the father's side") == SAME  # a detail added
    assert verdict("Genogram", "Genogram with the father's side", signed_off=True) == UNSURE
    assert verdict("Update the chronology", "Update the chronolgy", signed_off=True) == SAME
    assert verdict("Visit the child at home", "Visit the child at school") == UNSURE
    assert verdict("Update the chronology", "Refer to the speech therapist") == DIFFERENT
    assert verdict("Visit the child at home", "Book a review meeting") == DIFFERENT


def test_is_same_action_says_what_same_action_says():
    from auditdocs.domain.cycle import SAME, is_same_action, same_action

    words = ("update the chronology visit child at home school book review meeting refer speech therapist "
             "genogram father's side plan with Sam Zoë 外婆 👍").split()
    rng = random.Random(5)
    pairs = [("Update the chronology", "Update the chronolgy"), ("Genogram", "Genogram with the father's side"),
             ("Visit the child at home", "Visit the child at school"), ("a" * 3000, "a" * 2990 + "b" * 10)]
    for _ in range(400):
        old = " ".join(rng.choice(words) for _ in range(rng.randint(1, 40)))
        new = list(old.split())
        for _ in range(rng.randint(0, 6)):  # words changed, added or taken out
            spot = rng.randrange(len(new) + 1)
            rng.choice([lambda: new.insert(spot, rng.choice(words)),
                        lambda: new.pop(min(spot, len(new) - 1)) if len(new) > 1 else None,
                        lambda: new.__setitem__(min(spot, len(new) - 1), rng.choice(words))])()
        pairs.append((old, " ".join(new)))
    told = {True: 0, False: 0}
    for old, new in pairs:
        for signed_off in (False, True):
            same = is_same_action(old, new, signed_off=signed_off)
            assert same == (same_action(old, new, signed_off=signed_off) == SAME), (old, new, signed_off)
            told[same] += 1
    assert min(told.values()) > 50  # both answers were put to the test


def test_notes_outside_the_table_stay_where_they_were_and_odd_entries_are_kept_and_listed(library, tracker):
    record = make_record(library, "C1", actions=[action("Update the chronology"), action("Visit the child at home")])
    consolidate_records(files_workspace(tracker, library=library), [record], now=NOW)
    wb = openpyxl.load_workbook(tracker)
    ws = wb["Actions"]
    col = {c.value: c.column for c in ws[1]}
    last = ws.max_row  # the table's last row
    ws.cell(last + 2, 1).value = "Notes from the team meeting, 12/02:"  # a blank row, then a manager's note
    ws.cell(last + 2, col["Action"]).value = "Chase the plan with Sam"
    ws.cell(last + 3, 2).value = "Next meeting 12/03"
    ws.cell(2, ws.max_column + 2).value = "ask Sam"  # beside the table, one column apart
    beside = ws.max_column
    ws.cell(2, col["Status"]).value = "Finished"  # not on the list
    ws.cell(3, col["Completed on"]).value = "last Tuesday"  # a date typed as text
    wb.save(tracker)

    grown = make_record(library, "C1", actions=[action("Update the chronology"), action("Visit the child at home"),
                                                action("Book a review meeting")])
    for run in range(2):
        summary = consolidate_records(files_workspace(tracker, library=library), [grown], now=NOW)
        assert summary.actions_total == 3 and summary.actions_new == (1 if run == 0 else 0)
        wb = openpyxl.load_workbook(tracker)
        ws = wb["Actions"]
        end = int(ws.tables["Actions"].ref.split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        assert end == 4  # three actions: the note was not pulled into the table
        assert all(ws.cell(end + 1, c).value is None for c in range(1, 30))  # the blank row above the note
        assert ws.cell(end + 2, 1).value == "Notes from the team meeting, 12/02:"
        assert ws.cell(end + 2, col["Action"]).value == "Chase the plan with Sam"
        assert ws.cell(end + 3, 2).value == "Next meeting 12/03"
        assert ws.cell(2, beside).value == "ask Sam"
        actions = by_id(tracker)
        assert actions["AUD-202601-C1-A1"]["Status"] == "Finished"  # kept as typed
        assert actions["AUD-202601-C1-A2"]["Completed on"] == "last Tuesday"
        problems = {e["Details"].split(": ", 1)[1].split(".")[0]: e for e in rows_of(tracker, "Exceptions")}
        assert set(problems) == {"the Status 'Finished' is not a status the tracker knows (Open, In progress, "
                                 "Done, No longer needed), so the action counts as not done",
                                 "'Completed on' holds 'last Tuesday', which is not a date, so it is kept as typed"}
        assert all(e["Audit id"] == "AUD-202601-C1" and e["Problem"] == "Tracker entry" for e in problems.values())


def test_a_moved_or_renamed_folder_is_the_same_returned_files(library, tracker, tmp_path):
    """Returned files are known by their content and audit id, and shown relative to the folder given:
    moving or renaming the folder (or a file) loses no Exceptions row, no managers' entry, and turns
    no duplicate into an amendment."""
    from helpers import full_answers, record_values

    from auditdocs.forms.docx.fill import fill_docx
    from auditdocs.forms.docx.writer import WordForm
    from auditdocs.returns.read import read_returns

    spec = library.latest("csc_case_file_audit")
    folder = tmp_path / "December returned"
    (folder / "Auditor 0").mkdir(parents=True)
    answers, tables = full_answers(spec, seed=1)
    form_a = WordForm(spec).render(record_values(spec, 0), "AUD-202612-MOVED001")
    (folder / "Auditor 0" / "A.docx").write_bytes(fill_docx(form_a, answers, tables))
    (folder / "Auditor 0" / "Copy of A.docx").write_bytes(fill_docx(form_a, {**answers, "working_well": "Changed."}, tables))
    os.utime(folder / "Auditor 0" / "Copy of A.docx", (1_700_000_000, 1_700_000_000))  # A was saved after its copy
    form_b = WordForm(spec).render(record_values(spec, 1), "AUD-202612-MOVED002")
    (folder / "B.docx").write_bytes(fill_docx(form_b, {"kss1_seen_alone": "Yes"}))
    (folder / "scan.docx").write_bytes(b"%PDF-1.4 a scan sent by mistake")
    first = consolidate_records(files_workspace(tracker, library=library),
                                list(read_returns([folder], library)), now=NOW)
    assert (first.duplicates, first.audits_new) == (1, 2)
    audits = by_id(tracker, "Audits", "Audit id")
    assert audits["AUD-202612-MOVED001"]["Source file"] == str(Path("Auditor 0") / "A.docx")  # relative to the folder

    wb = openpyxl.load_workbook(tracker)
    ws = wb["Exceptions"]
    ws.cell(1, ws.max_column + 1).value = "Sent back on"
    for r in range(2, ws.max_row + 1):
        ws.cell(r, ws.max_column).value = f"chased {r}"
    wb.save(tracker)
    before = {(e["File"], e["Problem"]): e["Sent back on"] for e in rows_of(tracker, "Exceptions")}
    assert set(before) == {(str(Path("Auditor 0") / "Copy of A.docx"), "Duplicate"), ("B.docx", "Incomplete"),
                           ("scan.docx", "Unreadable")}

    moved = folder.rename(tmp_path / "December returned (checked)")
    (moved / "B.docx").rename(moved / "B - sent back.docx")
    again = consolidate_records(files_workspace(tracker, library=library),
                                list(read_returns([moved], library)), now=NOW)
    assert (again.duplicates, again.audits_updated, again.audits_new) == (1, 0, 0)
    assert by_id(tracker, "Audits", "Audit id")["AUD-202612-MOVED001"]["Source file"] == str(Path("Auditor 0") / "A.docx")
    after = {e["Problem"]: (e["File"], e["Sent back on"]) for e in rows_of(tracker, "Exceptions")}
    assert after == {"Duplicate": (str(Path("Auditor 0") / "Copy of A.docx"), before[(str(Path("Auditor 0") / "Copy of A.docx"),
                                                                                "Duplicate")]),
                     "Incomplete": ("B - sent back.docx", before[("B.docx", "Incomplete")]),
                     "Unreadable": ("scan.docx", before[("scan.docx", "Unreadable")])}


def test_which_returned_file_continues_the_tracker_s_version():
    from auditdocs.consolidate.versions import ReturnedFile, current_version

    tracked = ReturnedFile("aaaa", "Jo/form.docx", "/old/place/Jo/form.docx")
    moved = ReturnedFile("aaaa", "Jo/form.docx", "/new/place/Jo/form.docx")
    renamed = ReturnedFile("aaaa", "form (sent back).docx", "/old/place/form (sent back).docx")
    amended_after_moving = ReturnedFile("bbbb", "Jo/form.docx", "/new/place/Jo/form.docx")
    other_copy = ReturnedFile("cccc", "Jo/copy.docx", "/new/place/Jo/copy.docx")
    assert current_version(None, [other_copy, moved], False) == (0, "it was read first")
    assert current_version(tracked, [other_copy, moved], False)[0] == 1  # the same bytes, wherever they are
    assert current_version(tracked, [other_copy, renamed], True)[0] == 1
    assert current_version(tracked, [other_copy, amended_after_moving], False)[0] == 1  # the same path in the folder
    assert current_version(tracked, [other_copy], True) == (None, "it was already in the tracker")
    assert current_version(tracked, [other_copy], False) == (0, "it replaces Jo/form.docx, which is no longer there")
