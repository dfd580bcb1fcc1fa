"""A thin layer of WordprocessingML element helpers (writing and reading); the namespaces are `forms.ooxml`'s.

Element order follows ECMA-376 (CT_SdtPr, CT_PPr, CT_RPr, CT_TcPr, CT_TblPr);
Word refuses documents whose children are out of order even when they are valid XML.
"""
from __future__ import annotations

from lxml import etree

from ..ooxml import qn

CHECKED, UNCHECKED = "☒", "☐"


def el(name: str, *children, **attrs) -> etree._Element:
    """An element with w:-prefixed attributes (`val="x"` -> w:val) and children (None skipped)."""
    element = etree.Element(qn(name))
    for key, value in attrs.items():
        if value is None:
            continue
        attr = qn(key.replace("__", ":")) if "__" in key else qn(f"{name.split(':')[0]}:{key}")
        element.set(attr, str(value))
    for child in children:
        if child is not None:
            element.append(child)
    return element


# ---- runs and paragraphs ------------------------------------------------------


def rpr(style=None, bold=False, colour=None, font=None, size=None) -> etree._Element | None:
    """Run properties; `size` in points."""
    half_points = round(size * 2) if size else None
    children = [
        el("w:rStyle", val=style) if style else None,
        el("w:rFonts", ascii=font, hAnsi=font, eastAsia=font) if font else None,
        el("w:b") if bold else None,
        el("w:color", val=colour) if colour else None,
        el("w:sz", val=half_points) if size else None,
        el("w:szCs", val=half_points) if size else None,
    ]
    children = [c for c in children if c is not None]
    return el("w:rPr", *children) if children else None


def run(text: str, **fmt) -> etree._Element:
    t = el("w:t")
    t.text = text
    if text != text.strip():
        t.set(qn("xml:space"), "preserve")
    return el("w:r", rpr(**fmt), t)


def ppr(style=None, keep_next=False, after=None, before=None, indent=None, hanging=None, num_id=None):
    """Paragraph properties; `num_id`: the paragraph is an item of that numbered list."""
    spacing = el("w:spacing", before=before, after=after) if (after is not None or before is not None) else None
    ind = el("w:ind", left=indent, hanging=hanging) if indent else None
    children = [
        el("w:pStyle", val=style) if style else None,
        el("w:keepNext") if keep_next else None,
        el("w:numPr", el("w:ilvl", val=0), el("w:numId", val=num_id)) if num_id else None,
        spacing,
        ind,
    ]
    children = [c for c in children if c is not None]
    return el("w:pPr", *children) if children else None


def keep_with_next(element: etree._Element) -> etree._Element:
    """Keep every paragraph in `element` (a row, a table, a paragraph) on the page of the one after
    it: for a table row, the row stays with the next row. Returns `element`."""
    for p in element.iter(qn("w:p")) if element.tag != qn("w:p") else [element]:
        pr = p.find(qn("w:pPr"))
        if pr is None:
            pr = el("w:pPr")
            p.insert(0, pr)
        if pr.find(qn("w:keepNext")) is None:
            pr.insert(1 if pr.find(qn("w:pStyle")) is not None else 0, el("w:keepNext"))
    return element


def para(*runs, **fmt) -> etree._Element:
    return el("w:p", ppr(**fmt), *runs)


def text_para(text: str, style=None, run_fmt=None, **fmt) -> etree._Element:
    return para(run(text, **(run_fmt or {})) if text else None, style=style, **fmt)


# ---- content controls ---------------------------------------------------------


def sdt_props(*, tag: str, alias: str, sdt_id: int, lock: str | None, kind: etree._Element | None,
              showing_placeholder: bool) -> etree._Element:
    return el(
        "w:sdtPr",
        el("w:alias", val=alias),
        el("w:tag", val=tag),
        el("w:id", val=sdt_id),
        el("w:lock", val=lock) if lock else None,
        el("w:showingPlcHdr") if showing_placeholder else None,
        kind,
    )


def dropdown_kind(options: list[tuple[str, str]]) -> etree._Element:
    """options: (display text, value)."""
    return el("w:dropDownList", *(el("w:listItem", displayText=d, value=v) for d, v in options))


def date_kind() -> etree._Element:
    return el(
        "w:date",
        el("w:dateFormat", val="dd/MM/yyyy"),
        el("w:lid", val="en-GB"),
        el("w:storeMappedDataAs", val="dateTime"),
        el("w:calendar", val="gregorian"),
    )


def checkbox_kind(checked: bool = False) -> etree._Element:
    box = etree.Element(qn("w14:checkbox"))
    for name, attrs in (
        ("w14:checked", {"val": "1" if checked else "0"}),
        ("w14:checkedState", {"val": "2612", "font": "MS Gothic"}),
        ("w14:uncheckedState", {"val": "2610", "font": "MS Gothic"}),
    ):
        child = etree.SubElement(box, qn(name))
        for key, value in attrs.items():
            child.set(qn(f"w14:{key}"), value)
    return box


def block_sdt(props: etree._Element, *paragraphs: etree._Element) -> etree._Element:
    return el("w:sdt", props, el("w:sdtContent", *paragraphs))


# ---- tables -------------------------------------------------------------------


def cell(width: int, *content, span: int = 1, shade: str | None = None) -> etree._Element:
    tcpr = el(
        "w:tcPr",
        el("w:tcW", w=width, type="dxa"),
        el("w:gridSpan", val=span) if span > 1 else None,
        el("w:shd", val="clear", color="auto", fill=shade) if shade else None,
    )
    if not content:
        content = (el("w:p"),)
    return el("w:tc", tcpr, *content)


def row(*cells, header: bool = False, cant_split: bool = False) -> etree._Element:
    trpr = el("w:trPr", el("w:cantSplit") if cant_split else None, el("w:tblHeader") if header else None)
    return el("w:tr", trpr if len(trpr) else None, *cells)


def table(widths: list[int], rows: list[etree._Element], style: str = "AuditTable") -> etree._Element:
    tblpr = el(
        "w:tblPr",
        el("w:tblStyle", val=style),
        el("w:tblW", w=sum(widths), type="dxa"),
        el("w:tblLayout", type="fixed"),
        el("w:tblLook", val="04A0", firstRow="1", lastRow="0", firstColumn="1", lastColumn="0", noHBand="0", noVBand="1"),
    )
    grid = el("w:tblGrid", *(el("w:gridCol", w=w) for w in widths))
    return el("w:tbl", tblpr, grid, *rows)
