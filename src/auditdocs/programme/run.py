"""The programme's use cases: `check_programme` (what is wrong with programme.xlsx) and `programme_month`
(a month's activities). They return results; the front ends show them."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..domain.model import name_key
from ..errors import UserError
from ..workspace import PROGRAMME_FILE, Workspace
from .plan import SHEET, Activity, Problem, Programme, month_words, programme_from_rows
from .workbook import read_programme


def programme_path(ws: Workspace, given: Path | None = None) -> Path:
    """The programme to read: the one given, else the workspace's programme.xlsx."""
    if given is not None:
        return Path(given)
    if ws.settings_file is None:
        raise UserError("give the programme with --programme FILE, or run inside a workspace (see 'auditdocs "
                        f"init'), which has {PROGRAMME_FILE}.")
    return ws.folder / PROGRAMME_FILE


@dataclass
class ProgrammeCheck:
    path: Path
    programme: Programme
    problems: list[Problem] = field(default_factory=list)

    @property
    def needs_attention(self) -> bool:
        return bool(self.problems)

    def problem_lines(self) -> list[str]:
        if not self.problems:
            return []
        n = len(self.problems)
        return [str(p) for p in self.problems] + [
            f"{n} problem{'s' * (n != 1)} in {self.path.name}: correct {'them' if n != 1 else 'it'} and run "
            "'auditdocs programme check' again."]

    def summary(self) -> str:
        n, months = len(self.programme.activities), len(self.programme.months())
        said = (f"The programme has {n} activit{'ies' if n != 1 else 'y'} over {months} month{'s' * (months != 1)}")
        if self.problems:
            return f"{said} that could be read; the rows with problems were left out."
        return f"{said}; no problems."


def check_programme(ws: Workspace, path: Path | None = None) -> ProgrammeCheck:
    """Read the programme (the workspace's, or `path`) and check every row: its problems, sheet, row and column
    named, and the activities that could be read."""
    path = programme_path(ws, path)
    headings, rows, heading_row = read_programme(path)
    programme, problems = programme_from_rows(headings, rows, ws.library().ids(), file=str(path), sheet=SHEET,
                                              heading_row=heading_row)
    return ProgrammeCheck(path, programme, problems)


@dataclass
class MonthProgramme:
    month: dt.date
    checked: ProgrammeCheck
    activities: list[Activity]
    re_audits: list = field(default_factory=list)  # thematic audits whose six-month review scheduled a re-audit now
    not_drawn: list[str] = field(default_factory=list)  # re-audits that could not be drawn (`with_re_audits_drawn`)

    def lines(self) -> list[str]:
        when = month_words(self.month)
        if not self.activities:
            months = ", ".join(month_words(m) for m in self.checked.programme.months()) or "none"
            return [f"The programme has no activities in {when} (its months: {months})."] + self.re_audit_lines()
        n = len(self.activities)
        lines = [f"{when}: {n} activit{'ies' if n != 1 else 'y'} ({self.checked.path.name})"]
        for i, a in enumerate(self.activities, start=1):
            size = "everyone in the cohort" if a.sample_size is None else str(a.sample_size)
            if a.by_category:
                size += " (" + ", ".join(f"{name}: {count}" for name, count in a.by_category) + ")"
            lines += ["", f"{i}. {a.name} ({a.type}), row {a.row}"]
            if a.subject:
                lines.append(f"   Subject: {a.subject}")
            lines += [f"   Cohort: {'; '.join(r.words() for r in a.cohort) or 'any case'}",
                      f"   Sample: {size}",
                      f"   Auditors: {'; '.join(a.auditors.splitlines())}",
                      f"   Form: {a.form or 'none'}",
                      f"   Counts toward the auditor's ten a year: {'Yes' if a.counts_toward_ten else 'No'}"]
        return lines + self.re_audit_lines()

    def re_audit_lines(self) -> list[str]:
        """The re-audits scheduled for the month by thematic audits' six-month reviews."""
        return ["", f"Re-audits scheduled for {month_words(self.month)} (by a six-month review):",
                *(f"  {r.activity}: re-audit of the thematic audit of {month_words(r.month)}" for r in self.re_audits)
                ] if self.re_audits else []


    def with_re_audits_drawn(self) -> tuple[list[Activity], list[str]]:
        """The month's activities with the re-audits scheduled for it: each its thematic audit's activity as the
        programme has it in that audit's month (cohort, sample, auditors, form), drawn again now, unless this month
        has an activity of that name already. And what could not be drawn, in words (the programme no longer has
        the activity in its month)."""
        activities, problems = list(self.activities), []
        names = {name_key(a.name) for a in activities}
        for r in self.re_audits:
            if name_key(r.activity) in names:
                continue
            first = next((a for a in self.checked.programme.of_month(r.month)
                          if name_key(a.name) == name_key(r.activity)), None)
            if first is None:
                problems.append(f"The re-audit of '{r.activity}' ({month_words(r.month)}), scheduled by its six-month "
                                f"review, was not drawn: {self.checked.path.name} no longer has that activity in "
                                f"{month_words(r.month)}.")
                continue
            activities.append(replace(first, month=self.month, re_audit_of=r.month))
            names.add(name_key(r.activity))
        return activities, problems


def programme_month(ws: Workspace, month: dt.date, path: Path | None = None, *,
                    with_re_audits: bool = False) -> MonthProgramme:
    """The month's activities (those that could be read; `checked` has the programme's problems); with
    `with_re_audits`, also the re-audits scheduled for the month (from the register's Key messages entries,
    when the workspace has a register)."""
    checked = check_programme(ws, path)
    shown = MonthProgramme(month.replace(day=1), checked, checked.programme.of_month(month))
    if with_re_audits and Path(ws.register).exists():
        from ..tracker.key_messages import re_audits_in

        with ws.open_register() as reg:
            shown.re_audits = re_audits_in(reg, month)
    return shown
