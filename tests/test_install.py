"""The package as a user installs it: the built wheel, in a fresh environment, run from another folder.

Offline: the wheel is built with this environment's setuptools (no build isolation, no
index), and the fresh environment reaches the dependencies already installed here through
a path file (which does not run this environment's editable install of auditdocs, so the
wheel's copy is the one imported: the test checks that).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import openpyxl
import pytest

PROJECT = Path(__file__).resolve().parents[1]


def run(*args, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, dict]:
    """A fresh environment with the wheel installed: (its folder, the environment to run commands in)."""
    tmp = tmp_path_factory.mktemp("install")
    source = tmp / "source"  # what the wheel is built from, nothing else
    shutil.copytree(PROJECT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("form_specs", "samples"):
        shutil.copytree(PROJECT / name, source / name)
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(PROJECT / name, source)
    built = run(sys.executable, "-m", "pip", "wheel", "--verbose", "--no-deps", "--no-build-isolation", "--no-index",
                "--wheel-dir", tmp / "dist", source, cwd=tmp)
    assert built.returncode == 0, built.stdout + built.stderr
    assert "Deprecat" not in built.stdout + built.stderr  # e.g. setuptools' licence warning (shown by --verbose)
    [wheel] = (tmp / "dist").glob("auditdocs-*.whl")

    venv = tmp / "venv"
    made = run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp)
    assert made.returncode == 0, made.stderr
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp).stdout.strip()
    here = {sysconfig.get_paths()[k] for k in ("purelib", "platlib")}
    Path(site, "dependencies-from-the-test-environment.pth").write_text("\n".join(sorted(here)) + "\n")
    install = run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
                  "--ignore-installed", "--quiet", wheel, cwd=tmp)
    assert install.returncode == 0, install.stdout + install.stderr

    env = {k: v for k, v in os.environ.items() if k not in ("AUDITDOCS_SPECS", "PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"
    return venv, env


def test_the_wheel_runs_the_month_from_any_folder(installed, tmp_path):
    venv, env = installed
    where = run("python", "-c", "import auditdocs; print(auditdocs.__file__); print(auditdocs.builtin('samples'))",
                cwd=tmp_path, env=env)
    package, samples = where.stdout.split()
    assert Path(package).is_relative_to(venv) and Path(samples).is_relative_to(venv), where.stdout
    assert not tmp_path.is_relative_to(PROJECT)

    listing = run("auditdocs", "specs", "list", cwd=tmp_path, env=env)
    assert listing.returncode == 0, listing.stderr
    assert len(listing.stdout.splitlines()) == 10 and "csc_case_file_audit" in listing.stdout  # heading + 9 forms

    made = run("auditdocs", "generate", "--data", Path(samples) / "allocations_2026-11.xlsx", "--month", "2026-11",
               "--out", "forms", cwd=tmp_path, env=env)
    assert made.returncode == 0, made.stdout + made.stderr
    assert "60 forms generated in forms" in made.stdout

    parsed = run("auditdocs", "parse", "forms", cwd=tmp_path, env=env)
    assert parsed.returncode == 1, parsed.stderr  # the forms are not filled in yet
    assert "60 forms: 0 complete, 60 incomplete, 0 unreadable." in parsed.stdout

    consolidated = run("auditdocs", "consolidate", "forms", "--tracker", "tracker.xlsx", cwd=tmp_path, env=env)
    assert consolidated.returncode == 1, consolidated.stdout + consolidated.stderr  # unfilled forms need attention
    assert openpyxl.load_workbook(tmp_path / "tracker.xlsx")["Audits"].max_row == 61

    demo = run("auditdocs", "demo", "demo month", cwd=tmp_path, env=env)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert (tmp_path / "demo month" / "tracker" / "Audit tracker.xlsx").exists() and "1 unreadable" in demo.stdout
    # the installed package carries the sample lists the demo month starts from, and makes its report
    assert "$ auditdocs allocate --month 2026-11 --cases cases_2026-11.xlsx" in demo.stdout
    assert (tmp_path / "demo month" / "moderators.xlsx").exists()
    assert (tmp_path / "demo month" / "reports" / "Audit report 2026-11.docx").exists()
    assert "source .venv/bin/activate" not in demo.stdout  # the command is on the PATH


def test_the_wheel_sets_up_a_workspace(installed, tmp_path):
    _, env = installed
    made = run("auditdocs", "init", "audits", "--council", "Anytown Borough Council", cwd=tmp_path, env=env)
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "audits" / "form_specs" / "README.md").exists()
    assert (tmp_path / "audits" / "form_specs" / "archive" / "README.md").exists()
    checked = run("auditdocs", "specs", "validate", cwd=tmp_path / "audits" / "forms", env=env)
    assert checked.returncode == 0 and "OK: 9 form specs valid." in checked.stdout
