"""Looking after the register, the use cases of `auditdocs register`: taking in the forms made before it
existed (`import_manifests`), checking it against the files and the tracker (`check_register`), and remaking it
from them (`rebuild_register`). Each takes the workspace, whose register it opens once.

They stay beside the consolidation: rebuilding the register is a consolidation run that writes only the
register (`run.register_from_folders`), and checking it compares the files as consolidation finds them."""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path

from ..domain import model as m
from ..domain.dates import parse_date
from ..domain.identity import AUDIT_ID_RE, audit_month
from ..errors import UserError
from ..files import sha256_of
from ..forms.read import is_not_searched, not_searched, read_form
from ..generate.run import MANIFEST, read_manifest
from ..register import file_hash
from ..register.rebuild import rebuilding
from ..returns.read import find_files
from ..tracker import book
from ..tracker import rows as r
from ..workspace import Workspace
from . import plan
from .run import Summary, register_from_folders


@dataclass
class Imported:
    manifests: list[Path] = dc_field(default_factory=list)
    new: int = 0
    known: int = 0  # already in the register (made by generate or allocated): their files added
    problems: list[str] = dc_field(default_factory=list)
    audits: list[m.RegisteredAudit] = dc_field(default_factory=list)  # those the manifests list


def manifests_under(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).rglob(MANIFEST) if p.is_file())


def audits_of_manifest(path: Path, library, problems: list[str]) -> list[m.RegisteredAudit]:
    """The audits a manifest.csv lists as made, with their details read from the forms themselves.
    A line whose audit id or form is not one auditdocs makes, or whose file is outside the manifest's
    folder (never opened), is left out and said; so is a file that cannot be opened, and the rest goes on."""
    out = {}
    for n, row in enumerate(read_manifest(path), start=2):
        audit_id, status = (row.get("Audit id") or "").strip(), (row.get("Status") or "").strip()
        if not audit_id or status not in ("generated", "exists"):
            continue
        form_id, version = (row.get("Form") or "").strip(), (row.get("Version") or "").strip()
        where = f"{path}, line {n}"
        if not AUDIT_ID_RE.fullmatch(audit_id):
            problems.append(f"{where}: '{audit_id}' is not an audit id auditdocs makes (AUD-YYYYMM-…); the line was "
                            "left out. Check the manifest.")
            continue
        if library.get(form_id) is None:
            problems.append(f"{where}: the form '{form_id}' is not among the form specs{library.suggest(form_id)}; "
                            "the line was left out. Add its spec, or check the manifest.")
            continue
        # a manifest written on Windows has backslashes; no name generate makes has one (see naming.safe_name)
        file = path.parent / (row.get("File") or "").replace("\\", "/")
        try:
            file = file.resolve()
            outside = not file.is_relative_to(path.parent.resolve())
            there = not outside and file.is_file()
        except OSError as exc:
            problems.append(f"{where}: the form {file} could not be opened ({exc.strerror or exc}); the line was "
                            "left out. Shorten the folder names (or move the forms nearer the top of the drive) and "
                            "import again.")
            continue
        if outside:
            problems.append(f"{where}: the file {row.get('File')} is outside the folder {path.parent}, where this "
                            "manifest's forms are; it was not opened and the line was left out. Check the manifest.")
            continue
        subject = {"case_number": row.get("Case number") or "", "auditor": row.get("Auditor") or ""}
        if there:
            record = read_form(file, library)
            if record.audit_id and record.audit_id != audit_id:
                problems.append(f"{path}, line {n}: {file.name} holds audit {record.audit_id}, not {audit_id}; "
                                "it was left out. Check the manifest.")
                continue
            subject = {**subject, **{k: v for k, v in record.subject.items() if v}}
        else:
            problems.append(f"{path}, line {n}: the form {file} is no longer there, so only the case number and "
                            "auditor the manifest gives were recorded.")
        due = parse_date(subject.get("due_date"))
        month = due.replace(day=1) if due else audit_month(audit_id)
        known = out.get(audit_id)
        files = sorted({str(file), *(known.files if known else [])})
        out[audit_id] = m.RegisteredAudit(audit_id, form_id, int(version) if version.isascii() and version.isdigit() else None, subject,
                                          month, due, "manifest", files, **activity_of_manifest(row))
    return list(out.values())


def activity_of_manifest(row: dict) -> dict:
    """The programme's activity of a manifest's line (a manifest written before the programme has none: the control
    sample), as `RegisteredAudit`'s fields."""
    from ..allocate.allocation_list import group_names

    group = group_names(row.get("Group") or "")
    return {"activity": (row.get("Activity") or "").strip(), "activity_type": (row.get("Activity type") or "").strip(),
            "counts_toward_ten": (row.get("Counts toward the ten") or "").strip().lower() != "no", "group": group}


def import_manifests(ws: Workspace, folder: Path, *, library=None, now: dt.datetime | None = None) -> Imported:
    """Record in the workspace's register (made if there is none) the audits of every manifest.csv under `folder`
    (forms made before the register existed). Audits it already holds keep what generate or allocate recorded;
    their files are added. `library`: the specs to read the forms with (default: the workspace's)."""
    library = library or ws.library()
    result = _manifests(folder, library)
    with ws.open_register(write=True, create=True) as reg:
        _record_manifests(reg, result, now)
    return result


def _manifests(folder: Path, library) -> Imported:
    """The manifests under `folder`, with their audits read (UserError when there is none)."""
    result = Imported(manifests_under(folder))
    if not result.manifests:
        raise UserError(f"there is no {MANIFEST} in {folder} or the folders in it. Give the folder the forms were "
                        "made in (auditdocs generate writes its manifest.csv there).")
    result.audits = [a for path in result.manifests for a in audits_of_manifest(path, library, result.problems)]
    return result


def _record_manifests(reg, result: Imported, now: dt.datetime | None) -> None:
    earlier = {a.audit_id: a for a in reg.audits(ids=[a.audit_id for a in result.audits])}
    record = []
    for a in result.audits:
        before = earlier.get(a.audit_id)
        if before is None or before.source in ("manifest", "returned"):
            result.new += before is None
            result.known += before is not None
            record.append(a)
        else:
            result.known += 1
            before.files = sorted(set(before.files) | set(a.files))
            record.append(before)
    reg.record_audits(record, now=now)


# ---- checking ----------------------------------------------------------------------------


def check_register(ws: Workspace, *, forms: list[Path] | None = None, returned: list[Path] | None = None,
                   with_tracker: bool = True) -> list[str]:
    """Every difference between the workspace's register and the forms folders (default: the workspace's), the
    returned forms (default: the workspace's folder, when it is there) and the tracker (`with_tracker`: the
    workspace's, when it is there), each with what to do ([] when they agree)."""
    library = ws.library()
    forms = [ws.forms] if forms is None else list(forms)
    returned = [p for p in ([ws.returned] if returned is None else returned) if Path(p).exists()]
    tracker = ws.tracker if with_tracker else None
    out = []
    with ws.open_register() as reg:
        audits = {a.audit_id: a for a in reg.audits()}
        for folder in forms:
            for manifest in manifests_under(folder) if Path(folder).is_dir() else []:
                for a in audits_of_manifest(manifest, library, []):
                    if a.audit_id not in audits:
                        out.append(f"{a.audit_id} is in {manifest} but not in the register: run "
                                   f"'auditdocs register import \"{folder}\"'.")
        for a in audits.values():
            gone = [f for f in a.files if not os.path.exists(f)]
            if gone and not a.returns:
                out.append(f"{a.audit_id}: the form made for it ({gone[0]}) is no longer there.")
            for version in a.returns:
                if version.places and not any(os.path.exists(r.file_location(f, p)) for f, p in version.places):
                    out.append(f"{a.audit_id}: the returned file {version.path} (last seen in {version.folder}) "
                               "is no longer there; the register keeps what it said.")
        found = find_files(list(returned)) if returned else []
        out += [not_searched(f) for f, _ in found if is_not_searched(f)]
        hashes = {str(f): file_hash(f) for f, _ in found if not is_not_searched(f)}
        known = reg.known_contents(hashes.values())
        for f, h in hashes.items():
            if h not in known:
                out.append(f"{f} has come back but is not in the register yet: run 'auditdocs consolidate'.")
        for version in reg.unidentified():
            if version.status != "unreadable" and version.record.audit_id and any(
                    os.path.exists(r.file_location(f, p)) for f, p in version.places):
                out.append(f"{r.file_location(version.folder, version.path)} says it is the audit "
                           f"{version.record.audit_id} but is on no audit (see the tracker's Exceptions sheet): once "
                           "you have checked it, run 'auditdocs consolidate --attach FILE AUDIT_ID'.")
        if tracker is not None and Path(tracker).exists():
            out += _check_tracker(Path(tracker), reg, audits)
    return out


def _check_tracker(path: Path, reg, audits: dict[str, m.RegisteredAudit]) -> list[str]:
    sha = sha256_of(path)
    if reg.tracker_written(sha) is not None:
        return []  # as the register wrote it
    tracker = book.open_tracker(path)
    audit_ids, action_ids = reg.keys()
    old = book.read_sheets(tracker, {r.AUDITS.name: audit_ids.__contains__, r.ACTIONS.name: action_ids.__contains__})
    out = []
    sheet = old[r.AUDITS.name]
    on_tracker = {k for k in sheet.keys if k}
    for key in sorted(k for k, whole in zip(sheet.keys, sheet.whole) if k and whole):
        out.append(f"{key} is on the tracker's Audits sheet but not in the register: run 'auditdocs register "
                   "rebuild' with the folders of its forms, or 'auditdocs consolidate' over them.")
    missing = [a for a in audits if a not in on_tracker]
    if missing:
        out.append(f"{len(missing)} audit{'s' * (len(missing) != 1)} in the register "
                   f"{'are' if len(missing) != 1 else 'is'} not on the tracker yet ({', '.join(missing[:3])}"
                   f"{'…' if len(missing) > 3 else ''}): run 'auditdocs consolidate'.")
    back = plan.read_back(old, audits, dt.date.today(), reg.tracker_last_written(path))
    changed = 0
    for sheet_name, cells in back.cells.items():
        held = reg.tracker_columns(sheet_name)
        changed += sum(1 for key, typed in cells.items() if typed != held.get(key, {}))
    changed += len(back.events) + len(back.gone)
    if changed:
        out.append(f"rows of the tracker were changed since the register last read it ({changed}: managers' or QA "
                   "officers' entries): run 'auditdocs consolidate' to take them into the register.")
    return out


# ---- rebuilding ----------------------------------------------------------------------------


@dataclass
class Rebuilt:
    summary: Summary | None
    imported: Imported | None
    kept: Path | None  # the register as it was, kept beside the new one


def rebuild_register(ws: Workspace, *, forms: list[Path] | None = None, returned: list[Path] | None = None,
                     with_tracker: bool = True, now: dt.datetime | None = None) -> Rebuilt:
    """Remake the workspace's register from the manifests under `forms` (default: the workspace's forms folder),
    the returned forms under `returned` (default: the workspace's folder), and the tracker's managers' and QA
    officers' columns (`with_tracker`: the workspace's tracker, when it is there; it is not changed). Every form
    spec is needed (`ws.library(strict=True)`). The register there was is kept beside it (`<name> before rebuild
    <date time>`); the new one replaces it only when it is whole."""
    now = now or dt.datetime.now()
    library = ws.library(strict=True)
    forms = [ws.forms] if forms is None else list(forms)
    returned = [ws.returned] if returned is None else list(returned)
    tracker = Path(ws.tracker) if with_tracker and Path(ws.tracker).exists() else None
    with rebuilding(ws.register, now) as new:
        building = ws.with_files(register=new.path)
        imported = None
        for folder in [f for f in forms if Path(f).is_dir() and manifests_under(f)]:
            done = import_manifests(building, folder, library=library, now=now)
            imported = imported or Imported()
            imported.manifests += done.manifests
            imported.new += done.new
            imported.known += done.known
            imported.problems += done.problems
        summary = None
        if returned or tracker:
            found = [p for p in returned if Path(p).exists()]
            summary = register_from_folders(building, found, library, tracker, now=now)
        if not new.made:
            raise UserError("there was nothing to rebuild the register from: give the folders of the forms made, "
                            "of the returned forms, or the tracker.")
    return Rebuilt(summary, imported, new.kept)

