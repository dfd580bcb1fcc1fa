"""The moderation use cases, each run in a workspace with its register opened once:

- `select_sample(ws, month=…, people=…)`: choose the month's sample and a moderator for each audit, and
  record who moderates what (unless a sample is still waiting for moderation, or `dry_run`);
- `make_moderator_copies(ws, month=…, out=…)`: a copy of each chosen audit's returned form for its moderator;
- `record_dispute(ws, audit_id, senior=…, people=…)`: a disputed audit and the senior manager who moderates it;
- `agreement(ws, month=… | first=…, last=…)`: how far auditors' grades and the grades after moderation agree.

`people` is the moderators list as `moderators.read_moderators(path)` reads it (its rows skipped are in
`people.problems`, for the front end to show). Each returns a result object; nothing here prints.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from pathlib import Path

from .. import naming
from ..errors import UserError
from ..workspace import Workspace
from .forms import CopyResult
from .moderators import Moderator, ModeratorList
from .select import Sample

# ---- select ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    """An audit of an earlier sample, still waiting for moderation."""

    audit_id: str
    case_number: str | None
    moderator: str


@dataclass
class SampleSelection:
    """What `select_sample` did: the sample chosen (and whether it was recorded), or, when the month's
    sample was chosen already and `replace` was not asked, the audits still waiting for moderation."""

    month: dt.date
    register: Path
    sample: Sample | None = None  # None: the month's sample was chosen already (see `waiting`)
    waiting: list[Waiting] = dc_field(default_factory=list)
    chosen_on: dt.date | None = None  # when the waiting sample was chosen
    recorded: bool = False
    dry_run: bool = False

    @property
    def notes(self) -> list[str]:
        """What needs a QA officer's attention."""
        return list(self.sample.notes) if self.sample else []

    def lines(self) -> list[str]:
        """The sample (or what is waiting), as the QA officer reads it."""
        if self.sample is None:
            out = [f"The moderation sample for {self.month.strftime('%B %Y')} was chosen on "
                   f"{self.chosen_on.strftime('%d/%m/%Y')}; waiting for moderation:"]
            out += [f"  {w.audit_id}  case {w.case_number}  moderator {w.moderator}" for w in self.waiting]
            return out + ["To choose again, add --replace (audits already moderated stay in the sample)."]
        return self.sample.lines()


def select_sample(ws: Workspace, *, month: dt.date, people: ModeratorList, share: float | None = None,
                  seed: int | None = None, replace_sample: bool = False, dry_run: bool = False,
                  today: dt.date | None = None, now: dt.datetime | None = None) -> SampleSelection:
    """Choose the month's moderation sample (see `select.choose_sample`; `share` overrides the settings') and
    record a 'selected_for_moderation' event per audit given to a moderator. A sample still waiting for
    moderation is kept (and described) unless `replace_sample`, which chooses again (audits moderated already
    stay in it). `dry_run`: record nothing. `today`: the day chosen; `now`: when it is recorded (both default to
    the clock)."""
    from .outcome import audit_moderation
    from .select import choose_sample

    lib = ws.library()
    settings = ws.settings("moderation")
    if share is not None:
        settings = replace(settings, share=share)
    today = today or dt.date.today()
    with ws.open_register(write=not dry_run) as reg:
        audits = reg.audits(month=month)
        pending = [(a, e) for a in audits for e in a.events_of("selected_for_moderation")
                   if not audit_moderation(a, lib.get(a.form_id, a.form_version)).moderated]
        if pending and not replace_sample:
            return SampleSelection(month, ws.register, waiting=[Waiting(a.audit_id, a.case_number, e.who)
                                                                for a, e in pending],
                                   chosen_on=pending[0][1].on)
        sample = choose_sample(audits, lib, people.moderators, team_services=people.services_of_team(),
                               month=month, today=today, settings=settings, seed=seed)
        if not dry_run:
            if replace_sample:
                reg.delete_events(e.id for _, e in pending)
            reg.record_events(sample.events(today), now=now)
    return SampleSelection(month, ws.register, sample, recorded=not dry_run, dry_run=dry_run)


# ---- the moderators' copies ------------------------------------------------------------------------

_SAID = {"made": "made", "kept": "already there, kept (use --force to replace)", "problem": "NOT made"}


@dataclass
class CopiesMade:
    """What `make_moderator_copies` did: a result per copy (made, kept, or a problem with its notes)."""

    month: dt.date
    out: Path
    results: list[CopyResult] = dc_field(default_factory=list)
    warnings: list[str] = dc_field(default_factory=list)  # e.g. the output folder is deep

    @property
    def files(self) -> list[Path]:
        """The copies written."""
        return [self.out / r.plan.target for r in self.results if r.status == "made"]

    @property
    def made(self) -> int:
        return sum(r.status == "made" for r in self.results)

    @property
    def attention(self) -> bool:
        """A copy could not be made, or a note says what the moderator should do by hand."""
        return any(r.status == "problem" or r.notes for r in self.results)

    def lines(self) -> list[str]:
        """Each moderator (and e-mail) with their copies, then how many were made."""
        out = []
        for moderator in dict.fromkeys(r.plan.moderator for r in self.results):
            theirs = [r for r in self.results if r.plan.moderator == moderator]
            email = theirs[0].plan.email
            out.append(f"{moderator}" + (f" <{email}>" if email else "") + ":")
            for r in theirs:
                where = f": {self.out / r.plan.target}" if r.status != "problem" else ""
                out.append(f"  {r.plan.audit_id} {_SAID[r.status]}{where}")
                out += [f"      {note}" for note in r.notes]
        made = self.made
        out.append(f"{made} cop{'y' if made == 1 else 'ies'} made in {self.out}, a folder per moderator. Send each "
                   "moderator their folder; their forms come back with the month's other returns.")
        return out


def make_moderator_copies(ws: Workspace, *, month: dt.date, out: Path, force: bool = False,
                          now: dt.datetime | None = None) -> CopiesMade:
    """Copy each audit of the month chosen for moderation (and not moderated yet) for its moderator, into a
    folder per moderator under `out` (see `forms.make_copies`; a copy already there is kept unless `force`).
    `now`: the copies' saved time (default: the clock, in UTC)."""
    from .forms import make_copies, plan_copies

    lib = ws.library()
    with ws.open_register() as reg:
        audits = reg.audits(month=month)
    plans = plan_copies(audits, lib)
    if not plans:
        raise UserError(f"no audit of {month.strftime('%B %Y')} is waiting for moderation. Choose the sample first: "
                        f"auditdocs moderation select --month {month.strftime('%Y-%m')} …")
    results = make_copies(plans, lib, out, force=force, when=now)
    made = CopiesMade(month, out, results)
    made_in = [out / r.plan.target for r in results if r.status != "problem"]
    if made_in and (deep := naming.too_deep(max(made_in, key=naming.length).parent, made_in[0].name)):
        made.warnings.append(f"{deep[0].upper()}{deep[1:]}")
    return made


# ---- disputes --------------------------------------------------------------------------------------


@dataclass
class DisputeRecorded:
    """The dispute `record_dispute` recorded: the audit, the senior manager who moderates it, the outcome."""

    audit_id: str
    case_number: str | None
    senior: Moderator
    outcome: str = ""
    reason: str = ""

    def lines(self) -> list[str]:
        return [f"Recorded: the dispute of {self.audit_id} (case {self.case_number}) is moderated by "
                f"{self.senior.described()}, a senior manager from a service not connected with the case."
                + (f" Outcome: {self.outcome}" if self.outcome else " Run again with --outcome when it is decided.")]


def record_dispute(ws: Workspace, audit_id: str, *, senior: str, people: ModeratorList, outcome: str = "",
                   reason: str = "", today: dt.date | None = None) -> DisputeRecorded:
    """Record that `audit_id` is disputed and moderated by `senior` (a name on the moderators list): a senior
    manager (a role in the settings' senior_roles) from a service not connected with the case. Nothing is
    recorded when they may not moderate it (the message says who may)."""
    from .dispute import dispute_event, dispute_problems, who_may

    settings = ws.settings("moderation")
    person = people.find(senior)
    if person is None:
        raise UserError(f"{senior} is not on the moderators list {people.path.name}. Add them (name, role, service, "
                        "e-mail), or check the spelling.")
    with ws.open_register(write=True) as reg:
        audit = reg.audit(audit_id.strip())
        if audit is None:
            raise UserError(f"there is no audit {audit_id} in the register {ws.register}. Check the audit id (it is "
                            "on the form, under the title).")
        problems = dispute_problems(audit, person, people, settings)
        if problems:
            others = ", ".join(p.described() for p in who_may(audit, people, settings)) or "nobody on the list"
            raise UserError(f"{person.name} cannot moderate the dispute of {audit.audit_id}: " + " ".join(problems)
                            + f" Who can: {others}. Nothing was recorded.")
        reg.record_events([dispute_event(audit, person, today or dt.date.today(), outcome, reason)])
    return DisputeRecorded(audit.audit_id, audit.case_number, person, outcome, reason)


# ---- agreement -------------------------------------------------------------------------------------


class PeriodBackwards(UserError):
    """The first month of the period asked for is after its last (the option's fault: a front end says so)."""


def agreement(ws: Workspace, *, month: dt.date | None = None, first: dt.date | None = None,
              last: dt.date | None = None):
    """The agreement figures (`agreement.ModerationAgreement`: its `lines()` and `as_dict()`) of one month or of
    the period `first`..`last` (default: the latest month in the register), with the figures per auditor and
    per moderator over the audit year of its last month."""
    from ..domain import cycle
    from .agreement import moderation_agreement

    lib = ws.library()
    with ws.open_register() as reg:
        months = reg.months()
        if not months:
            raise UserError(f"the register {ws.register} has no audits yet.")
        if month:
            first = last = month
        first, last = first or (last if last else months[-1]), last or months[-1]
        if first > last:
            raise PeriodBackwards("--from is after --to.")
        audits = reg.audits(first=first, last=last)
        year_start = ws.settings("moderation").year_start
        year = cycle.audit_year(last, year_start)
        # the year's figures per person read only what moderation reads of each version (the answers with a
        # role: the grades, the moderator, the moderation date), which the register keeps apart: quicker
        year_audits = reg.audits(audit_year=year, year_start=year_start, summaries=True)
    return moderation_agreement(audits, lib, first=first, last=last, year_audits=year_audits,
                                year=f"{year}–{(year + 1) % 100:02d}")
