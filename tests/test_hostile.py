"""Issue 21, items 5-7: personal data kept its owner's only, hostile and huge input refused fast
with the file and the reason, and nothing skipped without a word. Real files, the real CLI."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import SPECS, needs_soffice
from test_generate import three_rows

from auditdocs.cli import cli

ON_POSIX = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


def invoke(*args, cwd: Path | None = None):
    old = os.getcwd()
    try:
        if cwd:
            os.chdir(cwd)
        result = CliRunner().invoke(cli, [*map(str, args)])
    finally:
        os.chdir(old)
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.fixture
def usual_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


# ---- 5. owner-only files --------------------------------------------------------------------------------


@ON_POSIX
def test_generated_forms_the_manifest_and_their_folders_are_the_owners_only(tmp_path, usual_umask):
    out = tmp_path / "made" / "forms"
    result = invoke("--specs", SPECS, "generate", "--month", "2026-11", "--data", three_rows(tmp_path), "--out", out)
    assert result.exit_code == 0, result.output
    made = list(out.rglob("*.docx"))
    assert len(made) == 3
    for path in [*made, out / "manifest.csv"]:
        assert mode(path) == 0o600, (path, oct(mode(path)))
    for folder in [out, out.parent, *{p.parent for p in made}]:
        assert mode(folder) == 0o700, (folder, oct(mode(folder)))


@ON_POSIX
def test_a_workspace_s_folders_are_the_owners_only(tmp_path, usual_umask):
    result = invoke("init", tmp_path / "ws")
    assert result.exit_code == 0, result.output
    folders = [p for p in (tmp_path / "ws").rglob("*") if p.is_dir()]
    assert folders and all(mode(p) == 0o700 for p in [tmp_path / "ws", *folders]), \
        [(p, oct(mode(p))) for p in folders]


@pytest.fixture(scope="module")
def report_register(tmp_path_factory, library):
    from test_report import Scenario

    return Scenario(tmp_path_factory.mktemp("report"), library).register.path


def _left_copies(out: Path, tmp: Path) -> list[Path]:
    return [*out.glob(".~auditdocs-pdf-*"), *tmp.glob("auditdocs-pdf-*")]


@ON_POSIX
@needs_soffice
def test_a_report_pdf_stopped_midway_leaves_no_copy_of_the_report(report_register, tmp_path):
    """Stopped (SIGTERM) while LibreOffice works: no copy in the system's temporary folder or the output."""
    out, tmp = tmp_path / "reports", tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "TMP": str(tmp), "TEMP": str(tmp)}
    run = subprocess.Popen([sys.executable, "-c", "from auditdocs.cli import main; main()", "--specs", str(SPECS),
                            "report", "--register", str(report_register), "--month", "2025-11", "--out", str(out),
                            "--pdf"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    deadline = time.monotonic() + 120
    while run.poll() is None and time.monotonic() < deadline:
        seen = _left_copies(out, tmp) if out.exists() else list(tmp.glob("auditdocs-pdf-*"))
        if seen:
            break
        time.sleep(0.05)
    assert seen, "LibreOffice's work folder was never seen"
    assert all(mode(p) == 0o700 for p in seen if p.exists())
    time.sleep(0.5)
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=60)
    assert "Traceback" not in err, err
    assert _left_copies(out, tmp) == []
    assert not (out / "Audit report 2025-11.docx").exists()


@ON_POSIX
def test_what_a_killed_run_left_beside_the_output_is_removed_by_a_later_one(tmp_path):
    from auditdocs.files import LEFT_OVER_AFTER, private_folder

    left = tmp_path / ".~auditdocs-pdf-killed"
    left.mkdir(mode=0o700)
    (left / "Audit report.docx").write_bytes(b"a report")
    old = time.time() - LEFT_OVER_AFTER - 60
    os.utime(left, (old, old))
    recent = tmp_path / ".~auditdocs-pdf-running"
    recent.mkdir(mode=0o700)
    with private_folder(tmp_path, "pdf") as work:
        assert mode(work) == 0o700 and work.parent == tmp_path
    assert not left.exists() and recent.exists() and not work.exists()
