"""Check spec files and turn them into `FormSpec` models.

Every problem in a file is collected (not only the first) as a `Message` naming the
file, the line and what to do. `load_library` loads a folder of specs: the shared
`scales.yaml` and every form, older versions included (kept in `archive/`).
"""
from __future__ import annotations

import dataclasses
import difflib
import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path

from ..budgets import SPEC_BYTES, megabytes
from ..domain import model as m
from .yamlsrc import Message, YList, YMap, load

SCALES_FILE = "scales.yaml"
ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*$")
MAX_ID = 40
MAX_VOICES = len(m.VOICE_LETTERS)
DEFAULT_EVIDENCE = "What's working well? What are we worried about? How is this evidenced?"

# What each kind of mapping may hold: key -> (type, required).
# Types: str, int, bool, list, map, strlist, scalar (str or number).
FORM_KEYS = {
    "id": ("str", True),
    "title": ("str", True),
    "version": ("int", True),
    "subject": ("str", True),
    "source": ("str", False),
    "description": ("str", False),
    "aliases": ("strlist", False),
    "scales": ("map", False),
    "header": ("list", True),
    "question_scale": ("str", False),
    "evidence_label": ("str", False),
    "voices": ("list", False),
    "rules": ("list", False),
    "roles": ("map", False),
    "sections": ("list", True),
}
SCALE_KEYS = {"label": ("str", True), "ordered": ("bool", False), "options": ("list", True)}
OPTION_KEYS = {"value": ("scalar", True), "label": ("str", True), "colour": ("str", False)}
HEADER_KEYS = {
    "field": ("str", True),
    "label": ("str", True),
    "type": ("str", False),
    "scale": ("str", False),
    "required": ("bool", False),
    "identifier": ("bool", False),
}
VOICE_KEYS = {"id": ("str", True), "label": ("str", True), "required": ("bool", False)}
SECTION_KEYS = {
    "id": ("str", True),
    "title": ("str", True),
    "number": ("scalar", False),
    "intro": ("str", False),
    "guidance": ("strlist", False),
    "items": ("list", True),
}
ITEM_KEYS = {
    "question": {
        "question": ("str", True),
        "text": ("str", True),
        "prompts": ("strlist", False),
        "scale": ("str", False),
        "evidence": ("str", False),
        "no_evidence": ("bool", False),
        "required": ("bool", False),
        "evidence_required": ("bool", False),
        "ref": ("scalar", False),
    },
    "judgement": {
        "judgement": ("str", True),
        "label": ("str", True),
        "scale": ("str", True),
        "comment": ("str", False),
        "required": ("bool", False),
        "comment_required": ("bool", False),
        "ref": ("scalar", False),
    },
    "field": {
        "field": ("str", True),
        "label": ("str", True),
        "type": ("str", False),
        "scale": ("str", False),
        "prompts": ("strlist", False),
        "required": ("bool", False),
        "ref": ("scalar", False),
    },
    "check": {
        "check": ("str", True),
        "text": ("str", True),
        "date": ("str", False),
        "confirm": ("str", False),
        "comment": ("str", False),
        "required": ("bool", False),
        "ref": ("scalar", False),
    },
    "actions": {
        "actions": ("str", True),
        "title": ("str", False),
        "rows": ("int", False),
        "source": ("str", False),
        "columns": ("list", True),
        "ref": ("scalar", False),
    },
}
COLUMN_KEYS = {
    "column": ("str", True),
    "label": ("str", True),
    "type": ("str", False),
    "scale": ("str", False),
    "required": ("bool", False),
}
RULE_KEYS = {"when": ("map", True), "require": ("str", True), "message": ("str", False)}
WHEN_KEYS = {"field": ("str", False), "each": ("str", False), "in": ("strlist", True)}



class SpecErrors(Exception):
    """A spec (or a folder of specs) has problems; `messages` lists them all."""

    def __init__(self, messages: list[Message]):
        super().__init__("\n".join(str(msg) for msg in messages))
        self.messages = messages


@dataclass
class Library:
    """All specs of a folder, every version, keyed by form id."""

    folder: Path
    forms: dict[str, dict[int, m.FormSpec]] = dc_field(default_factory=dict)
    #: Per file, why it was left out (only when loaded with `leave_out_broken`).
    left_out: dict[str, list[Message]] = dc_field(default_factory=dict)

    def ids(self) -> list[str]:
        return sorted(self.forms)

    def latest(self, form_id: str) -> m.FormSpec | None:
        versions = self.forms.get(form_id)
        return versions[max(versions)] if versions else None

    def get(self, form_id: str, version: int | None = None) -> m.FormSpec | None:
        if version is None:
            return self.latest(form_id)
        return self.forms.get(form_id, {}).get(version)

    def spec_of(self, record: m.AuditRecord) -> m.FormSpec | None:
        """The spec a record was read with (its form and version), None when not known."""
        return self.get(record.form_id, record.form_version) if record.form_id else None

    def current(self) -> list[m.FormSpec]:
        return [self.latest(i) for i in self.ids()]

    def suggest(self, form_id: str) -> str:
        return did_you_mean(form_id, self.ids())


def did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


# ---- the library -------------------------------------------------------------


def spec_files(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.rglob("*.yaml") if p.name != SCALES_FILE and not p.name.startswith(".")
    )


def load_library(folder: Path | str, *, leave_out_broken: bool = False) -> Library:
    """Load every spec under `folder`. Raises SpecErrors listing every problem found.

    With `leave_out_broken`, a file with problems of its own (hostile, not YAML, not a good spec)
    is left out and listed in `library.left_out`, and the other specs are loaded; problems between
    specs (two with one id and version, versions that disagree) still raise."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SpecErrors([Message(str(folder), 0, "this folder does not exist.")])
    messages: list[Message] = []
    library = Library(folder)
    scale_messages: list[Message] = []
    shared = load_shared_scales(folder, scale_messages)
    if scale_messages and leave_out_broken:
        library.left_out[scale_messages[0].path] = scale_messages
    else:
        messages += scale_messages
    seen: dict[tuple[str, int], Path] = {}
    for path in spec_files(folder):
        spec, msgs = check_file(path, shared)
        if msgs and leave_out_broken:
            library.left_out[str(path)] = msgs
            continue
        messages += msgs
        if spec is None:
            continue
        key = (spec.id, spec.version)
        if key in seen:
            messages.append(
                Message(
                    str(path),
                    0,
                    f"form '{spec.id}' version {spec.version} is also in {seen[key]}: "
                    "give the newer one a higher version and move the older to archive/.",
                )
            )
            continue
        seen[key] = path
        library.forms.setdefault(spec.id, {})[spec.version] = spec
    messages += check_versions_agree(library)
    messages += check_names_unique(library)
    if messages:
        raise SpecErrors(messages)
    return library


def load_shared_scales(folder: Path, messages: list[Message]) -> dict[str, m.Scale]:
    path = folder / SCALES_FILE
    if not path.exists():
        return {}
    text, msgs = read_spec_text(path)
    if text is None:
        messages += msgs
        return {}
    data, msgs = load(text, str(path))
    messages += msgs
    if not isinstance(data, YMap):
        if data is not None:
            messages.append(Message(str(path), 0, "expected 'scales:' followed by the scales."))
        return {}
    ck = _Checker(str(path), messages)
    ck.keys(data, {"scales": ("map", True)}, "the scales file")
    return ck.scales(data.get("scales") or YMap(), {})


def find_scales_folder(path: Path) -> Path | None:
    for folder in (path.parent, path.parent.parent):
        if (folder / SCALES_FILE).exists():
            return folder
    return None


def check_paths(paths: list[Path], default_folder: Path | None) -> tuple[list[m.FormSpec], list[Message]]:
    """Check files and folders of specs; returns the good specs and every message."""
    specs: list[m.FormSpec] = []
    messages: list[Message] = []
    for path in paths:
        if path.is_dir():
            try:
                lib = load_library(path)
            except SpecErrors as exc:
                messages += exc.messages
            else:
                specs += [s for v in lib.forms.values() for s in v.values()]
            continue
        if not path.exists():
            messages.append(Message(str(path), 0, "there is no such file or folder."))
            continue
        folder = find_scales_folder(path) or default_folder
        shared = load_shared_scales(folder, messages) if folder else {}
        spec, msgs = check_file(path, shared)
        messages += msgs
        if spec:
            specs.append(spec)
    return specs, messages


def check_versions_agree(library: Library) -> list[Message]:
    """A field id must mean the same thing in every version of a form."""
    messages = []
    for versions in library.forms.values():
        ordered = [versions[v] for v in sorted(versions)]
        for older, newer in zip(ordered, ordered[1:]):
            for f in newer.fields:
                old = older.field(f.id)
                if old and (old.type, _scale_id(old)) != (f.type, _scale_id(f)):
                    messages.append(
                        Message(
                            newer.path,
                            0,
                            f"field '{f.id}' was a {old.type} ({_scale_id(old) or 'no scale'}) in "
                            f"version {older.version} and is a {f.type} ({_scale_id(f) or 'no scale'}) "
                            "now: a field id never changes meaning; give the new field a new id.",
                        )
                    )
    return messages


def check_names_unique(library: Library) -> list[Message]:
    """An alias may not be a name of another form (its id, title, short title or alias): the
    allocation list's Form column could not tell them apart. (Two forms with the same title
    are told apart by id; a row naming the title is reported as ambiguous.)"""
    owners: dict[str, set[str]] = {}
    for spec in library.current():
        for name in spec.names:
            owners.setdefault(m.name_key(name), set()).add(spec.id)
    messages = []
    for spec in library.current():
        for alias in spec.aliases:
            others = sorted(owners[m.name_key(alias)] - {spec.id})
            if others:
                messages.append(Message(spec.path, 0, f"the alias '{alias}' is also a name of "
                                        f"{', '.join(repr(o) for o in others)}: give each form its own aliases."))
    return messages


def _scale_id(f: m.Field) -> str:
    return f.scale.id if f.scale else ""


def read_spec_text(path: Path) -> tuple[str | None, list[Message]]:
    """A spec file's text, or None and why it cannot be read (too big for a spec, not UTF-8, not readable)."""
    try:
        size = path.stat().st_size
        if size > SPEC_BYTES:
            return None, [Message(str(path), 0, f"this file is {megabytes(size)}, far more than any spec "
                                                f"(at most {megabytes(SPEC_BYTES)}); it was refused. Check it is "
                                                "the right file.")]
        return path.read_text(encoding="utf-8"), []
    except UnicodeDecodeError:
        return None, [Message(str(path), 0, "this file is not UTF-8 text: save it as UTF-8.")]
    except OSError as exc:
        return None, [Message(str(path), 0, f"this file could not be read ({exc.strerror or exc}). Check that "
                                            "you may read it.")]


def check_file(path: Path, shared_scales: dict[str, m.Scale]) -> tuple[m.FormSpec | None, list[Message]]:
    text, messages = read_spec_text(path)
    if text is None:
        return None, messages
    data, messages = load(text, str(path))
    if data is None:
        return None, messages
    if not isinstance(data, YMap):
        return None, messages + [Message(str(path), 1, "a spec starts with 'id:', 'title:', 'version:'…")]
    spec = _Checker(str(path), messages).form(data, shared_scales)
    return (spec if not messages else None), messages


# ---- checking one file ---------------------------------------------------------


class _Checker:
    def __init__(self, path: str, messages: list[Message]):
        self.path = path
        self.messages = messages
        self.ids: dict[str, int] = {}  # every id in the form -> line

    def error(self, line: int, text: str) -> None:
        self.messages.append(Message(self.path, line, text))

    # generic checks

    def keys(self, data, allowed: dict, what: str) -> bool:
        """Check keys and value types of one mapping; False if it is not a mapping, or a required key is
        missing, or a value is of the wrong kind (each said), so that it is not built from."""
        if not isinstance(data, YMap):
            line = getattr(data, "line", 0)
            self.error(line, f"{what} should be a set of 'key: value' lines.")
            return False
        whole = True
        for key in data:
            if key not in allowed:
                self.error(
                    data.line_of(key),
                    f"unknown key '{key}' in {what}{did_you_mean(key, allowed)}. "
                    f"Allowed keys: {', '.join(allowed)}.",
                )
        for key, (kind, required) in allowed.items():
            if key not in data:
                if required:
                    self.error(data.line, f"{what} is missing the required key '{key}'.")
                    whole = False
                continue
            problem = _type_problem(data[key], kind)
            if problem:
                self.error(data.line_of(key), f"'{key}' in {what} {problem}.")
                whole = False
        return whole

    def new_id(self, value, line: int, what: str) -> str | None:
        if not isinstance(value, str) or not value:
            return None
        problem = id_problem(value)
        if problem:
            self.error(line, f"{what} id '{value}' {problem}.")
            return None
        same = next((known for known in self.ids if known.casefold() == value.casefold()), None)
        if same is not None:
            also = "" if same == value else f" as '{same}' (ids must differ by more than capital letters: Excel ignores them)"
            self.error(
                line,
                f"duplicate id '{value}' ({what}): it is already used on line {self.ids[same]}{also}. "
                "Every id must be unique within the form.",
            )
            return None
        self.ids[value] = line
        return value

    def scale_ref(self, name, line: int, scales: dict, what: str) -> m.Scale | None:
        if not isinstance(name, str):
            return None
        scale = scales.get(name)
        if scale is None:
            self.error(
                line,
                f"unknown scale '{name}' in {what}{did_you_mean(name, scales)}. "
                f"Known scales: {', '.join(sorted(scales))}.",
            )
        return scale

    # scales

    def scales(self, data: YMap, already: dict[str, m.Scale]) -> dict[str, m.Scale]:
        out: dict[str, m.Scale] = {}
        for scale_id, body in data.items():
            line = data.line_of(scale_id)
            problem = id_problem(scale_id)
            if problem:
                self.error(line, f"scale id '{scale_id}' {problem}.")
                continue
            if scale_id in already:
                self.error(line, f"scale '{scale_id}' is already defined in {SCALES_FILE}: choose another id.")
                continue
            what = f"scale '{scale_id}'"
            if not self.keys(body, SCALE_KEYS, what) or not isinstance(body.get("options"), YList):
                continue
            options = []
            values = set()
            for i, opt in enumerate(body["options"]):
                if not self.keys(opt, OPTION_KEYS, f"an option of {what}"):
                    continue
                value = str(opt.get("value", ""))
                if value in values:
                    self.error(body["options"].line_of(i), f"option '{value}' is listed twice in {what}.")
                values.add(value)
                colour = opt.get("colour")
                if isinstance(colour, str) and not re.fullmatch(r"#[0-9A-Fa-f]{6}", colour):
                    self.error(opt.line_of("colour"), f"colour '{colour}' in {what}: write it as #RRGGBB, e.g. #2E7D32.")
                    colour = None
                options.append(m.Option(value, str(opt.get("label", value)), colour))
            if not options:
                self.error(body.line, f"{what} has no options.")
                continue
            out[scale_id] = m.Scale(scale_id, str(body.get("label", scale_id)), tuple(options), bool(body.get("ordered", True)))
        return out

    # the form

    def form(self, data: YMap, shared: dict[str, m.Scale]) -> m.FormSpec | None:
        self.keys(data, FORM_KEYS, "the form")
        form_id = self.new_id(data.get("id"), data.line_of("id"), "form")
        subject = data.get("subject")
        if isinstance(subject, str) and subject not in m.SUBJECT_KINDS:
            self.error(
                data.line_of("subject"),
                f"unknown subject '{subject}'{did_you_mean(subject, m.SUBJECT_KINDS)}. "
                f"Use one of: {', '.join(m.SUBJECT_KINDS)}.",
            )
        version = data.get("version")
        if isinstance(version, int) and not isinstance(version, bool) and version < 1:
            self.error(data.line_of("version"), "version must be 1 or more.")
        local = self.scales(data["scales"], shared) if isinstance(data.get("scales"), YMap) else {}
        scales = {**shared, **local}
        header = self.header(data.get("header"), scales)
        voices = self.voices(data.get("voices"))
        self.question_scale = None
        if "question_scale" in data:
            self.question_scale = self.scale_ref(data["question_scale"], data.line_of("question_scale"), scales, "question_scale")
        elif not voices:
            self.question_scale = scales.get("answer")
        self.evidence_label = data.get("evidence_label") if isinstance(data.get("evidence_label"), str) else DEFAULT_EVIDENCE
        sections = self.sections(data.get("sections"), scales, voices)
        if self.messages:
            return None
        spec = m.FormSpec(
            id=form_id,
            title=data["title"],
            version=version,
            subject=subject,
            header=tuple(header),
            sections=tuple(sections),
            scales=scales,
            voices=tuple(voices),
            source=data.get("source", ""),
            description=data.get("description", ""),
            path=self.path,
            aliases=tuple(str(a) for a in data.get("aliases") or ()),
        )
        rules = self.rules(data.get("rules"), spec)
        roles = self.roles(data.get("roles"), spec)
        if self.messages:
            return None
        return dataclasses.replace(spec, rules=tuple(rules), roles=roles)

    def roles(self, data, spec: m.FormSpec) -> dict[str, str]:
        out = {}
        for role, fid in (data.items() if isinstance(data, YMap) else []):
            line = data.line_of(role)
            if role not in m.FIELD_ROLES:
                self.error(line, f"unknown role '{role}'{did_you_mean(role, m.FIELD_ROLES)}. Roles: {', '.join(m.FIELD_ROLES)}.")
                continue
            target = spec.field(fid) if isinstance(fid, str) else None
            if target is None:
                self.error(line, f"role '{role}' names '{fid}', which is not a field of this form{did_you_mean(fid, [f.id for f in spec.fields])}.")
            elif target.type != m.FIELD_ROLES[role]:
                self.error(line, f"role '{role}' needs a {m.FIELD_ROLES[role]} field; '{fid}' is a {target.type}.")
            else:
                out[role] = fid
        return out

    def header(self, data, scales) -> list[m.HeaderField]:
        out = []
        if not isinstance(data, YList):
            return out
        for i, item in enumerate(data):
            what = f"header field {i + 1}"
            if not self.keys(item, HEADER_KEYS, what):
                continue
            fid = self.new_id(item.get("field"), item.line_of("field"), "header field")
            ftype = item.get("type", "text")
            if ftype not in m.HEADER_TYPES:
                self.error(item.line_of("type"), f"unknown type '{ftype}' in {what}{did_you_mean(ftype, m.HEADER_TYPES)}. Use one of: {', '.join(m.HEADER_TYPES)}.")
            scale = self._choice_scale(item, ftype, scales, what)
            if fid:
                out.append(m.HeaderField(fid, item["label"], ftype, scale, bool(item.get("required", False)), bool(item.get("identifier", False))))
        for needed in ("case_number", "auditor"):
            if out and not any(h.id == needed for h in out):
                self.error(data.line, f"the header needs a field '{needed}' (every form is filed by case number and auditor).")
        return out

    def _choice_scale(self, item: YMap, ftype: str, scales, what: str) -> m.Scale | None:
        if ftype == "choice":
            if "scale" not in item:
                self.error(item.line, f"{what} is a choice: add 'scale:' naming its options.")
                return None
            return self.scale_ref(item["scale"], item.line_of("scale"), scales, what)
        if "scale" in item:
            self.error(item.line_of("scale"), f"{what} has a scale but its type is '{ftype}': set 'type: choice' or remove the scale.")
        return None

    def voices(self, data) -> list[m.Voice]:
        out = []
        if not isinstance(data, YList):
            return out
        for i, item in enumerate(data):
            if not self.keys(item, VOICE_KEYS, f"voice {i + 1}") or not isinstance(item.get("id"), str):
                continue
            vid, line = item["id"], item.line_of("id")
            problem = id_problem(vid) or ("is listed twice" if any(v.id == vid for v in out) else "") or (
                f"is one voice too many: a question has at most {MAX_VOICES} voices" if len(out) == MAX_VOICES else "")
            if problem:
                self.error(line, f"voice id '{vid}' {problem}.")
            else:
                out.append(m.Voice(vid, item["label"], bool(item.get("required", True))))
        return out

    def sections(self, data, scales, voices) -> list[m.Section]:
        out = []
        if not isinstance(data, YList):
            return out
        for i, sec in enumerate(data):
            what = f"section {i + 1}"
            if not self.keys(sec, SECTION_KEYS, what):
                continue
            sid = self.new_id(sec.get("id"), sec.line_of("id"), "section")
            what = f"section '{sid or i + 1}'"
            number = str(sec.get("number", i + 1))
            items = []
            if isinstance(sec.get("items"), YList):
                for j, item in enumerate(sec["items"]):
                    built = self.item(item, sec["items"].line_of(j), sid or "", f"{number}.{j + 1}", scales, voices, what)
                    if built:
                        items.append(built)
                if not sec["items"]:
                    self.error(sec.line_of("items"), f"{what} has no items.")
            out.append(m.Section(sid or "", number, sec.get("title", ""), tuple(sec.get("guidance") or ()), tuple(items), sec.get("intro", "")))
        return out

    def item(self, item, line, section_id, ref, scales, voices, where):
        if not isinstance(item, YMap):
            self.error(line, f"an item of {where} should start with its kind: {', '.join(ITEM_KEYS)}.")
            return None
        kinds = [k for k in ITEM_KEYS if k in item]
        if len(kinds) != 1:
            if not kinds:
                first = next(iter(item), "")
                self.error(
                    item.line,
                    f"this item of {where} does not say what it is{did_you_mean(first, ITEM_KEYS)}: "
                    f"start it with one of {', '.join(k + ': ID' for k in ITEM_KEYS)}.",
                )
            else:
                self.error(item.line, f"this item of {where} is both {' and '.join(kinds)}: split it into {len(kinds)} items.")
            return None
        kind = kinds[0]
        what = f"{kind} '{item.get(kind)}'"
        self.keys(item, ITEM_KEYS[kind], what)
        iid = self.new_id(item.get(kind), item.line_of(kind), kind)
        if not iid:
            return None
        ref = str(item.get("ref", ref))
        builders = {"question": self._question, "judgement": self._judgement, "field": self._field_item,
                    "check": self._check, "actions": self._actions}
        return builders[kind](item, iid, ref, section_id, scales, voices, what)

    def _field(self, fid, label, ftype, section, ref, part, item_id, *, line, scale=None, required=False, placeholder=None):
        if fid != item_id and not self.new_id(fid, line, "field"):
            return None
        return m.Field(fid, label, ftype, section, ref, part, scale, required, item_id,
                       m.PLACEHOLDER[ftype] if placeholder is None else placeholder)

    def _question(self, item, iid, ref, section, scales, voices, what):
        line = item.line
        required = bool(item.get("required", True))
        fields = []
        if voices:
            scale = self.scale_ref(item["scale"], item.line_of("scale"), scales, what) if "scale" in item else self.question_scale
            if scale is None:
                self.error(line, f"{what}: name the grading scale with 'question_scale:' at the top of the form.")
            for v in voices:
                fields.append(self._field(f"{iid}.{v.id}.comment", f"{ref} {v.label} comment", "text", section, ref, f"{v.id}.comment", iid, line=line, required=required and v.required, placeholder=m.PLACEHOLDER["comment"]))
                fields.append(self._field(f"{iid}.{v.id}.grade", f"{ref} {v.label} grading", "choice", section, ref, f"{v.id}.grade", iid, line=line, scale=scale, required=required and v.required, placeholder=m.PLACEHOLDER["grade"]))
        else:
            scale = self.scale_ref(item["scale"], item.line_of("scale"), scales, what) if "scale" in item else self.question_scale
            if scale is None and "scale" not in item:
                self.error(line, f"{what} has no answer scale: add 'scale:' or 'question_scale:' at the top of the form.")
            fields.append(self._field(iid, f"{ref} Answer", "choice", section, ref, "answer", iid, line=line, scale=scale, required=required))
            if not item.get("no_evidence", False):
                fields.append(self._field(f"{iid}.evidence", f"{ref} {item.get('evidence', 'Evidence')}", "text", section, ref, "evidence", iid, line=line, required=bool(item.get("evidence_required", False)), placeholder=m.PLACEHOLDER["evidence"]))
        evidence_label = "" if voices or item.get("no_evidence") else item.get("evidence", self.evidence_label)
        return m.Question(iid, ref, item.get("text", ""), tuple(f for f in fields if f), tuple(item.get("prompts") or ()), tuple(voices), evidence_label)

    def _judgement(self, item, iid, ref, section, scales, voices, what):
        scale = self.scale_ref(item.get("scale"), item.line_of("scale"), scales, what)
        fields = [self._field(iid, f"{ref} {item.get('label', iid)}", "choice", section, ref, "answer", iid, line=item.line, scale=scale,
                              required=bool(item.get("required", True)), placeholder=m.PLACEHOLDER["judgement"])]
        if isinstance(item.get("comment"), str):
            fields.append(self._field(f"{iid}.comment", f"{ref} {item['comment']}", "text", section, ref, "comment", iid, line=item.line,
                                      required=bool(item.get("comment_required", False)), placeholder=m.PLACEHOLDER["comment"]))
        return m.Judgement(iid, ref, item.get("label", ""), tuple(f for f in fields if f))

    def _field_item(self, item, iid, ref, section, scales, voices, what):
        ftype = item.get("type", "text")
        if ftype not in m.FIELD_TYPES:
            self.error(item.line_of("type"), f"unknown type '{ftype}' in {what}{did_you_mean(ftype, m.FIELD_TYPES)}. Use one of: {', '.join(m.FIELD_TYPES)}.")
            return None
        scale = self._choice_scale(item, ftype, scales, what)
        f = self._field(iid, f"{ref} {item.get('label', iid)}", ftype, section, ref, "answer", iid, line=item.line, scale=scale,
                        required=bool(item.get("required", False)))
        return m.FieldItem(iid, ref, item.get("label", ""), (f,), tuple(item.get("prompts") or ()))

    def _check(self, item, iid, ref, section, scales, voices, what):
        required = bool(item.get("required", False))
        fields = []
        if isinstance(item.get("date"), str):
            fields.append(self._field(f"{iid}.date", f"{ref} {item['date']}", "date", section, ref, "date", iid, line=item.line, required=required))
        if isinstance(item.get("confirm"), str):
            scale = self.scale_ref("yes_no", item.line_of("confirm"), scales, what)
            fields.append(self._field(f"{iid}.confirm", f"{ref} {item['confirm']}", "choice", section, ref, "confirm", iid, line=item.line, scale=scale, required=required))
        if isinstance(item.get("comment"), str):
            fields.append(self._field(f"{iid}.comment", f"{ref} {item['comment']}", "text", section, ref, "comment", iid, line=item.line, placeholder=m.PLACEHOLDER["comment"]))
        if not fields:
            self.error(item.line, f"{what} asks for nothing: give it 'date:', 'confirm:' or 'comment:' (each with its label).")
        return m.Check(iid, ref, item.get("text", ""), tuple(f for f in fields if f))

    def _actions(self, item, iid, ref, section, scales, voices, what):
        source = item.get("source", "audit")
        if source not in m.ACTION_SOURCES:
            self.error(item.line_of("source"), f"unknown source '{source}' in {what}{did_you_mean(source, m.ACTION_SOURCES)}. Use one of: {', '.join(m.ACTION_SOURCES)}.")
        rows = item.get("rows", 3)
        if isinstance(rows, int) and not 1 <= rows <= 50:
            self.error(item.line_of("rows"), f"'rows' in {what} must be between 1 and 50.")
        columns = []
        col_ids: dict[str, int] = {}
        cols = item.get("columns")
        for i, col in enumerate(cols if isinstance(cols, YList) else []):
            cwhat = f"column {i + 1} of {what}"
            if not self.keys(col, COLUMN_KEYS, cwhat):
                continue
            cid = col.get("column")
            if not isinstance(cid, str):
                continue
            problem = id_problem(f"{iid}.{cid}") or ("" if "." not in cid else "has a '.', which is kept for table ids")
            if problem:
                self.error(col.line_of("column"), f"column id '{cid}' {problem}.")
                continue
            if cid in col_ids:
                self.error(col.line_of("column"), f"duplicate column id '{cid}' in {what} (first on line {col_ids[cid]}).")
                continue
            col_ids[cid] = col.line_of("column")
            ctype = col.get("type", "text")
            if ctype not in m.COLUMN_TYPES:
                self.error(col.line_of("type"), f"unknown type '{ctype}' in {cwhat}{did_you_mean(ctype, m.COLUMN_TYPES)}. Use one of: {', '.join(m.COLUMN_TYPES)}.")
                continue
            scale = self._choice_scale(col, ctype, scales, cwhat)
            columns.append(m.Column(cid, col["label"], ctype, scale, bool(col.get("required", False))))
        table = m.Table(iid, item.get("title", ""), section, ref, tuple(columns), rows if isinstance(rows, int) else 3, source)
        return m.Actions(iid, ref, table)

    # rules need the whole form

    def rules(self, data, spec: m.FormSpec) -> list[m.Rule]:
        out = []
        for i, rule in enumerate(data if isinstance(data, YList) else []):
            what = f"rule {i + 1}"
            if not self.keys(rule, RULE_KEYS, what):
                continue
            when = rule.get("when")
            if not self.keys(when, WHEN_KEYS, f"'when' of {what}"):
                continue
            values = tuple(str(v) for v in when.get("in") or ())
            require = rule.get("require", "")
            if ("field" in when) == ("each" in when):
                self.error(when.line, f"'when' of {what} needs either 'field: ID' or 'each: question' (or 'each: judgement').")
                continue
            if "field" in when:
                target = spec.field(when["field"])
                if target is None or target.scale is None:
                    self.error(when.line_of("field"), f"{what} looks at '{when['field']}', which is not a choice field of this form"
                               f"{did_you_mean(when['field'], [f.id for f in spec.fields if f.scale])}.")
                    continue
                scales = [target.scale]
                if spec.field(require) is None and spec.table(require) is None:
                    self.error(rule.line_of("require"), f"{what} requires '{require}', which is neither a field nor an action table of this form"
                               f"{did_you_mean(require, [f.id for f in spec.fields] + [t.id for t in spec.tables])}.")
                    continue
            else:
                each = when["each"]
                if each not in ("question", "judgement"):
                    self.error(when.line_of("each"), f"'each' in {what} must be 'question' or 'judgement', not '{each}'.")
                    continue
                companion = "evidence" if each == "question" else "comment"
                if require != companion:
                    self.error(rule.line_of("require"), f"{what} goes through each {each}: it can only require '{companion}'.")
                    continue
                scales = [f.scale for _, it in spec.items() if it.kind == each for f in it.fields if f.part == "answer" and f.scale]
            known = {o.value for s in scales for o in s.options}
            for v in values:
                if v not in known:
                    self.error(when.line_of("in"), f"{what}: '{v}' is not a value of the scale it looks at{did_you_mean(v, known)}. Values: {', '.join(sorted(known))}.")
            out.append(m.Rule(values, require, when.get("field"), when.get("each"), rule.get("message", "")))
        return out


def id_problem(value: str) -> str:
    if " " in value:
        return f"has a space: ids use letters, digits, '_' and '.' only (try '{value.replace(' ', '_')}')"
    if len(value) > MAX_ID:
        return f"is {len(value)} characters long: ids are at most {MAX_ID} characters"
    if not ID_RE.match(value):
        return "must start with a letter and use only letters, digits, '_' and '.'"
    return ""


def _type_problem(value, kind: str) -> str:
    if kind == "str" and not isinstance(value, str):
        return "should be text" + (" (put it in quotes)" if value is not None else "")
    if kind == "int" and (not isinstance(value, int) or isinstance(value, bool)):
        return "should be a whole number"
    if kind == "bool" and not isinstance(value, bool):
        return "should be true or false"
    if kind == "list" and not isinstance(value, YList):
        return "should be a list (lines starting with '- ')"
    if kind == "map" and not isinstance(value, YMap):
        return "should be a set of 'key: value' lines"
    if kind == "strlist" and (not isinstance(value, YList) or not all(isinstance(v, (str, int, float)) for v in value)):
        return "should be a list of texts (lines starting with '- ')"
    if kind == "scalar" and not isinstance(value, (str, int, float)):
        return "should be a single value"
    return ""
