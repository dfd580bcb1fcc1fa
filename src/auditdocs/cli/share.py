"""The sharing commands: `auditdocs export`, `auditdocs key new`, `auditdocs finalise`."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from .. import naming
from ..errors import EXIT_ATTENTION, UserError
from .common import month_value, register_option, run_of

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _library(ctx: click.Context):
    return run_of(ctx).library()


def _period(month: dt.date | None, first: dt.date | None, last: dt.date | None) -> str:
    if month:
        return f"{month:%B %Y}"
    if first and last:
        return f"{first:%B %Y} to {last:%B %Y}"
    if first or last:
        return f"{first:%B %Y} onwards" if first else f"up to {last:%B %Y}"
    return "every month in the register"


def _warn(lines) -> None:
    for line in lines:
        click.echo(f"Warning: {line}", err=True)


def _some(names: list[str]) -> str:
    """The first three names, and how many more."""
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


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
    from dataclasses import replace

    from ..register import open_register
    from ..share.export import check_output, export_tables, write_export
    from ..share.keys import load_key

    if not pseudonymise:
        raise click.UsageError("add --pseudonymise: every export is pseudonymised (case numbers replaced by "
                               "pseudonyms, names left out), and saying so is part of the command.")
    if month and (first or last):
        raise click.UsageError("give either --month, or --from and --to, not both.")
    if key_file is None:
        raise UserError("give the team's key with --key-file FILE: the same key gives a child the same pseudonym in "
                        "every export. If the team has no key yet, make one with `auditdocs key new team.key` (once, "
                        "for the whole team; keep it safe and apart from the exports).")
    check_output(out)
    key, warnings = load_key(key_file)
    if key_file.resolve().parent == out.resolve().parent:
        warnings.append(f"the key {key_file} is in the same folder as the export: keep them apart, so that the key "
                        "never goes out with an export.")
    _warn(warnings)
    lib = _library(ctx)
    register = run_of(ctx).register_path(register_file)
    settings = run_of(ctx).settings("export")
    if code_teams is not None:
        settings = replace(settings, code_teams=code_teams)
    with open_register(register) as reg:
        audits = reg.audits(month=month, first=first, last=last)
        history = [h for case in sorted({a.case_number for a in audits if a.case_number})
                   for h in reg.case_history(case)]
    period = _period(month, first, last)
    if not audits:
        raise UserError(f"the register {register} has no audits for {period}, so nothing was exported. "
                        "Check the month, and that the audits were recorded in this register.")
    today = dt.date.today()
    tables = export_tables(audits, lib, key, today, settings=settings, long=long, with_text=with_text,
                           history=history, period=period)
    paths = write_export(tables, out)
    counts = ", ".join(f"{len(s.rows)} {s.name.lower()}" for s in tables.sheets)
    click.echo(f"Exported {counts} ({period}), pseudonymised with key {key.key_id}:")
    for path in paths:
        click.echo(f"  {path}")
    click.echo("It is still personal data under UK GDPR: share it only under an agreement, and never with the key."
               + (" Read the free text before sharing: names the records do not hold cannot be replaced."
                  if with_text else ""))
    for note in tables.notes:
        click.echo(f"Note: {note}", err=True)
    if tables.notes:
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
    from ..files import WINDOWS_PRIVACY, owner_only
    from ..share.keys import KEY_ADVICE, make_key_file

    make_key_file(path)
    click.echo(f"Made the key {path} (readable by you only).\n{KEY_ADVICE}" if owner_only() else
               f"Made the key {path}.\n{KEY_ADVICE}\n{WINDOWS_PRIVACY}")


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
    from ..files import write_atomic
    from ..share.finalise import (
        NotFinalised,
        convert,
        find_soffice,
        finished_pdf,
        locate,
        plan_from_records,
        plan_from_register,
    )
    from ..tagged_pdf import UPDATE_LIBREOFFICE, structure

    if paths and (month or register_file):
        raise click.UsageError("give either the returned forms (PATHS), or --month (and the register), not both.")
    if not paths and not month:
        raise click.UsageError("give the returned forms to finalise (files or folders), or --month YYYY-MM "
                               "for the month's audits in the register.")
    register = None if paths else run_of(ctx).register_path(register_file)
    soffice = find_soffice()
    lib = _library(ctx)
    today = dt.date.today()
    if paths:
        from ..returns.read import read_returns

        records = list(read_returns(list(paths), lib))
        if not records:
            raise UserError("no forms (.docx or .xlsx) were found there; nothing was finalised.")
        plan = plan_from_records(records, lib, today)
    else:
        from ..register import open_register

        with open_register(register) as reg:
            audits = reg.audits(month=month)
        if not audits:
            raise UserError(f"the register {register} has no audits for {month:%B %Y}; nothing was finalised.")
        plan = plan_from_register(audits, lib, today, locate)
    made, untagged, pictured = [], [], []
    now = dt.datetime.now()
    if warning := naming.too_deep(out, "x.pdf"):
        click.echo(f"Warning: {warning[0].upper()}{warning[1:]}", err=True)
    results = convert(plan.items, soffice, out)
    for item in plan.items:
        result = results[item.audit_id]
        if isinstance(result, bytes):
            pdf = finished_pdf(result, item, now)
            name = naming.fit_name(out, item.name, (item.case_number, item.audit_id))  # short enough for Windows
            made.append(write_atomic(out / name, pdf, private=True))
            if not structure(pdf).tagged:  # see finalise.convert
                (untagged if item.source.suffix.lower() == ".docx" else pictured).append(name)
        else:
            plan.skipped.append(NotFinalised(str(item.source), result))
    if made:
        click.echo(f"Finalised {len(made)} audit{'s' * (len(made) != 1)} in {out} (upload each to the case file, "
                   "then delete it from here: it is personal data):")
        for path in made:
            click.echo(f"  {path.name}")
    else:
        click.echo("No audit was finalised.")
    if untagged:
        _warn([f"these PDFs are not tagged for screen readers (no headings or tables for them to find): {_some(untagged)}. "
               f"{UPDATE_LIBREOFFICE}, then finalise them again."])
    if pictured:
        _warn([f"these PDFs are not tagged for screen readers, because their Excel forms hold a picture, chart or "
               f"shape that a tagged PDF would lose (a screen reader reads them page by page): {_some(pictured)}. "
               "To have one tagged, delete the picture, chart or shape from a copy of its form and finalise the copy."])
    if plan.skipped:
        click.echo(f"Not finalised ({len(plan.skipped)}):")
        for skipped in plan.skipped:
            click.echo(f"  {skipped}")
        ctx.exit(EXIT_ATTENTION)


def add_share_commands(group: click.Group) -> None:
    for command in (export_cmd, key_cmd, finalise_cmd):
        group.add_command(command)
