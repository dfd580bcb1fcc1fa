"""`auditdocs moderation …`: choose the month's sample, make the moderators' copies, record disputes,
and measure how far auditors and moderators agree."""
from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import EXIT_ATTENTION, UserError
from .common import month_value, register_option, run_of, shown_library

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

moderators_option = click.option(
    "--moderators", "moderators", required=True, type=click.Path(path_type=Path),
    help="The moderators list (.xlsx or .csv): Name, Role, Service, E-mail and Teams (the teams of each service).")


def _workspace(ctx: click.Context, register_file: Path | None, *, library: bool = True):
    """The workspace the command runs in, with the register given (else the workspace's; see
    `Run.register_path`), and that register's path; the spec library's warnings shown first (`library`)."""
    run = run_of(ctx)
    ws = run.workspace_for(register=register_file)
    if library:
        shown_library(ws)
    return ws, run.register_path(register_file)


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
    from ..moderation.run import select_sample

    ws, register = _workspace(ctx, register_file)
    people = _read_people(moderators)
    selection = select_sample(ws, month=month, people=people, share=share, seed=seed, replace_sample=replace,
                              dry_run=dry_run)
    for line in selection.lines():
        click.echo(line)
    if selection.sample is None:
        return
    if json_file:
        _write_json(json_file, selection.sample.as_dict())
    if dry_run:
        click.echo("Dry run: nothing was recorded.")
    else:
        click.echo(f"Recorded in {register}. Next: auditdocs moderation forms --month {month.strftime('%Y-%m')} "
                   f"--out \"Moderation {month.strftime('%Y-%m')}\""
                   + (f' --register "{register}"' if register_file else ""))
    if selection.notes or people.problems:
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
    from ..moderation.run import make_moderator_copies

    ws, _ = _workspace(ctx, register_file)
    made = make_moderator_copies(ws, month=month, out=out, force=force)
    for warning in made.warnings:
        click.echo(f"Warning: {warning}", err=True)
    for line in made.lines():
        click.echo(line)
    if made.attention:
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
    from ..moderation.run import record_dispute

    ws, _ = _workspace(ctx, register_file, library=False)
    people = _read_people(moderators)
    recorded = record_dispute(ws, audit_id, senior=senior, people=people, outcome=outcome, reason=reason)
    for line in recorded.lines():
        click.echo(line)


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
    from ..moderation.run import PeriodBackwards, agreement

    if month and (first or last):
        raise click.UsageError("give either --month or --from and --to, not both.")
    ws, _ = _workspace(ctx, register_file)
    try:
        figures = agreement(ws, month=month, first=first, last=last)
    except PeriodBackwards as exc:
        raise click.UsageError(exc.message) from None
    for line in figures.lines():
        click.echo(line)
    if json_file:
        _write_json(json_file, figures.as_dict())
