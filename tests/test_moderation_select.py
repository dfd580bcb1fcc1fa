"""The moderation sample: real forms in a real register, a moderators list in Excel, every rule checked."""
from __future__ import annotations

import datetime as dt
import json
import math

import pytest
from click.testing import CliRunner
from helpers import SAMPLES, SPECS
from moderation_month import SERVICES, Month, spread_month, write_moderators

from auditdocs.allocate.allocation_list import key
from auditdocs.cli import cli
from auditdocs.errors import UserError
from auditdocs.moderation.moderators import HEAD_OF_SERVICE, QA_OFFICER, read_moderators
from auditdocs.moderation.select import choose_sample, may_moderate
from auditdocs.moderation.settings import ModerationSettings
from auditdocs.register import open_register

TODAY = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def spread(tmp_path_factory, library):
    month = Month(tmp_path_factory.mktemp("spread"), library)
    spread_month(month)
    return month


def sample_of(month: Month, library, **options):
    people = read_moderators(month.moderators)
    return choose_sample(month.audits(), library, people.moderators, team_services=people.services_of_team(),
                         month=month.month, today=TODAY, **options), people


def test_the_sample_keeps_every_rule(spread, library):
    sample, people = sample_of(spread, library, settings=ModerationSettings(share=20))
    audits = {a.audit_id: a for a in spread.audits()}
    assert sample.complete == 30 and sample.least == 6
    assert len(sample.chosen) >= math.ceil(0.2 * 30)
    heads = [p for p in people.moderators if p.kind == HEAD_OF_SERVICE]
    given = [c.moderator.name for c in sample.chosen]
    assert sorted(given.count(h.name) for h in heads) == [1] * len(heads)  # each Head of Service: one case
    for c in sample.chosen:
        audit = audits[c.audit_id]
        assert key(c.moderator.name) != key(audit.auditor), "nobody moderates their own audit"
        assert key(c.moderator.service) != key(SERVICES[audit.team]), "nor a case of their own service"
        assert may_moderate(c.moderator, c.candidate)
        assert c.why and c.why_moderator
    inadequate = {a.audit_id for a in audits.values() if a.current.record.answers["overall_grade"] == "inadequate"}
    assert len(inadequate) == 2 and inadequate <= {c.audit_id for c in sample.chosen}
    qa_load = [given.count(p.name) for p in people.moderators if p.kind == QA_OFFICER]
    assert max(qa_load) - min(qa_load) <= 1 and sum(qa_load) == len(sample.chosen) - len(heads)
    assert {c.candidate.team for c in sample.chosen} == set(SERVICES)  # spread over every team
    assert len({c.candidate.auditor for c in sample.chosen}) >= 5


def test_the_same_seed_gives_the_same_sample_and_another_seed_another(spread, library):
    def drawn(seed):
        sample, _ = sample_of(spread, library, seed=seed, settings=ModerationSettings(share=15))
        return [(c.audit_id, c.moderator.name) for c in sample.chosen]

    first = drawn(7)
    assert drawn(7) == first
    assert any(drawn(seed) != first for seed in (8, 9, 10))
    sample, _ = sample_of(spread, library)
    assert sample.seed == 202611  # the month, when no seed is given


def test_more_heads_of_service_than_the_share_adds_cases_for_them(tmp_path, library):
    month = Month(tmp_path, library)
    for i in range(8):
        month.audit(team="Safeguarding Team North" if i % 2 else "Assessment Team 1", auditor="Ann Testworth")
    sample, people = sample_of(month, library, settings=ModerationSettings(always_include=()))
    assert sample.least == 1
    heads = {p.name for p in people.moderators if p.kind == HEAD_OF_SERVICE}
    assert {c.moderator.name for c in sample.chosen} == heads and len(sample.chosen) == len(heads)
    assert sum("Added so that" in c.why[0] for c in sample.chosen) == len(heads) - 1


def test_a_case_no_qa_officer_may_take_goes_to_a_head_of_service(tmp_path, library):
    month = Month(tmp_path, library)
    write_moderators(month.moderators, people=[("Marion Fictionby", "Head of Service", "Assessment Service"),
                                               ("Desmond Testworth", "Head of Service", "Safeguarding Service"),
                                               ("Adaeze Okafor", "QA officer", "Quality Assurance")])
    theirs = month.audit(grade="Inadequate", team="Assessment Team 1", auditor="Adaeze Okafor")
    for _ in range(3):
        month.audit(team="Assessment Team 1", auditor="Ann Testworth")
    sample, _ = sample_of(month, library)
    chosen = {c.audit_id: c.moderator.name for c in sample.chosen}
    assert chosen[theirs] == "Desmond Testworth"  # not the QA officer who did it, not Assessment's Head
    assert sorted(chosen.values()).count("Marion Fictionby") == 0  # every case is from her service
    assert any("Marion Fictionby" in n and "no case to moderate" in n for n in sample.info) and not sample.notes


def test_unknown_teams_and_forms_without_a_moderated_grade_are_left_out_with_a_note(tmp_path, library):
    month = Month(tmp_path, library)
    month.audit(team="Assessment Team 1")
    unknown = month.audit(team="Leaving Care Team")
    adopter = month.audit(form="prospective_adopter_case_file_audit", team="Assessment Team 1")
    month.audit(team="Assessment Team 1", complete=False)
    sample, _ = sample_of(month, library)
    assert sample.complete == 3  # the incomplete one is not yet an audit to moderate
    assert unknown not in {c.audit_id for c in sample.chosen} and adopter not in {c.audit_id for c in sample.chosen}
    assert "Leaving Care Team (1)" in " ".join(sample.notes) and "Teams column" in " ".join(sample.notes)
    assert "Prospective Adopter" in " ".join(sample.info) and "no grade after moderation" in " ".join(sample.info)


def test_the_moderators_list_is_read_like_the_other_lists(tmp_path):
    path = tmp_path / "moderators.csv"
    path.write_text("Moderator,Job title,SERVICE,Email address,Teams\n"
                    "Marion Fictionby,Head of Service,Assessment Service,m@council.example,\"Team A; Team B\"\n"
                    "Jo Norole,,Assessment Service,,\n"
                    "marion  fictionby,QA officer,Quality Assurance,,\n"
                    "Adaeze Okafor,QA Officer,Quality Assurance,,\n", encoding="utf-8")
    people = read_moderators(path)
    assert [(p.name, p.kind) for p in people.moderators] == [("Marion Fictionby", HEAD_OF_SERVICE),
                                                             ("Adaeze Okafor", QA_OFFICER)]
    assert people.moderators[0].teams == ("Team A", "Team B") and people.moderators[0].email == "m@council.example"
    assert [p.row for p in people.problems] == [3, 4]
    assert "no role" in str(people.problems[0]) and "already on row 2" in str(people.problems[1])
    path.write_text("Name,Service\nA,B\n", encoding="utf-8")
    with pytest.raises(UserError, match="no role column"):
        read_moderators(path)
    with pytest.raises(UserError, match="moderators list .* does not exist"):
        read_moderators(tmp_path / "missing.xlsx")


def test_the_sample_moderators_list_covers_the_sample_months_teams(library):
    from auditdocs.allocate.allocation_list import read_allocations

    people = read_moderators(SAMPLES / "moderators.xlsx")
    assert not people.problems
    teams = {a.values.get("team") for a in read_allocations(SAMPLES / "allocations_2026-11.xlsx", library).allocations}
    assert {key(t) for t in teams} <= set(people.services_of_team())
    assert {p.kind for p in people.moderators} >= {HEAD_OF_SERVICE, QA_OFFICER}


def test_settings_from_a_toml_section():
    settings, warnings = ModerationSettings.from_mapping({"share": 12.5, "always_include": ["inadequate",
                                                                                          "outstanding"],
                                                          "sampel": 3}, "auditdocs.toml, [moderation] table")
    assert settings.share == 12.5 and settings.always_include == ("inadequate", "outstanding")
    assert warnings == ["auditdocs.toml, [moderation] table: this version of auditdocs does not know 'sampel'; it is "
                        "ignored (known there: share, always_include, senior_roles)."]
    with pytest.raises(UserError, match=r"\[moderation\] table: share = 0 is not a percentage"):
        ModerationSettings.from_mapping({"share": 0}, "auditdocs.toml, [moderation] table")
    with pytest.raises(UserError, match="always_include must be a list"):
        ModerationSettings.from_mapping({"always_include": "inadequate"}, "auditdocs.toml, [moderation] table")


def run(*args):
    return CliRunner().invoke(cli, ["--specs", str(SPECS), *map(str, args)])


def test_select_command_records_the_sample_and_says_why(spread, library, tmp_path):
    month = Month(tmp_path, library)
    ids = [month.audit(team=t, auditor="Ann Testworth") for t in SERVICES for _ in range(2)]
    base = ["moderation", "select", "--month", "2026-11", "--moderators", month.moderators, "--register",
            month.register]
    dry = run(*base, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "Dry run" in dry.output and not any(a.events for a in month.audits())
    result = run(*base, "--json", tmp_path / "sample.json", "--seed", 3)
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "sample.json").read_text(encoding="utf-8"))
    assert data["seed"] == 3 and data["complete_audits"] == 10 and data["at_least"] == 1
    assert all(s["why"] and s["moderator"]["email"] for s in data["sample"])
    recorded = {a.audit_id: a.events_of("selected_for_moderation") for a in month.audits()}
    chosen = {s["audit_id"]: s["moderator"]["name"] for s in data["sample"]}
    assert {aid: [e.who for e in events] for aid, events in recorded.items() if events} == {
        aid: [name] for aid, name in chosen.items()}
    assert all(aid in result.output for aid in chosen) and "why this audit" in result.output
    for aid in set(ids) - set(chosen):
        assert aid not in result.output
    again = run(*base, "--seed", 4)
    assert again.exit_code == 0 and "was chosen on" in again.output and "--replace" in again.output
    assert sum(len(e) for e in (a.events_of("selected_for_moderation") for a in month.audits())) == len(chosen)
    replaced = run(*base, "--seed", 4, "--replace")
    assert replaced.exit_code == 0, replaced.output
    with open_register(month.register) as reg:
        now = [e for a in reg.audits() for e in a.events_of("selected_for_moderation")]
    assert len(now) == len(data["sample"]) and all(e.details["seed"] == 4 for e in now)


def test_select_command_exits_1_when_something_needs_attention(tmp_path, library):
    month = Month(tmp_path, library)
    month.audit(team="Leaving Care Team")
    month.audit(team="Assessment Team 1")
    result = run("moderation", "select", "--month", "2026-11", "--moderators", month.moderators,
                 "--register", month.register)
    assert result.exit_code == 1, result.output
    assert "Leaving Care Team" in result.output
    missing = run("moderation", "select", "--month", "2026-11", "--moderators", month.moderators,
                  "--register", tmp_path / "nowhere.sqlite")
    assert missing.exit_code == 2 and "there is no register" in missing.output
