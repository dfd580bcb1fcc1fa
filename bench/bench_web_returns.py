"""Benchmark: the returns, tracker and chase pages' first answers with a year of audits in the register.

Each page's GET must answer in under 300 ms with 10,000 audits (issue 24): none of them reads a form or the
whole register (reading, updating and chasing run as jobs, measured by bench_parse, bench_consolidate and here
the chase letters' use case alone).

    python bench/bench_web_returns.py [--audits 10000]
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_register import year_of_audits  # noqa: E402

from auditdocs import builtin  # noqa: E402
from auditdocs.register import SeenFile, audit_from_allocation  # noqa: E402
from auditdocs.specs import load_library  # noqa: E402
from auditdocs.status.run import chase_letters  # noqa: E402
from auditdocs.web.app import close, make_app  # noqa: E402
from auditdocs.workspace import init_workspace, load_workspace  # noqa: E402

PAGES = ["/returns/", "/tracker/", "/chase/"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audits", type=int, default=10000)
    args = parser.parse_args()
    today = dt.date(2027, 3, 20)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "workspace"
        init_workspace(folder, council="Bench")
        ws = load_workspace(folder / "auditdocs.toml")
        audits = year_of_audits(load_library(builtin("form_specs")), args.audits)
        with ws.open_register(write=True, create=True) as reg:
            reg.record_audits(audit_from_allocation(spec, alloc, files=[f"{alloc.audit_id}.docx"])
                              for spec, alloc, _ in audits)
            reg.record_returns(folder, [SeenFile(r.file, f"hash-{r.audit_id}", r) for _, _, r in audits[::2]])
        app = make_app(folder, secret="bench", hosts={"localhost"}, today=today)
        client, host = app.test_client(), {"Host": "localhost"}
        client.get("/?token=bench", headers=host)
        print(f"{args.audits} audits in the register (half returned), seen on {today:%d/%m/%Y}")
        for page in PAGES:
            times = []
            for _ in range(5):
                start = time.perf_counter()
                answer = client.get(page, headers=host)
                times.append(time.perf_counter() - start)
            assert answer.status_code == 200, page
            print(f"  GET {page:<12} median {statistics.median(times) * 1e3:6.1f} ms, first {times[0] * 1e3:6.1f} ms")
        start = time.perf_counter()
        done = chase_letters(ws, today=today)
        print(f"  the chase letters' job (chase_letters, no files): {time.perf_counter() - start:6.2f} s, "
              f"{len(done.letters)} letters")
        close(app)


if __name__ == "__main__":
    main()
