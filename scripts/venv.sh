# Sourced by demo.sh and test.sh: make .venv with auditdocs installed (once), offline afterwards.
# $1: what to install, e.g. '.' or '.[test]'.
python=""
# A name on the PATH may not run (pyenv has shims for versions that are not installed): try each quietly.
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
    python="$candidate"; break
  fi
done
if [ -z "$python" ]; then
  echo "auditdocs needs Python 3.11 or newer: install it (Debian/Ubuntu: sudo apt-get install python3 python3-venv) and try again." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "Setting up .venv (first run only)…" >&2
  "$python" -m venv .venv || { echo "Could not make .venv: install python3-venv (Debian/Ubuntu: sudo apt-get install python3-venv)." >&2; exit 1; }
fi
stamp=".venv/.installed-$(echo "$1" | tr -c 'a-z' '_')"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip >&2
  .venv/bin/python -m pip install --quiet -e "$1" >&2
  touch "$stamp"
fi
