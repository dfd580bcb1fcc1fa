"""The sharing commands: `auditdocs export`, `auditdocs key new`, `auditdocs finalise`."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import EXIT_ATTENTION
from .common import month_value, register_option, run_of

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _warn(lines) -> None:
    for line in lines:
        click.echo(f"Warning: {line}", err=True)


# ---- export ------------------------------------------------------------------------------


@click.command("export", context_settings=CONTEXT)
@click.option("--pseudonymise", is_flag=True,
              help="Pseudonymise the export (required: there is no export with names or case numbers).")
@click.option("--key-file", "key_file", type=click.Path(dir_okay=False, path_type=Path),
              help="The team's key (required; made once with 'auditdocs key new'): the same key gives the same "
                   "pseudonyms.")
@click.option("--month", callback=month_value, metavar="YYYY-MM", help="Export the audits of this month.")
@click.option("--from", "first", callback=month_value, metavar="YYYY-MM", help="Export from this month …")
@click.option("--to", "last", callback=month_value, metavar="YYYY-MM", help="… to this month (default: every month).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The export: an Excel .xlsx, or .csv (with --long, one .csv per table).")
@click.option("--long", "long", is_flag=True, help="Also one row per judgement and one per action.")
@click.option("--with-text", is_flag=True,
              help="Keep the comments and the actions' wording, with every name the record knows replaced by a role.")
@click.option("--code-teams/--no-code-teams", default=None,
              help="Replace team and service names by keyed codes, or keep them (default: 'code_teams' in the "
                   "workspace's [export] settings, else kept).")
@register_option
@click.pass_context
def export_cmd(ctx, pseudonymise, key_file, month, first, last, out, long, with_text, code_teams,
               register_file) -> None:
    """Export audits for sharing (partners, benchmarking, research), pseudonymised.

    One row per audit (with --long also per judgement and per action): case numbers and audit
    ids replaced by keyed pseudonyms (the same child gets the same pseudonym in every export
    made with the team's key), no names, the age band instead of the date of birth, every date
    as its month, no free text unless --with-text. Pseudonymised data is still personal data:
    share it only under an agreement, and never send the key with it. The age bands, and
    whether teams are coded, are the [export] table of the workspace's settings.

    \b
    Examples (in a workspace; elsewhere add --register register.sqlite):
      auditdocs key new team.key                   (once; keep it safe)
      auditdocs export --pseudonymise --key-file team.key --month 2026-11 --out "Audits 2026-11.xlsx"
      auditdocs export --pseudonymise --key-file team.key --from 2026-04 --to 2027-03 --long --out year.csv
    """
    from ..share.run import export_audits

    if not pseudonymise:
        raise click.UsageError("add --pseudonymise: every export is pseudonymised (case numbers replaced by "
                               "pseudonyms, names left out), and saying so is part of the command.")
    if month and (first or last):
        raise click.UsageError("give either --month, or --from and --to, not both.")
    workspace = run_of(ctx).use_case_workspace(register_file)
    done = export_audits(workspace, key_file=key_file, out=out, month=month, first=first, last=last, long=long,
                         with_text=with_text, code_teams=code_teams)
    _warn(done.warnings)
    click.echo("\n".join(done.lines()))
    for note in done.notes:
        click.echo(f"Note: {note}", err=True)
    if done.notes:
        ctx.exit(EXIT_ATTENTION)


# ---- key ---------------------------------------------------------------------------------


@click.group("key", context_settings=CONTEXT)
def key_cmd() -> None:
    """The team's key for pseudonymised exports."""


@key_cmd.command("new", context_settings=CONTEXT)
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def key_new_cmd(path: Path) -> None:
    """Make the team's pseudonymisation key (once), readable by you only (on Windows: keep it in a
    folder only you can open).

    Every export made with the same key gives a child the same pseudonym. An existing key is
    never replaced. Keep it safe and apart from the exports; lose it and pseudonyms can no
    longer be matched across exports.

    \b
    Example:
      auditdocs key new "Q:/QA team/keys/auditdocs.key"
    """
    from ..share.run import new_key

    click.echo("\n".join(new_key(None, path).lines()))


# ---- finalise ----------------------------------------------------------------------------


@click.command("finalise", context_settings=CONTEXT)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--month", callback=month_value, metavar="YYYY-MM",
              help="Finalise the register's complete audits of this month.")
@register_option
@click.option("--out", "out", default=Path("output/finalised"), show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder for the PDFs.")
@click.pass_context
def finalise_cmd(ctx, paths, month, register_file, out) -> None:
    """Make a PDF of each complete audit for the child's (or carer's) file.

    PATHS are returned forms or folders of them; or give --month for the month's audits as
    the register knows them (the workspace's register, or --register). Each PDF is named as
    the case system expects ("9901004 Case File Audit 2026-11-18.pdf"), holds that audit only,
    carries no author or details of this computer, and has the answers attached as JSON. Incomplete and unreadable
    audits are listed with the reason. Needs LibreOffice.

    \b
    Examples:
      auditdocs finalise "November returned/Priya Madeup"
      auditdocs finalise --month 2026-11 --out "To upload"      (in a workspace)
      auditdocs finalise --month 2026-11 --register register.sqlite --out "To upload"
    """
    from ..share.run import finalise_audits

    if paths and (month or register_file):
        raise click.UsageError("give either the returned forms (PATHS), or --month (and the register), not both.")
    if not paths and not month:
        raise click.UsageError("give the returned forms to finalise (files or folders), or --month YYYY-MM "
                               "for the month's audits in the register.")
    workspace = run_of(ctx).use_case_workspace(register_file, needs_register=not paths)
    done = finalise_audits(workspace, paths=list(paths), month=month, out=out)
    _warn(done.warnings)
    click.echo("\n".join(done.lines()))
    _warn(done.tagging_warnings())
    if done.skipped:
        click.echo("\n".join(done.skipped_lines()))
        ctx.exit(EXIT_ATTENTION)


def add_share_commands(group: click.Group) -> None:
    for command in (export_cmd, key_cmd, finalise_cmd):
        group.add_command(command)
