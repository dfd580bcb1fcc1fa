"""Damaged returned files: one bad file never stops the batch, and the others read as they do alone.

First the kinds of damage that once stopped a whole batch, each made for real; then a seeded
fuzzer of our own that mutates generated and filled forms (zip, parts, XML, text, Excel
cells and names, other kinds of file renamed) and checks every batch: no traceback, one
record per file, a reason for every unreadable file, none of them failing in a way the
readers did not foresee, the good files reading exactly as alone, no file taking more than
a few seconds. The seed is fixed; try others with `--fuzz-seed N` (or AUDITDOCS_FUZZ_SEED),
and more files with AUDITDOCS_FUZZ_FILES.
"""
from __future__ import annotations

import io
import json
import os
import random
import struct
import sys
import time
import warnings
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import (
    SOFFICE,
    SPECS,
    files_workspace,
    full_answers,
    libreoffice_convert,
    record_values,
    rewrite_parts,
)
from lxml import etree
from openpyxl import load_workbook
from tracker_records import rows_of

from auditdocs.cli import cli
from auditdocs.consolidate import consolidate_records
from auditdocs.domain import model as m
from auditdocs.forms.docx.fill import fill_docx
from auditdocs.forms.docx.writer import WordForm
from auditdocs.forms.xlsx import XlsxForm
from auditdocs.forms.xlsx.fill import fill_xlsx
from auditdocs.returns.read import UNFORESEEN, read_form, read_returns

FUZZ_FILES = int(os.environ.get("AUDITDOCS_FUZZ_FILES", "1000"))
SECONDS_PER_FILE = 5.0  # "nothing takes more than a few seconds", even on a busy 2-core machine
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


# ---- forms to damage --------------------------------------------------------------------


def filled(spec, fmt: str, seed: int) -> bytes:
    answers, tables = full_answers(spec, seed=seed)
    audit = f"AUD-202611-DMG{seed:05d}"
    if fmt == "docx":
        return fill_docx(WordForm(spec).render(record_values(spec, seed), audit), answers, tables)
    return fill_xlsx(XlsxForm(spec).render(record_values(spec, seed), audit), answers, tables)


@pytest.fixture(scope="module")
def originals(library, tmp_path_factory, lo_profile) -> dict[str, bytes]:
    """The forms to damage; where LibreOffice is installed, also one it saved (its own XML)."""
    out = make_originals(library)
    if SOFFICE:
        folder = tmp_path_factory.mktemp("libreoffice")
        source = folder / "csc.docx"
        source.write_bytes(out["csc_case_file_audit.docx"])
        (saved,) = libreoffice_convert([source], folder / "saved", "docx:MS Word 2007 XML", lo_profile)
        out["saved by libreoffice.docx"] = saved.read_bytes()
    return out


def make_originals(library) -> dict[str, bytes]:
    """Filled forms of three specs, Word and Excel, and one left blank."""
    out = {}
    for n, form_id in enumerate(("csc_case_file_audit", "foster_carer_case_file_audit", "front_door_referrals")):
        spec = library.latest(form_id)
        for fmt in ("docx", "xlsx"):
            out[f"{form_id}.{fmt}"] = filled(spec, fmt, n)
    blank = library.latest("eh_case_file_audit")
    out["blank.docx"] = WordForm(blank).render(record_values(blank, 9), "AUD-202611-DMG00009")
    return out


# ---- damage made for real ------------------------------------------------------------------


def _zip_entry(data: bytes, name: str) -> tuple[int, int, int]:
    """(local header offset, start of the compressed data, central directory record offset) of a part."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    local = info.header_offset
    name_len, extra_len = struct.unpack("<HH", data[local + 26:local + 30])
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        n = struct.unpack("<H", data[central + 28:central + 30])[0]
        if data[central + 46:central + 46 + n] == name.encode():
            break
        central = data.find(b"PK\x01\x02", central + 4)
    return local, local + 30 + name_len + extra_len, central


def damaged_deflate(data: bytes, name: str) -> bytes:
    """The part's compressed data starts with a block of a type deflate does not have (zlib.error)."""
    _, start, _ = _zip_entry(data, name)
    out = bytearray(data)
    out[start] = 0x07
    return bytes(out)


def zip_encrypted_flag(data: bytes, name: str) -> bytes:
    """The part marked as protected by a zip password (zipfile: RuntimeError)."""
    local, _, central = _zip_entry(data, name)
    out = bytearray(data)
    out[local + 6] |= 1
    out[central + 8] |= 1
    return bytes(out)


def zip_version(data: bytes, name: str, version: int = 99) -> bytes:
    """The part needs a zip version nobody has (zipfile: NotImplementedError)."""
    local, _, central = _zip_entry(data, name)
    out = bytearray(data)
    out[local + 4] = version
    out[central + 6] = version
    return bytes(out)


def edit_xml(data: bytes, part: str, change) -> bytes:
    def edit(name, content):
        if name != part:
            return content
        root = etree.fromstring(content)
        change(root)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    return rewrite_parts(data, edit)


def form_sheet(data: bytes) -> str:
    """The part of the Excel form's answer sheet."""
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    return min(n for n in names if n.startswith("xl/worksheets/sheet") and n.endswith(".xml"))


def defined_name(data: bytes, name: str) -> tuple[str, str]:
    wb = load_workbook(io.BytesIO(data))
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    return sheet, ref.replace("$", "")


def set_cell(data: bytes, ref: str, inner: str, cell_type: str | None = None) -> bytes:
    """Replace one cell of the form's sheet with raw SpreadsheetML (`<v>…</v>`, `<f>…</f>`)."""
    def change(root):
        cell = next(c for c in root.iter(S + "c") if c.get("r") == ref)
        for child in list(cell):
            cell.remove(child)
        cell.attrib.pop("t", None)
        if cell_type:
            cell.set("t", cell_type)
        for child in etree.fromstring(f'<x xmlns="{S[1:-1]}">{inner}</x>'):
            cell.append(child)

    return edit_xml(data, form_sheet(data), change)


def point_name(data: bytes, name: str, ref: str) -> bytes:
    """Point one of the form's defined names somewhere else."""
    def change(root):
        dn = next(d for d in root.iter(S + "definedName") if d.get("name") == name)
        dn.text = f"{dn.text.split('!')[0]}!{ref}"

    return edit_xml(data, "xl/workbook.xml", change)


def kinds_of_damage(originals: dict[str, bytes]) -> dict[str, bytes]:
    """Each kind of damage that once stopped a batch (issue 9, case 11), in a real file."""
    docx, xlsx = originals["csc_case_file_audit.docx"], originals["csc_case_file_audit.xlsx"]
    sheet = form_sheet(xlsx)
    _, evidence = defined_name(xlsx, "ad_kss1_seen_alone.evidence")
    _, grade = defined_name(xlsx, "ad_kss1_seen_alone")

    def circled_version(name, content):
        return content.replace(b"<vt:lpwstr>1</vt:lpwstr>", "<vt:lpwstr>①</vt:lpwstr>".encode()) \
            if name == "docProps/custom.xml" else content

    return {
        "damaged deflate data.docx": damaged_deflate(docx, "word/document.xml"),
        "damaged deflate data.xlsx": damaged_deflate(xlsx, sheet),
        "zip password flag.docx": zip_encrypted_flag(docx, "word/document.xml"),
        "zip password flag.xlsx": zip_encrypted_flag(xlsx, "xl/workbook.xml"),
        "zip version 9.9.docx": zip_version(docx, "word/document.xml"),
        "circled digit version.docx": rewrite_parts(docx, circled_version),
        "table name a whole row.xlsx": point_name(xlsx, "ad_actions", "$5:$5"),
        "table name a whole column.xlsx": point_name(xlsx, "ad_actions", "$A:$A"),
        "table name beyond the sheet.xlsx": point_name(xlsx, "ad_actions", "$A$9:$XFZ$99999999"),
        "400-digit number.xlsx": set_cell(xlsx, evidence, f"<v>{'9' * 400}</v>"),
        "400-digit number in a dropdown cell.xlsx": set_cell(xlsx, grade, f"<v>{'9' * 400}.5</v>"),
    }


# ---- 11. one damaged file never stops the batch -------------------------------------------


def test_each_kind_of_damage_that_stopped_a_batch_is_one_file_unreadable_or_read(library, originals, tmp_path):
    for name, data in kinds_of_damage(originals).items():
        path = tmp_path / name
        path.write_bytes(data)
        record = read_form(path, library)
        reasons = [p.message for p in record.problems]
        assert record.status in ("complete", "incomplete", "unreadable"), name
        if record.status == "unreadable":
            assert len(reasons) == 1 and reasons[0] and not reasons[0].startswith(UNFORESEEN), (name, reasons)
    assert "damaged" in read_form(tmp_path / "damaged deflate data.docx", library).problems[0].message
    circled = read_form(tmp_path / "circled digit version.docx", library)
    assert (circled.status, circled.form_version) == ("complete", 1)  # the line under the title gives the version
    long_number = read_form(tmp_path / "400-digit number.xlsx", library)
    assert long_number.answers["kss1_seen_alone.evidence"] == "9" * 400
    in_dropdown = read_form(tmp_path / "400-digit number in a dropdown cell.xlsx", library)
    assert any(p.field == "kss1_seen_alone" and "too large" in p.message for p in in_dropdown.problems)
    whole_row = read_form(tmp_path / "table name a whole row.xlsx", library)
    assert whole_row.tables == read_form(_save(tmp_path, "good.xlsx", originals["csc_case_file_audit.xlsx"]),
                                         library).tables  # read by what a person sees instead


def _save(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return folder / name


def _batch(originals, folder: Path) -> dict[str, bytes]:
    files = {f"good {name}": data for name, data in originals.items()}
    files.update(kinds_of_damage(originals))
    for name, data in files.items():
        _save(folder, name, data)
    return files


def test_parse_reads_the_rest_of_the_batch_and_writes_the_json(library, originals, tmp_path):
    folder = tmp_path / "returned"
    files = _batch(originals, folder)
    result = CliRunner().invoke(cli, ["--specs", str(SPECS), "parse", str(folder), "--json", str(tmp_path / "a.json")])
    assert result.exit_code == 1, result.output  # done, but some files need attention
    assert "Traceback" not in result.output and isinstance(result.exception, (SystemExit, type(None)))
    records = {Path(r["file"]).name: r for r in json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))}
    assert set(records) == set(files)
    for name in originals:
        alone = read_form(folder / f"good {name}", library)
        assert records[f"good {name}"] == m.shown_record(library.spec_of(alone), alone).as_dict()  # with the labels
    assert sum(r["status"] == "unreadable" for r in records.values()) >= 5


def test_consolidate_puts_the_rest_of_the_batch_in_the_tracker(library, originals, tmp_path):
    folder = tmp_path / "returned"
    files = _batch(originals, folder)
    tracker = tmp_path / "tracker.xlsx"
    result = CliRunner().invoke(cli, ["--specs", str(SPECS), "consolidate", str(folder), "--tracker", str(tracker)])
    assert result.exit_code == 1, result.output  # done, and the Exceptions sheet needs attention
    assert tracker.exists()
    audits = {row["Audit id"] for row in rows_of(tracker, "Audits")}
    assert {f"AUD-202611-DMG{n:05d}" for n in range(3)} | {"AUD-202611-DMG00009"} <= audits
    unreadable = {Path(row["File"]).name for row in rows_of(tracker, "Exceptions") if row["Problem"] == "Unreadable"}
    assert {"damaged deflate data.docx", "zip password flag.docx", "zip version 9.9.docx"} <= unreadable
    assert len(files) == len(list(folder.iterdir()))


def test_a_failure_nobody_foresaw_is_kept_to_its_file(library, originals, tmp_path, monkeypatch):
    """A fault in a reader (simulated in one file) makes that file unreadable, with what to do; the rest go on."""
    from auditdocs.forms.docx import reader

    folder = tmp_path / "returned"
    _save(folder, "a.docx", originals["csc_case_file_audit.docx"])
    _save(folder, "b fault.docx", originals["foster_carer_case_file_audit.docx"])
    _save(folder, "c.xlsx", originals["front_door_referrals.xlsx"])
    real = reader._read

    def faulty(path, library, record):
        if "fault" in path.name:
            raise IndexError("list index out of range")
        return real(path, library, record)

    monkeypatch.setattr(reader, "_read", faulty)
    records = list(read_returns([folder], library))
    assert [r.status for r in records] == ["complete", "unreadable", "complete"]
    [reason] = [p.message for p in records[1].problems]
    assert reason.startswith(UNFORESEEN) and "IndexError" in reason and "save it again" in reason and "\n" not in reason
    result = CliRunner().invoke(cli, ["--specs", str(SPECS), "parse", str(folder)])
    assert result.exit_code == 1 and "2 complete, 0 incomplete, 1 unreadable" in result.output


def test_exit_code_3_only_when_auditdocs_itself_fails(library, originals, tmp_path, monkeypatch, capsys):
    from auditdocs import cli as cli_module
    from auditdocs.returns import read as returns

    folder = tmp_path / "returned"
    _save(folder, "a.docx", originals["csc_case_file_audit.docx"])
    monkeypatch.setattr(sys, "argv", ["auditdocs", "--specs", str(SPECS), "parse", str(folder), "--json",
                                      str(tmp_path / "a.json")])

    def broken(records, library, path):
        raise KeyError("a fault in writing the JSON")

    monkeypatch.setattr(returns, "write_json", broken)
    with pytest.raises(SystemExit) as stopped:
        cli_module.main()
    assert stopped.value.code == 3
    err = capsys.readouterr().err
    assert "auditdocs failed" in err and "Traceback" not in err


# ---- the fuzzer ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzz_seed(request) -> int:
    return request.config.getoption("fuzz_seed")


class Mutator:
    """Damage a form the ways files get damaged, or are edited by tools that do not know the format."""

    def __init__(self, rng: random.Random, others: dict[str, bytes]):
        self.rng = rng
        self.others = others  # every original, for swapping in another form's parts

    # -- the package

    def truncate(self, data, kind):
        return data[: self.rng.randrange(0, len(data))]

    def flip_bytes(self, data, kind):
        out = bytearray(data)
        for _ in range(self.rng.randint(1, 8)):
            i = self.rng.randrange(len(out))
            out[i] = self.rng.randrange(256)
        return bytes(out)

    def flip_inside_a_part(self, data, kind):
        name = self.rng.choice(zipfile.ZipFile(io.BytesIO(data)).namelist())
        _, start, _ = _zip_entry(data, name)
        size = zipfile.ZipFile(io.BytesIO(data)).getinfo(name).compress_size
        out = bytearray(data)
        for _ in range(self.rng.randint(1, 4)):
            i = start + self.rng.randrange(max(size, 1))
            out[i] ^= 1 << self.rng.randrange(8)
        return bytes(out)

    def damage_deflate(self, data, kind):
        names = [i.filename for i in zipfile.ZipFile(io.BytesIO(data)).infolist() if i.compress_type == 8]
        return damaged_deflate(data, self.rng.choice(names)) if names else data

    def zip_flags(self, data, kind):
        name = self.rng.choice(zipfile.ZipFile(io.BytesIO(data)).namelist())
        return (zip_encrypted_flag if self.rng.random() < 0.5 else zip_version)(data, name)

    def remove_part(self, data, kind):
        gone = self.rng.choice(zipfile.ZipFile(io.BytesIO(data)).namelist())
        return rewrite_parts(data, lambda name, content: None if name == gone else content)

    def duplicate_part(self, data, kind):
        source = zipfile.ZipFile(io.BytesIO(data))
        name = self.rng.choice(source.namelist())
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                target.writestr(info, source.read(info.filename))
            target.writestr(name, self.rng.choice([b"", source.read(name)[: 200], source.read(name)]))
        return out.getvalue()

    def other_kind_renamed(self, data, kind):
        other = "xlsx" if kind == "docx" else "docx"
        choices = [
            b"",
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(self.rng.randrange(256) for _ in range(600)),
            "Notes about the visit, typed in Notepad. ☺\n".encode("utf-16"),
            b"PK\x05\x06" + b"\0" * 18,  # an empty zip
            b"<html><body>Saved from a browser</body></html>",
            next(v for k, v in self.others.items() if k.endswith(other)),
        ]
        return self.rng.choice(choices)

    # -- the XML inside

    def _xml_parts(self, data, kind) -> list[str]:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        if kind == "docx":
            wanted = ["word/document.xml", "docProps/custom.xml", "docProps/core.xml", "[Content_Types].xml"]
        else:
            wanted = ["xl/workbook.xml", form_sheet(data), "docProps/custom.xml", "xl/sharedStrings.xml",
                      "xl/styles.xml", "[Content_Types].xml"]
        present = [n for n in wanted if n in names]
        return present[:2] * 3 + present  # mostly the body and the identity

    def _elements(self, root):
        return [e for e in root.iter() if isinstance(e.tag, str) and e is not root]

    def xml_edit(self, data, kind):
        part = self.rng.choice(self._xml_parts(data, kind))
        how = self.rng.choice(["delete", "duplicate", "move", "strip attributes", "nest", "long text",
                               "control characters", "rename"])

        def change(root):
            elements = self._elements(root)
            if not elements:
                return
            el = self.rng.choice(elements)
            parent = el.getparent()
            if how == "delete" and parent is not None:
                parent.remove(el)
            elif how == "duplicate" and parent is not None:
                el.addnext(etree.fromstring(etree.tostring(el)))
            elif how == "move" and parent is not None:
                target = self.rng.choice(elements)
                if target is not el and el not in target.iterancestors() and target is not root:
                    parent.remove(el)
                    (target.append if self.rng.random() < 0.5 else target.addnext)(el)
            elif how == "strip attributes":
                for key in list(el.attrib):
                    del el.attrib[key]
            elif how == "nest":
                sdts = [e for e in root.iter(W + "sdt")] or elements
                outer, inner = self.rng.choice(sdts), self.rng.choice(sdts)
                content = outer.find(W + "sdtContent")
                if inner is not outer and outer not in inner.iterancestors() and inner is not root:
                    (content if content is not None else outer).append(
                        etree.fromstring(etree.tostring(inner)))
            elif how == "long text":
                texts = [e for e in elements if e.text and e.text.strip()] or elements
                self.rng.choice(texts).text = self.rng.choice(["x", "Testworth ", "١٢٣", "👍"]) * self.rng.choice(
                    [5000, 40000, 200000])
            elif how == "control characters":
                texts = [e for e in elements if e.text and e.text.strip()] or elements
                # XML 1.0 forbids most control characters: this is text, not markup
                self.rng.choice(texts).text = "line\tone\u2028two\u0085three\ufffe\u200f" + "".join(
                    self.rng.choice("\t\n\r\u00a0\u202e\u0301") for _ in range(30))
            elif how == "rename":
                el.tag = self.rng.choice([el.tag + "x", W + "sdt", W + "tbl", W + "tc", S + "c", "{urn:other}x"])

        try:
            return edit_xml(data, part, change)
        except etree.XMLSyntaxError:  # the part was already not XML
            return data

    def identity(self, data, kind):
        """The identity of another form, or a damaged one."""
        how = self.rng.choice(["another form's", "form id", "version", "audit id"])
        donors = [v for k, v in self.others.items() if k.endswith(kind)]
        if how == "another form's":
            donor = zipfile.ZipFile(io.BytesIO(self.rng.choice(donors)))
            custom = donor.read("docProps/custom.xml") if "docProps/custom.xml" in donor.namelist() else None
            return rewrite_parts(data, lambda name, content: custom if name == "docProps/custom.xml" and custom
                                 else content)
        value = {"form id": ["", "csc_case_file_audit ", "no_such_form", "CSC_CASE_FILE_AUDIT", "front_door_referrals"],
                 "version": ["", "①", "٣", "0", "-1", "99", "1.0", "1" * 30],
                 "audit id": ["", "AUD-202611-DMG00001", "x" * 300, "AUD-1\u0000"]}[how]
        prop = {"form id": "auditdocs.form_id", "version": "auditdocs.form_version", "audit id": "auditdocs.audit_id"}[how]
        chosen = self.rng.choice(value).replace("\u0000", "")

        def change(root):
            for p in root:
                if p.get("name") == prop and len(p):
                    p[0].text = chosen

        if kind == "xlsx" and self.rng.random() < 0.5:  # the hidden identity sheet instead
            return self.excel_cell(data, kind)
        return edit_xml(data, "docProps/custom.xml", change) if "docProps/custom.xml" in zipfile.ZipFile(
            io.BytesIO(data)).namelist() else data

    # -- Excel

    def _one_of_our_names(self, data) -> str:
        return self.rng.choice(sorted(n for n in load_workbook(io.BytesIO(data)).defined_names if n.startswith("ad_")))

    def excel_cell(self, data, kind):
        """A formula, an error, a huge or odd number, a bool or rich text in a cell people fill."""
        if kind != "xlsx":
            return self.xml_edit(data, kind)
        _, ref = defined_name(data, self._one_of_our_names(data))
        ref = ref.split(":")[0]
        inner, cell_type = self.rng.choice([
            ("<f>SUM(1,2)</f><v>3</v>", None), ('<f>"Yes"</f><v>Yes</v>', "str"), ("<v>#REF!</v>", "e"),
            ("<v>#DIV/0!</v>", "e"), (f"<v>{'9' * self.rng.choice([20, 309, 400])}</v>", None), ("<v>1e999</v>", None),
            ("<v>NaN</v>", None), ("<v>-0.0</v>", None), ("<v>2015</v>", None), ("<v>45000.75</v>", None),
            ("<v>1</v>", "b"), ("<v>maybe</v>", "b"), ("<v>99999</v>", "s"), ("<v>-1</v>", "s"),
            ("<is><r><t>Good</t></r><r><t> enough</t></r></is>", "inlineStr"), ("<v></v>", "n"), ("", "d"),
            ("<v>2026-13-45T99:00:00</v>", "d"),
        ])
        try:
            return set_cell(data, ref, inner, cell_type)
        except StopIteration:  # the named cell has no element: leave it
            return data

    def excel_names(self, data, kind):
        if kind != "xlsx":
            return self.xml_edit(data, kind)
        name = self._one_of_our_names(data)
        ref = self.rng.choice(["$5:$5", "$A:$A", "#REF!", "$XFZ$1", "$A$0", "$A$1:$A$1048576", "$C$3:$A$1",
                               "$ZZZZ$1", "'Other sheet'!$A$1", "", "$A$1,$B$2", "OFFSET($A$1,0,0)"])
        return point_name(data, name, ref)

    def excel_sheets(self, data, kind):
        """A sheet renamed, deleted, hidden or reordered (in the workbook part only)."""
        if kind != "xlsx":
            return self.xml_edit(data, kind)
        how = self.rng.choice(["rename", "delete", "hide", "reorder"])

        def change(root):
            sheets = root.find(S + "sheets")
            if sheets is None or not len(sheets):
                return
            sheet = self.rng.choice(list(sheets))
            if how == "rename":
                sheet.set("name", self.rng.choice(["Sheet1", "auditdocs", "Audit form (2)", "Form", "x" * 31]))
            elif how == "delete":
                sheets.remove(sheet)
            elif how == "hide":
                sheet.set("state", "veryHidden")
            else:
                sheets.remove(sheet)
                sheets.append(sheet)

        return edit_xml(data, "xl/workbook.xml", change)

    def excel_far_rows(self, data, kind):
        """A row (and its cells) moved to the bottom of the sheet, or its numbers made impossible."""
        if kind != "xlsx":
            return self.xml_edit(data, kind)
        number = self.rng.choice(["1048576", "1048577", "99999999999", "0", "-3", "1.5", "٣"])

        def change(root):
            rows = list(root.iter(S + "row"))
            if not rows:
                return
            row = self.rng.choice(rows)
            row.set("r", number)
            for c in row.iter(S + "c"):
                if c.get("r"):
                    c.set("r", "".join(ch for ch in c.get("r") if ch.isalpha()) + number)

        return edit_xml(data, form_sheet(data), change)

    MUTATIONS = ["truncate", "flip_bytes", "flip_inside_a_part", "damage_deflate", "zip_flags", "remove_part",
                 "duplicate_part", "other_kind_renamed", "xml_edit", "xml_edit", "xml_edit", "identity",
                 "excel_cell", "excel_cell", "excel_names", "excel_sheets", "excel_far_rows"]

    def mutate(self, data: bytes, kind: str) -> tuple[bytes, list[str]]:
        done = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns about parts named twice: that is the damage
            for _ in range(self.rng.choice([1, 1, 1, 2, 3])):
                how = self.rng.choice(self.MUTATIONS)
                try:
                    data = getattr(self, how)(data, kind)
                except Exception:  # an earlier mutation already broke the package: nothing more can be done to it
                    break
                done.append(how)
        return data, done


def fuzzed(originals: dict[str, bytes], seed: int, count: int) -> dict[str, bytes]:
    """`count` damaged copies of the originals, named '<n> <original> <mutations>.<ext>'."""
    rng = random.Random(seed)
    mutator = Mutator(rng, originals)
    names = sorted(originals)
    made = {}
    for i in range(count):
        source = rng.choice(names)
        kind = source.rsplit(".", 1)[1]
        data, how = mutator.mutate(originals[source], kind)
        made[f"{i:04d} {source.rsplit('.', 1)[0]} {'+'.join(how)}.{kind}"] = data
    return made


def test_fuzzed_files_never_stop_the_batch(library, originals, tmp_path, fuzz_seed):
    folder = tmp_path / "returned"
    folder.mkdir()
    made = fuzzed(originals, fuzz_seed, FUZZ_FILES)
    for name, data in made.items():
        (folder / name).write_bytes(data)
    good = {f"good {name}": data for name, data in originals.items()}
    for name, data in good.items():
        (folder / name).write_bytes(data)

    records, slow = [], []
    started = time.monotonic()
    for record in read_returns([folder], library):  # as parse and consolidate read a folder
        took = time.monotonic() - started
        if took > SECONDS_PER_FILE:
            slow.append((Path(record.file).name, round(took, 1)))
        records.append(record)
        started = time.monotonic()

    by_name = {Path(r.file).name: r for r in records}
    assert len(records) == len(made) + len(good) == len(by_name), "one record per file"
    unforeseen = {n: r.problems[0].message for n, r in by_name.items()
                  if r.status == "unreadable" and r.problems[0].message.startswith(UNFORESEEN)}
    assert not unforeseen, f"seed {fuzz_seed}: failures the readers did not foresee: {unforeseen}"
    for name, record in by_name.items():
        assert record.status in ("complete", "incomplete", "unreadable"), name
        if record.status == "unreadable":
            assert len(record.problems) == 1 and record.problems[0].message.strip(), name
        else:
            assert record.form_id and record.form_version, name
    for name in good:
        assert by_name[name].as_dict() == read_form(folder / name, library).as_dict(), name
    assert not slow, f"seed {fuzz_seed}: files that took more than {SECONDS_PER_FILE} s: {slow}"
    summary = consolidate_records(files_workspace(tmp_path / "tracker.xlsx", library=library),
                                  records)  # and the month's tracker is still made
    assert summary.files == len(records) and (tmp_path / "tracker.xlsx").exists()
    unreadable = sum(r.status == "unreadable" for r in records)
    print(f"\nfuzz seed {fuzz_seed}: {len(made)} mutated files, {unreadable} unreadable, "
          f"{len(records) - unreadable} read; {summary.exceptions} listed on the tracker's Exceptions sheet")


def test_a_fault_in_the_excel_reader_is_not_called_damage(library, originals, tmp_path, monkeypatch):
    """Only what openpyxl cannot parse is 'damaged'; a fault of the reader's own says it is one."""
    from auditdocs.forms.xlsx import reader

    path = _save(tmp_path, "form.xlsx", originals["csc_case_file_audit.xlsx"])

    def faulty(self):
        raise TypeError("a fault in finding the form's sheet")

    monkeypatch.setattr(reader._Sheet, "_form_sheet", faulty)
    [reason] = [p.message for p in read_form(path, library).problems]
    assert reason.startswith(UNFORESEEN) and "TypeError" in reason and "damaged" not in reason
