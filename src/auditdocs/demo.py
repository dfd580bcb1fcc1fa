"""The demo month: a whole audit cycle on invented people, in one command, through the commands' own code.

November 2026, in a workspace (`auditdocs init`), from allocation on 30 October to the report on 7 December:

1. `allocate` the month from the sample cases and auditors lists: one auditor's break request is one too
   many for the 20% cap, which allocate says (a thing to ask about, so the demo goes on);
2. `generate` the forms from the allocation list (Word, one in twelve Excel), recorded in the register;
3. play the auditors: every form filled in with invented answers (every grade; some incomplete; one saved
   by LibreOffice where it is installed; one sent back as a PDF by mistake); `parse --returns` lists what
   goes back to them;
4. `consolidate`: the returns into the register, the tracker written from it;
5. play the team managers and the QA officer in the tracker (sent back on, oversight recorded, the first
   meeting of some Inadequate audits, actions done), and one amended form comes back;
6. moderation: `moderation select`, `moderation forms`, the moderators fill in their copies, which come
   back with the month's other returns and are read by the same `consolidate` (their grade after
   moderation becomes the audit's final grade); `moderation agreement`;
7. `report` for the month (Word, dashboard, PDF where LibreOffice is installed);
8. learning from audits: the thematic audit's summary report (`report --activity`, with the key messages the
   group typed in the tracker), an action of the learning log (`learning log add`), the pack of the weekly
   session (`learning pack --session`), the improvement plan and the staff bulletin;
9. `status`: where the month stands.

Each step calls the use case its command calls (`allocate.run.allocate_month`, `generate.run.make_forms`,
`returns.run.check_returns`, `consolidate.run.consolidate_returns`, `report.run.make_report`,
`status.run.month_status`), in the demo's workspace and on the demo's own calendar (the `today` and `now` a
command takes from the clock), so that the month reads the same whenever the demo is run. The demo reads the
register itself (through the workspace) only to play people: the team managers who look at the tracker, and
the moderators, who see the auditors' answers on their copies. Moderation goes through `moderation.run`.
"""
from __future__ import annotations

import copy
import datetime as dt
import io
import random
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path

from . import builtin
from .domain import cycle
from .domain import model as m
from .domain.dates import add_working_days, parse_date
from .errors import UserError
from .files import write_atomic
from .forms.docx.fill import fill_docx
from .forms.docx.package import saved_on
from .forms.safezip import skipped_silently
from .register import register_files
from .workspace import SETTINGS_FILE, Workspace, find_workspace, init_workspace

SAMPLES = builtin("samples")
LISTS = ("cases_2026-11.xlsx", "auditors.xlsx", "moderators.xlsx")  # what the QA officer starts from
DEMO_MARK = ".auditdocs-demo"  # a workspace the demo made, which it may start afresh
COUNCIL = "Anytown Borough Council (demo)"
EXCEL_EVERY = 12  # one audit in twelve is done in Excel
INCOMPLETE_EVERY = 8  # one audit in eight comes back with something missing (the grades go round in nine)
OVERSIGHT_EVERY = 3  # team managers have recorded their oversight of two audits in three
DONE_EVERY = 3  # one action in three is done

# The demo's calendar.
MONTH = dt.date(2026, 11, 1)
ALLOCATED_ON = dt.date(2026, 10, 30)
MADE_AT = dt.datetime(2026, 11, 2, 9, 0)
RETURNS_ON = dt.date(2026, 12, 1)  # the returns are read, listed and sent back; the first consolidate
SELECTED_ON = dt.date(2026, 12, 2)  # the moderation sample is chosen and the copies made
TYPED_BY = dt.date(2026, 12, 4)  # managers and the QA officer have filled in their tracker columns
MODERATED_ON = dt.date(2026, 12, 4)
REPORT_ON = dt.date(2026, 12, 7)  # the second consolidate, the report, the status

EVIDENCE = {
    "yes": [
        "Seen alone on three visits; the record says what they told the worker.",
        "Clearly evidenced in the assessment and the last two case notes.\nThe child's words are quoted.",
        "Yes: the plan and the review minutes show it, and the family agreed.",
    ],
    "partially": [
        "Some evidence in the case notes, but not since the August review.",
        "Recorded for the older sibling only; the younger child's views are missing.",
    ],
    "no": [
        "No record of this in the last six months. Discussed with the team manager, who agreed an action.",
        "Not evidenced: the chronology stops in June.",
    ],
    "na": ["Not applicable: no court proceedings."],
}
COMMENTS = [
    "Relationships with the family are strong and the worker knows the child well.",
    "Practice is improving, but the plan needs sharper timescales.",
    "The child's lived experience comes through clearly in the recording.",
    "Drift since the summer; the management oversight has not picked it up.",
]
ACTIONS = [
    ("Update the chronology to include the events since June", "Social worker"),
    ("Hold a family network meeting to review the safety plan", "Social worker"),
    ("Record reflective supervision on the child's file", "Team manager"),
    ("Refer to the advocacy service and record the child's views", "Social worker"),
    ("Make the plan's outcomes SMART with clear timescales", "Team manager"),
]
MODERATOR_COMMENT = "Discussed with the auditor: the grade after moderation reflects the evidence on file."
MODERATOR_MOVES = (0, -1, 0, 1)  # the moderators' grades against the auditors', in turn: same, better, same, worse


@dataclass
class Step:
    """One step of the demo month: what it is, what a QA officer types for it, what it did."""

    title: str
    commands: list[str] = dc_field(default_factory=list)
    lines: list[str] = dc_field(default_factory=list)
    attention: list[str] = dc_field(default_factory=list)  # what needs a person (the demo goes on)


@dataclass
class DemoMonth:
    """The demo month's workspace, its steps, and what a later step needs of an earlier one."""

    workspace: Workspace
    steps: list[Step] = dc_field(default_factory=list)
    allocation_list: Path | None = None  # what allocate wrote, for generate
    amended: str = ""  # the incomplete form that comes back amended (its path in the returned folder)
    amendment: tuple | None = None  # its answers and tables, all given
    programme: Step | None = None  # the programme's month made ready: shown with the allocation
    activities: set[str] = dc_field(default_factory=set)  # the audits of the programme's activities (not the control
    # sample): they come back complete, after the control sample's, so that the control sample's month is as before

    @property
    def folder(self) -> Path:
        return self.workspace.folder

    @property
    def month_forms(self) -> Path:
        return self.workspace.forms / f"{MONTH:%Y-%m}"

    @property
    def moderation_copies(self) -> Path:
        return self.folder / "moderation" / f"{MONTH:%Y-%m}"

    @property
    def moderated_forms(self) -> Path:
        return self.workspace.returned / f"Moderation {MONTH:%Y-%m}"

    @property
    def reports(self) -> Path:
        return self.folder / "reports"

    def shown(self, path: Path) -> str:
        """A path as the QA officer in the demo folder would type it."""
        return str(Path(path).relative_to(self.folder))


def demo_workspace(folder: Path) -> Workspace:
    """The demo's workspace in `folder`: made (`auditdocs init`) the first time, started afresh after."""
    folder = Path(folder)
    if (folder / SETTINGS_FILE).exists() and not (folder / DEMO_MARK).exists():
        raise UserError(f"{folder} is a workspace of your own, not the demo's: give the demo another folder.")
    if not (folder / SETTINGS_FILE).exists():
        init_workspace(folder, council=COUNCIL)
        write_atomic(folder / DEMO_MARK, "Made by auditdocs demo: running the demo again starts it afresh.\n")
    workspace = find_workspace(folder)
    backups = workspace.tracker.parent / f"{workspace.tracker.stem} backups"
    for path in (workspace.forms, workspace.returned, backups, folder / "moderation", folder / "reports"):
        if path.exists():
            shutil.rmtree(path)
    made = [workspace.tracker, *register_files(workspace.register), folder / f"allocations-{MONTH:%Y-%m}.xlsx",
            folder / "returns.txt", folder / "answers.json"]
    for path in made:
        path.unlink(missing_ok=True)
    for name in LISTS:
        shutil.copy(SAMPLES / name, folder / name)
    return workspace


def run_demo(folder: Path, library) -> DemoMonth:
    """The demo month in `folder` (see the module docstring); each step in `.steps`."""
    missing = [name for name in LISTS if not (SAMPLES / name).exists()]
    if missing:
        raise UserError(f"the sample lists {', '.join(missing)} are missing from {SAMPLES}. Reinstall auditdocs "
                        "(see README).")
    demo = DemoMonth(demo_workspace(folder).with_files(specs=library.folder))
    demo.programme = programme_step(demo, library)
    library = demo.workspace.library()
    for step in (allocate_step, generate_step, auditors_step, consolidate_step, people_step, moderation_step,
                 report_step, learning_step, status_step):
        demo.steps.append(step(demo, library))
    return demo


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour))


# ---- 0. the programme: a dip sample and a thematic audit whose form is written in a spreadsheet ---------------

THEMATIC_FORM = "thematic_sw_changes"
THEMATIC_WORKBOOK = "thematic form.xlsx"
PARTNER = "Morag Quillfeather (health, critical friend)"
#: November's activities besides the control sample (the QA officer marked the control sample's rows).
ACTIVITIES = [
    ["2026-11", "Children who go missing", "dip sample", "The impact of interventions for children who go missing",
     "Missing episodes in the last 6 months at least 1", 5, "", "QA team + service", "csc_case_file_audit", "No"],
    ["2026-11", "Multiple changes of social worker", "thematic audit", "The impact of multiple changes of social "
     "worker", "Social workers in the last 12 months at least 5", 4, "", f"Auditor group\n{PARTNER}", THEMATIC_FORM,
     "Yes"],
]
THEMATIC_SETTINGS = [
    ("Form ID", THEMATIC_FORM), ("Title", "Thematic audit — Multiple changes of social worker"), ("Subject", "Child"),
    ("Evidence required on every question when the answer is", "No, Partially"),
    ("Add an overall grade", "overall_grade"), ("Add an action table", "Yes"),
]
THEMATIC_QUESTIONS = [
    ("section", "1", "", "Relationships with the child"),
    ("question", "1.1", "", "Has the child been told why their social worker changed, in a way they understand?"),
    ("question", "1.2", "", "Did the outgoing worker introduce the new worker to the child?"),
    ("section", "2", "", "Planning and drift"),
    ("question", "2.1", "", "Was the plan reviewed within 4 weeks of each change?"),
    ("question", "2.2", "", "Is the plan free of drift or delay caused by the changes?"),
]


def thematic_workbook(path: Path) -> Path:
    """The workbook the QA officer writes for the thematic audit, as `specs to-xlsx` lays one out (its Settings
    and Sections and questions sheets; the overall grade and the action table added by the settings)."""
    from .specs import workbook as wb
    from .specs.xlsxbook import workbook_bytes

    details = [[id_, label, kind, "", "Yes" if required else "No", "Yes" if kept else "No"]
               for id_, label, kind, required, kept in wb.DEFAULT_DETAILS]
    details.insert(-2, ["group", "Audited with (the group)", "text", "", "No", "No"])  # a place for the group
    sheets = {wb.SETTINGS: [["Setting", "Value"], *map(list, THEMATIC_SETTINGS)],
              wb.QUESTIONS: [["Type", "Reference", "ID", "Text"], *map(list, THEMATIC_QUESTIONS)],
              wb.DETAILS: [list(wb.DETAIL_COLUMNS), *details]}
    from types import SimpleNamespace

    form = SimpleNamespace(title=dict(THEMATIC_SETTINGS)["Title"], scales={})  # what the workbook's layout needs
    return write_atomic(path, workbook_bytes(sheets, form))


def programme_step(demo: DemoMonth, library) -> Step:
    """The thematic audit's form made from its workbook (`specs from-xlsx`), into the demo's own copy of the
    forms, and November's dip sample and thematic audit added to the programme."""
    import openpyxl

    from .programme.workbook import write_programme
    from .specs.run import form_from_xlsx
    from .workspace import PROGRAMME_FILE

    specs = demo.folder / "form_specs"
    shutil.copytree(library.folder, specs, dirs_exist_ok=True)
    demo.workspace = demo.workspace.with_files(specs=specs)
    book = thematic_workbook(demo.folder / THEMATIC_WORKBOOK)
    made = form_from_xlsx(demo.workspace, book, replace=True)
    demo.workspace = demo.workspace.with_files(specs=specs)  # read the forms again, the thematic one with them
    programme = write_programme(demo.folder / PROGRAMME_FILE, demo.workspace.library().ids())
    sheet_book = openpyxl.load_workbook(programme)
    for row in ACTIVITIES:
        sheet_book["Programme"].append(row)
    data = io.BytesIO()
    sheet_book.save(data)
    write_atomic(programme, data.getvalue())
    return Step(f"The programme for {MONTH:%B %Y}: a dip sample and a thematic audit",
                [f"auditdocs specs from-xlsx \"{THEMATIC_WORKBOOK}\"", f"auditdocs programme show --month {MONTH:%Y-%m}"],
                [f"The thematic audit's form, written in a spreadsheet ({THEMATIC_WORKBOOK}), made into "
                 f"{demo.shown(made.path)} ({made.spec.title}).",
                 *(f"Added to {PROGRAMME_FILE}: {row[1]} ({row[2]}, {row[5]} cases; {row[7].splitlines()[0]})"
                   for row in ACTIVITIES)])


# ---- 1. allocate ---------------------------------------------------------------------------------


def allocate_step(demo: DemoMonth, library) -> Step:
    from .allocate.run import allocate_month

    out = demo.folder / f"allocations-{MONTH:%Y-%m}.xlsx"
    result = allocate_month(demo.workspace.with_files(specs=library.folder), month=MONTH, cases=demo.folder / LISTS[0],
                            auditors=demo.folder / LISTS[1], out=out, today=ALLOCATED_ON)
    if result.out is None:
        raise UserError("the sample month could not be allocated: " + " ".join(result.plan.impossible))
    demo.allocation_list = result.out
    plan = result.plan
    demo.activities = {a.audit_id for a in _allocations(demo, library).values() if a.activity}
    before = demo.programme or Step("")
    return Step(f"Allocate {MONTH:%B %Y}'s audits ({ALLOCATED_ON:%d/%m/%Y})",
                [*before.commands,
                 f"auditdocs allocate --month {MONTH:%Y-%m} --cases {LISTS[0]} --auditors {LISTS[1]}"],
                [*before.lines,
                 f"{len(plan.rows)} audits allocated to {len({row.auditor.name for row in plan.rows})} auditors under "
                 f"the framework's rules: {demo.shown(out)} (its Why sheet says why each auditor).",
                 *(f"  {outcome.line()}" for outcome in result.activities)],
                [*plan.attention, *result.problems])


# ---- 2. generate ----------------------------------------------------------------------------------


def generate_step(demo: DemoMonth, library) -> Step:
    from .generate.run import make_forms

    ids = list(_allocations(demo, library))
    control = [aid for aid in ids if aid not in demo.activities]
    excel = {aid for i, aid in enumerate(control) if i % EXCEL_EVERY == 5}
    made = {}
    for chosen, fmt in (([aid for aid in ids if aid not in excel], "docx"), (excel, "xlsx")):
        result = make_forms(demo.workspace, data=demo.allocation_list, month=MONTH, fmt=fmt, audits=set(chosen),
                            now=MADE_AT)
        made[fmt] = result.made.count("generated")
    return Step("Make the forms",
                [f"auditdocs generate --data {demo.shown(demo.allocation_list)} --month {MONTH:%Y-%m}"],
                [f"{sum(made.values())} forms made in {demo.shown(demo.month_forms)}, a folder per auditor "
                 f"({made['xlsx']} of them Excel forms, as --format xlsx makes), each recorded in the register."])


# ---- 3. the auditors ---------------------------------------------------------------------------------


def auditors_step(demo: DemoMonth, library) -> Step:
    from .returns.run import check_returns

    allocations = _allocations(demo, library)
    returned = demo.workspace.returned
    rng = random.Random(2026)
    grades = _grade_cycle(library)
    full: dict[Path, tuple[dict, dict]] = {}
    forms = sorted(p for p in demo.month_forms.rglob("*") if p.suffix in (".docx", ".xlsx"))
    other = [p for p in forms if _audit_of(p, demo.activities)]  # the programme's activities: after, all complete
    for n, path in enumerate([p for p in forms if p not in other] + other):
        allocation = next(a for aid, a in allocations.items() if aid in path.name)
        spec = library.get(allocation.form_id)
        answers, tables = invent_answers(spec, allocation, rng, next(grades), incomplete=False)
        saved = _audit_date(spec, answers)
        target = returned / path.relative_to(demo.month_forms)
        if n % INCOMPLETE_EVERY == 4 and path not in other:
            full[target] = (answers, tables)
            answers, tables = copy.deepcopy(answers), copy.deepcopy(tables)
            _leave_something_out(spec, answers, tables, rng)
        write_atomic(target, saved_on(_fill(path, answers, tables), _at(saved, 16)), private=True)
    libreoffice = _through_libreoffice(returned, demo.activities)
    unreadable = _one_unreadable(returned, demo.activities)
    demo.amended = next((str(p.relative_to(returned)) for p in full if p.exists()
                         and str(p.relative_to(returned)) != libreoffice), "")
    demo.amendment = full[returned / demo.amended] if demo.amended else None
    checked = check_returns(demo.workspace, json_file=demo.folder / "answers.json")
    write_atomic(demo.folder / "returns.txt", checked.returns_text(library, RETURNS_ON) + "\n", private=True)
    records, counts = checked.records, checked.counts
    lines = [f"The auditors filled in their forms (invented answers) and sent them back into "
             f"{demo.shown(returned)}: {len(records)} files, {counts['complete']} complete, "
             f"{counts['incomplete']} incomplete, {counts['unreadable']} unreadable.",
             f"  saved through LibreOffice: {libreoffice}" if libreoffice
             else "  (LibreOffice is not installed, so no form was saved through it)",
             f"  sent back as a PDF by mistake: {unreadable}",
             "What goes back to the auditors, ready to e-mail: returns.txt; every answer: answers.json."]
    return Step("The auditors send their forms back",
                [f"auditdocs parse --returns --sent-on {RETURNS_ON:%d/%m/%Y} --json answers.json"], lines,
                [f"{counts['incomplete']} incomplete forms to send back to their auditors (returns.txt).",
                 f"1 file could not be read: {unreadable} (a PDF, not the form)."])


def _allocations(demo: DemoMonth, library) -> dict[str, m.Allocation]:
    from .allocate.allocation_list import read_allocations

    return {a.audit_id: a for a in read_allocations(demo.allocation_list, library, month=MONTH).allocations}


def _audit_date(spec: m.FormSpec, answers: dict) -> dt.date:
    f = spec.field_with_role("audit_date")
    return (parse_date(answers.get(f.id)) if f else None) or MONTH.replace(day=20)


def _fill(path: Path, answers, tables=None) -> bytes:
    if path.suffix == ".xlsx":
        from .forms.xlsx.fill import fill_xlsx

        return fill_xlsx(path.read_bytes(), answers, tables)
    return fill_docx(path.read_bytes(), answers, tables)


def _grade_cycle(library):
    """Overall grades to give, in turn: every grade of the shared scale, the common ones more often."""
    scale = next((s.scales["overall_grade"] for s in library.current() if "overall_grade" in s.scales), None)
    order = [o.value for o in scale.options] if scale else []
    order += ["good", "requires_improvement", "good", "ri_good_practice"]
    while True:
        yield from order


def invent_answers(spec: m.FormSpec, allocation: m.Allocation, rng: random.Random, grade: str,
                   incomplete: bool) -> tuple[dict, dict]:
    """Answers an auditor might give; `grade` is the overall grade's value where the scale has it. The
    moderation part (the grade after moderation, the moderator's voice) is left for the moderator."""
    from .moderation.forms import moderation_parts

    parts = moderation_parts(spec)
    moderators = parts.fields if parts else frozenset()
    due = parse_date(allocation.values.get("due_date")) or parse_date("2026-11-30")
    answers: dict[str, object] = {}
    for f in spec.fields:
        if f.id in moderators:
            continue
        if f.scale is not None:
            option = f.scale.option(grade) if f.id == spec.roles.get("overall_grade") else None
            option = option or rng.choices(f.scale.options, weights=_weights(f.scale))[0]
            answers[f.id] = option.label
        elif f.type == "date":
            answers[f.id] = add_working_days(due.replace(day=1), rng.randint(5, 18)).isoformat()
        elif f.type == "checkbox":
            answers[f.id] = rng.random() < 0.7
        elif f.part == "evidence":
            answer = answers.get(f.item, "Yes")
            option = spec.field(f.item).scale.by_label(answer) if spec.field(f.item).scale else None
            answers[f.id] = rng.choice(EVIDENCE.get(option.value if option else "yes", EVIDENCE["yes"]))
        elif f.type in ("line", "role", "person"):
            answers[f.id] = allocation.values.get("team_manager") or "Team manager"
        else:
            answers[f.id] = rng.choice(COMMENTS)
    tables: dict[str, list[dict]] = {}
    for t in spec.tables:
        if t.source != "audit":
            continue
        count = 2 + (grade == "inadequate") if grade != "outstanding" else 1
        rows = []
        for action, role in rng.sample(ACTIONS, count):
            row = {}
            for c in t.columns:
                if c.type == "date":
                    row[c.id] = add_working_days(due, rng.randint(10, 40)).isoformat()
                elif c.type == "person":
                    row[c.id] = allocation.values.get("social_worker") or allocation.values.get("auditor", "")
                elif c.type == "role":
                    row[c.id] = role
                elif c.scale is not None:
                    row[c.id] = c.scale.options[0].label
                elif c.id == "next_steps":
                    row[c.id] = "Discuss the audit in the next supervision"
                else:
                    row[c.id] = action
            rows.append(row)
        tables[t.id] = rows
    if incomplete:
        _leave_something_out(spec, answers, tables, rng)
    return answers, tables


def _weights(scale: m.Scale) -> list[float]:
    """Most answers are good ones; N/A is rare."""
    return [0.5 if o.value == "na" else max(1.0, 6.0 - 2 * i) for i, o in enumerate(scale.options)]


def _leave_something_out(spec, answers, tables, rng) -> None:
    required = [f for f in spec.fields if f.required and f.id in answers]
    for f in rng.sample(required, min(2, len(required))):
        del answers[f.id]
    for rows in tables.values():
        if rows:
            rows[-1].pop("responsible_person", None)
            break


def _audit_of(path: Path, audits: set[str]) -> bool:
    """Whether the file is a form of one of `audits` (by the id in its name)."""
    return any(aid in path.name for aid in audits)


def _through_libreoffice(returned: Path, leave: set[str] = frozenset()) -> str:
    """Save one returned Word form (not of the audits `leave`) through LibreOffice, as an auditor using it would."""
    soffice = shutil.which("soffice")
    first = next((p for p in sorted(returned.rglob("*.docx")) if not skipped_silently(p)
                  and not _audit_of(p, leave)), None)
    if soffice is None or first is None:
        return ""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            subprocess.run([soffice, f"-env:UserInstallation={Path(tmp, 'profile').as_uri()}", "--headless",
                            "--convert-to", "docx:MS Word 2007 XML", "--outdir", tmp, str(first)],
                           check=True, capture_output=True, timeout=180)
            converted = Path(tmp, first.name).read_bytes()
        except (subprocess.SubprocessError, OSError):
            return ""
    write_atomic(first, saved_on(converted, _at(RETURNS_ON - dt.timedelta(days=3), 16)), private=True)
    return str(first.relative_to(returned))


def _one_unreadable(returned: Path, leave: set[str] = frozenset()) -> str:
    """An auditor saves one form (not of the audits `leave`) as a PDF by mistake and sends that back instead."""
    last = sorted(p for p in returned.rglob("*.docx") if not _audit_of(p, leave))[-1]
    wrong = last.with_suffix(".pdf")
    from pypdf import PdfWriter

    pdf = PdfWriter()
    pdf.add_blank_page(595, 842)
    out = io.BytesIO()
    pdf.write(out)
    write_atomic(wrong, out.getvalue(), private=True)
    last.unlink()
    return str(wrong.relative_to(returned))


# ---- 4. consolidate -------------------------------------------------------------------------------


def _consolidate(demo: DemoMonth, now: dt.datetime):
    from .consolidate.run import consolidate_returns

    return consolidate_returns(demo.workspace, now=now)


def consolidate_step(demo: DemoMonth, library) -> Step:
    summary = _consolidate(demo, _at(RETURNS_ON))
    lines, attention = _said(summary)
    return Step("The register and the tracker", ["auditdocs consolidate"],
                [*lines, f"Register: {demo.shown(demo.workspace.register)}; "
                         f"tracker: {demo.shown(demo.workspace.tracker)}"], attention)


def _said(summary) -> tuple[list[str], list[str]]:
    """What a consolidate says, as (what it did, what needs attention), without the files it wrote."""
    lines = [line for line in summary.lines() if not line.startswith(("Created ", "Updated ", "The previous "))]
    attention = [line for line in lines if "attention" in line or "came in twice" in line]
    return [line for line in lines if line not in attention], attention


# ---- 5. the people of the tracker -----------------------------------------------------------------


def people_step(demo: DemoMonth, library) -> Step:
    """Team managers and the QA officer fill in their columns of the tracker (read back at the next
    consolidate), and one auditor sends back their amended form."""
    import openpyxl

    from .tracker import rows as r

    with demo.workspace.open_register() as reg:  # what the people see in the tracker
        audits = reg.audits(month=MONTH)
    typed: dict[str, dict[str, dt.date]] = {}
    inadequate = 0
    for n, audit in enumerate(a for a in audits if a.current is not None):
        spec = library.get(audit.form_id, audit.form_version)
        if audit.current.status == "incomplete":
            typed[audit.audit_id] = {"Sent back on": RETURNS_ON}
            continue
        finalised = cycle.finalised_on(spec, audit.current)
        cells = {}
        if n % OVERSIGHT_EVERY:
            cells["Oversight recorded on"] = min(add_working_days(finalised, 4), TYPED_BY)
        if cycle.is_inadequate(spec, audit.current.record):
            inadequate += 1
            if inadequate % 2:
                cells["Meeting held on"] = min(add_working_days(finalised, 2), TYPED_BY)
        if cells:
            typed[audit.audit_id] = cells
    book = openpyxl.load_workbook(demo.workspace.tracker)
    _type_in(book[r.AUDITS.name], typed)
    actions = book[r.ACTIONS.name]
    ids = [actions.cell(row, 1).value for row in range(2, actions.max_row + 1)]
    finished = {aid: {"Status": "Done", "Completed on": TYPED_BY} for n, aid in enumerate(ids, start=1)
                if aid and n % DONE_EVERY == 0}
    _type_in(actions, finished)
    messages = _type_key_messages(book)
    out = io.BytesIO()
    book.save(out)
    write_atomic(demo.workspace.tracker, out.getvalue(), private=True)
    if demo.amended:  # every answer this time
        answers, tables = demo.amendment
        path = demo.workspace.returned / demo.amended
        blank = demo.month_forms / demo.amended
        write_atomic(path, saved_on(_fill(blank, answers, tables), _at(TYPED_BY, 11)), private=True)
    count = {h: sum(h in cells for cells in typed.values()) for h in ("Sent back on", "Oversight recorded on",
                                                                          "Meeting held on")}
    return Step("Team managers and the QA officer fill in their columns of the tracker",
                ["(in Excel: the Audits sheet's 'Sent back on', 'Oversight recorded on' and 'Meeting held on', the "
                 "Actions sheet's 'Status' and 'Completed on'; consolidate reads them back)"],
                [f"Sent back on {RETURNS_ON:%d/%m/%Y}: {count['Sent back on']} incomplete audits (the returns list "
                 f"went out); oversight recorded: {count['Oversight recorded on']} audits; the first meeting held: "
                 f"{count['Meeting held on']} of the {inadequate} Inadequate audits; {len(finished)} of "
                 f"{len([i for i in ids if i])} actions done.",
                 *([f"The group typed its key messages for '{THEMATIC}' in the Key messages sheet."] if messages else []),
                 *([f"One amended form came back: {demo.amended}"] if demo.amended else [])])


THEMATIC = ACTIVITIES[1][1]
KEY_MESSAGES = {
    "Key messages": "Children who have had many social workers could rarely say why their worker changed.\n"
                    "Plans were reviewed after most changes, but introductions to the new worker were missed.",
    "Recommendations": "Every change of worker is explained to the child and recorded in their words.\n"
                       "The outgoing worker introduces the new one on a joint visit.",
    "Agreed by": "Thematic audit group", "Agreed on": TYPED_BY,
}


def _type_key_messages(book) -> bool:
    """The thematic audit's group types its key messages and recommendations in the Key messages sheet (a row per
    activity, found by its name); False when the sheet has no row for it."""
    from .tracker import rows as r

    if r.KEY_MESSAGES.name not in book.sheetnames:
        return False
    sheet = book[r.KEY_MESSAGES.name]
    columns = {c.value: c.column for c in sheet[1] if c.value}
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, columns["Activity"]).value == THEMATIC:
            for heading, value in KEY_MESSAGES.items():
                sheet.cell(row, columns[heading]).value = value
            return True
    return False


def _type_in(sheet, typed: dict[str, dict]) -> None:
    """Type values into a tracker sheet's rows (by their key in the first column) and columns (by heading)."""
    columns = {c.value: c.column for c in sheet[1] if c.value}
    for row in range(2, sheet.max_row + 1):
        for heading, value in typed.get(sheet.cell(row, 1).value, {}).items():
            sheet.cell(row, columns[heading]).value = value


# ---- 6. moderation ----------------------------------------------------------------------------------


def moderation_step(demo: DemoMonth, library) -> Step:
    from .moderation.agreement import grade_lines
    from .moderation.moderators import read_moderators
    from .moderation.run import agreement as month_agreement
    from .moderation.run import make_moderator_copies, select_sample

    people = read_moderators(demo.folder / LISTS[2])
    sample = select_sample(demo.workspace, month=MONTH, people=people, today=SELECTED_ON,
                           now=_at(SELECTED_ON)).sample
    copies = make_moderator_copies(demo.workspace, month=MONTH, out=demo.moderation_copies,
                                   now=_at(SELECTED_ON, 10)).results
    made = [c for c in copies if c.status == "made"]
    with demo.workspace.open_register() as reg:  # the auditors' answers, which the moderators see on their copies
        audits = {a.audit_id: a for a in reg.audits(ids=[c.plan.audit_id for c in made])}
    rng = random.Random(MONTH.year * 100 + MONTH.month)
    for n, result in enumerate(made):
        audit = audits[result.plan.audit_id]
        answers = moderator_answers(library.get(audit.form_id, audit.form_version), audit.current.record,
                                    MODERATOR_MOVES[n % len(MODERATOR_MOVES)], rng)
        source = demo.moderation_copies / result.plan.target
        write_atomic(demo.moderated_forms / result.plan.target,
                     saved_on(_fill(source, answers), _at(MODERATED_ON, 15)), private=True)
    summary = _consolidate(demo, _at(REPORT_ON))
    said, still = _said(summary)
    agreement = month_agreement(demo.workspace, month=MONTH)
    moderators = len({c.moderator.name for c in sample.new})
    lines = [f"{len(sample.chosen)} of the {sample.complete} complete audits chosen (at least {sample.least}; every "
             f"Inadequate one; a case for each Head of Service), for {moderators} moderators.",
             f"Their copies, a folder per moderator: {demo.shown(demo.moderation_copies)}. "
             f"{len(made)} came back moderated into {demo.shown(demo.moderated_forms)}.",
             *said[:2],
             *(line.strip() for g in agreement.overall[:1] for line in grade_lines(g)[:2])]
    attention = [*sample.notes, *(f"{c.plan.audit_id}: {note}" for c in copies for note in c.notes), *still]
    return Step("Moderation",
                [f"auditdocs moderation select --month {MONTH:%Y-%m} --moderators {LISTS[2]}",
                 f'auditdocs moderation forms --month {MONTH:%Y-%m} --out "{demo.shown(demo.moderation_copies)}"',
                 f"(the moderators' forms come back into {demo.shown(demo.moderated_forms)})",
                 "auditdocs consolidate",
                 f"auditdocs moderation agreement --month {MONTH:%Y-%m}"], lines, attention)


def moderator_answers(spec: m.FormSpec, record: m.AuditRecord, move: int, rng: random.Random) -> dict[str, object]:
    """What a moderator fills in: the auditor's overall grade moved by `move` places on the scale (-1 one grade
    better, 1 one worse, 0 agreed); on a form with voices, each question's grade mostly as the auditor gave it."""
    from .moderation.forms import moderation_parts

    parts = moderation_parts(spec)
    grade_field = spec.field_with_role("grade_after_moderation")
    answers: dict[str, object] = {}
    for f in spec.fields:
        if f.id not in parts.fields or f.id == parts.moderator_field:
            continue
        if f.id == grade_field.id:
            answers[f.id] = _moved(f.scale, _auditor_value(spec, f, record), move).label
        elif f.scale is not None and f.part.endswith("grade"):  # a question's grade, in the moderator's voice
            now_and_then = rng.choices([0, -1, 1], weights=[7, 1, 2])[0]
            answers[f.id] = _moved(f.scale, _auditor_value(spec, f, record), now_and_then).label
        elif f.type == "date":
            answers[f.id] = MODERATED_ON.isoformat()
        elif f.type in ("text", "line") and f.scale is None:
            answers[f.id] = MODERATOR_COMMENT
    return answers


def _auditor_value(spec: m.FormSpec, f: m.Field, record: m.AuditRecord) -> m.Option | None:
    """The auditor's grade the moderator's field answers: the auditor's voice of the same question, else the
    overall grade."""
    if "." in f.part:
        voice_field = spec.field(f.id.replace(f".{f.part.split('.')[0]}.", ".auditor."))
        value = record.answers.get(voice_field.id) if voice_field else None
        if isinstance(value, str) and voice_field.scale:
            return m.option_of(spec, record, voice_field.id)
    return cycle.overall_grade(spec, record)


def _moved(scale: m.Scale, given: m.Option | None, move: int) -> m.Option:
    """The option `move` places from `given` on the scale (listed best to worst), kept on the scale."""
    options = list(scale.options)
    at = options.index(given) if given in options else len(options) // 2
    return options[min(len(options) - 1, max(0, at + move))]


# ---- 7. the report, 8. status -----------------------------------------------------------------------


def report_step(demo: DemoMonth, library) -> Step:
    from .report.run import make_report

    pdf = shutil.which("soffice") is not None
    files = make_report(demo.workspace, month=f"{MONTH:%Y-%m}", out=demo.reports, today=REPORT_ON, pdf=pdf,
                        json_file=demo.reports / "figures.json")
    return Step("The month's report", [f"auditdocs report --month {MONTH:%Y-%m} --out reports"
                                       + (" --pdf" if pdf else "") + " --json reports/figures.json"],
                files.lines(demo.shown), [*files.warnings, *files.figures.notes])


# ---- 8. learning from audits ------------------------------------------------------------------------------

SESSION = "2026-12-08"  # the weekly session of the example schedule (themes.xlsx) that looks at November's audits
LEARNING_ACTION = dict(
    finding="Children who have had many social workers could rarely say why their worker changed.",
    action="Explain every change of worker to the child, and record it in their words; introduce the new worker on "
           "a joint visit.", owner="Dana Whitfield", due=dt.date(2027, 3, 31),
    service="Children's Social Care", themes=["The child's voice and lived experience"],
    recheck="Multiple changes of social worker 2027-01")


def learning_step(demo: DemoMonth, library) -> Step:
    from .learning.log_run import add_to_log, improvement_plan, learning_bulletin
    from .learning.run import make_pack
    from .report.summary_run import make_summary

    ws, now = demo.workspace, _at(REPORT_ON, 11)
    summary = make_summary(ws, activity=THEMATIC, month=f"{MONTH:%Y-%m}", out=demo.reports, today=REPORT_ON, now=now)
    added = add_to_log(ws, **LEARNING_ACTION, today=REPORT_ON, now=now)
    pack = make_pack(ws, session=SESSION, out=demo.reports, today=REPORT_ON, now=now)
    plan = improvement_plan(ws, out=demo.reports, today=REPORT_ON, now=now)
    bulletin = learning_bulletin(ws, first=MONTH, out=demo.reports, today=REPORT_ON, now=now)
    return Step("Learning from audits: the thematic audit's summary, the learning log, the session's pack",
                [f"auditdocs report --activity \"{THEMATIC}\" --month {MONTH:%Y-%m} --out reports",
                 f"auditdocs learning log add --finding \"...\" --owner \"...\" --due 31/03/2027 "
                 f"--recheck \"{LEARNING_ACTION['recheck']}\"",
                 f"auditdocs learning pack --session {SESSION} --out reports",
                 "auditdocs learning plan --out reports",
                 f"auditdocs learning bulletin --from {MONTH:%Y-%m} --out reports"],
                [*summary.lines(demo.shown), *added.lines()[:1], *pack.lines()[:1],
                 f"  Word: {demo.shown(pack.path)}", *plan.lines(demo.shown), *bulletin.lines(demo.shown)],
                [*summary.warnings, *pack.warnings])


def status_step(demo: DemoMonth, library) -> Step:
    from .status.run import month_status

    status = month_status(demo.workspace, month=MONTH, today=REPORT_ON)
    return Step("Where the month stands", [f"auditdocs status --on {REPORT_ON:%d/%m/%Y}"],
                status.glance.text(limit=3, groups=False).splitlines())
