"""Benchmark: a year of returned audits into a fresh register and tracker, then a re-run after 1% changed.

Real returned forms of every spec (Word, one in twelve Excel), filled as auditors fill them, are read by
`auditdocs consolidate` into a new register and tracker; then 1% of them are amended (new answers) and
consolidate runs again. Each run is a process of its own, so that its peak memory is its own (the
workers that read the forms are counted apart). The 10,000-audit tracker is then opened by LibreOffice
(converted headless) and checked against the OOXML schema.

Targets (issue 11): 10,000 audits in under 60 s on a 2-core machine, peak memory under 1 GB; their re-run
in under 10% of the full run's time; the cost per audit not growing from 1,000 to 10,000.

    python bench/bench_consolidate.py [--audits 10000] [--smaller 1000] [--forms /tmp/auditdocs-bench]

The forms are made once (several minutes for 10,000) and kept in --forms for the next runs.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS, TARGET_MB, RERUN_SHARE = 60.0, 1024, 0.10
NAMES = ["Testworth", "Fictionby", "Madeupson", "Notreal", "Inventwell", "Pretendon", "Imaginary", "Storyton"]
GIVEN = ["Amelia", "Oscar", "Priya", "Kai", "Zofia", "Idris", "Maisie", "Theo"]
GRADES = ["outstanding", "good", "ri_good_practice", "requires_improvement", "inadequate"]
EXCEL_EVERY = 12
FORMS_VERSION = "1"  # change when the forms made here change, so that kept forms are made again

_makers: dict = {}
_library = None


def _values(spec, n: int) -> tuple[dict, str]:
    month = dt.date(2026, 4, 1)
    month = dt.date(month.year + (month.month - 1 + n % 12) // 12, (month.month - 1 + n % 12) % 12 + 1, 1)
    due = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    values = {h.id: f"{h.label} {n}" for h in spec.header}
    values.update(case_number=f"99{n:06d}", family_name=NAMES[n % len(NAMES)], given_names=GIVEN[n % len(GIVEN)],
                  date_of_birth="2014-05-06", due_date=due.isoformat(), auditor=f"Auditor {n % 120:03d}",
                  team=f"Team {n % 15:02d}", social_worker=f"Worker {n % 300}", team_manager=f"Manager {n % 40}")
    return {k: v for k, v in values.items() if k in {h.id for h in spec.header}}, f"AUD-{month:%Y%m}-{n:08d}"


def _make(task: tuple[int, str, int]) -> None:
    """One returned form: made as generate makes it, filled as its auditor fills it."""
    from auditdocs.demo import invent_answers
    from auditdocs.domain import model as m
    from auditdocs.forms.docx.fill import fill_docx
    from auditdocs.forms.docx.writer import WordForm
    from auditdocs.forms.xlsx.fill import fill_xlsx
    from auditdocs.forms.xlsx.writer import XlsxForm

    n, folder, seed = task
    specs = _library.current()
    spec = specs[n % len(specs)]
    fmt = "xlsx" if n % EXCEL_EVERY == 5 else "docx"
    if (spec.id, fmt) not in _makers:
        _makers[spec.id, fmt] = (WordForm if fmt == "docx" else XlsxForm)(spec)
    values, audit_id = _values(spec, n)
    rng = random.Random(n * 7919 + seed)
    answers, tables = invent_answers(spec, m.Allocation(spec.id, values, n + 2, audit_id), rng,
                                     GRADES[(n + seed) % len(GRADES)], incomplete=n % 23 == 7)
    blank = _makers[spec.id, fmt].render(values, audit_id)
    data = (fill_docx if fmt == "docx" else fill_xlsx)(blank, answers, tables)
    path = Path(folder) / values["auditor"] / f"{values['case_number']} - {audit_id}.{fmt}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _start() -> None:
    global _library
    from auditdocs import builtin
    from auditdocs.specs import load_library

    _library = load_library(builtin("form_specs"))


def make_forms(folder: Path, numbers: list[int], seed: int = 0) -> None:
    with multiprocessing.get_context("fork").Pool(os.cpu_count() or 2, initializer=_start) as pool:
        pool.map(_make, [(n, str(folder), seed) for n in numbers], chunksize=16)


def forms_for(base: Path, count: int) -> Path:
    folder = base / f"forms-{count}"
    done = folder / f".made-{FORMS_VERSION}"
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        start = time.perf_counter()
        make_forms(folder / "returned", list(range(count)))
        done.write_text(f"{count} forms made in {time.perf_counter() - start:.0f} s\n")
    return folder / "returned"


RUN = """
import json, resource, sys, time
from pathlib import Path
from auditdocs.consolidate import consolidate_returns
from auditdocs.workspace import workspace_without_settings
tracker = Path(sys.argv[2])
ws = workspace_without_settings(tracker.parent).with_files(tracker=tracker, register=Path(sys.argv[3]))
ws.library()  # the built-in form specs, read before the clock starts
start = time.perf_counter()
summary = consolidate_returns(ws, [Path(sys.argv[1])])
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "files": summary.files, "read": summary.read, "audits": summary.audits_total,
                  "main_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "workers_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def consolidate(returned: Path, tracker: Path, register: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", RUN, str(returned), str(tracker), str(register)], check=True,
                          capture_output=True, text=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def amend(returned: Path, share: float) -> list[Path]:
    """Amend `share` of the forms: the auditor sends them back with other answers (new contents)."""
    files = sorted(p for p in returned.rglob("*.*x") if p.suffix in (".docx", ".xlsx"))
    numbers = sorted({int(p.stem.rsplit("-", 1)[1]) for p in files})
    chosen = random.Random(11).sample(numbers, max(1, int(len(numbers) * share)))
    make_forms(returned, chosen, seed=int(time.time()) % 1000 + 1)
    return chosen


def libreoffice_opens(tracker: Path) -> tuple[bool, float]:
    soffice = shutil.which("soffice")
    if soffice is None:
        return False, 0.0
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run([soffice, f"-env:UserInstallation={Path(tmp, 'profile').as_uri()}", "--headless",
                        "--convert-to", "ods", "--outdir", tmp, str(tracker)], capture_output=True, timeout=1800)
        return (Path(tmp) / (tracker.stem + ".ods")).exists(), time.perf_counter() - start


def schema_errors(tracker: Path) -> list[str]:
    code = ("import sys; sys.path.insert(0, 'tests'); from helpers import xlsx_schema_errors; "
            f"print(len(xlsx_schema_errors(open({str(tracker)!r}, 'rb').read())))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    return [] if done.stdout.strip() == "0" else [done.stdout + done.stderr]


def measure(base: Path, count: int, full_checks: bool) -> dict:
    source = forms_for(base, count)
    with tempfile.TemporaryDirectory() as tmp:
        returned = Path(tmp) / "returned"
        shutil.copytree(source, returned)
        tracker, register = Path(tmp) / "tracker.xlsx", Path(tmp) / "register.sqlite"
        first = consolidate(returned, tracker, register)
        amend(returned, 0.01)
        again = consolidate(returned, tracker, register)
        out = {"count": count, "first": first, "again": again, "size_mb": tracker.stat().st_size / 1e6}
        if full_checks:
            out["libreoffice"], out["libreoffice_s"] = libreoffice_opens(tracker)
            out["schema_errors"] = schema_errors(tracker)
        return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audits", type=int, default=10000)
    parser.add_argument("--smaller", type=int, default=1000, help="the smaller year, for the cost per audit")
    parser.add_argument("--forms", type=Path, default=Path(tempfile.gettempdir()) / "auditdocs-bench",
                        help="where the forms made are kept for the next runs")
    args = parser.parse_args()
    small = measure(args.forms, args.smaller, False)
    large = measure(args.forms, args.audits, True)
    ok = True
    for result in (small, large):
        f, a = result["first"], result["again"]
        print(f"{result['count']} returned audits ({f['files']} files), tracker {result['size_mb']:.0f} MB:")
        print(f"  first run, fresh register and tracker: {f['seconds']:6.1f} s ({f['seconds'] / f['files'] * 1000:.2f} "
              f"ms/audit), peak memory {f['main_mb']:.0f} MB (readers {f['workers_mb']:.0f} MB)")
        print(f"  re-run, 1% of the files amended ({a['read']} read): {a['seconds']:6.1f} s "
              f"({a['seconds'] / f['seconds']:.1%} of the first run), peak memory {a['main_mb']:.0f} MB")
        ok &= f["main_mb"] < TARGET_MB and a["main_mb"] < TARGET_MB
    per_small = small["first"]["seconds"] / small["first"]["files"]
    per_large = large["first"]["seconds"] / large["first"]["files"]
    print(f"cost per audit: {per_small * 1000:.2f} ms at {args.smaller}, {per_large * 1000:.2f} ms at {args.audits}")
    print(f"LibreOffice opens the {args.audits}-audit tracker: {'yes' if large['libreoffice'] else 'NO'} "
          f"({large['libreoffice_s']:.0f} s); schema-valid: {'yes' if not large['schema_errors'] else large['schema_errors']}")
    # The re-run target is the year's (issue 11: 10,000 audits); at 1,000 a re-run is about half a second, most
    # of it opening and writing the tracker, whatever changed.
    first, again = large["first"]["seconds"], large["again"]["seconds"]
    ok &= (first < TARGET_SECONDS and again < RERUN_SHARE * first and per_large <= per_small * 1.15
           and large["libreoffice"] and not large["schema_errors"])
    print("targets met" if ok else "TARGETS NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
