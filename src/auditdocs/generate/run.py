"""Make the month's forms: one per row of the allocation list, a folder per auditor.

Each form's maker is built once per run (the slow part) and fills in each record's
details. Existing files are never replaced without `force` (a form may already be
being filled in): a form already there is left alone, which is what a re-run expects. `manifest.csv` in the output folder lists every form made there,
with its audit id, and the rows the latest run skipped.

`make_forms` is the step's use case (what `auditdocs generate` and any other front end call): it reads the
list, makes the forms (`generate`), records them in the workspace's register (`record_made`, through the open
register) and writes the e-mail drafts.
"""
from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import os
import tempfile
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Collection

from .. import naming
from ..allocate.allocation_list import AllocationList, parse_month, read_allocations
from ..domain import model as m
from ..domain.identity import AUDIT_ID_RE
from ..errors import UserError
from ..files import csv_text, make_folder, os_problem, write_atomic
from ..naming import MAX_NAME, safe_name
from ..progress import Progress, report
from ..specs.loader import Library

if TYPE_CHECKING:
    from ..workspace import Workspace

MAX_FOLDER = 60
FORMATS = {"docx": ("docx",), "xlsx": ("xlsx",), "both": ("docx", "xlsx")}
MANIFEST = "manifest.csv"
MANIFEST_COLUMNS = ["Audit id", "Form", "Version", "Case number", "Auditor", "Format",
                    "File", "Status", "Reason", "Row in list", "Date", "Activity", "Activity type",
                    "Counts toward the ten", "Group"]
#: Columns a manifest written before the audit programme does not have (read as empty: the control sample).
LATER_COLUMNS = ("Activity", "Activity type", "Counts toward the ten", "Group")
ALREADY_THERE = "the file is already there (it may be a form being filled in); not replaced"
SHOW_AT_MOST = 10  # files already there listed one by one; the rest are counted



@dataclass
class Entry:
    """One line of the manifest: a form made (or not) for one row."""

    status: str  # generated, skipped, exists, failed; "would generate" in a dry run
    reason: str = ""
    row: int = 0
    audit_id: str = ""
    form_id: str = ""
    version: str = ""
    case_number: str = ""
    auditor: str = ""
    format: str = ""
    file: str = ""  # relative to the output folder
    activity: str = ""  # the programme's activity, its type, whether it counts toward the ten, its group
    activity_type: str = ""
    counts: str = ""  # Yes / No ('' : the control sample)
    group: str = ""

    @property
    def left_alone(self) -> bool:
        """Made by an earlier run and still there: nothing to do."""
        return self.status == "exists" and self.reason == ALREADY_THERE

    def as_row(self, when: str) -> dict[str, str]:
        values = [self.audit_id, self.form_id, self.version, self.case_number, self.auditor,
                  self.format, self.file, self.status, self.reason, str(self.row or ""), when, self.activity,
                  self.activity_type, self.counts, self.group]
        return dict(zip(MANIFEST_COLUMNS, (csv_text(v) for v in values)))


@dataclass
class Result:
    out: Path
    entries: list[Entry] = dc_field(default_factory=list)
    dry_run: bool = False
    manifest: Path | None = None
    warnings: list[str] = dc_field(default_factory=list)  # e.g. a council template's tags

    def count(self, *statuses: str) -> int:
        return sum(1 for e in self.entries if e.status in statuses)

    @property
    def left_alone(self) -> list[Entry]:
        return [e for e in self.entries if e.left_alone]

    @property
    def all_generated(self) -> bool:
        """Every row has its form: made now, or already there from an earlier run."""
        return all(e.status in ("generated", "would generate") or e.left_alone for e in self.entries)

    def shortfall(self) -> str:
        """What was not generated, in one sentence ('' when everything was)."""
        parts = []
        needing = [e for e in self.entries if not e.left_alone]
        for status, one, many in [("skipped", "row skipped", "rows skipped"),
                                  ("failed", "form could not be made", "forms could not be made"),
                                  ("exists", "form for the same audit already there under another name",
                                   "forms for the same audits already there under other names")]:
            n = sum(1 for e in needing if e.status == status)
            if n:
                parts.append(f"{n} {one if n == 1 else many}")
        return f"Not every row was generated: {', '.join(parts)} (listed above)." if parts else ""


# ---- names that are safe on Windows -------------------------------------------


def file_name(spec: m.FormSpec, allocation: m.Allocation, ext: str, folder: Path | None = None) -> str:
    """'<case number> <names> - <form> - <audit id>.<ext>', at most 120 characters; in `folder`, short
    enough for the whole path to stay within Windows' and Excel's limits (`naming.fit`: the form's title,
    then the names, are cut; the case number and the audit id are kept)."""
    values = allocation.values
    case = values.get("case_number", "")
    who = [case] + [
        values.get(h.id, "") for h in spec.header
        if h.identifier and h.type != "date" and h.id != "case_number"
    ]
    end = f" - {allocation.audit_id}.{ext}"
    form = safe_name(spec.short_title, 40)
    person = safe_name(" ".join(v for v in who if v), MAX_NAME - len(end) - len(form) - 3)
    if folder is None:
        return f"{person} - {form}{end}"
    kept = safe_name(case, MAX_NAME) if case else ""
    kept = kept if person.startswith(kept) else ""
    return naming.fit(folder, [(kept, False), (person[len(kept):], True), (f" - {form}", True), (end, False)])


def folder_name(auditor: str) -> str:
    """The folder of an auditor's forms."""
    return safe_name(auditor or "No auditor", MAX_FOLDER)


# ---- the run -------------------------------------------------------------------


def generate(
    allocations: AllocationList,
    library: Library,
    out: Path,
    fmt: str = "docx",
    template: Path | None = None,
    force: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    allow_prefilled: bool = False,
) -> Result:
    """Make the forms of the list in `out`; return what happened to each row.

    A dry run builds and fills every form as the real run would, writing nothing, so that it meets
    what the real run would. A council template whose answer boxes already hold answers is refused
    (UserError, nothing made) unless `allow_prefilled`."""
    out = Path(out)
    result = Result(out, dry_run=dry_run)
    formats = FORMATS[fmt]
    form_ids = sorted({a.form_id for a in allocations.allocations})
    if template and len(form_ids) > 1:
        raise UserError(
            f"a council template is for one form, but the list has rows for {len(form_ids)} forms "
            f"({', '.join(form_ids)}). Make the forms that use {Path(template).name} from a list of one form."
        )
    makers = {ext: _maker_factory(ext, template) for ext in formats}
    for problem in allocations.problems:
        result.entries.append(Entry("skipped", problem.message, problem.row, case_number=problem.case_number))
    rows = allocations.allocations
    built = _build_makers(rows, library, makers, template)
    for maker in built.values():
        result.warnings += getattr(maker, "warnings", None) or []
        if getattr(maker, "prefilled", None):
            if not allow_prefilled:
                raise UserError(maker.prefilled_message(allowed=False))
            result.warnings.append(maker.prefilled_message(allowed=True))
    if not dry_run:
        _prepare(out)
    existing = _existing_forms(out)
    if rows:  # the deepest folder the forms go in leaves room enough for their names?
        deepest = max((out / folder_name(a.values.get("auditor", "")) for a in rows), key=naming.length)
        if warning := naming.too_deep(deepest, f"x.{formats[-1]}"):
            result.warnings.append(warning)
    try:
        for done, allocation in enumerate(rows, 1):
            spec = library.get(allocation.form_id)
            for ext in formats:
                result.entries.append(_make(allocation, spec, ext, out, existing, force, dry_run, built))
            report(progress, done, len(rows))
    finally:  # even if the run is stopped halfway, the manifest lists the forms made
        result.entries.sort(key=lambda e: e.row)
        if not dry_run:
            result.manifest = write_manifest(out, result.entries)
    return result


def _make(allocation, spec, ext, out, existing, force, dry_run, built) -> Entry:
    values = allocation.values
    folder = folder_name(values.get("auditor", ""))
    rel = Path(folder, file_name(spec, allocation, ext, out / folder))
    entry = Entry("generated", "", allocation.row, allocation.audit_id, spec.id, str(spec.version),
                  values.get("case_number", ""), values.get("auditor", ""), ext, str(rel), allocation.activity,
                  allocation.activity_type, ("Yes" if allocation.counts_toward_ten else "No") if allocation.activity
                  else "", ", ".join(allocation.group))
    path = out / rel
    earlier = existing.get((allocation.audit_id, ext))
    if path.exists() and not force:
        entry.status = "exists"
        entry.reason = ALREADY_THERE
        return entry
    if earlier and earlier != rel and not force:
        entry.status, entry.file = "exists", str(earlier)
        entry.reason = (f"a form for this audit is already there as {earlier} (made from different "
                        "details?); not replaced")
        return entry
    if path.exists():
        entry.reason = "replaced the earlier file (--force)"
    elif earlier and earlier != rel:
        entry.reason = f"the earlier form for this audit, {earlier}, is still there: delete it if it is no longer needed"
    maker = built[(spec.id, ext)]
    try:
        if isinstance(maker, Exception):
            raise maker
        data = maker.render(dict(values), allocation.audit_id)  # a dry run too: it meets what a real run would
    except UserError as exc:
        entry.status, entry.reason = "failed", exc.message
        return entry
    except Exception as exc:  # a fault in making one form must not lose the rest of the batch
        entry.status = "failed"
        entry.reason = f"the form could not be made ({type(exc).__name__}: {exc}); please report this"
        return entry
    if dry_run:
        entry.status = "would generate"
        return entry
    try:
        write_atomic(path, data, private=True)  # a child's name, date of birth and case number
    except OSError as exc:
        entry.status = "failed"
        entry.reason = f"could not write the file ({_os_reason(exc)})"
    return entry


def _build_makers(rows, library, makers, template) -> dict[tuple[str, str], object]:
    """Build each form's maker once, before anything is written: (form id, format) -> maker.

    A maker that fails to build is kept as its exception: that form's rows are reported
    as failed, the other forms are still made.
    """
    built = {}
    for form_id in dict.fromkeys(a.form_id for a in rows):
        spec = library.get(form_id)
        for ext, factory in makers.items():
            try:
                built[(form_id, ext)] = factory(spec)
            except UserError:
                raise
            except ImportError as exc:
                what = "your council's template (--template)" if template and ext == "docx" else f"{ext} forms"
                raise UserError(f"{what} cannot be used with this version of auditdocs ({exc}).") from None
            except Exception as exc:
                built[(form_id, ext)] = exc
    return built


def _maker_factory(ext: str, template: Path | None):
    """The function that builds a form maker for a spec, for this format."""
    if ext == "docx":
        from ..forms.docx.writer import form_for

        return lambda spec: form_for(spec, template=template)
    try:
        from ..forms.xlsx.writer import XlsxForm
    except ImportError:
        raise UserError("Excel forms cannot be made by this version of auditdocs yet: use --format docx.") from None
    return XlsxForm


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied: if the file is open in Word or Excel, close it and run again"
    return os_problem(exc)


def _prepare(out: Path) -> None:
    """Make the output folder and check that the forms and the manifest can be written."""
    if out.exists() and not out.is_dir():
        raise UserError(f"{out} is a file, not a folder: give --out a folder for the forms.")
    try:
        make_folder(out)
        fd, tmp = tempfile.mkstemp(dir=out, prefix=".auditdocs-", suffix=".tmp")
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise UserError(
            f"cannot write in the folder {out} ({_os_reason(exc)}). "
            "Choose another folder with --out, or ask for write access to this one."
        ) from None
    manifest = out / MANIFEST
    if manifest.exists():
        try:
            with open(manifest, "r+b"):
                pass
        except OSError as exc:
            raise UserError(
                f"cannot update {manifest} ({_os_reason(exc)}). No form was made."
            ) from None
        read_manifest(manifest)  # one that cannot be read stops the run now, before any form is made


def _existing_forms(out: Path) -> dict[tuple[str, str], Path]:
    """Forms already in the output folder: (audit id, format) -> path relative to `out`."""
    found = {}
    if out.is_dir():
        for path in sorted(out.rglob("*AUD-*")):
            match = AUDIT_ID_RE.search(path.name)
            ext = path.suffix.lower().lstrip(".")
            if match and ext in ("docx", "xlsx") and not path.name.startswith("~$"):
                found.setdefault((match[0], ext), path.relative_to(out))
    return found


# ---- the manifest ---------------------------------------------------------------


def write_manifest(out: Path, entries: list[Entry]) -> Path:
    """Rewrite manifest.csv: the forms of earlier runs, updated with this run's.

    A form made earlier and left in place keeps its earlier line (and date); rows that
    earlier runs skipped are dropped (this run says what it skipped).
    """
    path = out / MANIFEST
    now = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    old = read_manifest(path)
    this_run = {(e.audit_id, e.format) for e in entries if e.audit_id}
    kept = [r for r in old if (r["Audit id"], r["Format"]) not in this_run
            and r["Status"] in ("generated", "exists")]
    earlier = {(r["Audit id"], r["Format"], r["File"]): r for r in old if r["Status"] == "generated"}
    rows = list(kept)
    for e in entries:
        previous = earlier.get((e.audit_id, e.format, e.file))
        rows.append(previous if e.status == "exists" and previous else e.as_row(now))
    try:
        text = io.StringIO(newline="")
        writer = csv.DictWriter(text, MANIFEST_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        write_atomic(path, text.getvalue(), private=True, encoding="utf-8-sig")  # whole, or the old one left as it was
    except OSError as exc:
        raise UserError(f"the forms were made, but {path} could not be written ({_os_reason(exc)}).") from None
    return path


def read_manifest(path: Path) -> list[dict[str, str]]:
    """The lines of an existing manifest ([] if there is none yet).

    A manifest that cannot be read is never replaced (that would lose the list of the forms
    made earlier): it raises UserError naming it, and says what to do."""
    if not path.exists():
        return []
    what_to_do = (f"It was not changed, and no form was made. If it was edited, open it and save it "
                  f"again as 'CSV UTF-8', keeping the headings in its first row ({', '.join(MANIFEST_COLUMNS)}); "
                  f"or move it out of the folder to start a new one.")
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            headings = reader.fieldnames or []
    except UnicodeDecodeError:
        raise UserError(f"{path} cannot be read: it is not a UTF-8 text file (was it saved in another "
                        f"format?). {what_to_do}") from None
    except csv.Error as exc:
        raise UserError(f"{path} cannot be read as a CSV file ({exc}). {what_to_do}") from None
    except OSError as exc:
        raise UserError(f"{path} cannot be read ({_os_reason(exc)}). {what_to_do}") from None
    missing = [c for c in MANIFEST_COLUMNS if c not in headings and c not in LATER_COLUMNS]
    if rows and missing:
        raise UserError(f"{path} has lost the heading{'s' * (len(missing) > 1)} {', '.join(missing)}, so its "
                        f"lines cannot be read. {what_to_do}")
    return rows


# ---- the register ------------------------------------------------------------------


def made_now_or_before(result: Result) -> dict[str, list[str]]:
    """audit id -> the files of its forms that are there: made now, or left from an earlier run."""
    made: dict[str, list[str]] = {}
    for e in result.entries:
        if e.audit_id and (e.status == "generated" or e.left_alone):
            made.setdefault(e.audit_id, []).append(str((result.out / e.file).resolve()))
    return made


def record_made(result: Result, allocations: AllocationList, library: Library, reg,
                now: dt.datetime | None = None) -> int:
    """Record in the open register `reg` (a `register.Register`, opened for writing) every audit whose form is
    there (made now, or left from an earlier run), with the files made; what `allocate` recorded for the same
    audit (where it came from, the auditor's role, the service, the audit it re-audits) is kept. Returns how
    many audits were recorded."""
    from ..register import audit_from_allocation

    made = made_now_or_before(result)
    rows = [a for a in allocations.allocations if a.audit_id in made]
    if not rows:
        return 0
    earlier = {a.audit_id: a for a in reg.audits(ids=[a.audit_id for a in rows])}
    audits = []
    for allocation in rows:
        before = earlier.get(allocation.audit_id)
        files = sorted(set(made[allocation.audit_id]) | set(before.files if before else []))
        if before is not None and before.source == "allocate":
            audits.append(audit_from_allocation(library.get(allocation.form_id), allocation, files=files,
                                                source="allocate", auditor_role=before.auditor_role,
                                                service=before.service, re_audit_of=before.re_audit_of,
                                                activity_type=before.activity_type,
                                                counts_toward_ten=before.counts_toward_ten, group=before.group))
        else:
            audits.append(audit_from_allocation(library.get(allocation.form_id), allocation, files=files,
                                                activity_type=allocation.activity_type,
                                                counts_toward_ten=allocation.counts_toward_ten,
                                                group=allocation.group))
    reg.record_audits(audits, now=now)
    return len(audits)


# ---- the use case: the month's forms, recorded, with their e-mail drafts ---------------------


@dataclass
class FormsMade:
    """What `make_forms` did: the list read, the forms made (`made`, a `Result`: an entry per row and format),
    the audits recorded in the register, and the e-mail drafts written."""

    allocations: AllocationList
    made: Result
    month: dt.date  # the audit month (its first day)
    register: Path | None = None  # the register the audits were recorded in (None: not recorded)
    recorded: int = 0  # audits recorded in the register
    drafts: object | None = None  # the e-mail drafts written (a `share.email.Drafts`), when asked for
    drafts_folder: Path | None = None
    drafts_refused: UserError | None = None  # why the drafts could not be made (the forms were)

    @property
    def out(self) -> Path:
        return self.made.out

    @property
    def notes(self) -> list[str]:
        """About the list read: worth saying, nothing is wrong."""
        return self.allocations.notes

    @property
    def warnings(self) -> list[str]:
        """The list's warnings (`allocations.warnings`) aside, the forms' (a council template's tags, a folder
        too deep...); the drafts' (an address missing) are the drafts' own."""
        return self.made.warnings

    @property
    def problems(self) -> list[Entry]:
        """The rows with no form: skipped (with their row and why), failed, or another form already there."""
        return [e for e in self.made.entries if e.status in ("skipped", "failed", "exists") and not e.left_alone]

    @property
    def files(self) -> list[Path]:
        """The files written: the forms made, the manifest and the drafts."""
        forms = [self.out / e.file for e in self.made.entries if e.status == "generated"]
        return forms + ([self.made.manifest] if self.made.manifest else []) + \
            (list(self.drafts.paths) if self.drafts else [])

    @property
    def all_generated(self) -> bool:
        return self.made.all_generated

    def lines(self) -> list[str]:
        """What the run says when it is done (the notes and warnings aside): the forms, the register, the
        drafts, and what was not made."""
        lines = summary(self.made)
        if self.register is not None:
            lines.append(f"{self.recorded} audit{'s' * (self.recorded != 1)} recorded in the register "
                         f"{self.register}.")
        elif not self.made.dry_run:
            lines.append("Note: no audit register was named (--register PATH, or work in a workspace: see "
                         "'auditdocs init'), so these audits are not recorded; 'auditdocs register import' can "
                         "add them later from the manifest.")
        return lines

    def drafts_lines(self) -> list[str]:
        return self.drafts.lines(self.drafts_folder) if self.drafts else []


def make_forms(ws: Workspace, *, data: Path, month: dt.date | None = None, out: Path | None = None,
               fmt: str = "docx", template: Path | None = None, force: bool = False, dry_run: bool = False,
               spec_id: str | None = None, mapping=(), sheet: str | None = None, allow_prefilled: bool = False,
               record: bool = True, auditors: Path | None = None, progress: Progress | None = None,
               on_read: Callable[[AllocationList], None] | None = None, today: dt.date | None = None,
               now: dt.datetime | None = None, audits: Collection[str] | None = None) -> FormsMade:
    """The month's forms: read the allocation list `data` (`spec_id`, `mapping`, `sheet`: as
    `read_allocations`), make a form per row in `out` (default: the workspace's forms folder's folder for the
    month), a folder per auditor, and, unless a dry run, record every audit whose form is there in the
    workspace's register (when `record`; the register is made if there is none yet) and, given the `auditors`
    list, write an e-mail draft per auditor with their forms in `out`/E-mail drafts. `month`: the audit month
    (due dates left empty become its last day; default: this month). `on_read`, if given, is called with the
    list once it is read, before any form is made (a front end shows its notes and warnings there, even when
    making the forms is then refused). `audits`: make only the forms of these audit ids (the list's other rows,
    and its problems, are left for another run: the demo makes some forms in Excel this way)."""
    library = ws.library()
    this_month = month or parse_month(None, today)
    out = Path(out) if out is not None else ws.forms / f"{this_month:%Y-%m}"
    allocations = read_allocations(data, library, spec_id=spec_id, mapping=mapping, month=month, sheet=sheet)
    if on_read is not None:
        on_read(allocations)
    chosen = allocations if audits is None else dataclasses.replace(
        allocations, allocations=[a for a in allocations.allocations if a.audit_id in audits], problems=[])
    made = generate(chosen, library, out, fmt=fmt, template=template, force=force, dry_run=dry_run,
                    progress=progress, allow_prefilled=allow_prefilled)
    result = FormsMade(allocations, made, this_month)
    if dry_run:
        return result
    if record:
        result.register = ws.register
        if made_now_or_before(made):
            with ws.open_register(write=True, create=True) as reg:
                result.recorded = record_made(made, allocations, library, reg, now=now)
    if auditors is not None:
        try:
            result.drafts_folder, result.drafts = forms_drafts_of(ws, made, allocations, auditors, this_month, now)
        except UserError as exc:  # the forms are made and recorded: say so, then why there are no drafts
            result.drafts_refused = exc
    return result


def forms_drafts_of(ws: Workspace, made: Result, allocations: AllocationList, auditors: Path, month: dt.date,
                    now: dt.datetime | None = None):
    """An e-mail draft per auditor, with the forms made for them (in this run or before), addressed from the
    `auditors` list, in `made.out`/E-mail drafts: (the folder, the `share.email.Drafts`)."""
    from ..share.email import addresses, forms_drafts, forms_made

    forms, due = forms_made(made, allocations, made.out)
    folder = made.out / "E-mail drafts"
    return folder, forms_drafts(forms, addresses(auditors, ws.settings("allocation"), month), folder, month, due,
                                ws.settings("email"), now=now)


# ---- what to tell the user --------------------------------------------------------


def summary(result: Result) -> list[str]:
    lines = []
    if result.dry_run:
        planned = [e for e in result.entries if e.status == "would generate"]
        if planned:
            lines.append("Would write:")
            lines += [f"  {e.file}" + (f" ({e.reason})" if e.reason else "") for e in planned]
            lines.append("")
    kept = result.left_alone
    groups = [
        ("skipped", "Rows skipped:", [e for e in result.entries if e.status == "skipped"]),
        ("failed", "Forms that could not be made:", [e for e in result.entries if e.status == "failed"]),
        ("exists", "Not made, because a form for the same audit is already there (--force makes it anyway):",
         [e for e in result.entries if e.status == "exists" and not e.left_alone]),
        ("kept", f"Note: {len(kept)} form{'s were' if len(kept) != 1 else ' was'} already there from an earlier run "
                 "and left alone (they may be being filled in; --force replaces them):", kept),
    ]
    for status, title, entries in groups:
        if entries:
            lines.append(title)
            shown = entries[:SHOW_AT_MOST] if status == "kept" else entries
            for e in shown:
                if status == "skipped":
                    case = f" (case {e.case_number})" if e.case_number else ""
                    lines.append(f"  row {e.row}{case}: {e.reason}")
                elif status == "kept":
                    lines.append(f"  row {e.row}: {e.file}")
                else:
                    lines.append(f"  row {e.row}: {e.file}: {e.reason}")
            if len(shown) < len(entries):
                lines.append(f"  ... and {len(entries) - len(shown)} more (all are listed in {MANIFEST}).")
            lines.append("")
    made = result.count("generated", "would generate")
    forms = f"{made} form{'s' * (made != 1)}"
    if result.dry_run:
        lines.append(f"Dry run: nothing was written. {forms} would be made in {result.out}, a folder per auditor.")
    else:
        already = f"; {len(kept)} already there" if kept else ""
        lines.append(f"{forms} generated in {result.out}, a folder per auditor{already}.")
    if result.manifest:
        lines.append(f"The list of forms is in {result.manifest}.")
    return lines
