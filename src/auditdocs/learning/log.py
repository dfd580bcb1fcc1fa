"""The organisational learning log (issue 26, item 3): the strategic, learning and organisational actions agreed
at learning sessions (seed 003, 4.3.6), each answering a finding of audits, with the re-check that will test it.

What is here decides; nothing reads a file or the clock. The register keeps the log (`record_learning`,
`learning_log`); the tracker's Learning log sheet (`tracker.rows.LEARNING_LOG`) shows it, and what people type in
its own columns (status, completed on, evidence of change, notes) is read back and wins (`as_it_stands`). A row a
QA officer types in that sheet without an id is taken into the register with one (`adopt_rows`).
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from typing import Iterable

from ..domain import cycle
from ..domain import model as m
from ..domain.dates import long_date, parse_date
from ..specs.loader import did_you_mean
from ..tracker import rows as r
from ..tracker import sheets
from ..tracker.sheets import OldSheet, text_of

SHEET = r.LEARNING_LOG
KINDS = m.LEARNING_KINDS
STATUSES = cycle.ACTION_STATUSES
FROM_COMMAND_LINE, FROM_TRACKER = "command line", "tracker"
LOG_ENTRY = r.LEARNING_LOG_ENTRY  # the Exceptions sheet's Problem for a row of the Learning log taken in
_ID = re.compile(r"^LL-(\d{4})-(\d{3,})$")
_TRAILING_MONTH = re.compile(r"^(?P<name>.*?\S)[\s,(]+(?P<month>\d{4}\s*[-/.]\s*\d{1,2}|[A-Za-z]+\.?,?\s+\d{4}|"
                             r"\d{1,2}\s*[-/.]\s*\d{4})\)?\s*$")


def next_id(taken: Iterable[str], year: int) -> str:
    """The next free id of the year: LL-2026-001, LL-2026-002…"""
    used = [int(found[2]) for t in taken if (found := _ID.match(t)) and int(found[1]) == year]
    return f"LL-{year}-{max(used, default=0) + 1:03d}"


def is_log_id(text: str) -> bool:
    return bool(_ID.match(text or ""))


def kind_of(text: str) -> tuple[str, str]:
    """The kind a person wrote (strategic, learning, organisational; 'organizational' too), and what is wrong."""
    word = " ".join((text or "").split()).casefold().replace("organizational", "organisational")
    if not word:
        return "learning", ""
    found = [k for k in KINDS if k.startswith(word) or word.startswith(k)]
    if len(found) == 1:
        return found[0], ""
    return "", f"'{text}' is not a kind of action{did_you_mean(word, KINDS)}: write {', '.join(KINDS[:-1])} or {KINDS[-1]}."


# ---- the re-check: an activity of the programme ----------------------------------------------


def split_recheck(text: str, month=None) -> tuple[str, dt.date | None, str]:
    """A re-check as written ("Children who go missing 2027-07", or the name with its month apart): its activity's
    name, its month, and what is wrong ('' when nothing)."""
    from ..programme.plan import parse_month_cell

    name = " ".join((text or "").split())
    if not name:
        return "", None, ""
    if month is None or (isinstance(month, str) and not month.strip()):
        found = _TRAILING_MONTH.match(name)
        if found is None:
            return name, None, (f"the re-check '{name}' needs its month: write the activity's name and its month, "
                                "for example 'Children who go missing 2027-07'.")
        name, month = found["name"].rstrip(" ,("), found["month"]
    day, problem = parse_month_cell(month)
    return name, day, problem and f"the re-check's month {problem}"


def check_recheck(name: str, month: dt.date | None, programme) -> str:
    """What is wrong with a re-check against the programme (`programme.plan.Programme`): '' when an activity of
    that name is in the programme in that month."""
    if not name or programme is None:
        return ""
    names = {a.name.casefold(): a.name for a in programme.activities}
    if name.casefold() not in names:
        return (f"the re-check '{name}' is not an activity of the programme{did_you_mean(name, names.values())}: "
                "write the name of a dip sample or thematic audit as programme.xlsx has it.")
    months = sorted({a.month for a in programme.activities if a.name.casefold() == name.casefold()})
    if month is not None and month not in months:
        shown = ", ".join(f"{d:%Y-%m}" for d in months)
        return f"'{names[name.casefold()]}' is not in the programme in {month:%Y-%m} (its months: {shown})."
    return ""


def recheck_name(name: str, programme) -> str:
    """The activity's name as the programme writes it (the name given when it is not there)."""
    if programme is None:
        return name
    return next((a.name for a in programme.activities if a.name.casefold() == name.casefold()), name)


# ---- the log as it stands ---------------------------------------------------------------------


def as_it_stands(entries: Iterable[m.LearningAction], cells: dict[str, dict[str, object]]) -> list[m.LearningAction]:
    """The log with what people typed in its sheet's own columns (`tracker_columns("Learning log")`) over the
    register's values."""
    out = []
    for e in entries:
        typed = cells.get(e.log_id, {})
        done = typed.get("Completed on")
        done = done.date() if isinstance(done, dt.datetime) else done if isinstance(done, dt.date) else (
            parse_date(done) if isinstance(done, str) else None)
        out.append(replace(e, status=text_of(typed.get("Status")) or e.status,
                           evidence=text_of(typed.get("Evidence of change")) or e.evidence,
                           notes=text_of(typed.get("Notes")) or e.notes, done_on=done or e.done_on))
    return out


def is_open(entry: m.LearningAction) -> bool:
    return entry.status.strip().casefold() not in {s.casefold() for s in cycle.ACTION_CLOSED}


def overdue(entry: m.LearningAction, today: dt.date) -> bool:
    return is_open(entry) and entry.due is not None and entry.due < today


def recheck_audits(entry: m.LearningAction, audits: Iterable[m.RegisteredAudit]) -> list[m.RegisteredAudit]:
    """The audits of the entry's re-check: its activity's, in its month (any month when none is given)."""
    if not entry.recheck:
        return []
    name = entry.recheck.casefold()
    return [a for a in audits if a.activity.casefold() == name and
            (entry.recheck_month is None or a.month == entry.recheck_month)]


@dataclass
class GradeProfile:
    """How a set of audits came out: how many, how many came back graded, and each final grade's count (best
    first, as the forms' scales order them)."""

    audits: int = 0
    finished: int = 0  # finalised (returned and complete)
    counts: list[tuple[str, int]] = dc_field(default_factory=list)  # (grade label, audits), best first

    @property
    def graded(self) -> int:
        return sum(n for _, n in self.counts)

    def words(self) -> str:
        """'8 of 10 audits back: Good 5, Requires improvement 3' ('' when none is back)."""
        if not self.finished:
            return ""
        grades = ", ".join(f"{label} {n}" for label, n in self.counts if n)
        return (f"{self.finished} of {self.audits} audit{'s' * (self.audits != 1)} back"
                + (f": {grades}" if grades else ""))


def grade_profile(audits: list[m.RegisteredAudit], library, today: dt.date) -> GradeProfile:
    """The final grades of `audits` (after moderation where moderated), as things stand on `today`."""
    from ..report.figures import grade_bands

    if not audits:
        return GradeProfile()
    standings = cycle.standings(audits, library, today)
    finished = [standings[a.audit_id] for a in audits if standings[a.audit_id].finalised is not None]
    found = Counter(s.grade.value for s in finished if s.grade is not None)
    labels = {s.grade.value: s.grade.label for s in finished if s.grade is not None}
    specs = [s for a in audits if (s := library.get(a.form_id, a.form_version)) is not None]
    order = [b.value for b in grade_bands(specs)]
    values = sorted(found, key=lambda v: order.index(v) if v in order else len(order))
    return GradeProfile(len(audits), len(finished), [(labels[v], found[v]) for v in values])


# ---- the tracker's Learning log sheet ---------------------------------------------------------


def sheet_rows(given) -> list[tuple[str, dict]]:
    """The Learning log sheet's rows from the register (a maker of `consolidate.more_sheets`): one per action,
    with its re-check's result when its audits have come back."""
    entries = given.register.learning_log()
    out = []
    for e in entries:
        result = grade_profile(recheck_audits(e, given.audits), given.library, given.today).words() if e.recheck else ""
        out.append((e.log_id, {
            "Log id": e.log_id, "Kind": e.kind, "Finding": e.finding or None, "Action": e.action or None,
            "Owner": e.owner or None, "Service": e.service or None, "Due": e.due,
            "Themes": "; ".join(e.themes) or None, "Audits": "; ".join(e.audits) or None,
            "Re-check": e.recheck or None, "Re-check month": e.recheck_month, "Re-check result": result or None,
            "Added on": e.added_on, "Status": e.status or STATUSES[0], "Evidence of change": e.evidence or None,
            "Notes": e.notes or None, "Completed on": e.done_on}))
    return out


@dataclass
class Adopted:
    """Rows of the Learning log sheet taken into the register, and what the Exceptions sheet should say."""

    entries: list[m.LearningAction] = dc_field(default_factory=list)
    exceptions: list[dict] = dc_field(default_factory=list)


def _day(value) -> dt.date | None:
    """A date typed in a cell (None when empty or not a date)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return parse_date(value) if value not in (None, "") else None


def _names(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;\n]+", text or "") if part.strip()]


def adopt_rows(sheet: OldSheet | None, known: list[m.LearningAction], today: dt.date, styles,
               programme=None) -> Adopted:
    """Rows of the Learning log sheet the register does not hold, taken in: a row a person typed (with a finding
    or an action, without an id) is given the next id; a row with an id the register does not know (a tracker
    kept while the register was made again) keeps it. Nothing typed is lost: what cannot be used as it is (a kind,
    a date, a re-check not in the programme, a row that looks like another) is kept as typed and said in the
    Exceptions sheet. The rows taken in become the register's in `sheet` (their people's cells read back)."""
    done = Adopted()
    if sheet is None:
        return done
    taken = {e.log_id for e in known}
    findings = {" ".join(e.finding.split()).casefold(): e.log_id for e in known if e.finding.strip()}
    for i, (key, row, whole) in enumerate(zip(sheet.keys, sheet.rows, sheet.whole)):
        if not whole:
            continue
        values = {h: sheets.plain(v) for h, v in row.items()}
        typed_id = text_of(values.get("Log id"))
        finding, action = text_of(values.get("Finding")), text_of(values.get("Action"))
        if not (finding or action) or typed_id in taken:
            continue  # a person's own row (a note, a heading), or a second copy of one taken in
        notes = []
        log_id = typed_id if is_log_id(typed_id) else next_id(taken, today.year)
        if typed_id and typed_id != log_id:
            notes.append(f"its Log id '{typed_id}' is not one the log gives (LL-year-number), so it was given "
                         f"{log_id}")
        kind, problem = kind_of(text_of(values.get("Kind")))
        if problem:
            kind = text_of(values.get("Kind"))
            notes.append(f"{problem} It is kept as typed")
        due_cell = values.get("Due")
        due = _day(due_cell)
        extra = ""
        if due_cell not in (None, "") and due is None:
            extra = f"Due typed as '{text_of(due_cell)}'"
            notes.append(f"the Due '{text_of(due_cell)}' is not a date: it is kept in the register's notes; type "
                         "the date as dd/mm/yyyy")
        name, month, problem = split_recheck(text_of(values.get("Re-check")), values.get("Re-check month"))
        problem = problem or check_recheck(name, month, programme)
        if problem:
            notes.append(problem[0].upper() + problem[1:].rstrip(".") + "; it is kept as typed")
        same = findings.get(" ".join(finding.split()).casefold()) if finding else None
        if same:
            notes.append(f"its finding is the same as {same}'s: both are kept; if it is the same action, delete one "
                         "of the two rows")
        entry = m.LearningAction(log_id, kind, finding, action, text_of(values.get("Owner")),
                                 text_of(values.get("Service")), due, _names(text_of(values.get("Themes"))),
                                 _names(text_of(values.get("Audits"))), STATUSES[0], "",
                                 recheck_name(name, programme), month,
                                 (_day(values.get("Added on")) if typed_id == log_id else None) or today,
                                 FROM_TRACKER, notes=extra)
        done.entries.append(entry)
        taken.add(log_id)
        if finding:
            findings.setdefault(" ".join(finding.split()).casefold(), log_id)
        sheet.keys[i], sheet.whole[i] = log_id, False
        sheet.rows[i] = sheets.as_ours(SHEET, row, styles)
        said = (f"A row of the Learning log sheet the register did not hold was taken into the learning log with its "
                f"id, {log_id}" if typed_id == log_id else
                f"A row typed in the Learning log sheet was taken into the learning log as {log_id}")
        done.exceptions.append({
            "Found on": today, "File": None, "Audit id": None, "Case number": None, "Auditor": None,
            "Problem": LOG_ENTRY, "Details": said + (": " + "; ".join(notes) + "." if notes else "."),
            "What to do": ("Check the row in the Learning log sheet and correct what is said here." if notes else
                           "Nothing: this says that it was taken in.")})
    return done


def typed_problems(sheet: OldSheet | None, today: dt.date) -> list[dict]:
    """'Tracker entry' Exceptions rows for what people typed in the Learning log sheet that cannot be used: a status
    not on the list, a completed date that is not a date. Those are kept as typed; this says so, on every run."""
    out = []
    known = {s.casefold() for s in STATUSES}
    for key, row, whole in zip(sheet.keys, sheet.rows, sheet.whole) if sheet is not None else ():
        if not key or whole:
            continue
        where = f"Learning log sheet, action {key}"
        status = text_of(row.get("Status"))
        said = []
        if status and status.casefold() not in known:
            said.append((f"the Status '{status}' is not a status the tracker knows ({', '.join(STATUSES)}), so the "
                         "action counts as not done. It is kept as typed.",
                         "Choose the status from the list in the Status cell."))
        done = sheets.plain(row.get("Completed on"))
        if done not in (None, "") and _day(done) is None:
            said.append((f"'Completed on' holds '{text_of(done)}', which is not a date, so it is kept as typed.",
                         "Type the date in the 'Completed on' cell as dd/mm/yyyy."))
        out += [{"Found on": today, "File": None, "Audit id": None, "Case number": None, "Auditor": None,
                 "Problem": r.TRACKER_ENTRY, "Details": f"{where}: {what}", "What to do": todo} for what, todo in said]
    return out


# ---- chasing --------------------------------------------------------------------------------


def chase_letters(entries: Iterable[m.LearningAction], today: dt.date) -> list:
    """A letter per owner of learning-log actions that are overdue on `today` (`status.plan.Letter`)."""
    from ..status.plan import Letter

    by_owner: dict[str, list[str]] = {}
    for e in entries:
        if overdue(e, today):
            what = e.action or e.finding
            by_owner.setdefault(e.owner, []).append(
                f"  {e.log_id} ({e.kind}): '{what}' was due {long_date(e.due)} - overdue")
    return [Letter(owner or "(no owner named)", "learning log", "\n".join(
        [f"To {owner or '(no owner named)'}:", "These actions of the learning log agreed at the learning from audits "
         "meeting are overdue: please complete them, or say in the tracker's Learning log sheet where they stand:",
         *lines]), True)
        for owner, lines in sorted(by_owner.items(), key=lambda kv: (not kv[0], kv[0].casefold()))]
