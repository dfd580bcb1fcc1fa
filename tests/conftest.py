import os

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
#: --no-loadscope-reorder). Measured with `./test.sh --durations=60`.
LONGEST_FIRST = ("test_report.py", "test_offline.py", "test_hostile.py", "test_share.py",
                 "test_web_security.py", "test_tracker_print.py", "test_web_month.py", "test_web_report.py",
                 "test_install.py", "test_register_faults.py", "test_xlsx_book.py", "test_web_whole_month.py",
                 "test_web_serve.py", "test_damaged.py")


def pytest_collection_modifyitems(items):
    first = {name: n for n, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: first.get(item.path.name, len(first)))  # (a stable sort: each file's own order kept)


def pytest_addoption(parser):
    parser.addoption("--fuzz-seed", type=int, default=int(os.environ.get("AUDITDOCS_FUZZ_SEED") or FUZZ_SEED),
                     help="seed of the damaged-file fuzzer (default: AUDITDOCS_FUZZ_SEED, else the fixed CI seed)")


@pytest.fixture(scope="session")
def demo_month(tmp_path_factory):
    """`auditdocs demo` run once for the session, as a QA officer's laptop runs it: in a process of its own, offline,
    on an English Windows console (tests/offline.py; tests/test_offline.py checks its network log). (What it
    printed, its folder). Read only: tests must not change its files."""
    where = tmp_path_factory.mktemp("demo")
    folder = where / "demo month"
    with no_network_here():
        done = run_offline(["--specs", str(SPECS), "demo", str(folder)], cwd=where, log=where / NETWORK_LOG)
    assert done.returncode == 0, done.stdout
    return done.stdout, folder
