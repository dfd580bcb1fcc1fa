"""The monthly report's section "Were the actions really done?": the period's check samples (`auditdocs actions
check-sample`, see `actions.plan`), by team: actions drawn, confirmed, partly done, not confirmed, not yet checked.

A register that has never held a check sample gives no section (`action_check_figures` is None); a period without
one says so.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..actions import plan
from ..domain import model as m

HEADINGS = ["Team", "Audits drawn", "Actions drawn", "Confirmed", "Partly done", "Not confirmed", "Not yet checked"]
TITLE = "Were the actions really done?"


@dataclass
class ActionCheckFigures:
    """The period's checks that actions marked done were done, by team and in all."""

    by_team: list[plan.CheckCounts]
    total: plan.CheckCounts


def action_check_figures(audits: list[m.RegisteredAudit], cells: dict[str, dict], first: str,
                         last: str) -> ActionCheckFigures | None:
    """The checks of the months `first`..`last` (YYYY-MM); `cells`: the register's cells of the Action checks
    sheet. None when the register holds no check at all."""
    found = plan.checks(audits, cells)
    if not found:
        return None
    by_team, total = plan.counts(found, first, last)
    return ActionCheckFigures(by_team, total)


def from_register(reg, first, last) -> ActionCheckFigures | None:
    """`action_check_figures` of every audit the register holds (an audit drawn may be older than the report's
    months), for the months `first`..`last` (dates)."""
    return action_check_figures(reg.audits(summaries=True), reg.tracker_columns(plan.SHEET.name),
                                plan.month_key(first), plan.month_key(last))


def _values(c: plan.CheckCounts) -> list:
    return [c.name, c.audits, c.drawn, c.confirmed, c.partly, c.not_confirmed, c.not_checked]


def summary(a: ActionCheckFigures, period_label: str) -> str:
    t = a.total
    if not t.drawn:
        return (f"No audit was drawn in {period_label} to check that its actions marked done were done "
                "('auditdocs actions check-sample').")
    return (f"Each month the QA team draws audits whose actions the team manager has marked done, and checks that "
            f"they were. In {period_label}, {t.audits} audit{'s' * (t.audits != 1)} "
            f"{'were' if t.audits != 1 else 'was'} drawn, with {t.drawn} action{'s' * (t.drawn != 1)} marked done: "
            f"{t.confirmed} confirmed done, {t.partly} partly done, {t.not_confirmed} not done, and {t.not_checked} "
            "not yet checked.")


def word_section(doc, f) -> None:
    """The section in the Word report (`word.ReportDocument`), after the actions."""
    a = f.action_checks
    doc.heading(TITLE, 2)
    doc.text(summary(a, f.period_label))
    if a.total.drawn:
        doc.grid(HEADINGS, [_values(t) for t in a.by_team], total=_values(a.total))


def dashboard_part(s, f) -> None:
    """The table on the dashboard's Actions sheet (`dashboard.Sheet`)."""
    a = f.action_checks
    s.row += 1
    s.line(summary(a, f.period_label))
    s.table("ActionChecks", TITLE, HEADINGS, [_values(t) for t in a.by_team] if a.total.drawn else [],
            total=_values(a.total))
