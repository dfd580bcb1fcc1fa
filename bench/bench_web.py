"""Benchmark: every page of the browser interface, with a register of 10,000 audits.

A workspace is made (`auditdocs init`) and its register filled with a year of audits of every form as
bench_register.py makes them (every answer given, long evidence, the records' summaries kept as consolidate
keeps them), each with its actions (some done), and as a month goes: some not returned yet, some returned
incomplete and sent back, some with management oversight recorded. The server is started as `auditdocs serve`
starts it (waitress, in a thread), and each page is asked for with a real HTTP client that keeps the session
cookie, 20 times: the median and the worst answer are printed (target: under 300 ms). The steps that run in
the background (the agreement figures, the register's check) are started with their button (the POST's answer
timed once, the job's page then asked for until it shows the result) and their job's page, showing the
result, is timed as the pages are.

    python bench/bench_web.py [--audits 10000] [--times 20]
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import re
import statistics
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from bench_register import year_of_audits

from auditdocs.domain import cycle
from auditdocs.domain import model as m
from auditdocs.register import SeenFile, audit_from_allocation
from auditdocs.workspace import find_workspace, init_workspace

TODAY = dt.date(2026, 12, 7)
TARGET_MS = 300


def fill(folder: Path, count: int) -> list[str]:
    """The workspace's register with `count` audits; returns a few audit ids and case numbers to look at."""
    ws = find_workspace(folder)
    library = ws.library()
    audits = year_of_audits(library, count)
    returned = [(spec, alloc, r) for n, (spec, alloc, r) in enumerate(audits) if n % 5 != 0]  # 1 in 5 not back
    for n, (spec, _, r) in enumerate(returned):
        if n % 9 == 0:
            r.status = "incomplete"
    with ws.open_register(write=True, create=True) as reg:
        reg.record_audits(audit_from_allocation(spec, alloc, files=[f"{alloc.audit_id}.docx"])
                          for spec, alloc, _ in audits)
        reg.record_returns(folder / "returned", [
            SeenFile(r.file, f"hash-{r.audit_id}", r, cycle.summary_record(spec, r)) for spec, _, r in returned])
        actions = [m.TrackedAction(f"{r.audit_id}-A{i}", r.audit_id, table_id, i, str(row.get("action", "")), row)
                   for _, _, r in returned for table_id, rows in r.tables.items() for i, row in enumerate(rows, 1)]
        reg.record_actions(actions)
        for n, action in enumerate(actions):
            if n % 3 == 0:
                reg.set_action_status(action.action_id, "Done", TODAY)
        events = []
        for n, (_, _, r) in enumerate(returned):
            if r.status == "incomplete":
                events.append(m.Event("sent_back", dt.date(2026, 12, 1), r.audit_id, "QA officer"))
            elif n % 2 == 0:
                events.append(m.Event("oversight_recorded", dt.date(2026, 12, 1), r.audit_id, "Team manager"))
        reg.record_events(events)
    return [a.audit_id for _, a, _ in audits[:3]] + [a.values["case_number"] for _, a, _ in audits[:3]]


def addresses(app, audit_id: str, case_number: str) -> list[tuple[str, str]]:
    """What is asked for: every page of the menu (its first page), and the month page's other views."""
    from flask import url_for

    from auditdocs.web.pages import PAGES

    with app.test_request_context():
        out = [(page.label, url_for(page.endpoint)) for page in PAGES]
        if "month.audit" in app.view_functions:
            out += [("An audit's page", url_for("month.audit", audit_id=audit_id)),
                    ("The month, searched (a case)", url_for("month.index", q=case_number)),
                    ("The month, searched (an audit)", url_for("month.index", q=audit_id)),
                    ("The month, one state", url_for("month.index", state=cycle.OVERDUE)),
                    ("Another month", url_for("month.index", month="2026-06"))]
        out += [("Register rebuild (to confirm)", url_for("register.confirm"))]
    return out


def jobs(app) -> list[tuple[str, str, str, dict]]:
    """The steps run in the background that these pages offer: (what, the page with the button, where its form
    posts, the form's other fields)."""
    from flask import url_for

    with app.test_request_context():
        return [("Agreement figures", url_for("moderation.index"), url_for("moderation.agreement"),
                 {"month": "2026-11"}),
                ("Register check", url_for("register.index"), url_for("register.check"), {})]


def run_job(opener, base: str, page: str, action: str, fields: dict) -> tuple[float, str, float]:
    """The button pressed on `page`: how long the answer took (the job's page, running), the job page's address,
    and how long the job took until its page shows the result."""
    html = opener.open(base + page).read().decode()
    token = re.search(r'name="csrf" value="([^"]*)"', html).group(1)
    body = urllib.parse.urlencode({"csrf": token, **fields}).encode()
    start = time.perf_counter()
    with opener.open(urllib.request.Request(base + action, data=body)) as answer:  # 303 to the job's page
        answer.read()
        job = answer.url
    answered = (time.perf_counter() - start) * 1000
    while b"data-progress=" in opener.open(job).read():
        time.sleep(0.1)
    return answered, job, time.perf_counter() - start


def timed_get(opener, url: str) -> tuple[float, int]:
    start = time.perf_counter()
    try:
        with opener.open(url) as answer:
            answer.read()
            status = answer.status
    except urllib.error.HTTPError as exc:
        exc.read()
        status = exc.code
    return (time.perf_counter() - start) * 1000, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audits", type=int, default=10000)
    parser.add_argument("--times", type=int, default=20)
    args = parser.parse_args()
    from auditdocs.web.serve import start

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "workspace"
        init_workspace(folder, council="Benchmark Council")
        began = time.perf_counter()
        some = fill(folder, args.audits)
        print(f"{args.audits} audits in the register ({time.perf_counter() - began:.1f} s to fill), seen on "
              f"{TODAY:%d/%m/%Y}; each page asked for {args.times} times")
        running = start(folder, today=TODAY)
        thread = threading.Thread(target=running.run, daemon=True)
        thread.start()
        try:
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
            began = time.perf_counter()
            first, status = timed_get(opener, running.url)  # signed in (the session cookie is kept): the month page
            base = running.url.split("/?token=")[0]
            while b"summary-heading" not in opener.open(base + "/").read():  # until the standings are worked out
                time.sleep(0.2)
            print(f"  first answer (the month page, saying it is working out where every audit stands): {first:.0f} ms; "
                  f"the month shown {time.perf_counter() - began:.1f} s after the server started")
            slow = []
            print(f"  {'page':<34}{'address':<44}{'status':>6}{'median':>10}{'worst':>10}")
            for label, path in addresses(running.app, some[0], some[3]):
                times, statuses = zip(*(timed_get(opener, base + path) for _ in range(args.times)))
                median, worst = statistics.median(times), max(times)
                shown = path if len(path) <= 42 else path[:41] + "…"
                print(f"  {label:<34}{shown:<44}{statuses[-1]:>6}{median:>8.0f} ms{worst:>7.0f} ms"
                      f"{'  (over ' + str(TARGET_MS) + ' ms)' if worst > TARGET_MS else ''}")
                if worst > TARGET_MS:
                    slow.append(label)
            # the steps run in the background: the button's answer, and the job's page with the result
            for label, page, action, fields in jobs(running.app):
                answered, job, took = run_job(opener, base, page, action, fields)
                times, statuses = zip(*(timed_get(opener, job) for _ in range(args.times)))
                median, worst = statistics.median(times), max(times)
                print(f"  {label + ', started':<34}{'POST ' + action:<44}{303:>6}{answered:>8.0f} ms{answered:>7.0f} ms"
                      f"{'  (over ' + str(TARGET_MS) + ' ms)' if answered > TARGET_MS else ''}")
                print(f"  {label + ', result':<34}{'/jobs/… (done ' + f'{took:.1f} s after)':<44}{statuses[-1]:>6}"
                      f"{median:>8.0f} ms{worst:>7.0f} ms{'  (over ' + str(TARGET_MS) + ' ms)' if worst > TARGET_MS else ''}")
                if worst > TARGET_MS or answered > TARGET_MS:
                    slow.append(label)
            print(f"Every page under {TARGET_MS} ms." if not slow else f"Over {TARGET_MS} ms: {', '.join(slow)}.")
            # a step writes to the register: the page answers at once (saying so), and is up to date soon after
            ws = find_workspace(folder)
            with ws.open_register(write=True) as reg:
                reg.record_events([m.Event("oversight_recorded", TODAY, some[0], "Team manager")])
            began = time.perf_counter()
            answer, _ = timed_get(opener, base + "/")
            while b'class="stale"' in opener.open(base + "/").read():
                time.sleep(0.2)
            print(f"  after a change to the register: the month page answered in {answer:.0f} ms (saying it is "
                  f"being worked out again), up to date {time.perf_counter() - began:.1f} s after the change")
        finally:
            time.sleep(0.5)  # the last answer's connection closed before the server is
            running.close()
            thread.join(10)


if __name__ == "__main__":
    main()
