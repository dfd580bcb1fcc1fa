#!/usr/bin/env bash
# Run the tests: sets up .venv (Python 3.11+) with auditdocs and its test tools, then pytest.
# Tests that need LibreOffice skip with a reason when it is not installed
# (Debian: sudo apt-get install libreoffice-writer-nogui libreoffice-calc-nogui).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh '.[test]'
# On every core (pytest-xdist), a test file's tests together in one worker (they share its fixtures), the longest
# files first (tests/conftest.py's LONGEST_FIRST, in that order: --no-loadscope-reorder):
# AUDITDOCS_TEST_WORKERS=0 runs them in this process, one after another.
exec .venv/bin/python -m pytest -n "${AUDITDOCS_TEST_WORKERS:-auto}" --dist loadfile --no-loadscope-reorder "$@"
