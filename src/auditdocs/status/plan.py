"""The month at a glance (`auditdocs status`) and what to chase, person by person (`auditdocs chase`).

Both are worked out from the register's audits and where `cycle.standings` says each stands; nothing
here reads a file or the clock.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Iterable

from ..domain import cycle
from ..domain import model as m
from ..domain.dates import last_day_of_month, long_date
from ..errors import UserError

SOON_DAYS = 7  # "due this week": within the next seven days
MANAGERS_DIP_SAMPLES = "managers' dip samples"  # the activity type of the managers' own dip samples (4.31)


# ---- activities ----------------------------------------------------------------------------


def is_control_sample(audit) -> bool:
    """An audit of the month's control sample (not of another activity of the programme)."""
    return audit.activity_type in ("", m.CONTROL_SAMPLE)


def activity_type_of(audit) -> str:
    """The audit's activity type as people read it ('' is the control sample)."""
    return audit.activity_type or m.CONTROL_SAMPLE


def of_activity(audits: list[m.RegisteredAudit], activity: str | None) -> tuple[list[m.RegisteredAudit], str | None]:
    """The audits of the activity named (its name as shown, or an activity type; any case; all without a name),
    and the activity as shown. Raises UserError, with "did you mean", when no audit of the register has it."""
    if not activity:
        return audits, None
    wanted = activity.strip().casefold()
    names = {m.activity_name(a).casefold(): m.activity_name(a) for a in audits}
    if wanted in names:
        return [a for a in audits if m.activity_name(a).casefold() == wanted], names[wanted]
    types = {activity_type_of(a).casefold() for a in audits}
    if wanted in types:
        return [a for a in audits if activity_type_of(a).casefold() == wanted], wanted
    from ..specs.loader import did_you_mean

    known = sorted(set(names.values()), key=str.casefold)
    raise UserError(f"no audit of the register is of the activity '{activity}'"
                    f"{did_you_mean(activity, known + sorted(types))}. The activities with audits are: "
                    f"{', '.join(known) or 'none'} (give one of them, in quotes, to --activity).")


@dataclass
class ManagerDips:
    """One manager's own dip samples of the month (4.31: two cases a month each)."""

    manager: str
    role: str
    audits: list[tuple[m.RegisteredAudit, cycle.Standing]] = dc_field(default_factory=list)
    due: int = 0  # to do (cancelled, exempted and reallocated ones aside)
    returned: int = 0

    @property
    def outstanding(self) -> int:
        return max(self.due - self.returned, 0)

    @property
    def done(self) -> bool:
        return self.due > 0 and not self.outstanding

    def as_dict(self) -> dict:
        return {"manager": self.manager, "role": self.role, "due": self.due, "returned": self.returned,
                "outstanding": self.outstanding, "audits": [a.audit_id for a, _ in self.audits]}

    def line(self) -> str:
        who = f"{self.manager} ({self.role})" if self.role else self.manager
        state = "done" if self.done else f"{self.outstanding} outstanding"
        return f"{who}: {self.due} due, {self.returned} returned, {state}"


NO_MANAGER = "(no manager named)"


def managers_dip_samples(audits: Iterable[tuple[m.RegisteredAudit, cycle.Standing]]) -> list[ManagerDips]:
    """Per manager (the auditor of a managers' dip sample), how many of theirs are due and returned."""
    out: dict[str, ManagerDips] = {}
    for a, standing in audits:
        if a.activity_type != MANAGERS_DIP_SAMPLES:
            continue
        dips = out.setdefault(a.auditor or NO_MANAGER, ManagerDips(a.auditor or NO_MANAGER, a.auditor_role))
        dips.audits.append((a, standing))
        if standing.returned_on is None and standing.state in (cycle.CANCELLED, cycle.REALLOCATED, cycle.EXEMPTED):
            continue
        dips.due += 1
        dips.returned += standing.returned_on is not None
    return sorted(out.values(), key=lambda d: d.manager.casefold())


@dataclass(frozen=True)
class AuditLine:
    """One audit as the month at a glance lists it."""

    audit: m.RegisteredAudit
    standing: cycle.Standing
    name: str  # who the audit is about, as a person reads it

    @property
    def next_deadline(self) -> dt.date | None:
        return self.standing.earliest_deadline

    def as_dict(self) -> dict:
        step = self.standing.next_step
        return {"audit_id": self.audit.audit_id, "case_number": self.audit.case_number, "form": self.audit.form_id,
                "auditor": self.audit.auditor, "team": self.audit.team, "activity": m.activity_name(self.audit),
                "activity_type": activity_type_of(self.audit), "counts_toward_ten": self.audit.counts_toward_ten,
                "group": list(self.audit.group), "state": self.standing.state,
                "next_deadline": self.next_deadline.isoformat() if self.next_deadline else None,
                "next_step": step.what if step else None}


@dataclass
class MonthAtAGlance:
    month: dt.date  # its first day
    today: dt.date
    lines: list[AuditLine]
    #: The audits of the other months that are overdue or due soon (when every month is looked at), else None.
    other_months: list[AuditLine] | None = None
    #: The six-month reviews of thematic audits (`cycle.ActivityReview`): those not yet held, the month's own, and
    #: those whose re-audit is scheduled for the month.
    reviews: list[cycle.ActivityReview] = dc_field(default_factory=list)
    activity: str | None = None  # the activity looked at (None: every activity)

    def counts(self) -> dict[str, int]:
        """How many audits are in each state (every state, in the order an audit goes through them)."""
        found = Counter(line.standing.state for line in self.lines)
        return {state: found.get(state, 0) for state in cycle.STATES}

    def by(self, what: str) -> dict[str, Counter]:
        """auditor, team or activity -> how many audits in each state."""
        out: dict[str, Counter] = {}
        for line in self.lines:
            key = (m.activity_name(line.audit) if what == "activity" else getattr(line.audit, what)) or f"(no {what})"
            out.setdefault(key, Counter())[line.standing.state] += 1
        return dict(sorted(out.items(), key=lambda item: item[0].casefold()))

    def _every_line(self) -> list[AuditLine]:
        return self.lines + (self.other_months or [])

    def overdue(self) -> list[AuditLine]:
        """Overdue, of the month (and of every other month, when they are looked at)."""
        return sorted((line for line in self._every_line() if line.standing.overdue),
                      key=lambda line: (line.next_deadline or dt.date.min, line.audit.audit_id))

    def due_soon(self) -> list[AuditLine]:
        """Not overdue, with a step due within the week."""
        soon = self.today + dt.timedelta(days=SOON_DAYS)
        return sorted((line for line in self._every_line() if not line.standing.overdue and line.next_deadline
                       and line.next_deadline <= soon), key=lambda line: (line.next_deadline, line.audit.audit_id))

    def activities(self) -> bool:
        """The month has audits of an activity besides the control sample (then they are counted by activity)."""
        return any(not is_control_sample(line.audit) for line in self.lines)

    def managers(self) -> list[ManagerDips]:
        """The managers' own dip samples of the month, manager by manager."""
        return managers_dip_samples((line.audit, line.standing) for line in self.lines)

    def as_json(self) -> dict:
        out = {"month": f"{self.month:%Y-%m}", "counts": self.counts(), "audits": [line.as_dict() for line in self.lines]}
        if self.activity:
            out["activity"] = self.activity
        if self.activities():
            out["by_activity"] = {name: {s: n for s, n in states.items()} for name, states in self.by("activity").items()}
        if managers := self.managers():
            out["managers_dip_samples"] = [d.as_dict() for d in managers]
        if self.other_months is not None:
            out["other_months"] = [line.as_dict() | {"month": f"{line.audit.month:%Y-%m}"} for line in self.other_months]
        if self.reviews:
            out["reviews"] = [{"activity": r.activity, "month": f"{r.month:%Y-%m}", "due": r.due.isoformat(),
                               "held_on": r.held_on.isoformat() if r.held_on else None, "progressed": r.progressed,
                               "re_audit_in": f"{r.re_audit_in:%Y-%m}" if r.re_audit_in else None,
                               "overdue": r.late(self.today)} for r in self.reviews]
        return out

    def text(self, limit: int | None = None, groups: bool = True) -> str:
        """The month for a person to read; `limit`: at most that many audits in each list; `groups`: with the
        counts by auditor and by team."""
        of = f" of the activity '{self.activity}'" if self.activity else ""
        if not self.lines and not self.other_months:
            return "\n".join([f"No audits{of} are allocated for {self.month:%B %Y} in the register.",
                              *review_lines(self.reviews, self.month, self.today)])
        counts = self.counts()
        out = [f"{self.month:%B %Y} on {long_date(self.today)}: {len(self.lines)} audit{'s' * (len(self.lines) != 1)}"
               f"{of}.", ""]
        out += [f"  {n:>4}  {cycle.STATES[state]}" for state, n in counts.items() if n]
        by_activity = (("activity", "By activity"),) if self.activities() and not self.activity else ()
        for what, title in (*by_activity, ("auditor", "By auditor"), ("team", "By team")) if groups else ():
            out += ["", f"{title}:"]
            for key, states in self.by(what).items():
                out.append(f"  {key}: " + ", ".join(f"{n} {cycle.STATES[s].lower()}" for s, n in
                                                    sorted(states.items(), key=lambda i: list(cycle.STATES).index(i[0]))))
        if managers := self.managers():
            out += ["", f"Managers' dip samples ({sum(d.done for d in managers)} of {len(managers)} "
                        f"manager{'s' * (len(managers) != 1)} done):"]
            out += [f"  {d.line()}" for d in managers]
        every = ", of every month" if self.other_months is not None else ""
        for title, lines in (("Overdue", self.overdue()), (f"Due in the next {SOON_DAYS} days", self.due_soon())):
            out += ["", f"{title}{every}:" if lines else f"{title}{every}: none."]
            shown = lines[:limit] if limit else lines
            out += [f"  {_line(line, self.today, self.month)}" for line in shown]
            if len(shown) < len(lines):
                out.append(f"  … and {len(lines) - len(shown)} more ('auditdocs status' lists them all).")
        return "\n".join(out + review_lines(self.reviews, self.month, self.today))


def _line(line: AuditLine, today: dt.date, month: dt.date | None = None) -> str:
    """An audit and its step that is late (else its next step), with who is to take it (and its month, when it is
    not `month`)."""
    steps = line.standing.steps
    step = next((s for s in steps if s.late(today)), None) or next((s for s in steps if s.due), None) or steps[0]
    who = f"{line.name}, case {line.audit.case_number}" if line.name else f"case {line.audit.case_number}"
    when = "" if step.due else " (as soon as possible)"
    allocated = f"; {line.audit.month:%B %Y}" if month and line.audit.month and line.audit.month != month else ""
    allocated += f"; {m.activity_name(line.audit)}" if not is_control_sample(line.audit) else ""
    return (f"{line.audit.audit_id} ({who}; auditor {line.audit.auditor or 'not named'}{allocated}): {step.who}: "
            f"{step.what}{when}")


def subject_name(audit: m.RegisteredAudit, library) -> str:
    spec = library.get(audit.form_id, audit.form_version)
    return spec.subject_name(audit.subject) if spec else ""


def review_lines(reviews: list[cycle.ActivityReview], month: dt.date, today: dt.date) -> list[str]:
    """The six-month reviews of thematic audits and the re-audits scheduled for `month`, for status."""
    if not reviews:
        return []
    out = []
    shown = [r for r in reviews if r.held_on is None or r.month == month]
    if shown:
        out += ["", "Six-month reviews of thematic audits:"]
        out += [f"  {r.activity} ({r.month:%B %Y}): {r.what}{' - overdue' if r.late(today) else ''}" for r in shown]
    again = [r for r in reviews if r.re_audit_in == month]
    if again:
        out += ["", f"Re-audits scheduled for {month:%B %Y}: " + "; ".join(
            f"{r.activity} (thematic audit of {r.month:%B %Y})" for r in again)]
    return out


def month_at_a_glance(audits: list[m.RegisteredAudit], standings: dict[str, cycle.Standing], library,
                      month: dt.date, today: dt.date, every_month: bool = False,
                      reviews: list[cycle.ActivityReview] = (), activity: str | None = None) -> MonthAtAGlance:
    """The month's audits (allocated for `month`), where each stands on `today`; with `every_month`, also the
    audits of the other months that are overdue or due within the week; with `activity`, only that activity's
    (`of_activity`). `reviews`: every thematic audit's six-month review (those to show are chosen here)."""
    month = month.replace(day=1)
    audits, shown = of_activity(audits, activity)
    lines = [AuditLine(a, standings[a.audit_id], subject_name(a, library)) for a in audits if a.month == month]
    glance = MonthAtAGlance(month, today, lines, activity=shown, reviews=[
        r for r in reviews if r.held_on is None or r.month == month or r.re_audit_in == month])
    if every_month:
        soon = today + dt.timedelta(days=SOON_DAYS)
        glance.other_months = [
            AuditLine(a, standings[a.audit_id], subject_name(a, library)) for a in audits if a.month != month
            and (standings[a.audit_id].overdue or (standings[a.audit_id].earliest_deadline or dt.date.max) <= soon)]
    return glance


def default_month(months: list[dt.date], today: dt.date) -> dt.date | None:
    """The month to show when none is given: this month if it has audits, else the latest one begun."""
    this = today.replace(day=1)
    if this in months:
        return this
    begun = [mo for mo in months if mo <= this]
    return begun[-1] if begun else (months[-1] if months else None)


# ---- chasing -----------------------------------------------------------------------------


@dataclass
class Letter:
    """What one person is asked for: `to`, their role, and the text ready to e-mail."""

    to: str
    role: str  # auditor, team manager
    text: str
    overdue: bool = False  # something in it is overdue


AUDITOR_STEPS = ("return", "amend")
MANAGER_STEPS = ("oversight", "actions", "meeting", "review_meeting", "head_of_service_meeting", "re_audit")


def chase_letters(audits: list[m.RegisteredAudit], standings: dict[str, cycle.Standing], library,
                  month: dt.date, today: dt.date, reviews: list[cycle.ActivityReview] = ()) -> list[Letter]:
    """One letter per auditor (audits not returned, overdue, to amend, each with its date) and one per team
    manager (oversight due, actions overdue, meetings and re-audits due), for the audits of `month` and of
    the months before it that still need something."""
    month = month.replace(day=1)
    chosen = [a for a in audits if a.month and a.month <= month]
    # a person with audits of more than one activity (or of one besides the control sample) reads which is which
    named_for: set[str] = set()
    for a in chosen:
        if not is_control_sample(a):
            named_for |= {a.auditor, _manager(a)}
    dips: dict[str, list[str]] = {}  # a manager's own dip samples not yet returned
    auditors: dict[str, list[str]] = {}
    to_amend: dict[str, list[str]] = {}
    to_resend: dict[str, list[str]] = {}  # sent back as a file that cannot be read (a .doc, a PDF)
    managers: dict[str, list[str]] = {}
    late_for: set[str] = set()  # who is chased for something overdue
    for a in chosen:
        standing = standings[a.audit_id]
        name = subject_name(a, library)
        plain = f"{a.audit_id} ({name + ', ' if name else ''}case {a.case_number}"
        for step in standing.steps:
            late = " - overdue" if step.late(today) else ""
            if late and step.kind in (*AUDITOR_STEPS, "resend"):
                late_for.add(a.auditor)
            person = _manager(a) if step.kind in MANAGER_STEPS else a.auditor
            what = f"{plain}; {m.activity_name(a)})" if person in named_for else f"{plain})"
            if step.kind == "return" and a.activity_type == MANAGERS_DIP_SAMPLES:
                dips.setdefault(a.auditor, []).append(f"  {what}: due {long_date(step.due)}{late}"
                                                      if step.due else f"  {what}")
            elif step.kind == "return":
                auditors.setdefault(a.auditor, []).append(f"  {what}: due {long_date(step.due)}{late}"
                                                          if step.due else f"  {what}")
            elif step.kind == "resend":
                to_resend.setdefault(a.auditor, []).append(f"  {what}: it was due {long_date(step.due)}{late}"
                                                           if step.due else f"  {what}")
            elif step.kind == "amend":
                to_amend.setdefault(a.auditor, []).append(f"  {what}: amend and send back by {long_date(step.due)}"
                                                          f"{late}")
            elif step.kind in MANAGER_STEPS:
                manager = _manager(a)
                lines = managers.setdefault(manager, [])
                if late:
                    late_for.add(manager)
                if step.kind == "actions":
                    spec = library.get(a.form_id, a.form_version)
                    late_actions = [x for x in a.actions if cycle.action_overdue(spec, x, today)]
                    if late_actions:
                        late_for.add(manager)
                    for x in late_actions:
                        lines.append(f"  {what}: action {x.action_id} '{x.text}' was due "
                                     f"{long_date(cycle.action_required_by(spec, x))} - overdue")
                    continue
                when = f" by {long_date(step.due)}" if step.due else " as soon as possible"
                lines.append(f"  {what}: {_manager_step(step)}{when}{late}")
    letters = []
    for auditor in sorted(set(auditors) | set(to_amend) | set(to_resend), key=lambda n: (not n, n.casefold())):
        text = [f"To {auditor or '(no auditor named)'}:"]
        if auditors.get(auditor):
            text += ["Please complete these audits and send them to QA by the dates shown:", *auditors[auditor]]
        if to_amend.get(auditor):
            text += ["Please amend these audits, which were sent back to you, by the dates shown:", *to_amend[auditor]]
        if to_resend.get(auditor):
            text += ["The files you sent for these audits cannot be read (an old .doc, a PDF…): please send the form "
                     "itself, the Word (.docx) or Excel (.xlsx) file you filled in:", *to_resend[auditor]]
        letters.append(Letter(auditor, "auditor", "\n".join(text), auditor in late_for))
    for manager in sorted(managers, key=str.casefold):
        if managers[manager]:
            letters.append(Letter(manager, "team manager", "\n".join(
                [f"To {manager}:", "For the audits of your team, please:", *managers[manager]]), manager in late_for))
    for manager in sorted(dips, key=lambda n: (not n, n.casefold())):
        letters.append(Letter(manager, DIP_SAMPLER, "\n".join(
            [f"To {manager or '(no manager named)'}:",
             "Please dip sample these cases (your managers' dip samples: two cases a month) and send the forms to QA "
             "by the dates shown:", *dips[manager]]), manager in late_for))
    if letter := review_letter(reviews, month, today):
        letters.append(letter)
    return letters


def review_letter(reviews: list[cycle.ActivityReview], month: dt.date, today: dt.date) -> Letter | None:
    """To the QA team: the six-month reviews of thematic audits not yet held and due by the end of `month` (or
    within the week), each with its date; None when there are none."""
    by = max(last_day_of_month(month), today + dt.timedelta(days=SOON_DAYS))
    due = [r for r in reviews if r.held_on is None and r.due <= by]
    if not due:
        return None
    lines = [f"  {r.activity} ({r.month:%B %Y}): hold the six-month review by {long_date(r.due)}"
             f"{' - overdue' if r.late(today) else ''}" for r in due]
    return Letter("the QA team", "QA officer", "\n".join(
        ["To the QA team:", "Please hold the six-month review of these thematic audits, and type the day each was held "
         "in the tracker's Key messages sheet (Review held on):",
         *lines]), any(r.late(today) for r in due))


DIP_SAMPLER = "dip samples"  # the role of a letter chasing a manager's own dip samples


def _manager(a: m.RegisteredAudit) -> str:
    """Who is chased for a team manager's steps of an audit."""
    return a.subject.get("team_manager") or f"the team manager of {a.team or 'the team'}"


def _manager_step(step: cycle.Step) -> str:
    return {"oversight": "record management oversight",
            "meeting": "meet the group manager and the worker about the Inadequate audit",
            "review_meeting": "hold the review meeting after the Inadequate audit",
            "head_of_service_meeting": "meet the Head of Service: the case is Inadequate again",
            "re_audit": "see that the re-audit is done"}.get(step.kind, step.what)


def chase_text(letters: list[Letter], month: dt.date) -> str:
    if not letters:
        return f"Nothing to chase for {month:%B %Y}: every audit is where it should be."
    return "\n\n".join(letter.text for letter in letters)
