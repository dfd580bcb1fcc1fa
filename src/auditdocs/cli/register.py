"""`auditdocs register`: look after the audit register (use cases: `consolidate.upkeep`)."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import EXIT_ATTENTION
from .common import register_option, run_of, shown_library

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group("register", context_settings=CONTEXT)
def register_command() -> None:
    """Look after the audit register: import forms made before it, check it, rebuild it."""


def _folders(run, given, key) -> list[Path]:
    """The folders given, else the workspace's (none outside a workspace)."""
    if given:
        return list(given)
    return [getattr(run.workspace, key)] if run.workspace else []


def _workspace(run, register_file, tracker):
    """The workspace of a register command, and whether it has a tracker (given, or the workspace's)."""
    register = run.register_path(register_file, tracker=tracker)
    return run.workspace_for(register=register, tracker=tracker), bool(tracker or run.workspace)


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
    ws, _ = _workspace(run, register_file, None)
    done = import_manifests(ws, folder, library=shown_library(ws))
    for problem in done.problems:
        click.echo(f"Note: {problem}", err=True)
    click.echo(f"Read {len(done.manifests)} manifest{'s' * (len(done.manifests) != 1)}: {done.new} audits added to "
               f"the register {ws.register}, {done.known} already in it.")
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
    ws, with_tracker = _workspace(run, register_file, tracker)
    shown_library(ws)
    found = check_register(ws, forms=_folders(run, forms, "forms"), returned=_folders(run, returned, "returned"),
                           with_tracker=with_tracker)
    for line in found:
        click.echo(f"- {line}")
    if found:
        click.echo(f"\n{len(found)} difference{'s' * (len(found) != 1)} between the register {ws.register} and the "
                   "files.")
        ctx.exit(EXIT_ATTENTION)
    click.echo(f"The register {ws.register} agrees with the forms, the returned forms and the tracker.")


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
    ws, with_tracker = _workspace(run, register_file, tracker)
    if with_tracker and Path(ws.tracker).exists():
        check_before_update(Path(ws.tracker))
    shown_library(ws, strict=True)
    done = rebuild_register(ws, forms=_folders(run, forms, "forms"), returned=_folders(run, returned, "returned"),
                            with_tracker=with_tracker)
    if done.imported:
        for problem in done.imported.problems:
            click.echo(f"Note: {problem}", err=True)
        manifests = len(done.imported.manifests)
        click.echo(f"From {manifests} manifest{'s' * (manifests != 1)}: {done.imported.new} audits.")
    if done.summary:
        s = done.summary
        click.echo(f"From the returned forms: {s.files} files ({s.complete} complete, {s.incomplete} incomplete, "
                   f"{s.unreadable} unreadable), {s.actions_total} actions.")
    click.echo(f"Rebuilt the register {ws.register}." + (f" The one there was is kept as {done.kept}." if done.kept
                                                          else ""))
