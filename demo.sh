#!/usr/bin/env bash
# The demo month in one command: sets up .venv (Python 3.11+) with auditdocs, then runs
# `auditdocs demo` on the invented sample month. Results go to output/demo/.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh .
exec .venv/bin/auditdocs demo "$@"
