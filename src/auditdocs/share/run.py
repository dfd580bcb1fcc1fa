"""Sharing, as use cases: a pseudonymised export (`export_audits`), the team's key (`new_key`) and the
finalised PDFs for the child's file (`finalise_audits`).

Each takes the workspace (its form specs, its settings, its register, read once in one transaction),
does the whole step and returns what was done: the files written, what needs a look, and what a front end
shows. `export`, `keys` and `finalise` hold the parts; nothing here prints.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from pathlib import Path

from .. import naming
from ..domain import model as m
from ..errors import UserError
from ..files import write_atomic
from ..progress import Progress, report
from ..register.interface import AuditRegister
from ..tagged_pdf import structure
from ..workspace import Workspace
from .export import ExportTables, check_output, export_tables, write_export
from .finalise import (
    NotFinalised,
    convert,
    find_soffice,
    finished_pdf,
    locate,
    plan_from_records,
    plan_from_register,
)

NO_KEY = ("give the team's key with --key-file FILE: the same key gives a child the same pseudonym in every export. "
          "If the team has no key yet, make one with `auditdocs key new team.key` (once, for the whole team; keep it "
          "safe and apart from the exports).")


def period_label(month: dt.date | None, first: dt.date | None, last: dt.date | None) -> str:
    """The months exported, as the summary and the About sheet name them."""
    if month:
        return f"{month:%B %Y}"
    if first and last:
        return f"{first:%B %Y} to {last:%B %Y}"
    if first or last:
        return f"{first:%B %Y} onwards" if first else f"up to {last:%B %Y}"
    return "every month in the register"


def _some(names: list[str]) -> str:
    """The first three names, and how many more."""
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


# ---- export ------------------------------------------------------------------------------


@dataclass
class Exported:
    """A pseudonymised export: its sheets (`tables`), the files written, and what to say about it."""

    tables: ExportTables
    files: list[Path]
    period: str  # the months exported, in words
    key_id: str  # which key made the pseudonyms (not the key)
    with_text: bool
    warnings: list[str] = dc_field(default_factory=list)  # about the key: where it is, who may read it

    @property
    def notes(self) -> list[str]:
        """Audits not fully exported, and why (the command line exits 1)."""
        return self.tables.notes

    def lines(self) -> list[str]:
        """What `auditdocs export` says it did."""
        counts = ", ".join(f"{len(s.rows)} {s.name.lower()}" for s in self.tables.sheets)
        return [f"Exported {counts} ({self.period}), pseudonymised with key {self.key_id}:",
                *(f"  {path}" for path in self.files),
                "It is still personal data under UK GDPR: share it only under an agreement, and never with the key."
                + (" Read the free text before sharing: names the records do not hold cannot be replaced."
                   if self.with_text else "")]


def _with_history(reg: AuditRegister, month: dt.date | None, first: dt.date | None,
                  last: dt.date | None) -> tuple[list[m.RegisteredAudit], list[m.RegisteredAudit]]:
    """The audits of the months asked for, and every audit of their cases (re-audits, stages)."""
    audits = reg.audits(month=month, first=first, last=last)
    history = [h for case in sorted({a.case_number for a in audits if a.case_number}) for h in reg.case_history(case)]
    return audits, history


def export_audits(ws: Workspace, *, key_file: Path | None, out: Path, month: dt.date | None = None,
                  first: dt.date | None = None, last: dt.date | None = None, long: bool = False,
                  with_text: bool = False, code_teams: bool | None = None,
                  today: dt.date | None = None) -> Exported:
    """Export the register's audits of `month` (or of the months `first`..`last`; default every month) to `out`
    (.xlsx, or .csv: one per sheet), pseudonymised with the team's key in `key_file`: one row per audit, with
    `long` also per judgement and per action; `with_text` keeps the free text with names replaced by roles;
    `code_teams` (None: the workspace's [export] settings) replaces team and service names by keyed codes.
    `today`: the day the stages are worked out on (default: the clock's)."""
    from .keys import load_key

    if key_file is None:
        raise UserError(NO_KEY)
    check_output(out)
    key, warnings = load_key(key_file)
    if key_file.resolve().parent == out.resolve().parent:
        warnings.append(f"the key {key_file} is in the same folder as the export: keep them apart, so that the key "
                        "never goes out with an export.")
    library = ws.library()
    settings = ws.settings("export")
    if code_teams is not None:
        settings = replace(settings, code_teams=code_teams)
    with ws.open_register() as reg:
        audits, history = _with_history(reg, month, first, last)
    period = period_label(month, first, last)
    if not audits:
        raise UserError(f"the register {ws.register} has no audits for {period}, so nothing was exported. "
                        "Check the month, and that the audits were recorded in this register.")
    tables = export_tables(audits, library, key, today or dt.date.today(), settings=settings, long=long,
                           with_text=with_text, history=history, period=period)
    return Exported(tables, write_export(tables, out), period, key.key_id, with_text, warnings)


# ---- the key ------------------------------------------------------------------------------


@dataclass
class KeyMade:
    path: Path
    private: bool  # readable by its owner only (where the system can say so; not on Windows)

    @property
    def files(self) -> list[Path]:
        return [self.path]

    def lines(self) -> list[str]:
        """What `auditdocs key new` says: the key made, and how to keep it."""
        from ..files import WINDOWS_PRIVACY
        from .keys import KEY_ADVICE

        if self.private:
            return [f"Made the key {self.path} (readable by you only).", KEY_ADVICE]
        return [f"Made the key {self.path}.", KEY_ADVICE, WINDOWS_PRIVACY]


def new_key(ws: Workspace | None, path: Path) -> KeyMade:
    """Make the team's pseudonymisation key at `path` (never replacing one). The key is the team's, not the
    workspace's: `ws` may be None (the command line makes one wherever it is asked to)."""
    from ..files import owner_only
    from .keys import make_key_file

    make_key_file(path)
    return KeyMade(Path(path), owner_only())


# ---- finalise -----------------------------------------------------------------------------


@dataclass
class Finalised:
    """The PDFs made for the child's file, and the audits not finalised with the reason."""

    out: Path
    made: list[Path] = dc_field(default_factory=list)
    untagged: list[str] = dc_field(default_factory=list)  # PDFs of Word forms LibreOffice did not tag
    pictured: list[str] = dc_field(default_factory=list)  # PDFs of Excel forms left untagged (a picture, a chart)
    skipped: list[NotFinalised] = dc_field(default_factory=list)
    warnings: list[str] = dc_field(default_factory=list)  # before the PDFs were made (a folder too deep)

    @property
    def files(self) -> list[Path]:
        return self.made

    def lines(self) -> list[str]:
        """The PDFs made, as `auditdocs finalise` lists them (the audits not finalised: `skipped_lines`)."""
        if not self.made:
            return ["No audit was finalised."]
        n = len(self.made)
        return [f"Finalised {n} audit{'s' * (n != 1)} in {self.out} (upload each to the case file, then delete it "
                "from here: it is personal data):", *(f"  {path.name}" for path in self.made)]

    def tagging_warnings(self) -> list[str]:
        """Which PDFs a screen reader cannot find its way in, and what to do."""
        from ..tagged_pdf import UPDATE_LIBREOFFICE

        out = []
        if self.untagged:
            out.append(f"these PDFs are not tagged for screen readers (no headings or tables for them to find): "
                       f"{_some(self.untagged)}. {UPDATE_LIBREOFFICE}, then finalise them again.")
        if self.pictured:
            out.append(f"these PDFs are not tagged for screen readers, because their Excel forms hold a picture, "
                       f"chart or shape that a tagged PDF would lose (a screen reader reads them page by page): "
                       f"{_some(self.pictured)}. To have one tagged, delete the picture, chart or shape from a copy "
                       "of its form and finalise the copy.")
        return out

    def skipped_lines(self) -> list[str]:
        """The audits not finalised, each with the reason (none: nothing)."""
        if not self.skipped:
            return []
        return [f"Not finalised ({len(self.skipped)}):", *(f"  {skipped}" for skipped in self.skipped)]


def finalise_audits(ws: Workspace, *, paths: list[Path] | None = None, month: dt.date | None = None, out: Path,
                    today: dt.date | None = None, now: dt.datetime | None = None,
                    progress: Progress | None = None) -> Finalised:
    """A PDF of each complete audit, for the child's (or carer's) file, written into `out`: of the returned
    forms in `paths` (files or folders), or of the register's audits of `month` (the file each was read
    from, if it is still there unchanged). Needs LibreOffice (`errors.ProgramMissing` without it). `today`:
    the audit date of a form that gives none and was never saved; `now`: the PDFs' creation date (both
    default to the clock). `progress` is told of each PDF finished."""
    if bool(paths) == (month is not None):
        raise ValueError("finalise the returned forms (paths) or the register's audits of a month, not both")
    soffice = find_soffice()
    library = ws.library()
    today = today or dt.date.today()
    if paths:
        from ..returns.read import read_returns

        records = list(read_returns(list(paths), library))
        if not records:
            raise UserError("no forms (.docx or .xlsx) were found there; nothing was finalised.")
        plan = plan_from_records(records, library, today)
    else:
        with ws.open_register() as reg:
            audits = reg.audits(month=month)
        if not audits:
            raise UserError(f"the register {ws.register} has no audits for {month:%B %Y}; nothing was finalised.")
        plan = plan_from_register(audits, library, today, locate)
    done = Finalised(Path(out), skipped=plan.skipped)
    now = now or dt.datetime.now()
    if warning := naming.too_deep(out, "x.pdf"):
        done.warnings.append(f"{warning[0].upper()}{warning[1:]}")
    results = convert(plan.items, soffice, out)
    for n, item in enumerate(plan.items, start=1):
        result = results[item.audit_id]
        if isinstance(result, bytes):
            pdf = finished_pdf(result, item, now)
            name = naming.fit_name(out, item.name, (item.case_number, item.audit_id))  # short enough for Windows
            done.made.append(write_atomic(out / name, pdf, private=True))
            if not structure(pdf).tagged:  # see finalise.convert
                (done.untagged if item.source.suffix.lower() == ".docx" else done.pictured).append(name)
        else:
            done.skipped.append(NotFinalised(str(item.source), result))
        report(progress, n, len(plan.items))
    return done
