"""`auditdocs generate`: rows, names, folders, manifest and exit codes, with real files."""
from __future__ import annotations

import csv
import io
import os
import zipfile
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from helpers import SAMPLES, SPECS
from test_allocation import HEAD, child, write_csv, write_xlsx

from auditdocs import generate as gen
from auditdocs.cli import cli
from auditdocs.generate import MANIFEST_COLUMNS, file_name, safe_name
from auditdocs.model import Allocation
from auditdocs.specs import load_library


def run(*args):
    result = CliRunner().invoke(cli, ["--specs", str(SPECS), "generate", "--month", "2026-11", *map(str, args)])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def forms(out: Path) -> list[str]:
    return sorted(str(p.relative_to(out)) for p in out.rglob("*.docx"))


def manifest(out: Path) -> list[dict]:
    with open(out / "manifest.csv", newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def three_rows(tmp_path, **second):
    rows = [child(case="1", auditor="Priya Lakhani"),
            child(case="2", auditor="Gareth Pennington", **second),
            child(case="3", given="Ben", auditor="Priya Lakhani")]
    return write_csv(tmp_path / "list.csv", rows)


# ---- a normal run --------------------------------------------------------------


def test_one_form_per_row_in_a_folder_per_auditor(tmp_path):
    out = tmp_path / "forms"
    result = run("--data", three_rows(tmp_path), "--out", out)
    assert result.exit_code == 0, result.output
    files = forms(out)
    assert len(files) == 3
    assert {Path(f).parent.name for f in files} == {"Priya Lakhani", "Gareth Pennington"}
    first = next(f for f in files if "1 Testley Ava" in f)
    assert first.startswith(os.path.join("Priya Lakhani", "1 Testley Ava - Children's Social Care - AUD-202611-"))
    assert "3 forms generated in" in result.output
    # a real Word document carrying its audit id
    path = out / first
    docx.Document(str(path))
    audit = path.stem.rsplit(" - ", 1)[1]
    with zipfile.ZipFile(path) as z:
        assert audit in z.read("docProps/custom.xml").decode()


def test_manifest_lists_what_was_generated(tmp_path):
    out = tmp_path / "forms"
    run("--data", three_rows(tmp_path, **{"Social worker": ""}), "--out", out)
    rows = manifest(out)
    assert list(rows[0]) == MANIFEST_COLUMNS
    assert [(r["Row in list"], r["Status"]) for r in rows] == [("2", "generated"), ("3", "skipped"), ("4", "generated")]
    made = rows[0]
    assert made["Form"] == "csc_case_file_audit" and made["Version"] == "1"
    assert made["Case number"] == "1" and made["Auditor"] == "Priya Lakhani" and made["Format"] == "docx"
    assert made["Audit id"].startswith("AUD-202611-")
    assert (out / made["File"]).is_file()
    assert "Social worker is missing" in rows[1]["Reason"]


def test_row_missing_a_value_is_skipped_others_generated_exit_1(tmp_path):
    out = tmp_path / "forms"
    result = run("--data", three_rows(tmp_path, **{"Social worker": ""}), "--out", out)
    assert result.exit_code == 1
    assert len(forms(out)) == 2
    assert "Rows skipped:" in result.output
    assert "row 3 (case 2): Social worker is missing (column 'Social worker' is empty)" in result.output
    assert "2 forms generated" in result.output
    assert "Not every row was generated: 1 row skipped" in result.output


def test_unknown_form_and_duplicate_rows_are_skipped(tmp_path):
    rows = [child(case="1"), child(case="2", form="fostr_carer"), child(case="1")]
    result = run("--data", write_csv(tmp_path / "list.csv", rows), "--out", tmp_path / "forms")
    assert result.exit_code == 1
    assert "row 3 (case 2): there is no form 'fostr_carer'" in result.output
    assert "row 4 (case 1): the same audit as row 2" in result.output
    assert len(forms(tmp_path / "forms")) == 1


def test_missing_required_columns_stop_before_anything_is_written(tmp_path):
    head = [h for h in HEAD if h not in ("Social worker", "Team")]
    out = tmp_path / "forms"
    result = run("--data", write_csv(tmp_path / "list.csv", [child()], head), "--out", out)
    assert result.exit_code == 2
    assert "has no column for details these forms need" in result.output
    assert "Social worker (social_worker)" in result.output
    assert not out.exists()


def test_sample_list_generates_every_form(tmp_path):
    out = tmp_path / "forms"
    result = run("--data", SAMPLES / "allocations_2026-11.xlsx", "--out", out)
    assert result.exit_code == 0, result.output
    rows = manifest(out)
    assert {r["Form"] for r in rows} == set(load_library(SPECS).ids())
    assert all(r["Status"] == "generated" for r in rows)
    assert len(forms(out)) == len(rows) >= 55
    assert all(len(Path(f).name) <= 120 for f in forms(out))


# ---- never overwrite ---------------------------------------------------------------


def test_existing_file_is_never_overwritten_without_force(tmp_path):
    out = tmp_path / "forms"
    data = three_rows(tmp_path)
    run("--data", data, "--out", out)
    being_filled = out / forms(out)[0]
    being_filled.write_bytes(b"an auditor's answers")

    again = run("--data", data, "--out", out)  # a re-run is normal: a note, exit 0
    assert again.exit_code == 0, again.output
    assert "Note: 3 forms were already there from an earlier run and left alone" in again.output
    assert "0 forms generated in" in again.output and "; 3 already there." in again.output
    assert "Not every row" not in again.output and "Error" not in again.output
    assert being_filled.read_bytes() == b"an auditor's answers"
    assert [r["Status"] for r in manifest(out)] == ["generated"] * 3  # still says when they were made

    forced = run("--data", data, "--out", out, "--force")
    assert forced.exit_code == 0
    assert being_filled.read_bytes() != b"an auditor's answers"
    assert all("replaced" in r["Reason"] for r in manifest(out))


def test_same_audit_with_changed_details_is_not_made_twice(tmp_path):
    out = tmp_path / "forms"
    run("--data", three_rows(tmp_path), "--out", out)
    before = forms(out)
    result = run("--data", three_rows(tmp_path, **{"Given names": "Maya"}), "--out", out)
    assert result.exit_code == 1
    assert forms(out) == before
    assert "a form for this audit is already there as" in result.output

    forced = run("--data", three_rows(tmp_path, **{"Given names": "Maya"}), "--out", out, "--force")
    assert forced.exit_code == 0
    assert len(forms(out)) == 4
    assert "is still there: delete it if it is no longer needed" in manifest(out)[1]["Reason"]


def test_dry_run_writes_nothing(tmp_path):
    out = tmp_path / "forms"
    result = run("--data", three_rows(tmp_path), "--out", out, "--dry-run")
    assert result.exit_code == 0
    assert not out.exists()
    assert "Would write:" in result.output
    assert "1 Testley Ava - Children's Social Care - AUD-202611-" in result.output
    assert "Dry run: nothing was written. 3 forms would be made" in result.output


def test_rerun_keeps_earlier_forms_in_the_manifest_and_drops_fixed_skips(tmp_path):
    out = tmp_path / "forms"
    run("--data", three_rows(tmp_path, **{"Social worker": ""}), "--out", out)
    first = {r["Audit id"]: r for r in manifest(out) if r["Audit id"]}
    result = run("--data", three_rows(tmp_path), "--out", out)  # row 3 fixed
    rows = manifest(out)
    assert [r["Status"] for r in rows] == ["generated"] * 3
    assert all(first[r["Audit id"]] == r for r in rows if r["Audit id"] in first)  # unchanged lines
    assert "1 form generated" in result.output

    other = write_csv(tmp_path / "late.csv", [child(case="9", auditor="Adaeze Okafor")])
    run("--data", other, "--out", out)
    assert len(manifest(out)) == 4  # a later list adds to the month's manifest


# ---- exit codes and messages ---------------------------------------------------------


def test_usage_errors_exit_2(tmp_path):
    data = three_rows(tmp_path)
    assert run("--out", tmp_path / "forms").exit_code == 2  # no --data
    result = run("--data", data, "--month", "Nov")
    assert result.exit_code == 2
    assert "2026-11" in result.output
    assert run("--data", data, "--format", "pdf").exit_code == 2


@pytest.mark.parametrize("name, content, expected", [
    ("nothere.xlsx", None, "does not exist"),
    ("broken.xlsx", b"PK\x03\x04 not really", "could not be read as an Excel workbook"),
])
def test_unreadable_list_is_a_message_not_a_traceback(tmp_path, name, content, expected):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = run("--data", path, "--out", tmp_path / "forms")
    assert result.exit_code == 2
    assert expected in result.output
    assert str(path) in result.output or path.name in result.output


def test_output_folder_that_is_a_file_or_cannot_be_written(tmp_path):
    data = three_rows(tmp_path)
    blocker = tmp_path / "forms.txt"
    blocker.write_text("x")
    result = run("--data", data, "--out", blocker / "sub")
    assert result.exit_code == 2
    assert "cannot write in the folder" in result.output

    locked_manifest = tmp_path / "out2" / "manifest.csv"
    locked_manifest.mkdir(parents=True)  # cannot be opened for writing, like a file open in Excel
    result = run("--data", data, "--out", tmp_path / "out2")
    assert result.exit_code == 2
    assert "cannot update" in result.output and "No form was made" in result.output


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs file permissions that apply")
def test_permission_denied_on_output_folder(tmp_path):
    out = tmp_path / "forms"
    out.mkdir()
    out.chmod(0o500)
    try:
        result = run("--data", three_rows(tmp_path), "--out", out)
    finally:
        out.chmod(0o700)
    assert result.exit_code == 2
    assert "permission denied" in result.output


def test_one_form_that_cannot_be_made_does_not_stop_the_batch(tmp_path, monkeypatch):
    class StandIn:
        """A minimal real .docx; fails for case 2."""

        def __init__(self, spec):
            self.spec = spec

        def render(self, values, audit_id):
            if values["case_number"] == "2":
                raise ValueError("broken template")
            document = docx.Document()
            document.add_paragraph(f"{self.spec.title} {audit_id}")
            buffer = io.BytesIO()
            document.save(buffer)
            return buffer.getvalue()

    monkeypatch.setattr(gen, "_maker_factory", lambda ext, template: StandIn)
    out = tmp_path / "forms"
    result = run("--data", three_rows(tmp_path), "--out", out)
    assert result.exit_code == 1
    assert "Forms that could not be made:" in result.output
    assert "ValueError: broken template" in result.output
    assert len(forms(out)) == 2
    assert [r["Status"] for r in manifest(out)] == ["generated", "failed", "generated"]
    assert not list(out.rglob("*.tmp"))


def test_xlsx_forms_when_available(tmp_path):
    pytest.importorskip("auditdocs.forms.xlsx.writer")
    out = tmp_path / "forms"
    result = run("--data", three_rows(tmp_path), "--out", out, "--format", "both")
    assert result.exit_code == 0, result.output
    assert len(list(out.rglob("*.xlsx"))) == 3 and len(forms(out)) == 3
    assert sorted(r["Format"] for r in manifest(out)) == ["docx"] * 3 + ["xlsx"] * 3


def test_xlsx_list_with_excel_dates(tmp_path):
    import datetime as dt

    rows = [child(case="1", dob=dt.datetime(2015, 2, 1), due=dt.datetime(2026, 11, 30))]
    result = run("--data", write_xlsx(tmp_path / "list.xlsx", rows), "--out", tmp_path / "forms")
    assert result.exit_code == 0, result.output


# ---- names that work on Windows ---------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("CON", "_CON"),
    ("con.docx", "_con.docx"),
    ("Nul ", "_Nul"),
    ("LPT9.txt", "_LPT9.txt"),
    ("COM1", "_COM1"),
    ("Console", "Console"),
    ('A<b>c:d"e/f\\g|h?i*j', "A(b)c -d'e-f-g-hij"),
    ("tab\there\nnew\x00line\u202e", "tab here new line"),
    ("Trailing dots... ", "Trailing dots"),
    ("   ", "_"),
    ("Siobhán Kearney", "Siobhán Kearney"),
])
def test_safe_name(text, expected):
    assert safe_name(text) == expected


def test_safe_name_length():
    assert len(safe_name("word " * 100)) <= 120
    assert len(safe_name("x" * 300, 60)) <= 60


def test_file_names_are_readable_short_and_keep_the_audit_id():
    spec = load_library(SPECS).get("csc_case_file_audit")
    values = {"case_number": "9900001", "family_name": "Featherstonehaugh-Cholmondeley " * 4,
              "given_names": "Anastasia Maximiliana Persephone", "auditor": "A"}
    allocation = Allocation(spec.id, values, 2, "AUD-202611-ABCDEFGH")
    name = file_name(spec, allocation, "docx")
    assert len(name) <= 120
    assert name.startswith("9900001 Featherstonehaugh-Cholmondeley")
    assert name.endswith(" - Children's Social Care - AUD-202611-ABCDEFGH.docx")
    assert safe_name(name) == name

    spec = load_library(SPECS).get("front_door_recording")
    name = file_name(spec, Allocation(spec.id, {"case_number": "CON", "family_name": "A/B", "given_names": ""}, 2,
                                      "AUD-202611-ABCDEFGH"), "docx")
    assert ":" not in name and "/" not in name
    assert name.startswith("CON A-B - Front Door - ")


def test_permission_denied_is_a_message_whoever_runs_the_tests(tmp_path, monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(gen.tempfile, "mkstemp", denied)
    out = tmp_path / "forms"
    result = run("--data", three_rows(tmp_path), "--out", out)
    assert result.exit_code == 2
    assert f"cannot write in the folder {out} (permission denied" in result.output
    assert "--out" in result.output


def test_a_form_whose_maker_cannot_be_built_fails_alone(tmp_path, monkeypatch):
    real = gen._maker_factory("docx", None)

    def factory(spec):
        if spec.id == "eh_case_file_audit":
            raise RuntimeError("spec not supported")
        return real(spec)

    monkeypatch.setattr(gen, "_maker_factory", lambda ext, template: factory)
    rows = [child(case="1"), child(case="2", form="eh_case_file_audit"), child(case="3", form="eh_case_file_audit")]
    out = tmp_path / "forms"
    result = run("--data", write_csv(tmp_path / "list.csv", rows), "--out", out)
    assert result.exit_code == 1
    assert "2 forms could not be made" in result.output
    assert [r["Status"] for r in manifest(out)] == ["generated", "failed", "failed"]


def test_template_that_does_not_exist_is_a_usage_error(tmp_path):
    result = run("--data", three_rows(tmp_path), "--out", tmp_path / "forms", "--template", tmp_path / "council.docx")
    assert result.exit_code == 2
    assert "council.docx" in result.output


# ---- the Form column by the names people use; notes; titles (issue 10, point 2) ----------------


def test_forms_named_as_people_name_them(tmp_path):
    names = ["Early Help", "Children's Social Care", "Foster Carer", "EH", "csc", "early-help",
             "CASE FILE AUDIT TOOL — FOSTER CARER", "Front Door - Referrals and Assessment",
             "Front Door - Recording, chronologies", "A&M", "Supported lodgings"]
    rows = [child(case=str(n), form=name, **{"Supported Lodgings provider(s)": "Jo and Sam Madeup"})
            for n, name in enumerate(names, start=1)]
    out = tmp_path / "forms"
    result = run("--data", write_csv(tmp_path / "list.csv", rows, HEAD + ["Supported Lodgings provider(s)"]), "--out", out)
    assert result.exit_code == 0, result.output
    assert [r["Form"] for r in manifest(out)] == [
        "eh_case_file_audit", "csc_case_file_audit", "foster_carer_case_file_audit", "eh_case_file_audit",
        "csc_case_file_audit", "eh_case_file_audit", "foster_carer_case_file_audit", "front_door_referrals",
        "front_door_recording", "audit_moderation_ascincp", "supported_lodgings_case_file_audit"]


def test_an_unknown_or_ambiguous_form_name_says_what_to_write(tmp_path):
    rows = [child(case="1", form="Foster Carers"), child(case="2", form="Front Door"), child(case="3")]
    result = run("--data", write_csv(tmp_path / "list.csv", rows), "--out", tmp_path / "forms")
    assert result.exit_code == 1
    assert "row 2 (case 1): there is no form 'Foster Carers' (did you mean 'Foster Carer', " \
           "foster_carer_case_file_audit?)" in result.output
    assert "row 3 (case 2): 'Front Door' could be any of these forms:" in result.output
    assert "(front_door_recording)" in result.output and "(front_door_referrals)" in result.output
    assert "1 form generated" in result.output


def test_note_lines_are_skipped_as_notes_not_errors(tmp_path):
    rows = [child(case="1"), child(case="2"), ["Notes: allocated by the QA team on 1 November"],
            ["", "", "Cases 3 and 4 to follow next week once the sample is confirmed"]]
    result = run("--data", write_csv(tmp_path / "list.csv", rows), "--out", tmp_path / "forms")
    assert result.exit_code == 0, result.output
    assert "Note: row 4 is a note, not a case ('Notes: allocated by the QA team on 1 November'): skipped." \
        in result.output
    assert "Note: row 5 is a note, not a case ('Cases 3 and 4 to follow" in result.output
    assert "there is no form" not in result.output and "2 forms generated" in result.output


def test_a_title_above_the_headings_is_found(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Case file audit allocations: November 2026"])
    ws.append(["Prepared by the QA team"])
    ws.append([])
    ws.append(HEAD)
    ws.append([child()[h] for h in HEAD])
    book.save(tmp_path / "list.xlsx")
    result = run("--data", tmp_path / "list.xlsx", "--out", tmp_path / "forms")
    assert result.exit_code == 0, result.output
    assert "the column headings of list.xlsx are in row 4; the rows above them were read as a title" in result.output
    assert [r["Row in list"] for r in manifest(tmp_path / "forms")] == ["5"]


def test_headings_that_cannot_be_found_are_listed_with_where_they_must_be(tmp_path):
    rows = [["Child", "Worker", "Who audits"], ["Ava Testley", "Sam Worker", "Priya Lakhani"]]
    path = write_csv(tmp_path / "list.csv", rows[1:], rows[0])
    result = run("--data", path, "--out", tmp_path / "forms")
    assert result.exit_code == 2
    assert "(the headings were read from row 1: 'Child', 'Worker', 'Who audits')" in result.output
    assert "The headings must be in one row above the cases; a title above them is fine." in result.output
    assert "Traceback" not in result.output


# ---- normal situations are not errors (issue 10, point 3) ----------------------------------------


def test_same_case_with_different_auditors_or_names_is_a_warning_naming_both_rows(tmp_path):
    rows = [child(case="1", auditor="Priya Lakhani"), child(case="1", auditor="Gareth Pennington"),
            child(case="2", given="Ava"), child(case="2", given="Maya", **{"Audit type": "Dip sample"})]
    head = HEAD + ["Audit type"]
    out = tmp_path / "forms"
    result = run("--data", write_csv(tmp_path / "list.csv", rows, head), "--out", out)
    assert result.exit_code == 0, result.output  # every form is made; a person checks the warnings
    assert len(forms(out)) == 4
    assert ("Warning: rows 2 and 3 give case 1 the same form (csc_case_file_audit) with different auditors "
            "(Priya Lakhani, Gareth Pennington)") in result.output
    assert ("Warning: rows 4 and 5 have the same case number 2 but different names: 'Ava Testley' (row 4), "
            "'Maya Testley' (row 5)") in result.output


def test_the_same_audit_with_another_name_is_skipped_naming_both_rows(tmp_path):
    rows = [child(case="7", given="Ava"), child(case="7", given="Maya")]
    result = run("--data", write_csv(tmp_path / "list.csv", rows), "--out", tmp_path / "forms")
    assert result.exit_code == 1
    assert ("row 3 (case 7): the same audit as row 2 (same form, case number, auditor, audit type and due date), "
            "but with another name ('Maya Testley'; row 2 has 'Ava Testley'): check which is right") in result.output


# ---- a council's template (issue 10, point 7) ---------------------------------------------------


def test_a_mistyped_placeholder_in_a_council_template_is_warned_about(tmp_path):
    template = docx.Document()
    template.add_paragraph("Audit {{ audit_id }} for {{ given_names }} {{ family_name }}; worker {{ social_wrker }}")
    template.add_paragraph("Team: {{ tema }}")
    template.save(tmp_path / "council.docx")
    result = run("--data", three_rows(tmp_path), "--out", tmp_path / "forms", "--template", tmp_path / "council.docx",
                 "--spec", "csc_case_file_audit")
    assert result.exit_code == 0, result.output  # the forms are made; the warning says what to fix
    assert ("Warning: council.docx: the placeholder {{ social_wrker }} is not a detail of 'csc_case_file_audit', "
            "so it would be left empty (did you mean 'social_worker'?)") in result.output
    assert "the placeholder {{ tema }} is not a detail" in result.output and "(did you mean 'team'?)" in result.output
    assert "{{ family_name }} is not" not in result.output and "{{ audit_id }} is not" not in result.output
    assert len(forms(tmp_path / "forms")) == 3
# ---- the manifest is never lost --------------------------------------------------------


def test_a_manifest_that_cannot_be_read_stops_the_run_and_is_never_replaced(tmp_path):
    out = tmp_path / "forms"
    run("--data", three_rows(tmp_path), "--out", out)
    text = (out / "manifest.csv").read_text(encoding="utf-8-sig")
    made = forms(out)
    late = write_csv(tmp_path / "late.csv", [child(case="9", auditor="Adaeze Okafor")])
    for why, damaged in [("not a UTF-8 text file", text.encode("utf-16")),
                         ("has lost the heading Audit id", text.replace("Audit id", "ID", 1).encode("utf-8-sig"))]:
        (out / "manifest.csv").write_bytes(damaged)
        result = run("--data", late, "--out", out)
        assert result.exit_code == 2, result.output
        assert str(out / "manifest.csv") in result.output and why in result.output
        assert "no form was made" in result.output
        assert (out / "manifest.csv").read_bytes() == damaged and forms(out) == made


def test_the_manifest_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    out = tmp_path / "forms"
    run("--data", three_rows(tmp_path), "--out", out)
    before = (out / "manifest.csv").read_bytes()
    real = csv.DictWriter.writerows

    def disk_full_halfway(self, rows):
        real(self, list(rows)[:1])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(csv.DictWriter, "writerows", disk_full_halfway)
    result = run("--data", write_csv(tmp_path / "late.csv", [child(case="9", auditor="Adaeze Okafor")]), "--out", out)
    assert result.exit_code == 2 and "could not be written (there is no space left on the drive: free some space" \
        in result.output
    assert (out / "manifest.csv").read_bytes() == before  # the earlier runs' lines are all still there
