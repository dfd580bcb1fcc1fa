"""Reading the tracker's Key messages sheet (`rows.KEY_MESSAGES`) as the register holds what people typed in it
(`Register.tracker_columns(SHEET)`): each thematic audit's six-month review and any re-audit it led to. The sheet's
rows are made by `report.summary_sheet.rows`; the key messages are read by the summary report."""
from __future__ import annotations

import datetime as dt

from ..domain import cycle
from ..domain import model as m
from ..domain.dates import parse_date
from ..programme.plan import parse_month_cell
from .rows import KEY_MESSAGES

SHEET = KEY_MESSAGES.name


def row_key(month: dt.date, activity: str) -> str:
    """The sheet's row of an activity in a month (as `rows.row_key` reads it back)."""
    return f"{month:%Y-%m}\x1f{activity.strip()}"


def activities(audits: list[m.RegisteredAudit]) -> dict[tuple[dt.date, str], list[m.RegisteredAudit]]:
    """The audits of each activity of the programme (not the control sample) in each month, for those with an
    audit returned; oldest month first."""
    out: dict[tuple[dt.date, str], list[m.RegisteredAudit]] = {}
    for a in audits:
        if a.activity.strip() and a.month is not None:
            out.setdefault((a.month, a.activity.strip()), []).append(a)
    return {k: v for k, v in sorted(out.items(), key=lambda kv: (kv[0][0], kv[0][1].casefold()))
            if any(a.returns for a in v)}


def thematic(audits: list[m.RegisteredAudit]) -> bool:
    return any(a.activity_type == cycle.THEMATIC_AUDIT for a in audits)


def month_of(value) -> dt.date | None:
    """The month a cell names ('2027-02', February 2027, a date), None when it names none."""
    if value in (None, ""):
        return None
    month, _problem = parse_month_cell(value)
    return month


def review_of(activity: str, month: dt.date, cells: dict) -> cycle.ActivityReview:
    """A thematic audit's review from its row's cells (people's entries)."""
    return cycle.activity_review(activity, month, agreed_on=parse_date(cells.get("Agreed on")),
                                 held_on=parse_date(cells.get("Review held on")),
                                 progressed=str(cells.get("Practice progressed") or ""),
                                 re_audit_in=month_of(cells.get("Re-audit in")))


def review(audits: list[m.RegisteredAudit], cells: dict[str, dict], month: dt.date,
           activity: str) -> cycle.ActivityReview | None:
    """The six-month review of the activity in its month (None: not a thematic audit)."""
    chosen = [a for a in audits if a.activity.strip() == activity.strip() and a.month == month]
    if not thematic(chosen):
        return None
    return review_of(activity, month, cells.get(row_key(month, activity), {}))


def reviews(audits: list[m.RegisteredAudit], cells: dict[str, dict]) -> list[cycle.ActivityReview]:
    """Every thematic audit's six-month review (those with audits returned), soonest due first."""
    found = [review_of(activity, month, cells.get(row_key(month, activity), {}))
             for (month, activity), chosen in activities(audits).items() if thematic(chosen)]
    return sorted(found, key=lambda r: (r.due, r.activity.casefold()))


def re_audits_in(reg, month: dt.date) -> list[cycle.ActivityReview]:
    """The thematic audits whose review scheduled a re-audit for `month`, from the open register `reg`."""
    month = month.replace(day=1)
    return [r for r in reviews(reg.audits(summaries=True), reg.tracker_columns(SHEET)) if r.re_audit_in == month]
