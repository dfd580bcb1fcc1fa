"""The quarterly report's part for the boards (the Corporate Parenting Board, the Improvement Board; issue 26, 6):
learning from audits over the quarter.

- the themes of the quarter's audits, in worries and in strengths (as the QA officer corrected the tags in the
  tracker's Themes sheet);
- the organisational learning log's progress: actions agreed, done, open, overdue;
- the improvement plan's status per service: each finding, what has changed, its re-check and the re-check's
  result once its audits are back (`learning.plan.plan_of`, with the names of the people audited taken out).

Only a quarter's report has it (`report --quarter`); owners are not named (the boards see services and findings).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..domain import model as m

TITLE = "Learning from audits"
THEME_HEADINGS = ["Theme", "Audits with it in their worries", "In their strengths", "Audits"]
PLAN_HEADINGS = ["Id", "Finding", "What has changed", "How it will be checked", "When", "Result", "Status"]


@dataclass
class ServiceStatus:
    """One service's part of the improvement plan."""

    service: str
    agreed: int
    done: int
    overdue: int
    rows: list[list[str]] = field(default_factory=list)  # PLAN_HEADINGS


@dataclass
class GovernanceFigures:
    themes: list[list]  # THEME_HEADINGS, the themes the quarter's audits show
    tagged_audits: int  # audits of the quarter with a theme
    agreed: int  # actions of the learning log
    done: int
    open: int
    overdue: int
    services: list[ServiceStatus] = field(default_factory=list)


def governance_figures(reg, audits: list[m.RegisteredAudit], library, today: dt.date,
                       folder: Path | None) -> GovernanceFigures:
    """The quarter's learning from `audits` (those of the quarter), and the learning log as it stands on `today`
    (the register `reg`, open; `folder`: the workspace's, for its themes.xlsx)."""
    from ..learning import log
    from ..learning import themes as th
    from ..learning.log_run import the_log
    from ..learning.plan import plan_of
    from ..learning.run import audit_tags, workspace_themes

    vocabulary = workspace_themes(folder)
    tags = th.corrected(audit_tags(reg, audits, library, vocabulary), reg.tracker_columns(th.SHEET), vocabulary)
    table = th.theme_counts(tags, vocabulary, every_theme=False)
    entries = the_log(reg)
    every = reg.audits(summaries=True)
    closed = {e.log_id for e in entries if not log.is_open(e)}
    services = []
    for plan in plan_of(entries, every, library, today):
        rows = [[r.log_id, r.finding, r.changed, r.check or "-", r.when, r.result or "-", r.status] for r in plan.rows]
        services.append(ServiceStatus(plan.service, len(plan.rows), sum(r.log_id in closed for r in plan.rows),
                                      sum(r.overdue for r in plan.rows), rows))
    return GovernanceFigures(
        themes=[list(row) for row in table.rows], tagged_audits=len({t.audit_id for t in tags}),
        agreed=len(entries), done=sum(not log.is_open(e) for e in entries),
        open=sum(log.is_open(e) for e in entries), overdue=sum(log.overdue(e, today) for e in entries),
        services=services)



def summary(g: GovernanceFigures, period_label: str) -> str:
    return (f"In {period_label}, {g.tagged_audits} audit{'s' * (g.tagged_audits != 1)} of every activity (the control "
            f"sample, dip samples, thematic audits…) showed one of the themes of practice. The learning log holds {g.agreed} strategic, learning and organisational "
            f"action{'s' * (g.agreed != 1)} agreed at the weekly learning sessions: {g.done} done, {g.open} open, "
            f"{g.overdue} overdue.")


def word_section(doc, f) -> None:
    """The section in the Word report (`word.ReportDocument`)."""
    g = f.governance
    doc.heading(TITLE, 1)
    doc.text(summary(g, f.period_label))
    doc.heading("Themes", 2)
    if g.themes:
        doc.grid(THEME_HEADINGS, g.themes)
    else:
        doc.text("No audit of the period showed a theme of practice (themes.xlsx).")
    if not g.services:
        doc.heading("The improvement plan", 2)
        doc.text("No action has been agreed yet ('auditdocs learning log add', or the tracker's Learning log sheet).")
    for s in g.services:
        doc.heading(f"The improvement plan: {s.service}", 2)
        doc.text(f"{s.agreed} action{'s' * (s.agreed != 1)}: {s.done} done, {s.overdue} overdue.")
        doc.grid(PLAN_HEADINGS, s.rows)
