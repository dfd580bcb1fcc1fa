"""The programme as data: the rows of the "Programme" sheet become a `Programme` of `Activity`s, and every
cell that cannot be used a `Problem` naming the sheet, the row, the column and what to do. Pure: no files.

The sheet has a row per month and activity, with the columns of COLUMNS (found by their headings, in any
order, case and spaces ignored: a QA officer may move or add columns). A cohort is written as rules, one a
line, in plain words (`parse_rule`):

    <column> is <value>              Category is Care leaver
    <column> is <value> or <value>   Category is CIN or CP
    <column> is not <value>          Legal status is not Placed for adoption
    <column> at least <number>       Missing episodes in the last 6 months at least 1
    <column> at most <number>        Age at most 17

where <column> is a column of the case system's export, as its heading reads ("Social workers in the last
12 months" is a column; "at least 5" is the rule on it). A case is in the cohort when every rule holds.
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field

from ..domain.dates import MONTHS, outside_given_years
from ..domain.model import ACTIVITY_TYPES
from ..domain.model import name_key as key
from ..specs.loader import did_you_mean
from ..workspace import PROGRAMME_FILE

SHEET = "Programme"
HELP_SHEET = "How to fill this in"

TYPES = ACTIVITY_TYPES
#: Other ways of writing a type (compared with `key`).
TYPE_NAMES = {key(t): t for t in TYPES} | {
    "controlsamples": "control sample", "dipsamples": "dip sample", "thematicaudits": "thematic audit",
    "thematic": "thematic audit", "managersdipsample": "managers' dip samples",
    "actioncompletioncheck": "action-completion check", "actionscompletedcheck": "action-completion check",
}
#: The type whose activity needs no form (the QA team checks actions already recorded).
NO_FORM = "action-completion check"
ALL = "All"  # a sample size: everyone in the cohort
YES_WORDS, NO_WORDS = {"yes", "y", "true", "1"}, {"no", "n", "false", "0"}


@dataclass(frozen=True)
class Column:
    name: str  # the attribute of Activity it fills
    heading: str  # as the sheet heads it
    required: bool
    width: int  # characters, for the sheet
    help: str  # for the "How to fill this in" sheet
    other_headings: tuple[str, ...] = ()


COLUMNS = (
    Column("month", "Month", True, 11, "The month, as 2027-01 or January 2027."),
    Column("name", "Activity", True, 36, "A short name for the activity, as people call it "
           "(for example 'Children who go missing'). Each month's names differ."),
    Column("type", "Type", True, 22, "One of: " + ", ".join(TYPES) + " (pick it from the list).",
           ("type of audit", "audit type", "activity type")),
    Column("subject", "Subject", False, 60, "What the activity looks at, in a sentence.", ("theme",)),
    Column("cohort", "Cohort", False, 44, "Who can be in the sample: rules on the columns of the case system's "
           "export, one a line (see below). Empty: anyone.", ("cohort rules", "who")),
    Column("sample_size", "Sample size", True, 11, "How many cases: a whole number, or All for everyone in "
           "the cohort.", ("sample", "size", "number")),
    Column("by_category", "Sample by category", False, 24, "How many of the sample come from each category, one "
           "a line, as 'Care leaver: 19' (optional; together at most the sample size).",
           ("sample per category", "by category", "categories")),
    Column("auditors", "Auditors", True, 30, "Who audits: 'Auditor group', 'QA team', 'QA team + service', "
           "or named people.", ("auditor", "who audits")),
    Column("form", "Form", True, 34, "The form's id, as 'auditdocs specs list' shows it (pick it from the "
           "list). Not needed for the action-completion check.", ("form id", "audit form", "template")),
    Column("counts", "Counts toward the ten", True, 14, "Yes if each audit counts toward the auditor's ten a "
           "year (Appendix A), otherwise No.", ("counts toward ten", "counts", "counts toward the auditors ten",
                                                "counts toward the auditor's ten a year")),
)
BY_HEADING = {key(name): c for c in COLUMNS for name in (c.heading, *c.other_headings)}

#: What the Auditors column means to `auditdocs allocate` (allocate.activities), for the help sheet.
AUDITORS_HELP = [
    "Who audits (the Auditors column): 'Auditor group' is every auditor of the auditors list; 'QA team' the "
    "auditors whose role or team says QA or Quality Assurance; 'service' the auditors of the case's own service "
    "('QA team + service': either); a name on the auditors list is that person; a role ('IROs and team "
    "managers') the auditors of that role; anyone else, as 'Priya Madeup (health, critical friend)', a partner. "
    "Several joined by + or one a line. The rules of Appendix A still apply (nobody audits their own team's "
    "cases, nor the same child twice running, nor in a break month).",
    "A thematic audit's people named (partners included) are its group: auditdocs gives each case a lead auditor, "
    "who returns the form; the others are named in the allocation list's Group column, in the register, and on "
    "the form where it has a detail 'group' (in a form written in a spreadsheet: a row of the Details sheet).",
    "Managers' dip samples: each head of service, group manager and team manager of the auditors list dip samples "
    "the sample size (2) of their own team's (a team manager) or service's cases; they do not count toward the ten.",
]

_NUMBER_RULE = re.compile(r"^(?P<column>.+?)\s+(?P<op>at least|at most)\s+(?P<value>-?\d+)\s*$", re.I)
_IS_RULE = re.compile(r"^(?P<column>.+?)\s+(?P<op>is not|is)\s+(?P<value>\S.*?)\s*$", re.I)
_CATEGORY = re.compile(r"^(?P<name>.*?\S)\s*[:=]\s*(?P<count>\S+)\s*$")
_YEAR_MONTH = re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})(?:\s*[-/.]\s*\d{1,2})?$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})\s*[-/.]\s*(\d{4})$")
_NAME_YEAR = re.compile(r"^([A-Za-z]+)\.?,?\s+(\d{4})$")
RULES_HELP = ("write it as '<column> is <value>', '<column> is not <value>', '<column> at least <number>' or "
              "'<column> at most <number>', for example 'Missing episodes in the last 6 months at least 1'")


@dataclass(frozen=True)
class CohortRule:
    """One rule of a cohort: `column` (of the case system's export) `op` ("is", "is not", "at least",
    "at most") and the value(s) or number."""

    column: str
    op: str
    values: tuple[str, ...] = ()  # "is" / "is not": any of these
    number: int | None = None  # "at least" / "at most"

    def words(self) -> str:
        """The rule in plain words, as it is written."""
        what = " or ".join(self.values) if self.number is None else str(self.number)
        return f"{self.column} {self.op} {what}"


def parse_rule(text: str) -> CohortRule | None:
    """A cohort rule written in plain words (see the module's doc), None when it cannot be read."""
    text = " ".join(str(text).split())
    if found := _NUMBER_RULE.match(text):
        return CohortRule(found["column"], found["op"].lower(), number=int(found["value"]))
    if found := _IS_RULE.match(text):
        values = tuple(v.strip() for v in re.split(r"\s+or\s+", found["value"], flags=re.I) if v.strip())
        return CohortRule(found["column"], found["op"].lower(), values=values) if values else None
    return None


def rule_lines(text: str) -> list[str]:
    """The rules of a Cohort cell: one a line (or separated by ';')."""
    return [line.strip() for line in re.split(r"[\n;]", text or "") if line.strip()]


@dataclass(frozen=True)
class Activity:
    """One activity of a month of the programme (a row of the sheet)."""

    row: int
    month: dt.date  # its first day
    name: str
    type: str  # one of TYPES
    subject: str
    cohort: tuple[CohortRule, ...]
    sample_size: int | None  # None: All (everyone in the cohort)
    by_category: tuple[tuple[str, int], ...]  # (category, how many), as written
    auditors: str
    form: str  # "" for the action-completion check
    counts_toward_ten: bool
    re_audit_of: dt.date | None = None  # drawn again as the re-audit of the activity of that month (six-month review)

    @property
    def sample_words(self) -> str:
        return ALL if self.sample_size is None else str(self.sample_size)

    @property
    def kind_words(self) -> str:
        """Its type, and for a re-audit which audit it re-audits."""
        if self.re_audit_of is None:
            return self.type
        return f"{self.type}, the re-audit of {month_words(self.re_audit_of)} scheduled by its six-month review"


@dataclass
class Programme:
    activities: list[Activity] = field(default_factory=list)

    def months(self) -> list[dt.date]:
        return sorted({a.month for a in self.activities})

    def of_month(self, month: dt.date) -> list[Activity]:
        return [a for a in self.activities if a.month == month.replace(day=1)]


@dataclass(frozen=True)
class Problem:
    """A cell (or the sheet) that cannot be used, and what to do."""

    file: str
    sheet: str
    row: int | None
    column: str  # its heading ('' for the sheet as a whole)
    message: str

    def __str__(self) -> str:
        where = [f"{self.file}, sheet '{self.sheet}'"]
        if self.row:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}"


def text_of(value) -> str:
    """A cell as text with its lines kept (a cohort is one rule a line): whole numbers without '.0', a date as
    its month (YYYY-MM: Excel makes a date of a typed 2027-01)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%Y-%m")
    if value is None or isinstance(value, bool):
        return {True: "Yes", False: "No", None: ""}[value]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "\n".join(" ".join(line.split()) for line in str(value).splitlines() if line.strip())


def parse_month_cell(value) -> tuple[dt.date | None, str]:
    """The month a cell names (its first day), or None and what to write instead."""
    if isinstance(value, (dt.date, dt.datetime)):  # Excel turns a typed 2027-01 into a date
        day = dt.date(value.year, value.month, 1)
    else:
        text = " ".join(text_of(value).split())
        day, found = None, None
        if found := _YEAR_MONTH.match(text):
            year, month = int(found[1]), int(found[2])
        elif found := _MONTH_YEAR.match(text):
            month, year = int(found[1]), int(found[2])
        elif found := _NAME_YEAR.match(text):
            month, year = MONTHS.get(found[1].lower(), 0), int(found[2])
        if not found:
            if text.lower() in MONTHS:
                return None, f"'{text}' needs its year too: write it as 2027-01 or {text.title()} 2027."
            return None, f"'{text}' is not a month: write it as 2027-01 or January 2027."
        if not 1 <= month <= 12:
            return None, f"'{text}' is not a month: write it as 2027-01 or January 2027."
        day = dt.date(year, month, 1)
    if problem := outside_given_years(day):
        return None, f"'{text_of(value)}': {problem}, for example 2027-01."
    return day, ""


def month_words(month: dt.date) -> str:
    return month.strftime("%B %Y")


def _whole(text: str) -> int | None:
    text = text.strip().replace(",", "")
    return int(text) if text.isdecimal() else None


def programme_from_rows(headings: list, rows: list[tuple[int, list]], form_ids=None, *, file: str = PROGRAMME_FILE,
                        sheet: str = SHEET, heading_row: int = 1) -> tuple[Programme, list[Problem]]:
    """The programme in the rows below the headings (row number, cells), and a problem for each cell that cannot
    be used; a row with a problem is left out, the others are still read. `form_ids`: the forms of the
    workspace (None: not checked)."""
    problems: list[Problem] = []

    def problem(row, column, message):
        problems.append(Problem(file, sheet, row, column, message))

    where: dict[str, int] = {}
    for i, heading in enumerate(headings):
        column = BY_HEADING.get(key(text_of(heading)))
        if column and column.name not in where:
            where[column.name] = i
    missing = [c for c in COLUMNS if c.required and c.name not in where]
    for column in missing:
        shown = [text_of(h) for h in headings if text_of(h)]
        problem(heading_row, "", f"there is no column '{column.heading}'"
                f"{did_you_mean(column.heading, shown)}: row {heading_row} must head it so (the columns: "
                f"{', '.join(c.heading for c in COLUMNS)}).")
    if missing:
        return Programme(), problems
    forms = sorted(form_ids) if form_ids is not None else None
    activities: list[Activity] = []
    seen: dict[tuple[dt.date, str], int] = {}
    for n, cells in rows:
        def cell(name: str):
            i = where.get(name)
            return cells[i] if i is not None and i < len(cells) else None

        texts = {c.name: text_of(cell(c.name)) for c in COLUMNS}
        if not any(texts.values()):
            continue
        before = len(problems)
        for column in COLUMNS:
            if column.required and not texts[column.name] and not (
                    column.name == "form" and TYPE_NAMES.get(key(texts["type"])) == NO_FORM):
                problem(n, column.heading, f"is empty. {column.help}")
        month, why = parse_month_cell(cell("month")) if texts["month"] else (None, "")
        if why:
            problem(n, "Month", why)
        kind = TYPE_NAMES.get(key(texts["type"])) if texts["type"] else None
        if texts["type"] and kind is None:
            close = difflib.get_close_matches(texts["type"].lower(), TYPES, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problem(n, "Type", f"'{texts['type']}' is not a type of activity{hint}. Choose one of: "
                    f"{', '.join(TYPES)}.")
        size: int | None = None
        if texts["sample_size"] and key(texts["sample_size"]) != key(ALL):
            size = _whole(texts["sample_size"])
            if size is None:
                problem(n, "Sample size", f"'{texts['sample_size']}' is not a whole number of cases: write the "
                        "number only, for example 20 (who they are goes in the Cohort column), or All for "
                        "everyone in the cohort.")
            elif size == 0:
                problem(n, "Sample size", "is 0: write how many cases (at least 1), or delete the row if there is "
                        "no such activity this month.")
        rules = []
        for line in rule_lines(texts["cohort"]):
            rule = parse_rule(line)
            if rule is None:
                problem(n, "Cohort", f"'{line}' cannot be read as a cohort rule: {RULES_HELP}; one rule a line.")
            rules.append(rule)
        by_category = []
        for line in rule_lines(texts["by_category"]):
            found = _CATEGORY.match(line)
            count = _whole(found["count"]) if found else None
            if count is None:
                problem(n, "Sample by category", f"'{line}' cannot be read: write each category and its number "
                        "on a line of its own, as 'Care leaver: 19'.")
            else:
                by_category.append((found["name"], count))
        total = sum(c for _, c in by_category)
        if size and total > size:
            problem(n, "Sample by category", f"the categories add up to {total}, more than the sample size "
                    f"({size}): lower them, or raise the sample size.")
        form = texts["form"]
        if form and forms is not None and form not in forms:
            problem(n, "Form", f"'{form}' is not a form of this workspace{did_you_mean(form, forms)}. Its forms: "
                    f"{', '.join(forms)} ('auditdocs specs list' shows them).")
        counts = texts["counts"].lower()
        if counts and counts not in YES_WORDS | NO_WORDS:
            problem(n, "Counts toward the ten", f"'{texts['counts']}' is neither Yes nor No: write Yes if each "
                    "audit counts toward the auditor's ten a year, otherwise No.")
        if month and texts["name"]:
            twice = (month, key(texts["name"]))
            if twice in seen:
                problem(n, "Activity", f"'{texts['name']}' is already in {month_words(month)} (row "
                        f"{seen[twice]}): give each activity of a month its own name, or delete one of the rows.")
            seen.setdefault(twice, n)
        if len(problems) > before:
            continue
        activities.append(Activity(n, month, texts["name"], kind, texts["subject"], tuple(rules), size,
                                   tuple(by_category), texts["auditors"], form, counts in YES_WORDS))
    return Programme(activities), problems
