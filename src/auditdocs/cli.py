"""The `auditdocs` command line. Each command is a thin layer over a module."""
from __future__ import annotations

from pathlib import Path

import click

from . import __version__
from .context import Run, day_value, month_value, register_option, run_of
from .errors import EXIT_ATTENTION, EXIT_FAILED, EXIT_USER_ERROR, UserError
from .specs import ENV_VAR, get_spec
from .specs.loader import check_paths
from .specs.outline import asks, field_kind, outline
from .workspace import (
    SETTINGS,
    SETTINGS_FILE,
    init_workspace,
)

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT)
@click.option(
    "--specs",
    "specs_folder",
    type=click.Path(file_okay=False, path_type=Path),
    envvar=ENV_VAR,
    help=f"Folder of form specs to use. Default: the workspace's (see 'auditdocs init'), else the built-in "
         f"forms. The {ENV_VAR} environment variable sets it too.",
)
@click.version_option(__version__, prog_name="auditdocs")
@click.pass_context
def cli(ctx: click.Context, specs_folder: Path | None) -> None:
    """auditdocs: monthly case file audit forms, from spec to tracker.

    \b
    Start:
      auditdocs init "Case file audits"      a workspace: your forms, settings, tracker
      auditdocs demo                          try it all on invented data
    \b
    The month, in commands (inside a workspace, the folders come from its settings):
      auditdocs generate --data allocations.xlsx --month 2026-11    make the forms
      auditdocs parse returned --returns                             check what came back
      auditdocs consolidate returned --tracker tracker.xlsx          update the tracker
    """
    source = ctx.get_parameter_source("specs_folder")
    origin = (f"set by the {ENV_VAR} environment variable" if source == click.core.ParameterSource.ENVIRONMENT
              else "given with --specs")
    ctx.obj = Run(specs_folder, origin)


def library(ctx: click.Context):
    return run_of(ctx).library()


# ---- init --------------------------------------------------------------------


@cli.command("init", context_settings=CONTEXT)
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--council", default="", metavar="NAME", help="The council's name, for report title pages.")
@click.option("--service", default="", metavar="NAME", help="The service (default: Children's Services).")
def init_cmd(folder: Path, council: str, service: str) -> None:
    """Set up a council's own workspace in FOLDER (made if needed).

    FOLDER gets a copy of the built-in form specs to change (form_specs/), a settings
    file (auditdocs.toml) naming the specs, forms, returned forms, tracker and register,
    with the council's choices for allocation, moderation, reports and exports (each
    setting at its default, with what it is for), and a short README. Commands run in
    FOLDER, or in a folder below it, use these settings; an option given wins.

    \b
    Example:
      auditdocs init "Case file audits" --council "Anytown Borough Council"
    """
    from .files import WINDOWS_PRIVACY, owner_only

    written = init_workspace(folder, council, service)
    specs = sum(1 for p in written if p.suffix == ".yaml")
    click.echo("\n".join([
        f"Made an auditdocs workspace in {folder}:",
        f"  {folder / SETTINGS_FILE}   the settings (council, folders, and the council's choices)",
        f"  {folder / SETTINGS['files']['specs'].default}   {specs} form spec files to change "
        "(auditdocs specs validate checks them)",
        f"  {folder / 'README.md'}   what is where",
        "",
        "Next:",
        f'  cd "{folder}"',
        "  auditdocs specs list",
        "  auditdocs generate --data allocations.xlsx --month 2026-11",
    ] + ([] if owner_only() else ["", f"Keep it private: {WINDOWS_PRIVACY}"])))


# ---- specs -------------------------------------------------------------------


@cli.group(context_settings=CONTEXT)
def specs() -> None:
    """List, show and check the form specs."""


@specs.command("list")
@click.pass_context
def specs_list(ctx: click.Context) -> None:
    """List the forms: id, title, version, subject, and what each asks (questions, judgements, checks).

    \b
    Example:
      auditdocs specs list
    """
    lib = library(ctx)
    rows = [(s.id, s.title, str(s.version), s.subject_label, asks(s)) for s in lib.current()]
    head = ("ID", "TITLE", "VERSION", "SUBJECT", "WHAT IT ASKS")
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    for row in [head] + rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())


@specs.command("show")
@click.argument("form_id")
@click.option("--version", "version", type=int, help="An older version of the form.")
@click.pass_context
def specs_show(ctx: click.Context, form_id: str, version: int | None) -> None:
    """Show a readable outline of a form, section by section.

    \b
    Example:
      auditdocs specs show csc_case_file_audit
    """
    click.echo(outline(get_spec(library(ctx), form_id, version)))


@specs.command("validate")
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
    folder, _ = run_of(ctx).specs()
    good, messages = check_paths(list(paths) or [folder], folder)
    for message in messages:
        click.echo(str(message), err=True)
    if messages:
        files = len({m.path for m in messages})
        click.echo(f"{len(messages)} problem{'s' * (len(messages) != 1)} in {files} file{'s' * (files != 1)}.", err=True)
        ctx.exit(EXIT_ATTENTION)
    click.echo(f"OK: {len(good)} form spec{'s' * (len(good) != 1)} valid.")


@specs.command("tags")
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
    spec = get_spec(library(ctx), form_id)
    width = max(len(t) for t in spec.tags)
    for f in spec.fields:
        click.echo(f"{f.id.ljust(width)}  {field_kind(f)}  ({f.label})")
    for t in spec.tables:
        for c in t.columns:
            click.echo(f"{c.tag(t.id).ljust(width)}  {field_kind(c)}  (action table {t.ref}, every row)")


# ---- generate ------------------------------------------------------------------


@cli.command("generate", context_settings=CONTEXT)
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
def generate_cmd(ctx, data, out, spec_id, mapping, month, sheet, fmt, template, allow_prefilled, force, dry_run,
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
    import sys

    from .allocation import parse_month, read_allocations
    from .generate import generate, summary

    if eml and not auditors:
        raise click.UsageError("--eml needs the auditors list, whose E-mail column addresses the drafts: add "
                               "--auditors auditors.xlsx.")
    lib = library(ctx)
    if out is None:
        workspace = run_of(ctx).workspace
        out = workspace.forms / f"{month or parse_month(None):%Y-%m}" if workspace else Path("output/forms")
    allocations = read_allocations(data, lib, spec_id=spec_id, mapping=mapping, month=month, sheet=sheet)
    for note in allocations.notes:
        click.echo(f"Note: {note}", err=True)
    for warning in allocations.warnings:
        click.echo(f"Warning: {warning}", err=True)
    result = generate(allocations, lib, out, fmt=fmt, template=template, force=force, dry_run=dry_run,
                      bar=sys.stderr.isatty() and not dry_run, allow_prefilled=allow_prefilled)
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    for line in summary(result):
        click.echo(line)
    register = register_file or (workspace.register if (workspace := run_of(ctx).workspace) else None)
    if register and not dry_run:
        from .generate import record_made

        recorded = record_made(result, allocations, lib, register)
        click.echo(f"{recorded} audit{'s' * (recorded != 1)} recorded in the register {register}.")
    elif not dry_run:
        click.echo("Note: no audit register was named (--register PATH, or work in a workspace: see "
                   "'auditdocs init'), so these audits are not recorded; 'auditdocs register import' can add "
                   "them later from the manifest.")
    if eml and not dry_run:
        _forms_drafts(ctx, result, allocations, auditors, out, month or parse_month(None))
    if not result.all_generated:
        click.echo(result.shortfall())
        ctx.exit(EXIT_ATTENTION)


def _forms_drafts(ctx, result, allocations, auditors: Path, out: Path, month) -> None:
    """generate --eml: a draft per auditor, with the forms made for them (in this run or before)."""
    from .share.email import addresses, forms_drafts, forms_made

    run = run_of(ctx)
    forms, due = forms_made(result, allocations, out)
    folder = out / "E-mail drafts"
    drafts = forms_drafts(forms, addresses(auditors, run.settings("allocation"), month), folder, month, due,
                          run.settings("email"))
    for warning in drafts.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo("\n".join(drafts.lines(folder)))


# ---- parse -----------------------------------------------------------------------


def _record_sent_back(register: Path, records, sent_on) -> str:
    """Record that the incomplete audits read were sent back to their auditors, on `sent_on` (default today)."""
    import datetime as dt

    from . import model as m
    from .register import open_register

    day = sent_on or dt.date.today()
    incomplete = sorted({r.audit_id for r in records if r.status == "incomplete" and r.audit_id})
    with open_register(register, write=True, create=True) as reg:
        known = {a.audit_id for a in reg.audits(ids=incomplete)}
        reg.record_events(m.Event("sent_back", day, aid, who="auditdocs parse --sent") for aid in incomplete
                          if aid in known)
    unknown = [aid for aid in incomplete if aid not in known]
    text = f"\nRecorded in the register that {len(known)} incomplete audit{'s were' if len(known) != 1 else ' was'} " \
           f"sent back on {day:%d/%m/%Y}."
    if unknown:
        text += (f" {len(unknown)} {'are' if len(unknown) != 1 else 'is'} not in the register yet "
                 f"({', '.join(unknown[:3])}{'…' if len(unknown) > 3 else ''}): run 'auditdocs consolidate' first, "
                 "or type the date in the tracker's 'Sent back on' column.")
    return text


def _no_forms(paths: list[Path]) -> str:
    return f"No forms (.docx or .xlsx) were found in {', '.join(str(p) for p in paths)}."


@cli.command("parse", context_settings=CONTEXT)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write every answer read, one JSON object per form (see README).")
@click.option("--returns", "show_returns", is_flag=True,
              help="List the incomplete audits per auditor, with what to fix, ready to send back.")
@click.option("--sent-on", "sent_on", callback=day_value, metavar="DD/MM/YYYY",
              help="With --returns: the day the list goes out (default: today); audits are due back "
                   "3 working days later.")
@click.option("--sent", "sent", is_flag=True,
              help="With --returns: record in the register that the incomplete audits listed were sent back "
                   "(on --sent-on, default today), as typing the date in the tracker's 'Sent back on' does.")
@register_option
@click.pass_context
def parse_cmd(ctx, paths, json_file, show_returns, sent_on, sent, register_file) -> None:
    """Read completed forms (Word or Excel) and say which are complete.

    PATHS are files or folders (searched with their subfolders); in a workspace, the
    default is its folder of returned forms. Each form gets one line: complete,
    incomplete (what is missing) or unreadable (why, and what to do). Word's ~$ lock
    files and hidden files are skipped; a damaged file is unreadable and the others
    are read as usual. An audit read as several files with other answers is listed with
    every file and the one that stands (as consolidate decides: by when each was saved);
    with a register, so are files put on no audit (another child's details, an audit it
    did not allocate). Exits 0 when every form read is complete (or there is none yet),
    1 otherwise, 2 (reading nothing) when a path does not exist.

    \b
    Examples:
      auditdocs parse output/returned
      auditdocs parse output/returned --returns --sent-on 01/12/2026
      auditdocs parse "Jo Bloggs/P900001 Smith.docx" --json answers.json
    """
    from .returns import one_line, read_returns, returns_by_auditor, write_json

    paths = run_of(ctx).returned_paths(paths)
    lib = library(ctx)
    records = []
    for record in read_returns(paths, lib):
        records.append(record)
        if not show_returns:
            click.echo(one_line(record))
    if not records:
        click.echo(_no_forms(paths))
        return
    from .consolidation.placing import lost_since_read, placing_of, refused_files
    from .returns import lossy_text, refused_text, standing_versions, versions_text

    run = run_of(ctx)
    register = run.register_path(register_file) if register_file or run.workspace else None
    refused = refused_files(placing_of(register, lib) if register else None, records)
    lossy = lost_since_read(register, [r for r in records if r.file not in refused])
    stand, versions = standing_versions([r for r in records if r.file not in refused and r.file not in lossy], lib)
    if show_returns:
        click.echo(returns_by_auditor(stand, lib, sent_on))
    for text in (versions_text(versions), lossy_text(lossy), refused_text(refused)):
        if text:
            click.echo(text)
    if sent:
        if not show_returns:
            raise click.UsageError("--sent goes with --returns: it records that the list was sent.")
        click.echo(_record_sent_back(run.register_path(register_file), stand, sent_on))
    if json_file:
        try:
            write_json(records, lib, json_file)
        except OSError as exc:
            from .files import os_problem

            raise UserError(f"could not write {json_file}: {os_problem(exc)}.") from None
    counts = {s: sum(r.status == s for r in records) for s in ("complete", "incomplete", "unreadable")}
    click.echo(f"\n{len(records)} form{'s' * (len(records) != 1)}: {counts['complete']} complete, "
               f"{counts['incomplete']} incomplete, {counts['unreadable']} unreadable."
               + (f" Answers written to {json_file}." if json_file else ""))
    if counts["complete"] != len(records) or refused or versions or lossy:
        ctx.exit(EXIT_ATTENTION)


# ---- consolidate -----------------------------------------------------------------


@cli.command("consolidate", context_settings=CONTEXT)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--tracker", "tracker", type=click.Path(dir_okay=False, path_type=Path),
              help="The tracker workbook (.xlsx) to create or update (default: the workspace's tracker).")
@click.option("--prefer-newer", is_flag=True,
              help="When two files carry the same audit with different answers, take the newest file, even if it "
                   "has lost answers an earlier one held.")
@click.option("--attach", "attach", nargs=2, multiple=True, metavar="FILE AUDIT_ID",
              help="Say which audit a returned file is, when the tool could not tell (see the Exceptions sheet): "
                   "recorded in the register and kept for later runs.")
@register_option
@click.pass_context
def consolidate_cmd(ctx, paths, tracker, prefer_newer, attach, register_file) -> None:
    """Put every returned form into the register, and write the tracker workbook from it.

    Reads the forms under PATHS (as 'auditdocs parse' does; in a workspace, the default
    is its folder of returned forms): only files that are new or changed since the last
    run are read. The tracker lists every audit allocated, returned or not, with where
    it stands and what is next; and the answers, judgements, actions and exceptions.
    Managers' and QA officers' columns, and rows, columns and sheets people add, are
    always kept. A file is put on the audit it names only when its details are that
    audit's (else it is listed, and --attach FILE AUDIT_ID says which audit it is).
    The previous tracker is backed up first; nothing is written if it is open in
    Excel. The register is the workspace's (else one beside the tracker).
    Exits 0 when nothing needs attention, 1 when something read in this run does (see
    the Exceptions sheet), 2 (writing nothing) when a path does not exist or the tracker
    cannot be updated.

    \b
    Examples:
      auditdocs consolidate output/returned --tracker "Audit tracker 2026-27.xlsx"
      auditdocs consolidate          (in a workspace)
    """
    from .consolidation import consolidate_folders
    from .register import open_register
    from .returns import find_files
    from .tracker.safety import check_before_update

    run = run_of(ctx)
    paths = run.returned_paths(paths)
    if tracker is None:
        if run.workspace is None:
            raise click.UsageError("give the tracker with --tracker FILE.xlsx (or run inside a workspace, "
                                   "see 'auditdocs init', whose settings name it).")
        tracker = run.workspace.tracker
    register = run.register_path(register_file, tracker=tracker)
    lib = library(ctx)
    if attach:
        import datetime as dt

        from .consolidation.placing import record_attachments

        for line in record_attachments(register, lib, [(Path(f), a) for f, a in attach], dt.date.today()):
            click.echo(line)
    if not find_files(paths):  # (a tracker that cannot be updated stops the run before the forms are read)
        check_before_update(tracker)
        allocated = False
        if register.exists():
            with open_register(register) as reg:
                allocated = bool(reg.months())
        if not allocated:
            click.echo(_no_forms(paths) + " The tracker was not changed.")
            return
    summary = consolidate_folders(paths, lib, tracker, register=register, prefer_newer=prefer_newer)
    for line in summary.lines():
        click.echo(line)
    if summary.needs_attention:
        ctx.exit(EXIT_ATTENTION)


# ---- demo --------------------------------------------------------------------------


@cli.command("demo", context_settings=CONTEXT)
@click.argument("folder", required=False, default=Path("output/demo"), type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def demo_cmd(ctx, folder) -> None:
    """Run a whole audit month on invented people, from allocation to report.

    Makes FOLDER a workspace (as 'auditdocs init' does) and plays November 2026 in it,
    each step through the command a QA officer would type (shown with $): allocate the
    month from the sample lists, make the forms, fill them in as auditors would (every
    grade, some incomplete, one saved by LibreOffice, one sent back as a PDF by mistake),
    list what goes back, build the tracker, fill in managers' columns, moderate the
    month's sample, make the month's report and show where the month stands. Everything
    goes into FOLDER (default output/demo); running it again starts afresh. What needs
    attention is shown as it would be in a real month; the demo itself exits 0.

    \b
    Example:
      auditdocs demo
    """
    import shutil

    from .demo import REPORT_ON, run_demo

    lib = library(ctx)
    click.echo(f"Running the demo month in {folder} (November 2026, invented people) …")
    demo = run_demo(folder, lib)
    for n, step in enumerate(demo.steps, start=1):
        click.echo(f"\n{n}. {step.title}")
        for command in step.commands:
            click.echo(f"   {'' if command.startswith('(') else '$ '}{command}")
        for line in step.lines:
            click.echo(f"   {line}" if line else "")
        if step.attention:
            click.echo("   Needs attention:")
            for item in step.attention:
                click.echo(f"     - {item}")
    activate = "" if shutil.which("auditdocs") else " (first: source .venv/bin/activate)"
    on = f"--on {REPORT_ON:%d/%m/%Y}"
    click.echo("\n".join([
        "", f"Try next{activate}:", f'  cd "{folder}"',
        f"  auditdocs status {on}          the month on the demo's last day (leave out --on for today)",
        f"  auditdocs chase {on}           what to chase, ready to e-mail",
        '  auditdocs report --month 2026-11 --out "reports/anonymous" --anonymous   without case numbers',
        "  auditdocs key new team.key",
        "  auditdocs export --pseudonymise --key-file team.key --month 2026-11 --out export.xlsx",
        "  auditdocs consolidate                  again: managers' and QA officers' entries are kept"]))


# Commands of their own packages, added last.
from .allocate.commands import allocate_command  # noqa: E402
from .consolidation.commands import chase_command, register_command, status_command  # noqa: E402
from .moderation.commands import moderation_command  # noqa: E402
from .report.commands import report_command  # noqa: E402
from .share.commands import add_share_commands  # noqa: E402  (export, key new, finalise)

cli.add_command(allocate_command)
cli.add_command(status_command)
cli.add_command(chase_command)
cli.add_command(register_command)
cli.add_command(moderation_command)
cli.add_command(report_command)
add_share_commands(cli)


def console_never_fails() -> None:
    """What the console cannot show is replaced (a '?'), never the end of the command: a Windows console or a
    file made with `> returns.txt` is often cp1252, and names come in every script. The files auditdocs writes
    are UTF-8 and keep every character."""
    import sys

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")
        except (AttributeError, ValueError, OSError):  # not a text file of the usual kind (a test's, a closed one)
            pass


def main() -> None:
    """The `auditdocs` command: user errors as messages, and any other failure as one line, never a traceback
    (set AUDITDOCS_DEBUG=1 to see the traceback)."""
    import os

    console_never_fails()
    try:
        cli(prog_name="auditdocs")
    except OSError as exc:  # a file or folder the computer would not let us use
        from .files import NO_SPACE, why_not_written

        where = f" {exc.filename}" if exc.filename else ""
        if exc.errno in NO_SPACE:
            click.echo(f"Error: {why_not_written(exc, exc.filename)}.", err=True)
        else:
            click.echo(f"Error: could not use{where}: {exc.strerror or exc}. Check the path, that the file is not "
                       "open in another program, and that you may write there.", err=True)
        raise SystemExit(EXIT_USER_ERROR) from None
    except Exception as exc:
        if os.environ.get("AUDITDOCS_DEBUG"):
            raise
        click.echo(f"auditdocs failed: {type(exc).__name__}: {exc}\nThis is a fault in auditdocs, not in your files. "
                   "Nothing was half-written. Please report it (run again with AUDITDOCS_DEBUG=1 to see the details).",
                   err=True)
        raise SystemExit(EXIT_FAILED) from None
