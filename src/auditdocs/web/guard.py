"""Who may use the browser interface, and the headers every answer carries.

The server listens on 127.0.0.1 and makes a secret for the run (`new_secret`), given in the address it prints
and opens (`?token=…`, as Jupyter does). The first request carrying it gets a session cookie (signed with a
key made for this run, HttpOnly, SameSite=Strict) and is sent on to the same page without the secret in its
address; every later request must carry that cookie. A request without either is refused: 401 when no secret
was given, 403 when a wrong one was. A request for another host name than the server's own is refused too
(a web page elsewhere cannot reach the server through a name of its own that points at 127.0.0.1). Every
request that changes anything (POST) carries the session's CSRF token, in a hidden field of its form or the
X-CSRF-Token header.
"""
from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlencode

from flask import Flask, Response, abort, redirect, request, session

#: What every answer's headers say: no framing, no guessing types, scripts and styles only from here.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cache-Control": "no-store",
}

NOT_SIGNED_IN = ("This page is only for the person who started auditdocs. Open it with the address "
                 "'auditdocs serve' printed (it has a key in it, after ?token=).")
WRONG_SECRET = ("That key is not this run's. Open the address 'auditdocs serve' printed this time (a new key is "
                "made each time it starts).")
NO_CSRF = ("This form came from an old or another page, so nothing was changed. Go back, reload the page and "
           "try again.")


def new_secret() -> str:
    """A secret for one run of the server."""
    return secrets.token_urlsafe(32)


def install(app: Flask, secret: str, hosts: set[str]) -> None:
    """Guard every request of `app` with `secret`; `hosts`: the Host headers the server answers to."""
    app.secret_key = secrets.token_bytes(32)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict", SESSION_COOKIE_SECURE=False)

    @app.before_request
    def _signed_in():
        if request.host not in hosts:
            abort(Response("This server only answers at its own address.", 403, mimetype="text/plain"))
        given = request.args.get("token")
        if given is not None:
            if not hmac.compare_digest(given.encode(), secret.encode()):
                session.clear()
                abort(Response(WRONG_SECRET, 403, mimetype="text/plain"))
            session.clear()
            session["signed_in"] = True
            session["csrf"] = secrets.token_urlsafe(32)
            rest = {key: value for key, value in request.args.items(multi=False) if key != "token"}
            return redirect(request.path + (f"?{urlencode(rest)}" if rest else ""), 303)
        if not session.get("signed_in"):
            abort(Response(NOT_SIGNED_IN, 401, mimetype="text/plain"))
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf", "")
            if not hmac.compare_digest(sent.encode(), session.get("csrf", "").encode()):
                abort(Response(NO_CSRF, 403, mimetype="text/plain"))
        return None

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers["Cache-Control"] = "no-store"  # downloads and static files too: nothing kept on disk
        return response

    @app.context_processor
    def _csrf():
        return {"csrf_token": session.get("csrf", "")}
