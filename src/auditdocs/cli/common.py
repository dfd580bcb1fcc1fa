"""What every command shares: the specs folder named by option, and the workspace it runs in.

`cli` puts a `Run` on the click context; every command, wherever it is defined, gets it
with `run_of(ctx)` and asks it for the workspace its use case runs in (`workspace_for`: the
current folder's, with the paths given as options) and the spec library (`shown_library`).
"""
from __future__ import annotations

import sys
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

import click

from ..specs import left_out_warnings
from ..workspace import (
    Workspace,
    find_workspace,
    register_beside,
    workspace_without_settings,
)


class Run:
    """The specs folder named by option (if any) and the workspace of the current folder."""

    def __init__(self, specs: Path | None = None, specs_origin: str = ""):
        self.specs_option = specs
        self.specs_origin = specs_origin

    @cached_property
    def workspace(self) -> Workspace | None:
        """The workspace of the current folder (its settings' warnings are printed once)."""
        found = find_workspace(Path.cwd())
        for warning in found.warnings if found else ():
            click.echo(f"Warning: {warning}", err=True)
        return found

    def workspace_for(self, **paths: Path | None) -> Workspace:
        """The workspace a use case runs in: the current folder's (else the defaults, outside any workspace),
        with the specs folder named by --specs and the files given as options (None: not given)."""
        base = self.workspace or workspace_without_settings(Path.cwd())
        if self.specs_option:
            base = base.with_files(self.specs_origin, specs=self.specs_option)
        return base.with_files("given on the command line", **paths)

    def use_case_workspace(self, register: Path | None = None, *, needs_register: bool = True,
                           **paths: Path | None) -> Workspace:
        """The workspace for a use case (`workspace_for`), the register given with --register; outside a
        workspace, a usage error asks for it (`register_path`) unless not `needs_register`. A warning is
        printed for each form spec its library leaves out, as `library` prints them."""
        if needs_register:
            self.register_path(register)
        workspace = self.workspace_for(register=register, **paths)
        shown_library(workspace)
        return workspace

    def library(self, *, strict: bool = False):
        """The spec library of the command's workspace (`workspace_for`), its left-out spec files said as
        warnings (`shown_library`)."""
        return shown_library(self.workspace_for(), strict=strict)

    def returned_paths(self, paths) -> list[Path]:
        """The files and folders of returned forms to read: those given, else the workspace's folder."""
        if paths:
            return list(paths)
        if self.workspace is None:
            raise click.UsageError("give the files or folders of returned forms (or run inside a workspace, "
                                   "see 'auditdocs init', whose settings name the folder).")
        return [self.workspace.returned]


    def register_path(self, given: Path | None, *, tracker: Path | None = None) -> Path:
        """The audit register to use: the one given with --register, else the workspace's (its folder
        made if needed), else (for commands that have a tracker) the one beside the tracker; otherwise a
        usage error saying how."""
        if given:
            return Path(given)
        if self.workspace:
            from ..files import make_folder

            make_folder(self.workspace.register.parent)
            return self.workspace.register
        if tracker is not None:
            return register_beside(Path(tracker))
        raise click.UsageError("give the audit register with --register PATH, or run inside a workspace "
                               "(see 'auditdocs init'), whose settings name it.")


def shown_library(ws: Workspace, *, strict: bool = False):
    """The workspace's spec library (`Workspace.library`, read once). A spec file with problems of its own is
    left out, with a warning printed, unless `strict` (for a command that must see every form, such as
    rebuilding the register)."""
    library = ws.library(strict=strict)
    for warning in left_out_warnings(library):
        click.echo(f"Warning: {warning}", err=True)
    return library


#: The --register option every command that reads or writes the register takes (see Run.register_path).
register_option = click.option(
    "--register", "register_file", type=click.Path(dir_okay=False, path_type=Path), metavar="PATH",
    help="The audit register (an SQLite file). Default: the workspace's (see 'auditdocs init').")


def run_of(ctx: click.Context) -> Run:
    """The command's `Run` (a plain one when a command is invoked on its own, as in tests)."""
    root = ctx.find_root()
    if not isinstance(root.obj, Run):
        root.obj = Run()
    return root.obj


def month_value(ctx, param, value):
    """The click callback of a --month YYYY-MM option: the month's first day (None when not given)."""
    if not value:
        return None
    from ..allocate.allocation_list import parse_month
    from ..errors import UserError

    try:
        return parse_month(value)
    except UserError as exc:
        raise click.BadParameter(exc.message) from None


def day_value(ctx, param, value):
    """The click callback of a DD/MM/YYYY option: the date (None when not given)."""
    if value is None:
        return None
    from ..domain.dates import outside_given_years, parse_date

    day = parse_date(value)
    if day is None:
        raise click.BadParameter(f"'{value}' is not a date: write it as dd/mm/yyyy, for example 01/12/2026.")
    if problem := outside_given_years(day):
        raise click.BadParameter(f"'{value}': {problem}, written as dd/mm/yyyy, for example 01/12/2026.")
    return day


@contextmanager
def progress_bar(label: str, *, shown: bool = True):
    """A progress callback (see `auditdocs.progress`) drawn as click's bar on a terminal; None elsewhere
    (a file, a test), where a bar would only be noise."""
    if not (shown and sys.stderr.isatty()):
        yield None
        return
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        yield progress
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
