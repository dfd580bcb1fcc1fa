"""The rules of the audit cycle: where each audit stands, what has to happen next, and by when.

The framework (seed 003, Appendix A) in the order an audit goes through it:

1. **Allocated.** The auditor completes the audit by the last calendar day of its month
   (or the due date the allocation list gave). Not returned by then: **overdue**.
2. **Returned incomplete.** The QA officer sends it back; the auditor amends it within
   3 working days of it being sent back. The amended form comes back as a newer version.
3. **Complete.** It was finalised on the audit date the form gives (else the day it came
   back). **Management oversight** is due 10 working days later, until it is recorded.
4. **Actions** stay open until the team manager confirms each one done; until then the
   audit is **in drafts** (the framework asks QA to report these).
5. **Inadequate** (the grade after moderation where there is one, else the overall grade):
   the group manager, team manager and worker meet as soon as possible; a review meeting is
   due 4 weeks after the audit was finalised; a re-audit is due within 2 months, and the
   next audit of the same case is linked to it as its re-audit. A re-audit that is
   Inadequate again adds a Head of Service meeting, and has its own follow-up: the cycle
   repeats until the case is no longer Inadequate.
6. **Exempted** only when agreed by the Assistant Director (or, for a QA auditor, the
   Strategic Lead for Improvement, Performance and Quality); otherwise the audit counts as
   not completed. **Cancelled** only with who agreed and why. **Reallocated** to another
   auditor: the new audit carries on in this one's place.

`standings()` decides every audit's `Standing` (its state and the steps still to take, soonest
first) from what the register holds (`model.RegisteredAudit`). Everything here is a pure
function: dates in, dates out; nothing reads a file or the clock. Working days skip weekends
and England and Wales bank holidays (`auditdocs.dates`), and every deadline that would fall
on a weekend or a bank holiday is the next working day. Records hold values (a scale's
option, ISO dates); labels for people are made where they are shown (see STATES).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass
from dataclasses import field as dc_field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Iterable

from . import model as m
from .dates import (
    add_months,
    add_working_days,
    last_day_of_month,
    next_working_day,
    parse_date,
    uk,
)

# ---- the deadlines --------------------------------------------------------------------

AMEND_WORKING_DAYS = 3  # after the audit was sent back
MANAGEMENT_OVERSIGHT_DAYS = 10  # working days after the audit was finalised
REVIEW_MEETING_WEEKS = 4  # after an Inadequate audit was finalised
RE_AUDIT_MONTHS = 2  # after an Inadequate audit was finalised
INADEQUATE = "inadequate"  # the scale value that starts the Inadequate follow-up
YEAR_START_MONTH = 4  # audit years run April to March unless the workspace says otherwise

#: What a team manager sets an action to; the last two close it.
ACTION_STATUSES = ("Open", "In progress", "Done", "No longer needed")
ACTION_CLOSED = ("Done", "No longer needed")

ASSISTANT_DIRECTOR = "Assistant Director"
STRATEGIC_LEAD = "Strategic Lead for Improvement, Performance and Quality"


def amend_by(sent_back: dt.date) -> dt.date:
    return add_working_days(sent_back, AMEND_WORKING_DAYS)


def oversight_due(finalised: dt.date) -> dt.date:
    return add_working_days(finalised, MANAGEMENT_OVERSIGHT_DAYS)


def review_meeting_due(finalised: dt.date) -> dt.date:
    return next_working_day(finalised + dt.timedelta(weeks=REVIEW_MEETING_WEEKS))


def re_audit_due(finalised: dt.date) -> dt.date:
    return next_working_day(add_months(finalised, RE_AUDIT_MONTHS))


THEMATIC_AUDIT = "thematic audit"  # the activity type followed by a six-month review (seed 003, 4.13-4.14)
REVIEW_MONTHS = 6  # a thematic audit is reviewed six months after its summary was agreed


def review_due(month: dt.date, agreed_on: dt.date | None = None) -> dt.date:
    """When a thematic audit's six-month review is due: six months after the group agreed its summary (its key
    messages), else six months after the end of its month; on a weekend or a bank holiday, the next working day."""
    return next_working_day(add_months(agreed_on or last_day_of_month(month), REVIEW_MONTHS))


@dataclass(frozen=True)
class ActivityReview:
    """The six-month review of one thematic audit (an activity of the programme in its month), and the re-audit
    scheduled when it found practice had not progressed sufficiently (4.13)."""

    activity: str
    month: dt.date  # the activity's month (its first day)
    due: dt.date
    held_on: dt.date | None = None  # recorded by the QA officer (the Key messages sheet's "Review held on")
    progressed: str = ""  # what the review found: "Yes", "No", or "" (not said)
    re_audit_in: dt.date | None = None  # the month of the re-audit, when one was scheduled (its first day)

    def late(self, today: dt.date) -> bool:
        """Not held, and past its date."""
        return self.held_on is None and today > self.due

    @property
    def what(self) -> str:
        """Where the review stands, in words."""
        if self.held_on is None:
            return f"six-month review due {uk(self.due)}"
        said = {"yes": "practice has progressed", "no": "practice has not progressed sufficiently"}.get(
            self.progressed.strip().casefold(), "")
        out = f"six-month review held {uk(self.held_on)}" + (f": {said}" if said else "")
        if self.re_audit_in is not None:
            out += f"; re-audit scheduled for {self.re_audit_in:%B %Y}"
        return out


def activity_review(activity: str, month: dt.date, *, agreed_on: dt.date | None = None,
                    held_on: dt.date | None = None, progressed: str = "",
                    re_audit_in: dt.date | None = None) -> ActivityReview:
    """A thematic audit's review from what people recorded: when the group agreed its summary, when the review
    was held, whether practice progressed, the month of a re-audit scheduled."""
    month = month.replace(day=1)
    return ActivityReview(activity, month, review_due(month, agreed_on), held_on, (progressed or "").strip(),
                          re_audit_in.replace(day=1) if re_audit_in else None)


def due_date(audit: m.RegisteredAudit) -> dt.date | None:
    """When the audit must be returned: its due date, else the last day of its month (a re-audit's too); on a
    weekend or a bank holiday, the next working day."""
    due = audit.due or (last_day_of_month(audit.month) if audit.month else None)
    return next_working_day(due) if due else None


# ---- the states ---------------------------------------------------------------------

ALLOCATED, OVERDUE, UNREADABLE = "allocated", "overdue", "unreadable"
TO_SEND_BACK, SENT_BACK = "to_send_back", "sent_back"
OVERSIGHT_DUE, IN_DRAFTS, FOLLOW_UP, CLOSED = "oversight_due", "in_drafts", "follow_up", "closed"
EXEMPTED, CANCELLED, REALLOCATED = "exempted", "cancelled", "reallocated"
#: Every state, in the order an audit goes through them, with what a person reads.
STATES = {
    ALLOCATED: "Allocated, not yet returned",
    OVERDUE: "Overdue: not returned",
    UNREADABLE: "Returned, but cannot be read",
    TO_SEND_BACK: "Returned incomplete: to send back",
    SENT_BACK: "Sent back to amend",
    OVERSIGHT_DUE: "Waiting for management oversight",
    IN_DRAFTS: "In drafts: actions open",
    FOLLOW_UP: "Inadequate follow-up",
    CLOSED: "Closed",
    EXEMPTED: "Exempted: to reallocate",
    CANCELLED: "Cancelled",
    REALLOCATED: "Reallocated",
}


@dataclass(frozen=True)
class Step:
    """Something still to happen: what, by whom, by when (None: as soon as possible)."""

    kind: str  # return, send_back, amend, oversight, actions, meeting, review_meeting, re_audit,
    #            head_of_service_meeting, reallocate
    what: str
    who: str
    due: dt.date | None = None

    def late(self, today: dt.date) -> bool:
        return self.due is not None and today > self.due


@dataclass(frozen=True)
class Standing:
    """Where one audit stands on a given day."""

    audit_id: str
    state: str  # one of STATES
    steps: tuple[Step, ...] = ()  # still to happen, soonest first
    overdue: bool = False  # a step is past its date
    returned_on: dt.date | None = None  # when it first came back
    returned_late: bool = False
    finalised: dt.date | None = None
    grade: m.Option | None = None  # the final grade (after moderation where moderated)
    re_audit_of: str = ""  # the audit this one re-audits
    re_audit: str = ""  # the audit that re-audits this one
    problems: tuple[str, ...] = ()  # things a QA officer should know (an exemption not valid…)

    @property
    def next_step(self) -> Step | None:
        return self.steps[0] if self.steps else None

    @property
    def next_deadline(self) -> dt.date | None:
        return self.steps[0].due if self.steps else None

    @property
    def earliest_deadline(self) -> dt.date | None:
        """The soonest date among the steps still to take (a step 'as soon as possible' has none)."""
        return min((s.due for s in self.steps if s.due), default=None)


# ---- grades and dates from a record ---------------------------------------------------------


def overall_grade(spec: m.FormSpec, record: m.AuditRecord) -> m.Option | None:
    return m.option_of(spec, record, "overall_grade")


def moderated_grade(spec: m.FormSpec, record: m.AuditRecord) -> m.Option | None:
    return m.option_of(spec, record, "grade_after_moderation")


def final_grade(spec: m.FormSpec, record: m.AuditRecord) -> m.Option | None:
    """The grade after moderation where there is one, else the overall grade."""
    return moderated_grade(spec, record) or overall_grade(spec, record)


def is_inadequate(spec: m.FormSpec | None, record: m.AuditRecord | None) -> bool:
    grade = final_grade(spec, record) if spec and record else None
    return grade is not None and grade.value == INADEQUATE


def summary_record(spec: m.FormSpec | None, record: m.AuditRecord) -> m.AuditRecord:
    """What these rules (and the tracker's Audits sheet, and moderation) read of a record: its details and
    the answers with a role (grades, dates, moderator), without the rest of its answers and tables."""
    keep = set(spec.roles.values()) if spec else set()
    return dataclasses.replace(record, answers={k: v for k, v in record.answers.items() if k in keep}, tables={},
                               notes=[])


def returned_on(version: m.Return) -> dt.date:
    """When a version came back: the day it was saved, unless it was first seen earlier."""
    seen = version.first_seen.date()
    saved = parse_date(version.record.modified)
    return min(saved, seen) if saved else seen


def finalised_on(spec: m.FormSpec | None, version: m.Return) -> dt.date:
    """The audit date the form gives, else the day it came back."""
    f = spec.field_with_role("audit_date") if spec else None
    return (parse_date(version.record.answers.get(f.id)) if f else None) or returned_on(version)


# ---- exemptions, cancellations, actions -------------------------------------------------------


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "").casefold()
    return "".join(ch for ch in text if ch.isalnum())


def is_qa_auditor(role: str) -> bool:
    """A Performance and Quality (QA) auditor, by the role the auditors list gives."""
    key = _key(role)
    return key.startswith("qa") or "quality" in key


def exemption_problem(event: m.Event, auditor_role: str = "") -> str | None:
    """Why an exemption does not count (None when it does): only the Assistant Director agrees
    exemptions, and for QA auditors only the Strategic Lead for Improvement, Performance and Quality."""
    needed = STRATEGIC_LEAD if is_qa_auditor(auditor_role) else ASSISTANT_DIRECTOR
    whose = "a QA auditor" if needed == STRATEGIC_LEAD else "children's social care staff"
    if not event.agreed_by.strip():
        return (f"the exemption recorded on {uk(event.on)} does not say who agreed it; only the {needed} "
                f"can agree an exemption for {whose}, so until then the audit counts as not completed.")
    if not _key(event.agreed_role).startswith(_key(needed.split(" for ")[0])):
        role = event.agreed_role.strip() or "role not given"
        return (f"the exemption recorded on {uk(event.on)} was agreed by {event.agreed_by} ({role}); only the "
                f"{needed} can agree an exemption for {whose}, so the audit counts as not completed.")
    return None


def cancellation_problem(event: m.Event) -> str | None:
    """Why a cancellation does not count (None when it does): it needs who agreed and why."""
    missing = [what for what, value in (("who agreed it", event.agreed_by), ("why", event.reason))
               if not value.strip()]
    if missing:
        return (f"the cancellation recorded on {uk(event.on)} does not say {' or '.join(missing)}; "
                "audits are cancelled only in exceptional circumstances, so the audit is still due.")
    return None


def is_signed_off(action: m.TrackedAction) -> bool:
    """The team manager has marked the action done, given the day it was completed, or signed it off."""
    return (action.status.strip().casefold() == "done" or action.done_on is not None
            or bool(action.signed_off_by.strip()) or action.signed_off_on is not None)


_CLOSED = frozenset(s.casefold() for s in ACTION_CLOSED)


def action_open(action: m.TrackedAction) -> bool:
    """Still to be confirmed done by the team manager (an action taken off the form is not)."""
    return action.on_form and action.status.strip().casefold() not in _CLOSED


def action_required_by(spec: m.FormSpec | None, action: m.TrackedAction) -> dt.date | None:
    """The date the action is required by: its table's first date column."""
    table = spec.table(action.table_id) if spec else None
    column = next((c for c in table.columns if c.type == "date"), None) if table else None
    return parse_date(action.values.get(column.id)) if column else None


def action_overdue(spec: m.FormSpec | None, action: m.TrackedAction, today: dt.date) -> bool:
    """Still open after the date it was required by."""
    required = action_required_by(spec, action)
    return action_open(action) and required is not None and today > required


def _valid(audit: m.RegisteredAudit, kind: str) -> m.Event | None:
    """The latest event of `kind` that counts (exemptions and cancellations need agreement)."""
    check = {"exempted": lambda e: exemption_problem(e, audit.auditor_role),
             "cancelled": cancellation_problem}.get(kind, lambda e: None)
    valid = [e for e in audit.events_of(kind) if check(e) is None]
    return valid[-1] if valid else None


def counts_towards_load(audit: m.RegisteredAudit) -> bool:
    """Whether the audit counts towards its auditor's audits of the year (not cancelled,
    reallocated away or exempted)."""
    return not any(_valid(audit, kind) for kind in ("cancelled", "reallocated", "exempted"))


# ---- audit years ----------------------------------------------------------------------------


def audit_year(day: dt.date, start_month: int = YEAR_START_MONTH) -> int:
    """The calendar year the audit year holding `day` starts in (April 2026 – March 2027: 2026)."""
    return day.year if day.month >= start_month else day.year - 1


def audit_year_months(year: int, start_month: int = YEAR_START_MONTH) -> tuple[dt.date, dt.date]:
    """The first and last month (their first days) of an audit year."""
    first = dt.date(year, start_month, 1)
    return first, add_months(first, 11)


# ---- where each audit stands ---------------------------------------------------------------


def standings(audits: Iterable[m.RegisteredAudit], library, today: dt.date) -> dict[str, Standing]:
    """Every audit's standing on `today`, re-audits linked to the Inadequate audits they follow.

    `library` gives each audit's form spec (`library.get(form_id, version)`); `audits` should
    hold every audit of the cases concerned (a case's history), so that re-audits are found.
    """
    audits = list(audits)
    specs = {a.audit_id: library.get(a.form_id, a.form_version) for a in audits}
    links = re_audit_links(audits, specs)
    originals = {re_audit: original for original, re_audit in links.items()}
    by_id = {a.audit_id: a for a in audits}
    out = {}
    for a in audits:
        original = originals.get(a.audit_id, "")
        again = original in by_id and _complete_inadequate(by_id[original], specs[original])
        out[a.audit_id] = standing(a, specs[a.audit_id], today, re_audit=by_id.get(links.get(a.audit_id, "")),
                                   re_audit_of=original, after_inadequate=again)
    return out


def _complete_inadequate(audit: m.RegisteredAudit, spec: m.FormSpec | None) -> bool:
    current = audit.current
    return current is not None and current.status == "complete" and is_inadequate(spec, current.record)


def _withdrawn(audit: m.RegisteredAudit) -> bool:
    return _valid(audit, "cancelled") is not None or bool(audit.events_of("reallocated"))


def re_audit_links(audits: list[m.RegisteredAudit], specs: dict[str, m.FormSpec | None]) -> dict[str, str]:
    """Original audit id -> the audit id that re-audits it.

    A re-audit is the audit whose allocation names the original (`re_audit_of`), else, for an
    audit that came back Inadequate, the next audit of the same case in a later month (not
    cancelled or reallocated, and not already the re-audit of another)."""
    links = {a.re_audit_of: a.audit_id for a in audits if a.re_audit_of}
    taken = set(links.values())
    by_case: dict[str, list[m.RegisteredAudit]] = {}
    for a in audits:
        if a.case_number and not _withdrawn(a):
            by_case.setdefault(a.case_number, []).append(a)
    for case_audits in by_case.values():
        case_audits.sort(key=lambda a: (a.month or dt.date.min, a.audit_id))
        for a in case_audits:
            if a.audit_id in links or not _complete_inadequate(a, specs.get(a.audit_id)):
                continue
            later = next((b for b in case_audits if b.month and a.month and b.month > a.month
                          and b.audit_id not in taken and not b.re_audit_of), None)
            if later is not None:
                links[a.audit_id] = later.audit_id
                taken.add(later.audit_id)
    return links


def standing(audit: m.RegisteredAudit, spec: m.FormSpec | None, today: dt.date, *,
             re_audit: m.RegisteredAudit | None = None, re_audit_of: str = "",
             after_inadequate: bool = False) -> Standing:
    """Where one audit stands on `today`.

    `re_audit`: the audit that re-audits this one, if any; `re_audit_of`: the audit this one
    re-audits, and `after_inadequate` whether that one was Inadequate (`standings` finds them)."""
    problems = _problems(audit, spec)
    base = dict(audit_id=audit.audit_id, re_audit_of=re_audit_of,
                re_audit=re_audit.audit_id if re_audit else "")

    def result(state: str, steps: list[Step], **facts) -> Standing:
        steps = sorted(steps, key=lambda s: (s.due is not None, s.due or dt.date.min))
        return Standing(state=state, steps=tuple(steps), overdue=any(s.late(today) for s in steps),
                        problems=tuple(problems), **base, **facts)

    if _valid(audit, "cancelled"):
        return result(CANCELLED, [])
    if audit.events_of("reallocated"):  # the new audit carries on in its place
        return result(REALLOCATED, [])
    current = audit.current
    due = due_date(audit)
    if current is None:
        if _valid(audit, "exempted"):
            return result(EXEMPTED, [Step("reallocate", "Reallocate the audit to another auditor", "QA officer")])
        if audit.returns:  # it came back, but as a file that cannot be read (a .doc, a PDF): not yet a return
            sent = audit.returns[-1]
            why = sent.record.problems[0].message if sent.record.problems else "it could not be read."
            return result(UNREADABLE, [Step("resend", f"Ask {audit.auditor or 'the auditor'} for the form itself "
                                                      f"(the .docx or .xlsx): {Path(sent.path).name} is {_wrong(why)}",
                                            "QA officer", due)])
        step = Step("return", f"Complete the audit and send it to QA by {uk(due)}", audit.auditor or "the auditor",
                    due)
        return result(OVERDUE if due and today > due else ALLOCATED, [step])

    first_back = returned_on(next(r for r in audit.returns if r.status != "unreadable"))
    back = returned_on(current)
    facts = dict(returned_on=first_back, returned_late=bool(due and first_back > due))
    if current.status != "complete":
        sent = [e for e in audit.events_of("sent_back") if e.on >= back]
        if not sent:
            return result(TO_SEND_BACK, [Step("send_back", f"Send the audit back to {audit.auditor or 'the auditor'} "
                                                           "to amend", "QA officer")], **facts)
        deadline = amend_by(sent[-1].on)
        return result(SENT_BACK, [Step("amend", f"Amend the audit and send it back by {uk(deadline)}",
                                       audit.auditor, deadline)], **facts)

    record = current.record
    finalised = finalised_on(spec, current)
    facts.update(finalised=finalised, grade=final_grade(spec, record) if spec else None)
    manager = audit.subject.get("team_manager") or "the team manager"
    steps = []
    oversight = not audit.events_of("oversight_recorded")
    if oversight:
        deadline = oversight_due(finalised)
        steps.append(Step("oversight", f"Record management oversight by {uk(deadline)}", manager, deadline))
    still_open = [a for a in audit.actions if action_open(a)]
    if still_open:
        dates = [d for a in still_open if (d := action_required_by(spec, a))]
        n = len(still_open)
        steps.append(Step("actions", f"Confirm the {n} open action{'s' * (n != 1)} done", manager,
                          min(dates) if dates else None))
    follow_up = _inadequate_steps(audit, spec, record, finalised, re_audit, re_audit_of if after_inadequate else "")
    steps += follow_up
    state = OVERSIGHT_DUE if oversight else IN_DRAFTS if still_open else FOLLOW_UP if follow_up else CLOSED
    return result(state, steps, **facts)


def _wrong(why: str) -> str:
    """What is wrong with a file that came back, from the reason it could not be read ('this is a PDF. …')."""
    return why[len("this is "):] if why.startswith("this is ") else f"unreadable: {why}"


def _problems(audit: m.RegisteredAudit, spec: m.FormSpec | None) -> list[str]:
    """What a QA officer should know about the audit, whatever its state."""
    problems = [p for e in audit.events_of("exempted") if (p := exemption_problem(e, audit.auditor_role))]
    problems += [p for e in audit.events_of("cancelled") if (p := cancellation_problem(e))]
    if audit.source == "returned":
        problems.append("this audit is in no allocation the register knows (a form made before the register, "
                        "or from another list): import the manifest of the forms it came from.")
    if spec is None:
        problems.append(f"there is no form spec '{audit.form_id}' version {audit.form_version} in the form specs, "
                        "so the audit's grade and dates cannot be read: add that spec (older versions go in archive/).")
    if audit.returns and audit.current is None:
        problems.append("a file returned for this audit could not be read: see the files that need attention.")
    return problems


def _inadequate_steps(audit, spec, record, finalised, re_audit, follows_inadequate) -> list[Step]:
    """What an Inadequate audit still needs: the meetings and the re-audit."""
    if not is_inadequate(spec, record):
        return []
    case = audit.case_number or "this case"
    steps = []
    if follows_inadequate and not audit.events_of("head_of_service_meeting"):
        steps.append(Step("head_of_service_meeting",
                          f"Inadequate again (after {follows_inadequate}): the Head of Service meets the group "
                          "manager, team manager and worker to review the case", "Head of Service"))
    if not audit.events_of("inadequate_meeting"):
        steps.append(Step("meeting", "Group manager, team manager and worker meet to plan what needs to happen "
                                     "for the case to no longer be Inadequate", "group manager"))
    if not audit.events_of("review_meeting"):
        deadline = review_meeting_due(finalised)
        steps.append(Step("review_meeting", f"Hold the review meeting by {uk(deadline)}", "group manager", deadline))
    deadline = re_audit_due(finalised)
    if re_audit is None:
        steps.append(Step("re_audit", f"Allocate the re-audit of case {case}, due by {uk(deadline)}",
                          "QA officer", deadline))
    elif re_audit.current is None or re_audit.current.status != "complete":
        steps.append(Step("re_audit", f"Complete the re-audit {re_audit.audit_id} by {uk(deadline)}",
                          re_audit.auditor or "the auditor", deadline))
    return steps


# ---- which action is which: an action keeps its id across returns of its form ------------------------
#
# How the actions of a form read again are matched with the audit's known actions (`identify_actions`):
# 1. same action table and the same action text (case, spaces and a final full stop ignored; the next
#    steps when there is no action text) - so a form whose rows were completed or reordered keeps every id;
# 2. the rest: same table and the same row on the form, if that known action is still on the form and
#    `same_action` says the new wording is the same action (a slip corrected, a detail added);
# 3. the rest: the one action of the same table that `same_action` calls the same (reworded and moved).
# Nothing else is matched: an action that cannot be matched gets a new id (one more than the audit's
# highest), and a known action that no longer matches is kept and marked as no longer on the form. A
# manager's notes and sign-off therefore never move to a different action. When the tool cannot tell
# whether a row's new wording is the same action (`same_action` is unsure), it keeps both and says so.

SAME, UNSURE, DIFFERENT = "same", "unsure", "different"
#: Characters alike (difflib's ratio) for a new wording to be the old one with slips corrected.
SLIPS_CORRECTED = 0.9
#: Below both of these a new wording is a different action; between, the tool cannot tell.
UNSURE_CHARACTERS = 0.6
UNSURE_WORDS = 0.5  # words that carry meaning, shared (of all the words of both wordings)
#: Words that carry no meaning of their own in an action, left out when wordings are compared.
FILLER_WORDS = frozenset("a an the to of for and or in on at by with from as is are be been will should must "
                         "please their his her them they it its this that these those who which".split())


@dataclass(frozen=True)
class FormAction:
    """An action as a returned form gives it: its table, its row (1 = first) and what the row says."""

    table_id: str
    row: int
    text: str  # the action, else the next steps
    values: dict = dc_field(default_factory=dict, hash=False, compare=False)  # column id -> value


@dataclass
class ActionIdentity:
    """The audit's actions after its form was read again, and what changed."""

    actions: list[m.TrackedAction]  # every action: known ones first (in their order), then new ones
    new: int = 0
    removed: int = 0  # newly no longer on the form
    #: (known action, the new action) where the tool could not tell whether a row's new wording is the
    #: same action: both are kept, the known one marked as no longer on the form.
    unsure: list[tuple[m.TrackedAction, m.TrackedAction]] = dc_field(default_factory=list)


def same_action(old: str, new: str, *, signed_off: bool = False) -> str:
    """Is a row's new wording `new` the same action as the old wording `old`: SAME, UNSURE or DIFFERENT?

    - SAME: the same words but for case, spacing and punctuation, or slips corrected (at least
      SLIPS_CORRECTED of the characters alike); or one wording holds every meaningful word of the
      other (a detail added or taken out), unless the old action is signed off (`is_signed_off`),
      when a manager's sign-off must not move to words they did not sign off: then UNSURE.
    - UNSURE: alike, but not enough to tell: at least UNSURE_WORDS of the meaningful words
      shared, or UNSURE_CHARACTERS of the characters alike.
    - DIFFERENT: otherwise.
    """
    a, b = _wording(old), _wording(new)
    if a == b:
        return SAME
    matcher = SequenceMatcher(None, a, b)
    # ratio() is slow on long wordings; quick_ratio() bounds it from above: below the lower threshold, its exact
    # value changes nothing
    alike = matcher.ratio() if matcher.quick_ratio() >= min(UNSURE_CHARACTERS, SLIPS_CORRECTED) else 0.0
    if alike >= SLIPS_CORRECTED:
        return SAME
    words_a, words_b = _meaningful(a), _meaningful(b)
    if words_a and words_b and (words_a <= words_b or words_b <= words_a):
        return UNSURE if signed_off else SAME
    shared = len(words_a & words_b) / max(len(words_a | words_b), 1)
    return UNSURE if shared >= UNSURE_WORDS or alike >= UNSURE_CHARACTERS else DIFFERENT


def is_same_action(old: str, new: str, *, signed_off: bool = False) -> bool:
    """`same_action(old, new, signed_off=signed_off) == SAME`, told sooner: difflib's ratio, slow on long
    wordings (an action of a few thousand characters), is worked out only when it decides, and after its quicker
    upper bounds say it may reach SLIPS_CORRECTED."""
    a, b = _wording(old), _wording(new)
    if a == b:
        return True
    words_a, words_b = _meaningful(a), _meaningful(b)
    if not signed_off and words_a and words_b and (words_a <= words_b or words_b <= words_a):
        return True
    matcher = SequenceMatcher(None, a, b)
    return (matcher.real_quick_ratio() >= SLIPS_CORRECTED and matcher.quick_ratio() >= SLIPS_CORRECTED
            and matcher.ratio() >= SLIPS_CORRECTED)


@functools.lru_cache(maxsize=256)  # (an audit's known wordings are compared with each of its new rows)
def _wording(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", (text or "").replace("'s ", " ")).casefold().split())


def _meaningful(wording: str) -> frozenset[str]:
    return frozenset(w for w in wording.split() if w not in FILLER_WORDS)


def action_key(text: str) -> str:
    """An action's text with case, spaces and a final full stop ignored."""
    return " ".join((text or "").split()).casefold().rstrip(".")


def action_number(audit_id: str, action_id: str) -> int | None:
    """n of an action id `<audit id>-A<n>`, or None when the id is not one auditdocs gives that audit."""
    found = re.fullmatch(re.escape(audit_id) + r"-A(\d+)", action_id or "") if audit_id else None
    return int(found[1]) if found else None


def match_actions(known: list[m.TrackedAction], new: list[FormAction]
                  ) -> tuple[list[m.TrackedAction | None], list[tuple[m.TrackedAction, int]]]:
    """For each new action, the known action it continues (or None); and the (known action, index of
    the new one) pairs in the same row that `same_action` could not tell apart, both left unmatched."""
    free = list(known)
    found: list[m.TrackedAction | None] = [None] * len(new)

    def take(i: int, hit: m.TrackedAction) -> None:
        found[i] = hit
        free.remove(hit)

    for i, row in enumerate(new):
        hit = next((k for k in free if k.table_id == row.table_id and action_key(k.text) == action_key(row.text)), None)
        if hit is not None:
            take(i, hit)
    unsure = []
    for i, row in enumerate(new):
        if found[i] is None:
            hit = next((k for k in free if k.table_id == row.table_id and k.form_row == row.row and k.on_form), None)
            verdict = same_action(hit.text, row.text, signed_off=is_signed_off(hit)) if hit is not None else DIFFERENT
            if verdict == SAME:
                take(i, hit)
            elif verdict == UNSURE:
                unsure.append((hit, i))
    for i, row in enumerate(new):
        if found[i] is None:
            same = [k for k in free if k.table_id == row.table_id
                    and is_same_action(k.text, row.text, signed_off=is_signed_off(k))]
            if len(same) == 1:
                take(i, same[0])
    return found, [(k, i) for k, i in unsure if any(k is f for f in free) and found[i] is None]


def identify_actions(audit_id: str, known: list[m.TrackedAction], new: list[FormAction]) -> ActionIdentity:
    """The audit's actions once its form, giving `new` (in form order), was read again (see above)."""
    known = [k for k in known if action_number(audit_id, k.action_id) is not None]
    found, unsure = match_actions(known, new)
    next_n = max((action_number(audit_id, k.action_id) for k in known), default=0) + 1
    result = ActionIdentity([])
    updated: dict[str, m.TrackedAction] = {}
    made: list[m.TrackedAction] = []
    for row, old in zip(new, found):
        if old is None:
            made.append(m.TrackedAction(f"{audit_id}-A{next_n}", audit_id, row.table_id, row.row, row.text,
                                        dict(row.values)))
            next_n += 1
            result.new += 1
        else:
            updated[old.action_id] = dataclasses.replace(old, table_id=row.table_id, form_row=row.row, text=row.text,
                                              values=dict(row.values), on_form=True)
    for k in known:
        if k.action_id not in updated:
            if k.on_form:
                result.removed += 1
            updated[k.action_id] = dataclasses.replace(k, on_form=False)
    result.actions = [updated[k.action_id] for k in known] + made
    by_row = {id(row): a for row, a in zip([r for r, f in zip(new, found) if f is None], made)}
    result.unsure = [(updated[k.action_id], by_row[id(new[i])]) for k, i in unsure]
    return result
