"""The demo month's report: `auditdocs demo` calls `demo_report(demo, library)` after its tracker.

Until `generate` and `consolidate` record into the register themselves (issue 11), the demo's
allocations and returned forms are recorded here, into `register.sqlite` in the demo folder, as
those commands will: each audit seen on the day its auditor finalised it, its actions with
their ids, a third of them confirmed done by the team manager, and the Inadequate audits'
first meetings held.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from .. import cycle
from .. import model as m
from ..allocation import read_allocations
from ..dates import parse_date
from ..register import SeenFile, audit_from_allocation, file_hash, open_register
from .make import ReportFiles, make_report
from .period import month_period
from .settings import ReportSettings

DEMO_MONTH = "2026-11"
DEMO_TODAY = dt.date(2026, 12, 7)  # the day the demo's QA officer makes November's report
DEMO_SETTINGS = ReportSettings(council="Fictionshire County Council (demo)", service="Children's Social Care")
DONE_EVERY = 3  # one action in three is confirmed done


def record_demo_month(demo, library, path: Path, sample: Path) -> None:
    """The demo month's allocations (from `sample`, the list its forms were made from), returned forms,
    actions and events, in a new register at `path`."""
    if path.exists():
        path.unlink()
    allocations = read_allocations(sample, library).allocations
    by_id = {r.audit_id: r for r in demo.records if r.audit_id}
    with open_register(path, write=True, create=True) as reg:
        reg.record_audits(audit_from_allocation(library.get(a.form_id), a) for a in allocations)
        for record in demo.records:
            if not record.audit_id:
                continue
            spec = library.get(record.form_id, record.form_version)
            dated = spec.field_with_role("audit_date") if spec else None
            finalised = parse_date(record.answers.get(dated.id)) if dated else None
            seen = _noon(min(finalised or DEMO_TODAY, DEMO_TODAY))
            relative = str(Path(record.file).relative_to(demo.returned))
            reg.record_returns(demo.returned, [SeenFile(relative, file_hash(Path(record.file)), record)], now=seen)
        n = 0
        for audit_id, record in by_id.items():
            spec = library.get(record.form_id, record.form_version)
            actions = []
            for table in spec.tables:
                for row_number, row in enumerate(record.tables.get(table.id, []), start=1):
                    text = str(row.get("action") or row.get("next_steps") or "")
                    actions.append(m.TrackedAction(f"{audit_id}-A{len(actions) + 1}", audit_id, table.id, row_number,
                                                   text, dict(row)))
            reg.record_actions(actions)
            for action in actions:
                n += 1
                if n % DONE_EVERY == 0:
                    reg.set_action_status(action.action_id, "Done", DEMO_TODAY)
            if record.status == "complete" and cycle.is_inadequate(spec, record):
                reg.record_events([m.Event("inadequate_meeting", DEMO_TODAY - dt.timedelta(days=3), audit_id,
                                           who="Group manager")])


def _noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12))


def demo_report(demo, library, *, sample: Path | None = None, pdf: bool = False) -> ReportFiles:
    """The demo month's report and dashboard, in `report/` of the demo folder (its register beside them).
    `demo` is what `auditdocs.demo.run_demo` returned; `sample` the allocation list it ran from."""
    if sample is None:
        from ..demo import SAMPLE as sample
    folder = Path(demo.folder)
    register = folder / "register.sqlite"
    record_demo_month(demo, library, register, sample)
    return make_report(register, month_period(DEMO_MONTH), library, folder / "report", today=DEMO_TODAY,
                       settings=DEMO_SETTINGS, pdf=pdf, json_file=folder / "report" / "figures.json")
