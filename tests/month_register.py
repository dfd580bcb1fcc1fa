"""A month of real forms and its register, for the sharing tests.

`make_month` generates the sample month's forms (Word, one in twelve Excel), fills them as
auditors would (`demo.invent_answers`), with the people of each record named in the comments and
actions as auditors name them (and the case number and date of birth now and then), reads them
back and records everything in a register as the month's commands do: `generate` records what it made
(`record_made`), `consolidate` the returned forms (and writes a tracker beside the register).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from helpers import SAMPLES, files_workspace

from auditdocs.allocate.allocation_list import AllocationList, read_allocations
from auditdocs.consolidate import consolidate_returns
from auditdocs.demo import invent_answers
from auditdocs.domain import model as m
from auditdocs.domain.dates import uk
from auditdocs.forms.docx.fill import fill_docx
from auditdocs.forms.xlsx.fill import fill_xlsx
from auditdocs.generate.run import generate, record_made
from auditdocs.register import open_register
from auditdocs.returns.read import read_form

MADE, NOW = dt.datetime(2026, 11, 2, 9, 0), dt.datetime(2026, 12, 1, 9, 0)
SAMPLE = SAMPLES / "allocations_2026-11.xlsx"
EXCEL_EVERY, INCOMPLETE_EVERY = 12, 9
GRADES = ["outstanding", "good", "ri_good_practice", "requires_improvement", "inadequate"]


@dataclass
class Month:
    folder: Path
    returned: Path
    register: Path
    allocations: AllocationList
    records: dict[str, m.AuditRecord]  # audit id -> what was read back

    def file_of(self, audit_id: str) -> Path:
        return Path(self.records[audit_id].file)


def sample_allocations(library, count: int | None = None) -> AllocationList:
    allocations = read_allocations(SAMPLE, library)
    if count is None:
        return allocations
    return dataclasses.replace(allocations, allocations=allocations.allocations[:count])


def make_month(folder: Path, library, allocations: AllocationList | None = None) -> Month:
    allocations = allocations or sample_allocations(library)
    rows = allocations.allocations
    excel = [a for i, a in enumerate(rows) if i % EXCEL_EVERY == 5]
    forms, returned, register = folder / "forms", folder / "returned", folder / "register.sqlite"
    for chosen, fmt in (([a for a in rows if a not in excel], "docx"), (excel, "xlsx")):
        if chosen:
            made = generate(dataclasses.replace(allocations, allocations=chosen, problems=[]), library, forms, fmt=fmt)
            assert made.all_generated
            with open_register(register, write=True, create=True) as reg:
                record_made(made, allocations, library, reg, now=MADE)
    rng = random.Random(15)
    for n, path in enumerate(sorted(p for p in forms.rglob("*") if p.suffix in (".docx", ".xlsx"))):
        allocation = next(a for a in rows if a.audit_id in path.name)
        spec = library.get(allocation.form_id)
        answers, tables = invent_answers(spec, allocation, rng, GRADES[n % len(GRADES)],
                                         incomplete=n % INCOMPLETE_EVERY == 4)
        mention_people(spec, allocation.values, answers, tables, formula=n == 0)
        target = returned / path.relative_to(forms)
        target.parent.mkdir(parents=True, exist_ok=True)
        fill = fill_xlsx if path.suffix == ".xlsx" else fill_docx
        target.write_bytes(fill(path.read_bytes(), answers, tables))
    consolidate_returns(files_workspace(folder / "tracker.xlsx", register, library), [returned], now=NOW)
    records = {}
    for path in sorted(returned.rglob("*.*x")):
        record = read_form(path, library)
        records[record.audit_id] = record
    return Month(folder, returned, register, allocations, records)


def mention_people(spec: m.FormSpec, values: dict[str, str], answers: dict, tables: dict, formula: bool = False) -> None:
    """Name the record's people in its comments and actions, as auditors do."""
    who = (values.get("given_names") or values.get("provider_names") or "").split(" and ")[0]
    placed = values.get("children_placed") or values.get("young_people_placed") or ""
    born = f" (born {uk(values['date_of_birth'])}, case {values['case_number']})" if values.get("date_of_birth") else ""
    text = (f"{who}{born} was seen alone by {values.get('social_worker', 'the worker')}; "
            f"{values.get('team_manager', '')} and {values.get('auditor', '')} agreed the plan with "
            f"{values.get('family_name', 'the family')} family" + (f", and {placed.split(',')[0]}" if placed else "")
            + ".")
    for f in spec.fields:
        if f.part == "comment" or f.id.endswith(".comment"):
            answers[f.id] = ("=" if formula else "") + text
    for rows in tables.values():
        for row in rows[:1]:
            for column in ("action", "next_steps"):
                if column in row:
                    row[column] = f"{row[column]} with {who} {values.get('family_name', '')}".strip()
