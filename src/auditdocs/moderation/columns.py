"""The moderation columns of the tracker's Audits sheet, for one audit (pure)."""
from __future__ import annotations

from ..domain import model as m
from ..tracker.rows import Graded
from .outcome import CHANGE_WORDS, AuditModeration, audit_moderation

#: The headings, in the order the Audits sheet shows them.
MODERATION_HEADINGS = ("Selected for moderation", "Moderator", "Moderated on", "Grade after moderation", "Changed")


def moderation_columns(audit: m.RegisteredAudit, library, done: AuditModeration | None = None) -> dict[str, object]:
    """heading -> value: "Yes"/"No", the moderator, the date (a `datetime.date`), the grade after moderation
    (a `tracker.rows.Graded`, in the scale's colour), and Up / Down / Same against the auditor's grade.
    Empty cells are None. `done`: the audit's `audit_moderation`, when already worked out."""
    done = done or audit_moderation(audit, library.get(audit.form_id, audit.form_version))
    grade = done.moderated_grade
    return {
        "Selected for moderation": "Yes" if done.selected else "No",
        "Moderator": done.moderator or None,
        "Moderated on": done.moderated_on,
        "Grade after moderation": Graded(grade.label, grade.colour) if grade else None,
        "Changed": CHANGE_WORDS.get(done.change),
    }
