"""A QA team's months told through real files into a real register, for the report tests.

Each audit is allocated (a Word form made by WordForm for invented people), filled as an auditor
would (fill_docx: known grades, judgements, answers and actions), saved on the day it comes back,
read back by auditdocs' own reader (returns.read_form) and recorded in a register file in
tmp_path with what happened to it (events, the team manager's action statuses), with the register's
own calls, as generate and consolidate make them. It stays so (the demo month and tests/month_register.py
go through the commands instead) because a report test needs months of history, each audit back on a
day of its own: through consolidate that is a run, and a tracker written, per audit and day.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path

from auditdocs.domain import identity
from auditdocs.domain import model as m
from auditdocs.forms.docx.fill import fill_docx
from auditdocs.forms.docx.writer import WordForm
from auditdocs.register import SeenFile, audit_from_allocation, file_hash, open_register
from auditdocs.returns.read import read_form

#: Invented people: (family name, given names, date of birth).
CHILDREN = [("Testworth", "Amelia Rose", "2015-04-02"), ("Fictionby", "Oscar", "2012-09-17"),
            ("Madeupson", "Priya", "2018-01-23"), ("Notreal", "Kai", "2010-06-30"),
            ("Inventwell", "Zofia", "2016-11-05"), ("Pretendon", "Idris", "2013-03-14")]
SOCIAL_WORKERS = ["Sam Fictionby", "Jo Imaginary", "Ravi Storyton"]
TEAM_MANAGERS = ["Terry Madeupson", "Lee Untrue"]
EVIDENCE = "{child} was seen alone and told {worker} she feels safe at home; {family} family engaged well."


@dataclass
class Action:
    text: str
    required: str  # ISO date
    status: str = "Open"
    done_on: dt.date | None = None


@dataclass
class Known:
    """What a test put into an audit, to check the report against."""

    audit_id: str
    case: str
    values: dict[str, str]
    actions: list[Action] = dc_field(default_factory=list)


class Register:
    """Audits through real forms into the register at `path`."""

    def __init__(self, folder: Path, library):
        self.folder, self.library = Path(folder), library
        self.path = self.folder / "register.sqlite"
        self.forms = self.folder / "forms"
        self.returned = self.folder / "returned"
        self._word: dict[str, WordForm] = {}
        self.audits: list[Known] = []

    def _writing(self):
        return open_register(self.path, write=True, create=True)

    def audit(self, case: str, *, month: str = "2025-11", form: str = "csc_case_file_audit", team: str = "Team North",
              auditor: str = "Ann Auditorson", audit_type: str = "CIN", service: str = "Children's Social Care",
              grade: str | None = None, moderated: str | None = None, answers: dict[str, str] | None = None,
              back: dt.date | None = None, actions: list[Action] = (), incomplete: bool = False,
              re_audit_of: str = "", activity: str = "", activity_type: str = "", counts_toward_ten: bool = True,
              group=(), auditor_role: str = "") -> Known:
        """Allocate an audit for `month`; with `grade`, it comes back complete on `back` (default the
        25th) with that overall grade, every question Yes and every judgement the scale's best option
        except as `answers` says (field id -> label), and `actions` in its action table. `activity`…: the
        programme's activity it belongs to (default the month's control sample)."""
        spec = self.library.get(form)
        n = len(self.audits)
        family, given, born = CHILDREN[n % len(CHILDREN)]
        first = dt.date.fromisoformat(f"{month}-01")
        due = (first.replace(month=first.month % 12 + 1, year=first.year + first.month // 12) - dt.timedelta(days=1))
        values = {"family_name": family, "given_names": given, "case_number": case, "date_of_birth": born,
                  "gender": "Female", "ethnicity": "Prefer not to say",
                  "social_worker": SOCIAL_WORKERS[n % len(SOCIAL_WORKERS)],
                  "team_manager": TEAM_MANAGERS[n % len(TEAM_MANAGERS)], "team": team, "audit_type": audit_type,
                  "auditor": auditor, "due_date": due.isoformat()}
        values = {h.id: values.get(h.id, f"{h.label} {n}") for h in spec.header}
        audit_id = identity.audit_id(spec, values, activity=activity)
        allocation = m.Allocation(spec.id, values, n + 2, audit_id, activity=activity)
        form_file = Path(auditor) / f"{case} - {audit_id}.docx"
        blank = self._form(spec).render(values, audit_id)
        (self.forms / form_file).parent.mkdir(parents=True, exist_ok=True)
        (self.forms / form_file).write_bytes(blank)
        known = Known(audit_id, case, values, list(actions))
        self.audits.append(known)
        with self._writing() as reg:
            reg.record_audits([audit_from_allocation(spec, allocation, files=[str(form_file)], service=service,
                                                     re_audit_of=re_audit_of, activity_type=activity_type,
                                                     counts_toward_ten=counts_toward_ten, group=group,
                                                     auditor_role=auditor_role)])
        if grade is not None:
            self.comes_back(known, spec, grade, moderated, answers or {}, back or first.replace(day=25),
                            incomplete)
        return known

    def _form(self, spec) -> WordForm:
        if spec.id not in self._word:
            self._word[spec.id] = WordForm(spec)
        return self._word[spec.id]

    def comes_back(self, known: Known, spec, grade, moderated, answers, back: dt.date, incomplete: bool) -> None:
        values = known.values
        filled = default_answers(spec, values, grade, back)
        if moderated and spec.roles.get("grade_after_moderation"):
            filled[spec.roles["grade_after_moderation"]] = moderated
        filled.update(answers)
        if incomplete:
            filled.pop(next(f.id for f in spec.fields if f.required and f.part == "answer" and f.scale), None)
        table = next((t for t in spec.tables if t.source == "audit"), None)
        rows = [{"action": a.text, "responsible_role": "Social worker",
                 "responsible_person": values.get("social_worker", ""), "required_date": a.required}
                for a in known.actions]
        tables = {table.id: rows} if table and rows else {}
        when = dt.datetime.combine(back, dt.time(15, 0), dt.timezone.utc)
        data = fill_docx(self._form(spec).render(values, known.audit_id, when=when), filled, tables)
        path = self.returned / values["auditor"] / f"{known.case} - {known.audit_id}.docx"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        record = read_form(path, self.library)
        assert record.status == ("incomplete" if incomplete else "complete"), record.problems
        with self._writing() as reg:
            reg.record_returns(self.returned, [SeenFile(str(path.relative_to(self.returned)), file_hash(path), record)],
                               now=dt.datetime.combine(back, dt.time(17, 0)))
            reg.record_actions(m.TrackedAction(f"{known.audit_id}-A{i}", known.audit_id, table.id, i, a.text, row)
                               for i, (a, row) in enumerate(zip(known.actions, rows), start=1))
            for i, a in enumerate(known.actions, start=1):
                if a.status != "Open":
                    reg.set_action_status(f"{known.audit_id}-A{i}", a.status, a.done_on)

    def happens(self, kind: str, known: Known, on: dt.date, **details) -> None:
        with self._writing() as reg:
            reg.record_events([m.Event(kind, on, known.audit_id, **details)])

    def subject_values(self) -> set[str]:
        """Every name and date of birth the register holds of the people audits are about, and their workers."""
        out = set()
        for k in self.audits:
            for key in ("family_name", "given_names", "social_worker", "team_manager"):
                if k.values.get(key):
                    out.add(k.values[key])
                    out.update(part for part in k.values[key].split() if len(part) > 3)
            if k.values.get("date_of_birth"):
                born = dt.date.fromisoformat(k.values["date_of_birth"])
                out.update({born.isoformat(), born.strftime("%d/%m/%Y"), born.strftime("%-d %B %Y")})
        return out


def default_answers(spec: m.FormSpec, values: dict[str, str], grade: str, back: dt.date) -> dict[str, object]:
    """Every field of a complete form: questions Yes, judgements the scale's best option, evidence
    that names the child, the family and the worker (so the annex has names to replace)."""
    evidence = EVIDENCE.format(child=values.get("given_names", ""), worker=values.get("social_worker", ""),
                               family=values.get("family_name", ""))
    graded = {spec.roles.get("overall_grade"), spec.roles.get("grade_after_moderation")}
    out: dict[str, object] = {}
    for f in spec.fields:
        if f.id in graded:
            continue
        if f.scale is not None:
            out[f.id] = f.scale.options[0].label
        elif f.type == "date":
            out[f.id] = back.isoformat()
        elif f.type == "checkbox":
            out[f.id] = True
        else:
            out[f.id] = evidence
    out[spec.roles["overall_grade"]] = grade
    return out
