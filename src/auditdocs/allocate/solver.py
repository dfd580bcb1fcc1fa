"""The assignment model: every case to exactly one auditor, within each auditor's audits left, at the
least cost. Solved as a mixed-integer programme by HiGHS (through `scipy.optimize.milp`).

Which pairs are allowed and what each costs come from the rules (`plan` builds the problem); this
module knows nothing of the framework. Before solving, a maximum flow (`scipy.sparse.csgraph`) says
whether every case can be allocated at all, and if not, which cases cannot and which auditors they
are limited to (a minimum cut), so that an impossible month is reported precisely, never half-done.

The cost of an auditor's k-th audit of the month is `LOAD * (done + 2k)` (done: this audit year so
far), so loads even out across the year and within the month; a soft rule not kept adds its weight;
a tiny cost drawn from the seed breaks ties the same way every time.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from dataclasses import field as dc_field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array, csr_array
from scipy.sparse.csgraph import maximum_flow

LOAD = 1.0  # per audit, grows with the auditor's load
SPREAD = 1.0  # each further case of one team to the same auditor
TIE = 1e-3  # the largest tie-breaking cost
TIME_LIMIT = 60  # seconds; a month of a large council takes well under one


@dataclass
class Problem:
    cases: int
    auditors: int
    pairs: list[tuple[int, int]]  # (case, auditor) allowed
    pair_cost: list[float]  # the soft rules' cost of each pair
    capacity: list[int]  # audits each auditor may still be given
    done: list[int]  # audits each auditor has this audit year already
    groups: list[list[int]] = dc_field(default_factory=list)  # cases of one team (to spread over auditors)
    seed: int = 0


@dataclass
class Bottleneck:
    """Cases that cannot all be allocated: the auditors they may go to have too few audits left."""

    cases: list[int]
    auditors: list[int]  # every auditor any of these cases may go to
    short: int  # how many of the cases cannot be allocated


def bottleneck(problem: Problem) -> Bottleneck | None:
    """None when every case can be allocated; else the tightest group of cases that cannot."""
    n, k = problem.cases, problem.auditors
    source, sink = 0, n + k + 1
    rows = [source] * n + [1 + c for c, _ in problem.pairs] + [1 + n + a for a in range(k)]
    cols = [1 + c for c in range(n)] + [1 + n + a for _, a in problem.pairs] + [sink] * k
    caps = [1] * n + [1] * len(problem.pairs) + list(problem.capacity)
    graph = csr_array((np.array(caps, dtype=np.int32), (rows, cols)), shape=(sink + 1, sink + 1))
    flow = maximum_flow(graph, source, sink, method="dinic")
    if flow.flow_value >= n:
        return None
    residual = (graph - flow.flow).tocsr()  # the flow is antisymmetric, so backward edges carry what flowed
    reached, todo = {source}, [source]
    while todo:
        node = todo.pop()
        start, end = residual.indptr[node], residual.indptr[node + 1]
        for nxt, spare in zip(residual.indices[start:end], residual.data[start:end]):
            if spare > 0 and nxt not in reached:
                reached.add(int(nxt))
                todo.append(int(nxt))
    cases = sorted(v - 1 for v in reached if 1 <= v <= n)
    auditors = sorted({a for c, a in problem.pairs if c in set(cases)})
    return Bottleneck(cases, auditors, n - int(flow.flow_value))


def solve(problem: Problem) -> list[int]:
    """The auditor of each case, at the least cost (call `bottleneck` first: this needs a feasible problem)."""
    n, k, pairs = problem.cases, problem.auditors, problem.pairs
    rng = random.Random(problem.seed)
    ties = [rng.random() * TIE for _ in pairs]
    steps = [(a, s) for a in range(k) for s in range(1, min(problem.capacity[a], n) + 1)]
    spread = [(g, a) for g, group in enumerate(problem.groups) if len(group) > 1 for a in range(k)]
    group_of = {c: g for g, group in enumerate(problem.groups) for c in group}
    x, y, z = len(pairs), len(steps), len(spread)
    cost = np.concatenate([np.array(problem.pair_cost) + ties,
                           [LOAD * (problem.done[a] + 2 * s) for a, s in steps],
                           np.full(z, SPREAD)])

    rows, cols, vals, lower, upper = [], [], [], [], []
    for i, (c, _) in enumerate(pairs):  # each case to exactly one auditor
        rows.append(c), cols.append(i), vals.append(1.0)
    lower += [1.0] * n
    upper += [1.0] * n
    for i, (_, a) in enumerate(pairs):  # an auditor's cases are counted by their load steps
        rows.append(n + a), cols.append(i), vals.append(1.0)
    for j, (a, _) in enumerate(steps):
        rows.append(n + a), cols.append(x + j), vals.append(-1.0)
    lower += [0.0] * k
    upper += [0.0] * k
    spread_row = {key: n + k + r for r, key in enumerate(spread)}
    for i, (c, a) in enumerate(pairs):  # beyond one case of a team, each costs SPREAD
        if (group_of.get(c), a) in spread_row:
            rows.append(spread_row[(group_of[c], a)]), cols.append(i), vals.append(1.0)
    for r, key in enumerate(spread):
        rows.append(n + k + r), cols.append(x + y + r), vals.append(-1.0)
    lower += [-np.inf] * z
    upper += [1.0] * z
    matrix = coo_array((vals, (rows, cols)), shape=(n + k + z, x + y + z)).tocsr()
    result = milp(cost, integrality=np.concatenate([np.ones(x), np.zeros(y + z)]),
                  bounds=Bounds(np.zeros(x + y + z), np.concatenate([np.ones(x + y), np.full(z, np.inf)])),
                  constraints=LinearConstraint(matrix, lower, upper), options={"time_limit": TIME_LIMIT})
    if result.x is None:
        raise RuntimeError(f"the solver found no allocation although one exists ({result.message})")
    chosen = [-1] * n
    for i, (c, a) in enumerate(pairs):
        if result.x[i] > 0.5:
            chosen[c] = a
    if -1 in chosen:
        raise RuntimeError("the solver left a case without an auditor")
    return chosen
