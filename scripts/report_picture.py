"""Make docs/report-pages-1-2.png: the first two pages of the demo month's report, side by side.

Runs the demo month in a temporary folder, makes its report as PDF (LibreOffice), renders the
first two pages with pdftoppm (Debian: apt-get install poppler-utils) and puts them side by side.

    .venv/bin/python scripts/report_picture.py
"""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from PIL import Image

from auditdocs.demo import run_demo
from auditdocs.report.demo import demo_report
from auditdocs.specs import load_library

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "report-pages-1-2.png"
DPI = 60
MARGIN = 16


def main() -> None:
    library = load_library(ROOT / "form_specs")
    with tempfile.TemporaryDirectory() as tmp:
        demo = run_demo(Path(tmp) / "demo", library)
        made = demo_report(demo, library, pdf=True)
        if made.pdf is None:
            raise SystemExit("; ".join(made.warnings))
        subprocess.run(["pdftoppm", "-r", str(DPI), "-png", "-f", "1", "-l", "2", str(made.pdf), f"{tmp}/page"],
                       check=True)
        pages = [Image.open(p).convert("RGB") for p in sorted(Path(tmp).glob("page-*.png"))]
        width, height = pages[0].size
        sheet = Image.new("RGB", (2 * width + 3 * MARGIN, height + 2 * MARGIN), "#D9D9D9")
        for i, page in enumerate(pages):
            sheet.paste(page, (MARGIN + i * (width + MARGIN), MARGIN))
        sheet.save(TARGET, optimize=True)
    print(f"Wrote {TARGET}")


if __name__ == "__main__":
    main()
