"""The Office Open XML vocabulary: every namespace auditdocs reads or writes in a .docx or .xlsx package, by
the prefix the standard (ECMA-376) uses for it, and `qn()` to name an element or attribute in it
(`qn("w:sdt")` -> "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}sdt", as python-docx has it).

The one place these URIs are spelled: Word and Excel readers and writers, the report and the tracker's
checks all name things through here.
"""
from __future__ import annotations

#: The Transitional namespaces' common start (Strict documents use their own: `forms.strict`).
OPENXML = "http://schemas.openxmlformats.org/"

#: prefix -> namespace URI.
NS = {
    # WordprocessingML, and Word's own extensions
    "w": OPENXML + "wordprocessingml/2006/main",
    "w14": "http://schemas.microsoft.com/office/word/2010/wordml",
    "w15": "http://schemas.microsoft.com/office/word/2012/wordml",
    "mc": OPENXML + "markup-compatibility/2006",
    # SpreadsheetML (the main part of a workbook and its sheets)
    "x": OPENXML + "spreadsheetml/2006/main",
    # relationships: in a part (r:id) and the package's relationship parts (.rels)
    "r": OPENXML + "officeDocument/2006/relationships",
    "pr": OPENXML + "package/2006/relationships",
    "ct": OPENXML + "package/2006/content-types",
    # DrawingML: pictures in Word, charts' frames in Excel
    "a": OPENXML + "drawingml/2006/main",
    "pic": OPENXML + "drawingml/2006/picture",
    "wp": OPENXML + "drawingml/2006/wordprocessingDrawing",
    "xdr": OPENXML + "drawingml/2006/spreadsheetDrawing",
    # the document's properties: core, extended (app.xml), custom
    "cp": OPENXML + "package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "ep": OPENXML + "officeDocument/2006/extended-properties",
    "op": OPENXML + "officeDocument/2006/custom-properties",
    "vt": OPENXML + "officeDocument/2006/docPropsVTypes",
    # XML's own (xml:space)
    "xml": "http://www.w3.org/XML/1998/namespace",
}

#: The namespaces a Word document's body declares (what `w:document` is written with).
WORD_NSMAP = {prefix: NS[prefix] for prefix in ("w", "r", "mc", "w14", "w15")}

#: The URI of Word's compatibility settings (w:compatSetting w:uri), not a namespace.
WORD_COMPAT = "http://schemas.microsoft.com/office/word"


def qn(name: str) -> str:
    """'w:tag' -> '{namespace}tag' (Clark notation, as lxml and ElementTree name things)."""
    prefix, local = name.split(":")
    return f"{{{NS[prefix]}}}{local}"


def rel_type(name: str) -> str:
    """The type of a relationship from a part: 'styles' -> '…/officeDocument/2006/relationships/styles'."""
    return f"{NS['r']}/{name}"


#: The package's relationship to its core properties (the one type not under `rel_type`).
CORE_PROPERTIES_REL = f"{NS['pr']}/metadata/core-properties"
