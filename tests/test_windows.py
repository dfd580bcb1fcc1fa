"""What a council's Windows laptops do differently, tried here on purpose.

A Windows console (and a file made with `> returns.txt`) is cp1252 on English Windows: names in
other scripts must not end a command. The commands run in a real process whose output is cp1252
(PYTHONIOENCODING), as they would there.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from habits import workspace_with
from helpers import ROOT, SPECS, files_workspace

#: People whose names cp1252 cannot show (Polish, Vietnamese, Greek), and one it can.
PEOPLE = [("9913001", "Nguyễn", "Thảo", "Łucja Żółtowska"), ("9913002", "Παπαδοπούλου", "Ελένη", "Łucja Żółtowska"),
          ("9913003", "Fictionby", "Zoë", "Ann Testworth")]


def cp1252_run(*args: str, cwd: Path, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    """`auditdocs ARGS` in a process of its own whose console is cp1252, as on English Windows."""
    env = {**os.environ, "PYTHONIOENCODING": "cp1252", "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-c", "from auditdocs.cli import main; main()", *args], cwd=cwd, env=env,
                          stdout=stdout, stderr=subprocess.PIPE, timeout=300)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """A workspace with November 2026's forms made for people named in scripts cp1252 lacks."""
    return workspace_with(tmp_path_factory.mktemp("windows"), {"2026-11": PEOPLE})


def test_status_on_a_cp1252_console_shows_every_audit_and_does_not_fail(workspace):
    done = cp1252_run("status", "--on", "15/12/2026", cwd=workspace)
    out, err = done.stdout.decode("cp1252"), done.stderr.decode("cp1252")
    assert done.returncode == 1, err  # 1: something is overdue (not 3, a fault)
    assert "fault" not in err and "UnicodeEncodeError" not in err
    assert "?ucja ?ó?towska" in out  # what cp1252 lacks is replaced; what it has (ó) is shown
    assert "Fictionby, case 9913003" in out and "case 9913001" in out and "case 9913002" in out


def test_parse_returns_into_a_file_on_a_cp1252_console_and_the_json_keeps_every_name(workspace, tmp_path):
    """`auditdocs parse --returns > returns.txt`: the blank forms are all incomplete, listed per auditor."""
    answers = tmp_path / "answers.json"
    with open(tmp_path / "returns.txt", "wb") as fh:
        done = cp1252_run("parse", str(workspace / "forms"), "--returns", "--json", str(answers), cwd=workspace,
                          stdout=fh)
    err = done.stderr.decode("cp1252")
    assert done.returncode == 1, err  # 1: incomplete forms
    text = (tmp_path / "returns.txt").read_bytes().decode("cp1252")
    assert "?ucja ?ó?towska" in text and "Ann Testworth" in text and "3 forms: 0 complete, 3 incomplete" in text
    written = answers.read_text(encoding="utf-8")  # the files keep every character
    assert "Łucja Żółtowska" in written and "Nguyễn" in written and "Παπαδοπούλου" in written


# ---- worker processes started as Windows starts them ------------------------------------------------------


def sheets(path: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def test_consolidate_with_spawned_workers_writes_the_tracker_forked_workers_write(tmp_path, monkeypatch):
    """Windows (and macOS) start worker processes with 'spawn': a new interpreter given everything it needs,
    nothing inherited. The month's 60 forms read by spawned workers give the very tracker forked ones give."""
    from month_register import NOW, make_month

    from auditdocs.consolidate import consolidate_returns, parsing
    from auditdocs.specs import load_library

    library = load_library(SPECS)
    month = make_month(tmp_path / "month", library)
    trackers = {}
    for method in ("fork", "spawn"):
        monkeypatch.setattr(parsing, "START_METHOD", method)
        trackers[method] = tmp_path / method / "tracker.xlsx"
        trackers[method].parent.mkdir()
        consolidate_returns(files_workspace(trackers[method], tmp_path / method / "register.sqlite", library),
                            [month.returned], now=NOW, workers=2)
        assert parsing.read_by_workers == 60, method  # read by the workers, not one by one after they failed
    forked, spawned = sheets(trackers["fork"]), sheets(trackers["spawn"])
    here = {str(tmp_path / "spawn"): str(tmp_path / "fork")}  # the About sheet names its register
    spawned = {name: [tuple(v.replace(*next(iter(here.items()))) if isinstance(v, str) else v for v in row)
                      for row in rows] for name, rows in spawned.items()}
    assert list(spawned) == list(forked) and len(forked["Audits"]) == 61
    for name in forked:
        assert spawned[name] == forked[name], name


# ---- who may read the files: what is claimed, and what Windows users are told ---------------------------


def test_init_and_key_new_on_windows_say_how_to_keep_the_folder_private_and_claim_nothing(tmp_path, monkeypatch):
    from habits import invoke

    from auditdocs import files

    here = invoke("init", tmp_path / "here")
    assert "On Windows" not in here and files.owner_only()  # (these tests run on Linux: modes apply)
    assert "(readable by you only)" in invoke("key", "new", tmp_path / "here.key")
    monkeypatch.setattr(files, "owner_only", lambda: False)  # as on Windows (os.name == "nt")
    shown = invoke("init", tmp_path / "there")
    assert "Keep it private: On Windows, auditdocs cannot make its files readable by you only" in shown
    assert "Properties, Security" in shown
    key = invoke("key", "new", tmp_path / "there.key")
    assert "readable by you only)" not in key and "in a folder only you, or only your QA team, can open" in key
