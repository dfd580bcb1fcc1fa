"""What moderation did to one audit: who was chosen to moderate it, when, the grade before and after.

Everything here is worked out from what the register holds (`model.RegisteredAudit`): the events
(selected for moderation, moderated, disputed) and the versions returned. A moderated audit is one
whose latest version has a grade after moderation. The auditor's grade is the overall grade of the
version the moderator was given (the latest one without a grade after moderation), so that an
overall grade changed on the moderator's copy is never taken for the auditor's.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..domain import cycle
from ..domain import model as m
from ..domain.dates import parse_date

UP, DOWN, SAME = "up", "down", "same"
CHANGE_WORDS = {UP: "Up", DOWN: "Down", SAME: "Same"}


@dataclass(frozen=True)
class AuditModeration:
    """One audit's moderation, as far as it has gone."""

    audit_id: str
    form_id: str
    auditor: str
    selected_on: dt.date | None = None  # when it was chosen for moderation (None: never chosen)
    moderator: str = ""  # who was chosen, else who moderated it (as the form or an event says)
    moderated_on: dt.date | None = None
    auditor_grade: m.Option | None = None
    moderated_grade: m.Option | None = None  # the grade after moderation (None: not moderated yet)
    change: str = ""  # up, down or same; "" when not moderated or the two grades cannot be compared
    scale: m.Scale | None = None  # the scale the grade after moderation is on
    disputes: tuple[m.Event, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def selected(self) -> bool:
        return self.selected_on is not None

    @property
    def moderated(self) -> bool:
        return self.moderated_grade is not None

    @property
    def dispute_outcome(self) -> str:
        """The outcome of the latest dispute that has one."""
        return next((str(e.details.get("outcome")) for e in reversed(self.disputes) if e.details.get("outcome")), "")


def audit_moderation(audit: m.RegisteredAudit, spec: m.FormSpec | None) -> AuditModeration:
    """What moderation did to `audit` (its form spec: `library.get(audit.form_id, audit.form_version)`)."""
    selected = audit.events_of("selected_for_moderation")
    moderated_events = audit.events_of("moderated")
    base = dict(audit_id=audit.audit_id, form_id=audit.form_id, auditor=audit.auditor,
                selected_on=selected[-1].on if selected else None,
                moderator=(selected[-1].who if selected else "") or (moderated_events[-1].who if moderated_events else ""),
                disputes=tuple(audit.events_of("disputed")))
    current = audit.current
    if spec is None or current is None:
        return AuditModeration(**base)
    versions = [r for r in audit.returns if r.status != "unreadable"]
    graded = [r for r in versions if cycle.moderated_grade(spec, r.record)]
    moderated = cycle.moderated_grade(spec, current.record)
    if moderated is None or not graded:
        return AuditModeration(**base, auditor_grade=cycle.overall_grade(spec, current.record))
    first_graded = graded[0]
    before = versions[:versions.index(first_graded)]
    given = next((r for r in reversed(before) if r.status == "complete"), before[-1] if before else first_graded)
    auditor_grade = cycle.overall_grade(spec, given.record)
    notes = []
    now = cycle.overall_grade(spec, current.record)
    if given is not current and now != auditor_grade:
        notes.append(f"the overall grade was changed on the moderated form (from {_label(auditor_grade)} to "
                     f"{_label(now)}); the auditor's grade is taken as {_label(auditor_grade)}, as first returned.")
    base["moderator"] = base["moderator"] or _role_text(spec, current.record, "moderator")
    scale = spec.field_with_role("grade_after_moderation").scale
    return AuditModeration(**base, moderated_on=_moderated_on(spec, current, first_graded, moderated_events),
                           auditor_grade=auditor_grade, moderated_grade=moderated,
                           change=grade_change(scale, auditor_grade, moderated), scale=scale, notes=tuple(notes))


def grade_change(scale: m.Scale, before: m.Option | None, after: m.Option | None) -> str:
    """up, down or same: `after` against `before` on `scale` (listed best to worst); "" when either is not on it."""
    values = [o.value for o in scale.options]
    if before is None or after is None or before.value not in values or after.value not in values:
        return ""
    then, now = values.index(before.value), values.index(after.value)
    return SAME if then == now else UP if now < then else DOWN


def _moderated_on(spec, current: m.Return, first_graded: m.Return, events: list[m.Event]) -> dt.date:
    """The moderation date the form gives, else the day a 'moderated' event says, else the day it came back."""
    field = spec.field_with_role("moderation_date")
    on_form = parse_date(current.record.answers.get(field.id)) if field else None
    return on_form or (events[0].on if events else cycle.returned_on(first_graded))


def _role_text(spec: m.FormSpec, record: m.AuditRecord, role: str) -> str:
    field = spec.field_with_role(role)
    value = record.answers.get(field.id) if field else None
    return value.strip() if isinstance(value, str) else ""


def _label(option: m.Option | None) -> str:
    return option.label if option else "no grade"


def moderated_events(audits, library) -> list[m.Event]:
    """A 'moderated' event for each audit whose grade after moderation came back and has none yet
    (for the run that records returned forms to add)."""
    out = []
    for audit in audits:
        if audit.events_of("moderated"):
            continue
        done = audit_moderation(audit, library.get(audit.form_id, audit.form_version))
        if done.moderated:
            out.append(m.Event("moderated", done.moderated_on, audit.audit_id, who=done.moderator,
                               details={"grade": done.moderated_grade.value, "change": done.change}))
    return out
