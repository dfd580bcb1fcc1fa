"""Every number the audit report shows, from the register's audits: one pure function.

`report_figures(audits, period, library, today)` takes the register's audits (those of the
period, the period before it, the months of the trend, and any later audits of the same cases,
so that re-audits are found), decides where each stands with `domain.cycle` (states,
deadlines and grades come only from there) and counts. The Word report, the dashboard and
`--json` all show these `Figures` and nothing else.

How things are counted (the report's "About these figures" says the same to its readers):

- An audit belongs to the month it was allocated for. **Allocated** counts every audit of the
  period except those reallocated (the new audit counts instead); each is then exactly one of
  returned on time, returned late (first returned after its due date), not returned, exempted
  (a valid exemption, not returned) or cancelled.
- **Grades** are those of complete audits: the grade after moderation where there is one, else
  the overall grade, ordered best to worst in the colours of the form's scale. Forms with the
  4-level and 5-level scales share one order (the 5-level one has one grade more).
- **Domains**: every judgement of a form other than the overall grade, by the section it
  judges (a Knowledge and Skills Statement…), as the share of each option of its scale.
- **Actions** are those on the forms of the period's audits: open (not yet past their required
  date), overdue (past it) or done (the team manager confirmed it done, or no longer needed).
- No names, dates of birth or free text are in the figures: case numbers only in the Inadequate
  follow-up (none when `anonymous`), auditors' names only in completion by auditor (numbered when
  `anonymous`), and form text only in the evidence annex, with names replaced by roles.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import asdict, dataclass
from dataclasses import field as dc_field
from typing import Callable, Iterable

from ..domain import cycle
from ..domain import model as m
from ..domain.dates import uk
from ..moderation.agreement import moderation_agreement as agreement_of
from ..moderation.outcome import DOWN, UP, audit_moderation
from ..redact import known_names, replace_names
from ..status.plan import activity_type_of, is_control_sample, managers_dip_samples
from .period import Period, trend_months
from .settings import ReportSettings

CONCERN_ANSWERS = ("no", "partially")  # answer values counted as "answered No or Partially"
NOT_GIVEN = "(not given)"
NO_COLOUR = "#BFBFBF"
OLDEST_OVERDUE = 5


# ---- the figures ------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """One option of a scale as the report shows it: best first, in the scale's colour."""

    value: str
    label: str
    colour: str


@dataclass
class Completion:
    name: str = ""
    allocated: int = 0
    on_time: int = 0
    late: int = 0
    not_returned: int = 0
    not_yet_due: int = 0  # of those not returned: still within time
    exempted: int = 0
    cancelled: int = 0

    @property
    def returned(self) -> int:
        return self.on_time + self.late

    @property
    def due(self) -> int:
        """Audits that had to be done: allocated, less exempted and cancelled."""
        return self.allocated - self.exempted - self.cancelled


@dataclass
class CompletionFigures:
    total: Completion
    by_service: list[Completion]
    by_team: list[Completion]
    by_auditor: list[Completion]
    reallocated: int = 0


@dataclass
class GradeCounts:
    name: str
    counts: dict[str, int]  # band value -> audits, in band order
    total: int = 0


@dataclass
class ModerationChanges:
    moderated: int = 0  # complete audits with a grade after moderation
    up: int = 0  # moderation gave a better grade
    down: int = 0
    unchanged: int = 0


@dataclass
class GradeFigures:
    bands: list[Band]
    this_period: GradeCounts
    previous_period: GradeCounts
    trend: list[GradeCounts]  # a row per month, oldest first
    by_team: list[GradeCounts]
    by_audit_type: list[GradeCounts]
    by_form: list[GradeCounts]
    changes: ModerationChanges
    ungraded: int = 0  # complete audits with no grade


@dataclass
class DomainScale:
    id: str
    label: str
    bands: list[Band]


@dataclass
class DomainRow:
    title: str  # the section judged, e.g. "Knowledge and Skills Statement 1: …"
    scale: str  # DomainScale id
    counts: dict[str, int]
    total: int = 0
    form: str = ""  # the form's title: two forms may number different statements alike (KSS 3)


@dataclass
class QuestionRow:
    form: str
    ref: str
    question: str
    no: int
    partially: int
    answered: int


@dataclass
class DomainFigures:
    scales: list[DomainScale]
    rows: list[DomainRow]
    questions: list[QuestionRow]  # most often answered No or Partially, most first
    concern_bands: list[Band]  # No and Partially, in the answer scale's colours

    def groups(self) -> list[tuple[str, DomainScale, str, list[DomainRow]]]:
        """The rows by scale and form, in order: (chart name, scale, form, rows). A scale that one form
        uses has one group ("domains-kss"); used by several, one per form ("domains-kss-1", "-2"…), as
        forms may give the same number to different statements."""
        out = []
        for scale in self.scales:
            forms = list(dict.fromkeys(r.form for r in self.rows if r.scale == scale.id))
            for n, form in enumerate(forms, start=1):
                name = f"domains-{scale.id}" + (f"-{n}" if len(forms) > 1 else "")
                out.append((name, scale, form, [r for r in self.rows if r.scale == scale.id and r.form == form]))
        return out


@dataclass
class InadequateCase:
    case: str  # the case number ("Case 1"… when anonymous)
    month: str  # the audit's month, 2026-11
    form: str
    team: str
    finalised: dt.date | None
    meeting: str  # group manager, team manager and worker
    review_meeting: str
    re_audit: str
    stands: str  # the audit's state, as people read it
    overdue: bool = False
    again: bool = False  # Inadequate again, after an earlier Inadequate audit


@dataclass
class InadequateFigures:
    this_period: int
    previous_period: int
    cases: list[InadequateCase]  # this period's, then earlier ones still in follow-up


@dataclass
class ActionCounts:
    name: str = ""
    raised: int = 0
    open: int = 0  # not yet past its required date
    overdue: int = 0
    done: int = 0


@dataclass
class OverdueAction:
    action: str  # its id ("" when anonymous)
    team: str
    required_by: dt.date
    days_overdue: int


@dataclass
class ActionFigures:
    total: ActionCounts
    by_team: list[ActionCounts]
    earlier: ActionCounts  # actions of the audits of the trend's earlier months, as they stand today
    oldest_overdue: list[OverdueAction]  # of every audit in the trend's months, oldest first
    in_drafts: int = 0  # complete audits of the period whose team manager has not confirmed every action done
    in_drafts_earlier: int = 0


@dataclass
class AgreementRow:
    """One line of the moderation agreement figures (see `moderation_agreement`)."""

    label: str
    value: object  # a count, a share (a float: shown as a percentage) or text


@dataclass
class ModerationFigures:
    complete: int  # complete audits of the period
    selected: int
    moderated: int
    disputed: int
    changes: ModerationChanges
    agreement: list[AgreementRow] | None = None


@dataclass
class Headline:
    label: str
    value: float | None  # None: nothing to count (no audit graded…)
    previous: float | None
    unit: str = ""  # "%" or "" for a count
    higher_is_better: bool | None = None
    base: int | None = None  # for a count: what it is a count of (audits due, graded…), so periods of
    previous_base: int | None = None  # different sizes are compared by their shares, not their counts
    of: str = ""  # what the base counts, in words: "due", "graded"…

    @property
    def change(self) -> str:
        """The change since the last period, as people read it."""
        if self.value is None or self.previous is None:
            return "no earlier figure" if self.previous is None else "nothing to compare"
        diff = round(self.value - self.previous, 1)
        if diff == 0:
            return "no change"
        unit = " points" if self.unit == "%" else ""
        word = "up" if diff > 0 else "down"
        amount = f"{abs(diff):g}{unit}"
        return f"{word} {amount}"

    def share(self, previous: bool = False) -> float | None:
        """A count as a share (%) of its base; None for a figure that is not a count of something."""
        value, base = (self.previous, self.previous_base) if previous else (self.value, self.base)
        return _percent(value, base) if value is not None and base else None

    @property
    def verdict(self) -> str:
        """"better", "worse" or "" (no figure to judge by, or the same): a count with a base is judged by
        its share, so a month of 60 audits and one of 23 compare fairly."""
        if self.higher_is_better is None or self.value is None or self.previous is None:
            return ""
        now, then = self.value, self.previous
        if self.base is not None:
            now, then = self.share(), self.share(previous=True)
            if now is None or then is None:
                return ""
        if now == then:
            return ""
        return "better" if (now > then) == self.higher_is_better else "worse"


@dataclass
class EvidenceQuote:
    grade: str
    form: str
    field: str
    text: str  # names the record holds replaced by roles


@dataclass
class AuditRow:
    """One audit, for the dashboard's Data sheet (people's own pivot tables)."""

    audit: str  # its id ("Audit 1"… when anonymous)
    month: str
    form: str
    service: str
    team: str
    audit_type: str
    stands: str
    returned: str  # on time, late, not returned, exempted, cancelled
    returned_on: dt.date | None
    finalised: dt.date | None
    overall_grade: str
    grade_after_moderation: str
    grade: str  # the grade the report counts
    actions: int
    actions_open: int
    actions_overdue: int


@dataclass
class JudgementRow:
    audit: str
    month: str
    form: str
    team: str
    audit_type: str
    section: str
    ref: str
    judgement: str


@dataclass
class ActivityRow:
    """One activity of the programme in the period: its audits' completion and grades."""

    name: str  # as shown: the activity's name, or the monthly control sample
    type: str  # its activity type
    completion: Completion
    grades: GradeCounts


@dataclass
class ActivityFigures:
    """Counts and grade profile by activity (the control sample among them). The rest of the report is the
    control sample's."""

    bands: list[Band]
    rows: list[ActivityRow]

    @property
    def others(self) -> bool:
        """The period has audits of an activity besides the control sample (then the report shows the table)."""
        return any(row.type != m.CONTROL_SAMPLE for row in self.rows)


@dataclass
class ManagerDipRow:
    """One manager's own dip samples of the period (4.31: two cases a month each)."""

    manager: str  # "Manager 1"… when anonymous
    role: str
    due: int
    returned: int
    outstanding: int
    grades: list[str]  # the grades of those complete, best first


@dataclass
class Figures:
    period: str  # 2026-11
    period_label: str  # November 2026
    previous_label: str
    first_month: dt.date
    last_month: dt.date
    made_on: dt.date
    council: str
    service: str
    anonymous: bool
    audits: int
    headlines: list[Headline]
    completion: CompletionFigures
    grades: GradeFigures
    domains: DomainFigures
    inadequate: InadequateFigures
    actions: ActionFigures
    moderation: ModerationFigures
    evidence: list[EvidenceQuote] | None = None
    audit_rows: list[AuditRow] = dc_field(default_factory=list)
    judgement_rows: list[JudgementRow] = dc_field(default_factory=list)
    notes: list[str] = dc_field(default_factory=list)
    action_checks: object | None = None  # report.action_checks.ActionCheckFigures, when the register holds checks
    governance: object | None = None  # report.governance.GovernanceFigures: a quarter's learning from audits
    activities: ActivityFigures | None = None
    managers_dip_samples: list[ManagerDipRow] = dc_field(default_factory=list)


def as_json(figures: Figures) -> dict:
    """The figures as plain JSON values (dates ISO)."""
    def plain(value):
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    data = plain(asdict(figures))
    if figures.action_checks is None:  # a register without action checks: as before there were any
        del data["action_checks"]
    if figures.governance is None:  # not a quarter's report
        del data["governance"]
    data["headlines"] = [{**h, "change": figures.headlines[i].change} for i, h in enumerate(data["headlines"])]
    return data


# ---- the hook for the moderation figures -------------------------------------------------------


def moderation_agreement(audits: list[m.RegisteredAudit], library) -> list[AgreementRow] | None:
    """How far the period's moderated audits kept the auditor's grade (`moderation.agreement`), as rows of
    the report's Moderation section: per grade scale, the audits moderated, the same grade and within one
    grade (%), and the linear-weighted kappa in words. None when no audit of the period was moderated."""
    months = [a.month for a in audits if a.month]
    if not months:
        return None
    figures = agreement_of(audits, library, first=min(months), last=max(months))
    rows = []
    for g in (g for g in figures.overall if g.n):
        scale = f" ({len(g.grades)}-level grade)" if len(figures.overall) > 1 else ""
        kappa = ("cannot be worked out (see below)" if g.kappa is None
                 else f"{g.kappa:.2f} (95% range {g.kappa_low:.2f} to {g.kappa_high:.2f})")
        rows += [AgreementRow(f"Audits moderated with both grades{scale}", g.n),
                 AgreementRow(f"The same grade after moderation{scale}", round(g.exact_pct, 1)),
                 AgreementRow(f"Within one grade{scale}", round(g.within_one_pct, 1)),
                 AgreementRow(f"Linear-weighted kappa{scale}", kappa),
                 AgreementRow(f"What that can say{scale}", g.note)]
    return rows or None


# ---- working them out ---------------------------------------------------------------------


@dataclass
class _Audit:
    """An audit with what the figures need of it, worked out once."""

    audit: m.RegisteredAudit
    spec: m.FormSpec | None
    standing: cycle.Standing
    record: m.AuditRecord | None  # the current version, when complete

    @property
    def complete(self) -> bool:
        return self.record is not None


def report_figures(audits: Iterable[m.RegisteredAudit], period: Period, library, today: dt.date,
                   settings: ReportSettings = ReportSettings(), *, anonymous: bool = False,
                   with_evidence: bool = False,
                   agreement: Callable[[list[m.RegisteredAudit], object], list[AgreementRow] | None]
                   = moderation_agreement,
                   counted: Callable[[m.RegisteredAudit], bool] = is_control_sample) -> Figures:
    """Everything the report shows for `period`, as things stand on `today` (see the module docstring): the
    figures of the audits `counted` (the monthly report's: the control sample's), and every activity's counts
    and grades (`activities`, `managers_dip_samples`)."""
    audits = [a for a in audits if a.month is not None]
    standings = cycle.standings(audits, library, today)
    every = []
    for a in audits:
        spec = library.get(a.form_id, a.form_version)
        standing = standings[a.audit_id]
        current = a.current
        record = current.record if current is not None and standing.finalised is not None else None
        every.append(_Audit(a, spec, standing, record))
    known = [x for x in every if counted(x.audit)]
    previous = period.previous()
    months = trend_months(period, settings.trend_months)
    this = [x for x in known if period.holds(x.audit.month)]
    before = [x for x in known if previous.holds(x.audit.month)]
    window = [x for x in known if months[0] <= x.audit.month <= period.last or period.holds(x.audit.month)]
    earlier = [x for x in window if x.audit.month < period.first]
    bands = grade_bands([x.spec for x in known if x.spec] or library.current())

    completion = _completion(this, anonymous)
    grades = _grades(this, before, window, months, bands)
    inadequate = _inadequate(this, before, earlier, standings, today, anonymous)
    actions = _actions(this, earlier, window, today, anonymous)
    moderation = ModerationFigures(
        complete=sum(x.complete for x in this),
        selected=sum(bool(x.audit.events_of("selected_for_moderation")) for x in this),
        moderated=sum(bool(x.audit.events_of("moderated") or _moderated(x)) for x in this),
        disputed=sum(bool(x.audit.events_of("disputed")) for x in this),
        changes=grades.changes,
        agreement=agreement([x.audit for x in this], library))
    figures = Figures(
        period=period.key, period_label=period.label, previous_label=previous.label,
        first_month=period.first, last_month=period.last, made_on=today,
        council=settings.council, service=settings.service, anonymous=anonymous, audits=len(this),
        headlines=_headlines(this, before, today, bands),
        completion=completion, grades=grades, domains=_domains(this, settings.top_questions),
        inadequate=inadequate, actions=actions, moderation=moderation,
        evidence=_evidence(this, bands, settings) if with_evidence else None,
        audit_rows=_audit_rows(this, today, anonymous), judgement_rows=_judgement_rows(this, anonymous),
        notes=_notes(this),
        activities=(activities := _activities([x for x in every if period.holds(x.audit.month)], library)),
        managers_dip_samples=_managers([x for x in every if period.holds(x.audit.month)], activities.bands, anonymous))
    return figures


# ---- activities ---------------------------------------------------------------------------------


def _activities(this: list[_Audit], library) -> ActivityFigures:
    bands = grade_bands([x.spec for x in this if x.spec] or library.current())
    groups: dict[tuple[str, str], list[_Audit]] = {}
    for x in this:
        groups.setdefault((m.activity_name(x.audit), activity_type_of(x.audit)), []).append(x)
    order = sorted(groups, key=lambda k: (k[1] != m.CONTROL_SAMPLE, natural(k[0])))
    return ActivityFigures(bands, [ActivityRow(name, kind, _count_completion(name, groups[name, kind]),
                                               _grade_counts(name, [x for x in groups[name, kind] if x.complete], bands))
                                   for name, kind in order])


def _managers(this: list[_Audit], bands: list[Band], anonymous: bool) -> list[ManagerDipRow]:
    complete = {x.audit.audit_id: x for x in this if x.complete}
    order = [b.value for b in bands]
    rows = []
    for n, d in enumerate(managers_dip_samples((x.audit, x.standing) for x in this), start=1):
        graded = [g for a, _ in d.audits if (x := complete.get(a.audit_id)) is not None and (g := _grade(x))]
        graded.sort(key=lambda g: order.index(g.value) if g.value in order else len(order))
        rows.append(ManagerDipRow(f"Manager {n}" if anonymous else d.manager, d.role, d.due, d.returned,
                                  d.outstanding, [g.label for g in graded]))
    return rows


# ---- grades -----------------------------------------------------------------------------------


def grade_bands(specs: Iterable[m.FormSpec]) -> list[Band]:
    """One best-to-worst order of every overall grade the forms use, in their scales' colours.

    The scale with most options sets the order; a grade only a shorter scale has goes after
    the grade it follows there."""
    scales: dict[str, m.Scale] = {}
    for spec in specs:
        for role in ("overall_grade", "grade_after_moderation"):
            f = spec.field_with_role(role)
            if f is not None and f.scale is not None:
                scales.setdefault(f.scale.id, f.scale)
    order: list[m.Option] = []
    for scale in sorted(scales.values(), key=lambda s: (-len(s.options), s.id)):
        for i, option in enumerate(scale.options):
            if any(o.value == option.value for o in order):
                continue
            before = [o.value for o in scale.options[:i]]
            at = max((j + 1 for j, o in enumerate(order) if o.value in before), default=0)
            order.insert(at, option)
    return [Band(o.value, o.label, o.colour or NO_COLOUR) for o in order]


def _grade(x: _Audit) -> m.Option | None:
    return x.standing.grade if x.complete else None


def _grade_counts(name: str, group: Iterable[_Audit], bands: list[Band]) -> GradeCounts:
    counts = Counter(g.value for x in group if (g := _grade(x)) is not None)
    values = {b.value: counts.get(b.value, 0) for b in bands}
    return GradeCounts(name, values, sum(values.values()))


def _by(group: Iterable[_Audit], key: Callable[[_Audit], str]) -> dict[str, list[_Audit]]:
    out: dict[str, list[_Audit]] = {}
    for x in group:
        out.setdefault(key(x) or NOT_GIVEN, []).append(x)
    return dict(sorted(out.items(), key=lambda kv: (kv[0] == NOT_GIVEN, natural(kv[0]))))


def _moderated(x: _Audit) -> bool:
    return x.complete and x.spec is not None and cycle.moderated_grade(x.spec, x.record) is not None


def _grades(this, before, window, months, bands) -> GradeFigures:
    complete = [x for x in this if x.complete]
    changes = ModerationChanges()
    for x in complete:
        if not _moderated(x):
            continue
        change = audit_moderation(x.audit, x.spec).change  # against the auditor's grade, as the tracker shows it
        changes.moderated += 1
        if change == UP:
            changes.up += 1
        elif change == DOWN:
            changes.down += 1
        else:
            changes.unchanged += 1
    trend = [_grade_counts(f"{month:%b %Y}", [x for x in window if x.audit.month == month], bands)
             for month in months]
    return GradeFigures(
        bands=bands,
        this_period=_grade_counts("This period", complete, bands),
        previous_period=_grade_counts("Last period", before, bands),
        trend=trend,
        by_team=[_grade_counts(k, v, bands) for k, v in _by(complete, lambda x: x.audit.team).items()],
        by_audit_type=[_grade_counts(k, v, bands) for k, v in _by(complete, lambda x: x.audit.audit_type).items()],
        by_form=[_grade_counts(k, v, bands) for k, v in _by(complete, _form_title).items()],
        changes=changes,
        ungraded=sum(1 for x in complete if _grade(x) is None))


def _form_title(x: _Audit) -> str:
    return x.spec.title if x.spec else x.audit.form_id


def good_or_better(counts: GradeCounts, bands: list[Band]) -> float | None:
    """The share (%) of graded audits in the best two grades (Outstanding, Good)."""
    if not counts.total:
        return None
    return round(100 * sum(counts.counts.get(b.value, 0) for b in bands[:2]) / counts.total, 1)


# ---- completion ------------------------------------------------------------------------------


def completion_of(standing: cycle.Standing) -> str | None:
    """Which completion figure an audit counts in (None: reallocated, its new audit counts)."""
    if standing.state == cycle.REALLOCATED:
        return None
    if standing.state == cycle.CANCELLED:
        return "cancelled"
    if standing.returned_on is not None:
        return "late" if standing.returned_late else "on_time"
    if standing.state == cycle.EXEMPTED:
        return "exempted"
    return "not_returned"


COMPLETION_LABELS = {"on_time": "Returned on time", "late": "Returned late", "not_returned": "Not returned",
                     "exempted": "Exempted", "cancelled": "Cancelled"}


def _count_completion(name: str, group: Iterable[_Audit]) -> Completion:
    out = Completion(name)
    for x in group:
        kind = completion_of(x.standing)
        if kind is None:
            continue
        out.allocated += 1
        setattr(out, kind, getattr(out, kind) + 1)
        if kind == "not_returned" and x.standing.state == cycle.ALLOCATED:
            out.not_yet_due += 1
    return out


def _completion(this, anonymous) -> CompletionFigures:
    by_auditor = [_count_completion(k, v) for k, v in _by(this, lambda x: x.audit.auditor).items()]
    if anonymous:
        for n, row in enumerate(by_auditor, start=1):
            row.name = f"Auditor {n}"
    return CompletionFigures(
        total=_count_completion("All audits", this),
        by_service=[_count_completion(k, v) for k, v in _by(this, lambda x: x.audit.service).items()],
        by_team=[_count_completion(k, v) for k, v in _by(this, lambda x: x.audit.team).items()],
        by_auditor=by_auditor,
        reallocated=sum(1 for x in this if x.standing.state == cycle.REALLOCATED))


# ---- domains and questions ---------------------------------------------------------------------


def _graded_fields(spec: m.FormSpec) -> set[str]:
    return {spec.roles[r] for r in ("overall_grade", "grade_after_moderation") if r in spec.roles}


def domain_judgements(spec: m.FormSpec) -> list[tuple[m.Section, m.Judgement, m.Field]]:
    """The form's judgements of its domains (every judgement but the overall grades), with their answer field."""
    graded = _graded_fields(spec)
    out = []
    for section, item in spec.items():
        if isinstance(item, m.Judgement) and item.id not in graded:
            f = next((f for f in item.fields if f.part == "answer" and f.scale is not None), None)
            if f is not None:
                out.append((section, item, f))
    return out


def _domains(this, top: int) -> DomainFigures:
    scales: dict[str, DomainScale] = {}
    rows: dict[tuple[str, str], DomainRow] = {}
    questions: dict[tuple[str, str], QuestionRow] = {}
    concern = {"no": Band("no", "No", "#C00000"), "partially": Band("partially", "Partially", "#FFC000")}
    seen_answer_scale = False
    for x in this:
        if not x.complete or x.spec is None:
            continue
        for section, _item, f in domain_judgements(x.spec):
            option = m.option_of(x.spec, x.record, f.id)
            if option is None:
                continue
            if f.scale.id not in scales:
                scales[f.scale.id] = DomainScale(f.scale.id, f.scale.label,
                                                 [Band(o.value, o.label, o.colour or NO_COLOUR) for o in f.scale.options])
            row = rows.setdefault((f.scale.id, _form_title(x), section.title), DomainRow(
                section.title, f.scale.id, {o.value: 0 for o in f.scale.options}, form=_form_title(x)))
            row.counts[option.value] = row.counts.get(option.value, 0) + 1
            row.total += 1
        for q in x.spec.questions:
            f = next((f for f in q.fields if f.part == "answer" and f.scale is not None), None)
            if f is None or not any(o.value in CONCERN_ANSWERS for o in f.scale.options):
                continue
            if not seen_answer_scale:
                seen_answer_scale = True
                concern.update({o.value: Band(o.value, o.label, o.colour or concern[o.value].colour)
                                for o in f.scale.options if o.value in concern})
            option = m.option_of(x.spec, x.record, f.id)
            if option is None:
                continue
            row = questions.setdefault((x.spec.title, q.id), QuestionRow(x.spec.title, q.ref, q.text, 0, 0, 0))
            row.answered += 1
            if option.value == "no":
                row.no += 1
            elif option.value == "partially":
                row.partially += 1
    order = list(scales)
    ranked = sorted((q for q in questions.values() if q.no + q.partially),
                    key=lambda q: (-(q.no + q.partially), -q.no, q.form, natural(q.ref)))
    return DomainFigures(list(scales.values()),
                         sorted(rows.values(), key=lambda r: (order.index(r.scale), r.form, natural(r.title))),
                         ranked[:top], [concern[v] for v in CONCERN_ANSWERS])


def natural(text: str) -> tuple:
    """A sort key that puts 'Statement 2' before 'Statement 10' and '3.2' before '3.10'."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part.casefold())
                 for part in re.split(r"(\d+)", text) if part)


# ---- Inadequate cases ------------------------------------------------------------------------------


def _inadequate(this, before, earlier, standings, today, anonymous) -> InadequateFigures:
    def inadequate(x: _Audit) -> bool:
        return x.complete and x.spec is not None and cycle.is_inadequate(x.spec, x.record)

    follow_up = {"meeting", "review_meeting", "re_audit", "head_of_service_meeting"}
    now = [x for x in this if inadequate(x)]
    still = [x for x in earlier if inadequate(x) and any(s.kind in follow_up for s in x.standing.steps)]
    def order(x):
        return x.audit.month, x.audit.case_number, x.audit.audit_id
    cases = [_case(x, standings, today) for x in sorted(now, key=order) + sorted(still, key=order)]
    if anonymous:
        for n, case in enumerate(cases, start=1):
            case.case = f"Case {n}"
    return InadequateFigures(sum(inadequate(x) for x in this), sum(inadequate(x) for x in before), cases)


def _when(step: cycle.Step | None, today: dt.date, what: str) -> str:
    if step is None or step.due is None:
        return f"{what} as soon as possible"
    return f"Overdue: due {uk(step.due)}" if step.late(today) else f"{what} by {uk(step.due)}"


def _held(audit: m.RegisteredAudit, kind: str) -> str:
    events = audit.events_of(kind)
    return f"Held {uk(events[-1].on)}" if events else "Held"


def _case(x: _Audit, standings: dict[str, cycle.Standing], today: dt.date) -> InadequateCase:
    standing = x.standing
    steps = {s.kind: s for s in standing.steps}
    meeting = _when(steps["meeting"], today, "To hold") if "meeting" in steps else _held(x.audit, "inadequate_meeting")
    if "head_of_service_meeting" in steps:
        meeting += "; Head of Service meeting to hold"
    review = _when(steps["review_meeting"], today, "Due") if "review_meeting" in steps \
        else _held(x.audit, "review_meeting")
    if "re_audit" in steps:
        step = steps["re_audit"]
        re_audit = _when(step, today, "To allocate, due" if not standing.re_audit else "Allocated, due")
    else:
        done = standings.get(standing.re_audit)
        re_audit = f"Done: {done.grade.label}" if done is not None and done.grade else "Done"
    return InadequateCase(
        case=x.audit.case_number or NOT_GIVEN, month=f"{x.audit.month:%Y-%m}", form=_form_title(x),
        team=x.audit.team or NOT_GIVEN, finalised=standing.finalised, meeting=meeting, review_meeting=review,
        re_audit=re_audit, stands=cycle.STATES[standing.state], overdue=standing.overdue,
        again="head_of_service_meeting" in steps or bool(x.audit.events_of("head_of_service_meeting")))


# ---- actions ----------------------------------------------------------------------------------------


def _on_form(x: _Audit) -> list[m.TrackedAction]:
    return [a for a in x.audit.actions if a.on_form]


def _count_actions(name: str, group: Iterable[_Audit], today: dt.date) -> ActionCounts:
    out = ActionCounts(name)
    for x in group:
        for a in _on_form(x):
            out.raised += 1
            if not cycle.action_open(a):
                out.done += 1
            elif cycle.action_overdue(x.spec, a, today):
                out.overdue += 1
            else:
                out.open += 1
    return out


def in_drafts(x: _Audit) -> bool:
    """Still "in drafts": the team manager has not confirmed every action done (whatever else it waits for)."""
    return any(step.kind == "actions" for step in x.standing.steps)


def _actions(this, earlier, window, today, anonymous) -> ActionFigures:
    overdue = []
    for x in window:
        for a in _on_form(x):
            if cycle.action_overdue(x.spec, a, today):
                required = cycle.action_required_by(x.spec, a)
                overdue.append(OverdueAction("" if anonymous else a.action_id, x.audit.team or NOT_GIVEN,
                                             required, (today - required).days))
    overdue.sort(key=lambda o: (o.required_by, o.team, o.action))
    return ActionFigures(
        total=_count_actions("All teams", this, today),
        by_team=[_count_actions(k, v, today) for k, v in _by(this, lambda x: x.audit.team).items()],
        earlier=_count_actions("Earlier months", earlier, today),
        oldest_overdue=overdue[:OLDEST_OVERDUE],
        in_drafts=sum(map(in_drafts, this)), in_drafts_earlier=sum(map(in_drafts, earlier)))


# ---- the summary ---------------------------------------------------------------------------------


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _headline_values(group: list[_Audit], today: dt.date, bands: list[Band]) -> list[tuple]:
    """(label, value, unit, higher is better, base, what the base counts) of each headline figure. Only the
    audits whose due date has passed count as due: one not yet due is neither on time nor not returned."""
    completion = _count_completion("", group)
    grades = _grade_counts("", [x for x in group if x.complete], bands)
    actions = _count_actions("", group, today)
    best = bands[1].label if len(bands) > 1 else bands[0].label if bands else "best"
    due = completion.due - completion.not_yet_due
    complete = sum(1 for x in group if x.complete)
    return [
        ("Audits allocated", completion.allocated, "", None, None, ""),
        ("Returned on time (% of audits due)", _percent(completion.on_time, due), "%", True, None, ""),
        ("Not returned by their due date", completion.not_returned - completion.not_yet_due, "", False, due, "due"),
        (f"Graded {best} or better (% of graded)", good_or_better(grades, bands), "%", True, None, ""),
        ("Graded Inadequate", grades.counts.get(cycle.INADEQUATE, 0), "", False, grades.total, "graded"),
        ("Actions raised", actions.raised, "", None, None, ""),
        ("Actions overdue", actions.overdue, "", False, actions.raised, "raised"),
        ("Audits in drafts (actions not all confirmed done)", sum(map(in_drafts, group)), "", False, complete,
         "completed"),
    ]


def _headlines(this, before, today, bands) -> list[Headline]:
    then = _headline_values(before, today, bands) if before else None
    return [Headline(label, value, then[i][1] if then else None, unit, better, base, then[i][4] if then else None, of)
            for i, (label, value, unit, better, base, of) in enumerate(_headline_values(this, today, bands))]


# ---- rows for people's own pivot tables, evidence, notes ----------------------------------------------


def _auditors_grade(x: _Audit) -> str:
    """The auditor's overall grade: for a moderated audit, as the auditor gave it (a moderator's copy may have
    changed it: `moderation.outcome`), else as the form says."""
    if _moderated(x):
        option = audit_moderation(x.audit, x.spec).auditor_grade
        return option.label if option else ""
    return _label(x.spec, x.record, cycle.overall_grade)


def _label(spec: m.FormSpec | None, record: m.AuditRecord | None, grade) -> str:
    option = grade(spec, record) if spec is not None and record is not None else None
    return option.label if option else ""


def _audit_ids(this: list[_Audit], anonymous: bool) -> dict[str, str]:
    return {x.audit.audit_id: f"Audit {n}" if anonymous else x.audit.audit_id for n, x in enumerate(this, start=1)}


def _audit_rows(this, today, anonymous) -> list[AuditRow]:
    ids = _audit_ids(this, anonymous)
    rows = []
    for x in this:
        actions = _count_actions("", [x], today)
        grade = _grade(x)
        rows.append(AuditRow(
            ids[x.audit.audit_id], f"{x.audit.month:%Y-%m}", _form_title(x), x.audit.service, x.audit.team,
            x.audit.audit_type, cycle.STATES[x.standing.state],
            COMPLETION_LABELS.get(completion_of(x.standing) or "", "Reallocated"),
            x.standing.returned_on, x.standing.finalised,
            _auditors_grade(x), _label(x.spec, x.record, cycle.moderated_grade),
            grade.label if grade else "", actions.raised, actions.open + actions.overdue, actions.overdue))
    return rows


def _judgement_rows(this, anonymous) -> list[JudgementRow]:
    ids = _audit_ids(this, anonymous)
    rows = []
    for x in this:
        if not x.complete or x.spec is None:
            continue
        for section, item, f in domain_judgements(x.spec):
            option = m.option_of(x.spec, x.record, f.id)
            if option is not None:
                rows.append(JudgementRow(ids[x.audit.audit_id], f"{x.audit.month:%Y-%m}", _form_title(x),
                                         x.audit.team, x.audit.audit_type, section.title, item.ref, option.label))
    return rows


def _evidence(this, bands, settings: ReportSettings) -> list[EvidenceQuote]:
    """Up to `evidence_per_grade` audits of each grade: their evidence fields, names replaced by roles."""
    quotes = []
    for band in bands:
        chosen = [x for x in this if (g := _grade(x)) is not None and g.value == band.value]
        for x in sorted(chosen, key=lambda x: x.audit.audit_id)[:settings.evidence_per_grade]:
            names = known_names(x.spec, x.audit.subject)
            for field_id in settings.evidence_fields:
                f = x.spec.field(field_id)
                text = x.record.answers.get(field_id) if f is not None else None
                if isinstance(text, str) and text.strip():
                    quotes.append(EvidenceQuote(band.label, _form_title(x), f.label.split(" ", 1)[-1],
                                                _without_identifiers(replace_names(text, names), x.audit)))
    return quotes


def _without_identifiers(text: str, audit: m.RegisteredAudit) -> str:
    """The case number and date of birth, should the text quote them, replaced too."""
    subject = audit.subject
    for value, role in ((subject.get("case_number"), "[case number]"), (subject.get("date_of_birth"), "[date of birth]"),
                        (uk(subject.get("date_of_birth")), "[date of birth]")):
        if value and value.strip():
            text = text.replace(value.strip(), role)
    return text


def _notes(this) -> list[str]:
    missing = Counter((x.audit.form_id, x.audit.form_version) for x in this if x.spec is None)
    notes = [f"{n} audit{'s' * (n != 1)} of form '{form}' version {version} could not be graded or counted in the "
             "domains: that form's spec is not in the form specs (add it; older versions go in archive/)."
             for (form, version), n in sorted(missing.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0))]
    unreadable = sum(1 for x in this if x.audit.returns and x.audit.current is None)
    if unreadable:
        notes.append(f"{unreadable} audit{'s' * (unreadable != 1)} came back only as files that could not be read, "
                     "so they count as not returned: see the files that need attention.")
    return notes


# ---- in words --------------------------------------------------------------------------------


def shown(value, unit: str = "") -> str:
    """A headline figure as people read it: 12, 62.5%, – for none."""
    if value is None:
        return "–"
    return f"{value:g}%" if unit == "%" else f"{value:g}"


def change_sentences(f: Figures) -> list[str]:
    """What changed since the last period, in sentences; better or worse by shares, not counts."""
    out = []
    for h in f.headlines:
        if h.previous is None or h.value is None:
            continue
        now, then = shown(h.value, h.unit), shown(h.previous, h.unit)
        if h.base is not None:
            now, then = (f"{shown(count)} of {base} {h.of} ({shown(share, '%')})" if share is not None
                         else f"{shown(count)} (none {h.of})"
                         for count, base, share in ((h.value, h.base, h.share()),
                                                    (h.previous, h.previous_base, h.share(previous=True))))
        if h.change == "no change" and not h.verdict:
            out.append(f"{h.label}: {now}, the same as in {f.previous_label}.")
            continue
        verdict = f" ({h.verdict})" if h.verdict else ""
        if h.base is not None and h.verdict:
            verdict = f": a {'smaller' if h.share() < h.share(previous=True) else 'larger'} share ({h.verdict})"
        change = "the same number" if h.change == "no change" else h.change
        out.append(f"{h.label}: {now}, {change} from {then}{verdict}.")
    return out or [f"There are no figures for {f.previous_label} to compare with."]


def about(f: Figures) -> list[str]:
    """How the figures are counted, for their readers."""
    activities = ["Activities: every section but 'Audits by activity' and 'Managers' dip samples' counts the monthly "
                  "control sample only; the programme's other activities (dip samples, thematic audits, managers' dip "
                  "samples…) are counted by activity there."] \
        if (f.activities is not None and f.activities.others) or f.managers_dip_samples else []
    return activities + [
        "An audit belongs to the month it was allocated for. Allocated counts every audit of the period except those "
        "reallocated to another auditor (the new audit counts instead).",
        "Returned on time: first returned by its due date; late: after it. An audit returned incomplete counts as "
        "returned; until it is complete it has no grade here.",
        "Exempted: only exemptions agreed by the Assistant Director (or, for QA auditors, the Strategic Lead for "
        "Improvement, Performance and Quality) count; any other exempted audit counts as not returned.",
        "Grades: the grade after moderation where there is one, else the auditor's overall grade. Forms graded on the "
        "4-level scale share the order of the 5-level one.",
        "Domains: every judgement of a form other than its overall grade, by the section it judges.",
        "Actions: those on the forms of the period's audits, with the status the team manager gave in the tracker; "
        "overdue once their required date has passed and they are not confirmed done.",
        f"Figures as they stood on {uk(f.made_on)}. The Word report (Audit report {f.period}.docx) and the dashboard "
        f"(Audit dashboard {f.period}.xlsx) hold the same figures; the dashboard also has a row per audit and per "
        "judgement for your own pivot tables.",
    ]
