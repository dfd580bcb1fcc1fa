"""`auditdocs learning`: learning from audits (issue 26): the themes (themes.xlsx) and the weekly session's pack,
the organisational learning log (`learning log add`), the service improvement plan (`learning plan`) and the
staff bulletin (`learning bulletin`)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..errors import EXIT_USER_ERROR
from .common import month_value, register_option, run_of

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

themes_option = click.option(
    "--themes", "themes_file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
    help="The themes workbook. Default: the workspace's themes.xlsx (see 'auditdocs init').")
out_option = click.option("--out", "out", default=Path("output/reports"), show_default=True,
                          type=click.Path(file_okay=False, path_type=Path), help="Folder for the files made.")


@click.group("learning", context_settings=CONTEXT)
def learning_command() -> None:
    """Learning from audits: the themes found in what auditors write, the weekly session's pack, the
    organisational learning log, the improvement plan and the staff bulletin."""


@learning_command.group("themes", context_settings=CONTEXT)
def themes_command() -> None:
    """The themes of practice (themes.xlsx): their words and phrases, and the learning sessions."""


@themes_command.command("check")
@themes_option
@click.pass_context
def themes_check(ctx: click.Context, themes_file: Path | None) -> None:
    """Check the themes and the sessions: every problem with its sheet, row and what to do (exit 2 if any).

    \b
    Example:
      auditdocs learning themes check
    """
    from ..learning.run import check_themes

    checked = check_themes(run_of(ctx).use_case_workspace(needs_register=False), themes_file)
    lines = checked.lines()
    for line in lines[:-1]:
        click.echo(line, err=True)
    click.echo(lines[-1])
    if checked.needs_attention:
        ctx.exit(EXIT_USER_ERROR)


@learning_command.command("pack")
@register_option
@click.option("--session", "session", metavar="YYYY-MM-DD",
              help="The session's date, as the Sessions sheet of themes.xlsx has it (its month, services and "
                   "activities say which audits).")
@click.option("--month", "month", metavar="YYYY-MM", help="Instead of a session: every audit of the month.")
@themes_option
@out_option
@click.pass_context
def pack_command(ctx: click.Context, register_file, session, month, themes_file, out) -> None:
    """Make the pack of a learning session in Word: the audits in scope, their grades beside the months before,
    the themes (counts and trend), examples of good practice and of worries (names replaced by roles), the
    actions raised and overdue, and a page for the meeting's notes. Anonymous.

    \b
    Examples:
      auditdocs learning pack --session 2026-12-08
      auditdocs learning pack --month 2026-11
    """
    from ..learning.run import make_pack

    if bool(session) == bool(month):
        raise click.UsageError("give --session YYYY-MM-DD or --month YYYY-MM (one of them).")
    made = make_pack(run_of(ctx).use_case_workspace(register_file), session=session, month=month,
                     themes=themes_file, out=out)
    for line in made.warnings:
        click.echo(f"Warning: {line}", err=True)
    click.echo("\n".join(made.lines()))


@learning_command.group("log", context_settings=CONTEXT)
def log_command() -> None:
    """The organisational learning log: the strategic, learning and organisational actions agreed at the learning
    from audits meeting (also edited in the tracker's Learning log sheet)."""


@log_command.command("add")
@click.option("--finding", required=True, help="What audits found, that the action answers.")
@click.option("--action", "action", default="", help="What will be done.")
@click.option("--owner", required=True, help="Who sees that it is done.")
@click.option("--due", required=True, metavar="DATE", help="When it is due (2027-03-31 or 31/03/2027).")
@click.option("--kind", default="learning", show_default=True, metavar="KIND",
              help="strategic, learning or organisational.")
@click.option("--service", default="", help="The service whose improvement plan it belongs to.")
@click.option("--theme", "themes", multiple=True, metavar="THEME", help="A theme it answers (again for more).")
@click.option("--audit", "audits", multiple=True, metavar="AUDIT_ID", help="An audit it answers (again for more).")
@click.option("--recheck", default="", metavar="'ACTIVITY YYYY-MM'",
              help="The dip sample or thematic audit of the programme that will test it, with its month, for "
                   "example \"Children who go missing 2027-07\".")
@click.option("--programme", "programme_file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="The programme to check the re-check against. Default: the workspace's programme.xlsx.")
@register_option
@click.pass_context
def log_add(ctx, finding, action, owner, due, kind, service, themes, audits, recheck, programme_file,
            register_file) -> None:
    """Add an action agreed at a learning session to the learning log (it gets its id, LL-<year>-<n>).

    \b
    Example:
      auditdocs learning log add --finding "The journey of the child was not clear" \\
        --action "Record the child's journey in the MASH contact tool" --owner "Dana Whitfield" \\
        --due 2027-03-31 --service "Front door" --recheck "Children who go missing 2027-07"
    """
    from ..learning.log_run import add_to_log

    done = add_to_log(run_of(ctx).use_case_workspace(register_file), finding=finding, action=action, owner=owner,
                      due=due, kind=kind, service=service, themes=list(themes), audits=list(audits), recheck=recheck,
                      programme=programme_file)
    click.echo("\n".join(done.lines()))


@learning_command.command("plan")
@click.option("--service", default=None, help="Only this service's plan. Default: every service's.")
@out_option
@register_option
@click.pass_context
def plan_command(ctx, service, out, register_file) -> None:
    """The service improvement plan in Word and Excel: each finding, what has changed, how it will be checked and
    when, per service, with the re-check's result once its audits are back.

    \b
    Examples:
      auditdocs learning plan
      auditdocs learning plan --service "Front door" --out plans
    """
    from ..learning.log_run import improvement_plan

    done = improvement_plan(run_of(ctx).use_case_workspace(register_file), service=service, out=out)
    click.echo("\n".join(done.lines()))


@learning_command.command("bulletin")
@click.option("--from", "first", required=True, callback=month_value, metavar="YYYY-MM",
              help="The first month of audits, for example 2026-10.")
@click.option("--to", "last", callback=month_value, metavar="YYYY-MM", help="The last month. Default: --from.")
@out_option
@register_option
@click.pass_context
def bulletin_command(ctx, first: dt.date, last: dt.date | None, out, register_file) -> None:
    """The one-page learning bulletin for staff (a 7-minute briefing, Word): what audits found, what good looks
    like, what to do differently. It holds no names, case numbers or dates of birth.

    \b
    Example:
      auditdocs learning bulletin --from 2026-10 --to 2026-11
    """
    from ..learning.log_run import learning_bulletin

    done = learning_bulletin(run_of(ctx).use_case_workspace(register_file), first=first, last=last, out=out)
    click.echo("\n".join(done.lines()))
