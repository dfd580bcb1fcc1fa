"""Choose the month's moderation sample and a moderator for each audit in it (pure: no files, no clock).

The framework: Heads of Service and the QA team moderate at least 10% of each month's audits, and each
Head of Service moderates one case a month. The rules kept here:

- only the month's complete audits, of forms that have a grade after moderation;
- at least `share` percent of them, rounded up; every audit graded as `always_include` says (Inadequate
  by default); more when there are more Heads of Service than that, so that each has one case;
- spread across services, teams, auditors and grades: each next audit is the one whose service, team,
  auditor and grade are least represented so far, ties broken by a shuffle seeded with `seed`;
- nobody moderates an audit they did, or a case from their own service (a case whose service is not
  known is left out, and the output says which teams to add to the moderators list);
- each Head of Service gets exactly one case; the QA officers share the rest evenly.

The same audits, moderators, settings and seed always give the same sample. Audits of the month already
moderated (their form came back with a grade after moderation) count towards the share as they are.
"""
from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Iterable, Sequence

from ..allocate.allocation_list import key
from ..domain import cycle
from ..domain import model as m
from .moderators import (
    HEAD_OF_SERVICE,
    QA_OFFICER,
    Moderator,
    same_service,
    services_of,
)
from .outcome import audit_moderation
from .settings import ModerationSettings

COMPLETE = (cycle.OVERSIGHT_DUE, cycle.IN_DRAFTS, cycle.FOLLOW_UP, cycle.CLOSED)
SPREAD = ("service", "team", "auditor", "grade")


@dataclass(frozen=True)
class Candidate:
    """A complete audit of the month, as the sample sees it."""

    audit_id: str
    case_number: str
    team: str
    services: tuple[str, ...]
    auditor: str
    grade: m.Option | None  # the auditor's overall grade
    form_id: str
    moderated_by: str = ""  # who moderated it, for an audit moderated already

    def spread_value(self, what: str) -> str:
        if what == "service":
            return " / ".join(self.services)
        if what == "grade":
            return self.grade.label if self.grade else "no grade"
        return getattr(self, what) or f"no {what}"


@dataclass
class Chosen:
    candidate: Candidate
    why: list[str]
    moderator: Moderator | None = None
    why_moderator: str = ""
    already: bool = False  # moderated already (its form came back with a grade after moderation)

    @property
    def audit_id(self) -> str:
        return self.candidate.audit_id

    def as_dict(self) -> dict:
        c = self.candidate
        return {"audit_id": c.audit_id, "case_number": c.case_number, "team": c.team, "service": list(c.services),
                "auditor": c.auditor, "grade": c.grade.label if c.grade else None, "form": c.form_id,
                "moderator": self.moderator.as_dict() if self.moderator else None,
                "why": list(self.why), "why_this_moderator": self.why_moderator}


@dataclass
class Sample:
    month: dt.date
    seed: int
    share: float
    complete: int  # the month's complete audits
    least: int  # the share of them, rounded up
    chosen: list[Chosen] = dc_field(default_factory=list)
    notes: list[str] = dc_field(default_factory=list)  # what needs a QA officer's attention (and what to do)
    info: list[str] = dc_field(default_factory=list)  # worth knowing, nothing to do

    @property
    def new(self) -> list[Chosen]:
        """The audits given to a moderator by this sample (not those moderated already)."""
        return [c for c in self.chosen if not c.already and c.moderator is not None]

    def events(self, on: dt.date) -> list[m.Event]:
        """A 'selected_for_moderation' event per audit given to a moderator (who: the moderator)."""
        return [m.Event("selected_for_moderation", on, c.audit_id, who=c.moderator.name,
                        reason=" ".join(c.why), details={**c.moderator.as_dict(), "why_this_moderator": c.why_moderator,
                                                         "seed": self.seed, "share": self.share})
                for c in self.new]

    def as_dict(self) -> dict:
        return {"month": self.month.strftime("%Y-%m"), "seed": self.seed, "share": self.share,
                "complete_audits": self.complete, "at_least": self.least,
                "sample": [c.as_dict() for c in self.chosen], "notes": list(self.notes), "info": list(self.info)}

    def lines(self) -> list[str]:
        """The sample as a QA officer reads it: each audit (by case number, no names), its moderator, and why."""
        month = self.month.strftime("%B %Y")
        out = [f"Moderation sample for {month}: {len(self.chosen)} of the {self.complete} complete audits "
               f"(at least {self.share:g}%, rounded up: {self.least}). Seed {self.seed}: the same seed and the "
               "same register give the same sample."]
        for c in self.chosen:
            a = c.candidate
            grade = a.grade.label if a.grade else "no grade"
            out.append(f"  {a.audit_id}  case {a.case_number or '?'}  {a.team} ({', '.join(a.services)})  "
                       f"auditor {a.auditor}  grade {grade}")
            if c.already:
                by = f" by {a.moderated_by}" if a.moderated_by else ""
                out.append(f"      already moderated{by}: its form came back with a grade after moderation")
            elif c.moderator is not None:
                mod = c.moderator
                out.append(f"      moderator: {mod.described()}" + (f" <{mod.email}>" if mod.email else ""))
                out.append(f"      why this moderator: {c.why_moderator}")
            else:
                out.append("      no moderator: see the notes below")
            if not c.already:
                out.append(f"      why this audit: {' '.join(c.why)}")
        out += [f"Note: {n}" for n in self.info + self.notes]
        return out


def default_seed(month: dt.date) -> int:
    """The seed when none is given: the month as a number (November 2026: 202611)."""
    return month.year * 100 + month.month


def candidates(audits: Iterable[m.RegisteredAudit], library, team_services: dict[str, set[str]],
               today: dt.date) -> tuple[list[Candidate], list[Candidate], list[str], int]:
    """(audits that may be chosen, audits moderated already, notes, info, how many complete audits).

    Complete audits of forms without a grade after moderation, and of teams whose service is not known,
    cannot be chosen: the notes say how many and what to do."""
    audits = list(audits)
    standing = cycle.standings(audits, library, today)
    eligible, already, notes, info = [], [], [], []
    no_grade_field: Counter = Counter()
    unknown_teams: Counter = Counter()
    complete = 0
    for a in audits:
        if standing[a.audit_id].state not in COMPLETE:
            continue
        complete += 1
        spec = library.get(a.form_id, a.form_version)
        if spec is None or spec.field_with_role("grade_after_moderation") is None:
            no_grade_field[spec.title if spec else a.form_id] += 1
            continue
        done = audit_moderation(a, spec)
        services = services_of(a, team_services)
        candidate = Candidate(a.audit_id, a.case_number, a.team, tuple(sorted(services)), a.auditor,
                              done.auditor_grade, a.form_id, done.moderator if done.moderated else "")
        if done.moderated:
            already.append(candidate)
        elif not services:
            unknown_teams[a.team or "(no team given)"] += 1
        else:
            eligible.append(candidate)
    for title, n in sorted(no_grade_field.items()):
        info.append(f"{_count(n, 'complete audit')} on the form '{title}' cannot be moderated: the form has no "
                     "grade after moderation. They are not in the sample.")
    if unknown_teams:
        teams = ", ".join(f"{t} ({n})" for t, n in sorted(unknown_teams.items()))
        notes.append(f"the service of these teams is not known, so their audits were left out of the sample (nobody "
                     f"may moderate a case of their own service): {teams}. Add each team to the Teams column of its "
                     "service's Head of Service in the moderators list, and choose again with --replace.")
    return eligible, already, notes, info, complete


def may_moderate(moderator: Moderator, audit: Candidate) -> bool:
    """Not an audit they did, not a case from their own service."""
    return key(moderator.name) != key(audit.auditor) and not any(
        same_service(moderator.service, s) for s in audit.services)


def choose_sample(audits: Iterable[m.RegisteredAudit], library, moderators: Sequence[Moderator], *,
                  team_services: dict[str, set[str]], month: dt.date, today: dt.date,
                  settings: ModerationSettings = ModerationSettings(), seed: int | None = None) -> Sample:
    """The month's moderation sample, each audit with its moderator and why (see the module docstring)."""
    seed = default_seed(month) if seed is None else seed
    eligible, already, notes, info, complete = candidates(audits, library, team_services, today)
    least = math.ceil(complete * settings.share / 100 - 1e-9)
    sample = Sample(month, seed, settings.share, complete, least, notes=notes, info=info)
    heads = sorted((p for p in moderators if p.kind == HEAD_OF_SERVICE), key=lambda p: key(p.name))
    qa = [p for p in moderators if p.kind == QA_OFFICER]
    if not heads and not qa:
        notes.append("the moderators list has no Head of Service and no QA officer (the Role column says who is "
                     "which), so nobody could be given an audit to moderate.")
        return sample
    able = heads + qa
    unmoderatable = [c for c in eligible if not any(may_moderate(p, c) for p in able)]
    for c in unmoderatable:
        notes.append(f"{c.audit_id} (case {c.case_number}) cannot be moderated by anyone on the list: every Head of "
                     "Service and QA officer on it either did the audit or is from the case's service. Add a QA officer or Head "
                     "of Service from another service to the list.")
    pool = [c for c in eligible if c not in unmoderatable]
    rng = random.Random(seed)
    order = sorted(pool, key=lambda c: c.audit_id)
    rng.shuffle(order)
    picker = _Picker(order)
    by_name = {key(p.name): p for p in moderators}
    for c in sorted(already, key=lambda c: c.audit_id):
        picker.take(c)
        sample.chosen.append(Chosen(c, ["Already moderated this month (its form came back with a grade after "
                                        "moderation); it counts towards the share."],
                                    by_name.get(key(c.moderated_by)), already=True))
    forced = [c for c in order if c.grade is not None and any(
        _is_grade(c.grade, g) for g in settings.always_include)]
    while forced:
        c = picker.best(forced)
        forced.remove(c)
        sample.chosen.append(Chosen(c, [f"Every {c.grade.label} audit is moderated.", picker.take(c)]))
    while len(sample.chosen) < least and picker.left:
        c = picker.best(picker.left)
        sample.chosen.append(Chosen(c, [picker.take(c)]))
    if len(sample.chosen) < least:
        notes.append(f"only {len(sample.chosen)} audits could be chosen, fewer than {least} ({settings.share:g}% of "
                     f"{complete}): see the notes above.")
    _give_moderators(sample, picker, heads, qa, rng)
    return sample


def _is_grade(option: m.Option, wanted: str) -> bool:
    return key(option.value) == key(wanted) or key(option.label) == key(wanted)


class _Picker:
    """Picks audits one at a time so that services, teams, auditors and grades spread evenly."""

    def __init__(self, order: list[Candidate]):
        self.rank = {c.audit_id: i for i, c in enumerate(order)}
        self.left = list(order)
        self.counts = {what: Counter() for what in SPREAD}

    def score(self, c: Candidate) -> tuple:
        seen = [self.counts[what][c.spread_value(what)] for what in SPREAD]
        return (sum(seen), *seen, self.rank.get(c.audit_id, -1))

    def best(self, among: list[Candidate]) -> Candidate:
        return min(among, key=self.score)

    def take(self, c: Candidate) -> str:
        """Add `c` to the sample; says why it spreads the sample."""
        new = [f"{what} ({c.spread_value(what)})" for what in SPREAD if not self.counts[what][c.spread_value(what)]]
        for what in SPREAD:
            self.counts[what][c.spread_value(what)] += 1
        if c in self.left:
            self.left.remove(c)
        if new:
            return f"The first in the sample of its {_and(new)}."
        return ("Its service, team, auditor and grade were among the least represented in the sample so far "
                "(chosen at random among equals, by the seed).")


def _give_moderators(sample: Sample, picker: _Picker, heads: list[Moderator], qa: list[Moderator],
                     rng: random.Random) -> None:
    """Each Head of Service one case (adding a case for one who has none that they may moderate), the QA
    officers the rest, fewest first."""
    todo = [c for c in sample.chosen if not c.already]
    busy = {c.moderator.name for c in sample.chosen if c.already and c.moderator is not None}
    free = [h for h in heads if h.name not in busy]
    only_heads = [c for c in todo if not any(may_moderate(p, c.candidate) for p in qa)]
    match: dict[str, Chosen] = {}  # head's name -> case
    for c in only_heads + [c for c in todo if c not in only_heads]:
        _augment(c, free, match, set())
    for head in free:
        if head.name in match:
            continue
        extra = [c for c in picker.left if may_moderate(head, c)]
        if not extra:
            sample.info.append(f"{head.described()} has no case to moderate this month: every complete audit "
                                "that could be chosen is from their service or was done by them.")
            continue
        c = picker.best(extra)
        chosen = Chosen(c, [f"Added so that {head.name} (Head of Service) has a case to moderate this month.",
                            picker.take(c)])
        sample.chosen.append(chosen)
        todo.append(chosen)
        match[head.name] = chosen
    for head in free:
        if head.name in match:
            match[head.name].moderator = head
            match[head.name].why_moderator = (f"each Head of Service moderates one case a month; {head.name} did not "
                                              f"do this audit and the case is not from {head.service}.")
    load = Counter({p.name: 0 for p in qa})
    tiebreak = {p.name: i for i, p in enumerate(rng.sample(qa, len(qa)))}
    for c in todo:
        if c.moderator is not None:
            continue
        allowed = [p for p in qa if may_moderate(p, c.candidate)]
        if allowed:
            p = min(allowed, key=lambda p: (load[p.name], tiebreak[p.name]))
            load[p.name] += 1
            c.moderator = p
            c.why_moderator = (f"the QA officer with the fewest audits in this sample; did not do this audit and the "
                               f"case is not from {p.service}.")
            continue
        p = min((h for h in heads if may_moderate(h, c.candidate)),
                key=lambda h: (sum(x.moderator is h for x in sample.chosen), key(h.name)))
        c.moderator = p
        c.why_moderator = (f"no QA officer on the list may moderate it (each did the audit or is from the case's "
                           f"service), so {p.name} (Head of Service) has more than one case this month.")
        sample.info.append(f"{p.name} moderates more than one case this month ({c.audit_id}): no QA officer on the "
                            "list may moderate it.")


def _augment(c: Chosen, heads: list[Moderator], match: dict[str, Chosen], seen: set[str]) -> bool:
    """Give `c` to a Head of Service, moving others' cases along if that frees one (augmenting path)."""
    for head in heads:
        if head.name in seen or not may_moderate(head, c.candidate):
            continue
        seen.add(head.name)
        if head.name not in match or _augment(match[head.name], heads, match, seen):
            match[head.name] = c
            return True
    return False


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'s' * (n != 1)}"


__all__ = ["Candidate", "Chosen", "Sample", "candidates", "choose_sample", "default_seed", "may_moderate"]
