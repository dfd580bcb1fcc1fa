"""Pictures of the browser interface's pages, for the README: docs/screenshots/<page>.png.

Plays the demo month (invented people) in a temporary folder, serves it seen on the demo's last day, and saves
each page of the menu (`auditdocs.web.pages.PAGES`), an audit's page, the returns read and the report made, at
1280x900 (what a laptop shows first), with Debian's Chromium driven
by Playwright (Playwright's own browser download is never used).

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--chromium /usr/bin/chromium]
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Chromium as the tests start it (tests/browser.py): no sandbox as root, no connections of its own.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="where the pictures go")
    parser.add_argument("--chromium", default=os.environ.get("AUDITDOCS_CHROMIUM") or shutil.which("chromium")
                        or shutil.which("chromium-browser"), help="the Chromium to use (default: the machine's)")
    args = parser.parse_args()
    if not args.chromium:
        print("Chromium is not installed (Debian: sudo apt-get install chromium).", file=sys.stderr)
        return 2

    from playwright.sync_api import sync_playwright

    from auditdocs.demo import REPORT_ON, run_demo
    from auditdocs.specs import builtin_specs_folder, load_library
    from auditdocs.web.pages import PAGES
    from auditdocs.web.serve import start

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="auditdocs-screenshots-") as folder:
        demo = Path(folder) / "demo"
        print(f"Playing the demo month in {demo} …")
        run_demo(demo, load_library(builtin_specs_folder()))
        running = start(demo, today=REPORT_ON)
        answering = threading.Thread(target=running.run, daemon=True)
        answering.start()
        base = running.url.split("/?token=")[0]
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
                page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
                page.goto(running.url)  # signs in
                with running.app.test_request_context():
                    from flask import url_for

                    addresses = {p.name: url_for(p.endpoint) for p in PAGES}
                def picture(name: str, label: str) -> None:
                    page.wait_for_load_state("networkidle")
                    path = args.out / f"{name}.png"
                    page.screenshot(path=str(path))  # what a laptop shows first (1280x900)
                    print(f"{label}: {path}")

                for shown in PAGES:
                    page.goto(base + addresses[shown.name])
                    if shown.name == "month":
                        page.wait_for_selector("#summary-heading", timeout=120_000)  # once the month is worked out
                    picture(shown.name, shown.label)
                # and what the main steps show when they have run
                page.goto(base + addresses["month"])
                page.wait_for_selector("#summary-heading", timeout=120_000)
                page.locator("main a[href^='/audits/']").first.click()
                picture("audit", "An audit's page")
                page.goto(base + addresses["returns"])
                page.get_by_role("button", name="Read the returned folder").click()
                page.wait_for_selector("#letters", timeout=300_000)
                picture("returns-read", "The returned forms read")
                page.goto(base + addresses["report"])
                page.uncheck("#pdf")
                page.get_by_role("button", name="Make the report").click()
                page.wait_for_selector("main img", timeout=300_000)
                picture("report-made", "The report made")
                browser.close()
        finally:
            running.close()
            answering.join(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
