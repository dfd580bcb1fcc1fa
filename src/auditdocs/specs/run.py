"""The form specs' use cases (`auditdocs specs list|show|validate|tags`): each takes the workspace and
returns what a front end shows, with no printing."""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain import model as m
from . import get_spec
from .loader import Message, check_paths
from .outline import asks, field_kind, outline

if TYPE_CHECKING:
    from ..workspace import Workspace


def form_table(ws: Workspace) -> list[str]:
    """The workspace's forms as a table, a line each under a heading: id, title, version, subject, and what
    each asks (questions, judgements, checks)."""
    rows = [(s.id, s.title, str(s.version), s.subject_label, asks(s)) for s in ws.library().current()]
    head = ("ID", "TITLE", "VERSION", "SUBJECT", "WHAT IT ASKS")
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [head] + rows]


def form_outline(ws: Workspace, form_id: str, version: int | None = None) -> str:
    """A readable outline of a form (its latest version, or `version`), section by section."""
    return outline(get_spec(ws.library(), form_id, version))


def form_tags(ws: Workspace, form_id: str) -> list[str]:
    """The content-control tags a council's own Word template of the form needs, a line each: the tag, what
    it holds, and its label (an action table's columns once, for every row)."""
    spec = get_spec(ws.library(), form_id)
    width = max(len(t) for t in spec.tags)
    lines = [f"{f.id.ljust(width)}  {field_kind(f)}  ({f.label})" for f in spec.fields]
    return lines + [f"{c.tag(t.id).ljust(width)}  {field_kind(c)}  (action table {t.ref}, every row)"
                    for t in spec.tables for c in t.columns]


@dataclass
class SpecsChecked:
    """What `validate_specs` found: the good specs, and every problem with its file and line."""

    good: list[m.FormSpec] = dc_field(default_factory=list)
    messages: list[Message] = dc_field(default_factory=list)
    files: list[Path] = dc_field(default_factory=list)  # none: checking writes nothing

    @property
    def needs_attention(self) -> bool:
        return bool(self.messages)

    def problem_lines(self) -> list[str]:
        """Every problem, a line each, then how many in how many files ([] when there is none)."""
        if not self.messages:
            return []
        n, files = len(self.messages), len({m.path for m in self.messages})
        return [*(str(message) for message in self.messages),
                f"{n} problem{'s' * (n != 1)} in {files} file{'s' * (files != 1)}."]

    def lines(self) -> list[str]:
        """The line said when there is no problem."""
        return [f"OK: {len(self.good)} form spec{'s' * (len(self.good) != 1)} valid."]


def validate_specs(ws: Workspace, paths=()) -> SpecsChecked:
    """Check spec files and folders (default: the workspace's specs folder); a file's shared scales are the
    ones beside it, else the workspace's."""
    good, messages = check_paths([Path(p) for p in paths] or [ws.specs], ws.specs)
    return SpecsChecked(good, messages)
