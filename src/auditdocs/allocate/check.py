"""Checking an allocation against the rules: every breach with its row.

`row_breaches` and `month_breaches` are what `--check` lists for a hand-made list, and every
allocation auditdocs makes is checked with `row_breaches` before it is written; `row_notes` and
`month_notes` say which soft rules were not kept. All of them only call the rules in `rules`.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace

from ..domain import model as m
from ..domain.dates import uk
from . import rules as r
from .settings import name_key


def row_breaches(cases: list[m.Case], facts: r.Facts) -> list[r.Breach]:
    """Every hard rule the allocation's rows break, in row order."""
    breaches: list[r.Breach] = []
    nth: Counter[str] = Counter()
    first_row: dict[tuple[str, str], int] = {}
    for case in sorted(cases, key=lambda c: c.row):
        twice = (case.case_number, name_key(case.activity))  # in two activities of the programme: two audits
        if twice in first_row:
            breaches.append(r.Breach("same_case_twice", f"case {case.case_number} is also in row "
                                                        f"{first_row[twice]}.",
                                     "Audit each case once a month: delete one of the rows.", case.row))
        first_row.setdefault(twice, case.row)
        auditor = facts.auditor(case.auditor)
        if auditor is None:
            breaches.append(r.Breach("not_on_the_list", f"{case.auditor} is not on the auditors list, so the rules "
                                                        "cannot be checked for this row.",
                                     "Add them to the auditors list, or give the case to an auditor on it.", case.row))
            continue
        breaches += [replace(b, row=case.row) for b in r.pair_breaches(case, auditor, facts)]
        nth[name_key(auditor.name)] += 1
        if over := r.over_the_year(auditor, nth[name_key(auditor.name)], facts):
            breaches.append(replace(over, row=case.row))
    return breaches


def month_breaches(cases: list[m.Case], facts: r.Facts) -> list[r.Breach]:
    """The hard rules broken for the month as a whole: the break limit, re-audits due but not listed."""
    breaches = [cap] if (cap := r.break_cap(facts.breaks, facts.settings)) else []
    listed = {c.case_number for c in cases}
    for due in facts.history.re_audits:
        if r.re_audit_now(due.due, facts.month) and due.original.case_number not in listed:
            breaches.append(r.Breach("re_audit_missing", f"case {due.original.case_number} was Inadequate "
                                                         f"({due.original.audit_id}) and its re-audit is due by "
                                                         f"{uk(due.due)}, but it is not in this list.",
                                     "Add its re-audit to the list."))
    return breaches


def row_notes(case: m.Case, auditor: m.Auditor, facts: r.Facts) -> list[r.Breach]:
    """The soft rules a row does not keep."""
    return [replace(b, row=case.row) for rule in r.SOFT_PAIR_RULES if (b := rule(case, auditor, facts))]


def month_notes(cases: list[m.Case], facts: r.Facts) -> list[r.Breach]:
    """The soft rules the allocation does not keep for an auditor's load or a team's spread."""
    notes: list[r.Breach] = []
    load: Counter[str] = Counter()
    by_team: dict[str, Counter[str]] = defaultdict(Counter)
    team_cases: dict[str, list[m.Case]] = defaultdict(list)
    for case in sorted(cases, key=lambda c: c.row):
        auditor = facts.auditor(case.auditor)
        if auditor is None:
            continue
        load[name_key(auditor.name)] += 1
        by_team[name_key(case.team)][name_key(auditor.name)] += 1
        team_cases[name_key(case.team)].append(case)
    if note := r.uneven_load([(facts.auditors[name], count) for name, count in load.items()], facts):
        notes.append(note)
    for team, counts in by_team.items():
        cases_of_team = team_cases[team]
        free = sum(1 for a in facts.auditors.values() if r.audits_left(a, facts)
                   and any(not r.pair_breaches(c, a, facts) for c in cases_of_team))
        for name, count in counts.items():
            if note := r.team_spread(cases_of_team[0].team, facts.auditors[name], count, len(cases_of_team), free):
                notes.append(note)
    return notes
