"""`auditdocs consolidate`: the returned forms into the register, the tracker written from it (use cases:
`consolidate.run`)."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import EXIT_ATTENTION
from .common import progress_bar, register_option, run_of, shown_library

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.command("consolidate", context_settings=CONTEXT)
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
def consolidate_command(ctx, paths, tracker, prefer_newer, attach, register_file) -> None:
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
    from ..consolidate.run import attach_files, consolidate_returns

    run = run_of(ctx)
    paths = run.returned_paths(paths)
    if tracker is None:
        if run.workspace is None:
            raise click.UsageError("give the tracker with --tracker FILE.xlsx (or run inside a workspace, "
                                   "see 'auditdocs init', whose settings name it).")
        tracker = run.workspace.tracker
    ws = run.workspace_for(tracker=tracker, register=run.register_path(register_file, tracker=tracker))
    shown_library(ws)
    if attach:
        for line in attach_files(ws, [(Path(f), a) for f, a in attach]):
            click.echo(line)
    with progress_bar("Reading forms") as progress:
        summary = consolidate_returns(ws, paths, prefer_newer=prefer_newer, progress=progress)
    for line in summary.lines():
        click.echo(line)
    if summary.needs_attention:
        ctx.exit(EXIT_ATTENTION)
