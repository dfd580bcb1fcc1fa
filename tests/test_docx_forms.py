"""Word forms as generated: valid, complete, protected, identified, private."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from helpers import (
    broken,
    docx_schema_errors,
    heading_words,
    last_page_fill,
    library_from_text,
    libreoffice_convert,
    needs_soffice,
    one_of_each_form,
    record_values,
)
from lxml import etree
from pypdf import PdfReader

from auditdocs.domain import identity
from auditdocs.forms.docx.fill import fill_docx
from auditdocs.forms.docx.writer import WordForm
from auditdocs.forms.ooxml import NS

W_NS, W14_NS = NS["w"], NS["w14"]
W = f"{{{W_NS}}}"
AUDIT_ID = "AUD-202611-TESTTEST"

ALL_KINDS = (Path(__file__).parent / "data" / "all_kinds.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def all_kinds(tmp_path_factory):
    return library_from_text(tmp_path_factory.mktemp("specs"), "all_kinds", ALL_KINDS).latest("all_kinds")


def render(spec, seed=0) -> bytes:
    return WordForm(spec).render(record_values(spec, seed), AUDIT_ID)


def document(data: bytes) -> etree._Element:
    return etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))


def controls(root) -> dict[str, list]:
    found: dict[str, list] = {}
    for sdt in root.iter(W + "sdt"):
        tag = sdt.find(f"{W}sdtPr/{W}tag")
        found.setdefault(tag.get(W + "val"), []).append(sdt)
    return found


def test_every_form_is_schema_valid_wordprocessingml(library):
    for spec in library.current():
        assert docx_schema_errors(render(spec)) == [], spec.id


def test_the_checkbox_and_every_other_kind_are_valid(all_kinds):
    assert docx_schema_errors(render(all_kinds)) == []


def test_every_field_has_exactly_one_control_of_the_right_kind(library):
    for spec in library.current():
        found = controls(document(render(spec)))
        for f in spec.fields:
            assert len(found.get(f.id, [])) == 1, (spec.id, f.id)
            props = found[f.id][0].find(W + "sdtPr")
            kind = ("dropDownList" if f.scale else "date" if f.type == "date" else "text" if f.type == "line" else None)
            if kind:
                assert props.find(W + kind) is not None, (spec.id, f.id, kind)
            else:  # rich text: no type element, several paragraphs allowed
                assert not any(props.find(W + k) is not None for k in ("text", "date", "dropDownList")), f.id
            assert props.find(W + "alias").get(W + "val").startswith(f.ref)
            assert props.find(W + "lock").get(W + "val") == "sdtLocked"
        for t in spec.tables:
            for c in t.columns:
                assert len(found.get(c.tag(t.id), [])) == t.rows, (spec.id, c.tag(t.id))
        for h in spec.header:
            assert len(found[h.id]) == 1
            assert found[h.id][0].find(f"{W}sdtPr/{W}lock").get(W + "val") == "sdtContentLocked"


def test_control_kinds_details(all_kinds):
    found = controls(document(render(all_kinds)))
    box = found["tick"][0].find(f"{W}sdtPr/{{{W14_NS}}}checkbox")
    assert box is not None
    date = found["when"][0].find(f"{W}sdtPr/{W}date")
    assert date.find(W + "dateFormat").get(W + "val") == "dd/MM/yyyy"
    assert date.find(W + "lid").get(W + "val") == "en-GB"
    items = [i.get(W + "displayText") for i in found["q1"][0].iter(W + "listItem")]
    assert items == ["Yes", "Partially", "No", "N/A"]
    assert found["q1"][0].find(f"{W}sdtPr/{W}showingPlcHdr") is not None
    placeholder = "".join(found["q1.evidence"][0].itertext())
    assert placeholder == "Type the evidence here"
    assert len(found["visit.date"]) == len(found["visit.confirm"]) == len(found["visit.comment"]) == 1


def test_each_answer_sits_in_its_own_cell_of_a_row_with_its_reference(library):
    spec = library.latest("csc_case_file_audit")
    root = document(render(spec))
    for f in spec.fields:
        sdt = controls(root)[f.id][0]
        tc = sdt.getparent()
        assert tc.tag == W + "tc"
        assert len(list(tc.iter(W + "sdt"))) == 1
        row = tc.getparent()
        assert "".join(row.find(W + "tc").itertext()).startswith(f.ref)


def test_headings_guidance_footer_and_a4(library):
    spec = library.latest("foster_carer_case_file_audit")
    data = render(spec)
    root = document(data)
    headings = ["".join(p.itertext()) for p in root.iter(W + "p")
                if p.find(f"{W}pPr/{W}pStyle") is not None and p.find(f"{W}pPr/{W}pStyle").get(W + "val") == "Heading1"]
    assert len(headings) == len(spec.sections)
    assert any(p.find(f"{W}pPr/{W}pStyle") is not None and p.find(f"{W}pPr/{W}pStyle").get(W + "val") == "Guidance"
               for p in root.iter(W + "p"))
    size = root.find(f"{W}body/{W}sectPr/{W}pgSz")
    assert (size.get(W + "w"), size.get(W + "h")) == ("11906", "16838")
    package = zipfile.ZipFile(io.BytesIO(data))
    footer = package.read("word/footer1.xml").decode()
    assert "PAGE" in footer and spec.title.replace("&", "&amp;") in footer
    styles = package.read("word/styles.xml").decode()
    assert 'w:styleId="Heading1"' in styles and '<w:outlineLvl w:val="0"/>' in styles


def test_identity_in_custom_properties_and_neutral_metadata(library):
    spec = library.latest("csc_case_file_audit")
    values = record_values(spec, 3)
    package = zipfile.ZipFile(io.BytesIO(WordForm(spec).render(values, AUDIT_ID)))
    custom = etree.fromstring(package.read("docProps/custom.xml"))
    props = {p.get("name"): p[0].text for p in custom}
    assert props[identity.PROP_AUDIT_ID] == AUDIT_ID
    assert props[identity.PROP_FORM_ID] == spec.id
    assert props[identity.PROP_FORM_VERSION] == "1"
    assert props[identity.PROP_FINGERPRINT] == identity.fingerprint(spec, values)
    assert props[identity.PROP_SUBJECT + "case_number"] == values["case_number"]
    assert identity.PROP_SUBJECT + "social_worker" not in props  # only identifiers
    core = package.read("docProps/core.xml").decode()
    assert "<dc:creator></dc:creator>" in core and "<cp:lastModifiedBy></cp:lastModifiedBy>" in core
    app = package.read("docProps/app.xml").decode()
    assert "Company" not in app
    for name in package.namelist():
        assert "/work/" not in package.read(name).decode("utf-8", "replace")


def test_no_part_holds_another_records_details(library):
    spec = library.latest("csc_case_file_audit")
    form = WordForm(spec)
    first, second = record_values(spec, 1), record_values(spec, 2)
    form.render(first, "AUD-202611-AAAAAAAA")
    package = zipfile.ZipFile(io.BytesIO(form.render(second, "AUD-202611-BBBBBBBB")))
    others = [first["family_name"], first["given_names"], first["case_number"], "AAAAAAAA"]
    for name in package.namelist():
        text = package.read(name).decode("utf-8")
        for value in others:
            assert value not in text, (name, value)
        assert second["case_number"] in text or name != "word/document.xml"


def test_values_are_escaped_not_markup(library):
    spec = library.latest("csc_case_file_audit")
    values = record_values(spec)
    values["family_name"] = 'O\'Neil <b>& "Sons"'
    data = WordForm(spec).render(values, AUDIT_ID)
    assert docx_schema_errors(data) == []
    assert 'O\'Neil <b>& "Sons"' in "".join(document(data).itertext())


def all_dates(spec, day="2026-11-30") -> tuple[dict, dict]:
    """Every date of the form, and of each action row, filled with the widest date there is."""
    answers = {f.id: day for f in spec.fields if f.type == "date"}
    tables = {t.id: [{c.id: day for c in t.columns if c.type == "date"}] * t.rows for t in spec.tables}
    return answers, tables


@needs_soffice
def test_every_form_prints_as_if_made_by_hand(library, all_kinds, tmp_path, lo_profile):
    """The forms `auditdocs generate` makes, printed by LibreOffice: A4; no reference or heading
    word cut across lines; every date whole; no last page holding only a row or two; a copied
    action row numbers itself."""
    made = one_of_each_form(tmp_path / "month")
    specs = [library.latest(form_id) for form_id in made] + [all_kinds]
    blank = list(made.values()) + [tmp_path / "all_kinds.docx"]
    blank[-1].write_bytes(render(all_kinds))
    dated = []
    for spec, source in zip(specs, blank):
        dated.append(tmp_path / f"{spec.id} dated.docx")
        dated[-1].write_bytes(fill_docx(source.read_bytes(), *all_dates(spec)))
    csc = library.latest("csc_case_file_audit")
    table = csc.tables[0]
    rows = [{"action": f"Action written in row {n}"} for n in range(1, table.rows + 3)]  # two rows copied
    copied = tmp_path / "copied rows.docx"
    copied.write_bytes(fill_docx(made[csc.id].read_bytes(), {}, {table.id: rows}))
    pdfs = libreoffice_convert(blank + dated + [copied], tmp_path / "pdf", "pdf", lo_profile)

    for spec, source, pdf, dated_pdf in zip(specs, blank, pdfs, pdfs[len(specs):]):
        reader = PdfReader(pdf)
        size = reader.pages[0].mediabox
        assert (round(float(size.width)), round(float(size.height))) == (595, 842), "A4 portrait"
        text = "\n".join(page.extract_text() for page in reader.pages)
        assert spec.sections[0].title.split(":")[0][:20] in " ".join(text.split())
        assert f"Page 1 of {len(reader.pages)}" in text
        split = sorted(w for w in heading_words(source.read_bytes()) if broken(w, text))
        assert split == [], (spec.id, split)
        if spec is not all_kinds:
            assert source.name.split()[0] in text  # the case number
            assert last_page_fill(reader) > 0.15, (spec.id, "a nearly empty last page")
        dated_text = "\n".join(page.extract_text() for page in PdfReader(dated_pdf).pages)
        assert not broken("30/11/2026", dated_text), spec.id
        dates = sum(1 for f in spec.fields if f.type == "date") + sum(
            t.rows for t in spec.tables for c in t.columns if c.type == "date")
        assert dated_text.count("30/11/2026") >= dates, spec.id

    text = "\n".join(page.extract_text() for page in PdfReader(pdfs[-1]).pages)
    for n in range(1, table.rows + 3):
        assert f"\n{n} Action written in row {n}" in text


def test_rows_never_split_and_headings_keep_with_the_next_row(library, all_kinds):
    for spec in library.current() + [all_kinds]:
        root = document(render(spec))
        for tr in root.iter(W + "tr"):
            assert tr.find(f"{W}trPr/{W}cantSplit") is not None, spec.id
            if tr.find(f"{W}trPr/{W}tblHeader") is not None:
                assert all(p.find(f"{W}pPr/{W}keepNext") is not None for p in tr.iter(W + "p")), spec.id


def test_action_rows_are_numbered_by_word_one_list_per_table(library):
    spec = library.latest("csc_case_file_audit")
    data = render(spec)
    root = document(data)
    numbering = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/numbering.xml"))
    lists = [n.get(W + "numId") for n in numbering.iter(W + "num")]
    assert len(lists) == len(spec.tables)
    tables = [tbl for tbl in root.iter(W + "tbl") if tbl.find(f"{W}tr/{W}tc") is not None and
              "".join(tbl.find(f"{W}tr/{W}tc").itertext()) in {t.ref for t in spec.tables}]
    for tbl, t, list_id in zip(tables, spec.tables, lists):
        numbers = [tr.find(f"{W}tc/{W}p/{W}pPr/{W}numPr/{W}numId") for tr in tbl.findall(W + "tr")[1:]]
        assert len(numbers) == t.rows and all(n is not None and n.get(W + "val") == list_id for n in numbers)
