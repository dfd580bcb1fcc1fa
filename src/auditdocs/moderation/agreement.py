"""How far auditors and moderators agree: the figures for `auditdocs moderation agreement` and the monthly report.

`moderation_agreement(audits, library, first=…, last=…)` returns a `ModerationAgreement`: for each moderated
audit of the period, the auditor's grade against the grade after moderation; exact agreement, agreement within
one grade, the linear-weighted Cohen's kappa with its 95% confidence interval and a plain-words note, the full
grade-by-grade table and the grades moved up and down (`GradeAgreement`, one per grade scale the forms use);
the same percentages per auditor and per moderator over the audit year (`PersonAgreement`); and, for forms with
several voices per question (the Audit & Moderation Tool: self-assessment, auditor, moderator), the same figures
per voice pair, for all questions together and for each question (`VoiceAgreement`).

Kappa is computed here (pure Python, no dependency) and checked in the tests against statsmodels'
`cohens_kappa(wt="linear")`. Weights are linear: full credit for the same grade, none for grades at opposite
ends of the scale. The standard error is Fleiss, Cohen and Everitt's (1969) large-sample one, as SAS and
statsmodels give it. Where kappa says nothing (no audits, every grade the same from both, or one of them
using only one grade, where it comes out as 0 whatever the other gave), it is None and the note says why.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import asdict, dataclass
from itertools import combinations
from typing import Iterable

from ..domain import model as m
from ..domain.dates import uk
from .outcome import CHANGE_WORDS, DOWN, SAME, UP, AuditModeration, audit_moderation

Z95 = 1.959963984540054  # the standard normal's 97.5th percentile
FEW = 10  # fewer pairs than this: kappa is a rough guide at best
WIDE = 0.5  # a 95% interval wider than this is too wide to say much
#: Landis and Koch's (1977) words for kappa.
KAPPA_WORDS = ((0.0, "less agreement than chance would give"), (0.2, "slight agreement"), (0.4, "fair agreement"),
               (0.6, "moderate agreement"), (0.8, "substantial agreement"), (1.01, "almost perfect agreement"))


@dataclass(frozen=True)
class GradeAgreement:
    """How far two people's grades of the same audits agree, on one scale (grades listed best to worst)."""

    first: str  # whose grades the table's rows are: "Auditor", "Self-assessment"…
    second: str  # whose grades its columns are: "After moderation", "Moderator"…
    scale: str  # the scale's id
    grades: tuple[str, ...]  # the scale's labels, best to worst
    table: tuple[tuple[int, ...], ...]  # table[i][j]: audits graded grades[i] by first and grades[j] by second
    n: int
    exact_pct: float | None  # the same grade
    within_one_pct: float | None  # the same grade or the next one
    kappa: float | None  # linear-weighted Cohen's kappa
    kappa_low: float | None  # its 95% confidence interval
    kappa_high: float | None
    up: int  # second's grade better than first's
    down: int
    same: int
    note: str  # what the figures can and cannot say, in plain words
    counted: str = "audits"  # what n counts: audits, or question grades (voices over all questions)


@dataclass(frozen=True)
class PersonAgreement:
    """One auditor's (or moderator's) moderated audits: how often the grade stayed."""

    name: str
    n: int
    exact_pct: float
    within_one_pct: float
    up: int
    down: int
    same: int


@dataclass(frozen=True)
class VoiceAgreement:
    """Two voices of a form with several voices per question, on one question (or all of them: ref '')."""

    form_id: str
    form_title: str
    ref: str  # the question's reference ('' for all questions together)
    question: str
    agreement: GradeAgreement


@dataclass(frozen=True)
class ModeratedAudit:
    """One moderated audit of the period (no names of the child or family: case number only)."""

    audit_id: str
    case_number: str
    form_id: str
    auditor: str
    moderator: str
    moderated_on: dt.date | None
    auditor_grade: str
    moderated_grade: str
    change: str  # Up, Down, Same or ''
    disputed: bool
    dispute_outcome: str


@dataclass(frozen=True)
class ModerationAgreement:
    """Every agreement figure for a period: what the monthly report's moderation section shows."""

    first: dt.date  # the first month covered (its first day)
    last: dt.date  # the last month covered
    year: str  # the audit year the per-person figures cover, e.g. "2026–27"
    selected: int  # audits chosen for moderation in the period
    moderated: int  # audits whose grade after moderation came back
    disputed: int
    audits: tuple[ModeratedAudit, ...]
    overall: tuple[GradeAgreement, ...]  # auditor's grade against the grade after moderation, one per scale
    by_auditor: tuple[PersonAgreement, ...]
    by_moderator: tuple[PersonAgreement, ...]
    voices: tuple[VoiceAgreement, ...]
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        data = asdict(self)
        for key in ("first", "last"):
            data[key] = getattr(self, key).strftime("%Y-%m")
        for audit in data["audits"]:
            audit["moderated_on"] = audit["moderated_on"].isoformat() if audit["moderated_on"] else None
        return data

    def lines(self) -> list[str]:
        return agreement_lines(self)


# ---- the statistics ------------------------------------------------------------------------


def weighted_kappa(table: list[list[int]]) -> tuple[float | None, float | None, float | None]:
    """Linear-weighted Cohen's kappa of a k×k table of counts (categories in order), with its 95% confidence
    interval (clipped to -1..1). (None, None, None) when it is not defined: no pairs, or every pair in one
    category (agreement expected by chance is then 1)."""
    k = len(table)
    n = sum(map(sum, table))
    if n == 0 or k < 2:
        return None, None, None
    w = [[1 - abs(i - j) / (k - 1) for j in range(k)] for i in range(k)]
    p = [[table[i][j] / n for j in range(k)] for i in range(k)]
    rows = [sum(p[i]) for i in range(k)]
    cols = [sum(p[i][j] for i in range(k)) for j in range(k)]
    observed = sum(w[i][j] * p[i][j] for i in range(k) for j in range(k))
    expected = sum(w[i][j] * rows[i] * cols[j] for i in range(k) for j in range(k))
    if expected > 1 - 1e-12:
        return None, None, None
    kappa = (observed - expected) / (1 - expected)
    w_row = [sum(cols[j] * w[i][j] for j in range(k)) for i in range(k)]
    w_col = [sum(rows[i] * w[i][j] for i in range(k)) for j in range(k)]
    spread = sum(p[i][j] * (w[i][j] - (w_row[i] + w_col[j]) * (1 - kappa)) ** 2 for i in range(k) for j in range(k))
    variance = max(0.0, (spread - (kappa - expected * (1 - kappa)) ** 2) / (n * (1 - expected) ** 2))
    half = Z95 * math.sqrt(variance)
    return kappa, max(-1.0, kappa - half), min(1.0, kappa + half)


def grade_agreement(pairs: Iterable[tuple[m.Option, m.Option]], scale: m.Scale, first: str,
                    second: str, counted: str = "audits") -> GradeAgreement:
    """The agreement of (first's grade, second's grade) pairs on `scale`; pairs with a grade not on it are left out."""
    values = [o.value for o in scale.options]
    k = len(values)
    table = [[0] * k for _ in range(k)]
    for a, b in pairs:
        if a.value in values and b.value in values:
            table[values.index(a.value)][values.index(b.value)] += 1
    n = sum(map(sum, table))
    cells = [(i, j, table[i][j]) for i in range(k) for j in range(k)]
    same = sum(c for i, j, c in cells if i == j)
    near = sum(c for i, j, c in cells if abs(i - j) <= 1)
    up = sum(c for i, j, c in cells if j < i)
    down = sum(c for i, j, c in cells if j > i)
    kappa, low, high = weighted_kappa(table)
    only = _only(table)
    single = _single_grade(table, scale.labels, first, second)
    if single:  # kappa is 0 whatever the grades: it cannot say anything
        kappa = low = high = None
    return GradeAgreement(first, second, scale.id, tuple(scale.labels), tuple(map(tuple, table)), n,
                          _pct(same, n), _pct(near, n), kappa, low, high, up, down, same,
                          kappa_note(n, kappa, low, high, scale.labels[only] if only is not None else "", counted,
                                     single),
                          counted)


def _single_grade(table, labels, first: str, second: str) -> str:
    """Who gave every audit one and the same grade, and which ("Auditor: Good"), or "". Kappa then
    comes out as 0 whatever the other gave, which says nothing."""
    rows = [labels[i] for i, row in enumerate(table) if any(row)]
    cols = [labels[j] for j in range(len(table)) if any(row[j] for row in table)]
    if not rows or (len(rows) == 1 and rows == cols):
        return ""  # nothing to compare, or the same one grade from both (`_only`)
    return "; ".join(f"{name}: {used[0]}" for name, used in ((first, rows), (second, cols)) if len(used) == 1)


def _only(table) -> int | None:
    """The one category every pair is in, if there is one."""
    used = {i for i, row in enumerate(table) for j, c in enumerate(row) if c and i == j}
    off = any(c for i, row in enumerate(table) for j, c in enumerate(row) if c and i != j)
    return next(iter(used)) if len(used) == 1 and not off else None


def _pct(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


def kappa_note(n: int, kappa: float | None, low: float | None, high: float | None, only_grade: str = "",
               counted: str = "audits", single: str = "") -> str:
    """What kappa can and cannot say, for someone who is not a statistician. `single`: who used only one
    grade, and which (`_single_grade`)."""
    if n == 0:
        return f"No {counted} had both grades, so there is nothing to compare."
    if single:
        return (f"Only one grade was used ({single}), so kappa cannot be worked out (it needs more than one "
                "grade from each to tell agreement from chance). Read the agreement percentages instead.")
    if kappa is None:
        return (f"Every grade was the same from both ({only_grade or 'one grade'}), so kappa cannot be worked out "
                f"(it needs more than one grade to tell agreement from chance). They agreed on all {n}.")
    words = next(w for limit, w in KAPPA_WORDS if kappa < limit)
    span = f"95% range {low:.2f} to {high:.2f}"
    if n < FEW:
        return (f"Only {n} {counted if n != 1 else counted.rstrip('s')}: too few for kappa to say much "
                f"({kappa:.2f}, {span}). "
                "Read the agreement percentages instead, and look again when more audits have been moderated.")
    note = f"Kappa {kappa:.2f} ({span}): {words}, taking chance into account."
    if high - low > WIDE:
        note += " The range is wide: more moderated audits would make it firmer."
    return note


# ---- the figures for a period ------------------------------------------------------------------


def moderation_agreement(audits: Iterable[m.RegisteredAudit], library, *, first: dt.date, last: dt.date,
                         year_audits: Iterable[m.RegisteredAudit] | None = None,
                         year: str = "") -> ModerationAgreement:
    """The agreement figures for the audits of months `first`..`last`; per auditor and per moderator over
    `year_audits` (the audit year's, named `year`; default: the period's own)."""
    audits = [a for a in audits if a.month and first <= a.month <= last]
    done = [(a, audit_moderation(a, library.get(a.form_id, a.form_version))) for a in audits]
    moderated = [(a, d) for a, d in done if d.moderated]
    notes = [f"{a.audit_id}: {n}" for a, d in moderated for n in d.notes]
    overall = _overall(moderated, library)
    year_done = moderated if year_audits is None else [
        (a, d) for a in year_audits if (d := audit_moderation(a, library.get(a.form_id, a.form_version))).moderated]
    return ModerationAgreement(
        first, last, year or "the period", sum(d.selected for _, d in done), len(moderated),
        sum(bool(d.disputes) for _, d in done), tuple(_moderated_audit(a, d) for a, d in moderated), overall,
        _people(year_done, lambda d: d.auditor), _people(year_done, lambda d: d.moderator or "(not known)"),
        tuple(voice_agreement(audits, library)), tuple(notes))


def _overall(moderated, library) -> tuple[GradeAgreement, ...]:
    by_scale: dict[str, tuple[m.Scale, list]] = {}
    for _, d in moderated:
        if d.auditor_grade is not None and d.scale is not None:
            by_scale.setdefault(d.scale.id, (d.scale, []))[1].append((d.auditor_grade, d.moderated_grade))
    return tuple(grade_agreement(pairs, scale, "Auditor", "After moderation") for scale, pairs in by_scale.values())


def _people(moderated: list[tuple[m.RegisteredAudit, AuditModeration]], whose) -> tuple[PersonAgreement, ...]:
    groups: dict[str, list[AuditModeration]] = defaultdict(list)
    for _, d in moderated:
        if d.change:
            groups[whose(d) or "(not known)"].append(d)
    out = []
    for name, items in sorted(groups.items(), key=lambda kv: kv[0].casefold()):
        n = len(items)
        changes = [d.change for d in items]
        near = sum(1 for d in items if abs(_index(d, d.auditor_grade) - _index(d, d.moderated_grade)) <= 1)
        out.append(PersonAgreement(name, n, _pct(changes.count(SAME), n), _pct(near, n), changes.count(UP),
                                   changes.count(DOWN), changes.count(SAME)))
    return tuple(out)


def _index(d: AuditModeration, option: m.Option) -> int:
    return [o.value for o in d.scale.options].index(option.value)


def _moderated_audit(a: m.RegisteredAudit, d: AuditModeration) -> ModeratedAudit:
    return ModeratedAudit(a.audit_id, a.case_number, a.form_id, d.auditor, d.moderator, d.moderated_on,
                          d.auditor_grade.label if d.auditor_grade else "", d.moderated_grade.label,
                          CHANGE_WORDS.get(d.change, ""), bool(d.disputes), d.dispute_outcome)


def voice_agreement(audits: Iterable[m.RegisteredAudit], library) -> list[VoiceAgreement]:
    """For forms with several voices per question: each pair of voices (self-assessment and auditor, auditor and
    moderator…), all questions together and question by question, over the complete audits given (a pair counts
    where both voices graded the question: the moderator's voice only where the audit was moderated)."""
    by_form: dict[tuple[str, int | None], list[m.AuditRecord]] = defaultdict(list)
    for a in audits:
        current = a.current
        if current is not None and current.status == "complete":
            by_form[(a.form_id, a.form_version)].append(current.record)
    out = []
    for (form_id, version), records in sorted(by_form.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        spec = library.get(form_id, version)
        if spec is None or len(spec.voices) < 2:
            continue
        questions = [q for q in spec.questions if q.voices]
        for v1, v2 in combinations(spec.voices, 2):
            pooled, scale = [], None
            per_question = []
            for q in questions:
                f1, f2 = (next((f for f in q.fields if f.part == f"{v.id}.grade"), None) for v in (v1, v2))
                if f1 is None or f2 is None or f1.scale is None:
                    continue
                scale = scale or f1.scale
                pairs = [(a, b) for r in records
                         if (a := m.option_of(spec, r, f1.id)) and (b := m.option_of(spec, r, f2.id))]
                pooled += pairs
                per_question.append(VoiceAgreement(spec.id, spec.title, q.ref, q.text,
                                                   grade_agreement(pairs, f1.scale, v1.label, v2.label)))
            if scale is not None:
                out.append(VoiceAgreement(spec.id, spec.title, "", "All questions",
                                          grade_agreement(pooled, scale, v1.label, v2.label, "question grades")))
                out += per_question
    return out


# ---- in words -------------------------------------------------------------------------------


def _period(first: dt.date, last: dt.date) -> str:
    if first == last:
        return first.strftime("%B %Y")
    return f"{first.strftime('%B %Y')} to {last.strftime('%B %Y')}"


def _p(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}%"


def grade_lines(g: GradeAgreement, indent: str = "  ") -> list[str]:
    """One agreement in words, with its grade-by-grade table."""
    if not g.n:
        return [f"{indent}{g.note}"]
    kappa = ("cannot be worked out" if g.kappa is None
             else f"{g.kappa:.2f} (95% range {g.kappa_low:.2f} to {g.kappa_high:.2f})")
    out = [f"{indent}{g.n} {g.counted}: the same grade {_p(g.exact_pct)} ({g.same}), within one grade "
           f"{_p(g.within_one_pct)}; linear-weighted kappa {kappa}",
           f"{indent}{g.second}: {g.up} higher, {g.down} lower, {g.same} the same.",
           f"{indent}{g.note}",
           f"{indent}{g.first} (rows) against {g.second} (columns):"]
    width = max(len(label) for label in g.grades)
    out.append(f"{indent}  {'':{width}}  " + "  ".join(f"{i + 1:>3}" for i in range(len(g.grades))))
    for i, (label, row) in enumerate(zip(g.grades, g.table)):
        out.append(f"{indent}  {label:{width}}  " + "  ".join(f"{c:>3}" for c in row) + f"   ({i + 1})")
    return out


def agreement_lines(a: ModerationAgreement) -> list[str]:
    """The figures as the `moderation agreement` command prints them."""
    out = [f"Moderation, {_period(a.first, a.last)}: {a.moderated} audit{'s' * (a.moderated != 1)} moderated "
           f"({a.selected} chosen for moderation, {a.disputed} disputed)."]
    if not a.overall:
        out.append("  No moderated audit had both the auditor's grade and a grade after moderation.")
    for g in a.overall:
        out.append(f"The auditor's grade against the grade after moderation ({len(g.grades)}-level grade):")
        out += grade_lines(g)
    for title, people in (("auditor", a.by_auditor), ("moderator", a.by_moderator)):
        if people:
            out.append(f"By {title}, {a.year} (moderated audits; same grade / within one grade / moved up / down):")
            width = max(len(p.name) for p in people)
            out += [f"  {p.name:{width}}  {p.n:>3}  {_p(p.exact_pct):>4}  {_p(p.within_one_pct):>4}  "
                    f"up {p.up}  down {p.down}" for p in people]
    for v in a.voices:
        if v.ref == "":
            out.append(f"{v.form_title}: {v.agreement.first} against {v.agreement.second}, all questions:")
            out += grade_lines(v.agreement)
            out.append("  Question by question (audits, same grade, within one grade):")
        else:
            g = v.agreement
            out.append(f"    {v.ref:>5} {v.question[:60]:60}  {g.n:>3}  {_p(g.exact_pct):>4}  {_p(g.within_one_pct):>4}")
    if a.audits:
        out.append("Each moderated audit (case number only):")
        for x in a.audits:
            when = f" on {uk(x.moderated_on)}" if x.moderated_on else ""
            change = f" ({x.change.lower()})" if x.change else ""
            dispute = f"; disputed{': ' + x.dispute_outcome if x.dispute_outcome else ''}" if x.disputed else ""
            out.append(f"  {x.audit_id}  case {x.case_number}  auditor {x.auditor}  moderator {x.moderator or '?'}"
                       f"{when}: {x.auditor_grade or '?'} -> {x.moderated_grade}{change}{dispute}")
    out += [f"Note: {n}" for n in a.notes]
    return out
