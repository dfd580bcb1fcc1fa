"""The Excel dashboard: `Audit dashboard 2026-11.xlsx`, the report's figures as Excel tables and charts.

A sheet per part of the report, each figure a native Excel table (sortable, filterable) with
a native Excel chart beside it (grades in their scale's colours, best to worst, as in the Word
report), and two Data sheets, a row per audit and a row per judgement, for people's own pivot
tables. It is made afresh each time (it is not the tracker: nothing typed into it is kept).
Text goes in through `files.put_text`, so nothing from a form can become a formula.
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass

from lxml import etree
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.data_source import (
    AxDataSource,
    NumData,
    NumVal,
    StrData,
    StrRef,
    StrVal,
)
from openpyxl.chart.label import DataLabel, DataLabelList
from openpyxl.chart.marker import DataPoint
from openpyxl.chart.text import RichText
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.table import Table, TableStyleInfo

from ..contrast import text_on
from ..files import LANGUAGE, put_text
from ..forms.ooxml import NS
from ..forms.textwidth import cell_height, column_points
from . import action_checks
from .charts import ACTION_COLOURS, ACTION_LABELS, COMPLETION_COLOURS, text_colour
from .figures import (
    COMPLETION_LABELS,
    Band,
    Figures,
    GradeCounts,
    about,
    change_sentences,
    shown,
)

SHEET_NS, REL_NS, DRAWING_NS = NS["x"], NS["r"], NS["xdr"]
TABLE_STYLE = "TableStyleMedium2"
DATE_FORMAT = "dd/mm/yyyy"
TITLE = Font(bold=True, size=14, color="1F3864")
HEADING = Font(bold=True, size=11, color="1F4E79")
CHART_W, CHART_H = 18.0, 10.0  # cm
CHART_ROWS = 21  # rows a chart takes, at the default row height
GAP = 2
POINTS_PER_CM = 72 / 2.54
ROW_POINTS = 15.0  # Excel's default row height
DEFAULT_WIDTH = 8.43  # Excel's default column width, in characters
#: A4 landscape less the margins below, in points: what one printed page holds at 100%.
PAGE_W, PAGE_H = 842 - 2 * 0.4 * 72, 595 - (0.6 + 0.8) * 72
LABEL_FORMAT = "0;-0;;@"
BAR_GAP = 60  # the gap between bars, as a % of a bar's width (Excel's default, 150, draws thin bars)


def _colour(band_colour: str) -> str:
    return band_colour.lstrip("#").upper()


@dataclass
class Placed:
    """Where a table landed: its heading row, last row and first column."""

    header: int
    last: int
    col: int
    width: int


class Sheet:
    """A dashboard sheet, written top to bottom: headings, tables, charts beside them."""

    def __init__(self, book: Workbook, title: str, names: set[str], first: bool = False):
        self.ws = book.active if first else book.create_sheet()
        self.ws.title = title
        self.row = 1
        self.names = names
        self.blocks: list[list[int]] = []  # [first row, last row] of each table with its heading and chart
        self.charts: list[tuple[int, float]] = []  # (column, width in cm) of each chart
        self.lines: list[tuple[int, str]] = []  # (row, text) of each line of text
        self.span = 1  # the columns a line of text spans (merged), from the first
        self.header_rows: list[tuple[int, list[str]]] = []  # (row, headings) of each table

    def heading(self, text: str, font: Font = HEADING) -> None:
        cell = self.ws.cell(self.row, 1)
        put_text(cell, text)
        cell.font = font
        self.row += 1

    def line(self, text: str) -> None:
        """A line of text, wrapped in the first column (on paper, text running on past the page is lost)."""
        cell = self.ws.cell(self.row, 1)
        put_text(cell, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        self.lines.append((self.row, text))
        self.row += 1

    def table(self, name: str, title: str, headers: list[str], rows: list[list], total: list | None = None,
              colours: list[str | None] | None = None) -> Placed | None:
        """An Excel table named `name` (unique in the workbook), with a heading above it."""
        self.blocks.append([self.row, self.row])
        self.heading(title)
        if not rows:
            self.line("Nothing to show for this period.")
            self.row += 1
            return None
        header = self.row
        self.header_rows.append((header, headers))
        for col, (text, colour) in enumerate(zip(headers, colours or [None] * len(headers)), start=1):
            cell = self.ws.cell(header, col)
            put_text(cell, text)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if colour:
                cell.fill = PatternFill("solid", fgColor=colour)
                cell.font = Font(bold=True, color="FFFFFF" if text_colour(f"#{colour}") == "white" else "000000")
        for r, values in enumerate(rows, start=header + 1):
            for col, value in enumerate(values, start=1):
                _put(self.ws.cell(r, col), value)
        last = header + len(rows)
        ref = f"A{header}:{get_column_letter(len(headers))}{last}"
        table = Table(displayName=self._name(name), ref=ref)
        table.tableStyleInfo = TableStyleInfo(name=TABLE_STYLE, showRowStripes=True)
        self.ws.add_table(table)
        self.row = last + 1
        if total is not None:
            for col, value in enumerate(total, start=1):
                _put(self.ws.cell(self.row, col), value)
                self.ws.cell(self.row, col).font = Font(bold=True)
            self.row += 1
        self.row += 1
        self.blocks[-1][1] = self.row - 2
        return Placed(header, last, 1, len(headers))

    def _name(self, name: str) -> str:
        base = "".join(part[:1].upper() + part[1:] for part in re.split(r"\W+", name)) or "Table"
        candidate, n = base, 2
        while candidate.casefold() in self.names:
            candidate, n = f"{base}{n}", n + 1
        self.names.add(candidate.casefold())
        return candidate

    def chart(self, chart: BarChart, placed: Placed | None) -> None:
        """The chart beside the table it draws (its top row level with the table's heading)."""
        if placed is None:
            return
        chart.width, chart.height = CHART_W, max(chart.height, CHART_H)
        anchor_col = placed.col + max(placed.width, 6) + 1
        self.ws.add_chart(chart, f"{get_column_letter(anchor_col)}{placed.header - 1}")
        rows = int(CHART_ROWS * chart.height / CHART_H)
        self.row = max(self.row, placed.header - 1 + rows + GAP)
        self.blocks[-1][1] = max(self.blocks[-1][1], placed.header - 1 + rows)
        self.charts.append((anchor_col, chart.width))

    def _left_of(self, col: int) -> float:
        """Points from the sheet's left edge to column `col`'s."""
        return sum(column_points(self.ws.column_dimensions[get_column_letter(c)].width or DEFAULT_WIDTH)
                   for c in range(1, col))

    def print_setup(self, pages_wide: int = 1, title_row: int | None = None) -> None:
        """A4 landscape, `pages_wide` pages across, page numbers in the footer; a table and its chart (a label
        and its value) never split across pages where they fit on one: a page break goes before a table
        that would not fit in what is left of the page."""
        ws = self.ws
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = pages_wide, 0
        ws.page_setup.pageOrder = "overThenDown"  # a row's pages one after the other
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top, ws.page_margins.bottom = 0.6, 0.8
        ws.oddFooter.left.text = "&A"
        ws.oddFooter.right.text = "Page &P of &N"
        if title_row:
            ws.print_title_rows = f"{title_row}:{title_row}"
        span = max(1, min(self.span, ws.max_column))
        room = sum(ws.column_dimensions[get_column_letter(c)].width or DEFAULT_WIDTH for c in range(1, span + 1))
        for row, text in self.lines:  # rows high enough for their wrapped text (LibreOffice does not grow them)
            if span > 1:
                ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=span)
            height = cell_height(text, room, 11)
            if height > ROW_POINTS:
                ws.row_dimensions[row].height = height
        for row, headers in self.header_rows:  # a heading wraps in its column, whole words
            height = max(cell_height(text, ws.column_dimensions[get_column_letter(c)].width or DEFAULT_WIDTH, 11,
                                     bold=True) for c, text in enumerate(headers, start=1))
            if height > ROW_POINTS:
                ws.row_dimensions[row].height = height
        wide = max([self._left_of(ws.max_column + 1)]
                   + [self._left_of(col) + width * POINTS_PER_CM for col, width in self.charts])
        scale = min(1.0, pages_wide * PAGE_W / wide) if wide else 1.0
        room = PAGE_H / scale  # points of the sheet a page holds
        top = 1
        for first, last in self.blocks:
            if first > top and self._height(top, last) > room:
                ws.row_breaks.append(Break(id=first - 1))
                top = first

    def _height(self, first: int, last: int) -> float:
        return sum(self.ws.row_dimensions[r].height or ROW_POINTS for r in range(first, last + 1))

    def widths(self, *widths: float) -> None:
        for i, w in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = w


def _put(cell, value) -> None:
    if value is None or value == "":
        return  # an empty cell, as Excel has it
    if isinstance(value, str):
        put_text(cell, value)
    elif hasattr(value, "isoformat"):
        cell.value = value
        cell.number_format = DATE_FORMAT
    else:
        cell.value = value


def bar_chart(ws, placed: Placed, first_col: int, last_col: int, title: str, x_title: str, y_title: str, *,
              colours: list[str], horizontal: bool = True, grouping: str = "stacked") -> BarChart:
    """A native bar chart of a table: a series per column first_col..last_col, a bar per row."""
    chart = BarChart()
    chart.type = "bar" if horizontal else "col"
    chart.grouping = grouping
    if grouping != "clustered":
        chart.overlap = 100
    chart.add_data(Reference(ws, min_col=first_col, max_col=last_col, min_row=placed.header, max_row=placed.last),
                   titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=placed.col, min_row=placed.header + 1, max_row=placed.last))
    for series, colour in zip(chart.series, colours):
        series.graphicalProperties.solidFill = colour
        series.graphicalProperties.line.solidFill = "FFFFFF"
        series.dLbls = _labels(colour)  # each count in black or white, whichever reads on its bar
    chart.dataLabels = DataLabelList(showVal=True, showLegendKey=False, showCatName=False, showSerName=False,
                                     showPercent=False, showBubbleSize=False)
    chart.dataLabels.numFmt = LABEL_FORMAT  # no label on an empty segment (see `_label_format`)
    chart.title = title
    chart.x_axis.title = x_title  # the categories (Excel's x axis is the vertical one of a bar chart)
    chart.y_axis.title = y_title
    chart.x_axis.delete = chart.y_axis.delete = False
    if horizontal:
        chart.x_axis.scaling.orientation = "maxMin"  # the first row at the top, as in the table
    chart.legend.position = "b"
    chart.gapWidth = BAR_GAP
    chart.varyColors = False
    cache(chart, ws)
    return chart


def _labels(colour: str, idx: int | None = None):
    """Data labels showing the count, in the text colour with the better contrast on `colour` (one
    bar's label when `idx` is given, else a series')."""
    text = CharacterProperties(solidFill=text_on(colour))
    style = RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=text), endParaRPr=text, r=[])])
    shown = dict(showVal=True, showLegendKey=False, showCatName=False, showSerName=False, showPercent=False,
                 showBubbleSize=False, numFmt=LABEL_FORMAT, txPr=style)
    return DataLabelList(**shown) if idx is None else DataLabel(idx=idx, **shown)


def cache(chart: BarChart, ws) -> None:
    """Each series' values, name and categories also written into the chart, as Excel writes them: text
    categories as text (strRef, not numRef), and the cells' values cached (numCache, strCache with their
    ptCount). LibreOffice draws a chart from these; without them it drew thin bars labelled 0."""
    def cells(ref: str) -> list:
        min_col, min_row, max_col, max_row = range_boundaries(ref.split("!")[-1])
        return [c.value for row in ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col)
                for c in row]

    def texts(ref: str) -> StrData:
        values = cells(ref)
        return StrData(ptCount=len(values), pt=[StrVal(idx=i, v="" if v is None else str(v))
                                                 for i, v in enumerate(values)])

    for series in chart.series:
        values = cells(series.val.numRef.f)
        series.val.numRef.numCache = NumData(formatCode="General", ptCount=len(values), pt=[
            NumVal(idx=i, v=v) for i, v in enumerate(values) if isinstance(v, (int, float))])
        if series.cat is not None:
            ref = series.cat.numRef.f if series.cat.numRef is not None else series.cat.strRef.f
            series.cat = AxDataSource(strRef=StrRef(f=ref, strCache=texts(ref)))
        if series.tx is not None and series.tx.strRef is not None:
            series.tx.strRef.strCache = texts(series.tx.strRef.f)


def _grade_rows(rows: list[GradeCounts], bands: list[Band]) -> list[list]:
    return [[r.name, *(r.counts.get(b.value, 0) for b in bands), r.total] for r in rows]


def _grade_table(sheet: Sheet, name: str, title: str, first: str, rows: list[GradeCounts], bands: list[Band],
                 chart_title: str, axis: str, horizontal: bool = True) -> None:
    headers = [first, *(b.label for b in bands), "Audits"]
    placed = sheet.table(name, title, headers, _grade_rows(rows, bands),
                         colours=[None, *(_colour(b.colour) for b in bands), None])
    if placed:
        chart = bar_chart(sheet.ws, placed, 2, 1 + len(bands), chart_title, axis, "Audits completed",
                          colours=[_colour(b.colour) for b in bands], horizontal=horizontal)
        if horizontal:  # a bar per row, each thick enough to read
            chart.height = max(CHART_H, 6 + 1.0 * len(rows))
        sheet.chart(chart, placed)


# ---- the workbook --------------------------------------------------------------------------------


def render_dashboard(figures: Figures) -> bytes:
    """The dashboard of the figures, as the bytes of an .xlsx."""
    book = Workbook()
    names: set[str] = set()
    f = figures
    activities = (f.activities is not None and f.activities.others) or bool(f.managers_dip_samples)
    sheets = [Sheet(book, title, names, first=not n) for n, title in enumerate(
        ["Summary", "Completion", "Grades", "Domains", "Inadequate", "Actions", "Moderation"]
        + (["Activities"] if activities else []) + ["Data", "Data judgements"]
        + (["Evidence"] if f.evidence is not None else []) + ["About"])]
    by_title = {sheet.ws.title: sheet for sheet in sheets}
    for title, part in (("Summary", _summary), ("Completion", _completion), ("Grades", _grades),
                        ("Domains", _domains), ("Inadequate", _inadequate), ("Actions", _actions),
                        ("Moderation", _moderation), ("Activities", _activities)):
        if title in by_title:
            part(by_title[title], f)
    if f.action_checks is not None:
        action_checks.dashboard_part(by_title["Actions"], f)
    _data(by_title["Data"], by_title["Data judgements"], f)
    if f.evidence is not None:
        _evidence(by_title["Evidence"], f)
    about_sheet = by_title["About"]
    about_sheet.heading("About these figures", TITLE)
    for line in about(f):
        about_sheet.line(line)
    about_sheet.widths(110)
    for sheet in sheets:
        title = sheet.ws.title
        table = title.startswith("Data") or title == "Evidence"  # one long table: its headings on every page
        sheet.print_setup(pages_wide=2 if title == "Data" else 1,
                          title_row=sheet.header_rows[0][0] if table and sheet.header_rows else None)
    return saved(book, f"Audit dashboard {f.period}")


def saved(book: Workbook, title: str) -> bytes:
    """The workbook's bytes: no author, its title and language set, each chart with its alt text."""
    book.properties.creator = None
    book.properties.lastModifiedBy = None
    book.properties.title = title
    book.properties.language = LANGUAGE
    out = io.BytesIO()
    book.save(out)
    alts = {ws.title: [alt_text(book, c) for c in ws._charts] for ws in book.worksheets}
    return with_alt_text(_label_format(out.getvalue()), alts)


# ---- alt text: openpyxl writes none, so it goes into the drawings of the saved workbook ----------------


MAX_ALT_ROWS = 12  # bars an alt text names; the table beside the chart has them all


def _values(book: Workbook, ref) -> list:
    """The values of the cells a chart's reference (a NumRef or StrRef) points at."""
    if ref is None:
        return []
    sheet, _, cells = ref.f.rpartition("!")
    min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
    ws = book[sheet.strip("'").replace("''", "'")]
    return [ws.cell(r, c).value for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)]


def alt_text(book: Workbook, chart: BarChart) -> str:
    """What a chart shows, in words: its title, then each bar's figures (as its table has them)."""
    title = "".join(run.t for p in chart.title.tx.rich.p for run in (p.r or [])) if chart.title else "Chart"
    first = chart.series[0] if chart.series else None
    if first is None:
        return f"Bar chart: {title}."
    categories = _values(book, first.cat.numRef or first.cat.strRef) if first.cat else []
    series = [((_values(book, s.tx.strRef) or [""])[0] if s.tx else "", _values(book, s.val.numRef)) for s in chart.series]
    bars = []
    for i, category in enumerate(categories[:MAX_ALT_ROWS]):
        counts = [(name, values[i]) for name, values in series if i < len(values) and values[i]]
        shown = (str(counts[0][1]) if len(series) == 1 and counts
                 else ", ".join(f"{name} {value}" for name, value in counts) or "none")
        bars.append(f"{category}: {shown}")
    more = (f"; and {len(categories) - MAX_ALT_ROWS} more (the table beside the chart has them all)"
            if len(categories) > MAX_ALT_ROWS else "")
    return f"Bar chart: {title}. " + "; ".join(bars) + more + "."


def with_alt_text(xlsx: bytes, alts: dict[str, list[str]]) -> bytes:
    """The workbook with each chart's alt text (`descr`) set: `alts` holds each sheet's, in the order
    its charts were added (the order openpyxl writes them in the sheet's drawing)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))

    def part(base: str, target: str) -> str:
        return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))

    def rels(name: str) -> dict[str, str]:
        folder, file = posixpath.split(name)
        path = f"{folder}/_rels/{file}.rels"
        if path not in source.namelist():
            return {}
        return {r.get("Id"): part(folder, r.get("Target")) for r in etree.fromstring(source.read(path))}

    workbook = etree.fromstring(source.read("xl/workbook.xml"))
    sheets = rels("xl/workbook.xml")
    drawings = {}
    for sheet in workbook.iter(f"{{{SHEET_NS}}}sheet"):
        found = [t for t in rels(sheets[sheet.get(f"{{{REL_NS}}}id")]).values() if "/drawings/drawing" in t]
        if found and alts.get(sheet.get("name")):
            drawings[found[0]] = alts[sheet.get("name")]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename in drawings:
                root = etree.fromstring(data)
                frames = root.iter(f"{{{DRAWING_NS}}}graphicFrame")
                for frame, descr in zip(frames, drawings[info.filename]):
                    frame.find(f"{{{DRAWING_NS}}}nvGraphicFramePr/{{{DRAWING_NS}}}cNvPr").set("descr", descr)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            target.writestr(info, data)
    return out.getvalue()


def _label_format(data: bytes) -> bytes:
    """The data labels' number format marked as the chart's own (sourceLinked="0", which the schema requires
    and openpyxl leaves out): without it LibreOffice takes the cells' format and labels an empty segment 0."""
    plain = f'<numFmt formatCode="{LABEL_FORMAT}"/>'.encode()
    own = f'<numFmt formatCode="{LABEL_FORMAT}" sourceLinked="0"/>'.encode()
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            part = source.read(info.filename)
            if info.filename.startswith("xl/charts/chart"):
                part = part.replace(plain, own)
            target.writestr(info, part)
    return out.getvalue()


def _summary(s: Sheet, f: Figures) -> None:
    s.heading(f"{f.council}, {f.service}", TITLE)
    s.heading(f"Audit dashboard: {f.period_label}")
    s.line(f"Made on {f.made_on:%d/%m/%Y} from the audit register. The Word report (Audit report {f.period}.docx) "
           "shows the same figures.")
    s.row += 1
    s.table("Headlines", "Headline figures", ["Figure", f.period_label, f.previous_label, "Change"],
            [[h.label, shown(h.value, h.unit), shown(h.previous, h.unit), h.change] for h in f.headlines])
    s.heading(f"What changed since {f.previous_label}")
    for line in change_sentences(f):
        s.line(line)
    if f.notes:
        s.row += 1
        s.heading("To know")
        for line in f.notes:
            s.line(line)
    s.widths(52, 18, 18, 20)
    s.span = 4


def _completion(s: Sheet, f: Figures) -> None:
    c = f.completion
    s.heading(f"Completion: {f.period_label}", TITLE)
    kinds = list(COMPLETION_LABELS)
    placed = s.table("CompletionAll", "All audits", ["What came back", "Audits"],
                     [[COMPLETION_LABELS[k], getattr(c.total, k)] for k in kinds])
    if placed:
        chart = bar_chart(s.ws, placed, 2, 2, f"Audits allocated for {f.period_label}: what came back",
                          "What came back", "Audits", colours=["7F7F7F"])
        chart.legend = None
        series = chart.series[0]
        for i, k in enumerate(kinds):
            point = DataPoint(idx=i)
            point.graphicalProperties.solidFill = _colour(COMPLETION_COLOURS[k])
            series.dPt.append(point)
            series.dLbls.dLbl.append(_labels(_colour(COMPLETION_COLOURS[k]), i))
        s.chart(chart, placed)
    headers = ["Allocated", *COMPLETION_LABELS.values(), "Not yet due"]
    for name, title, first, group in (("CompletionByService", "By service", "Service", c.by_service),
                                      ("CompletionByTeam", "By team", "Team", c.by_team),
                                      ("CompletionByAuditor", "By auditor", "Auditor", c.by_auditor)):
        s.table(name, title, [first, *headers],
                [[r.name, r.allocated, *(getattr(r, k) for k in kinds), r.not_yet_due] for r in group])
    s.widths(34, 11, 16, 14, 13, 11, 11, 12)


def _grades(s: Sheet, f: Figures) -> None:
    g = f.grades
    s.heading(f"Grades: {f.period_label}", TITLE)
    _grade_table(s, "GradesThisPeriod", "This period and the last (after moderation where moderated)", "Period",
                 [GradeCounts(f.period_label, g.this_period.counts, g.this_period.total),
                  GradeCounts(f.previous_label, g.previous_period.counts, g.previous_period.total)], g.bands,
                 f"Overall grades, {f.period_label} and {f.previous_label}", "Period")
    _grade_table(s, "GradesByMonth", f"The last {len(g.trend)} months", "Month", g.trend, g.bands,
                 "Overall grades month by month", "Month", horizontal=False)
    for name, title, first, rows in (("GradesByTeam", "By team", "Team", g.by_team),
                                     ("GradesByAuditType", "By audit type", "Audit type", g.by_audit_type),
                                     ("GradesByForm", "By form", "Form", g.by_form)):
        _grade_table(s, name, title, first, rows, g.bands, f"Overall grades by {first.lower()}, {f.period_label}",
                     first)
    ch = g.changes
    s.table("ModerationChanges", "Grades changed by moderation", ["Moderation", "Audits"],
            [["Had a grade after moderation", ch.moderated], ["Moved up", ch.up], ["Moved down", ch.down],
             ["Stayed the same", ch.unchanged]])
    s.widths(34, *([14] * (len(g.bands) + 1)))


def _domains(s: Sheet, f: Figures) -> None:
    d = f.domains
    s.heading(f"Domains: {f.period_label}", TITLE)
    groups = d.groups()
    for _name, scale, form, rows in groups:
        several = sum(1 for g in groups if g[1] is scale) > 1
        label = f"{scale.label} ({form})" if several and form else scale.label
        placed = s.table(f"Domains {scale.id}", label, ["Area", *(b.label for b in scale.bands), "Audits"],
                         [[r.title, *(r.counts.get(b.value, 0) for b in scale.bands), r.total] for r in rows],
                         colours=[None, *(_colour(b.colour) for b in scale.bands), None])
        if placed:
            chart = bar_chart(s.ws, placed, 2, 1 + len(scale.bands), f"{label}, {f.period_label}", "Area",
                              "Share of audits", colours=[_colour(b.colour) for b in scale.bands],
                              grouping="percentStacked")
            chart.height = max(CHART_H, 1.0 * len(rows))
            s.chart(chart, placed)
    no, partially = d.concern_bands
    s.table("Questions", "Questions most often answered No or Partially",
            ["Form", "Ref", "Question", no.label, partially.label, "Answered"],
            [[q.form, q.ref, q.question, q.no, q.partially, q.answered] for q in d.questions],
            colours=[None, None, None, _colour(no.colour), _colour(partially.colour), None])
    s.widths(60, 12, 60, 12, 12, 12)


def _inadequate(s: Sheet, f: Figures) -> None:
    i = f.inadequate
    s.heading(f"Inadequate cases: {f.period_label}", TITLE)
    s.line(f"{i.this_period} audits of {f.period_label} graded Inadequate ({i.previous_period} in {f.previous_label}).")
    s.row += 1
    s.table("InadequateFollowUp", "Where each stands in its follow-up",
            ["Case", "Month", "Form", "Team", "Finalised", "Meeting", "Review meeting", "Re-audit", "Where it stands",
             "Inadequate again", "Overdue"],
            [[c.case, c.month, c.form, c.team, c.finalised, c.meeting, c.review_meeting, c.re_audit, c.stands,
              "Yes" if c.again else "No", "Yes" if c.overdue else "No"] for c in i.cases])
    s.widths(14, 10, 36, 18, 12, 30, 26, 30, 30, 10, 10)


def _actions(s: Sheet, f: Figures) -> None:
    a = f.actions
    s.heading(f"Actions: {f.period_label}", TITLE)
    kinds = list(ACTION_LABELS)
    placed = s.table("ActionsByTeam", "Actions raised in the period, by team",
                     ["Team", *ACTION_LABELS.values(), "Raised"],
                     [[r.name, *(getattr(r, k) for k in kinds), r.raised] for r in a.by_team],
                     total=["All teams", *(getattr(a.total, k) for k in kinds), a.total.raised])
    if placed:
        s.chart(bar_chart(s.ws, placed, 2, 1 + len(kinds), f"Actions from the audits for {f.period_label}, by team",
                          "Team", "Actions", colours=[_colour(ACTION_COLOURS[k]) for k in kinds]), placed)
    e = a.earlier
    s.table("ActionsEarlier", "Actions of the earlier months of the last year, as they stand",
            ["Actions", *ACTION_LABELS.values(), "Raised"],
            [[e.name, *(getattr(e, k) for k in kinds), e.raised]])
    headers = (["Action"] if not f.anonymous else []) + ["Team", "Required by", "Days overdue"]
    s.table("OldestOverdue", "Oldest overdue actions", headers,
            [([o.action] if not f.anonymous else []) + [o.team, o.required_by, o.days_overdue]
             for o in a.oldest_overdue])
    s.table("InDrafts", "Audits in drafts (the team manager has not confirmed every action done)",
            ["Audits", "In drafts"], [[f.period_label, a.in_drafts], ["Earlier months of the last year",
                                                                          a.in_drafts_earlier]])
    s.widths(34, 12, 16, 12, 12, 12)


def _moderation(s: Sheet, f: Figures) -> None:
    mo = f.moderation
    s.heading(f"Moderation: {f.period_label}", TITLE)
    s.table("Moderation", "Audits moderated", ["Moderation", "Audits"],
            [["Completed audits", mo.complete], ["Selected for moderation", mo.selected], ["Moderated", mo.moderated],
             ["Disputed", mo.disputed], ["Grade moved up", mo.changes.up], ["Grade moved down", mo.changes.down]])
    if mo.agreement:
        s.table("Agreement", "Agreement", ["Agreement", "Figure"], [[r.label, r.value] for r in mo.agreement])
    s.widths(40, 14)


def _activities(s: Sheet, f: Figures) -> None:
    """Counts and grades by activity of the programme, and the managers' own dip samples."""
    s.heading(f"Activities: {f.period_label}", TITLE)
    s.line("The other sheets count the monthly control sample only.")
    s.row += 1
    a = f.activities
    kinds = list(COMPLETION_LABELS)
    if a is not None and a.rows:
        s.table("ActivityCompletion", "Completion by activity", ["Activity", "Type", "Allocated",
                                                                 *COMPLETION_LABELS.values()],
                [[r.name, r.type, r.completion.allocated, *(getattr(r.completion, k) for k in kinds)] for r in a.rows])
        _grade_table(s, "GradesByActivity", "Grades by activity", "Activity", [r.grades for r in a.rows], a.bands,
                     f"Overall grades by activity, {f.period_label}", "Activity")
    if f.managers_dip_samples:
        s.table("ManagersDipSamples", "Managers' dip samples (two cases a month each)",
                ["Manager", "Role", "Due", "Returned", "Outstanding", "Grades"],
                [[r.manager, r.role, r.due, r.returned, r.outstanding, ", ".join(r.grades)]
                 for r in f.managers_dip_samples])
    s.widths(34, 18, 12, 14, 14, 30, 12, 12)


AUDIT_HEADERS = ["Audit", "Month", "Form", "Service", "Team", "Audit type", "Where it stands", "Returned",
                 "Returned on", "Finalised", "Overall grade", "Grade after moderation", "Grade counted", "Actions",
                 "Actions open", "Actions overdue"]
JUDGEMENT_HEADERS = ["Audit", "Month", "Form", "Team", "Audit type", "Area", "Ref", "Judgement"]


def _data(audits: Sheet, judgements: Sheet, f: Figures) -> None:
    audits.table("DataAudits", f"Every audit of {f.period_label}, one a row (for your own pivot tables)",
                 AUDIT_HEADERS, [[r.audit, r.month, r.form, r.service, r.team, r.audit_type, r.stands, r.returned,
                                  r.returned_on, r.finalised, r.overall_grade, r.grade_after_moderation, r.grade,
                                  r.actions, r.actions_open, r.actions_overdue] for r in f.audit_rows])
    audits.ws.freeze_panes = "B3"
    audits.widths(24, 9, 36, 22, 18, 14, 30, 16, 12, 12, 24, 24, 24, 9, 9, 9)
    judgements.table("DataJudgements", f"Every judgement of the completed audits of {f.period_label}, one a row",
                     JUDGEMENT_HEADERS, [[r.audit, r.month, r.form, r.team, r.audit_type, r.section, r.ref,
                                          r.judgement] for r in f.judgement_rows])
    judgements.ws.freeze_panes = "B3"
    judgements.widths(24, 9, 36, 18, 14, 60, 7, 24)


def _evidence(s: Sheet, f: Figures) -> None:
    s.heading("Evidence from the audits (names the register holds replaced by roles: read before sharing)", TITLE)
    s.table("Evidence", "What is working well, what are we worried about", ["Grade", "Form", "Question", "Evidence"],
            [[q.grade, q.form, q.field, q.text] for q in f.evidence])
    for row in s.ws.iter_rows(min_row=3, min_col=4, max_col=4):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(cell.value, str):  # high enough for the whole text (LibreOffice does not grow a row)
                s.ws.row_dimensions[cell.row].height = max(ROW_POINTS, cell_height(cell.value, 100, 11))
    s.widths(24, 36, 28, 100)
