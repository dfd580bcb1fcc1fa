"""Planning the month: which cases are audited and which auditor audits each, under the rules.

Pure: the lists and the register's history in, a `Plan` out (nothing is read or written here).

1. Re-audits due (Inadequate audits whose re-audit must be allocated this month) come first,
   by default to the auditor of the Inadequate audit.
2. Then the sample: the rows the QA officer marked, or, when none is marked, the control
   sample drawn from the pool (`sample.draw`).
3. Every case gets an auditor from the solver, which only pairs what the hard rules allow
   and avoids what the soft rules flag; the result is checked with `check.row_breaches`
   before it is returned. When not every case can have an auditor, nothing is allocated
   and the plan says what cannot be met and what to do.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, replace
from dataclasses import field as dc_field

from ..domain import model as m
from ..domain.dates import uk
from . import rules as r
from . import solver
from .check import month_notes, row_breaches, row_notes
from .history import History
from .lists import CaseList, form_values
from .sample import draw
from .settings import AllocationSettings, name_key

#: What not keeping a soft rule costs the solver (an audit more for one auditor than another costs about 2).
SOFT_COSTS = {"role_for_form": 2.0, "re_audit_elsewhere": 100.0}
RE_AUDIT = "Re-audit (Inadequate)"
CONTROL_SAMPLE = "Control sample"


@dataclass
class Allocated:
    case: m.Case  # with its auditor, audit type and due date
    auditor: m.Auditor
    why: str
    unmet: list[r.Breach] = dc_field(default_factory=list)  # soft rules this row does not keep
    activity_type: str = ""  # the programme's activity's type ('' : the control sample; its name: case.activity)
    counts: bool = True  # counts toward the auditor's ten a year
    group: tuple[str, ...] = ()  # the others auditing the case with the auditor (a group audit)


@dataclass
class Plan:
    month: dt.date
    seed: int
    rows: list[Allocated] = dc_field(default_factory=list)
    notes: list[r.Breach] = dc_field(default_factory=list)  # for the whole month
    impossible: list[str] = dc_field(default_factory=list)  # why nothing could be allocated

    @property
    def attention(self) -> list[r.Breach]:
        """What a person must act on (a break to move, a sample short, a late re-audit…)."""
        return [n for n in self.notes if n.hard]


def facts_for(auditors: list[m.Auditor], history: History, settings: AllocationSettings) -> r.Facts:
    return r.Facts(history.month, settings, history, r.break_decision(auditors, history.month, settings),
                   {name_key(a.name): a for a in auditors},
                   {due.original.audit_id: due.original for due in history.re_audits})


def plan_month(pool: CaseList, auditors: list[m.Auditor], history: History, settings: AllocationSettings,
               library, seed: int) -> Plan:
    """The month's plan: its re-audits and sample, each with an auditor, or why that is impossible."""
    facts = facts_for(auditors, history, settings)
    cases, notes, impossible = month_cases(pool, facts, library, seed)
    if impossible:
        return Plan(history.month, seed, notes=notes, impossible=impossible)
    plan = allocate(cases, auditors, facts, seed)
    plan.notes = notes + plan.notes
    return plan


def month_cases(pool: CaseList, facts: r.Facts, library, seed: int) -> tuple[list[m.Case], list[r.Breach], list[str]]:
    """The month's cases (re-audits first), notes on them, and what makes the month impossible."""
    month, settings, history = facts.month, facts.settings, facts.history
    in_pool = {c.case_number: c for c in pool.cases}
    cases, notes = [], []
    impossible = [f"row {p.row} of {pool.path.name} is marked for this month's sample ('{pool.mark_column}'), but "
                  f"cannot be used: {p.message} Put it right, or take the mark off, and allocate again."
                  for p in pool.marked_unusable]
    for due in history.re_audits:
        if not r.re_audit_now(due.due, month):
            continue
        original = due.original
        spec = library.get(original.form_id)
        if spec is None:
            impossible.append(f"the re-audit of case {original.case_number} ({original.audit_id}) needs the form "
                              f"'{original.form_id}', which is not in the form specs: add it back.")
            continue
        found = in_pool.get(original.case_number)  # the pool's details are the newer
        values = form_values(spec, original.subject)
        values.update({k: v for k, v in (found.subject if found else {}).items() if v and k in values})
        values.update(audit_type=RE_AUDIT, due_date=r.re_audit_due(due.due, month).isoformat(), auditor="")
        cases.append(m.Case(found.row if found else 0, original.form_id, values,
                            found.category if found else "", found.service if found else original.service,
                            dict(found.others) if found else {}, re_audit_of=original.audit_id))
        if due.due < month:
            notes.append(r.Breach("re_audit_late", f"the re-audit of case {original.case_number} "
                                                   f"({original.audit_id}) was due by {uk(due.due)}.",
                                  "It is allocated now, due by the end of the month: make sure it is done."))
    re_audited = {c.case_number for c in cases}
    marked = [c for c in pool.cases if c.marked]
    if marked:
        sample = [c for c in marked if c.case_number not in re_audited]
    else:
        sample, short = draw(pool.cases, settings.sample, history.recent | re_audited, seed, settings.recent_months)
        notes += short
    for case in sample:
        values = dict(case.subject)
        if not values.get("audit_type"):
            values["audit_type"] = f"{CONTROL_SAMPLE} – {case.category}" if case.category else CONTROL_SAMPLE
        cases.append(replace(case, subject=values))
    if not cases and not impossible:
        impossible.append(f"there is nothing to allocate for {r.month_name(month)}: no re-audit is due, no row of "
                          f"{pool.path.name} is marked for the sample, and none of its cases may be drawn for the "
                          f"sample ({', '.join(settings.sample) or 'no category'}). Mark the rows to audit, or check "
                          "the cases' categories.")
    return cases, notes, impossible


def allocate(cases: list[m.Case], auditors: list[m.Auditor], facts: r.Facts, seed: int, allowed=None) -> Plan:
    """An auditor for every case, or, when that cannot be done, nothing and why (`Plan.impossible`).
    `allowed(case, auditor)`: whom a case may go to besides the rules (a programme's activity names its auditors)."""
    plan = Plan(facts.month, seed)
    if not auditors:
        plan.impossible.append("the auditors list has no auditor that can be allocated: add auditors.")
        return plan
    problem = _problem(cases, auditors, facts, seed, allowed)
    stuck = solver.bottleneck(problem)
    if stuck is not None:
        plan.impossible = _impossible(stuck, problem, cases, auditors, facts)
        return plan
    chosen = solver.solve(problem)
    given = [replace(case, subject={**case.subject, "auditor": auditors[a].name}) for case, a in zip(cases, chosen)]
    broken = row_breaches(given, facts)
    if broken:
        raise RuntimeError("the allocation breaks a rule: " + "; ".join(map(str, broken)))
    free = Counter(c for c, _ in problem.pairs)
    load = Counter(chosen)
    for i, (case, a) in enumerate(zip(given, chosen)):
        plan.rows.append(Allocated(case, auditors[a], _why(case, auditors[a], facts, load[a], free[i]),
                                   row_notes(case, auditors[a], facts)))
    cap = r.break_cap(facts.breaks, facts.settings)
    plan.notes = ([cap] if cap else []) + month_notes(given, facts)
    return plan


def _problem(cases: list[m.Case], auditors: list[m.Auditor], facts: r.Facts, seed: int,
             allowed=None) -> solver.Problem:
    pairs, costs = [], []
    for c, case in enumerate(cases):
        for a, auditor in enumerate(auditors):
            if (allowed is not None and not allowed(case, auditor)) or r.pair_breaches(case, auditor, facts):
                continue
            pairs.append((c, a))
            costs.append(sum(SOFT_COSTS[rule.__name__] for rule in r.SOFT_PAIR_RULES if rule(case, auditor, facts)))
    teams: dict[str, list[int]] = {}
    for c, case in enumerate(cases):
        teams.setdefault(name_key(case.team), []).append(c)
    return solver.Problem(len(cases), len(auditors), pairs, costs, [r.audits_left(a, facts) for a in auditors],
                          [facts.history.done_by(a.name) for a in auditors], list(teams.values()), seed)


def _why(case: m.Case, auditor: m.Auditor, facts: r.Facts, this_month: int, free: int) -> str:
    settings, history = facts.settings, facts.history
    parts = []
    original = facts.originals.get(case.re_audit_of)
    if original is not None:
        same = name_key(original.auditor) == name_key(auditor.name)
        parts.append(f"Re-audit of {original.audit_id} (Inadequate), due by {uk(case.subject.get('due_date'))}"
                     + (": the auditor of the Inadequate audit, as the settings ask." if same and
                        settings.re_audit_same_auditor else "."))
    where = case.service if settings.own == "service" and case.service else case.team
    parts.append(f"{auditor.name} ({', '.join(p for p in (auditor.role, auditor.team) if p)}) is from outside {where}.")
    parts.append(f"{history.done_by(auditor.name)} of {settings.audits_per_year} audits this audit year before this "
                 f"list, {this_month} in it.")
    roles = settings.role_forms.get(case.form_id)
    if roles and r.role_matches(auditor, roles):
        parts.append(f"Their role suits the form ({' or '.join(roles)}).")
    last = history.last.get(case.case_number)
    if last is not None and original is None:
        parts.append(f"Last audited by {last.auditor}" + (f" in {r.month_name(last.month)}." if last.month else "."))
    parts.append(f"One of {free} auditor{'s' * (free != 1)} the rules allow for this case; chosen to even out the "
                 "load." if free > 1 else "The only auditor the rules allow for this case.")
    return " ".join(parts)


def _impossible(stuck: solver.Bottleneck, problem: solver.Problem, cases: list[m.Case], auditors: list[m.Auditor],
                facts: r.Facts) -> list[str]:
    """What cannot be met, and what to do, when not every case can have an auditor."""
    group = [cases[c] for c in stuck.cases]
    allowed = [auditors[a] for a in stuck.auditors]
    teams = Counter(c.team for c in group)
    teams_text = ", ".join(f"{n} of {t}" for t, n in teams.most_common())
    left = sum(problem.capacity[a] for a in stuck.auditors)
    if allowed:
        who = ", ".join(f"{a.name} ({problem.capacity[i]} left)" for i, a in zip(stuck.auditors, allowed))
        head = (f"{len(group)} case{'s' * (len(group) != 1)} ({teams_text}) may only go to {who}: {left} audit"
                f"{'s' * (left != 1)} left between them, so {stuck.short} cannot be allocated.")
    else:
        head = (f"{len(group)} case{'s' * (len(group) != 1)} ({teams_text}) may go to no auditor at all.")
    reasons: dict[str, list[str]] = {}
    for auditor in auditors:
        if auditor in allowed:
            continue
        stops = {b.rule for case in group for b in r.pair_breaches(case, auditor, facts)}
        if not stops - {"own_team"}:
            reasons.setdefault("own_team", []).append(auditor.name)
        elif "on_break" in stops:
            reasons.setdefault("on_break", []).append(auditor.name)
        else:
            reasons.setdefault("other", []).append(auditor.name)
    full = [a.name for i, a in zip(stuck.auditors, allowed) if problem.capacity[i] == 0]
    lines = [head]
    outside = " and ".join(teams)
    if reasons.get("own_team"):
        scope = "service" if facts.settings.own == "service" else "team"
        many = len(reasons["own_team"])
        lines.append(f"  {many} auditor{'s are' if many != 1 else ' is'} in the cases' own {scope}: "
                     f"{', '.join(reasons['own_team'])}.")
    if reasons.get("on_break"):
        lines.append(f"  On an audit break in {r.month_name(facts.month)}: {', '.join(reasons['on_break'])}.")
    if reasons.get("other"):
        lines.append(f"  Exempted from these cases, or audited them last time: {', '.join(reasons['other'])}.")
    if full:
        lines.append(f"  No audits left this audit year (at most {facts.settings.audits_per_year}): {', '.join(full)}.")
    todo = [f"add auditors from outside {outside} to the auditors list"]
    if facts.settings.own == "service":
        todo.append('allow auditors of the same service but another team (own = "team" in the [allocation] settings)')
    if reasons.get("on_break"):
        todo.append("ask an auditor on a break to move it")
    todo.append("or audit fewer of these cases this month")
    lines.append(f"  Not enough auditors outside {outside}: " + "; ".join(todo) + ".")
    return ["\n".join(lines)]
