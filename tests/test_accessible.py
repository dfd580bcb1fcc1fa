"""Accessible documents (WCAG 2.2 AA): the Word and Excel files of a real month (`auditdocs demo`) read
back as a screen reader and a contrast checker see them. The PDFs' tags are checked in test_report.py
and test_share.py, where they are made.

What a machine can check only: that the alt text says the right thing, or that the reading order makes
sense, a person still has to check.
"""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from lxml import etree

from auditdocs.contrast import MINIMUM, contrast_ratio, text_on
from auditdocs.forms.docx.writer import WordForm
from auditdocs.report import charts
from auditdocs.report.figures import NO_COLOUR
from auditdocs.tracker.rows import STATE_COLOURS
from auditdocs.tracker.stream import is_dark

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
XDR = "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
DC = "{http://purl.org/dc/elements/1.1/}"


@pytest.fixture(scope="module")
def demo(demo_month) -> Path:
    return demo_month[1]


def report_docx(demo: Path) -> Path:
    return demo / "reports" / "Audit report 2026-11.docx"


def dashboard(demo: Path) -> Path:
    return demo / "reports" / "Audit dashboard 2026-11.xlsx"


def tracker(demo: Path) -> Path:
    return demo / "tracker" / "Audit tracker.xlsx"


def forms(demo: Path, suffix: str) -> list[Path]:
    """One blank form of each kind the month has, as generate made it."""
    kinds = {}
    for path in sorted((demo / "forms").rglob(f"*{suffix}")):
        kinds.setdefault(path.name.split(" - ")[1], path)
    return list(kinds.values())


def part(path: Path, name: str) -> etree._Element:
    return etree.fromstring(zipfile.ZipFile(path).read(name))


def word_documents(demo: Path) -> list[Path]:
    found = [report_docx(demo), *forms(demo, ".docx")]
    assert len(found) >= 5
    return found


# ---- 3. Word and Excel files ---------------------------------------------------------------


def test_every_table_of_the_report_has_a_header_row_that_repeats_and_the_forms_tables_label_each_row(demo):
    tables = part(report_docx(demo), "word/document.xml").findall(f".//{W}tbl")
    assert len(tables) >= 10
    for table in tables:
        assert table.find(f"{W}tr/{W}trPr/{W}tblHeader") is not None  # the first row: read as the column headings
        assert all(tr.find(f"{W}trPr/{W}tblHeader") is None for tr in table.findall(f"{W}tr")[1:])
    for form in forms(demo, ".docx"):
        for table in part(form, "word/document.xml").findall(f".//{W}tbl"):
            rows = table.findall(f"{W}tr")
            if rows[0].find(f"{W}trPr/{W}tblHeader") is not None:
                continue
            # a table of labelled answers (the child's details, a question with its answer box): each row starts
            # with its label, and each answer's box is named (w:alias) for a screen reader
            for tr in rows:
                assert "".join(tr.find(f"{W}tc").itertext()).strip(), form.name


def test_headings_are_word_headings_that_a_screen_reader_lists(demo):
    for path in word_documents(demo):
        styles = part(path, "word/styles.xml")
        levels = {s.get(W + "styleId"): s.find(f"{W}pPr/{W}outlineLvl").get(W + "val")
                  for s in styles.iter(W + "style") if s.find(f"{W}pPr/{W}outlineLvl") is not None}
        assert levels.get("Heading1") == "0", path.name
        used = [p.find(f"{W}pPr/{W}pStyle").get(W + "val") for p in part(path, "word/document.xml").iter(W + "p")
                if p.find(f"{W}pPr/{W}pStyle") is not None]
        assert used.count("Heading1") >= 3, path.name
        assert all(style in levels for style in used if style.startswith("Heading")), path.name


def test_every_picture_and_chart_has_alt_text_in_the_report_and_the_dashboard(demo):
    pictures = part(report_docx(demo), "word/document.xml").findall(f".//{WP}docPr")
    assert len(pictures) >= 8
    assert all(len(p.get("descr", "")) > 40 and p.get("title") for p in pictures)
    package = zipfile.ZipFile(dashboard(demo))
    chart_parts = sorted(n for n in package.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
    frames = [f for n in package.namelist() if n.startswith("xl/drawings/drawing") and n.endswith(".xml")
              for f in etree.fromstring(package.read(n)).iter(f"{XDR}graphicFrame")]
    assert len(frames) == len(chart_parts) >= 8
    titles = {"".join(etree.fromstring(package.read(n)).find(f"{C}chart/{C}title").itertext()) for n in chart_parts}
    assert all(titles)
    for frame in frames:
        descr = frame.find(f"{XDR}nvGraphicFramePr/{XDR}cNvPr").get("descr", "")
        assert descr.startswith("Bar chart: ") and any(descr.startswith(f"Bar chart: {t}. ") for t in titles), descr
    grades = next(f.find(f"{XDR}nvGraphicFramePr/{XDR}cNvPr").get("descr") for f in frames
                  if "Overall grades, November 2026" in f.find(f"{XDR}nvGraphicFramePr/{XDR}cNvPr").get("descr"))
    assert re.search(r"November 2026: Outstanding \d+, Good \d+", grades)  # the figures, not only the title


def test_every_document_says_its_language_and_has_a_title(demo):
    for path in word_documents(demo):
        styles = part(path, "word/styles.xml")
        assert styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang").get(W + "val") == "en-GB", path.name
        assert (part(path, "docProps/core.xml").findtext(f"{DC}title") or "").strip(), path.name
    for path in [dashboard(demo), tracker(demo), *forms(demo, ".xlsx")]:
        core = part(path, "docProps/core.xml")
        assert core.findtext(f"{DC}language") == "en-GB" and (core.findtext(f"{DC}title") or "").strip(), path.name


def test_every_answer_box_of_a_word_form_has_a_name_a_screen_reader_announces(library):
    for spec in library.current():
        root = etree.fromstring(zipfile.ZipFile(io.BytesIO(WordForm(spec).render({}, "AUD-TEST"))).read("word/document.xml"))
        boxes = root.findall(f".//{W}sdt")
        assert len(boxes) >= len(spec.fields), spec.id
        for sdt in boxes:
            alias = sdt.find(f"{W}sdtPr/{W}alias")
            assert alias is not None and alias.get(W + "val").strip(), (spec.id, sdt.find(f"{W}sdtPr/{W}tag").get(W + "val"))


def test_the_cells_a_finalised_pdf_heads_its_rows_with_are_the_labels_never_an_answer_even_one_worded_as_a_label(
        library):
    from auditdocs.domain import model as m
    from auditdocs.forms.docx.fill import fill_docx
    from auditdocs.forms.docx.layout import label_cells

    for spec in library.current():
        # every detail and text answer worded as a label, and a question's row text typed into its answer box
        words = [h.label for h in spec.header] + [getattr(i, "text", None) or i.label for _, i in spec.items()
                                                   if not isinstance(i, m.Actions)]
        answers = {h.id: words[(n + 1) % len(words)] for n, h in enumerate(spec.header) if h.type == "text"}
        answers |= {f.id: words[n % len(words)] for n, f in enumerate(spec.fields) if f.type == "text"}
        data = fill_docx(WordForm(spec).render({}, "AUD-TEST"), answers)
        body = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")).find(f"{W}body")
        tables = list(body.iter(f"{W}tbl"))
        labels = label_cells(body, spec)
        assert [[len(r.findall(f"{W}tc")) for r in t.findall(f"{W}tr")] for t in tables] == [
            [len(row) for row in rows] for rows in labels], spec.id
        headed = [cell for t, rows in zip(tables, labels) for r, flags in zip(t.findall(f"{W}tr"), rows)
                  for cell, flag in zip(r.findall(f"{W}tc"), flags) if flag]
        assert [c for c in headed if c.find(f".//{W}sdt") is not None] == [], spec.id  # no answer box
        texts = ["".join(c.itertext()) for c in headed]
        assert texts[:len(spec.header)] == [h.label for h in spec.header], spec.id
        refs = texts[len(spec.header)::2]
        assert len(refs) >= 2 and set(refs) <= {i.ref for _, i in spec.items()} | {
            ref for q in spec.questions for ref, _ in q.voice_rows()}, spec.id


def test_no_state_or_grade_is_shown_by_its_colour_alone(demo):
    book = openpyxl.load_workbook(tracker(demo))
    coloured = 0
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb not in (None, "00000000"):
                    coloured += 1
                    assert str(cell.value or "").strip(), (ws.title, cell.coordinate)  # the state's or grade's words
    assert coloured >= 50
    for path in [report_docx(demo)]:
        for tc in part(path, "word/document.xml").iter(f"{W}tc"):
            shade = tc.find(f"{W}tcPr/{W}shd")
            if shade is not None and shade.get(W + "fill", "auto") not in ("auto", "FFFFFF"):
                assert "".join(tc.itertext()).strip(), path.name


# ---- 4. contrast ---------------------------------------------------------------------------


def test_the_contrast_ratio_is_wcags():
    assert round(contrast_ratio("#000000", "#FFFFFF"), 1) == 21.0
    assert round(contrast_ratio("777777", "FFFFFF"), 2) == 4.48  # WCAG's own example of a grey that fails
    assert contrast_ratio("FF2E7D32", "2E7D32") == 1.0 and text_on("#C00000") == "FFFFFF" and text_on("FFC000") == "000000"


def test_every_scale_and_state_colour_takes_text_that_reads_on_it(library):
    """The text on each colour, as the report (its tables and charts), the dashboard and the tracker choose it."""
    scale_colours = {o.colour for spec in library.current() for f in spec.fields if f.scale
                     for o in f.scale.options if o.colour} | {NO_COLOUR}
    assert len(scale_colours) >= 6
    for colour in scale_colours | set(charts.COMPLETION_COLOURS.values()) | set(charts.ACTION_COLOURS.values()):
        report_text = "FFFFFF" if charts.text_colour(colour) == "white" else "000000"
        assert contrast_ratio(colour, report_text) >= MINIMUM, colour
        tracker_text = "FFFFFF" if is_dark(colour.lstrip("#")) else "000000"
        assert contrast_ratio(colour, tracker_text) >= MINIMUM, colour
    for state, colour in STATE_COLOURS.items():
        assert contrast_ratio(colour, "FFFFFF" if is_dark(colour) else "000000") >= MINIMUM, state


def _rgb(color, default: str) -> str:
    """An openpyxl colour as RRGGBB (a theme's or an indexed colour as `default`: Excel's automatic text)."""
    if color is None or color.type != "rgb" or not isinstance(color.rgb, str):
        return default
    return color.rgb[-6:]


def test_every_cell_of_the_excel_files_has_text_that_reads_on_its_fill(demo):
    pairs = set()
    for path in [tracker(demo), dashboard(demo), *forms(demo, ".xlsx")]:
        book = openpyxl.load_workbook(path)
        for ws in book.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is None or str(cell.value).strip() == "":
                        continue
                    fill = _rgb(cell.fill.fgColor, "FFFFFF") if cell.fill.fill_type == "solid" else "FFFFFF"
                    text = _rgb(cell.font.color, "000000")
                    pairs.add((text, fill))
                    assert contrast_ratio(text, fill) >= MINIMUM, (path.name, ws.title, cell.coordinate, text, fill)
            for rules in ws.conditional_formatting:  # the tracker's overdue dates
                for rule in rules.rules:
                    if rule.dxf is not None and rule.dxf.fill is not None and rule.dxf.font is not None:
                        fill, text = _rgb(rule.dxf.fill.bgColor, "FFFFFF"), _rgb(rule.dxf.font.color, "000000")
                        pairs.add((text, fill))
                        assert contrast_ratio(text, fill) >= MINIMUM, (path.name, ws.title, text, fill)
    assert len(pairs) >= 8


def test_every_count_on_a_dashboard_chart_reads_on_its_bar(demo):
    package = zipfile.ZipFile(dashboard(demo))
    checked = 0
    for name in (n for n in package.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)):
        for series in etree.fromstring(package.read(name)).iter(f"{C}ser"):
            bars = {"all": series.find(f"{C}spPr/{A}solidFill/{A}srgbClr").get("val")}
            bars |= {p.find(f"{C}idx").get("val"): p.find(f"{C}spPr/{A}solidFill/{A}srgbClr").get("val")
                     for p in series.findall(f"{C}dPt")}
            labels = series.find(f"{C}dLbls")
            assert labels is not None, name
            own = {d.find(f"{C}idx").get("val"): d for d in labels.findall(f"{C}dLbl")}
            for idx, bar in bars.items():
                label = own.get(idx, labels)
                text = label.find(f"{C}txPr/{A}p/{A}pPr/{A}defRPr/{A}solidFill/{A}srgbClr").get("val")
                assert contrast_ratio(text, bar) >= MINIMUM, (name, bar, text)
                checked += 1
    assert checked >= 15


def _word_colours(styles: etree._Element) -> dict[str, str | None]:
    """Each style's text colour, through the styles it is based on (None: automatic)."""
    by_id = {s.get(W + "styleId"): s for s in styles.iter(W + "style")}

    def colour(style_id, seen=()):
        style = by_id.get(style_id)
        if style is None or style_id in seen:
            return None
        found = style.find(f"{W}rPr/{W}color")
        if found is not None:
            return found.get(W + "val")
        based = style.find(f"{W}basedOn")
        return colour(based.get(W + "val"), (*seen, style_id)) if based is not None else None

    return {style_id: colour(style_id) for style_id in by_id}


def test_every_run_of_text_in_the_word_files_reads_on_its_background(demo):
    pairs = set()
    for path in word_documents(demo):
        colours = _word_colours(part(path, "word/styles.xml"))
        for tag in ("word/document.xml", "word/footer1.xml"):
            root = part(path, tag)
            for p in root.iter(f"{W}p"):
                pstyle = p.find(f"{W}pPr/{W}pStyle")
                paragraph = colours.get(pstyle.get(W + "val")) if pstyle is not None else colours.get("Normal")
                cell = next((a for a in p.iterancestors(f"{W}tc")), None)
                shade = cell.find(f"{W}tcPr/{W}shd") if cell is not None else None
                fill = shade.get(W + "fill", "auto") if shade is not None else "auto"
                fill = "FFFFFF" if fill == "auto" else fill
                for r in p.iter(f"{W}r"):
                    if not "".join(t.text or "" for t in r.iter(f"{W}t")).strip():
                        continue
                    own = r.find(f"{W}rPr/{W}color")
                    rstyle = r.find(f"{W}rPr/{W}rStyle")
                    text = (own.get(W + "val") if own is not None
                            else colours.get(rstyle.get(W + "val")) if rstyle is not None and colours.get(rstyle.get(W + "val"))
                            else paragraph)
                    text = "000000" if text in (None, "auto") else text
                    pairs.add((text, fill))
                    assert contrast_ratio(text, fill) >= MINIMUM, (path.name, text, fill, "".join(r.itertext())[:40])
    assert len(pairs) >= 5


# ---- 1. what the PDF check tells -------------------------------------------------------------


def test_a_pdf_without_tags_is_told_as_such_in_plain_words():
    from pypdf import PdfWriter

    from auditdocs.tagged_pdf import UNTAGGED, editable, finish, structure

    plain = PdfWriter()
    plain.add_blank_page(595, 842)
    out = io.BytesIO()
    plain.write(out)
    found = structure(finish(editable(out.getvalue()), {"/Title": "A form"}))
    assert not found.tagged and found.problems() == [UNTAGGED]
    assert found.language == "en-GB" and found.shows_title and found.title == "A form" and not found.pdfua
    assert "screen readers" in UNTAGGED and "update LibreOffice" in UNTAGGED
