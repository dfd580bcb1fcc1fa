"""Benchmark: reading completed Word forms, auditdocs against docx2python, in one run.

Every form of every spec is generated, filled in completely (long evidence, extra
action rows), and read back by both. docx2python only extracts the text; auditdocs
also finds every answer, checks it against the spec and its rules.

    python bench/bench_parse.py [--copies 5]
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from docx2python import docx2python

from auditdocs import builtin
from auditdocs.forms.docx.fill import fill_docx
from auditdocs.forms.docx.reader import read_docx
from auditdocs.forms.docx.writer import WordForm
from auditdocs.specs import load_library

EVIDENCE = ("The child was seen alone on three visits and the record says what they said.\n"
            "What we are worried about: the chronology has not been updated since August.\n\n"
            "Agreed with the team manager that the plan will be reviewed.")


def value(field, rng: random.Random):
    if field.scale is not None:
        return rng.choice(field.scale.options).label
    if field.type == "date":
        return f"2026-11-{rng.randint(1, 28):02d}"
    if field.type == "checkbox":
        return True
    return "Jo Invented" if field.type in ("line", "role", "person") else EVIDENCE


def completed_forms(library, folder: Path, copies: int) -> list[Path]:
    rng = random.Random(1)
    paths = []
    for spec in library.current():
        form = WordForm(spec)
        for n in range(copies):
            values = {h.id: f"{h.label} {n}" for h in spec.header}
            data = form.render(values, f"AUD-202611-{n:08d}")
            answers = {f.id: value(f, rng) for f in spec.fields}
            tables = {t.id: [{c.id: value(c, rng) for c in t.columns} for _ in range(t.rows + 2)] for t in spec.tables}
            path = folder / f"{spec.id}-{n}.docx"
            path.write_bytes(fill_docx(data, answers, tables))
            paths.append(path)
    return paths


def timed(function, paths) -> float:
    start = time.perf_counter()
    for path in paths:
        function(path)
    return (time.perf_counter() - start) / len(paths) * 1000


def with_docx2python(path: Path) -> str:
    with docx2python(path) as content:
        return content.text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=5, help="completed forms per spec")
    args = parser.parse_args()
    library = load_library(builtin("form_specs"))
    with tempfile.TemporaryDirectory() as tmp:
        paths = completed_forms(library, Path(tmp), args.copies)
        records = [read_docx(p, library) for p in paths]
        assert all(r.status == "complete" for r in records), [r.problems for r in records if r.status != "complete"]
        baseline = timed(with_docx2python, paths)
        ours = timed(lambda p: read_docx(p, library), paths)
    print(f"{len(paths)} completed forms ({len(library.current())} specs x {args.copies})")
    print(f"  docx2python text extraction: {baseline:8.1f} ms per form")
    print(f"  auditdocs parse:             {ours:8.1f} ms per form  ({baseline / ours:.0f}x faster)")
    print(f"  at least 10x faster: {'yes' if baseline / ours >= 10 else 'NO'}")
    return 0 if baseline / ours >= 10 else 1


if __name__ == "__main__":
    sys.exit(main())
