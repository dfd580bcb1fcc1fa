"""`auditdocs parse`: read the returned forms and say which are complete (use cases: `returns.run`)."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import EXIT_ATTENTION, UserError
from .common import day_value, progress_bar, register_option, run_of, shown_library

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.command("parse", context_settings=CONTEXT)
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
def parse_command(ctx, paths, json_file, show_returns, sent_on, sent, register_file) -> None:
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
    from ..returns.run import check_returns, record_sent_back

    run = run_of(ctx)
    paths = run.returned_paths(paths)
    use_register = bool(register_file or run.workspace)
    if use_register:
        run.register_path(register_file)  # (its folder made, as before)
    ws = run.workspace_for(register=register_file)
    library = shown_library(ws)
    with progress_bar("Reading forms") as progress:
        checked = check_returns(ws, paths, json_file=json_file, use_register=use_register, progress=progress)
    if not show_returns:
        for line in checked.record_lines():
            click.echo(line)
    if not checked.records:
        click.echo(checked.no_forms())
        return
    if show_returns:
        click.echo(checked.returns_text(library, sent_on))
    for text in checked.attention_texts():
        click.echo(text)
    if sent:
        if not show_returns:
            raise click.UsageError("--sent goes with --returns: it records that the list was sent.")
        run.register_path(register_file)  # (a usage error outside a workspace without --register)
        click.echo(record_sent_back(ws, checked.standing, sent_on=sent_on).text())
    if checked.json_problem:
        raise UserError(checked.json_problem)
    click.echo(checked.total_line())
    if checked.needs_attention:
        ctx.exit(EXIT_ATTENTION)
