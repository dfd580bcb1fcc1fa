"""Reading the cases list (the pool, or a hand-made allocation list) and the auditors list.

Both are .xlsx or .csv files read as `auditdocs generate` reads its list (`allocate.allocation_list.read_table`),
with columns matched the same way: a case's details by the form's field ids and labels
(`allocate.allocation_list.match_columns`), the rest by the names in CASE_COLUMNS and AUDITOR_COLUMNS
(case, spaces and punctuation ignored). A row that cannot be used is reported with its row
number and what to do, and the other rows are still read.
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path

from ..domain import model as m
from ..domain.cycle import audit_year, audit_year_months
from ..domain.dates import MONTHS, parse_date
from ..errors import UserError
from ..specs.loader import Library, did_you_mean
from .allocation_list import (
    DUE_DATE,
    FORM_COLUMN_NAMES,
    FormNames,
    RowProblem,
    _missing_columns_message,
    _names,
    cell_text,
    form_headings,
    headings_row,
    key,
    match_columns,
    note_text,
    parse_mapping,
    read_table,
    row_values,
)
from .settings import AllocationSettings, category

#: What a cases list says beyond the forms' details: what -> column names (compared with `key`).
CASE_COLUMNS = {
    "category": ("category", "casecategory", "status", "casestatus", "currentstatusofchild", "legalstatus",
                 "cohort", "casetype"),
    "service": ("service", "servicearea", "caseservice"),
    "marked": ("auditthismonth", "inthesample", "insample", "sample", "selected", "toaudit"),
}
#: The columns of the auditors list: what -> column names (compared with `key`).
AUDITOR_COLUMNS = {
    "name": ("name", "auditor", "auditorname", "fullname"),
    "email": ("email", "emailaddress"),
    "team": ("team", "auditorteam", "ownteam", "teammanaged"),
    "service": ("service", "auditorservice", "servicearea"),
    "role": ("role", "jobtitle", "position", "auditorrole"),
    "breaks": ("breakmonths", "breakmonthsrequested", "auditbreak", "auditbreaks", "breaks", "break",
               "breakrequested", "monthsoff"),
    "requested_on": ("breakrequestedon", "requestedon", "breakaskedon", "daterequested", "breakrequestdate"),
    "exemptions": ("exemptions", "exempt", "exemptfrom", "exemptcases", "donotallocate", "conflicts"),
}
NOT_MARKED = {"", "no", "n", "false", "0", "none", "notthismonth"}
SEPARATORS = re.compile(r"\s*(?:[,;\n]|\band\b)\s*")


@dataclass
class CaseList:
    path: Path
    columns: list[str]  # as the list names them
    cases: list[m.Case] = dc_field(default_factory=list)
    problems: list[RowProblem] = dc_field(default_factory=list)
    notes: list[str] = dc_field(default_factory=list)
    mark_column: str = ""  # the column in which the QA officer marks the sample, if any
    marked_unusable: list[RowProblem] = dc_field(default_factory=list)  # marked for the sample, but unusable


@dataclass
class AuditorList:
    path: Path
    columns: list[str] = dc_field(default_factory=list)  # as the list names them
    auditors: list[m.Auditor] = dc_field(default_factory=list)
    problems: list[RowProblem] = dc_field(default_factory=list)
    notes: list[str] = dc_field(default_factory=list)


def form_values(spec: m.FormSpec, subject: dict[str, str]) -> dict[str, str]:
    """The details of a form from what is known of its subject: what generate reads from a list's row."""
    return {h.id: subject.get(h.id, "") for h in spec.header}


def _rows(path: Path, what: str, each: str, known: set[str], forms: FormNames | None = None
          ) -> tuple[list[str], list[tuple[int, list]], list[str]]:
    """The column headings and the rows below them, as `generate` reads its list: a title above the headings
    and lines of notes among the rows are skipped (and said so). `known`: headings the list may have (`key`s)."""
    if not Path(path).is_file():
        raise UserError(f"the {what} {path} does not exist. Check the file name and folder.")
    table, notes = read_table(path)
    table = [(n, list(cells)) for n, cells in table if any(cell_text(c) for c in cells)]
    if not table:
        raise UserError(f"the {what} {path} is empty: it needs a row of column names and a row per {each}.")
    start = headings_row(table, known)
    if start:
        notes.append(f"the column headings of {path.name} are in row {table[start][0]}; the rows above them were "
                     "read as a title.")
    columns = [cell_text(c) for c in table[start][1]]
    columns += [""] * (max(len(cells) for _, cells in table[start:]) - len(columns))  # cells beyond the headings
    rows = []
    for n, cells in table[start + 1:]:
        if note := note_text(cells, forms):
            notes.append(f"row {n} of {path.name} is a note, not a{'n' * (each[0] in 'aeiou')} {each} "
                         f"('{note[:60]}'): skipped.")
            continue
        rows.append((n, cells + [None] * (len(columns) - len(cells))))
    return columns, rows, notes


def _find(columns: list[str], names: tuple[str, ...], mapping: dict[str, int] | None = None,
          what: str = "") -> int | None:
    if mapping and what in mapping:
        return mapping[what]
    keys = [key(c) for c in columns]
    return next((keys.index(name) for name in names if name in keys), None)


def mine(mapping, columns: list[str]) -> list[str]:
    """The --map "Column=what" items that name a column of this list (allocate reads two lists)."""
    keys = {key(c) for c in columns}
    return [item for item in mapping or () if key(item.rpartition("=")[0]) in keys]


def unused_mapping(mapping, *lists: list[str]) -> list[str]:
    """The --map items that name a column of none of the lists, each with what to do."""
    keys = {key(c) for columns in lists for c in columns}
    everything = [c for columns in lists for c in columns]
    return [f'--map "{item}" is not understood: write it as --map "Column name=what".' if "=" not in item else
            f'--map "{item}": neither list has a column \'{item.rpartition("=")[0].strip()}\''
            f'{did_you_mean(item.rpartition("=")[0].strip(), everything)}. Columns found: {_names(everything)}.'
            for item in mapping or () if key(item.rpartition("=")[0]) not in keys]


def _known(columns: dict[str, tuple[str, ...]], mapping=()) -> set[str]:
    return {name for names in columns.values() for name in names} | {key(item.rpartition("=")[0]) for item in mapping}


# ---- the cases -----------------------------------------------------------------------------------


def read_cases(path: Path, library: Library, settings: AllocationSettings, month: dt.date, *,
               allocated: bool = False, mapping=()) -> CaseList:
    """The cases of the list. `allocated`: a hand-made allocation list, whose rows name their auditor.
    `mapping`: --map "Column=field_id" (a form's detail, or category, service, marked).

    A column a form needs that the list does not have stops the reading with one message (UserError),
    as it does in `generate`, not a message for every row."""
    path = Path(path)
    what = "allocation list" if allocated else "cases list"
    forms = FormNames(library)
    columns, rows, notes = _rows(path, what, "case", form_headings(library, mapping) | _known(CASE_COLUMNS), forms)
    fields_map = parse_mapping(mine(mapping, columns), columns, library, also=CASE_COLUMNS)
    found = {name: _find(columns, names, fields_map, name) for name, names in CASE_COLUMNS.items()}
    form_column = _find(columns, tuple(FORM_COLUMN_NAMES), fields_map, "form")
    if form_column is None and found["category"] is None:
        raise UserError(_no_category(path, what, columns))
    result = CaseList(path, columns, notes=notes,
                      mark_column=columns[found["marked"]] if found["marked"] is not None else "")
    if settings.own == "service" and found["service"] is None:
        result.notes.append(_no_service(path))
    matched: dict[str, dict[str, int]] = {}
    missing: dict[str, tuple[m.FormSpec, int, list]] = {}  # form id -> (spec, rows, the details it has no column for)
    seen: dict[tuple[str, str], int] = {}
    for n, cells in rows:
        def text(what: str) -> str:
            return cell_text(cells[found[what]]) if found[what] is not None else ""

        marked = key(text("marked")) not in NOT_MARKED

        def skip(problem: RowProblem) -> None:
            result.problems.append(problem)
            if marked:
                result.marked_unusable.append(problem)

        case_category = category(text("category"))
        spec, why = _form(cell_text(cells[form_column]) if form_column is not None else "", case_category, forms,
                          settings, columns, found)
        if spec is None:
            skip(RowProblem(n, why))
            continue
        if spec.id not in matched:
            matched[spec.id] = match_columns(spec, columns, fields_map)
            absent = [h for h in spec.header if h.required and h.id not in matched[spec.id]
                      and h.id not in (DUE_DATE, *(() if allocated else ("auditor",)))]
            if absent:
                missing[spec.id] = (spec, 0, absent)
        if spec.id in missing:
            spec_, count, absent = missing[spec.id]
            missing[spec.id] = (spec_, count + 1, absent)
            continue
        values, problems = row_values(spec, cells, columns, matched[spec.id], month,
                                      unknown=() if allocated else ("auditor",))
        team_field = spec.header_field("team")
        if not values.get("team") and not (team_field and team_field.required):  # else reported already
            problems.append("no team is given, and no auditor can be chosen from outside the case's team "
                            "without it: fill in its team")
        if problems:
            skip(RowProblem(n, "; ".join(problems) + ". Row not used.", values.get("case_number", "")))
            continue
        twice = (spec.subject, values.get("case_number", ""))
        if not allocated and twice in seen:
            skip(RowProblem(n, f"the same case as row {seen[twice]}: only row {seen[twice]} is used.", twice[1],
                            unreadable=False))
            continue
        seen.setdefault(twice, n)
        used = set(matched[spec.id].values()) | {form_column, found["marked"]}
        others = {columns[i]: parse_date(c) if isinstance(c, dt.date) else cell_text(c) for i, c in enumerate(cells)
                  if i not in used and columns[i] and cell_text(c)}
        result.cases.append(m.Case(n, spec.id, values, case_category, text("service"), others, marked))
    if missing:
        used = {i for cols in matched.values() for i in cols.values()} | {form_column, *found.values()}
        not_here = [f"  --map \"{item}\" names no column of {path.name}"
                    f"{did_you_mean(item.rpartition('=')[0].strip(), [c for c in columns if c])}."
                    for item in mapping or () if item not in mine(mapping, columns)]
        raise UserError("\n".join([_missing_columns_message(path, columns, list(missing.values()), used, what,
                                                             "Nothing was read from it, so nothing was allocated, "
                                                             "written or recorded."), *not_here]))
    return result


def _no_category(path: Path, what: str, columns: list[str]) -> str:
    """A list that says neither the form nor the category of its cases: one message, with the column that may
    be meant."""
    hint = did_you_mean_column(columns, CASE_COLUMNS["category"] + tuple(FORM_COLUMN_NAMES), "category")
    return (f"the {what} {path.name} has no Category column and no Form column, so auditdocs cannot tell which form "
            f"each case needs (columns found: {_names(columns)}). Add a Category column (CIN, CP, CLA, Early Help, "
            f"Foster carer…) or a Form column, or name the column with --map \"Column name=category\".{hint} "
            "Nothing was allocated, written or recorded.")


def did_you_mean_column(columns: list[str], names: tuple[str, ...], what: str) -> str:
    """' Did you mean the column 'X'? If so, add: --map "X=what"' for the column most like one of `names`."""
    keys = {key(c): c for c in columns if c}
    for name in names:
        close = difflib.get_close_matches(name, list(keys), n=1, cutoff=0.75)
        if close:
            return f' Did you mean the column \'{keys[close[0]]}\'? If so, add: --map "{keys[close[0]]}={what}".'
    return ""


def _no_service(path: Path) -> str:
    return (f"{path.name} has no 'Service' column, so the settings' rule that nobody audits their own service "
            "is kept by team only: add the column.")


def _form(named: str, case_category: str, forms: FormNames, settings: AllocationSettings, columns,
          found) -> tuple[m.FormSpec | None, str]:
    """The form a case's audit needs: the one its Form column names (by any name `generate` accepts),
    else the one the settings name for its category; or None and what to do."""
    if named:
        spec, why = forms.find(named)
        return spec, f"{why}. Row not used."
    form_id = settings.form_for(case_category) if case_category else None
    if form_id:
        spec, why = forms.find(form_id)
        return spec, (f"the [allocation.forms] settings name the form '{form_id}' for '{case_category}', but {why}: "
                      "correct the settings, or add a Form column. Row not used.")
    if case_category:
        return None, (f"no form is set for the category '{case_category}': add a Form column saying which form its "
                      f"audit needs, or name the form for '{case_category}' in the [allocation.forms] settings. "
                      "Row not used.")
    where = f"the '{columns[found['category']]}' column is empty" if found["category"] is not None else \
        "the list has no Category column"
    return None, (f"{where}, so auditdocs cannot tell which form its audit needs: give its category (CIN, CP, CLA, "
                  "Early Help, Foster carer…) or a Form column. Row not used.")


# ---- the auditors ------------------------------------------------------------------------------


def read_auditors(path: Path, settings: AllocationSettings, month: dt.date, mapping=()) -> AuditorList:
    """The auditors of the list: name, team, service, role, e-mail, break months and exemptions.

    A month written without its year (`December`) is the one in the audit year of `month`."""
    path = Path(path)
    columns, rows, notes = _rows(path, "auditors list", "auditor", _known(AUDITOR_COLUMNS, mapping))
    fields_map = parse_mapping(mine(mapping, columns), columns, None, also=AUDITOR_COLUMNS)
    found = {name: _find(columns, names, fields_map, name) for name, names in AUDITOR_COLUMNS.items()}
    for needed in ("name", "team"):
        if found[needed] is None:
            raise UserError(f"the auditors list {path.name} has no '{needed.title()}' column (columns found: "
                            f"{', '.join(repr(c) for c in columns if c)}). Add it: each auditor's {needed} is needed "
                            f"to keep the framework's rules, or name its column with --map \"Column name={needed}\"."
                            f"{did_you_mean_column(columns, AUDITOR_COLUMNS[needed], needed)} No audit was allocated.")
    result = AuditorList(path, columns, notes=notes)
    if settings.own == "service" and found["service"] is None:
        result.notes.append(_no_service(path))
    if found["role"] is None:
        result.notes.append(f"the auditors list {path.name} has no 'Role' column: exemptions are then checked "
                            "as for children's social care staff, and forms cannot be matched to roles.")
    first, _ = audit_year_months(audit_year(month, settings.year_start), settings.year_start)
    seen: dict[str, int] = {}
    for n, cells in rows:
        def text(what: str) -> str:
            return cell_text(cells[found[what]]) if found[what] is not None else ""

        name = text("name")
        if not name:
            result.problems.append(RowProblem(n, f"no name in the '{columns[found['name']]}' column. Row not used."))
            continue
        if key(name) in seen:
            result.problems.append(RowProblem(n, f"{name} is also in row {seen[key(name)]}: only row "
                                                 f"{seen[key(name)]} is used.", unreadable=False))
            continue
        if not text("team"):
            result.problems.append(RowProblem(n, f"{name} has no team, so the rule that nobody audits their own "
                                                 "team cannot be kept: fill in their team. Not allocated."))
            continue
        raw_breaks = cells[found["breaks"]] if found["breaks"] is not None else None
        breaks, problems = _break_requests(raw_breaks, cells[found["requested_on"]]
                                           if found["requested_on"] is not None else None, first)
        if problems:
            result.problems.append(RowProblem(n, f"{name}: " + "; ".join(problems) + ". Not allocated until "
                                                 "this is put right."))
            continue
        email = text("email")
        if email and "@" not in email:
            result.notes.append(f"row {n}: {name}'s e-mail '{email}' does not look like an e-mail address.")
        seen[key(name)] = n
        exempt = frozenset(p for p in SEPARATORS.split(text("exemptions")) if p)
        result.auditors.append(m.Auditor(name, text("team"), text("service"), text("role"), email, breaks,
                                         exempt, n))
    return result


def _break_requests(months_cell, requested_cell, year_first: dt.date) -> tuple[tuple[m.BreakRequest, ...], list[str]]:
    """The break months of a cell (2026-12; December 2026; Dec; an Excel date), each with when it was asked
    for (one date for all, or one per month in the same order)."""
    if isinstance(months_cell, (dt.date, dt.datetime)):
        parts, problems, months = [months_cell], [], []
    else:
        parts, problems, months = [p for p in SEPARATORS.split(cell_text(months_cell)) if p], [], []
    for part in parts:
        month = _month_of(part, year_first)
        if month is None:
            problems.append(f"'{part}' in the break months is not a month (write it as 2026-12 or December 2026)")
        else:
            months.append(month)
    if isinstance(requested_cell, (dt.date, dt.datetime)):
        asked = [parse_date(requested_cell)]
    else:
        asked = [parse_date(p) for p in SEPARATORS.split(cell_text(requested_cell)) if p]
    if None in asked:
        problems.append(f"'{cell_text(requested_cell)}' is not a date, or dates, of when the breaks were asked for "
                        "(write them as dd/mm/yyyy)")
    elif asked and len(asked) not in (1, len(months)):
        problems.append(f"{len(months)} break months but {len(asked)} dates they were asked for: give one date "
                        "for all, or one for each month in the same order")
    if problems:
        return (), problems
    dates = asked * len(months) if len(asked) == 1 else asked or [None] * len(months)
    return tuple(m.BreakRequest(month, on) for month, on in zip(months, dates)), []


def _month_of(part, year_first: dt.date) -> dt.date | None:
    if isinstance(part, (dt.date, dt.datetime)):
        return parse_date(part).replace(day=1)
    text = " ".join(str(part).split())
    if found := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        year, month = int(found[1]), int(found[2])
    elif found := re.fullmatch(r"(\d{1,2})[/.](\d{4})", text):
        year, month = int(found[2]), int(found[1])
    elif found := re.fullmatch(r"([A-Za-z]+)\.?(?:\s+(\d{4}))?", text):
        month = MONTHS.get(found[1].lower())
        if month is None:
            return None
        year = int(found[2]) if found[2] else year_first.year + (month < year_first.month)
    else:
        day = parse_date(text)
        return day.replace(day=1) if day else None
    return dt.date(year, month, 1) if 1 <= month <= 12 else None
