"""The month at a glance and what to chase, as use cases: each reads the register once (`plan` decides).

`month_status(ws, ...)` is `auditdocs status`; `chase_letters(ws, ...)` is `auditdocs chase`. Both take the
workspace, read its register in one transaction, work out where every audit stands on `today` and return what
a front end shows; the files they write (the month as JSON, the letters, the e-mail drafts) are in `files`.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import TYPE_CHECKING

from .. import naming
from ..actions.run import checks_line
from ..domain import cycle
from ..domain import model as m
from ..errors import UserError
from ..files import write_atomic
from ..learning.log import chase_letters as log_letters
from ..learning.log_run import the_log
from ..tracker import key_messages
from ..workspace import Workspace
from . import plan

if TYPE_CHECKING:
    from ..share.email import Drafts

NO_AUDITS_YET = ("no audits yet: allocate or generate first ('auditdocs allocate' or 'auditdocs generate' records the "
                 "month's audits in the register).")


@dataclass
class Standings:
    """Every audit of the register and where each stands on `today`, with the month looked at."""

    audits: list[m.RegisteredAudit]
    standings: dict[str, cycle.Standing]
    month: dt.date
    today: dt.date
    reviews: list[cycle.ActivityReview] = dc_field(default_factory=list)  # thematic audits' six-month reviews
    learning_log: list[m.LearningAction] = dc_field(default_factory=list)  # as it stands (the tracker's entries)


def standings(ws: Workspace, month: dt.date | None = None, today: dt.date | None = None) -> Standings:
    """Where every audit of the register stands on `today` (default: the clock's), and the month to show:
    `month`, else this month if it has audits, else the latest one begun. A workspace whose own register
    is not made yet has no audits yet (a UserError says how to begin)."""
    if ws.settings_file is not None and "register" not in ws.given and not ws.register.exists():
        raise UserError(NO_AUDITS_YET)
    library = ws.library()
    with ws.open_register() as reg:
        audits, months = reg.audits(summaries=True), reg.months()  # what the rules read of each record
        reviews = key_messages.reviews(audits, reg.tracker_columns(key_messages.SHEET))
        learning_log = the_log(reg)
    today = today or dt.date.today()
    month = month or plan.default_month(months, today)
    if month is None:
        raise UserError(NO_AUDITS_YET)
    return Standings(audits, cycle.standings(audits, library, today), month, today, reviews, learning_log)


# ---- status --------------------------------------------------------------------------------------


@dataclass
class MonthStatus:
    """The month at a glance (`glance.text()` for a person, `glance.as_json()` for a program), and the JSON
    file written, if one was asked for."""

    glance: plan.MonthAtAGlance
    json_file: Path | None = None
    files: list[Path] = dc_field(default_factory=list)
    action_checks: str | None = None  # where the checks that actions marked done were done stand (actions.run)

    @property
    def overdue(self) -> bool:
        """Something is overdue (the command line exits 1)."""
        return bool(self.glance.overdue()) or any(r.late(self.glance.today) for r in self.glance.reviews)

    def lines(self) -> list[str]:
        """What `auditdocs status` prints."""
        return [self.glance.text(), *([f"\n{self.action_checks}"] if self.action_checks else []),
                *([f"\nWritten to {self.json_file}."] if self.json_file else [])]


def month_status(ws: Workspace, *, month: dt.date | None = None, today: dt.date | None = None,
                 json_file: Path | None = None, activity: str | None = None) -> MonthStatus:
    """The month at a glance on `today`: how many audits are in each state, per activity (when there are others
    than the control sample), per auditor and per team, the managers' dip samples, and what is overdue or due
    within the week. Without `month`, of every month (whatever month an audit was allocated in) for the month
    this is, else the latest with audits. `activity`: only that activity's audits (its name, or an activity
    type; a UserError with "did you mean" when no audit has it). `json_file`: also the month as JSON there."""
    found = standings(ws, month, today)
    glance = plan.month_at_a_glance(found.audits, found.standings, ws.library(), found.month, found.today,
                                    every_month=month is None, reviews=found.reviews, activity=activity)
    done = MonthStatus(glance, json_file, action_checks=checks_line(ws, found.audits))
    if json_file:
        done.files.append(write_atomic(json_file, json.dumps(glance.as_json(), ensure_ascii=False, indent=2) + "\n",
                                       private=True))
    return done


# ---- chase ---------------------------------------------------------------------------------------


@dataclass
class Chased:
    """The letters (one per auditor, one per team manager), and the files written of them."""

    month: dt.date
    today: dt.date
    letters: list[plan.Letter]
    out: Path | None = None
    letter_files: list[Path] = dc_field(default_factory=list)
    drafts: Drafts | None = None  # when e-mail drafts were asked for
    warnings: list[str] = dc_field(default_factory=list)

    @property
    def text(self) -> str:
        """Every letter, ready to read (or that there is nothing to chase)."""
        return plan.chase_text(self.letters, self.month)

    @property
    def overdue(self) -> bool:
        """Something a letter lists is overdue (the command line exits 1)."""
        return any(letter.overdue for letter in self.letters)

    @property
    def files(self) -> list[Path]:
        return self.letter_files + (list(self.drafts.paths) if self.drafts is not None else [])

    @property
    def written(self) -> str:
        """How many letters were written to their own files, and where ('': none was)."""
        n = len(self.letter_files)
        return f"{n} letter{'s' * (n != 1)} written to {self.out}." if n else ""


def chase_letters(ws: Workspace, *, month: dt.date | None = None, today: dt.date | None = None,
                  out: Path | None = None, eml: bool = False, auditors: Path | None = None,
                  now: dt.datetime | None = None, activity: str | None = None) -> Chased:
    """What to chase on `today`: one letter per auditor and one per team manager, for the audits of `month`
    (default as `month_status`) and of the months before it that still need something. `out`: each letter
    also written to a text file of its own in that folder; with `eml` and `auditors` (the auditors list, whose
    E-mail column addresses them), an e-mail draft per letter there too (nothing is sent). Each letter names the
    activity of its audits where its person has audits of an activity besides the control sample; the managers
    whose own dip samples are not returned get a letter of their own. `activity`: only that activity's audits
    (as `month_status`)."""
    if eml and not (out and auditors):
        raise ValueError("e-mail drafts need the folder for them (out) and the auditors list (auditors)")
    found = standings(ws, month, today)
    audits, shown = plan.of_activity(found.audits, activity)
    reviews = [r for r in found.reviews if shown is None or r.activity == shown]
    letters = plan.chase_letters(audits, found.standings, ws.library(), found.month, found.today, reviews=reviews)
    if shown is None:
        letters += log_letters(found.learning_log, found.today)  # overdue actions of the learning log
    done = Chased(found.month, found.today, letters, out)
    if out and letters:
        for letter in letters:
            name = naming.fit_name(Path(out), f"{naming.safe_name(letter.to or 'no one named', 80)} ({letter.role}).txt",
                                   (f" ({letter.role})",))  # short enough for Windows
            done.letter_files.append(write_atomic(Path(out) / name, letter.text + "\n", private=True))
    if eml and letters:
        from ..share.email import addresses, letter_drafts

        done.drafts = letter_drafts(letters, addresses(auditors, ws.settings("allocation"), found.month), Path(out),
                                    found.today, ws.settings("email"), now=now)
        done.warnings += done.drafts.warnings
    return done
