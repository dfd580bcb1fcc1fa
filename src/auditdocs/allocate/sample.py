"""Drawing the month's control sample from the pool: so many cases of each category, spread across
teams, leaving out cases audited recently, random but the same for the same seed."""
from __future__ import annotations

import random
from collections import defaultdict

from ..domain import model as m
from .rules import Breach
from .settings import name_key


def draw(pool: list[m.Case], wanted: dict[str, int], leave_out: set[str], seed: int,
         recent_months: int) -> tuple[list[m.Case], list[Breach]]:
    """`wanted[category]` cases of each category (in the settings' order), taken from each category's teams
    in turn, in an order drawn from the seed; cases in `leave_out` are never drawn. A category with too
    few cases gives what it has, and says so."""
    chosen, short = [], []
    for n, (category, count) in enumerate(wanted.items()):
        rng = random.Random(seed * 1000 + n)
        candidates = [c for c in pool if name_key(c.category) == name_key(category) and c.case_number not in leave_out]
        by_team: dict[str, list[m.Case]] = defaultdict(list)
        for case in sorted(candidates, key=lambda c: c.row):
            by_team[name_key(case.team)].append(case)
        teams = sorted(by_team)
        rng.shuffle(teams)
        for cases in by_team.values():
            rng.shuffle(cases)
        taken: list[m.Case] = []
        while len(taken) < count and any(by_team.values()):
            for team in teams:
                if by_team[team] and len(taken) < count:
                    taken.append(by_team[team].pop())
        chosen += taken
        if len(taken) < count:
            left_out = sum(1 for c in pool if name_key(c.category) == name_key(category) and c.case_number in leave_out)
            reason = (f" ({left_out} more were left out: audited in the last {recent_months} months, or re-audits)"
                      if left_out else "")
            short.append(Breach("sample", f"the sample asks for {count} {category} cases, but the cases list has "
                                          f"only {len(taken)} that may be drawn{reason}: {len(taken)} drawn.",
                                f"Add {category} cases to the cases list, or mark the rows to audit yourself."))
    return chosen, short
