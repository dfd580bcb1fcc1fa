"""Make docs/report-pages-1-2.png and docs/tracker-page-1.png: the demo month's report (its first two
pages, side by side) and its tracker's first printed page, as LibreOffice prints them; and the first pages of
the demo's thematic audit summary (docs/summary-pages-1-2.png), its learning session's pack
(docs/pack-pages-1-2.png) and its staff bulletin (docs/bulletin-page-1.png).

Runs the demo month (`auditdocs demo`) in a temporary folder; the demo makes the report's PDF, the
tracker is printed to PDF by LibreOffice; the pages are rendered with pdftoppm (Debian: apt-get install
poppler-utils libreoffice-calc-nogui libreoffice-writer-nogui).

    .venv/bin/python scripts/report_picture.py
"""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from click.testing import CliRunner
from PIL import Image

from auditdocs import builtin
from auditdocs.cli import cli

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "docs" / "report-pages-1-2.png"
TRACKER = ROOT / "docs" / "tracker-page-1.png"
#: Word documents of the demo (in its reports folder) -> (the picture, its pages)
DOCUMENTS = {"Audit summary 2026-11 *.docx": (ROOT / "docs" / "summary-pages-1-2.png", 2),
             "Learning pack *.docx": (ROOT / "docs" / "pack-pages-1-2.png", 2),
             "Learning bulletin *.docx": (ROOT / "docs" / "bulletin-page-1.png", 1)}
DPI = 60
TRACKER_DPI = 90
MARGIN = 16


def pages(pdf: Path, first: int, last: int, dpi: int, folder: Path) -> list[Image.Image]:
    stem = folder / pdf.stem.replace(" ", "-")
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", str(first), "-l", str(last), str(pdf), str(stem)],
                   check=True)
    return [Image.open(p).convert("RGB") for p in sorted(folder.glob(f"{stem.name}-*.png"))]


def side_by_side(images: list[Image.Image], target: Path) -> None:
    width, height = max(i.size[0] for i in images), max(i.size[1] for i in images)
    sheet = Image.new("RGB", (len(images) * (width + MARGIN) + MARGIN, height + 2 * MARGIN), "#D9D9D9")
    for i, page in enumerate(images):
        sheet.paste(page, (MARGIN + i * (width + MARGIN), MARGIN))
    sheet.save(target, optimize=True)
    print(f"Wrote {target}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        result = CliRunner().invoke(cli, ["--specs", str(builtin("form_specs")), "demo", str(folder / "demo")])
        if result.exit_code != 0:
            raise SystemExit(result.output)
        report = next((folder / "demo" / "reports").glob("Audit report *.pdf"), None)
        if report is None:
            raise SystemExit("the demo made no PDF of its report: is LibreOffice installed?\n" + result.output)
        side_by_side(pages(report, 1, 2, DPI, folder), REPORT)
        tracker = folder / "demo" / "tracker" / "Audit tracker.xlsx"
        side_by_side(pages(as_pdf(tracker, folder), 1, 1, TRACKER_DPI, folder), TRACKER)
        for pattern, (picture, count) in DOCUMENTS.items():
            document = next((folder / "demo" / "reports").glob(pattern))
            side_by_side(pages(as_pdf(document, folder), 1, count, DPI, folder), picture)


def as_pdf(document: Path, folder: Path) -> Path:
    """The document printed to PDF by LibreOffice, in `folder`."""
    subprocess.run(["soffice", f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(folder), str(document)], check=True, capture_output=True)
    return folder / f"{document.stem}.pdf"


if __name__ == "__main__":
    main()
