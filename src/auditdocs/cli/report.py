"""`auditdocs report`: the monthly (or quarterly, or yearly) audit report from the register."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import EXIT_ATTENTION
from .common import register_option, run_of


@click.command("report")
@register_option
@click.option("--month", metavar="YYYY-MM", help="The month to report on (default: last month).")
@click.option("--quarter", metavar="YYYY-QN",
              help="A quarter of the audit year, April to March unless the workspace's [report] settings say "
                   "otherwise (year_start): 2026-Q1 is April to June 2026, 2026-Q2 July to September, 2026-Q3 "
                   "October to December 2026, 2026-Q4 January to March 2027.")
@click.option("--from", "first", metavar="YYYY-MM", help="The first month of a longer period (with --to).")
@click.option("--to", "last", metavar="YYYY-MM", help="The last month of a longer period (with --from).")
@click.option("--out", "out", default=Path("output/reports"), show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder for the report and the dashboard.")
@click.option("--pdf", is_flag=True, help="Also save the report as PDF (needs LibreOffice).")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write every figure of the report to this JSON file.")
@click.option("--anonymous", is_flag=True,
              help="No case numbers (the Inadequate cases are numbered) and no auditors' names or audit ids.")
@click.option("--with-evidence", is_flag=True,
              help="Add an annex quoting what auditors wrote (working well / worried about) for a few audits of "
                   "each grade, with the names the register holds replaced by roles.")
@click.option("--activity", metavar="NAME",
              help="The audit summary report of one activity of the programme (a thematic audit, a dip sample), "
                   "as the programme names it, e.g. \"Multiple changes of social worker\": its cohort, findings per "
                   "question and section, grades, the group and its key messages (from the tracker's Key messages "
                   "sheet), actions with owners and its six-month review. With --month: that month's, else the "
                   "latest month with audits of it.")
@click.pass_context
def report_command(ctx, register_file, month, quarter, first, last, out, pdf, json_file, anonymous,
                   with_evidence, activity) -> None:
    """Make the audit report for a month, a quarter or a run of months.

    Writes a Word report (summary, completion, grades, domains, Inadequate
    cases, actions, moderation, with charts) and an Excel dashboard of the same
    figures, with a row per audit and per judgement for your own pivot tables.
    Neither holds names or dates of birth; case numbers appear only in the
    Inadequate follow-up table. Both are made afresh each time.

    The title page names the council and the service of the workspace's [council]
    settings; its [report] settings set the audit year's first month, how many questions
    and months the report shows, and what the evidence annex quotes.

    \b
    Examples (in a workspace; elsewhere add --register register.sqlite):
      auditdocs report --month 2026-11
      auditdocs report --quarter 2026-Q3 --pdf
      auditdocs report --from 2026-04 --to 2027-03 --anonymous
      auditdocs report --activity "Multiple changes of social worker" --month 2027-01
    """
    from ..report.run import NotAPeriod, PeriodsClash, make_report

    workspace = run_of(ctx).use_case_workspace(register_file)
    if activity is not None:
        _activity_summary(ctx, workspace, activity, month, quarter or first or last or with_evidence, out, pdf,
                          json_file, anonymous)
        return
    try:
        files = make_report(workspace, month=month, quarter=quarter, first=first, last=last, out=out,
                            anonymous=anonymous, with_evidence=with_evidence, pdf=pdf, json_file=json_file)
    except PeriodsClash as exc:
        raise click.UsageError(exc.message) from None
    except NotAPeriod as exc:
        raise click.BadParameter(exc.message) from None
    _show(ctx, files)


def _activity_summary(ctx, workspace, activity, month, other_period, out, pdf, json_file, anonymous) -> None:
    """`report --activity`: the audit summary report of one activity of the programme."""
    from ..report.run import NotAPeriod
    from ..report.summary_run import make_summary

    if other_period:
        raise click.UsageError("--activity makes one activity's summary for a month: give --month (or nothing), "
                               "not --quarter, --from/--to or --with-evidence.")
    try:
        files = make_summary(workspace, activity=activity, month=month, out=out, anonymous=anonymous, pdf=pdf,
                             json_file=json_file)
    except NotAPeriod as exc:
        raise click.BadParameter(exc.message) from None
    _show(ctx, files)


def _show(ctx, files) -> None:
    """What a report made, its notes and warnings; exit 1 when something needs a look."""
    click.echo("\n".join(files.lines()))
    for note in files.notes:
        click.echo(f"Note: {note}", err=True)
    for warning in files.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if files.attention:
        ctx.exit(EXIT_ATTENTION)
