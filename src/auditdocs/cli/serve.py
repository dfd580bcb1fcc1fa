"""`auditdocs serve`: the month in a browser."""
from __future__ import annotations

from pathlib import Path

import click


@click.command("serve")
@click.option("--workspace", "folder", type=click.Path(file_okay=False, exists=True, path_type=Path), metavar="DIR",
              help="The workspace to open. Default: the one this folder is in.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=False,
              help="The port to listen on (on this computer only). Default: a free one.")
@click.option("--no-browser", is_flag=True, help="Only print the address to open; do not open the browser.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), hidden=True,
              help="See the month as on this day (the demo's calendar).")
def serve_cmd(folder: Path | None, port: int, no_browser: bool, today):
    """Open the month in your web browser: every step of the month on pages, on this computer only.

    It listens on 127.0.0.1 only, and the address it prints (and opens) holds a key made for this run: only
    someone with that address can use it. Keep the window open while you use it; press Ctrl+C (or close the
    window) to stop.
    """
    from ..web.serve import serve

    serve(folder or Path.cwd(), port=port, open_browser=not no_browser, today=today.date() if today else None,
          say=lambda line: click.echo(line))
