"""Running the browser interface: `start` makes the server on 127.0.0.1 (a free port unless one is chosen), with a
secret for this run in its address; `serve` runs it until Ctrl+C (or the window is closed), opening the browser.

The server is waitress (pure Python, the same on Windows and Linux, threads rather than processes). Stopping it
waits for a step that is running to finish (a second Ctrl+C stops at once: every file auditdocs writes is
written whole or not at all, and the register's changes are one transaction, so even then nothing is left
half-written), then removes the server's private folder.
"""
from __future__ import annotations

import datetime as dt
import signal
import threading
import webbrowser
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .guard import new_secret

HOST = "127.0.0.1"


@dataclass
class Running:
    """A server made by `start`: its address (with the secret) and how to run and stop it."""

    server: object  # waitress' server
    app: object  # the Flask application
    url: str

    @property
    def port(self) -> int:
        return self.server.effective_port

    def run(self) -> None:
        self.server.run()

    def close(self) -> None:
        """Stop answering, wait for a running step, remove the private folder."""
        from .app import close

        self.server.close()
        self.app.extensions["auditdocs"].jobs.wait()
        close(self.app)


def start(folder: Path, *, port: int = 0, today: dt.date | None = None, threads: int = 8) -> Running:
    """The server for the workspace at `folder` (not yet answering: `Running.run`)."""
    from waitress import create_server

    from .app import make_app

    secret = new_secret()
    application: dict[str, object] = {}

    def wsgi(environ, start_response):  # the app is made once the port is known (its Host headers name it)
        return application["app"](environ, start_response)

    server = create_server(wsgi, host=HOST, port=port, threads=threads, ident="auditdocs",
                           clear_untrusted_proxy_headers=True)
    chosen = server.effective_port
    app = make_app(folder, secret=secret, hosts={f"{HOST}:{chosen}", f"localhost:{chosen}"}, today=today)
    application["app"] = app
    return Running(server, app, f"http://{HOST}:{chosen}/?token={secret}")


def serve(folder: Path, *, port: int = 0, open_browser: bool = True, today: dt.date | None = None,
          say: Callable[[str], None] = print) -> None:
    """Run the browser interface for the workspace at `folder` until Ctrl+C or the window is closed."""
    running = start(folder, port=port, today=today)
    say(f"auditdocs is running at {running.url}")
    say("Keep this window open while you use it. To stop: press Ctrl+C here, or close the window.")
    for warning in running.app.extensions["auditdocs"].notes:
        say(f"Warning: {warning}")
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(running.url,)).start()
    _stop_on_signals()
    try:
        running.run()
    except KeyboardInterrupt:
        pass
    finally:
        jobs = running.app.extensions["auditdocs"].jobs
        if jobs.running() is not None:
            say(f"Waiting for '{jobs.running().title}' to finish, so that nothing is left half-written "
                "(press Ctrl+C again to stop at once)...")
        try:
            running.close()
        except KeyboardInterrupt:
            say("Stopped. Nothing was half-written: the step that was running can be run again.")
            return
        say("auditdocs has stopped.")


def _stop_on_signals() -> None:
    """A request to stop (SIGTERM on Linux, Ctrl+Break or closing the window on Windows) stops as Ctrl+C does."""
    def stop(signum, frame):
        raise KeyboardInterrupt

    for name in ("SIGTERM", "SIGBREAK", "SIGHUP"):
        if hasattr(signal, name) and threading.current_thread() is threading.main_thread():
            signal.signal(getattr(signal, name), stop)
