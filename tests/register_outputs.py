"""What people see of a register, as plain JSON: the tracker's every sheet (written afresh from the
register), the report's `--json` figures and `status --json`, on fixed days. Used by test_register_values to
check that a register made by an older auditdocs shows the same after its migration (the expected outputs in
tests/data/register_v4 were made by this module running the auditdocs that made the register)."""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from helpers import files_workspace

from auditdocs.cli import cli
from auditdocs.consolidate import consolidate_returns
from auditdocs.report.run import make_report
from auditdocs.specs import open_library

NOW = dt.datetime(2026, 12, 7, 9, 0)
MONTH = "2026-11"
# what depends on when a file was written, not on the register
MOMENT = ("Tracker written", "Last updated", "Written")


def _cell(value):
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    return value


def tracker_values(path: Path) -> dict[str, list[list]]:
    wb = openpyxl.load_workbook(path, data_only=True)
    return {ws.title: [[_cell(c) for c in row] for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def outputs(register: Path, work: Path) -> dict:
    """The outputs of the register at `register` (a copy is used; the copy is migrated, the file given is not)."""
    work.mkdir(parents=True, exist_ok=True)
    copy = work / "register.sqlite"
    shutil.copyfile(register, copy)
    library = open_library()
    returned = work / "returned"
    returned.mkdir(exist_ok=True)
    tracker = work / "tracker.xlsx"
    ws = files_workspace(tracker, copy, library)
    consolidate_returns(ws, [returned], now=NOW)
    report_json = work / "report.json"
    make_report(ws, month=MONTH, out=work / "report", today=NOW.date(), json_file=report_json)
    status_json = work / "status.json"
    result = CliRunner().invoke(cli, ["status", "--register", str(copy), "--month", MONTH, "--on", "07/12/2026",
                                       "--json", str(status_json)])
    assert result.exit_code in (0, 1), result.output
    sheets = tracker_values(tracker)
    for rows in sheets.values():  # the tracker's "about" rows say when it was written
        for row in rows:
            if row and row[0] in MOMENT:
                row[1:] = [None] * (len(row) - 1)
    return {"tracker": sheets, "report": json.loads(report_json.read_text("utf-8")),
            "status": json.loads(status_json.read_text("utf-8")), "status_text": result.output.split("\nWritten to ")[0]}


if __name__ == "__main__":  # python tests/register_outputs.py REGISTER WORK OUT.json
    import sys
    out = outputs(Path(sys.argv[1]), Path(sys.argv[2]))
    Path(sys.argv[3]).write_text(json.dumps(out, ensure_ascii=False, indent=0, sort_keys=True) + "\n", "utf-8")
