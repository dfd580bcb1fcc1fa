"""The browser tests' tools: the server run in the test's process, a real headless Chromium driven by Playwright,
and the accessibility check (axe-core, vendored in tests/vendor/axe-core).

Chromium is Debian's (`/usr/bin/chromium`, or AUDITDOCS_CHROMIUM); Playwright's own browser download is never
used. Without Chromium these tests skip, except in CI (AUDITDOCS_REQUIRE_CHROMIUM=1), where they fail.

    def test_x(served_demo, browser):
        page = signed_in(browser, served_demo)      # the page, signed in with the run's secret
        page.goto(served_demo.address("/returns/"))
        check_accessible(page)
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
#: The rules axe checks: WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
#: Chromium as the machine's probe starts it: no sandbox as root, no connections of its own.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def chromium_path() -> str | None:
    return os.environ.get("AUDITDOCS_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


class Served:
    """A server of the browser interface, answering in a thread of the test's process."""

    def __init__(self, running):
        self.running = running
        self.url = running.url  # with the secret
        self.base = running.url.split("/?token=")[0]

    def address(self, path: str = "/") -> str:
        return self.base + path

    @property
    def site(self):
        return self.running.app.extensions["auditdocs"]


@contextmanager
def serving(folder: Path, today: dt.date | None = None):
    """The browser interface for the workspace at `folder`, on a free port, until the block ends."""
    from auditdocs.web.serve import start

    running = start(folder, today=today)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    try:
        yield Served(running)
    finally:
        running.close()
        thread.join(10)


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium for the session."""
    path = chromium_path()
    if not path:
        if os.environ.get("AUDITDOCS_REQUIRE_CHROMIUM"):
            pytest.fail("Chromium is not installed, and the browser tests must run here (AUDITDOCS_REQUIRE_CHROMIUM=1).")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def signed_in(browser, served: Served, **context):
    """A new page in a context of its own (downloads accepted), signed in with the run's secret."""
    page = browser.new_context(accept_downloads=True, **context).new_page()
    page.goto(served.url)
    return page


def click_through(page, control) -> None:
    """Click `control` (a button that submits a form, or a link) and wait for the page it leads to:
    Playwright's click does not wait for the next page, and reading straight after it can read the old one."""
    with page.expect_navigation():
        control.click()


def check_accessible(page, *, disable: tuple[str, ...] = ()) -> None:
    """The page as it stands, checked by axe-core against WCAG 2.2 AA: fails with every violation and where."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    options = {"runOnly": {"type": "tag", "values": WCAG_AA},
               "rules": {rule: {"enabled": False} for rule in disable}}
    found = page.evaluate("(options) => axe.run(document, options).then(r => r.violations.map(v => "
                          "({id: v.id, impact: v.impact, help: v.help, where: v.nodes.slice(0, 5).map(n => n.target.join(' '))})))",
                          options)
    assert not found, f"{page.url}: accessibility problems (axe-core, WCAG 2.2 AA):\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} at {', '.join(v['where'])}" for v in found)


#: The day the demo month is seen on (its report day).
DEMO_DAY = dt.date(2026, 12, 7)


@pytest.fixture(scope="session")
def demo_made(demo_month) -> Path:
    """The demo month's workspace: `demo_month`'s, made once per session for the command-line and the browser's
    tests alike (do not change it: copy it, `demo_copy`)."""
    return demo_month[1]


@pytest.fixture
def demo_copy(demo_made, tmp_path) -> Path:
    """A copy of the demo month's workspace for one test to change."""
    target = tmp_path / "demo"
    shutil.copytree(demo_made, target, symlinks=True)
    return target


@pytest.fixture(scope="session")
def served_demo(demo_made):
    """The demo month in the browser interface, seen on the demo's last day (pages that only look)."""
    with serving(demo_made, today=DEMO_DAY) as served:
        yield served
