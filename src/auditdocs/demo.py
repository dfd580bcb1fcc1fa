"""The demo month: the whole cycle on invented people, in one command.

1. make the month's forms from the sample allocation list (Word, a few in Excel);
2. play the auditors: fill every form with invented but realistic answers; every
   grade appears, some audits are left incomplete, one form goes through
   LibreOffice (when it is installed) and one comes back unreadable;
3. read the returned forms, list what goes back to auditors, and build the tracker;
4. say where the month stands (`auditdocs status`).

The demo folder is a workspace (`auditdocs init`): its register, forms, returned forms and tracker
are where a council's would be.
"""
from __future__ import annotations

import dataclasses
import random
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path

from . import builtin
from . import model as m
from .allocation import read_allocations
from .dates import add_working_days, parse_date
from .errors import UserError
from .files import write_atomic
from .forms.docx.fill import fill_docx
from .generate import generate, record_made
from .returns import read_returns, returns_by_auditor, write_json
from .safezip import skipped_silently
from .workspace import SETTINGS_FILE, find_workspace, init_workspace

SAMPLE = builtin("samples") / "allocations_2026-11.xlsx"
DEMO_MARK = ".auditdocs-demo"  # a workspace the demo made, which it may start afresh
EXCEL_EVERY = 12  # one audit in twelve is done in Excel
INCOMPLETE_EVERY = 9  # one audit in nine comes back with something missing

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


@dataclass
class DemoMonth:
    folder: Path
    forms: Path
    returned: Path
    tracker: Path
    register: Path
    made: int = 0
    filled: int = 0
    libreoffice: str = ""
    unreadable: str = ""
    records: list[m.AuditRecord] = dc_field(default_factory=list)
    summary_lines: list[str] = dc_field(default_factory=list)
    status_lines: list[str] = dc_field(default_factory=list)


def demo_workspace(folder: Path):
    """The demo's workspace in `folder`: made (`auditdocs init`) the first time, started afresh after."""
    folder = Path(folder)
    if (folder / SETTINGS_FILE).exists() and not (folder / DEMO_MARK).exists():
        raise UserError(f"{folder} is a workspace of your own, not the demo's: give the demo another folder.")
    if not (folder / SETTINGS_FILE).exists():
        init_workspace(folder, council="Anytown Borough Council (demo)")
        write_atomic(folder / DEMO_MARK, "Made by auditdocs demo: running the demo again starts it afresh.\n")
    workspace = find_workspace(folder)
    for path in (workspace.forms, workspace.returned):
        if path.exists():
            shutil.rmtree(path)
    gone = [workspace.tracker, workspace.register, *(workspace.register.with_name(workspace.register.name + end)
                                                     for end in ("-journal", ".lock"))]
    for path in gone:
        path.unlink(missing_ok=True)
    backups = workspace.tracker.parent / f"{workspace.tracker.stem} backups"
    if backups.exists():
        shutil.rmtree(backups)
    return workspace


def run_demo(folder: Path, library, sample: Path = SAMPLE) -> DemoMonth:
    import datetime as dt

    from . import cycle
    from .consolidation import consolidate_folders
    from .register import open_register
    from .status import default_month, month_at_a_glance

    folder = Path(folder)
    if not Path(sample).exists():
        raise UserError(f"the sample allocation list {sample} is missing. Reinstall auditdocs (see README).")
    workspace = demo_workspace(folder)
    demo = DemoMonth(folder, workspace.forms / "2026-11", workspace.returned, workspace.tracker, workspace.register)
    allocations = read_allocations(sample, library)
    rows = allocations.allocations
    word_rows = [a for i, a in enumerate(rows) if i % EXCEL_EVERY != 5]
    made = generate(_only(allocations, word_rows), library, demo.forms, fmt="docx")
    excel = generate(_only(allocations, [a for a in rows if a not in word_rows]), library, demo.forms, fmt="xlsx")
    for result in (made, excel):
        record_made(result, allocations, library, demo.register)
    demo.made = made.count("generated") + excel.count("generated")
    rng = random.Random(2026)
    grades = _grade_cycle(library)
    for n, path in enumerate(sorted(p for p in demo.forms.rglob("*") if p.suffix in (".docx", ".xlsx"))):
        allocation = next(a for a in allocations.allocations if a.audit_id in path.name)
        spec = library.get(allocation.form_id)
        answers, tables = invent_answers(spec, allocation, rng, next(grades), incomplete=n % INCOMPLETE_EVERY == 4)
        target = demo.returned / path.relative_to(demo.forms)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_fill(path, answers, tables))
        demo.filled += 1
    demo.libreoffice = _through_libreoffice(demo.returned)
    demo.unreadable = _one_unreadable(demo.returned)
    demo.records = list(read_returns([demo.returned], library))
    write_json(demo.records, folder / "answers.json")
    write_atomic(folder / "returns.txt", returns_by_auditor(demo.records, library) + "\n")
    summary = consolidate_folders([demo.returned], library, demo.tracker, register=demo.register)
    demo.summary_lines = summary.lines()
    today = dt.date.today()
    with open_register(demo.register) as reg:
        audits = reg.audits()
        month = default_month(reg.months(), today)
    glance = month_at_a_glance(audits, cycle.standings(audits, library, today), library, month, today)
    demo.status_lines = glance.text(limit=5).splitlines()
    return demo


def _only(allocations, rows):
    """The same list, with only these rows."""
    return dataclasses.replace(allocations, allocations=rows, problems=[])


def _fill(path: Path, answers, tables) -> bytes:
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
    """Answers an auditor might give; `grade` is the overall grade's value where the scale has it."""
    due = parse_date(allocation.values.get("due_date")) or parse_date("2026-11-30")
    answers: dict[str, object] = {}
    for f in spec.fields:
        if f.scale is not None:
            option = f.scale.option(grade) if f.id == spec.roles.get("overall_grade") else None
            if option is None and f.id == spec.roles.get("grade_after_moderation"):
                if rng.random() > 0.15:
                    continue  # most audits are not moderated
                option = f.scale.option(grade)
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


def _through_libreoffice(returned: Path) -> str:
    """Save one returned Word form through LibreOffice, as an auditor using it would."""
    soffice = shutil.which("soffice")
    first = next((p for p in sorted(returned.rglob("*.docx")) if not skipped_silently(p)), None)
    if soffice is None or first is None:
        return ""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            subprocess.run([soffice, f"-env:UserInstallation={Path(tmp, 'profile').as_uri()}", "--headless",
                            "--convert-to", "docx:MS Word 2007 XML", "--outdir", tmp, str(first)],
                           check=True, capture_output=True, timeout=180)
            shutil.copy(Path(tmp, first.name), first)
        except (subprocess.SubprocessError, OSError):
            return ""
    return str(first.relative_to(returned))


def _one_unreadable(returned: Path) -> str:
    """An auditor saves one form as a PDF by mistake and sends that back instead."""
    last = sorted(p for p in returned.rglob("*.docx"))[-1]
    wrong = last.with_suffix(".pdf")
    from pypdf import PdfWriter

    pdf = PdfWriter()
    pdf.add_blank_page(595, 842)
    with wrong.open("wb") as fh:
        pdf.write(fh)
    last.unlink()
    return str(wrong.relative_to(returned))
