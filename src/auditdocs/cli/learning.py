"""`auditdocs learning`: learning from audits: the themes (themes.xlsx) and the weekly session's pack."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import EXIT_USER_ERROR
from .common import register_option, run_of

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

themes_option = click.option(
    "--themes", "themes_file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
    help="The themes workbook. Default: the workspace's themes.xlsx (see 'auditdocs init').")


@click.group("learning", context_settings=CONTEXT)
def learning_command() -> None:
    """Learning from audits: the themes found in what auditors write, and the weekly session's pack."""


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
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the pack. Default: the workspace's folder.")
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
