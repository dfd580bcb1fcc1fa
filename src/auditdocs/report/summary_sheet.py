"""The tracker's Key messages sheet (`tracker.rows.KEY_MESSAGES`): a row per activity of the programme with audits
returned, by month and activity, where the group types its key messages and recommendations (seed 003, 4.13)
and, for a thematic audit, the QA officer records its six-month review and any re-audit it led to.

`rows` is the sheet's maker (`consolidate.more_sheets.MAKERS`); what people typed comes back through
`Register.tracker_columns("Key messages")`, read here by `key_messages` (for the summary report) and `reviews`
(for status and chase).
"""
from __future__ import annotations

import datetime as dt

from ..domain import cycle
from ..domain import model as m
from ..domain.dates import parse_date
from ..programme.plan import parse_month_cell
from ..tracker.rows import KEY_MESSAGES
from .summary import KeyMessages

SHEET = KEY_MESSAGES.name


def row_key(month: dt.date, activity: str) -> str:
    """The sheet's row of an activity in a month (as `tracker.rows.row_key` reads it back)."""
    return f"{month:%Y-%m}\x1f{activity.strip()}"


def _activities(audits: list[m.RegisteredAudit]) -> dict[tuple[dt.date, str], list[m.RegisteredAudit]]:
    """The audits of each activity of the programme (not the control sample) in each month, for those with an
    audit returned; oldest month first."""
    out: dict[tuple[dt.date, str], list[m.RegisteredAudit]] = {}
    for a in audits:
        if a.activity.strip() and a.month is not None:
            out.setdefault((a.month, a.activity.strip()), []).append(a)
    return {k: v for k, v in sorted(out.items(), key=lambda kv: (kv[0][0], kv[0][1].casefold()))
            if any(a.returns for a in v)}


def _thematic(audits: list[m.RegisteredAudit]) -> bool:
    return any(a.activity_type == cycle.THEMATIC_AUDIT for a in audits)


def _day(value) -> dt.date | None:
    return parse_date(value)


def _month(value) -> dt.date | None:
    if value in (None, ""):
        return None
    month, _problem = parse_month_cell(value)
    return month


def review_of(activity: str, month: dt.date, cells: dict) -> cycle.ActivityReview:
    """A thematic audit's review from its row's cells (people's entries)."""
    return cycle.activity_review(activity, month, agreed_on=_day(cells.get("Agreed on")),
                                 held_on=_day(cells.get("Review held on")),
                                 progressed=str(cells.get("Practice progressed") or ""),
                                 re_audit_in=_month(cells.get("Re-audit in")))


def rows(given) -> list[tuple[str, dict]]:
    """The sheet's rows (`consolidate.more_sheets.SheetInput` in): the columns auditdocs fills."""
    typed = given.register.tracker_columns(SHEET)
    out = []
    for (month, activity), audits in _activities(given.audits).items():
        key = row_key(month, activity)
        leads = sorted({a.auditor for a in audits if a.auditor}, key=str.casefold)
        others = sorted({n for a in audits for n in a.group if n} - set(leads), key=str.casefold)
        types = sorted({a.activity_type for a in audits if a.activity_type})
        due = review_of(activity, month, typed.get(key, {})).due if _thematic(audits) else None
        out.append((key, {"Month": f"{month:%Y-%m}", "Activity": activity, "Type": ", ".join(types),
                          "Audits": len(audits), "Returned": sum(1 for a in audits if a.returns),
                          "Lead auditors": ", ".join(leads), "Others in the group": ", ".join(others),
                          "Review due": due}))
    return out


def key_messages(cells: dict[str, dict], month: dt.date, activity: str) -> KeyMessages:
    """What the group typed for the activity in its month (`cells`: `Register.tracker_columns(SHEET)`)."""
    typed = cells.get(row_key(month, activity), {})

    def text(heading: str) -> str:
        value = typed.get(heading)
        return "" if value is None else str(value).strip()

    return KeyMessages(text("Key messages"), text("Recommendations"), text("Agreed by"), _day(typed.get("Agreed on")))


def review(audits: list[m.RegisteredAudit], cells: dict[str, dict], month: dt.date,
           activity: str) -> cycle.ActivityReview | None:
    """The six-month review of the activity in its month (None: not a thematic audit)."""
    chosen = [a for a in audits if a.activity.strip() == activity.strip() and a.month == month]
    if not _thematic(chosen):
        return None
    return review_of(activity, month, cells.get(row_key(month, activity), {}))


def reviews(audits: list[m.RegisteredAudit], cells: dict[str, dict]) -> list[cycle.ActivityReview]:
    """Every thematic audit's six-month review (those with audits returned), soonest due first."""
    found = [review_of(activity, month, cells.get(row_key(month, activity), {}))
             for (month, activity), chosen in _activities(audits).items() if _thematic(chosen)]
    return sorted(found, key=lambda r: (r.due, r.activity.casefold()))
