"""Schema 4 -> 5: records hold a choice's value (the option's id in the spec), no longer its label.

Registers made before kept what a form said with each choice as its label. This step turns the labels of
every record kept (and of the light records kept for the rules, and of the actions' columns) into the
options' values, each by the spec the form was read with (its form id and version). The specs are the
workspace's that the register is in (its settings' `specs` folder, or the folder AUDITDOCS_SPECS names), then
the built-in ones, for a form or version the workspace's do not hold. A label no option has (a value typed that
was not an option), and every answer of a form whose spec is not found, is kept as it is: auditdocs reads a
label where it expects a value (`model.Scale.chosen`), so nothing is lost or guessed. The content check kept
for each record is worked out first where an older auditdocs left it out (it is of what people see, so it
stays the same), and the rows kept for the tracker are made again.
"""
from __future__ import annotations

import json
import os
import zlib
from pathlib import Path

from ..domain import model as m
from ..errors import UserError


def choices_as_values(conn, base: str) -> None:
    from .store import COMPRESSION, _json, unpack_record

    def packed(data: dict) -> bytes:
        return zlib.compress(_json(data).encode("utf-8"), COMPRESSION)

    specs = _spec_finder(base)
    rows = conn.execute("SELECT content_hash, record, summary, content_check FROM contents").fetchall()
    for content_hash, blob, summary, check in rows:
        data = _unpacked(blob)
        form = data.get("form") or {}
        spec = specs(form.get("id") or "", form.get("version"))
        if spec is None:
            continue
        if check is None:  # (an older register): the check of what the form says, as people see it
            check = m.content_check(unpack_record(blob, ""), spec)
        new_summary = packed(_as_values(spec, _unpacked(summary))) if summary is not None else None
        conn.execute("UPDATE contents SET record = ?, summary = ?, content_check = ? WHERE content_hash = ?",
                     (packed(_as_values(spec, data)), new_summary, check, content_hash))
    for action_id, table_id, values, form_id, version in conn.execute(
            "SELECT a.action_id, a.table_id, a.row_values, u.form_id, u.form_version "
            "FROM actions a JOIN audits u ON u.audit_id = a.audit_id").fetchall():
        spec = specs(form_id, version)
        table = spec.table(table_id) if spec is not None else None
        if table is not None:
            row = _row_as_values(table, json.loads(values))
            conn.execute("UPDATE actions SET row_values = ? WHERE action_id = ?", (_json(row), action_id))
    conn.execute("DELETE FROM rendered")  # made from the records: made again


def value_of(kind: m.Field | m.Column | None, answer):
    """The value of the option a label names (the exact label first); anything else as it is."""
    if kind is None or kind.scale is None or not isinstance(answer, str):
        return answer
    option = next((o for o in kind.scale.options if o.label == answer), None) or kind.scale.by_label(answer)
    return option.value if option is not None else answer


def _as_values(spec: m.FormSpec, data: dict) -> dict:
    data["answers"] = {k: value_of(spec.field(k), v) for k, v in (data.get("answers") or {}).items()}
    tables = data.get("tables") or {}
    data["tables"] = {k: [_row_as_values(spec.table(k), row) for row in rows] if spec.table(k) else rows
                      for k, rows in tables.items()}
    return data


def _row_as_values(table: m.Table, row: dict) -> dict:
    columns = {c.id: c for c in table.columns}
    return {k: value_of(columns.get(k), v) for k, v in row.items()}


def _spec_finder(base: str):
    """(form id, version) -> its spec, from the workspace's specs, then the built-in ones (None: not found)."""
    from ..specs import SpecErrors, builtin_specs_folder, load_library
    from ..workspace import find_workspace

    folders = []
    if os.environ.get("AUDITDOCS_SPECS"):
        folders.append(Path(os.environ["AUDITDOCS_SPECS"]))
    try:
        workspace = find_workspace(Path(base))
        if workspace is not None:
            folders.append(Path(workspace.specs))
    except (UserError, OSError):  # settings that cannot be read: the built-in specs only (commands say what is wrong)
        pass
    folders.append(builtin_specs_folder())
    libraries: list = []

    def find(form_id: str, version: int | None) -> m.FormSpec | None:
        while folders:  # loaded when first needed (a new register has nothing to migrate)
            folder = folders.pop(0)
            try:
                libraries.append(load_library(folder, leave_out_broken=True))
            except (UserError, SpecErrors, OSError):  # a folder that is not there or cannot be read: the next one
                pass
        for library in libraries:
            spec = library.get(form_id, version) if form_id else None
            if spec is not None:
                return spec
        return None

    return find


def _unpacked(blob: bytes) -> dict:
    return json.loads(zlib.decompress(blob))
