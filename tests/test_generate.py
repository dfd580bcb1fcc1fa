"""`auditdocs generate`: rows, names, folders, manifest and exit codes, with real files."""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import zipfile
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from helpers import REALWORLD, SAMPLES, SPECS, as_strict, rewrite_parts
from test_allocation import HEAD, child, write_csv, write_xlsx
from test_docx_read import council_template

from auditdocs.cli import cli
from auditdocs.domain.model import Allocation
from auditdocs.forms.docx.reader import read_docx
from auditdocs.generate import run as gen
from auditdocs.generate.run import MANIFEST_COLUMNS, file_name
from auditdocs.naming import safe_name
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
    # every form but the managers' dip sample's (allocate gives those from the programme, not this list)
    assert {r["Form"] for r in rows} == set(load_library(SPECS).ids()) - {"managers_dip_sample"}
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


# ---- council templates that would make forms nobody filled in (issue 20, point 4) ---------------------


W_MAIN = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def csc():
    return load_library(SPECS).latest("csc_case_file_audit")


def edit_template(path: Path, change) -> Path:
    """Change a template's word/document.xml with `change(body)`, as its author would in Word."""
    from lxml import etree

    def edit(name, content):
        if name != "word/document.xml":
            return content
        root = etree.fromstring(content)
        change(root.find(W_MAIN + "body"))
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    path.write_bytes(rewrite_parts(path.read_bytes(), edit))
    return path


def tagged(body, tag):
    return next(s for s in body.iter(W_MAIN + "sdt") if s.find(f"{W_MAIN}sdtPr/{W_MAIN}tag").get(W_MAIN + "val") == tag)


def show(sdt, text, placeholder=False):
    """The control shows `text` (as its placeholder when `placeholder`)."""
    from auditdocs.forms.docx.oxml import el, para, run

    props, content = sdt.find(W_MAIN + "sdtPr"), sdt.find(W_MAIN + "sdtContent")
    if placeholder and props.find(W_MAIN + "showingPlcHdr") is None:
        props.find(W_MAIN + "id").addnext(el("w:showingPlcHdr"))
    for old in list(content):
        content.remove(old)
    content.append(para(run(text, style="PlaceholderText" if placeholder else None)))


def made(out: Path) -> list[Path]:
    return sorted(out.rglob("*.docx"))


def test_a_council_template_whose_boxes_already_hold_answers_is_refused_naming_each(tmp_path):
    spec = csc()
    choice = next(f for f in spec.fields if f.scale)
    text = next(f for f in spec.fields if f.type == "text" and not f.scale)
    template = council_template(spec, tmp_path / "council.docx")

    def prefill(body):
        show(tagged(body, choice.id), choice.scale.options[0].label)
        show(tagged(body, text.id), "Seen at home with her mother")
        show(tagged(body, "actions.action"), "Update the chronology")

    edit_template(template, prefill)
    out = tmp_path / "forms"
    for dry in ([], ["--dry-run"]):
        result = run("--data", three_rows(tmp_path), "--out", out, "--template", template, "--spec", spec.id, *dry)
        assert result.exit_code == 2, result.output
        assert "3 answer boxes in council.docx already hold an answer" in result.output
        assert f"{choice.id} ({choice.label}): '{choice.scale.options[0].label}'" in result.output
        assert f"{text.id} ({text.label}): 'Seen at home with her mother'" in result.output
        assert "actions.action (" in result.output and "'Update the chronology'" in result.output
        assert "No form was made" in result.output and "--allow-prefilled" in result.output
        assert not out.exists()
    allowed = run("--data", three_rows(tmp_path), "--out", out, "--template", template, "--spec", spec.id,
                  "--allow-prefilled")
    assert allowed.exit_code == 0, allowed.output
    assert "Warning: 3 answer boxes in council.docx already hold an answer" in allowed.output
    assert len(made(out)) == 3
    record = read_docx(made(out)[0], load_library(SPECS))
    assert record.answers[text.id] == "Seen at home with her mother"  # allowed: read as the template gives it


def test_words_own_placeholders_in_a_council_template_are_never_answers(tmp_path):
    spec = csc()
    texts = [f for f in spec.fields if f.type == "text" and not f.scale][:5]
    choice = next(f for f in spec.fields if f.scale)
    date = next(f for f in spec.fields if f.type == "date")
    template = council_template(spec, tmp_path / "council.docx")
    shown = {texts[0].id: "Choose a building block.", texts[1].id: "Click or tap here to enter text.",
             texts[2].id: "[Describe what the child said]", texts[3].id: "Insert a cover page from the gallery",
             texts[4].id: "Click here to enter a date.", choice.id: "Choose an item.",
             date.id: "Click or tap to enter a date."}

    def placeholders(body):
        from auditdocs.forms.docx.oxml import el

        for tag, text in shown.items():
            show(tagged(body, tag), text, placeholder=True)
        gallery = tagged(body, texts[3].id).find(W_MAIN + "sdtPr")  # a building-block gallery
        gallery.append(el("w:docPartObj", el("w:docPartGallery", val="Cover Pages"), el("w:docPartUnique")))

    edit_template(template, placeholders)
    out = tmp_path / "forms"
    result = run("--data", three_rows(tmp_path), "--out", out, "--template", template, "--spec", spec.id)
    assert result.exit_code == 0, result.output  # placeholders are not answers: nothing to refuse
    assert "already hold" not in result.output
    record = read_docx(made(out)[0], load_library(SPECS))
    assert not set(shown) & set(record.answers), record.answers
    assert record.status == "incomplete"


def remove_when_edited(body, tag):
    """The template's author ticks "Remove content control when contents are edited"."""
    from auditdocs.forms.docx.oxml import el

    tagged(body, tag).find(W_MAIN + "sdtPr").find(W_MAIN + "id").addnext(el("w:temporary"))


def in_a_table(body, rows):
    """Move the controls of `rows` ((label, tag), …) into a two-column table: label | control."""
    from auditdocs.forms.docx import oxml

    cells = []
    for label, tag in rows:
        sdt = tagged(body, tag)
        sdt.getparent().remove(sdt)
        cells.append(oxml.row(oxml.cell(3000, oxml.text_para(label)), oxml.cell(6000, sdt)))
    body[0].addnext(oxml.table([3000, 6000], cells, style="TableGrid"))


def type_like_word(body, tag, text):
    """What Word does when the auditor types in a control set to remove itself: the control goes,
    its paragraph stays, holding what was typed."""
    from auditdocs.forms.docx.oxml import run

    sdt = tagged(body, tag)
    paragraph = sdt.find(f"{W_MAIN}sdtContent/{W_MAIN}p")
    for r in paragraph.findall(W_MAIN + "r"):
        paragraph.remove(r)
    paragraph.append(run(text))
    sdt.addnext(paragraph)
    sdt.getparent().remove(sdt)


def test_controls_that_remove_themselves_are_warned_about_and_read_from_their_cells(tmp_path):
    spec = csc()
    text = next(f for f in spec.fields if f.type == "text" and not f.scale)
    date = next(f for f in spec.fields if f.type == "date")
    loose = [f for f in spec.fields if f.type == "text" and not f.scale][1]
    template = council_template(spec, tmp_path / "council.docx")

    def removable(body):
        in_a_table(body, [(text.label, text.id), (date.label, date.id)])
        for tag in (text.id, date.id, loose.id):
            remove_when_edited(body, tag)
        fmt = tagged(body, date.id).find(f"{W_MAIN}sdtPr/{W_MAIN}date/{W_MAIN}dateFormat")
        fmt.set(W_MAIN + "val", "M/d/yyyy")

    edit_template(template, removable)
    out = tmp_path / "forms"
    result = run("--data", three_rows(tmp_path), "--out", out, "--template", template, "--spec", spec.id)
    assert result.exit_code == 0, result.output
    assert ("Warning: council.docx: 2 answer box(es) are set to 'Remove content control when contents are edited'"
            in result.output)
    assert f"{text.id}, {date.id}. Their answers are read from the table cell each box stands in" in result.output
    assert f"so what is typed there cannot be read back: {loose.id}." in result.output
    form = made(out)[0]

    def auditor_types(body):
        type_like_word(body, text.id, "Seen alone at school")
        type_like_word(body, date.id, "11/5/2026")  # month-first, as the control shows it

    edit_template(form, auditor_types)
    record = read_docx(form, load_library(SPECS))
    assert record.answers[text.id] == "Seen alone at school"
    assert record.answers[date.id] == dt.date(2026, 11, 5)


def as_dotx(path: Path, target: Path, template: bool = True) -> Path:
    """The template kept as Word keeps templates (.dotx) (when `template`), with its thumbnail and styles
    stored under names that differ in case from the names its package gives them (Word does not mind)."""
    def change(name, content):
        if name == "[Content_Types].xml" and template:
            return content.replace(b"wordprocessingml.document.main+xml", b"wordprocessingml.template.main+xml")
        return content

    source = zipfile.ZipFile(io.BytesIO(rewrite_parts(path.read_bytes(), change)))
    assert "docProps/thumbnail.jpeg" in source.namelist()  # python-docx gives every document one
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as z:
        for info in source.infolist():
            name = {"docProps/thumbnail.jpeg": "docProps/Thumbnail.jpeg", "word/styles.xml": "word/Styles.xml"}
            z.writestr(name.get(info.filename, info.filename), source.read(info))
    target.write_bytes(data.getvalue())
    return target


@pytest.mark.parametrize("kept_as", ["council.dotx", "thumbnail in another case.docx", "strict.dotx"])
def test_a_council_template_kept_as_dotx_with_parts_named_in_another_case_makes_forms(tmp_path, kept_as):
    spec = csc()
    template = as_dotx(council_template(spec, tmp_path / "council.docx"), tmp_path / kept_as,
                       template=kept_as.endswith(".dotx"))
    if kept_as.startswith("strict"):  # saved as Word's "Strict Open XML Document"
        template.write_bytes(as_strict(template.read_bytes()))
    out = tmp_path / "forms"
    dry = run("--data", three_rows(tmp_path), "--out", out, "--template", template, "--spec", spec.id, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "3 forms would be made" in dry.output and not out.exists()
    result = run("--data", three_rows(tmp_path), "--out", out, "--template", template, "--spec", spec.id)
    assert result.exit_code == 0, result.output
    assert len(made(out)) == 3
    with zipfile.ZipFile(made(out)[0]) as z:
        types = z.read("[Content_Types].xml")
        assert b"wordprocessingml.document.main+xml" in types and b"template.main" not in types
    docx.Document(str(made(out)[0]))  # opens as a Word document
    record = read_docx(made(out)[0], load_library(SPECS))
    assert record.audit_id.startswith("AUD-") and record.status == "incomplete"


def test_a_dry_run_meets_what_the_real_run_would(tmp_path):
    spec = csc()
    template = council_template(spec, tmp_path / "council.docx")

    def broken_placeholder(body):
        from auditdocs.forms.docx.oxml import text_para

        body[0].addnext(text_para("Reviewed by {{ auditor | no_such_filter }}"))

    edit_template(template, broken_placeholder)
    out = tmp_path / "forms"
    dry = run("--data", three_rows(tmp_path), "--out", out, "--template", template, "--spec", spec.id, "--dry-run")
    real = run("--data", three_rows(tmp_path), "--out", out, "--template", template, "--spec", spec.id)
    for result in (dry, real):
        assert result.exit_code == 1, result.output
        assert "Forms that could not be made:" in result.output
        assert "a placeholder in the template cannot be filled" in result.output
    assert "would be made" in dry.output and "0 forms would be made" in dry.output


def test_a_council_template_with_macros_is_refused_with_what_to_do(tmp_path):
    spec = csc()
    template = as_dotx(council_template(spec, tmp_path / "council.docx"), tmp_path / "council.dotm")
    template.write_bytes(rewrite_parts(template.read_bytes(), lambda name, content: content.replace(
        b"wordprocessingml.template.main+xml", b"ms-word.template.macroEnabledTemplate.main+xml")))
    result = run("--data", three_rows(tmp_path), "--out", tmp_path / "forms", "--template", template,
                 "--spec", spec.id, "--dry-run")
    assert result.exit_code == 2, result.output
    assert "this template holds macros (.dotm)" in result.output and "Word Template (.dotx)" in result.output


def test_a_template_word_itself_made_as_dotx_gives_word_documents(tmp_path):
    """A real Word 2007 template (.dotx, with dropdowns, month-first date controls and controls that remove
    themselves): forms are made from it, as Word documents every program opens."""
    template = REALWORLD / "word" / "oxsdk__ProjectChangeManagementPlan_TP10187013.dotx"
    out = tmp_path / "forms"
    result = run("--data", three_rows(tmp_path), "--out", out, "--template", template, "--spec", "csc_case_file_audit")
    assert result.exit_code == 0, result.output
    assert "have no content control tagged for them" in result.output  # it is not an audit form: said so
    assert len(made(out)) == 3
    for path in made(out):
        with zipfile.ZipFile(path) as z:
            assert b"wordprocessingml.document.main+xml" in z.read("[Content_Types].xml")
        assert docx.Document(str(path)).paragraphs
        assert read_docx(path, load_library(SPECS)).audit_id in path.name


def test_answers_in_a_template_whose_tags_were_lost_are_found_too(tmp_path):
    """A template whose controls lost their tags is read by their order and kind: what they already hold
    would be read as answers too, so it is refused the same way."""
    from auditdocs.forms.docx import oxml

    spec = load_library(SPECS).latest("front_door_referrals")
    template = docx.Document()
    template.add_paragraph("Front door audit for {{ case_number }}")
    body = template.element.body
    for n, f in enumerate(spec.fields, start=1):
        kind = oxml.dropdown_kind([(o.label, o.value) for o in f.scale.options]) if f.scale else (
            oxml.date_kind() if f.type == "date" else None)
        body[-1].addprevious(oxml.block_sdt(oxml.sdt_props(tag=f.id, alias=f.label, sdt_id=n, lock=None, kind=kind,
                                                           showing_placeholder=False), oxml.para(oxml.run(""))))
    choice = next(f for f in spec.fields if f.scale)
    template.save(tmp_path / "council.docx")

    def untagged_with_an_answer(root):
        show(tagged(root, choice.id), choice.scale.options[-1].label)
        for tag in list(root.iter(W_MAIN + "tag")):
            tag.getparent().remove(tag)

    edit_template(tmp_path / "council.docx", untagged_with_an_answer)
    rows = write_csv(tmp_path / "list.csv", [child(case="1", form="front_door_referrals")])
    result = run("--data", rows, "--out", tmp_path / "forms", "--template", tmp_path / "council.docx")
    assert result.exit_code == 2, result.output
    assert f"{choice.id} ({choice.label}): '{choice.scale.options[-1].label}'" in result.output
