"""The browser interface: `auditdocs serve` starts a local web application over the same use cases as the
command line (see docs/ARCHITECTURE.md). Pages are rendered on the server (Flask, Jinja templates); a small
script of our own (`static/app.js`) draws progress bars and takes dropped files. Nothing is fetched from the
network: every asset ships in this package.

- `app`: the application (`make_app`) and what every page shares;
- `guard`: who may use it (the run's secret, the session cookie, CSRF, the Host header) and the security headers;
- `jobs`: steps that take time, one at a time, in the background, with their progress;
- `offered`: files a page offers to download, by an opaque id (never a path or a name in a URL);
- `uploads`: files a person gives, checked and kept in the workspace;
- `serve`: the server (waitress), its free port, the browser opened, a clean stop;
- `pages/`: one module per step of the month, each a Flask blueprint over that step's use case.
"""
