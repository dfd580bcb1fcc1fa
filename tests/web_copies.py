"""For browser tests that compare a page's step with the command line's: copies of the demo month, one served
(the page writes in it) and one for the command line, and the command line run in a workspace."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from browser import DEMO_DAY, serving
from click.testing import CliRunner

from auditdocs.cli import cli


def run_cli(folder: Path, monkeypatch, *args: str):
    """`auditdocs ARGS` run in the workspace `folder` (click's CliRunner: its output is stderr and stdout)."""
    monkeypatch.chdir(folder)
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def copy_of(demo_made: Path, tmp_path_factory, name: str) -> Path:
    """A copy of the demo month's workspace of its own."""
    folder = tmp_path_factory.mktemp(name) / "demo"
    shutil.copytree(demo_made, folder, symlinks=True)
    return folder


def served_copy_fixture(name: str):
    """A module's fixture: a copy of the demo month served (seen on the demo's day), for the steps that write."""

    @pytest.fixture(scope="module")
    def served_copy(demo_made, tmp_path_factory):
        with serving(copy_of(demo_made, tmp_path_factory, name), today=DEMO_DAY) as served:
            yield served

    return served_copy


def cli_copy_fixture(name: str):
    """A module's fixture: another copy, for the command line to do the same."""

    @pytest.fixture(scope="module")
    def cli_copy(demo_made, tmp_path_factory) -> Path:
        return copy_of(demo_made, tmp_path_factory, f"{name}-cli")

    return cli_copy
