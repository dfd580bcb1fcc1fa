"""The Word reader's quicker ways give what the plain ways they replace give (issue 23, item 7: speed only).

Each quick way is compared with the way it replaces (still used elsewhere, or kept here as written before)
on every element of real documents: every built-in form filled in completely, the same forms as LibreOffice
saves them, the real-world Word files of tests/data/realworld, and documents written to be odd (text
elements holding elements, text outside text elements, tabs and breaks, comments)."""
from __future__ import annotations

import zipfile

import pytest
from helpers import (
    REALWORLD,
    SOFFICE,
    SPECS,
    full_answers,
    libreoffice_convert,
    record_values,
)
from lxml import etree

from auditdocs.forms.answers import clean_text
from auditdocs.forms.docx import reader
from auditdocs.forms.docx.fill import fill_docx
from auditdocs.forms.docx.writer import WordForm
from auditdocs.forms.ooxml import NS
from auditdocs.forms.safezip import parse_xml
from auditdocs.specs import load_library

W = f"{{{NS['w']}}}"
ODD = f"""<w:document xmlns:w="{NS['w']}"><w:body>
<w:p><w:r><w:t>one<w:r>inside</w:r>after</w:t>tail<w:tab/>x<w:br/></w:r></w:p>
<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent><w:p><w:r><w:t>Type here</w:t><!-- c --><w:t>a<!-- c -->b</w:t>
<w:tab/><w:t>c</w:t></w:r></w:p></w:sdtContent></w:sdt>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Choose an item.</w:t></w:r></w:p><w:p/><w:p><w:r><w:t xml:space="preserve">  two  </w:t>
</w:r></w:p><w:p><w:r><w:t>line\r\nwith a return&#13;</w:t></w:r></w:p></w:tc>
<w:tc><w:sdt><w:sdtContent><w:r><w:t>no paragraph</w:t></w:r></w:sdtContent></w:sdt></w:tc>
<w:tc><w:p><w:r><w:t>   </w:t></w:r></w:p><w:p><w:r><w:t>click here to enter text.</w:t></w:r></w:p>
<w:p><w:r><w:t>x</w:t><w:t><w:t>nested</w:t>t</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
</w:body></w:document>""".encode()
#: All its text in w:t, some of it in odd places: text elements holding paragraphs, a text element outside any.
ODD_PLAIN = (f'<w:document xmlns:w="{NS["w"]}"><w:body><w:p><w:r><w:t>a<w:p><w:r><w:t>in</w:t></w:r></w:p></w:t>'
             "<w:tab/></w:r></w:p><w:tbl><w:tr><w:tc><w:r><w:t>outside</w:t></w:r><w:p><w:r><w:t>Type here</w:t></w:r>"
             "</w:p></w:tc><w:tc><w:sdt><w:sdtContent><w:r><w:t>x</w:t></w:r></w:sdtContent></w:sdt></w:tc></w:tr></w:tbl>"
             "</w:body></w:document>").encode()


@pytest.fixture(scope="module")
def documents(tmp_path_factory, lo_profile) -> list[tuple[str, bytes]]:
    """(name, word/document.xml) of every document compared."""
    folder = tmp_path_factory.mktemp("paths")
    library = load_library(SPECS)
    found, forms = [("odd", ODD), ("odd plain", ODD_PLAIN)], []
    for n, spec in enumerate(library.current()):
        answers, tables = full_answers(spec, seed=n)
        data = fill_docx(WordForm(spec).render(record_values(spec, n), f"AUD-202611-PATH{n:04d}"), answers, tables)
        forms.append(folder / f"{spec.id}.docx")
        forms[-1].write_bytes(data)
    for path in forms + sorted((REALWORLD / "word").iterdir()):
        with zipfile.ZipFile(path) as package:
            found.append((path.name, package.read("word/document.xml")))
    if SOFFICE:  # (without LibreOffice, the rest is compared)
        for path in libreoffice_convert(tuple(forms[:3]), folder / "lo", "docx:MS Word 2007 XML", lo_profile):
            with zipfile.ZipFile(path) as package:
                found.append((f"LibreOffice {path.name}", package.read("word/document.xml")))
    assert len(found) > 20
    return found


def _prepared(xml: bytes):
    body = parse_xml(xml, "document").find(W + "body")
    return body, reader._prepare(body, {})


def test_text_elements_text_is_itertext(documents):
    for name, xml in documents:
        body = parse_xml(xml, "document").find(W + "body")
        only_t = next(body.iter(*reader.MARKS), None) is None
        for element in body.iter(etree.Element):
            expected = "".join(element.itertext(*reader.TEXT))
            assert reader._text_elements_text(element, False) == expected, (name, element.tag)
            if only_t:
                assert reader._text_elements_text(element, True) == expected, (name, element.tag)


def test_the_plain_test_is_the_stray_text_test(documents):
    plain = set()
    for name, xml in documents:
        body, prepared = _prepared(xml)
        assert prepared.plain == (not reader._STRAY_TEXT(body)), name
        plain.add(prepared.plain)
        for element in body.iter(etree.Element):
            assert (reader._ALL_TEXT_IN_T(element) or not reader._STRAY_TEXT(element)) == \
                (not reader._STRAY_TEXT(element)), (name, element.tag)
    assert plain == {True, False}


def _visible_text_before(element, plain: bool = False) -> str:
    """`_visible_text` as it was written before its lines were trimmed in one pass."""
    if element is None:
        return ""
    tag = element.tag
    if plain and tag != reader.T and tag not in reader.MARKS:
        text = "\n".join(etree.tostring(p, method="text", encoding="unicode", with_tail=False)
                         for p in element.iter(reader.P))
        if not text:
            text = reader._all_text(element)
    else:
        text = "\n".join(["".join(reader._TEXTS(p)) for p in element.iter(reader.P)])
        if not text:
            text = "".join(reader._TEXTS(element))
    if not text.strip():
        return ""
    lines = [line for line in text.split("\n") if len(line) > 40 or reader._norm(line) not in reader.PLACEHOLDERS]
    return clean_text("\n".join(lines))


def test_visible_text_is_as_before(documents):
    compared = multi_line = 0
    for name, xml in documents:
        body, prepared = _prepared(xml)
        for element in body.iter(reader.TC, reader.P, reader.SDT, *reader.TEXT):
            for plain in {False, prepared.plain}:
                got = reader._visible_text(element, plain)
                assert got == _visible_text_before(element, plain), (name, element.tag, plain)
                compared += 1
                multi_line += "\n" in got
    assert compared > 5000 and multi_line > 100
