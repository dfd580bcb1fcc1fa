"""The month's programme in allocation: every activity of the month (programme.xlsx) drawn and given auditors
under the same rules as the control sample.

- The control sample: its sample per category is the programme's ("In January this sample will include 19
  care leavers"); the rest is allocated as without a programme (`plan.plan_month`).
- A dip sample, thematic audit, fostering or adoption sample: its cohort drawn from the case system's export
  (`cohort.draw_cohort`), each case given an auditor by the solver under the rules of Appendix A (`plan.allocate`),
  among the auditors the programme's Auditors cell names (`who_audits`). Its audits count toward an auditor's
  ten a year only where the programme says so.
- Managers' dip samples: two cases (the sample size) a month for each head of service, group manager and team
  manager of the auditors list, from their own team's (a team manager) or service's cases, drawn from the seed;
  the rules on one's own cases do not apply (they are managers checking their own service); never counted
  toward the ten.
- The action-completion check is not allocated here (it draws audits, not cases: `actions check-sample`).

What the Auditors cell means (the programme's help sheet says the same, `AUDITORS_HELP`):
  "Auditor group" (or "Auditors", "Everyone"): every auditor of the auditors list;
  "QA team": the auditors whose role or team says QA or Quality Assurance;
  "service": the auditors of the case's own service (with "QA team + service": either);
  a person's name on the auditors list: that person;
  a role, as "IROs and team managers": the auditors of that role;
  anyone else, as "Priya Madeup (health, critical friend)": a partner, named in the group.
Several on a line joined by "+", or one a line. For a thematic audit the people named (partners included) are its
group: the lead auditor (chosen by the solver) returns the form; the others are recorded (the register's `group`),
listed in the allocation list's Group column and named on the form where its details have a place for them (a
detail `group`); its Audit type says "(group audit)" (names are kept out of it: exports show the audit type).
"""
from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, replace
from dataclasses import field as dc_field

from ..domain import model as m
from ..errors import UserError
from ..programme.plan import Activity, month_words
from . import rules as r
from .allocation_list import DUE_DATE, cell_text, match_columns, row_values
from .cohort import Export, column_problems, columns_line, draw_cohort, matching_rows
from .history import MANAGERS
from .lists import CASE_COLUMNS, CaseList
from .settings import category, name_key

CONTROL = m.CONTROL_SAMPLE
NOT_ALLOCATED = ("action-completion check",)
THEMATIC = "thematic audit"
#: Roles whose holders dip sample two cases a month (4.31), as `name_key`s found in a role.
MANAGER_ROLES = ("headofservice", "groupmanager", "teammanager")
EVERYONE = {"auditorgroup", "auditorsgroup", "theauditorgroup", "auditors", "everyone", "all", "allauditors"}
QA_TEAM = {"qateam", "qa", "qualityassurance", "qualityassuranceteam", "qaofficers", "qaunit"}
SERVICE = {"service", "theservice", "services", "theservices"}
UNLIMITED = 10 ** 6  # the audits a year of an activity that does not count toward the ten


@dataclass
class Who:
    """Whom an activity's Auditors cell names."""

    names: set[str]  # `name_key`s of the auditors named (by name, role, QA team or the whole group)
    service: bool = False  # and the auditors of the case's own service
    group: list[str] = dc_field(default_factory=list)  # people named, as written (partners included)
    words: str = ""

    def allows(self, case: m.Case, auditor: m.Auditor) -> bool:
        return name_key(auditor.name) in self.names or (
            self.service and bool(case.service) and name_key(auditor.service) == name_key(case.service))


def _is_qa(auditor: m.Auditor) -> bool:
    words = f" {auditor.role} {auditor.team} ".lower()
    return " qa " in re.sub(r"[^a-z]+", " ", words) or "quality assurance" in words


def who_audits(activity: Activity, auditors: list[m.Auditor]) -> Who:
    """Whom the activity's Auditors cell names, among the auditors list (see the module's doc)."""
    by_name = {name_key(a.name): a for a in auditors}
    who = Who(set(), words="; ".join(activity.auditors.splitlines()))
    parts = [p.strip() for line in activity.auditors.splitlines() for p in re.split(r"\s*\+\s*", line) if p.strip()]
    for part in parts:
        k = name_key(part)
        bare = re.sub(r"\s*\(.*\)\s*$", "", part)
        if k in EVERYONE:
            who.names |= set(by_name)
        elif k in QA_TEAM:
            who.names |= {name_key(a.name) for a in auditors if _is_qa(a)}
        elif k in SERVICE:
            who.service = True
        elif name_key(bare) in by_name:
            who.names.add(name_key(bare))
            who.group.append(by_name[name_key(bare)].name)
        elif k.startswith("qateamand") or k.startswith("qaand"):
            who.names |= {name_key(a.name) for a in auditors if _is_qa(a)}
            who.service = who.service or "service" in k
        else:
            roles = [name_key(w).removesuffix("s") for w in re.split(r"\s*(?:,|\band\b)\s*", part) if w.strip()]
            found = {name_key(a.name) for a in auditors for role in roles
                     if role and name_key(a.role) and (role in name_key(a.role) or name_key(a.role) in role)}
            if found:
                who.names |= found
            else:
                who.group.append(part)  # a partner, not on the auditors list
    return who


def audit_type_words(activity: Activity) -> str:
    """What the form's Audit type says: the activity's type and name."""
    kind = f"{activity.type[:1].upper()}{activity.type[1:]}"
    return kind if name_key(activity.name) == name_key(activity.type) else f"{kind} – {activity.name}"


@dataclass
class ActivityOutcome:
    """What allocate did for one activity of the programme."""

    activity: Activity
    matched: int = 0  # cases of the export that match its cohort
    drawn: int = 0
    allocated: int = 0
    auditors: int = 0  # how many auditors it went to
    notes: list[str] = dc_field(default_factory=list)

    def line(self) -> str:
        a = self.activity
        counts = "counts toward the ten" if a.counts_toward_ten and a.type != MANAGERS else \
            "does not count toward the ten"
        if a.type == MANAGERS:
            return (f"{a.name} ({a.type}): {self.allocated} cases for {self.auditors} managers, "
                    f"{a.sample_words} each from their own team or service; {counts}.")
        asked = "all" if a.sample_size is None else str(a.sample_size)
        return (f"{a.name} ({a.kind_words}): {self.matched} case{'s' * (self.matched != 1)} match its cohort, "
                f"{self.drawn} drawn ({asked} asked for), {self.allocated} allocated to {self.auditors} auditor"
                f"{'s' * (self.auditors != 1)}; {counts}.")


def control_sample(activities: list[Activity]) -> Activity | None:
    return next((a for a in activities if a.type == CONTROL), None)


def sample_of(activity: Activity | None, sample: dict[str, int]) -> dict[str, int]:
    """The control sample per category: the programme's where it gives one, else the settings'."""
    if activity is None or not activity.by_category:
        return sample
    return {category(name): count for name, count in activity.by_category}


def cohort_problems(activities: list[Activity], export: Export, programme: str) -> None:
    """Cohort rules naming a column the export lacks: nothing is allocated (UserError, with did-you-mean)."""
    found = [f"{programme}, {p}" for a in activities if a.type not in (CONTROL, *NOT_ALLOCATED) and a.cohort
             for p in column_problems(a, export)]
    if found:
        raise UserError("\n".join([*found, columns_line(export), "Nothing was allocated, written or recorded."]))


def _cases(activity: Activity, rows: list[int], export: Export, pool: CaseList, library, month: dt.date,
           outcome: ActivityOutcome, quiet: bool = False) -> list[m.Case]:
    """The cases of the export's `rows`, with the details of the activity's form (`Case.activity` its name).
    A row the form cannot be made from is said in the outcome's notes (unless `quiet`: the rows were not drawn)."""
    spec = library.get(activity.form)
    if spec is None:
        raise UserError(f"the programme's activity '{activity.name}' (row {activity.row}) needs the form "
                        f"'{activity.form}', which is not in the form specs: add it, or correct the programme.")
    matched = match_columns(spec, export.columns, {})
    absent = [h.label for h in spec.header if h.required and h.id not in matched
              and h.id not in (DUE_DATE, "auditor")]
    if absent:
        raise UserError(f"{export.path.name} has no column for {', '.join(absent)}, which the form {spec.id} of the "
                        f"programme's activity '{activity.name}' (row {activity.row}) needs: add the column(s). "
                        "Nothing was allocated, written or recorded.")
    by_row = {c.row: c for c in pool.cases}
    cells = dict(export.rows)
    where = {what: export.index(names) for what, names in CASE_COLUMNS.items()}
    seen: set[str] = set()
    cases = []
    for n in rows:
        values, problems = row_values(spec, cells[n], export.columns, matched, month, unknown=("auditor",))
        if problems and quiet:
            continue
        if problems:
            outcome.notes.append(f"row {n} of {export.path.name} was drawn but cannot be used: "
                                 f"{'; '.join(problems)}. Not allocated.")
            continue
        if values.get("case_number") in seen:
            continue
        seen.add(values.get("case_number", ""))
        found = by_row.get(n)

        def text(what: str) -> str:
            i = where[what]
            return cell_text(cells[n][i]) if i is not None and i < len(cells[n]) else ""

        values.update(audit_type=audit_type_words(activity), auditor="")
        cases.append(m.Case(n, spec.id, values, found.category if found else category(text("category")),
                            found.service if found else text("service"), dict(found.others) if found else {},
                            activity=activity.name))
    return cases


def _done_after(facts: r.Facts, rows) -> r.Facts:
    """The facts with the rows just allocated (counting toward the ten) added to the auditors' audits."""
    done = dict(facts.history.done)
    for row in rows:
        done[name_key(row.auditor.name)] = done.get(name_key(row.auditor.name), 0) + 1
    return replace(facts, history=replace(facts.history, done=done))


def plan_activities(activities: list[Activity], export: Export, pool: CaseList, auditors: list[m.Auditor],
                    facts: r.Facts, control_rows, library, seed: int, programme: str):
    """Every activity of the month but the control sample (allocated before, its rows `control_rows`): the rows
    allocated (`plan.Allocated`), what was done per activity, notes and what makes the month impossible."""
    from .plan import Allocated, allocate

    month = facts.month
    facts = _done_after(facts, control_rows)
    rows: list[Allocated] = []
    outcomes: list[ActivityOutcome] = []
    notes: list[r.Breach] = []
    impossible: list[str] = []
    for activity in activities:
        if activity.type in (CONTROL, *NOT_ALLOCATED) or not activity.form:
            continue
        outcome = ActivityOutcome(activity)
        outcomes.append(outcome)
        where = f"'{activity.name}' ({activity.type}, row {activity.row} of {programme})"
        if activity.type == MANAGERS:
            rows += _managers(activity, export, pool, auditors, library, facts, seed, outcome)
            continue
        draw = draw_cohort(activity, export, seed)
        outcome.notes += [n for n in draw.notes if n not in export.notes]
        outcome.matched = len(draw.matched)
        cases = _cases(activity, draw.drawn, export, pool, library, month, outcome)
        outcome.drawn = len(cases)
        if not cases:
            continue
        who = who_audits(activity, auditors)
        named = [a for a in auditors if any(who.allows(c, a) for c in cases)]
        if not named:
            impossible.append(f"{where}: its auditors, '{who.words}', are nobody on the auditors list. Name "
                              "auditors of the list (or 'Auditor group', 'QA team'), or add them to the list.")
            continue
        counts = activity.counts_toward_ten
        here = facts if counts else replace(facts, settings=replace(facts.settings, audits_per_year=UNLIMITED))
        sub = allocate(cases, named, here, seed, allowed=who.allows)
        if sub.impossible:
            impossible += [f"{where}: {line}" for line in sub.impossible]
            continue
        for row in sub.rows:
            group = [p for p in who.group if name_key(p) != name_key(row.auditor.name)] \
                if activity.type == THEMATIC else []
            values = dict(row.case.subject)
            if group:  # the names on the form only where it has a place for them (the audit type is exported)
                values["audit_type"] += " (group audit)"
                if "group" in values:
                    values["group"] = ", ".join(group)
            why = _why(activity, row, who, draw, here, group)
            rows.append(replace(row, case=replace(row.case, subject=values), why=why,
                                activity_type=activity.type, counts=counts, group=tuple(group)))
        outcome.allocated = len(sub.rows)
        outcome.auditors = len({name_key(row.auditor.name) for row in sub.rows})
        notes += [n for n in sub.notes if n.rule != "break_cap"]
        if counts:
            facts = _done_after(facts, sub.rows)
    return rows, outcomes, notes, impossible


def _why(activity: Activity, row, who: Who, draw, facts: r.Facts, group: list[str]) -> str:
    auditor, case = row.auditor, row.case
    parts = [f"{activity.name} ({activity.kind_words}): one of {len(draw.drawn)} drawn (seed {draw.seed}) from the "
             f"{len(draw.matched)} cases matching its cohort.",
             f"{auditor.name} ({', '.join(p for p in (auditor.role, auditor.team) if p)}) is of those the programme "
             f"names ({who.words}) and from outside {case.team}."]
    if activity.counts_toward_ten:
        parts.append(f"Counts toward their {facts.settings.audits_per_year} a year: "
                     f"{facts.history.done_by(auditor.name)} before it.")
    else:
        parts.append("Does not count toward their ten a year (the programme says so).")
    if group:
        parts.append(f"Lead auditor of a group audit with {', '.join(group)}: returns the form.")
    return " ".join(parts)


def activity_breaches(cases: list[m.Case], facts: r.Facts) -> list[r.Breach]:
    """The rules a list's rows break (`check.row_breaches`), each row under its activity's rules: a managers' dip
    sample only under the break rule, an activity that does not count toward the ten without the year's limit.
    A row's activity is its list's Activity, Activity type and Counts toward the ten columns (`Case.others`)."""
    from .check import row_breaches
    from .output import ACTIVITY, ACTIVITY_TYPE, COUNTS

    def other(case: m.Case, name: str) -> str:
        return next((str(v) for k, v in case.others.items() if name_key(k) == name_key(name)), "")

    counting, not_counting, managers = [], [], []
    for case in cases:
        case.activity = other(case, ACTIVITY).strip()
        if name_key(other(case, ACTIVITY_TYPE)) == name_key(MANAGERS):
            managers.append(case)
        elif case.activity and name_key(other(case, COUNTS)) in ("no", "n", "false"):
            not_counting.append(case)
        else:
            counting.append(case)
    unlimited = replace(facts, settings=replace(facts.settings, audits_per_year=UNLIMITED))
    found = row_breaches(counting, facts) + row_breaches(not_counting, unlimited)
    for case in managers:
        auditor = facts.auditor(case.auditor)
        if auditor is not None and (b := r.on_break(case, auditor, facts)):
            found.append(replace(b, row=case.row))
    return sorted(found, key=lambda b: b.row)


def is_manager(auditor: m.Auditor) -> bool:
    role = name_key(auditor.role)
    return any(r in role for r in MANAGER_ROLES)


def _managers(activity: Activity, export: Export, pool: CaseList, auditors: list[m.Auditor], library,
              facts: r.Facts, seed: int, outcome: ActivityOutcome):
    """Each manager's cases for their dip sample: from their own team (a team manager) or service."""
    from .plan import Allocated

    month = facts.month
    managers = [a for a in auditors if is_manager(a)]
    away = [a for a in managers if facts.breaks.on_break(a)]
    if away:
        outcome.notes.append(f"on an agreed audit break in {month_words(month)}, so no dip sample this month: "
                             f"{', '.join(a.name for a in away)}.")
        managers = [a for a in managers if a not in away]
    if not managers:
        outcome.notes.append("the auditors list has no head of service, group manager or team manager (by their "
                             "Role): nobody to dip sample.")
        return []
    eligible, notes = matching_rows(activity, export)
    outcome.notes += notes
    outcome.matched = len(eligible)
    cases = _cases(activity, eligible, export, pool, library, month, outcome, quiet=True)
    per = activity.sample_size or 2
    rows = []
    for manager in managers:
        by_team = "teammanager" in name_key(manager.role) or not manager.service
        own = [c for c in cases if (name_key(c.team) == name_key(manager.team) if by_team else
                                    name_key(c.service) == name_key(manager.service))]
        rng = random.Random(f"{seed}:{month.isoformat()}:{name_key(activity.name)}:{name_key(manager.name)}")
        taken = sorted(rng.sample(own, min(per, len(own))), key=lambda c: c.row)
        if len(taken) < per:
            outcome.notes.append(f"{manager.name} has only {len(own)} case{'s' * (len(own) != 1)} in their own "
                                 f"{'team' if by_team else 'service'} to dip sample ({per} asked for).")
        scope = f"{manager.team} (their team)" if by_team else f"{manager.service} (their service)"
        for case in taken:
            values = dict(case.subject, auditor=manager.name)
            why = (f"{activity.name}: {manager.name} ({manager.role}) dip samples {per} cases a month of "
                   f"{scope}, drawn from the seed; the rules on one's own cases do not apply. Does not count toward "
                   "the ten.")
            rows.append(Allocated(replace(case, subject=values), manager, why, activity_type=MANAGERS,
                                  counts=False))
    outcome.drawn = outcome.allocated = len(rows)
    outcome.auditors = len({name_key(r.auditor.name) for r in rows})
    return rows


