"""PDFs a screen reader can read: LibreOffice's tagged export, a rewrite after it that keeps the tags,
and a look at what a PDF's tags hold.

LibreOffice (7.4 or later) writes a tagged PDF when asked: a structure tree (headings, tables with
their header cells, figures with the alt text of the Word document's pictures), the document's
language, its title shown in the window's title bar, bookmarks for headings, and the PDF/UA-1 mark.
What auditdocs does after it (its own metadata, an attachment) rewrites the file with pypdf by
cloning LibreOffice's catalog whole, so that the tags survive, and replaces only the document
information and the XMP metadata (with the title and the PDF/UA mark alone: no author, tool or date).
A Word table's header row becomes header cells, but Word cannot mark a header column: `row_headers`
makes the label cells of a form's details and questions their rows' header cells (/TH, scope Row).

`structure()` reads what a PDF's tags hold, for the tests and for the warning a user gets when an
old LibreOffice made an untagged PDF. It checks the machine-checkable part of PDF/UA only: that the
alt text says the right thing, or that the reading order makes sense, a person still has to check.
"""
from __future__ import annotations

import io
import json
from collections import Counter
from dataclasses import dataclass
from dataclasses import field as dc_field
from xml.sax.saxutils import escape

from .files import LANGUAGE

#: Asked of LibreOffice's PDF export: tagged, PDF/UA-1, the headings as bookmarks.
EXPORT_OPTIONS = ("UseTaggedPDF", "PDFUACompliance", "ExportBookmarks")
UPDATE_LIBREOFFICE = "LibreOffice 7.4 or later makes tagged PDFs: update LibreOffice"
UNTAGGED = ("is not tagged for screen readers (no headings, tables or alt text for them to find). "
            f"{UPDATE_LIBREOFFICE}, then make it again")


def export_filter(application: str = "writer") -> str:
    """The --convert-to argument for a tagged PDF, for Writer's documents ("writer") or Calc's ("calc")."""
    options = {name: {"type": "boolean", "value": "true"} for name in EXPORT_OPTIONS}
    return f"pdf:{application}_pdf_Export:" + json.dumps(options, separators=(",", ":"))


#: Invisible, and not drawn: a word joiner (U+2060) at the end of a cell's text makes Calc lay it out
#: as it does wrapped text, and so tag it.
WORD_JOINER = "\u2060"
#: A workbook's parts that openpyxl does not keep: a copy of it would lose them from the PDF.
_NOT_KEPT = ("xl/drawings/drawing", "xl/media/", "xl/charts/", "xl/embeddings/", "xl/activeX/")


def calc_taggable(xlsx: bytes) -> bytes | None:
    """A copy of the workbook `xlsx` whose every cell Calc's tagged export tags, or None if it cannot be
    made without losing something (pictures, charts, shapes; or openpyxl cannot read it).

    Calc (7.4) tags a cell's text only when it lays it out as it does wrapped text (with its text engine);
    a cell of one line it draws directly, outside the tags, so a screen reader reading the tags would skip
    it (the child's details, most answers). It uses its text engine for a cell whose shown text holds a
    special character, so each cell's shown text is given an invisible word joiner at its end, through its
    number format: its value is as it was (a formula or a conditional format comparing it gives what it
    gave), and it is shown as it was. Only this copy, sent to LibreOffice, is changed; the returned file
    never is."""
    import zipfile

    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
            if any(name.startswith(_NOT_KEPT) for name in archive.namelist()):
                return None
        book = openpyxl.load_workbook(io.BytesIO(xlsx), rich_text=True)
    except Exception:  # noqa: BLE001  (LibreOffice is given the file as it is, and says if it cannot read it)
        return None
    joiner = f'"{WORD_JOINER}"'
    for sheet in book.worksheets:
        _fit_rows(sheet)
        for row in sheet.iter_rows():
            for cell in row:
                value, kind = cell.value, cell.data_type
                if value is None or value == "":
                    continue
                if kind == "s":  # its text section (the value itself is kept: formulas and rules compare it)
                    sections = _sections(cell.number_format)
                    cell.number_format = ";".join([*sections[:3], sections[3] + joiner]) if len(sections) > 3 else (
                        "@" + joiner)
                elif kind == "b":
                    cell.number_format = f'"TRUE"{joiner};"TRUE"{joiner};"FALSE"{joiner}'
                elif kind in ("n", "d", "f"):
                    sections = _sections(cell.number_format)
                    if kind == "f":  # its result a number or a text: a section for each
                        first = sections[0]
                        numbers = [*sections[:3], first][:3] if len(sections) > 1 else [first, "-" + first, first]
                        sections = [*numbers, sections[3] if len(sections) > 3 else "@"]
                    cell.number_format = ";".join(part + joiner for part in sections)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _fit_rows(sheet) -> None:
    """Give each row of `sheet` that has no height of its own (Excel would fit it to its text; Calc 7.4
    leaves it one line high, its text overlapping the next row and its last lines not drawn) a height
    enough for its cells' text, estimated generously from their lengths, their columns' widths and
    their fonts' sizes."""
    from openpyxl.utils import get_column_letter

    default = sheet.sheet_format.defaultColWidth or (sheet.sheet_format.baseColWidth or 8) + 0.43
    widths = {}

    def width(column: int) -> float:  # in points: a character of Excel's width is about 5.25 points
        if column not in widths:
            dimension = sheet.column_dimensions.get(get_column_letter(column))
            widths[column] = (dimension.width if dimension is not None and dimension.width else default) * 5.25
        return widths[column]

    spans = {(r.min_row, r.min_col): r for r in sheet.merged_cells.ranges}
    inside = {(row, col) for r in sheet.merged_cells.ranges for row, col in r.cells} - set(spans)
    for row in sheet.iter_rows():
        if not row or sheet.row_dimensions[row[0].row].height is not None:
            continue
        needed = 0.0
        for cell in row:
            text = "" if cell.value is None else str(cell.value)
            span = spans.get((cell.row, cell.column))
            if not text or (cell.row, cell.column) in inside or (span is not None and span.max_row > span.min_row):
                continue
            size = float(cell.font.sz or 11) if cell.font is not None else 11.0
            room = sum(width(c) for c in range(cell.column, (span.max_col if span else cell.column) + 1)) - 4
            lines = sum(max(1, -(-len(part) * size * 0.55 // max(room, size))) if cell.alignment.wrap_text else 1
                        for part in text.splitlines() or [""])
            needed = max(needed, lines * size * 1.3 + 4)
        if needed > (sheet.sheet_format.defaultRowHeight or 15):
            sheet.row_dimensions[row[0].row].height = needed


def _sections(number_format: str) -> list[str]:
    """A number format's sections (split at the semicolons that are not quoted or escaped)."""
    parts, current, quoted, escaped = [], "", False, False
    for char in number_format:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            parts.append(current)
            current = ""
            continue
        current += char
    return [*parts, current]


def editable(pdf: bytes):
    """A pypdf writer holding the whole of `pdf`: its catalog cloned (structure tree, marked
    content, language, bookmarks, viewer preferences), and its PDF version kept."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(clone_from=reader)
    writer.pdf_header = reader.pdf_header  # pypdf would write %PDF-1.3
    return writer


def _xmp(title: str, pdfua: bool) -> bytes:
    ua = ('  <rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">\n'
          '   <pdfuaid:part>1</pdfuaid:part>\n  </rdf:Description>\n') if pdfua else ""
    return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
            '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
            '  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
            f'   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>\n'
            f'  </rdf:Description>\n{ua} </rdf:RDF>\n</x:xmpmeta>\n<?xpacket end="w"?>').encode("utf-8")


def finish(writer, info: dict[str, str], language: str = LANGUAGE) -> bytes:
    """The PDF's bytes, with `info` as its whole document information, an XMP of its title (and the
    PDF/UA-1 mark if LibreOffice set it) and nothing else of LibreOffice's metadata, its language
    kept (or `language` if it had none), its title shown in the window's title bar, and nothing left
    in it that is no longer referenced."""
    from pypdf.generic import (
        BooleanObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        TextStringObject,
    )

    root = writer.root_object
    pdfua = _claims_pdfua(root)
    writer.metadata = info
    xmp = DecodedStreamObject()
    xmp[NameObject("/Type")], xmp[NameObject("/Subtype")] = NameObject("/Metadata"), NameObject("/XML")
    xmp.set_data(_xmp(info.get("/Title", ""), pdfua))
    root[NameObject("/Metadata")] = writer._add_object(xmp)  # pypdf's writer.xmp_metadata differs by version
    if not str(root.get("/Lang") or "").strip():
        root[NameObject("/Lang")] = TextStringObject(language)
    preferences = root.setdefault(NameObject("/ViewerPreferences"), DictionaryObject()).get_object()
    preferences[NameObject("/DisplayDocTitle")] = BooleanObject(True)
    try:  # what LibreOffice's metadata and the pages' old parts were, no longer referenced, are left out
        writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
    except TypeError:  # pypdf before 7 names them so
        writer.compress_identical_objects(remove_identicals=False, remove_orphans=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def row_headers(writer, labels: list[list[tuple[bool, ...]]]) -> int:
    """Mark the label cells of the PDF's tables as their rows' header cells (/TH, scope Row), so that a screen
    reader says which label a value belongs to (Word cannot mark a header column, and LibreOffice tags such
    cells /TD). `labels`: for each table of the document, in order, each of its rows and each of its cells,
    whether it is a label (`forms.docx.layout.label_cells`). Nothing is changed unless the PDF has as many tables;
    a table that has header cells already, or whose rows and cells are not as `labels` has them, is left as
    it is. The number of tables changed."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject

    tree = writer.root_object.get("/StructTreeRoot")
    if tree is None:
        return 0

    def elements(start, wanted=None):
        for kid in _kids(start):
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, DictionaryObject) and "/S" in kid:
                if wanted is None or str(kid["/S"]) in wanted:
                    yield kid
                if wanted is None or str(kid["/S"]) not in wanted:
                    yield from elements(kid, wanted)

    tables = [e for e in elements(tree.get_object()) if str(e["/S"]) == "/Table"]
    if len(tables) != len(labels):
        return 0
    changed = 0
    for table, rows in zip(tables, labels):
        trs = list(elements(table, {"/TR"}))
        cells = [[c for c in elements(tr, {"/TD", "/TH"})] for tr in trs]
        if (any(str(c["/S"]) == "/TH" for row in cells for c in row) or [len(r) for r in cells] != [len(r) for r in rows]
                or not any(any(r) for r in rows)):
            continue
        for row, wanted in zip(cells, rows):
            for cell, label in zip(row, wanted):
                if not label:
                    continue
                scope = DictionaryObject({NameObject("/O"): NameObject("/Table"), NameObject("/Scope"): NameObject("/Row")})
                attributes = cell.get("/A")
                attributes = attributes.get_object() if attributes is not None else None
                cell[NameObject("/S")] = NameObject("/TH")
                if isinstance(attributes, ArrayObject):
                    attributes.append(scope)
                else:
                    cell[NameObject("/A")] = ArrayObject([a for a in (cell.get("/A"), scope) if a is not None])
        changed += 1
    return changed


def _claims_pdfua(catalog) -> bool:
    """The catalog's XMP says PDF/UA-1 (as LibreOffice and auditdocs write it)."""
    metadata = catalog.get("/Metadata")
    return metadata is not None and b"<pdfuaid:part>1</pdfuaid:part>" in metadata.get_object().get_data()


# ---- what a PDF's tags hold ------------------------------------------------------------------


@dataclass
class Structure:
    """What a PDF holds for a screen reader (structure types are those of the PDF standard, after
    the role map: LibreOffice's "Cell Heading" is a /P)."""

    version: str = ""
    marked: bool = False  # /MarkInfo /Marked true
    has_tree: bool = False  # a /StructTreeRoot with a /ParentTree
    language: str = ""
    title: str = ""
    shows_title: bool = False  # /ViewerPreferences /DisplayDocTitle true
    pdfua: bool = False  # the XMP says PDF/UA-1
    bookmarks: int = 0
    roles: Counter = dc_field(default_factory=Counter)
    figures_without_alt: int = 0
    tables_without_headers: int = 0
    untagged_text: int = 0  # text drawn outside any marked content: a screen reader reading the tags skips it

    @property
    def tagged(self) -> bool:
        return self.marked and self.has_tree

    def problems(self) -> list[str]:
        """What a screen reader would miss, in plain words (empty: the machine-checkable basics are there)."""
        if not self.tagged:
            return [UNTAGGED]
        said = []
        if not self.language:
            said.append("has no document language, so a screen reader may read it with the wrong voice")
        if not (self.title and self.shows_title):
            said.append("does not show its title in the window's title bar")
        if self.figures_without_alt:
            said.append(f"has {self.figures_without_alt} picture(s) or chart(s) without alt text")
        if self.tables_without_headers:
            said.append(f"has {self.tables_without_headers} table(s) without a header row")
        if self.untagged_text:
            said.append(f"has {self.untagged_text} piece(s) of text outside its tags, which a screen reader skips")
        return said


def _kids(element) -> list:
    kids = element.get("/K")
    if kids is None:
        return []
    kids = kids.get_object()
    return list(kids) if isinstance(kids, list) else [kids]


def structure(pdf: bytes) -> Structure:
    """What `pdf`'s catalog and structure tree hold."""
    from pypdf import PdfReader
    from pypdf.generic import DictionaryObject

    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    found = Structure(version=reader.pdf_header.removeprefix("%PDF-"))
    found.marked = bool((root.get("/MarkInfo") or {}).get("/Marked", False))
    found.language = str(root.get("/Lang") or "").strip()
    found.title = str((reader.metadata or {}).get("/Title") or "").strip()
    found.shows_title = bool((root.get("/ViewerPreferences") or {}).get("/DisplayDocTitle", False))
    found.bookmarks = _count_outline(reader.outline)
    found.pdfua = _claims_pdfua(root)
    tree = root.get("/StructTreeRoot")
    if tree is None:
        return found
    found.untagged_text = sum(_untagged_text(page, reader) for page in reader.pages)
    tree = tree.get_object()
    found.has_tree = "/ParentTree" in tree
    roles = tree.get("/RoleMap") or {}

    def role(element) -> str:
        name, seen = str(element.get("/S")), set()
        while name in roles and name not in seen:
            seen.add(name)
            name = str(roles[name])
        return name

    def elements(start):
        todo = _kids(start)
        while todo:
            kid = todo.pop()
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, DictionaryObject) and "/S" in kid:
                yield kid
                todo.extend(_kids(kid))

    for element in elements(tree):
        kind = role(element)
        found.roles[kind] += 1
        if kind == "/Figure" and not str(element.get("/Alt") or element.get("/ActualText") or "").strip():
            found.figures_without_alt += 1
        if kind == "/Table" and not any(role(e) == "/TH" for e in elements(element)):
            found.tables_without_headers += 1
    return found


def _untagged_text(page, reader) -> int:
    """How many text-showing operators of a page are outside marked content (neither tagged nor an artifact)."""
    from pypdf.generic import ContentStream

    contents = page.get_contents()
    if contents is None:
        return 0
    depth = outside = 0
    for _, operator in ContentStream(contents, reader).operations:
        if operator in (b"BDC", b"BMC"):
            depth += 1
        elif operator == b"EMC":
            depth = max(depth - 1, 0)
        elif operator in (b"Tj", b"TJ", b"'", b'"') and depth == 0:
            outside += 1
    return outside


def _count_outline(items) -> int:
    return sum(_count_outline(i) if isinstance(i, list) else 1 for i in items)
