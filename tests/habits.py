"""A workspace with audits made through the real commands, for the tests of a QA officer's habits
(tests/test_windows.py, tests/test_qa_habits.py)."""
from __future__ import annotations

import os
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from auditdocs.cli import cli

FORM = "csc_case_file_audit"
HEADINGS = ["Form", "Case number", "Family name", "Given names", "Date of birth", "Social worker", "Team manager",
            "Team", "Audit type", "Auditor", "Due date"]


def invoke(*args: str, code: int | tuple[int, ...] = 0, cwd: Path | None = None) -> str:
    """`auditdocs ARGS` (in the folder `cwd`): its output, once it exited with `code`."""
    before = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        result = CliRunner().invoke(cli, [str(a) for a in args])
    finally:
        os.chdir(before)
    codes = code if isinstance(code, tuple) else (code,)
    assert result.exit_code in codes, (args, result.exit_code, result.output, result.exception)
    return result.output


def allocation_list(path: Path, people: list[tuple[str, str, str, str]]) -> Path:
    """An allocation list for `generate`: (case number, family name, given names, auditor) a row."""
    book = openpyxl.Workbook()
    book.active.append(HEADINGS)
    for case, family, given, auditor in people:
        book.active.append([FORM, case, family, given, "02/04/2015", "Sam Fictionby", "Terry Madeupson", "Team North",
                            "Control sample - CIN", auditor, None])
    book.save(path)
    return path


def auditors_list(path: Path, people: list[tuple[str, str, str]]) -> Path:
    """An auditors list: (name, e-mail address, team) a row."""
    book = openpyxl.Workbook()
    for row in (("Name", "E-mail", "Team"), *people):
        book.active.append(list(row))
    book.save(path)
    return path


def workspace_with(root: Path, months: dict[str, list[tuple[str, str, str, str]]]) -> Path:
    """`auditdocs init` in root/'Case file audits', and each month's forms made with `auditdocs generate`."""
    folder = root / "Case file audits"
    invoke("init", folder)
    for month, people in months.items():
        made = allocation_list(root / f"allocations {month}.xlsx", people)
        invoke("generate", "--data", made, "--month", month, cwd=folder)
    return folder
