"""The browser interface is safe with children's data: only the person who started it gets an answer, forms
cannot be sent from elsewhere, no other host name reaches it, every answer carries the security headers,
downloads cannot leave the workspace, uploads cannot land outside their folder, and no child's or carer's
name is put in an address or a log.

The server runs in the test's process (tests/browser.py); requests are made with http.client, as they are
(a path is sent as written, not tidied as a browser would), or with a real Chromium where pages are crawled.
"""
from __future__ import annotations

import http.client
import io
import logging
import re
import urllib.parse
from pathlib import Path

import openpyxl
import pytest
from browser import signed_in
from helpers import ROOT

from auditdocs.web.guard import SECURITY_HEADERS

OTHER_HOST = "evil.example"


class Client:
    """Requests to a served workspace, sent as written; signed in (the session's cookie kept) once `sign_in`."""

    def __init__(self, served):
        self.served = served
        parsed = urllib.parse.urlsplit(served.base)
        self.host, self.port = parsed.hostname, parsed.port
        self.cookie = ""

    def ask(self, method: str, path: str, *, headers: dict | None = None, body: bytes | None = None):
        """(status, headers, body) of `method path`, with the session's cookie when signed in."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            sent = {"Host": f"{self.host}:{self.port}", **({"Cookie": self.cookie} if self.cookie else {}),
                    **(headers or {})}
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            return answer.status, answer.headers, answer.read()
        finally:
            connection.close()

    def sign_in(self) -> Client:
        secret = self.served.url.split("?token=")[1]
        status, headers, _ = self.ask("GET", f"/?token={secret}")
        assert status == 303 and headers["Location"] == "/"  # the secret is not left in the address
        given = headers["Set-Cookie"]
        assert "HttpOnly" in given and "SameSite=Strict" in given and secret not in given
        self.cookie = given.split(";")[0]
        return self

    def csrf(self) -> str:
        """The session's CSRF token (what every form of the session's pages carries)."""
        app = self.served.running.app
        value = self.cookie.split("=", 1)[1]
        return app.session_interface.get_signing_serializer(app).loads(value)["csrf"]


def a_step_that_stops(job):
    from auditdocs.errors import UserError

    raise UserError("the test's step stopped here, as a step does on bad input")


def routes(served) -> list[tuple[str, str]]:
    """(method, path) of every route of the application, with real ids where a route takes one (a file
    offered, a job run), so that what is refused is refused for what is there."""
    site = served.site
    file_id = site.offered.id_of(next(site.workspace.folder.glob("*.xlsx")))
    job = site.jobs.running() or site.jobs.start("A test's step", a_step_that_stops, template="job.html")
    site.jobs.wait()
    with site.workspace.open_register() as register:
        audit_id = register.audits()[0].audit_id
    auditors_forms = next(p for p in site.workspace.forms.glob("*/*") if p.is_dir() and any(p.glob("*.docx")))
    values = {"file_id": file_id, "job_id": job.id, "filename": "app.css", "audit_id": audit_id,
              "folder_id": site.offered.id_of(auditors_forms)}
    found = []
    for rule in served.running.app.url_map.iter_rules():
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:[^:<>]+:)?{name}>", values.get(name, "x1"), path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, path))
    return found


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
            for path in folder.rglob("*") if path.is_file()}


def no_session_given(headers) -> bool:
    """No session cookie was given (at most the old one taken away)."""
    return all(cookie.split(";")[0].split("=", 1)[1] == "" for cookie in headers.get_all("Set-Cookie") or [])


def assert_guarded(headers, what: str) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, f"{what}: {name} is {headers.get(name)!r}"


@pytest.fixture(scope="module")
def client(served_demo) -> Client:
    return Client(served_demo).sign_in()


def test_every_route_refuses_without_the_session_or_with_a_wrong_secret(served_demo):
    stranger = Client(served_demo)
    forged = Client(served_demo)
    forged.cookie = "auditdocs=eyJzaWduZWRfaW4iOnRydWV9.ZZZZZZ.not-signed-by-this-run"
    every = routes(served_demo)
    assert ("GET", "/download/" + served_demo.site.offered.id_of(
        next(served_demo.site.workspace.folder.glob("*.xlsx")))) in every
    for method, path in every:
        for who in (stranger, forged):
            status, headers, body = who.ask(method, path)
            assert status == 401, f"{method} {path}: {status}"
            assert b"address 'auditdocs serve' printed" in body
            assert_guarded(headers, f"{method} {path}")
        for other in ("HEAD", "OPTIONS"):
            assert stranger.ask(other, path)[0] == 401, f"{other} {path}"
        status, headers, body = stranger.ask(method, path + ("&" if "?" in path else "?") + "token=not-this-runs")
        assert status == 403, f"{method} {path} with a wrong secret: {status}"
        assert no_session_given(headers)
        assert_guarded(headers, f"{method} {path} with a wrong secret")


def test_the_session_opens_every_route(served_demo, client):
    for method, path in routes(served_demo):
        if method == "GET":
            status, headers, _ = client.ask("GET", path)
            assert status == (303 if path.startswith("/forms/zip/") else 200), f"{path}: {status}"  # (zip made, sent on)
            assert_guarded(headers, path)


def test_a_post_without_the_right_csrf_token_is_refused_and_changes_nothing(served_demo, client):
    before = snapshot(served_demo.site.workspace.folder)
    posts = {path for method, path in routes(served_demo) if method == "POST"} | {"/", "/returns/", "/tracker/"}
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for path in sorted(posts):
        for headers, body in [(form, b"month=2026-11"), (form, b"csrf=not-the-sessions&month=2026-11"),
                              ({**form, "X-CSRF-Token": "not-the-sessions"}, b"month=2026-11"),
                              ({"Content-Type": "multipart/form-data; boundary=b"},
                               b'--b\r\nContent-Disposition: form-data; name="files"; filename="a.docx"\r\n\r\nx\r\n--b--\r\n')]:
            status, answered, text = client.ask("POST", path, headers=headers, body=body)
            assert status == 403, f"POST {path} {headers}: {status}"
            assert b"nothing was changed" in text
            assert_guarded(answered, f"POST {path}")
    status, _, _ = client.ask("POST", "/health", headers={**form, "X-CSRF-Token": client.csrf()}, body=b"")
    assert status == 405  # the right token is let through (to a route that takes no POST)
    assert snapshot(served_demo.site.workspace.folder) == before


def test_another_host_name_is_refused(served_demo, client):
    """DNS rebinding: a page elsewhere whose name is made to point at 127.0.0.1 gets no answer."""
    secret = served_demo.url.split("?token=")[1]
    stranger = Client(served_demo)
    for who, path in [(client, "/"), (client, "/static/app.css"), (stranger, f"/?token={secret}"),
                      (client, "/health")]:
        for host in (f"{OTHER_HOST}:{client.port}", OTHER_HOST, f"127.0.0.1.nip.io:{client.port}", ""):
            status, headers, _ = who.ask("GET", path, headers={"Host": host})
            assert status == 403, f"Host {host!r} {path}: {status}"
            assert no_session_given(headers)
            assert_guarded(headers, f"Host {host}")
    assert client.ask("GET", "/", headers={"Host": f"localhost:{client.port}"})[0] == 200


def test_every_answer_carries_the_security_headers(served_demo, client):
    site = served_demo.site
    offered = site.offered.id_of(next(site.workspace.folder.glob("*.xlsx")))
    answers = {
        "a page": client.ask("GET", "/"),
        "the sign-in's redirect": Client(served_demo).ask("GET", "/?token=" + served_demo.url.split("?token=")[1]),
        "a script": client.ask("GET", "/static/app.js"),
        "a download": client.ask("GET", f"/download/{offered}"),
        "a missing page": client.ask("GET", "/no/such/page"),
        "a missing download": client.ask("GET", "/download/0123456789abcdef01234567"),
        "a missing job": client.ask("GET", "/jobs/0123456789abcdef/progress"),
        "a method not taken": client.ask("PUT", "/", headers={"X-CSRF-Token": client.csrf()}),
    }
    for what, (status, headers, _) in answers.items():
        assert_guarded(headers, f"{what} ({status})")
    assert answers["a download"][0] == 200
    assert answers["a download"][1]["Content-Disposition"].startswith("attachment;")
    assert answers["a missing page"][0] == answers["a missing download"][0] == 404


def test_downloads_cannot_leave_the_workspace(served_demo, client, tmp_path):
    site = served_demo.site
    outside = tmp_path / "outside"
    (outside / "inner").mkdir(parents=True)
    (outside / "secret.txt").write_text("not the workspace's", encoding="utf-8")
    (outside / "inner" / "note.txt").write_text("not the workspace's", encoding="utf-8")
    with pytest.raises(ValueError):
        site.offered.id_of(outside / "secret.txt")
    mine = site.private / "security test"
    (mine / "inner").mkdir(parents=True)
    (mine / "kept.txt").write_text("the server's own", encoding="utf-8")
    (mine / "inner" / "note.txt").write_text("the server's own", encoding="utf-8")
    (mine / "link out").symlink_to(outside / "secret.txt")
    with pytest.raises(ValueError):  # a link inside that leads out is outside
        site.offered.id_of(mine / "link out")
    kept, note = site.offered.id_of(mine / "kept.txt"), site.offered.id_of(mine / "inner" / "note.txt")
    assert client.ask("GET", f"/download/{kept}")[2] == b"the server's own"
    assert client.ask("GET", f"/download/{note}")[2] == b"the server's own"
    # the file, and a folder on its way, replaced by links that lead out of the workspace
    (mine / "kept.txt").unlink()
    (mine / "kept.txt").symlink_to(outside / "secret.txt")
    (mine / "inner" / "note.txt").unlink()
    (mine / "inner").rmdir()
    (mine / "inner").symlink_to(outside / "inner", target_is_directory=True)
    for file_id in (kept, note):
        status, headers, body = client.ask("GET", f"/download/{file_id}")
        assert status == 404 and b"not the workspace" not in body
        assert_guarded(headers, "a download led out")
    for path in ["/download/..%2f..%2f..%2f..%2fetc%2fpasswd", "/download/../../../../etc/passwd",
                 "/download/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/download/..%5c..%5c..%5cwindows%5cwin.ini",
                 "/download/%2fetc%2fpasswd", "/download//etc/passwd", "/download/" + str(outside / "secret.txt"),
                 "/download/", "/download/auditdocs.toml", "/static/..%2f..%2f..%2fpyproject.toml",
                 "/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2f__init__.py"]:
        status, headers, body = client.ask("GET", path)
        assert status in (404, 400) and b"root:" not in body and b"not the workspace" not in body, f"{path}: {status}"
        assert_guarded(headers, path)


def test_the_templates_have_nothing_the_policy_refuses():
    """The content security policy allows no inline script, no style attribute and no javascript: address:
    every template (each page's too) keeps to it, so that nothing is silently refused in the browser."""
    templates = ROOT / "src" / "auditdocs" / "web" / "templates"
    found = []
    for template in sorted(templates.rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        for pattern, what in [(r"<script(?![^>]*\bsrc=)[^>]*>", "an inline script"), (r"\sstyle\s*=", "a style attribute"),
                              (r"\son[a-z]+\s*=", "an event handler attribute"), (r"javascript:", "a javascript: address"),
                              (r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", "an address elsewhere (a CDN)")]:
            found += [f"{template.relative_to(templates)}: {what}: {match.group(0)}"
                      for match in re.finditer(pattern, text, flags=re.IGNORECASE)]
    assert not found, "\n".join(found)


# --- uploads -----------------------------------------------------------------------------------------------------

class Upload:
    """What a browser sends for one file (werkzeug's FileStorage has these two)."""

    def __init__(self, filename: str, data: bytes):
        self.filename, self.stream = filename, io.BytesIO(data)


@pytest.mark.parametrize("given, kept", [
    ("form.docx", "form.docx"),
    ("../../etc/form.docx", "form.docx"),
    ("..\\..\\Windows\\System32\\form.docx", "form.docx"),
    ("C:\\Users\\qa\\Desktop\\form.docx", "form.docx"),
    ("C:form.docx", "form.docx"),  # drive-relative
    ("\\\\server\\share\\form.docx", "form.docx"),
    ("/etc/form.docx", "form.docx"),
    ("returned/Siobhán Kearney/form.docx", "form.docx"),
    ("CON.docx", "_CON.docx"),
    ("nul.docx", "_nul.docx"),
    ("COM1", "_COM1"),
    ("form.docx.", "form.docx"),
    ("form:docx?.docx", "form -docx.docx"),
    ("", ""),
    ("..", ""),
    ("../..", ""),
    ("   ", ""),
    ("/", ""),
])
def test_an_uploaded_files_own_name(given, kept):
    from auditdocs.web.uploads import own_name

    assert own_name(given) == kept


def test_a_very_long_name_is_cut_keeping_its_kind():
    from auditdocs.naming import MAX_NAME
    from auditdocs.web.uploads import own_name

    name = own_name("9901001 " + "Hollins Layla " * 40 + "- AUD-202611-TQWJK4O7.docx")
    assert name.endswith(".docx") and len(name) < MAX_NAME and name.startswith("9901001 Hollins Layla")


def test_uploads_are_kept_in_their_folder_safely(tmp_path):
    from auditdocs.naming import OTHER_LIMIT, length
    from auditdocs.web.uploads import receive

    folder = tmp_path / "returned"
    given = [Upload("../../escape.docx", b"one"), Upload("C:\\Windows\\win.docx", b"two"),
             Upload("same.docx", b"first"), Upload("sub/same.docx", b"second"), Upload("again/same.docx", b"first"),
             Upload("CON.docx", b"three"), Upload("notes.exe", b"MZ"), Upload("", b""),
             Upload("big.xlsx", b"x" * 2048), Upload("9901001 " + "Hollins Layla " * 40 + ".docx", b"four")]
    done = receive(given, folder, suffixes={".docx", ".xlsx"}, limit=1024)
    names = sorted(path.name for path in folder.iterdir())
    assert all(path.parent == folder for path in done.paths())
    assert not (tmp_path / "escape.docx").exists() and (folder / "escape.docx").read_bytes() == b"one"
    assert (folder / "win.docx").read_bytes() == b"two"
    assert (folder / "same.docx").read_bytes() == b"first" and (folder / "same (2).docx").read_bytes() == b"second"
    assert [path.name for path in done.already] == ["same.docx"]  # the same file again: not kept twice
    assert (folder / "_CON.docx").read_bytes() == b"three"
    assert [line.split(":")[0] for line in done.refused] == ["notes.exe", "big.xlsx"]  # each refused by its name
    assert "not a kind of file this page takes" in done.refused[0] and "bigger than" in done.refused[1]
    assert not any(name.startswith(".upload-") for name in names)  # nothing half-written left
    assert "big.xlsx" not in names
    assert len(names) == 6
    assert all(length(folder / name) <= OTHER_LIMIT for name in names)


def test_uploads_into_a_deep_folder_fit_windows_path_budget(tmp_path):
    from auditdocs.naming import OTHER_LIMIT, length
    from auditdocs.web.uploads import receive

    folder = tmp_path
    while length(folder) < OTHER_LIMIT - 90:
        folder = folder / "a deep folder of returned forms"
    long_name = "9901001 Hollins Layla - Children's Social Care - Children in Need plan review - AUD-202611-TQWJK4O7.docx"
    done = receive([Upload(long_name, b"one"), Upload(long_name, b"two")], folder, suffixes={".docx"})
    assert len(done.saved) == 2 and not done.refused
    for path in done.saved:
        assert length(path) <= OTHER_LIMIT and path.suffix == ".docx", path.name
    assert done.saved[1].name.endswith(" (2).docx")


# --- nothing personal in addresses or logs --------------------------------------------------------------------------

def demo_names(workspace: Path) -> tuple[set[str], set[str]]:
    """The children's and carers' names in the demo's cases list, and the names of the forms it made."""
    sheet = openpyxl.load_workbook(ROOT / "samples" / "cases_2026-11.xlsx", read_only=True).active
    rows = sheet.iter_rows(values_only=True)
    header = list(next(rows))
    columns = [header.index(name) for name in ("Family name", "Given names", "Name of foster carer",
                                                 "Supported Lodgings provider(s)") if name in header]
    people = {word for row in rows for i in columns if row[i]
              for word in re.split(r"[^\w'-]+", str(row[i])) if len(word) >= 3 and word[0].isupper()}
    files = {path.stem for folder in (workspace / "forms", workspace / "returned") for path in folder.rglob("*")
             if path.is_file()}
    return people, files


def personal_in(text: str, people: set[str], files: set[str]) -> list[str]:
    text = urllib.parse.unquote_plus(text)
    return sorted({name for name in people if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text)}
                  | {name for name in files if name in text})


def test_no_names_in_any_address_or_the_servers_logs(served_demo, browser, capfd):
    people, files = demo_names(served_demo.site.workspace.folder)
    assert "Hollins" in people and len(files) > 40
    logged = io.StringIO()
    handler = logging.StreamHandler(logged)
    loggers = [logging.getLogger(name) for name in ("", "waitress", "flask.app", "werkzeug", "auditdocs")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    try:
        page = signed_in(browser, served_demo)
        refused_by_csp = []
        page.on("console", lambda message: refused_by_csp.append(message.text)
                if "Content Security Policy" in message.text else None)
        menu = page.eval_on_selector_all("nav a[href]", "links => links.map(a => a.getAttribute('href'))")
        assert len(menu) >= 10
        seen, addresses, to_visit = set(), set(), list(dict.fromkeys(menu))
        while to_visit and len(seen) < 60:
            href = to_visit.pop(0)
            if href in seen:
                continue
            seen.add(href)
            page.goto(served_demo.address(href))
            found = page.eval_on_selector_all(
                "a[href], form[action], img[src], link[href], script[src]",
                "els => els.map(e => e.getAttribute('href') || e.getAttribute('action') || e.getAttribute('src'))")
            addresses |= set(found) | {page.url}
            for link in found:
                local = urllib.parse.urlsplit(link)
                if not local.netloc and local.path.startswith("/") and not local.path.startswith(
                        ("/download/", "/static/", "/forms/zip/")) and href in menu:  # (not the downloads)
                    to_visit.append(link)
        page.context.close()
    finally:
        for logger, level in zip(loggers, levels):
            logger.removeHandler(handler)
            logger.setLevel(level)
    assert len(seen) >= 10
    assert not refused_by_csp, refused_by_csp  # no inline script or style the policy had to refuse
    assert not [address for address in addresses if urllib.parse.urlsplit(address).netloc
                and not address.startswith(served_demo.base)], "no address elsewhere (no CDN)"
    leaks = {address: personal_in(address, people, files) for address in addresses}
    assert not {address: names for address, names in leaks.items() if names}, "names in addresses"
    out, err = capfd.readouterr()
    said = out + err + logged.getvalue()
    assert not personal_in(said, people, files), said[:2000]
