"""An activity's cohort drawn from the case system's export (the cases list): the programme's cohort rules
(`programme.plan`) checked against the export's columns (a wrong name gets "did you mean"), the cases that
match every rule, and a draw of the sample size from them, the same for the same seed. Beside allocation,
not part of it: `allocate` itself is unchanged.

A rule compares a cell as a person reads it: "is" ignores case, spaces and punctuation, takes a category
by any of its usual names ("CIN", "Child in Need") and Yes/No by Y/N/True/False too; "at least" and
"at most" need a number in the cell (a case without one is not in the cohort, and the count is said).
"Age" may be a rule's column even when the export has none: it is worked out from the date of birth, at
the start of the activity's month.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

from ..domain.dates import parse_date
from ..domain.model import name_key as key
from ..errors import UserError
from ..programme.plan import Activity, CohortRule, month_words
from ..specs.loader import did_you_mean
from .allocation_list import _names, cell_text
from .lists import CASE_COLUMNS, _rows
from .settings import category

CASE_NUMBER = ("casenumber", "caseno", "caseid", "lcsnumber", "personid", "childid", "id")
BIRTH = ("dateofbirth", "dob", "birthdate")
AGE = "age"
_YES, _NO = {"y", "yes", "true"}, {"n", "no", "false"}


def _value_key(text: str) -> str:
    """What a cell or a rule's value means, for "is": its category's usual name, Yes/No, else its `key`."""
    word = key(category(text))
    return "yes" if word in _YES else "no" if word in _NO else word


def _number(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(cell_text(value).replace(",", ""))
    except ValueError:
        return None


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass
class Export:
    """The case system's export: its columns (as headed) and rows (row number, cells)."""

    path: Path
    columns: list[str]
    rows: list[tuple[int, list]]
    notes: list[str] = field(default_factory=list)

    def index(self, names) -> int | None:
        keys = [key(c) for c in self.columns]
        return next((keys.index(n) for n in names if n in keys), None)


def read_export(path: Path, wanted: list[str] = ()) -> Export:
    """The export's rows as the cases list is read (a title above the headings and notes among the rows
    skipped). `wanted`: the columns the rules name (to find the headings' row)."""
    known = {key(w) for w in wanted} | {n for names in CASE_COLUMNS.values() for n in names} | set(CASE_NUMBER)
    columns, rows, notes = _rows(Path(path), "cases list", "case", known)
    return Export(Path(path), columns, rows, notes)


def column_problems(activity: Activity, export: Export) -> list[str]:
    """A message for each cohort rule naming a column the export does not have, with the column it may mean."""
    keys = {key(c) for c in export.columns}
    problems = []
    for rule in activity.cohort:
        if key(rule.column) in keys or (key(rule.column) == AGE and export.index(BIRTH) is not None):
            continue
        problems.append(f"row {activity.row} of the programme ('{activity.name}', {month_words(activity.month)}): "
                        f"the cohort rule '{rule.words()}' names a column '{rule.column}' that "
                        f"{export.path.name} does not have{did_you_mean(rule.column, [c for c in export.columns if c])}:"
                        " write the column's heading as the export has it.")
    return problems


def columns_line(export: Export) -> str:
    """The export's columns, said once after the rules that name a column it lacks."""
    return f"The columns of {export.path.name}: {_names(export.columns)}."


def _holds(rule: CohortRule, value) -> bool | None:
    """Whether the cell meets the rule; None when a number rule finds no number in it."""
    if rule.number is None:
        found = _value_key(cell_text(value)) in {_value_key(v) for v in rule.values}
        return found if rule.op == "is" else not found
    number = _number(value)
    if number is None:
        return None
    return number >= rule.number if rule.op == "at least" else number <= rule.number


@dataclass
class CohortDraw:
    activity: Activity
    path: Path
    seed: int
    matched: list[int] = field(default_factory=list)  # the rows of the cases that match every rule
    drawn: list[int] = field(default_factory=list)  # the rows drawn from them
    case_numbers: dict[int, str] = field(default_factory=dict)  # row -> case number, where the export has one
    problems: list[str] = field(default_factory=list)  # rules the export cannot answer: nothing drawn
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        a = self.activity
        head = f"{a.name} ({a.type}, {month_words(a.month)})"
        if self.problems:
            return [f"{head}: not drawn."]
        asked = "all" if a.sample_size is None else str(a.sample_size)
        said = (f"{head}: {len(self.matched)} case{'s' * (len(self.matched) != 1)} of {self.path.name} match the "
                f"cohort ({'; '.join(r.words() for r in a.cohort) or 'any case'}); {len(self.drawn)} drawn "
                f"({asked} asked for, seed {self.seed}).")
        return [said, *[f"  row {n}: case {self.case_numbers.get(n, '(no case number)')}" for n in self.drawn],
                *[f"  Note: {note}" for note in self.notes]]


def matching_rows(activity: Activity, export: Export) -> tuple[list[int], list[str]]:
    """The rows of the export whose cases match every rule of the activity's cohort, and notes (cases left out
    because a number rule found no number)."""
    where = {rule: export.index((key(rule.column),)) for rule in activity.cohort}
    born = export.index(BIRTH)
    no_number: dict[str, int] = {}
    matched = []
    for n, cells in export.rows:
        ok = True
        for rule in activity.cohort:
            i = where[rule]
            if i is None:  # Age, from the date of birth
                day = parse_date(cells[born]) if born is not None else None
                value = age_on(day, activity.month) if day else None
            else:
                value = cells[i] if i < len(cells) else None
            holds = _holds(rule, value)
            if holds is None:
                no_number[rule.column] = no_number.get(rule.column, 0) + 1
            if not holds:
                ok = False
                break
        if ok:
            matched.append(n)
    notes = [f"{count} case{'s' * (count != 1)} with no number in '{column}' {'are' if count != 1 else 'is'} not "
             "in the cohort." for column, count in no_number.items()]
    return matched, notes


def draw_cohort(activity: Activity, export: Export, seed: int = 0) -> CohortDraw:
    """The activity's sample drawn from the cases of the export that match its cohort: the sample by category
    first (from the cases of each category), then the rest; the same for the same seed, export and activity."""
    result = CohortDraw(activity, export.path, seed, notes=list(export.notes))
    result.problems = column_problems(activity, export)
    if result.problems:
        return result
    result.matched, notes = matching_rows(activity, export)
    result.notes += notes
    number = export.index(CASE_NUMBER)
    cells = dict(export.rows)
    rng = random.Random(f"{seed}:{activity.month.isoformat()}:{key(activity.name)}")
    pool = list(result.matched)
    wanted = len(pool) if activity.sample_size is None else activity.sample_size
    if activity.by_category:
        column = export.index(CASE_COLUMNS["category"])
        if column is None:
            result.notes.append(f"{export.path.name} has no Category column: the sample by category could not be "
                                "followed; the sample is drawn from the whole cohort.")
        else:
            for name, count in activity.by_category:
                those = [n for n in pool if _value_key(cell_text(cells[n][column])) == _value_key(name)]
                taken = rng.sample(those, min(count, len(those)))
                if len(taken) < count:
                    result.notes.append(f"the sample asks for {count} {name}, but only {len(those)} match.")
                result.drawn += taken
                pool = [n for n in pool if n not in taken]
    rest = max(0, wanted - len(result.drawn))
    result.drawn += rng.sample(pool, min(rest, len(pool)))
    if len(result.drawn) < wanted:
        result.notes.append(f"{wanted} asked for, but only {len(result.matched)} cases match the cohort: "
                            f"{len(result.drawn)} drawn.")
    result.drawn.sort()
    if number is not None:
        result.case_numbers = {n: cell_text(cells[n][number]) for n in result.drawn}
    return result


@dataclass
class MonthDraws:
    month: dt.date
    draws: list[CohortDraw]
    programme_problems: int = 0

    columns: str = ""  # the export's columns (`columns_line`)

    @property
    def problems(self) -> list[str]:
        found = [p for d in self.draws for p in d.problems]
        return [*found, self.columns] if found else []


def draw_month(ws, month: dt.date, cases: Path, *, seed: int = 0, activity: str = "",
               programme: Path | None = None) -> MonthDraws:
    """Each activity of the month with a cohort (or only the one named `activity`) drawn from the export."""
    from ..programme.run import programme_month

    shown = programme_month(ws, month, programme)
    chosen = [a for a in shown.activities if a.cohort and (not activity or key(a.name) == key(activity))]
    if activity and not chosen:
        names = [a.name for a in shown.activities]
        raise UserError(f"{month_words(month)} has no activity '{activity}' with a cohort"
                        f"{did_you_mean(activity, names)}. Its activities: {', '.join(names) or 'none'}.")
    export = read_export(cases, [r.column for a in chosen for r in a.cohort])
    return MonthDraws(month, [draw_cohort(a, export, seed) for a in chosen], len(shown.checked.problems),
                      columns_line(export))


def cohort_column_problems(programme, cases: Path) -> list[str]:
    """For `programme check --cases`: every cohort rule of the year naming a column the export lacks."""
    export = read_export(cases, [r.column for a in programme.activities for r in a.cohort])
    found = [p for a in programme.activities for p in column_problems(a, export)]
    return [*found, columns_line(export)] if found else []
