"""`auditdocs moderation …`: choose the month's sample, make the moderators' copies, record disputes,
and measure how far auditors and moderators agree."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from .. import naming
from ..errors import EXIT_ATTENTION, UserError
from .common import month_value, register_option, run_of

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

moderators_option = click.option(
    "--moderators", "moderators", required=True, type=click.Path(path_type=Path),
    help="The moderators list (.xlsx or .csv): Name, Role, Service, E-mail and Teams (the teams of each service).")


def _library(ctx: click.Context):
    return run_of(ctx).library()


def _write_json(path: Path, data) -> None:
    from ..files import os_problem, write_atomic

    try:
        write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", private=True)
    except OSError as exc:
        raise UserError(f"could not write {path}: {os_problem(exc)}.") from None


def _read_people(path: Path):
    from ..moderation.moderators import read_moderators

    people = read_moderators(path)
    for problem in people.problems:
        click.echo(f"Warning: {path.name} {problem}", err=True)
    return people


@click.group("moderation", context_settings=CONTEXT)
def moderation_command() -> None:
    """Moderation: choose the month's sample, send it to moderators, see how far grades agree.

    \b
    The month, in commands (in a workspace; elsewhere add --register register.sqlite):
      auditdocs moderation select --month 2026-11 --moderators moderators.xlsx
      auditdocs moderation forms --month 2026-11 --out "Moderation 2026-11"
      (moderators fill in the moderation part; their forms come back with the others)
      auditdocs moderation agreement --month 2026-11

    The share moderated, the grades always moderated and who counts as a senior manager
    are the [moderation] table of the workspace's settings (auditdocs.toml).
    """


@moderation_command.command("select", context_settings=CONTEXT)
@click.option("--month", required=True, callback=month_value, metavar="YYYY-MM", help="The month whose audits to moderate.")
@moderators_option
@click.option("--share", type=click.FloatRange(0, 100, min_open=True), metavar="PERCENT",
              help="The least share of the month's complete audits to moderate, rounded up (default: 'share' in "
                   "the workspace's [moderation] settings, else 10).")
@click.option("--seed", type=int, help="Draw with this seed (default: the month, e.g. 202611). Same seed, same sample.")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the sample, and why each audit was chosen, as JSON.")
@click.option("--replace", is_flag=True,
              help="Choose again although the month has a sample (audits already moderated stay in it).")
@click.option("--dry-run", is_flag=True, help="Show the sample; record nothing.")
@register_option
@click.pass_context
def select_cmd(ctx, month, moderators, share, seed, json_file, replace, dry_run, register_file) -> None:
    """Choose the month's moderation sample and a moderator for each audit.

    At least the share of the month's complete audits (rounded up), every Inadequate one
    (the grades in the settings' always_include), spread across services, teams, auditors
    and grades. Each Head of Service gets one case;
    QA officers share the rest. Nobody moderates an audit they did or a case from their own
    service. Records who moderates what in the register; prints why each audit was chosen.

    \b
    Example:
      auditdocs moderation select --month 2026-11 --moderators moderators.xlsx
    """
    from dataclasses import replace as changed

    from ..moderation.outcome import audit_moderation
    from ..moderation.select import choose_sample
    from ..register import open_register

    lib = _library(ctx)
    register = run_of(ctx).register_path(register_file)
    people = _read_people(moderators)
    settings = run_of(ctx).settings("moderation")
    if share is not None:
        settings = changed(settings, share=share)
    today = dt.date.today()
    with open_register(register, write=not dry_run) as reg:
        audits = reg.audits(month=month)
        pending = [(a, e) for a in audits for e in a.events_of("selected_for_moderation")
                   if not audit_moderation(a, lib.get(a.form_id, a.form_version)).moderated]
        if pending and not replace:
            click.echo(f"The moderation sample for {month.strftime('%B %Y')} was chosen on "
                       f"{pending[0][1].on.strftime('%d/%m/%Y')}; waiting for moderation:")
            for a, e in pending:
                click.echo(f"  {a.audit_id}  case {a.case_number}  moderator {e.who}")
            click.echo("To choose again, add --replace (audits already moderated stay in the sample).")
            return
        sample = choose_sample(audits, lib, people.moderators, team_services=people.services_of_team(),
                               month=month, today=today, settings=settings, seed=seed)
        if not dry_run:
            if replace:
                reg.delete_events(e.id for _, e in pending)
            reg.record_events(sample.events(today))
    for line in sample.lines():
        click.echo(line)
    if json_file:
        _write_json(json_file, sample.as_dict())
    if dry_run:
        click.echo("Dry run: nothing was recorded.")
    else:
        click.echo(f"Recorded in {register}. Next: auditdocs moderation forms --month {month.strftime('%Y-%m')} "
                   f"--out \"Moderation {month.strftime('%Y-%m')}\""
                   + (f' --register "{register}"' if register_file else ""))
    if sample.notes or people.problems:
        ctx.exit(EXIT_ATTENTION)


@moderation_command.command("forms", context_settings=CONTEXT)
@click.option("--month", required=True, callback=month_value, metavar="YYYY-MM", help="The month of the sample.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the copies (a folder per moderator).")
@click.option("--force", is_flag=True, help="Replace copies already there (a moderator may be filling them in!).")
@register_option
@click.pass_context
def forms_cmd(ctx, month, out, force, register_file) -> None:
    """Copy each chosen audit's returned form for its moderator, ready to moderate.

    A folder per moderator; in each copy the moderator's name is filled in (where the form
    has a moderator field), the moderation part is open and the auditor's answers are locked.
    When a copy comes back it is a newer version of the same audit, and its grade after
    moderation becomes the audit's final grade.

    \b
    Example:
      auditdocs moderation forms --month 2026-11 --out "Moderation 2026-11"
    """
    from ..moderation.forms import make_copies, plan_copies
    from ..register import open_register

    lib = _library(ctx)
    register = run_of(ctx).register_path(register_file)
    with open_register(register) as reg:
        audits = reg.audits(month=month)
    plans = plan_copies(audits, lib)
    if not plans:
        raise UserError(f"no audit of {month.strftime('%B %Y')} is waiting for moderation. Choose the sample first: "
                        f"auditdocs moderation select --month {month.strftime('%Y-%m')} …")
    results = make_copies(plans, lib, out, force=force)
    made_in = [out / r.plan.target for r in results if r.status != "problem"]
    if made_in and (deep := naming.too_deep(max(made_in, key=naming.length).parent, made_in[0].name)):
        click.echo(f"Warning: {deep[0].upper()}{deep[1:]}", err=True)
    said = {"made": "made", "kept": "already there, kept (use --force to replace)", "problem": "NOT made"}
    for moderator in dict.fromkeys(r.plan.moderator for r in results):
        theirs = [r for r in results if r.plan.moderator == moderator]
        email = theirs[0].plan.email
        click.echo(f"{moderator}" + (f" <{email}>" if email else "") + ":")
        for r in theirs:
            where = f": {out / r.plan.target}" if r.status != "problem" else ""
            click.echo(f"  {r.plan.audit_id} {said[r.status]}{where}")
            for note in r.notes:
                click.echo(f"      {note}")
    made = sum(r.status == "made" for r in results)
    click.echo(f"{made} cop{'y' if made == 1 else 'ies'} made in {out}, a folder per moderator. Send each moderator "
               "their folder; their forms come back with the month's other returns.")
    if any(r.status == "problem" or r.notes for r in results):
        ctx.exit(EXIT_ATTENTION)


@moderation_command.command("dispute", context_settings=CONTEXT)
@click.argument("audit_id")
@click.option("--moderator", "senior", required=True, metavar="NAME",
              help="The senior manager who moderates the disputed audit (as named in the moderators list).")
@moderators_option
@click.option("--outcome", default="", help='What was decided, e.g. "Grade stays Good" (add it later by running again).')
@click.option("--reason", default="", help="Why the audit is disputed, and by whom.")
@register_option
@click.pass_context
def dispute_cmd(ctx, audit_id, senior, moderators, outcome, reason, register_file) -> None:
    """Record a disputed audit and who moderates it: a senior manager (a role in the settings'
    senior_roles) from a service not connected with the case (not the case's, the auditor's
    or the moderator's service).

    \b
    Example:
      auditdocs moderation dispute AUD-202611-ABCD2345 --moderator "Dana Testworth" \\
        --moderators moderators.xlsx --outcome "Grade stays Good"
    """
    from ..moderation.dispute import dispute_event, dispute_problems, who_may
    from ..register import open_register

    register = run_of(ctx).register_path(register_file)
    settings = run_of(ctx).settings("moderation")
    people = _read_people(moderators)
    person = people.find(senior)
    if person is None:
        raise UserError(f"{senior} is not on the moderators list {moderators.name}. Add them (name, role, service, "
                        "e-mail), or check the spelling.")
    with open_register(register, write=True) as reg:
        audit = reg.audit(audit_id.strip())
        if audit is None:
            raise UserError(f"there is no audit {audit_id} in the register {register}. Check the audit id (it is on "
                            "the form, under the title).")
        problems = dispute_problems(audit, person, people, settings)
        if problems:
            others = ", ".join(p.described() for p in who_may(audit, people, settings)) or "nobody on the list"
            raise UserError(f"{person.name} cannot moderate the dispute of {audit.audit_id}: " + " ".join(problems)
                            + f" Who can: {others}. Nothing was recorded.")
        reg.record_events([dispute_event(audit, person, dt.date.today(), outcome, reason)])
    click.echo(f"Recorded: the dispute of {audit.audit_id} (case {audit.case_number}) is moderated by "
               f"{person.described()}, a senior manager from a service not connected with the case."
               + (f" Outcome: {outcome}" if outcome else " Run again with --outcome when it is decided."))


@moderation_command.command("agreement", context_settings=CONTEXT)
@click.option("--month", callback=month_value, metavar="YYYY-MM", help="One month (default: the latest in the register).")
@click.option("--from", "first", callback=month_value, metavar="YYYY-MM", help="The first month of a longer period.")
@click.option("--to", "last", callback=month_value, metavar="YYYY-MM", help="The last month of a longer period.")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the figures as JSON.")
@register_option
@click.pass_context
def agreement_cmd(ctx, month, first, last, json_file, register_file) -> None:
    """How far auditors' grades and the grades after moderation agree.

    Exact agreement, agreement within one grade, linear-weighted Cohen's kappa with its 95%
    range (and what that can say), the grade-by-grade table, grades moved up and down; per
    auditor and per moderator over the audit year; for forms with several voices per question,
    each pair of voices, question by question.

    \b
    Examples:
      auditdocs moderation agreement --month 2026-11
      auditdocs moderation agreement --from 2026-04 --to 2027-03 --json agreement.json
    """
    from ..domain import cycle
    from ..moderation.agreement import moderation_agreement
    from ..register import open_register

    if month and (first or last):
        raise click.UsageError("give either --month or --from and --to, not both.")
    lib = _library(ctx)
    register = run_of(ctx).register_path(register_file)
    with open_register(register) as reg:
        months = reg.months()
        if not months:
            raise UserError(f"the register {register} has no audits yet.")
        if month:
            first = last = month
        first, last = first or (last if last else months[-1]), last or months[-1]
        if first > last:
            raise click.UsageError("--from is after --to.")
        audits = reg.audits(first=first, last=last)
        year_start = run_of(ctx).settings("moderation").year_start
        year = cycle.audit_year(last, year_start)
        year_audits = reg.audits(audit_year=year, year_start=year_start)
    figures = moderation_agreement(audits, lib, first=first, last=last, year_audits=year_audits,
                                   year=f"{year}–{(year + 1) % 100:02d}")
    for line in figures.lines():
        click.echo(line)
    if json_file:
        _write_json(json_file, figures.as_dict())
