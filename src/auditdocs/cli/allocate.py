"""`auditdocs allocate`: allocate the month, check a hand-made list, or reallocate an audit."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import EXIT_ATTENTION, EXIT_USER_ERROR
from .common import month_value, register_option, run_of

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
    library = run.library()
    modes = [name for name, given in (("--check", to_check), ("--reallocate", audit_id), ("--cases", cases)) if given]
    if len(modes) != 1:
        raise click.UsageError("give one of --cases (allocate the month), --check LIST or --reallocate AUD-ID.")
    if not auditors:
        raise click.UsageError("give the auditors list with --auditors auditors.xlsx.")
    if cases and month is None:
        raise click.UsageError("give the month to allocate with --month YYYY-MM, for example --month 2026-12.")
    register = run.register_path(register_file)
    settings = run.settings("allocation")
    if to_check:
        _check(ctx, to_check, auditors, register, library, month, settings, mapping)
    elif audit_id:
        _reallocate(ctx, audit_id, reason, agreed_by, agreed_role, auditors, register, out, library, settings)
    else:
        _allocate(ctx, month, cases, auditors, register, out, library, seed, replace, settings, mapping)


def _allocate(ctx, month, cases, auditors, register, out, library, seed, replace, settings, mapping) -> None:
    from ..allocate.rules import month_name
    from ..allocate.run import allocate_month

    out = out or Path(f"allocations-{month:%Y-%m}.xlsx")
    result = allocate_month(month, cases, auditors, out, register, library, settings=settings, seed=seed,
                            replace=replace, mapping=mapping)
    _notes(result.auditors.notes + result.cases.notes)
    _problems(result.problems)
    plan = result.plan
    if plan.impossible:
        click.echo(f"Nothing was allocated for {month_name(month)}, and nothing was written or recorded:", err=True)
        for why in plan.impossible:
            click.echo(f"  {why}", err=True)
        ctx.exit(EXIT_USER_ERROR)
    re_audits = sum(1 for row in plan.rows if row.case.re_audit_of)
    auditors_used = len({row.auditor.name for row in plan.rows})
    click.echo(f"Allocated {len(plan.rows)} audits for {month_name(month)} ({re_audits} re-audit"
               f"{'s' * (re_audits != 1)}) to {auditors_used} auditors, seed {plan.seed}.")
    click.echo(f"Written: {result.out} (its Why sheet says why each auditor and what could not be kept).")
    click.echo(f"Recorded in the register {register}." + (f" {result.replaced} audits of the earlier allocation "
                                                        "were cancelled." if result.replaced else ""))
    attention = plan.attention
    soft = [n for n in plan.notes if not n.hard] + [b for row in plan.rows for b in row.unmet]
    if attention:
        click.echo("Needs attention:")
        for note in attention:
            click.echo(f"  - {note}")
    if soft:
        click.echo(f"{len(soft)} soft rule{'s' * (len(soft) != 1)} could not be kept (listed in the Why sheet).")
    click.echo(f"Next: auditdocs generate --data {result.out} --month {month:%Y-%m}")
    if attention or result.problems:
        ctx.exit(EXIT_ATTENTION)


def _check(ctx, listed, auditors, register, library, month, settings, mapping) -> None:
    from ..allocate.rules import month_name
    from ..allocate.run import check_allocation

    result = check_allocation(listed, auditors, register, library, month=month, settings=settings, mapping=mapping)
    _notes(result.remarks)
    _problems(result.problems)
    click.echo(f"Checked {result.rows} rows of {listed.name} for {month_name(result.month)} against the rules.")
    if result.breaches:
        click.echo(f"{len(result.breaches)} breach{'es' * (len(result.breaches) != 1)} of the rules:")
        for breach in result.breaches:
            click.echo(f"  {'row ' + str(breach.row) if breach.row else 'the month'}: {breach.what} {breach.todo}")
    else:
        click.echo("No rule is broken.")
    if result.notes:
        click.echo(f"Worth a look ({len(result.notes)}):")
        for note in result.notes:
            click.echo(f"  {'row ' + str(note.row) if note.row else 'the month'}: {note.what} {note.todo}")
    if result.breaches or result.problems:
        ctx.exit(EXIT_ATTENTION)


def _reallocate(ctx, audit_id, reason, agreed_by, agreed_role, auditors, register, out, library, settings) -> None:
    from ..allocate.run import reallocate_audit

    out = out or Path(f"reallocation-{audit_id.strip()}.xlsx")
    result = reallocate_audit(audit_id, reason, agreed_by, auditors, register, out, library, agreed_role=agreed_role,
                              settings=settings)
    if result.plan.impossible:
        click.echo(f"{audit_id} could not be reallocated, and nothing was recorded:", err=True)
        for why in result.plan.impossible:
            click.echo(f"  {why}", err=True)
        ctx.exit(EXIT_USER_ERROR)
    new = result.replacement
    click.echo(f"Exemption of {result.original.auditor} from {audit_id} recorded (agreed by {agreed_by}).")
    click.echo(f"Reallocated to {new.auditor.name}: the new audit is {result.new_audit_id}. {new.why}")
    for note in new.unmet:
        click.echo(f"  - {note}")
    click.echo(f"Written: {result.out}. Next: auditdocs generate --data {result.out}")


def _notes(notes: list[str]) -> None:
    for note in notes:
        click.echo(f"Note: {note}", err=True)


def _problems(problems: list[str]) -> None:
    if problems:
        click.echo(f"{len(problems)} problem{'s' * (len(problems) != 1)} with rows of the lists (those rows not "
                   "used):", err=True)
        for problem in problems:
            click.echo(f"  {problem}", err=True)
