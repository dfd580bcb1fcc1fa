"""The check that actions marked done really were done (framework, Appendix E: "randomly sample ten cases per month
to provide assurance that recommendations are being completed"): the pure part.

- `draw`: a month's sample of audits with an action the team manager marked done (Status Done, as the register
  holds it from the tracker's Actions sheet), reproducible (the same audits and seed draw the same sample), spread
  over the teams (one audit of each team in turn, then the rest), none drawn in an earlier month unless there are
  not enough others.
- A draw is recorded as an `action_check_drawn` event on each audit drawn (details: the month, the seed and the
  ids of the actions to check); `drawn` reads them back.
- `sheet_rows`: the tracker's Action checks sheet, a row per drawn action (keyed by action id and check month),
  where the QA officer says whether it was done (Confirmed: Yes / No / Partly), when, by whom, and what was seen.
- `checks` and `counts`: where each drawn action's check stands, by team.
"""
from __future__ import annotations

import calendar
import datetime as dt
import random
from dataclasses import dataclass
from dataclasses import field as dc_field

from ..domain import model as m
from ..tracker import rows as r

DRAWN = "action_check_drawn"
SIZE = 10  # audits a month (Appendix E)
#: The statuses a team manager gives an action that is done (the tracker's list says Done; typed ones too).
DONE = ("done", "completed", "complete")
SHEET = r.ACTION_CHECKS
#: What the QA officer chooses in the Confirmed column (the sheet offers them as a list).
ANSWERS = SHEET.col("Confirmed").choices
YES, NO, PARTLY = ANSWERS
_ANSWER_OF = {"yes": YES, "y": YES, "no": NO, "n": NO, "partly": PARTLY, "partially": PARTLY, "part": PARTLY}


def month_key(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def month_label(key: str) -> str:
    return f"{dt.date(int(key[:4]), int(key[5:7]), 1):%B %Y}"


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def is_done(action: m.TrackedAction) -> bool:
    return action.status.strip().casefold() in DONE


def done_actions(audit: m.RegisteredAudit, by: dt.date | None = None) -> list[m.TrackedAction]:
    """The audit's actions (still on its form) its team manager marked done (by the day `by`, when the day is
    known)."""
    return [a for a in audit.actions
            if a.on_form and is_done(a) and (by is None or a.done_on is None or a.done_on <= by)]


def subject_of(audit: m.RegisteredAudit) -> dict:
    """Who and what the audit is about: as its form says when returned, else as allocated."""
    current = audit.current
    record = current.record if current is not None else None
    return record.subject if record is not None and record.subject else audit.subject


def team_of(audit: m.RegisteredAudit) -> str:
    return (subject_of(audit).get("team") or "").strip()


# ---- the draw ----------------------------------------------------------------------------------------


@dataclass
class Drawn:
    """An audit drawn for a month's check, as the register records it."""

    audit: m.RegisteredAudit
    month: str  # YYYY-MM
    seed: int
    actions: list[str]  # the ids of the actions to check (those marked done when it was drawn)
    event: m.Event | None = None


def drawn(audits: list[m.RegisteredAudit]) -> dict[str, list[Drawn]]:
    """Every check's sample the register holds: month (YYYY-MM) -> the audits drawn, in the order drawn."""
    out: dict[str, list[Drawn]] = {}
    for audit in audits:
        for e in audit.events_of(DRAWN):
            month = str(e.details.get("month") or "")
            if month:
                out.setdefault(month, []).append(Drawn(audit, month, int(e.details.get("seed") or 0),
                                                       [str(a) for a in e.details.get("actions") or []], e))
    for sample in out.values():
        sample.sort(key=lambda d: (int(d.event.details.get("order") or 0), d.audit.audit_id))
    return dict(sorted(out.items()))


@dataclass
class Draw:
    """A month's sample, drawn now (not yet recorded)."""

    month: dt.date
    seed: int
    size: int
    eligible: int  # audits with an action marked done by the month's end
    picked: list[Drawn] = dc_field(default_factory=list)
    again: list[str] = dc_field(default_factory=list)  # audits drawn in an earlier month too (not enough others)

    def events(self, today: dt.date) -> list[m.Event]:
        return [m.Event(DRAWN, today, d.audit.audit_id, details={
            "month": d.month, "seed": self.seed, "order": n, "actions": d.actions})
            for n, d in enumerate(self.picked, start=1)]


def draw(audits: list[m.RegisteredAudit], month: dt.date, *, seed: int = 0, size: int = SIZE) -> Draw:
    """Draw `size` audits with an action marked done by the end of `month`: one of each team in turn (the
    teams and each team's audits in an order the seed decides), then the rest; audits drawn for another month
    only when there are not enough others. The same audits and seed draw the same sample."""
    key, end = month_key(month), month_end(month)
    before = {d.audit.audit_id for other, sample in drawn(audits).items() if other != key for d in sample}
    eligible = sorted((a for a in audits if done_actions(a, end)), key=lambda a: a.audit_id)
    rng = random.Random(f"{seed}:{key}:action checks")
    fresh = _round_robin([a for a in eligible if a.audit_id not in before], size, rng)
    again = _round_robin([a for a in eligible if a.audit_id in before], size - len(fresh), rng)
    return Draw(month, seed, size, len(eligible),
                [Drawn(a, key, seed, [x.action_id for x in done_actions(a, end)]) for a in fresh + again],
                [a.audit_id for a in again])


def _round_robin(audits: list[m.RegisteredAudit], n: int, rng: random.Random) -> list[m.RegisteredAudit]:
    """Up to `n` audits, one of each team in turn."""
    if n <= 0 or not audits:
        return []
    teams: dict[str, list[m.RegisteredAudit]] = {}
    for a in audits:
        teams.setdefault(team_of(a).casefold(), []).append(a)
    order = sorted(teams)
    rng.shuffle(order)
    for name in order:
        rng.shuffle(teams[name])
    out: list[m.RegisteredAudit] = []
    while len(out) < n and any(teams.values()):
        for name in order:
            if teams[name] and len(out) < n:
                out.append(teams[name].pop(0))
    return out


# ---- the QA officer's checks --------------------------------------------------------------------------


def answer_of(value) -> str:
    """Yes, No or Partly from what was typed in the Confirmed cell ('' when nothing, or not one of them)."""
    return _ANSWER_OF.get(str(value or "").strip().casefold().rstrip("."), "")


@dataclass
class Check:
    """One drawn action and where its check stands."""

    month: str
    audit: m.RegisteredAudit
    action_id: str
    action: m.TrackedAction | None
    typed: dict  # the QA officer's cells of its row, as the register holds them

    @property
    def key(self) -> str:
        """Its row's key on the Action checks sheet (as the tracker reads the sheet's rows)."""
        return r.row_key(SHEET, {"Action id": self.action_id, "Check month": self.month,
                                 "Audit id": self.audit.audit_id})

    @property
    def typed_answer(self) -> str:
        value = self.typed.get("Confirmed")
        return "" if value is None else str(value).strip()

    @property
    def answer(self) -> str:
        return answer_of(self.typed_answer)

    @property
    def team(self) -> str:
        return team_of(self.audit)

    @property
    def follow_up(self) -> str | None:
        """What the Follow-up cell says: what to do about an action not (or not wholly) done, or an answer that
        is not on the list."""
        if self.answer == NO:
            return ("Not confirmed: the action was marked done, but the check found it was not. Ask the team manager "
                    "to reopen it (Status on the Actions sheet) and agree a new date.")
        if self.answer == PARTLY:
            return ("Partly done: agree with the team manager what is left, and reopen the action (Status on the "
                    "Actions sheet).")
        if self.typed_answer and not self.answer:
            return f"'{self.typed_answer}' is not {', '.join(ANSWERS[:-1])} or {ANSWERS[-1]}: choose from the list."
        return None


def checks(audits: list[m.RegisteredAudit], cells: dict[str, dict]) -> list[Check]:
    """Every drawn action with the QA officer's entries (`cells`: the register's cells of the Action checks
    sheet), by month, in the order drawn."""
    out = []
    for month, sample in drawn(audits).items():
        for d in sample:
            actions = {a.action_id: a for a in d.audit.actions}
            for action_id in d.actions:
                check = Check(month, d.audit, action_id, actions.get(action_id), {})
                check.typed = cells.get(check.key, {})
                out.append(check)
    return out


def sheet_rows(given) -> list[tuple[str, dict]]:
    """The Action checks sheet's rows (`consolidate.more_sheets` maker): a row per drawn action, showing the
    audit, the case, the team, the action, who marked it done and when, and what to do about one not done."""
    out = []
    for c in checks(given.audits, given.register.tracker_columns(SHEET.name)):
        s, a = subject_of(c.audit), c.action
        row = {"Check month": c.month, "Action id": c.action_id, "Audit id": c.audit.audit_id,
               "Case number": s.get("case_number") or None, "Team": s.get("team") or None,
               "Activity": m.activity_name(c.audit), "Team manager": s.get("team_manager") or None,
               "Action": a.text if a is not None else None, "Status": a.status if a is not None else None,
               "Completed on": a.done_on if a is not None else None,
               "Signed off by": (a.signed_off_by or None) if a is not None else None,
               "Signed off on": a.signed_off_on if a is not None else None, "Follow-up": c.follow_up}
        out.append((c.key, row))
    return out


def exception_rows(given) -> list[dict]:
    """The Exceptions sheet's rows (`consolidate.more_sheets` entries, worked out again on every run): each drawn
    action the check found not done, or only partly, while it is still marked done."""
    out = []
    for c in checks(given.audits, given.register.tracker_columns(SHEET.name)):
        if c.answer not in (NO, PARTLY) or c.action is None or not is_done(c.action):
            continue
        found = "not done" if c.answer == NO else "only partly done"
        out.append(r.exception_row(
            given.today, None, c.audit.audit_id, subject_of(c.audit), r.TRACKER_ENTRY,
            f"Action checks sheet, action {c.action_id} ({month_label(c.month)} check): marked done, but the check "
            f"found it {found}.",
            "Ask the team manager to reopen the action (its Status on the Actions sheet) and agree a new date."))
    return out


# ---- counts -------------------------------------------------------------------------------------------


@dataclass
class CheckCounts:
    """Drawn actions of a team (or all teams) and where their checks stand."""

    name: str
    audits: int = 0
    drawn: int = 0  # actions
    confirmed: int = 0
    partly: int = 0
    not_confirmed: int = 0
    not_checked: int = 0

    @property
    def checked(self) -> int:
        return self.confirmed + self.partly + self.not_confirmed

    def line(self) -> str:
        """'N actions checked, M not confirmed' (and partly done, not yet checked)."""
        parts = [f"{self.checked} action{'s' * (self.checked != 1)} checked",
                 f"{self.not_confirmed} not confirmed"]
        if self.partly:
            parts.append(f"{self.partly} partly done")
        if self.not_checked:
            parts.append(f"{self.not_checked} not yet checked")
        return ", ".join(parts)


def counts(found: list[Check], first: str = "", last: str = "") -> tuple[list[CheckCounts], CheckCounts]:
    """The checks of the months `first`..`last` (YYYY-MM; all when not given), by team (by name), and in all."""
    teams: dict[str, CheckCounts] = {}
    total = CheckCounts("All teams")
    audits: dict[int, set[tuple[str, str]]] = {}
    for c in found:
        if (first and c.month < first) or (last and c.month > last):
            continue
        name = c.team or "(no team)"
        for counted in (teams.setdefault(name, CheckCounts(name)), total):
            counted.drawn += 1
            field = {YES: "confirmed", PARTLY: "partly", NO: "not_confirmed"}.get(c.answer, "not_checked")
            setattr(counted, field, getattr(counted, field) + 1)
            audits.setdefault(id(counted), set()).add((c.month, c.audit.audit_id))
    for counted in [*teams.values(), total]:
        counted.audits = len(audits.get(id(counted), ()))
    return sorted(teams.values(), key=lambda t: t.name.casefold()), total

