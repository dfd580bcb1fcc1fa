"""The commands that read the register for the QA officer: status, chase."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import EXIT_ATTENTION
from .common import day_value, month_value, register_option, run_of

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


month_option = click.option("--month", callback=month_value, metavar="YYYY-MM",
                            help="The month (default: this month, else the latest month with audits).")
activity_option = click.option("--activity", metavar="NAME",
                                help="Only the audits of this activity of the programme (its name as the tracker's "
                                     "Activity column shows it, e.g. \"Monthly control sample\", or an activity type, "
                                     "e.g. \"dip sample\").")
on_option = click.option("--on", "on", callback=day_value, metavar="DD/MM/YYYY",
                         help="Where things stood on this day (default: today).")


@click.command("status", context_settings=CONTEXT)
@month_option
@on_option
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the month as JSON: its month, the count of audits in each state, and every audit "
                   "(id, case number, form, auditor, team, activity, activity type, state, next deadline, next step).")
@activity_option
@register_option
@click.pass_context
def status_command(ctx, month, on, json_file, activity, register_file) -> None:
    """The month at a glance: how many audits are in each state, per auditor and per team,
    and what is overdue or due in the next 7 days (without --month: of every month, whatever
    month it was allocated in).

    Exits 0 when nothing is overdue, 1 when something is.

    \b
    Examples:
      auditdocs status
      auditdocs status --month 2026-11 --json "November 2026.json"
      auditdocs status --activity "Children who go missing"
    """
    from ..status.run import month_status

    done = month_status(run_of(ctx).use_case_workspace(register_file), month=month, today=on, json_file=json_file,
                        activity=activity)
    click.echo("\n".join(done.lines()))
    if done.overdue:
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
@activity_option
@register_option
@click.pass_context
def chase_command(ctx, month, on, out, eml, auditors, activity, register_file) -> None:
    """What to chase, ready to e-mail: one letter per auditor (audits not returned, overdue,
    to amend, each with its date) and one per team manager (management oversight due,
    actions overdue, review meetings and re-audits due), and one per manager whose own dip
    samples are not returned, for the month and the months before it that still need
    something; each letter names the activity of its audits. Exits 0 when nothing listed is overdue, 1 when
    something is.

    \b
    Examples:
      auditdocs chase
      auditdocs chase --month 2026-11 --out "chase 2026-11"
      auditdocs chase --activity "managers' dip samples"
    """
    from ..status.run import chase_letters

    if eml and not (out and auditors):
        raise click.UsageError("--eml needs the folder for the drafts (--out FOLDER) and the auditors list, whose "
                               "E-mail column addresses them (--auditors auditors.xlsx).")
    done = chase_letters(run_of(ctx).use_case_workspace(register_file), month=month, today=on, out=out, eml=eml,
                         auditors=auditors, activity=activity)
    click.echo(done.text)
    if done.written:
        click.echo(f"\n{done.written}")
    for warning in done.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if done.drafts is not None:
        click.echo("\n".join(done.drafts.lines(Path(out))))
    if done.overdue:
        ctx.exit(EXIT_ATTENTION)
