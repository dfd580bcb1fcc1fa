"""Shared test helpers: schema validation, LibreOffice, invented records and answers."""
from __future__ import annotations

import copy
import csv
import datetime as dt
import functools
import io
import os
import random
import re
import shutil
import subprocess
import zipfile
from functools import lru_cache
from pathlib import Path

import pytest
from lxml import etree

from auditdocs import builtin
from auditdocs.domain import model as m

ROOT = Path(__file__).resolve().parents[1]
#: The built-in form specs and samples, inside the package (tests name them only through these two).
SPECS = builtin("form_specs")
SAMPLES = builtin("samples")
SCHEMAS = Path(__file__).resolve().parent / "schemas" / "ooxml"
REALWORLD = Path(__file__).resolve().parent / "data" / "realworld"  # see its NOTICE.md

SOFFICE = shutil.which("soffice")
SSCONVERT = shutil.which("ssconvert")
#: Set in CI (.ci/run): a test that needs LibreOffice (Gnumeric) fails, rather than skips, when it is missing.
REQUIRE_SOFFICE = os.environ.get("AUDITDOCS_REQUIRE_LIBREOFFICE", "") not in ("", "0")
REQUIRE_GNUMERIC = os.environ.get("AUDITDOCS_REQUIRE_GNUMERIC", "") not in ("", "0")


def _needs(found, required: bool, program: str, variable: str, install: str):
    """A mark for tests that need `program`: skipped with the reason on a machine without it, failed instead
    when `required` (`variable` set, as in CI), so that the round trips always run there."""
    def mark(test):
        if found is not None:
            return test
        if required:
            @functools.wraps(test)
            def fail(*args, **kwargs):
                pytest.fail(f"{program} is not installed, and {variable} is set: in CI these tests must run.")
            return fail
        return pytest.mark.skip(reason=f"{program} is not installed (Debian: {install})")(test)
    return mark


#: For a test that needs LibreOffice (soffice); it fails instead of skipping when AUDITDOCS_REQUIRE_LIBREOFFICE is set.
needs_soffice = _needs(SOFFICE, REQUIRE_SOFFICE, "LibreOffice (soffice)", "AUDITDOCS_REQUIRE_LIBREOFFICE",
                       "apt-get install libreoffice-writer-nogui libreoffice-calc-nogui")
#: For a test that needs Gnumeric (ssconvert); it fails instead of skipping when AUDITDOCS_REQUIRE_GNUMERIC is set.
needs_gnumeric = _needs(SSCONVERT, REQUIRE_GNUMERIC, "Gnumeric (ssconvert)", "AUDITDOCS_REQUIRE_GNUMERIC",
                        "apt-get install gnumeric")

MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
W15 = "http://schemas.microsoft.com/office/word/2012/wordml"


# ---- schema validation (ECMA-376 Transitional, vendored in tests/schemas) ------------


@lru_cache(maxsize=None)
def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def _strip_ignorable(root: etree._Element) -> None:
    """Markup compatibility as a consumer that knows only ECMA-376 sees it."""
    ignorable = set()
    for prefix in (root.get(f"{{{MC}}}Ignorable") or "").split():
        if root.nsmap.get(prefix):
            ignorable.add(root.nsmap[prefix])
    for el in list(root.iter()):
        if not isinstance(el.tag, str):
            continue
        for attr in list(el.attrib):
            if attr.startswith("{") and attr[1:].split("}")[0] in ignorable | {MC}:
                del el.attrib[attr]
        if el.tag.startswith("{") and el.tag[1:].split("}")[0] in ignorable and el.getparent() is not None:
            el.getparent().remove(el)


def docx_schema_errors(data: bytes) -> list[str]:
    """Errors of word/document.xml against wml.xsd, of each w14/w15 element against its schema,
    and of the package's other parts against theirs."""
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
    errors = []
    ext = _schema("wml-with-w14-w15.xsd")
    for el in root.iter(f"{{{W14}}}*", f"{{{W15}}}*"):
        parent = el.getparent()
        if parent is not None and parent.tag.split("}")[0][1:] not in (W14, W15) and not ext.validate(el):
            errors.append(str(ext.error_log.last_error))
    stripped = copy.deepcopy(root)
    _strip_ignorable(stripped)
    wml = _schema("wml.xsd")
    if not wml.validate(stripped):
        errors += [str(e) for e in wml.error_log][:5]
    package = zipfile.ZipFile(io.BytesIO(data))
    for name, schema in PACKAGE_PARTS.items():
        check = _schema(schema)
        if not check.validate(etree.fromstring(package.read(name))):
            errors += [f"{name}: {e}" for e in check.error_log][:5]
    return errors


#: The other parts of a generated .docx and the schema each must satisfy.
PACKAGE_PARTS = {
    "word/styles.xml": "wml.xsd",
    "word/settings.xml": "wml.xsd",
    "word/footer1.xml": "wml.xsd",
    "word/numbering.xml": "wml.xsd",
    "docProps/custom.xml": "shared-documentPropertiesCustom.xsd",
    "docProps/app.xml": "shared-documentPropertiesExtended.xsd",
    "[Content_Types].xml": "opc/opc-contentTypes.xsd",
    "_rels/.rels": "opc/opc-relationships.xsd",
    "word/_rels/document.xml.rels": "opc/opc-relationships.xsd",
}


def xlsx_schema_errors(data: bytes) -> list[str]:
    """Errors of the workbook and worksheet parts against sml.xsd, and of charts against dml-chart.xsd."""
    package = zipfile.ZipFile(io.BytesIO(data))
    sml = _schema("sml.xsd")
    errors = []
    for name in package.namelist():
        is_chart = name.startswith("xl/charts/chart") and name.endswith(".xml")
        if name == "xl/workbook.xml" or (name.startswith("xl/worksheets/") and name.endswith(".xml")) or is_chart:
            schema = _schema("dml-chart.xsd") if is_chart else sml
            root = etree.fromstring(package.read(name))
            _strip_ignorable(root)
            if not schema.validate(root):
                errors += [f"{name}: {e}" for e in schema.error_log][:5]
    return errors


# ---- packages and specs made for a test ---------------------------------------------------


def rewrite_parts(data: bytes, change) -> bytes:
    """The package with each part replaced by `change(name, content)`; None drops the part."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = change(info.filename, source.read(info.filename))
            if content is not None:
                target.writestr(info, content)
    return out.getvalue()


def library_from_text(folder: Path, name: str, text: str):
    """A spec library holding the shared scales and one spec written for a test."""
    from auditdocs.specs import load_library

    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SPECS / "scales.yaml", folder)
    (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return load_library(folder)


def files_workspace(tracker: Path, register: Path | None = None, library=None):
    """The workspace of a tracker and a register named by path, outside any workspace (the register: beside the
    tracker when None; the form specs: `library`'s, else the built-in ones), for the use cases."""
    from auditdocs.workspace import register_beside, workspace_without_settings

    tracker = Path(tracker)
    return workspace_without_settings(tracker.parent).with_files(
        specs=library.folder if library is not None else None, tracker=tracker,
        register=register if register is not None else register_beside(tracker))


def unreadable(path: Path, library) -> str:
    """The one reason a file could not be read (Word or Excel, as `auditdocs parse` reads it)."""
    from auditdocs.returns.read import read_form

    record = read_form(Path(path), library)
    assert record.status == "unreadable", path
    assert len(record.problems) == 1
    return record.problems[0].message


# ---- LibreOffice ----------------------------------------------------------------------


def libreoffice_convert(files: list[Path], outdir: Path, target: str, profile: Path) -> list[Path]:
    """Convert files in one LibreOffice run (target e.g. 'docx:MS Word 2007 XML', 'pdf', 'xlsx')."""
    outdir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", target,
         "--outdir", str(outdir), *map(str, files)],
        check=True, capture_output=True, timeout=300,
    )
    ext = target.split(":")[0]
    converted = [outdir / f"{f.stem}.{ext}" for f in files]
    missing = [c for c in converted if not c.exists()]
    assert not missing, f"LibreOffice did not write {missing}"
    return converted


# ---- PDFs for screen readers ----------------------------------------------------------


def pdfinfo_says(path: Path) -> dict[str, str]:
    """What poppler's pdfinfo says of a PDF ("Tagged": "yes"…); skips without pdfinfo, and fails in CI
    (AUDITDOCS_REQUIRE_LIBREOFFICE set: .ci/run installs poppler-utils with LibreOffice)."""
    program = shutil.which("pdfinfo")
    if program is None:
        if REQUIRE_SOFFICE:
            pytest.fail("pdfinfo (poppler-utils) is not installed, and in CI it must be.")
        pytest.skip("pdfinfo is not installed (Debian: apt-get install poppler-utils)")
    done = subprocess.run([program, str(path)], capture_output=True, text=True, timeout=60, check=True)
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in done.stdout.splitlines())}


def row_header_texts(reader) -> list[str]:
    """The text of each header cell of a row (/TH with /Scope /Row) in a tagged PDF's structure tree,
    read from the page's marked content it points to."""
    from pypdf.generic import ArrayObject, DictionaryObject

    texts: dict[tuple[int, int], str] = {}
    for n, page in enumerate(reader.pages):
        stack: list = []

        def before(operator, operands, *_):
            if operator == b"BDC":
                properties = operands[1] if len(operands) > 1 else None
                stack.append(properties.get("/MCID") if isinstance(properties, dict) else None)
            elif operator == b"BMC":
                stack.append(None)
            elif operator == b"EMC" and stack:
                stack.pop()

        def shown(text, *_, page=n):
            mcid = next((m for m in reversed(stack) if m is not None), None)
            if mcid is not None:
                texts[page, mcid] = texts.get((page, mcid), "") + text

        page.extract_text(visitor_operand_before=before, visitor_text=shown)
    pages = {page.indirect_reference.idnum: n for n, page in enumerate(reader.pages)}

    def kids(element) -> list:
        found = element.get("/K")
        found = [] if found is None else found.get_object()
        return [k.get_object() for k in (found if isinstance(found, list) else [found])]

    def text(element, page) -> str:
        page = element.get("/Pg", page)
        said = ""
        for kid in kids(element):
            if isinstance(kid, int):
                said += texts.get((pages[page.idnum], kid), "")
            elif isinstance(kid, DictionaryObject) and "/MCID" in kid:
                said += texts.get((pages[kid.get("/Pg", page).idnum], int(kid["/MCID"])), "")
            elif isinstance(kid, DictionaryObject):
                said += text(kid, page)
        return said

    def row_scoped(element) -> bool:
        attributes = element.get("/A")
        attributes = attributes.get_object() if attributes is not None else []
        attributes = attributes if isinstance(attributes, ArrayObject) else [attributes]
        return any(isinstance(a.get_object(), DictionaryObject) and a.get_object().get("/Scope") == "/Row"
                   for a in attributes)

    found, todo = [], kids(reader.trailer["/Root"]["/StructTreeRoot"].get_object())
    while todo:
        element = todo.pop(0)
        if isinstance(element, DictionaryObject) and "/S" in element:
            if element["/S"] == "/TH" and row_scoped(element):
                found.append(" ".join(text(element, None).split()))
            todo[:0] = kids(element)
    return found


def xmp_properties(reader) -> dict[str, str]:
    """A PDF's XMP metadata as {"dc:title": "…", "pdfuaid:part": "1", …} ({} without one)."""
    if reader.xmp_metadata is None:
        return {}
    root = etree.fromstring(reader.xmp_metadata.stream.get_data())
    found = {}
    for description in root.iter("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}Description"):
        for prop in description:
            prefix = {v: k for k, v in prop.nsmap.items()}[etree.QName(prop).namespace]
            found[f"{prefix}:{etree.QName(prop).localname}"] = " ".join("".join(prop.itertext()).split())
    return found


ODF_TABLE, ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0", "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


def calc_edit(xlsx: Path, edits: dict[str, dict[tuple[str, str], object]], workdir: Path, profile: Path) -> Path:
    """A workbook opened in LibreOffice Calc, edited there and saved again as .xlsx (in place): LibreOffice
    makes its own (flat OpenDocument) file of it, `edits` are made in that file as in `gnumeric_edit` (a date
    gets the look of the sheet's first date), and LibreOffice saves it back as Excel 2007-365."""
    import datetime as dt

    [own] = libreoffice_convert([xlsx], workdir, "fods", profile)
    root = etree.parse(str(own)).getroot()
    t, o = f"{{{ODF_TABLE}}}", f"{{{ODF_OFFICE}}}"
    for sheet in root.iter(t + "table"):
        wanted = edits.get(sheet.get(t + "name"), {})
        if not wanted:
            continue
        rows = [_expanded(row, t) for row in sheet.iter(t + "table-row")]
        column = {_odf_text(c): i for i, c in enumerate(rows[0])}
        width = max(column[heading] for _, heading in wanted) + 1
        rows = [_expanded(row, t, width) for row in sheet.iter(t + "table-row")]
        row_of = {_odf_text(r[0]): n for n, r in enumerate(rows) if n and r}
        date_look = next((c.get(t + "style-name") for r in rows for c in r if c.get(o + "value-type") == "date"), None)
        for (key, heading), value in wanted.items():
            cell = rows[row_of[key]][column[heading]]
            for name in list(cell.attrib):
                if name != t + "style-name":
                    del cell.attrib[name]
            for child in list(cell):
                cell.remove(child)
            if isinstance(value, dt.date):
                cell.set(o + "value-type", "date")
                cell.set(o + "date-value", value.isoformat())
                if date_look:
                    cell.set(t + "style-name", date_look)
            elif isinstance(value, (int, float)):
                cell.set(o + "value-type", "float")
                cell.set(o + "value", str(value))
            else:
                cell.set(o + "value-type", "string")
            etree.SubElement(cell, f"{{{ODF_TEXT}}}p").text = str(value)
    own.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    [saved] = libreoffice_convert([own], workdir / "saved", "xlsx:Calc MS Excel 2007 XML", profile)
    xlsx.write_bytes(saved.read_bytes())
    return xlsx


def _expanded(row, t: str, width: int = 0) -> list:
    """A table row's cells, one element for each column (repeated cells made into copies; of the empty cells
    repeated to the sheet's end, those before column `width`)."""
    n = 0
    for cell in list(row):
        repeat = int(cell.get(t + "number-columns-repeated", "1"))
        if repeat > 1 and repeat < 1000:
            del cell.attrib[t + "number-columns-repeated"]
            for _ in range(repeat - 1):
                cell.addnext(copy.deepcopy(cell))
        elif repeat >= 1000 and n < width:
            cell.set(t + "number-columns-repeated", str(repeat - (width - n)))
            for _ in range(width - n):
                single = copy.deepcopy(cell)
                del single.attrib[t + "number-columns-repeated"]
                cell.addprevious(single)
        n += repeat
    return [c for c in row if c.tag in (t + "table-cell", t + "covered-table-cell")]


def _odf_text(cell) -> str:
    return "\n".join("".join(p.itertext()) for p in cell.iter(f"{{{ODF_TEXT}}}p"))


# ---- Gnumeric ----------------------------------------------------------------------------

GNM = "{http://www.gnumeric.org/v10.dtd}"


def gnumeric_edit(xlsx: Path, edits: dict[str, dict[tuple[str, str] | str, object]], workdir: Path) -> Path:
    """A workbook opened in Gnumeric, edited there and saved again as .xlsx (in place): `ssconvert` makes
    Gnumeric's own file of it, `edits` are made in that file (sheet -> (the text in column A of the row,
    the column's heading), or a cell's reference -> text, number or date), and `ssconvert` saves it back
    as Gnumeric does."""
    import datetime as dt
    import gzip

    from openpyxl.utils.cell import coordinate_to_tuple as openpyxl_cell

    workdir.mkdir(parents=True, exist_ok=True)
    own = workdir / f"{xlsx.stem}.gnumeric"
    subprocess.run([SSCONVERT, str(xlsx), str(own)], check=True, capture_output=True, timeout=300)
    root = etree.fromstring(gzip.decompress(own.read_bytes()))
    for sheet in root.iter(GNM + "Sheet"):
        wanted = edits.get(sheet.findtext(GNM + "Name"), {})
        cells = sheet.find(GNM + "Cells")
        at = {(int(c.get("Row")), int(c.get("Col"))): c for c in cells}
        column = {c.text: col for (row, col), c in at.items() if row == 0}
        row_of = {c.text: row for (row, col), c in at.items() if col == 0 and row > 0}
        for place, value in wanted.items():
            if isinstance(place, str):  # a cell's reference, e.g. "B12"
                row, col = openpyxl_cell(place)
                where = (row - 1, col - 1)
            else:
                where = (row_of[place[0]], column[place[1]])
            cell = at.get(where)
            if cell is None:
                cell = at[where] = etree.SubElement(cells, GNM + "Cell", Row=str(where[0]), Col=str(where[1]))
            if isinstance(value, dt.date):
                cell.set("ValueType", "40")
                cell.set("ValueFormat", "dd/mm/yyyy")
                cell.text = str((value - dt.date(1899, 12, 30)).days)
            else:
                cell.set("ValueType", "40" if isinstance(value, (int, float)) else "60")
                cell.text = str(value)
    own.write_bytes(gzip.compress(etree.tostring(root, xml_declaration=True, encoding="UTF-8")))
    xlsx.unlink()
    subprocess.run([SSCONVERT, str(own), str(xlsx)], check=True, capture_output=True, timeout=300)
    assert xlsx.exists(), f"Gnumeric did not write {xlsx}"
    return xlsx


# ---- invented records and answers -------------------------------------------------------


def record_values(spec: m.FormSpec, seed: int = 0) -> dict[str, str]:
    """An invented record: every header field filled."""
    names = [("Testworth", "Amelia Rose"), ("Fictionby", "Oscar"), ("Madeupson", "Priya"), ("Notreal", "Kai")]
    family, given = names[seed % len(names)]
    values = {}
    for h in spec.header:
        if h.type == "date":
            values[h.id] = f"20{10 + seed % 9:02d}-0{1 + seed % 9}-1{seed % 9}"
        elif h.scale:
            values[h.id] = h.scale.options[0].label
        else:
            values[h.id] = f"{h.label} {seed}"
    values.update(family_name=family, given_names=given, case_number=f"TEST{900100 + seed}", auditor=f"Auditor {seed}")
    if "due_date" in values:
        values["due_date"] = "2026-11-30"
    return values


def answer_for(field, rng: random.Random, n: int = 0):
    """A value as the JSON contract carries it, for a field or an action-table column."""
    if field.scale is not None:
        return rng.choice(field.scale.options).label
    if field.type == "date":
        return f"2026-{min(rng.randint(1, 12), 11):02d}-{rng.randint(1, 28):02d}"  # not after today: no December
    if field.type == "checkbox":
        return rng.random() < 0.5
    if field.type in ("line", "role", "person"):
        return rng.choice(["Team manager", "Jo Fictional", "Social worker", "=SUM(A1:A3)", "Group manager"]) + f" {n}"
    return rng.choice([
        "Seen alone on 3 visits; the record shows what was said.",
        "What's working well: the plan is clear.\nWhat we are worried about: drift since August.",
        "- no recent supervision recorded\n- chronology out of date\n\nAgreed with the team manager.",
        "@Jo please check the chronology",
    ])


def value_held(kind: m.Field | m.Column | None, answer):
    """What a record holds of an answer filled as people fill it: a choice as its option's value (a value typed
    that is not an option, as typed), a date filled as ISO text as the date (text that is not a date, as typed)."""
    if kind is not None and kind.type == "date" and isinstance(answer, str):
        try:
            return dt.date.fromisoformat(answer)
        except ValueError:
            return answer
    option = kind.scale.chosen(answer) if kind is not None and kind.scale is not None else None
    return option.value if option is not None else answer


def as_values(spec: m.FormSpec, answers: dict) -> dict:
    """`value_held` of each answer."""
    return {k: value_held(spec.field(k), v) for k, v in answers.items()}


def tables_as_values(spec: m.FormSpec, tables: dict) -> dict:
    """`value_held` of each action table cell."""
    out = {}
    for table_id, rows in tables.items():
        columns = {c.id: c for c in spec.table(table_id).columns} if spec.table(table_id) else {}
        out[table_id] = [{k: value_held(columns.get(k), v) for k, v in row.items()} for row in rows]
    return out


def full_answers(spec: m.FormSpec, seed: int = 1) -> tuple[dict, dict]:
    """Every field and extra action rows filled: (answers, tables)."""
    rng = random.Random(seed)
    answers = {f.id: answer_for(f, rng) for f in spec.fields}
    tables = {t.id: [{c.id: answer_for(c, rng, n) for c in t.columns} for n in range(t.rows + 1)] for t in spec.tables}
    return answers, tables


# ---- what a PDF made by LibreOffice shows ----------------------------------------------


def pdf_chunks(page) -> list[tuple[float, float, str, float]]:
    """Each piece of text on a PDF page: (x, y, text, font size), y up from the bottom, in points."""
    return list(_page_read(page)[2])


def page_text(page) -> str:
    """A PDF page's text, as pypdf's `extract_text` gives it (read once with its `pdf_chunks`)."""
    return _page_read(page)[1]


#: Pages whose text was read, by id (the page kept, so that its id is not another's): pypdf reads a page's text
#: slowly (seconds for a tracker's page of long texts), and tests look at a page several ways.
_PAGES_READ: dict[int, tuple[object, str, tuple]] = {}


def _page_read(page) -> tuple[object, str, tuple]:
    known = _PAGES_READ.get(id(page))
    if known is not None and known[0] is page:
        return known
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            found.append((tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5],
                          text.strip(), size * tm[3] * cm[3]))

    text = page.extract_text(visitor_text=visit)
    if len(_PAGES_READ) >= 500:
        _PAGES_READ.clear()
    _PAGES_READ[id(page)] = known = (page, text, tuple(found))
    return known


def filled_shapes(page) -> list[tuple[tuple[float, ...], float, float, float, float]]:
    """The shapes a PDF page fills with a path (what LibreOffice draws a chart's bars with; filled
    rectangles, `re`, such as cell fills, are left out): (fill colour to two decimals, x0, y0, x1, y1),
    in the page's own units (LibreOffice's pages draw without a transformation)."""
    from pypdf.generic import ContentStream

    found, points, colour, saved = [], [], (0.0, 0.0, 0.0), []
    for operands, op in ContentStream(page.get_contents(), page.pdf).operations:
        if op == b"rg":
            colour = tuple(round(float(v), 2) for v in operands)
        elif op == b"q":
            saved.append(colour)
        elif op == b"Q" and saved:
            colour = saved.pop()
        elif op in (b"m", b"l"):
            points.append((float(operands[0]), float(operands[1])))
        elif op == b"re":
            points = []
        elif op in (b"f", b"f*", b"F"):
            if points:
                xs, ys = [x for x, _ in points], [y for _, y in points]
                found.append((colour, min(xs), min(ys), max(xs), max(ys)))
            points = []
        elif op in (b"S", b"n", b"s", b"B", b"B*", b"b", b"b*"):
            points = []
    return found


def heading_words(data: bytes) -> set[str]:
    """The words of every reference and heading cell (the Cell Heading style) of a .docx: none may break inside."""
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    words = set()
    for p in etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")).iter(w + "p"):
        style = p.find(f"{w}pPr/{w}pStyle")
        if style is not None and style.get(w + "val") == "CellHeading":
            words.update(word for word in re.split(r"[\s/\-]+", "".join(p.itertext())) if len(word) > 1)
    return words


def broken(word: str, text: str) -> bool:
    """Does the PDF's text show `word` cut across two lines (LibreOffice breaks a word too wide
    for its column wherever it must: 'Responsib' / 'le')?"""
    return any(f"{word[:i]}\n{word[i:]}" in text for i in range(1, len(word)))


def cut_pictures(reader) -> list[str]:
    """The pictures of a PDF whose drawing reaches their edge (a title or a label cut off: a picture
    drawn whole has a margin of background all round), by name."""
    found = {}
    for page in reader.pages:
        for image in page.images:
            if image.name in found:
                continue
            grey = image.image.convert("L")
            w, h = grey.size
            edges = [(x, y) for x in (0, w - 1) for y in range(h)] + [(x, y) for y in (0, h - 1) for x in range(w)]
            found[image.name] = min(grey.getpixel(p) for p in edges) < 128
    return sorted(name for name, cut in found.items() if cut)


def last_page_fill(reader, margin: float = 56.7) -> float:
    """How far down its text area the last page's text reaches (0: empty, 1: full); the footer,
    below the bottom margin, is not counted."""
    page = reader.pages[-1]
    top = float(page.mediabox.height) - margin
    body = [y for _, y, _, _ in pdf_chunks(page) if margin < y < top + margin]
    return (top - min(body)) / (top - margin) if body else 0.0


def overlapping_rows(reader) -> list[tuple[int, str]]:
    """Spreadsheet rows whose text runs into the row below (a row too low for its text, which
    Excel and LibreOffice cut off): (page, the text that overlaps).

    Rows are found by the text in the first column; a row's lowest line must sit at least a
    line above the first line of the next row."""
    found = []
    for number, page in enumerate(reader.pages, start=1):
        chunks = pdf_chunks(page)
        if not chunks:
            continue
        left = min(x for x, _, _, _ in chunks)
        starts = sorted({round(y, 1) for x, y, _, _ in chunks if x < left + 12}, reverse=True)
        for above, below in zip(starts, starts[1:]):
            row = [c for c in chunks if below + 0.5 < c[1] <= above + 0.5]
            lowest = min(row, key=lambda c: c[1], default=None)
            if lowest is not None and lowest[1] - below < 0.9 * lowest[3]:
                found.append((number, lowest[2]))
    return found


# ---- forms as a user makes them ---------------------------------------------------------


def one_of_each_form(folder: Path, fmt: str = "docx") -> dict[str, Path]:
    """`auditdocs generate --format FMT` run on the sample list cut to its first row of each
    form: form id -> the form made (in `folder`)."""
    import openpyxl
    from click.testing import CliRunner

    from auditdocs.cli import cli

    rows = list(openpyxl.load_workbook(SAMPLES / "allocations_2026-11.xlsx").active.iter_rows(values_only=True))
    firsts = {}
    for row in rows[1:]:
        firsts.setdefault(row[0], row)
    book = openpyxl.Workbook()
    for row in [rows[0], *firsts.values()]:
        book.active.append(row)
    folder.mkdir(parents=True, exist_ok=True)
    book.save(folder / "one of each.xlsx")
    result = CliRunner().invoke(cli, ["--specs", str(SPECS), "generate", "--data", str(folder / "one of each.xlsx"),
                                      "--month", "2026-11", "--format", fmt, "--out", str(folder / "forms")])
    assert result.exit_code == 0, result.output
    with open(folder / "forms" / "manifest.csv", encoding="utf-8-sig") as fh:
        return {line["Form"]: folder / "forms" / line["File"] for line in csv.DictReader(fh)}


#: What Word's and Excel's "Strict Open XML" Save As writes instead of each Transitional namespace
#: and relationship type (ECMA-376 Part 1; the names that differ listed first).
STRICT = [
    ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties",
     "http://purl.oclc.org/ooxml/officeDocument/relationships/extendedProperties"),
    ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties",
     "http://purl.oclc.org/ooxml/officeDocument/relationships/customProperties"),
    ("http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
     "http://purl.oclc.org/ooxml/officeDocument/customProperties"),
    ("http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
     "http://purl.oclc.org/ooxml/officeDocument/extendedProperties"),
    ("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
     "http://purl.oclc.org/ooxml/officeDocument/relationships"),
    ("http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
     "http://purl.oclc.org/ooxml/officeDocument/docPropsVTypes"),
    ("http://schemas.openxmlformats.org/wordprocessingml/2006/main", "http://purl.oclc.org/ooxml/wordprocessingml/main"),
    ("http://schemas.openxmlformats.org/spreadsheetml/2006/main", "http://purl.oclc.org/ooxml/spreadsheetml/main"),
    ("http://schemas.openxmlformats.org/drawingml/2006/main", "http://purl.oclc.org/ooxml/drawingml/main"),
]


def as_strict(data: bytes) -> bytes:
    """A Word or Excel package as "Strict Open XML" saves it: every part in Strict's namespaces
    (the package's own relationship and content-type namespaces stay as they are), and a workbook
    marked `conformance="strict"`."""
    def change(name, content):
        if not name.endswith((".xml", ".rels")):
            return content
        text = content.decode("utf-8")
        for old, new in STRICT:
            text = text.replace(old, new)
        if name == "xl/workbook.xml":
            text = text.replace("<workbook ", '<workbook conformance="strict" ', 1)
        return text.encode("utf-8")

    return rewrite_parts(data, change)


#: The content type of a package's main part, per kind of file Word and Excel save.
MAIN_TYPES = {
    ".docx": b"wordprocessingml.document.main+xml", ".dotx": b"wordprocessingml.template.main+xml",
    ".dotm": b"ms-word.template.macroEnabledTemplate.main+xml", ".xlsx": b"spreadsheetml.sheet.main+xml",
    ".xltx": b"spreadsheetml.template.main+xml", ".xltm": b"ms-excel.template.macroEnabled.main+xml",
}


def saved_as(folder: Path, name: str, data: bytes) -> Path:
    """A .docx or .xlsx package saved in `folder` as `name`, as Word or Excel saves that kind of file
    (a template: only its main part's content type differs)."""
    kind = Path(name).suffix.lower()
    old = MAIN_TYPES[".docx"] if MAIN_TYPES[".docx"] in zipfile.ZipFile(io.BytesIO(data)).read("[Content_Types].xml") \
        else MAIN_TYPES[".xlsx"]
    path = folder / name
    path.write_bytes(rewrite_parts(data, lambda part, content: content.replace(old, MAIN_TYPES[kind])
                                   if part == "[Content_Types].xml" else content))
    return path
