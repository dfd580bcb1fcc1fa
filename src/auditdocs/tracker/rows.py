"""What each sheet of the tracker holds: its columns, and the rows made from what the register knows.

The values are decided by `domain.cycle` (states, deadlines, grades) and `moderation.columns`;
here they are only laid out as the sheets show them.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from functools import cached_property, lru_cache

from ..domain import cycle
from ..domain import model as m
from ..domain.dates import parse_date, uk
from ..domain.identity import audit_month

SOURCES = {"audit": "Audit", "management_oversight": "Management oversight", "moderation": "Moderation"}
ON_FORM, REMOVED = "Yes", "Removed from form"
NOT_RETURNED = "not returned"


@dataclass(frozen=True)
class Col:
    header: str
    width: float = 14
    kind: str = "text"  # text, long (wrapped), date, month
    manager: bool = False  # filled in by people (managers, QA officers): read back, never overwritten
    hidden: bool = False
    choices: tuple[str, ...] = ()  # offered as a drop-down list (a person's column of a sheet of MORE_SHEETS)


@dataclass(frozen=True)
class SheetDef:
    name: str
    columns: tuple[Col, ...]
    key: tuple[str, ...]  # the headers that identify a row from one run to the next
    big: bool = False  # a sheet nobody edits: protected, streamed, never read back while protected

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def col(self, header: str) -> Col | None:
        return self._by_header.get(header)

    @cached_property
    def _by_header(self) -> dict[str, Col]:
        return {c.header: c for c in self.columns}

    @cached_property
    def generated(self) -> frozenset[str]:
        """The headings the tool fills from the register (not people's)."""
        return frozenset(c.header for c in self.columns if not c.manager)

    @cached_property
    def people(self) -> list[str]:
        """The headings people fill, in their order."""
        return [c.header for c in self.columns if c.manager]


@dataclass(frozen=True)
class Graded:
    """A choice from a scale (or a state), shown in its colour."""

    label: str
    colour: str | None = None


#: The QA officers' columns of the Audits sheet: what happened to an audit, typed in as it happens,
#: each read back into the register as an event. Event kind -> (the heading of its date, event field -> heading).
QA_EVENTS: dict[str, tuple[str, dict[str, str]]] = {
    "sent_back": ("Sent back on", {}),
    "oversight_recorded": ("Oversight recorded on", {}),
    "inadequate_meeting": ("Meeting held on", {}),
    "review_meeting": ("Review meeting held on", {}),
    "head_of_service_meeting": ("Head of Service meeting on", {}),
    "exempted": ("Exempted on", {"agreed_by": "Exemption agreed by", "agreed_role": "Agreed role"}),
    "cancelled": ("Cancelled on", {"reason": "Cancelled because", "agreed_by": "Cancellation agreed by"}),
}
QA_DATES = [date for date, _ in QA_EVENTS.values()]
#: The roles that can agree an exemption, offered as a list in the Agreed role column.
AGREED_ROLES = (cycle.ASSISTANT_DIRECTOR, cycle.STRATEGIC_LEAD)

#: Each state's colour on the Audits sheet.
STATE_COLOURS = {
    cycle.ALLOCATED: "DDEBF7", cycle.OVERDUE: "C00000", cycle.UNREADABLE: "F4B084", cycle.TO_SEND_BACK: "F4B084", cycle.SENT_BACK: "FFE699",
    cycle.OVERSIGHT_DUE: "FFF2CC", cycle.IN_DRAFTS: "BDD7EE", cycle.FOLLOW_UP: "7030A0", cycle.CLOSED: "A9D08E",
    cycle.EXEMPTED: "D9D9D9", cycle.CANCELLED: "D9D9D9", cycle.REALLOCATED: "D9D9D9",
}

AUDITS = SheetDef("Audits", (
    Col("Audit id", 24), Col("Form", 30, "long"), Col("Form version", 9), Col("Month", 11, "month"),
    Col("Case number", 14), Col("Name", 22), Col("Team", 20), Col("Social worker", 18),
    Col("Team manager", 18), Col("Auditor", 18), Col("Audit type", 16),
    Col("Activity", 24, "long"), Col("Group", 24, "long"),
    Col("State", 22, "long"), Col("Next step", 40, "long"), Col("Next deadline", 12, "date"),
    Col("Needs attention", 40, "long"),
    Col("Status", 12), Col("Overall grade", 24, "long"), Col("Grade after moderation", 24, "long"),
    Col("Due", 12, "date"), Col("Returned", 12, "date"), Col("Finalised", 12, "date"),
    Col("Management oversight due", 14, "date"), Col("Review meeting due", 14, "date"),
    Col("Re-audit due", 14, "date"), Col("Re-audit of", 24), Col("Re-audited by", 24),
    Col("Selected for moderation", 12), Col("Moderator", 18), Col("Moderated on", 12, "date"), Col("Changed", 10),
    Col("Sent back on", 12, "date", manager=True), Col("Oversight recorded on", 14, "date", manager=True),
    Col("Meeting held on", 12, "date", manager=True), Col("Review meeting held on", 14, "date", manager=True),
    Col("Head of Service meeting on", 14, "date", manager=True), Col("Exempted on", 12, "date", manager=True),
    Col("Exemption agreed by", 18, manager=True), Col("Agreed role", 22, "long", manager=True),
    Col("Cancelled on", 12, "date", manager=True), Col("Cancelled because", 30, "long", manager=True),
    Col("Cancellation agreed by", 18, manager=True),
    Col("Source file", 40), Col("Content check", 18, hidden=True),
    Col("File check", 22, hidden=True), Col("File location", 40, hidden=True),
), key=("Audit id",))

ANSWERS = SheetDef("Answers", (
    Col("Audit id", 24), Col("Case number", 14), Col("Team", 20), Col("Month", 11, "month"),
    Col("Section", 30, "long"), Col("Ref", 7), Col("Question", 60, "long"), Col("Voice", 16),
    Col("Answer", 16), Col("Evidence / comment", 70, "long"),
), key=("Audit id", "Ref", "Voice", "Question"), big=True)

JUDGEMENTS = SheetDef("Judgements", (
    Col("Audit id", 24), Col("Case number", 14), Col("Team", 20), Col("Auditor", 18),
    Col("Month", 11, "month"), Col("Type", 20), Col("Section", 40, "long"), Col("Ref", 7),
    Col("Question", 30, "long"), Col("Judgement", 24, "long"), Col("Comment", 60, "long"),
), key=("Audit id", "Ref", "Type"), big=True)

ACTIONS = SheetDef("Actions", (
    Col("Action id", 27), Col("Audit id", 24), Col("Case number", 14), Col("Team", 20),
    Col("Activity", 24, "long"),
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

#: The actions drawn by `auditdocs actions check-sample` (`actions.plan`), and the QA officer's check of each.
ACTION_CHECKS = SheetDef("Action checks", (
    Col("Action id", 27), Col("Check month", 10), Col("Audit id", 24), Col("Case number", 14), Col("Team", 20),
    Col("Activity", 22, "long"), Col("Team manager", 18), Col("Action", 50, "long"), Col("Status", 12),
    Col("Completed on", 12, "date"), Col("Signed off by", 18), Col("Signed off on", 12, "date"),
    Col("Confirmed", 12, manager=True, choices=("Yes", "No", "Partly")), Col("Checked on", 12, "date", manager=True),
    Col("Checked by", 18, manager=True), Col("Evidence seen / notes", 50, "long", manager=True),
    Col("Follow-up", 40, "long"),
), key=("Action id", "Check month"))

#: The group's key messages and recommendations for each activity of the programme with audits returned (a
#: thematic audit, a dip sample), by month and activity, read back for its audit summary report; for a thematic
#: audit, its six-month review and any re-audit it led to (`report.summary_sheet`).
KEY_MESSAGES = SheetDef("Key messages", (
    Col("Month", 10), Col("Activity", 34, "long"), Col("Type", 16), Col("Audits", 8), Col("Returned", 9),
    Col("Lead auditors", 30, "long"), Col("Others in the group", 30, "long"), Col("Review due", 12, "date"),
    Col("Key messages", 60, "long", manager=True), Col("Recommendations", 60, "long", manager=True),
    Col("Agreed by", 20, manager=True), Col("Agreed on", 12, "date", manager=True),
    Col("Review held on", 12, "date", manager=True), Col("Practice progressed", 12, manager=True),
    Col("Re-audit in", 11, manager=True),
), key=("Month", "Activity"))

#: Evidence tagged with the council's themes (`learning.themes`), a row per (audit, field, theme), with the words
#: that triggered it; the QA officer says whether it is right, or which theme it is instead.
THEMES = SheetDef("Themes", (
    Col("Audit id", 24), Col("Month", 11, "month"), Col("Service", 18), Col("Team", 20), Col("Ref", 7),
    Col("Field", 30, "long"), Col("Field id", 20, hidden=True), Col("Kind", 12), Col("Theme", 28, "long"),
    Col("Triggered by", 24, "long"), Col("Excerpt", 60, "long"),
    Col("Correct?", 10, manager=True, choices=("Yes", "No")), Col("Theme instead", 28, "long", manager=True),
), key=("Audit id", "Field id", "Theme"))

#: The sheets later steps of the programme add (each made from the register by its maker in
#: `consolidate.more_sheets.MAKERS`, its people's columns read back like the managers'). A tracker has such a
#: sheet once it has rows.
LEARNING_LOG = SheetDef("Learning log", (
    Col("Log id", 14), Col("Kind", 14), Col("Finding", 40, "long"), Col("Action", 40, "long"), Col("Owner", 18),
    Col("Service", 18), Col("Due", 12, "date"), Col("Themes", 24, "long"), Col("Audits", 24, "long"),
    Col("Re-check", 28, "long"), Col("Re-check month", 11, "month"), Col("Re-check result", 36, "long"),
    Col("Added on", 12, "date"),
    Col("Status", 14, manager=True), Col("Completed on", 12, "date", manager=True),
    Col("Evidence of change", 50, "long", manager=True), Col("Notes", 40, "long", manager=True),
), key=("Log id",))

MORE_SHEETS: tuple[SheetDef, ...] = (
    KEY_MESSAGES,
    ACTION_CHECKS,
    THEMES,
    LEARNING_LOG,
)
CORE_SHEETS = (AUDITS, ANSWERS, JUDGEMENTS, ACTIONS, EXCEPTIONS)
DATA_SHEETS = CORE_SHEETS + MORE_SHEETS
SHEETS = {s.name: s for s in DATA_SHEETS}
ABOUT = "About"
MANAGER_HEADERS = ACTIONS.people
#: The managers' columns of the Actions sheet that say where an action stands (the rest are notes).
ACTION_FIELDS = {"Status": "status", "Completed on": "done_on", "Signed off by": "signed_off_by",
                 "Signed off on": "signed_off_on"}


# ---- values --------------------------------------------------------------------


def _date(value) -> dt.date | str | None:
    """A real date when the text is one; otherwise the text as typed."""
    if value in (None, ""):
        return None
    return _text_date(value) if isinstance(value, str) else (parse_date(value) or str(value))


@lru_cache(maxsize=8192)
def _text_date(text: str) -> dt.date | str:
    return parse_date(text) or text


def _choice(scale: m.Scale | None, value) -> Graded | object:
    if scale is None or not isinstance(value, str):
        return value
    option = scale.chosen(value)
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


def subject_name(spec: m.FormSpec | None, subject: dict) -> str:
    if spec is None:
        return ""
    names = [subject.get(h.id, "") for h in spec.header if h.identifier and h.id != "case_number"]
    return ", ".join(n for n in names if n)


def role_answer(spec: m.FormSpec, record: m.AuditRecord, role: str):
    f = spec.field_with_role(role)
    return _shown(f, record.answers.get(f.id)) if f else None


def graded(option: m.Option | None) -> Graded | None:
    return Graded(option.label, option.colour) if option else None


# ---- rows ----------------------------------------------------------------------


def audit_row(audit: m.RegisteredAudit, standing: cycle.Standing, spec: m.FormSpec | None,
              moderation: dict[str, object], auditors_grade: m.Option | None = None) -> dict:
    """The Audits row of one audit, returned or not: who and what, where it stands, its dates.
    `auditors_grade`: the overall grade the auditor gave, for a moderated audit (`moderation.outcome`: a
    moderator's copy may have changed it); else the Overall grade is what the form says."""
    current = audit.current
    record = current.record if current is not None else None
    s = record.subject if record is not None and record.subject else audit.subject
    step = standing.next_step
    row = {
        "Audit id": audit.audit_id, "Form": spec.title if spec else audit.form_id,
        "Form version": spec.version if spec else audit.form_version, "Month": audit.month,
        "Case number": s.get("case_number"), "Name": subject_name(spec, s), "Team": s.get("team"),
        "Social worker": s.get("social_worker"), "Team manager": s.get("team_manager"),
        "Auditor": s.get("auditor"), "Audit type": s.get("audit_type"), "Activity": m.activity_name(audit),
        "Group": group_text(audit.group),
        "State": Graded(cycle.STATES[standing.state], STATE_COLOURS.get(standing.state)),
        "Next step": f"{step.who}: {step.what}" if step else None, "Next deadline": standing.earliest_deadline,
        "Status": current.status if current is not None else "unreadable" if audit.returns else NOT_RETURNED,
        "Due": cycle.due_date(audit), "Re-audit of": standing.re_audit_of or None,
        "Re-audited by": standing.re_audit or None, **moderation,
    }
    if record is not None and spec is not None:
        finalised = standing.finalised or cycle.finalised_on(spec, current)
        inadequate = cycle.is_inadequate(spec, record)
        row.update({
            "Overall grade": graded(auditors_grade) if auditors_grade else role_answer(spec, record, "overall_grade"),
            "Returned": cycle.returned_on(current), "Finalised": standing.finalised,
            "Management oversight due": cycle.oversight_due(finalised) if standing.finalised else None,
            "Review meeting due": cycle.review_meeting_due(finalised) if inadequate else None,
            "Re-audit due": cycle.re_audit_due(finalised) if inadequate else None,
            "Content check": current.check,
        })
    if current is not None:
        row.update(returned_file_columns(current, "Source file"))
    for kind, (date_heading, fields) in QA_EVENTS.items():
        events = audit.events_of(kind)
        if events:
            row[date_heading] = events[-1].on
            row.update({heading: getattr(events[-1], field) or None for field, heading in fields.items()})
    return row


def group_text(group) -> str | None:
    """The others auditing with the lead auditor (a group audit), as one cell shows them."""
    return "; ".join(group) or None


def returned_file_columns(version: m.Return, shown: str) -> dict:
    """A returned file: shown relative to the folder given; known by a hash of its bytes; and where it was
    read (hidden: only to tell later whether it is still there)."""
    location = file_location(version.folder, version.path)
    return {shown: version.path, "File check": file_check(version.content_hash), "File location": location}


def file_location(folder: str, path: str) -> str:
    return os.path.join(folder, path) if folder else path


def file_check(content_hash: str) -> str | None:
    """What the tracker shows of a content hash: the start of the file's SHA-256 (None for a record given
    without its file)."""
    return content_hash[:20] if len(content_hash) == 64 else None


def _common(record: m.AuditRecord) -> dict:
    return {"Audit id": record.audit_id, "Case number": record.subject.get("case_number"),
            "Team": record.subject.get("team"), "Month": month_of(record)}


def answer_rows(spec: m.FormSpec, record: m.AuditRecord) -> list[dict]:
    """One row per answered question and voice (and per filled field or process check)."""
    a = record.answers
    common = _common(record)
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
            rows.append({**common, "Section": f"{section.number}. {section.title}", "Ref": item.ref,
                         "Question": text, "Voice": voice, "Answer": answer, "Evidence / comment": evidence})
    return rows


def judgement_rows(spec: m.FormSpec, record: m.AuditRecord) -> list[dict]:
    """Domain judgements and overall grades (whatever item holds them), one row each, for counting."""
    kinds = {"overall_grade": "Overall grade", "grade_after_moderation": "Grade after moderation"}
    role_of = {fid: role for role, fid in spec.roles.items() if role in kinds}
    common = {**_common(record), "Auditor": record.subject.get("auditor")}
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
            rows.append({**common, "Type": kinds.get(role_of.get(f.id), "Domain"),
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


def form_actions(spec: m.FormSpec, record: m.AuditRecord) -> list[cycle.FormAction]:
    """The form's actions, in form order, as `cycle.identify_actions` matches them."""
    out = []
    for table in spec.tables:
        for n, values in enumerate(record.tables.get(table.id, []), start=1):
            text = values.get("action") or values.get("next_steps") or ""
            if not text:
                headings = action_columns(table)
                text = next((str(v) for c, v in values.items() if headings.get(c) in ("Action", "Next steps") and v), "")
            out.append(cycle.FormAction(table.id, n, str(text), dict(values)))
    return out


def action_row(action: m.TrackedAction, spec: m.FormSpec | None, subject: dict, activity: str = "") -> dict:
    """The Actions row of one action: what the form says of it, and what its manager typed (as typed).
    `activity`: its audit's activity, as shown (`model.activity_name`)."""
    table = spec.table(action.table_id) if spec else None
    row = {"Action id": action.action_id, "Audit id": action.audit_id, "Case number": subject.get("case_number"),
           "Team": subject.get("team"), "Activity": activity or None, "From": SOURCES.get(table.source, table.source) if table else None,
           "Form ref": table.ref if table else action.table_id, "Form row": action.form_row,
           "On form": ON_FORM if action.on_form else REMOVED}
    other = []
    if table is not None:
        headings = action_columns(table)
        for col in table.columns:
            value = _shown(col, action.values.get(col.id))
            if col.id in headings:
                row[headings[col.id]] = value
            elif value not in (None, ""):
                other.append(f"{col.label}: {_text(value)}")
    else:
        row["Action"] = action.text
    row["Other details"] = "\n".join(other) or None
    row.update(action.columns.get(ACTIONS.name, {}))
    row.setdefault("Status", action.status or None)
    return row


def exception_row(found_on: dt.date, file: str | None, audit_id: str, subject: dict, problem: str, details: str,
                  todo: str, content_hash: str = "", location: str | None = None) -> dict:
    return {"Found on": found_on, "File": file, "Audit id": audit_id or None,
            "Case number": subject.get("case_number") or None, "Auditor": subject.get("auditor") or None,
            "Problem": problem, "Details": details, "What to do": todo,
            "File check": file_check(content_hash), "File location": location}


ACTION_CHANGED = "Action changed"
TRACKER_ENTRY = "Tracker entry"
LEARNING_LOG_ENTRY = "Learning log"  # a row typed in the Learning log sheet, taken into the register


def _stripped(value) -> str:
    return "" if value is None else str(value).strip()


def row_key(sheet: SheetDef, values: dict) -> str:
    """What identifies a row of `sheet` from one run to the next ("" for a row a person added)."""
    if sheet is AUDITS:
        return _stripped(values.get("Audit id"))
    if sheet is ACTIONS:
        action = _stripped(values.get("Action id"))
        return action if cycle.action_number(_stripped(values.get("Audit id")), action) is not None else ""
    if sheet is EXCEPTIONS:
        return exception_key(values)
    if "Audit id" not in sheet.key:  # a sheet of rows that are not an audit's (by month and activity, or ids of
        # their own: the learning log's)
        parts = [_stripped(values.get(h)) for h in sheet.key]
        return "\x1f".join(parts) if all(parts) else ""
    return "\x1f".join(_stripped(values.get(h)) for h in sheet.key) if _stripped(values.get("Audit id")) else ""


def exception_key(values: dict) -> str:
    """The same problem with the same file: by its content when known, else by its shown path (an action
    that changed, or an entry in the tracker: by what the row says, so that two of one audit stay apart)."""
    problem = _stripped(values.get("Problem"))
    parts = [_stripped(values.get("File check")) or _stripped(values.get("File")), _stripped(values.get("Audit id")), problem]
    if problem in (ACTION_CHANGED, TRACKER_ENTRY, LEARNING_LOG_ENTRY):
        parts.append(_stripped(values.get("Details")))
    return "\x1f".join(parts) if any(parts) else ""
