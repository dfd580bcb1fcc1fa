"""What the Word and the Excel readers share: which form and audit a file is, the
record's details, and turning what was found into the record's answers.

Each reader finds raw values its own way (content controls, table cells, defined
names, sheet rows); from there on both go through these functions, so the same
answers give the same JSON whatever the file format.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path

from ..domain import completeness, identity
from ..domain import model as m
from ..domain.dates import parse_date, uk
from .answers import normalise, row_is_empty
from .safezip import NotReadable

#: The line under a form's title, in Word and Excel alike (the fallback when the properties are lost).
AUDIT_LINE = re.compile(r"Audit ID\s+(\S+)\s*·\s*form\s+([A-Za-z][\w.]*),\s*version\s+([0-9]+)")
#: A form version as we write it: ASCII digits only (str.isdigit() also takes '①', which int() refuses).
VERSION = re.compile(r"[0-9]{1,6}")


def read_safely(read, path, library) -> m.AuditRecord:
    """Run a reader's `read(path, library, record)`; a file it refuses is 'unreadable' with the reason."""
    record = m.AuditRecord(file=str(path))
    try:
        read(Path(path), library, record)
    except NotReadable as exc:
        record.status = "unreadable"
        record.problems = [m.Problem("", str(exc))]
    return record


def audit_line(spec: m.FormSpec, audit_id: str) -> str:
    return f"Audit ID {audit_id}  ·  form {spec.id}, version {spec.version}"


def refuse_macros(content_types: bytes, kind: str) -> None:
    if b"macroEnabled" in content_types:
        ext = "docm" if kind == "Word document" else "xlsm"
        raise NotReadable(f"this is a macro-enabled {kind} (.{ext}) renamed. Open it, save it as {kind} "
                          f"(.{'docx' if ext == 'docm' else 'xlsx'}) (macros are removed), and parse that file.")


def identify(props: dict[str, str], lines, library, record: m.AuditRecord) -> m.FormSpec:
    """The spec a form was made with, from its identity properties, else the line under its title.

    `lines` is an iterable of texts to search for that line (read lazily, only when needed)."""
    form_id = props.get(identity.PROP_FORM_ID, "")
    version = props.get(identity.PROP_FORM_VERSION, "")
    record.audit_id = props.get(identity.PROP_AUDIT_ID, "")
    record.fingerprint = props.get(identity.PROP_FINGERPRINT, "")
    lines = iter(lines)
    searched: list = []

    def line_under_title():
        if not searched:
            searched.append(next(filter(None, (AUDIT_LINE.search(text) for text in lines)), None))
        return searched[0]

    if not form_id and line_under_title():
        record.audit_id, form_id, version = line_under_title().groups()
    if not form_id:
        raise NotReadable("this is not an auditdocs form (it carries no audit id or form id). "
                          "Only forms made by 'auditdocs generate' can be read.")
    version = str(version).strip()
    if not VERSION.fullmatch(version) and line_under_title() and line_under_title()[2] == form_id:
        version = line_under_title()[3]  # the property is damaged: the form shows its version too
    record.form_id = form_id
    record.form_version = int(version) if VERSION.fullmatch(version) else None
    spec = library.get(form_id, record.form_version)
    if spec is None:
        left_out = getattr(library, "left_out", None)
        if form_id not in library.forms and left_out:
            raise NotReadable(f"this form was made from form spec '{form_id}', which is not among the specs read "
                              f"from {library.folder}: {len(left_out)} spec file{'s were' if len(left_out) > 1 else ' was'} "
                              "left out for problems (see the warning above). Fix "
                              f"{'them' if len(left_out) > 1 else 'it'} ('auditdocs specs validate') and parse again.")
        if form_id not in library.forms:
            raise NotReadable(f"this form was made from form spec '{form_id}', which is not in {library.folder}. "
                              "Add the spec (or its older version, in archive/) and parse again.")
        raise NotReadable(f"this form was made with version {version} of '{form_id}', which is not in "
                          f"{library.folder}. Put that version's spec file in {library.folder}/archive/ and parse again.")
    if record.form_version is None:
        record.form_version = spec.version
        record.notes.append(f"the form's version could not be read, so it was read as version {spec.version} "
                            f"of {form_id}, the current one.")
    latest = library.latest(form_id)
    if latest.version > spec.version:
        record.notes.append(f"made with version {spec.version} of {form_id}; version {latest.version} is the current one.")
    return spec


def subject_values(spec: m.FormSpec, raw: dict[str, object]) -> dict[str, str]:
    """The record's details as read from a form (dates ISO text, as the allocation and the fingerprint hold
    them; runs of spaces as one)."""
    subject = {}
    for h in spec.header:
        value, _ = normalise(_read_as(h.id, h.label, h.type == "date"), raw.get(h.id), h.label)
        subject[h.id] = value.isoformat() if isinstance(value, dt.date) else value or ""
    return subject


@functools.lru_cache(maxsize=256)
def _read_as(field_id: str, label: str, date: bool) -> m.Field:
    """How a detail is read: a date, else a line of text (made once for each detail: a form has several)."""
    return m.Field(field_id, label, "date" if date else "line", "", "", "")


def take_subject(spec: m.FormSpec, raw: dict[str, object], record: m.AuditRecord) -> None:
    """The record's details (dates ISO), checked against the fingerprint the form was made with."""
    record.subject.update(subject_values(spec, raw))
    if record.fingerprint and identity.fingerprint(spec, record.subject) != record.fingerprint:
        record.problems.append(m.Problem("", "the record's details at the top of the form are not the ones it was "
                                         "made with. Check them against the allocation list."))


def take_answers(spec: m.FormSpec, raw: dict[str, object], rows: dict[str, list[dict]], record: m.AuditRecord) -> None:
    """Normalise what was found into answers and action rows, then check completeness."""
    for f in spec.fields:
        if f.id in raw:
            value, problem = normalise(f, raw[f.id], f.label)
            if value is not None:
                record.answers[f.id] = value
            if problem:
                record.problems.append(m.Problem(f.id, problem))
    for t in spec.tables:
        filled = [r for r in rows.get(t.id, []) if not row_is_empty(r)]
        for n, raw_row in enumerate(filled, start=1):
            row = {}
            for c in t.columns:
                value, problem = normalise(c, raw_row.get(c.id), f"{t.ref} action {n}, {c.label}")
                if value is not None:
                    row[c.id] = value
                if problem:
                    record.problems.append(m.Problem(c.tag(t.id), problem))
            if row:
                record.tables.setdefault(t.id, []).append(row)
    audit_date_problem(spec, record)
    completeness.check(spec, record)


def audit_date_problem(spec: m.FormSpec, record: m.AuditRecord, today: dt.date | None = None) -> None:
    """An audit date later than the day the form is read (`today`) cannot be the day the audit was done."""
    f = spec.field_with_role("audit_date")
    day = parse_date(record.answers.get(f.id)) if f else None
    today = today or dt.date.today()
    if day and day > today:
        record.problems.append(m.Problem(f.id, f"{f.label}: the audit date {uk(day)} is after today ({uk(today)}). "
                                               "Give the date the audit was done."))
