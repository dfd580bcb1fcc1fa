"""The domain model that flows through the pipeline.

spec -> generate -> (people fill) -> parse -> consolidate (the tracker)

A `FormSpec` is what a spec file says (loaded and checked by `auditdocs.specs`).
Everything that writes or reads a form works from `FormSpec.fields` (every answer
a person gives, in form order) and `FormSpec.tables` (the action tables).
An `Allocation` is one row of the month's allocation list; an `AuditRecord` is
what was read back from one completed form, in the JSON contract of the README.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import unicodedata
from dataclasses import dataclass
from dataclasses import field as dc_field
from functools import cached_property
from typing import Callable, Iterator

SUBJECT_KINDS = {
    "child": "Child",
    "family": "Child and family",
    "foster_carer": "Foster carer",
    "prospective_adopter": "Prospective adopter",
    "supported_lodgings_provider": "Supported lodgings provider",
}

#: Field types a person fills in. `text` is multi-paragraph, `line` one line.
FIELD_TYPES = ("text", "line", "date", "choice", "checkbox")
HEADER_TYPES = ("text", "date", "choice")
COLUMN_TYPES = ("text", "line", "role", "person", "date", "choice")
ACTION_SOURCES = ("audit", "management_oversight", "moderation")
#: What an empty answer shows until it is filled (never read back as an answer).
PLACEHOLDER = {
    "choice": "Choose an answer", "date": "Enter a date", "text": "Type here", "line": "Type here", "checkbox": "",
    "evidence": "Type the evidence here", "comment": "Type the comment here", "judgement": "Choose a judgement",
    "grade": "Choose a grade", "column choice": "Choose an option",
}
VOICE_LETTERS = "abcdefghij"  # a question's voice rows are 1.1a, 1.1b …

#: Fields the tracker and moderation need, named in a spec's `roles:` (role -> field id).
FIELD_ROLES = {"overall_grade": "choice", "grade_after_moderation": "choice", "audit_date": "date",
               "moderator": "line", "moderation_date": "date"}


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    colour: str | None = None


@dataclass(frozen=True)
class Scale:
    id: str
    label: str
    options: tuple[Option, ...]
    ordered: bool = True  # options listed best to worst

    def option(self, value: str) -> Option | None:
        for opt in self.options:
            if opt.value == value:
                return opt
        return None

    def chosen(self, answer) -> Option | None:
        """The option an answer holds: a record holds the option's value (records read before values were
        kept, and a register not yet migrated, may hold its label). None for no answer, or a value typed that
        is not an option."""
        if not isinstance(answer, str) or not answer.strip():
            return None
        return self.option(answer) or self.by_label(answer)

    def by_label(self, text: str) -> Option | None:
        """The option a person chose, from the text they see (case and spaces ignored)."""
        return self._by_key.get(" ".join(text.split()).casefold())

    @cached_property
    def _by_key(self) -> dict[str, Option]:
        """Each option's label and value, casefolded -> the first option (in order) with that label or value."""
        keys: dict[str, Option] = {}
        for opt in self.options:
            keys.setdefault(opt.label.casefold(), opt)
            keys.setdefault(opt.value.casefold(), opt)
        return keys

    @property
    def labels(self) -> list[str]:
        return [o.label for o in self.options]


@dataclass(frozen=True)
class HeaderField:
    """A detail of the record, pre-populated from the allocation list."""

    id: str
    label: str
    type: str = "text"
    scale: Scale | None = None
    required: bool = False
    identifier: bool = False  # carried in the document properties


@dataclass(frozen=True)
class Field:
    """One answer a person gives: one content control in Word, one cell in Excel."""

    id: str
    label: str  # readable, used as the control's alias
    type: str  # one of FIELD_TYPES
    section: str  # section id
    ref: str  # the visible reference of the row the field sits in, e.g. "3.2"
    part: str  # which cell of the row: answer, evidence, comment, grade, date, confirm
    scale: Scale | None = None
    required: bool = False
    item: str = ""  # id of the item (question, judgement...) the field belongs to
    placeholder: str = ""


@dataclass(frozen=True)
class Column:
    id: str
    label: str
    type: str = "text"
    scale: Scale | None = None
    required: bool = False  # required in every row that has anything in it

    def tag(self, table_id: str) -> str:
        return f"{table_id}.{self.id}"


@dataclass(frozen=True)
class Table:
    """An action table: rows people fill, each with the same typed columns."""

    id: str
    title: str
    section: str
    ref: str
    columns: tuple[Column, ...]
    rows: int = 3
    source: str = "audit"


# ---- items: what a section is made of --------------------------------------


@dataclass(frozen=True)
class Voice:
    id: str
    label: str
    required: bool = True


@dataclass(frozen=True)
class Question:
    id: str
    ref: str
    text: str
    fields: tuple[Field, ...]
    prompts: tuple[str, ...] = ()
    voices: tuple[Voice, ...] = ()
    evidence_label: str = ""
    kind: str = "question"

    def voice_rows(self) -> list[tuple[str, Voice]]:
        """Each voice's row reference (1.1a, 1.1b …) and voice."""
        return [(f"{self.ref}{letter}", voice) for letter, voice in zip(VOICE_LETTERS, self.voices)]


@dataclass(frozen=True)
class Judgement:
    id: str
    ref: str
    label: str
    fields: tuple[Field, ...]
    kind: str = "judgement"


@dataclass(frozen=True)
class FieldItem:
    id: str
    ref: str
    label: str
    fields: tuple[Field, ...]
    prompts: tuple[str, ...] = ()
    kind: str = "field"


@dataclass(frozen=True)
class Check:
    """A process check: a date, 'is the document attached?' and a comment."""

    id: str
    ref: str
    text: str
    fields: tuple[Field, ...]
    kind: str = "check"


@dataclass(frozen=True)
class Actions:
    id: str
    ref: str
    table: Table
    fields: tuple[Field, ...] = ()
    kind: str = "actions"


Item = Question | Judgement | FieldItem | Check | Actions


@dataclass(frozen=True)
class Section:
    id: str
    number: str
    title: str
    guidance: tuple[str, ...]
    items: tuple[Item, ...]
    intro: str = ""


@dataclass(frozen=True)
class Rule:
    """A conditional requirement checked when a form comes back.

    when_field/when_each + when_in: the condition; require: a field id, a table id,
    or "companion" (the evidence or comment of the item that met the condition).
    """

    when_in: tuple[str, ...]
    require: str
    when_field: str | None = None
    when_each: str | None = None  # "question" or "judgement"
    message: str = ""


@dataclass(frozen=True)
class FormSpec:
    id: str
    title: str
    version: int
    subject: str
    header: tuple[HeaderField, ...]
    sections: tuple[Section, ...]
    scales: dict[str, Scale]
    rules: tuple[Rule, ...] = ()
    roles: dict[str, str] = dc_field(default_factory=dict)  # role -> field id
    voices: tuple[Voice, ...] = ()
    source: str = ""
    description: str = ""
    path: str = ""
    aliases: tuple[str, ...] = ()  # other names people give the form ("EH", "CSC")

    @property
    def subject_label(self) -> str:
        return SUBJECT_KINDS.get(self.subject, self.subject)

    @property
    def short_title(self) -> str:
        """The part of the title that tells forms apart, as file names show it:
        'Case File Audit Tool — Foster Carer' -> 'Foster Carer'."""
        for dash in (" — ", " – ", " - "):
            if dash in self.title:
                return self.title.rsplit(dash, 1)[1]
        return self.title

    @property
    def names(self) -> tuple[str, ...]:
        """Every name a person may give the form: id, title, short title, aliases."""
        return (self.id, self.title, self.short_title, *self.aliases)

    @property
    def name_fields(self) -> list[str]:
        """The header fields that name the person: given then family name, else the identifiers."""
        if self.header_field("given_names") and self.header_field("family_name"):
            return ["given_names", "family_name"]
        return [h.id for h in self.header if h.identifier and h.id != "case_number"]

    def subject_name(self, values: dict[str, str]) -> str:
        """Who the form is about, as a person reads it: 'Amelia Testworth', 'Jo and Sam Madeup'."""
        return " ".join(str(values.get(f) or "") for f in self.name_fields).strip()

    def items(self) -> Iterator[tuple[Section, Item]]:
        for section in self.sections:
            for item in section.items:
                yield section, item

    @property
    def fields(self) -> list[Field]:
        """Every single answer field, in form order (action table columns excluded)."""
        return [f for _, item in self.items() for f in item.fields]

    @cached_property
    def tables(self) -> list[Table]:
        return [item.table for _, item in self.items() if isinstance(item, Actions)]

    @property
    def questions(self) -> list[Question]:
        return [item for _, item in self.items() if isinstance(item, Question)]

    def field(self, field_id: str) -> Field | None:
        return self._field_index.get(field_id)

    def table(self, table_id: str) -> Table | None:
        return self._table_index.get(table_id)

    @cached_property
    def _table_index(self) -> dict[str, Table]:
        return {t.id: t for t in self.tables}

    def header_field(self, field_id: str) -> HeaderField | None:
        return next((h for h in self.header if h.id == field_id), None)

    def field_with_role(self, role: str) -> Field | None:
        """The field playing a role the tracker needs (see FIELD_ROLES), if the form has one."""
        return self.field(self.roles[role]) if role in self.roles else None

    @cached_property
    def _field_index(self) -> dict[str, Field]:
        return {f.id: f for f in self.fields}

    @property
    def tags(self) -> list[str]:
        """Every content-control tag a Word form of this spec carries."""
        return [f.id for f in self.fields] + [
            c.tag(t.id) for t in self.tables for c in t.columns
        ]


def name_key(text) -> str:
    """A name with case, accents, spaces and punctuation ignored ('Early-Help' == 'early help')."""
    text = unicodedata.normalize("NFKD", str(text)).casefold()
    return "".join(ch for ch in text if ch.isalnum())


# ---- records ---------------------------------------------------------------


@dataclass
class Allocation:
    """One row of the allocation list: one form to make for one person."""

    form_id: str
    values: dict[str, str]  # header field id -> value as text (dates ISO)
    row: int  # row number in the list, as a spreadsheet shows it
    audit_id: str = ""
    activity: str = ""  # the programme's activity it belongs to ('' : the month's control sample)
    activity_type: str = ""  # its type (one of ACTIVITY_TYPES; '' : the control sample)
    counts_toward_ten: bool = True  # whether it counts toward the auditor's ten a year
    group: tuple[str, ...] = ()  # the others auditing it with the auditor (a group audit)


# ---- allocating the month: the pool of cases and the auditors (read and decided by auditdocs.allocate) ----


class Subject:
    """The details of whom an audit is about that the rules and the register look at (for a class
    whose `subject` holds header field id -> value)."""

    subject: dict[str, str]

    @property
    def case_number(self) -> str:
        return self.subject.get("case_number", "")

    @property
    def auditor(self) -> str:
        return self.subject.get("auditor", "")

    @property
    def team(self) -> str:
        return self.subject.get("team", "")

    @property
    def audit_type(self) -> str:
        return self.subject.get("audit_type", "")


#: The kinds of activity of the audit programme (seed 003, Appendix D; 4.31; Appendix E).
CONTROL_SAMPLE = "control sample"
ACTIVITY_TYPES = (CONTROL_SAMPLE, "dip sample", "thematic audit", "fostering", "adoption", "managers' dip samples",
                  "action-completion check")
CONTROL_SAMPLE_NAME = "Monthly control sample"  # how an audit allocated without a programme's activity is shown


def activity_name(audit) -> str:
    """The activity an audit (or allocation) belongs to, as it is shown: its name, or the control sample."""
    return audit.activity or CONTROL_SAMPLE_NAME


@dataclass
class Case(Subject):
    """A case that may be audited this month: a row of the cases list (the pool exported from the
    case management system), or of a hand-made allocation list, or a re-audit from the register."""

    row: int  # its row in the list (0: not from a list)
    form_id: str  # the form its audit needs
    subject: dict[str, str]  # header field id -> value as `generate` reads it (dates ISO)
    category: str = ""  # CIN, CP, CLA, Foster carer… (see allocate.settings.CATEGORIES)
    service: str = ""  # the service the case belongs to
    others: dict[str, object] = dc_field(default_factory=dict)  # the list's other columns (text or dates)
    marked: bool = False  # the QA officer marked it as part of this month's sample
    re_audit_of: str = ""  # the Inadequate audit this audit re-audits
    activity: str = ""  # the programme's activity it is drawn for ('' : the month's control sample)


@dataclass(frozen=True)
class BreakRequest:
    """An auditor asking not to be allocated an audit in a month (an audit break)."""

    month: dt.date  # its first day
    requested_on: dt.date | None = None  # when the request arrived, when the list says


@dataclass(frozen=True)
class Auditor:
    """A row of the auditors list."""

    name: str
    team: str
    service: str = ""
    role: str = ""  # Team manager, Group manager, Head of Service, IRO, QA officer…
    email: str = ""
    breaks: tuple[BreakRequest, ...] = ()
    exempt_cases: frozenset[str] = frozenset()  # case numbers they must not be given
    row: int = 0


@dataclass
class Problem:
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"field": self.field, "message": self.message}


@dataclass
class AuditRecord:
    """What was read from one returned form (the JSON contract in the README), each choice as its option's
    value, each date answer (fields and action-table cells) as a `datetime.date` (`shown_record` gives it as
    people see it, with the labels and ISO dates). The subject's dates stay ISO text, as allocations hold them."""

    file: str
    status: str = "unreadable"  # complete | incomplete | unreadable
    form_id: str = ""
    form_version: int | None = None
    audit_id: str = ""
    subject: dict[str, str] = dc_field(default_factory=dict)
    answers: dict[str, object] = dc_field(default_factory=dict)
    tables: dict[str, list[dict[str, object]]] = dc_field(default_factory=dict)
    problems: list[Problem] = dc_field(default_factory=list)
    fingerprint: str = ""
    modified: str = ""  # ISO date the file was last saved, when known
    notes: list[str] = dc_field(default_factory=list)  # worth saying, but not a problem of the form
    folder: str = ""  # the folder given to read, that the file was found in ("" for a file given itself)
    file_check: str = ""  # a hash of the file's bytes: the file whatever its name or place

    @property
    def shown_file(self) -> str:
        """The file's path as people know it: relative to the folder given (else as given)."""
        if self.folder:
            try:
                return os.path.relpath(self.file, self.folder)
            except ValueError:  # another drive (Windows)
                return self.file
        return self.file

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "status": self.status,
            "form": {"id": self.form_id, "version": self.form_version},
            "audit_id": self.audit_id,
            "subject": dict(self.subject),
            "answers": dict(self.answers),
            "tables": {k: [dict(r) for r in v] for k, v in self.tables.items()},
            "problems": [p.as_dict() for p in self.problems],
        }


def option_of(spec: FormSpec | None, record: AuditRecord | None, name: str) -> Option | None:
    """The option a record's answer to a field holds: `name` is a role of `FIELD_ROLES` (the overall grade…)
    or a field's id. None when the form has no such choice, or the answer is none of its options."""
    f = spec.field(spec.roles.get(name, name)) if spec is not None and record is not None else None
    return f.scale.chosen(record.answers.get(f.id)) if f is not None and f.scale is not None else None


def shown(kind: Field | Column | HeaderField | None, value):
    """An answer as people see it: a choice as its option's label, a date as ISO `YYYY-MM-DD` (as JSON writes
    it); anything else (a value typed that is not an option too) as it is."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if kind is None or kind.scale is None:
        return value
    option = kind.scale.chosen(value)
    return option.label if option is not None else value


def shown_record(spec: FormSpec | None, record: AuditRecord) -> AuditRecord:
    """The record as people see it (the JSON contract of the README): its choices as their labels, its dates
    as ISO text (a record of a form not known: its dates only)."""
    if not (record.answers or record.tables):
        return record
    answers = {k: shown(spec.field(k) if spec else None, v) for k, v in record.answers.items()}
    tables = {}
    for table_id, rows in record.tables.items():
        table = spec.table(table_id) if spec else None
        columns = {c.id: c for c in table.columns} if table else {}
        tables[table_id] = [{k: shown(columns.get(k), v) for k, v in row.items()} for row in rows]
    return dataclasses.replace(record, answers=answers, tables=tables)


def content_check(record: AuditRecord, spec: FormSpec | None) -> str:
    """A short hash of what a form says as people see it (not where the file is), to tell copies with other
    answers apart (`spec`: the record's form, None when not known)."""
    data = shown_record(spec, record).as_dict()
    data.pop("file", None)
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# ---- the register: every audit from allocation to sign-off ----------------------
# (read and written by auditdocs.register; where each audit stands: domain.cycle)

#: How an audit came into the register.
AUDIT_SOURCES = {
    "generate": "made by auditdocs generate",
    "manifest": "imported from the manifest.csv of forms made earlier",
    "allocate": "allocated by auditdocs allocate",
    "returned": "known only from a returned form (in no allocation the register knows)",
}

#: What can happen to an audit after it was allocated: an `Event`'s kind -> what it means.
EVENT_KINDS = {
    "sent_back": "sent back to the auditor to amend",
    "exempted": "auditor exempted (who agreed, and why)",
    "cancelled": "cancelled (who agreed, and why)",
    "reallocated": "reallocated to another auditor (details: to, new_audit_id)",
    "selected_for_moderation": "selected for moderation (who: the moderator)",
    "moderated": "moderated (who: the moderator)",
    "disputed": "disputed, moderated by a senior manager of another service (details: outcome)",
    "inadequate_meeting": "group manager, team manager and worker met about an Inadequate audit",
    "review_meeting": "review meeting held after an Inadequate audit",
    "head_of_service_meeting": "Head of Service met about a second Inadequate audit",
    "oversight_recorded": "management oversight recorded",
    "attached": "a returned file a QA officer said is this audit's (details: content, claimed, shown)",
    "action_check_drawn": "drawn for a month's check that its actions marked done were done (details: month, seed, "
                          "order, actions)",
}


@dataclass
class Event:
    """Something that happened to an audit, on a day, recorded by a QA officer or a command."""

    kind: str  # one of EVENT_KINDS
    on: dt.date
    audit_id: str = ""
    who: str = ""
    agreed_by: str = ""
    agreed_role: str = ""  # the role of whoever agreed (exemptions: Assistant Director...)
    reason: str = ""
    details: dict[str, object] = dc_field(default_factory=dict)
    id: int | None = None  # given by the register
    recorded: dt.datetime | None = None  # when the register was told


@dataclass
class TrackedAction:
    """An action of an audit with its stable id: `<audit id>-A<n>`, never given to another action."""

    action_id: str
    audit_id: str
    table_id: str  # the form's action table
    form_row: int  # its row in that table when it was last matched (1 = first)
    text: str  # the action (or next steps) as the form says it
    values: dict[str, object] = dc_field(default_factory=dict)  # column id -> value, as on the form
    on_form: bool = True  # False once the auditor removed it from the form
    status: str = "Open"  # set by the team manager (see cycle.ACTION_STATUSES)
    done_on: dt.date | None = None
    columns: dict[str, dict[str, object]] = dc_field(default_factory=dict)  # tracker sheet -> heading -> value
    signed_off_by: str = ""  # the manager who signed it off
    signed_off_on: dt.date | None = None


@dataclass
class Return:
    """One version of a returned form: what one content (by hash) said, and where it was seen."""

    content_hash: str
    audit_id: str
    status: str  # complete | incomplete | unreadable
    folder: str  # the folder it was last seen under (as given to the command)
    path: str  # its path relative to that folder
    first_seen: dt.datetime
    last_seen: dt.datetime
    places: list[tuple[str, str]] = dc_field(default_factory=list)  # every (folder, path) it was seen at
    load: Callable[[], AuditRecord] | None = dc_field(default=None, repr=False, compare=False)
    known_check: str = ""  # `content_check` of its record, as the register keeps it ("" for older registers)

    @cached_property
    def record(self) -> AuditRecord:
        """The record read from it (the JSON contract), decoded when first asked for."""
        return self.load()

    @property
    def check(self) -> str:
        """`content_check` of what it says (without decoding it when the register kept it)."""
        return self.known_check or content_check(self.record, None)  # (the register keeps every check)


@dataclass
class RegisteredAudit(Subject):
    """One audit as the register knows it: its allocation, the versions returned, what happened."""

    audit_id: str
    form_id: str
    form_version: int | None = None
    subject: dict[str, str] = dc_field(default_factory=dict)  # header field id -> value (dates ISO)
    month: dt.date | None = None  # the first day of the audit's month
    due: dt.date | None = None
    source: str = "generate"  # one of AUDIT_SOURCES
    files: list[str] = dc_field(default_factory=list)  # the forms made, full paths (manifest.csv: relative to its folder)
    auditor_role: str = ""  # from the auditors list, when known (exemptions depend on it)
    service: str = ""
    re_audit_of: str = ""  # the audit this one re-audits, when the allocation says so
    recorded: dt.datetime | None = None
    activity: str = ""  # the programme's activity (its name), '' for the month's control sample
    activity_type: str = ""  # one of ACTIVITY_TYPES, '' for the month's control sample
    counts_toward_ten: bool = True  # whether it counts toward the auditor's ten a year (Appendix A)
    group: list[str] = dc_field(default_factory=list)  # the others auditing it with the auditor (a group audit)
    returns: list[Return] = dc_field(default_factory=list)  # oldest first
    chosen: str = ""  # the content hash of the version in use, when consolidate chose it (duplicates)
    events: list[Event] = dc_field(default_factory=list)  # by date
    actions: list[TrackedAction] = dc_field(default_factory=list)
    columns: dict[str, dict[str, object]] = dc_field(default_factory=dict)  # tracker sheet -> heading -> value

    @property
    def current(self) -> Return | None:
        """The version in use: the one consolidate chose (when two files of the audit differ), else the
        latest readable version returned, if any."""
        if len(self.returns) == 1:  # the usual case, quickly
            only = self.returns[0]
            return only if only.status != "unreadable" else None
        readable = [r for r in self.returns if r.status != "unreadable"]
        if not readable:
            return None
        chosen = next((r for r in readable if r.content_hash == self.chosen), None) if self.chosen else None
        if chosen is not None:
            return chosen
        latest = max(r.first_seen for r in readable)
        tied = [r for r in readable if r.first_seen == latest]  # seen first in the same run: the last saved
        return max(tied, key=lambda r: r.record.modified or "") if len(tied) > 1 else tied[0]

    def events_of(self, kind: str) -> list[Event]:
        return [e for e in self.events if e.kind == kind]


LEARNING_KINDS = ("strategic", "learning", "organisational")  # seed 003, 4.3.6


@dataclass
class LearningAction:
    """An action of the organisational learning log (issue 26): agreed at a learning session to answer a finding
    of audits, with the re-check (a dip sample or thematic audit of the programme) that will test it. Its id,
    `LL-<year>-<n>`, is never given to another."""

    log_id: str
    kind: str  # one of LEARNING_KINDS
    finding: str  # what audits found
    action: str = ""  # what will be done
    owner: str = ""
    service: str = ""
    due: dt.date | None = None
    themes: list[str] = dc_field(default_factory=list)  # theme names, as the themes vocabulary has them
    audits: list[str] = dc_field(default_factory=list)  # the audit ids it answers
    status: str = "Open"  # see cycle.ACTION_STATUSES
    evidence: str = ""  # the evidence that practice changed
    recheck: str = ""  # the programme activity that will test it (its name)
    recheck_month: dt.date | None = None  # that activity's month (its first day)
    added_on: dt.date | None = None
    source: str = ""  # how it came: command line, tracker
    done_on: dt.date | None = None
    notes: str = ""
