"""Offline, proven: the demo month's pipeline runs with no network, and every file of personal data
it makes is its owner's only.

Each step is the real `auditdocs` command in its own process, started with tests/netguard on
PYTHONPATH: its sitecustomize makes any connect or name lookup fail loudly and writes it to a log
(so that an attempt the code caught is still seen). Where the machine allows it, each process also
runs in a network namespace of its own (`unshare --net`), so LibreOffice has no network either, and writes
to a console as an English Windows one (cp1252), which cannot show every name.
The test process itself runs with the same guard. The demo itself runs the month from allocate to the
report; the steps after it run the commands a QA officer runs next. To add one, add a Step to STEPS.
"""
from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from helpers import ROOT, SOFFICE, SPECS
from scan import export_leaks, pdf_findings, people

GUARD = Path(__file__).resolve().parent / "netguard"
ON_POSIX = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX (Windows uses access lists)")


def _guard_module():
    spec = importlib.util.spec_from_file_location("netguard", GUARD / "sitecustomize.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


netguard = _guard_module()


def _namespace_prefix() -> list[str]:
    """`unshare --net --` where this machine lets a process have a network of its own (none)."""
    try:
        ok = subprocess.run(["unshare", "--net", "--", "true"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        ok = False
    return ["unshare", "--net", "--"] if ok else []


@dataclass
class Step:
    name: str
    args: list[str] | Callable[[dict], None]  # a command's arguments ({folder} names filled in), or Python to run
    exit_code: int | None = 0
    needs_soffice: bool = False


STEPS = [
    Step("demo: allocate, generate, fill, parse, consolidate, moderate, report, status", ["demo", "{demo}"]),
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
    subprocess.run([sys.executable, "-c", script], env=_env(log), check=True, timeout=60)
    assert "network use refused" in log.read_text(encoding="utf-8")


#: What the commands' output is written in: the month's processes run as on an English Windows console, which
#: cannot show every name (names in other scripts must not stop a command; see also test_windows.py).
CONSOLE = "cp1252"


def _env(log: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(GUARD), str(ROOT / "src")]),
            netguard.LOG_VARIABLE: str(log), "PYTHONIOENCODING": CONSOLE}


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    """The month's pipeline, step by step, offline, under the usual umask (0o022)."""
    folder = tmp_path_factory.mktemp("offline")
    where = {name: str(folder / name) for name in ("demo", "keys", "exports", "finalised", "reports")}
    where.update(returned=f"{where['demo']}/returned", tracker=f"{where['demo']}/tracker/Audit tracker.xlsx",
                 register=f"{where['demo']}/register/auditdocs.sqlite")  # the demo is a workspace
    Path(where["keys"]).mkdir()
    log = folder / "network.log"
    prefix = _namespace_prefix()
    results = {}
    umask = os.umask(0o022)
    patches = [(target, name, getattr(target, name)) for target, name, _ in netguard.patches()]
    try:
        for target, name, replacement in netguard.patches():
            setattr(target, name, replacement)
        for step in STEPS:
            if step.needs_soffice and SOFFICE is None:
                continue
            if callable(step.args):
                step.args(where)
                results[step.name] = None
                continue
            args = [a.format(**where) for a in step.args]
            # after the demo, its own forms (its thematic audit's form was made from a workbook into them)
            specs = str(SPECS) if step is STEPS[0] else f"{where['demo']}/form_specs"
            command = [*prefix, sys.executable, "-c", "from auditdocs.cli import main; main()", "--specs", specs,
                       *args]
            done = subprocess.run(command, env=_env(log), cwd=folder, capture_output=True, timeout=900,
                                  encoding=CONSOLE)
            results[step.name] = done
        # the check of modes can tell: a file made the usual way by a process of the run is readable by others
        subprocess.run([*prefix, sys.executable, "-c", "open('made the usual way.txt', 'w').close()"], env=_env(log),
                       cwd=folder, check=True, timeout=60)
    finally:
        for target, name, original in patches:
            setattr(target, name, original)
        os.umask(umask)
    return folder, where, log, results, bool(prefix)


def test_the_demo_month_runs_with_no_network(pipeline):
    folder, where, log, results, namespaced = pipeline
    for step in STEPS:
        if step.name not in results or step.exit_code is None or results[step.name] is None:
            continue
        done = results[step.name]
        assert done.returncode == step.exit_code, (step.name, done.stdout[-2000:], done.stderr[-2000:])
        assert "network use refused" not in done.stdout + done.stderr, step.name
    assert not log.exists() or not log.read_text(encoding="utf-8").strip(), log.read_text(encoding="utf-8")
    assert "Exported 69 audits" in results["export"].stdout
    assert "Audit report for November 2026: 60 audits" in results["report"].stdout  # the control sample
    assert "$ auditdocs report --month 2026-11" in results[STEPS[0].name].stdout  # the demo made its report too
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
