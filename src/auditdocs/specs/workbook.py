"""A form spec as a workbook a QA officer reads and edits, in the manner of XLSForm (the spreadsheet form
standard of ODK and KoboToolbox), and such a workbook read back into a spec.

The pure part: `sheets_of(spec, shared)` gives each sheet's rows (a heading row first) for a `FormSpec`;
`spec_of_sheets(sheets, name, shared)` reads the rows of each sheet back into the spec language (the
mapping a YAML spec holds), checks it with the spec loader's own checks and names every problem with its
sheet, row and column. openpyxl is only used at the edge (`.book`).

Sheets (XLSForm's survey, choices and settings, with plain column names):
- Settings: one setting a row (form id, version, title, subject, overall grade, ...);
- Sections and questions: one row per section heading and per item (question, judgement, field, check,
  action table);
- Scales: one row per option, each naming its scale (XLSForm's `list_name`);
- Details: the record's details at the top of the form (the header);
- Action table columns, Voices, Rules: what some forms need besides.

Options carry values (what is stored); people see and type labels: a cell naming answers ("No, Partially")
is read by label or value.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..domain import model as m
from .loader import DEFAULT_EVIDENCE, _Checker, did_you_mean, id_problem
from .yamlsrc import Message, YList, YMap

SETTINGS = "Settings"
QUESTIONS = "Sections and questions"
SCALES = "Scales"
DETAILS = "Details"
COLUMNS = "Action table columns"
VOICES = "Voices"
RULES = "Rules"
HOW = "How to fill this in"

YES, NO = "Yes", "No"
EVERY_QUESTION, EVERY_JUDGEMENT = "every question", "every judgement"
TYPES = ("section", "question", "judgement", "field", "check", "action table")
KIND_OF_TYPE = {"question": "question", "judgement": "judgement", "field": "field", "check": "check",
                "action table": "actions"}
ID_PREFIX = {"section": "section_", "question": "q", "judgement": "j", "field": "f", "check": "c",
             "action table": "actions_"}
SOURCES = {"audit": "audit", "management oversight": "management_oversight", "moderation": "moderation"}
EVIDENCE_BOX = {"yes": "Yes", "required": "Required", "no": "No"}

# Each sheet's columns: heading -> what goes in it (the second row of the "How to fill this in" sheet).
QUESTION_COLUMNS = {
    "Type": "section, question, judgement, field, check or action table",
    "Reference": "the number people see: 1 for a section, 1.2 for its second item",
    "ID": "the answer's name in every returned form and the tracker; never reuse one for another "
          "question (leave blank on a new row to have one made from the reference)",
    "Text": "the question, the label of a judgement or field, the title of a section or action table",
    "Answer scale": "the scale of the answer (see the Scales sheet); a question's default is the form's",
    "Required": "Yes or No (default: Yes for questions and judgements, No otherwise)",
    "Evidence required when the answer is": "answers that make this question's evidence required, e.g. No",
    "Evidence message": "what the returned-form check says when that evidence is missing",
    "Evidence box": "Yes (default), Required (always) or No (no evidence box)",
    "Evidence box label": "the heading of this question's evidence box (default: the form's, on Settings)",
    "Comment box label": "a judgement's or check's comment box (blank: none)",
    "Comment required": "Yes or No: a judgement's comment is always required",
    "Field type": "a field's kind: text (paragraphs), line, date, choice (with a scale) or checkbox",
    "Date label": "a check's date box",
    "Confirm label": "a check's Yes/No confirmation",
    "Guidance": "prompts under a question or field, or a section's guidance: one per line",
    "Introduction": "a paragraph under a section's title",
    "Action rows": "an action table's empty rows (1 to 50, default 3)",
    "Actions from": "who writes an action table's actions: audit, management oversight or moderation",
}
SCALE_COLUMNS = {
    "Scale": "the scale's id, on every option row (letters, digits and _)",
    "Scale name": "the scale's name, on its first row",
    "Ordered best to worst": "Yes (default) or No, on its first row",
    "Value": "what auditdocs stores for the option (never change it once forms are out)",
    "Label": "what people see and choose",
    "Colour": "the option's colour in reports and the tracker, as #RRGGBB (optional)",
}
DETAIL_COLUMNS = {
    "ID": "the detail's name (case_number and auditor are needed)",
    "Label": "what the form shows",
    "Type": "text, date or choice",
    "Answer scale": "for a choice",
    "Required": "Yes: a row of the allocation list without it is skipped",
    "In document properties": "Yes: also kept in the document's properties (identifiers)",
}
TABLE_COLUMNS = {
    "Action table": "the ID (or reference) of the action table row on the Sections and questions sheet",
    "Column ID": "the column's name (letters, digits and _)",
    "Label": "the column's heading",
    "Type": "text, line, role, person, date or choice",
    "Answer scale": "for a choice",
    "Required": "Yes: every action row with anything in it needs this",
}
VOICE_COLUMNS = {
    "ID": "the voice's name", "Label": "what the form shows", "Required": "Yes (default) or No",
}
RULE_COLUMNS = {
    "When": "every question, every judgement, or the ID (or reference) of a question or choice",
    "Answer is": "the answers that set the rule off, e.g. Inadequate",
    "Then required": "evidence or comment (for every question or judgement), or the ID (or reference) "
                     "of a field or action table",
    "Message": "what the returned-form check says when it is missing",
}
SETTING_ROWS = {
    "Form ID": "the form's name in file names and the tracker (letters, digits, _ and .)",
    "Version": "raise it when forms already sent out would differ",
    "Title": "the form's title; the part after ' — ' is its short title",
    "Short title": "made from the title (the part after the dash): change the title to change it",
    "Other names": "other names the allocation list's Form column may use, one per line",
    "Subject": "whom the form is about: " + ", ".join(m.SUBJECT_KINDS.values()),
    "Source": "where the wording comes from (optional)",
    "Description": "a few lines on the form (optional)",
    "Answer scale for questions": "the scale questions use unless a row names another",
    "Evidence box label": "the heading of the questions' evidence boxes",
    "Evidence required on every question when the answer is": "e.g. No, Partially (blank: never)",
    "Message when that evidence is missing": "what the returned-form check says",
    "Comment required on every judgement when it is": "e.g. Partially met, Not met (blank: never)",
    "Message when that comment is missing": "what the returned-form check says",
    "Overall grade": "the ID (or reference) of the judgement or choice holding the overall grade",
    "Grade after moderation": "the ID (or reference) of the judgement holding the grade after moderation "
                              "(blank: the form is not moderated)",
    "Date the audit was finalised": "the ID (or reference) of that date field",
    "Moderator": "the ID (or reference) of the line field naming the moderator (optional)",
    "Moderation date": "the ID (or reference) of the moderation date field (optional)",
    "Add a judgement to each section": "a scale (e.g. kss): each section of questions ends with a judgement on "
                                       "this scale and a comment box (blank: none)",
    "Add an overall grade": "a scale (e.g. overall_grade): adds a section 'Overall judgement' with the grade, its "
                            "rationale and the date the audit was finalised (blank: none)",
    "Add an action table": "Yes: adds an action table (action, responsible role and person, required date)",
    "Add a moderation part": "Yes: adds a section 'Quality assurance / moderation' with the grade after "
                             "moderation, the moderator and the date",
}
#: The settings that add the usual parts of an audit form to a form written from scratch.
ADDING = ("Add a judgement to each section", "Add an overall grade", "Add an action table", "Add a moderation part")
ROLE_SETTINGS = {"Overall grade": "overall_grade", "Grade after moderation": "grade_after_moderation",
                 "Date the audit was finalised": "audit_date", "Moderator": "moderator",
                 "Moderation date": "moderation_date"}
HEADINGS = {SETTINGS: {"Setting": "", "Value": "", "What it is": ""}, QUESTIONS: QUESTION_COLUMNS,
            SCALES: SCALE_COLUMNS, DETAILS: DETAIL_COLUMNS, COLUMNS: TABLE_COLUMNS, VOICES: VOICE_COLUMNS,
            RULES: RULE_COLUMNS}
#: The details a form made from a workbook without a Details sheet has (those of the built-in forms).
DEFAULT_DETAILS = (
    ("family_name", "Family name", "text", True, True), ("given_names", "Given names", "text", True, True),
    ("case_number", "Case number", "text", True, True), ("date_of_birth", "Date of birth", "date", False, False),
    ("gender", "Gender", "text", False, False), ("ethnicity", "Ethnicity", "text", False, False),
    ("social_worker", "Social worker", "text", True, False), ("team_manager", "Team manager", "text", True, False),
    ("team", "Team", "text", True, False), ("audit_type", "Audit type", "text", False, False),
    ("auditor", "To be audited by", "text", True, False), ("due_date", "Audit due by", "date", False, False),
)

HOW_TO = [
    "This workbook is an audit form. Change it, then 'auditdocs specs from-xlsx' makes the form from it "
    "(it lists every problem with its sheet, row and column).",
    "Settings: the form's id, version, title, subject, and which answers are the overall grade, the grade "
    "after moderation and the date the audit was finalised.",
    "Sections and questions: one row per section heading (Type: section) and per item under it, in the order "
    "of the form. Each item has a Reference (1.2) people see and an ID auditdocs files the answer by.",
    "Scales: the answers people choose from, one row per option. A scale also in the shared scales "
    "(scales.yaml) must be the same there; give a scale of this form alone its own id.",
    "Details: what the allocation list fills in at the top of the form (case number, auditor, ...).",
    "Action table columns: the columns of each action table; Voices: several people answering each "
    "question (self-assessment, auditor, moderator); Rules: other answers that make something required.",
    "Ids never change meaning: reword a question freely, but give a new question a new ID. Once forms "
    "have been sent out, a change to what people fill in needs a higher Version.",
    "Yes/No columns take Yes or No. Several answers in one cell: separate them with commas. Lists "
    "(guidance, other names): one per line (Alt+Enter in Excel).",
]


@dataclass(frozen=True)
class Problem:
    """What is wrong with a workbook, and where: its sheet, row (0: the whole sheet) and column."""

    sheet: str
    row: int
    column: str
    text: str

    def __str__(self) -> str:
        where = f"sheet '{self.sheet}'" if self.sheet else ""
        if self.row:
            where += f", row {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.text}" if where else self.text


class WorkbookProblems(Exception):
    """A workbook is not a good form; `problems` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


# ---- a spec as sheets ----------------------------------------------------------------------------------


def yes_no(flag: bool) -> str:
    return YES if flag else NO


def used_scales(spec: m.FormSpec, shared: dict[str, m.Scale]) -> list[m.Scale]:
    """The scales the workbook shows: those the form uses (questions, judgements, fields, details, action
    columns, its question scale) and every scale of its own, in the order of the spec's scales."""
    used = {f.scale.id for f in spec.fields if f.scale} | {h.scale.id for h in spec.header if h.scale}
    used |= {c.scale.id for t in spec.tables for c in t.columns if c.scale}
    used.add(question_scale(spec))
    return [s for sid, s in spec.scales.items() if sid in used or shared.get(sid) != s]


def question_scale(spec: m.FormSpec) -> str:
    """The scale most questions use (the form's question scale)."""
    counts: dict[str, int] = {}
    for q in spec.questions:
        scale = next((f.scale.id for f in q.fields if f.scale and f.part in ("answer", "auditor.grade")), None)
        scale = scale or next((f.scale.id for f in q.fields if f.scale), None)
        if scale:
            counts[scale] = counts.get(scale, 0) + 1
    return max(counts, key=counts.get) if counts else ("answer" if "answer" in spec.scales else "")


def _most(values, default: str) -> str:
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return max(counts, key=counts.get) if counts else default


def _labels(values, scales: list[m.Scale]) -> str:
    """Values as people see them: the options' labels, comma-separated."""
    out = []
    for v in values:
        option = next((o for s in scales if (o := s.option(v))), None)
        out.append(option.label if option else v)
    return ", ".join(out)


def _after_ref(label: str, ref: str) -> str:
    return label[len(ref) + 1:] if label.startswith(f"{ref} ") else label


def sheets_of(spec: m.FormSpec, shared: dict[str, m.Scale]) -> dict[str, list[list]]:
    """The workbook of a spec: each sheet's rows, its headings first."""
    qscale = question_scale(spec)
    evidence_default = _most((q.evidence_label for q in spec.questions
                              for f in q.fields if f.part == "evidence" and f.label == f"{q.ref} Evidence"),
                             DEFAULT_EVIDENCE)
    question_ids = {q.id for q in spec.questions if not q.voices}
    each = {"question": None, "judgement": None}
    per_question: dict[str, m.Rule] = {}
    other_rules: list[m.Rule] = []
    for rule in spec.rules:
        if rule.when_each and each[rule.when_each] is None:
            each[rule.when_each] = rule
        elif (rule.when_field in question_ids and rule.require == f"{rule.when_field}.evidence"
              and rule.when_field not in per_question):
            per_question[rule.when_field] = rule
        else:
            other_rules.append(rule)
    judgement_scales = [f.scale for _, it in spec.items() if it.kind == "judgement" for f in it.fields if f.scale]
    question_scales = [f.scale for q in spec.questions for f in q.fields if f.scale and f.part == "answer"]

    settings = [["Setting", "Value", "What it is"]]

    def setting(name, value):
        settings.append([name, value, SETTING_ROWS[name]])

    setting("Form ID", spec.id)
    setting("Version", spec.version)
    setting("Title", spec.title)
    setting("Short title", spec.short_title)
    setting("Other names", "\n".join(spec.aliases))
    setting("Subject", spec.subject_label)
    setting("Source", spec.source)
    setting("Description", spec.description)
    setting("Answer scale for questions", qscale)
    setting("Evidence box label", evidence_default)
    rq, rj = each["question"], each["judgement"]
    setting("Evidence required on every question when the answer is",
            _labels(rq.when_in, question_scales) if rq else "")
    setting("Message when that evidence is missing", rq.message if rq else "")
    setting("Comment required on every judgement when it is", _labels(rj.when_in, judgement_scales) if rj else "")
    setting("Message when that comment is missing", rj.message if rj else "")
    for name, role in ROLE_SETTINGS.items():
        setting(name, spec.roles.get(role, ""))
    for name in ADDING:  # (all there already, on the other sheets)
        setting(name, "")

    rows = [list(QUESTION_COLUMNS)]
    for section in spec.sections:
        rows.append(_row(Type="section", Reference=section.number, ID=section.id, Text=section.title,
                         Guidance="\n".join(section.guidance), Introduction=section.intro))
        for item in section.items:
            rows.append(_item_row(item, qscale, evidence_default, per_question.get(item.id)))

    scales = [list(SCALE_COLUMNS)]
    for scale in used_scales(spec, shared):
        for i, option in enumerate(scale.options):
            scales.append([scale.id, scale.label if i == 0 else "", yes_no(scale.ordered) if i == 0 else "",
                           option.value, option.label, option.colour or ""])

    details = [list(DETAIL_COLUMNS)] + [
        [h.id, h.label, h.type, h.scale.id if h.scale else "", yes_no(h.required), yes_no(h.identifier)]
        for h in spec.header]
    columns = [list(TABLE_COLUMNS)] + [
        [t.id, c.id, c.label, c.type, c.scale.id if c.scale else "", yes_no(c.required)]
        for t in spec.tables for c in t.columns]
    voices = [list(VOICE_COLUMNS)] + [[v.id, v.label, yes_no(v.required)] for v in spec.voices]
    rules = [list(RULE_COLUMNS)]
    for rule in other_rules:
        when = {"question": EVERY_QUESTION, "judgement": EVERY_JUDGEMENT}.get(rule.when_each or "", rule.when_field)
        target = spec.field(rule.when_field) if rule.when_field else None
        scales_of = [target.scale] if target and target.scale else judgement_scales + question_scales
        rules.append([when, _labels(rule.when_in, scales_of), rule.require, rule.message])
    return {SETTINGS: settings, QUESTIONS: rows, SCALES: scales, DETAILS: details, COLUMNS: columns,
            VOICES: voices, RULES: rules}


def _row(**cells) -> list:
    return [cells.get(heading.replace(" ", "_"), cells.get(heading, "")) for heading in QUESTION_COLUMNS]


def _item_row(item, qscale: str, evidence_default: str, rule: m.Rule | None) -> list:
    kind = "action table" if item.kind == "actions" else item.kind
    cells = {"Type": kind, "Reference": item.ref, "ID": item.id}
    by_part = {f.part: f for f in item.fields}
    if isinstance(item, m.Question):
        cells["Text"] = item.text
        cells["Guidance"] = "\n".join(item.prompts)
        if item.voices:
            grades = [f for f in item.fields if f.part.endswith(".grade")]
            scale = grades[0].scale if grades else None
            required = next((f.required for f, v in zip(grades, item.voices) if v.required), True)
        else:
            answer = by_part["answer"]
            scale, required = answer.scale, answer.required
            evidence = by_part.get("evidence")
            if evidence is None:
                cells["Evidence box"] = EVIDENCE_BOX["no"]
            else:
                cells["Evidence box"] = EVIDENCE_BOX["required" if evidence.required else "yes"]
                if item.evidence_label != evidence_default or evidence.label != f"{item.ref} Evidence":
                    cells["Evidence box label"] = item.evidence_label
            if rule is not None:
                cells["Evidence required when the answer is"] = _labels(rule.when_in, [scale] if scale else [])
                cells["Evidence message"] = rule.message
        cells["Answer scale"] = scale.id if scale else ""
        cells["Required"] = yes_no(required)
    elif isinstance(item, m.Judgement):
        answer = by_part["answer"]
        cells.update(Text=item.label, Required=yes_no(answer.required))
        cells["Answer scale"] = answer.scale.id if answer.scale else ""
        comment = by_part.get("comment")
        if comment is not None:
            cells["Comment box label"] = _after_ref(comment.label, item.ref)
            cells["Comment required"] = yes_no(comment.required)
    elif isinstance(item, m.FieldItem):
        f = item.fields[0]
        cells.update(Text=item.label, Required=yes_no(f.required), Guidance="\n".join(item.prompts))
        cells["Field type"] = f.type
        cells["Answer scale"] = f.scale.id if f.scale else ""
    elif isinstance(item, m.Check):
        cells["Text"] = item.text
        required = [f.required for f in item.fields if f.part in ("date", "confirm")]
        cells["Required"] = yes_no(any(required))
        for part, heading in (("date", "Date label"), ("confirm", "Confirm label"), ("comment", "Comment box label")):
            if part in by_part:
                cells[heading] = _after_ref(by_part[part].label, item.ref)
    elif isinstance(item, m.Actions):
        table = item.table
        cells["Text"] = table.title
        cells["Action rows"] = table.rows
        cells["Actions from"] = table.source.replace("_", " ")
    return [cells.get(heading, "") for heading in QUESTION_COLUMNS]


# ---- sheets read back into a spec ----------------------------------------------------------------------


class _Places:
    """Where each value came from: every value gets a number (the spec loader's 'line') that names its sheet,
    row and column, so that the loader's own messages can say where in the workbook."""

    def __init__(self):
        self.places: list[tuple[str, int, str]] = [("", 0, "")]

    def at(self, sheet: str, row: int, column: str = "") -> int:
        self.places.append((sheet, row, column))
        return len(self.places) - 1

    def place(self, line: int) -> tuple[str, int, str]:
        return self.places[line] if 0 < line < len(self.places) else ("", 0, "")

    def problem(self, message: Message) -> Problem:
        """A loader's message, its 'line' said as the place in the workbook (also in its text: 'on line 12')."""
        def said(found: re.Match) -> str:
            sheet, row, _ = self.place(int(found.group(1)))
            return f"row {row} of the sheet '{sheet}'" if sheet else "another row"

        return Problem(*self.place(message.line), re.sub(r"\bline (\d+)", said, message.text))


def ymap(pairs: list[tuple[str, object, int]], line: int) -> YMap:
    out = YMap()
    out.line, out.key_lines = line, {}
    for key, value, where in pairs:
        out[key] = value
        out.key_lines[key] = where
    return out


def ylist(items: list[tuple[object, int]], line: int) -> YList:
    out = YList(value for value, _ in items)
    out.line, out.item_lines = line, [where for _, where in items]
    return out


def plain(value):
    """The spec language's data as plain dicts and lists (for YAML)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


class _Sheet:
    """The rows of one sheet, read by their headings (case, spaces and order of the columns ignored)."""

    def __init__(self, name: str, rows: list[tuple[int, list]], reader: _Reader):
        self.name, self.reader = name, reader
        known = HEADINGS[name]
        keys = {_key(h): h for h in known}
        self.columns: dict[str, int] = {}
        self.rows: list[tuple[int, dict]] = []
        header = next(((n, cells) for n, cells in rows if any(_text(c) for c in cells)), None)
        if header is None:
            return
        n0, cells = header
        for i, cell in enumerate(cells):
            heading = _text(cell)
            if not heading:
                continue
            found = keys.get(_key(heading))
            if found is None and did_you_mean(heading, known):
                reader.problem(name, n0, heading, f"unknown column '{heading}'{did_you_mean(heading, known)}. "
                               f"The columns of this sheet: {', '.join(known)}.")
            elif found is not None:
                self.columns[found] = i
        for n, cells in rows:
            if n <= n0:
                continue
            row = {h: cells[i] if i < len(cells) else None for h, i in self.columns.items()}
            if any(_text(v) for v in row.values()):
                self.rows.append((n, row))


def _key(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _text(value) -> str:
    """A cell as text: a whole number without '.0'; None and spaces alone as ''."""
    if value is None or isinstance(value, bool):
        return "" if value is None else (YES if value else NO)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return text if text.strip() else ""


class _Reader:
    def __init__(self, sheets: dict[str, list[tuple[int, list]]], shared: dict[str, m.Scale]):
        self.raw = sheets
        self.shared = shared
        self.problems: list[Problem] = []
        self.places = _Places()

    def problem(self, sheet: str, row: int, column: str, text: str) -> None:
        self.problems.append(Problem(sheet, row, column, text))

    def sheet(self, name: str, needed: bool) -> _Sheet | None:
        found = next((s for s in self.raw if _key(s) == _key(name)), None)
        if found is None:
            if needed:
                self.problem(name, 0, "", f"the workbook has no sheet '{name}'"
                             f"{did_you_mean(name, self.raw)}: add it (its sheets: {', '.join(self.raw)}). "
                             "'auditdocs specs to-xlsx' writes a workbook with every sheet to start from.")
            return None
        return _Sheet(name, self.raw[found], self)

    # cells

    def flag(self, sheet: _Sheet | str, n: int, row: dict, column: str, default: bool) -> bool:
        text = _text(row.get(column)).strip()
        if not text:
            return default
        key = text.casefold()
        if key in ("yes", "y", "true", "1"):
            return True
        if key in ("no", "n", "false", "0"):
            return False
        self.problem(getattr(sheet, "name", sheet), n, column,
                     f"'{text}' is not Yes or No: write Yes or No (or leave it blank).")
        return default


def spec_of_sheets(sheets: dict[str, list[tuple[int, list]]], path: str,
                   shared: dict[str, m.Scale]) -> tuple[dict, m.FormSpec]:
    """The spec (the spec language's data, and the checked `FormSpec`) a workbook's sheets hold (each sheet:
    its rows as (row number, cells)). Raises WorkbookProblems naming every problem."""
    reader = _Reader(sheets, shared)
    data = _read(reader)
    if reader.problems:
        order = list(HEADINGS)
        raise WorkbookProblems(sorted(reader.problems, key=lambda p: (order.index(p.sheet), p.row)))
    messages: list[Message] = []
    spec = _Checker(path, messages).form(data, shared)
    if messages or spec is None:
        raise WorkbookProblems([reader.places.problem(msg) for msg in messages] or [
            Problem("", 0, "", "the form could not be made.")])
    return plain(data), spec


def _read(r: _Reader) -> YMap:
    at = r.places.at
    settings = r.sheet(SETTINGS, True)
    questions = r.sheet(QUESTIONS, True)
    scales_sheet = r.sheet(SCALES, False)
    details = r.sheet(DETAILS, False)
    columns = r.sheet(COLUMNS, False)
    voices_sheet = r.sheet(VOICES, False)
    rules_sheet = r.sheet(RULES, False)
    if settings is None or questions is None:
        return YMap()

    # settings: a setting a row
    values: dict[str, tuple[int, object]] = {}
    names = {_key(s): s for s in SETTING_ROWS}
    for n, row in settings.rows:
        name = _text(row.get("Setting")).strip()
        if not name:
            continue
        known = names.get(_key(name))
        if known is None:
            r.problem(SETTINGS, n, "Setting", f"unknown setting '{name}'{did_you_mean(name, SETTING_ROWS)}. "
                      f"Settings: {', '.join(SETTING_ROWS)}.")
        elif known in values:
            r.problem(SETTINGS, n, "Setting", f"'{known}' is given twice (first on row {values[known][0]}): keep one.")
        else:
            values[known] = (n, row.get("Value"))

    def value(name: str) -> str:
        return _text(values[name][1]) if name in values else ""

    def where(name: str) -> int:
        return at(SETTINGS, values[name][0], "Value") if name in values else at(SETTINGS, 0, "")

    top: list[tuple[str, object, int]] = []
    for name, key in (("Form ID", "id"), ("Title", "title")):
        text = value(name).strip()
        if not text:
            r.problem(SETTINGS, values.get(name, (0,))[0], "Value", f"the form needs its {name.lower()}: add a row "
                      f"'{name}' with it.")
        top.append((key, text, where(name)))
    version = values.get("Version", (0, 1))[1]
    if isinstance(version, str) and version.strip().isdigit():
        version = int(version)
    if isinstance(version, float) and version.is_integer():
        version = int(version)
    if version in (None, ""):
        version = 1
    if not isinstance(version, int) or isinstance(version, bool):
        r.problem(SETTINGS, values["Version"][0], "Value", f"the version '{version}' is not a whole number: write 1, "
                  "2, ...")
    top.insert(1, ("version", version, where("Version")))
    short = value("Short title").strip()
    title = value("Title")
    if short and title and short != m.FormSpec("", title, 1, "", (), (), {}).short_title:
        r.problem(SETTINGS, values["Short title"][0], "Value", "the short title is made from the title (the part "
                  "after ' — '): change the title, or leave the short title blank.")
    aliases = [a.strip() for a in re.split(r"[\n;]", value("Other names")) if a.strip()]
    if aliases:
        top.append(("aliases", ylist([(a, where("Other names")) for a in aliases], where("Other names")),
                    where("Other names")))
    subject_text = value("Subject").strip() or "child"
    subjects = {_key(k): k for k in m.SUBJECT_KINDS} | {_key(v): k for k, v in m.SUBJECT_KINDS.items()}
    subject = subjects.get(_key(subject_text))
    if subject is None:
        r.problem(SETTINGS, values["Subject"][0], "Value", f"unknown subject '{subject_text}'"
                  f"{did_you_mean(subject_text, m.SUBJECT_KINDS.values())}. Use one of: "
                  f"{', '.join(m.SUBJECT_KINDS.values())}.")
    top.append(("subject", subject or "child", where("Subject")))
    for name, key in (("Source", "source"), ("Description", "description")):
        if value(name):
            top.append((key, value(name), where(name)))

    # scales: an option a row, each naming its scale
    local = _scales(r, scales_sheet)
    scale_refs = _ScaleRefs(r, {**r.shared, **{sid: scale for sid, (_, scale) in local.items()}})
    if local:
        top.append(("scales", ymap([(sid, body, body.line) for sid, (body, _) in local.items()], at(SCALES, 0)),
                    at(SCALES, 0)))

    # details (the header)
    top.append(("header", _details(r, details, scale_refs), at(DETAILS, 0)))

    qscale = ""
    if value("Answer scale for questions").strip():
        qscale = scale_refs.id(SETTINGS, values["Answer scale for questions"][0], "Value",
                               value("Answer scale for questions"))
        if qscale:
            top.append(("question_scale", qscale, where("Answer scale for questions")))
    evidence_label = value("Evidence box label")
    if evidence_label and evidence_label != DEFAULT_EVIDENCE:
        top.append(("evidence_label", evidence_label, where("Evidence box label")))

    voice_list = _voices(r, voices_sheet)
    if voice_list:
        top.append(("voices", voice_list, at(VOICES, 0)))

    sections, items_by, per_question = _sections(r, questions, scale_refs, qscale or "answer", bool(voice_list))
    _columns(r, columns, items_by, scale_refs)
    added_roles = _add_usual_parts(r, sections, {name: (value(name), where(name), values.get(name, (0,))[0])
                                                 for name in ADDING}, scale_refs)

    # roles: which answers are the overall grade, ...
    roles = [(role, fid, line) for role, (fid, line) in added_roles.items() if not value(
        next(name for name, named in ROLE_SETTINGS.items() if named == role)).strip()]
    for name, role in ROLE_SETTINGS.items():
        text = value(name).strip()
        if text:
            roles.append((role, items_by.resolve(text), where(name)))
    if roles:
        top.append(("roles", ymap(roles, at(SETTINGS, 0)), at(SETTINGS, 0)))

    # rules: the settings' 'every question / judgement', the questions' own, then the Rules sheet's
    rules = []
    for name, message, each, require in (
            ("Evidence required on every question when the answer is", "Message when that evidence is missing",
             "question", "evidence"),
            ("Comment required on every judgement when it is", "Message when that comment is missing",
             "judgement", "comment")):
        if value(name).strip():
            line = where(name)
            answers = scale_refs.values(SETTINGS, values[name][0], "Value", value(name), scale_refs.of_kind(each))
            rules.append(_rule(("each", each, line), answers, line, require, value(message), where(message)))
    rules += per_question
    rules += _rules(r, rules_sheet, items_by, scale_refs)
    if rules:
        top.append(("rules", ylist([(rule, rule.line) for rule in rules], at(SETTINGS, 0)), at(SETTINGS, 0)))
    top.append(("sections", sections, at(QUESTIONS, 0)))
    return ymap(top, at(SETTINGS, 0))


def _rule(when: tuple[str, str, int], answers: list[str], line: int, require: str, message: str,
          message_line: int) -> YMap:
    key, target, where = when
    when_map = ymap([(key, target, where), ("in", ylist([(a, line) for a in answers], line), line)], line)
    pairs = [("when", when_map, line), ("require", require, line)]
    if message:
        pairs.append(("message", message, message_line))
    return ymap(pairs, line)


class _ScaleRefs:
    """Scales named in cells (by id or name), and answers named in cells (by label or value)."""

    def __init__(self, r: _Reader, scales: dict[str, m.Scale]):
        self.r, self.scales = r, scales
        self.by_kind: dict[str, list[str]] = {"question": [], "judgement": []}

    def id(self, sheet: str, n: int, column: str, text) -> str:
        text = _text(text).strip()
        if text in self.scales:
            return text
        for sid, scale in self.scales.items():
            if _key(sid) == _key(text) or _key(scale.label) == _key(text):
                return sid
        self.r.problem(sheet, n, column, f"unknown scale '{text}'{did_you_mean(text, self.scales)}. Add it to the "
                       f"Scales sheet, or use one of: {', '.join(self.scales)}.")
        return ""

    def of_kind(self, kind: str) -> list[m.Scale]:
        return [self.scales[s] for s in dict.fromkeys(self.by_kind[kind]) if s in self.scales]

    def values(self, sheet: str, n: int, column: str, text, scales: list[m.Scale]) -> list[str]:
        """The values of the answers a cell names ('No, Partially'), each by its label or value."""
        text = _text(text).strip()
        options = [o for s in scales for o in s.options]
        whole = next((o for o in options if _key(o.label) == _key(text) or _key(o.value) == _key(text)), None)
        if whole is not None:
            return [whole.value]
        out = []
        for part in (p.strip() for p in re.split(r"[,;\n]", text)):
            if not part:
                continue
            found = next((o for o in options if _key(o.label) == _key(part) or _key(o.value) == _key(part)), None)
            if found is None:
                labels = list(dict.fromkeys(o.label for o in options))
                names = " or ".join(f"'{s.label}'" for s in scales) or "no scale"
                self.r.problem(sheet, n, column, f"'{part}' is not an answer of {names}"
                               f"{did_you_mean(part, labels)}. Answers: {', '.join(labels)}.")
            elif found.value not in out:
                out.append(found.value)
        return out


def _scales(r: _Reader, sheet: _Sheet | None) -> dict[str, tuple[YMap, m.Scale]]:
    """The workbook's scales that are not the shared ones (a shared scale shown must be the same)."""
    if sheet is None:
        return {}
    at = r.places.at
    bodies: dict[str, dict] = {}
    for n, row in sheet.rows:
        sid = _text(row.get("Scale")).strip()
        if not sid:
            r.problem(SCALES, n, "Scale", "this option names no scale: write its scale's id in the column 'Scale'.")
            continue
        problem = id_problem(sid)
        if problem:
            r.problem(SCALES, n, "Scale", f"the scale id '{sid}' {problem}.")
            continue
        body = bodies.setdefault(sid, {"row": n, "label": "", "ordered": None, "options": [], "rows": set()})
        body["rows"].add(n)
        label = _text(row.get("Scale name")).strip()
        if label:
            if body["label"] and body["label"] != label:
                r.problem(SCALES, n, "Scale name", f"the scale '{sid}' is named '{body['label']}' on row "
                          f"{body['row']}: give its name once, on its first row.")
            body["label"] = body["label"] or label
        if _text(row.get("Ordered best to worst")).strip():
            body["ordered"] = r.flag(sheet, n, row, "Ordered best to worst", True)
        val = _text(row.get("Value")).strip()
        olabel = _text(row.get("Label"))
        if not val and not olabel.strip():
            r.problem(SCALES, n, "Value", f"this row of the scale '{sid}' has no option: give its Value and Label.")
            continue
        if not val:
            r.problem(SCALES, n, "Value", f"the option '{olabel}' of the scale '{sid}' has no value: give it the "
                      "value auditdocs stores (e.g. its label in small letters).")
            continue
        if any(o[0] == val for o in body["options"]):
            r.problem(SCALES, n, "Value", f"the option '{val}' is listed twice in the scale '{sid}'.")
            continue
        colour = _text(row.get("Colour")).strip()
        if colour and re.fullmatch(r"[0-9A-Fa-f]{6}", colour):
            colour = "#" + colour
        if colour and not re.fullmatch(r"#[0-9A-Fa-f]{6}", colour):
            r.problem(SCALES, n, "Colour", f"the colour '{colour}' is not a colour auditdocs reads: write it as "
                      "#RRGGBB, e.g. #2E7D32 for green (or leave it blank).")
            colour = ""
        body["options"].append((val, olabel.strip() or val, colour, n))
    out: dict[str, tuple[YMap, m.Scale]] = {}
    for sid, body in bodies.items():
        n = body["row"]
        if any(p.sheet == SCALES and p.column != "Scale" and p.row in body["rows"] for p in r.problems):
            continue  # a scale with problems of its own is not compared or made
        ordered = True if body["ordered"] is None else body["ordered"]
        options = tuple(m.Option(v, lab, c or None) for v, lab, c, _ in body["options"])
        label = body["label"] or sid
        if sid in r.shared:
            if m.Scale(sid, label, options, ordered) != r.shared[sid]:
                r.problem(SCALES, n, "Scale", f"the scale '{sid}' is a shared scale (scales.yaml, used by every "
                          "form) but differs from it here: give this form's scale its own id (and name it in the "
                          "questions), or make it the same as the shared one.")
            continue
        opts = []
        for v, lab, c, row_n in body["options"]:
            pairs = [("value", v, at(SCALES, row_n, "Value")), ("label", lab, at(SCALES, row_n, "Label"))]
            if c:
                pairs.append(("colour", c, at(SCALES, row_n, "Colour")))
            opts.append((ymap(pairs, at(SCALES, row_n)), at(SCALES, row_n)))
        pairs = [("label", label, at(SCALES, n, "Scale name"))]
        if not ordered:
            pairs.append(("ordered", False, at(SCALES, n, "Ordered best to worst")))
        pairs.append(("options", ylist(opts, at(SCALES, n)), at(SCALES, n)))
        out[sid] = ymap(pairs, at(SCALES, n, "Scale")), m.Scale(sid, label, options, ordered)
    return out


def _details(r: _Reader, sheet: _Sheet | None, scale_refs: _ScaleRefs) -> YList:
    at = r.places.at
    items = []
    if sheet is None or not sheet.rows:
        for fid, label, ftype, required, identifier in DEFAULT_DETAILS:
            pairs = [("field", fid, 0), ("label", label, 0)]
            if ftype != "text":
                pairs.append(("type", ftype, 0))
            pairs += [("required", True, 0)] * required + [("identifier", True, 0)] * identifier
            items.append((ymap(pairs, at(DETAILS, 0)), at(DETAILS, 0)))
        return ylist(items, at(DETAILS, 0))
    for n, row in sheet.rows:
        fid = _text(row.get("ID")).strip()
        label = _text(row.get("Label")).strip()
        if not fid or not label:
            r.problem(DETAILS, n, "ID" if not fid else "Label", "this detail needs both its ID and its Label.")
            continue
        pairs = [("field", fid, at(DETAILS, n, "ID")), ("label", label, at(DETAILS, n, "Label"))]
        ftype = _text(row.get("Type")).strip().casefold() or "text"
        if ftype != "text":
            pairs.append(("type", ftype, at(DETAILS, n, "Type")))
        if _text(row.get("Answer scale")).strip():
            pairs.append(("scale", scale_refs.id(DETAILS, n, "Answer scale", row.get("Answer scale")),
                          at(DETAILS, n, "Answer scale")))
        for column, key in (("Required", "required"), ("In document properties", "identifier")):
            if r.flag(sheet, n, row, column, False):
                pairs.append((key, True, at(DETAILS, n, column)))
        items.append((ymap(pairs, at(DETAILS, n)), at(DETAILS, n)))
    return ylist(items, at(DETAILS, 0))


def _voices(r: _Reader, sheet: _Sheet | None) -> YList | None:
    if sheet is None or not sheet.rows:
        return None
    at = r.places.at
    items = []
    for n, row in sheet.rows:
        vid, label = _text(row.get("ID")).strip(), _text(row.get("Label")).strip()
        if not vid or not label:
            r.problem(VOICES, n, "ID" if not vid else "Label", "this voice needs both its ID and its Label.")
            continue
        pairs = [("id", vid, at(VOICES, n, "ID")), ("label", label, at(VOICES, n, "Label"))]
        if not r.flag(sheet, n, row, "Required", True):
            pairs.append(("required", False, at(VOICES, n, "Required")))
        items.append((ymap(pairs, at(VOICES, n)), at(VOICES, n)))
    return ylist(items, at(VOICES, 0))


class _Items(dict):
    """The items read so far: id -> (type, row); and references -> id."""

    def __init__(self):
        super().__init__()
        self.refs: dict[str, str] = {}
        self.columns: dict[str, YList] = {}
        self.scale_of: dict[str, str] = {}

    def resolve(self, text: str) -> str:
        """An item named by its ID or its reference, as its ID (as given when it is neither)."""
        return text if text in self else self.refs.get(text, text)


def _ref(value) -> str:
    if isinstance(value, float) and not value.is_integer():
        return repr(value)
    return _text(value).strip()


def _sections(r: _Reader, sheet: _Sheet, scale_refs: _ScaleRefs, qscale: str, voices: bool):
    sections: list[tuple[YMap, int]] = []
    items_by = _Items()
    per_question: list[YMap] = []
    section_refs: dict[str, int] = {}
    current: list | None = None
    for n, row in sheet.rows:
        kind = _key(_text(row.get("Type")))
        if kind not in TYPES:
            shown = _text(row.get("Type")).strip()
            r.problem(QUESTIONS, n, "Type", (f"unknown type '{shown}'{did_you_mean(shown.casefold(), TYPES)}"
                                             if shown else "this row has no type") +
                      f": write one of {', '.join(TYPES)}.")
            continue
        ref = _ref(row.get("Reference"))
        if not ref:
            r.problem(QUESTIONS, n, "Reference", f"this {kind} has no reference: give it the number people see "
                      f"({'e.g. 3' if kind == 'section' else 'e.g. 3.2'}).")
            continue
        refs = section_refs if kind == "section" else items_by.refs
        if ref in refs:
            first = refs[ref] if kind == "section" else items_by[items_by.refs[ref]][1]
            typed = isinstance(row.get("Reference"), float)
            r.problem(QUESTIONS, n, "Reference", f"the reference '{ref}' is also on row {first}: give each "
                      f"{'section' if kind == 'section' else 'item'} its own reference." + (
                          " (Excel took what was typed for a number, e.g. 1.10 for 1.1: format the column as Text "
                          "and type it again.)" if typed else ""))
            continue
        iid = _text(row.get("ID")).strip() or ID_PREFIX[kind] + re.sub(r"[^A-Za-z0-9_]", "_", ref)
        at_row = _Row(r, sheet, n, row)
        text = at_row.text("Text")
        if kind == "section":
            if not text.strip():
                r.problem(QUESTIONS, n, "Text", "this section has no title: write it in the column 'Text'.")
            section_refs[ref] = n
            pairs = [("id", iid, at_row.cell("ID")), ("title", text, at_row.cell("Text")),
                     ("number", ref, at_row.cell("Reference"))]
            at_row.add(pairs, "intro", at_row.text("Introduction"), "Introduction")
            at_row.add_lines(pairs, "guidance")
            current = []
            pairs.append(("items", current, at_row.here))
            sections.append((pairs, at_row.here))
            continue
        if current is None:
            r.problem(QUESTIONS, n, "Type", f"this {kind} comes before any section: add a row of type section "
                      "above it (its reference and title).")
            continue
        if not text.strip() and kind != "action table":
            r.problem(QUESTIONS, n, "Text", f"this {kind} has no text: write the {kind}'s "
                      f"{'question' if kind == 'question' else 'label' if kind != 'check' else 'text'}.")
        if iid in items_by:
            r.problem(QUESTIONS, n, "ID", f"the ID '{iid}' is also on row {items_by[iid][1]}: give each item its "
                      "own ID.")
            continue
        items_by[iid] = (kind, n)
        items_by.refs[ref] = iid
        pairs = [(KIND_OF_TYPE[kind], iid, at_row.cell("ID")), ("ref", ref, at_row.cell("Reference"))]
        scale_text = at_row.text("Answer scale").strip()
        scale = scale_refs.id(QUESTIONS, n, "Answer scale", scale_text) if scale_text else ""
        items_by.scale_of[iid] = scale or (qscale if kind == "question" else "")
        if kind == "question":
            rule = _question(at_row, pairs, iid, scale or qscale, bool(scale_text), scale_refs, voices)
            per_question += [rule] if rule else []
        elif kind == "judgement":
            if not scale:
                if not scale_text:
                    r.problem(QUESTIONS, n, "Answer scale", "this judgement has no answer scale: name one of the "
                              "Scales sheet.")
                continue
            _judgement(at_row, pairs, scale, scale_refs)
        elif kind == "field":
            _field(at_row, pairs, scale)
        elif kind == "check":
            _check(at_row, pairs)
        else:
            items_by.columns[iid] = _action_table(at_row, pairs)
        here = at_row.here
        current.append((pairs, here))
    if not sections and not r.problems:
        r.problem(QUESTIONS, 0, "", "the form has no sections: add a row of type section, then its questions.")
    built = []
    for pairs, here in sections:
        items = next(v for k, v, _ in pairs if k == "items")
        if not items:
            r.problem(QUESTIONS, r.places.places[here][1], "Type", "this section has no questions or other items: "
                      "add them on the rows below it, or remove the section.")
        item_list = ylist([(ymap(p, h), h) for p, h in items], here)
        built.append((ymap([(k, item_list if k == "items" else v, w) for k, v, w in pairs], here), here))
    return ylist(built, r.places.at(QUESTIONS, 0)), items_by, per_question


class _Row:
    """A row of the Sections and questions sheet, read cell by cell, each value's place kept."""

    def __init__(self, r: _Reader, sheet: _Sheet, n: int, row: dict):
        self.r, self.sheet, self.n, self.row = r, sheet, n, row
        self.here = r.places.at(QUESTIONS, n)

    def text(self, column: str) -> str:
        return _text(self.row.get(column))

    def cell(self, column: str) -> int:
        return self.r.places.at(QUESTIONS, self.n, column)

    def flag(self, column: str, default: bool) -> bool:
        return self.r.flag(self.sheet, self.n, self.row, column, default)

    def problem(self, column: str, text: str) -> None:
        self.r.problem(QUESTIONS, self.n, column, text)

    def add(self, pairs: list, key: str, value, column: str) -> None:
        """`key: value` (from `column`), unless the value is blank (or False)."""
        if value not in ("", None, False):
            pairs.append((key, value, self.cell(column)))

    def add_lines(self, pairs: list, key: str) -> None:
        """The Guidance cell's lines as the list `key` (prompts, or a section's guidance)."""
        lines = _lines(self.row.get("Guidance"))
        if lines:
            where = self.cell("Guidance")
            pairs.append((key, ylist([(line, where) for line in lines], where), where))


def _question(row: _Row, pairs: list, iid: str, scale: str, named: bool, scale_refs: _ScaleRefs,
              voices: bool) -> YMap | None:
    """A question's keys; returns the rule its 'Evidence required when the answer is' makes, if any."""
    pairs.append(("text", row.text("Text"), row.cell("Text")))
    scale_refs.by_kind["question"].append(scale)
    row.add(pairs, "scale", scale if named else "", "Answer scale")
    row.add_lines(pairs, "prompts")
    if row.text("Required").strip():
        pairs.append(("required", row.flag("Required", True), row.cell("Required")))
    box = _key(row.text("Evidence box"))
    if box and box not in EVIDENCE_BOX:
        row.problem("Evidence box", f"'{row.text('Evidence box')}' is not Yes, Required or No.")
    row.add(pairs, "no_evidence", box == "no", "Evidence box")
    row.add(pairs, "evidence_required", box == "required", "Evidence box")
    row.add(pairs, "evidence", row.text("Evidence box label"), "Evidence box label")
    column = "Evidence required when the answer is"
    when = row.text(column).strip()
    if not when:
        return None
    if box == "no" or voices:
        row.problem(column, "this question has no evidence box: set its Evidence box to Yes, or clear this cell.")
    answers = scale_refs.values(QUESTIONS, row.n, column, when,
                                [scale_refs.scales[scale]] if scale in scale_refs.scales else [])
    line = row.cell(column)
    return _rule(("field", iid, line), answers, line, f"{iid}.evidence", row.text("Evidence message"),
                 row.cell("Evidence message"))


def _judgement(row: _Row, pairs: list, scale: str, scale_refs: _ScaleRefs) -> None:
    pairs.append(("label", row.text("Text"), row.cell("Text")))
    scale_refs.by_kind["judgement"].append(scale)
    pairs.append(("scale", scale, row.cell("Answer scale")))
    row.add(pairs, "comment", row.text("Comment box label"), "Comment box label")
    if row.text("Required").strip():
        pairs.append(("required", row.flag("Required", True), row.cell("Required")))
    row.add(pairs, "comment_required", row.flag("Comment required", False), "Comment required")


def _field(row: _Row, pairs: list, scale: str) -> None:
    pairs.append(("label", row.text("Text"), row.cell("Text")))
    ftype = row.text("Field type").strip().casefold() or ("choice" if scale else "text")
    row.add(pairs, "type", "" if ftype == "text" else ftype, "Field type")
    row.add(pairs, "scale", scale, "Answer scale")
    row.add_lines(pairs, "prompts")
    row.add(pairs, "required", row.flag("Required", False), "Required")


def _check(row: _Row, pairs: list) -> None:
    pairs.append(("text", row.text("Text"), row.cell("Text")))
    for column, key in (("Date label", "date"), ("Confirm label", "confirm"), ("Comment box label", "comment")):
        row.add(pairs, key, row.text(column), column)
    row.add(pairs, "required", row.flag("Required", False), "Required")


def _action_table(row: _Row, pairs: list) -> YList:
    """An action table's keys; returns the list its columns (from their own sheet) go into."""
    row.add(pairs, "title", row.text("Text"), "Text")
    count = row.text("Action rows").strip()
    if count and not count.isdigit():
        row.problem("Action rows", f"'{count}' is not a number of rows: write 1 to 50.")
    if count.isdigit():
        pairs.append(("rows", int(count), row.cell("Action rows")))
    source_text = row.text("Actions from").strip()
    source = SOURCES.get(_key(source_text).replace("_", " "), "")
    if source_text and not source:
        row.problem("Actions from", f"'{source_text}'{did_you_mean(source_text, SOURCES)} is not one of: "
                    f"{', '.join(SOURCES)}.")
    row.add(pairs, "source", source, "Actions from")
    columns = ylist([], row.here)
    pairs.append(("columns", columns, row.here))
    return columns


def _lines(value) -> list[str]:
    return [line.strip() for line in _text(value).splitlines() if line.strip()]


def _columns(r: _Reader, sheet: _Sheet | None, items_by: _Items, scale_refs: _ScaleRefs) -> None:
    """The Action table columns sheet's rows, put into their tables (read into the pairs of their rows)."""
    at = r.places.at
    seen: dict[tuple[str, str], int] = {}
    for n, row in sheet.rows if sheet else []:
        named = _text(row.get("Action table")).strip()
        table = items_by.resolve(named)
        if table not in items_by.columns:
            r.problem(COLUMNS, n, "Action table", f"'{named}' is not an action table of the Sections and questions "
                      f"sheet{did_you_mean(named, items_by.columns)}: give the ID (or reference) of a row of type "
                      "action table.")
            continue
        cid, label = _text(row.get("Column ID")).strip(), _text(row.get("Label")).strip()
        if not cid or not label:
            r.problem(COLUMNS, n, "Column ID" if not cid else "Label", "this column needs both its Column ID and "
                      "its Label.")
            continue
        if (table, cid) in seen:
            r.problem(COLUMNS, n, "Column ID", f"the column '{cid}' of '{table}' is also on row {seen[table, cid]}.")
            continue
        seen[table, cid] = n
        pairs = [("column", cid, at(COLUMNS, n, "Column ID")), ("label", label, at(COLUMNS, n, "Label"))]
        ctype = _text(row.get("Type")).strip().casefold()
        scale_text = _text(row.get("Answer scale")).strip()
        if ctype and ctype != "text":
            pairs.append(("type", ctype, at(COLUMNS, n, "Type")))
        elif scale_text and not ctype:
            pairs.append(("type", "choice", at(COLUMNS, n, "Type")))
        if scale_text:
            pairs.append(("scale", scale_refs.id(COLUMNS, n, "Answer scale", scale_text),
                          at(COLUMNS, n, "Answer scale")))
        if r.flag(sheet, n, row, "Required", False):
            pairs.append(("required", True, at(COLUMNS, n, "Required")))
        items_by.columns[table].append(ymap(pairs, at(COLUMNS, n)))
        items_by.columns[table].item_lines.append(at(COLUMNS, n))
    for table, cols in items_by.columns.items():
        n = items_by[table][1]
        if not cols:
            r.problem(QUESTIONS, n, "", f"the action table '{table}' has no columns: list them on the sheet "
                      f"'{COLUMNS}' (Action table, Column ID, Label, Type).")


def _rules(r: _Reader, sheet: _Sheet | None, items_by: _Items, scale_refs: _ScaleRefs) -> list[YMap]:
    at = r.places.at
    out = []
    for n, row in sheet.rows if sheet else []:
        when = _text(row.get("When")).strip()
        require = items_by.resolve(_text(row.get("Then required")).strip())
        line = at(RULES, n, "When")
        if _key(when) in (EVERY_QUESTION, EVERY_JUDGEMENT):
            each = _key(when).split()[1]
            key_target = ("each", each, line)
            scales = scale_refs.of_kind(each)
        else:
            target = items_by.resolve(when)
            if target not in items_by and target.split(".")[0] not in items_by:
                r.problem(RULES, n, "When", f"'{when}' is not a question or item of the form"
                          f"{did_you_mean(when, list(items_by) + [EVERY_QUESTION, EVERY_JUDGEMENT])}: give its ID "
                          f"or reference, or write '{EVERY_QUESTION}' or '{EVERY_JUDGEMENT}'.")
                continue
            key_target = ("field", target, line)
            scale = items_by.scale_of.get(target.split(".")[0], "")
            scales = [scale_refs.scales[scale]] if scale in scale_refs.scales else []
        answers = _text(row.get("Answer is"))
        values = scale_refs.values(RULES, n, "Answer is", answers, scales or list(scale_refs.scales.values()))
        out.append(_rule(key_target, values, at(RULES, n, "Answer is"), require, _text(row.get("Message")),
                         at(RULES, n, "Message")))
    return out


# ---- the usual parts of an audit form, added by the settings (a form written from scratch) ---------------

ACTION_COLUMNS = (("action", "Action", "text", True), ("responsible_role", "Responsible role", "role", False),
                  ("responsible_person", "Responsible person", "person", True),
                  ("required_date", "Action required date", "date", True))


def _add_usual_parts(r: _Reader, sections: YList, asked: dict[str, tuple[str, int, int]],
                     scale_refs: _ScaleRefs) -> dict[str, tuple[str, int]]:
    """Add what the settings `ADDING` ask for: a judgement ending each section of questions, an overall
    judgement section, an action table, a moderation section. Returns the roles the parts added play."""
    def scale_of(name: str) -> str:
        text, _, n = asked[name]
        return scale_refs.id(SETTINGS, n, "Value", text) if text.strip() else ""

    def yes(name: str) -> bool:
        text, _, n = asked[name]
        return r.flag(SETTINGS, n, {"Value": text}, "Value", False)

    judgement, overall = scale_of("Add a judgement to each section"), scale_of("Add an overall grade")
    actions, moderation = yes("Add an action table"), yes("Add a moderation part")
    roles: dict[str, tuple[str, int]] = {}

    def item(pairs: list[tuple[str, object]], line: int) -> YMap:
        return ymap([(k, v, line) for k, v in pairs], line)

    def add(items: YList, pairs: list[tuple[str, object]], number: str, line: int) -> None:
        items.append(item([*pairs[:1], ("ref", f"{number}.{len(items) + 1}"), *pairs[1:]], line))
        items.item_lines.append(line)

    def section(sid: str, title: str, line: int) -> tuple[YList, str]:
        numbers = [int(s["number"]) for s in sections if isinstance(s, YMap) and str(s.get("number", "")).isdigit()]
        number = str(max(numbers, default=0) + 1)
        items = ylist([], line)
        sections.append(ymap([("id", sid, line), ("title", title, line), ("number", number, line),
                              ("items", items, line)], line))
        sections.item_lines.append(line)
        return items, number

    def action_table(items: YList, number: str, tid: str, source: str, line: int) -> None:
        columns = ylist([(item([("column", cid), ("label", label)] + [("type", ctype)] * (ctype != "text") +
                              [("required", True)] * required, line), line)
                         for cid, label, ctype, required in ACTION_COLUMNS], line)
        add(items, [("actions", tid), ("title", "Actions: what will be done, by whom and by when"), ("rows", 3),
                    ("source", source), ("columns", columns)], number, line)

    if judgement:
        line = asked["Add a judgement to each section"][1]
        label = scale_refs.scales[judgement].label
        for sec in list(sections):
            items = sec.get("items") if isinstance(sec, YMap) else None
            if isinstance(items, YList) and any("question" in i for i in items) and not any(
                    "judgement" in i for i in items):
                add(items, [("judgement", f"{sec['id']}_judgement"), ("label", label), ("scale", judgement),
                            ("comment", "Auditor comments")], str(sec["number"]), line)
    if overall or actions:
        line = asked["Add an overall grade" if overall else "Add an action table"][1]
        items, number = section("overall" if overall else "actions_section",
                                "Overall judgement" if overall else "Actions", line)
        if overall:
            add(items, [("judgement", "overall_grade"), ("label", "Overall grade"), ("scale", overall),
                        ("comment", "Auditor's judgement and rationale for this"), ("comment_required", True)],
                number, line)
            add(items, [("field", "audit_date"), ("label", "Date the audit was finalised"), ("type", "date"),
                        ("required", True)], number, line)
            roles.update(overall_grade=("overall_grade", line), audit_date=("audit_date", line))
        if actions:
            action_table(items, number, "actions", "audit", line)
    if moderation:
        line = asked["Add a moderation part"][1]
        items, number = section("moderation", "Quality assurance / moderation", line)
        add(items, [("judgement", "moderated_grade"), ("label", "Grading after moderation"),
                    ("scale", overall or "overall_grade"), ("required", False)], number, line)
        add(items, [("field", "moderator_details"), ("label", "Moderator"), ("type", "line")], number, line)
        add(items, [("field", "moderation_date"), ("label", "Date of moderation"), ("type", "date")], number, line)
        if actions:
            action_table(items, number, "qa_actions", "moderation", line)
        roles.update(grade_after_moderation=("moderated_grade", line), moderator=("moderator_details", line),
                     moderation_date=("moderation_date", line))
    return roles
