"""A council's own workspace: its form specs, forms, tracker and settings, in one folder.

`auditdocs init FOLDER` makes one: a copy of the built-in form specs to customise, a
settings file (`auditdocs.toml`) and a short README. Every command run in that folder,
or in a folder below it, finds the settings (`find_workspace`) and uses them, so
nothing has to be repeated on the command line; an option given explicitly wins.

The settings file has one table per subject: [council] and [files] are read here; the
tables of the council's choices for allocation, moderation, reports and exports
(PACKAGE_TABLES) are read by the settings class of the package they belong to, the one
place that knows them. A file written for a newer or older version still works (a table
or key it lacks takes its default), and a key or table this version does not know is a
warning that names the file and the key, never a failure. A value of the wrong kind is
an error that names the file, the table, the key and what to write.
"""
from __future__ import annotations

import importlib
import json
import re
import tomllib
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from pathlib import Path
from typing import TYPE_CHECKING, ContextManager

from . import builtin
from .domain.dates import month_number
from .errors import UserError

if TYPE_CHECKING:
    from .register import AuditRegister

SETTINGS_FILE = "auditdocs.toml"
README_FILE = "README.md"
PROGRAMME_FILE = "programme.xlsx"  # the year's audit programme (see auditdocs.programme)
THEMES_FILE = "themes.xlsx"  # the themes of practice and the learning sessions (see auditdocs.learning)


@dataclass(frozen=True)
class Setting:
    kind: str  # "text" or "path"; a path is relative to the workspace folder
    default: str
    example: str  # what to write, shown when the value is wrong
    help: str  # the comment above the key in a new settings file
    suffix: str = ""  # a path that must name a file of this kind


#: Every table and key this version knows: table -> key -> Setting.
SETTINGS: dict[str, dict[str, Setting]] = {
    "council": {
        "name": Setting("text", "", '"Anytown Borough Council"', "The council's name, as report title pages show it."),
        "service": Setting("text", "Children's Services", '"Children\'s Services"',
                           "The service whose audits these are."),
        "year_start": Setting("month", "April", '"April"',
                              "The month the audit year starts (the 10 audits an auditor does in a year, "
                              "quarters and the year's figures count from it)."),
    },
    "files": {
        "specs": Setting("path", "form_specs", '"form_specs"', "The form specs to use (a copy of the built-in ones)."),
        "forms": Setting("path", "forms", '"forms"',
                         "Where 'auditdocs generate' puts each month's forms (a folder per month)."),
        "returned": Setting("path", "returned", '"returned"',
                            "Where the returned forms go, for 'auditdocs parse' and 'auditdocs consolidate'."),
        "tracker": Setting("path", "tracker/Audit tracker.xlsx", '"tracker/Audit tracker.xlsx"',
                           "The tracker workbook 'auditdocs consolidate' updates.", suffix=".xlsx"),
        "register": Setting("path", "register/auditdocs.sqlite", '"register/auditdocs.sqlite"',
                            "The audit register: every audit and what happened to it."),
    },
}


#: The tables of a package's settings: table -> its settings class, as "module:Class" (imported only
#: when a settings file is read or written, so the packages may use this module). The class is the one
#: way its table is read and described:
#: - `from_mapping(section, where) -> (settings, warnings)`: the table's values checked (a wrong one is a
#:   UserError naming `where`, the key and what to write), and a warning per key it does not know;
#: - `HELP`: key -> what it is for, in a line a council reads (the comments `auditdocs init` writes);
#: - its defaults are `cls()`'s; `FROM_COUNCIL` (if any): field -> key of the [council] table it takes.
PACKAGE_TABLES = {
    "allocation": ".allocate.settings:AllocationSettings",
    "moderation": ".moderation.settings:ModerationSettings",
    "report": ".report.settings:ReportSettings",
    "export": ".share.settings:ExportSettings",
    "email": ".share.settings:EmailSettings",
}


#: The example workbooks of a package that `auditdocs init` writes: file name -> its writer, as "module:function"
#: (imported only when a workspace is made, as PACKAGE_TABLES are), called with the file's path.
EXAMPLE_WORKBOOKS = {
    THEMES_FILE: ".learning.themes_book:write_themes",
}


def settings_class(table: str):
    """The settings class of a package's table (see PACKAGE_TABLES)."""
    module, name = PACKAGE_TABLES[table].split(":")
    return getattr(importlib.import_module(module, __package__), name)


def default_settings(table: str):
    """A package's settings when there is no workspace: the defaults."""
    return settings_class(table)()


def place(path: Path, table: str) -> str:
    """Where a table is, for messages: "…/auditdocs.toml, [moderation] table"."""
    return f"{path}, [{table}] table"


def unknown_keys(section: dict, known, where: str) -> list[str]:
    """A warning for each key of a settings table this version does not know (`where`: see `place`)."""
    return [f"{where}: this version of auditdocs does not know '{key}'; it is ignored "
            f"(known there: {', '.join(known)})." for key in section if key not in known]


def council_keys(section: dict, from_council: dict[str, str], where: str) -> list[str]:
    """A warning for each key of a package's table that belongs in [council] (see FROM_COUNCIL)."""
    return [f"{where}: '{key}' is ignored here: it is set once for every table, in the [council] table "
            f"({from_council[key]} = …)." for key in section if key in from_council]


class _Value:
    """A setting as an attribute of the workspace: `workspace.tracker`."""

    def __init__(self, table: str, key: str):
        self.table, self.key = table, key

    def __get__(self, workspace, owner=None):
        return self if workspace is None else workspace.values[self.table][self.key]


@dataclass
class Workspace:
    """What every use case runs in: the council's settings, its folders (every path absolute), its form specs
    and its audit register, which a use case opens once for its run (`open_register`).

    A workspace comes from a settings file (`find_workspace`, `load_workspace`), or, for a command run outside
    any workspace, from the defaults (`workspace_without_settings`) with the paths a person gave
    (`with_files`). Front ends (the command line, the demo, a browser) make one and hand it to the use cases;
    the use cases never look at options, the current folder or the console."""

    folder: Path
    settings_file: Path | None  # None: no settings file (the defaults, and the paths given)
    values: dict[str, dict[str, object]]  # table -> key -> value (defaults filled in)
    warnings: list[str] = dc_field(default_factory=list)
    packages: dict[str, object] = dc_field(default_factory=dict)  # table -> its package's settings
    given: dict[str, str] = dc_field(default_factory=dict)  # file key -> where it was named instead (for messages)

    council = _Value("council", "name")
    service = _Value("council", "service")
    specs = _Value("files", "specs")
    forms = _Value("files", "forms")
    returned = _Value("files", "returned")
    tracker = _Value("files", "tracker")
    register = _Value("files", "register")

    def settings(self, table: str):
        """The settings of a package's table (see PACKAGE_TABLES), defaults filled in."""
        if table not in self.packages:
            self.packages[table] = default_settings(table)
        return self.packages[table]

    def origin(self, table: str, key: str) -> str:
        """Where a setting comes from, for messages."""
        if table == "files" and key in self.given:
            return self.given[key]
        if self.settings_file is None:
            return ""
        return f"'{key}' in the [{table}] table of {self.settings_file}"

    def with_files(self, origin: str = "", **paths: Path | None) -> Workspace:
        """This workspace with some of its files named otherwise (an option given wins over the settings):
        `specs`, `forms`, `returned`, `tracker`, `register`; a None path keeps the setting."""
        chosen = {key: Path(path) for key, path in paths.items() if path is not None}
        if not chosen:
            return self
        unknown = set(chosen) - set(SETTINGS["files"])
        if unknown:
            raise ValueError(f"not a file of the workspace: {', '.join(sorted(unknown))}")
        values = {**self.values, "files": {**self.values["files"], **chosen}}
        given = {**self.given, **{key: origin for key in chosen}}
        return replace(self, values=values, given=given)

    def library(self, *, strict: bool = False):
        """The form specs (a `specs.Library`). A spec file with problems of its own is left out
        (`specs.left_out_warnings` says which and why) unless `strict`, for a use case that must see every
        form (such as rebuilding the register). Read once per workspace."""
        cache = self.__dict__.setdefault("_libraries", {})
        if strict not in cache:
            from .specs import open_library

            cache[strict] = open_library(self.specs, self.origin("files", "specs"), leave_out_broken=not strict)
        return cache[strict]

    def open_register(self, *, write: bool = False, create: bool = False) -> ContextManager[AuditRegister]:
        """The audit register, as one transaction (an `AuditRegister`; see `register.open_register`):
        `write=True` takes the writer lock; `create=True` makes the register, and its folder, when there is
        none."""
        from .files import make_folder
        from .register import open_register

        if create:
            make_folder(self.register.parent)
        return open_register(self.register, write=write, create=create)


def register_beside(tracker: Path) -> Path:
    """Where the register of a tracker kept outside a workspace lives: beside it, named after it."""
    return Path(tracker).with_name(f"{Path(tracker).stem} register.sqlite")


def workspace_without_settings(folder: Path) -> Workspace:
    """The workspace of a command run outside any workspace: the built-in form specs, the default settings,
    and the default folders under `folder` (the paths a person gives win: `Workspace.with_files`)."""
    from .specs import builtin_specs_folder

    folder = Path(folder).resolve()
    values = {table: {key: _value(setting, setting.default, folder / SETTINGS_FILE, table, key)
                      for key, setting in settings.items()} for table, settings in SETTINGS.items()}
    values["files"]["specs"] = builtin_specs_folder()
    return Workspace(folder, None, values)


# ---- finding and reading the settings ------------------------------------------------


def find_workspace(start: Path) -> Workspace | None:
    """The workspace `start` is in (its settings file is in `start` or a folder above), or None."""
    start = Path(start).resolve()
    for folder in (start, *start.parents):
        path = folder / SETTINGS_FILE
        if path.is_file():
            return load_workspace(path)
    return None


def load_workspace(path: Path) -> Workspace:
    """Read a settings file. Unknown tables and keys are warnings; wrong values raise UserError."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise UserError(f"the settings file {path} could not be read ({exc.strerror or exc}).") from None
    except UnicodeDecodeError:
        raise UserError(f"the settings file {path} is not UTF-8 text: save it as UTF-8 in a text editor.") from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"the settings file {path} cannot be read: {exc}. Each setting is one line such as "
                        'name = "Anytown Borough Council", with text in double quotes.') from None
    values, warnings = settings_values(data, path)
    packages, more = package_settings(data, path, values)
    return Workspace(path.parent, path, values, warnings + more, packages)


def settings_values(data: dict, path: Path) -> tuple[dict[str, dict[str, object]], list[str]]:
    """The [council] and [files] settings of a parsed file, defaults filled in, and warnings for what is unknown."""
    tables = [*SETTINGS, *PACKAGE_TABLES]
    warnings = [f"{path}: this version of auditdocs does not know the [{table}] table; it is ignored "
                f"(known tables: {', '.join(f'[{t}]' for t in tables)})." for table in data if table not in tables]
    values: dict[str, dict[str, object]] = {}
    for table, known in SETTINGS.items():
        given = _table(data, path, table, next(iter(known)), next(iter(known.values())).example)
        warnings += unknown_keys(given, known, place(path, table))
        values[table] = {key: _value(setting, given.get(key, setting.default), path, table, key)
                         for key, setting in known.items()}
    return values, warnings


def package_settings(data: dict, path: Path, values: dict[str, dict[str, object]]) -> tuple[dict[str, object],
                                                                                          list[str]]:
    """Each package's settings, read by its settings class from its table (defaults where the file has
    none), with the fields it takes from [council]; and the warnings of the tables."""
    packages, warnings = {}, []
    for table in PACKAGE_TABLES:
        cls = settings_class(table)
        example = next(iter(cls.HELP))
        given = _table(data, path, table, example, toml_value(getattr(cls(), example)))
        settings, more = cls.from_mapping(given, place(path, table))
        council = {name: values["council"][key] for name, key in getattr(cls, "FROM_COUNCIL", {}).items()
                   if values["council"][key]}
        packages[table] = replace(settings, **council)
        warnings += more
    return packages, warnings


def _table(data: dict, path: Path, table: str, key: str, example: str) -> dict:
    given = data.get(table, {})
    if not isinstance(given, dict):
        raise UserError(f"{path}: '{table}' must be a table: write [{table}] on a line of its own, "
                        f"with its settings on the lines below it, for example {key} = {example}.")
    return given


def _value(setting: Setting, value, path: Path, table: str, key: str):
    def wrong(what: str) -> UserError:
        return UserError(f"{place(path, table)}: '{key}' {what}. Write it as {key} = {setting.example}.")

    if setting.kind == "month":
        if month_number(value) is None:
            raise wrong("must be a month, by its name or its number")
        return month_number(value)
    if not isinstance(value, str):
        raise wrong("must be text in double quotes")
    if setting.kind == "text":
        return value.strip()
    if not value.strip():
        raise wrong("is empty")
    if setting.suffix and not value.lower().endswith(setting.suffix):
        raise wrong(f"must name a {setting.suffix} file")
    folder = Path(value.strip()).expanduser()
    return folder if folder.is_absolute() else path.parent / folder


# ---- making a workspace -------------------------------------------------------------------


def settings_text(council: str = "", service: str = "") -> str:
    """A new settings file, every setting shown with its default and what it is for."""
    chosen = {("council", "name"): council, ("council", "service"): service}
    lines = ["# auditdocs settings for this workspace. Commands run in this folder, or in a folder",
             "# below it, use them; an option given to a command wins. Paths are relative to this",
             "# folder. Text goes in double quotes; true and false and numbers without them."]
    for table, known in SETTINGS.items():
        lines += ["", f"[{table}]"]
        for key, setting in known.items():
            value = chosen.get((table, key)) or setting.default
            lines += [f"# {setting.help}", f"{key} = {toml_value(value)}"]
    for table in PACKAGE_TABLES:
        lines += ["", *_package_lines(table)]
    return "\n".join(lines) + "\n"


def _package_lines(table: str) -> list[str]:
    """A package's table with every setting at its default (a setting that is a table of its own,
    such as [allocation.sample], after the others, as TOML needs)."""
    cls = settings_class(table)
    defaults = cls()
    lines, below = [f"[{table}]"], []
    for key, help in cls.HELP.items():
        value = getattr(defaults, key)
        if isinstance(value, dict):
            below += ["", f"# {help}", f"[{table}.{toml_key(key)}]"]
            below += [f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()]
        else:
            lines += [f"# {help}", f"{key} = {toml_value(value)}"]
    return lines + below


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def toml_value(value) -> str:
    """A setting's value as TOML writes it: text in double quotes, true/false, numbers, [lists]."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # JSON's escapes are TOML's


def readme_text(council: str) -> str:
    who = f" for {council}" if council else ""
    return f"""# Case file audits{who}

This folder is an auditdocs workspace. `auditdocs` commands run here (or in a folder
below) use the settings in `{SETTINGS_FILE}`, so you do not need to repeat them.

- `form_specs/`: the audit forms, one YAML file each. Change them to suit the service,
  then run `auditdocs specs validate`. The guide is `form_specs/README.md`.
- `forms/`: the forms `auditdocs generate` makes, a folder per month, a folder per auditor.
- `returned/`: put the completed forms here when they come back.
- `tracker/`: the tracker workbook that `auditdocs consolidate` keeps up to date.
- `{PROGRAMME_FILE}`: the year's audit programme, a row per month and activity (control sample, dip
  samples, thematic audits…). Change it to the service's year, then run `auditdocs programme check`;
  `auditdocs programme show --month 2027-01` shows a month.
- `{THEMES_FILE}`: the themes of practice looked for in what auditors write, and the weekly learning
  sessions; `auditdocs learning themes check` checks it, `auditdocs learning pack --session 2026-12-08`
  makes a session's pack.
- `{SETTINGS_FILE}`: the council's name, where everything is, and the council's choices for
  allocation, moderation, reports and exports (each setting says what it is for).

The month, in commands:

    auditdocs generate --data "allocations 2026-11.xlsx" --month 2026-11
    auditdocs parse --returns
    auditdocs consolidate

The forms hold personal data about children: keep this folder where only the QA team can open it.
"""


def init_workspace(folder: Path, council: str = "", service: str = "") -> list[Path]:
    """Make a workspace in `folder` (made if needed); returns what was written."""
    # here, not at the top: `auditdocs --help` imports this module, and needs none of files
    from .files import make_folder, write_atomic

    folder = Path(folder)
    settings = folder / SETTINGS_FILE
    specs = folder / SETTINGS["files"]["specs"].default
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder} is a file: give a folder for the workspace.")
    if settings.exists():
        raise UserError(f"{folder} is already an auditdocs workspace ({settings} is there). Nothing was changed.")
    if specs.exists():
        raise UserError(f"{specs} is already there. Nothing was changed: move it away, or make the workspace "
                        "in another folder.")
    source = builtin("form_specs")
    written = [write_atomic(specs / p.relative_to(source), p.read_bytes())
               for p in sorted(source.rglob("*")) if p.is_file() and p.suffix in (".yaml", ".md")]
    for key in ("forms", "returned"):
        make_folder(folder / SETTINGS["files"][key].default)
    for key in ("tracker", "register"):
        make_folder(folder / Path(SETTINGS["files"][key].default).parent)
    programme = folder / PROGRAMME_FILE
    if not programme.exists():
        from .programme.workbook import write_programme

        forms = [p.stem for p in written if p.suffix == ".yaml" and p.parent == specs and p.stem != "scales"]
        written.append(write_programme(programme, forms))
    for name, writer in EXAMPLE_WORKBOOKS.items():
        if not (folder / name).exists():
            module, function = writer.split(":")
            written.append(getattr(importlib.import_module(module, __package__), function)(folder / name))
    readme = folder / README_FILE
    if not readme.exists():
        written.append(write_atomic(readme, readme_text(council)))
    written.append(write_atomic(settings, settings_text(council, service)))
    return written


def made_lines(folder: Path, written: list[Path]) -> list[str]:
    """What `init_workspace` made in `folder` (`written`: what it returned), and what to do next."""
    from .files import WINDOWS_PRIVACY, owner_only

    specs = sum(1 for p in written if p.suffix == ".yaml")
    return [
        f"Made an auditdocs workspace in {folder}:",
        f"  {folder / SETTINGS_FILE}   the settings (council, folders, and the council's choices)",
        f"  {folder / SETTINGS['files']['specs'].default}   {specs} form spec files to change "
        "(auditdocs specs validate checks them)",
        f"  {folder / PROGRAMME_FILE}   the year's audit programme, to change (auditdocs programme check "
        "checks it)",
        f"  {folder / THEMES_FILE}   the themes of practice and the learning sessions, to change "
        "(auditdocs learning themes check checks it)",
        f"  {folder / README_FILE}   what is where",
        "",
        "Next:",
        f'  cd "{folder}"',
        "  auditdocs specs list",
        "  auditdocs generate --data allocations.xlsx --month 2026-11",
    ] + ([] if owner_only() else ["", f"Keep it private: {WINDOWS_PRIVACY}"])
