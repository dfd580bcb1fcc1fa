"""The moderation use cases called directly, without click (the surface a browser will call): a workspace
over a real register and real returned forms, and each use case's result object."""
from __future__ import annotations

import datetime as dt
import math
import re

import pytest
from helpers import SPECS
from moderation_month import MONTH, Month

from auditdocs.errors import UserError
from auditdocs.moderation.moderators import read_moderators
from auditdocs.moderation.run import (
    PeriodBackwards,
    agreement,
    make_moderator_copies,
    record_dispute,
    select_sample,
)
from auditdocs.register import open_register
from auditdocs.workspace import workspace_without_settings

CHOSEN_ON = dt.date(2026, 12, 2)
RECORDED_AT = dt.datetime(2026, 12, 2, 9, 30)  # the time select_sample records (its `now`)


def workspace(month: Month):
    return workspace_without_settings(month.folder).with_files(specs=SPECS, register=month.register)


@pytest.fixture(scope="module")
def chosen(tmp_path_factory, library):
    """A month of five audits, its sample chosen and recorded by `select_sample`."""
    month = Month(tmp_path_factory.mktemp("month"), library)
    teams = ["Assessment Team 1", "Safeguarding Team North", "Children in Care Team", "Early Help East",
             "Assessment Team 2"]
    ids = [month.audit(grade="Inadequate" if n == 1 else "Good", team=team,
                       auditor=("Ann Testworth", "Bo Fictional")[n % 2]) for n, team in enumerate(teams)]
    people = read_moderators(month.moderators)
    selection = select_sample(workspace(month), month=MONTH, people=people, share=40, seed=7, today=CHOSEN_ON,
                              now=RECORDED_AT)
    return month, ids, people, selection


def test_select_sample_records_who_moderates_what(chosen):
    month, ids, _, selection = chosen
    assert selection.recorded and not selection.dry_run and selection.register == month.register
    sample = selection.sample
    assert len(sample.chosen) >= math.ceil(0.4 * 5) and sample.share == 40 and sample.seed == 7
    assert ids[1] in {c.audit_id for c in sample.chosen}  # every Inadequate audit is moderated
    assert selection.lines() == sample.lines() and selection.lines()[0].startswith("Moderation sample for November")
    events = {a.audit_id: a.events_of("selected_for_moderation") for a in month.audits()}
    recorded = {aid: [(e.on, e.who) for e in found] for aid, found in events.items() if found}
    assert recorded == {c.audit_id: [(CHOSEN_ON, c.moderator.name)] for c in sample.new}
    assert {str(e.recorded) for found in events.values() for e in found} == {str(RECORDED_AT)}  # not the clock


def test_select_sample_again_says_what_is_waiting_and_records_nothing(chosen):
    month, _, people, first = chosen
    before = {a.audit_id: len(a.events) for a in month.audits()}
    again = select_sample(workspace(month), month=MONTH, people=people, today=dt.date(2026, 12, 3))
    assert again.sample is None and not again.recorded and again.notes == []
    assert again.chosen_on == CHOSEN_ON
    assert sorted((w.audit_id, w.moderator) for w in again.waiting) == sorted((c.audit_id, c.moderator.name)
                                                                              for c in first.sample.new)
    lines = again.lines()
    assert lines[0] == "The moderation sample for November 2026 was chosen on 02/12/2026; waiting for moderation:"
    assert lines[-1].startswith("To choose again, add --replace")
    dry = select_sample(workspace(month), month=MONTH, people=people, replace_sample=True, dry_run=True,
                        seed=7, share=40, today=CHOSEN_ON)
    assert dry.sample is not None and dry.dry_run and not dry.recorded
    assert [c.audit_id for c in dry.sample.chosen] == [c.audit_id for c in first.sample.chosen]  # same seed
    assert {a.audit_id: len(a.events) for a in month.audits()} == before  # nothing recorded


def test_make_moderator_copies_writes_a_folder_per_moderator_and_keeps_what_is_there(chosen, tmp_path):
    month, _, _, selection = chosen
    out = tmp_path / "copies"
    made = make_moderator_copies(workspace(month), month=MONTH, out=out, now=dt.datetime(2026, 12, 2, 9, 30))
    new = selection.sample.new
    assert made.made == len(new) and not made.attention and made.warnings == []
    assert sorted(made.files) == sorted(out / c.moderator.name / month.files[c.audit_id].name for c in new)
    assert all(path.is_file() for path in made.files)
    assert {r.plan.audit_id: r.status for r in made.results} == {c.audit_id: "made" for c in new}
    assert made.lines()[-1].startswith(f"{len(new)} cop{'y' if len(new) == 1 else 'ies'} made in {out}")
    again = make_moderator_copies(workspace(month), month=MONTH, out=out)
    assert again.files == [] and {r.status for r in again.results} == {"kept"}
    assert f"  {new[0].audit_id} already there, kept (use --force to replace): " in "\n".join(again.lines())


def test_make_moderator_copies_of_a_month_without_a_sample_says_choose_first(chosen, tmp_path):
    month = chosen[0]
    with pytest.raises(UserError, match=r"no audit of October 2026 is waiting for moderation\. Choose the sample "
                                        r"first: auditdocs moderation select --month 2026-10"):
        make_moderator_copies(workspace(month), month=dt.date(2026, 10, 1), out=tmp_path / "none")
    assert not (tmp_path / "none").exists()


def test_record_dispute_checks_the_senior_manager_and_records_the_event(chosen):
    month, ids, people, _ = chosen
    ws = workspace(month)
    audit = ids[0]  # Assessment Team 1: Assessment Service
    with pytest.raises(UserError, match="Nobody Known is not on the moderators list moderators.xlsx"):
        record_dispute(ws, audit, senior="Nobody Known", people=people)
    with pytest.raises(UserError, match="Marion Fictionby cannot moderate the dispute .* Nothing was recorded"):
        record_dispute(ws, audit, senior="Marion Fictionby", people=people)
    with pytest.raises(UserError, match=re.escape(f"there is no audit AUD-202611-AAAAAAAA in the register {month.register}")):
        record_dispute(ws, "AUD-202611-AAAAAAAA", senior="Rosalind Exampleby", people=people)
    assert month.get(audit).events_of("disputed") == []
    done = record_dispute(ws, f" {audit} ", senior="rosalind exampleby", people=people, outcome="Grade stays Good",
                          reason="The team manager disagrees", today=dt.date(2026, 12, 5))
    assert (done.audit_id, done.senior.name, done.outcome) == (audit, "Rosalind Exampleby", "Grade stays Good")
    assert done.lines() == [f"Recorded: the dispute of {audit} (case {done.case_number}) is moderated by "
                            f"{done.senior.described()}, a senior manager from a service not connected with the "
                            "case. Outcome: Grade stays Good"]
    (event,) = month.get(audit).events_of("disputed")
    assert (event.on, event.who, event.reason, event.details["outcome"]) == (
        dt.date(2026, 12, 5), "Rosalind Exampleby", "The team manager disagrees", "Grade stays Good")


def test_agreement_of_a_month_a_period_and_an_empty_register(chosen, tmp_path):
    month, _, _, selection = chosen
    ws = workspace(month)
    figures = agreement(ws)  # the latest month in the register
    assert (figures.first, figures.last) == (MONTH, MONTH)
    assert figures.selected == len(selection.sample.new) and figures.lines()
    assert agreement(ws, first=dt.date(2026, 10, 1)).as_dict() == agreement(
        ws, first=dt.date(2026, 10, 1), last=MONTH).as_dict()
    with pytest.raises(PeriodBackwards, match="--from is after --to"):
        agreement(ws, first=dt.date(2027, 1, 1))
    empty = tmp_path / "empty.sqlite"
    with open_register(empty, write=True, create=True):
        pass
    with pytest.raises(UserError, match=re.escape(f"the register {empty} has no audits yet")):
        agreement(ws.with_files(register=empty))
