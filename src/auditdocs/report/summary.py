"""The audit summary report of one activity of the programme (a thematic audit, a dip sample): its figures.

Seed 003, 4.13: "At the end of each audit, the group will agree the overall findings with the key messages
and an audit summary report being completed", followed by "a review after six months" where significant
remedial actions are required. `summary_figures(audits, ...)` takes the register's audits of the activity
in its month and works out, with the monthly report's own counting (`figures.report_figures`: completion,
grades after moderation, judgements per section, actions):

- the cohort: the programme's rules in words, the sample it asked for, the audits drawn and returned;
- the findings: each question's answers across the cases (every option of its scale), each section's
  judgements, and the overall grades;
- the group: the lead auditors (each returns the form) and the others named with them (partners included);
- the group's key messages and recommendations, typed in the tracker's Key messages sheet;
- the actions raised, with their owners (responsible role and person), due dates and status;
- the six-month review and any re-audit scheduled (`cycle.ActivityReview`).

Anonymous (as the monthly report's `--anonymous`): no case numbers, audit ids or people's names (the group
is counted, action owners are their roles only, "Agreed by" is left out).
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from dataclasses import field as dc_field

from ..domain import cycle
from ..domain import model as m
from .figures import (
    NOT_GIVEN,
    Band,
    Completion,
    DomainRow,
    DomainScale,
    GradeCounts,
    natural,
    report_figures,
)
from .period import Period
from .settings import ReportSettings


@dataclass
class Cohort:
    subject: str = ""  # what the programme says the activity is about
    rules: list[str] = dc_field(default_factory=list)  # the cohort's rules in words
    sample: str = ""  # the sample the programme asked for ("20", "All")
    auditors: str = ""  # who the programme says audits (the auditor group…)
    form: str = ""  # the form's title
    in_programme: bool = False  # the programme (programme.xlsx) has the activity in its month
    drawn: int = 0  # audits allocated (reallocated ones counted once)
    returned: int = 0
    complete: int = 0


@dataclass
class QuestionAnswers:
    """How one question of the form was answered across the activity's cases."""

    section: str
    ref: str
    question: str
    counts: dict[str, int]  # option label -> cases, in the scale's order
    answered: int = 0


@dataclass
class QuestionScale:
    id: str
    label: str
    bands: list[Band]


@dataclass
class SummaryAction:
    case: str  # its case ("Case 1"… when anonymous)
    action: str  # the action as the form says it
    responsible_role: str
    responsible_person: str  # "" when anonymous
    required_by: dt.date | None
    status: str  # as the team manager set it, "Overdue" when past its date and not done
    done_on: dt.date | None = None


@dataclass
class Group:
    leads: list[str]  # the auditors who returned the forms
    others: list[str]  # the others named with them (partners included)
    audits_with_others: int = 0  # audits done by more than one person


@dataclass
class KeyMessages:
    key_messages: str = ""
    recommendations: str = ""
    agreed_by: str = ""
    agreed_on: dt.date | None = None


@dataclass
class SummaryFigures:
    activity: str
    activity_type: str
    month: str  # 2027-01
    month_label: str  # January 2027
    made_on: dt.date
    council: str
    service: str
    anonymous: bool
    cohort: Cohort
    completion: Completion
    bands: list[Band]  # the overall grades, best first
    grades: GradeCounts
    section_scales: list[DomainScale]
    sections: list[DomainRow]  # each section's judgements across the cases
    question_scales: list[QuestionScale]
    questions: list[QuestionAnswers]  # in the form's order
    group: Group
    messages: KeyMessages
    actions: list[SummaryAction]
    review: cycle.ActivityReview | None
    notes: list[str] = dc_field(default_factory=list)

    @property
    def key(self) -> str:
        """What the files are named after: the month and the activity."""
        return f"{self.month} {self.activity}"

    def section_groups(self) -> list[tuple[str, DomainScale, list[DomainRow]]]:
        """The sections' rows by scale: (chart name, scale, rows)."""
        return [(f"sections-{n}", scale, rows) for n, scale in enumerate(self.section_scales, start=1)
                if (rows := [r for r in self.sections if r.scale == scale.id])]

    def question_groups(self) -> list[tuple[str, QuestionScale, list[QuestionAnswers]]]:
        """The questions by the scale they are answered on: (chart name, scale, rows)."""
        labels = {s.id: {b.label for b in s.bands} for s in self.question_scales}
        return [(f"questions-{n}", scale, rows) for n, scale in enumerate(self.question_scales, start=1)
                if (rows := [q for q in self.questions if set(q.counts) == labels[scale.id]])]


def summary_json(figures: SummaryFigures) -> dict:
    """The figures as plain JSON values (dates ISO)."""
    return json.loads(json.dumps(asdict(figures), default=dt.date.isoformat))


def _questions(this) -> tuple[list[QuestionScale], list[QuestionAnswers]]:
    scales: dict[str, QuestionScale] = {}
    rows: dict[tuple[str, str], QuestionAnswers] = {}
    for audit, spec, record in this:
        for section in spec.sections:
            for item in section.items:
                if not isinstance(item, m.Question):
                    continue
                for f in item.fields:
                    if f.part != "answer" or f.scale is None:
                        continue
                    scale = scales.setdefault(f.scale.id, QuestionScale(
                        f.scale.id, f.scale.label, [Band(o.value, o.label, o.colour or "#BFBFBF")
                                                    for o in f.scale.options]))
                    voices = len([g for g in item.fields if g.part == "answer"]) > 1
                    text = f"{item.text} ({f.label})" if voices and f.label else item.text
                    row = rows.setdefault((spec.title, f.id), QuestionAnswers(
                        section.title, f.ref or item.ref, text, {b.label: 0 for b in scale.bands}))
                    option = m.option_of(spec, record, f.id)
                    if option is not None:
                        row.counts[option.label] = row.counts.get(option.label, 0) + 1
                        row.answered += 1
    return list(scales.values()), list(rows.values())


def _actions(audits: list[m.RegisteredAudit], library, today: dt.date, cases: dict[str, str],
             anonymous: bool) -> list[SummaryAction]:
    out = []
    for a in audits:
        spec = library.get(a.form_id, a.form_version)
        for x in a.actions:
            if not x.on_form:
                continue
            status = x.status or cycle.ACTION_STATUSES[0]
            if cycle.action_overdue(spec, x, today):
                status = "Overdue"
            person = str(x.values.get("responsible_person") or "")
            out.append(SummaryAction(cases[a.audit_id], x.text, str(x.values.get("responsible_role") or ""),
                                     "" if anonymous else person, cycle.action_required_by(spec, x), status,
                                     x.done_on))
    return sorted(out, key=lambda s: (s.required_by or dt.date.max, natural(s.case)))


def _group(audits: list[m.RegisteredAudit], anonymous: bool) -> Group:
    leads = sorted({a.auditor for a in audits if a.auditor}, key=str.casefold)
    others = sorted({name for a in audits for name in a.group if name} - set(leads), key=str.casefold)
    together = sum(1 for a in audits if a.group)
    if anonymous:
        leads = [f"Lead auditor {n}" for n in range(1, len(leads) + 1)]
        others = [f"Group member {n}" for n in range(1, len(others) + 1)]
    return Group(leads, others, together)


def summary_figures(audits: list[m.RegisteredAudit], activity: str, month: dt.date, library, today: dt.date,
                    settings: ReportSettings = ReportSettings(), *, programme_activity=None,
                    messages: KeyMessages | None = None, review: cycle.ActivityReview | None = None,
                    anonymous: bool = False) -> SummaryFigures:
    """The summary of `activity` in `month` from `audits` (the register's audits of that activity and month;
    others are left out), as things stand on `today`. `programme_activity`: the programme's row for it
    (`programme.plan.Activity`), when known; `messages`: what the group typed in the Key messages sheet;
    `review`: its six-month review."""
    month = month.replace(day=1)
    audits = sorted((a for a in audits if a.activity == activity and a.month == month),
                    key=lambda a: a.audit_id)
    period = Period(month, month)
    base = report_figures(audits, period, library, today, settings, anonymous=anonymous,
                          agreement=lambda *_: None, counted=lambda a: True)
    standings = cycle.standings(audits, library, today)
    counted = [a for a in audits if standings[a.audit_id].state != cycle.REALLOCATED]
    cases = {a.audit_id: (f"Case {n}" if anonymous else a.case_number or NOT_GIVEN)
             for n, a in enumerate(counted, start=1)}
    complete = []
    for a in counted:
        spec = library.get(a.form_id, a.form_version)
        current = a.current
        if spec is not None and current is not None and standings[a.audit_id].finalised is not None:
            complete.append((a, spec, current.record))
    question_scales, questions = _questions(complete)
    c = base.completion.total
    forms = sorted({spec.title for _, spec, _ in complete} or {a.form_id for a in counted})
    p = programme_activity
    cohort = Cohort(subject=p.subject if p else "", rules=[r.words() for r in p.cohort] if p else [],
                    sample=p.sample_words if p else "", auditors="; ".join(p.auditors.splitlines()) if p else "",
                    form=", ".join(forms), in_programme=p is not None, drawn=c.allocated, returned=c.returned,
                    complete=len(complete))
    notes = list(base.notes)
    if p is None:
        notes.append(f"The programme has no activity '{activity}' in {month:%B %Y}: the cohort's rules are not known "
                     "(check programme.xlsx, or the activity's name).")
    if not complete:
        notes.append("No audit of the activity is complete yet: the findings are empty.")
    types = {a.activity_type for a in audits if a.activity_type}
    return SummaryFigures(
        activity=activity, activity_type=", ".join(sorted(types)) or (p.type if p else ""),
        month=f"{month:%Y-%m}", month_label=f"{month:%B %Y}", made_on=today, council=settings.council,
        service=settings.service, anonymous=anonymous, cohort=cohort, completion=c,
        bands=base.grades.bands, grades=base.grades.this_period,
        section_scales=base.domains.scales, sections=base.domains.rows, question_scales=question_scales,
        questions=questions, group=_group(counted, anonymous),
        messages=_shown_messages(messages or KeyMessages(), anonymous),
        actions=_actions(counted, library, today, cases, anonymous), review=review, notes=notes)


def _shown_messages(messages: KeyMessages, anonymous: bool) -> KeyMessages:
    return KeyMessages(messages.key_messages, messages.recommendations, "" if anonymous else messages.agreed_by,
                       messages.agreed_on)
