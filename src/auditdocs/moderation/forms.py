"""The moderators' copies: each chosen audit's returned form, in a folder per moderator, ready to moderate.

A copy is the form exactly as the auditor returned it (the register knows where it saw the current
version: folder and path, and its content hash, so a file changed since is never copied), with:

- the moderator's name (and service) filled in where the form has a moderator field (spec role `moderator`);
- the moderation part open for editing: the section holding the grade after moderation (on a form with
  voices, the moderator's voice of every question), the `moderator` and `moderation_date` fields, and every
  action table with `source: moderation`;
- everything else locked: Word content controls `sdtContentLocked` (their text cannot be changed, the
  control cannot be deleted), Excel cells locked on the protected sheet (and shaded grey).

The copy keeps the form's identity (audit id, form, version in its properties), so when it comes back it
is a newer version of the same audit; the register keeps both, and the grade after moderation becomes the
audit's final grade (`cycle.final_grade`). Editors that drop content-control locks (LibreOffice) leave the
copy readable: only the protection is lost. LibreOffice also drops every control's tag: on a form laid out
as ours, each control is then found by where it stands (`forms.docx.layout.controls_by_place`, the places
the writer puts answers and the reader reads them from), and gets its tag back with its lock.

This module is the plan (which parts open, which copies, where); the Word XML and the workbook are edited by
`forms.docx.moderation` and `forms.xlsx.moderation`.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .. import naming
from ..domain import cycle
from ..domain import model as m
from ..errors import UserError
from ..files import write_atomic
from ..naming import safe_name
from ..register import file_hash
from .outcome import audit_moderation


@dataclass(frozen=True)
class ModerationParts:
    """What the moderator fills in on a form: field ids, action table ids, and the moderator field (if any)."""

    fields: frozenset[str]
    tables: frozenset[str]
    moderator_field: str = ""

    def column_tags(self, spec: m.FormSpec) -> set[str]:
        return {c.tag(t.id) for t in spec.tables if t.id in self.tables for c in t.columns}


def moderation_parts(spec: m.FormSpec) -> ModerationParts | None:
    """The moderation part of a form; None for a form without a grade after moderation."""
    grade = spec.field_with_role("grade_after_moderation")
    if grade is None:
        return None
    voice = grade.part.split(".")[0] if "." in grade.part else ""
    if voice:  # the moderator's voice of every question
        fields = {f.id for f in spec.fields if f.part.startswith(f"{voice}.")}
        tables = set()
    else:  # the section holding the grade after moderation
        fields = {f.id for f in spec.fields if f.section == grade.section}
        tables = {t.id for t in spec.tables if t.section == grade.section}
    for role in ("moderator", "moderation_date"):
        if spec.field_with_role(role):
            fields.add(spec.roles[role])
    tables |= {t.id for t in spec.tables if t.source == "moderation"}
    moderator = spec.roles.get("moderator", "") if spec.field_with_role("moderator") else ""
    return ModerationParts(frozenset(fields), frozenset(tables), moderator)


@dataclass(frozen=True)
class VersionFacts:
    """What tells a moderator's copy, filled in, from the version it was copied from."""

    outside: str  # a short hash of what the form says outside its moderation part
    graded: bool  # it has a grade after moderation


def version_facts(spec: m.FormSpec | None, record: m.AuditRecord) -> VersionFacts | None:
    """The facts of one returned version of an audit (None for a form that cannot be moderated, or a record
    that could not be read): a moderator's copy, filled in, says the same outside the moderation part as the
    version it was copied from, and has a grade after moderation."""
    parts = moderation_parts(spec) if spec is not None else None
    if parts is None or record.status == "unreadable":
        return None
    data = {"form": [record.form_id, record.form_version], "audit_id": record.audit_id, "subject": record.subject,
            "answers": {k: v for k, v in record.answers.items() if k not in parts.fields},
            "tables": {k: v for k, v in record.tables.items() if k not in parts.tables}}
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return VersionFacts(hashlib.sha256(text.encode("utf-8")).hexdigest()[:16],
                        cycle.moderated_grade(spec, record) is not None)


def moderator_text(moderator: str, service: str = "") -> str:
    """What goes in the form's moderator field: 'Name, Service'."""
    return ", ".join(v for v in (moderator.strip(), service.strip()) if v)


def moderator_copy(data: bytes, suffix: str, spec: m.FormSpec, moderator: str,
                   when: dt.datetime | None = None) -> tuple[bytes, list[str]]:
    """The moderator's copy of a returned form (`suffix` .docx or .xlsx), and notes on what could not be done."""
    parts = moderation_parts(spec)
    if parts is None:
        raise UserError(f"the form '{spec.title}' has no grade after moderation, so it cannot be moderated.")
    when = when or dt.datetime.now(dt.timezone.utc).replace(microsecond=0, tzinfo=None)
    if suffix.lower() == ".docx":
        return _docx_copy(data, spec, parts, moderator, when)
    if suffix.lower() == ".xlsx":
        return _xlsx_copy(data, spec, parts, moderator)
    raise UserError(f"a moderator's copy can be made of Word (.docx) and Excel (.xlsx) forms, not '{suffix}'.")


# ---- Word and Excel: the lock is theirs (forms.docx.moderation, forms.xlsx.moderation), the notes ours ------


def _docx_copy(data, spec, parts, moderator, when) -> tuple[bytes, list[str]]:
    from ..forms.docx.moderation import lock_for_moderation

    locked = lock_for_moderation(data, spec, open_tags=parts.fields | parts.column_tags(spec),
                                 moderator_field=parts.moderator_field, moderator=moderator, when=when)
    notes = []
    if locked.untagged:
        notes.append(f"{locked.untagged} answer boxes have lost their labels and are not where the form put them "
                     "(the form was changed in an editor), so they could not be locked: the moderator should change "
                     "only the moderation part.")
    if parts.moderator_field and moderator and not locked.filled:
        notes.append("the moderator's name could not be filled in (its box was not found): the moderator should "
                     "type it in.")
    return locked.data, notes


def _xlsx_copy(data, spec, parts, moderator) -> tuple[bytes, list[str]]:
    from ..forms.xlsx.moderation import lock_for_moderation

    locked = lock_for_moderation(data, spec, open_fields=parts.fields, open_tables=parts.tables,
                                 moderator_field=parts.moderator_field, moderator=moderator)
    notes = []
    if not locked.found:
        notes.append("the answer cells of this workbook have lost their names, so nothing could be locked or filled "
                     "in: the moderator should change only the moderation part and type their name.")
    return locked.data, notes


# ---- the copies of a month's sample ---------------------------------------------------------


@dataclass
class CopyPlan:
    """One moderator's copy to make: from which returned file, to where (relative to the output folder)."""

    audit_id: str
    form: tuple[str, int | None]  # the form's id and version
    moderator: str
    moderator_text: str  # what goes in the form's moderator field
    email: str
    source: Path | None  # None: the returned file cannot be found as the register last saw it
    target: Path
    problem: str = ""
    case_number: str = ""  # kept whole when the file's name is shortened for a deep folder


def plan_copies(audits: list[m.RegisteredAudit], library) -> list[CopyPlan]:
    """A copy for each audit chosen for moderation and not moderated yet, to `<moderator>/<file name>`."""
    plans = []
    for audit in audits:
        selected = audit.events_of("selected_for_moderation")
        spec = library.get(audit.form_id, audit.form_version)
        if not selected or spec is None or audit_moderation(audit, spec).moderated:
            continue
        event = selected[-1]
        current = audit.current
        plan = CopyPlan(audit.audit_id, (audit.form_id, audit.form_version), event.who,
                        moderator_text(event.who, str(event.details.get("service", ""))),
                        str(event.details.get("email", "")), None, Path(), case_number=audit.case_number or "")
        if current is None:
            plans.append(dataclasses.replace(plan, problem="the register has no readable returned form for it."))
            continue
        target = Path(safe_name(event.who), Path(current.path).name)
        places = [(current.folder, current.path)] + [p for p in current.places if p != (current.folder, current.path)]
        source = next((Path(folder, path) for folder, path in places if _same_content(Path(folder, path), current)),
                      None)
        problem = "" if source else (
            f"its returned form was last seen at {Path(current.folder, current.path)}, but it is not there any more "
            "or has changed since the register read it. Put the returned form back there, or record the folder it "
            "is in now (consolidate), then make the copies again.")
        plans.append(dataclasses.replace(plan, source=source, target=target, problem=problem))
    return plans


def _same_content(path: Path, version: m.Return) -> bool:
    try:
        return path.is_file() and file_hash(path) == version.content_hash
    except OSError:
        return False


@dataclass
class CopyResult:
    plan: CopyPlan
    status: str  # made, kept (already there), problem
    notes: tuple[str, ...] = ()


def make_copies(plans: list[CopyPlan], library, out: Path, *, force: bool = False,
                when: dt.datetime | None = None) -> list[CopyResult]:
    """Write each planned copy under `out`, its name shortened where the folder is deep (`naming.fit_name`); a copy
    already there is kept (it may be being moderated) unless `force`."""
    results = []
    for plan in plans:
        if plan.problem:
            results.append(CopyResult(plan, "problem", (plan.problem,)))
            continue
        folder = out / plan.target.parent
        plan = dataclasses.replace(plan, target=plan.target.parent / naming.fit_name(
            folder, plan.target.name, (plan.case_number, plan.audit_id)))  # short enough for Windows and Excel
        path = out / plan.target
        if path.exists() and not force:
            results.append(CopyResult(plan, "kept"))
            continue
        spec = library.get(*plan.form)
        data, notes = moderator_copy(plan.source.read_bytes(), plan.source.suffix, spec, plan.moderator_text, when)
        write_atomic(path, data, private=True)
        results.append(CopyResult(plan, "made", tuple(notes)))
    return results
