"""`auditdocs serve`: the month in a browser."""
from __future__ import annotations

from pathlib import Path

import click

from .common import day_value

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.command("serve", context_settings=CONTEXT)
@click.option("--workspace", "folder", type=click.Path(file_okay=False, exists=True, path_type=Path), metavar="DIR",
              help="The workspace to open. Default: the one this folder is in.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=False,
              help="The port to listen on (on this computer only). Default: a free one.")
@click.option("--no-browser", is_flag=True, help="Only print the address to open; do not open the browser.")
@click.option("--on", "on", callback=day_value, metavar="DD/MM/YYYY",
              help="See the month as it stood on this day (default: today; the demo's month: 07/12/2026).")
def serve_cmd(folder: Path | None, port: int, no_browser: bool, on):
    """Open the month in your web browser: every step of the month on pages, on this computer only.

    It listens on 127.0.0.1 only, and the address it prints (and opens) holds a key made for this run: only
    someone with that address can use it. Keep the window open while you use it; press Ctrl+C (or close the
    window) to stop.

    \b
    Examples:
      auditdocs serve
      auditdocs serve --workspace "Case file audits" --no-browser
    """
    from ..web.serve import serve

    serve(folder or Path.cwd(), port=port, open_browser=not no_browser, today=on, say=click.echo)
