"""Benchmark: the audit report for a year of audits (a register of 1,000 audits of every form).

The register is filled as bench_register.py fills it (every answer given, every grade and
judgement in turn), with each audit's actions, some done; then the report and the dashboard
are made for the whole year and for one month of it (without the PDF, which is LibreOffice's time).

    python bench/bench_report.py [--audits 1000]
"""
from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from bench_register import year_of_audits

from auditdocs.domain import model as m
from auditdocs.register import SeenFile, audit_from_allocation, open_register
from auditdocs.report import charts, dashboard, figures, word
from auditdocs.report.make import audits_for
from auditdocs.report.period import month_period, range_period
from auditdocs.report.run import make_report
from auditdocs.report.settings import ReportSettings
from auditdocs.specs import load_library
from auditdocs.workspace import workspace_without_settings

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2027, 4, 10)


def fill(path: Path, library, count: int) -> None:
    audits = year_of_audits(library, count)
    with open_register(path, write=True, create=True) as reg:
        reg.record_audits(audit_from_allocation(spec, alloc, files=[f"{alloc.audit_id}.docx"])
                          for spec, alloc, _ in audits)
        reg.record_returns(path.parent, [SeenFile(r.file, f"hash-{r.audit_id}", r) for _, _, r in audits])
        actions = [m.TrackedAction(f"{r.audit_id}-A{i}", r.audit_id, table_id, i, str(row.get("action", "")), row)
                   for _, _, r in audits for table_id, rows in r.tables.items() for i, row in enumerate(rows, start=1)]
        reg.record_actions(actions)
        for n, action in enumerate(actions):
            if n % 3 == 0:
                reg.set_action_status(action.action_id, "Done", TODAY)


def timed(what: str, run):
    """Run it, and say how long it took: wall clock, and the CPU time of this process (the machine may be shared)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = run()
    print(f"  {what:<44}{time.perf_counter() - start:6.2f} s  (CPU {time.process_time() - cpu:5.2f} s)")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audits", type=int, default=1000)
    args = parser.parse_args()
    library = load_library(ROOT / "form_specs")
    settings = ReportSettings()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "register.sqlite"
        fill(path, library, args.audits)
        print(f"{args.audits} audits of {len(library.current())} forms, April 2026 to March 2027")
        year = range_period("2026-04", "2027-03")
        print("The year's report, step by step:")
        with open_register(path) as reg:
            audits = timed("read the register", lambda: audits_for(reg, year, library, settings))
        found = timed("the figures", lambda: figures.report_figures(audits, year, library, TODAY, settings))
        drawn = timed("the charts", lambda: charts.report_charts(found))
        report = timed(f"the Word report ({len(drawn)} charts)", lambda: word.render_report(found, drawn))
        sheet = timed("the dashboard", lambda: dashboard.render_dashboard(found))
        print(f"  (report {len(report) / 1e6:.1f} MB, dashboard {len(sheet) / 1e6:.1f} MB)")
        print("The command, files written (no PDF):")
        workspace = workspace_without_settings(Path(tmp)).with_files(specs=ROOT / "form_specs", register=path)
        for period, asked in ((year, {"first": "2026-04", "last": "2027-03"}), (month_period("2026-11"),
                                                                                 {"month": "2026-11"})):
            made = timed(f"auditdocs report {period.key}", lambda: make_report(
                workspace, **asked, out=Path(tmp) / "out", today=TODAY, json_file=Path(tmp) / "out" / "figures.json"))
            print(f"    ({made.figures.audits} audits)")


if __name__ == "__main__":
    main()
