"""The report page: the demo month's report made on the page (once for the module: the PDF takes LibreOffice a
while), its summary and charts shown, its Word report, Excel dashboard and PDF downloaded, and the same as
`auditdocs report --month 2026-11` (its use case, seen on the same day) makes in another copy."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from browser import DEMO_DAY, check_accessible, serving, signed_in

MONTH = "2026-11"
MADE_AT = re.compile(r"\b\d{1,2}:\d{2}(:\d{2})?\b")  # the time of making, which differs from run to run
PAGE_NUMBER = re.compile(r"\t(\d+|…)$")  # the contents' page numbers, known only when a PDF is made


@pytest.fixture(scope="module")
def made(demo_made, tmp_path_factory, browser):
    """The demo month's report made on the page, with its PDF: (served, the job's page, the page's downloads)."""
    folder = tmp_path_factory.mktemp("report") / "demo"
    shutil.copytree(demo_made, folder, symlinks=True)
    downloads = tmp_path_factory.mktemp("downloads")
    with serving(folder, today=DEMO_DAY) as served:
        page = signed_in(browser, served)
        page.goto(served.address("/report/"))
        check_accessible(page)
        assert page.locator("#month").input_value() == MONTH  # last month, by default
        page.get_by_role("button", name="Make the report").click()
        page.wait_for_selector("main div.done, main div.problem", timeout=600_000)
        got = {}
        for what in ("Word report", "Excel dashboard", "PDF report"):
            with page.expect_download() as download:
                page.get_by_role("link", name=re.compile(f"Download the {what}")).click()
            got[what] = downloads / download.value.suggested_filename
            download.value.save_as(got[what])
        yield served, page, got


@pytest.fixture(scope="module")
def by_the_command(demo_made, tmp_path_factory):
    """The report `auditdocs report --month 2026-11` makes (its use case, seen on the demo's day) in another copy."""
    from auditdocs.report.run import make_report
    from auditdocs.workspace import load_workspace

    folder = tmp_path_factory.mktemp("report-cli") / "demo"
    shutil.copytree(demo_made, folder, symlinks=True)
    ws = load_workspace(folder / "auditdocs.toml")
    return make_report(ws, month=MONTH, out=folder / "output" / "reports", today=DEMO_DAY)


def cell_values(path: Path) -> dict[str, list]:
    from openpyxl import load_workbook

    book = load_workbook(path)
    return {sheet.title: [[c.value for c in row] for row in sheet.iter_rows()] for sheet in book.worksheets}


def paragraphs(path: Path) -> list[str]:
    import docx

    document = docx.Document(str(path))
    texts = [p.text for p in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return [PAGE_NUMBER.sub("\t(page)", MADE_AT.sub("(time)", text)) for text in texts]


def test_the_report_page_shows_the_summary_and_the_charts(made, by_the_command):
    served, page, _ = made
    check_accessible(page)
    f = by_the_command.figures
    status = page.locator("main div.done").inner_text()
    assert status.startswith(f"Audit report for November 2026: {f.audits} audits")
    headlines = page.locator("table.headlines tbody tr")
    assert headlines.count() == len(f.headlines)
    from auditdocs.report.figures import shown

    for n, h in enumerate(f.headlines):
        cells = [c.strip() for c in headlines.nth(n).locator("th, td").all_inner_texts()]
        assert cells == [h.label, shown(h.value, h.unit), shown(h.previous, h.unit), h.change]
    images = page.locator("figure.chart img")
    assert images.count() >= 3
    for n in range(images.count()):
        image = images.nth(n)
        assert len(image.get_attribute("alt")) > 40  # says what the chart shows
        assert "/download/" in image.get_attribute("src")
        assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", image.element_handle())


def test_the_dashboard_has_the_commands_figures(made, by_the_command):
    _, _, got = made
    assert got["Excel dashboard"].name == "Audit dashboard 2026-11.xlsx"
    assert cell_values(got["Excel dashboard"]) == cell_values(by_the_command.dashboard)


def test_the_word_report_says_what_the_commands_says(made, by_the_command):
    _, _, got = made
    assert got["Word report"].name == "Audit report 2026-11.docx"
    page_text, cli_text = paragraphs(got["Word report"]), paragraphs(by_the_command.report)
    assert len(page_text) > 50
    assert page_text == cli_text


def test_the_pdf_is_the_report(made):
    _, page, got = made
    pdf = got["PDF report"]
    assert pdf.name == "Audit report 2026-11.pdf" and pdf.read_bytes().startswith(b"%PDF")
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(pdf).pages[:2])
    assert "November 2026" in text


def test_a_period_without_audits_or_written_wrong_is_said(made, browser):
    served, _, _ = made
    page = signed_in(browser, served)
    page.goto(served.address("/report/"))
    page.check("#kind-quarter")
    page.fill("#quarter", "2026-Q9")
    page.locator("#quarter").evaluate("(e) => e.removeAttribute('pattern')")
    page.get_by_role("button", name="Make the report").click()
    assert "Error:" in page.locator("[role=alert]").inner_text()
    check_accessible(page)
    page.goto(served.address("/report/"))
    page.fill("#month", "2031-01")
    page.get_by_role("button", name="Make the report").click()
    page.wait_for_selector("main div.problem", timeout=120_000)
    assert "Error: " in page.locator("main div.problem").inner_text()
    check_accessible(page)
