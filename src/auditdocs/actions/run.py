"""`draw_check_sample`: the use case of `auditdocs actions check-sample` (see `actions.plan`)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field as dc_field

from ..errors import UserError
from ..workspace import Workspace
from . import plan


@dataclass
class CheckSample:
    """A month's check sample: drawn now, or as drawn before (`already`), and where earlier checks stand."""

    month: dt.date
    seed: int
    size: int
    sample: list[plan.Drawn]  # the month's audits drawn, in the order drawn
    eligible: int = 0  # audits with an action marked done by the month's end (when drawn now)
    already: bool = False  # the month had been drawn: nothing was drawn now
    replaced: int = 0  # audits of an earlier draw of the month, replaced (--replace)
    again: list[str] = dc_field(default_factory=list)  # audits drawn in another month too (not enough others)
    not_confirmed: list[plan.Check] = dc_field(default_factory=list)  # other months' checks: No or Partly
    so_far: plan.CheckCounts = dc_field(default_factory=lambda: plan.CheckCounts("All teams"))  # other months' checks
    register: str = ""

    @property
    def label(self) -> str:
        return f"{self.month:%B %Y}"

    @property
    def actions(self) -> int:
        return sum(len(d.actions) for d in self.sample)

    @property
    def attention(self) -> bool:
        """Something needs a look: fewer audits than asked, or other months' actions not confirmed."""
        return bool(self.not_confirmed) or (not self.already and len(self.sample) < self.size)

    def notes(self) -> list[str]:
        out = []
        if self.already:
            drawn_on = min((d.event.on for d in self.sample if d.event is not None), default=None)
            out.append(f"The check sample of {self.label} was already drawn"
                       + (f" on {drawn_on:%d/%m/%Y}" if drawn_on else "") + f" (seed {self.sample[0].seed}); "
                       "nothing was drawn now. Give --replace to draw it again (only while none of its actions "
                       "has been checked).")
        elif len(self.sample) < self.size:
            n = self.eligible
            out.append(f"Only {n} audit{'s' * (n != 1)} {'have' if n != 1 else 'has'} an action marked done by the "
                       f"end of {self.label}: all {'of them were' if n != 1 else 'of it was'} drawn "
                       f"({self.size} asked for)." if n else
                       f"No audit has an action marked done by the end of {self.label}: nothing was drawn.")
        if self.replaced:
            out.append(f"The earlier draw of {self.label} ({self.replaced} audit{'s' * (self.replaced != 1)}) was "
                       "replaced.")
        if self.again:
            out.append(f"{len(self.again)} of them {'were' if len(self.again) != 1 else 'was'} drawn for another "
                       "month's check too: there were not enough others.")
        return out

    def lines(self) -> list[str]:
        """What the command prints: the sample, the notes, then the earlier checks that need a look."""
        done = "Drawn" if not self.already else "Drawn before"
        lines = [f"Action check sample for {self.label}: {len(self.sample)} audit{'s' * (len(self.sample) != 1)}, "
                 f"{self.actions} action{'s' * (self.actions != 1)} marked done to confirm (seed {self.seed})."]
        if self.sample:
            lines.append(f"  {done}:")
            shown = [(d.audit.audit_id, f"case {plan.subject_of(d.audit).get('case_number') or '-'}",
                      plan.team_of(d.audit) or "(no team)", f"{len(d.actions)} action{'s' * (len(d.actions) != 1)}")
                     for d in self.sample]
            widths = [max(len(row[i]) for row in shown) for i in range(3)]
            lines += ["  " + "  ".join([*(v.ljust(w) for v, w in zip(row, widths)), row[3]]) for row in shown]
        lines += [f"Note: {note}" for note in self.notes()]
        if self.sample and not self.already:
            lines.append("Run 'auditdocs consolidate' to put them on the tracker's Action checks sheet, where the QA "
                         "officer records whether each was really done.")
        if self.so_far.drawn:
            lines.append(f"Other months' checks: {self.so_far.line()}.")
        for c in self.not_confirmed:
            what = "not confirmed" if c.answer == plan.NO else "partly done"
            lines.append(f"  {c.action_id} ({plan.month_label(c.month)} check, {c.team or 'no team'}): {what}")
        return lines


def draw_check_sample(ws: Workspace, *, month: dt.date, seed: int = 0, size: int = plan.SIZE, replace: bool = False,
                      today: dt.date | None = None) -> CheckSample:
    """Draw the month's check sample (`plan.draw`) and record it in the register; a month already drawn is shown
    as it was drawn, unless `replace` (refused once one of its actions has been checked: the register holds the
    Action checks sheet's entries as of the last consolidate). Raises UserError for a register that cannot be
    used, and when a draw cannot be replaced."""
    today = today or dt.date.today()
    key = plan.month_key(month)
    with ws.open_register(write=True) as reg:
        audits = reg.audits(summaries=True)
        cells = reg.tracker_columns(plan.SHEET.name)
        earlier = plan.drawn(audits).get(key, [])
        replaced = 0
        if earlier and not replace:
            result = CheckSample(month, earlier[0].seed, size, earlier, already=True)
        else:
            if earlier:
                checked = [c for c in plan.checks(audits, cells) if c.month == key and c.typed_answer]
                if checked:
                    raise UserError(
                        f"the check sample of {month:%B %Y} cannot be drawn again: {len(checked)} of its actions "
                        f"{'have' if len(checked) != 1 else 'has'} been checked already (Confirmed on the Action "
                        f"checks sheet of the tracker). Nothing was changed.")
                reg.delete_events(d.event.id for d in earlier)
                replaced = len(earlier)
                audits = reg.audits(summaries=True)
            new = plan.draw(audits, month, seed=seed, size=size)
            reg.record_events(new.events(today))
            result = CheckSample(month, seed, size, new.picked, new.eligible, replaced=replaced, again=new.again)
            audits = reg.audits(summaries=True)
        found = [c for c in plan.checks(audits, cells) if c.month != key]
        result.not_confirmed = [c for c in found if c.answer in (plan.NO, plan.PARTLY)]
        result.so_far = plan.counts(found)[1]
        result.register = str(reg.path)
    return result


def checks_line(ws: Workspace, audits) -> str | None:
    """'Action checks: N actions checked, M not confirmed…' of every check the register holds (None when it holds
    none), for `auditdocs status`; `audits`: the register's audits, already read."""
    with ws.open_register() as reg:
        cells = reg.tracker_columns(plan.SHEET.name)
    found = plan.checks(audits, cells)
    return f"Action checks: {plan.counts(found)[1].line()}." if found else None
