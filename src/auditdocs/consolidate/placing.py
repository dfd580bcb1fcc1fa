"""Which allocated audit a returned file is attached to.

A form carries its audit id in its document properties. A copy of one child's form saved over another's
("Save As"), or a file copied from one audit to another, carries one audit's id and another child's details;
a form made in another workspace (or by another council's auditdocs) carries an id this register never
allocated. Neither is attached on what it says: before a file is a version of an audit, its details (case
number first, then names and date of birth) are compared with what the register allocated for that audit id
(`identity.details_disagree`). A file that disagrees, or whose audit was never allocated here, is attached to
no audit: it is listed (the tracker's Exceptions, `parse --returns`) with the allocated audit it looks like,
and the QA officer decides with `consolidate --attach FILE AUDIT_ID`, recorded in the register as an
'attached' event and honoured on every later run.

A register that allocated nothing (a tracker kept without `generate` recording its forms) has nothing to
compare with: its returned forms are its audits, as before the register existed.
"""
from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..domain import model as m
from ..domain.identity import details_disagree, identifying_fields, same_child

ATTACHED = "attached"  # the event a QA officer's decision is recorded as
NOT_THIS_AUDIT = "Another child's details"
NOT_ALLOCATED = "Not allocated here"
ATTACH_COMMAND = "auditdocs consolidate --attach"


@dataclass
class Placed:
    """Where a returned file goes: the audit it is attached to ('' for none, with why and what to do)."""

    audit_id: str
    problem: str = ""
    details: str = ""
    todo: str = ""
    looks_like: str = ""  # the allocated audit whose details it holds, if one has

    @property
    def refused(self) -> bool:
        return bool(self.problem)


def _shown_key(spec: m.FormSpec | None, subject: dict) -> str:
    fields = identifying_fields(spec) if spec is not None else ["case_number"]
    return json.dumps([" ".join(str(subject.get(f) or "").split()).casefold() for f in fields])


class Placing:
    """The audits the register allocated, and the QA officers' decisions, to place returned files with."""

    def __init__(self, audits: dict[str, m.RegisteredAudit], library):
        self.audits = audits
        self.library = library
        self.allocating = any(a.source != "returned" for a in audits.values())
        self.decided: dict = {}
        for audit in audits.values():
            for event in audit.events_of(ATTACHED):
                details = event.details or {}
                if details.get("content"):
                    self.decided[details["content"]] = audit.audit_id
                if details.get("claimed"):
                    self.decided[(details["claimed"], details.get("shown", ""))] = audit.audit_id

    def place(self, record: m.AuditRecord, content_hash: str, location: str = "") -> Placed:
        claimed = record.audit_id
        if record.status == "unreadable" or not claimed:
            return Placed(claimed)  # said as it is (unreadable, no audit id)
        spec = self.library.get(record.form_id, record.form_version)
        decided = self.decided.get(content_hash) or self.decided.get((claimed, _shown_key(spec, record.subject)))
        if decided in self.audits:
            return Placed(decided)
        audit = self.audits.get(claimed)
        if spec is None:
            return Placed(claimed)  # an unknown form: listed as such
        if audit is None:
            if not self.allocating:
                return Placed(claimed)
            return self._not_allocated(spec, record, location)
        if audit.source != "returned" and details_disagree(spec, audit.subject, record.subject):
            return self._not_this_audit(spec, audit, record, location)
        return Placed(claimed)

    def looks_like(self, spec: m.FormSpec, record: m.AuditRecord) -> m.RegisteredAudit | None:
        """The allocated audit whose details the form holds (one of its own form not yet returned first)."""
        found = [a for a in self.audits.values() if a.audit_id != record.audit_id and a.source != "returned"
                 and same_child(spec, a.subject, record.subject)]
        found.sort(key=lambda a: (a.form_id != record.form_id, bool(a.returns), -(a.month or dt.date.min).toordinal()))
        return found[0] if found else None

    def _who(self, spec: m.FormSpec, subject: dict) -> str:
        name = spec.subject_name(subject)
        case = subject.get("case_number") or ""
        return f"case {case}" + (f" ({name})" if name else "") if case else (name or "no case number")

    def _looks(self, spec, record, location) -> tuple[str, str, str]:
        other = self.looks_like(spec, record)
        if other is None:
            return "", " No audit allocated in this register has these details.", ""
        months = f", {other.month:%B %Y}" if other.month else ""
        said = (f" It looks like the audit {other.audit_id} of {self._who(spec, other.subject)}, allocated to "
                f"{other.auditor or 'no one named'}{months}.")
        return other.audit_id, said, (f"If it is that audit, run: {ATTACH_COMMAND} \"{location}\" {other.audit_id} "
                                      "(and consolidate again). ")

    def _not_this_audit(self, spec, audit: m.RegisteredAudit, record: m.AuditRecord, location: str) -> Placed:
        shown_case = record.subject.get("case_number") or ""
        holds = f"case {shown_case}'s details" if shown_case else f"the details of {self._who(spec, record.subject)}"
        other, said, attach = self._looks(spec, record, location)
        details = (f"This file says it is the audit {audit.audit_id} of {self._who(spec, audit.subject)} but holds "
                   f"{holds}: it may have been started from a copy of another child's form. It was not put on "
                   f"{audit.audit_id}, which stays as it was." + said)
        todo = (f"Check the form with {record.subject.get('auditor') or audit.auditor or 'the auditor'}. " + attach +
                f"If it is {audit.audit_id} after all (its details were typed wrongly), run: {ATTACH_COMMAND} "
                f"\"{location}\" {audit.audit_id}. Otherwise ask for the right form and move this one out of the folder.")
        return Placed("", NOT_THIS_AUDIT, details, todo, other)

    def _not_allocated(self, spec, record: m.AuditRecord, location: str) -> Placed:
        other, said, attach = self._looks(spec, record, location)
        details = (f"This file says it is the audit {record.audit_id} of {self._who(spec, record.subject)}, but that "
                   "is not an audit this register allocated: made in another workspace, or by another council's "
                   "auditdocs? It was not added." + said)
        todo = ("If it belongs to another workspace, move it there. If its form was made before the register "
                "existed, run 'auditdocs register import FOLDER' on the folder holding its manifest.csv, then "
                "consolidate again. " + attach)
        return Placed("", NOT_ALLOCATED, details, todo.strip(), other)


def attachment_event(record: m.AuditRecord, content_hash: str, audit_id: str, library, file: Path,
                     on: dt.date) -> m.Event:
    """The event recording that a QA officer said `file` (read as `record`) is the audit `audit_id`."""
    spec = library.get(record.form_id, record.form_version)
    return m.Event(ATTACHED, on, audit_id, who=ATTACH_COMMAND,
                   details={"content": content_hash, "claimed": record.audit_id, "file": str(file),
                            "shown": _shown_key(spec, record.subject),
                            "case_number": record.subject.get("case_number") or ""})


def record_attachments(reg, library, attach: list[tuple[Path, str]], on: dt.date) -> list[str]:
    """A QA officer's decisions (`consolidate --attach FILE AUDIT_ID`): each file is the audit given. Recorded in
    the register (`reg`, open for writing), and honoured on every later run. Raises UserError, recording none, for
    a file that cannot be read as a form or an audit the register did not allocate."""
    from ..errors import UserError
    from ..forms.read import read_form
    from ..register import file_hash

    read = []
    for file, audit_id in attach:
        file = Path(file)
        if not file.is_file():
            raise UserError(f"--attach: there is no file '{file}'. Check the name; nothing was recorded.")
        record = read_form(file, library)
        if record.status == "unreadable":
            raise UserError(f"--attach: '{file}' cannot be read as a form, so it cannot be attached to an audit; "
                            "nothing was recorded.")
        read.append((file, audit_id.strip(), record, file_hash(file)))
    audits = {a.audit_id: a for a in reg.audits(ids=[aid for _, aid, _, _ in read])}
    unknown = [aid for _, aid, _, _ in read if aid not in audits]
    if unknown:
        raise UserError(f"--attach: {', '.join(unknown)} is not an audit in the register {reg.path}. Check the "
                        "audit id (the tracker's Audits sheet lists them); nothing was recorded.")
    reg.record_events([attachment_event(record, content, aid, library, file, on)
                       for file, aid, record, content in read])
    return [f"Recorded in the register: {file} is the audit {aid}"
            + (f" (it says {record.audit_id})" if record.audit_id != aid else "") + "."
            for file, aid, record, _ in read]


def placing_of(reg, library) -> Placing | None:
    """The `Placing` of an open register (None when there is none yet: nothing to compare with)."""
    if reg is None:
        return None
    return Placing({a.audit_id: a for a in reg.audits(summaries=True)}, library)


def refused_files(placing: Placing | None, records: list[m.AuditRecord]) -> dict[str, Placed]:
    """file -> why it is attached to no audit, for the records read that `placing` does not attach."""
    from ..register import file_hash

    out = {}
    for record in records if placing is not None else ():
        if record.status == "unreadable" or not record.audit_id:
            continue
        try:
            content = file_hash(Path(record.file))
        except OSError:
            content = ""
        found = placing.place(record, content, str(Path(record.file).absolute()))
        if found.refused:
            out[record.file] = found
    return out


def lost_since_read(reg, records: list[m.AuditRecord]) -> dict[str, str]:
    """file -> what it has lost, for the files read that have lost what the version of their audit in use in the
    register (`reg`, open; None: no register yet) holds (a form saved again by an editor that drops its tables):
    `consolidate` keeps that version, so the file is not one to send back as incomplete."""
    from ..register import file_hash
    from .versions import held, lost, same_path

    if reg is None:
        return {}

    def content(record: m.AuditRecord) -> str:
        try:
            return file_hash(Path(record.file))
        except OSError:
            return ""

    hashes = {record.file: content(record) for record in records}
    out = {}
    ids = {r.audit_id for r in records if r.status != "unreadable" and r.audit_id}
    audits = {a.audit_id: a for a in reg.audits(ids=ids, summaries=True)} if ids else {}
    for record in records:
        audit = audits.get(record.audit_id) if record.status != "unreadable" else None
        current = audit.current if audit is not None else None
        if current is None or not hashes[record.file] or current.content_hash in hashes.values():
            continue  # its version in use is among the files read: `returns.standing_versions` says which stands
        kept = reg.record_of(current.content_hash)
        in_its_place = any(same_path(os.path.join(folder, path), os.path.abspath(record.file))
                           for folder, path in current.places)
        if kept is None or not (in_its_place or (record.modified or "") > (kept.modified or "")):
            continue  # an older copy: `returns.standing_versions` says which stands
        gone = lost(held(kept), held(record))
        if gone:
            out[record.file] = (f"it has lost what the version of its audit in the register holds ({current.path}, "
                                f"read before): {', '.join(gone)}. 'consolidate' keeps that version; ask the "
                                "auditor to send the form again from Word.")
    return out
