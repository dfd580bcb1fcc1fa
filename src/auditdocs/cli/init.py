"""`auditdocs init`: set up a council's own workspace."""
from __future__ import annotations

from pathlib import Path

import click

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.command("init", context_settings=CONTEXT)
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--council", default="", metavar="NAME", help="The council's name, for report title pages.")
@click.option("--service", default="", metavar="NAME", help="The service (default: Children's Services).")
def init_command(folder: Path, council: str, service: str) -> None:
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
    from ..workspace import init_workspace, made_lines

    written = init_workspace(folder, council, service)
    click.echo("\n".join(made_lines(folder, written)))
