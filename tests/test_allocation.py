"""Reading the month's allocation list: real .csv and .xlsx files written in tmp_path."""
from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from helpers import SAMPLES, SPECS

from auditdocs.allocate.allocation_list import key, parse_month, read_allocations
from auditdocs.errors import UserError
from auditdocs.specs import load_library

NOV = dt.date(2026, 11, 1)

HEAD = ["Form", "Case number", "Family name", "Given names", "Date of birth", "Social worker",
        "Team manager", "Team", "Auditor", "Due date"]


def child(case="9900001", family="Testley", given="Ava", dob="01/02/2015", auditor="Priya Lakhani",
          due="30/11/2026", form="csc_case_file_audit", **extra):
    row = {"Form": form, "Case number": case, "Family name": family, "Given names": given,
           "Date of birth": dob, "Social worker": "Sam Worker", "Team manager": "Tess Manager",
           "Team": "Assessment Team 1", "Auditor": auditor, "Due date": due}
    row.update(extra)
    return row


@pytest.fixture(scope="module")
def lib():
    return load_library(SPECS)


def write_csv(path: Path, rows, head=HEAD, encoding="utf-8-sig", delimiter=","):
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(head)
        for row in rows:
            writer.writerow([row.get(h, "") for h in head] if isinstance(row, dict) else row)
    return path


def write_xlsx(path: Path, rows, head=HEAD, blank_rows_above=0):
    book = openpyxl.Workbook()
    ws = book.active
    for _ in range(blank_rows_above):
        ws.append([])
    ws.append(head)
    for row in rows:
        ws.append([row.get(h) for h in head] if isinstance(row, dict) else row)
    book.save(path)
    return path


def read(path, lib, **kw):
    kw.setdefault("month", NOV)
    return read_allocations(path, lib, **kw)


# ---- columns -----------------------------------------------------------------


def test_key_ignores_case_spaces_punctuation_and_accents():
    assert key("Family Name") == key("family_name") == key("FAMILY-NAME") == key(" family.name ")
    assert key("Siobhán") == key("siobhan")


def test_columns_matched_by_id_or_label_whatever_the_case_and_punctuation(tmp_path, lib):
    head = ["FORM", "Case Number", "FAMILY-NAME", "given_names", "D.O.B.", "Social Worker",
            "Allocated worker's manager", "social worker's team", "To be audited by", "audit due by"]
    rows = [["csc_case_file_audit", "9900001", "Testley", "Ava", "", "Sam Worker", "Tess Manager",
             "Team A", "Priya Lakhani", "30/11/2026"]]
    result = read(write_csv(tmp_path / "list.csv", rows, head), lib)
    assert result.problems == []
    values = result.allocations[0].values
    assert values["family_name"] == "Testley"
    assert values["given_names"] == "Ava"
    assert values["team_manager"] == "Tess Manager"  # matched by its label
    assert values["team"] == "Team A"  # "Social worker's team" is the csc label of `team`
    assert values["auditor"] == "Priya Lakhani"
    assert values["due_date"] == "2026-11-30"


def test_common_other_names_for_names_and_dates(tmp_path, lib):
    head = ["Form", "Case number", "Surname", "Forename(s)", "DOB", "Social worker", "Team manager", "Team", "Auditor"]
    rows = [["csc_case_file_audit", "1", "Testley", "Ava", "01/02/2015", "Sam", "Tess", "Team A", "Priya"]]
    values = read(write_csv(tmp_path / "list.csv", rows, head), lib).allocations[0].values
    assert (values["family_name"], values["given_names"], values["date_of_birth"]) == ("Testley", "Ava", "2015-02-01")


def test_map_names_a_column_for_a_field(tmp_path, lib):
    head = [h if h != "Social worker" else "Practitioner" for h in HEAD]  # ("Worker" is known: see ALIASES)
    rows = [child(Practitioner="Sam Worker")]
    path = write_csv(tmp_path / "list.csv", rows, head)
    with pytest.raises(UserError) as err:
        read(path, lib)
    assert "Social worker" in err.value.message
    result = read(path, lib, mapping=["Practitioner=social_worker"])
    assert result.allocations[0].values["social_worker"] == "Sam Worker"


def test_map_with_unknown_column_or_field_is_a_clear_error(tmp_path, lib):
    path = write_csv(tmp_path / "list.csv", [child()])
    with pytest.raises(UserError, match="no column 'Wroker'"):
        read(path, lib, mapping=["Wroker=social_worker"])
    with pytest.raises(UserError, match="did you mean 'social_worker'"):
        read(path, lib, mapping=["Social worker=social_wroker"])
    with pytest.raises(UserError, match="Column name=field_id"):
        read(path, lib, mapping=["social_worker"])


def test_missing_required_columns_stop_with_one_message(tmp_path, lib):
    head = ["Form", "Case number", "Name", "Given names", "Auditor", "Due date"]
    rows = [["csc_case_file_audit", "9900001", "Testley", "Ava", "Priya Lakhani", "30/11/2026"]]
    with pytest.raises(UserError) as err:
        read(write_csv(tmp_path / "list.csv", rows, head), lib)
    message = err.value.message
    for label in ("Family name", "Social worker", "Allocated worker's manager", "Social worker's team"):
        assert label in message
    assert "Columns found: 'Form', 'Case number', 'Name'" in message
    assert "No form was made" in message
    assert "--map" in message


def test_missing_column_suggests_a_close_column_name(tmp_path, lib):
    head = [h if h != "Social worker" else "Social wroker" for h in HEAD]
    with pytest.raises(UserError) as err:
        read(write_csv(tmp_path / "list.csv", [child(**{"Social wroker": "Sam"})], head), lib)
    assert "did you mean column 'Social wroker'" in err.value.message
    assert '--map "Social wroker=social_worker"' in err.value.message


# ---- forms -------------------------------------------------------------------


def test_form_named_by_id_or_title_case_and_space_insensitive(tmp_path, lib):
    rows = [child(case="1", form="CSC_Case_File_Audit"),
            child(case="2", form="  case file audit tool — early help "),
            child(case="3", form="Case File Audit Tool — Children's Social Care")]
    result = read(write_csv(tmp_path / "list.csv", rows), lib)
    assert [a.form_id for a in result.allocations] == ["csc_case_file_audit", "eh_case_file_audit", "csc_case_file_audit"]


def test_unknown_form_is_reported_with_did_you_mean_and_skipped(tmp_path, lib):
    rows = [child(case="1"), child(case="2", form="csc_case_file_audt")]
    result = read(write_csv(tmp_path / "list.csv", rows), lib)
    assert [a.values["case_number"] for a in result.allocations] == ["1"]
    [problem] = result.problems
    assert problem.row == 3
    assert problem.case_number == "2"
    assert "no form 'csc_case_file_audt'" in problem.message
    assert "did you mean 'csc_case_file_audit'" in problem.message


def test_spec_option_for_a_list_without_form_column(tmp_path, lib):
    head = [h for h in HEAD if h != "Form"]
    path = write_csv(tmp_path / "list.csv", [child()], head)
    with pytest.raises(UserError, match="no 'Form' column"):
        read(path, lib)
    result = read(path, lib, spec_id="csc_case_file_audit")
    assert result.allocations[0].form_id == "csc_case_file_audit"
    with pytest.raises(UserError, match="did you mean 'csc_case_file_audit'"):
        read(path, lib, spec_id="csc_case_file")


def test_empty_form_cell_uses_spec_option_or_is_reported(tmp_path, lib):
    path = write_csv(tmp_path / "list.csv", [child(form="")])
    assert "column is empty" in read(path, lib).problems[0].message
    assert read(path, lib, spec_id="eh_case_file_audit").allocations[0].form_id == "eh_case_file_audit"


# ---- rows and values ------------------------------------------------------------


def test_row_missing_required_value_is_reported_and_the_others_kept(tmp_path, lib):
    rows = [child(case="1"), child(case="2", **{"Social worker": ""}), child(case="3")]
    result = read(write_csv(tmp_path / "list.csv", rows), lib)
    assert [a.values["case_number"] for a in result.allocations] == ["1", "3"]
    [problem] = result.problems
    assert problem.row == 3  # as the spreadsheet shows it: the header is row 1
    assert "Social worker is missing" in problem.message
    assert "column 'Social worker' is empty" in problem.message
    assert str(problem).startswith("row 3 (case 2): ")


def test_empty_rows_are_ignored_and_row_numbers_stay_true(tmp_path, lib):
    rows = [child(case="1"), [""] * len(HEAD), [], child(case="4", auditor="")]
    result = read(write_csv(tmp_path / "list.csv", rows), lib)
    assert len(result.allocations) == 1
    assert [p.row for p in result.problems] == [5]
    assert result.rows == 2


def test_header_row_is_first_non_empty_row_in_xlsx(tmp_path, lib):
    rows = [child(case="1"), {}, child(case="3", **{"Family name": None})]
    result = read(write_xlsx(tmp_path / "list.xlsx", rows, blank_rows_above=2), lib)
    assert len(result.allocations) == 1
    assert result.allocations[0].row == 4
    assert [p.row for p in result.problems] == [6]


def test_uk_text_dates_and_excel_dates(tmp_path, lib):
    rows = [child(case="1", dob="01/02/2015"), child(case="2", dob="1 Feb 2015"), child(case="3", dob="1st February 2015")]
    result = read(write_csv(tmp_path / "list.csv", rows), lib)
    assert {a.values["date_of_birth"] for a in result.allocations} == {"2015-02-01"}

    rows = [child(case="1", dob=dt.datetime(2015, 2, 1), due=dt.date(2026, 11, 30)),
            child(case="2", dob=42036, due="30/11/2026"),  # an Excel serial date in an unformatted cell
            child(case="3", dob="01/02/2015", due="30 Nov 2026")]
    result = read(write_xlsx(tmp_path / "list.xlsx", rows), lib)
    assert result.problems == []
    assert {a.values["date_of_birth"] for a in result.allocations} == {"2015-02-01"}
    assert {a.values["due_date"] for a in result.allocations} == {"2026-11-30"}


def test_a_date_that_cannot_be_read_is_a_row_problem_never_month_first(tmp_path, lib):
    rows = [child(case="1", dob="02/13/2015"), child(case="2", dob="31/02/2015"), child(case="3", dob="soon")]
    result = read(write_csv(tmp_path / "list.csv", rows), lib)
    assert result.allocations == []
    assert [p.row for p in result.problems] == [2, 3, 4]
    assert "Date of birth '02/13/2015' in column 'Date of birth' is not a date" in result.problems[0].message


def test_due_date_defaults_to_last_day_of_the_month(tmp_path, lib):
    path = write_csv(tmp_path / "list.csv", [child(due="")])
    assert read(path, lib, month=dt.date(2026, 2, 1)).allocations[0].values["due_date"] == "2026-02-28"
    assert read(path, lib, month=NOV).allocations[0].audit_id.startswith("AUD-202611-")


def test_parse_month():
    assert parse_month("2026-11") == NOV
    assert parse_month(None, today=dt.date(2026, 3, 17)) == dt.date(2026, 3, 1)
    with pytest.raises(UserError, match="2026-11"):
        parse_month("November")


def test_duplicate_row_is_reported_and_skipped(tmp_path, lib):
    rows = [child(case="1"), child(case="2"), child(case="1", given="Ava Rose")]
    result = read(write_csv(tmp_path / "list.csv", rows), lib)
    assert [a.row for a in result.allocations] == [2, 3]
    [problem] = result.problems
    assert problem.row == 4
    assert "same audit as row 2" in problem.message
    assert len({a.audit_id for a in result.allocations}) == 2


def test_numbers_from_excel_keep_their_digits(tmp_path, lib):
    result = read(write_xlsx(tmp_path / "list.xlsx", [child(case=9900123)]), lib)
    assert result.allocations[0].values["case_number"] == "9900123"


def test_every_header_field_has_a_value_even_without_a_column(tmp_path, lib):
    allocation = read(write_csv(tmp_path / "list.csv", [child()]), lib).allocations[0]
    spec = lib.get("csc_case_file_audit")
    assert set(allocation.values) == {h.id for h in spec.header}
    assert allocation.values["ethnicity"] == ""


# ---- files ---------------------------------------------------------------------


def test_csv_in_windows_encoding_is_read_with_a_note(tmp_path, lib):
    path = write_csv(tmp_path / "list.csv", [child(given="Zoë", auditor="Siobhán Kearney")], encoding="cp1252")
    result = read(path, lib)
    assert result.allocations[0].values["given_names"] == "Zoë"
    assert result.allocations[0].values["auditor"] == "Siobhán Kearney"
    assert "not saved as UTF-8" in result.notes[0]


def test_csv_utf8_with_or_without_bom_and_semicolons(tmp_path, lib):
    for encoding in ("utf-8", "utf-8-sig"):
        path = write_csv(tmp_path / f"{encoding}.csv", [child(given="Zoë")], encoding=encoding)
        result = read(path, lib)
        assert result.notes == []
        assert result.allocations[0].values["given_names"] == "Zoë"
        assert result.allocations[0].form_id == "csc_case_file_audit"
    path = write_csv(tmp_path / "semi.csv", [child()], delimiter=";")
    assert len(read(path, lib).allocations) == 1


def test_xlsx_reads_the_first_sheet_or_a_named_one(tmp_path, lib):
    path = write_xlsx(tmp_path / "list.xlsx", [child(case="1")])
    book = openpyxl.load_workbook(path)
    other = book.create_sheet("December")
    other.append(HEAD)
    other.append([child(case="2").get(h) for h in HEAD])
    book.save(path)
    assert read(path, lib).allocations[0].values["case_number"] == "1"
    assert read(path, lib, sheet="December").allocations[0].values["case_number"] == "2"
    with pytest.raises(UserError, match="no sheet 'Decmber'.*did you mean 'December'"):
        read(path, lib, sheet="Decmber")


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("missing.xlsx", None, "does not exist"),
        ("broken.xlsx", b"this is not a workbook", "could not be read as an Excel workbook"),
        ("old.xls", b"\xd0\xcf\x11\xe0", "save it as 'Excel Workbook (.xlsx)'"),
        ("list.pdf", b"%PDF-1.4", "give a .xlsx or .csv file"),
        ("~$list.xlsx", b"lock", "lock file"),
        ("empty.csv", b"", "is empty"),
    ],
)
def test_unreadable_files_are_clear_errors(tmp_path, lib, name, content, expected):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UserError, match=re.escape(expected)):
        read(path, lib)


def test_damaged_workbook_is_a_clear_error(tmp_path, lib):
    path = write_xlsx(tmp_path / "list.xlsx", [child()])
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/workbook.xml"] = b"<workbook><sheets"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    with pytest.raises(UserError, match="could not be read as an Excel workbook"):
        read(path, lib)


def test_the_sample_lists_read_the_same_and_cleanly(lib):
    xlsx = read(SAMPLES / "allocations_2026-11.xlsx", lib)
    csv_ = read(SAMPLES / "allocations_2026-11.csv", lib)
    assert xlsx.problems == [] and csv_.problems == []
    assert len(xlsx.allocations) >= 55
    assert [(a.form_id, a.values, a.audit_id) for a in xlsx.allocations] == \
        [(a.form_id, a.values, a.audit_id) for a in csv_.allocations]
    # every form but the managers' dip sample's (allocate gives those from the programme, not this list)
    assert {a.form_id for a in xlsx.allocations} == set(lib.ids()) - {"managers_dip_sample"}
    # managers never audit their own team
    assert all(a.values["auditor"] != a.values["team_manager"] for a in xlsx.allocations)


def test_control_characters_are_dropped_and_two_digit_years_are_not_in_the_future(tmp_path, lib):
    path = write_csv(tmp_path / "list.csv", [child(family="Test\x01ley", dob="04/03/15"),
                                               child(case="9900002", dob="4 Mar 75")])
    first, second = read(path, lib).allocations
    assert first.values["family_name"] == "Test ley"
    assert first.values["date_of_birth"] == "2015-03-04"
    assert second.values["date_of_birth"] == "1975-03-04"


def test_a_bare_number_in_a_date_column_is_a_row_problem_not_a_date_in_1905(tmp_path, lib):
    rows = [child(case="1", dob=2015), child(case="2", dob=42036), child(case="3", dob=20150201)]
    result = read(write_xlsx(tmp_path / "list.xlsx", rows), lib)
    assert [a.values["date_of_birth"] for a in result.allocations] == ["2015-02-01"]
    assert [p.row for p in result.problems] == [2, 4]
    assert "Date of birth '2015' in column 'Date of birth' is not a date" in result.problems[0].message
