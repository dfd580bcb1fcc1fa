"""Shared test helpers: schema validation, LibreOffice, invented records and answers."""
from __future__ import annotations

import copy
import csv
import functools
import io
import os
import random
import shutil
import subprocess
import zipfile
from functools import lru_cache
from pathlib import Path

import pytest
from lxml import etree

from auditdocs import builtin
from auditdocs import model as m

ROOT = Path(__file__).resolve().parents[1]
#: The built-in form specs and samples, inside the package (tests name them only through these two).
SPECS = builtin("form_specs")
SAMPLES = builtin("samples")
SCHEMAS = Path(__file__).resolve().parent / "schemas" / "ooxml"
REALWORLD = Path(__file__).resolve().parent / "data" / "realworld"  # see its NOTICE.md

SOFFICE = shutil.which("soffice")
#: Set in CI (.ci/run): a test that needs LibreOffice fails, rather than skips, when it is missing.
REQUIRE_SOFFICE = os.environ.get("AUDITDOCS_REQUIRE_LIBREOFFICE", "") not in ("", "0")


def needs_soffice(test):
    """For a test that needs LibreOffice: it skips with the reason on a machine without it,
    and fails instead when AUDITDOCS_REQUIRE_LIBREOFFICE is set (CI), so the round trips always run there."""
    if SOFFICE is not None:
        return test
    if REQUIRE_SOFFICE:
        @functools.wraps(test)
        def fail(*args, **kwargs):
            pytest.fail("LibreOffice (soffice) is not installed, and AUDITDOCS_REQUIRE_LIBREOFFICE is set: "
                        "in CI the LibreOffice tests must run.")
        return fail
    return pytest.mark.skip(
        reason="LibreOffice is not installed (Debian: apt-get install libreoffice-writer-nogui libreoffice-calc-nogui)",
    )(test)

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


def unreadable(path: Path, library) -> str:
    """The one reason a file could not be read (Word or Excel, as `auditdocs parse` reads it)."""
    from auditdocs.returns import read_form

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


def full_answers(spec: m.FormSpec, seed: int = 1) -> tuple[dict, dict]:
    """Every field and extra action rows filled: (answers, tables)."""
    rng = random.Random(seed)
    answers = {f.id: answer_for(f, rng) for f in spec.fields}
    tables = {t.id: [{c.id: answer_for(c, rng, n) for c in t.columns} for n in range(t.rows + 1)] for t in spec.tables}
    return answers, tables


# ---- what a PDF made by LibreOffice shows ----------------------------------------------


def pdf_chunks(page) -> list[tuple[float, float, str, float]]:
    """Each piece of text on a PDF page: (x, y, text, font size), y up from the bottom, in points."""
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            found.append((tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5],
                          text.strip(), size * tm[3] * cm[3]))

    page.extract_text(visitor_text=visit)
    return found


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
