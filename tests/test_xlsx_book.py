"""The Excel form reader reads workbooks with lxml (`forms.xlsx.book`) where it can vouch for them, and with
openpyxl otherwise: both readings give the same record, whatever the workbook."""
from __future__ import annotations

import datetime as dt
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from helpers import (
    REALWORLD,
    ROOT,
    SSCONVERT,
    as_strict,
    full_answers,
    library_from_text,
    libreoffice_convert,
    needs_gnumeric,
    needs_soffice,
    record_values,
    rewrite_parts,
)
from openpyxl import load_workbook
from test_damaged import fuzzed, kinds_of_damage, make_originals

from auditdocs.forms.xlsx import XlsxForm, book, reader
from auditdocs.forms.xlsx.fill import fill_xlsx

ALL_KINDS = (Path(__file__).parent / "data" / "all_kinds.yaml").read_text(encoding="utf-8")
SHARED_REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld" / "excel"


@pytest.fixture(scope="module")
def all_kinds(tmp_path_factory):
    return library_from_text(tmp_path_factory.mktemp("specs"), "all_kinds", ALL_KINDS)


@pytest.fixture(scope="module")
def forms(library, all_kinds, tmp_path_factory):
    """Every spec's form, unfilled and filled twice, as the reader gets them: path -> library."""
    folder = tmp_path_factory.mktemp("forms")
    made = {}
    for lib, spec in [(library, s) for s in library.current()] + [(all_kinds, all_kinds.latest("all_kinds"))]:
        for seed in (0, 1, 2):
            blank = XlsxForm(spec).render(record_values(spec, seed), f"AUD-202611-TEST{seed:04d}")
            answers, tables = full_answers(spec, seed) if seed else ({}, {})
            path = folder / f"{spec.id}-{seed}.xlsx"
            path.write_bytes(fill_xlsx(blank, answers, tables))
            made[path] = lib
    return made


def both_ways(path: Path, library, monkeypatch) -> tuple[dict, dict]:
    """The record read as the reader reads it, and read with openpyxl alone."""
    fast = reader.read_xlsx(path, library).as_dict()
    with monkeypatch.context() as patch:
        patch.setattr(reader, "FAST", False)
        slow = reader.read_xlsx(path, library).as_dict()
    return fast, slow


def vouched(path: Path) -> bool:
    try:
        book.read_book(zipfile.ZipFile(path))
    except Exception:
        return False
    return True


def assert_same(paths: dict[Path, object], monkeypatch) -> None:
    for path, library in paths.items():
        fast, slow = both_ways(path, library, monkeypatch)
        assert fast == slow, path.name


def test_every_form_reads_the_same_both_ways_and_without_openpyxl(forms, monkeypatch):
    assert_same(forms, monkeypatch)
    assert all(vouched(p) for p in forms)


def test_strict_and_1904_forms_read_the_same_both_ways(forms, tmp_path, monkeypatch):
    made = {}
    for path, library in list(forms.items())[::3]:
        data = path.read_bytes()
        strict = tmp_path / f"strict-{path.name}"
        strict.write_bytes(as_strict(data))
        in_1904 = tmp_path / f"1904-{path.name}"
        in_1904.write_bytes(rewrite_parts(data, lambda name, content: content.replace(
            b"<workbookPr/>", b'<workbookPr date1904="1"/>') if name == "xl/workbook.xml" else content))
        made[strict] = made[in_1904] = library
    assert_same(made, monkeypatch)
    assert all(vouched(p) for p in made if p.name.startswith("1904"))


def test_real_world_workbooks_read_the_same_both_ways(library, monkeypatch):
    found = sorted((REALWORLD / "excel").glob("*.xls[xm]")) + sorted(SHARED_REALWORLD.glob("*.xl[st][xm]"))
    assert found
    assert_same({p: library for p in found}, monkeypatch)


@needs_soffice
def test_forms_saved_by_libreoffice_read_the_same_both_ways(forms, tmp_path, monkeypatch):
    chosen = [p for p in forms if not p.stem.endswith("-0")]
    saved = libreoffice_convert(chosen, tmp_path / "lo", "xlsx", tmp_path / "profile")
    made = {s: forms[p] for s, p in zip(saved, chosen)}
    assert_same(made, monkeypatch)
    assert all(vouched(p) for p in made)  # shared strings and all
    # Rich text and phonetic runs in the shared strings, as Excel writes them.
    odd = tmp_path / "rich.xlsx"
    odd.write_bytes(rewrite_parts(saved[0].read_bytes(), lambda name, content: re.sub(
        rb"<si><t([^>]*)>([^<]*)</t></si>",
        rb'<si><r><rPr><b/><sz val="11"/></rPr><t\1>\2</t></r><r><t xml:space="preserve"> x005F_ more</t></r>'
        rb'<rPh sb="0" eb="1"><t>ignored</t></rPh><phoneticPr fontId="1"/></si>', content)
        if name == "xl/sharedStrings.xml" else content))
    assert_same({odd: forms[chosen[0]]}, monkeypatch)
    assert vouched(odd)


@needs_gnumeric
def test_forms_saved_by_gnumeric_read_the_same_both_ways(forms, tmp_path, monkeypatch):
    made = {}
    for path in [p for p in forms if p.stem.endswith("-1")]:
        saved = tmp_path / path.name
        subprocess.run([SSCONVERT, str(path), str(saved)], check=True, capture_output=True, timeout=300)
        made[saved] = forms[path]
    assert_same(made, monkeypatch)


def _sheet(change):
    return lambda name, content: change(content) if name == "xl/worksheets/sheet1.xml" else content


def _workbook(change):
    return lambda name, content: change(content) if name == "xl/workbook.xml" else content


def _custom(change):
    return lambda name, content: change(content) if name == "docProps/custom.xml" else content


def _first_text_cell(replacement: bytes):
    """The first filled text answer (in column C) as another kind of cell."""
    return _sheet(lambda xml: re.sub(rb'<c r="(C\d+)"( s="\d+")? t="inlineStr"><is><t>[^<]*</t></is></c>',
                                     lambda m: b'<c r="' + m.group(1) + b'"' + (m.group(2) or b"") + replacement,
                                     xml, count=1))


#: A filled text answer changed into another kind of cell: name -> what follows its reference and style.
CELL_KINDS = {
    "number": b' t="n"><v>42</v></c>',
    "float": b'><v>4.2E1</v></c>',
    "bool": b' t="b"><v>1</v></c>',
    "error": b' t="e"><v>#N/A</v></c>',
    "str": b' t="str"><v>text</v></c>',
    "iso date": b' t="d"><v>2026-02-01T00:00:00</v></c>',
    "bad iso date": b' t="d"><v>yesterday</v></c>',
    "formula": b'><f>1+1</f><v>2</v></c>',
    "empty formula": b'><f/><v>2</v></c>',
    "shared formula": b'><f t="shared" ref="C7:C8" si="0">1+1</f><v>2</v></c>',
    "array formula": b'><f t="array" ref="C7">1+1</f><v>2</v></c>',
    "shared string beyond the table": b' t="s"><v>5</v></c>',
    "rich inline string": b' t="inlineStr"><is><r><rPr><i/></rPr><t>a</t></r><r><t>b</t></r>'
                          b'<rPh sb="0" eb="1"><t>c</t></rPh></is></c>',
    "inline string with a comment": b' t="inlineStr"><is><t>a<!-- x -->b</t></is></c>',
    "inline string with bad run": b' t="inlineStr"><is><r><rPr><sz val="big"/></rPr><t>a</t></r></is></c>',
}

#: Workbooks changed the ways people's programs (and damage) change them: (name, change of parts).
ODD = [
    ("truncated sheet", _sheet(lambda xml: xml[: len(xml) // 2])),
    ("style not a number", _sheet(lambda xml: xml.replace(b' s="6"', b' s="six"', 1))),
    ("style beyond the styles", _sheet(lambda xml: xml.replace(b' s="6"', b' s="999"', 1))),
    ("date far beyond", _sheet(lambda xml: re.sub(rb"<v>4\d{4}</v>", b"<v>99999999</v>", xml))),
    ("cells without references", _sheet(lambda xml: re.sub(rb'<c r="[A-Z]+\d+"', b"<c", xml))),
    ("rows without numbers", _sheet(lambda xml: re.sub(rb'<row r="\d+"', b"<row", xml))),
    ("row number as a decimal", _sheet(lambda xml: xml.replace(b'<row r="7"', b'<row r="7.0"', 1))),
    ("rows out of order", _sheet(lambda xml: xml.replace(b'<row r="2"', b'<row r="90"', 1))),
    ("bad dimension", _sheet(lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:ZZZZ0"', xml))),
    ("no dimension", _sheet(lambda xml: re.sub(rb"<dimension[^>]*/>", b"", xml))),
    ("bad merged range", _sheet(lambda xml: re.sub(rb'<mergeCell ref="[^"]*"', b'<mergeCell ref="E1:A9"', xml,
                                                   count=1))),
    ("bad column", _sheet(lambda xml: xml.replace(b'<col ', b'<col min="x" ', 1).replace(b' min="1"', b"", 1))),
    ("comment and processing instruction", _sheet(lambda xml: xml.replace(b"<sheetData>",
                                                                           b"<sheetData><!-- c --><?pi x?>"))),
    ("latin-1 sheet", _sheet(lambda xml: b'<?xml version="1.0" encoding="ISO-8859-1"?>' + xml)),
    ("1904 dates", _workbook(lambda xml: xml.replace(b"<workbookPr/>", b'<workbookPr date1904="true"/>'))),
    ("name with a comment", _workbook(lambda xml: xml.replace(b'<definedName name="', b'<definedName comment="c" name="',
                                                              1))),
    ("name with an unknown attribute", _workbook(lambda xml: xml.replace(b'<definedName name="',
                                                                         b'<definedName odd="c" name="', 1))),
    ("name without a name", _workbook(lambda xml: re.sub(rb'<definedName name="[^"]*"', b"<definedName", xml,
                                                         count=1))),
    ("name pointing nowhere", _workbook(lambda xml: re.sub(rb"(<definedName [^>]*>)[^<]*", rb"\g<1>#REF!", xml,
                                                           count=1))),
    ("empty name", _workbook(lambda xml: re.sub(rb"(<definedName [^>]*)>[^<]*</definedName>", rb"\g<1>/>", xml,
                                                count=1))),
    ("print titles", _workbook(lambda xml: xml.replace(b"</definedNames>", b'<definedName name="_xlnm.Print_Titles" '
                                                       b"localSheetId=\"0\">'Audit form'!$1:$2</definedName>"
                                                       b"</definedNames>"))),
    ("bad print titles", _workbook(lambda xml: xml.replace(b"</definedNames>", b'<definedName name="_xlnm.Print_Titles"'
                                                           b' localSheetId="0">nothing</definedName></definedNames>'))),
    ("name of a missing sheet", _workbook(lambda xml: xml.replace(b'<definedName name="', b'<definedName '
                                                                  b'localSheetId="7" name="', 1))),
    ("name of sheet minus one", _workbook(lambda xml: xml.replace(b'<definedName name="', b'<definedName '
                                                                  b'localSheetId="-1" name="', 1))),
    ("sheet without relationship", _workbook(lambda xml: xml.replace(b'r:id="rId1"', b'r:id="rId9"', 1))),
    ("sheet without id", _workbook(lambda xml: xml.replace(b' r:id="rId2"', b"", 1))),
    ("no core properties", lambda name, content: None if name == "docProps/core.xml" else content),
    ("no custom properties", lambda name, content: None if name == "docProps/custom.xml" else content),
    ("no styles", lambda name, content: None if name == "xl/styles.xml" else content),
    ("custom property a number", _custom(lambda xml: re.sub(rb"<vt:lpwstr([^>]*)>1</vt:lpwstr>",
                                                           rb"<vt:i4\1>1</vt:i4>", xml, count=1))),
    ("custom property without a name", _custom(lambda xml: re.sub(rb' name="[^"]*"', b"", xml, count=1))),
    ("custom property with a bad number", _custom(lambda xml: xml.replace(b'pid="2"', b'pid="two"', 1))),
    ("custom property empty", _custom(lambda xml: re.sub(rb"(<vt:lpwstr[^>]*>)[^<]*", rb"\1", xml, count=1))),
    ("custom property in two parts", _custom(lambda xml: re.sub(rb"(<vt:lpwstr[^>]*>)([^<]*)", rb"\1\2<x/>y", xml,
                                                                count=1))),
    ("bad modified date", lambda name, content: re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>yesterday", content)
     if name == "docProps/core.xml" else content),
] + [(name, _first_text_cell(cell)) for name, cell in CELL_KINDS.items()]


@pytest.mark.parametrize("name, change", ODD, ids=[n for n, _ in ODD])
def test_odd_and_damaged_workbooks_read_the_same_both_ways(name, change, forms, tmp_path, monkeypatch):
    source = next(p for p in forms if p.stem.endswith("-1") and "all_kinds" not in p.stem)
    changed = rewrite_parts(source.read_bytes(), change)
    assert changed != source.read_bytes(), name
    path = tmp_path / f"{name}.xlsx"
    path.write_bytes(changed)
    assert_same({path: forms[source]}, monkeypatch)


@pytest.mark.filterwarnings("ignore::UserWarning")  # openpyxl, finding the names to damage
def test_fuzzed_workbooks_read_the_same_both_ways(library, tmp_path, monkeypatch):
    """The damage `test_damaged` makes (broken zips and XML, odd cells, names, sheets and rows), on Excel forms."""
    originals = {name: data for name, data in make_originals(library).items() if name.endswith(".xlsx")}
    made = {}
    for name, data in {**fuzzed(originals, 25, 200), **kinds_of_damage({**make_originals(library)})}.items():
        if name.endswith(".xlsx"):
            made[tmp_path / name] = library
            (tmp_path / name).write_bytes(data)
    assert len(made) > 200
    assert_same(made, monkeypatch)
    assert sum(map(vouched, made)) > 60  # most damage is in a part openpyxl reads too: both read alike


def test_forms_edited_and_saved_by_openpyxl_read_the_same_both_ways(forms, tmp_path, monkeypatch):
    """openpyxl writes the text as shared strings; cells typed in as numbers, dates, booleans and formulas."""
    made = {}
    for n, (path, library) in enumerate(list(forms.items())[1::3]):
        wb = load_workbook(path)
        ws = wb.worksheets[0]
        for i, row in enumerate(ws.iter_rows(min_row=5, max_col=5)):
            for cell in row:
                if cell.value is not None and cell.column == 3 and i % 4 == n % 4:
                    cell.value = [42, 4.5, dt.datetime(2026, 2, 1), True, "=1+1", dt.time(9, 30)][i % 6]
        ws.insert_rows(12, 2)
        edited = tmp_path / path.name
        wb.save(edited)
        made[edited] = library
    assert_same(made, monkeypatch)
    assert all(vouched(p) for p in made)


def test_a_part_too_big_to_hold_as_a_tree_is_left_to_openpyxl(forms, monkeypatch):
    path, library = next(iter(forms.items()))
    monkeypatch.setattr(book, "LARGEST", 2000)  # smaller than the form's sheet
    assert not vouched(path)
    assert_same({path: library}, monkeypatch)


def test_the_bench_forms_read_the_same_both_ways_and_without_openpyxl(tmp_path, monkeypatch):
    """The Excel forms bench/bench_consolidate.py makes (as generate makes them, filled as auditors fill them:
    long and mixed-script texts, full action tables, some left incomplete)."""
    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    import bench_consolidate as bench

    bench._start()
    for n in range(5, 5 + 24 * bench.EXCEL_EVERY, bench.EXCEL_EVERY):
        bench._make((n, str(tmp_path), 0))
    made = dict.fromkeys(sorted(tmp_path.rglob("*.xlsx")), bench._library)
    assert len(made) == 24
    assert_same(made, monkeypatch)
    assert all(vouched(p) for p in made)
