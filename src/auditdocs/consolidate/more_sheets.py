"""The tracker's sheets that later steps of the programme add (`tracker.rows.MORE_SHEETS`).

Each has a maker here, by the sheet's name, that gives its rows from the register: (row key, heading -> value)
for the columns auditdocs fills, in order. What people type in its other columns (`Col(manager=True)`) is
read back into the register like the managers' columns of the Actions sheet (`Register.tracker_columns(sheet)`
gives it to whoever needs it), kept in its row, and written again beside the register's values. Rows a person
added are kept whole. A sheet appears in the tracker once it has rows.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..actions import plan as action_checks
from ..domain import model as m
from ..report import summary_sheet
from ..tracker import rows as r
from ..tracker import sheets
from ..tracker.sheets import OldSheet


@dataclass
class SheetInput:
    """What a maker is given: the open register, every audit as it stands after this run (summaries: the
    rules' view of each version), the form library and the day."""

    register: object
    audits: list[m.RegisteredAudit]
    library: object
    today: dt.date
    folder: Path | None = None  # the workspace's folder (None: no workspace), for what a maker reads there


Maker = Callable[[SheetInput], list[tuple[str, dict]]]


def _themes(given: SheetInput) -> list[tuple[str, dict]]:
    from ..learning.run import themes_rows

    return themes_rows(given)


def _themes_sheet(given: SheetInput):
    from ..learning.run import themes_sheet, told_of_themes

    sheet = themes_sheet(given)
    told_of_themes(given, sheet.note)
    return sheet


def _themes_keys(given: SheetInput) -> Callable[[str], bool]:
    from ..learning.run import themes_keys
    from .made_rows import kept_keys

    return themes_keys(given, lambda audits: kept_keys(given.register, r.THEMES, audits))


def _learning_log(given: SheetInput) -> list[tuple[str, dict]]:
    from ..learning.log import sheet_rows

    return sheet_rows(given)


#: sheet name -> its maker; every sheet of `tracker.rows.MORE_SHEETS` has one.
MAKERS: dict[str, Maker] = {
    r.KEY_MESSAGES.name: summary_sheet.rows,
    r.ACTION_CHECKS.name: action_checks.sheet_rows,
    r.THEMES.name: _themes,
    r.LEARNING_LOG.name: _learning_log,
}


#: sheet name -> its maker audit by audit, for a sheet of many rows an audit (the Themes sheet): what
#: `made_rows.grouped_rows` is given, written audit by audit when consolidate writes the tracker (its MAKERS' maker
#: gives the same rows at once).
GROUPED: dict[str, Callable[[SheetInput], object]] = {
    r.THEMES.name: _themes_sheet,
}


#: sheet name -> whether a row key is one of the register's, for a sheet that shows only some of them (the Themes
#: sheet: the latest months'); the other sheets' keys are those of their rows.
KEYS: dict[str, Callable[[SheetInput], Callable[[str], bool]]] = {
    r.THEMES.name: _themes_keys,
}


#: sheet name -> the Exceptions rows its entries call for ('Tracker entry' rows: worked out again on every run).
ENTRIES: dict[str, Callable[[SheetInput], list[dict]]] = {
    r.ACTION_CHECKS.name: action_checks.exception_rows,
}


def entries(given: SheetInput) -> list[dict]:
    """The Exceptions rows the added sheets' entries call for."""
    return [row for s in r.MORE_SHEETS if s.name in ENTRIES for row in ENTRIES[s.name](given)]


def _adopt_learning_log(sheet: OldSheet | None, register, styles, today: dt.date, ws) -> list[dict]:
    from ..learning.log_run import adopt_typed_rows

    return adopt_typed_rows(sheet, register, styles, today, ws)


#: sheet name -> what takes in the rows people typed in it that the register does not hold (giving them ids);
#: it returns the Exceptions sheet's rows that say so.
ADOPTERS: dict[str, Callable[[OldSheet | None, object, object, dt.date, object], list[dict]]] = {
    r.LEARNING_LOG.name: _adopt_learning_log,
}


def adopt(old: dict[str, OldSheet], register, styles, today: dt.date, ws) -> list[dict]:
    """Rows people typed in the added sheets, taken into the register (`ADOPTERS`); the Exceptions rows saying so."""
    return [row for name, adopter in ADOPTERS.items() for row in adopter(old.get(name), register, styles, today, ws)]


def made_rows(given: SheetInput, but: frozenset[str] = frozenset()) -> dict[str, list[tuple[str, dict]]]:
    """Each added sheet's rows from the register, by sheet name (`but` those named)."""
    return {s.name: MAKERS[s.name](given) for s in r.MORE_SHEETS if s.name not in but}


def known_keys(given: SheetInput) -> dict[str, Callable[[str], bool]]:
    """For reading the tracker: sheet name -> whether a row key is one of the register's."""
    return {s.name: (KEYS[s.name](given) if s.name in KEYS
                     else frozenset(key for key, _ in MAKERS[s.name](given)).__contains__) for s in r.MORE_SHEETS}


def content(made: dict[str, list[tuple[str, dict]]], old: dict[str, OldSheet], register,
            sheet_names: list[str], grouped: dict[str, dict] | None = None) -> dict[str, list[tuple[str, dict]]]:
    """Each added sheet's rows after this run (in the order people left them, with their entries), for the
    sheets that have rows or are already in the tracker (`sheet_names`). `grouped`: sheet name -> its rows by key
    with their entries (`made_rows.grouped_rows`), for the sheets (of GROUPED) made audit by audit."""
    out = {}
    for s in r.MORE_SHEETS:
        if grouped is not None and s.name in grouped:
            fresh = grouped[s.name]
        else:
            cells = register.tracker_columns(s.name)
            fresh = {key: {**row, **cells[key]} if key in cells else row  # (copied only then)
                     for key, row in made.get(s.name, [])}
        if not fresh and s.name not in sheet_names:
            continue
        out[s.name] = sheets.compose(s, old.get(s.name) or OldSheet(), fresh)
    return out
