"""The `auditdocs` command line. Each command is a thin layer over a module."""
from __future__ import annotations

from pathlib import Path

import click

from .. import __version__
from ..errors import EXIT_FAILED, EXIT_USER_ERROR, UserError
from ..specs import ENV_VAR
from .common import Run

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Refused(click.ClickException):
    """A `UserError` of the core, as click shows it: 'Error: <message>', exit 2."""

    exit_code = EXIT_USER_ERROR


class Commands(click.Group):
    """The `auditdocs` group: whatever command runs under it, the core's `UserError` becomes click's error."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except UserError as exc:
            raise Refused(exc.message) from None


@click.group(cls=Commands, context_settings=CONTEXT)
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


# Commands of their own packages, added last.
from .allocate import allocate_command  # noqa: E402
from .consolidate import consolidate_command  # noqa: E402
from .demo import demo_command  # noqa: E402
from .generate import generate_command  # noqa: E402
from .init import init_command  # noqa: E402
from .learning import learning_command  # noqa: E402
from .moderation import moderation_command  # noqa: E402
from .parse import parse_command  # noqa: E402
from .programme import programme_command  # noqa: E402
from .register import register_command  # noqa: E402
from .report import report_command  # noqa: E402
from .serve import serve_cmd  # noqa: E402
from .share import add_share_commands  # noqa: E402  (export, key new, finalise)
from .specs import specs_command  # noqa: E402
from .status import chase_command, status_command  # noqa: E402

cli.add_command(allocate_command)
cli.add_command(parse_command)
cli.add_command(consolidate_command)
cli.add_command(status_command)
cli.add_command(chase_command)
cli.add_command(register_command)
cli.add_command(moderation_command)
cli.add_command(report_command)
add_share_commands(cli)
cli.add_command(init_command)
cli.add_command(specs_command)
cli.add_command(generate_command)
cli.add_command(demo_command)
cli.add_command(serve_cmd)
cli.add_command(programme_command)
cli.add_command(learning_command)


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
        from ..files import NO_SPACE, why_not_written

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
