"""The learning log's use cases: `add_to_log` (`auditdocs learning log add`), and what consolidate calls to take
in the rows a QA officer typed in the tracker's Learning log sheet (`adopt_typed_rows`)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path

from ..domain import model as m
from ..domain.dates import parse_date, uk
from ..errors import UserError
from ..workspace import PROGRAMME_FILE, Workspace
from . import log


def the_log(reg) -> list[m.LearningAction]:
    """The learning log as it stands: the register's, with what people typed in its tracker sheet."""
    return log.as_it_stands(reg.learning_log(), reg.tracker_columns(log.SHEET.name))


def workspace_programme(ws: Workspace, path: Path | None = None, *, needed: bool = False):
    """The programme (`programme.plan.Programme`) to check re-checks against: the one given, else the workspace's;
    None when there is none (a UserError saying how to give one when `needed`)."""
    from ..programme.run import check_programme, programme_path

    if path is None and (ws.settings_file is None or not (ws.folder / PROGRAMME_FILE).exists()):
        if needed:
            programme_path(ws, path)  # says how to give one
            raise UserError(f"the workspace has no {PROGRAMME_FILE} to check the re-check against: give it with "
                            "--programme FILE.")
        return None
    return check_programme(ws, path).programme


@dataclass
class LogAdded:
    entry: m.LearningAction
    notes: list[str] = dc_field(default_factory=list)

    def lines(self) -> list[str]:
        e = self.entry
        said = [f"Added {e.log_id} to the learning log ({e.kind}): {e.action or e.finding}",
                f"  Owner: {e.owner}, due {uk(e.due)}" + (f", service: {e.service}" if e.service else "")]
        if e.recheck:
            said.append(f"  Re-check: {e.recheck}" + (f" ({e.recheck_month:%B %Y})" if e.recheck_month else ""))
        return said + ["It is in the tracker's Learning log sheet after the next 'auditdocs consolidate'.", *self.notes]


def add_to_log(ws: Workspace, *, finding: str, owner: str, due: str | dt.date, kind: str = "learning",
               action: str = "", service: str = "", themes: list[str] | tuple = (), audits: list[str] | tuple = (),
               recheck: str = "", programme: Path | None = None, today: dt.date | None = None,
               now: dt.datetime | None = None) -> LogAdded:
    """Add an action agreed at a learning session to the log, with its next id. `recheck`: the programme's dip
    sample or thematic audit that will test it, with its month ("Children who go missing 2027-07"), checked
    against the programme (`programme`, else the workspace's). The audits named must be in the register."""
    today = today or dt.date.today()
    if not finding.strip():
        raise UserError("give the finding the action answers (--finding \"...\").")
    chosen_kind, problem = log.kind_of(kind)
    if problem:
        raise UserError(f"--kind: {problem}")
    day = due if isinstance(due, dt.date) else parse_date(due)
    if day is None:
        raise UserError(f"--due: '{due}' is not a date: write it as 2027-03-31 or 31/03/2027.")
    name, month = "", None
    if recheck.strip():
        name, month, problem = log.split_recheck(recheck)
        prog = workspace_programme(ws, programme, needed=True)
        problem = problem or log.check_recheck(name, month, prog)
        if problem:
            raise UserError(f"--recheck: {problem}")
        name = log.recheck_name(name, prog)
    with ws.open_register(write=True, create=True) as reg:
        if audits:
            known, _ = reg.keys()
            for audit_id in audits:
                if audit_id not in known:
                    from ..specs.loader import did_you_mean

                    raise UserError(f"--audit: '{audit_id}' is not an audit of the register "
                                    f"{reg.path}{did_you_mean(audit_id, known)}.")
        entry = m.LearningAction(log.next_id([e.log_id for e in reg.learning_log()], today.year), chosen_kind,
                                 " ".join(finding.split()), " ".join(action.split()), owner.strip(), service.strip(),
                                 day, [t.strip() for t in themes if t.strip()], list(audits), log.STATUSES[0], "",
                                 name, month, today, log.FROM_COMMAND_LINE)
        reg.record_learning([entry], now=now)
    return LogAdded(entry)


def adopt_typed_rows(sheet, reg, styles, today: dt.date, ws: Workspace) -> list[dict]:
    """Consolidate's step for the Learning log sheet: the rows typed in it taken into the register with ids (see
    `log.adopt_rows`); the Exceptions rows saying so, and what people typed there that cannot be used."""
    if sheet is None:
        return []
    if all(not whole for whole in sheet.whole):
        return log.typed_problems(sheet, today)
    try:
        programme = workspace_programme(ws)
    except UserError:  # a programme that cannot be read: its own check says why
        programme = None
    adopted = log.adopt_rows(sheet, reg.learning_log(), today, styles, programme)
    if adopted.entries:
        reg.record_learning(adopted.entries)
    return adopted.exceptions + log.typed_problems(sheet, today)


# ---- the improvement plan and the bulletin -----------------------------------------------------


@dataclass
class PlanMade:
    plans: list
    docx: Path
    xlsx: Path

    @property
    def files(self) -> list[Path]:
        return [self.docx, self.xlsx]

    def lines(self, shown=str) -> list[str]:
        n = sum(len(p.rows) for p in self.plans)
        services = len(self.plans)
        return [f"Improvement plan: {n} action{'s' * (n != 1)} of the learning log, {services} "
                f"service{'s' * (services != 1)}.", f"  Word:  {shown(self.docx)}", f"  Excel: {shown(self.xlsx)}"]


def improvement_plan(ws: Workspace, *, service: str | None = None, out: Path | None = None,
                     today: dt.date | None = None, now: dt.datetime | None = None) -> PlanMade:
    """The service improvement plan (Word and Excel, in `out`, default the workspace's reports folder): each
    finding of the learning log, what has changed, how and when it will be checked, per service (`service`
    alone when given); the re-check's grade profile once its audits are back."""
    from ..files import write_atomic
    from .plan import plan_docx, plan_of, plan_xlsx

    today = today or dt.date.today()
    when = (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)
    library = ws.library()
    with ws.open_register() as reg:
        entries, audits = the_log(reg), reg.audits(summaries=True)
    if service is not None:
        services = sorted({e.service for e in entries if e.service}, key=str.casefold)
        if service.casefold() not in {s.casefold() for s in services}:
            from ..specs.loader import did_you_mean

            raise UserError(f"--service: no action of the learning log is for '{service}'"
                            f"{did_you_mean(service, services)}. Its services: {', '.join(services) or 'none yet'}.")
    plans = plan_of(entries, audits, library, today, service)
    title = "Service improvement plan" + (f": {plans[0].service}" if service and plans else "")
    intro = (f"From the learning log on {today.day} {today:%B %Y}: each finding of audits, what has changed, how it "
             "will be checked and when. The re-check's result is shown once its audits have come back.")
    folder = Path(out) if out is not None else ws.folder / "output" / "reports"
    name = "Improvement plan" + (f" {service}" if service else "") + f" {today:%Y-%m-%d}"
    from .. import naming

    name = naming.safe_name(name, 80)
    docx = write_atomic(folder / f"{name}.docx", plan_docx(plans, title, when, intro), private=True)
    xlsx = write_atomic(folder / f"{name}.xlsx", plan_xlsx(plans, title, intro), private=True)
    return PlanMade(plans, docx, xlsx)


@dataclass
class BulletinMade:
    bulletin: object
    docx: Path

    @property
    def files(self) -> list[Path]:
        return [self.docx]

    def lines(self, shown=str) -> list[str]:
        return [f"Learning bulletin for {self.bulletin.period}: {shown(self.docx)}"]


def learning_bulletin(ws: Workspace, *, first: dt.date, last: dt.date | None = None, out: Path | None = None,
                      today: dt.date | None = None, now: dt.datetime | None = None) -> BulletinMade:
    """The one-page learning bulletin for staff for the months `first`..`last` (Word, in `out`, default the
    workspace's reports folder): what audits found, what good looks like, what to do differently."""
    from ..files import write_atomic
    from .bulletin import bulletin_docx, bulletin_of

    first = first.replace(day=1)
    last = (last or first).replace(day=1)
    if last < first:
        raise UserError(f"--to {last:%Y-%m} is before --from {first:%Y-%m}: give the first month, then the last.")
    today = today or dt.date.today()
    when = (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)
    library = ws.library()
    with ws.open_register() as reg:
        entries, every = the_log(reg), reg.audits(summaries=True)
        # the months' audits with their whole records (what the forms say, not only what the rules read)
        chosen = reg.audits(ids=[a.audit_id for a in every if a.month is not None and first <= a.month <= last])
    made = bulletin_of(entries, chosen, every, library, first, last, today)
    folder = Path(out) if out is not None else ws.folder / "output" / "reports"
    span = f"{first:%Y-%m}" + (f" to {last:%Y-%m}" if last != first else "")
    docx = write_atomic(folder / f"Learning bulletin {span}.docx", bulletin_docx(made, when), private=True)
    return BulletinMade(made, docx)
