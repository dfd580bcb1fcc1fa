"""Pseudonymised exports: the register's audits as rows for sharing beyond the team.

What an export holds, and what it never holds:

- one row per audit (and, with `long`, one per judgement and one per action), from the audit's
  current record in the register; grades as `cycle.final_grade` gives them, stages as
  `cycle.standings` decides them;
- case numbers and audit ids replaced by keyed pseudonyms (`keys.PseudonymKey`), so the same
  child has the same pseudonym in every export made with the team's key;
- no names (of the child, carers, family or workers) and no date of birth: the age band at the
  audit date instead; every date coarsened to its month (YYYY-MM);
- team and service kept, or replaced by keyed codes (`ExportSettings.code_teams`);
- of a record's details, only these: everything else (gender, ethnicity, religion…) stays out
  unless a later version names it, so a detail added to a spec never leaks by default;
- no free text, unless `with_text`: then the judgements' comments, the grade's rationale and the
  actions' wording, with every name the record knows replaced by the person's role
  (`auditdocs.redact`), and its case number and date of birth by "[case number]", "[date of birth]". Names the record does not hold cannot be known: the About sheet says so.

`export_tables` is the pure part (audits in, sheets of rows out); `write_export` writes them as
one .xlsx workbook or .csv files, readable by their owner only.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import Iterable

from ..domain import cycle
from ..domain import model as m
from ..domain.dates import parse_date, uk
from ..errors import UserError
from ..files import csv_text, put_text, write_atomic
from ..redact import known_names, replace_names
from ..tracker.rows import SOURCES, action_columns, judgement_rows
from .keys import PseudonymKey
from .settings import ExportSettings

EXPORT_TITLE = "auditdocs pseudonymised export"
NOT_RETURNED = "not returned"
PERSONAL_DATA_NOTE = (
    "Pseudonymised, not anonymous: this is still personal data under UK GDPR. Whoever holds the key (or the "
    "register) can tell who each row is about, and rare combinations (a small team, an unusual age) can point "
    "to a child. Share it only under an agreement that says who may use it and for what, keep it secure, and "
    "delete it when that purpose is done."
)
TEXT_NOTE = ("Free text is included: every name the audit's record holds (the child or carer, family, "
             "workers, auditor, people named in the actions) was replaced by the person's role. Names the "
             "record does not hold (a parent's, a school's, a place) cannot be known: read the text before sharing.")
NO_TEXT_NOTE = "No free text: evidence, comments and the wording of actions are left out."

AUDIT_HEADINGS = [
    "Audit ref", "Case ref", "Re-audit of", "Form", "Form version", "Subject", "Month", "Team", "Service",
    "Audit type", "Activity", "Activity type", "Age band", "Stage", "Form status", "Returned", "Returned late", "Finalised",
    "Overall grade", "Grade after moderation", "Final grade", "Actions on form",
]
JUDGEMENT_HEADINGS = ["Audit ref", "Case ref", "Month", "Team", "Service", "Form", "Activity", "Type", "Section", "Ref",
                      "Item", "Judgement"]
ACTION_HEADINGS = ["Audit ref", "Case ref", "Month", "Team", "Service", "Form", "Activity", "From", "Form ref", "Row",
                   "Required by", "Status", "Done"]
TEXT_HEADINGS = {"Audits": ["Grade rationale"], "Judgements": ["Comment"],
                 "Actions": ["Next steps", "Action", "Responsible role"]}
COLUMN_NOTES = {
    "Audit ref": "the audit, by a keyed pseudonym (the same in every export made with this key)",
    "Case ref": "the child's or carer's case, by a keyed pseudonym: re-audits of a case share it",
    "Age band": "age at the audit date (from the date of birth, which is not exported)",
    "Stage": "where the audit stood on the day of the export",
    "Month": "the month the audit was allocated for; every date is given as its month only",
    "Activity": "the activity of the audit programme it belongs to (the monthly control sample, a dip sample, a "
                "thematic audit, the managers' dip samples…)",
}


def age_band(born: dt.date | None, on: dt.date | None, settings: ExportSettings = ExportSettings()) -> str:
    """The band of the age on `on` of someone born on `born` ("" when either is unknown)."""
    if born is None or on is None:
        return ""
    if born > on:
        return "Unborn"
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    labels = settings.band_labels()
    return labels[sum(1 for edge in settings.age_bands if age >= edge)]


def month(day: dt.date | None) -> str:
    return day.strftime("%Y-%m") if day else ""


@dataclass
class Sheet:
    name: str
    headings: list[str]
    rows: list[list[object]] = dc_field(default_factory=list)


@dataclass
class ExportTables:
    sheets: list[Sheet]
    about: list[tuple[str, str]]
    notes: list[str] = dc_field(default_factory=list)  # what the QA officer should know (audits not fully read)


def export_tables(audits: Iterable[m.RegisteredAudit], library, key: PseudonymKey, today: dt.date, *,
                  settings: ExportSettings = ExportSettings(), long: bool = False, with_text: bool = False,
                  history: Iterable[m.RegisteredAudit] = (), period: str = "") -> ExportTables:
    """The export of `audits`: an Audits sheet, and with `long` a Judgements and an Actions sheet.

    `history`: other audits of the same cases (earlier or later months), so that re-audits are linked
    and stages are right; they are not exported."""
    audits = list(audits)
    chosen = {a.audit_id for a in audits}
    standings = cycle.standings(audits + [a for a in history if a.audit_id not in chosen], library, today)
    text = TEXT_HEADINGS if with_text else {}
    sheets = [Sheet("Audits", AUDIT_HEADINGS + text.get("Audits", []))]
    if long:
        sheets += [Sheet("Judgements", JUDGEMENT_HEADINGS + text.get("Judgements", [])),
                   Sheet("Actions", ACTION_HEADINGS + text.get("Actions", []))]
    out = ExportTables(sheets, _about(key, today, period, with_text, settings))
    for a in audits:
        spec = library.get(a.form_id, a.form_version)
        if spec is None:
            out.notes.append(f"audit {a.audit_id}: there is no form spec '{a.form_id}' version {a.form_version}, "
                             "so its grades and judgements are not in the export (add the spec and export again).")
        rows = _AuditRows(a, spec, key, settings, standings[a.audit_id], with_text)
        for sheet in out.sheets:
            sheet.rows += rows.of(sheet)
    return out


def _about(key: PseudonymKey, today: dt.date, period: str, with_text: bool,
           settings: ExportSettings) -> list[tuple[str, str]]:
    return [
        ("What this is", "Case file audits, pseudonymised for sharing (made by auditdocs export)."),
        ("Audits of", period or "every month in the register"),
        ("Made in", month(today)),
        ("Key", f"pseudonyms made with key {key.key_id}: exports with the same key id can be matched"),
        ("Personal data", PERSONAL_DATA_NOTE),
        ("Free text", TEXT_NOTE if with_text else NO_TEXT_NOTE),
        ("Teams", "teams and services replaced by keyed codes" if settings.code_teams else "teams and services named"),
        *COLUMN_NOTES.items(),
    ]


class _AuditRows:
    """The export rows of one audit."""

    def __init__(self, audit: m.RegisteredAudit, spec: m.FormSpec | None, key: PseudonymKey,
                 settings: ExportSettings, standing: cycle.Standing, with_text: bool):
        self.audit, self.spec, self.key, self.standing, self.settings = audit, spec, key, standing, settings
        current = audit.current
        self.record = current.record if current else None
        self.audit_day = cycle.finalised_on(spec, current) if current else cycle.due_date(audit)
        self.with_text = with_text
        self.names = self._names() if with_text else {}
        team, service = audit.team, audit.service
        if settings.code_teams:
            team, service = key.pseudonym("team", team, "T-"), key.pseudonym("service", service, "S-")
        self.common = {"Audit ref": key.pseudonym("audit", audit.audit_id, "A-"),
                       "Case ref": key.pseudonym("case", audit.case_number, "C-"),
                       "Month": month(audit.month), "Team": team, "Service": service,
                       "Form": spec.title if spec else audit.form_id, "Activity": m.activity_name(audit)}

    def of(self, sheet: Sheet) -> list[list[object]]:
        make = {"Audits": self.audit_rows, "Judgements": self.judgement_rows, "Actions": self.action_rows}
        return [[values.get(h, "") for h in sheet.headings] for values in make[sheet.name]()]

    def _names(self) -> dict[str, str]:
        """Every name the record knows -> its role; people named in the actions, the case number and
        the date of birth (as people write it) too."""
        if self.spec is None:
            return {}
        names = known_names(self.spec, self.audit.subject)
        if self.audit.case_number:
            names[self.audit.case_number] = "[case number]"
        born = parse_date(self.audit.subject.get("date_of_birth"))
        if born:
            for shown in (born.isoformat(), uk(born), f"{born.day}/{born.month}/{born.year}", f"{born:%d/%m/%y}",
                          f"{born.day} {born:%B %Y}", f"{born.day} {born:%b %Y}", f"{born:%d.%m.%Y}"):
                names[shown] = "[date of birth]"
        if self.record:
            for name, role in known_names(self.spec, self.record.subject).items():
                names.setdefault(name, role)
            for table in self.spec.tables:
                people = [c.id for c in table.columns if c.type == "person"]
                for row in self.record.tables.get(table.id, []):
                    for column in people:
                        names.setdefault(str(row.get(column) or "").strip(), "[person named in the actions]")
        names.pop("", None)
        return names

    def _text(self, value) -> str:
        """Free text with the names replaced ("" when the export has no text)."""
        return replace_names(str(value), self.names) if self.with_text and value not in (None, "") else ""

    def _judgements(self) -> list[dict]:
        return judgement_rows(self.spec, self.record) if self.spec and self.record else []

    def audit_rows(self) -> list[dict]:
        a, spec, record, standing = self.audit, self.spec, self.record, self.standing
        grades = {}
        if spec and record:
            grades = {"Overall grade": cycle.overall_grade(spec, record),
                      "Grade after moderation": cycle.moderated_grade(spec, record),
                      "Final grade": cycle.final_grade(spec, record)}
        born = parse_date(a.subject.get("date_of_birth"))
        values = {
            **self.common, "Re-audit of": self.key.pseudonym("audit", standing.re_audit_of, "A-"),
            "Form version": a.form_version, "Subject": spec.subject_label if spec else "",
            "Audit type": a.audit_type, "Activity type": a.activity_type or m.CONTROL_SAMPLE, "Age band": age_band(born, self.audit_day, self.settings),
            "Stage": cycle.STATES[standing.state], "Form status": record.status if record else NOT_RETURNED,
            "Returned": month(standing.returned_on), "Finalised": month(standing.finalised),
            "Returned late": ("Yes" if standing.returned_late else "No") if standing.returned_on else "",
            **{k: g.label if g else "" for k, g in grades.items()},
            "Actions on form": sum(len(rows) for rows in record.tables.values()) if record else 0,
        }
        if self.with_text:
            rationale = next((j["Comment"] for j in self._judgements() if j["Type"] == "Overall grade"), "")
            values["Grade rationale"] = self._text(rationale)
        return [values]

    def judgement_rows(self) -> list[dict]:
        rows = []
        for j in self._judgements():
            judgement = j["Judgement"]
            values = {**self.common, "Type": j["Type"], "Section": j["Section"], "Ref": j["Ref"],
                      "Item": j["Question"], "Judgement": getattr(judgement, "label", judgement) or "",
                      "Comment": self._text(j["Comment"])}
            rows.append(values)
        return rows

    def action_rows(self) -> list[dict]:
        if not self.spec or not self.record:
            return []
        tracked = {(t.table_id, t.form_row): t for t in self.audit.actions if t.on_form}
        rows = []
        for table in self.spec.tables:
            headings = action_columns(table)
            for n, cells in enumerate(self.record.tables.get(table.id, []), start=1):
                shown = {headings[c]: v for c, v in cells.items() if c in headings}
                action = tracked.get((table.id, n))
                values = {**self.common, "From": SOURCES.get(table.source, table.source), "Form ref": table.ref, "Row": n,
                          "Required by": month(parse_date(shown.get("Required date"))),
                          "Status": action.status if action else "", "Done": month(action.done_on) if action else "",
                          **{h: self._text(shown.get(h)) for h in TEXT_HEADINGS["Actions"]}}
                rows.append(values)
        return rows


# ---- writing -----------------------------------------------------------------------------


def output_paths(out: Path, tables: ExportTables) -> list[Path]:
    """Where the export goes: the workbook, or one .csv per sheet ('<name> judgements.csv' …)."""
    if out.suffix.lower() == ".xlsx":
        return [out]
    return [out] + [out.with_name(f"{out.stem} {s.name.lower()}{out.suffix}") for s in tables.sheets[1:]]


def check_output(out: Path) -> None:
    """Stop before anything is made if `out` is not a name an export can take."""
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise UserError(f"the export must be an Excel .xlsx or a .csv file; '{out.name}' is neither. "
                        "Give a name ending in .xlsx or .csv.")
    if out.is_dir():
        raise UserError(f"{out} is a folder; give the export's file name (for example export.xlsx).")


def write_export(tables: ExportTables, out: Path) -> list[Path]:
    """Write the export (owner-only files) and return the files written. A file of the same name is
    replaced only if it is an earlier auditdocs export (never a tracker or anything else)."""
    check_output(out)
    paths = output_paths(out, tables)
    for path in paths:
        if path.exists() and not _is_export(path):
            raise UserError(f"{path} is already there and is not an auditdocs export, so it was not replaced. "
                            "Give another file name for the export.")
    if out.suffix.lower() == ".xlsx":
        write_atomic(out, workbook_bytes(tables), private=True)
    else:
        for path, sheet in zip(paths, tables.sheets):
            write_atomic(path, csv_bytes(sheet), private=True)
    return paths


def workbook_bytes(tables: ExportTables) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = EXPORT_TITLE
    wb.properties.creator = "auditdocs"
    for sheet in tables.sheets:
        ws = wb.create_sheet(sheet.name)
        for r, values in enumerate([sheet.headings] + sheet.rows, start=1):
            for c, value in enumerate(values, start=1):
                _put(ws.cell(r, c), value)
        for c, heading in enumerate(sheet.headings, start=1):
            ws.cell(1, c).font = Font(bold=True)
            ws.column_dimensions[get_column_letter(c)].width = 40 if heading in sum(TEXT_HEADINGS.values(), []) else 16
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
    about = wb.create_sheet("About")
    for r, (what, text) in enumerate(tables.about, start=1):
        _put(about.cell(r, 1), what)
        about.cell(r, 1).font = Font(bold=True)
        _put(about.cell(r, 2), text)
        about.cell(r, 2).alignment = Alignment(wrap_text=True, vertical="top")
    about.column_dimensions["A"].width, about.column_dimensions["B"].width = 18, 100
    data = io.BytesIO()
    wb.save(data)
    return data.getvalue()


def _put(cell, value) -> None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.value = value
    elif value not in (None, ""):
        put_text(cell, value)


def csv_bytes(sheet: Sheet) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(sheet.headings)
    writer.writerows([[csv_text(v) if isinstance(v, str) else v for v in row] for row in sheet.rows])
    return text.getvalue().encode("utf-8-sig")  # Excel reads accents right with the mark


def _is_export(path: Path) -> bool:
    try:
        if path.suffix.lower() == ".xlsx":
            with zipfile.ZipFile(path) as package:
                return f">{EXPORT_TITLE}</dc:title>" in package.read("docProps/core.xml").decode("utf-8")
        with open(path, encoding="utf-8-sig") as fh:
            return fh.readline().startswith("Audit ref,")
    except (OSError, KeyError, zipfile.BadZipFile, UnicodeDecodeError):
        return False
