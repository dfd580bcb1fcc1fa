"""`auditdocs --help`, `--version` and every command's `--help` start fast: they import only click, the standard
library and light auditdocs modules, never the libraries that read and write documents (issue 23, item 7).

Each check runs the real `auditdocs` command (`auditdocs.cli.main`, what the console script calls) in a fresh
interpreter and looks at `sys.modules` afterwards. No timing here: bench/bench_startup.py measures the time.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: What `--help` and `--version` must not import: each takes a while to load, and none is needed to show help.
HEAVY = ("openpyxl", "lxml", "docx", "docxtpl", "yaml", "scipy", "numpy", "matplotlib", "pypdf", "holidays",
         "sqlite3")

#: Run in a fresh interpreter: `auditdocs ARGS` for each list of ARGS (or, with no lists, for every command and
#: group of the `auditdocs` group with --help, and --version), then prints, as JSON, the heavy packages loaded
#: after each. A command that imports one is named even if a later one would too.
SCRIPT = r"""
import contextlib, io, json, sys

HEAVY = set(sys.argv[1].split(","))
wanted = json.loads(sys.argv[2])

from auditdocs.cli import cli, main


def every_help(group, path):
    yield [*path, "--help"]
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            yield from every_help(command, [*path, name])
        else:
            yield [*path, name, "--help"]


runs = wanted or [["--version"], *every_help(cli, [])]
loaded = {}
for args in runs:
    sys.argv = ["auditdocs", *args]
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            main()
        except SystemExit as exc:
            code = exc.code
        else:
            code = 0
    loaded[" ".join(args)] = {"exit": code, "heavy": sorted({m.split(".")[0] for m in sys.modules} & HEAVY),
                              "said": out.getvalue()[:200]}
print("RESULT " + json.dumps(loaded))
"""


def modules_after(*runs: list[str], cwd=None) -> dict[str, dict]:
    """For each run of `auditdocs` (all of them in one fresh interpreter, in order): its exit code, the heavy
    modules loaded once it was done, and the start of what it printed."""
    done = subprocess.run([sys.executable, "-c", SCRIPT, ",".join(HEAVY), json.dumps(list(runs))],
                          capture_output=True, text=True, timeout=300, cwd=cwd)
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["-h"], ["generate", "--help"]])
def test_help_and_version_import_nothing_heavy(args, tmp_path):
    (result,) = modules_after(args, cwd=tmp_path).values()
    assert result["exit"] == 0, result["said"]
    assert result["said"].startswith("auditdocs, version" if args == ["--version"] else "Usage: auditdocs")
    assert result["heavy"] == [], f"auditdocs {' '.join(args)} imported {', '.join(result['heavy'])}"


def test_every_commands_help_imports_nothing_heavy(tmp_path):
    """Every command and group of `auditdocs`, found by walking the click group, so a new one is checked too."""
    results = modules_after(cwd=tmp_path)
    expected = {"--version", "--help", "generate --help", "parse --help", "consolidate --help", "allocate --help",
                "report --help", "status --help", "export --help", "specs --help", "specs list --help"}
    assert expected <= set(results), sorted(results)
    for args, result in results.items():
        assert result["exit"] == 0, f"auditdocs {args}: {result['said']}"
        assert result["heavy"] == [], f"auditdocs {args} imported {', '.join(result['heavy'])}"


def test_the_check_sees_a_heavy_import(tmp_path):
    """The checks above are not empty: listing the forms loads the specs (yaml), and the same check sees it."""
    results = modules_after(["--help"], ["specs", "list"], cwd=tmp_path)
    assert results["--help"]["heavy"] == []
    assert results["specs list"]["exit"] == 0, results["specs list"]["said"]
    assert "yaml" in results["specs list"]["heavy"]


def test_cell_safe_refuses_what_openpyxl_refuses():
    """files.py writes out openpyxl's pattern of the characters a cell cannot hold (so that importing it does not
    import openpyxl): it must stay openpyxl's."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from auditdocs.files import ILLEGAL_CHARACTERS_RE as ours
    from auditdocs.files import cell_safe

    assert ours.pattern == ILLEGAL_CHARACTERS_RE.pattern
    every = "".join(map(chr, range(0x20)))
    assert cell_safe(every) == ILLEGAL_CHARACTERS_RE.sub("", every) == "\t\n\r"
