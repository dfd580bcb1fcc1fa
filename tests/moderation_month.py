"""A month of audits in a real register, from real forms: generated, filled as auditors do, read back.

`Month(tmp_path, library)` holds a register file, a folder of returned forms and a moderators list;
`month.audit(...)` makes one audit's form (Word or Excel), fills it, reads it with the parser and
records the allocation and the return in the register, as generate and consolidate do (directly: a test
makes a few audits one by one, each with its own team, auditor and grade, and a consolidate for each
would write the tracker each time); `month.return_moderated(...)` sends a moderator's copy back
through the real consolidate, with a tracker beside the register.
"""
from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path

import openpyxl
from helpers import files_workspace, full_answers, record_values, rewrite_parts

from auditdocs.consolidate import consolidate_returns
from auditdocs.domain import model as m
from auditdocs.domain.identity import audit_id
from auditdocs.forms.docx.fill import fill_docx
from auditdocs.forms.docx.writer import WordForm
from auditdocs.forms.xlsx.fill import fill_xlsx
from auditdocs.forms.xlsx.writer import XlsxForm
from auditdocs.register import SeenFile, audit_from_allocation, file_hash, open_register
from auditdocs.returns.read import read_form

MONTH = dt.date(2026, 11, 1)
RETURNED = dt.datetime(2026, 11, 28, 9, 0)
MODERATED = dt.datetime(2026, 12, 10, 9, 0)

# team -> service (the Teams column of the moderators list)
SERVICES = {
    "Assessment Team 1": "Assessment Service", "Assessment Team 2": "Assessment Service",
    "Safeguarding Team North": "Safeguarding Service", "Children in Care Team": "Children in Care Service",
    "Early Help East": "Early Help",
}
# name, role, service, e-mail
PEOPLE = [
    ("Marion Fictionby", "Head of Service", "Assessment Service"),
    ("Desmond Testworth", "Head of Service", "Safeguarding Service"),
    ("Yvonne Madeupson", "Head of Service", "Children in Care Service"),
    ("Harriet Notreal", "Head of Service", "Early Help"),
    ("Adaeze Okafor", "QA officer", "Quality Assurance"),
    ("Lena Fakeham", "QA officer", "Quality Assurance"),
    ("Gordon Placeholder", "Assistant Director", "Children's Social Care"),
    ("Rosalind Exampleby", "Assistant Director", "Education and Inclusion"),
]


def write_moderators(path: Path, people=PEOPLE, services=SERVICES) -> Path:
    """A moderators list as a QA officer would keep it in Excel."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Name", "Role", "Service", "E-mail", "Teams"])
    for name, role, service in people:
        teams = "; ".join(t for t, s in services.items() if s == service)
        ws.append([name, role, service, name.lower().replace(" ", ".") + "@council.example", teams])
    book.save(path)
    return path


_MAKERS: dict[tuple[str, int, str], object] = {}


def _maker(spec: m.FormSpec, fmt: str):
    """The form maker of a spec, built once per test run (as generate builds it once per form)."""
    made = (spec.id, spec.version, fmt)
    if made not in _MAKERS:
        _MAKERS[made] = WordForm(spec) if fmt == "docx" else XlsxForm(spec)
    return _MAKERS[made]


class Month:
    def __init__(self, folder: Path, library, month: dt.date = MONTH):
        self.folder = Path(folder)
        self.library = library
        self.month = month
        self.register = self.folder / "register.sqlite"
        self.returned = self.folder / "returned"
        self.moderators = write_moderators(self.folder / "moderators.xlsx")
        self.files: dict[str, Path] = {}  # audit id -> returned file
        self.count = 0

    def audit(self, *, grade: str = "Good", team: str = "Assessment Team 1", auditor: str = "Ann Testworth",
              form: str = "csc_case_file_audit", fmt: str = "docx", answers: dict | None = None,
              complete: bool = True, case: str | None = None, named: str = "") -> str:
        """One audit of the month, returned by its auditor; its audit id. `named`: more of the file's name,
        between the case number and the audit id."""
        spec = self.library.get(form)
        self.count += 1
        values = record_values(spec, self.count)
        values.update(case_number=case or f"TEST{910000 + self.count}", auditor=auditor, team=team,
                      due_date=(self.month.replace(day=28)).isoformat())
        if "audit_type" in values:
            values["audit_type"] = "Control sample"
        aid = audit_id(spec, values)
        filled, tables = full_answers(spec, seed=self.count)
        grade_field = spec.field_with_role("grade_after_moderation")
        if grade_field is not None:
            filled.pop(grade_field.id, None)
        for f in spec.fields:  # a voice form: the moderator's voice is empty until moderation
            if ".moderator." in f.id:
                filled.pop(f.id, None)
        overall = spec.field_with_role("overall_grade")
        filled[overall.id] = grade
        filled.update(answers or {})
        if not complete:
            filled.pop(spec.field_with_role("audit_date").id, None)
        blank = _maker(spec, fmt).render(values, aid)
        data = fill_docx(blank, filled, tables) if fmt == "docx" else fill_xlsx(blank, filled, tables)
        path = self.returned / auditor / f"{values['case_number']}{named} - {aid}.{fmt}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        record = read_form(path, self.library)
        assert record.status == ("complete" if complete else "incomplete"), record.problems
        with open_register(self.register, write=True, create=True) as reg:
            reg.record_audits([audit_from_allocation(spec, m.Allocation(spec.id, values, self.count + 1, aid),
                                                     files=[path.name])], now=RETURNED)
            reg.record_returns(self.returned, [SeenFile(str(path.relative_to(self.returned)), file_hash(path),
                                                        record)], now=RETURNED)
        self.files[aid] = path
        return aid

    def audits(self) -> list[m.RegisteredAudit]:
        with open_register(self.register) as reg:
            return reg.audits(month=self.month)

    def get(self, audit: str) -> m.RegisteredAudit:
        with open_register(self.register) as reg:
            return reg.audit(audit)

    def return_moderated(self, copy: Path, answers: dict, folder: Path | None = None,
                         now: dt.datetime = MODERATED) -> m.AuditRecord:
        """The moderator fills in their copy and sends it back into `folder`, which consolidate reads: the copy
        becomes the audit's newer version."""
        folder = folder or self.folder / "moderated"
        if copy.suffix == ".docx":  # and saves it, which sets the time it was last saved, as Word does
            data = rewrite_parts(fill_docx(copy.read_bytes(), answers), lambda name, part: re.sub(
                rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + now.strftime("%Y-%m-%dT%H:%M:%SZ").encode(), part)
                if name == "docProps/core.xml" else part)
        else:
            data = fill_xlsx(copy.read_bytes(), answers)
        target = folder / copy.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        consolidate_returns(files_workspace(self.register.with_name("tracker.xlsx"), self.register, self.library),
                            [folder], now=now)
        return read_form(target, self.library)


def spread_month(month: Month, n: int = 30, seed: int = 5) -> list[str]:
    """n complete Word audits over five teams, six auditors (a Head of Service and a QA officer among them)
    and every grade, two of them Inadequate."""
    rng = random.Random(seed)
    auditors = ["Ann Testworth", "Bo Fictional", "Cal Madeup", "Marion Fictionby", "Adaeze Okafor", "Dee Notreal"]
    grades = ["Outstanding", "Good", "Requires Improvement with elements of good practice", "Requires Improvement"]
    ids = []
    for i in range(n):
        grade = "Inadequate" if i in (3, 17) else rng.choice(grades)
        ids.append(month.audit(grade=grade, team=list(SERVICES)[i % len(SERVICES)], auditor=auditors[i % 6]))
    return ids
