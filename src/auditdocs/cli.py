"""The `auditdocs` command line. Each command is a thin layer over a module."""
from __future__ import annotations

from pathlib import Path

import click

from . import __version__
from .errors import EXIT_ATTENTION, EXIT_FAILED, EXIT_USER_ERROR, UserError
from .specs import default_specs_folder, get_spec, open_library
from .specs.loader import check_paths
from .specs.outline import field_kind, outline

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT)
@click.option(
    "--specs",
    "specs_folder",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="AUDITDOCS_SPECS",
    help="Folder of form specs (default: ./form_specs, else the project's own).",
)
@click.version_option(__version__, prog_name="auditdocs")
@click.pass_context
def cli(ctx: click.Context, specs_folder: Path | None) -> None:
    """auditdocs: monthly case file audit forms, from spec to tracker.

    \b
    The month, in commands:
      auditdocs generate --data allocations.xlsx --out output/forms   make the forms
      auditdocs parse output/returned                                 check what came back
      auditdocs consolidate output/returned --tracker tracker.xlsx    update the tracker
      auditdocs demo                                                  try it all on invented data
    """
    ctx.obj = {"specs": specs_folder}


def library(ctx: click.Context):
    return open_library(ctx.obj.get("specs") if ctx.obj else None)


# ---- specs -------------------------------------------------------------------


@cli.group(context_settings=CONTEXT)
def specs() -> None:
    """List, show and check the form specs."""


@specs.command("list")
@click.pass_context
def specs_list(ctx: click.Context) -> None:
    """List the forms: id, title, version, subject and number of questions.

    \b
    Example:
      auditdocs specs list
    """
    lib = library(ctx)
    rows = [(s.id, s.title, str(s.version), s.subject_label, str(len(s.questions))) for s in lib.current()]
    head = ("ID", "TITLE", "VERSION", "SUBJECT", "QUESTIONS")
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
    folder = ctx.obj.get("specs") or default_specs_folder()
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


def _month_option(ctx, param, value):
    if value is None:
        return None
    from .allocation import parse_month

    try:
        return parse_month(value)
    except UserError as exc:
        raise click.BadParameter(exc.message) from None


@cli.command("generate", context_settings=CONTEXT)
@click.option("--data", "data", required=True, type=click.Path(path_type=Path),
              help="The month's allocation list (.xlsx or .csv): one row per form to make.")
@click.option("--out", "out", default=Path("output/forms"), show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder for the forms (a folder per auditor).")
@click.option("--spec", "spec_id", metavar="FORM_ID", help="The form for rows with no form named (or lists with no 'Form' column).")
@click.option("--map", "mapping", multiple=True, metavar='"COLUMN=FIELD_ID"',
              help="A column whose name does not match a form detail, e.g. --map \"Worker=social_worker\". Repeat as needed.")
@click.option("--month", callback=_month_option, metavar="YYYY-MM",
              help="The audit month: due dates left empty become its last day (default: this month).")
@click.option("--sheet", metavar="NAME", help="The sheet of an .xlsx list to read (default: the first).")
@click.option("--format", "fmt", type=click.Choice(["docx", "xlsx", "both"]), default="docx", show_default=True,
              help="Word forms, Excel forms or both.")
@click.option("--template", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Your council's own Word template (.docx) to fill instead of the standard form.")
@click.option("--force", is_flag=True, help="Replace forms that are already there (they may be being filled in!).")
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
@click.pass_context
def generate_cmd(ctx, data, out, spec_id, mapping, month, sheet, fmt, template, force, dry_run) -> None:
    """Make one pre-filled audit form per row of the allocation list.

    Columns are matched to each form's details by name (case, spaces and
    punctuation ignored). Rows with a missing detail are listed and skipped;
    existing forms are never replaced unless you use --force. A list of the
    forms made, with their audit ids, is written to manifest.csv in the output folder.

    \b
    Example:
      auditdocs generate --data allocations_2026-11.xlsx --month 2026-11 --out output/forms
      auditdocs generate --data list.csv --spec csc_case_file_audit --map "Worker=social_worker" --dry-run
    """
    import sys

    from .allocation import read_allocations
    from .generate import generate, summary

    lib = library(ctx)
    allocations = read_allocations(data, lib, spec_id=spec_id, mapping=mapping, month=month, sheet=sheet)
    for note in allocations.notes:
        click.echo(f"Note: {note}", err=True)
    result = generate(allocations, lib, out, fmt=fmt, template=template, force=force, dry_run=dry_run,
                      bar=sys.stderr.isatty() and not dry_run)
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    for line in summary(result):
        click.echo(line)
    if not result.all_generated:
        click.echo(result.shortfall())
        ctx.exit(EXIT_ATTENTION)


# ---- parse -----------------------------------------------------------------------


@cli.command("parse", context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write every answer read, one JSON object per form (see README).")
@click.option("--returns", "show_returns", is_flag=True,
              help="List the incomplete audits per auditor, with what to fix, ready to send back.")
@click.pass_context
def parse_cmd(ctx, paths, json_file, show_returns) -> None:
    """Read completed forms (Word or Excel) and say which are complete.

    PATHS are files or folders (searched with their subfolders). Each form gets one
    line: complete, incomplete (what is missing) or unreadable (why, and what to do).
    Word's ~$ lock files and hidden files are skipped; a damaged file is unreadable
    and the others are read as usual. Exits 0 when every form was read and is
    complete, 1 otherwise, 2 (reading nothing) when a path does not exist.

    \b
    Examples:
      auditdocs parse output/returned
      auditdocs parse output/returned --returns
      auditdocs parse "Jo Bloggs/P900001 Smith.docx" --json answers.json
    """
    from .returns import one_line, read_returns, returns_by_auditor, write_json

    lib = library(ctx)
    records = []
    for record in read_returns(list(paths), lib):
        records.append(record)
        if not show_returns:
            click.echo(one_line(record))
    if show_returns:
        click.echo(returns_by_auditor(records))
    if json_file:
        try:
            write_json(records, json_file)
        except OSError as exc:
            raise UserError(f"could not write {json_file}: {exc.strerror or exc}.") from None
    counts = {s: sum(r.status == s for r in records) for s in ("complete", "incomplete", "unreadable")}
    click.echo(f"\n{len(records)} form{'s' * (len(records) != 1)}: {counts['complete']} complete, "
               f"{counts['incomplete']} incomplete, {counts['unreadable']} unreadable."
               + (f" Answers written to {json_file}." if json_file else ""))
    if not records:
        raise UserError("no forms (.docx or .xlsx) were found there.")
    if counts["complete"] != len(records):
        ctx.exit(EXIT_ATTENTION)


# ---- consolidate -----------------------------------------------------------------


@cli.command("consolidate", context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--tracker", "tracker", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The tracker workbook (.xlsx) to create or update.")
@click.option("--prefer-newer", is_flag=True,
              help="When two files carry the same audit with different answers, take the newer file.")
@click.pass_context
def consolidate_cmd(ctx, paths, tracker, prefer_newer) -> None:
    """Put every returned form into the tracker workbook.

    Reads every form under PATHS (as 'auditdocs parse' does) and creates or updates
    the tracker: audits, answers, judgements, actions, exceptions. Managers' columns
    (status, sign-off, notes) and rows and sheets they added are always kept. The
    previous tracker is backed up first; nothing is written if it is open in Excel.
    Exits 0 when nothing needs attention, 1 when something read in this run does (see
    the Exceptions sheet), 2 (writing nothing) when a path does not exist or the tracker
    cannot be updated.

    \b
    Example:
      auditdocs consolidate output/returned --tracker "Audit tracker 2026-27.xlsx"
    """
    from .returns import read_returns
    from .tracker import consolidate
    from .tracker.safety import check_before_update

    lib = library(ctx)
    check_before_update(tracker)  # a tracker that cannot be updated stops the run before the forms are read
    records = list(read_returns(list(paths), lib))
    if not records:
        raise UserError("no forms (.docx or .xlsx) were found there; the tracker was not changed.")
    summary = consolidate(records, lib, tracker, prefer_newer=prefer_newer)
    for line in summary.lines():
        click.echo(line)
    if summary.needs_attention:
        ctx.exit(EXIT_ATTENTION)


# ---- demo --------------------------------------------------------------------------


@cli.command("demo", context_settings=CONTEXT)
@click.argument("folder", required=False, default=Path("output/demo"), type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def demo_cmd(ctx, folder) -> None:
    """Run a whole audit month on invented people, from forms to tracker.

    Makes the month's forms from the sample allocation list, fills them in as
    auditors would (every grade, some incomplete, one saved by LibreOffice, one
    sent back as a PDF by mistake), reads them back and builds the tracker.
    Everything goes into FOLDER (default output/demo); running it again starts afresh.

    \b
    Example:
      auditdocs demo
    """
    from .demo import run_demo

    lib = library(ctx)
    click.echo(f"Running the demo month in {folder} …")
    demo = run_demo(folder, lib)
    counts = {s: sum(r.status == s for r in demo.records) for s in ("complete", "incomplete", "unreadable")}
    lines = [
        f"1. Made {demo.made} forms from the sample list (a folder per auditor): {demo.forms}",
        f"2. Filled {demo.filled} of them with invented answers: {demo.returned}",
        f"   - saved through LibreOffice: {demo.libreoffice}" if demo.libreoffice
        else "   - (LibreOffice is not installed, so no form was saved through it)",
        f"   - sent back as a PDF by mistake: {demo.unreadable}",
        f"3. Read {len(demo.records)} returned files: {counts['complete']} complete, "
        f"{counts['incomplete']} incomplete, {counts['unreadable']} unreadable.",
        f"   What goes back to auditors: {folder / 'returns.txt'}",
        f"   Every answer as JSON: {folder / 'answers.json'}",
        f"4. Tracker: {demo.tracker}",
    ]
    lines += [f"   {line}" for line in demo.summary_lines]
    lines += ["", "Try next (first: source .venv/bin/activate):", f"  auditdocs parse {demo.returned} --returns",
              f"  auditdocs consolidate {demo.returned} --tracker {demo.tracker}   (re-run: managers' edits are kept)"]
    click.echo("\n".join(lines))


def main() -> None:
    """The `auditdocs` command: user errors as messages, and any other failure as one line, never a traceback
    (set AUDITDOCS_DEBUG=1 to see the traceback)."""
    import os

    try:
        cli(prog_name="auditdocs")
    except OSError as exc:  # a file or folder the computer would not let us use
        where = f" {exc.filename}" if exc.filename else ""
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
