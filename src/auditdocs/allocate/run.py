"""The allocate runs, with their files: allocating a month, checking a hand-made list, reallocating an
audit after an exemption. Each reads the lists and the register, asks the pure plan, and writes the
allocation list and the register together: the register is changed only if the list was written
and reads back exactly as `generate` will read it.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from dataclasses import field as dc_field
from dataclasses import replace as changed
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain import cycle
from ..domain import model as m
from ..domain.identity import audit_id
from ..errors import UserError
from ..files import write_atomic
from ..register import audit_from_allocation
from . import rules as r
from .activities import ActivityOutcome, activity_breaches, control_sample, sample_of
from .allocation_list import RowProblem, read_allocations
from .check import month_breaches, month_notes, row_notes
from .history import history_from
from .lists import (
    AuditorList,
    CaseList,
    form_values,
    read_auditors,
    read_cases,
    unused_mapping,
)
from .output import ListRow, list_columns, list_rows, made_line, workbook
from .plan import Allocated, Plan, allocate, facts_for, plan_month
from .settings import name_key

if TYPE_CHECKING:
    from ..workspace import Workspace

REPLACED = "replaced: the month was allocated again (allocate --replace) before any form was made"


@dataclass
class MonthResult:
    """What `allocate_month` did: the plan, the lists read, the allocation list written and what was recorded."""

    plan: Plan
    cases: CaseList
    auditors: AuditorList
    month: dt.date
    register: Path  # the register the audits are recorded in (for the summary)
    out: Path | None = None  # None: nothing was written (the month could not be allocated)
    recorded: int = 0  # audits recorded in the register
    replaced: int = 0  # audits of an earlier allocation of the month, cancelled
    programme: Path | None = None  # the programme whose month was allocated (None: the control sample only)
    activities: list[ActivityOutcome] = dc_field(default_factory=list)  # what was done for each of its activities

    @property
    def problems(self) -> list[str]:
        """The rows of the lists that were not used, each problem once with its file and rows."""
        return in_file(self.auditors.path, self.auditors.problems) + in_file(self.cases.path, self.cases.problems)

    @property
    def notes(self) -> list[str]:
        """Worth saying about the lists read; nothing is wrong."""
        return self.auditors.notes + self.cases.notes

    @property
    def files(self) -> list[Path]:
        return [self.out] if self.out else []

    @property
    def needs_attention(self) -> bool:
        return bool(self.plan.attention or self.problems)

    def refusal(self) -> list[str]:
        """Why the month could not be allocated ([] when it was), as the first line and one line a reason."""
        if not self.plan.impossible:
            return []
        return [f"Nothing was allocated for {r.month_name(self.month)}, and nothing was written or recorded:",
                *(f"  {why}" for why in self.plan.impossible)]

    def lines(self) -> list[str]:
        """The summary of the month allocated: what was allocated, written and recorded, what needs attention
        and what is next."""
        plan, month = self.plan, self.month
        re_audits = sum(1 for row in plan.rows if row.case.re_audit_of)
        auditors_used = len({row.auditor.name for row in plan.rows})
        lines = [f"Allocated {len(plan.rows)} audits for {r.month_name(month)} ({re_audits} re-audit"
                 f"{'s' * (re_audits != 1)}) to {auditors_used} auditors, seed {plan.seed}.",
                 f"Written: {self.out} (its Why sheet says why each auditor and what could not be kept).",
                 f"Recorded in the register {self.register}." + (f" {self.replaced} audits of the earlier "
                                                                 "allocation were cancelled." if self.replaced else "")]
        soft = [n for n in plan.notes if not n.hard] + [b for row in plan.rows for b in row.unmet]
        if plan.attention:
            lines += ["Needs attention:", *(f"  - {note}" for note in plan.attention)]
        if soft:
            lines.append(f"{len(soft)} soft rule{'s' * (len(soft) != 1)} could not be kept (listed in the Why sheet).")
        if self.programme is not None:
            lines.append(f"The month's activities in {self.programme.name}:")
            lines += [f"  - {outcome.line()}" + "".join(f"\n    Note: {n}" for n in outcome.notes)
                      for outcome in self.activities]
        return lines + [f"Next: auditdocs generate --data {self.out} --month {month:%Y-%m}"]


def problem_lines(problems: list[str]) -> list[str]:
    """The rows of the lists not used, under a line that counts them ([] when there is none)."""
    if not problems:
        return []
    return [f"{len(problems)} problem{'s' * (len(problems) != 1)} with rows of the lists (those rows not used):",
            *(f"  {problem}" for problem in problems)]


def in_file(path: Path, problems: list[RowProblem], shown: int = 12) -> list[str]:
    """Each problem once, with its file and the rows that have it (a list's 40 rows with the same problem are
    one line, not 40)."""
    by_message: dict[str, list[RowProblem]] = {}
    for problem in problems:
        by_message.setdefault(problem.message, []).append(problem)
    out = []
    for message, alike in by_message.items():
        if len(alike) == 1:
            out.append(f"{Path(path).name}, {alike[0]}")
            continue
        rows = ", ".join(str(p.row) for p in alike[:shown]) + ("…" if len(alike) > shown else "")
        out.append(f"{Path(path).name}, {len(alike)} rows ({rows}): {message}")
    return out


def unreadable_rows(lists: list[tuple[Path, list[RowProblem]]]) -> None:
    """Rows of the lists that cannot be used as they are: nothing is allocated, written or recorded (UserError)."""
    lines = [line for path, problems in lists for line in in_file(path, [p for p in problems if p.unreadable])]
    if lines:
        raise UserError("some rows of the lists cannot be used as they are, so nothing was allocated, written or "
                        "recorded:\n  " + "\n  ".join(lines) + "\nPut them right in the lists (or delete those "
                        "rows), and allocate again.")


def default_seed(month: dt.date) -> int:
    """The seed when none is given: the month (202612), so that allocating again gives the same list."""
    return month.year * 100 + month.month


def allocate_month(ws: Workspace, *, month: dt.date, cases: Path, auditors: Path, out: Path,
                   seed: int | None = None, replace: bool = False, today: dt.date | None = None,
                   mapping=()) -> MonthResult:
    """Allocate the month: write the allocation list to `out` and record its audits in the workspace's
    register (made if there is none yet), or, when the month cannot be allocated, write and record nothing
    (`result.plan.impossible` says why; a row of the lists that cannot be used, or a column missing, raises
    UserError). The rules and the sample are the workspace's [allocation] settings. `mapping`: --map
    "Column=what" items, for whichever list has the column."""
    library, settings = ws.library(), ws.settings("allocation")
    seed = default_seed(month) if seed is None else seed
    today = today or dt.date.today()
    _may_write(out, replace, [cases, auditors])
    auditor_list = read_auditors(auditors, settings, month, mapping)
    pool = read_cases(cases, library, settings, month, mapping=mapping)
    if unused := unused_mapping(mapping, pool.columns, auditor_list.columns):
        raise UserError("\n".join(unused))
    unreadable_rows([(auditors, auditor_list.problems), (cases, pool.problems)])
    programme, export = _programme_month(ws, month, cases)
    if programme is not None:
        settings = changed(settings, sample=sample_of(control_sample(programme.activities), settings.sample))
    with ws.open_register(write=True, create=True) as reg:
        audits = reg.audits()
        earlier = [a for a in audits if a.month == month and a.source == "allocate" and cycle.counts_towards_load(a)]
        _may_replace(earlier, month, replace, ws.register.name)
        history = history_from(audits, library, month, settings, leave_out=[a.audit_id for a in earlier])
        plan = plan_month(pool, auditor_list.auditors, history, settings, library, seed)
        result = MonthResult(plan, pool, auditor_list, month, ws.register)
        if programme is not None and not plan.impossible:
            _plan_programme(result, programme, export, facts_for(auditor_list.auditors, history, settings), library,
                            seed)
        if plan.impossible:
            return result
        given = [c for c in pool.columns if c != pool.mark_column]
        made = made_line(f"auditdocs allocate for {r.month_name(month)} with seed {seed} (the same lists, register "
                         "and seed give the same allocation)", today)
        listed = _write_list(plan.rows, given, out, library, month, plan.notes, made,
                             [outcome.line() for outcome in result.activities])
        result.out = out
        _record(reg, listed)
        result.recorded = len(listed)
        kept = {row.audit_id for row in listed}
        gone = [a for a in earlier if a.audit_id not in kept]
        reg.record_events(m.Event("cancelled", today, a.audit_id, who="auditdocs allocate",
                                  agreed_by="the QA officer who allocated the month again", reason=REPLACED)
                          for a in gone)
        # an audit an earlier run replaced, allocated again: that cancellation no longer holds
        reg.delete_events(e.id for a in audits if a.audit_id in kept for e in a.events_of("cancelled")
                          if e.reason == REPLACED)
        result.replaced = len(gone)
    return result


def _programme_month(ws: Workspace, month: dt.date, cases: Path):
    """The month of the workspace's programme (programme.xlsx) and the case system's export its cohorts are drawn
    from, or (None, None) when there is no programme or it has no activity this month (then the month is allocated
    as without a programme). Its activities include the re-audits scheduled for the month by six-month reviews. A
    cohort rule naming a column the export lacks raises UserError."""
    from ..programme.run import programme_month
    from ..workspace import PROGRAMME_FILE
    from .activities import cohort_problems
    from .cohort import read_export

    if ws.settings_file is None or not (ws.folder / PROGRAMME_FILE).is_file():
        return None, None
    shown = programme_month(ws, month, with_re_audits=True)
    shown.activities, shown.not_drawn = shown.with_re_audits_drawn()
    if not shown.activities and not shown.not_drawn:
        return None, None
    export = read_export(cases, [rule.column for a in shown.activities for rule in a.cohort])
    cohort_problems(shown.activities, export, shown.checked.path.name)
    return shown, export


def _plan_programme(result: MonthResult, programme, export, facts: r.Facts, library, seed: int) -> None:
    """The month's other activities added to the plan (the control sample is planned already), or the plan made
    impossible with why."""
    from .activities import plan_activities

    plan = result.plan
    result.programme = programme.checked.path
    rows, result.activities, notes, impossible = plan_activities(
        programme.activities, export, result.cases, result.auditors.auditors, facts, plan.rows, library, seed,
        programme.checked.path.name)
    if impossible:
        plan.rows, plan.impossible = [], impossible
        return
    plan.rows += rows
    plan.notes += notes
    plan.notes += [r.Breach("programme", said, "Add the activity to this month of the programme and allocate again "
                            "(with --replace), or draw the re-audit by hand.") for said in programme.not_drawn]
    if problems := programme.checked.problems:
        plan.notes.append(r.Breach("programme", f"{programme.checked.path.name} has {len(problems)} row"
                                   f"{'s' * (len(problems) != 1)} that could not be read, left out (the first: "
                                   f"{problems[0]}).", "Run 'auditdocs programme check', put them right and "
                                   "allocate again (with --replace) if they are this month's."))


def _may_write(out: Path, replace: bool, inputs: list[Path]) -> None:
    """Never write over one of the lists read, nor over a list already there (unless allocating again)."""
    out = Path(out)
    if any(out.resolve() == Path(p).resolve() for p in inputs):
        raise UserError(f"--out {out} is one of the lists being read: give another file name for the allocation list.")
    if out.exists() and not replace:
        raise UserError(f"{out} is already there (it may be a list someone has worked on), so it was not replaced. "
                        "Give another file name with --out, or move it away first.")


def _may_replace(earlier: list[m.RegisteredAudit], month: dt.date, replace: bool, register: str) -> None:
    if not earlier:
        return
    when = min(a.recorded for a in earlier).date() if all(a.recorded for a in earlier) else None
    said = f" on {when:%d/%m/%Y}" if when else ""
    if not replace:
        raise UserError(f"{r.month_name(month)} was already allocated{said}: the register {register} holds "
                        f"{len(earlier)} audits allocated for it. To allocate it again before any form is made, add "
                        "--replace (the earlier allocation is then cancelled). To change one audit after forms are "
                        "made, use --reallocate AUD-ID.")
    made = [a for a in earlier if a.files or a.returns or a.events]
    if made:
        raise UserError(f"{r.month_name(month)} cannot be allocated again: forms were made, or something was recorded, "
                        f"for {len(made)} of its audits ({', '.join(a.audit_id for a in made[:5])}"
                        f"{'…' if len(made) > 5 else ''}). Change single audits with --reallocate AUD-ID.")


def _write_list(rows: list[Allocated], given: list[str], out: Path, library, month: dt.date,
                notes: list[r.Breach], made: str, activities: list[str] = ()) -> list[ListRow]:
    """Write the allocation list and check that it reads back as generate reads it, with the same audit ids."""
    listed = list_rows(rows, library)
    write_atomic(out, workbook(listed, list_columns(listed, given), month, notes, made, activities), private=True)
    back = read_allocations(out, library, month=month)
    read = {a.row: a.audit_id for a in back.allocations}
    if back.problems or read != {n: row.audit_id for n, row in enumerate(listed, start=2)}:
        raise RuntimeError(f"{out} does not read back as generate reads it ("
                           + ("; ".join(map(str, back.problems)) or "other audit ids") + ")")
    return listed


def _record(reg, listed: list[ListRow]) -> int:
    """The allocated audits in the register, with the ids generate will give them."""
    return reg.record_audits(
        audit_from_allocation(row.spec, m.Allocation(row.spec.id, row.values, n, row.audit_id, row.activity),
                              source="allocate", auditor_role=row.auditor.role, service=row.service,
                              re_audit_of=row.re_audit_of, activity_type=row.activity_type,
                              counts_toward_ten=row.counts, group=row.group)
        for n, row in enumerate(listed, start=2))


# ---- checking a hand-made list ---------------------------------------------------------------------


@dataclass
class CheckResult:
    """What `check_allocation` found in a hand-made list (nothing is written)."""

    month: dt.date
    rows: int
    breaches: list[r.Breach] = dc_field(default_factory=list)  # hard rules broken
    notes: list[r.Breach] = dc_field(default_factory=list)  # soft rules not kept
    problems: list[str] = dc_field(default_factory=list)  # rows that could not be checked, with their file
    remarks: list[str] = dc_field(default_factory=list)  # worth saying; nothing is wrong
    listed: Path | None = None  # the list checked
    files: list[Path] = dc_field(default_factory=list)  # none: a check writes nothing

    @property
    def needs_attention(self) -> bool:
        return bool(self.breaches or self.problems)

    def lines(self) -> list[str]:
        """The summary: the rows checked, each breach and each soft rule not kept, with its row."""
        def where(b: r.Breach) -> str:
            return f"  {'row ' + str(b.row) if b.row else 'the month'}: {b.what} {b.todo}"

        name = self.listed.name if self.listed else "the list"
        lines = [f"Checked {self.rows} rows of {name} for {r.month_name(self.month)} against the rules."]
        if self.breaches:
            lines.append(f"{len(self.breaches)} breach{'es' * (len(self.breaches) != 1)} of the rules:")
            lines += [where(b) for b in self.breaches]
        else:
            lines.append("No rule is broken.")
        if self.notes:
            lines.append(f"Worth a look ({len(self.notes)}):")
            lines += [where(n) for n in self.notes]
        return lines


def check_allocation(ws: Workspace, *, listed: Path, auditors: Path, month: dt.date | None = None,
                     today: dt.date | None = None, mapping=()) -> CheckResult:
    """Every breach of the rules in an allocation list (by its row), against the history in the workspace's
    register (when there is one yet), under its [allocation] settings. `month`: the month the list is for
    (default: the month most of its due dates are in, else this month)."""
    library, settings = ws.library(), ws.settings("allocation")
    given, this_month = month, (today or dt.date.today()).replace(day=1)
    cases = read_cases(listed, library, settings, month or this_month, allocated=True, mapping=mapping)
    months = Counter(c.subject["due_date"][:7] for c in cases.cases if c.subject.get("due_date"))
    month = given or (dt.date.fromisoformat(months.most_common(1)[0][0] + "-01") if months else this_month)
    result = CheckResult(month, len(cases.cases) + len(cases.problems), problems=in_file(listed, cases.problems),
                         remarks=list(cases.notes), listed=Path(listed))
    if not given and len(months) > 1:
        result.remarks.append(f"the list's due dates are in {len(months)} months; it was checked as the list of "
                              f"{r.month_name(month)} (give --month to check another).")
    auditor_list = read_auditors(auditors, settings, month, mapping)
    if unused := unused_mapping(mapping, cases.columns, auditor_list.columns):
        raise UserError("\n".join(unused))
    result.problems += in_file(auditors, auditor_list.problems)
    result.remarks += auditor_list.notes
    if ws.register.exists():
        with ws.open_register() as reg:
            audits = reg.audits()
    else:
        audits = []
        result.remarks.append(f"there is no register at {ws.register} yet, so the list was checked without the "
                              "history of earlier months (audits this year, exemptions, who audited a case last).")
    own = {audit_id_of(c, library) for c in cases.cases}  # the list's own audits, if already recorded
    history = history_from(audits, library, month, settings, leave_out=own)
    facts = facts_for(auditor_list.auditors, history, settings)
    waiting = {due.original.case_number: due.original.audit_id for due in history.re_audits}
    for case in cases.cases:
        case.re_audit_of = waiting.get(case.case_number, "")
    result.breaches = activity_breaches(cases.cases, facts) + month_breaches(cases.cases, facts)
    for case in cases.cases:
        if auditor := facts.auditor(case.auditor):
            result.notes += row_notes(case, auditor, facts)
    result.notes += month_notes(cases.cases, facts)
    return result


def audit_id_of(case: m.Case, library) -> str:
    spec = library.get(case.form_id)
    return audit_id(spec, form_values(spec, case.subject))


# ---- reallocating an audit after an exemption ----------------------------------------------------


@dataclass
class Reallocation:
    """What `reallocate_audit` did: the audit, the plan for it and, when it could be reallocated, the new audit
    and the one-row allocation list written."""

    original: m.RegisteredAudit
    plan: Plan
    out: Path | None = None  # None: nothing was written or recorded
    new_audit_id: str = ""
    agreed_by: str = ""
    asked: str = ""  # the audit id as it was given

    @property
    def replacement(self) -> Allocated | None:
        return self.plan.rows[0] if self.plan.rows else None

    @property
    def files(self) -> list[Path]:
        return [self.out] if self.out else []

    @property
    def needs_attention(self) -> bool:
        """A reallocation done needs nothing more (one refused says why: `refusal`)."""
        return False

    def refusal(self) -> list[str]:
        """Why the audit could not be reallocated ([] when it was)."""
        if not self.plan.impossible:
            return []
        return [f"{self.asked or self.original.audit_id} could not be reallocated, and nothing was recorded:",
                *(f"  {why}" for why in self.plan.impossible)]

    def lines(self) -> list[str]:
        """The summary: the exemption recorded, the new auditor and audit, and the list written."""
        new, audit_id = self.replacement, self.asked or self.original.audit_id
        return [f"Exemption of {self.original.auditor} from {audit_id} recorded (agreed by {self.agreed_by}).",
                f"Reallocated to {new.auditor.name}: the new audit is {self.new_audit_id}. {new.why}",
                *(f"  - {note}" for note in new.unmet),
                f"Written: {self.out}. Next: auditdocs generate --data {self.out}"]


def reallocate_audit(ws: Workspace, *, audit_id: str, reason: str, agreed_by: str, auditors: Path, out: Path,
                     agreed_role: str = "", today: dt.date | None = None) -> Reallocation:
    """Record the exemption agreed for an audit and give the audit to another auditor under the same rules
    (the workspace's [allocation] settings): the new audit is recorded in the workspace's register and written
    to a one-row allocation list, `out`, for generate."""
    library, settings = ws.library(), ws.settings("allocation")
    today = today or dt.date.today()
    _may_write(out, False, [auditors])
    if not reason.strip():
        raise UserError("say why the auditor is exempted, with --reason \"…\": the register keeps it.")
    with ws.open_register(write=True) as reg:
        audit = reg.audit(audit_id.strip())
        if audit is None:
            raise UserError(f"the register {ws.register.name} has no audit {audit_id}. Check the audit id "
                            "(it is in the allocation list's Why sheet, and in each form's file name).")
        month = audit.month or today.replace(day=1)
        auditor_list = read_auditors(auditors, settings, month)
        _may_reallocate(audit, library, today)
        role = agreed_role.strip() or _role_of(agreed_by, auditor_list)
        exemption = m.Event("exempted", today, audit.audit_id, who=audit.auditor, agreed_by=agreed_by.strip(),
                            agreed_role=role, reason=reason.strip())
        listed_as = next((a.role for a in auditor_list.auditors if name_key(a.name) == name_key(audit.auditor)), "")
        if problem := cycle.exemption_problem(exemption, audit.auditor_role or listed_as):
            raise UserError(f"{problem.replace('the exemption recorded on', 'the exemption of', 1)} Nothing was "
                            "recorded: reallocate it once the right person has agreed (give their role with "
                            "--agreed-role).")
        history = history_from(reg.audits(), library, month, settings, leave_out=[audit.audit_id])
        history.exempted.add((name_key(audit.auditor), audit.case_number))
        spec = library.get(audit.form_id)
        case = m.Case(0, spec.id, form_values(spec, audit.subject) | {"auditor": ""},
                      service=audit.service, re_audit_of=audit.re_audit_of, activity=audit.activity)
        plan = allocate([case], auditor_list.auditors, facts_for(auditor_list.auditors, history, settings), 0)
        result = Reallocation(audit, plan, agreed_by=agreed_by, asked=audit_id)
        if plan.impossible:
            return result
        plan.rows = [changed(row, activity_type=audit.activity_type, counts=audit.counts_toward_ten,
                                 group=tuple(audit.group)) for row in plan.rows]
        listed = _write_list(plan.rows, [], out, library, month, [],
                             made_line(f"auditdocs allocate --reallocate {audit.audit_id}", today))
        _record(reg, listed)
        result.out, result.new_audit_id = out, listed[0].audit_id
        reg.record_events([exemption, m.Event("reallocated", today, audit.audit_id, who="auditdocs allocate",
                                              agreed_by=exemption.agreed_by, agreed_role=role, reason=exemption.reason,
                                              details={"to": listed[0].auditor.name,
                                                       "new_audit_id": result.new_audit_id})])
    return result


def _may_reallocate(audit: m.RegisteredAudit, library, today: dt.date) -> None:
    state = cycle.standing(audit, library.get(audit.form_id, audit.form_version), today).state
    if state in (cycle.CANCELLED, cycle.REALLOCATED):
        raise UserError(f"{audit.audit_id} is {cycle.STATES[state].lower()}: there is nothing to reallocate.")
    if audit.returns:
        raise UserError(f"a form has already come back for {audit.audit_id}, so it cannot be reallocated. "
                        "If it must be audited again, allocate it in a later month.")
    if library.get(audit.form_id) is None:
        raise UserError(f"{audit.audit_id} needs the form '{audit.form_id}', which is not in the form specs: add it.")


def _role_of(agreed_by: str, auditors: AuditorList) -> str:
    person = next((a for a in auditors.auditors if name_key(a.name) == name_key(agreed_by)), None)
    if person is None or not person.role:
        raise UserError(f"give the role of {agreed_by or 'whoever agreed the exemption'} with --agreed-role "
                        f"(for example --agreed-role \"{cycle.ASSISTANT_DIRECTOR}\"): only the "
                        f"{cycle.ASSISTANT_DIRECTOR} (or, for QA auditors, the {cycle.STRATEGIC_LEAD}) can agree one.")
    return person.role

