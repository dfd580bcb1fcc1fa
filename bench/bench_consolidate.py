"""Benchmark: a year of returned audits into a fresh register and tracker, then a re-run after 1% changed.

Real returned forms of every spec (Word, one in twelve Excel), filled as auditors fill them (evidence and
comments up to 3,000 characters, in several scripts; every action row filled in one form in seven), are read by
`auditdocs consolidate` into a new register and tracker; then 1% of them are amended (new answers) and
consolidate runs again. Each run is a process of its own, so that its peak memory is its own (the
workers that read the forms are counted apart). The 10,000-audit tracker is then opened by LibreOffice
(converted headless) and checked against the OOXML schema.

Targets (issue 23): 10,000 audits in under 45 s on a 2-core machine, peak memory under 800 MB; their re-run
in under 5% of the full run's time; the cost per audit flat from 1,000 to 10,000 (within 15%).

    python bench/bench_consolidate.py [--audits 10000] [--smaller 1000] [--forms /tmp/auditdocs-bench]
                                      [--runs 3] [--quick]

The forms are made once (several minutes for 10,000) and kept in --forms for the next runs. `--runs 3` measures
each size three times (best and median; the median run is held to the targets): on a machine others use, time
varies from run to run, and the processor time of each run (printed too) varies less. `--quick` leaves out the
LibreOffice and schema checks; `--audits 1000 --smaller 100` is a quick look while working.
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
TARGET_SECONDS, TARGET_MB, RERUN_SHARE, FLAT = 45.0, 800, 0.05, 1.15
NAMES = ["Testworth", "Fictionby", "Madeupson", "Notreal", "Inventwell", "Pretendon", "Imaginary", "Storyton"]
GIVEN = ["Amelia", "Oscar", "Priya", "Kai", "Zofia", "Idris", "Maisie", "Theo"]
GRADES = ["outstanding", "good", "ri_good_practice", "requires_improvement", "inadequate"]
EXCEL_EVERY = 12
FULL_TABLES_EVERY = 7  # one form in seven has every row of its action tables filled
LONGEST = 3000  # characters of the longest evidence or comment
FORMS_VERSION = "2"  # change when the forms made here change, so that kept forms are made again

#: Invented text as auditors type it: accented Latin, Arabic, Chinese, Cyrillic, Devanagari, emoji (no real person).
PHRASES = [
    "Seen alone on three visits; the record says what they told the worker.",
    "La référence de l'école décrit une rentrée difficile; Zoë a été vue seule à la maison.",
    "Die Großmutter (Fräulein Müller-Ørsted) übernimmt die Abholung; São Paulo – Łódź – Ñuñoa.",
    "قالت الطفلة إنها تشعر بالأمان في المدرسة، وتحدثت عن صديقتها المفضلة.",
    "孩子说她喜欢和外婆一起做饭，周末去公园玩。学校报告出勤率有所提高。",
    "Мать сообщила, что Мирон стал лучше спать; школа подтверждает улучшение посещаемости.",
    "बच्चे ने बताया कि वह स्कूल में सुरक्षित महसूस करता है और अपने दोस्तों के साथ खेलता है।",
    "The child drew their family 👨‍👩‍👧 and a sun ☀️; they said school is \"ok 👍\" now.",
    "Clearly evidenced in the assessment and the last two case notes.\nThe child's words are quoted.",
    "No record of this in the last six months. Discussed with the team manager, who agreed an action.",
]


def _long_text(rng: random.Random, most: int) -> str:
    """Invented mixed-script text of up to `most` characters, as long as auditors write (most a few
    hundred characters, some the whole box)."""
    length = rng.choice((120, 300, 600, 1200, most)) if most > 200 else most
    parts, size = [], 0
    while size < length:
        phrase = rng.choice(PHRASES)
        parts.append(phrase)
        size += len(phrase) + 1
    return " ".join(parts)[:length].rstrip()


def _as_people_fill(spec, answers: dict, tables: dict, rng: random.Random, full: bool) -> None:
    """Long and mixed-script evidence and comments; every action row filled when `full`."""
    for f in spec.fields:
        if f.id in answers and isinstance(answers[f.id], str) and f.scale is None and \
                f.type not in ("date", "checkbox", "line", "role", "person"):
            answers[f.id] = _long_text(rng, LONGEST)
    for t in spec.tables:
        rows = tables.get(t.id)
        if not rows:
            continue
        if full:
            rows += [dict(rows[i % len(rows)]) for i in range(t.rows - len(rows))]
        for row in rows:
            for c in t.columns:
                if c.id in row and c.type == "text" and c.scale is None:
                    row[c.id] = _long_text(rng, 400)


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
    _as_people_fill(spec, answers, tables, rng, full=n % FULL_TABLES_EVERY == 3)
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
me, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": seconds, "files": summary.files, "read": summary.read, "audits": summary.audits_total,
                  "main_mb": me.ru_maxrss / 1024, "workers_mb": workers.ru_maxrss / 1024,
                  "main_cpu": me.ru_utime + me.ru_stime, "workers_cpu": workers.ru_utime + workers.ru_stime}))
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


def _report(result: dict) -> None:
    f, a = result["first"], result["again"]
    print(f"{result['count']} returned audits ({f['files']} files), tracker {result['size_mb']:.0f} MB:")
    print(f"  first run, fresh register and tracker: {f['seconds']:6.1f} s ({f['seconds'] / f['files'] * 1000:.2f} "
          f"ms/audit), peak memory {f['main_mb']:.0f} MB (readers {f['workers_mb']:.0f} MB); processor time "
          f"{f['main_cpu']:.1f} s here, {f['workers_cpu']:.1f} s in the readers")
    print(f"  re-run, 1% of the files amended ({a['read']} read): {a['seconds']:6.1f} s "
          f"({a['seconds'] / f['seconds']:.1%} of the first run), peak memory {a['main_mb']:.0f} MB; processor time "
          f"{a['main_cpu']:.1f} s here, {a['workers_cpu']:.1f} s in the readers")


def _middle(results: list[dict]) -> dict:
    """The run whose first run's time is the median of those made."""
    return sorted(results, key=lambda r: r["first"]["seconds"])[(len(results) - 1) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audits", type=int, default=10000)
    parser.add_argument("--smaller", type=int, default=1000, help="the smaller year, for the cost per audit")
    parser.add_argument("--forms", type=Path, default=Path(tempfile.gettempdir()) / "auditdocs-bench",
                        help="where the forms made are kept for the next runs")
    parser.add_argument("--runs", type=int, default=1, help="measure each size this many times (the median counts)")
    parser.add_argument("--quick", action="store_true", help="leave out the LibreOffice and schema checks")
    args = parser.parse_args()
    runs = max(1, args.runs)
    smalls = [measure(args.forms, args.smaller, False) for _ in range(runs)]
    larges = [measure(args.forms, args.audits, not args.quick and n == runs - 1) for n in range(runs)]
    for results in (smalls, larges):
        for result in results:
            _report(result)
        if runs > 1:
            times = sorted(r["first"]["seconds"] for r in results)
            again = sorted(r["again"]["seconds"] / r["first"]["seconds"] for r in results)
            memory = sorted(max(r["first"]["main_mb"], r["again"]["main_mb"]) for r in results)
            print(f"  {results[0]['count']} over {runs} runs: first run best {times[0]:.1f} s, median "
                  f"{times[(runs - 1) // 2]:.1f} s; re-run best {again[0]:.1%}, median {again[(runs - 1) // 2]:.1%}; "
                  f"peak memory best {memory[0]:.0f} MB, median {memory[(runs - 1) // 2]:.0f} MB")
    small, large = _middle(smalls), _middle(larges)
    per_small = small["first"]["seconds"] / small["first"]["files"]
    per_large = large["first"]["seconds"] / large["first"]["files"]
    first, again = large["first"]["seconds"], large["again"]["seconds"]
    peak = max(large["first"]["main_mb"], large["again"]["main_mb"])
    checks = [
        (f"{args.audits} audits fresh under {TARGET_SECONDS:.0f} s", f"{first:.1f} s", first < TARGET_SECONDS),
        (f"peak memory under {TARGET_MB} MB", f"{peak:.0f} MB", peak < TARGET_MB),
        # The re-run target is the year's (10,000 audits); at 1,000 a re-run is under a second, most of it
        # opening and writing the tracker, whatever changed.
        (f"a 1% re-run under {RERUN_SHARE:.0%} of the fresh run", f"{again / first:.1%}", again < RERUN_SHARE * first),
        (f"cost per audit flat from {args.smaller} to {args.audits} (within {FLAT - 1:.0%})",
         f"{per_small * 1000:.2f} ms at {args.smaller}, {per_large * 1000:.2f} ms at {args.audits}",
         per_large <= per_small * FLAT),
    ]
    checked = next((r for r in larges if "libreoffice" in r), None)  # (the last run's, which may not be the median)
    if checked is not None:
        checks += [(f"LibreOffice opens the {args.audits}-audit tracker", f"{checked['libreoffice_s']:.0f} s",
                    checked["libreoffice"]),
                   ("the tracker is schema-valid", "; ".join(checked["schema_errors"]) or "no errors",
                    not checked["schema_errors"])]
    print(f"cost per audit: {per_small * 1000:.2f} ms at {args.smaller}, {per_large * 1000:.2f} ms at {args.audits}")
    for what, measured, met in checks:
        print(f"  {'met    ' if met else 'NOT MET'}  {what}: {measured}")
    ok = all(met for _, _, met in checks)
    print("targets met" if ok else "TARGETS NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
