"""The commands that read the register for the QA officer: status, chase."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from .. import naming
from ..errors import EXIT_ATTENTION, UserError
from .common import day_value, month_value, register_option, run_of

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


month_option = click.option("--month", callback=month_value, metavar="YYYY-MM",
                            help="The month (default: this month, else the latest month with audits).")
on_option = click.option("--on", "on", callback=day_value, metavar="DD/MM/YYYY",
                         help="Where things stood on this day (default: today).")


NO_AUDITS_YET = ("no audits yet: allocate or generate first ('auditdocs allocate' or 'auditdocs generate' records the "
                 "month's audits in the register).")


def _standings(ctx, register_file, month, on):
    from ..domain import cycle
    from ..register import open_register
    from ..status.plan import default_month

    run = run_of(ctx)
    register = run.register_path(register_file)
    library = run.library()
    if not register_file and run.workspace and not register.exists():
        raise UserError(NO_AUDITS_YET)
    with open_register(register) as reg:
        audits = reg.audits()
        months = reg.months()
    today = on or dt.date.today()
    month = month or default_month(months, today)
    if month is None:
        raise UserError(NO_AUDITS_YET)
    return audits, cycle.standings(audits, library, today), library, month, today


@click.command("status", context_settings=CONTEXT)
@month_option
@on_option
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the month as JSON: its month, the count of audits in each state, and every audit "
                   "(id, case number, form, auditor, team, state, next deadline, next step).")
@register_option
@click.pass_context
def status_command(ctx, month, on, json_file, register_file) -> None:
    """The month at a glance: how many audits are in each state, per auditor and per team,
    and what is overdue or due in the next 7 days (without --month: of every month, whatever
    month it was allocated in).

    Exits 0 when nothing is overdue, 1 when something is.

    \b
    Examples:
      auditdocs status
      auditdocs status --month 2026-11 --json "November 2026.json"
    """
    from ..files import write_atomic
    from ..status.plan import month_at_a_glance

    every_month = month is None  # without --month: what is overdue or due soon, whatever its month
    audits, standings, library, month, today = _standings(ctx, register_file, month, on)
    glance = month_at_a_glance(audits, standings, library, month, today, every_month=every_month)
    click.echo(glance.text())
    if json_file:
        write_atomic(json_file, json.dumps(glance.as_json(), ensure_ascii=False, indent=2) + "\n", private=True)
        click.echo(f"\nWritten to {json_file}.")
    if glance.overdue():
        ctx.exit(EXIT_ATTENTION)


@click.command("chase", context_settings=CONTEXT)
@month_option
@on_option
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Also write each letter to a text file of its own in this folder (made if needed).")
@click.option("--eml", is_flag=True,
              help="With --out: also an e-mail draft (.eml) per letter, to the address the auditors list gives. "
                   "Nothing is sent: open each draft in Outlook or Thunderbird to send it.")
@click.option("--auditors", type=click.Path(dir_okay=False, path_type=Path),
              help="With --eml: the auditors list (.xlsx or .csv), whose E-mail column addresses the drafts.")
@register_option
@click.pass_context
def chase_command(ctx, month, on, out, eml, auditors, register_file) -> None:
    """What to chase, ready to e-mail: one letter per auditor (audits not returned, overdue,
    to amend, each with its date) and one per team manager (management oversight due,
    actions overdue, review meetings and re-audits due), for the month and the months
    before it that still need something. Exits 0 when nothing listed is overdue, 1 when
    something is.

    \b
    Examples:
      auditdocs chase
      auditdocs chase --month 2026-11 --out "chase 2026-11"
    """
    from ..files import write_atomic
    from ..naming import safe_name
    from ..status.plan import chase_letters, chase_text

    if eml and not (out and auditors):
        raise click.UsageError("--eml needs the folder for the drafts (--out FOLDER) and the auditors list, whose "
                               "E-mail column addresses them (--auditors auditors.xlsx).")
    audits, standings, library, month, today = _standings(ctx, register_file, month, on)
    letters = chase_letters(audits, standings, library, month, today)
    click.echo(chase_text(letters, month))
    if out and letters:
        for letter in letters:
            name = naming.fit_name(Path(out), f"{safe_name(letter.to or 'no one named', 80)} ({letter.role}).txt",
                                   (f" ({letter.role})",))  # short enough for Windows
            write_atomic(Path(out) / name, letter.text + "\n", private=True)
        click.echo(f"\n{len(letters)} letter{'s' * (len(letters) != 1)} written to {out}.")
    if eml and letters:
        from ..share.email import addresses, letter_drafts

        run = run_of(ctx)
        drafts = letter_drafts(letters, addresses(auditors, run.settings("allocation"), month), Path(out), today,
                               run.settings("email"))
        for warning in drafts.warnings:
            click.echo(f"Warning: {warning}", err=True)
        click.echo("\n".join(drafts.lines(Path(out))))
    if any(letter.overdue for letter in letters):
        ctx.exit(EXIT_ATTENTION)
