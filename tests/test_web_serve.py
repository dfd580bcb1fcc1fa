"""`auditdocs serve` as a person runs it: the real command in a process of its own, in a workspace made with
`auditdocs init`; stopped with Ctrl+C (SIGINT) as in a terminal. And how stopping waits for a step that runs.

The browser the command opens is the one the BROWSER environment variable names (Python's webbrowser honours
it): here a script that writes down the address it was given, so that the tests see whether and with what the
command opened it.
"""
from __future__ import annotations

import datetime as dt
import http.cookiejar
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from helpers import ROOT

COMMAND = [sys.executable, "-c", "from auditdocs.cli import main; main()"]
ON_POSIX = pytest.mark.skipif(os.name != "posix", reason="Ctrl+C is sent as SIGINT, a browser as a shell script")
#: A council and a folder whose names an English Windows console (cp1252) cannot show.
COUNCIL = "Łódź City Council"
#: Long enough for a process to start on a busy machine; nothing waits this long when all is well.
PATIENCE = 120


class Process:
    """`auditdocs ...` (or Python code) running in a process of its own, its output read as it comes."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str], encoding: str = "utf-8"):
        self.encoding = encoding
        self.lines: list[str] = []
        self._new: queue.Queue[str | None] = queue.Queue()
        self.proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for raw in self.proc.stdout:
            self._new.put(raw.decode(self.encoding).rstrip("\r\n"))
        self._new.put(None)

    def wait_for(self, text: str) -> str:
        """The first line (from now or before) holding `text`; fails with all the output when it never comes."""
        for line in self.lines:
            if text in line:
                return line
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            try:
                line = self._new.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                break
            self.lines.append(line)
            if text in line:
                return line
        pytest.fail(f"never said {text!r}; it said:\n" + self.output())

    def address(self) -> str:
        return self.wait_for("auditdocs is running at ").split(" at ", 1)[1]

    def ctrl_c(self) -> None:
        self.proc.send_signal(signal.SIGINT)

    def ended(self) -> int:
        """The exit code, once the process has ended and its output is read."""
        code = self.proc.wait(PATIENCE)
        while (line := self._new.get(timeout=PATIENCE)) is not None:
            self.lines.append(line)
        return code

    def output(self) -> str:
        return "\n".join(self.lines)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(PATIENCE)


@pytest.fixture
def run(tmp_path):
    """Start `auditdocs ARGS` (a list) or Python code (`code=`) in `cwd`; every process is ended at the end."""
    started: list[Process] = []
    private_parent = tmp_path / "temporary"
    private_parent.mkdir()

    def start(args: list[str] | None = None, *, cwd: Path, code: str | None = None, **env: str) -> Process:
        environment = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "PYTHONUNBUFFERED": "1",
                       "TMPDIR": str(private_parent), "TEMP": str(private_parent), "TMP": str(private_parent),
                       "BROWSER": str(tmp_path / "no browser here"), **env}
        environment.pop("AUDITDOCS_DEBUG", None)
        command = [sys.executable, "-c", code, *(args or [])] if code else [*COMMAND, *args]
        process = Process(command, cwd, environment, encoding=env.get("PYTHONIOENCODING", "utf-8").split(":")[0])
        started.append(process)
        return process

    start.private_parent = private_parent
    yield start
    for process in started:
        process.stop()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """A workspace made as a QA officer makes one, its council's name and its folder's in letters cp1252 lacks."""
    folder = tmp_path_factory.mktemp("serve") / "Audyty Łódź"
    subprocess.run([*COMMAND, "init", str(folder), "--council", COUNCIL], check=True, capture_output=True,
                   env={**os.environ, "PYTHONPATH": str(ROOT / "src")}, timeout=PATIENCE)
    return folder


@pytest.fixture
def browser_script(tmp_path) -> tuple[Path, Path]:
    """A 'browser' (for BROWSER) that writes the address it is asked to open into a file: (script, file)."""
    opened = tmp_path / "opened.txt"
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s" "$1" > "{opened}"\n', encoding="utf-8")
    script.chmod(0o755)
    return script, opened


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def signed_in_opener():
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def page_text(url: str, opener=None) -> str:
    """The page at `url` signed in: a page of auditdocs (the month's, or its 'no audits yet' in a new workspace)."""
    try:
        with (opener or signed_in_opener()).open(url, timeout=30) as answer:
            status, text = answer.status, answer.read().decode("utf-8")
    except urllib.error.HTTPError as refused:
        status, text = refused.code, refused.read().decode("utf-8")
    assert status in (200, 400), f"{url}: {status}\n{text}"
    return text


def answers(host: str, port: int) -> bool:
    """Whether anything takes a connection at host:port."""
    try:
        with socket.create_connection((host, port), timeout=5):
            return True
    except OSError:
        return False


def other_addresses() -> list[str]:
    """Addresses of this computer other than 127.0.0.1: a loopback one of its own, and the machine's names'."""
    found = {"127.0.1.1"}
    try:
        found |= {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
    except OSError:
        pass
    if socket.has_ipv6:
        found.add("::1")
    return sorted(found - {"127.0.0.1"})


def private_folders(parent: Path) -> list[Path]:
    return sorted(parent.glob("auditdocs-serve-*"))


@ON_POSIX
def test_serve_prints_its_address_listens_here_only_and_ctrl_c_stops_it(run, workspace, browser_script):
    script, opened = browser_script
    port = free_port()
    server = run(["serve", "--port", str(port), "--no-browser"], cwd=workspace, BROWSER=str(script))
    url = server.address()
    assert url.startswith(f"http://127.0.0.1:{port}/?token=") and len(url.split("?token=")[1]) >= 32
    assert "Ctrl+C" in server.wait_for("To stop")
    assert COUNCIL in page_text(url)  # the address it printed opens the workspace's pages
    assert answers("127.0.0.1", port)
    for address in other_addresses():
        assert not answers(address, port), f"the server answers at {address} too"
    assert len(private_folders(run.private_parent)) == 1

    server.ctrl_c()
    assert server.ended() == 0, server.output()
    assert server.lines[-1] == "auditdocs has stopped."
    assert "Traceback" not in server.output()
    assert not answers("127.0.0.1", port)
    assert private_folders(run.private_parent) == []  # the server's private folder went with it
    assert not opened.exists()  # --no-browser: no browser was opened (the script was never called)


@ON_POSIX
def test_serve_opens_the_browser_on_its_address(run, workspace, browser_script):
    script, opened = browser_script
    below = workspace / "a folder below"  # started in a folder of the workspace, as any command
    below.mkdir(exist_ok=True)
    server = run(["serve"], cwd=below, BROWSER=str(script))
    url = server.address()
    deadline = time.monotonic() + PATIENCE
    while not (opened.exists() and opened.read_text(encoding="utf-8")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert opened.read_text(encoding="utf-8") == url
    server.ctrl_c()
    assert server.ended() == 0, server.output()


def test_serve_outside_a_workspace_says_how_to_make_one(run, tmp_path):
    elsewhere = tmp_path / "not a workspace"
    elsewhere.mkdir()
    for args in (["serve", "--no-browser"], ["serve", "--no-browser", "--workspace", str(elsewhere)]):
        refused = run(args, cwd=elsewhere)
        assert refused.ended() == 2, refused.output()
        assert "auditdocs init" in refused.output() and refused.output().startswith("Error: ")
        assert "Traceback" not in refused.output()
        assert private_folders(run.private_parent) == []


def test_demo_no_browser_goes_with_serve(tmp_path):
    from click.testing import CliRunner

    from auditdocs.cli import cli

    refused = CliRunner().invoke(cli, ["demo", str(tmp_path / "demo"), "--no-browser"])
    assert refused.exit_code == 2 and "--no-browser goes with --serve" in refused.output
    assert not (tmp_path / "demo").exists()


def test_a_port_in_use_is_said(run, workspace):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = run(["serve", "--no-browser", "--port", str(port)], cwd=workspace)
        assert refused.ended() == 2, refused.output()
    assert f"Error: could not listen on port {port} of this computer" in refused.output()
    assert "Choose another with --port" in refused.output() and "Traceback" not in refused.output()
    assert private_folders(run.private_parent) == []


@ON_POSIX
def test_serve_on_a_cp1252_console(run, workspace):
    """An English Windows console cannot show 'Ł': the command says '?' instead, and runs and stops as ever."""
    server = run(["serve", "--no-browser"], cwd=workspace, PYTHONIOENCODING="cp1252")
    url = server.address()
    shown = server.wait_for("It shows the workspace")
    assert "?ód? City Council" in shown  # Ł and ź are not in cp1252; ó is
    assert COUNCIL in page_text(url)  # the page itself (UTF-8) keeps the name
    server.ctrl_c()
    assert server.ended() == 0, server.output()
    assert "auditdocs has stopped." in server.output()
    assert "Error" not in server.output() and "Traceback" not in server.output()


#: A server whose slow step waits for a file (`release`) to appear, then writes one (`done`).
SLOW_STEP = """
import sys, time
from pathlib import Path
from auditdocs.web.serve import serve_running, start

folder, release, done = (Path(arg) for arg in sys.argv[1:4])
running = start(folder)

def slow(job):
    while not release.exists():
        time.sleep(0.05)
    done.write_text("done", encoding="utf-8")

running.site.jobs.start("Update the tracker", slow, template="job.html")
serve_running(running, open_browser=False, say=lambda line: print(line, flush=True))
"""


@ON_POSIX
def test_ctrl_c_waits_for_the_running_step_to_finish(run, workspace, tmp_path):
    release, done = tmp_path / "release", tmp_path / "done"
    server = run([str(workspace), str(release), str(done)], cwd=workspace, code=SLOW_STEP)
    port = int(server.address().split(":")[2].split("/")[0])
    server.ctrl_c()
    assert "press Ctrl+C again" in server.wait_for("Waiting for 'Update the tracker' to finish")
    assert server.proc.poll() is None  # still waiting
    assert not answers("127.0.0.1", port)  # but no longer answering
    assert len(private_folders(run.private_parent)) == 1
    release.touch()
    assert server.ended() == 0, server.output()
    assert done.read_text(encoding="utf-8") == "done"  # the step was let finish
    assert server.lines[-1] == "auditdocs has stopped."
    assert private_folders(run.private_parent) == []


@ON_POSIX
def test_a_second_ctrl_c_stops_at_once(run, workspace, tmp_path):
    release, done = tmp_path / "release", tmp_path / "done"
    server = run([str(workspace), str(release), str(done)], cwd=workspace, code=SLOW_STEP)
    server.address()
    server.ctrl_c()
    server.wait_for("Waiting for 'Update the tracker' to finish")
    server.ctrl_c()
    assert server.ended() == 0, server.output()
    assert "Stopped at once. Nothing was half-written" in server.output()
    assert server.lines[-1] == "auditdocs has stopped."
    assert not done.exists()
    assert private_folders(run.private_parent) == []


def test_closing_the_server_waits_for_a_running_job(workspace):
    """In the process: `Running.close` stops answering at once, then waits for the job, then removes the private
    folder; a job started meanwhile is refused (one at a time)."""
    from auditdocs.web.jobs import JobRunning
    from auditdocs.web.serve import start

    running = start(workspace)
    answering = threading.Thread(target=running.run, daemon=True)
    answering.start()
    page_text(running.url)
    go_on, finished = threading.Event(), threading.Event()

    def slow(job):
        job.progress(1, 2)
        go_on.wait(PATIENCE)
        finished.set()
        return "made"

    job = running.site.jobs.start("Make the forms", slow, template="job.html")
    with pytest.raises(JobRunning, match="'Make the forms' is running"):
        running.site.jobs.start("Another", slow, template="job.html")
    closing = threading.Thread(target=running.close)
    closing.start()
    answering.join(PATIENCE)
    assert not answering.is_alive()  # it stopped answering before the job ended
    assert not answers("127.0.0.1", running.port)
    assert running.site.private.is_dir() and closing.is_alive() and not finished.is_set()
    go_on.set()
    closing.join(PATIENCE)
    assert not closing.is_alive()
    assert finished.is_set() and job.state == "done" and job.result == "made"
    assert not running.site.private.exists()


def test_a_private_folder_left_by_a_server_stopped_outright_is_removed_by_the_next(workspace):
    """A server whose window was closed while a step ran leaves its private folder (zips, letters, charts);
    the next server removes it once it is a day old. A younger one (another server running now) stays."""
    import tempfile

    from auditdocs.web.app import PRIVATE_PREFIX
    from auditdocs.web.serve import start

    old, young = (Path(tempfile.mkdtemp(prefix=PRIVATE_PREFIX)) for _ in range(2))
    (old / "letters.txt").write_text("left over", encoding="utf-8")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    running = start(workspace)
    try:
        assert not old.exists() and young.is_dir()
    finally:
        running.close()
        young.rmdir()


@ON_POSIX
def test_demo_serve_opens_the_demo_month(run, tmp_path, browser_script):
    script, opened = browser_script
    demo = run(["demo", str(tmp_path / "demo"), "--serve", "--no-browser"], cwd=tmp_path, BROWSER=str(script))
    assert "auditdocs serve --on 07/12/2026" in demo.wait_for("auditdocs serve")  # in the demo's "Try next"
    url = demo.address()
    month = page_text(url)
    assert "Today: Mon 7 Dec 2026" in month  # seen on the demo's last day
    from auditdocs.demo import REPORT_ON

    assert REPORT_ON == dt.date(2026, 12, 7)
    demo.ctrl_c()
    assert demo.ended() == 0, demo.output()
    assert demo.lines[-1] == "auditdocs has stopped."
    assert not opened.exists()
