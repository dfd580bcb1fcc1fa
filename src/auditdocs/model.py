"""The domain model that flows through the pipeline.

spec -> generate -> (people fill) -> parse -> consolidate (the tracker)

A `FormSpec` is what a spec file says (loaded and checked by `auditdocs.specs`).
Everything that writes or reads a form works from `FormSpec.fields` (every answer
a person gives, in form order) and `FormSpec.tables` (the action tables).
An `Allocation` is one row of the month's allocation list; an `AuditRecord` is
what was read back from one completed form, in the JSON contract of the README.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from dataclasses import field as dc_field
from functools import cached_property
from typing import Iterator

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

#: Fields the tracker needs, named in a spec's `roles:` (role -> field id).
FIELD_ROLES = {"overall_grade": "choice", "grade_after_moderation": "choice", "audit_date": "date"}


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

    def by_label(self, text: str) -> Option | None:
        """The option a person chose, from the text they see (case and spaces ignored)."""
        key = " ".join(text.split()).casefold()
        for opt in self.options:
            if opt.label.casefold() == key or opt.value.casefold() == key:
                return opt
        return None

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

    @property
    def subject_label(self) -> str:
        return SUBJECT_KINDS.get(self.subject, self.subject)

    def items(self) -> Iterator[tuple[Section, Item]]:
        for section in self.sections:
            for item in section.items:
                yield section, item

    @property
    def fields(self) -> list[Field]:
        """Every single answer field, in form order (action table columns excluded)."""
        return [f for _, item in self.items() for f in item.fields]

    @property
    def tables(self) -> list[Table]:
        return [item.table for _, item in self.items() if isinstance(item, Actions)]

    @property
    def questions(self) -> list[Question]:
        return [item for _, item in self.items() if isinstance(item, Question)]

    def field(self, field_id: str) -> Field | None:
        return self._field_index.get(field_id)

    def table(self, table_id: str) -> Table | None:
        return next((t for t in self.tables if t.id == table_id), None)

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


# ---- records ---------------------------------------------------------------


@dataclass
class Allocation:
    """One row of the allocation list: one form to make for one person."""

    form_id: str
    values: dict[str, str]  # header field id -> value as text (dates ISO)
    row: int  # row number in the list, as a spreadsheet shows it
    audit_id: str = ""


@dataclass
class Problem:
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"field": self.field, "message": self.message}


@dataclass
class AuditRecord:
    """What was read from one returned form (the JSON contract in the README)."""

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
