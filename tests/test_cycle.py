"""Where each audit stands: every state and deadline of the cycle, told through a real register file.

Each test allocates audits, has forms come back and things happen (recorded in a register in
tmp_path, as the commands will), reads the register back and asks `cycle.standings`.
Dates around Christmas and Easter check that bank holidays are not working days.
"""
from __future__ import annotations

import datetime as dt

import pytest
from tracker_records import make_record

from auditdocs.domain import cycle
from auditdocs.domain import model as m
from auditdocs.register import SeenFile, audit_from_allocation, open_register

NOV, DEC = dt.date(2026, 11, 1), dt.date(2026, 12, 1)


class Story:
    """A QA team's month through the register: allocate, forms come back, events; then standings."""

    def __init__(self, path, library):
        self.path, self.library = path, library
        self.spec = library.get("csc_case_file_audit")
        self.subjects: dict[str, dict] = {}

    def _writing(self):
        return open_register(self.path, write=True, create=True)

    def allocate(self, month=NOV, case="9901001", auditor="Ann Testworth", *, role="", due=None,
                 re_audit_of="") -> str:
        audit_id = f"AUD-{month:%Y%m}-{case}{len(self.subjects):02d}"
        values = {"family_name": "Testworth", "given_names": "Amelia", "case_number": case,
                  "social_worker": "Sam Fictionby", "team_manager": "Terry Madeupson", "team": "Team North",
                  "audit_type": "Control sample", "auditor": auditor,
                  "due_date": (due or cycle.due_date(m.RegisteredAudit("", "", month=month))).isoformat()}
        self.subjects[audit_id] = values
        allocation = m.Allocation(self.spec.id, values, len(self.subjects) + 1, audit_id)
        with self._writing() as reg:
            reg.record_audits([audit_from_allocation(self.spec, allocation, auditor_role=role,
                                                     re_audit_of=re_audit_of)])
        return audit_id

    def comes_back(self, audit_id, on: dt.date, *, incomplete=False, grade="Good", moderated=None,
                   finalised: dt.date | None = None):
        record = make_record(self.library, grade=grade, moderated=moderated, actions=[],
                             audit_date=(finalised or on).isoformat(), modified=on.isoformat())
        record.audit_id, record.subject = audit_id, dict(self.subjects[audit_id])
        if incomplete:
            del record.answers["kss1_seen_alone"]
            record.status, record.problems = "incomplete", [m.Problem("kss1_seen_alone", "1.1 Answer: not answered.")]
        content = f"{audit_id} {on} {grade} {moderated} {incomplete}"
        with self._writing() as reg:
            reg.record_returns(self.path.parent / "returned", [SeenFile(f"{audit_id} {on}.docx", content, record)],
                               now=dt.datetime.combine(on, dt.time(9)))

    def happens(self, kind, audit_id, on: dt.date, **details):
        with self._writing() as reg:
            reg.record_events([m.Event(kind, on, audit_id, **details)])

    def actions(self, audit_id, *required: str):
        with self._writing() as reg:
            reg.record_actions(m.TrackedAction(f"{audit_id}-A{n}", audit_id, "actions", n, f"Action {n}",
                                               {"action": f"Action {n}", "required_date": day})
                               for n, day in enumerate(required, start=1))

    def action_status(self, action_id, status, on=None):
        with self._writing() as reg:
            reg.set_action_status(action_id, status, on)

    def standings(self, today: dt.date) -> dict[str, cycle.Standing]:
        with open_register(self.path) as reg:
            return cycle.standings(reg.audits(), self.library, today)

    def standing(self, audit_id, today: dt.date) -> cycle.Standing:
        return self.standings(today)[audit_id]


@pytest.fixture
def story(tmp_path, library):
    return Story(tmp_path / "register.sqlite", library)


def kinds(standing: cycle.Standing) -> list[str]:
    return [s.kind for s in standing.steps]


# ---- allocated, due, overdue -------------------------------------------------------------------


def test_allocated_until_the_last_calendar_day_of_the_month_then_overdue(story):
    aid = story.allocate(NOV)
    on_the_day = story.standing(aid, dt.date(2026, 11, 30))
    assert on_the_day.state == cycle.ALLOCATED and not on_the_day.overdue
    assert on_the_day.next_deadline == dt.date(2026, 11, 30)
    assert on_the_day.next_step.who == "Ann Testworth" and on_the_day.next_step.kind == "return"
    after = story.standing(aid, dt.date(2026, 12, 1))
    assert after.state == cycle.OVERDUE and after.overdue


def test_a_due_date_given_in_the_allocation_list_is_kept(story):
    aid = story.allocate(NOV, due=dt.date(2026, 11, 20))
    assert story.standing(aid, dt.date(2026, 11, 21)).state == cycle.OVERDUE


def test_returned_after_the_due_date_is_late(story):
    late, on_time = story.allocate(NOV, case="9901001"), story.allocate(NOV, case="9901002")
    story.comes_back(late, dt.date(2026, 12, 2))
    story.comes_back(on_time, dt.date(2026, 11, 30))
    states = story.standings(dt.date(2026, 12, 3))
    assert states[late].returned_late and states[late].returned_on == dt.date(2026, 12, 2)
    assert not states[on_time].returned_late


# ---- incomplete, sent back, amended --------------------------------------------------------------


def test_incomplete_sent_back_over_christmas_and_amended(story):
    aid = story.allocate(DEC)
    story.comes_back(aid, dt.date(2026, 12, 22), incomplete=True)
    waiting = story.standing(aid, dt.date(2026, 12, 23))
    assert waiting.state == cycle.TO_SEND_BACK
    assert waiting.next_step.who == "QA officer" and waiting.next_deadline is None  # as soon as possible

    story.happens("sent_back", aid, dt.date(2026, 12, 24))  # Thursday; 25, 26 (and Monday 28) are bank holidays
    sent = story.standing(aid, dt.date(2026, 12, 29))
    assert sent.state == cycle.SENT_BACK
    assert sent.next_deadline == dt.date(2026, 12, 31) and sent.next_step.who == "Ann Testworth"
    assert not sent.overdue
    assert story.standing(aid, dt.date(2027, 1, 4)).overdue  # not amended in time

    story.comes_back(aid, dt.date(2026, 12, 30), finalised=dt.date(2026, 12, 30))
    amended = story.standing(aid, dt.date(2026, 12, 31))
    assert amended.state == cycle.OVERSIGHT_DUE
    assert amended.returned_on == dt.date(2026, 12, 22) and not amended.returned_late  # first came back in time
    assert amended.finalised == dt.date(2026, 12, 30)


def test_sent_back_before_easter_is_amended_after_it(story):
    aid = story.allocate(dt.date(2026, 3, 1))
    story.comes_back(aid, dt.date(2026, 3, 31), incomplete=True)
    story.happens("sent_back", aid, dt.date(2026, 4, 2))  # Good Friday 3 April, Easter Monday 6 April
    assert story.standing(aid, dt.date(2026, 4, 2)).next_deadline == dt.date(2026, 4, 9)


def test_an_amendment_still_incomplete_goes_back_to_the_qa_officer(story):
    aid = story.allocate(NOV)
    story.comes_back(aid, dt.date(2026, 11, 25), incomplete=True)
    story.happens("sent_back", aid, dt.date(2026, 11, 26))
    story.comes_back(aid, dt.date(2026, 11, 27), incomplete=True, grade="Requires Improvement")
    assert story.standing(aid, dt.date(2026, 11, 27)).state == cycle.TO_SEND_BACK


# ---- finalised, management oversight, actions -----------------------------------------------------


@pytest.mark.parametrize("finalised, due", [
    (dt.date(2026, 12, 18), dt.date(2027, 1, 6)),  # Christmas, Boxing Day (Monday 28) and New Year's Day
    (dt.date(2027, 3, 25), dt.date(2027, 4, 12)),  # Good Friday and Easter Monday 2027
    (dt.date(2026, 11, 20), dt.date(2026, 12, 4)),  # no bank holiday: two weeks
])
def test_management_oversight_is_due_ten_working_days_after_the_audit_was_finalised(story, finalised, due):
    aid = story.allocate(finalised.replace(day=1))
    story.comes_back(aid, finalised)
    standing = story.standing(aid, finalised)
    assert standing.state == cycle.OVERSIGHT_DUE
    assert standing.next_deadline == due and standing.next_step.who == "Terry Madeupson"
    assert not story.standing(aid, due).overdue and story.standing(aid, due + dt.timedelta(days=1)).overdue


def test_finalised_is_the_audit_date_on_the_form(story):
    aid = story.allocate(NOV)
    story.comes_back(aid, dt.date(2026, 11, 27), finalised=dt.date(2026, 11, 20))
    assert story.standing(aid, dt.date(2026, 11, 27)).next_deadline == dt.date(2026, 12, 4)


def test_in_drafts_until_the_team_manager_confirms_every_action_done(story):
    aid = story.allocate(NOV)
    story.comes_back(aid, dt.date(2026, 11, 20))
    story.actions(aid, "2027-01-15", "2026-12-15", "2026-12-01")
    assert kinds(story.standing(aid, dt.date(2026, 11, 21))) == ["actions", "oversight"]  # soonest first
    story.happens("oversight_recorded", aid, dt.date(2026, 11, 30))
    drafts = story.standing(aid, dt.date(2026, 12, 2))
    assert drafts.state == cycle.IN_DRAFTS and drafts.next_step.kind == "actions"
    assert drafts.next_deadline == dt.date(2026, 12, 1) and drafts.overdue
    assert drafts.next_step.what == "Confirm the 3 open actions done"

    story.action_status(f"{aid}-A3", "Done", dt.date(2026, 12, 1))
    story.action_status(f"{aid}-A2", "No longer needed")
    story.action_status(f"{aid}-A1", "In progress")
    assert story.standing(aid, dt.date(2026, 12, 2)).next_deadline == dt.date(2027, 1, 15)
    story.action_status(f"{aid}-A1", "Done", dt.date(2026, 12, 20))
    closed = story.standing(aid, dt.date(2026, 12, 21))
    assert closed.state == cycle.CLOSED and closed.steps == () and not closed.overdue


def test_an_action_taken_off_the_form_does_not_keep_the_audit_in_drafts(story):
    aid = story.allocate(NOV)
    story.comes_back(aid, dt.date(2026, 11, 20))
    story.happens("oversight_recorded", aid, dt.date(2026, 11, 30))
    with open_register(story.path, write=True) as reg:
        reg.record_actions([m.TrackedAction(f"{aid}-A1", aid, "actions", 1, "Old action", on_form=False)])
    assert story.standing(aid, dt.date(2026, 12, 1)).state == cycle.CLOSED


# ---- Inadequate: meetings, review, re-audit, again ---------------------------------------------------


def test_an_inadequate_audit_and_its_re_audit(story):
    first = story.allocate(NOV)
    story.comes_back(first, dt.date(2026, 11, 20), grade="Inadequate")
    standing = story.standing(first, dt.date(2026, 11, 21))
    assert standing.grade.value == cycle.INADEQUATE
    assert kinds(standing) == ["meeting", "oversight", "review_meeting", "re_audit"]
    due = {s.kind: s.due for s in standing.steps}
    assert due["meeting"] is None  # as soon as possible
    assert due["review_meeting"] == dt.date(2026, 12, 18)  # 4 weeks
    assert due["re_audit"] == dt.date(2027, 1, 20)  # 2 months
    assert standing.steps[-1].who == "QA officer"  # nothing allocated yet

    story.happens("oversight_recorded", first, dt.date(2026, 11, 25))
    story.happens("inadequate_meeting", first, dt.date(2026, 11, 26), who="Gill Notreal")
    story.happens("review_meeting", first, dt.date(2026, 12, 17))
    follow_up = story.standing(first, dt.date(2026, 12, 18))
    assert follow_up.state == cycle.FOLLOW_UP and kinds(follow_up) == ["re_audit"]

    again = story.allocate(dt.date(2027, 1, 1), auditor="Bo Inventwell")
    linked = story.standings(dt.date(2027, 1, 5))
    assert linked[first].re_audit == again and linked[again].re_audit_of == first
    assert linked[first].next_step.who == "Bo Inventwell"
    assert story.standing(first, dt.date(2027, 1, 21)).overdue  # re-audit not back within 2 months

    story.comes_back(again, dt.date(2027, 1, 15), grade="Requires Improvement")
    done = story.standings(dt.date(2027, 1, 16))
    assert done[first].state == cycle.CLOSED
    assert "head_of_service_meeting" not in kinds(done[again]) and "re_audit" not in kinds(done[again])


def test_a_second_inadequate_brings_in_the_head_of_service_until_the_case_is_no_longer_inadequate(story):
    first = story.allocate(NOV)
    story.comes_back(first, dt.date(2026, 11, 20), grade="Inadequate")
    second = story.allocate(dt.date(2027, 1, 1))
    story.comes_back(second, dt.date(2027, 1, 18), grade="Inadequate")
    states = story.standings(dt.date(2027, 1, 19))
    assert "re_audit" not in kinds(states[first])  # its re-audit came back
    assert kinds(states[second])[:2] == ["head_of_service_meeting", "meeting"]
    assert {s.kind: s.due for s in states[second].steps}["re_audit"] == dt.date(2027, 3, 18)
    assert first in states[second].steps[0].what

    story.happens("head_of_service_meeting", second, dt.date(2027, 1, 25), who="Hal Pretendon")
    third = story.allocate(dt.date(2027, 3, 1))
    story.comes_back(third, dt.date(2027, 3, 10), grade="Good")
    states = story.standings(dt.date(2027, 3, 11))
    assert states[third].re_audit_of == second and states[second].re_audit == third
    assert "head_of_service_meeting" not in kinds(states[second])
    assert not {"meeting", "review_meeting", "re_audit", "head_of_service_meeting"} & set(kinds(states[third]))


def test_a_re_audit_named_in_the_allocation_is_the_one_linked(story):
    first = story.allocate(NOV)
    story.comes_back(first, dt.date(2026, 11, 20), grade="Inadequate")
    thematic = story.allocate(DEC)  # the same case in a dip sample: not the re-audit
    re_audit = story.allocate(DEC, auditor="Bo Inventwell", re_audit_of=first)
    states = story.standings(dt.date(2026, 12, 2))
    assert states[first].re_audit == re_audit and states[thematic].re_audit_of == ""


def test_the_grade_after_moderation_wins_over_the_overall_grade(story):
    moderated_up = story.allocate(NOV, case="9901001")
    story.comes_back(moderated_up, dt.date(2026, 11, 20), grade="Inadequate", moderated="Requires Improvement")
    moderated_down = story.allocate(NOV, case="9901002")
    story.comes_back(moderated_down, dt.date(2026, 11, 20), grade="Good", moderated="Inadequate")
    states = story.standings(dt.date(2026, 11, 21))
    assert states[moderated_up].grade.value == "requires_improvement" and "meeting" not in kinds(states[moderated_up])
    assert states[moderated_down].grade.value == cycle.INADEQUATE and "meeting" in kinds(states[moderated_down])


def test_a_record_holding_the_scale_value_is_graded_the_same_as_one_holding_the_label(library):
    spec = library.get("csc_case_file_audit")
    by_label = make_record(library, grade="Inadequate")
    by_value = make_record(library, grade="inadequate")
    assert cycle.final_grade(spec, by_label) == cycle.final_grade(spec, by_value) == spec.scales["overall_grade"].option(
        "inadequate")


# ---- exempted, cancelled, reallocated -----------------------------------------------------------------


def test_an_exemption_agreed_by_the_assistant_director(story):
    aid = story.allocate(NOV)
    story.happens("exempted", aid, dt.date(2026, 11, 5), agreed_by="Ada Fictionby", agreed_role="Assistant Director",
                  reason="Long-term sick leave")
    standing = story.standing(aid, dt.date(2026, 12, 5))
    assert standing.state == cycle.EXEMPTED and not standing.overdue and standing.problems == ()
    assert standing.next_step.kind == "reallocate"


@pytest.mark.parametrize("role, agreed_by, agreed_role, problem", [
    ("", "Terry Madeupson", "Team manager", "only the Assistant Director"),
    ("", "", "", "does not say who agreed"),
    ("QA officer", "Ada Fictionby", "Assistant Director", "only the Strategic Lead"),
])
def test_an_exemption_without_a_valid_agreeing_role_counts_as_not_completed(story, role, agreed_by, agreed_role,
                                                                            problem):
    aid = story.allocate(NOV, role=role)
    story.happens("exempted", aid, dt.date(2026, 11, 5), agreed_by=agreed_by, agreed_role=agreed_role)
    standing = story.standing(aid, dt.date(2026, 12, 1))
    assert standing.state == cycle.OVERDUE
    assert len(standing.problems) == 1 and problem in standing.problems[0]


def test_a_qa_auditors_exemption_is_agreed_by_the_strategic_lead(story):
    aid = story.allocate(NOV, role="QA officer")
    story.happens("exempted", aid, dt.date(2026, 11, 5), agreed_by="Sol Notreal",
                  agreed_role="Strategic Lead for Improvement, Performance and Quality")
    assert story.standing(aid, dt.date(2026, 12, 1)).state == cycle.EXEMPTED


def test_cancelled_only_with_who_agreed_and_why(story):
    without_reason, cancelled = story.allocate(NOV, case="9901001"), story.allocate(NOV, case="9901002")
    story.happens("cancelled", without_reason, dt.date(2026, 11, 5), agreed_by="Ada Fictionby")
    story.happens("cancelled", cancelled, dt.date(2026, 11, 5), agreed_by="Ada Fictionby",
                  reason="The case closed before the audit")
    states = story.standings(dt.date(2026, 12, 1))
    assert states[without_reason].state == cycle.OVERDUE and "does not say why" in states[without_reason].problems[0]
    assert states[cancelled].state == cycle.CANCELLED and states[cancelled].steps == ()


def test_a_reallocated_audit_hands_over_to_the_new_one(story):
    old = story.allocate(NOV)
    story.happens("exempted", old, dt.date(2026, 11, 3), agreed_by="Ada Fictionby", agreed_role="Assistant Director")
    new = story.allocate(NOV, auditor="Bo Inventwell")
    story.happens("reallocated", old, dt.date(2026, 11, 4), details={"to": "Bo Inventwell", "new_audit_id": new})
    states = story.standings(dt.date(2026, 11, 10))
    assert states[old].state == cycle.REALLOCATED and states[new].state == cycle.ALLOCATED
    with open_register(story.path) as reg:
        assert not cycle.counts_towards_load(reg.audit(old)) and cycle.counts_towards_load(reg.audit(new))


# ---- what the QA officer should know -------------------------------------------------------------------


def test_a_form_in_no_allocation_is_followed_and_said_so(story, library):
    record = make_record(library, case="9901009")
    with open_register(story.path, write=True, create=True) as reg:
        reg.record_returns(story.path.parent, [SeenFile("9901009.docx", "content", record)],
                           now=dt.datetime(2026, 1, 21, 9))
    standing = story.standing(record.audit_id, dt.date(2026, 1, 22))
    assert standing.state == cycle.OVERSIGHT_DUE and "in no allocation" in standing.problems[0]


def test_only_an_unreadable_file_back_is_returned_but_unreadable(story, library):
    aid = story.allocate(NOV)
    broken = m.AuditRecord(file="x.docx", status="unreadable", audit_id=aid, problems=[m.Problem("", "damaged")])
    with open_register(story.path, write=True) as reg:
        reg.record_returns(story.path.parent, [SeenFile("x.docx", "broken", broken)])
    standing = story.standing(aid, dt.date(2026, 11, 20))
    assert standing.state == cycle.UNREADABLE and "could not be read" in standing.problems[0]
    assert standing.next_step.who == "QA officer" and standing.next_step.what.startswith("Ask ")
    assert "x.docx is unreadable: damaged" in standing.next_step.what and standing.finalised is None


# ---- audit years ------------------------------------------------------------------------------------------


def test_audit_years_start_in_april_unless_the_workspace_says_otherwise():
    assert cycle.audit_year(dt.date(2026, 4, 1)) == 2026 and cycle.audit_year(dt.date(2027, 3, 31)) == 2026
    assert cycle.audit_year_months(2026) == (dt.date(2026, 4, 1), dt.date(2027, 3, 1))
    assert cycle.audit_year(dt.date(2027, 3, 31), start_month=1) == 2027
    assert cycle.audit_year_months(2026, start_month=9) == (dt.date(2026, 9, 1), dt.date(2027, 8, 1))


def test_an_audit_whose_form_spec_is_missing_is_still_followed_and_said_so(story):
    retired = m.RegisteredAudit("AUD-202611-RETIRED1", "retired_form", 3, {"case_number": "9901001"},
                                month=NOV, source="manifest")
    with open_register(story.path, write=True, create=True) as reg:
        reg.record_audits([retired])
    standing = story.standing(retired.audit_id, dt.date(2026, 12, 1))
    assert standing.state == cycle.OVERDUE and standing.next_deadline == dt.date(2026, 11, 30)
    assert "no form spec 'retired_form' version 3" in standing.problems[0]
