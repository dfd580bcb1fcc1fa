"""The tracker's Key messages sheet (`tracker.rows.KEY_MESSAGES`): a row per activity of the programme with audits
returned, by month and activity, where the group types its key messages and recommendations (seed 003, 4.13)
and, for a thematic audit, the QA officer records its six-month review and any re-audit it led to.

`rows` is the sheet's maker (`consolidate.more_sheets.MAKERS`); what people typed comes back through
`Register.tracker_columns("Key messages")`, read by `key_messages` (for the summary report) and by
`tracker.key_messages` (the reviews, for status, chase and `programme show`).
"""
from __future__ import annotations

import datetime as dt

from ..domain.dates import parse_date
from ..tracker.key_messages import (
    SHEET,
    activities,
    review,
    review_of,
    reviews,
    row_key,
    thematic,
)
from .summary import KeyMessages

__all__ = ["SHEET", "key_messages", "review", "reviews", "rows"]


def rows(given) -> list[tuple[str, dict]]:
    """The sheet's rows (`consolidate.more_sheets.SheetInput` in): the columns auditdocs fills."""
    typed = given.register.tracker_columns(SHEET)
    out = []
    for (month, activity), audits in activities(given.audits).items():
        key = row_key(month, activity)
        leads = sorted({a.auditor for a in audits if a.auditor}, key=str.casefold)
        others = sorted({n for a in audits for n in a.group if n} - set(leads), key=str.casefold)
        types = sorted({a.activity_type for a in audits if a.activity_type})
        due = review_of(activity, month, typed.get(key, {})).due if thematic(audits) else None
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

    return KeyMessages(text("Key messages"), text("Recommendations"), text("Agreed by"),
                       parse_date(typed.get("Agreed on")))
