"""Audit records and tracker reading for the tracker tests.

Records are built directly (as the readers make them) for the real
csc_case_file_audit spec.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
from helpers import as_values, tables_as_values

from auditdocs.domain import model as m

NOW = dt.datetime(2026, 2, 10, 9, 30)


def action(text, person="Sam Patel", date="2026-03-31", next_steps="", role="Social worker"):
    row = {"action": text, "responsible_role": role, "required_date": date}
    if person:
        row["responsible_person"] = person
    if next_steps:
        row["next_steps"] = next_steps
    return row


def make_record(library, case="C1001", *, grade="Good", moderated=None, actions=None, file=None,
                audit_date="2026-01-20", due="2026-01-31", modified="2026-01-21", evidence="Seen alone at school.",
                family="Smith", auditor="Ann Auditor", team="Team North", mo_actions=None):
    """A complete CSC case file audit, as the Word reader would return it (choices given by their labels, held as
    their options' values)."""
    spec = library.get("csc_case_file_audit")
    answers: dict[str, object] = {}
    for f in spec.fields:
        if f.part == "answer" and f.scale is not None:
            answers[f.id] = "Met" if f.scale.id == "kss" else "Yes"
        elif f.part == "evidence":
            answers[f.id] = evidence
    answers.pop("moderated_grade", None)
    answers.update({"overall_grade": grade, "overall_grade.comment": "Clear plan, child seen.",
                    "audit_date": audit_date, "working_well": "Good relationships.",
                    "worried_about": "Drift in the plan.", "professionals_seen": "School nurse"})
    if moderated:
        answers["moderated_grade"] = moderated
    subject = {"family_name": family, "given_names": "Alice", "case_number": case,
               "date_of_birth": "2015-04-02", "social_worker": "Sam Patel", "team_manager": "Terry Manager",
               "team": team, "audit_type": "Control sample", "auditor": auditor, "due_date": due}
    tables = {"actions": actions if actions is not None else [action("Update the chronology"),
                                                              action("Visit the child at home")]}
    if mo_actions:
        tables["mo_actions"] = mo_actions
    return m.AuditRecord(file=file or f"/returned/{case}.docx", status="complete", form_id=spec.id,
                         form_version=spec.version, audit_id=f"AUD-202601-{case}", subject=subject,
                         answers=as_values(spec, answers), tables=tables_as_values(spec, tables), modified=modified)


# ---- helpers ---------------------------------------------------------------------


def rows_of(path: Path, sheet: str) -> list[dict]:
    """A sheet's rows as header -> value, as a person (or pandas) would read it."""
    ws = openpyxl.load_workbook(path)[sheet]
    headers = [c.value for c in ws[1]]
    out = []
    for values in ws.iter_rows(min_row=2, values_only=True):
        if any(v is not None for v in values):
            out.append(dict(zip(headers, values)))
    return out


def by_id(path: Path, sheet: str = "Actions", key: str = "Action id") -> dict[str, dict]:
    return {row[key]: row for row in rows_of(path, sheet) if row.get(key)}


def day(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%d/%m/%Y")


def on_disk(folder: Path, *names: str) -> dict[str, str]:
    """Returned files that exist (empty stand-ins: the tracker only needs them to be there)."""
    paths = {}
    for name in names:
        (folder / name).write_bytes(b"")
        paths[name] = str(folder / name)
    return paths
