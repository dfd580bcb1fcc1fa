"""`auditdocs specs`: list, show and check the form specs, and the tags a council's template needs."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import EXIT_ATTENTION
from .common import run_of, shown_library

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _workspace(ctx: click.Context):
    """The workspace, its spec library read (a warning printed for each spec file left out)."""
    ws = run_of(ctx).workspace_for()
    shown_library(ws)
    return ws


@click.group("specs", context_settings=CONTEXT)
def specs_command() -> None:
    """List, show and check the form specs."""


@specs_command.command("list")
@click.pass_context
def specs_list(ctx: click.Context) -> None:
    """List the forms: id, title, version, subject, and what each asks (questions, judgements, checks).

    \b
    Example:
      auditdocs specs list
    """
    from ..specs.run import form_table

    for line in form_table(_workspace(ctx)):
        click.echo(line)


@specs_command.command("show")
@click.argument("form_id")
@click.option("--version", "version", type=int, help="An older version of the form.")
@click.pass_context
def specs_show(ctx: click.Context, form_id: str, version: int | None) -> None:
    """Show a readable outline of a form, section by section.

    \b
    Example:
      auditdocs specs show csc_case_file_audit
    """
    from ..specs.run import form_outline

    click.echo(form_outline(_workspace(ctx), form_id, version))


@specs_command.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.pass_context
def specs_validate(ctx: click.Context, paths: tuple[Path, ...]) -> None:
    """Check spec files and folders (default: the specs folder).

    Prints every problem with its file and line; exits 1 if there is any.

    \b
    Examples:
      auditdocs specs validate
      auditdocs specs validate form_specs/csc_case_file_audit.yaml
    """
    from ..specs.run import validate_specs

    checked = validate_specs(run_of(ctx).workspace_for(), paths)
    for line in checked.problem_lines():
        click.echo(line, err=True)
    if checked.needs_attention:
        ctx.exit(EXIT_ATTENTION)
    for line in checked.lines():
        click.echo(line)


@specs_command.command("tags")
@click.argument("form_id")
@click.pass_context
def specs_tags(ctx: click.Context, form_id: str) -> None:
    """List the content-control tags a council's own Word template needs.

    Give each answer's content control in your template the tag shown here
    (Word: Developer > Properties > Tag). Action table rows repeat their tags.

    \b
    Example:
      auditdocs specs tags csc_case_file_audit
    """
    from ..specs.run import form_tags

    for line in form_tags(_workspace(ctx), form_id):
        click.echo(line)
