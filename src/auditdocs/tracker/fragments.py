"""The rows of the sheets nobody edits (Answers, Judgements), made one audit at a time.

`BigSheets` is made once per run from the workbook's styles (`Styles`) and the form specs, and can be
sent to the processes that read the forms: each audit's rows are made where its form is read, and kept
in the register (`signature` says what they were made from), so that a later run reuses them.
"""
from __future__ import annotations

import hashlib
import json

from ..domain import model as m
from . import rows as r
from .stream import Fragment, RowWriter, Styles, fragment, row_height, row_xml

VERSION = "2"  # of the rows made here: change it when they change, so that kept rows are made again


class SheetRows:
    """How one big sheet's rows are written (with the styles of the workbook the run writes)."""

    def __init__(self, sheet: r.SheetDef, styles: Styles, colours: set[str | None]):
        self.sheet = sheet
        cols = [sheet.col(h) for h in sheet.headers]
        self.wrapped = [(i, c.width) for i, c in enumerate(cols) if c.kind == "long"]
        self.writer = RowWriter(cols, styles, colours)

    def fragment(self, rows: list[dict]) -> Fragment:
        xml = []
        headers = self.sheet.headers
        for row in rows:
            values = [row.get(h) for h in headers]
            texts = [(v.label if type(v) is r.Graded else str(v), width) for i, width in self.wrapped
                     if (v := values[i]) is not None and v != ""]
            xml.append(row_xml(self.writer.cells(values), row_height(texts)))
        return fragment("".join(xml), len(rows))


class BigSheets:
    """Answers and Judgements rows for one audit at a time (see the module docstring)."""

    MAKERS = {r.ANSWERS.name: r.answer_rows, r.JUDGEMENTS.name: r.judgement_rows}

    def __init__(self, styles: Styles, library):
        colours = scale_colours(library)
        self.sheets = {sheet.name: SheetRows(sheet, styles, colours) for sheet in (r.ANSWERS, r.JUDGEMENTS)}
        self.styles_signature = hashlib.sha256(json.dumps(
            [s.writer.signature() for s in self.sheets.values()]).encode()).hexdigest()[:16]

    def signature(self, content_hash: str, spec: m.FormSpec) -> str:
        """What an audit's rows are made from: the version in use, its spec, the workbook's styles."""
        return f"{VERSION}:{content_hash}:{spec.id}:{spec.version}:{self.styles_signature}"

    def render(self, spec: m.FormSpec | None, record: m.AuditRecord) -> dict[str, Fragment | None]:
        """Each big sheet's rows of one audit (None where it has none)."""
        if spec is None or record.status == "unreadable":
            return {}
        out = {}
        for name, make in self.MAKERS.items():
            rows = make(spec, record)
            out[name] = self.sheets[name].fragment(rows) if rows else None
        return out


def scale_colours(library) -> set[str | None]:
    """Every colour a scale of the specs gives its options (and none)."""
    return {None} | {o.colour for spec in _all_specs(library) for scale in spec.scales.values()
                     for o in scale.options}


def _all_specs(library):
    return [spec for versions in library.forms.values() for spec in versions.values()]
