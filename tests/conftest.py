import os
import time
from pathlib import Path
from typing import Callable

import pytest
from browser import browser, demo_copy, demo_made, served_demo  # noqa: F401  (fixtures of the browser tests)
from helpers import SPECS
from offline import NETWORK_LOG, no_network_here, run_offline

from auditdocs.specs import load_library


@pytest.fixture(scope="session")
def library():
    return load_library(SPECS)


@pytest.fixture
def tracker(tmp_path):
    """Where a test's tracker workbook goes."""
    return tmp_path / "tracker.xlsx"


@pytest.fixture(scope="session")
def lo_profile(tmp_path_factory):
    """A LibreOffice profile of this test session's own (no clash with other runs)."""
    return tmp_path_factory.mktemp("libreoffice-profile")


#: The fuzzer's seed in CI (tests/test_damaged.py); try others with --fuzz-seed or AUDITDOCS_FUZZ_SEED.
FUZZ_SEED = 20261109


#: The test files that take longest (a minute or more each on the build machine: the demo month, LibreOffice, the
#: browser), run first, the longest first; the rest follow in their usual order. The test processes then finish
#: together, not one waiting while the other runs a long file left till last (./test.sh keeps this order:
#: --no-loadscope-reorder). Measured with `./test.sh --durations=60`. The second (which the second test process
#: starts with) needs no demo month, which the first makes meanwhile (`demo_month`).
LONGEST_FIRST = ("test_report.py", "test_install.py", "test_offline.py", "test_hostile.py", "test_share.py",
                 "test_web_security.py", "test_tracker_print.py", "test_web_month.py", "test_web_report.py",
                 "test_register_faults.py", "test_xlsx_book.py", "test_web_whole_month.py",
                 "test_web_serve.py", "test_damaged.py")


def pytest_collection_modifyitems(items):
    first = {name: n for n, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: first.get(item.path.name, len(first)))  # (a stable sort: each file's own order kept)


def pytest_addoption(parser):
    parser.addoption("--fuzz-seed", type=int, default=int(os.environ.get("AUDITDOCS_FUZZ_SEED") or FUZZ_SEED),
                     help="seed of the damaged-file fuzzer (default: AUDITDOCS_FUZZ_SEED, else the fixed CI seed)")


@pytest.fixture(scope="session")
def demo_month(tmp_path_factory):
    """`auditdocs demo` run once for the whole test run, as a QA officer's laptop runs it: in a process of its own,
    offline, on an English Windows console (tests/offline.py; tests/test_offline.py checks its network log). (What
    it printed, its folder). Every test process reads the same folder (`made_once`): tests must not change its
    files (copy it: tests/browser.py's `demo_copy`)."""
    where = _run_folder(tmp_path_factory) / "demo"
    folder = where / "demo month"

    def make() -> str:
        with no_network_here():
            done = run_offline(["--specs", str(SPECS), "demo", str(folder)], cwd=where, log=where / NETWORK_LOG)
        assert done.returncode == 0, done.stdout
        return done.stdout

    return made_once(where, make), folder


def _run_folder(tmp_path_factory) -> Path:
    """The temporary folder of the whole test run: each test process's own (pytest-xdist's workers) is in it."""
    own = tmp_path_factory.getbasetemp()
    return own.parent if os.environ.get("PYTEST_XDIST_WORKER") else own


MADE_WAIT = 1800.0  # seconds a test process waits for another to make what they share


def made_once(where: Path, make: Callable[[], str]) -> str:
    """What `make()` returns (text), made in `where` (a folder it makes, in `_run_folder`) once for all the test
    processes of the run: the first process to need it makes it, the others wait until it has."""
    done, failed = where / "made.txt", where / "failed.txt"
    try:
        where.mkdir()  # (one process only can make it)
    except FileExistsError:
        give_up = time.monotonic() + MADE_WAIT
        while not done.exists():
            if failed.exists():
                pytest.fail(f"another test process could not make {where}:\n{failed.read_text(encoding='utf-8')}")
            if time.monotonic() > give_up:
                pytest.fail(f"another test process had not made {where} after {MADE_WAIT:.0f} s")
            time.sleep(0.5)
        return done.read_text(encoding="utf-8")
    try:
        made = make()
    except BaseException as exc:
        failed.write_text(f"{type(exc).__name__}: {exc}", encoding="utf-8")
        raise
    partial = where / "made.part"
    partial.write_text(made, encoding="utf-8")
    partial.replace(done)
    return made
