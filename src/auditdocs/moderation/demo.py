"""The demo month's moderation: choose the sample, make the copies, play the moderators, read them back.

`auditdocs demo` calls `moderate_sample_month` after the month's returns are in the register. Until
`consolidate` records returns in the register itself, `record_demo_month` puts the demo month there.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path

from .. import cycle
from .. import model as m
from ..allocation import read_allocations
from ..demo import SAMPLE, DemoMonth
from ..files import write_atomic
from ..register import SeenFile, audit_from_allocation, file_hash, open_register
from ..returns import read_form
from .agreement import ModerationAgreement, grade_lines, moderation_agreement
from .forms import CopyResult, make_copies, moderation_parts, plan_copies
from .moderators import read_moderators
from .outcome import moderated_events
from .select import Sample, choose_sample

SAMPLE_MODERATORS = SAMPLE.parent / "moderators.xlsx"
DEMO_MONTH = dt.date(2026, 11, 1)
COMMENTS = {
    "same": "Agree with the auditor's grade: the evidence on file supports it.",
    "up": "The practice is better than the grade says: the child's voice is clear throughout the recording.",
    "down": "The grade is generous: the plan has drifted since the summer and oversight has not picked it up.",
}


@dataclass
class DemoModeration:
    sample: Sample
    copies: list[CopyResult]
    moderated: int
    figures: ModerationAgreement
    folder: Path
    lines: list[str] = dc_field(default_factory=list)


def record_demo_month(register: Path, library, demo: DemoMonth, sample: Path = SAMPLE,
                      now: dt.datetime | None = None) -> None:
    """The demo month's allocations and returned forms, into the register (what consolidate will do)."""
    allocations = read_allocations(sample, library, month=DEMO_MONTH)
    with open_register(register, write=True, create=True) as reg:
        reg.record_audits([audit_from_allocation(library.get(a.form_id), a) for a in allocations.allocations], now=now)
        seen = [SeenFile(str(Path(r.file).relative_to(demo.returned)), file_hash(Path(r.file)), r)
                for r in demo.records if Path(r.file).is_file()]
        reg.record_returns(demo.returned, seen, now=now)


def moderate_sample_month(folder: Path, library, register: Path, *, moderators: Path = SAMPLE_MODERATORS,
                          month: dt.date = DEMO_MONTH, today: dt.date | None = None,
                          now: dt.datetime | None = None) -> DemoModeration:
    """Choose the month's sample, copy the forms into `folder`/moderation (a folder per moderator), fill
    them in as the moderators would (most grades kept, some moved up or down a grade) into
    `folder`/moderated, record those returns and the 'moderated' events, and work out the agreement."""
    folder = Path(folder)
    today = today or dt.date.today()
    now = now or dt.datetime.now()
    people = read_moderators(moderators)
    with open_register(register, write=True) as reg:
        sample = choose_sample(reg.audits(month=month), library, people.moderators,
                               team_services=people.services_of_team(), month=month, today=today)
        reg.record_events(sample.events(today))
        audits = {a.audit_id: a for a in reg.audits(month=month)}
    copies = make_copies(plan_copies(list(audits.values()), library), library, folder / "moderation", force=True)
    rng = random.Random(month.year * 100 + month.month)
    moderated = folder / "moderated"
    seen = []
    for result in copies:
        if result.status != "made":
            continue
        audit = audits[result.plan.audit_id]
        spec = library.get(audit.form_id, audit.form_version)
        source = folder / "moderation" / result.plan.target
        answers = moderator_answers(spec, audit.current.record, rng, today)
        target = moderated / result.plan.target
        write_atomic(target, _fill(source, answers), private=True)
        record = read_form(target, library)
        seen.append(SeenFile(str(result.plan.target), file_hash(target), record))
    with open_register(register, write=True) as reg:
        reg.record_returns(moderated, seen, now=now + dt.timedelta(seconds=1))
        reg.record_events(moderated_events(reg.audits(month=month), library))
        audits_now = reg.audits(month=month)
        year = cycle.audit_year(month)
        figures = moderation_agreement(audits_now, library, first=month, last=month,
                                       year_audits=reg.audits(audit_year=year), year=f"{year}–{(year + 1) % 100:02d}")
    lines = [f"Moderation: {len(sample.chosen)} audits in the sample, {len(sample.new)} of them copied for their "
             f"moderators ({folder / 'moderation'}) and moderated ({moderated}).",
             *(line for g in figures.overall for line in grade_lines(g)[:3])]
    return DemoModeration(sample, copies, len(seen), figures, folder, lines)


def moderator_answers(spec: m.FormSpec, record: m.AuditRecord, rng: random.Random, on: dt.date) -> dict[str, object]:
    """What a moderator fills in: mostly the auditor's grade, now and then one grade up or down."""
    parts = moderation_parts(spec)
    grade_field = spec.field_with_role("grade_after_moderation")
    answers: dict[str, object] = {}
    for f in spec.fields:
        if f.id not in parts.fields or f.id == parts.moderator_field:
            continue
        if f.scale is not None and f.part.endswith("grade") or f.id == grade_field.id:
            answers[f.id] = _moved(f.scale, _auditor_value(spec, f, record), rng).label
        elif f.type == "date":
            answers[f.id] = on.isoformat()
        elif f.type in ("text", "line") and f.scale is None:
            answers[f.id] = COMMENTS["same"]
    return answers


def _auditor_value(spec: m.FormSpec, f: m.Field, record: m.AuditRecord) -> m.Option | None:
    """The auditor's grade the moderator's field answers: the auditor's voice of the same question, else the
    overall grade."""
    if "." in f.part:
        voice_field = spec.field(f.id.replace(f".{f.part.split('.')[0]}.", ".auditor."))
        value = record.answers.get(voice_field.id) if voice_field else None
        if isinstance(value, str) and voice_field.scale:
            return voice_field.scale.by_label(value)
    return cycle.overall_grade(spec, record)


def _moved(scale: m.Scale, given: m.Option | None, rng: random.Random) -> m.Option:
    options = list(scale.options)
    at = options.index(given) if given in options else len(options) // 2
    move = rng.choices([0, -1, 1], weights=[7, 1, 2])[0]
    return options[min(len(options) - 1, max(0, at + move))]


def _fill(path: Path, answers: dict) -> bytes:
    if path.suffix == ".xlsx":
        from ..forms.xlsx.fill import fill_xlsx

        return fill_xlsx(path.read_bytes(), answers)
    from ..forms.docx.fill import fill_docx

    return fill_docx(path.read_bytes(), answers)
