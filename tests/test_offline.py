"""Offline, proven: the demo month's pipeline runs with no network, and every file of personal data
it makes is its owner's only.

Each step is the real `auditdocs` command in its own process, with no network and on an English Windows console
(tests/offline.py). The test process itself runs with the same guard. The demo month itself runs the month from
allocate to the report: it is the session's (tests/conftest.py's `demo_month`, made the same way), checked here,
and a copy of it takes the steps after it, the commands a QA officer runs next. To add one, add a Step to STEPS.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from helpers import SOFFICE
from offline import (
    NETWORK_LOG,
    guarded_env,
    netguard,
    no_network_here,
    run_offline,
)
from scan import export_leaks, pdf_findings, people

ON_POSIX = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX (Windows uses access lists)")


@dataclass
class Step:
    name: str
    args: list[str] | Callable[[dict], None]  # a command's arguments ({folder} names filled in), or Python to run
    exit_code: int | None = 0
    needs_soffice: bool = False


STEPS = [
    Step("consolidate again (the tracker is backed up)", ["consolidate", "{returned}", "--tracker", "{tracker}",
                                                           "--register", "{register}"],
         exit_code=1),  # the demo's incomplete and unreadable forms need attention
    Step("status", ["status", "--month", "2026-11", "--json", "{demo}/status.json", "--register", "{register}"],
         exit_code=None),  # 1 when something is overdue: it depends on the day the test runs
    Step("chase", ["chase", "--month", "2026-11", "--register", "{register}"],
         exit_code=None),  # 1 when something listed is overdue: it depends on the day the test runs
    Step("register check", ["register", "check", "--forms", "{demo}/forms", "--returned", "{returned}", "--tracker",
                            "{tracker}", "--register", "{register}"]),
    Step("key", ["key", "new", "{keys}/team.key"]),
    Step("export", ["export", "--pseudonymise", "--key-file", "{keys}/team.key", "--month", "2026-11", "--long",
                    "--with-text", "--out", "{exports}/November 2026.xlsx", "--register", "{register}"]),
    Step("export as csv", ["export", "--pseudonymise", "--key-file", "{keys}/team.key", "--long", "--code-teams",
                           "--out", "{exports}/November 2026.csv", "--register", "{register}"]),
    Step("finalise", ["finalise", "{returned}/Gareth Pennington", "--out", "{finalised}"], exit_code=1,
         needs_soffice=True),  # an incomplete audit is among them
    Step("report", ["report", "--month", "2026-11", "--register", "{register}", "--out", "{reports}", "--json",
                    "{reports}/figures.json"], exit_code=1),  # 1: the audit sent back as a PDF is noted
    Step("report as PDF", ["report", "--month", "2026-11", "--register", "{register}", "--out", "{reports}/pdf",
                           "--pdf", "--anonymous"], exit_code=1, needs_soffice=True),
]


@pytest.fixture
def no_network(monkeypatch):
    for target, name, replacement in netguard.patches():
        monkeypatch.setattr(target, name, replacement)


def test_the_guard_refuses_the_network_here_and_in_the_processes_it_starts(no_network, tmp_path):
    with pytest.raises(netguard.NetworkUsed):
        socket.create_connection(("127.0.0.1", 9), timeout=1)
    with pytest.raises(OSError):
        urllib.request.urlopen("http://example.invalid/", timeout=1)
    with pytest.raises(netguard.NetworkUsed):
        socket.getaddrinfo("example.invalid", 80)
    log = tmp_path / "network.log"
    script = ("import urllib.request\ntry:\n    urllib.request.urlopen('http://example.invalid/', timeout=1)\n"
              "except OSError:\n    pass\n")  # the attempt is caught: the log still shows it
    subprocess.run([sys.executable, "-c", script], env=guarded_env(log), check=True, timeout=60)
    assert "network use refused" in log.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def pipeline(demo_month, tmp_path_factory):
    """The month's pipeline, step by step, offline: the session's demo month (made offline: allocate, generate,
    fill, parse, consolidate, moderate, report, status), then its copy's steps. (Its folder, the places of its files,
    the network use refused, each step's process by name, what the demo printed)."""
    folder = tmp_path_factory.mktemp("offline")
    where = {name: str(folder / name) for name in ("demo", "keys", "exports", "finalised", "reports")}
    where.update(returned=f"{where['demo']}/returned", tracker=f"{where['demo']}/tracker/Audit tracker.xlsx",
                 register=f"{where['demo']}/register/auditdocs.sqlite")  # the demo is a workspace
    output, made = demo_month
    shutil.copytree(made, where["demo"], symlinks=True)  # (the files' modes too)
    Path(where["keys"]).mkdir()
    log = folder / NETWORK_LOG
    results = {}
    demo_log = made.parent / NETWORK_LOG
    with no_network_here():
        for step in STEPS:
            if step.needs_soffice and SOFFICE is None:
                continue
            if callable(step.args):
                step.args(where)
                results[step.name] = None
                continue
            # the demo's own forms (its thematic audit's form was made from a workbook into them)
            args = ["--specs", f"{where['demo']}/form_specs", *(a.format(**where) for a in step.args)]
            results[step.name] = run_offline(args, cwd=folder, log=log)
        # the check of modes can tell: a file made the usual way by a process of the run is readable by others
        made_usual = run_offline(["-c", "open('made the usual way.txt', 'w').close()"], cwd=folder, log=log,
                                 python=True)
        assert made_usual.returncode == 0, made_usual.stdout
    logs = "".join(p.read_text(encoding="utf-8") for p in (demo_log, log) if p.exists())
    return folder, where, logs, results, output


def test_the_demo_month_runs_with_no_network(pipeline):
    folder, where, logs, results, demo_output = pipeline
    for step in STEPS:
        if step.name not in results or step.exit_code is None or results[step.name] is None:
            continue
        done = results[step.name]
        assert done.returncode == step.exit_code, (step.name, done.stdout[-4000:])
        assert "network use refused" not in done.stdout, step.name
    assert "network use refused" not in demo_output
    assert not logs.strip(), logs
    assert "Exported 69 audits" in results["export"].stdout
    assert "Audit report for November 2026: 60 audits" in results["report"].stdout  # the control sample
    assert "$ auditdocs report --month 2026-11" in demo_output  # the demo made its report too
    if SOFFICE:
        assert "Finalised" in results["finalise"].stdout
        assert (Path(where["reports"]) / "pdf" / "Audit report 2026-11.pdf").exists()


@ON_POSIX
def test_every_file_of_personal_data_is_its_owners_only(pipeline):
    folder, where, log, results, _ = pipeline
    demo = Path(where["demo"])
    backups = demo / "tracker" / "Audit tracker backups"
    reports = [p for p in [*(demo / "reports").iterdir(), *Path(where["reports"]).iterdir()] if p.is_file()]
    personal = [Path(where["register"]), Path(where["tracker"]), *backups.iterdir(), demo / "answers.json",
                demo / "status.json", demo / "allocations-2026-11.xlsx", *reports,
                *(demo / "moderation").rglob("*.*x"),
                Path(where["keys"]) / "team.key", *Path(where["exports"]).iterdir()]
    if SOFFICE:
        personal += list(Path(where["finalised"]).iterdir())
    assert len(list(backups.iterdir())) == 2 and len(list(Path(where["exports"]).iterdir())) == 4
    assert len(reports) >= 6 and list((demo / "moderation").rglob("*.*x"))
    for path in personal:
        assert path.stat().st_mode & 0o777 == 0o600, (path, oct(path.stat().st_mode))
    assert backups.stat().st_mode & 0o777 == 0o700
    assert not Path(where["register"] + "-journal").exists()
    assert (folder / "made the usual way.txt").stat().st_mode & 0o777 == 0o644


def test_what_left_the_offline_month_holds_only_what_belongs(pipeline):
    folder, where, *_ = pipeline
    register = people(Path(where["register"]))
    for export in Path(where["exports"]).iterdir():
        assert not export_leaks(export, register), export.name
    for pdf in Path(where["finalised"]).glob("*.pdf") if SOFFICE else []:
        missing, others, of_the_machine = pdf_findings(pdf, register, {str(folder)})
        assert not missing and not others and not of_the_machine, (pdf.name, missing, others, of_the_machine)
