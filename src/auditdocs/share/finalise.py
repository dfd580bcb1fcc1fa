"""Finalised audits for the child's file: one PDF per complete audit, named for the case system.

A finalised audit "will stay on a child or foster carer's file for a long time", so each PDF is
the returned form itself (LibreOffice converts the .docx or .xlsx as it is) and nothing more of
the machine or of anyone else:

- a Word form's tagged for screen readers (LibreOffice's tagged PDF/UA export: headings, tables,
  the language, the title in the window's title bar; see tagged_pdf), and kept so when its metadata
  is rewritten; the labels of its details and questions the header cells of their rows (Word cannot mark
  them: `_label_cells`, `tagged_pdf.row_headers`); an Excel form's too, made from a copy of it in which Calc tags every cell (see `convert`);
- named as a case system upload expects: `9901004 Case File Audit 2026-11-18.pdf` (case number,
  the form's kind, the audit date);
- its title and subject set from the audit, the audit id in its metadata (`/AuditId`, and the
  keywords), no author, no producer or creator but auditdocs, an XMP of the title alone, no dates or
  paths of the machine (LibreOffice's document information is dropped: it names the form's last author);
- the answers attached as `<audit id>.json`, the JSON contract of `auditdocs parse` (the file
  named without its folder);
- readable by its owner only, like every file of personal data auditdocs writes.

Only complete audits are finalised: incomplete and unreadable ones, two files that carry the
same audit with different answers, and audits whose returned file is no longer where it was seen
are listed with the reason. `plan_*` decide (pure); `convert` and `finished_pdf` do the work.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import Callable, Iterable

from ..domain import cycle
from ..domain import model as m
from ..domain.dates import parse_date, uk
from ..errors import ProgramMissing, UserError
from ..files import private_folder, run_program
from ..naming import safe_name
from ..tagged_pdf import calc_taggable, editable, export_filter, finish, row_headers

CONVERT_SECONDS = 60  # LibreOffice's start, then per file
CONVERT_SECONDS_EACH = 20
INSTALL_LIBREOFFICE = (
    "finalising makes the PDFs with LibreOffice, which is not installed on this computer (or not where "
    "auditdocs looks: soffice on the PATH). Install it (Debian/Ubuntu: sudo apt-get install "
    "libreoffice-writer-nogui libreoffice-calc-nogui; Windows and Mac: libreoffice.org), then run again. "
    "Nothing was made."
)
OTHER_PLACES = {
    "win32": [Path(os.environ.get(v, ""), "LibreOffice", "program", "soffice.exe")
              for v in ("PROGRAMFILES", "PROGRAMFILES(X86)") if os.environ.get(v)],
    "darwin": [Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")],
}


@dataclass
class ToFinalise:
    """One audit to finalise: the returned file to convert, what was read from it, the PDF's name."""

    audit_id: str
    source: Path
    record: m.AuditRecord
    spec: m.FormSpec
    audit_date: dt.date
    name: str = ""

    @property
    def case_number(self) -> str:
        return self.record.subject.get("case_number", "")


@dataclass
class NotFinalised:
    what: str  # the file, or the audit id
    reason: str

    def __str__(self) -> str:
        return f"{self.what}: {self.reason}"


@dataclass
class FinalisePlan:
    items: list[ToFinalise] = dc_field(default_factory=list)
    skipped: list[NotFinalised] = dc_field(default_factory=list)


# ---- what to finalise ------------------------------------------------------------------------


def form_kind(spec: m.FormSpec) -> str:
    """The kind of form, as the file name shows it: 'Case File Audit Tool — Foster Carer' -> 'Case File Audit'."""
    title = spec.title
    for dash in (" — ", " – ", " - "):
        if dash in title:
            title = title.split(dash, 1)[0]
            break
    return title.removesuffix(" Tool").strip() or spec.id


def pdf_name(spec: m.FormSpec, case_number: str, audit_date: dt.date) -> str:
    return safe_name(f"{case_number or 'No case number'} {form_kind(spec)} {audit_date.isoformat()}") + ".pdf"


def audit_date_of(spec: m.FormSpec, record: m.AuditRecord, today: dt.date) -> dt.date:
    """The audit date the form gives, else the day the file was last saved, else today."""
    f = spec.field_with_role("audit_date")
    return (parse_date(record.answers.get(f.id)) if f else None) or parse_date(record.modified) or today


def _why_not(record: m.AuditRecord, spec: m.FormSpec | None) -> str | None:
    if record.status == "unreadable":
        return "unreadable: " + " ".join(p.message for p in record.problems)
    if record.status != "complete":
        shown = "; ".join(p.message for p in record.problems[:3])
        more = f" … and {len(record.problems) - 3} more" if len(record.problems) > 3 else ""
        return f"incomplete, so not finalised ({len(record.problems)} to fix: {shown}{more})."
    if not record.audit_id:
        return ("the form carries no audit id, so it cannot be told apart from other audits: check that it was made "
                "by auditdocs generate.")
    if spec is None:
        return (f"there is no form spec '{record.form_id}' version {record.form_version}, so the audit cannot be "
                "finalised: add that spec (older versions go in form_specs/archive/).")
    return None


def plan_from_records(records: Iterable[m.AuditRecord], library, today: dt.date) -> FinalisePlan:
    """PDFs to make from the returned files read (`auditdocs finalise PATH…`)."""
    plan = FinalisePlan()
    by_audit: dict[str, list[m.AuditRecord]] = {}
    for record in records:
        spec = library.get(record.form_id, record.form_version) if record.form_id else None
        reason = _why_not(record, spec)
        if reason:
            plan.skipped.append(NotFinalised(record.file, reason))
        else:
            by_audit.setdefault(record.audit_id, []).append(record)
    for audit_id, found in by_audit.items():
        if len({m.content_check(r, library.spec_of(r)) for r in found}) > 1:
            files = ", ".join(r.file for r in found)
            plan.skipped += [NotFinalised(r.file, f"{len(found)} files carry audit {audit_id} with different answers "
                                                  f"({files}): finalise the right one on its own.") for r in found]
            continue
        record = found[0]  # the same answers in every copy
        spec = library.get(record.form_id, record.form_version)
        plan.items.append(ToFinalise(audit_id, Path(record.file), record, spec, audit_date_of(spec, record, today)))
    _name(plan.items)
    return plan


def plan_from_register(audits: Iterable[m.RegisteredAudit], library, today: dt.date,
                       locate: Callable[[m.Return], Path | None]) -> FinalisePlan:
    """PDFs to make for the register's audits (`auditdocs finalise --month`): each audit's current
    version, from the file it was seen at (`locate` finds it, unchanged, or says None)."""
    audits = list(audits)
    standings = cycle.standings(audits, library, today)
    plan = FinalisePlan()
    for a in audits:
        if standings[a.audit_id].state in (cycle.CANCELLED, cycle.REALLOCATED, cycle.EXEMPTED):
            continue
        current = a.current
        if current is None:
            why = ("a returned file could not be read: see the files that need attention" if a.returns
                   else "not returned yet")
            plan.skipped.append(NotFinalised(a.audit_id, why))
            continue
        spec = library.get(a.form_id, a.form_version)
        record = current.record
        reason = _why_not(record, spec)
        source = locate(current) if reason is None else None
        if reason is None and source is None:
            reason = (f"the returned file is no longer at {record.file} as it was when it was read (moved, "
                      "renamed or changed since): give the file itself, auditdocs finalise \"PATH\".")
        if reason:
            plan.skipped.append(NotFinalised(f"{a.audit_id} ({record.file})", reason))
            continue
        plan.items.append(ToFinalise(a.audit_id, source, record, spec, cycle.finalised_on(spec, current)))
    _name(plan.items)
    return plan


def _name(items: list[ToFinalise]) -> None:
    """Each PDF's name; audits that would share one (same case, kind and day) get their audit id added."""
    names = [pdf_name(i.spec, i.case_number, i.audit_date) for i in items]
    for item, name in zip(items, names):
        item.name = name if names.count(name) == 1 else f"{name[:-4]} {item.audit_id}.pdf"


# ---- making the PDFs -------------------------------------------------------------------------


def find_soffice() -> str:
    """LibreOffice's soffice, or ProgramMissing saying how to install it."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    for place in OTHER_PLACES.get(sys.platform, []):
        if place.is_file():
            return str(place)
    raise ProgramMissing(INSTALL_LIBREOFFICE)


def convert(items: list[ToFinalise], soffice: str, beside: Path) -> dict[str, bytes | str]:
    """Audit id -> the PDF LibreOffice made of its returned file, or why it could not.

    Every PDF is tagged for screen readers. LibreOffice's Calc (7.4) tags only the cells it lays out
    with its text engine, so an Excel form is converted from a copy in which every cell is
    (`tagged_pdf.calc_taggable`: an invisible word joiner ends each cell's shown text; the values and
    how they look are as returned). A workbook that copy would lose something of (a picture, a chart)
    is converted as it is and untagged: a screen reader reading the tags would skip most of its text
    (the child's details, the answers), and untagged the whole page is read.

    Each file is copied under a neutral name into a private folder in `beside` (the output folder:
    its owner's only, removed when the run ends), with a LibreOffice profile of its own (no settings
    or name of the user's), and converted in one run."""
    out: dict[str, bytes | str] = {}
    if not items:
        return out
    with private_folder(beside, "finalise") as tmp:
        inbox, outbox = Path(tmp, "in"), Path(tmp, "out")
        inbox.mkdir()
        sources = []
        for n, item in enumerate(items, start=1):
            suffix = item.source.suffix.lower()
            try:
                data = item.source.read_bytes()
            except OSError as exc:
                out[item.audit_id] = f"the returned file could not be read ({exc.strerror or exc})."
                continue
            taggable = calc_taggable(data) if suffix == ".xlsx" else data
            kind = "writer" if suffix != ".xlsx" else "calc" if taggable is not None else "as it is"
            copy = inbox / kind / f"audit-{n}{suffix}"
            copy.parent.mkdir(exist_ok=True)
            copy.write_bytes(data if taggable is None else taggable)
            sources.append((item, copy))
        for kind, target in (("writer", export_filter("writer")), ("calc", export_filter("calc")),
                             ("as it is", "pdf")):
            files = [str(c) for _, c in sources if c.parent.name == kind]
            if not files:
                continue
            command = [soffice, f"-env:UserInstallation={Path(tmp, 'profile').as_uri()}", "--headless",
                       "--norestore", "--convert-to", target, "--outdir", str(outbox), *files]
            try:
                run_program(command, CONVERT_SECONDS + CONVERT_SECONDS_EACH * len(files))
            except subprocess.TimeoutExpired:
                pass  # whatever was converted in time is used; the rest is listed
            except OSError as exc:
                raise UserError(f"LibreOffice ({soffice}) could not be started ({exc.strerror or exc}). "
                                + INSTALL_LIBREOFFICE.split(", which", 1)[0] + " needs it.") from None
        for item, copy in sources:
            pdf = outbox / f"{copy.stem}.pdf"
            out[item.audit_id] = pdf.read_bytes() if pdf.is_file() else (
                "LibreOffice could not make a PDF of it: open it in Word or LibreOffice to check it, save it "
                "again, and run again.")
    return out


def contract_json(spec: m.FormSpec | None, record: m.AuditRecord) -> bytes:
    """The record in the JSON contract (choices as their labels), its file named without the folders of this
    machine."""
    data = m.shown_record(spec, record).as_dict()
    data["file"] = Path(record.file).name
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def finished_pdf(pdf: bytes, item: ToFinalise, when: dt.datetime) -> bytes:
    """LibreOffice's PDF made fit for the child's file: the whole of it (pages, bookmarks and the tags
    a screen reader reads), with our metadata in place of LibreOffice's, and the answers attached."""
    writer = editable(pdf)
    for page in writer.pages:
        page.pop("/PieceInfo", None)
        page.pop("/Metadata", None)
    case, grade = item.case_number, cycle.final_grade(item.spec, item.record)
    writer.add_attachment(f"{item.audit_id}.json", contract_json(item.spec, item.record))
    # the forms are in British English: Calc says the language of the computer that converts them
    if item.source.suffix.lower() == ".xlsx":
        writer.root_object.pop("/Lang", None)
    else:  # the labels of the details and of each question, which Word cannot mark, as their rows' headers
        row_headers(writer, _label_cells(item))
    return finish(writer, {
        "/Title": f"{item.spec.title}: case {case}, audit of {uk(item.audit_date)}",
        "/Subject": (f"Finalised audit {item.audit_id} of the case file of {item.spec.subject_label.lower()} {case}"
                     + (f"; grade: {grade.label}" if grade else "")),
        "/Keywords": item.audit_id,
        "/AuditId": item.audit_id,
        "/Creator": "auditdocs finalise",
        "/Producer": "auditdocs",
        "/CreationDate": when.strftime("D:%Y%m%d%H%M%S"),
    })


def _label_cells(item: ToFinalise) -> list:
    """`forms.docx.layout.label_cells` of the returned Word form (none if it cannot be read)."""
    import zipfile

    from lxml import etree

    from ..forms.docx.layout import label_cells
    from ..forms.docx.oxml import qn

    try:
        with zipfile.ZipFile(item.source) as archive:
            body = etree.fromstring(archive.read("word/document.xml")).find(qn("w:body"))
    except (OSError, KeyError, zipfile.BadZipFile, etree.XMLSyntaxError):
        return []
    return label_cells(body, item.spec) if body is not None else []


def locate(version: m.Return) -> Path | None:
    """The file a returned version was seen at, if it is still there unchanged."""
    from ..register import file_hash

    for folder, path in [(version.folder, version.path), *version.places]:
        candidate = Path(folder) / path
        try:
            if candidate.is_file() and file_hash(candidate) == version.content_hash:
                return candidate
        except OSError:
            continue
    return None
