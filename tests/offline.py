"""auditdocs commands run as a QA officer's laptop runs them, offline: each in its own process, started with
tests/netguard on PYTHONPATH (its sitecustomize makes any connect or name lookup fail loudly and writes it to a
log, so that an attempt the code caught is still seen), where the machine allows it in a network namespace of its
own (`unshare --net`, so LibreOffice has no network either), writing to a console as an English Windows one
(cp1252, which cannot show every name), under the usual umask (0o022).

tests/conftest.py's `demo_month` and tests/test_offline.py's pipeline run their commands this way.
"""
from __future__ import annotations

import functools
import importlib.util
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from helpers import ROOT

GUARD = Path(__file__).resolve().parent / "netguard"
#: What the commands' output is written in: names in other scripts must not stop a command (see test_windows.py).
CONSOLE = "cp1252"
UMASK = 0o022
#: Where a run writes the network use it refused (in the folder the commands run in).
NETWORK_LOG = "network.log"


def _guard_module():
    spec = importlib.util.spec_from_file_location("netguard", GUARD / "sitecustomize.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


netguard = _guard_module()


@functools.cache
def namespace_prefix() -> tuple[str, ...]:
    """`unshare --net --` where this machine lets a process have a network of its own (none)."""
    try:
        ok = subprocess.run(["unshare", "--net", "--", "true"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        ok = False
    return ("unshare", "--net", "--") if ok else ()


def guarded_env(log: Path) -> dict[str, str]:
    """The environment of a process with no network, which writes what it tried to `log`."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(GUARD), str(ROOT / "src")]),
            netguard.LOG_VARIABLE: str(log), "PYTHONIOENCODING": CONSOLE, "PYTHONUNBUFFERED": "1"}


@contextmanager
def no_network_here():
    """The guard in this (the test's) process too, and the usual umask, for as long as the block runs."""
    patches = [(target, name, getattr(target, name)) for target, name, _ in netguard.patches()]
    umask = os.umask(UMASK)
    try:
        for target, name, replacement in netguard.patches():
            setattr(target, name, replacement)
        yield
    finally:
        for target, name, original in patches:
            setattr(target, name, original)
        os.umask(umask)


def run_offline(command: list[str], *, cwd: Path, log: Path, python: bool = False) -> subprocess.CompletedProcess:
    """`auditdocs COMMAND…` (or, with `python`, `python COMMAND…`) in a process of its own with no network (call it
    inside `no_network_here`): what it wrote to its console (standard output and error together, in order,
    as `CliRunner` gives them), decoded as the console's."""
    start = [sys.executable] if python else [sys.executable, "-c", "from auditdocs.cli import main; main()"]
    return subprocess.run([*namespace_prefix(), *start, *command], env=guarded_env(log), cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=900, encoding=CONSOLE)
