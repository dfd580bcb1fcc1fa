"""The report's charts, drawn with matplotlib: one function per chart, each a `Chart` (PNG and alt text).

Drawn off screen with matplotlib's Agg canvas (no display, no pyplot state) in DejaVu Sans, the
font matplotlib ships with, so a bare Debian machine draws them the same. Every chart has a
title, labelled axes, the count on each bar and alt text that says what it shows. Grades are
best to worst in their scale's colours (`figures.Band`), the same in every chart.
"""
from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from ..contrast import WHITE, text_on
from .figures import (
    COMPLETION_LABELS,
    ActionFigures,
    Band,
    CompletionFigures,
    DomainFigures,
    DomainScale,
    GradeCounts,
    GradeFigures,
)

WIDTH_IN = 6.3  # 16 cm: the text width of an A4 page with 2 cm margins
DPI = 200
STYLE = {"font.family": "DejaVu Sans", "font.size": 8.5, "axes.titlesize": 10, "axes.titleweight": "bold",
         "axes.spines.top": False, "axes.spines.right": False, "svg.fonttype": "none"}
COMPLETION_COLOURS = {"on_time": "#2E7D32", "late": "#FFC000", "not_returned": "#C00000",
                      "exempted": "#7F7F7F", "cancelled": "#BFBFBF"}
ACTION_COLOURS = {"done": "#2E7D32", "open": "#9DC3E6", "overdue": "#C00000"}
ACTION_LABELS = {"done": "Done", "open": "Open, not yet due", "overdue": "Overdue"}
TITLE_CHARS = 70  # a title wraps at this many characters, or fewer when its line is still too wide
TITLE_X = 0.015  # the title's left edge, as a share of the picture's width
MAX_BARS = 20  # a chart of more groups shows the largest (the tables have them all)


@dataclass(frozen=True)
class Chart:
    name: str  # a short id, e.g. "grades"
    title: str
    alt: str  # what the chart shows, for people who cannot see it
    png: bytes
    width_in: float
    height_in: float


def text_colour(colour: str) -> str:
    """Black or white, whichever has the higher WCAG contrast on the colour ("#RRGGBB" in, "black" or
    "white" out)."""
    return "white" if text_on(colour) == WHITE else "black"


def _wrap(text: str, width: int = 28) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _draw(name: str, title: str, alt: str, height: float, paint) -> Chart:
    with rc_context(STYLE):
        fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        paint(fig, ax)
        _title(fig, title)
        png = _png(fig)
        if _fit_axis_label(ax):
            png = _png(fig)
    return Chart(name, title, alt, png, WIDTH_IN, height)


def _png(fig) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def _fit_axis_label(ax) -> bool:
    """The label of the vertical axis over two lines when it is longer than a short chart is high, as the chart was
    last drawn (True: the chart must be drawn again)."""
    label = ax.get_ylabel()
    if label and ax.yaxis.label.get_window_extent().height > ax.get_window_extent().height:
        ax.set_ylabel(_wrap(label, len(label) // 2 + 1))
        return True
    return False


def _title(fig, title: str) -> None:
    """The title at the top left of the whole picture (not of the axes, which the labels push right), wrapped
    onto as many lines as it needs to stay inside the picture: a title is never cut. Its left edge is fixed in the
    picture (TITLE_X), so its width is measured without laying the chart out again."""
    label = None
    renderer = fig.canvas.get_renderer()
    for width in range(TITLE_CHARS, 19, -6):
        if label is not None:
            label.remove()
        label = fig.suptitle(_wrap(title, width), x=TITLE_X, ha="left", fontsize=STYLE["axes.titlesize"],
                             fontweight="bold")
        box, inside = label.get_window_extent(renderer), fig.bbox
        if box.x0 >= inside.x0 and box.x1 <= inside.x1:
            return


def _stacked(ax, names: list[str], parts: list[tuple[str, str, list[float], list[int]]], horizontal: bool) -> None:
    """Stacked bars: each part (label, colour, sizes, counts) on top of the last, counts in the segments."""
    positions = list(range(len(names)))
    base = [0.0] * len(names)
    for label, colour, sizes, counts in parts:
        if horizontal:
            bars = ax.barh(positions, sizes, left=base, color=colour, label=label, edgecolor="white", linewidth=0.5)
        else:
            bars = ax.bar(positions, sizes, bottom=base, color=colour, label=label, edgecolor="white", linewidth=0.5)
        ax.bar_label(bars, labels=[str(c) if c else "" for c in counts], label_type="center",
                     color=text_colour(colour), fontsize=7.5)
        base = [b + s for b, s in zip(base, sizes)]


def _legend(fig, ax, columns: int = 3) -> None:
    """The key below the chart, so the bars keep the whole width."""
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=min(columns, len(labels)), frameon=False,
               fontsize=7.5)


def _whole_numbers(axis) -> None:
    axis.set_major_locator(MaxNLocator(integer=True))


def _largest(rows: list, size) -> tuple[list, str]:
    """At most MAX_BARS rows, the largest by `size` (in their own order), and what the title says of it."""
    if len(rows) <= MAX_BARS:
        return rows, ""
    kept = set(map(id, sorted(rows, key=size, reverse=True)[:MAX_BARS]))
    return [r for r in rows if id(r) in kept], f" (the {MAX_BARS} largest of {len(rows)})"


def _count_phrase(pairs) -> str:
    return ", ".join(f"{label} {count}" for label, count in pairs)


# ---- completion ----------------------------------------------------------------------------


def completion_chart(completion: CompletionFigures, period: str) -> Chart:
    total = completion.total
    kinds = list(COMPLETION_LABELS)
    counts = [getattr(total, k) for k in kinds]
    labels = [COMPLETION_LABELS[k] for k in kinds]
    title = f"Audits allocated for {period}: what came back"
    alt = (f"Bar chart of the {total.allocated} audits allocated for {period}: "
           f"{_count_phrase(zip(labels, counts))}.")

    def paint(fig, ax):
        bars = ax.barh(range(len(kinds)), counts, color=[COMPLETION_COLOURS[k] for k in kinds])
        ax.bar_label(bars, padding=3)
        ax.set_yticks(range(len(kinds)), labels)
        ax.invert_yaxis()
        ax.set_xlabel("Audits")
        ax.set_ylabel("What came back")
        ax.set_xlim(0, max(counts + [1]) * 1.15)
        _whole_numbers(ax.xaxis)

    return _draw("completion", title, alt, 2.4, paint)


# ---- grades ------------------------------------------------------------------------------------


def grades_chart(grades: GradeFigures, period: str, previous: str) -> Chart:
    """This period's grades, with the last period's beside them (lighter) when there are any."""
    bands = grades.bands
    now = [grades.this_period.counts.get(b.value, 0) for b in bands]
    then = [grades.previous_period.counts.get(b.value, 0) for b in bands]
    compare = grades.previous_period.total > 0
    title = f"Overall grades, {period} (after moderation where moderated)"
    alt = (f"Bar chart of the grades of the {grades.this_period.total} audits completed for {period}, best to worst: "
           f"{_count_phrase(zip((b.label for b in bands), now))}."
           + (f" Lighter bars: {previous}, {_count_phrase(zip((b.label for b in bands), then))}." if compare else ""))

    def paint(fig, ax):
        x = list(range(len(bands)))
        colours = [b.colour for b in bands]
        width, shift = (0.4, 0.2) if compare else (0.6, 0)
        bars = ax.bar([i - shift for i in x], now, width=width, color=colours, edgecolor="#404040", linewidth=0.5)
        ax.bar_label(bars, padding=2)
        if compare:
            before = ax.bar([i + shift for i in x], then, width=width, color=colours, alpha=0.35, edgecolor="#808080",
                            linewidth=0.5, hatch="///")
            ax.bar_label(before, padding=2, color="#595959")
            key = [Patch(facecolor="#7F7F7F", edgecolor="#404040", label=f"{period} (solid)"),
                   Patch(facecolor="#7F7F7F", alpha=0.35, hatch="///", edgecolor="#808080", label=f"{previous} (light)")]
            fig.legend(handles=key, loc="outside lower center", ncol=2, frameon=False, fontsize=7.5)
        ax.set_xticks(x, [_wrap(b.label, 16) for b in bands])
        ax.set_ylabel("Audits")
        ax.set_xlabel("Grade (best to worst)")
        ax.set_ylim(0, max(now + then + [1]) * 1.2)
        _whole_numbers(ax.yaxis)

    return _draw("grades", title, alt, 3.4, paint)


def _band_parts(rows: list[GradeCounts], bands: list[Band]):
    return [(b.label, b.colour, [r.counts.get(b.value, 0) for r in rows], [r.counts.get(b.value, 0) for r in rows])
            for b in bands]


def trend_chart(grades: GradeFigures) -> Chart:
    rows = grades.trend
    names = [r.name for r in rows]
    title = f"Overall grades month by month, {names[0]} to {names[-1]}"
    alt = (f"Stacked bar chart of the grades of audits completed each month from {names[0]} to {names[-1]}, "
           "best grade at the bottom: " + "; ".join(
               f"{r.name}: {_count_phrase((b.label, r.counts.get(b.value, 0)) for b in grades.bands)}" for r in rows)
           + ".")

    def paint(fig, ax):
        _stacked(ax, names, _band_parts(rows, grades.bands), horizontal=False)
        totals = [r.total for r in rows]
        for i, t in enumerate(totals):
            if t:
                ax.annotate(str(t), (i, t), xytext=(0, 2), textcoords="offset points", ha="center", fontsize=7.5)
        ax.set_xticks(range(len(names)), [n.replace(" ", "\n") for n in names], fontsize=7)
        ax.set_ylabel("Audits completed")
        ax.set_xlabel("Month")
        ax.set_ylim(0, max(totals + [1]) * 1.15)
        _whole_numbers(ax.yaxis)
        _legend(fig, ax)

    return _draw("trend", title, alt, 3.8, paint)


def grades_by_chart(name: str, rows: list[GradeCounts], bands: list[Band], what: str, period: str) -> Chart:
    """Grades per team, audit type or form: a stacked bar per group."""
    rows, some = _largest(rows, lambda r: r.total)
    title = f"Overall grades by {what}, {period}{some}"
    alt = (f"Stacked bar chart of the grades of the audits completed for {period}, by {what}: " + "; ".join(
        f"{r.name}: {_count_phrase((b.label, r.counts.get(b.value, 0)) for b in bands if r.counts.get(b.value))}"
        for r in rows) + ".")

    def paint(fig, ax):
        _stacked(ax, [r.name for r in rows], _band_parts(rows, bands), horizontal=True)
        ax.set_yticks(range(len(rows)), [_wrap(r.name, 30) for r in rows])
        ax.invert_yaxis()
        ax.set_xlabel("Audits completed")
        ax.set_ylabel(what.capitalize())
        _whole_numbers(ax.xaxis)
        _legend(fig, ax)

    return _draw(name, title, alt, 1.9 + 0.38 * max(len(rows), 2), paint)


# ---- domains -----------------------------------------------------------------------------------


def domains_chart(name: str, scale: DomainScale, form: str, rows: list, period: str) -> Chart:
    """One form's judgements on one scale (a group of `DomainFigures.groups`)."""
    rows, some = _largest(rows, lambda r: r.total)
    title = f"{scale.label} ({form}), {period}{some}" if form else f"{scale.label}, {period}{some}"
    alt = (f"Stacked bar chart of the share of audits for {period} in each option of '{scale.label}', per area"
           + (f" of the form {form}" if form else "") + ": "
           + "; ".join(f"{r.title}: {_count_phrase((b.label, r.counts.get(b.value, 0)) for b in scale.bands)}"
                       for r in rows) + ".")

    def paint(fig, ax):
        parts = [(b.label, b.colour, [100 * r.counts.get(b.value, 0) / r.total if r.total else 0 for r in rows],
                  [r.counts.get(b.value, 0) for r in rows]) for b in scale.bands]
        _stacked(ax, [r.title for r in rows], parts, horizontal=True)
        ax.set_yticks(range(len(rows)), [_wrap(r.title, 44) for r in rows], fontsize=7)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("Share of audits (%); the numbers are audits")
        ax.set_ylabel("Area judged")
        _legend(fig, ax, columns=len(scale.bands))

    return _draw(name, title, alt, 1.8 + 0.42 * max(len(rows), 2), paint)


def questions_chart(domains: DomainFigures, period: str) -> Chart:
    rows = domains.questions
    title = f"Questions most often answered No or Partially, {period}"
    labels = [f"{q.ref} {textwrap.shorten(q.question, 48, placeholder='…')}" for q in rows]
    alt = (f"Bar chart of the {len(rows)} questions most often answered No or Partially for {period}: " + "; ".join(
        f"question {q.ref} of {q.form}: No {q.no}, Partially {q.partially} of {q.answered}" for q in rows) + ".")
    no, partially = domains.concern_bands

    def paint(fig, ax):
        parts = [(no.label, no.colour, [q.no for q in rows], [q.no for q in rows]),
                 (partially.label, partially.colour, [q.partially for q in rows], [q.partially for q in rows])]
        _stacked(ax, labels, parts, horizontal=True)
        ax.set_yticks(range(len(rows)), [_wrap(label, 44) for label in labels], fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel("Audits")
        ax.set_ylabel("Question (its reference on the form)")
        _whole_numbers(ax.xaxis)
        _legend(fig, ax)

    return _draw("questions", title, alt, 1.4 + 0.42 * max(len(rows), 2), paint)


# ---- actions -----------------------------------------------------------------------------------


def actions_chart(actions: ActionFigures, period: str) -> Chart:
    rows, some = _largest(actions.by_team, lambda r: r.raised)
    kinds = list(ACTION_LABELS)
    title = f"Actions from the audits for {period}, by team{some}"
    alt = (f"Stacked bar chart of the {actions.total.raised} actions raised in the audits for {period}, by team: "
           + "; ".join(f"{r.name}: {_count_phrase((ACTION_LABELS[k], getattr(r, k)) for k in kinds)}" for r in rows)
           + ".")

    def paint(fig, ax):
        parts = [(ACTION_LABELS[k], ACTION_COLOURS[k], [getattr(r, k) for r in rows], [getattr(r, k) for r in rows])
                 for k in kinds]
        _stacked(ax, [r.name for r in rows], parts, horizontal=True)
        ax.set_yticks(range(len(rows)), [_wrap(r.name, 30) for r in rows])
        ax.invert_yaxis()
        ax.set_xlabel("Actions")
        ax.set_ylabel("Team")
        _whole_numbers(ax.xaxis)
        _legend(fig, ax)

    return _draw("actions", title, alt, 1.7 + 0.38 * max(len(rows), 2), paint)


# ---- every chart of a report ----------------------------------------------------------------


def report_charts(figures) -> dict[str, Chart]:
    """The charts the report shows, by name (a chart with nothing to show is left out)."""
    period = figures.period_label
    grades = figures.grades
    out = {}
    if figures.completion.total.allocated:
        out["completion"] = completion_chart(figures.completion, period)
    if grades.this_period.total or grades.previous_period.total:
        out["grades"] = grades_chart(grades, period, figures.previous_label)
    if any(r.total for r in grades.trend):
        out["trend"] = trend_chart(grades)
    for name, rows, what in (("grades-team", grades.by_team, "team"), ("grades-type", grades.by_audit_type, "audit type"),
                             ("grades-form", grades.by_form, "form")):
        if rows:
            out[name] = grades_by_chart(name, rows, grades.bands, what, period)
    for name, scale, form, rows in figures.domains.groups():
        out[name] = domains_chart(name, scale, form, rows, period)
    if figures.domains.questions:
        out["questions"] = questions_chart(figures.domains, period)
    if figures.actions.by_team and figures.actions.total.raised:
        out["actions"] = actions_chart(figures.actions, period)
    return out
