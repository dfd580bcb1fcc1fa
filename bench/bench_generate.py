"""Benchmark: making Word forms, auditdocs against a docxtpl mail-merge loop, in one run.

The docxtpl template is the same document auditdocs makes, with Jinja placeholders
({{ family_name }}…) where each record's details go, so both make identical forms.
Both write every form to disk. Memory: auditdocs's peak traced memory is measured
for batches of growing size; it must stay flat.

    python bench/bench_generate.py [--forms 60] [--spec csc_case_file_audit]
"""
from __future__ import annotations

import argparse
import gc
import io
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from docxtpl import DocxTemplate

from auditdocs import builtin
from auditdocs.forms.docx.writer import WordForm
from auditdocs.specs import load_library


def records(spec, n: int):
    """n invented records, one at a time (as rows stream from the allocation list)."""
    for i in range(n):
        values = {h.id: f"{h.label} {i}" for h in spec.header}
        values.update(family_name=f"Benchmark{i}", given_names="Invented", case_number=f"99{i:05d}",
                      date_of_birth="2014-05-06", due_date="2026-11-30")
        yield values


def docxtpl_template(spec) -> bytes:
    """Our own form with Jinja placeholders for the details: the same document, mail-merged."""
    placeholders = {h.id: "{{ %s }}" % h.id for h in spec.header}
    return WordForm(spec).render(placeholders, "{{ audit_id }}")


def run_docxtpl(template: bytes, rows, out: Path) -> float:
    start = time.perf_counter()
    for i, values in enumerate(rows):
        doc = DocxTemplate(io.BytesIO(template))
        doc.render({**values, "audit_id": f"AUD-202611-{i:08d}"})
        doc.save(out / f"docxtpl-{i}.docx")
    return time.perf_counter() - start


def run_auditdocs(spec, rows, out: Path) -> float:
    start = time.perf_counter()
    form = WordForm(spec)  # built once per run
    for i, values in enumerate(rows):
        (out / f"auditdocs-{i}.docx").write_bytes(form.render(values, f"AUD-202611-{i:08d}"))
    return time.perf_counter() - start


def peak_memory(spec, n: int) -> int:
    """Peak memory traced while making n forms (to files, as generate does)."""
    with tempfile.TemporaryDirectory() as tmp:
        gc.collect()
        tracemalloc.start()
        form = WordForm(spec)
        for i, values in enumerate(records(spec, n)):
            Path(tmp, f"{i % 10}.docx").write_bytes(form.render(values, f"AUD-202611-{i:08d}"))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=60)
    parser.add_argument("--spec", default="csc_case_file_audit")
    args = parser.parse_args()
    spec = load_library(builtin("form_specs")).latest(args.spec)
    rows = list(records(spec, args.forms))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        baseline = run_docxtpl(docxtpl_template(spec), rows, out)
        ours = run_auditdocs(spec, rows, out)
    per_baseline, per_ours = baseline / args.forms * 1000, ours / args.forms * 1000
    print(f"{args.forms} forms of {spec.id}")
    print(f"  docxtpl render-and-save loop: {per_baseline:8.1f} ms per form")
    print(f"  auditdocs generate:           {per_ours:8.1f} ms per form  ({per_baseline / per_ours:.0f}x faster)")
    sizes = (100, 400, 1600)
    peaks = [peak_memory(spec, n) for n in sizes]
    print("  auditdocs peak memory: " + ", ".join(f"{n} forms {p / 1e6:.1f} MB" for n, p in zip(sizes, peaks)))
    flat = peaks[-1] < peaks[0] * 1.5
    fast = per_baseline / per_ours >= 10
    print(f"  at least 10x faster: {'yes' if fast else 'NO'}; memory flat: {'yes' if flat else 'NO'}")
    return 0 if fast and flat else 1


if __name__ == "__main__":
    sys.exit(main())
