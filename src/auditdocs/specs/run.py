"""The form specs' use cases (`auditdocs specs list|show|validate|tags`): each takes the workspace and
returns what a front end shows, with no printing."""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain import model as m
from ..errors import UserError
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


# ---- forms written in a spreadsheet (`auditdocs specs to-xlsx | from-xlsx`) ------------------------------


def _shared_scales(ws: Workspace) -> dict[str, m.Scale]:
    from .loader import load_shared_scales

    messages: list[Message] = []
    shared = load_shared_scales(ws.specs, messages)
    if messages:
        raise UserError("the shared scales have problems; fix them first (auditdocs specs validate lists them):\n"
                        + "\n".join(map(str, messages)))
    return shared


def _refuse_to_replace(path: Path, replace: bool) -> None:
    if path.exists() and not replace:
        raise UserError(f"{path} is already there: give another file with --out, or add --replace to replace it.")


def form_to_xlsx(ws: Workspace, form_id: str, out: Path, *, version: int | None = None,
                 replace: bool = False) -> Path:
    """Write a form spec (its latest version, or `version`) as a workbook a QA officer reads and edits
    (`specs.workbook`); returns the workbook's path."""
    from ..files import why_not_written, write_atomic
    from .workbook import sheets_of
    from .xlsxbook import workbook_bytes

    spec = get_spec(ws.library(), form_id, version)
    out = Path(out)
    _refuse_to_replace(out, replace)
    data = workbook_bytes(sheets_of(spec, _shared_scales(ws)), spec)
    try:
        return write_atomic(out, data)
    except OSError as exc:
        raise UserError(why_not_written(exc, out)) from None


@dataclass
class FormFromXlsx:
    """What `form_from_xlsx` made: the spec (checked) and the YAML file written."""

    spec: m.FormSpec
    path: Path
    replaced: bool = False
    notes: list[str] = dc_field(default_factory=list)

    def lines(self) -> list[str]:
        s = self.spec
        done = "Replaced" if self.replaced else "Wrote"
        return [f"{done} {self.path}: form '{s.id}' version {s.version}, {s.title} ({asks(s)}).",
                *(f"Note: {note}" for note in self.notes),
                f"'auditdocs specs show {s.id}' shows it as people will see it."]


def _what_is_filled(spec: m.FormSpec) -> list:
    return [(f.id, f.type, f.scale, f.required) for f in spec.fields] + [
        (t.id, c.id, c.type, c.scale, c.required) for t in spec.tables for c in t.columns]


def _version_note(old_file: Path, made: m.FormSpec, shared: dict[str, m.Scale]) -> list[str]:
    """A note when a spec file is replaced by one that changes what people fill in, at the same version."""
    from .loader import check_file

    old, _ = check_file(old_file, shared)
    if old is None or old.id != made.id or old.version != made.version or _what_is_filled(old) == _what_is_filled(made):
        return []
    return [f"what people fill in has changed but the version is still {made.version}. If forms of version "
            f"{made.version} have been sent out, keep the old file in archive/ (e.g. archive/{made.id}.v{made.version}"
            ".yaml, from a backup) and raise the Version on the Settings sheet."]


def spec_of_workbook(ws: Workspace, workbook: Path) -> tuple[dict, m.FormSpec]:
    """The spec a workbook holds (its data in the spec language, and the checked spec). Raises UserError
    naming the workbook and every problem with its sheet, row and column."""
    from .workbook import WorkbookProblems, spec_of_sheets
    from .xlsxbook import read_sheets

    workbook = Path(workbook)
    try:
        return spec_of_sheets(read_sheets(workbook), str(workbook), _shared_scales(ws))
    except WorkbookProblems as exc:
        n = len(exc.problems)
        raise UserError(f"{workbook} is not a form auditdocs can make yet ({n} problem{'s' * (n != 1)}); fix "
                        "these and try again:\n" + "\n".join(f"{workbook.name}, {p}" for p in exc.problems)) from None


def spec_yaml(data: dict, source: str) -> str:
    """The spec language's data as the text of a spec file."""
    import yaml

    head = (f"# Made by 'auditdocs specs from-xlsx' from {source}.\n"
            "# Change the workbook and make this file again, or change this file (form_specs/README.md).\n")
    class Dumper(yaml.SafeDumper):
        def increase_indent(self, flow=False, indentless=False):  # list items indented under their key
            return super().increase_indent(flow, False)

    def text(dumper, value: str):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value.strip() else None)

    Dumper.add_representer(str, text)
    return head + yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=110,
                            default_flow_style=False)


def form_from_xlsx(ws: Workspace, workbook: Path, out: Path | None = None, *, replace: bool = False) -> FormFromXlsx:
    """Make a form spec from a workbook (`form_to_xlsx`'s, or one a QA officer filled in): checked as any spec,
    written as YAML into the workspace's specs folder (or `out`)."""
    from ..files import why_not_written, write_atomic
    from .loader import _Checker
    from .yamlsrc import load

    workbook = Path(workbook)
    data, spec = spec_of_workbook(ws, workbook)
    if out is None:
        from . import builtin_specs_folder

        if Path(ws.specs).resolve() == builtin_specs_folder().resolve():
            raise UserError("there is no workspace here to put the form in: give the file to write with --out "
                            "(e.g. --out my_form.yaml), or run this in a workspace ('auditdocs init FOLDER').")
        out = Path(ws.specs) / f"{spec.id}.yaml"
    out = Path(out)
    _refuse_to_replace(out, replace)
    text = spec_yaml(data, workbook.name)
    messages: list[Message] = []
    again, messages = load(text, str(out))
    made = _Checker(str(out), messages).form(again, _shared_scales(ws)) if not messages else None
    if made is None or messages:  # the YAML written must say what the workbook said
        raise AssertionError(f"the spec made from {workbook} does not read back: {messages}")
    replaced = out.exists()
    notes = _version_note(out, made, _shared_scales(ws)) if replaced else []
    try:
        write_atomic(out, text)
    except OSError as exc:
        raise UserError(why_not_written(exc, out)) from None
    return FormFromXlsx(made, out, replaced, notes)
