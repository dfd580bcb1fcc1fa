"""Stable action ids: an action keeps its id, and managers' columns stay with it, across re-runs.

How an action of a re-read form is matched with the tracker's actions of the same audit:
1. same action table (form ref) and the same action text (case, spaces and a final
   full stop ignored; the next steps when there is no action text) - so a re-submitted
   form whose rows were completed or reordered keeps every id;
2. the rest: same table and the same row on the form, if that tracker row is still on
   the form - so an action whose wording was corrected keeps its id.
Nothing else is matched: an action that cannot be matched gets a new id, and a tracker
action that no longer matches is kept and marked "Removed from form". Managers' notes
therefore never move to a different action. A new id is one more than the audit's highest
id in the tracker, so no two actions in the tracker share an id.

Rows the tool did not make (no action id, or an id that is not the audit id + "-A<n>",
or a second copy of an id) belong to managers and are kept exactly as they are.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .rows import ACTIONS, REMOVED
from .sheets import refreshed, text_of

GENERATED = [c.header for c in ACTIONS.columns if not c.manager]


@dataclass
class ActionCounts:
    new: int = 0
    removed: int = 0  # newly marked removed from the form in this run


def action_id(audit: str, n: int) -> str:
    return f"{audit}-A{n}"


def _number(row: dict) -> int | None:
    """n of our id '<audit id>-A<n>', or None for a row we did not make."""
    audit = text_of(row.get("Audit id"))
    m = re.fullmatch(re.escape(audit) + r"-A(\d+)", text_of(row.get("Action id"))) if audit else None
    return int(m[1]) if m else None


def _key(row: dict) -> tuple[str, str]:
    text = text_of(row.get("Action")) or text_of(row.get("Next steps"))
    return text_of(row.get("Form ref")), " ".join(text.split()).casefold().rstrip(".")


def _place(row: dict) -> tuple[str, str]:
    return text_of(row.get("Form ref")), text_of(row.get("Form row"))


def match(old: list[dict], new: list[dict]) -> list[dict | None]:
    """For each new action, the tracker row it continues (or None). See the module docstring."""
    free = list(old)
    found: list[dict | None] = [None] * len(new)
    for i, row in enumerate(new):
        hit = next((o for o in free if _key(o) == _key(row)), None)
        if hit is not None:
            found[i] = hit
            free.remove(hit)
    for i, row in enumerate(new):
        if found[i] is None:
            hit = next((o for o in free if _place(o) == _place(row) and text_of(o.get("On form")) != REMOVED), None)
            if hit is not None:
                found[i] = hit
                free.remove(hit)
    return found


def merge(old_rows: list[dict], new_by_audit: dict[str, list[dict]]) -> tuple[list[dict], ActionCounts]:
    """The Actions rows after this run, in the tracker's order; new actions after their audit's last row.

    `new_by_audit`: for each audit (re)read in this run, its actions in form order.
    """
    counts = ActionCounts()
    ours: dict[str, list[dict]] = {}
    seen_ids: set[str] = set()
    for row in old_rows:
        aid, n = text_of(row.get("Audit id")), _number(row)
        if n is not None and text_of(row.get("Action id")) not in seen_ids:
            seen_ids.add(text_of(row.get("Action id")))
            ours.setdefault(aid, []).append(row)

    replacement: dict[int, dict] = {}  # id(old row) -> its row after this run
    added: dict[str, list[dict]] = {}
    for aid, new_rows in new_by_audit.items():
        olds = ours.get(aid, [])
        next_n = max((_number(o) for o in olds), default=0) + 1
        found = match(olds, new_rows)
        for row, old in zip(new_rows, found):
            if old is None:
                added.setdefault(aid, []).append({**row, "Action id": action_id(aid, next_n), "Status": "Open"})
                next_n += 1
                counts.new += 1
            else:
                kept = {h: v for h, v in old.items() if h not in GENERATED}
                row = refreshed(old, row, GENERATED, keep_style=True)
                replacement[id(old)] = {**kept, **row, "Action id": old["Action id"]}
        matched = {id(o) for o in found if o is not None}
        for o in olds:
            if id(o) not in matched and text_of(o.get("On form")) != REMOVED:
                replacement[id(o)] = {**o, **refreshed(o, {"On form": REMOVED}, ["On form"], keep_style=True)}
                counts.removed += 1

    ours_ids = {id(o) for rows in ours.values() for o in rows}
    last_of = {text_of(row.get("Audit id")): i for i, row in enumerate(old_rows) if id(row) in ours_ids}
    out: list[dict] = []
    for i, row in enumerate(old_rows):
        out.append(replacement.get(id(row), row))
        aid = text_of(row.get("Audit id"))
        if last_of.get(aid) == i:
            out += added.pop(aid, [])
    for rows in added.values():
        out += rows
    return out, counts


def is_open(row: dict) -> bool:
    return text_of(row.get("Status")) not in ("Done", "No longer needed")
