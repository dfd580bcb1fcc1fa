"""The layers of docs/ARCHITECTURE.md, kept: what each package may import, read from the source itself.

Front ends (cli, demo, web) → use cases (allocate, generate, returns, consolidate, status, moderation, report, share)
→ edges (forms, register, tracker, specs) → domain. click only in cli/, flask and waitress only in web/, SQL
(sqlite3) only in register/.
"""
from __future__ import annotations

import ast
from pathlib import Path

import auditdocs

PACKAGE = Path(auditdocs.__file__).parent
USE_CASES = {"allocate", "generate", "returns", "consolidate", "status", "moderation", "report", "share", "learning"}
EDGES = {"forms", "register", "tracker", "specs"}
FRONT_ENDS = {"cli", "demo", "web"}


def modules() -> dict[str, Path]:
    """Every module of the package: its dotted name inside auditdocs ('consolidate.run') → its file."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path) -> set[str]:
    """What a module imports (at the top or inside a function), as absolute names; auditdocs' own without the
    'auditdocs.' prefix."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                found |= {f"{target}.{alias.name}".strip(".") for alias in node.names} | {target}
            else:
                found.add(node.module or "")
    return {n.removeprefix("auditdocs.") for n in found if n}


def layer(name: str) -> str:
    top = name.split(".")[0]
    if top == "domain":
        return "domain"
    if top in EDGES:
        return "edge"
    if top in USE_CASES:
        return "use case"
    if top in FRONT_ENDS:
        return "front end"
    return "shared"


def test_the_checks_read_every_module_and_its_imports():
    found = modules()
    assert {"domain.model", "domain.cycle", "cli", "register.store", "consolidate.run"} <= set(found)
    assert "sqlite3" in imports("register.store", found["register.store"])
    assert "domain.model" in imports("consolidate.run", found["consolidate.run"])


def test_click_only_in_the_command_line_flask_only_in_the_browser_and_sql_only_in_the_register():
    breaches = []
    for name, path in modules().items():
        used = imports(name, path)
        if any(u == "click" or u.startswith("click.") for u in used) and not name.startswith("cli"):
            breaches.append(f"{name} imports click")
        if any(u.split(".")[0] in ("flask", "waitress", "werkzeug") for u in used) and not name.startswith("web"):
            breaches.append(f"{name} imports the web server's packages")
        if "sqlite3" in used and not name.startswith("register"):
            breaches.append(f"{name} imports sqlite3")
    assert not breaches


def test_imports_point_down_the_layers():
    own = set(modules())
    allowed = {"domain": {"domain"}, "edge": {"domain", "edge", "shared"},
               "use case": {"domain", "edge", "use case", "shared"},
               "front end": {"domain", "edge", "use case", "front end", "shared"},
               "shared": {"domain", "edge", "shared"}}
    breaches = []
    for name, path in modules().items():
        for used in imports(name, path):
            if used.split(".")[0] not in {n.split(".")[0] for n in own} or used == "":
                continue  # not auditdocs' own
            if layer(used) not in allowed[layer(name)]:
                breaches.append(f"{name} ({layer(name)}) imports {used} ({layer(used)})")
    assert not breaches, "\n".join(sorted(breaches))
