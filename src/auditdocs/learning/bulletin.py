"""The learning bulletin (issue 26, item 5; seed 003, 4.33): one A4 page in plain language for staff, a "7-minute
briefing": what audits found (their grade profile), what good looks like (the learning log's evidence of change),
what to do differently (its learning actions). No names, no case numbers, no dates of birth: every text from the
log goes through `anonymised` with every name, case number and date of birth the register holds.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from dataclasses import field as dc_field

from ..domain import model as m
from ..domain.dates import uk
from ..redact import is_role, known_names, replace_names
from . import log

MOST = 4  # items a part of the bulletin lists (one page)
LONGEST = 220  # characters of one item


@dataclass
class Bulletin:
    title: str
    period: str
    found: list[str] = dc_field(default_factory=list)
    good: list[str] = dc_field(default_factory=list)
    differently: list[str] = dc_field(default_factory=list)


def identifiers(audits: list[m.RegisteredAudit], library, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Every name, case number and date of birth the register's audits hold -> what replaces it."""
    names: dict[str, str] = dict(extra or {})
    for a in audits:
        spec = library.get(a.form_id, a.form_version)
        if spec is not None:
            names.update(known_names(spec, a.subject))
        for person in (a.auditor, *a.group):
            if person.strip():
                names[person.strip()] = "[auditor]"
    return names


def without_identifiers(text: str, names: dict[str, str], audits: list[m.RegisteredAudit]) -> str:
    """`text` with every name of `names` replaced by its role, and the audits' case numbers and dates of birth."""
    text = replace_names(text, names)
    for a in audits:
        for value, role in ((a.case_number, "[case number]"), (a.subject.get("date_of_birth"), "[date of birth]"),
                            (uk(a.subject.get("date_of_birth")), "[date of birth]")):
            if value and value.strip():
                text = text.replace(value.strip(), role)
    return text


def anonymised(text: str, names: dict[str, str], audits: list[m.RegisteredAudit]) -> str:
    """As the bulletin gives a text: without identifiers, without ids (staff read it), short."""
    text = re.sub(r"\b(?:AUD|LL)-[\w-]+", "", without_identifiers(text, names, audits))
    return _short(" ".join(text.split()))


def _short(text: str) -> str:
    if len(text) <= LONGEST:
        return text
    return text[:LONGEST].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def bulletin_of(entries: list[m.LearningAction], audits: list[m.RegisteredAudit], every_audit: list[m.RegisteredAudit],
                library, first: dt.date, last: dt.date, today: dt.date) -> Bulletin:
    """The bulletin for the months `first`..`last` (first days): `audits` those of the months, `every_audit` the
    register's (whose identifiers are taken out of every text)."""
    period = f"{first:%B %Y}" if first == last else f"{first:%B %Y} to {last:%B %Y}"
    names = identifiers(every_audit, library, {e.owner: "[manager]" for e in entries
                                               if e.owner.strip() and not is_role(e.owner)})
    b = Bulletin("Learning from audits: 7-minute briefing", period)
    profile = log.grade_profile(audits, library, today)
    if profile.finished:
        grades = ", ".join(f"{n} {label}" for label, n in profile.counts if n)
        b.found.append(f"{profile.finished} audit{'s' * (profile.finished != 1)} of case files were completed"
                       + (f": {grades}." if grades else "."))
    else:
        b.found.append("No audits were completed in these months.")
    worries, strengths = _from_the_forms(audits, library, first, last, today)
    # the actions agreed by the time the bulletin is made (the session on a month's audits is held after it)
    current = [e for e in entries if (e.added_on is None or e.added_on <= today) and
               (log.is_open(e) or e.done_on is None or e.done_on >= first)]
    findings = [anonymised(e.finding, names, every_audit) for e in current if e.finding]
    b.found = (b.found + findings[:2] + worries)[:MOST]
    evidence = [anonymised(e.evidence, names, every_audit) for e in current if e.evidence]
    b.good = (evidence[:MOST - min(2, len(strengths))] + strengths)[:MOST]
    b.differently = [anonymised(e.action, names, every_audit) for e in current
                     if e.kind == "learning" and e.action][:MOST]
    for part in (b.found, b.good, b.differently):
        part[:] = [text for text in part if text]
    return b


FEWEST = 3  # audits a judgement must have been made in to be shown as a strength


def _from_the_forms(audits: list[m.RegisteredAudit], library, first: dt.date, last: dt.date,
                    today: dt.date) -> tuple[list[str], list[str]]:
    """What the forms' own words say, with no one's details: the questions most often answered No or Partially
    (worries), and the judgements most often at their scale's best (strengths), as the report counts them."""
    from ..report.figures import natural, report_figures
    from ..report.period import Period

    if not audits:
        return [], []
    figures = report_figures(audits, Period(first, last, "month" if first == last else "months"), library, today)
    worries = [_short(f"\u201c{q.question}\u201d was answered No or Partially in {q.no + q.partially} of "
                      f"{q.answered} audits.") for q in figures.domains.questions[:2]]
    scales = {s.id: s for s in figures.domains.scales}
    best = []
    for row in figures.domains.rows:
        top = scales[row.scale].bands[0] if scales.get(row.scale) and scales[row.scale].bands else None
        if top is not None and row.total >= FEWEST and 2 * row.counts.get(top.value, 0) >= row.total:
            best.append((-row.counts[top.value] / row.total, natural(row.title), row.title, top.label,
                         row.counts[top.value], row.total))
    strengths = [_short(f"{title}: {label} in {n} of {total} audit{'s' * (total != 1)}.")
                 for _, _, title, label, n, total in sorted(best)[:2]]
    return worries, strengths


def bulletin_docx(b: Bulletin, when: dt.datetime, by: str = "the Quality Assurance team") -> bytes:
    from ..forms.docx import package
    from ..report.word import ReportDocument

    doc = ReportDocument(f"{b.title}, {b.period}")
    doc.text(b.title, style="Title")
    doc.text(f"{b.period}. Seven minutes to read; talk it through at your next team meeting.")
    for heading, items, none in (
            ("What audits found", b.found, "Nothing yet."),
            ("What good looks like", b.good, "No evidence of change recorded yet: tell the QA team what has "
                                              "changed in your practice."),
            ("What to do differently", b.differently, "No learning actions agreed yet.")):
        doc.heading(heading, 2)
        doc.bullets(items or [none])
    doc.heading("Questions to discuss", 2)
    doc.bullets(["What would a child or family notice if we did this well?",
                 "What will you do differently this week?"])
    doc.text(f"From {by}. This briefing holds no names, case numbers or dates of birth.", style="Guidance")
    return doc.package(when, package.custom_xml({"auditdocs.bulletin_period": b.period}))
