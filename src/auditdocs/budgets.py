"""How much auditdocs reads of any one file people give it, in one place.

Each budget is far above what a real file needs (the largest built-in spec is 20 KB, a month's
list a few hundred rows), so a real file never meets one, and far below what would take
minutes or gigabytes: a crafted or broken file (a YAML alias bomb, a zip bomb, a workbook of
megabyte-long cells) is refused within seconds, with the file named and the reason.
"""
from __future__ import annotations

# ---- form specs (YAML) ---------------------------------------------------------------------------
SPEC_BYTES = 1024 * 1024  # one spec file (or scales.yaml)
SPEC_NODES = 200_000  # values in one spec, counting each use of an alias (&name / *name) in full
SPEC_DEPTH = 40  # lists and mappings inside one another

# ---- Office packages (.xlsx and .docx: forms, lists, the tracker) -------------------------------
PACKAGE_BYTES = 100 * 1024 * 1024  # unpacked, for a form or a list
TRACKER_BYTES = 400 * 1024 * 1024  # unpacked, for the tracker (it grows with the years it holds)
PACKAGE_RATIO = 200  # unpacked / packed, for any part bigger than 1 MB (forms and lists)
PACKAGE_PARTS = 5000
CELL_CHARS = 32767  # Excel's own limit for one cell: a longer one was not written by Excel

LIST_CELLS = 2_000_000  # rows x columns of the sheet a list is read from

# ---- text lists (.csv) ----------------------------------------------------------------------------
CSV_BYTES = 50 * 1024 * 1024


def megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):,.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:,.0f} KB"
