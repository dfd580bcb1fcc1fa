"""Running the browser interface: `start` makes the server on 127.0.0.1 (a free port unless one is chosen), with a
secret for this run in its address; `serve` runs it until Ctrl+C (or the window is closed), opening the browser.

The server is waitress (pure Python, the same on Windows and Linux, threads rather than processes). Stopping it
waits for a step that is running to finish (a second Ctrl+C stops at once: every file auditdocs writes is
written whole or not at all, and the register's changes are one transaction, so even then nothing is left
half-written), then removes the server's private folder.
"""
from __future__ import annotations

import datetime as dt
import os
import signal
import threading
import webbrowser
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import UserError
from .guard import new_secret

HOST = "127.0.0.1"


@dataclass
class Running:
    """A server made by `start`: its address (with the secret) and how to run and stop it."""

    server: object  # waitress' server
    app: object  # the Flask application
    url: str
    _answering: threading.Event = field(default_factory=threading.Event)  # set while `run` answers
    _loop: threading.Thread | None = None  # the thread `run` answers in

    @property
    def port(self) -> int:
        return self.server.effective_port

    @property
    def site(self):
        return self.app.extensions["auditdocs"]

    def run(self) -> None:
        """Answer requests until `close` (from another thread) or Ctrl+C (in this one)."""
        self._loop = threading.current_thread()
        self._answering.set()
        try:
            self.server.run()  # waitress stops its worker threads on Ctrl+C and returns
        finally:
            self._answering.clear()

    def stop_answering(self) -> None:
        """Close the port and every connection (a browser's kept-alive ones too): nothing more is answered."""
        from waitress.wasyncore import close_all

        connections = self.server._map  # the listening socket, its wake-up pipe and the browsers' connections
        loop = self._loop
        if self._answering.is_set() and loop is not None and loop is not threading.current_thread():
            self.server.trigger.pull_trigger(lambda: close_all(connections, ignore_all=True))  # in `run`'s thread
            loop.join(10)
        if connections:
            close_all(connections, ignore_all=True)
        self.server.task_dispatcher.shutdown()

    def close(self, wait: Callable[[], None] | None = None) -> None:
        """Stop answering, wait for a running step (`wait`: the default waits without end), remove the
        private folder (even when the waiting is cut short by a second Ctrl+C)."""
        from .app import close

        try:
            self.stop_answering()
            (wait or self.wait_for_job)()
        finally:
            close(self.app)

    def wait_for_job(self) -> None:
        """Wait for the running step to finish; a short wait at a time, so that Ctrl+C is heard on Windows too."""
        while not self.site.jobs.wait(0.2):
            pass


def start(folder: Path, *, port: int = 0, today: dt.date | None = None, threads: int = 8) -> Running:
    """The server for the workspace at `folder` (not yet answering: `Running.run`). Outside a workspace, a
    UserError says how to make one."""
    from waitress import create_server

    from .app import MOST_UPLOADED, make_app

    secret = new_secret()
    application: dict[str, object] = {}

    def wsgi(environ, start_response):  # the app is made once the port is known (its Host headers name it)
        return application["app"](environ, start_response)

    try:
        server = create_server(wsgi, host=HOST, port=port, threads=threads, ident="auditdocs",
                               clear_untrusted_proxy_headers=True,
                               max_request_body_size=MOST_UPLOADED + 2 ** 20)  # waitress: 1 GB, below a page's
    except OSError as exc:
        raise UserError(f"could not listen on port {port} of this computer ({exc.strerror or exc}): another program "
                        "is using it. Choose another with --port, or leave --port out to use a free one.") from None
    chosen = server.effective_port
    try:
        app = make_app(folder, secret=secret, hosts={f"{HOST}:{chosen}", f"localhost:{chosen}"}, today=today)
    except BaseException:
        server.close()
        raise
    application["app"] = app
    return Running(server, app, f"http://{HOST}:{chosen}/?token={secret}")


def serve(folder: Path, *, port: int = 0, open_browser: bool = True, today: dt.date | None = None,
          say: Callable[[str], None] = print) -> None:
    """Run the browser interface for the workspace at `folder` until Ctrl+C or the window is closed."""
    serve_running(start(folder, port=port, today=today), open_browser=open_browser, say=say)


def serve_running(running: Running, *, open_browser: bool = True, say: Callable[[str], None] = print) -> None:
    """Answer with `running` (made by `start`) until Ctrl+C or the window is closed, then stop as `Running.close`
    does, saying so."""
    workspace = running.site.workspace
    stopped = threading.Event()
    _stop_on_signals()  # before the address is shown: a Ctrl+C at once stops it as well as any other
    _stop_on_closing_the_window(stopped)
    opening = threading.Timer(0.5, webbrowser.open, args=(running.url,))
    opening.daemon = True
    try:
        say(f"auditdocs is running at {running.url}")
        say(f"It shows the workspace {workspace.folder}{f' ({workspace.council})' if workspace.council else ''}, "
            "on this computer only: the address has a key made for this run.")
        say("Keep this window open while you use it. To stop: press Ctrl+C here, or close the window.")
        for warning in running.site.notes:
            say(f"Warning: {warning}")
        if open_browser:
            opening.start()
        running.run()
    except KeyboardInterrupt:
        pass
    finally:
        opening.cancel()

        def wait() -> None:
            try:  # (a second Ctrl+C may come while the line is being said)
                job = running.site.jobs.running()
                if job is not None:
                    say(f"Waiting for '{job.title}' to finish, so that nothing is left half-written "
                        "(press Ctrl+C again to stop at once)...")
                running.wait_for_job()
            except KeyboardInterrupt:
                say("Stopped at once. Nothing was half-written: the step that was running can be run again.")

        try:
            running.close(wait)
            say("auditdocs has stopped.")
        finally:
            stopped.set()


#: The handler `_stop_on_closing_the_window` gave Windows (kept, so that it is not collected while Windows holds it).
_WINDOW_HANDLERS: list = []


def _stop_on_closing_the_window(stopped: threading.Event) -> None:
    """On Windows, closing the console window (or logging off) ends the program a few seconds after telling it,
    without the time Python's signal handlers need: so a console handler of its own stops the server as Ctrl+C
    does (the main thread is interrupted) and holds Windows off until it has stopped (`stopped`), or nearly the
    5 seconds Windows gives. Elsewhere (and where it cannot be set up) nothing is done."""
    if os.name != "nt" or threading.current_thread() is not threading.main_thread():
        return
    try:
        import _thread
        import ctypes
        from ctypes import wintypes

        closing = {2, 5, 6}  # CTRL_CLOSE_EVENT, CTRL_LOGOFF_EVENT, CTRL_SHUTDOWN_EVENT

        @ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.DWORD)
        def handler(event):
            if event not in closing:
                return False  # Ctrl+C and Ctrl+Break: Python's own handlers (`_stop_on_signals`)
            _thread.interrupt_main()
            stopped.wait(4.5)
            return True

        if ctypes.windll.kernel32.SetConsoleCtrlHandler(handler, True):
            _WINDOW_HANDLERS.append(handler)
    except (AttributeError, OSError, ImportError):  # no console, or an unusual Windows: Ctrl+C still stops it
        pass


def _stop_on_signals() -> None:
    """A request to stop (SIGTERM or a hang-up on Linux, Ctrl+Break on Windows) stops as Ctrl+C does;
    Ctrl+C itself is heard even when the program was started with it ignored (in the background of a shell)."""
    def stop(signum, frame):
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        return  # signals are the main thread's only
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for name in ("SIGTERM", "SIGBREAK", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)
