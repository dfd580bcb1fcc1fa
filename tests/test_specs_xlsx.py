"""Forms written in a spreadsheet (`auditdocs specs to-xlsx | from-xlsx`): every built-in form makes the same
form after a trip through a workbook (and through LibreOffice), a thematic form written from scratch in a
workbook goes through generate, fill and parse, and every problem of a workbook is named where it is."""
from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from helpers import (
    SPECS,
    SSCONVERT,
    full_answers,
    libreoffice_convert,
    needs_gnumeric,
    needs_soffice,
)
from test_allocation import child, write_csv

from auditdocs.cli import cli
from auditdocs.forms.docx.fill import fill_docx
from auditdocs.forms.docx.writer import WordForm
from auditdocs.forms.read import read_form
from auditdocs.specs import load_library
from auditdocs.specs.loader import load_shared_scales
from auditdocs.specs.run import spec_yaml
from auditdocs.specs.workbook import (
    COLUMNS,
    QUESTION_COLUMNS,
    QUESTIONS,
    SCALES,
    SETTING_ROWS,
    SETTINGS,
    WorkbookProblems,
    sheets_of,
    spec_of_sheets,
)
from auditdocs.specs.xlsxbook import read_sheets, workbook_bytes

SHARED = load_shared_scales(SPECS, [])


def cli_run(*args, specs=SPECS):
    result = CliRunner().invoke(cli, ([] if specs is None else ["--specs", str(specs)]) + [*map(str, args)])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def to_xlsx(spec, path):
    path.write_bytes(workbook_bytes(sheets_of(spec, SHARED), spec))
    return path


def read_back(path):
    return spec_of_sheets(read_sheets(path), str(path), SHARED)[1]


def same(spec):
    return dataclasses.replace(spec, path="")


def form_text(spec) -> list[str]:
    """What a Word form of the spec shows, paragraph by paragraph and cell by cell."""
    document = docx.Document(io.BytesIO(WordForm(spec).render({"case_number": "TEST1", "auditor": "Jo Tester"},
                                                               "AUD-202611-TEST")))
    out = [p.text for p in document.paragraphs]
    for table in document.tables:
        out += [cell.text for row in table.rows for cell in row.cells]
    return out


def problems_of(path) -> list[str]:
    with pytest.raises(WorkbookProblems) as caught:
        read_back(path)
    return [str(p) for p in caught.value.problems]


# ---- the round trip ---------------------------------------------------------------------------------------


def test_every_built_in_form_comes_back_the_same_from_its_workbook(library, tmp_path):
    assert len(library.current()) == 9  # the eight and the managers' dip sample: all come back the same
    (tmp_path / "specs").mkdir()
    shutil.copy(SPECS / "scales.yaml", tmp_path / "specs")
    for spec in library.current():
        path = to_xlsx(spec, tmp_path / f"{spec.id}.xlsx")
        data, back = spec_of_sheets(read_sheets(path), str(path), SHARED)
        assert same(back) == same(spec), spec.id
        assert form_text(back) == form_text(spec), spec.id
        (tmp_path / "specs" / f"{spec.id}.yaml").write_text(spec_yaml(data, path.name), encoding="utf-8")
    written = load_library(tmp_path / "specs")  # the spec files written say the same
    assert [same(s) for s in written.current()] == [same(s) for s in library.current()]


def test_the_workbook_is_made_for_people(library, tmp_path):
    csc = library.latest("csc_case_file_audit")
    book = openpyxl.load_workbook(to_xlsx(csc, tmp_path / "csc.xlsx"))
    assert book.sheetnames[:4] == ["How to fill this in", SETTINGS, QUESTIONS, SCALES]
    questions = book[QUESTIONS]
    heads = [c.value for c in questions[1]]
    for heading in ("Type", "Reference", "ID", "Text", "Answer scale", "Evidence required when the answer is",
                    "Guidance", "Required"):
        assert heading in heads
    assert all(c.font.b for c in questions[1] if c.value) and questions.freeze_panes == "B2"
    assert questions.column_dimensions["D"].width >= 50
    first = [c.value for c in questions[3]]
    assert first[:5] == ["question", "1.1", "kss1_seen_alone", csc.questions[0].text, "answer"]
    lists = {str(dv.sqref).split(":")[0][0]: dv.formula1 for dv in questions.data_validations.dataValidation}
    assert lists[chr(ord("A") + heads.index("Answer scale"))].startswith('"answer,kss,overall_grade')
    scales = [[c.value for c in row] for row in book[SCALES].iter_rows()]
    assert ["kss", "Knowledge and Skills Statement met?", "Yes", "met", "Met", "#2E7D32"] in scales
    settings = {row[0].value: row[1].value for row in book[SETTINGS].iter_rows()}
    assert settings["Subject"] == "Child" and settings["Overall grade"] == "overall_grade"
    assert settings["Evidence required on every question when the answer is"] == "No, Partially"


@needs_soffice
def test_a_workbook_saved_by_libreoffice_reads_back_the_same(library, tmp_path, lo_profile):
    books = [to_xlsx(spec, tmp_path / f"{spec.id}.xlsx") for spec in library.current()]
    csc = openpyxl.load_workbook(books[1])  # a QA officer rewords a question (ids and references stay)
    row = next(r for r in csc[QUESTIONS].iter_rows() if r[2].value == "kss2_voice")
    row[3].value = "Is the child's voice heard throughout the file?"
    csc.save(books[1])
    saved = libreoffice_convert(books, tmp_path / "saved", "xlsx:Calc MS Excel 2007 XML", lo_profile)
    for spec, path in zip(library.current(), saved):
        back = read_back(path)
        if spec.id == "csc_case_file_audit":
            assert back.field("kss2_voice") == spec.field("kss2_voice")
            assert [q.text for q in back.questions if q.id == "kss2_voice"] == [
                "Is the child's voice heard throughout the file?"]
            continue
        assert same(back) == same(spec), spec.id


@needs_gnumeric
def test_a_workbook_saved_by_gnumeric_reads_back_the_same(library, tmp_path):
    for form_id in ("audit_moderation_ascincp", "prospective_adopter_case_file_audit"):  # voices; checks
        spec = library.latest(form_id)
        path = to_xlsx(spec, tmp_path / f"{form_id}.xlsx")
        saved = tmp_path / f"{form_id}.gnumeric.xlsx"
        subprocess.run([SSCONVERT, str(path), str(saved)], check=True, capture_output=True, timeout=300)
        assert same(read_back(saved)) == same(spec), form_id


# ---- a thematic form written from scratch ----------------------------------------------------------------


def thematic_workbook(path):
    """The workbook a QA officer writes for a thematic audit: settings, two sections of questions, an overall
    grade and an action table; no Details sheet (the usual details) and only a scale of its own."""
    book = openpyxl.Workbook()
    settings = book.active
    settings.title = "Settings"
    for row in [("Setting", "Value"), ("Form ID", "thematic_sw_changes"),
                ("Title", "Thematic audit — Multiple changes of social worker"), ("Subject", "Child"),
                ("Evidence required on every question when the answer is", "No, Partially"),
                ("Overall grade", "3.1"), ("Date the audit was finalised", "audit_date")]:
        settings.append(row)
    sheet = book.create_sheet("Sections and questions")
    sheet.append(["Type", "Reference", "ID", "Text", "Answer scale", "Guidance", "Required", "Field type"])
    for row in [
        ("section", 1, "", "Relationships with the child"),  # (numbers, as Excel takes what is typed)
        ("question", 1.1, "", "Has the child been told why their social worker changed, in a way they understand?"),
        ("question", "1.2", "", "Did the outgoing worker introduce the new worker to the child?"),
        ("question", "1.3", "", "Has the child's view of the changes been recorded?", "",
         "Direct work records\nThe child's own words"),
        ("section", "2", "", "Planning and drift"),
        ("question", "2.1", "", "Was the plan reviewed within 4 weeks of each change?"),
        ("question", "2.2", "", "Is there evidence of drift or delay caused by the changes?"),
        ("question", "2.3", "", "How well is the impact of the changes understood by the team?", "impact"),
        ("section", "3", "overall", "Overall judgement"),
        ("judgement", "3.1", "overall_grade", "Overall grade", "Overall grade (5 levels)"),
        ("field", "3.2", "audit_date", "Date the audit was finalised", "", "", "Yes", "date"),
        ("action table", "3.3", "actions", "Actions"),
    ]:
        sheet.append(row)
    scales = book.create_sheet("Scales")
    scales.append(["Scale", "Scale name", "Value", "Label", "Colour"])
    for row in [("impact", "Impact understood", "well", "Well", "#2E7D32"), ("impact", "", "partly", "Partly", ""),
                ("impact", "", "not", "Not at all", "#C00000")]:
        scales.append(row)
    columns = book.create_sheet("Action table columns")
    columns.append(["Action table", "Column ID", "Label", "Type", "Required"])
    for row in [("3.3", "action", "Action", "text", "Yes"), ("3.3", "responsible_person", "Responsible person",
                                                               "person", "Yes"),
                ("3.3", "required_date", "Required by", "date", "Yes")]:
        columns.append(row)
    book.save(path)
    return path


def test_a_thematic_form_written_in_a_spreadsheet_is_generated_filled_and_parsed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli_run("init", "ws", specs=None).exit_code == 0
    monkeypatch.chdir(tmp_path / "ws")
    made = cli_run("specs", "from-xlsx", thematic_workbook(tmp_path / "thematic.xlsx"), specs=None)
    assert made.exit_code == 0, made.output
    assert "thematic_sw_changes.yaml: form 'thematic_sw_changes' version 1" in made.output
    assert "6 questions" in made.output
    assert cli_run("specs", "validate", specs=None).output.startswith("OK: 10 form specs valid.")
    spec = load_library(tmp_path / "ws" / "form_specs").latest("thematic_sw_changes")
    assert [q.ref for q in spec.questions] == ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3"]
    assert spec.questions[0].id == "q1_1" and spec.questions[2].prompts == ("Direct work records",
                                                                          "The child's own words")
    assert spec.field("q2_3").scale.labels == ["Well", "Partly", "Not at all"]
    assert spec.roles == {"overall_grade": "overall_grade", "audit_date": "audit_date"}
    assert spec.header_field("case_number") and spec.header_field("auditor")

    rows = [child(case="71", form="Multiple changes of social worker"),
            child(case="72", given="Ben", form="thematic_sw_changes", auditor="Gareth Pennington")]
    listed = write_csv(tmp_path / "list.csv", rows)
    generated = cli_run("generate", "--data", listed, "--month", "2026-11", "--out", tmp_path / "forms", specs=None)
    assert generated.exit_code == 0, generated.output
    forms = sorted((tmp_path / "forms").rglob("*.docx"), key=lambda p: "72 " in p.name)
    assert len(forms) == 2 and all("Multiple changes of social worker" in f.name for f in forms)

    library = load_library(tmp_path / "ws" / "form_specs")
    answers, tables = full_answers(spec)
    answers.update({"q1_1": "Yes", "q2_2": "No", "q2_3": "Partly", "overall_grade": "Good"})
    answers.pop("q2_2.evidence")  # a rule from the settings: No needs evidence
    forms[0].write_bytes(fill_docx(forms[0].read_bytes(), answers, tables))
    record = read_form(forms[0], library)
    assert record.form_id == "thematic_sw_changes" and record.subject["case_number"] == "71"
    assert record.answers["q1_1"] == "yes" and record.answers["q2_3"] == "partly"
    assert record.answers["overall_grade"] == "good"
    assert record.tables["actions"][0]["action"] == tables["actions"][0]["action"]
    assert record.status == "incomplete"
    assert [p.field for p in record.problems] == ["q2_2.evidence"]

    parsed = cli_run("parse", tmp_path / "forms", "--returns", "--sent-on", "01/12/2026", specs=None)
    assert parsed.exit_code == 1, parsed.output
    assert "2.2" in parsed.output and "Testley" in parsed.output


def test_the_settings_add_the_usual_parts_of_an_audit_form(tmp_path):
    path = thematic_workbook(tmp_path / "thematic.xlsx")
    book = openpyxl.load_workbook(path)
    book[QUESTIONS].delete_rows(10, 4)  # the overall judgement and the action table, written out
    del book[COLUMNS]
    settings = book[SETTINGS]
    settings.delete_rows(6, 2)  # their roles
    for row in [("Add a judgement to each section", "kss"), ("Add an overall grade", "Overall grade (5 levels)"),
                ("Add an action table", "Yes"), ("Add a moderation part", "Yes")]:
        settings.append(row)
    book.save(path)
    spec = read_back(path)
    assert [(s.number, s.title) for s in spec.sections] == [
        ("1", "Relationships with the child"), ("2", "Planning and drift"), ("3", "Overall judgement"),
        ("4", "Quality assurance / moderation")]
    assert [(i.ref, i.id) for s in spec.sections for i in s.items if i.kind != "question"] == [
        ("1.4", "section_1_judgement"), ("2.4", "section_2_judgement"), ("3.1", "overall_grade"),
        ("3.2", "audit_date"), ("3.3", "actions"), ("4.1", "moderated_grade"), ("4.2", "moderator_details"),
        ("4.3", "moderation_date"), ("4.4", "qa_actions")]
    assert spec.field("section_1_judgement").scale.id == "kss"
    assert spec.roles == {"overall_grade": "overall_grade", "audit_date": "audit_date",
                          "grade_after_moderation": "moderated_grade", "moderator": "moderator_details",
                          "moderation_date": "moderation_date"}
    assert [c.id for c in spec.table("actions").columns] == ["action", "responsible_role", "responsible_person",
                                                            "required_date"]
    assert spec.table("qa_actions").source == "moderation"
    answers, tables = full_answers(spec)
    answers.update({q.id: "Yes" for q in spec.questions if q.id != "q2_3"})
    filled = tmp_path / "filled.docx"
    filled.write_bytes(fill_docx(WordForm(spec).render({"case_number": "TEST7", "auditor": "Jo Tester"},
                                                       "AUD-202611-TEST7"), answers, tables))
    record = read_form(filled, load_library_with(tmp_path, spec, path))
    assert record.status == "complete", record.problems
    assert record.answers["section_2_judgement"] in {"met", "partially_met", "not_met"}
    settings = {r[0]: r[1] for _, r in read_sheets(to_xlsx(spec, tmp_path / "again.xlsx"))[SETTINGS]}
    assert settings["Add an overall grade"] is None and same(read_back(tmp_path / "again.xlsx")) == same(spec)


def load_library_with(folder, spec, workbook):
    """A spec library of the shared scales and the form a workbook makes."""
    (folder / "lib").mkdir()
    shutil.copy(SPECS / "scales.yaml", folder / "lib")
    data = spec_of_sheets(read_sheets(workbook), str(workbook), SHARED)[0]
    (folder / "lib" / f"{spec.id}.yaml").write_text(spec_yaml(data, workbook.name), encoding="utf-8")
    return load_library(folder / "lib")


# ---- problems, named where they are -------------------------------------------------------------------


def test_every_problem_is_named_with_its_sheet_row_and_column_all_at_once(library, tmp_path):
    path = to_xlsx(library.latest("csc_case_file_audit"), tmp_path / "csc.xlsx")
    book = openpyxl.load_workbook(path)
    questions = book[QUESTIONS]
    heads = [c.value for c in questions[1]]
    col = {h: heads.index(h) for h in heads}
    rows = {r[2].value: r for r in questions.iter_rows(min_row=2)}
    rows["kss1_met"][col["Answer scale"]].value = "kss_met"
    rows["kss1_views_sought"][col["Reference"]].value = None
    rows["kss2_tools"][col["Reference"]].value = "2.1"  # as kss2_voice
    rows["kss3_identity"][col["Evidence required when the answer is"]].value = "No, Partly"
    questions["D19"] = None  # the title of section 4
    book[SCALES]["F2"] = "green"
    del book[COLUMNS]
    book.save(path)
    assert problems_of(path) == [
        "sheet 'Sections and questions', row 4, column 'Reference': this question has no reference: give it the "
        "number people see (e.g. 3.2).",
        "sheet 'Sections and questions', row 7, column 'Answer scale': unknown scale 'kss_met' (did you mean "
        "'kss'?). Add it to the Scales sheet, or use one of: answer, kss, overall_grade, grade, yes_no.",
        "sheet 'Sections and questions', row 10, column 'Reference': the reference '2.1' is also on row 9: "
        "give each item its own reference.",
        "sheet 'Sections and questions', row 15, column 'Evidence required when the answer is': 'Partly' is not "
        "an answer of 'Yes / No / Partially / N/A' (did you mean 'Partially'?). Answers: Yes, Partially, No, N/A.",
        "sheet 'Sections and questions', row 19, column 'Text': this section has no title: write it in the column "
        "'Text'.",
        *(f"sheet 'Sections and questions', row {n}: the action table '{t}' has no columns: list them on the sheet "
          "'Action table columns' (Action table, Column ID, Label, Type)."
          for n, t in [(58, "actions"), (65, "mo_actions"), (67, "qa_actions")]),
        "sheet 'Scales', row 2, column 'Colour': the colour 'green' is not a colour auditdocs reads: write it as "
        "#RRGGBB, e.g. #2E7D32 for green (or leave it blank).",
    ]


def renamed(path, old: str, new: str):
    """The workbook with the (last) item whose ID is `old` given the ID `new`, as a QA officer would."""
    book = openpyxl.load_workbook(path)
    rows = {r[2].value: r for r in book[QUESTIONS].iter_rows(min_row=2)}
    rows[old][2].value = new
    book.save(path)
    return path


def test_the_loaders_own_checks_are_placed_in_the_workbook(library, tmp_path):
    path = to_xlsx(library.latest("csc_case_file_audit"), tmp_path / "csc.xlsx")
    book = openpyxl.load_workbook(path)
    settings = {r[0].value: r for r in book[SETTINGS].iter_rows()}
    settings["Grade after moderation"][1].value = "moderated_grades"
    book.save(path)
    renamed(renamed(path, "kss3_identity", "kss3 identity"), "kss3_milestones", "kss3_observations")
    assert problems_of(path) == [  # the workbook's own checks first
        "sheet 'Sections and questions', row 17, column 'ID': the ID 'kss3_observations' is also on row 16: "
        "give each item its own ID."]
    renamed(path, "kss3_observations", "kss3_milestones")  # (row 17: the last of the two)
    assert problems_of(path) == [
        "sheet 'Sections and questions', row 15, column 'ID': question id 'kss3 identity' has a space: ids use "
        "letters, digits, '_' and '.' only (try 'kss3_identity').",
    ]
    renamed(renamed(path, "kss3 identity", "kss3_identity"), "kss1", "kss1_met")  # a section named as an item
    assert problems_of(path) == [
        "sheet 'Sections and questions', row 7, column 'ID': duplicate id 'kss1_met' (judgement): it is already "
        "used on row 2 of the sheet 'Sections and questions'. Every id must be unique within the form.",
    ]
    book = openpyxl.load_workbook(path)
    book[QUESTIONS]["C2"] = "kss1"
    book.save(path)
    assert problems_of(path) == [
        "sheet 'Settings', row 17, column 'Value': role 'grade_after_moderation' names 'moderated_grades', which is "
        "not a field of this form (did you mean 'moderated_grade'?).",
    ]


def test_a_missing_sheet_an_unknown_setting_and_a_misspelt_column_are_named(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Questions"
    book.active.append(["Type", "Referense", "Text"])
    book.save(tmp_path / "bare.xlsx")
    assert problems_of(tmp_path / "bare.xlsx") == [
        "sheet 'Settings': the workbook has no sheet 'Settings': add it (its sheets: Questions). 'auditdocs specs "
        "to-xlsx' writes a workbook with every sheet to start from.",
        "sheet 'Sections and questions': the workbook has no sheet 'Sections and questions': add it (its sheets: "
        "Questions). 'auditdocs specs to-xlsx' writes a workbook with every sheet to start from.",
    ]
    path = thematic_workbook(tmp_path / "thematic.xlsx")
    book = openpyxl.load_workbook(path)
    book[SETTINGS].append(("Overal grade scale", "grade"))
    book[QUESTIONS]["G1"] = "Requierd"
    book[QUESTIONS]["B4"] = 1.10  # typed 1.10 into a number cell: 1.1, as the row above
    book.save(path)
    assert problems_of(path) == [
        "sheet 'Settings', row 8, column 'Setting': unknown setting 'Overal grade scale' (did you mean 'Overall "
        "grade'?). Settings: " + ", ".join(SETTING_ROWS) + ".",
        "sheet 'Sections and questions', row 1, column 'Requierd': unknown column 'Requierd' (did you mean "
        "'Required'?). The columns of this sheet: " + ", ".join(QUESTION_COLUMNS) + ".",
        "sheet 'Sections and questions', row 4, column 'Reference': the reference '1.1' is also on row 3: give "
        "each item its own reference. (Excel took what was typed for a number, e.g. 1.10 for 1.1: format the "
        "column as Text and type it again.)",
    ]


# ---- the commands -----------------------------------------------------------------------------------------


def test_the_commands_write_a_workbook_and_a_spec_and_refuse_a_bad_workbook_with_exit_2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    made = cli_run("specs", "to-xlsx", "front_door_referrals")
    assert made.exit_code == 0, made.output
    assert (tmp_path / "front_door_referrals.xlsx").is_file()
    again = cli_run("specs", "to-xlsx", "front_door_referrals")
    assert again.exit_code == 2 and "is already there: give another file with --out, or add --replace" in again.output
    assert cli_run("specs", "to-xlsx", "front_door_referals").exit_code == 2
    no_place = cli_run("specs", "from-xlsx", "front_door_referrals.xlsx")
    assert no_place.exit_code == 2 and "give the file to write with --out" in no_place.output
    out = tmp_path / "specs" / "front_door_referrals.yaml"
    out.parent.mkdir()
    shutil.copy(SPECS / "scales.yaml", out.parent / "scales.yaml")
    written = cli_run("specs", "from-xlsx", "front_door_referrals.xlsx", "--out", out)
    assert written.exit_code == 0, written.output
    assert same(load_library(out.parent).latest("front_door_referrals")) == same(
        load_library(SPECS).latest("front_door_referrals"))

    book = openpyxl.load_workbook(tmp_path / "front_door_referrals.xlsx")
    book[QUESTIONS]["F3"] = "No"  # a judgement no longer required, at the same version
    book.save(tmp_path / "front_door_referrals.xlsx")
    replaced = cli_run("specs", "from-xlsx", "front_door_referrals.xlsx", "--out", out, "--replace")
    assert replaced.exit_code == 0 and "Replaced " in replaced.output
    assert "Note: what people fill in has changed but the version is still 1." in replaced.output
    book[SCALES]["F2"] = "#12345"
    book[SETTINGS]["B7"] = "Childd"
    book.save(tmp_path / "bad.xlsx")
    bad = cli_run("specs", "from-xlsx", "bad.xlsx", "--out", tmp_path / "bad.yaml")
    assert bad.exit_code == 2
    assert not (tmp_path / "bad.yaml").exists()
    assert "bad.xlsx is not a form auditdocs can make yet (2 problems)" in bad.output
    assert ("bad.xlsx, sheet 'Settings', row 7, column 'Value': unknown subject 'Childd' (did you mean 'Child'?)"
            in bad.output)
    assert "bad.xlsx, sheet 'Scales', row 2, column 'Colour': the colour '#12345'" in bad.output
    missing = cli_run("specs", "from-xlsx", "nothing.xlsx", "--out", tmp_path / "x.yaml")
    assert missing.exit_code == 2 and "nothing.xlsx was not found" in missing.output
    (tmp_path / "form.csv").write_text("Type,Reference\n", encoding="utf-8")
    not_xlsx = cli_run("specs", "from-xlsx", "form.csv", "--out", tmp_path / "x.yaml")
    assert not_xlsx.exit_code == 2 and "form.csv is not an Excel workbook (.xlsx)" in not_xlsx.output
    (tmp_path / "damaged.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    damaged = cli_run("specs", "from-xlsx", "damaged.xlsx", "--out", tmp_path / "x.yaml")
    assert damaged.exit_code == 2 and "could not be read as an Excel workbook" in damaged.output
    assert not (tmp_path / "x.yaml").exists()
