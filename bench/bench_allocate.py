"""Benchmark: allocating a month of 100 cases to 120 auditors, with seven months of history in the register.

The cases and auditors lists are real .xlsx files, the register a real SQLite file holding April to
October (700 audits); every case may go to every auditor outside its team (15 teams), some auditors
are on a break, some have used most of their year. Timed: the plan alone (rules, maximum flow,
HiGHS), and the whole run (lists read, register read and written, list written and read back).

    python bench/bench_allocate.py [--cases 100] [--auditors 120]
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
from pathlib import Path

import openpyxl

from auditdocs.allocate import AllocationSettings, allocate_month
from auditdocs.allocate.history import history_from
from auditdocs.allocate.lists import read_auditors, read_cases
from auditdocs.allocate.plan import plan_month
from auditdocs.domain import model as m
from auditdocs.register import audit_from_allocation, open_register
from auditdocs.specs import load_library
from auditdocs.workspace import workspace_without_settings

ROOT = Path(__file__).resolve().parents[1]
MONTH = dt.date(2026, 11, 1)
TEAMS = [f"Team {n}" for n in range(15)]
CATEGORIES = ["CIN", "CP", "CLA", "Foster carer", "Prospective adopter"]


def write(path: Path, headings: list[str], rows: list[list]) -> Path:
    book = openpyxl.Workbook()
    book.active.append(headings)
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def lists(folder: Path, cases: int, auditors: int, rng: random.Random) -> tuple[Path, Path]:
    people = [[f"Auditor {n}", f"auditor{n}@example.org", TEAMS[n % len(TEAMS)], f"Service {n % 5}", "Team manager",
               "2026-11" if n % 12 == 0 else "", "01/10/2026" if n % 12 == 0 else "", ""] for n in range(auditors)]
    pool = [[f"99{n:05d}", "Testworth", "Alex", dt.date(2015, 1, 1), "Sam Worker", "Terry Manager",
             TEAMS[n % len(TEAMS)], CATEGORIES[n % len(CATEGORIES)], "Yes"] for n in range(cases)]
    return (write(folder / "cases.xlsx", ["Case number", "Family name", "Given names", "Date of birth",
                                          "Social worker", "Team manager", "Team", "Category",
                                          "Audit this month"], pool),
            write(folder / "auditors.xlsx", ["Name", "E-mail", "Team", "Service", "Role", "Break months",
                                             "Break requested on", "Exemptions"], people))


def history(path: Path, library, auditors: int, rng: random.Random) -> None:
    spec = library.get("csc_case_file_audit")
    audits = []
    for month in range(4, 11):
        for n in range(100):
            auditor = rng.randrange(auditors)
            values = {"family_name": "Testworth", "given_names": "Alex", "case_number": f"98{month:02d}{n:04d}",
                      "social_worker": "Sam Worker", "team_manager": "Terry Manager", "team": TEAMS[n % len(TEAMS)],
                      "audit_type": "Control sample", "auditor": f"Auditor {auditor}",
                      "due_date": f"2026-{month:02d}-28"}
            allocation = m.Allocation(spec.id, values, n + 2, f"AUD-2026{month:02d}-H{n:07d}")
            audits.append(audit_from_allocation(spec, allocation, source="generate"))
    with open_register(path, write=True, create=True) as reg:
        reg.record_audits(audits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--auditors", type=int, default=120)
    args = parser.parse_args()
    library = load_library(ROOT / "form_specs")
    settings = AllocationSettings()
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cases, auditors = lists(folder, args.cases, args.auditors, rng)
        register = folder / "register.sqlite"
        history(register, library, args.auditors, rng)

        pool, people = read_cases(cases, library, settings, MONTH), read_auditors(auditors, settings, MONTH)
        with open_register(register) as reg:
            past = history_from(reg.audits(), library, MONTH, settings)
        start = time.perf_counter()
        plan = plan_month(pool, people.auditors, past, settings, library, 1)
        planning = time.perf_counter() - start
        assert len(plan.rows) == args.cases and not plan.impossible

        start = time.perf_counter()
        ws = workspace_without_settings(folder).with_files(register=register)
        result = allocate_month(ws, month=MONTH, cases=cases, auditors=auditors, out=folder / "allocations.xlsx")
        whole = time.perf_counter() - start
        assert result.recorded == args.cases

    print(f"{args.cases} cases, {args.auditors} auditors, 700 audits of history")
    print(f"  plan (rules, feasibility, HiGHS):                   {planning:6.2f} s")
    print(f"  whole run (lists, register, list written and read): {whole:6.2f} s")


if __name__ == "__main__":
    main()
