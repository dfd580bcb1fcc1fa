"""Forms saved as "Strict Open XML Document" or "Strict Open XML Spreadsheet" (Word's and Excel's
Save As offer both): the same parts as a .docx or .xlsx, in ISO/IEC 29500 Strict's own namespaces
(http://purl.oclc.org/ooxml/…). They are read as the Transitional documents they otherwise are:
each Strict namespace (and relationship type) is replaced by its Transitional one.
"""
from __future__ import annotations

import io
import zipfile

from .ooxml import OPENXML

_STRICT = b"http://purl.oclc.org/ooxml/"
_OLD = OPENXML.encode()
#: Strict -> Transitional, the ones whose names differ first (ECMA-376 Part 1, Annex A; Part 4).
NAMESPACES = [
    (_STRICT + b"officeDocument/relationships/extendedProperties",
     _OLD + b"officeDocument/2006/relationships/extended-properties"),
    (_STRICT + b"officeDocument/relationships/customProperties",
     _OLD + b"officeDocument/2006/relationships/custom-properties"),
    (_STRICT + b"officeDocument/customProperties", _OLD + b"officeDocument/2006/custom-properties"),
    (_STRICT + b"officeDocument/extendedProperties", _OLD + b"officeDocument/2006/extended-properties"),
    (_STRICT + b"officeDocument/relationships", _OLD + b"officeDocument/2006/relationships"),
    (_STRICT + b"officeDocument/docPropsVTypes", _OLD + b"officeDocument/2006/docPropsVTypes"),
    (_STRICT + b"officeDocument/sharedTypes", _OLD + b"officeDocument/2006/sharedTypes"),
    (_STRICT + b"officeDocument/math", _OLD + b"officeDocument/2006/math"),
    (_STRICT + b"officeDocument/bibliography", _OLD + b"officeDocument/2006/bibliography"),
    (_STRICT + b"wordprocessingml/main", _OLD + b"wordprocessingml/2006/main"),
    (_STRICT + b"spreadsheetml/main", _OLD + b"spreadsheetml/2006/main"),
    (_STRICT + b"drawingml/wordprocessingDrawing", _OLD + b"drawingml/2006/wordprocessingDrawing"),
    (_STRICT + b"drawingml/spreadsheetDrawing", _OLD + b"drawingml/2006/spreadsheetDrawing"),
    (_STRICT + b"drawingml/", _OLD + b"drawingml/2006/"),
    (_STRICT + b"schemaLibrary/main", _OLD + b"schemaLibrary/2006/main"),
]


def is_strict(xml: bytes) -> bool:
    """Does this part use Strict namespaces?"""
    return _STRICT in xml


def transitional(xml: bytes) -> bytes:
    """A part with Strict namespaces as the Transitional part it stands for."""
    if _STRICT not in xml:
        return xml
    for strict, old in NAMESPACES:
        xml = xml.replace(strict, old)
    return xml


def transitional_package(package: zipfile.ZipFile) -> io.BytesIO:
    """A whole Strict package (its XML parts and relationships) as a Transitional one, in memory."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in package.infolist():
            content = package.read(info)
            if info.filename.lower().endswith((".xml", ".rels")):
                content = transitional(content)
            target.writestr(info, content)
    out.seek(0)
    return out
