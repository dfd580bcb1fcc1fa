"""`auditdocs generate`: make the month's forms from the allocation list, record them, and draft the e-mails."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import EXIT_ATTENTION
from .common import month_value, progress_bar, register_option, run_of, shown_library

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.command("generate", context_settings=CONTEXT)
@click.option("--data", "data", required=True, type=click.Path(path_type=Path),
              help="The month's allocation list (.xlsx or .csv): one row per form to make.")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the forms, a folder per auditor (default: in a workspace, its forms folder's "
                   "folder for the month; elsewhere output/forms).")
@click.option("--spec", "spec_id", metavar="FORM_ID", help="The form for rows with no form named (or lists with no 'Form' column).")
@click.option("--map", "mapping", multiple=True, metavar='"COLUMN=FIELD_ID"',
              help="A column whose name does not match a form detail, e.g. --map \"Worker=social_worker\". Repeat as needed.")
@click.option("--month", callback=month_value, metavar="YYYY-MM",
              help="The audit month: due dates left empty become its last day (default: this month).")
@click.option("--sheet", metavar="NAME", help="The sheet of an .xlsx list to read (default: the first).")
@click.option("--format", "fmt", type=click.Choice(["docx", "xlsx", "both"]), default="docx", show_default=True,
              help="Word forms, Excel forms or both.")
@click.option("--template", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Your council's own Word template (.docx or .dotx) to fill instead of the standard form.")
@click.option("--allow-prefilled", is_flag=True,
              help="Make forms from a --template whose answer boxes already hold answers (refused otherwise).")
@click.option("--force", is_flag=True, help="Replace forms that are already there (they may be being filled in!).")
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
@click.option("--eml", is_flag=True,
              help="Also write an e-mail draft (.eml) per auditor, their forms attached, to the auditors list's "
                   "address, in the output folder's 'E-mail drafts' (split above the [email] max_mb setting, "
                   "20 MB). Nothing is sent: open each draft in Outlook or Thunderbird to send it.")
@click.option("--auditors", type=click.Path(dir_okay=False, path_type=Path),
              help="With --eml: the auditors list (.xlsx or .csv), whose E-mail column addresses the drafts.")
@register_option
@click.pass_context
def generate_command(ctx, data, out, spec_id, mapping, month, sheet, fmt, template, allow_prefilled, force, dry_run,
                     eml, auditors, register_file) -> None:
    """Make one pre-filled audit form per row of the allocation list.

    Columns are matched to each form's details by name (case, spaces and
    punctuation ignored). The Form column may name a form by its id, its title, the
    short name in file names ("Early Help") or an alias its spec declares ("EH").
    Rows with a missing detail are listed and skipped; note lines are skipped too.
    Forms already made are left alone (run it again as often as you like; --force
    replaces them). A list of the forms made, with their audit ids, is written to
    manifest.csv in the output folder, and every audit is recorded in the audit
    register (the workspace's, or --register), so that status, chase and the tracker
    know what was sent out.

    \b
    Example:
      auditdocs generate --data allocations_2026-11.xlsx --month 2026-11 --out output/forms
      auditdocs generate --data list.csv --spec csc_case_file_audit --map "Worker=social_worker" --dry-run
    """
    from ..generate.run import make_forms

    if eml and not auditors:
        raise click.UsageError("--eml needs the auditors list, whose E-mail column addresses the drafts: add "
                               "--auditors auditors.xlsx.")
    run = run_of(ctx)
    ws = run.workspace_for(register=register_file)
    shown_library(ws)
    if out is None and run.workspace is None:
        out = Path("output/forms")
    with progress_bar("Making forms", shown=not dry_run) as progress:
        result = make_forms(ws, data=data, month=month, out=out, fmt=fmt, template=template, force=force,
                            dry_run=dry_run, spec_id=spec_id, mapping=mapping, sheet=sheet,
                            allow_prefilled=allow_prefilled, record=bool(register_file or run.workspace),
                            auditors=auditors if eml else None, progress=progress, on_read=_list_read)
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    for line in result.lines():
        click.echo(line)
    if result.drafts_refused:
        raise result.drafts_refused
    if result.drafts:
        for warning in result.drafts.warnings:
            click.echo(f"Warning: {warning}", err=True)
        click.echo("\n".join(result.drafts_lines()))
    if not result.all_generated:
        click.echo(result.made.shortfall())
        ctx.exit(EXIT_ATTENTION)


def _list_read(allocations) -> None:
    """The list's notes and warnings, shown before any form is made."""
    for note in allocations.notes:
        click.echo(f"Note: {note}", err=True)
    for warning in allocations.warnings:
        click.echo(f"Warning: {warning}", err=True)
