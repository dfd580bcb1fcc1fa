"""Benchmark: a year of audits in the register, written in one run and read back for the tracker.

Records of every form are built as the readers make them (every answer given, long evidence,
extra action rows), so their size is that of real returned forms.

    python bench/bench_register.py [--audits 10000]
"""
from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from auditdocs import builtin
from auditdocs.domain import cycle
from auditdocs.domain import model as m
from auditdocs.register import SeenFile, audit_from_allocation, open_register
from auditdocs.specs import load_library

EVIDENCE = ("What's working well: the child has a trusted adult at school and was seen alone twice.\n"
            "What are we worried about: the plan has drifted since the summer and the chronology is out of date.\n\n"
            "Discussed with the social worker and the team manager.")
NAMES = ["Testworth", "Fictionby", "Madeupson", "Notreal", "Inventwell", "Pretendon"]


def answer(field, n: int):
    """Every kind of answer, the scale options in turn (so every grade and judgement occurs)."""
    if field.scale is not None:
        return field.scale.options[n % len(field.scale.options)].label
    return {"date": "2026-11-20", "checkbox": True, "text": EVIDENCE}.get(field.type, "Jo Invented")


def year_of_audits(library, count: int) -> list[tuple[m.FormSpec, m.Allocation, m.AuditRecord]]:
    specs = library.current()
    out = []
    for n in range(count):
        spec = specs[n % len(specs)]
        month = dt.date(2026, 4, 1) + dt.timedelta(days=31 * (n % 12))
        due = month.replace(day=28).isoformat()
        values = {h.id: f"{h.label} {n}" for h in spec.header}
        values.update(case_number=f"99{n:06d}", family_name=NAMES[n % len(NAMES)], due_date=due,
                      auditor=f"Auditor {n % 120}", team=f"Team {n % 15}")
        audit_id = f"AUD-{month:%Y%m}-{n:08d}"
        answers = {f.id: answer(f, n + i) for i, f in enumerate(spec.fields)}
        tables = {t.id: [{c.id: answer(c, n + row) for c in t.columns} for row in range(t.rows + 1)]
                  for t in spec.tables}
        record = m.AuditRecord(f"{audit_id}.docx", "complete", spec.id, spec.version, audit_id, dict(values),
                               answers, tables, modified=due)
        out.append((spec, m.Allocation(spec.id, values, n + 2, audit_id), record))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audits", type=int, default=10000)
    args = parser.parse_args()
    library = load_library(builtin("form_specs"))
    audits = year_of_audits(library, args.audits)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "register.sqlite"
        start = time.perf_counter()
        with open_register(path, write=True, create=True) as reg:
            reg.record_audits(audit_from_allocation(spec, alloc, files=[f"{alloc.audit_id}.docx"])
                              for spec, alloc, _ in audits)
            reg.record_returns(tmp, [SeenFile(r.file, f"hash-{r.audit_id}", r) for _, _, r in audits])
        write = time.perf_counter() - start
        size = path.stat().st_size

        start = time.perf_counter()
        with open_register(path, write=True) as reg:
            known = reg.known_contents(f"hash-{r.audit_id}" for _, _, r in audits)
            reg.record_returns(tmp, [SeenFile(r.file, f"hash-{r.audit_id}") for _, _, r in audits])
        rerun = time.perf_counter() - start
        assert len(known) == len(audits)

        start = time.perf_counter()
        with open_register(path) as reg:
            everything = reg.audits()
            records = [a.current.record for a in everything]
        read = time.perf_counter() - start
        assert len(records) == len(audits) and all(r.answers for r in records)

        start = time.perf_counter()
        states = cycle.standings(everything, library, dt.date(2027, 4, 1))
        decide = time.perf_counter() - start
        assert len(states) == len(audits)

        start = time.perf_counter()
        with open_register(path) as reg:
            month = reg.audits(month=dt.date(2026, 11, 1))
            history = reg.auditor_history("Auditor 7")
            case = reg.case_history("99000042")
        queries = time.perf_counter() - start

    print(f"{len(audits)} audits of {len(library.current())} forms; register {size / 1e6:.1f} MB")
    print(f"  record allocations and returned records, one run: {write:6.2f} s ({write / len(audits) * 1e3:.2f} ms/audit)")
    print(f"  re-run, every file already known:                 {rerun:6.2f} s")
    print(f"  read every audit and its current record back:     {read:6.2f} s")
    print(f"  where each audit stands (cycle.standings):        {decide:6.2f} s")
    print(f"  one month ({len(month)}), one auditor's history ({len(history.audits)}), one case ({len(case)}): "
          f"{queries:6.3f} s")


if __name__ == "__main__":
    main()
