"""The commands that read the register for the QA officer (status, chase) and look after it (register)."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import EXIT_ATTENTION
from .common import day_value, month_value, register_option, run_of

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


month_option = click.option("--month", callback=month_value, metavar="YYYY-MM",
                            help="The month (default: this month, else the latest month with audits).")
on_option = click.option("--on", "on", callback=day_value, metavar="DD/MM/YYYY",
                         help="Where things stood on this day (default: today).")


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
    from ..status.run import month_status

    done = month_status(run_of(ctx).use_case_workspace(register_file), month=month, today=on, json_file=json_file)
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
    from ..status.run import chase_letters

    if eml and not (out and auditors):
        raise click.UsageError("--eml needs the folder for the drafts (--out FOLDER) and the auditors list, whose "
                               "E-mail column addresses them (--auditors auditors.xlsx).")
    done = chase_letters(run_of(ctx).use_case_workspace(register_file), month=month, today=on, out=out, eml=eml,
                         auditors=auditors)
    click.echo(done.text)
    if done.written:
        click.echo(f"\n{done.written}")
    for warning in done.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if done.drafts is not None:
        click.echo("\n".join(done.drafts.lines(Path(out))))
    if done.overdue:
        ctx.exit(EXIT_ATTENTION)


# ---- the register itself -------------------------------------------------------------------


@click.group("register", context_settings=CONTEXT)
def register_command() -> None:
    """Look after the audit register: import forms made before it, check it, rebuild it."""


def _folders(run, given, key):
    if given:
        return list(given)
    return [getattr(run.workspace, key)] if run.workspace else []


@register_command.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@register_option
@click.pass_context
def register_import(ctx, folder, register_file) -> None:
    """Record the forms made before the register existed: every manifest.csv under FOLDER
    (auditdocs generate writes one beside the forms it makes).

    \b
    Example:
      auditdocs register import "forms/2026-10"
    """
    from ..consolidate.upkeep import import_manifests

    run = run_of(ctx)
    register = run.register_path(register_file)
    done = import_manifests(folder, run.library(), register)
    for problem in done.problems:
        click.echo(f"Note: {problem}", err=True)
    click.echo(f"Read {len(done.manifests)} manifest{'s' * (len(done.manifests) != 1)}: {done.new} audits added to "
               f"the register {register}, {done.known} already in it.")
    if done.problems:
        ctx.exit(EXIT_ATTENTION)


def folders_options(command):
    """--forms and --returned: the folders the register is compared with, or remade from."""
    command = click.option("--returned", "returned", multiple=True, type=click.Path(path_type=Path),
                           help="A folder of returned forms. Default: the workspace's.")(command)
    return click.option("--forms", "forms", multiple=True, type=click.Path(path_type=Path),
                        help="A folder of forms made (with their manifest.csv). Default: the workspace's.")(command)


@register_command.command("check")
@folders_options
@click.option("--tracker", type=click.Path(dir_okay=False, path_type=Path),
              help="The tracker. Default: the workspace's.")
@register_option
@click.pass_context
def register_check(ctx, forms, returned, tracker, register_file) -> None:
    """Compare the register with the forms folders, the returned forms and the tracker, and
    list every difference with what to do. Exits 0 when they agree, 1 otherwise.

    \b
    Example:
      auditdocs register check
    """
    from ..consolidate.upkeep import check_register

    run = run_of(ctx)
    register = run.register_path(register_file, tracker=tracker)
    tracker = tracker or (run.workspace.tracker if run.workspace else None)
    found = check_register(register, run.library(), forms=_folders(run, forms, "forms"),
                           returned=[p for p in _folders(run, returned, "returned") if Path(p).exists()], tracker=tracker)
    for line in found:
        click.echo(f"- {line}")
    if found:
        click.echo(f"\n{len(found)} difference{'s' * (len(found) != 1)} between the register {register} and the files.")
        ctx.exit(EXIT_ATTENTION)
    click.echo(f"The register {register} agrees with the forms, the returned forms and the tracker.")


@register_command.command("rebuild")
@folders_options
@click.option("--tracker", type=click.Path(dir_okay=False, path_type=Path),
              help="The tracker, whose managers' and QA officers' columns are read (it is not changed). "
                   "Default: the workspace's.")
@register_option
@click.pass_context
def register_rebuild(ctx, forms, returned, tracker, register_file) -> None:
    """Remake the register from the forms made (their manifests), the returned forms and the
    tracker. The register there was is kept beside the new one. What only the register
    held (reallocations, moderation selections, disputes) cannot be remade: keep backups
    of the register.

    \b
    Example:
      auditdocs register rebuild
    """
    from ..consolidate.upkeep import rebuild_register
    from ..tracker.safety import check_before_update

    run = run_of(ctx)
    register = run.register_path(register_file, tracker=tracker)
    tracker = tracker or (run.workspace.tracker if run.workspace else None)
    if tracker is not None and Path(tracker).exists():
        check_before_update(Path(tracker))
    done = rebuild_register(register, run.library(strict=True), forms=_folders(run, forms, "forms"),
                            returned=_folders(run, returned, "returned"),
                            tracker=Path(tracker) if tracker and Path(tracker).exists() else None)
    if done.imported:
        for problem in done.imported.problems:
            click.echo(f"Note: {problem}", err=True)
        manifests = len(done.imported.manifests)
        click.echo(f"From {manifests} manifest{'s' * (manifests != 1)}: {done.imported.new} audits.")
    if done.summary:
        s = done.summary
        click.echo(f"From the returned forms: {s.files} files ({s.complete} complete, {s.incomplete} incomplete, "
                   f"{s.unreadable} unreadable), {s.actions_total} actions.")
    click.echo(f"Rebuilt the register {register}." + (f" The one there was is kept as {done.kept}." if done.kept else ""))
