"""`auditdocs programme`: check the year's audit programme (programme.xlsx), and show a month of it."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..errors import EXIT_ATTENTION, EXIT_USER_ERROR
from .common import month_value, run_of

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

programme_option = click.option(
    "--programme", "programme_file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
    help="The programme workbook. Default: the workspace's programme.xlsx (see 'auditdocs init').")


@click.group("programme", context_settings=CONTEXT)
def programme_command() -> None:
    """The year's audit programme (programme.xlsx): every month's activities, from the control sample to
    dip samples and thematic audits."""


@programme_command.command("check")
@programme_option
@click.option("--cases", "cases", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Also check that every cohort rule names a column of this export of the case system.")
@click.pass_context
def programme_check(ctx: click.Context, programme_file: Path | None, cases: Path | None) -> None:
    """Check the programme: every problem with its sheet, row, column and what to do (exit 2 if any).

    \b
    Examples:
      auditdocs programme check
      auditdocs programme check --programme "programme 2027.xlsx" --cases "cases 2027-01.xlsx"
    """
    from ..programme.run import check_programme

    checked = check_programme(run_of(ctx).use_case_workspace(needs_register=False), programme_file)
    for line in checked.problem_lines():
        click.echo(line, err=True)
    columns = []
    if cases is not None:
        from ..allocate.cohort import cohort_column_problems

        columns = cohort_column_problems(checked.programme, cases)
        for line in columns[:-1]:
            click.echo(f"Error: {line}", err=True)
        click.echo("\n".join(columns[-1:]), err=True)
    click.echo(checked.summary())
    if columns:
        click.echo(f"{len(columns) - 1} cohort rule(s) name a column that {cases.name} does not have: correct the "
                   "rules, or the headings of the export.")
    if checked.needs_attention or columns:
        ctx.exit(EXIT_USER_ERROR)


@programme_command.command("show")
@click.option("--month", "month", required=True, callback=month_value, metavar="YYYY-MM",
              help="The month to show, for example 2027-01.")
@programme_option
@click.pass_context
def programme_show(ctx: click.Context, month: dt.date, programme_file: Path | None) -> None:
    """Show a month's activities: type, subject, cohort, sample, auditors, form, and whether each audit counts
    toward the auditor's ten a year.

    \b
    Example:
      auditdocs programme show --month 2027-01
    """
    from ..programme.run import programme_month

    shown = programme_month(run_of(ctx).use_case_workspace(needs_register=False), month, programme_file,
                            with_re_audits=True)
    if shown.checked.problems:
        n = len(shown.checked.problems)
        click.echo(f"Warning: {n} problem{'s' * (n != 1)} in {shown.checked.path.name} (those rows are left out): "
                   "'auditdocs programme check' lists them.", err=True)
    click.echo("\n".join(shown.lines()))
    if shown.checked.problems:
        ctx.exit(EXIT_ATTENTION)


@programme_command.command("draw")
@click.option("--month", "month", required=True, callback=month_value, metavar="YYYY-MM",
              help="The month whose activities to draw, for example 2027-01.")
@click.option("--cases", "cases", required=True, type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="The case system's export (.xlsx or .csv), with the columns the cohort rules name.")
@click.option("--activity", "activity", default="", metavar="NAME", help="Only this activity (its name).")
@click.option("--seed", "seed", type=int, default=0, show_default=True,
              help="The same seed draws the same cases again.")
@programme_option
@click.pass_context
def programme_draw(ctx: click.Context, month: dt.date, cases: Path, activity: str, seed: int,
                   programme_file: Path | None) -> None:
    """Draw each of the month's activities with a cohort from the case system's export: how many cases
    match its rules, and the sample drawn from them (exit 2 if a rule names a column the export lacks).

    \b
    Example:
      auditdocs programme draw --month 2027-01 --cases "cases 2027-01.xlsx" --seed 7
    """
    from ..allocate.cohort import draw_month

    drawn = draw_month(run_of(ctx).use_case_workspace(needs_register=False), month, cases, seed=seed,
                       activity=activity, programme=programme_file)
    if drawn.programme_problems:
        click.echo(f"Warning: {drawn.programme_problems} problem(s) in the programme (those rows are left out): "
                   "'auditdocs programme check' lists them.", err=True)
    for problem in drawn.problems[:-1]:
        click.echo(f"Error: {problem}", err=True)
    click.echo("\n".join(drawn.problems[-1:]), err=True)
    for draw in drawn.draws:
        click.echo("\n".join(draw.lines()))
    if drawn.problems:
        ctx.exit(EXIT_USER_ERROR)
