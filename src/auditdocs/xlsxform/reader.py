"""Read a returned Excel form into an `AuditRecord` (the same JSON contract as a Word form).

The form and audit are identified by the workbook's custom properties, else the hidden
identity sheet, else the "Audit ID … · form …, version …" line under the title.
Each answer is found by its defined name (see `layout`); when the names are gone,
by the reference shown in column A of its row and its column. An action table is
every row between its column headings and its "End" row, so rows inserted or sorted
by people are read too. Every value goes through `answers.normalise`, like the Word
reader's, so that the same answers give the same JSON.
"""
from __future__ import annotations

import datetime as dt
import re
import warnings
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from .. import completeness, identity
from .. import model as m
from ..answers import clean_text, normalise, row_is_empty
from ..safezip import NotReadable, open_package, read_part
from .layout import END_MARK, IDENTITY_SHEET, REF, TEXT, Layout, TablePlace, field_name, layout

AUDIT_LINE = re.compile(r"Audit ID\s+(AUD-[A-Za-z0-9-]+)\s*·\s*form\s+([A-Za-z][\w.]*),\s*version\s+(\d+)")


def read_xlsx(path: Path, library) -> m.AuditRecord:
    """Read one returned Excel form. Never raises for a bad file: it is 'unreadable' with the reason."""
    record = m.AuditRecord(file=str(path))
    try:
        _read(Path(path), library, record)
    except NotReadable as exc:
        record.status = "unreadable"
        record.problems = [m.Problem("", str(exc))]
    return record


def _read(path: Path, library, record: m.AuditRecord) -> None:
    with open_package(path, ".xlsx") as package:
        content_types = read_part(package, "[Content_Types].xml") or b""
        if b"macroEnabled" in content_types:
            raise NotReadable("this is a macro-enabled Excel workbook (.xlsm) renamed to .xlsx. Open it in Excel, "
                              "save it as Excel Workbook (.xlsx) (macros are removed), and parse the .xlsx.")
        if read_part(package, "xl/workbook.xml") is None:
            kind = "a Word document" if read_part(package, "word/document.xml") is not None else "not an Excel workbook"
            raise NotReadable(f"despite its name, this is {kind}. Ask the auditor for the Excel form (.xlsx) they filled in.")
        for name in package.namelist():
            if name.endswith((".xml", ".rels")) and re.search(rb"<!(DOCTYPE|ENTITY)", (read_part(package, name) or b"")[:4096]):
                raise NotReadable(f"the file's part {name} declares XML entities, which Excel never writes; "
                                  "it was refused for safety.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about features it drops; we only read values
            wb = load_workbook(path, read_only=True)  # fast; every cell is read once into a grid
            try:
                if wb.properties.modified:
                    record.modified = wb.properties.modified.date().isoformat()
                spec = _identify(wb, library, record)
                sheet = _Sheet(wb, layout(spec))
            finally:
                wb.close()
    except NotReadable:
        raise
    except Exception:  # openpyxl raises many kinds on damaged files
        raise NotReadable("the workbook is damaged and cannot be read. Ask the auditor to open it in Excel, "
                          "save it again as Excel Workbook (.xlsx), and send it again.") from None
    record.subject = _subject(sheet, spec, record)
    for f in spec.fields:
        value, problem = normalise(f, sheet.field_value(f), f.label)
        if value is not None:
            record.answers[f.id] = value
        if problem:
            record.problems.append(m.Problem(f.id, problem))
    for place in sheet.layout.tables.values():
        t = place.table
        rows = []
        for n, raw_row in enumerate(sheet.table_rows(place), start=1):
            row = {}
            for c in t.columns:
                value, problem = normalise(c, raw_row.get(c.id), f"{t.ref} action {n}, {c.label}")
                if value is not None:
                    row[c.id] = value
                if problem:
                    record.problems.append(m.Problem(c.tag(t.id), problem))
            if not row_is_empty(row):
                rows.append(row)
        if rows:
            record.tables[t.id] = rows
    completeness.check(spec, record)


# ---- identity -------------------------------------------------------------------------


def _properties(wb) -> dict[str, str]:
    """Identity from the custom properties, else from the hidden identity sheet."""
    props = {p.name: str(p.value) for p in wb.custom_doc_props if p.name and p.value is not None}
    if props.get(identity.PROP_FORM_ID):
        return props
    for ws in wb.worksheets:
        pairs = {}
        for key, value in ws.iter_rows(min_col=1, max_col=2, max_row=60, values_only=True):
            if isinstance(key, str) and key.startswith("auditdocs."):
                pairs[key] = "" if value is None else str(value)
        if pairs.get(identity.PROP_FORM_ID):
            return pairs
    return {}


def _identify(wb, library, record: m.AuditRecord) -> m.FormSpec:
    props = _properties(wb)
    form_id = props.get(identity.PROP_FORM_ID, "")
    version = props.get(identity.PROP_FORM_VERSION, "")
    record.audit_id = props.get(identity.PROP_AUDIT_ID, "")
    record.fingerprint = props.get(identity.PROP_FINGERPRINT, "")
    if not form_id:  # properties and identity sheet both lost: the line under the title says the same
        for ws in wb.worksheets:
            for row in ws.iter_rows(max_row=6, max_col=3, values_only=True):
                match = next(filter(None, (AUDIT_LINE.search(v) for v in row if isinstance(v, str))), None)
                if match:
                    record.audit_id, form_id, version = match.group(1), match.group(2), match.group(3)
                    break
            if form_id:
                break
    if not form_id:
        raise NotReadable("this workbook is not an auditdocs form (it carries no audit id or form id). "
                          "Only forms made by 'auditdocs generate' can be read.")
    record.form_id = form_id
    record.form_version = int(version) if str(version).isdigit() else None
    spec = library.get(form_id, record.form_version)
    if spec is None:
        if form_id not in library.forms:
            raise NotReadable(f"this form was made from form spec '{form_id}', which is not in {library.folder}. "
                              "Add the spec (or its older version, in archive/) and parse again.")
        raise NotReadable(f"this form was made with version {version} of '{form_id}', which is not in "
                          f"{library.folder}. Put that version's spec file in {library.folder}/archive/ and parse again.")
    latest = library.latest(form_id)
    if latest.version > spec.version:
        record.notes.append(f"made with version {spec.version} of {form_id}; version {latest.version} is the current one.")
    return spec


def _subject(sheet: "_Sheet", spec: m.FormSpec, record: m.AuditRecord) -> dict[str, str]:
    """The record's details, as the header block shows them (dates ISO)."""
    subject = {}
    for h in spec.header:
        raw = sheet.named_value(h.id)
        if raw is None:
            row = sheet.row_with_label(h.label)
            raw = sheet.value(row, TEXT + 1) if row else None
        kind = m.Field(h.id, h.label, "date" if h.type == "date" else "line", "", "", "")
        value, _ = normalise(kind, _plain(raw), h.label)
        subject[h.id] = value or ""
    if record.fingerprint and identity.fingerprint(spec, subject) != record.fingerprint:
        record.problems.append(m.Problem("", "the record's details at the top of the form are not the ones it was "
                                         "made with. Check them against the allocation list."))
    return subject


# ---- cells ------------------------------------------------------------------------------


def _plain(value):
    """A cell's value as normalise takes it: text, number, date or bool; a formula as its text."""
    if value is None or isinstance(value, (str, int, float, bool, dt.date)):
        return value
    return str(getattr(value, "text", value))  # array formulas, times


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(str(value)) if value is not None else ""


class _Sheet:
    """The sheet holding the form, and how to find its cells."""

    def __init__(self, wb, lay: Layout):
        self.wb, self.layout = wb, lay
        self.names: dict[str, tuple[str, str]] = {}  # casefolded defined name -> (sheet title, range)
        for name, dn in wb.defined_names.items():
            try:
                destinations = list(dn.destinations)
            except Exception:  # #REF! and other broken names
                continue
            if len(destinations) == 1 and destinations[0][0] in wb.sheetnames:
                self.names[name.casefold()] = destinations[0]
        self.ws = self._form_sheet()
        self.grid: dict[tuple[int, int], object] = {}  # (row, column) -> value, for cells that hold one
        self.ws.reset_dimensions()  # a size recorded wrongly by some tool must not cut rows off
        for r, row in enumerate(self.ws.iter_rows(values_only=True), start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    self.grid[r, c] = value
        self.max_row = max((r for r, _ in self.grid), default=0)
        self.max_col = max((c for _, c in self.grid), default=0)
        self._refs: dict[tuple[str, int], int] | None = None

    def value(self, row: int, col: int):
        return self.grid.get((row, col))

    def _form_sheet(self):
        """The sheet most of our names point to, else the one with the form's title, else the first."""
        counts: dict[str, int] = {}
        for f in self.layout.spec.fields:
            sheet = self.names.get(field_name(f.id).casefold(), ("",))[0]
            if sheet:
                counts[sheet] = counts.get(sheet, 0) + 1
        if counts:
            return self.wb[max(counts, key=counts.get)]
        candidates = [ws for ws in self.wb.worksheets if ws.title != IDENTITY_SHEET]
        for ws in candidates:
            first = next(ws.iter_rows(max_row=1, max_col=1, values_only=True), (None,))
            if _text(first[0] if first else None) == clean_text(self.layout.spec.title):
                return ws
        return (candidates or self.wb.worksheets)[0]

    def named_range(self, name: str) -> tuple[int, int, int, int] | None:
        """(min_col, min_row, max_col, max_row) of one of our names on the form sheet."""
        found = self.names.get(name.casefold())
        if found is None or found[0] != self.ws.title:
            return None
        return range_boundaries(found[1].replace("$", ""))

    def named_value(self, item_id: str):
        bounds = self.named_range(field_name(item_id))
        return self.value(bounds[1], bounds[0]) if bounds else None

    def field_value(self, f: m.Field):
        """By the field's name; else by the reference shown in column A of its row."""
        bounds = self.named_range(field_name(f.id))
        if bounds:
            return _plain(self.value(bounds[1], bounds[0]))
        ref, k, col = self.layout.keys[f.id]
        row = self.ref_rows().get((ref, k))
        return _plain(self.value(row, col)) if row else None

    def ref_rows(self) -> dict[tuple[str, int], int]:
        """(reference, k) -> row of the k-th row (from 0) showing that reference in column A."""
        if self._refs is None:
            self._refs, seen = {}, {}
            for row in range(1, self.max_row + 1):
                text = _text(self.value(row, REF))
                if text:
                    k = seen.get(text, 0)
                    seen[text] = k + 1
                    self._refs[(text, k)] = row
        return self._refs

    def row_with_label(self, label: str) -> int | None:
        want = clean_text(label).casefold()
        for row in range(1, min(self.max_row, 80) + 1):
            if _text(self.value(row, TEXT)).casefold() == want:
                return row
        return None

    def table_rows(self, place: TablePlace) -> list[dict[str, object]]:
        """Every row between the table's column headings and its End row, in sheet order."""
        bounds = self.named_range(field_name(place.table.id))
        if bounds:
            first_col, header_row, _, last_row = bounds
        else:
            title = self.ref_rows().get(place.ref_key)
            first_col, header_row = REF, (title + 1 if title else place.header_row)
            last_row = None
        end = next((r for r in range(header_row + 1, self.max_row + 1)
                    if _text(self.value(r, first_col)).casefold() == END_MARK.casefold()), None)
        if end is None:  # the End row was deleted: the name's range, else the rows first made
            end = last_row + 1 if last_row else header_row + place.table.rows + 1
        columns = self._columns(place, header_row, first_col)
        return [{c.id: _plain(self.value(r, col)) for c, col in columns} for r in range(header_row + 1, end)]

    def _columns(self, place: TablePlace, header_row: int, first_col: int) -> list[tuple[m.Column, int]]:
        """Each column by its heading (a column inserted by a user moves nothing), else by position."""
        headings = {}
        for col in range(first_col, self.max_col + 1):
            headings.setdefault(_text(self.value(header_row, col)).casefold(), col)
        return [(c, headings.get(clean_text(c.label).casefold(), first_col + 1 + i))
                for i, c in enumerate(place.table.columns)]
