"""The service improvement plan (issue 26, item 4), in the shape of seed 004: each finding, what has changed, how it
will be checked and when, per service; with the re-check's result once its audits have come back.

Made from the learning log as it stands (`log_run.the_log`) and the register's audits: `plan_of` decides the rows,
`plan_docx` and `plan_xlsx` write them with the report's building blocks (`report.word.ReportDocument`,
`report.dashboard.Sheet`).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field as dc_field

from ..domain import model as m
from ..domain.dates import uk
from . import log

NO_SERVICE = "(no service named)"
HEADINGS = ["Log id", "Finding", "What has changed", "How it will be checked", "When", "Re-check result", "Status"]


@dataclass
class PlanRow:
    log_id: str
    kind: str
    finding: str
    changed: str  # the evidence that practice changed, else what is being done
    check: str  # the re-check (the programme's activity), else ''
    when: str  # the re-check's month, else the action's due date
    result: str  # the re-check's grade profile once its audits are back; '' before
    status: str
    owner: str = ""
    due: dt.date | None = None
    overdue: bool = False

    def cells(self) -> list:
        return [self.log_id, self.finding, self.changed, self.check, self.when, self.result, self.status]


@dataclass
class ServicePlan:
    service: str
    rows: list[PlanRow] = dc_field(default_factory=list)


def plan_of(entries: list[m.LearningAction], audits: list[m.RegisteredAudit], library, today: dt.date,
            service: str | None = None) -> list[ServicePlan]:
    """The plan's rows, per service (in the services' order, `service` alone when given). The names, case numbers
    and dates of birth of the people audits are about are taken out of what the log says (its owners stay)."""
    from .bulletin import identifiers, without_identifiers

    names = identifiers(audits, library)

    def clean(text: str) -> str:
        return without_identifiers(text, names, audits)

    plans: dict[str, ServicePlan] = {}
    for e in entries:
        if service is not None and e.service.casefold() != service.casefold():
            continue
        if e.evidence:
            changed = e.evidence
        elif e.action:
            changed = f"Not yet evidenced. Action: {e.action}"
        else:
            changed = "Not yet evidenced."
        check, when, result = "", uk(e.due) if e.due else "", ""
        if e.recheck:
            check = e.recheck + (f", {e.recheck_month:%B %Y}" if e.recheck_month else "")
            when = f"{e.recheck_month:%B %Y}" if e.recheck_month else when
            done = log.recheck_audits(e, audits)
            result = log.grade_profile(done, library, today).words() or (
                f"Not back yet ({len(done)} audit{'s' * (len(done) != 1)} allocated)" if done else "Not begun")
        plans.setdefault(e.service or NO_SERVICE, ServicePlan(e.service or NO_SERVICE)).rows.append(PlanRow(
            e.log_id, e.kind, clean(e.finding), clean(changed), check, when, result,
            e.status + (" (overdue)" if log.overdue(e, today) else ""), e.owner, e.due, log.overdue(e, today)))
    return sorted(plans.values(), key=lambda p: (p.service == NO_SERVICE, p.service.casefold()))


def plan_docx(plans: list[ServicePlan], title: str, when: dt.datetime, intro: str) -> bytes:
    from ..forms.docx import package
    from ..report.word import ReportDocument

    doc = ReportDocument(title)
    doc.text(title, style="Title")
    doc.text(intro)
    if not plans:
        doc.text("The learning log has no actions for this plan yet ('auditdocs learning log add', or a row in the "
                 "tracker's Learning log sheet).")
    for plan in plans:
        doc.heading(plan.service, 1)
        doc.grid(HEADINGS, [row.cells() for row in plan.rows], widths=[1000, 1900, 2100, 1700, 1000, 1300, 900])
    return doc.package(when, package.custom_xml({"auditdocs.improvement_plan": title}))


def plan_xlsx(plans: list[ServicePlan], title: str, intro: str) -> bytes:
    from openpyxl import Workbook

    from ..report.dashboard import TITLE, Sheet, saved

    book = Workbook()
    names: set[str] = set()
    sheet = Sheet(book, "Improvement plan", names, first=True)
    sheet.heading(title, TITLE)
    sheet.line(intro)
    for plan in plans:
        sheet.table(f"Plan {plan.service}", plan.service, HEADINGS + ["Kind", "Owner", "Due"],
                    [row.cells() + [row.kind, row.owner, row.due] for row in plan.rows])
    if not plans:
        sheet.line("The learning log has no actions for this plan yet.")
    sheet.widths(14, 40, 45, 32, 14, 32, 16, 14, 18, 12)
    sheet.print_setup(title_row=None)
    return saved(book, title)
