"""Faults around the register never cost a manager's work, and every message says what to do (issue 21).

Through real files and the real `auditdocs` command, on the month of `test_register_upkeep` (60 Word forms
made by `generate`, filled in as auditors would):

- a register that is missing or empty, with its tracker still there, stops a run, changing nothing, and
  `register rebuild` remakes it with every manager's sign-off (item 1); a tracker an older auditdocs wrote
  over a lost register (every action twice) is taken back whole;
"""
from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path

import openpyxl
import pytest
from test_register_upkeep import (  # noqa: F401 (fixture)
    Place,
    auditdocs,
    month,
    sheet_values,
    type_into_tracker,
)

from auditdocs.consolidation import run
from auditdocs.register import open_register
from auditdocs.returns import find_files

SIGNED = {"Status": "Done", "Completed on": dt.datetime(2026, 12, 3), "Signed off by": "Pat Example",
          "Signed off on": dt.datetime(2026, 12, 5)}


@dataclass
class Signed(Place):
    """A month consolidated, with managers' sign-offs typed into the tracker and taken into the register."""

    forms: Path
    signed: list[str]  # the actions signed off
    actions: int  # how many there are
    files: dict[str, bytes] = dc_field(repr=False)

    def copy(self, to: Path) -> Signed:
        shutil.copytree(self.place, to)
        return Signed(to, self.forms, list(self.signed), self.actions, self.files)

    def consolidate(self, code: int | None = 1, *extra):
        return auditdocs("consolidate", self.place / "returned", "--tracker", self.tracker, "--register",
                         self.register, *extra, code=code)

    def rebuild(self):
        return auditdocs("register", "rebuild", "--forms", self.forms, "--returned", self.place / "returned",
                         "--tracker", self.tracker, "--register", self.register)


@pytest.fixture(scope="module")
def signed(month) -> Signed:  # noqa: F811
    place = month.place("signed")
    month.hand_in(month.returned, place / "returned")
    state = Signed(place, month.forms, [], 0, {})
    state.consolidate()
    actions = [row[0] for row in sheet_values(state.tracker, ("Actions",))["Actions"][1:]]
    state.signed, state.actions = [actions[0], actions[7], actions[-1]], len(actions)
    type_into_tracker(state.tracker, {}, {key: SIGNED for key in state.signed})
    state.consolidate()
    state.files = {name: (place / name).read_bytes() for name in ("register.sqlite", "tracker.xlsx")}
    return state


def action_rows(tracker: Path) -> list[dict[str, object]]:
    rows = sheet_values(tracker, ("Actions",))["Actions"]
    return [dict(zip(rows[0], row)) for row in rows[1:] if row[0]]


def signed_off_in_tracker(tracker: Path) -> dict[str, tuple]:
    return {row["Action id"]: (row["Status"], row["Signed off by"], row["Signed off on"])
            for row in action_rows(tracker) if row["Signed off by"]}


def signed_off_in_register(register: Path) -> dict[str, tuple]:
    with open_register(register) as reg:
        return {a.action_id: (a.status, a.signed_off_by, a.signed_off_on)
                for audit in reg.audits() for a in audit.actions if a.signed_off_by}


def each_once_and_signed(state: Signed) -> None:
    """Every action once in the tracker, and every sign-off there and in the register."""
    counts = Counter(row["Action id"] for row in action_rows(state.tracker))
    assert len(counts) == state.actions and set(counts.values()) == {1}
    assert signed_off_in_tracker(state.tracker) == {
        key: ("Done", "Pat Example", dt.datetime(2026, 12, 5)) for key in state.signed}
    assert signed_off_in_register(state.register) == {
        key: ("Done", "Pat Example", dt.date(2026, 12, 5)) for key in state.signed}


# ---- 1. a missing or empty register --------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["deleted", "empty"])
def test_a_missing_or_empty_register_stops_the_run_and_rebuild_keeps_every_sign_off(signed, tmp_path, how):
    state = signed.copy(tmp_path / how)
    if how == "deleted":
        state.register.unlink()
    else:
        state.register.write_bytes(b"")
    files = sorted(state.place.rglob("*"))
    stopped = state.consolidate(code=2)
    assert f"the register {state.register} is missing or empty; the tracker {state.tracker} was made from one" \
           in stopped.output, stopped.output
    assert "Run 'auditdocs register rebuild' to remake it from your forms and tracker" in " ".join(
        stopped.output.split()).replace("Otherwise run", "Run")
    assert state.tracker.read_bytes() == signed.files["tracker.xlsx"]  # nothing changed
    assert not (state.register.exists() and state.register.stat().st_size)
    assert sorted(state.place.rglob("*")) == files  # no backup, no register, no lock made
    state.rebuild()
    assert signed_off_in_register(state.register) == {
        key: ("Done", "Pat Example", dt.date(2026, 12, 5)) for key in state.signed}
    state.consolidate()
    each_once_and_signed(state)


def older_run_over_a_lost_register(state: Signed, library) -> None:
    """What an older auditdocs did with the register gone: a run that made a new one (the check that stops it
    left out), writing every action a second time below the first."""
    state.register.unlink()
    run._consolidate(run._reading(find_files([state.place / "returned"]), library, None), library, state.tracker,
                     state.register, False, dt.datetime(2026, 12, 8, 9), read_files=True)
    counts = Counter(row["Action id"] for row in action_rows(state.tracker))
    assert set(counts.values()) == {2}  # the state the issue found


@pytest.mark.parametrize("then", ["consolidate", "rebuild"])
def test_a_tracker_an_older_auditdocs_wrote_twice_is_taken_back_whole(signed, tmp_path, library, then):
    state = signed.copy(tmp_path / then)
    older_run_over_a_lost_register(state, library)
    if then == "rebuild":
        state.rebuild()
    state.consolidate()  # not "'Rendered' object is not iterable"
    each_once_and_signed(state)


def test_a_sign_off_typed_in_either_copy_of_a_row_is_kept(signed, tmp_path):
    """Rows there twice (pasted, or written twice by an older auditdocs): what is typed in either copy is read
    back, by `consolidate` and by `register rebuild`."""
    state = signed.copy(tmp_path / "copies")
    first, second = state.signed[0], next(row["Action id"] for row in action_rows(state.tracker)
                                          if row["Action id"] not in state.signed)
    wb = openpyxl.load_workbook(state.tracker)
    ws = wb["Actions"]
    headings = [c.value for c in ws[1]]
    rows = {row[0].value: [c.value for c in row] for row in ws.iter_rows(min_row=2) if row[0].value}
    plain = dict(zip(headings, rows[first]))
    plain.update({"Status": "Open", "Completed on": None, "Signed off by": None, "Signed off on": None})
    again = dict(zip(headings, rows[second]))
    again.update(SIGNED)
    end = ws.max_row
    for n, copy in enumerate((plain, again), start=1):  # typed straight below the table: part of it
        for c, heading in enumerate(headings, start=1):
            ws.cell(end + n, c).value = copy[heading]
    wb.save(state.tracker)
    state.signed.append(second)
    kept = state.copy(tmp_path / "copies, rebuilt")
    state.consolidate()
    each_once_and_signed(state)
    kept.rebuild()
    kept.consolidate()
    each_once_and_signed(kept)
