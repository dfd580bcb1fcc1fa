"""Reading returned Word forms: exactly what was filled, whatever the editor did."""
from __future__ import annotations

import copy
import datetime as dt
import io
import json
import random
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import (
    REALWORLD,
    SPECS,
    answer_for,
    as_strict,
    as_values,
    full_answers,
    library_from_text,
    libreoffice_convert,
    needs_soffice,
    record_values,
    rewrite_parts,
    saved_as,
    tables_as_values,
    unreadable,
    value_held,
)
from lxml import etree

from auditdocs.cli import cli
from auditdocs.domain import model as m
from auditdocs.forms.docx.fill import fill_docx
from auditdocs.forms.docx.reader import read_docx
from auditdocs.forms.docx.writer import WordForm, form_for
from auditdocs.forms.ooxml import NS
from auditdocs.specs import load_library

W_NS = NS["w"]
W = f"{{{W_NS}}}"


def make(spec, answers=None, tables=None, seed=0) -> bytes:
    data = WordForm(spec).render(record_values(spec, seed), f"AUD-202611-TEST{seed:04d}")
    return fill_docx(data, answers or {}, tables or {})


def save(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def edit_document(data: bytes, change) -> bytes:
    """Change word/document.xml with `change(root)`, as another editor would."""
    def edit(name, content):
        if name != "word/document.xml":
            return content
        root = etree.fromstring(content)
        change(root)
        return etree.tostring(root)

    return rewrite_parts(data, edit)


def control(root, tag):
    for sdt in root.iter(W + "sdt"):
        t = sdt.find(f"{W}sdtPr/{W}tag")
        if t is not None and t.get(W + "val") == tag:
            return sdt
    raise KeyError(tag)


def strip_tags(root) -> None:
    """What LibreOffice does: tags, aliases and locks gone."""
    for name in ("tag", "alias", "lock"):
        for el in list(root.iter(W + name)):
            el.getparent().remove(el)


# ---- exactly what was filled -----------------------------------------------------------


def test_every_form_reads_back_exactly_what_was_filled(library, tmp_path):
    for spec in library.current():
        answers, tables = full_answers(spec, seed=len(spec.id))
        record = read_docx(save(tmp_path, f"{spec.id}.docx", make(spec, answers, tables)), library)
        assert record.problems == [], spec.id
        assert record.status == "complete"
        assert record.answers == as_values(spec, answers), spec.id
        assert record.tables == tables_as_values(spec, tables), spec.id
        assert record.form_id == spec.id and record.form_version == spec.version
        assert record.audit_id == "AUD-202611-TEST0000"
        assert record.subject["case_number"] == "TEST900100"


def test_every_kind_of_item_reads_back_even_untagged(tmp_path):
    text = (Path(__file__).parent / "data" / "all_kinds.yaml").read_text(encoding="utf-8")
    kinds = library_from_text(tmp_path / "specs", "all_kinds", text)
    spec = kinds.latest("all_kinds")
    answers, tables = full_answers(spec, seed=5)
    answers["tick"], answers["visit.confirm"] = True, "No"
    data = make(spec, answers, tables)
    for name, content in (("tagged.docx", data), ("untagged.docx", edit_document(data, strip_tags))):
        record = read_docx(save(tmp_path, name, content), kinds)
        assert (record.answers, record.tables, record.problems) == (as_values(spec, answers), tables_as_values(spec, tables), []), name


@needs_soffice
def test_every_form_reads_the_same_after_a_libreoffice_round_trip(library, tmp_path, lo_profile):
    kinds = library_from_text(tmp_path / "specs", "all_kinds",
                              (Path(__file__).parent / "data" / "all_kinds.yaml").read_text(encoding="utf-8"))
    specs = {spec.id: (lib, spec) for lib in (library, kinds) for spec in lib.current()}
    filled, expected = [], {}
    for lib, spec in specs.values():
        answers, tables = full_answers(spec, seed=7)
        filled.append(save(tmp_path, f"{spec.id}.docx", make(spec, answers, tables)))
        expected[spec.id] = (as_values(spec, answers), tables_as_values(spec, tables), read_docx(filled[-1], lib).subject)
    for path in libreoffice_convert(filled, tmp_path / "lo", "docx:MS Word 2007 XML", lo_profile):
        assert b"w:tag " not in zipfile.ZipFile(path).read("word/document.xml")  # LibreOffice dropped the tags
        record = read_docx(path, specs[path.stem][0])
        answers, tables, subject = expected[path.stem]
        assert record.problems == [], path.stem
        assert (record.answers, record.tables, record.subject) == (answers, tables, subject), path.stem


def test_unfilled_form_has_no_answers_and_lists_what_is_missing(library, tmp_path):
    spec = library.latest("csc_case_file_audit")
    record = read_docx(save(tmp_path, "blank.docx", make(spec)), library)
    assert record.answers == {} and record.tables == {}
    assert record.status == "incomplete"
    missing = {p.field for p in record.problems}
    assert {f.id for f in spec.fields if f.required} <= missing
    assert "1.1 Answer: not answered." in [p.message for p in record.problems]


# ---- what editors do -------------------------------------------------------------------


def test_tags_stripped_reads_by_row_reference(library, tmp_path):
    spec = library.latest("foster_carer_case_file_audit")
    answers, tables = full_answers(spec, seed=3)
    data = edit_document(make(spec, answers, tables), strip_tags)
    record = read_docx(save(tmp_path, "untagged.docx", data), library)
    assert (record.answers, record.tables) == (as_values(spec, answers), tables_as_values(spec, tables))


def test_control_deleted_and_answer_typed_in_the_cell(library, tmp_path):
    spec = library.latest("csc_case_file_audit")
    answers, _ = full_answers(spec)

    def delete_controls(root):
        for tag in ("kss1_seen_alone", "kss1_seen_alone.evidence"):
            sdt = control(root, tag)
            cell = sdt.getparent()
            cell.remove(sdt)
            p = etree.SubElement(cell, W + "p")
            etree.SubElement(etree.SubElement(p, W + "r"), W + "t").text = "Partially" if "." not in tag else "Typed straight in."

    record = read_docx(save(tmp_path, "deleted.docx", edit_document(make(spec, answers), delete_controls)), library)
    assert record.answers["kss1_seen_alone"] == "partially"
    assert record.answers["kss1_seen_alone.evidence"] == "Typed straight in."


def test_second_paragraph_moved_out_of_its_control_is_still_read(library, tmp_path):
    spec = library.latest("csc_case_file_audit")

    def move_out(root):
        sdt = control(root, "working_well")
        second = sdt.find(W + "sdtContent").findall(W + "p")[1]
        sdt.addnext(second)  # now beside the control, in the same cell

    data = edit_document(make(spec, {"working_well": "First part.\nSecond part."}), move_out)
    record = read_docx(save(tmp_path, "moved.docx", data), library)
    assert record.answers["working_well"] == "First part.\nSecond part."


def test_tracked_changes_read_as_accepted_and_reported(library, tmp_path):
    spec = library.latest("csc_case_file_audit")

    def track(root):
        p = control(root, "kss2_voice.evidence").find(f"{W}sdtContent/{W}p")
        deleted = etree.SubElement(p, W + "del", {W + "id": "1", W + "author": "A", W + "date": "2026-11-20T10:00:00Z"})
        etree.SubElement(etree.SubElement(deleted, W + "r"), W + "delText").text = " old words"
        inserted = etree.SubElement(p, W + "ins", {W + "id": "2", W + "author": "A", W + "date": "2026-11-20T10:00:00Z"})
        etree.SubElement(etree.SubElement(inserted, W + "r"), W + "t").text = " and new words"

    data = edit_document(make(spec, {"kss2_voice.evidence": "Voice is clear"}), track)
    record = read_docx(save(tmp_path, "tracked.docx", data), library)
    assert record.answers["kss2_voice.evidence"] == "Voice is clear and new words"
    assert any("tracked changes" in p.message for p in record.problems)


def test_comments_proofing_bookmarks_and_split_runs_are_ignored(library, tmp_path):
    spec = library.latest("csc_case_file_audit")

    def decorate(root):
        p = control(root, "kss3_identity.evidence").find(f"{W}sdtContent/{W}p")
        runs = p.findall(W + "r")
        runs[0].addprevious(etree.Element(W + "commentRangeStart", {W + "id": "0"}))
        runs[0].addprevious(etree.Element(W + "bookmarkStart", {W + "id": "0", W + "name": "_GoBack"}))
        runs[1].addprevious(etree.Element(W + "proofErr", {W + "type": "spellStart"}))
        runs[-1].addnext(etree.Element(W + "commentRangeEnd", {W + "id": "0"}))
        p.append(etree.Element(W + "bookmarkEnd", {W + "id": "0"}))

    text = "Identity and culture are well considered throughout."
    record = read_docx(save(tmp_path, "marks.docx", edit_document(make(spec, {"kss3_identity.evidence": text}), decorate)), library)
    assert record.answers["kss3_identity.evidence"] == text


def test_rows_added_to_an_action_table_are_read(library, tmp_path):
    spec = library.latest("csc_case_file_audit")
    table = spec.table("actions")
    rows = [{"action": "Update the chronology", "responsible_person": "Jo Fictional", "required_date": "2026-12-15"}]

    def add_plain_row(root):
        tr = control(root, "actions.action").getparent().getparent()
        new = copy.deepcopy(tr)
        for cell, text in zip(new.findall(W + "tc"), ["5", "", "Review the plan", "", "Sam Invented", "20/12/2026"]):
            for child in list(cell):
                if child.tag != W + "tcPr":
                    cell.remove(child)
            p = etree.SubElement(cell, W + "p")
            etree.SubElement(etree.SubElement(p, W + "r"), W + "t").text = text
        tr.getparent().append(new)

    data = edit_document(make(spec, tables={"actions": rows}), add_plain_row)
    record = read_docx(save(tmp_path, "rows.docx", data), library)
    assert record.tables["actions"] == tables_as_values(spec, {"actions": rows + [
        {"action": "Review the plan", "responsible_person": "Sam Invented", "required_date": "2026-12-20"}]})["actions"]
    assert [c.id for c in table.columns][2] == "responsible_role"


def test_more_actions_than_rows_in_copied_rows(library, tmp_path):
    spec = library.latest("csc_case_file_audit")
    rows = [{"action": f"Action {n}", "responsible_person": "Jo Fictional", "required_date": "2026-12-01"} for n in range(9)]
    record = read_docx(save(tmp_path, "many.docx", make(spec, tables={"actions": rows})), library)
    assert record.tables["actions"] == tables_as_values(spec, {"actions": rows})["actions"]


def test_value_not_on_the_scale_is_kept_and_reported(library, tmp_path):
    spec = library.latest("csc_case_file_audit")
    record = read_docx(save(tmp_path, "odd.docx", make(spec, {"kss1_met": "Mostly met"})), library)
    assert record.answers["kss1_met"] == "Mostly met"
    assert any(p.field == "kss1_met" and "not one of the options" in p.message for p in record.problems)
    assert record.status == "incomplete"


def test_dates_typed_in_other_uk_ways(library, tmp_path):
    spec = library.latest("csc_case_file_audit")

    def retype(root):
        sdt = control(root, "audit_date")
        for t in sdt.iter(W + "t"):
            t.text = ""
        next(sdt.iter(W + "t")).text = "3 Dec 2026"
        sdt.find(f"{W}sdtPr/{W}date").attrib.pop(W + "fullDate", None)

    record = read_docx(save(tmp_path, "date.docx", edit_document(make(spec, {"audit_date": "2026-11-01"}), retype)), library)
    assert record.answers["audit_date"] == dt.date(2026, 12, 3)


def test_identity_falls_back_to_the_form_when_properties_are_lost(library, tmp_path):
    spec = library.latest("csc_case_file_audit")
    answers, tables = full_answers(spec)
    data = rewrite_parts(make(spec, answers, tables), lambda name, c: None if name == "docProps/custom.xml" else c)
    record = read_docx(save(tmp_path, "noprops.docx", data), library)
    assert (record.form_id, record.form_version, record.audit_id) == (spec.id, 1, "AUD-202611-TEST0000")
    assert record.subject["family_name"] == "Testworth" and record.subject["date_of_birth"] == "2010-01-10"
    assert record.answers == as_values(spec, answers)


def test_changed_details_at_the_top_are_reported(library, tmp_path):
    spec = library.latest("csc_case_file_audit")

    def change_name(root):
        next(control(root, "family_name").iter(W + "t")).text = "Otherperson"

    record = read_docx(save(tmp_path, "header.docx", edit_document(make(spec), change_name)), library)
    assert record.subject["family_name"] == "Otherperson"
    assert any("details at the top" in p.message for p in record.problems)


# ---- completeness rules ----------------------------------------------------------------


def test_rules_comment_when_no_inadequate_needs_action_action_needs_person_and_date(library, tmp_path):
    spec = library.latest("csc_case_file_audit")
    answers, _ = full_answers(spec)
    answers["kss1_seen_alone"] = "No"
    del answers["kss1_seen_alone.evidence"]
    answers["overall_grade"] = "Inadequate"
    record = read_docx(save(tmp_path, "rules.docx", make(spec, answers)), library)
    messages = {p.field: p.message for p in record.problems}
    assert "evidence is required" in messages["kss1_seen_alone.evidence"]
    assert "at least one action" in messages["actions"]
    record = read_docx(save(tmp_path, "rules2.docx", make(spec, answers, {"actions": [{"action": "Do it"}]})), library)
    messages = [p.message for p in record.problems]
    assert "11.3 action 1: 'Responsible person' is missing." in messages
    assert "11.3 action 1: 'Action required date' is missing." in messages
    assert not any("at least one action" in m for m in messages)


# ---- versions ------------------------------------------------------------------------


def test_older_version_still_reads_and_the_newer_one_is_noted(library, tmp_path):
    folder = tmp_path / "specs"
    shutil.copytree(SPECS, folder)
    (folder / "archive").mkdir(exist_ok=True)
    current = folder / "csc_case_file_audit.yaml"
    shutil.copy(current, folder / "archive" / "csc_case_file_audit.v1.yaml")
    current.write_text(current.read_text(encoding="utf-8").replace("version: 1", "version: 2", 1), encoding="utf-8")
    newer = load_library(folder)
    spec_v1 = newer.get("csc_case_file_audit", 1)
    path = save(tmp_path, "v1.docx", make(spec_v1, {"kss1_seen_alone": "Yes"}))
    record = read_docx(path, newer)
    assert record.form_version == 1 and record.answers["kss1_seen_alone"] == "yes"
    assert any("version 2 is the current one" in n for n in record.notes)
    (folder / "archive" / "csc_case_file_audit.v1.yaml").unlink()
    record = read_docx(path, load_library(folder))
    assert record.status == "unreadable" and "archive" in record.problems[0].message


# ---- bad files -----------------------------------------------------------------------


def test_wrong_kinds_of_file_say_what_they_are(library, tmp_path):
    from pypdf import PdfWriter

    pdf = PdfWriter()
    pdf.add_blank_page(595, 842)
    pdf.write(tmp_path / "form.pdf")
    assert "a PDF" in unreadable(tmp_path / "form.pdf", library)
    shutil.copy(tmp_path / "form.pdf", tmp_path / "renamed.docx")
    assert "despite its name, this is a PDF" in unreadable(tmp_path / "renamed.docx", library)
    for suffix, words in ((".doc", "Word 97-2003"), (".odt", "OpenDocument"), (".docm", "macro-enabled")):
        path = save(tmp_path, f"form{suffix}", make(library.latest("csc_case_file_audit")))
        assert words in unreadable(path, library)


def test_docm_content_renamed_to_docx(library, tmp_path):
    def macro_type(name, content):
        return content.replace(b"document.main+xml", b"document.macroEnabled.main+xml")

    path = save(tmp_path, "macro.docx", rewrite_parts(make(library.latest("csc_case_file_audit")), macro_type))
    assert "macro-enabled" in unreadable(path, library)


@needs_soffice
def test_real_doc_and_odt_renamed_to_docx(library, tmp_path, lo_profile):
    source = save(tmp_path, "source.docx", make(library.latest("csc_case_file_audit")))
    (doc,) = libreoffice_convert([source], tmp_path / "doc", "doc", lo_profile)
    (odt,) = libreoffice_convert([source], tmp_path / "odt", "odt", lo_profile)
    shutil.copy(doc, tmp_path / "doc.docx")
    shutil.copy(odt, tmp_path / "odt.docx")
    assert "Word 97-2003" in unreadable(tmp_path / "doc.docx", library)
    assert "not an auditdocs form" in unreadable(tmp_path / "odt.docx", library) or "not a Word document" in unreadable(
        tmp_path / "odt.docx", library)


def test_password_protected(library, tmp_path):
    msoffcrypto = pytest.importorskip("msoffcrypto.format.ooxml", reason="msoffcrypto-tool makes the encrypted file")
    plain = save(tmp_path, "plain.docx", make(library.latest("csc_case_file_audit")))
    with plain.open("rb") as source, (tmp_path / "locked.docx").open("wb") as target:
        msoffcrypto.OOXMLFile(source).encrypt("secret", target)
    assert "password" in unreadable(tmp_path / "locked.docx", library)


def test_corrupt_truncated_and_not_a_form(library, tmp_path):
    data = make(library.latest("csc_case_file_audit"))
    assert "not a .docx file" in unreadable(save(tmp_path, "junk.docx", b"just some text\n" * 50), library)
    assert "damaged or incomplete" in unreadable(save(tmp_path, "half.docx", data[: len(data) // 2]), library)
    import docx

    other = docx.Document()
    other.add_paragraph("A letter, not a form")
    other.save(tmp_path / "letter.docx")
    assert "not an auditdocs form" in unreadable(tmp_path / "letter.docx", library)


def test_zip_bomb_is_refused_quickly(library, tmp_path):
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("word/document.xml", "w", force_zip64=True) as part:
            chunk = b"\0" * (1 << 20)
            for _ in range(101):
                part.write(chunk)
    assert "refused for safety" in unreadable(path, library)
    ratio = tmp_path / "ratio.docx"
    with zipfile.ZipFile(ratio, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"<a/>" + b" " * (20 << 20))
    assert "zip bomb" in unreadable(ratio, library)


def test_xml_with_entity_declarations_is_refused(library, tmp_path):
    def declare_entities(name, content):
        if name != "word/document.xml":
            return content
        hidden = b"<!--" + b" <a" * 3000 + b" -->"  # far from the start, after something that looks like markup
        return content.replace(b"?>", b'?>' + hidden + b'<!DOCTYPE w:document [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>', 1)

    data = rewrite_parts(make(library.latest("csc_case_file_audit")), declare_entities)
    assert "entities" in unreadable(save(tmp_path, "entities.docx", data), library)


def test_a_form_read_once_has_the_file_check_of_its_bytes(library, tmp_path):
    """A Word form is read from disk once: its file check (the hash of its bytes) is made from the bytes read,
    the same as hashing the file apart (`read.file_check`, as every other file is), whatever the file."""
    from auditdocs.forms.read import file_check, read_form

    spec = library.latest("csc_case_file_audit")
    data = make(spec, *full_answers(spec))
    filled = save(tmp_path, "filled.docx", data)
    assert read_docx(filled, library).file_check == file_check(filled) != ""  # by the reader itself
    files = [filled, save(tmp_path, "empty.docx", make(spec)), save(tmp_path, "half.docx", data[: len(data) // 2]),
             save(tmp_path, "junk.docx", b"just some text\n" * 50), save(tmp_path, "template.dotx", data),
             *sorted((REALWORLD / "word").glob("*.do*"))]
    for path in files:
        assert read_form(path, library).file_check == file_check(path) != "", path.name


@pytest.mark.skipif(not (REALWORLD / "word").is_dir(), reason="the shared real-world Word files are not on this machine")
def test_real_world_word_files_are_refused_politely(library):
    for path in sorted((REALWORLD / "word").glob("*.do*")):
        record = read_docx(path, library)
        assert record.status == "unreadable", path.name
        assert record.problems[0].message


# ---- a council's own template -------------------------------------------------------------


def test_council_template_is_merged_and_read_by_tags(library, tmp_path):
    import docx

    from auditdocs.forms.docx.oxml import block_sdt, dropdown_kind, para, run, sdt_props

    spec = library.latest("front_door_referrals")
    template = docx.Document()
    template.add_paragraph("Council of Example — front door audit for {{ given_names }} {{ family_name }} ({{ case_number }})")
    body = template.element.body
    ids = iter(range(1, 1000))
    for f in spec.fields:
        kind = dropdown_kind([(o.label, o.value) for o in f.scale.options]) if f.scale else None
        body[-1].addprevious(para(run(f.label)))
        body[-1].addprevious(block_sdt(sdt_props(tag=f.id, alias=f.label, sdt_id=next(ids), lock=None, kind=kind,
                                                 showing_placeholder=False), para(run(""))))
    template.core_properties.author = "Council Officer Name"
    template.save(tmp_path / "council.docx")

    maker = form_for(spec, template=tmp_path / "council.docx")
    assert any("no content control" in w for w in maker.warnings)  # the action table has no controls here
    values = record_values(spec, 2)
    data = maker.render(values, "AUD-202611-COUNCIL1")
    assert b"Council Officer Name" not in b"".join(zipfile.ZipFile(io.BytesIO(data)).read(n)
                                                    for n in zipfile.ZipFile(io.BytesIO(data)).namelist())
    answers, _ = full_answers(spec)
    path = save(tmp_path, "merged.docx", fill_docx(data, answers))
    text = "".join(etree.fromstring(zipfile.ZipFile(path).read("word/document.xml")).itertext())
    assert f"{values['given_names']} {values['family_name']} ({values['case_number']})" in text
    record = read_docx(path, library)
    assert record.audit_id == "AUD-202611-COUNCIL1"
    assert record.answers == as_values(spec, answers)
    assert record.subject["case_number"] == values["case_number"]


def test_council_template_with_its_tags_lost_reads_by_order_and_kind(library, tmp_path):
    import docx

    from auditdocs.forms.docx.oxml import (
        block_sdt,
        date_kind,
        dropdown_kind,
        para,
        run,
        sdt_props,
    )

    spec = library.latest("front_door_referrals")
    template = docx.Document()
    template.add_paragraph("Front door audit for {{ case_number }}")
    body = template.element.body
    for n, f in enumerate(spec.fields, start=1):
        kind = dropdown_kind([(o.label, o.value) for o in f.scale.options]) if f.scale else (
            date_kind() if f.type == "date" else None)
        body[-1].addprevious(block_sdt(sdt_props(tag=f.id, alias=f.label, sdt_id=n, lock=None, kind=kind,
                                                 showing_placeholder=False), para(run(""))))
    template.save(tmp_path / "council.docx")
    answers, _ = full_answers(spec)
    data = fill_docx(form_for(spec, template=tmp_path / "council.docx").render(record_values(spec), "AUD-1"), answers)
    record = read_docx(save(tmp_path, "untagged.docx", edit_document(data, strip_tags)), library)
    assert record.answers == as_values(spec, answers)


def test_specs_tags_lists_every_tag(library):
    result = CliRunner().invoke(cli, ["--specs", str(SPECS), "specs", "tags", "csc_case_file_audit"])
    assert result.exit_code == 0
    spec = library.latest("csc_case_file_audit")
    listed = [line.split()[0] for line in result.output.splitlines()]
    assert listed == spec.tags


# ---- the parse command -------------------------------------------------------------------


def test_parse_command_batch_json_returns_and_exit_codes(library, tmp_path):
    spec = library.latest("csc_case_file_audit")
    answers, tables = full_answers(spec)
    folder = tmp_path / "returned"
    (folder / "Auditor 0").mkdir(parents=True)
    save(folder / "Auditor 0", "complete.docx", make(spec, answers, tables))
    save(folder / "Auditor 0", "~$complete.docx", b"lock file junk")
    save(folder / "Auditor 0", ".hidden.docx", b"junk")
    save(folder, "incomplete.docx", make(spec, {"kss1_seen_alone": "Yes"}, seed=1))
    save(folder, "broken.docx", b"not a zip")
    runner = CliRunner()
    args = ["--specs", str(SPECS), "parse", str(folder), "--json", str(tmp_path / "out.json")]
    result = runner.invoke(cli, args)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith(("complete", "incomplete", "unreadable"))]
    assert len(lines) == 3, result.output
    assert "~$" not in result.output and ".hidden" not in result.output
    assert "3 forms: 1 complete, 1 incomplete, 1 unreadable." in result.output
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    complete = next(d for d in data if d["status"] == "complete")
    assert set(complete) == {"file", "status", "form", "audit_id", "subject", "answers", "tables", "problems"}
    assert complete["answers"] == answers and complete["tables"] == tables
    assert complete["form"] == {"id": spec.id, "version": 1}
    returns = runner.invoke(cli, ["--specs", str(SPECS), "parse", str(folder), "--returns"])
    assert "To Auditor 1:" in returns.output and "1.2 Answer: not answered." in returns.output
    assert "send them back by " in returns.output
    ok = runner.invoke(cli, ["--specs", str(SPECS), "parse", str(folder / "Auditor 0")])
    assert ok.exit_code == 0, ok.output


def test_text_typed_over_a_placeholder_whose_flag_stayed_is_the_answer(library, tmp_path):
    """Editors other than Word leave w:showingPlcHdr set after the text is typed: the text is the answer,
    and only the placeholder itself (ours, Word's, or the template's own from the glossary) is blank."""
    spec = library.latest("csc_case_file_audit")
    data = make(spec, {"kss1_seen_alone": "Yes", "kss1_seen_alone.evidence": "Seen alone at school on 3 visits.",
                       "kss1_views_sought.evidence": "Click or tap here to enter text."})

    def flag_again(root):
        for tag in ("kss1_seen_alone", "kss1_seen_alone.evidence", "kss1_views_sought.evidence",
                    "kss1_services_secured.evidence", "kss1_advocate.evidence"):
            props = control(root, tag).find(W + "sdtPr")
            if props.find(W + "showingPlcHdr") is None:
                props.find(W + "id").addnext(etree.Element(W + "showingPlcHdr"))
        custom = control(root, "kss1_advocate.evidence")
        placeholder = etree.SubElement(custom.find(W + "sdtPr"), W + "placeholder")
        etree.SubElement(placeholder, W + "docPart", {W + "val": "CouncilViews"})
        next(custom.iter(W + "t")).text = "Write the child's views here, in their words"

    glossary = (f'<w:glossaryDocument xmlns:w="{W_NS}"><w:docParts><w:docPart><w:docPartPr><w:name w:val='
                '"CouncilViews"/></w:docPartPr><w:docPartBody><w:p><w:r><w:t>Write the child\'s views here, in '
                'their words</w:t></w:r></w:p></w:docPartBody></w:docPart></w:docParts></w:glossaryDocument>').encode()

    def add_glossary(name, content):
        if name == "word/_rels/document.xml.rels":
            return content.replace(b"</Relationships>", b'<Relationship Id="rIdGlossary" Type="http://schemas.'
                                   b'openxmlformats.org/officeDocument/2006/relationships/glossaryDocument" '
                                   b'Target="glossary/document.xml"/></Relationships>')
        return content

    package = io.BytesIO(rewrite_parts(edit_document(data, flag_again), add_glossary))
    with zipfile.ZipFile(package, "a") as z:
        z.writestr("word/glossary/document.xml", glossary)
    record = read_docx(save(tmp_path, "flagged.docx", package.getvalue()), library)
    assert record.answers["kss1_seen_alone"] == "yes"
    assert record.answers["kss1_seen_alone.evidence"] == "Seen alone at school on 3 visits."
    for placeholder in ("kss1_views_sought.evidence", "kss1_services_secured.evidence", "kss1_advocate.evidence"):
        assert placeholder not in record.answers, placeholder  # Word's, ours and the template's own placeholder


def council_template(spec, path: Path) -> Path:
    """A council's own template as QA officers make them: details as Jinja placeholders in the text,
    a content control tagged with each answer's field id, and each action table as a Word table
    whose rows hold controls tagged '<table>.<column>'."""
    import docx

    from auditdocs.forms.docx import oxml

    ids = iter(range(1, 10**6))

    def control(tag, alias, kind):
        if kind == "checkbox":
            props = oxml.sdt_props(tag=tag, alias=alias, sdt_id=next(ids), lock=None, kind=None, showing_placeholder=False)
            props.append(oxml.checkbox_kind(False))
            return oxml.block_sdt(props, oxml.para(oxml.run("☐")))
        props = oxml.sdt_props(tag=tag, alias=alias, sdt_id=next(ids), lock=None, kind=kind, showing_placeholder=False)
        return oxml.block_sdt(props, oxml.para())

    def kind_of(f):
        if f.scale:
            return oxml.dropdown_kind([(o.label, o.value) for o in f.scale.options])
        return oxml.date_kind() if f.type == "date" else "checkbox" if f.type == "checkbox" else None

    template = docx.Document()
    template.add_paragraph("Council of Example: case file audit for {{ given_names }} "
                           "({{ case_number }}), born {{ date_of_birth }}. Worker: {{ social_worker }}, "
                           "team {{ team }}. Auditor: {{ auditor }}, due {{ due_date }}. Audit {{ audit_id }}.")
    body = template.element.body
    family = oxml.sdt_props(tag="family_name", alias="Family name", sdt_id=next(ids), lock="sdtContentLocked",
                            kind=oxml.el("w:text"), showing_placeholder=False)
    family = oxml.block_sdt(family, oxml.text_para("{{ family_name }}"))
    body[-1].addprevious(family)
    for _, item in spec.items():
        if isinstance(item, m.Actions):
            t = item.table
            heading = oxml.row(*(oxml.cell(1400, oxml.text_para(c.label)) for c in t.columns))
            rows = [oxml.row(*(oxml.cell(1400, control(c.tag(t.id), c.label, kind_of(c))) for c in t.columns))
                    for _ in range(3)]
            body[-1].addprevious(oxml.text_para(f"{t.ref} {t.title}"))
            body[-1].addprevious(oxml.table([1400] * len(t.columns), [heading, *rows], style="TableGrid"))
            body[-1].addprevious(oxml.para())
            continue
        for f in item.fields:
            body[-1].addprevious(oxml.text_para(f.label))
            body[-1].addprevious(control(f.id, f.label, kind_of(f)))
    template.save(path)
    return path


def test_council_template_reads_every_action_row_in_order_and_an_untouched_form_is_complete(library, tmp_path):
    spec = library.latest("csc_case_file_audit")
    maker = form_for(spec, template=council_template(spec, tmp_path / "council.docx"))
    values = record_values(spec, 3)
    answers, _ = full_answers(spec, seed=4)
    rng = random.Random(4)
    tables = {t.id: [{c.id: answer_for(c, rng, n) for c in t.columns} for n in range(6 if t.id == "actions" else 2)]
              for t in spec.tables}
    data = fill_docx(maker.render(values, "AUD-202611-COUNCIL6"), answers, tables)
    record = read_docx(save(tmp_path, "merged.docx", data), library)
    assert record.tables == tables_as_values(spec, tables)  # all 6 rows, in order
    assert record.answers == as_values(spec, answers)
    assert (record.problems, record.status) == ([], "complete")
    assert record.subject["case_number"] == values["case_number"]
    untouched = read_docx(save(tmp_path, "blank.docx", maker.render(values, "AUD-202611-COUNCIL7")), library)
    assert untouched.status == "incomplete" and not any("details at the top" in p.message for p in untouched.problems)

    def change_the_name(root):  # the one detail the template shows in a tagged control
        next(control(root, "family_name").iter(W + "t")).text = "Otherperson"

    changed = read_docx(save(tmp_path, "changed.docx", edit_document(data, change_the_name)), library)
    assert changed.subject["family_name"] == "Otherperson"
    assert any("details at the top" in p.message for p in changed.problems)


def split_table(root, tag: str, after: int, note: str = "") -> None:
    """Word's Layout > Split Table (or a paragraph typed between two rows): the rows after row
    `after` become a second table, with a paragraph between the two."""
    tr = control(root, tag).getparent().getparent()
    tbl = tr.getparent()
    rows = tbl.findall(W + "tr")
    second = etree.Element(W + "tbl")
    for kept in (tbl.find(W + "tblPr"), tbl.find(W + "tblGrid")):
        second.append(copy.deepcopy(kept))
    for moved in rows[after + 1:]:
        second.append(moved)
    between = etree.Element(W + "p")
    if note:
        etree.SubElement(etree.SubElement(between, W + "r"), W + "t").text = note
    tbl.addnext(between)
    between.addnext(second)


def test_actions_in_a_split_table_are_all_read(library, tmp_path):
    spec = library.latest("csc_case_file_audit")
    rows = [{"action": f"Action {n}", "responsible_person": "Jo Fictional", "required_date": f"2026-12-{n + 10}"}
            for n in range(5)]
    mo_rows = [{"action": "Discuss in supervision", "responsible_person": "Terry Manager", "required_date": "2026-12-01"}]
    data = make(spec, tables={"actions": rows, "mo_actions": mo_rows})
    splits = {
        "split.docx": lambda root: split_table(root, "actions.action", after=2),
        "split twice.docx": lambda root: (split_table(root, "actions.action", after=4),
                                          split_table(root, "actions.action", after=1)),
        "note between.docx": lambda root: split_table(root, "actions.action", after=3, note="Added after the meeting:"),
        "split, then saved without tags.docx": lambda root: (split_table(root, "actions.action", after=2),
                                                             strip_tags(root)),
    }
    for name, change in splits.items():
        record = read_docx(save(tmp_path, name, edit_document(data, change)), library)
        assert record.tables == tables_as_values(spec, {"actions": rows, "mo_actions": mo_rows}), name
    assert tables_as_values(spec, {"actions": rows})["actions"][0] == read_docx(
        save(tmp_path, "whole.docx", data), library).tables["actions"][0]


#: What auditors quote: names and words in other scripts within English sentences.
MIXED_SCRIPTS = [
    "Child said \u0645\u0631\u062d\u0628\u0627 \u0628\u0643 to the worker",  # Arabic
    "Mother calls him \u0639\u0644\u06cc \u0628\u06be\u0627\u0626\u06cc at home",  # Urdu
    "Name written as \u674e\u5c0f\u9f99 in the file",  # Chinese
    "Drew a \U0001F3E0 and a \U0001F60A face",  # emoji
    "Zofia \u0141ukasik and \u738b\u82b3 spoke",  # Polish with Chinese
    "\u0639\u0627\u0626\u0634\u0629 first, then English",  # starting in Arabic
    "\u0645\u0631\u062d\u0628\u0627 \u0628\u0643",  # Arabic only
    "a\u0645b\u674ec\U0001F3E0d",  # a change of script at every character
]


@needs_soffice
def test_text_in_several_scripts_reads_back_as_typed_after_libreoffice(library, tmp_path, lo_profile):
    """LibreOffice 7.4 saves a control holding text in two scripts as one control per script run,
    each repeating the whole text; the reader gets back what was typed, and where the text was
    changed after that damage, it says so for that field."""
    spec = library.latest("csc_case_file_audit")
    values = {**record_values(spec, 5), "given_names": "Amelia \u0639\u0627\u0626\u0634\u0629",
              "family_name": "\u674e Testworth"}
    answers, tables = full_answers(spec, seed=5)
    rich = [f.id for f in spec.fields if f.type == "text" and not f.scale]
    answers.update(zip(rich, MIXED_SCRIPTS))
    answers[rich[len(MIXED_SCRIPTS)]] = "Para one.\nPara two \u674e\u5c0f\u9f99 mixed.\n\nPara \u0645\u0631\u062d\u0628\u0627"
    for n, row in enumerate(tables["actions"]):
        row.update(action=MIXED_SCRIPTS[n], responsible_person=MIXED_SCRIPTS[-1 - n],  # plain-text controls
                   responsible_role=MIXED_SCRIPTS[n + 2])
    data = WordForm(spec).render(values, "AUD-202611-SCRIPTS")
    filled = save(tmp_path, "scripts.docx", fill_docx(data, answers, tables))
    (once,) = libreoffice_convert([filled], tmp_path / "once", "docx:MS Word 2007 XML", lo_profile)
    (twice,) = libreoffice_convert([once], tmp_path / "twice", "docx:MS Word 2007 XML", lo_profile)
    for path in (once, twice):
        record = read_docx(path, library)
        assert (record.answers, record.tables) == (as_values(spec, answers), tables_as_values(spec, tables)), path.parent.name
        assert (record.subject["given_names"], record.subject["family_name"]) == (values["given_names"],
                                                                                  values["family_name"])
        assert (record.problems, record.status) == ([], "complete"), path.parent.name

    def edit_the_damaged_text(root):  # an auditor retyping part of what LibreOffice showed them
        pieces = [s for s in root.iter(W + "sdt") if "".join(s.itertext()).endswith(MIXED_SCRIPTS[2])]
        next(pieces[1].iter(W + "t")).text = "\u674e\u5c0f "

    edited = read_docx(save(tmp_path, "edited.docx", edit_document(once.read_bytes(), edit_the_damaged_text)), library)
    field = spec.field(rich[2])
    [problem] = [p for p in edited.problems if p.field == field.id]
    assert problem.message.startswith(f"{field.label}: LibreOffice damaged this answer") and "check it" in problem.message
    assert MIXED_SCRIPTS[2] in edited.answers[field.id]  # what the document holds, kept for checking


def test_the_pieces_libreoffice_makes_are_put_back_together_and_nothing_else_is():
    from auditdocs.forms.docx.libreoffice import libreoffice_whole_text as whole

    typed = "Name written as \u674e\u5c0f\u9f99 in the file"
    once = [typed, "\u674e\u5c0f\u9f99 " + typed, "in the file" + typed]  # as LibreOffice 7.4 saved it
    assert whole(once) == typed
    twice = [piece for saved in once for piece in [saved, "\u674e\u5c0f\u9f99 " + saved, "in the file" + saved]]
    assert whole(twice) == typed  # saved again: each piece broken up the same way
    assert whole([typed, "", ""]) == typed  # the repeats deleted by hand
    for not_pieces in (["ha", "ha"], ["Yes", "No"], ["in the file", typed], [typed, typed + "!"], []):
        assert whole(not_pieces) is None, not_pieces


# ---- date controls in their own format (issue 20, point 4) ------------------------------------------


def test_a_date_control_is_read_by_its_stored_date_and_its_own_format_never_by_a_guess(library, tmp_path):
    """Most Microsoft-made templates show dates month-first (M/d/yyyy): the date Word stores (w:fullDate)
    comes first, then the text by the control's own format."""
    spec = library.latest("csc_case_file_audit")
    dates = [f for f in spec.fields if f.type == "date"][:1] + [c for c in spec.table("actions").columns
                                                                  if c.type == "date"]
    data = make(spec, {dates[0].id: "2026-11-05"}, {"actions": [
        {"action": "Update the plan", "responsible_person": "Jo Fictional", "required_date": "2026-12-01"},
        {"action": "Visit", "responsible_person": "Jo Fictional", "required_date": "2026-12-02"}]})

    def month_first(stored, shown):
        def change(root):
            tags = (dates[0].id, "actions.required_date")
            controls = [s for s in root.iter(W + "sdt") if s.find(f"{W}sdtPr/{W}tag") is not None
                        and s.find(f"{W}sdtPr/{W}tag").get(W + "val") in tags]
            controls.sort(key=lambda s: s.find(f"{W}sdtPr/{W}tag").get(W + "val") != tags[0])
            for sdt, full, text in zip(controls, stored, shown):
                date = sdt.find(f"{W}sdtPr/{W}date")
                date.find(W + "dateFormat").set(W + "val", "M/d/yyyy")
                if full:
                    date.set(W + "fullDate", full)
                else:
                    date.attrib.pop(W + "fullDate", None)
                ts = list(sdt.iter(W + "t"))
                ts[0].text = text
                for t in ts[1:]:
                    t.text = ""
        return change

    cases = {
        "as Word saves it": (["2026-11-05T00:00:00Z", "2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z"],
                             ["11/5/2026", "12/1/2026", "12/2/2026"]),
        "without the stored date": ([None, None, None], ["11/5/2026", "12/1/2026", "12/2/2026"]),
        "text changed by another editor": (["2026-11-05T00:00:00Z", "2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z"],
                                           ["11/6/2026", "12/1/2026", "12/2/2026"]),
    }
    for name, (stored, shown) in cases.items():
        record = read_docx(save(tmp_path, f"{name}.docx", edit_document(data, month_first(stored, shown))), library)
        expected = dt.date(2026, 11, 6) if name.startswith("text changed") else dt.date(2026, 11, 5)
        assert record.answers[dates[0].id] == expected, name
        assert [r["required_date"] for r in record.tables["actions"]] == [dt.date(2026, 12, 1), dt.date(2026, 12, 2)], name


# ---- forms saved in other formats (issue 20, point 6) -----------------------------------------------


def test_a_form_saved_as_strict_open_xml_is_read_as_usual_with_a_note(library, tmp_path):
    spec = library.latest("csc_case_file_audit")
    answers, tables = full_answers(spec)
    path = save(tmp_path, "strict.docx", as_strict(make(spec, answers, tables)))
    assert b"purl.oclc.org" in zipfile.ZipFile(path).read("word/document.xml")
    record = read_docx(path, library)
    assert (record.status, record.answers, record.tables) == ("complete", as_values(spec, answers), tables_as_values(spec, tables))
    assert record.audit_id == "AUD-202611-TEST0000"
    assert any("saved as a Strict Open XML Document; it was read as usual" in n for n in record.notes)


@pytest.mark.skipif(not Path("/work/shared/realworld/word/oxsdk__Strict01.docx").is_file(),
                    reason="the shared real-world Strict file is not on this machine")
def test_words_own_strict_document_is_read_and_named_for_what_it_is(library):
    record = read_docx(Path("/work/shared/realworld/word/oxsdk__Strict01.docx"), library)
    assert record.status == "unreadable"
    assert "not an auditdocs form" in record.problems[0].message  # not "has no body"


def test_forms_saved_as_templates_are_listed_with_what_to_do(library, tmp_path):
    """A .dotx or .xltx holds the form: it is read (with a note saying how to save forms); a .dotm or
    .xltm is refused with what to do; none is passed over without a word."""
    from auditdocs.forms.xlsx import XlsxForm
    from auditdocs.forms.xlsx.fill import fill_xlsx

    spec = library.latest("csc_case_file_audit")
    answers, tables = full_answers(spec)
    folder = tmp_path / "returned"
    folder.mkdir()
    saved_as(folder, "Ava form.dotx", make(spec, answers, tables))
    saved_as(folder, "Ben form.dotm", make(spec, answers, tables, seed=2))
    excel = XlsxForm(spec).render(record_values(spec, 3), "AUD-202611-TEST0003")
    saved_as(folder, "Cai form.xltx", fill_xlsx(excel, answers, tables))
    saved_as(folder, "Dan form.xltm", fill_xlsx(excel, answers, tables))
    result = CliRunner().invoke(cli, ["--specs", str(SPECS), "parse", str(folder)])
    assert "Traceback" not in result.output
    for name, what, instead in [("Ava form.dotx", "a Word template (.dotx)", "Word Document (.docx)"),
                                ("Cai form.xltx", "an Excel template (.xltx)", "Excel Workbook (.xlsx)")]:
        assert (f"complete    {folder / name}\n            note: the form was saved as {what} instead of as "
                f"{instead}; it was read as usual.") in result.output
    assert f"unreadable  {folder / 'Ben form.dotm'}: this is a macro-enabled Word template (.dotm)." in result.output
    assert f"unreadable  {folder / 'Dan form.xltm'}: this is a macro-enabled Excel template (.xltm)." in result.output
    assert "Save As > Word Document (.docx)" in result.output and "Save As > Excel Workbook (.xlsx)" in result.output
    assert "4 forms: 2 complete, 0 incomplete, 2 unreadable." in result.output


# ---- a choice changed with tracked changes on, then saved by LibreOffice (issue 20, point 5) ---------


def change_choice_tracked(sdt, new: str) -> None:
    """What Word writes when a person changes a dropdown's choice with Review > Track Changes on: the
    old text deleted, then the new one inserted, inside the control."""
    flag = sdt.find(f"{W}sdtPr/{W}showingPlcHdr")
    if flag is not None:
        flag.getparent().remove(flag)
    p = sdt.find(f"{W}sdtContent/{W}p")
    deleted = etree.SubElement(p, W + "del", {W + "id": "901", W + "author": "Jo Auditor", W + "date": "2026-11-20T10:00:00Z"})
    for r in p.findall(W + "r"):
        for t in r.iter(W + "t"):
            t.tag = W + "delText"
        deleted.append(r)
    inserted = etree.SubElement(p, W + "ins", {W + "id": "902", W + "author": "Jo Auditor", W + "date": "2026-11-20T10:01:00Z"})
    etree.SubElement(etree.SubElement(inserted, W + "r"), W + "t").text = new


@needs_soffice
def test_a_choice_changed_with_tracked_changes_then_saved_by_libreoffice_reads_as_the_new_choice(
        library, tmp_path, lo_profile):
    spec = library.latest("csc_case_file_audit")
    answers, tables = full_answers(spec)
    changed, first = [f for f in spec.fields if f.scale and answers.get(f.id)][:2]
    new = next(o.label for o in changed.scale.options if o.label != answers[changed.id])
    old = answers[changed.id]
    del answers[first.id]  # chosen for the first time with tracked changes on (over the placeholder)
    data = make(spec, answers, tables)

    def in_word(root):
        change_choice_tracked(control(root, changed.id), new)
        change_choice_tracked(control(root, first.id), first.scale.options[0].label)

    tracked = save(tmp_path, "tracked.docx", edit_document(data, in_word))
    assert read_docx(tracked, library).answers[changed.id] == value_held(changed, new)  # Word's own file: read as if accepted
    (saved,) = libreoffice_convert([tracked], tmp_path / "lo", "docx:MS Word 2007 XML", lo_profile)
    record = read_docx(saved, library)
    assert record.answers == as_values(spec, {**answers, changed.id: new, first.id: first.scale.options[0].label})
    assert record.tables == tables_as_values(spec, tables)
    problems = [p for p in record.problems if p.field == changed.id]
    assert [p.message for p in problems] == [
        f"{changed.label}: LibreOffice saved this choice, made in Word with tracked changes on, as '{old}{new}' "
        f"(the choice before the change, '{old}', and the one after it run together); it was read as '{new}', "
        "the later one. Check it: in Word, turn off Review > Track Changes, choose the answer again and send the "
        "form again."]
    assert not any(p.field == first.id for p in record.problems)


def test_text_read_in_one_go_is_the_text_of_its_text_elements():
    """Where all of a body's text is in text elements (as Word writes it), a cell's or a paragraph's text is read
    in one go (`_Body.plain`): the same text as reading its text elements one by one, for every cell, paragraph
    and control of a filled form, also with tracked changes, tabs, breaks and placeholders; text outside text
    elements (a pretty-printed part) is read the careful way."""
    from auditdocs.forms.docx import reader

    lib = load_library(SPECS)
    spec = lib.current()[0]
    answers, tables = full_answers(spec)

    def revised(root):
        p = next(root.iter(f"{W}p"))
        run = etree.SubElement(etree.SubElement(p, f"{W}ins"), f"{W}r")
        etree.SubElement(run, f"{W}t").text = "inserted"
        etree.SubElement(run, f"{W}tab")
        etree.SubElement(run, f"{W}br")
        etree.SubElement(etree.SubElement(etree.SubElement(p, f"{W}del"), f"{W}r"), f"{W}delText").text = "gone"

    for data in (make(spec, answers, tables), make(spec), edit_document(make(spec, answers, tables), revised)):
        xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
        body = reader._prepare(reader.parse_xml(xml, "document").find(f"{W}body"), {})
        assert body.plain
        elements = [e for tag in ("tc", "p", "sdt", "tr", "tbl") for e in body.element.iter(f"{W}{tag}")]
        assert elements
        for e in elements:
            assert reader._visible_text(e, True) == reader._visible_text(e, False)
        pretty = etree.tostring(etree.fromstring(xml), pretty_print=True)
        assert not reader._prepare(reader.parse_xml(pretty, "document").find(f"{W}body"), {}).plain
