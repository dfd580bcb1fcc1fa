"""What each sheet of the tracker holds: its columns, and the rows made from one audit record."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass

from .. import model as m
from ..dates import add_months, add_working_days, last_day_of_month, parse_date, uk
from ..identity import audit_month

MANAGEMENT_OVERSIGHT_DAYS = 10  # working days after the audit was finalised
REVIEW_MEETING_WEEKS = 4  # after an Inadequate audit was finalised
RE_AUDIT_MONTHS = 2
INADEQUATE = "inadequate"  # the scale value that triggers the review meeting and re-audit
SOURCES = {"audit": "Audit", "management_oversight": "Management oversight", "moderation": "Moderation"}
STATUSES = ("Open", "In progress", "Done", "No longer needed")
ON_FORM, REMOVED = "Yes", "Removed from form"


@dataclass(frozen=True)
class Col:
    header: str
    width: float = 14
    kind: str = "text"  # text, long (wrapped), date, month
    manager: bool = False  # filled in by managers; the tool never overwrites it
    hidden: bool = False


@dataclass(frozen=True)
class SheetDef:
    name: str
    columns: tuple[Col, ...]
    key: tuple[str, ...]  # the headers that identify a row from one run to the next

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def col(self, header: str) -> Col | None:
        return next((c for c in self.columns if c.header == header), None)


@dataclass(frozen=True)
class Graded:
    """A choice from a scale, shown in the scale's colour."""

    label: str
    colour: str | None = None


AUDITS = SheetDef("Audits", (
    Col("Audit id", 24), Col("Form", 30, "long"), Col("Form version", 9), Col("Month", 11, "month"),
    Col("Case number", 14), Col("Name", 22), Col("Team", 20), Col("Social worker", 18),
    Col("Team manager", 18), Col("Auditor", 18), Col("Audit type", 16), Col("Status", 12),
    Col("Overall grade", 24, "long"), Col("Grade after moderation", 24, "long"),
    Col("Due", 12, "date"), Col("Returned", 12, "date"), Col("Finalised", 12, "date"),
    Col("Management oversight due", 14, "date"), Col("Review meeting due", 14, "date"),
    Col("Re-audit due", 14, "date"), Col("Source file", 40), Col("Content check", 18, hidden=True),
    Col("File check", 22, hidden=True), Col("File location", 40, hidden=True),
), key=("Audit id",))

ANSWERS = SheetDef("Answers", (
    Col("Audit id", 24), Col("Case number", 14), Col("Team", 20), Col("Month", 11, "month"),
    Col("Section", 30, "long"), Col("Ref", 7), Col("Question", 60, "long"), Col("Voice", 16),
    Col("Answer", 16), Col("Evidence / comment", 70, "long"),
), key=("Audit id", "Ref", "Voice", "Question"))

JUDGEMENTS = SheetDef("Judgements", (
    Col("Audit id", 24), Col("Case number", 14), Col("Team", 20), Col("Auditor", 18),
    Col("Month", 11, "month"), Col("Type", 20), Col("Section", 40, "long"), Col("Ref", 7),
    Col("Question", 30, "long"), Col("Judgement", 24, "long"), Col("Comment", 60, "long"),
), key=("Audit id", "Ref", "Type"))

ACTIONS = SheetDef("Actions", (
    Col("Action id", 27), Col("Audit id", 24), Col("Case number", 14), Col("Team", 20),
    Col("From", 14, "long"), Col("Form ref", 8), Col("Form row", 8), Col("Next steps", 40, "long"),
    Col("Action", 50, "long"), Col("Responsible role", 18), Col("Responsible person", 18),
    Col("Required date", 12, "date"), Col("Other details", 30, "long"), Col("On form", 12, "long"),
    Col("Status", 14, manager=True), Col("Completed on", 12, "date", manager=True),
    Col("Signed off by", 18, manager=True), Col("Signed off on", 12, "date", manager=True),
    Col("Notes", 50, "long", manager=True),
), key=("Action id",))

EXCEPTIONS = SheetDef("Exceptions", (
    Col("Found on", 12, "date"), Col("File", 40, "long"), Col("Audit id", 24), Col("Case number", 14),
    Col("Auditor", 18), Col("Problem", 14), Col("Details", 70, "long"), Col("What to do", 60, "long"),
    Col("File check", 22, hidden=True), Col("File location", 40, hidden=True),
), key=("File", "Audit id", "Problem"))

DATA_SHEETS = (AUDITS, ANSWERS, JUDGEMENTS, ACTIONS, EXCEPTIONS)
ABOUT = "About"
MANAGER_HEADERS = [c.header for c in ACTIONS.columns if c.manager]


# ---- values --------------------------------------------------------------------


def content_check(record: m.AuditRecord) -> str:
    """A short hash of what the form says (not where the file is), to tell duplicates apart."""
    data = record.as_dict()
    data.pop("file", None)
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _date(value) -> dt.date | str | None:
    """A real date when the text is one; otherwise the text as typed."""
    if value in (None, ""):
        return None
    return parse_date(value) or str(value)


def _choice(scale: m.Scale | None, value) -> Graded | object:
    if scale is None or not isinstance(value, str):
        return value
    option = scale.by_label(value)
    return Graded(option.label, option.colour) if option else value


def _shown(f: m.Field | m.Column, value):
    """A field's value as it should sit in a cell."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if f.scale is not None:
        return _choice(f.scale, value)
    if f.type == "date":
        return _date(value)
    return value


def _text(value) -> str:
    if isinstance(value, Graded):
        return value.label
    if isinstance(value, dt.date):
        return uk(value)
    return "" if value is None else str(value)


def month_of(record: m.AuditRecord) -> dt.date | None:
    """The audit's month (its first day), from the due date, else from the audit id."""
    due = parse_date(record.subject.get("due_date"))
    if due:
        return due.replace(day=1)
    return audit_month(record.audit_id)


def subject_name(spec: m.FormSpec, record: m.AuditRecord) -> str:
    names = [record.subject.get(h.id, "") for h in spec.header if h.identifier and h.id != "case_number"]
    return ", ".join(n for n in names if n)


def role_answer(spec: m.FormSpec, record: m.AuditRecord, role: str):
    f = spec.field_with_role(role)
    return _shown(f, record.answers.get(f.id)) if f else None


def is_inadequate(spec: m.FormSpec, record: m.AuditRecord) -> bool:
    """Inadequate by the grade after moderation when there is one, else by the overall grade."""
    for role in ("grade_after_moderation", "overall_grade"):
        f = spec.field_with_role(role)
        value = record.answers.get(f.id) if f else None
        if f and f.scale and isinstance(value, str) and value.strip():
            option = f.scale.by_label(value)
            return option is not None and option.value == INADEQUATE
    return False


def deadlines(finalised: dt.date, inadequate: bool) -> dict[str, dt.date | None]:
    """Management oversight due, and for an Inadequate audit the review meeting and re-audit."""
    return {
        "Management oversight due": add_working_days(finalised, MANAGEMENT_OVERSIGHT_DAYS),
        "Review meeting due": finalised + dt.timedelta(weeks=REVIEW_MEETING_WEEKS) if inadequate else None,
        "Re-audit due": add_months(finalised, RE_AUDIT_MONTHS) if inadequate else None,
    }


# ---- rows for one record -------------------------------------------------------


def audit_row(spec: m.FormSpec, record: m.AuditRecord, returned: dt.date) -> dict:
    s = record.subject
    month = month_of(record)
    finalised_answer = role_answer(spec, record, "audit_date")
    finalised = finalised_answer if isinstance(finalised_answer, dt.date) else returned
    return {
        "Audit id": record.audit_id, "Form": spec.title, "Form version": spec.version, "Month": month,
        "Case number": s.get("case_number"), "Name": subject_name(spec, record), "Team": s.get("team"),
        "Social worker": s.get("social_worker"), "Team manager": s.get("team_manager"),
        "Auditor": s.get("auditor"), "Audit type": s.get("audit_type"), "Status": record.status,
        "Overall grade": role_answer(spec, record, "overall_grade"),
        "Grade after moderation": role_answer(spec, record, "grade_after_moderation"),
        "Due": last_day_of_month(month) if month else None, "Returned": returned, "Finalised": finalised,
        **deadlines(finalised, is_inadequate(spec, record)),
        **file_columns(record, "Source file"), "Content check": content_check(record),
    }


def _common(record: m.AuditRecord) -> dict:
    return {"Audit id": record.audit_id, "Case number": record.subject.get("case_number"),
            "Team": record.subject.get("team"), "Month": month_of(record)}


def answer_rows(spec: m.FormSpec, record: m.AuditRecord) -> list[dict]:
    """One row per answered question and voice (and per filled field or process check)."""
    a = record.answers
    rows = []
    for section, item in spec.items():
        if isinstance(item, (m.Judgement, m.Actions)):
            continue
        fields = {f.part: f for f in item.fields}
        text = getattr(item, "text", "") or getattr(item, "label", "")
        found = []  # (voice, answer, evidence)
        if isinstance(item, m.Question) and item.voices:
            for v in item.voices:
                grade, comment = fields.get(f"{v.id}.grade"), fields.get(f"{v.id}.comment")
                found.append((v.label, _shown(grade, a.get(grade.id)) if grade else None,
                              a.get(comment.id) if comment else None))
        elif isinstance(item, m.Check):
            date, confirm, comment = fields.get("date"), fields.get("confirm"), fields.get("comment")
            when = uk(_date(a.get(date.id))) or a.get(date.id) if date else None
            notes = [f"Date: {when}" if when else "", a.get(comment.id) or "" if comment else ""]
            found.append(("", _shown(confirm, a.get(confirm.id)) if confirm else None,
                          "\n".join(n for n in notes if n) or None))
        else:
            answer, evidence = fields.get("answer"), fields.get("evidence")
            value = _shown(answer, a.get(answer.id)) if answer else None
            if answer is not None and answer.type in ("text", "line") and answer.scale is None:
                found.append(("", None, value))
            else:
                found.append(("", value, a.get(evidence.id) if evidence else None))
        for voice, answer, evidence in found:
            if answer in (None, "") and evidence in (None, ""):
                continue
            rows.append({**_common(record), "Section": f"{section.number}. {section.title}", "Ref": item.ref,
                         "Question": text, "Voice": voice, "Answer": answer, "Evidence / comment": evidence})
    return rows


def judgement_rows(spec: m.FormSpec, record: m.AuditRecord) -> list[dict]:
    """Domain judgements and overall grades (whatever item holds them), one row each, for counting."""
    kinds = {"overall_grade": "Overall grade", "grade_after_moderation": "Grade after moderation"}
    role_of = {fid: role for role, fid in spec.roles.items() if role in kinds}
    rows = []
    for section, item in spec.items():
        for f in item.fields:
            is_domain = isinstance(item, m.Judgement) and f.part == "answer"
            if not is_domain and f.id not in role_of:
                continue
            comment_id = f.id[: -len("grade")] + "comment" if f.id.endswith(".grade") else f"{f.id}.comment"
            value, note = _shown(f, record.answers.get(f.id)), record.answers.get(comment_id)
            if value in (None, "") and not note:
                continue
            rows.append({**_common(record), "Auditor": record.subject.get("auditor"),
                         "Type": kinds.get(role_of.get(f.id), "Domain"),
                         "Section": f"{section.number}. {section.title}", "Ref": item.ref,
                         "Question": getattr(item, "label", "") or getattr(item, "text", ""),
                         "Judgement": value, "Comment": note})
    return rows


ACTION_COLUMNS = {"next_steps": "Next steps", "action": "Action", "responsible_role": "Responsible role",
                  "responsible_person": "Responsible person", "required_date": "Required date"}
BY_TYPE = {"role": "Responsible role", "person": "Responsible person", "date": "Required date"}


def action_columns(table: m.Table) -> dict[str, str]:
    """Column id -> Actions heading: by id, else the first role, person and date column
    (so 'by whom' / 'by when' tables fill the same columns). Others go to 'Other details'."""
    out = {c.id: ACTION_COLUMNS[c.id] for c in table.columns if c.id in ACTION_COLUMNS}
    for c in table.columns:
        if c.id not in out and c.type in BY_TYPE and BY_TYPE[c.type] not in out.values():
            out[c.id] = BY_TYPE[c.type]
    return out


def action_rows(spec: m.FormSpec, record: m.AuditRecord) -> list[dict]:
    """The form's actions, in form order, without ids (see actions.match)."""
    rows = []
    for table in spec.tables:
        headings = action_columns(table)
        for n, values in enumerate(record.tables.get(table.id, []), start=1):
            row = {"Audit id": record.audit_id, "Case number": record.subject.get("case_number"),
                   "Team": record.subject.get("team"), "From": SOURCES.get(table.source, table.source),
                   "Form ref": table.ref, "Form row": n, "On form": ON_FORM}
            other = []
            for col in table.columns:
                value = _shown(col, values.get(col.id))
                if col.id in headings:
                    row[headings[col.id]] = value
                elif value not in (None, ""):
                    other.append(f"{col.label}: {_text(value)}")
            row["Other details"] = "\n".join(other) or None
            rows.append(row)
    return rows


def file_columns(record: m.AuditRecord, shown: str) -> dict:
    """The returned file: shown relative to the folder given; known by a hash of its bytes;
    and where it was read (hidden: only to tell later whether it is still there)."""
    return {shown: record.shown_file, "File check": record.file_check or None,
            "File location": os.path.abspath(record.file) if record.file else None}


def exception_row(record: m.AuditRecord, problem: str, details: str, todo: str, found_on: dt.date) -> dict:
    return {"Found on": found_on, **file_columns(record, "File"), "Audit id": record.audit_id or None,
            "Case number": record.subject.get("case_number"), "Auditor": record.subject.get("auditor"),
            "Problem": problem, "Details": details, "What to do": todo}
