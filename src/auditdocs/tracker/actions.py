"""Stable action ids: an action keeps its id, and managers' columns stay with it, across re-runs.

How an action of a re-read form is matched with the tracker's actions of the same audit:
1. same action table (form ref) and the same action text (case, spaces and a final
   full stop ignored; the next steps when there is no action text) - so a re-submitted
   form whose rows were completed or reordered keeps every id;
2. the rest: same table and the same row on the form, if that tracker row is still on
   the form and `same_action` says the new wording is the same action (a slip corrected,
   a detail added) - so an action whose wording was corrected keeps its id;
3. the rest: the one action of the same table that `same_action` calls the same (reworded
   and moved).
Nothing else is matched: an action that cannot be matched gets a new id, and a tracker
action that no longer matches is kept and marked "Removed from form". Managers' notes
and sign-offs therefore never move to a different action. When the tool cannot tell
whether a row's new wording is the same action (`same_action` is unsure), it keeps both
and says so (`ActionCounts.unsure`, listed on the Exceptions sheet). A new id is one more
than the audit's highest id in the tracker, so no two actions in the tracker share an id.

Rows the tool did not make (no action id, or an id that is not the audit id + "-A<n>",
or a second copy of an id) belong to managers and are kept exactly as they are.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from difflib import SequenceMatcher

from .rows import ACTIONS, REMOVED
from .sheets import refreshed, text_of

GENERATED = [c.header for c in ACTIONS.columns if not c.manager]


@dataclass
class ActionCounts:
    new: int = 0
    removed: int = 0  # newly marked removed from the form in this run
    #: (old action, its row after this run, the new action's row) where the tool could not tell
    #: whether a row's new wording is the same action: both are kept.
    unsure: list[tuple[dict, dict, dict]] = dc_field(default_factory=list)


SAME, UNSURE, DIFFERENT = "same", "unsure", "different"
#: Characters alike (difflib's ratio) for a new wording to be the old one with slips corrected.
SLIPS_CORRECTED = 0.9
#: Below both of these a new wording is a different action; between, the tool cannot tell.
UNSURE_CHARACTERS = 0.6
UNSURE_WORDS = 0.5  # words that carry meaning, shared (of all the words of both wordings)
#: Words that carry no meaning of their own in an action, left out when wordings are compared.
FILLER_WORDS = frozenset("a an the to of for and or in on at by with from as is are be been will should must "
                         "please their his her them they it its this that these those who which".split())
SIGNED_OFF = ("Completed on", "Signed off by", "Signed off on")


def same_action(old: dict, new: dict) -> str:
    """Is a row's new wording the same action as the old one: SAME, UNSURE or DIFFERENT?

    - SAME: the same words but for case, spacing and punctuation, or slips corrected (at least
      SLIPS_CORRECTED of the characters alike); or one wording holds every meaningful word of
      the other (a detail added or taken out), unless the old action is done or signed off,
      when a manager's sign-off must not move to words they did not sign off: then UNSURE.
    - UNSURE: alike, but not enough to tell: at least UNSURE_WORDS of the meaningful words
      shared, or UNSURE_CHARACTERS of the characters alike.
    - DIFFERENT: otherwise.
    """
    a, b = _wording(old), _wording(new)
    if a == b:
        return SAME
    if SequenceMatcher(None, a, b).ratio() >= SLIPS_CORRECTED:
        return SAME
    words_a, words_b = _meaningful(a), _meaningful(b)
    if words_a and words_b and (words_a <= words_b or words_b <= words_a):
        return UNSURE if is_signed_off(old) else SAME
    shared = len(words_a & words_b) / max(len(words_a | words_b), 1)
    if shared >= UNSURE_WORDS or SequenceMatcher(None, a, b).ratio() >= UNSURE_CHARACTERS:
        return UNSURE
    return DIFFERENT


def is_signed_off(row: dict) -> bool:
    """A manager has marked the action done, or signed it off."""
    return text_of(row.get("Status")).casefold() == "done" or any(text_of(row.get(h)) for h in SIGNED_OFF)


def _wording(row: dict) -> str:
    text = text_of(row.get("Action")) or text_of(row.get("Next steps"))
    return " ".join(re.sub(r"[^\w\s]", " ", text.replace("'s ", " ")).casefold().split())


def _meaningful(wording: str) -> frozenset[str]:
    return frozenset(w for w in wording.split() if w not in FILLER_WORDS)


def action_id(audit: str, n: int) -> str:
    return f"{audit}-A{n}"


def number_of(row: dict) -> int | None:
    """n of our id '<audit id>-A<n>', or None for a row we did not make."""
    audit = text_of(row.get("Audit id"))
    m = re.fullmatch(re.escape(audit) + r"-A(\d+)", text_of(row.get("Action id"))) if audit else None
    return int(m[1]) if m else None


def _key(row: dict) -> tuple[str, str]:
    text = text_of(row.get("Action")) or text_of(row.get("Next steps"))
    return text_of(row.get("Form ref")), " ".join(text.split()).casefold().rstrip(".")


def _place(row: dict) -> tuple[str, str]:
    return text_of(row.get("Form ref")), text_of(row.get("Form row"))


def match(old: list[dict], new: list[dict]) -> tuple[list[dict | None], list[tuple[dict, dict]]]:
    """For each new action, the tracker row it continues (or None); and the (old, new) pairs
    in the same row that `same_action` could not tell apart, both left unmatched. See the
    module docstring."""
    free = list(old)
    found: list[dict | None] = [None] * len(new)

    def take(i: int, hit: dict) -> None:
        found[i] = hit
        free.remove(hit)

    for i, row in enumerate(new):
        hit = next((o for o in free if _key(o) == _key(row)), None)
        if hit is not None:
            take(i, hit)
    unsure = []
    for i, row in enumerate(new):
        if found[i] is None:
            hit = next((o for o in free if _place(o) == _place(row) and text_of(o.get("On form")) != REMOVED), None)
            verdict = same_action(hit, row) if hit is not None else DIFFERENT
            if verdict == SAME:
                take(i, hit)
            elif verdict == UNSURE:
                unsure.append((hit, i))
    for i, row in enumerate(new):
        if found[i] is None:
            same = [o for o in free if _place(o)[0] == _place(row)[0] and same_action(o, row) == SAME]
            if len(same) == 1:
                take(i, same[0])
    still_free = {id(o) for o in free}
    return found, [(o, new[i]) for o, i in unsure if id(o) in still_free and found[i] is None]


def merge(old_rows: list[dict], new_by_audit: dict[str, list[dict]]) -> tuple[list[dict], ActionCounts]:
    """The Actions rows after this run, in the tracker's order; new actions after their audit's last row.

    `new_by_audit`: for each audit (re)read in this run, its actions in form order.
    """
    counts = ActionCounts()
    ours: dict[str, list[dict]] = {}
    seen_ids: set[str] = set()
    for row in old_rows:
        aid, n = text_of(row.get("Audit id")), number_of(row)
        if n is not None and text_of(row.get("Action id")) not in seen_ids:
            seen_ids.add(text_of(row.get("Action id")))
            ours.setdefault(aid, []).append(row)

    replacement: dict[int, dict] = {}  # id(old row) -> its row after this run
    added: dict[str, list[dict]] = {}
    for aid, new_rows in new_by_audit.items():
        olds = ours.get(aid, [])
        next_n = max((number_of(o) for o in olds), default=0) + 1
        found, unsure = match(olds, new_rows)
        made: dict[int, dict] = {}  # id(new row) -> the row added for it
        for row, old in zip(new_rows, found):
            if old is None:
                made[id(row)] = {**row, "Action id": action_id(aid, next_n), "Status": "Open"}
                added.setdefault(aid, []).append(made[id(row)])
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
        counts.unsure += [(o, replacement.get(id(o), o), made[id(row)]) for o, row in unsure]

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
    return text_of(row.get("Status")).casefold() not in ("done", "no longer needed")
