"""Fill a generated Word form the way Word does when a person fills it in.

Used by `auditdocs demo` (invented answers for the demo month) and by the tests.
Word's habits are kept: the placeholder flag is removed, text lands in several runs,
each paragraph of a long answer is its own paragraph, a chosen date sets `w:fullDate`,
a ticked box changes both `w14:checked` and its glyph, and extra actions get rows
copied from the last row of the table.
"""
from __future__ import annotations

import copy
import io
import zipfile

from lxml import etree

from ...domain.dates import parse_date
from ..ooxml import qn
from . import package
from .oxml import CHECKED, UNCHECKED, el, para, run
from .reader import SDT, TBL, TR, W, _sdt_tag


def fill_docx(data: bytes, answers: dict[str, object], tables: dict[str, list[dict]] | None = None) -> bytes:
    """Return the form with `answers` (field id -> value as the JSON contract has it) and
    `tables` (table id -> rows of column id -> value) filled in."""
    source = zipfile.ZipFile(io.BytesIO(data))
    document = etree.fromstring(source.read("word/document.xml"))
    body = document.find(W + "body")
    controls = {}
    for sdt in body.iter(SDT):
        controls.setdefault(_sdt_tag(sdt), sdt)
    for field_id, value in answers.items():
        if field_id in controls:
            set_control(controls[field_id], value)
    for table_id, rows in (tables or {}).items():
        _fill_table(body, table_id, rows)
    body_xml = etree.tostring(document, xml_declaration=True, encoding="UTF-8", standalone=True)
    return package.rewrite(data, lambda name, content: body_xml if name == "word/document.xml" else content)


def set_control(sdt, value) -> None:
    props = sdt.find(W + "sdtPr")
    flag = props.find(W + "showingPlcHdr")
    if flag is not None:
        props.remove(flag)
    content = sdt.find(W + "sdtContent")
    first = content.find(W + "p")
    style = first.find(W + "pPr") if first is not None else None
    box = props.find(f"{qn('w14:checkbox')}/{qn('w14:checked')}")
    if box is not None:
        box.set(qn("w14:val"), "1" if value else "0")
        text = [CHECKED if value else UNCHECKED]
    else:
        date = props.find(W + "date")
        if date is not None and value:
            day = parse_date(value)
            if day:
                date.set(qn("w:fullDate"), f"{day.isoformat()}T00:00:00Z")
                value = day.strftime("%d/%m/%Y")
        text = str(value).split("\n")
    look = content.find(f".//{W}r/{W}rPr")  # an inline control's runs carry its look
    for child in list(content):
        content.remove(child)
    parent = sdt.getparent()
    if parent is not None and parent.tag == W + "p":  # a control inside a paragraph (LibreOffice saves them so)
        for n, line in enumerate(text):
            if n:
                content.append(el("w:r", el("w:br")))
            content.extend(_split_runs(line, font="MS Gothic" if box is not None else None))
        for r in content.iter(W + "r"):
            if look is not None and r.find(W + "rPr") is None:
                r.insert(0, copy.deepcopy(look))
        return
    for line in text:
        p = para(*_split_runs(line, font="MS Gothic" if box is not None else None))
        if style is not None:
            p.insert(0, copy.deepcopy(style))
        content.append(p)


def _split_runs(text: str, font=None) -> list:
    """Word splits text into runs at edits; do the same so readers must join them."""
    if len(text) < 12:
        return [run(text, font=font)] if text else []
    cut = len(text) // 3
    return [run(text[:cut], font=font), run(text[cut:2 * cut], font=font), run(text[2 * cut:], font=font)]


def _fill_table(body, table_id: str, rows: list[dict]) -> None:
    prefix = f"{table_id}."
    tbl = next((t for t in body.iter(TBL) if any(_sdt_tag(s).startswith(prefix) for s in t.iter(SDT))), None)
    if tbl is None:
        return
    data_rows = [tr for tr in tbl.findall(TR) if any(_sdt_tag(s).startswith(prefix) for s in tr.iter(SDT))]
    while len(data_rows) < len(rows):
        copied = copy.deepcopy(data_rows[-1])
        data_rows[-1].addnext(copied)
        data_rows.append(copied)
    for tr, values in zip(data_rows, rows):
        for sdt in tr.iter(SDT):
            column = _sdt_tag(sdt)[len(prefix):]
            if column in values:
                set_control(sdt, values[column])


__all__ = ["fill_docx", "set_control"]
