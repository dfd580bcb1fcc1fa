"""`auditdocs allocate`: allocate the month, check a hand-made list, or reallocate an audit."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import EXIT_ATTENTION, EXIT_USER_ERROR
from .common import month_value, register_option, run_of, shown_library

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _path(**kwargs):
    return click.Path(dir_okay=False, path_type=Path, **kwargs)


@click.command("allocate", context_settings=CONTEXT)
@click.option("--month", callback=month_value, metavar="YYYY-MM", help="The month to allocate.")
@click.option("--cases", type=_path(), help="The cases list (.xlsx or .csv) exported from the case management system.")
@click.option("--auditors", type=_path(), help="The auditors list (.xlsx or .csv).")
@click.option("--map", "mapping", multiple=True, metavar='"COLUMN=WHAT"',
              help="A column whose name is not recognised, in either list: a form detail (--map \"Child ID="
                   "case_number\"), or category, service, marked (cases); name, team, email, role (auditors). "
                   "Repeat as needed.")
@click.option("--seed", type=int, help="Draw another sample (default: the month, so the same lists give the same "
                                       "allocation).")
@click.option("--out", type=_path(), help="The allocation list to write (default: allocations-YYYY-MM.xlsx; with "
                                         "--reallocate, reallocation-AUD-ID.xlsx).")
@register_option
@click.option("--replace", is_flag=True, help="Allocate the month again before any form is made (the earlier "
                                              "allocation is cancelled in the register).")
@click.option("--check", "to_check", type=_path(), metavar="LIST",
              help="Check a hand-made allocation list against the rules instead (writes nothing).")
@click.option("--reallocate", "audit_id", metavar="AUD-ID", help="Reallocate an audit whose auditor was exempted.")
@click.option("--reason", default="", help="With --reallocate: why the auditor is exempted.")
@click.option("--agreed-by", default="", help="With --reallocate: who agreed the exemption.")
@click.option("--agreed-role", default="", help="With --reallocate: their role, if the auditors list does not say "
                                                "(Assistant Director; for QA auditors, Strategic Lead for "
                                                "Improvement, Performance and Quality).")
@click.pass_context
def allocate_command(ctx, month, cases, auditors, mapping, seed, out, register_file, replace, to_check, audit_id,
                     reason, agreed_by, agreed_role) -> None:
    """Allocate the month's audits to auditors under the framework's rules, check a hand-made
    allocation list against them, or reallocate an audit after an exemption.

    The rules: at most 10 audits per auditor per audit year (April to March); no auditor audits
    a case of their own team; nobody audits the same child twice running; at most 20% of
    auditors on an audit break in a month (first asked, first agreed; those beyond are named, to
    be asked to move); an auditor exempted from a case is never given it again. Where it can, it
    evens out the load across the year and spreads each team's cases over several auditors.
    Re-audits of Inadequate audits (due within two months) come first, to the same auditor.
    These numbers, the sample below and the form for each category are the defaults: in a
    workspace, its settings (the [allocation] table of auditdocs.toml) set them.

    \b
    The cases list: one row per case (case number, names, date of birth, team, service,
    category such as CIN, CP, CLA, Early Help, Foster carer…, social worker, team manager),
    with columns named as for 'auditdocs generate' (a title above the headings and note lines
    are skipped; --map names a column auditdocs does not recognise). Mark the rows to audit in a column
    'Audit this month' (Yes); with no row marked, the control sample is drawn (13 CIN, 13 CP,
    13 CLA, 1 placed for adoption, 6 foster carers, 3 prospective adopters), spread across
    teams, leaving out cases audited in the last 6 months.
    The auditors list: Name, E-mail, Team, Service, Role, Break months (2026-12; January 2027),
    Break requested on (the dates the breaks were asked for), Exemptions (case numbers).

    \b
    The allocation list it writes is the list 'auditdocs generate --data' reads; its Why sheet
    says why each auditor, and every rule that could not be kept with what to do. The audits
    are recorded in the register (the workspace's, or --register; made if there is none yet).
    When not every case can be allocated, or a row of the lists cannot be used, nothing is
    written or recorded: it says what cannot be met and what to do (exit 2). Exits 1 when something needs attention
    (a break over the limit, rows not used, a sample short, breaches found by --check).

    \b
    Examples (in a workspace; elsewhere add --register register.sqlite):
      auditdocs allocate --month 2026-12 --cases cases.xlsx --auditors auditors.xlsx
      auditdocs allocate --check allocations.xlsx --auditors auditors.xlsx
      auditdocs allocate --reallocate AUD-202612-ABCDEFGH --reason "Long-term sick leave"
          --agreed-by "Dana Fictional" --agreed-role "Assistant Director" --auditors auditors.xlsx
    """
    run = run_of(ctx)
    ws = run.workspace_for(register=register_file)
    shown_library(ws)
    modes = [name for name, given in (("--check", to_check), ("--reallocate", audit_id), ("--cases", cases)) if given]
    if len(modes) != 1:
        raise click.UsageError("give one of --cases (allocate the month), --check LIST or --reallocate AUD-ID.")
    if not auditors:
        raise click.UsageError("give the auditors list with --auditors auditors.xlsx.")
    if cases and month is None:
        raise click.UsageError("give the month to allocate with --month YYYY-MM, for example --month 2026-12.")
    run.register_path(register_file)  # none given, and no workspace: a usage error that says how
    from ..allocate.run import (
        allocate_month,
        check_allocation,
        problem_lines,
        reallocate_audit,
    )

    if to_check:
        result = check_allocation(ws, listed=to_check, auditors=auditors, month=month, mapping=mapping)
        _echo_err([f"Note: {note}" for note in result.remarks] + problem_lines(result.problems))
    elif audit_id:
        result = reallocate_audit(ws, audit_id=audit_id, reason=reason, agreed_by=agreed_by, auditors=auditors,
                                  out=out or Path(f"reallocation-{audit_id.strip()}.xlsx"), agreed_role=agreed_role)
        if refusal := result.refusal():
            _echo_err(refusal)
            ctx.exit(EXIT_USER_ERROR)
    else:
        result = allocate_month(ws, month=month, cases=cases, auditors=auditors,
                                out=out or Path(f"allocations-{month:%Y-%m}.xlsx"), seed=seed, replace=replace,
                                mapping=mapping)
        _echo_err([f"Note: {note}" for note in result.notes] + problem_lines(result.problems) + result.refusal())
        if result.plan.impossible:
            ctx.exit(EXIT_USER_ERROR)
    for line in result.lines():
        click.echo(line)
    if result.needs_attention:
        ctx.exit(EXIT_ATTENTION)


def _echo_err(lines: list[str]) -> None:
    for line in lines:
        click.echo(line, err=True)
