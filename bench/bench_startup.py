"""Benchmark: how long `auditdocs --version` and `auditdocs --help` take to start (the goal: under 0.2 s).

Each is run RUNS times, each time in a fresh process, through the installed console script (.venv/bin/auditdocs,
or .venv/Scripts/auditdocs.exe on Windows), after one run not counted. Printed: the best and the median wall
time, and, where the system says it (not on Windows), the processor time (user + system) the process used, which
a loaded machine inflates far less than the wall time. `python -c pass` with the same interpreter is measured
the same way, for comparison: it is the floor no command can go under.

Python normally keeps the compiled modules (pip writes them when it installs auditdocs): if this environment
says not to (PYTHONDONTWRITEBYTECODE), the runs here keep them in a temporary folder instead, so that they
measure what a person's computer does; --no-bytecode measures without them.

    python bench/bench_startup.py [--runs 10] [--script .venv/bin/auditdocs] [--no-bytecode]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    import resource  # not on Windows: processor time is then not shown
except ImportError:  # pragma: no cover - Windows
    resource = None

ROOT = Path(__file__).resolve().parents[1]
TARGET = 0.2  # seconds (issue 23, item 7)


def default_script() -> Path:
    if os.name == "nt":  # pragma: no cover - Windows
        return ROOT / ".venv" / "Scripts" / "auditdocs.exe"
    return ROOT / ".venv" / "bin" / "auditdocs"


def python_beside(script: Path) -> Path:
    """The interpreter the console script runs with (its folder's python)."""
    return script.with_name("python.exe" if os.name == "nt" else "python")


def children_cpu() -> float:
    if resource is None:  # pragma: no cover - Windows
        return 0.0
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def timed(command: list[str], runs: int, env: dict[str, str]) -> tuple[list[float], list[float]]:
    """The wall times and the processor times of `runs` runs of `command`, each in a fresh process."""
    subprocess.run(command, env=env, capture_output=True, check=True)  # not counted: compiles, fills caches
    walls, cpus = [], []
    for _ in range(runs):
        cpu = children_cpu()
        start = time.perf_counter()
        subprocess.run(command, env=env, capture_output=True, check=True)
        walls.append(time.perf_counter() - start)
        cpus.append(children_cpu() - cpu)
    return walls, cpus


def line(name: str, walls: list[float], cpus: list[float], target: bool) -> str:
    text = f"{name:<22} wall: best {min(walls):.3f} s, median {statistics.median(walls):.3f} s"
    if resource is not None:
        text += f"   cpu: best {min(cpus):.3f} s, median {statistics.median(cpus):.3f} s"
    if target:
        text += f"   target {TARGET} s: {'met' if min(walls) < TARGET else 'NOT met'} (best wall)"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--script", type=Path, default=default_script(), help="The auditdocs console script.")
    parser.add_argument("--no-bytecode", action="store_true", help="Compile every module at every run.")
    args = parser.parse_args()
    if not args.script.exists():
        sys.exit(f"{args.script} not found: run ./test.sh once to make .venv, or give --script.")
    python = python_beside(args.script)

    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="auditdocs-bench-startup-") as cache:
        if args.no_bytecode:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        elif env.pop("PYTHONDONTWRITEBYTECODE", None):
            env["PYTHONPYCACHEPREFIX"] = cache
        load = f", load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}" if hasattr(os, "getloadavg") else ""
        print(f"{args.runs} runs each, fresh processes, {os.cpu_count()} processors{load}; "
              f"compiled modules {'not kept' if args.no_bytecode else 'kept'}.")
        for name, command, target in [
            ("python -c pass", [str(python), "-c", "pass"], False),
            ("auditdocs --version", [str(args.script), "--version"], True),
            ("auditdocs --help", [str(args.script), "--help"], True),
        ]:
            print(line(name, *timed(command, args.runs, env), target), flush=True)


if __name__ == "__main__":
    main()
