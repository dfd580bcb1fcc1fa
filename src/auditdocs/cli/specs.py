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
    """List, show and check the form specs, and write them as (or make them from) workbooks."""


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


@specs_command.command("to-xlsx")
@click.argument("form_id")
@click.option("--out", "out", type=click.Path(path_type=Path),
              help="The workbook to write (default: FORM_ID.xlsx in the current folder).")
@click.option("--version", "version", type=int, help="An older version of the form.")
@click.option("--replace", is_flag=True, help="Replace the workbook if it is already there.")
@click.pass_context
def specs_to_xlsx(ctx: click.Context, form_id: str, out: Path | None, version: int | None, replace: bool) -> None:
    """Write a form as a workbook a QA officer reads and edits.

    One sheet of sections and questions (reference, question, answer scale, evidence
    required when, guidance...), one of the answer scales, one of settings (title,
    subject, overall grade...), and the form's details, action table columns and rules.
    'auditdocs specs from-xlsx' makes the form again from the workbook.

    \b
    Example:
      auditdocs specs to-xlsx csc_case_file_audit --out csc.xlsx
    """
    from ..specs.run import form_to_xlsx

    path = form_to_xlsx(_workspace(ctx), form_id, out or Path(f"{form_id}.xlsx"), version=version, replace=replace)
    click.echo(f"Wrote {path}. Change it, then 'auditdocs specs from-xlsx {path.name}' makes the form from it.")


@specs_command.command("from-xlsx")
@click.argument("workbook", type=click.Path(path_type=Path))
@click.option("--out", "out", type=click.Path(path_type=Path),
              help="The spec file to write (default: FORM_ID.yaml in the workspace's specs folder).")
@click.option("--replace", is_flag=True, help="Replace the spec file if it is already there.")
@click.pass_context
def specs_from_xlsx(ctx: click.Context, workbook: Path, out: Path | None, replace: bool) -> None:
    """Make a form spec from a workbook (one 'specs to-xlsx' wrote, or one filled in from scratch).

    The form is checked as any spec; every problem is listed with its sheet, row and
    column, and nothing is written until there is none (exit 2).

    \b
    Examples:
      auditdocs specs from-xlsx thematic_social_workers.xlsx
      auditdocs specs from-xlsx csc.xlsx --out form_specs/csc_case_file_audit.yaml --replace
    """
    from ..specs.run import form_from_xlsx

    made = form_from_xlsx(run_of(ctx).workspace_for(), workbook, out, replace=replace)
    for line in made.lines():
        click.echo(line)
