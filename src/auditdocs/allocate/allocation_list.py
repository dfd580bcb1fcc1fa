"""Read the month's allocation list (.csv or .xlsx) into `Allocation`s.

One row is one form to make for one person. A `form` column names each row's form by
any name people use for it (`FormNames`: its id, its title, the short name in file
names, an alias its spec declares); `--spec` sets it for lists without one. Columns are
matched to the form's header fields by id or label, ignoring case, spaces and
punctuation ("Family Name", "family_name", "FAMILY-NAME"), or by a common other name
(Surname, Forename, DOB: see ALIASES), or named with `--map "Column=field_id"`.
The headings may sit below a title; lines of notes among the rows are skipped.

Rows that cannot be made into a form (a required detail missing, a date that is not a
date, an unknown form, the same audit twice) are reported and skipped; the others are
read. Rows that look wrong together (one case number with two names) are warnings.
Problems with the file as a whole raise `UserError`.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import difflib
import io
import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path

from ..budgets import CELL_CHARS, CSV_BYTES, LIST_CELLS, megabytes
from ..domain import model as m
from ..domain.dates import last_day_of_month, outside_given_years, parse_date, uk
from ..domain.identity import audit_id
from ..domain.model import name_key as key
from ..errors import UserError
from ..specs.loader import Library, did_you_mean

FORM = "form"  # the pseudo field id of the form column
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters no form can hold
FORM_COLUMN_NAMES = {"form", "formid", "formname", "auditform", "audittool"}
ACTIVITY_COLUMNS = {"activity", "programmeactivity", "auditactivity"}
#: The columns allocate writes beside the Activity column, read back into the `Allocation`: what -> names.
ACTIVITY_DETAILS = {"activity_type": {"activitytype", "typeofactivity"},
                    "counts": {"countstowardtheten", "countstowardten", "countstowardtheauditorsten"},
                    "group": {"group", "groupauditors", "auditedwith", "others"}}
DUE_DATE = "due_date"
HEADINGS_WITHIN = 10  # the headings are looked for in this many rows from the top
#: How a line of notes below (or among) the cases starts.
NOTE_START = re.compile(r"^\s*((notes?|nb|n\.b\.|please note)\b|(key|comments?|totals?|source|prepared by)\s*[:\-–—])",
                        re.IGNORECASE)
#: Other names councils' lists commonly use for a detail (compared with `key`).
ALIASES = {
    "family_name": ("surname", "lastname"),
    "given_names": ("forename", "forenames", "firstname", "firstnames", "givenname"),
    "date_of_birth": ("dob", "birthdate"),
    "due_date": ("duedate", "dueby", "deadline"),
    # as case management systems export them (Mosaic, Liquidlogic, Eclipse)
    "case_number": ("personid", "childid", "caseid", "caseref", "casereference", "clientid", "personreference"),
    "social_worker": ("allocatedworker", "worker", "caseworker", "keyworker", "allocatedsocialworker"),
    "team_manager": ("workersmanager", "allocatedworkersmanager", "linemanager", "manager"),
    "team": ("teamname", "allocatedteam", "workerteam", "workersteam"),
}


@dataclass
class RowProblem:
    """A row of the list that was skipped, and why."""

    row: int
    message: str
    case_number: str = ""
    unreadable: bool = True  # the row cannot be used as it is (False: a row said twice, the first one used)

    def __str__(self) -> str:
        case = f" (case {self.case_number})" if self.case_number else ""
        return f"row {self.row}{case}: {self.message}"


@dataclass
class AllocationList:
    path: Path
    columns: list[str]
    allocations: list[m.Allocation] = dc_field(default_factory=list)
    problems: list[RowProblem] = dc_field(default_factory=list)
    notes: list[str] = dc_field(default_factory=list)  # worth saying; nothing is wrong
    warnings: list[str] = dc_field(default_factory=list)  # rows made, but worth checking
    rows: int = 0  # rows with anything in them, header excluded


class FormNames:
    """Which form a name in the Form column means, whatever name people use for it."""

    MIN_PREFIX = 6  # a shortened name ('Front Door - Recording') must be at least this long

    def __init__(self, library: Library):
        self.specs = {s.id: s for s in library.current()}
        self.by_key: dict[str, set[str]] = {}
        self.spelling: dict[str, str] = {}  # key -> the name as the spec writes it
        for spec in self.specs.values():
            for name in spec.names:
                self.by_key.setdefault(key(name), set()).add(spec.id)
                self.spelling.setdefault(key(name), name)

    def find(self, named: str) -> tuple[m.FormSpec | None, str]:
        """The form `named` means, or None and why not."""
        wanted = key(named)
        ids = self.by_key.get(wanted, set())
        if not ids and len(wanted) >= self.MIN_PREFIX:  # file names shorten long names
            ids = {s.id for s in self.specs.values() if key(s.short_title).startswith(wanted)}
        if len(ids) == 1:
            return self.specs[next(iter(ids))], ""
        if ids:
            which = ", ".join(f"{self.specs[i].title} ({i})" for i in sorted(ids))
            return None, f"'{named}' could be any of these forms: {which}; write the form's id or full title"
        return None, f"there is no form '{named}'{self.suggest(named)}; 'auditdocs specs list' shows the forms"

    def suggest(self, named: str) -> str:
        close = difflib.get_close_matches(key(named), list(self.by_key), n=1, cutoff=0.6)
        if not close or len(self.by_key[close[0]]) != 1:
            return ""
        form_id = next(iter(self.by_key[close[0]]))
        name = self.spelling[close[0]]
        return f" (did you mean '{name}'{f', {form_id}' if name != form_id else ''}?)"

    def names(self, text: str) -> bool:
        return self.find(text)[0] is not None


def parse_month(text: str | None, today: dt.date | None = None) -> dt.date:
    """The first day of the month `YYYY-MM` (default: this month)."""
    if not text:
        return (today or dt.date.today()).replace(day=1)
    try:
        year, month = text.strip().split("-")
        day = dt.date(int(year), int(month), 1)
    except ValueError:
        raise UserError(f"'{text}' is not a month: write it as year-month, for example 2026-11.") from None
    if problem := outside_given_years(day):
        raise UserError(f"'{text}': {problem}, for example 2026-11.")
    return day


# ---- reading the file -------------------------------------------------------


def read_table(path: Path, sheet: str | None = None,
               what: str = "allocation list") -> tuple[list[tuple[int, list]], list[str]]:
    """Every row of the file as (row number as the spreadsheet shows it, cells), and notes.
    `what` names the list in messages (allocation list, moderators list…)."""
    path = Path(path)
    if path.name.startswith("~$"):
        raise UserError(
            f"{path.name} is a lock file that Excel or Word leaves beside an open document, "
            f"not {_a(what)}. Give the list itself."
        )
    if not path.exists():
        raise UserError(f"the {what} {path} does not exist. Check the file name and folder.")
    if path.is_dir():
        raise UserError(f"{path} is a folder; give the {what} file (.xlsx or .csv).")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            return _read_xlsx(path, sheet), []
        if suffix in (".csv", ".txt"):
            return _read_csv(path)
    except PermissionError:
        raise UserError(
            f"cannot open {path}: permission denied. If it is open in Excel, close it and try again."
        ) from None
    if suffix in (".xls", ".ods", ".numbers"):
        raise UserError(
            f"{path.name} is in a format auditdocs cannot read. "
            "Open it in Excel and save it as 'Excel Workbook (.xlsx)' or 'CSV UTF-8 (.csv)'."
        )
    raise UserError(f"{path.name} is not {_a(what)}: give a .xlsx or .csv file.")


def _a(what: str) -> str:
    return f"{'an' if what[:1] in 'aeiou' else 'a'} {what}"


def _read_xlsx(path: Path, sheet: str | None) -> list[tuple[int, list]]:
    import openpyxl

    refuse_huge_workbook(path, "list")
    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except PermissionError:
        raise
    except Exception:  # whatever is wrong inside a damaged workbook, the user's remedy is the same
        raise UserError(
            f"{path} could not be read as an Excel workbook (it may be damaged, password-protected "
            "or not really a .xlsx file). Open it in Excel and save it again as 'Excel Workbook (.xlsx)'."
        ) from None
    try:
        if not book.worksheets:
            raise UserError(f"{path} has no sheet of rows (it may be damaged). Open it in Excel, check the list is "
                            "there, and save it again as 'Excel Workbook (.xlsx)'.")
        if sheet is None:
            ws = book.worksheets[0]
        elif sheet in book.sheetnames:
            ws = book[sheet]
        else:
            raise UserError(
                f"{path.name} has no sheet '{sheet}'{did_you_mean(sheet, book.sheetnames)}. "
                f"Its sheets: {', '.join(book.sheetnames)}."
            )
        if ws.max_row * ws.max_column > LIST_CELLS:
            from openpyxl.utils import get_column_letter

            raise UserError(f"{path}: the sheet '{ws.title}' reaches to cell {get_column_letter(ws.max_column)}"
                            f"{ws.max_row}, far beyond any list; it was refused for safety. Delete the rows and "
                            "columns after the list (or copy the list to a new workbook), save it and try again.")
        rows = [(n, list(cells)) for n, cells in enumerate(ws.iter_rows(values_only=True), start=1)]
    finally:
        book.close()
    refuse_huge_cells(path, rows)
    return rows


def refuse_huge_workbook(path: Path, what: str) -> None:
    """A workbook that would unpack to more than any real list (a zip bomb) is refused before it is read."""
    import zipfile

    from ..forms.safezip import DAMAGED_ZIP, too_big

    try:
        with zipfile.ZipFile(path) as package:
            problem = too_big(package.infolist(), what)
    except DAMAGED_ZIP:
        return  # openpyxl says it is damaged, as for any damaged workbook
    if problem:
        raise UserError(f"{path}: {problem} Give the {what} as saved by Excel (.xlsx), or as 'CSV UTF-8 (.csv)'.")


def refuse_huge_cells(path: Path, rows: list[tuple[int, list]]) -> None:
    """A cell longer than Excel can hold was not written by Excel: the file is refused, the cell named."""
    from openpyxl.utils import get_column_letter

    for n, cells in rows:
        for i, value in enumerate(cells, start=1):
            if isinstance(value, str) and len(value) > CELL_CHARS:
                raise UserError(f"{path}: cell {get_column_letter(i)}{n} holds {len(value):,} characters, more than "
                                f"Excel can hold in a cell ({CELL_CHARS:,}); the file was refused for safety. "
                                "Shorten that cell, or give the list as saved by Excel.")


def _read_csv(path: Path) -> tuple[list[tuple[int, list]], list[str]]:
    size = path.stat().st_size
    if size > CSV_BYTES:
        raise UserError(f"{path} is {megabytes(size)}, more than any list (at most {megabytes(CSV_BYTES)}); it was "
                        "refused. Check it is the right file.")
    data = path.read_bytes()
    notes = []
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")  # Excel's "Unicode Text"
        elif b"\x00" in data:
            raise UserError(f"the characters in {path} could not be read (it looks like UTF-16 text without its "
                            "marker, or not a text file). In Excel, save it as 'CSV UTF-8 (.csv)'.")
        else:
            text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise UserError(
                f"the characters in {path} could not be read. In Excel, save it as 'CSV UTF-8 (.csv)'."
            ) from None
        notes.append(
            f"{path.name} is not saved as UTF-8; it was read as Windows text. Check that names with "
            "accents look right in the forms, or save the list as 'CSV UTF-8 (.csv)' next time."
        )
    first = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first:
        delimiter = ";" if ";" in first else "\t" if "\t" in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [(n, cells) for n, cells in enumerate(reader, start=1)], notes
    except csv.Error as exc:
        raise UserError(f"{path} is not a readable CSV file (line {reader.line_num}: {exc}).") from None


def cell_text(value) -> str:
    """A cell as text: whole numbers without '.0', dates as dd/mm/yyyy."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return uk(parse_date(value))
    return " ".join(NOT_IN_XML.sub(" ", str(value)).split())


def _blank(cells) -> bool:
    return all(cell_text(c) == "" for c in cells)


# ---- matching columns -------------------------------------------------------


def parse_mapping(items, columns: list[str], library: Library | None, also=()) -> dict[str, int]:
    """--map "Column name=field_id" options -> {field id: column index}; `also`: other names a list knows
    besides the forms' details (a cases list's category, an auditors list's e-mail…)."""
    known = {FORM, *also} | {h.id for spec in (library.current() if library else ()) for h in spec.header}
    col_keys = _column_keys(columns)
    out = {}
    for item in items or ():
        name, sep, field_id = item.rpartition("=")
        name, field_id = name.strip(), field_id.strip()
        if not sep or not name or not field_id:
            raise UserError(f'--map "{item}" is not understood: write it as --map "Column name=field_id".')
        if field_id not in known:
            raise UserError(
                f'--map "{item}": no form has a detail called \'{field_id}\'{did_you_mean(field_id, sorted(known))}. '
                "'auditdocs specs show FORM_ID' lists each form's details."
            )
        if key(name) not in col_keys:
            raise UserError(
                f"--map \"{item}\": the list has no column '{name}'"
                f"{did_you_mean(name, columns)}. Columns found: {_names(columns)}."
            )
        out[field_id] = col_keys[key(name)]
    return out


def _column_keys(columns: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for i, name in enumerate(columns):
        if name and key(name) not in out:
            out[key(name)] = i
    return out


def _names(columns) -> str:
    return ", ".join(f"'{c}'" for c in columns if c)


def match_columns(spec: m.FormSpec, columns: list[str], mapping: dict[str, int]) -> dict[str, int]:
    """{header field id: column index} for the header fields the list has a column for."""
    col_keys = _column_keys(columns)
    out = {}
    for h in spec.header:
        if h.id in mapping:
            out[h.id] = mapping[h.id]
        elif key(h.id) in col_keys:
            out[h.id] = col_keys[key(h.id)]
        elif key(h.label) in col_keys:
            out[h.id] = col_keys[key(h.label)]
        else:
            alias = next((a for a in ALIASES.get(h.id, ()) if a in col_keys), None)
            if alias:
                out[h.id] = col_keys[alias]
    return out


def _form_column(columns: list[str], mapping: dict[str, int]) -> int | None:
    if FORM in mapping:
        return mapping[FORM]
    return next((i for i, name in enumerate(columns) if key(name) in FORM_COLUMN_NAMES), None)


def _missing_columns_message(path, columns, missing, used_columns, what: str = "allocation list",
                             outcome: str = "No form was made.") -> str:
    lines = [f"the {what} {path.name} has no column for details these forms need:"]
    hints = []
    spare = [c for i, c in enumerate(columns) if c and i not in used_columns]
    spare_keys = {key(c): c for c in spare}
    for spec, count, fields in missing:
        names = ", ".join(f"{h.label} ({h.id})" for h in fields)
        lines.append(f"  {spec.title} ({count} row{'s' * (count != 1)}): {names}")
        for h in fields:
            close = difflib.get_close_matches(key(h.label), list(spare_keys), n=1, cutoff=0.6) or \
                difflib.get_close_matches(key(h.id), list(spare_keys), n=1, cutoff=0.6)
            mapped = f'--map "{spare_keys[close[0]]}={h.id}"' if close else ""
            if close and not any(hint.endswith(mapped) for hint in hints):  # once, whatever forms need it
                hints.append(f"  did you mean column '{spare_keys[close[0]]}' for {h.label}? If so, add: {mapped}")
    lines.append(f"Columns found: {_names(columns)}. (The headings must be in one row above the cases; "
                 "a title above them is fine.)")
    lines += hints
    lines.append(
        f"{outcome} Add or rename the columns in the list (the column name can be the "
        'detail\'s label or id), or name them with --map "Column name=field_id".'
    )
    return "\n".join(lines)


# ---- the rows ----------------------------------------------------------------


def read_allocations(
    path: Path,
    library: Library,
    spec_id: str | None = None,
    mapping=(),
    month: dt.date | None = None,
    sheet: str | None = None,
) -> AllocationList:
    """Read the list; rows that cannot be made into a form are in `.problems`."""
    path = Path(path)
    month = month or parse_month(None)
    forms = FormNames(library)
    default_spec = None
    if spec_id is not None:
        default_spec, why = forms.find(spec_id)
        if default_spec is None:
            raise UserError(f"--spec: {why}.")
    table, notes = read_table(path, sheet)
    table = [(n, cells) for n, cells in table if not _blank(cells)]
    if not table:
        raise UserError(f"the allocation list {path} is empty: it needs a row of column names and a row per case.")
    start = headings_row(table, form_headings(library, mapping))
    if start:
        notes.append(f"the column headings of {path.name} are in row {table[start][0]}; the rows above them "
                     "were read as a title.")
    header = table[start][1]
    columns = [cell_text(c) for c in header]
    result = AllocationList(path, columns, notes=notes)
    fields_map = parse_mapping(mapping, columns, library)
    form_col = _form_column(columns, fields_map)
    if form_col is None and spec_id is None:
        raise UserError(
            f"the allocation list {path.name} has no 'Form' column saying which form each row needs "
            f"(the headings were read from row {table[start][0]}: {_names(columns)}). Add a Form column "
            "(the form's id, title or short name, for example Early Help), or give the form for every row with "
            "--spec FORM_ID. 'auditdocs specs list' shows the forms. The headings must be in one row above "
            "the cases; a title above them is fine."
        )

    # First pass: which form each row needs.
    rows: list[tuple[int, list, m.FormSpec]] = []
    for n, cells in table[start + 1:]:
        cells = list(cells) + [None] * (len(columns) - len(cells))
        note = note_text(cells, forms)
        if note:
            result.notes.append(f"row {n} is a note, not a case ('{_clip(note)}'): skipped.")
            continue
        result.rows += 1
        named = cell_text(cells[form_col]) if form_col is not None else ""
        if named:
            spec, why = forms.find(named)
        else:
            spec, why = default_spec, ""
        if spec is None:
            case = _case_number(cells, columns, fields_map)
            if named:
                message = f"{why}. Row skipped."
            else:
                message = (f"the '{columns[form_col]}' column is empty: say which form this row needs "
                           "(or use --spec FORM_ID). Row skipped.")
            result.problems.append(RowProblem(n, message, case))
            continue
        rows.append((n, cells, spec))

    # The columns each form needs: stop if a required one is missing altogether.
    matched = {}
    missing = []
    for spec in {s.id: s for _, _, s in rows}.values():
        matched[spec.id] = match_columns(spec, columns, fields_map)
        absent = [h for h in spec.header if h.required and h.id not in matched[spec.id] and h.id != DUE_DATE]
        if absent:
            count = sum(1 for _, _, s in rows if s.id == spec.id)
            missing.append((spec, count, absent))
    if missing:
        used = {i for cols in matched.values() for i in cols.values()} | {form_col}
        raise UserError(_missing_columns_message(path, columns, missing, used))

    # Second pass: the values of each row.
    seen: dict[str, m.Allocation] = {}
    activity_col = _activity_column(columns, fields_map, matched)
    keys = [key(c) for c in columns]
    detail_cols = {what: keys.index(next(n for n in names if n in keys)) for what, names in ACTIVITY_DETAILS.items()
                   if any(n in keys for n in names)}
    for n, cells, spec in rows:
        values, problems = row_values(spec, cells, columns, matched[spec.id], month)
        if problems:
            result.problems.append(RowProblem(n, "; ".join(problems) + ". Row skipped.", values.get("case_number", "")))
            continue
        activity = " ".join(cell_text(cells[activity_col]).split()) if activity_col is not None else ""
        details = {what: cell_text(cells[i]) for what, i in detail_cols.items()}
        audit = audit_id(spec, values, activity)
        if audit in seen:
            first = seen[audit]
            names = (spec.subject_name(first.values), spec.subject_name(values))
            other_name = (f", but with another name ('{names[1]}'; row {first.row} has '{names[0]}'): check which "
                          "is right" if key(names[0]) != key(names[1]) else "")
            result.problems.append(RowProblem(
                n,
                f"the same audit as row {first.row} (same form, case number, auditor, audit type and "
                f"due date){other_name}. Row skipped: delete one of the two rows, or give them different audit types.",
                values.get("case_number", ""),
            ))
            continue
        seen[audit] = m.Allocation(spec.id, values, n, audit, activity, details.get("activity_type", ""),
                                   key(details.get("counts", "")) not in ("no", "n", "false", "0"),
                                   tuple(group_names(details.get("group", ""))))
        result.allocations.append(seen[audit])
    result.warnings += case_warnings(result.allocations, library)
    return result


_GROUP_SPLIT = re.compile(r",\s*(?![^()]*\))")  # names separated by commas, not those inside brackets


def group_names(text: str) -> list[str]:
    """The names of a Group cell ("Dana Whitfield, Priya Madeup (health, critical friend)")."""
    return [p.strip() for p in _GROUP_SPLIT.split(text or "") if p.strip()]


def _activity_column(columns: list[str], mapping: dict[str, int], matched: dict[str, dict[str, int]]) -> int | None:
    """The column naming each row's activity of the programme (allocate writes it; empty: the control sample),
    unless a form's detail is read from it."""
    if "activity" in mapping:
        return mapping["activity"]
    used = {i for cols in matched.values() for i in cols.values()}
    return next((i for i, c in enumerate(columns) if key(c) in ACTIVITY_COLUMNS and i not in used), None)


def case_warnings(allocations: list[m.Allocation], library: Library) -> list[str]:
    """Rows that were all made but look wrong together: one case number with different names,
    or one case audited twice with the same form by different auditors."""
    by_case: dict[tuple[str, str], list[m.Allocation]] = {}
    for a in allocations:
        spec = library.get(a.form_id)
        if a.values.get("case_number"):
            by_case.setdefault((spec.subject, key(a.values["case_number"])), []).append(a)
    warnings = []
    for group in by_case.values():
        if len(group) < 2:
            continue
        case = group[0].values["case_number"]
        names = {key(library.get(a.form_id).subject_name(a.values)): a for a in group}
        if len(names) > 1:
            shown = ", ".join(f"'{library.get(a.form_id).subject_name(a.values)}' (row {a.row})" for a in names.values())
            warnings.append(f"rows {_rows(group)} have the same case number {case} but different names: {shown}. "
                            "Check the case number and the names in the list.")
        for form_id, activity in dict.fromkeys((a.form_id, key(a.activity)) for a in group):
            # a case in two activities of the programme (the control sample and a dip sample) is two audits
            same_form = [a for a in group if a.form_id == form_id and key(a.activity) == activity]
            auditors = list(dict.fromkeys(a.values.get("auditor", "") for a in same_form))
            if len(auditors) > 1:
                warnings.append(f"rows {_rows(same_form)} give case {case} the same form ({form_id}) with different "
                                f"auditors ({', '.join(auditors)}): check that the case is meant to be audited twice.")
    return warnings


def _rows(allocations: list[m.Allocation]) -> str:
    numbers = [str(a.row) for a in allocations]
    return ", ".join(numbers[:-1]) + " and " + numbers[-1]


def form_headings(library: Library, mapping=()) -> set[str]:
    """The headings (as `key`s) a list of forms to make may have: the forms' details, their other names,
    and the columns named with --map."""
    known = set(FORM_COLUMN_NAMES) | {key(a) for names in ALIASES.values() for a in names}
    for spec in library.current():
        known |= {key(h.id) for h in spec.header} | {key(h.label) for h in spec.header}
    return known | {key(item.rpartition("=")[0]) for item in mapping or ()}


def headings_row(table: list[tuple[int, list]], known: set[str]) -> int:
    """Which of the first rows holds the column headings: the first with two headings auditdocs
    knows (`known`, as `key`s; a title may sit above). The first row when none does (the messages then
    list its cells)."""
    for i, (_, cells) in enumerate(table[:HEADINGS_WITHIN]):
        if sum(1 for c in cells if key(cell_text(c)) in known) >= 2:
            return i
    return 0


def note_text(cells: list, forms: FormNames | None) -> str:
    """The text of a row that is a note, not a case ('' for a case row): a row whose first
    filled cell starts like a note, or (with `forms`) a single sentence alone on its row that is not a
    form's name."""
    filled = [(i, cell_text(c)) for i, c in enumerate(cells) if cell_text(c)]
    if not filled:
        return ""
    first = filled[0][1]
    if NOTE_START.match(first):
        return first
    if forms is not None and len(filled) == 1 and len(first.split()) >= 3 and not forms.names(first):
        return first
    return ""


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _case_number(cells, columns, mapping) -> str:
    index = mapping.get("case_number", _column_keys(columns).get("casenumber"))
    return cell_text(cells[index]) if index is not None else ""


def row_values(spec, cells, columns, matched, month, *, unknown=()) -> tuple[dict[str, str], list[str]]:
    """A row's details as the form shows them (dates ISO), and what is wrong with them. Details in
    `unknown` are not yet known (the auditor, before allocation) and so not reported as missing."""
    values: dict[str, str] = {}
    problems: list[str] = []
    for h in spec.header:
        index = matched.get(h.id)
        raw = cells[index] if index is not None else None
        text = cell_text(raw)
        column = f"column '{columns[index]}'" if index is not None else "no column"
        if text and h.type == "date":
            day = parse_date(raw if not isinstance(raw, str) else text)
            if day is None:
                problems.append(f"{h.label} '{text}' in {column} is not a date (write it as dd/mm/yyyy, e.g. 01/11/2026)")
                text = ""
            else:
                text = day.isoformat()
        elif text and h.type == "choice" and h.scale is not None:
            option = h.scale.by_label(text)
            if option is None:
                problems.append(f"{h.label} '{text}' in {column} is not one of: {', '.join(h.scale.labels)}")
            else:
                text = option.label
        if not text and h.id == DUE_DATE:
            text = last_day_of_month(month).isoformat()
        if not text and h.required and h.id not in unknown and not (h.type == "date" and cell_text(raw)):
            problems.append(f"{h.label} is missing ({column} is empty)")
        values[h.id] = text
    return values, problems
