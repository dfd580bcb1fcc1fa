"""Excel forms: generated for every spec, filled, edited the way people do, read back exactly."""
from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import (
    ROOT,
    as_strict,
    as_values,
    full_answers,
    library_from_text,
    libreoffice_convert,
    needs_soffice,
    one_of_each_form,
    overlapping_rows,
    record_values,
    rewrite_parts,
    tables_as_values,
    unreadable,
    xlsx_schema_errors,
)
from openpyxl import Workbook, load_workbook
from openpyxl.utils.cell import range_boundaries
from pypdf import PdfReader

from auditdocs.domain import identity
from auditdocs.forms.xlsx import XlsxForm, read_xlsx
from auditdocs.forms.xlsx.fill import fill_xlsx, insert_rows, named_cell, type_into
from auditdocs.forms.xlsx.layout import (
    IDENTITY_SHEET,
    SHEET_TITLE,
    field_name,
    id_of,
    table_cell_name,
)
from auditdocs.specs import SpecErrors

SHARED_VALIDATOR = ROOT.parent / "shared" / "ooxml" / "validate_xlsx.py"

ALL_KINDS = (Path(__file__).parent / "data" / "all_kinds.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def all_kinds(tmp_path_factory):
    return library_from_text(tmp_path_factory.mktemp("specs"), "all_kinds", ALL_KINDS)


def every_spec(library, all_kinds):
    return [(library, s) for s in library.current()] + [(all_kinds, all_kinds.latest("all_kinds"))]


def audit_id(seed: int) -> str:
    return f"AUD-202611-TEST{seed:04d}"


def render(spec, seed=0, values=None) -> bytes:
    return XlsxForm(spec).render(values or record_values(spec, seed), audit_id(seed))


def make(spec, answers=None, tables=None, seed=0) -> bytes:
    return fill_xlsx(render(spec, seed), answers or {}, tables or {})


def save(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def edit(data: bytes, change) -> bytes:
    """Open the workbook, `change(wb)`, save it: what a person does in Excel."""
    wb = load_workbook(io.BytesIO(data))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def cell(wb, name):
    return named_cell(wb, name)[1]


def uk_text_dates(spec, answers):
    """Change some date answers into dates typed as UK text ("1/2/2026", "1 Feb 2026")."""
    def change(wb):
        dates = [f for f in spec.fields if f.type == "date" and answers.get(f.id)]
        for n, f in enumerate(dates):
            y, mo, d = map(int, answers[f.id].split("-"))
            if n % 3 == 1:
                cell(wb, field_name(f.id)).value = f"{d}/{mo}/{y}"
            elif n % 3 == 2:
                cell(wb, field_name(f.id)).value = f"{d} {['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][mo - 1]} {y}"
    return change


def read(tmp_path, name, data, library):
    return read_xlsx(save(tmp_path, name, data), library)


# ---- exactly what was filled ------------------------------------------------------------


def test_every_form_reads_back_exactly_what_was_filled(library, all_kinds, tmp_path):
    for lib, spec in every_spec(library, all_kinds):
        answers, tables = full_answers(spec, seed=len(spec.id))
        data = edit(make(spec, answers, tables), uk_text_dates(spec, answers))
        record = read(tmp_path, f"{spec.id}.xlsx", data, lib)
        assert record.problems == [], spec.id
        assert record.status == "complete"
        assert record.answers == as_values(spec, answers), spec.id
        assert record.tables == tables_as_values(spec, tables), spec.id
        assert record.form_id == spec.id and record.form_version == spec.version
        assert record.audit_id == audit_id(0)
        values = record_values(spec, 0)
        assert record.subject == {h.id: values[h.id] for h in spec.header}


@pytest.fixture(scope="module")
def lo_dir(tmp_path_factory):
    """A LibreOffice profile of this module's own (no lock clash with other tests running)."""
    return tmp_path_factory.mktemp("xlsx-libreoffice")


@needs_soffice
def test_every_form_reads_the_same_after_libreoffice_calc_saves_it(library, all_kinds, lo_dir):
    filled, expected = [], {}
    for lib, spec in every_spec(library, all_kinds):
        answers, tables = full_answers(spec, seed=7)
        filled.append(save(lo_dir, f"{spec.id}.xlsx", make(spec, answers, tables)))
        expected[spec.id] = (lib, as_values(spec, answers), tables_as_values(spec, tables), read_xlsx(filled[-1], lib).subject)
    converted = libreoffice_convert(filled, lo_dir / "calc", "xlsx", lo_dir / "profile")
    for path in converted:
        lib, answers, tables, subject = expected[path.stem]
        record = read_xlsx(path, lib)
        assert record.problems == [], path.stem
        assert (record.answers, record.tables, record.subject) == (answers, tables, subject), path.stem
        assert record.audit_id == audit_id(0)


def test_unfilled_form_has_no_answers_and_lists_what_is_missing(library, tmp_path):
    spec = library.latest("csc_case_file_audit")
    record = read(tmp_path, "blank.xlsx", render(spec), library)
    assert record.answers == {} and record.tables == {}
    assert record.status == "incomplete"
    assert {p.field for p in record.problems} >= {f.id for f in spec.fields if f.required}


def test_word_and_excel_forms_with_the_same_answers_read_identically(library, tmp_path):
    docx = pytest.importorskip("auditdocs.forms.docx.writer")
    from auditdocs.forms.docx.fill import fill_docx
    from auditdocs.forms.docx.reader import read_docx

    for spec in library.current():
        full, tables = full_answers(spec, seed=5)
        half = dict(list(full.items())[::2])  # some missing: the problems must agree too
        for answers in (full, half):
            values = record_values(spec, 2)
            word = fill_docx(docx.WordForm(spec).render(values, audit_id(2)), answers, tables)
            excel = fill_xlsx(XlsxForm(spec).render(values, audit_id(2)), answers, tables)
            w = read_docx(save(tmp_path, "form.docx", word), library).as_dict()
            x = read_xlsx(save(tmp_path, "form.xlsx", excel), library).as_dict()
            w.pop("file"), x.pop("file")
            assert x == w, spec.id


# ---- what people do in Excel --------------------------------------------------------------


def first_table(spec):
    return spec.tables[0]


def table_block(wb, table):
    ws, block = named_cell(wb, field_name(table.id))
    _, header_row, _, end_row = range_boundaries(block)
    return ws, header_row, end_row


def test_rows_inserted_inside_an_action_table_are_read_in_place(library, tmp_path):
    spec = library.latest("csc_case_file_audit")
    table = first_table(spec)
    answers, tables = full_answers(spec, seed=4)
    rows = tables[table.id][:2]
    extra = {c.id: f"Inserted {c.label}" if c.type not in ("date",) else "2026-12-01" for c in table.columns}

    def insert_between_first_and_second(wb):
        ws, header_row, _ = table_block(wb, table)
        insert_rows(wb, ws, header_row + 2)  # Excel: right-click row 2 of the table > Insert
        for c in table.columns:
            column = cell(wb, table_cell_name(table.id, c.id, 1)).column
            type_into(ws.cell(header_row + 2, column), extra[c.id])

    data = edit(make(spec, answers, {table.id: rows}), insert_between_first_and_second)
    record = read(tmp_path, "inserted.xlsx", data, library)
    assert record.tables[table.id] == tables_as_values(spec, {table.id: [rows[0], extra, rows[1]]})[table.id]
    assert record.answers == as_values(spec, answers)  # the cells below the insert are still found


def test_more_actions_than_rows_are_inserted_above_the_end_row(library, tmp_path):
    spec = library.latest("csc_case_file_audit")
    answers, tables = full_answers(spec, seed=8)
    tables = {t.id: rows * 3 for t, rows in zip(spec.tables, tables.values())}
    record = read(tmp_path, "many.xlsx", make(spec, answers, tables), library)
    assert record.tables == tables_as_values(spec, tables)
    assert record.answers == as_values(spec, answers)


def test_sorted_action_rows_are_read_in_their_new_order(library, tmp_path):
    spec = library.latest("csc_case_file_audit")
    table = first_table(spec)
    answers, tables = full_answers(spec, seed=9)
    rows = tables[table.id][:3]

    def sort_descending(wb):  # Data > Sort on the action rows (the row numbers stay put)
        ws, header_row, _ = table_block(wb, table)
        columns = [cell(wb, table_cell_name(table.id, c.id, 1)).column for c in table.columns]
        block = [[ws.cell(r, col).value for col in columns] for r in range(header_row + 1, header_row + 4)]
        for r, values in zip(range(header_row + 1, header_row + 4), reversed(block)):
            for col, value in zip(columns, values):
                ws.cell(r, col).value = value

    data = edit(make(spec, answers, {table.id: rows}), sort_descending)
    record = read(tmp_path, "sorted.xlsx", data, library)
    assert record.tables[table.id] == tables_as_values(spec, {table.id: list(reversed(rows))})[table.id]


def test_values_pasted_over_the_validation_are_kept_and_reported(library, tmp_path):
    spec = library.latest("csc_case_file_audit")
    answers, tables = full_answers(spec, seed=3)
    question = spec.questions[0]
    date_field = spec.field_with_role("audit_date")

    def paste(wb):
        cell(wb, field_name(question.id)).value = "Maybe"
        cell(wb, field_name(date_field.id)).value = "31/02/2026"

    record = read(tmp_path, "pasted.xlsx", edit(make(spec, answers, tables), paste), library)
    assert record.answers[question.id] == "Maybe"
    assert record.answers[date_field.id] == "31/02/2026"
    messages = {p.field: p.message for p in record.problems}
    assert "'Maybe' is not one of the options (Yes, Partially, No, N/A)" in messages[question.id]
    assert "'31/02/2026' is not a date" in messages[date_field.id]
    assert record.status == "incomplete"


def test_real_dates_and_uk_text_dates_in_action_rows(library, tmp_path):
    spec = library.latest("csc_case_file_audit")
    table = first_table(spec)
    date_column = next(c for c in table.columns if c.type == "date")
    answers, tables = full_answers(spec, seed=2)
    rows = [dict(r) for r in tables[table.id][:3]]
    for r, day in zip(rows, ("2026-02-01", "2026-02-01", "2026-12-25")):
        r[date_column.id] = day

    def typed(wb):
        ws, header_row, _ = table_block(wb, table)
        column = cell(wb, table_cell_name(table.id, date_column.id, 1)).column
        ws.cell(header_row + 2, column).value = "1 Feb 2026"
        ws.cell(header_row + 3, column).value = "25/12/26"

    record = read(tmp_path, "dates.xlsx", edit(make(spec, answers, {table.id: rows}), typed), library)
    assert record.tables[table.id] == tables_as_values(spec, {table.id: rows})[table.id]


def test_renamed_sheet_and_added_sheets(library, tmp_path):
    spec = library.latest("csc_case_file_audit")
    answers, tables = full_answers(spec, seed=6)
    data = make(spec, answers, tables)

    def rename_like_excel(wb):  # Excel and Calc rename the sheet in every defined name too
        wb[SHEET_TITLE].title = "My audit"
        for dn in wb.defined_names.values():
            dn.attr_text = dn.attr_text.replace(f"'{SHEET_TITLE}'!", "'My audit'!")
        notes = wb.create_sheet("Notes", 0)
        notes["A1"] = "My own notes"
        notes["B3"] = "1.1"
        wb.create_sheet("Chart data")["C2"] = 42

    def rename_names_lost(wb):
        wb[SHEET_TITLE].title = "Audit (2)"
        wb.create_sheet("Notes", 0)["A1"] = "My own notes"

    for change in (rename_like_excel, rename_names_lost):
        record = read(tmp_path, "renamed.xlsx", edit(data, change), library)
        assert (record.answers, record.tables, record.problems) == (as_values(spec, answers), tables_as_values(spec, tables), []), \
            change.__name__


def test_defined_names_lost_falls_back_to_the_references_in_column_a(library, all_kinds, tmp_path):
    for lib, spec in every_spec(library, all_kinds):
        answers, tables = full_answers(spec, seed=11)
        data = edit(make(spec, answers, tables), lambda wb: wb.defined_names.clear())
        record = read(tmp_path, "nameless.xlsx", data, lib)
        assert (record.answers, record.tables, record.problems) == (as_values(spec, answers), tables_as_values(spec, tables), []), \
            spec.id
        assert record.subject["case_number"] == "TEST900100"


def test_identity_from_the_hidden_sheet_then_from_the_title_line(library, tmp_path):
    spec = library.latest("csc_case_file_audit")
    answers, tables = full_answers(spec, seed=12)
    data = make(spec, answers, tables)

    def drop_properties(wb):
        wb.custom_doc_props.props = []

    def drop_sheet_too(wb):
        drop_properties(wb)
        del wb[IDENTITY_SHEET]

    def drop_everything(wb):
        drop_sheet_too(wb)
        wb[SHEET_TITLE]["A2"] = None

    for change in (drop_properties, drop_sheet_too):
        edited = edit(data, change)
        assert "docProps/custom.xml" not in zipfile.ZipFile(io.BytesIO(edited)).namelist()
        record = read(tmp_path, "lost.xlsx", edited, library)
        assert (record.form_id, record.form_version, record.audit_id) == (spec.id, spec.version, audit_id(0))
        assert (record.answers, record.tables) == (as_values(spec, answers), tables_as_values(spec, tables)), change.__name__
    record = read(tmp_path, "anonymous.xlsx", edit(data, drop_everything), library)
    assert record.status == "unreadable"
    assert "not an auditdocs form" in record.problems[0].message


def test_changed_details_at_the_top_are_reported(library, tmp_path):
    spec = library.latest("csc_case_file_audit")
    data = edit(render(spec), lambda wb: setattr(cell(wb, field_name("family_name")), "value", "Otherperson"))
    record = read(tmp_path, "changed.xlsx", data, library)
    assert record.subject["family_name"] == "Otherperson"
    assert any("not the ones it was made with" in p.message for p in record.problems)


def test_text_is_never_a_formula(library, tmp_path):
    spec = library.latest("csc_case_file_audit")
    values = record_values(spec)
    values.update(family_name="=HYPERLINK(\"http://x\",\"y\")", given_names="+44 1234", social_worker="-Jo", team="@team")
    comment = next(f for f in spec.fields if f.type == "text")
    other = next(f for f in spec.fields if f.type == "text" and f is not comment)
    generated = XlsxForm(spec).render(values, audit_id(0))
    sheet = zipfile.ZipFile(io.BytesIO(generated)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet and b"<f " not in sheet

    def auditor_types(wb):
        type_into(cell(wb, field_name(comment.id)), "=SUM(A1) is not a formula")
        cell(wb, field_name(other.id)).value = "=1+2"  # Calc without a text format: a real formula

    record = read(tmp_path, "formula.xlsx", edit(generated, auditor_types), library)
    assert record.answers[comment.id] == "=SUM(A1) is not a formula"
    assert record.answers[other.id] == "=1+2"
    assert {k: record.subject[k] for k in ("family_name", "given_names", "social_worker", "team")} == {
        k: values[k] for k in ("family_name", "given_names", "social_worker", "team")}


# ---- files that are not forms ---------------------------------------------------------------


def test_files_that_cannot_be_read_say_what_they_are_and_what_to_do(library, tmp_path):
    data = render(library.latest("csc_case_file_audit"))
    assert "not a .xlsx file" in unreadable(save(tmp_path, "junk.xlsx", b"just some text\n" * 50), library)
    assert "damaged or incomplete" in unreadable(save(tmp_path, "half.xlsx", data[: len(data) // 2]), library)
    assert "Excel 97-2003" in unreadable(save(tmp_path, "old.xls", data), library)
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000
    assert "despite its name, this is an old Excel 97-2003" in unreadable(save(tmp_path, "old.xlsx", ole), library)
    encrypted = ole + "EncryptionInfo".encode("utf-16-le") + b"\0" * 100
    assert "password" in unreadable(save(tmp_path, "locked.xlsx", encrypted), library)
    assert "macro-enabled" in unreadable(save(tmp_path, "form.xlsm", data), library)
    assert "OpenDocument spreadsheet" in unreadable(save(tmp_path, "form.ods", data), library)
    plain = Workbook()
    plain.active["A1"] = "A list, not a form"
    plain.save(tmp_path / "list.xlsx")
    assert "not an auditdocs form" in unreadable(tmp_path / "list.xlsx", library)
    import docx

    docx.Document().save(tmp_path / "letter.xlsx")
    assert "Word document" in unreadable(tmp_path / "letter.xlsx", library)


def test_macro_enabled_content_renamed_to_xlsx(library, tmp_path):
    def macro_type(name, content):
        return content.replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml")

    path = save(tmp_path, "macro.xlsx", rewrite_parts(render(library.latest("csc_case_file_audit")), macro_type))
    assert "macro-enabled" in unreadable(path, library)


def test_xml_with_entity_declarations_is_refused(library, tmp_path):
    def declare_entities(name, content):
        if name != "xl/worksheets/sheet1.xml":
            return content
        return b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]>' + content

    data = rewrite_parts(render(library.latest("csc_case_file_audit")), declare_entities)
    assert "refused for safety" in unreadable(save(tmp_path, "entities.xlsx", data), library)


def test_password_protected_workbook(library, tmp_path):
    msoffcrypto = pytest.importorskip("msoffcrypto.format.ooxml", reason="msoffcrypto-tool makes the encrypted file")
    plain = save(tmp_path, "plain.xlsx", render(library.latest("csc_case_file_audit")))
    with plain.open("rb") as source, (tmp_path / "locked.xlsx").open("wb") as target:
        msoffcrypto.OOXMLFile(source).encrypt("secret", target)
    assert "password" in unreadable(tmp_path / "locked.xlsx", library)


@needs_soffice
def test_no_heading_or_question_is_cut_off_when_printed(all_kinds, lo_dir):
    """Every row of the forms `auditdocs generate` makes is high enough for its text (headings
    included) in LibreOffice's print of it."""
    forms = list(one_of_each_form(lo_dir / "month", "xlsx").values())
    forms.append(save(lo_dir, "all_kinds print.xlsx", render(all_kinds.latest("all_kinds"))))
    for path, pdf in zip(forms, libreoffice_convert(forms, lo_dir / "print", "pdf", lo_dir / "profile")):
        assert overlapping_rows(PdfReader(pdf)) == [], path.stem


@needs_soffice
def test_real_xls_and_ods_renamed_to_xlsx(library, tmp_path, lo_dir):
    source = save(tmp_path, "source.xlsx", render(library.latest("csc_case_file_audit")))
    (xls,) = libreoffice_convert([source], tmp_path / "xls", "xls", lo_dir / "profile")
    (ods,) = libreoffice_convert([source], tmp_path / "ods", "ods", lo_dir / "profile")
    shutil.copy(xls, tmp_path / "xls.xlsx")
    shutil.copy(ods, tmp_path / "ods.xlsx")
    assert "Excel 97-2003" in unreadable(tmp_path / "xls.xlsx", library)
    assert "not an Excel workbook" in unreadable(tmp_path / "ods.xlsx", library)


# ---- the generated workbook ---------------------------------------------------------------


def test_every_form_is_schema_valid_spreadsheetml(library, all_kinds, tmp_path):
    for _, spec in every_spec(library, all_kinds):
        data = render(spec)
        assert xlsx_schema_errors(data) == [], spec.id
        if SHARED_VALIDATOR.exists():
            path = save(tmp_path, f"{spec.id}.xlsx", data)
            out = subprocess.run([sys.executable, str(SHARED_VALIDATOR), str(path)], capture_output=True, text=True)
            assert "INVALID" not in out.stdout and out.returncode == 0, out.stdout + out.stderr


def test_every_answer_cell_has_a_reversible_defined_name(library, all_kinds):
    cell_ref = re.compile(r"^([A-Z]{1,3}\d+|R\d*C\d*|[RC])$", re.IGNORECASE)
    for _, spec in every_spec(library, all_kinds):
        wb = load_workbook(io.BytesIO(render(spec)))
        names = list(wb.defined_names)
        assert len({n.casefold() for n in names}) == len(names)
        assert not [n for n in names if cell_ref.match(n) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", n)]
        for f in spec.fields:
            assert id_of(field_name(f.id)) == f.id
            ws, answer = named_cell(wb, field_name(f.id))
            assert ws.title == SHEET_TITLE and answer.protection.locked is False, f.id
        for t in spec.tables:
            for n in range(1, t.rows + 1):
                for c in t.columns:
                    assert cell(wb, table_cell_name(t.id, c.id, n)).protection.locked is False


def list_options(ws, formula: str) -> list[str]:
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    return [c.value for (c,) in ws[formula.replace("$", "")]]


def test_protection_validation_print_setup_and_identity(library, all_kinds):
    for lib, spec in every_spec(library, all_kinds):
        data = render(spec)
        wb = load_workbook(io.BytesIO(data))
        ws = wb[SHEET_TITLE]
        assert ws.protection.sheet and not ws.protection.password
        assert not ws.protection.insertRows and not ws.protection.sort  # people may insert rows and sort
        assert ws["A1"].protection.locked and ws["A1"].value == spec.title
        assert cell(wb, field_name("case_number")).protection.locked
        validation = {}
        for dv in ws.data_validations.dataValidation:
            assert "!" not in (dv.formula1 or "")  # never a list on another sheet
            for rng in dv.sqref.ranges:
                for row in range(rng.min_row, rng.max_row + 1):
                    for col in range(rng.min_col, rng.max_col + 1):
                        validation[row, col] = dv
        for f in spec.fields:
            answer = cell(wb, field_name(f.id))
            dv = validation.get((answer.row, answer.column))
            if f.scale is not None:
                assert dv.type == "list" and list_options(ws, dv.formula1) == f.scale.labels, f.id
            if f.type == "date":
                assert dv.type == "date" and answer.number_format == "dd/mm/yyyy", f.id
        sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
        assert b"x14:" not in sheet_xml and b"extLst" not in sheet_xml
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4 and ws.page_setup.orientation == "portrait"
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.print_title_rows == "$1:$2"
        hidden = wb[IDENTITY_SHEET]
        assert hidden.sheet_state == "hidden" and hidden.protection.sheet
        props = identity.properties(spec, record_values(spec, 0), audit_id(0))
        assert {p.name: p.value for p in wb.custom_doc_props} == props
        assert {r[0]: r[1] or "" for r in hidden.iter_rows(min_row=2, values_only=True)} == props


def test_no_part_holds_another_records_details_or_personal_metadata(library):
    spec = library.latest("csc_case_file_audit")
    form = XlsxForm(spec)
    first, second = record_values(spec, 0), record_values(spec, 1)
    packages = {0: form.render(first, audit_id(0)), 1: form.render(second, audit_id(1))}
    for mine, other, values in ((0, 1, second), (1, 0, first)):
        secrets = [v for k, v in values.items() if spec.header_field(k).type != "date"] + [audit_id(other)]
        package = zipfile.ZipFile(io.BytesIO(packages[mine]))
        for part in package.namelist():
            text = package.read(part).decode("utf-8")
            leaked = [s for s in secrets if s in text]
            assert not leaked, (part, leaked)
        core = package.read("docProps/core.xml").decode()
        assert re.search(r"<dc:creator[^>]*>auditdocs</dc:creator>", core) and "lastModifiedBy" not in core
        assert "Company" not in package.read("docProps/app.xml").decode()


def test_ids_differing_only_in_case_are_refused(tmp_path):
    text = ALL_KINDS.replace("id: all_kinds", "id: cases").replace("question: q2", "question: Q1")
    with pytest.raises(SpecErrors, match="ids must differ by more than capital letters"):
        library_from_text(tmp_path / "specs", "cases", text)


def test_a_number_in_a_date_cell_is_reported_with_its_row_and_column_never_a_date_in_1905(library, tmp_path):
    spec = library.latest("csc_case_file_audit")
    rows = [{"action": "Update the chronology", "responsible_person": "Jo Fictional", "required_date": "2026-12-15"},
            {"action": "Visit the child", "responsible_person": "Jo Fictional", "required_date": "2026-12-20"}]
    data = make(spec, {"audit_date": "2026-11-20"}, {"actions": rows})

    def type_numbers(wb):
        _, pasted = named_cell(wb, table_cell_name("actions", "required_date", 2))
        pasted.value, pasted.number_format = 2015, "General"  # pasted from a list: a bare number
        _, typed = named_cell(wb, field_name("audit_date"))
        typed.value = 2015  # typed into the date cell: Excel shows 07/07/1905

    record = read_xlsx(save(tmp_path, "numbers.xlsx", edit(data, type_numbers)), library)
    messages = [p.message for p in record.problems]
    assert record.tables["actions"][1]["required_date"] == "2015"  # kept as typed
    assert "11.3 action 2, Action required date: '2015' is not a date." in messages
    assert record.answers["audit_date"] == dt.date(1905, 7, 7)
    assert any(p.field == "audit_date" and "07/07/1905 is not a likely date" in p.message for p in record.problems)
    assert record.tables["actions"][0]["required_date"] == dt.date(2026, 12, 15) and record.status == "incomplete"


# ---- forms saved in other formats (issue 20, point 6) -----------------------------------------------


def test_a_form_saved_as_strict_open_xml_spreadsheet_is_read_as_usual_with_a_note(library, tmp_path):
    spec = library.latest("csc_case_file_audit")
    answers, tables = full_answers(spec, seed=3)
    record = read(tmp_path, "strict.xlsx", as_strict(make(spec, answers, tables)), library)
    assert (record.status, record.answers, record.tables) == ("complete", as_values(spec, answers), tables_as_values(spec, tables))
    assert record.audit_id == audit_id(0)
    assert any("saved as a Strict Open XML Spreadsheet; it was read as usual" in n for n in record.notes)

