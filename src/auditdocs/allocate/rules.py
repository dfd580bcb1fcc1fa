"""The framework's rules for allocating audits (seed 003, Appendix A), each a small named function.

The solver builds its model from these functions and `--check` checks a list with them, so the
two can never disagree.

Hard (never broken by an allocation auditdocs makes; `--check` lists every breach):

- `own_team`: no auditor audits a case of their own team, nor one they are the social worker or
  team manager of (setting `own = "service"`: nor one of their own service);
- `on_break`: nobody is given an audit in a month of an agreed audit break;
- `exempted`: an auditor exempted from a case (in the register, or named in the auditors list)
  is never given it again;
- `audited_last_time`: nobody audits the same child twice running (except a re-audit, which goes
  to the auditor of the Inadequate audit when the settings say so);
- `audits_left` / `over_the_year`: at most `audits_per_year` (10) audits per auditor per audit year;
- `break_decision` / `break_cap`: at most `break_percent` (20%) of auditors on a break in a month;
  requests beyond it, in the order they arrived, are the ones to move.

Soft (kept where possible; what could not be kept is said, with what to do):

- `role_for_form`: forms matched to the auditor's role where the settings say so;
- `re_audit_elsewhere`: a re-audit by the auditor of the Inadequate audit;
- `uneven_load`: an even load across the year (those with most audits left first);
- `team_spread`: a team's cases spread over several auditors.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from dataclasses import field as dc_field
from functools import cached_property

from ..domain import model as m
from ..domain.cycle import audit_year_months
from ..domain.dates import add_months, last_day_of_month, uk
from .history import History
from .settings import AllocationSettings, name_key


@dataclass(frozen=True)
class Breach:
    """A rule not kept: what is wrong and what to do, for a row of the list (0: the whole month)."""

    rule: str  # the rule's function name
    what: str
    todo: str
    row: int = 0
    hard: bool = True

    def __str__(self) -> str:
        where = f"row {self.row}: " if self.row else ""
        return f"{where}{self.what} {self.todo}"


@dataclass(frozen=True)
class BreakDecision:
    """Who is on an audit break in the month: the requests within the limit, in the order they arrived."""

    month: dt.date
    limit: int  # how many auditors may be on a break
    auditors: int  # how many auditors there are
    granted: tuple[m.Auditor, ...] = ()
    over: tuple[m.Auditor, ...] = ()  # asked beyond the limit, in the order they asked: to be asked to move

    def on_break(self, auditor: m.Auditor) -> bool:
        return name_key(auditor.name) in self._granted

    @cached_property
    def _granted(self) -> frozenset[str]:
        return frozenset(name_key(a.name) for a in self.granted)


@dataclass
class Facts:
    """What the rules look at for one month."""

    month: dt.date
    settings: AllocationSettings
    history: History
    breaks: BreakDecision
    auditors: dict[str, m.Auditor] = dc_field(default_factory=dict)  # by name_key(name)
    originals: dict[str, m.RegisteredAudit] = dc_field(default_factory=dict)  # Inadequate audits to re-audit

    def auditor(self, name: str) -> m.Auditor | None:
        return self.auditors.get(name_key(name))


def month_name(month: dt.date) -> str:
    return month.strftime("%B %Y")


def requested(auditor: m.Auditor, month: dt.date) -> m.BreakRequest | None:
    return next((b for b in auditor.breaks if b.month == month), None)


# ---- hard rules, for one case and one auditor -------------------------------------------------------


def own_team(case: m.Case, auditor: m.Auditor, facts: Facts) -> Breach | None:
    for field, who in (("social_worker", "social worker"), ("team_manager", "team manager")):
        if name_key(case.subject.get(field, "")) == name_key(auditor.name):
            return Breach("own_team", f"{auditor.name} is the case's {who}.",
                          "Give it to an auditor from another team.")
    if name_key(auditor.team) == name_key(case.team):
        return Breach("own_team", f"{auditor.name} is in {case.team}, the case's own team.",
                      "Give it to an auditor from another team.")
    if (facts.settings.own == "service" and case.service and auditor.service
            and name_key(auditor.service) == name_key(case.service)):
        return Breach("own_team", f"{auditor.name} is in {case.service}, the case's own service (the settings "
                                  "say nobody audits their own service).",
                      "Give it to an auditor from another service.")
    return None


def on_break(case: m.Case, auditor: m.Auditor, facts: Facts) -> Breach | None:
    if facts.breaks.on_break(auditor):
        return Breach("on_break", f"{auditor.name} has an audit break in {month_name(facts.month)}.",
                      "Give it to an auditor who is not on a break.")
    return None


def exempted(case: m.Case, auditor: m.Auditor, facts: Facts) -> Breach | None:
    if (name_key(auditor.name), case.case_number) in facts.history.exempted:
        return Breach("exempted", f"{auditor.name} was exempted from auditing case {case.case_number} before.",
                      "Give it to another auditor: an exemption is never repeated.")
    if case.case_number in auditor.exempt_cases:
        return Breach("exempted", f"the auditors list says {auditor.name} must not audit case {case.case_number}.",
                      "Give it to another auditor.")
    return None


def audited_last_time(case: m.Case, auditor: m.Auditor, facts: Facts) -> Breach | None:
    last = facts.history.last.get(case.case_number)
    if last is None or name_key(last.auditor) != name_key(auditor.name):
        return None
    if re_audit_by(case, facts) == name_key(auditor.name):
        return None  # the re-audit of their own Inadequate audit
    when = f" in {month_name(last.month)}" if last.month else ""
    return Breach("audited_last_time",
                  f"{auditor.name} audited case {case.case_number} last time ({last.audit_id}{when}).",
                  "Give it to someone else: nobody audits the same child twice running.")


def re_audit_by(case: m.Case, facts: Facts) -> str | None:
    """Whom (by `name_key`) a re-audit should go to: the auditor of the Inadequate audit, when the settings say so."""
    original = facts.originals.get(case.re_audit_of)
    return name_key(original.auditor) if original is not None and facts.settings.re_audit_same_auditor else None


#: The hard rules for a case and an auditor: the solver gives no case to an auditor any of these stops.
PAIR_RULES = (own_team, on_break, exempted, audited_last_time)


def pair_breaches(case: m.Case, auditor: m.Auditor, facts: Facts) -> list[Breach]:
    return [b for rule in PAIR_RULES if (b := rule(case, auditor, facts))]


# ---- hard rules, for an auditor's year and for the month ---------------------------------------------


def re_audit_now(due: dt.date, month: dt.date) -> bool:
    """Whether a re-audit due by `due` is allocated in `month`: the last month that still ends by the
    deadline (so there is time to act on the recommendations), or now when waiting would be too late."""
    return last_day_of_month(add_months(month, 1)) > due


def re_audit_due(due: dt.date, month: dt.date) -> dt.date:
    """The due date of a re-audit allocated in `month`: its deadline, or the month's end when that is sooner
    (or the deadline has already passed)."""
    end = last_day_of_month(month)
    return due if month <= due < end else end


def audits_left(auditor: m.Auditor, facts: Facts) -> int:
    """How many audits the auditor may still be given this audit year (the solver's capacity)."""
    return max(0, facts.settings.audits_per_year - facts.history.done_by(auditor.name))


def over_the_year(auditor: m.Auditor, nth_this_month: int, facts: Facts) -> Breach | None:
    """Whether the auditor's `nth_this_month` audit of this list takes them over the year's limit."""
    if nth_this_month <= audits_left(auditor, facts):
        return None
    limit, done = facts.settings.audits_per_year, facts.history.done_by(auditor.name)
    first, last = audit_year_months(facts.history.year, facts.settings.year_start)
    return Breach("over_the_year", f"{auditor.name}'s audit number {done + nth_this_month} of the audit year "
                                   f"{first:%B %Y} to {last:%B %Y} ({done} before this list): at most {limit} a year.",
                  "Give it to an auditor with audits left this year.")


def break_decision(auditors: list[m.Auditor], month: dt.date, settings: AllocationSettings) -> BreakDecision:
    """The month's audit breaks: at most `break_percent` of the auditors, first asked first agreed
    (requests with no date, in the order of the list, after those with one)."""
    asking = sorted((a for a in auditors if requested(a, month)),
                    key=lambda a: (requested(a, month).requested_on or dt.date.max, a.row))
    limit = math.floor(len(auditors) * settings.break_percent / 100 + 1e-9)
    return BreakDecision(month, limit, len(auditors), tuple(asking[:limit]), tuple(asking[limit:]))


def break_cap(decision: BreakDecision, settings: AllocationSettings) -> Breach | None:
    if not decision.over:
        return None

    def asked(a: m.Auditor) -> str:
        on = requested(a, decision.month).requested_on
        return f"{a.name} (asked {uk(on)})" if on else a.name

    kept = (f"First asked, first agreed: {', '.join(asked(a) for a in decision.granted)}." if decision.granted
            else "So none can be agreed.")
    move = ", ".join(asked(a) for a in decision.over)
    many = len(decision.granted) + len(decision.over)
    share = f"{settings.break_percent:g}%"
    return Breach("break_cap", f"{many} auditor{'s' * (many != 1)} asked for an audit break in "
                               f"{month_name(decision.month)}, but at most {decision.limit} of the {decision.auditors} "
                               f"auditors ({share}) may take one. {kept}",
                  f"Ask {move} to move their break to another month, and tell their Head of Service that the limit "
                  "is reached. Until then they are allocated audits as usual.")


# ---- soft rules ---------------------------------------------------------------------------------------------


def role_matches(auditor: m.Auditor, roles: tuple[str, ...]) -> bool:
    mine = name_key(auditor.role)
    return bool(mine) and any(name_key(r) == mine or name_key(r) in mine for r in roles)


def role_for_form(case: m.Case, auditor: m.Auditor, facts: Facts) -> Breach | None:
    roles = facts.settings.role_forms.get(case.form_id)
    if not roles or role_matches(auditor, roles):
        return None
    return Breach("role_for_form", f"the settings ask for a {' or '.join(roles)} for {case.form_id} audits; "
                                   f"{auditor.name} is {auditor.role or 'of a role not given'}.",
                  f"Add auditors of those roles outside {case.team}, or free one of them.", hard=False)


def re_audit_elsewhere(case: m.Case, auditor: m.Auditor, facts: Facts) -> Breach | None:
    wanted = re_audit_by(case, facts)
    if wanted is None or wanted == name_key(auditor.name):
        return None
    original = facts.originals[case.re_audit_of]
    first = facts.auditor(original.auditor)
    if first is None:
        why = "is not on the auditors list"
    elif stops := pair_breaches(case, first, facts):
        why = "cannot: " + " ".join(b.what for b in stops)
    elif audits_left(first, facts) == 0:
        why = f"has no audits left this audit year (at most {facts.settings.audits_per_year})"
    else:
        why = "had no audit to spare for it"
    return Breach("re_audit_elsewhere", f"{original.auditor}, who made the Inadequate audit {original.audit_id}, "
                                        f"{why}.",
                  f"So {auditor.name} re-audits it; if {original.auditor} should, free one of their audits or "
                  "add them to the auditors list, and allocate again.", hard=False)


#: The soft rules for a case and an auditor: the solver avoids what they flag where it can.
SOFT_PAIR_RULES = (role_for_form, re_audit_elsewhere)


def months_left(facts: Facts) -> int:
    """Months of the audit year from this one to its last, this one included."""
    _, last = audit_year_months(facts.history.year, facts.settings.year_start)
    return (last.year - facts.month.year) * 12 + last.month - facts.month.month + 1


def even_pace(auditor: m.Auditor, facts: Facts) -> int:
    """How many audits this month keeps the auditor on an even pace to the end of the audit year."""
    return math.ceil(audits_left(auditor, facts) / months_left(facts))


def uneven_load(loads: list[tuple[m.Auditor, int]], facts: Facts) -> Breach | None:
    """Auditors given more audits this month than an even pace to the end of the audit year."""
    over = [(a, count) for a, count in loads if count > max(even_pace(a, facts), 1)]
    if not over:
        return None
    months = months_left(facts)
    who = ", ".join(f"{a.name} {count} (pace {even_pace(a, facts)})" for a, count in over)
    return Breach("uneven_load", f"{len(over)} auditor{'s have' if len(over) != 1 else ' has'} more audits this "
                                 f"month than an even pace to the end of the audit year ({months} month"
                                 f"{'s' * (months != 1)} left, this one included) would give: {who}.",
                  "Add auditors, or there will be too few audits left for the rest of the year.", hard=False)


def team_spread(team: str, auditor: m.Auditor, count: int, cases: int, auditors_free: int) -> Breach | None:
    """An auditor with more of a team's cases than an even spread over the auditors free for them."""
    fair = math.ceil(cases / max(auditors_free, 1))
    if count <= max(fair, 1):
        return None
    return Breach("team_spread", f"{auditor.name} has {count} of the {cases} cases of {team} (spread over the "
                                 f"{auditors_free} auditors who may audit them, {fair} each would do).",
                  "Spread the team's cases over more auditors.", hard=False)
