"""Agreement figures: a hand-worked example, statsmodels as the reference for kappa, the edge cases,
the three voices of the Audit & Moderation Tool, and disputes."""
from __future__ import annotations

import datetime as dt
import json
import random
from fractions import Fraction

import pytest
from click.testing import CliRunner
from helpers import SPECS
from moderation_month import Month, write_moderators
from statsmodels.stats.inter_rater import cohens_kappa

from auditdocs.cli import cli
from auditdocs.domain import model as m
from auditdocs.moderation.agreement import (
    grade_agreement,
    moderation_agreement,
    weighted_kappa,
)
from auditdocs.moderation.forms import moderator_copy
from auditdocs.register import open_register

NOV = dt.date(2026, 11, 1)


def run(*args):
    return CliRunner().invoke(cli, ["--specs", str(SPECS), *map(str, args)])


@pytest.fixture
def grade(library):
    return library.get("audit_moderation_ascincp").scales["grade"]  # Outstanding, Good, RI, Inadequate


def pairs(scale, *spec):
    """(auditor label, moderator label, how many) -> pairs of options."""
    out = []
    for first, second, times in spec:
        out += [(scale.by_label(first), scale.by_label(second))] * times
    return out


def test_agreement_figures_match_a_hand_worked_example(grade):
    # Ten audits, auditor's grade (rows) against the grade after moderation (columns):
    #               O  G  RI  I
    #   Outstanding 1  1  0   0
    #   Good        0  4  1   0
    #   RI          0  1  2   0
    # Exact: 7 of 10 = 70%. Within one grade: all 10 = 100%. After moderation higher (up): 1 (RI -> G);
    # lower (down): 2 (O -> G, G -> RI). Linear weights, 4 grades: 1, 2/3, 1/3, 0 by distance.
    # Observed weighted agreement: (7 x 1 + 3 x 2/3) / 10 = 9/10.
    # Row totals 2, 5, 3, 0; column totals 1, 6, 3, 0. Expected by chance, sum of w x row x column / 100:
    #   O row: 2x1x1 + 2x6x2/3 + 2x3x1/3 = 2 + 8 + 2 = 12
    #   G row: 5x1x2/3 + 5x6x1 + 5x3x2/3 = 10/3 + 30 + 10 = 43 1/3
    #   RI row: 3x1x1/3 + 3x6x2/3 + 3x3x1 = 1 + 12 + 9 = 22          -> 77 1/3 / 100 = 58/75
    # Kappa = (9/10 - 58/75) / (1 - 58/75) = (19/150) / (17/75) = 19/34.
    g = grade_agreement(pairs(grade, ("Outstanding", "Outstanding", 1), ("Outstanding", "Good", 1),
                              ("Good", "Good", 4), ("Good", "Requires Improvement", 1),
                              ("Requires Improvement", "Good", 1), ("Requires Improvement", "Requires Improvement", 2)),
                        grade, "Auditor", "After moderation")
    assert g.table == ((1, 1, 0, 0), (0, 4, 1, 0), (0, 1, 2, 0), (0, 0, 0, 0))
    assert (g.n, g.exact_pct, g.within_one_pct, g.up, g.down, g.same) == (10, 70, 100, 1, 2, 7)
    assert g.kappa == pytest.approx(float(Fraction(19, 34)), abs=1e-12)
    assert g.kappa_low < g.kappa < g.kappa_high <= 1
    assert "Kappa 0.56" in g.note and "moderate agreement" in g.note and "wide" in g.note


def test_kappa_and_its_interval_agree_with_statsmodels():
    rng = random.Random(13)
    for _ in range(25):
        k = rng.choice([3, 4, 5])
        table = [[rng.randint(0, 9) if abs(i - j) <= 1 else rng.randint(0, 2) for j in range(k)] for i in range(k)]
        kappa, low, high = weighted_kappa(table)
        reference = cohens_kappa(table, wt="linear")
        assert kappa == pytest.approx(reference.kappa, abs=1e-12)
        assert low == pytest.approx(max(-1, reference.kappa_low), abs=1e-12)
        assert high == pytest.approx(min(1, reference.kappa_upp), abs=1e-12)


def test_where_kappa_says_nothing_the_note_says_why(grade):
    same = grade_agreement(pairs(grade, ("Good", "Good", 6)), grade, "Auditor", "After moderation")
    assert same.kappa is None and same.exact_pct == 100
    assert "Every grade was the same from both (Good)" in same.note and "agreed on all 6" in same.note
    one = grade_agreement(pairs(grade, ("Good", "Inadequate", 1)), grade, "Auditor", "After moderation")
    assert one.kappa is None and one.exact_pct == 0 and one.within_one_pct == 0
    assert one.note.startswith("Only one grade was used (Auditor: Good; After moderation: Inadequate), "
                               "so kappa cannot be worked out")
    few = grade_agreement(pairs(grade, ("Good", "Inadequate", 1), ("Inadequate", "Good", 1)), grade, "Auditor",
                          "After moderation")
    assert few.kappa is not None and few.note.startswith("Only 2 audits: too few for kappa to say much")
    # the auditors all gave Good: kappa would be 0.00 "slight agreement" whatever the moderators gave
    auditor_one = grade_agreement(pairs(grade, ("Good", "Good", 8), ("Good", "Requires Improvement", 4)), grade,
                                  "Auditor", "After moderation")
    assert weighted_kappa([list(r) for r in auditor_one.table])[0] == pytest.approx(0)
    assert (auditor_one.kappa, auditor_one.kappa_low, auditor_one.kappa_high) == (None, None, None)
    assert auditor_one.note.startswith("Only one grade was used (Auditor: Good), so kappa cannot be worked out")
    assert "slight" not in auditor_one.note
    none = grade_agreement([], grade, "Auditor", "After moderation")
    assert (none.n, none.kappa, none.exact_pct) == (0, None, None) and "nothing to compare" in none.note
    assert weighted_kappa([[0, 0], [0, 0]]) == (None, None, None)


def test_the_seed_forms_three_voices_compared(tmp_path, library):
    month = Month(tmp_path, library)
    spec = library.get("audit_moderation_ascincp")
    questions = [q.id for q in spec.questions]
    assert len(questions) == 11

    def voices(self_grade, auditor_grade):
        return {**{f"{q}.self.grade": self_grade for q in questions},
                **{f"{q}.auditor.grade": auditor_grade for q in questions}}

    a = month.audit(form="audit_moderation_ascincp", team="Early Help East", grade="Good",
                    answers=voices("Outstanding", "Good"))
    b = month.audit(form="audit_moderation_ascincp", team="Early Help East", grade="Good",
                    answers=voices("Good", "Good"))
    for audit, moderator_grade in ((a, "Good"), (b, "Requires Improvement")):
        data, _ = moderator_copy(month.files[audit].read_bytes(), ".docx", spec, "Harriet Notreal, Early Help")
        copy = tmp_path / "copies" / month.files[audit].name
        copy.parent.mkdir(exist_ok=True)
        copy.write_bytes(data)
        month.return_moderated(copy, {f"{q}.moderator.grade": moderator_grade for q in questions})
    figures = moderation_agreement(month.audits(), library, first=NOV, last=NOV)
    overall = {(v.agreement.first, v.agreement.second): v.agreement for v in figures.voices if v.ref == ""}
    assert set(overall) == {("Self-assessment", "Auditor"), ("Self-assessment", "Moderator"), ("Auditor", "Moderator")}
    s_a, s_m, a_m = (overall[k] for k in (("Self-assessment", "Auditor"), ("Self-assessment", "Moderator"),
                                          ("Auditor", "Moderator")))
    # 2 audits x 11 questions. A: self Outstanding, auditor Good, moderator Good; B: Good, Good, RI.
    assert (s_a.n, s_a.exact_pct, s_a.within_one_pct, s_a.down, s_a.up) == (22, 50, 100, 11, 0)
    assert (a_m.n, a_m.exact_pct, a_m.down) == (22, 50, 11)
    assert (s_m.n, s_m.exact_pct, s_m.within_one_pct, s_m.down) == (22, 0, 100, 22)
    assert s_a.counted == "question grades"
    # the auditor gave every question the same grade: kappa cannot say anything
    assert s_a.kappa is None and "Only one grade was used (Auditor: Good)" in s_a.note
    per_question = [v for v in figures.voices if v.ref and v.agreement.first == "Auditor"]
    assert [v.ref for v in per_question] == [q.ref for q in spec.questions]
    assert all((v.agreement.n, v.agreement.exact_pct) == (2, 50) for v in per_question)
    # the overall grades: question 11's auditor and moderator grades
    (g,) = figures.overall
    assert (g.scale, g.n, g.same, g.down) == ("grade", 2, 1, 1)


def test_per_auditor_and_moderator_over_the_year_and_the_command(tmp_path, library):
    month = Month(tmp_path, library)
    (tmp_path / "oct").mkdir()
    october = Month(tmp_path / "oct", library, month=dt.date(2026, 10, 1))
    october.register = month.register
    spec = library.get("csc_case_file_audit")
    plan = [(month, "Ann Testworth", "Good", "Good", "Harriet Notreal"),
            (month, "Ann Testworth", "Good", "Outstanding", "Lena Fakeham"),
            (month, "Bo Fictional", "Requires Improvement", "Inadequate", "Lena Fakeham"),
            (october, "Ann Testworth", "Outstanding", "Good", "Lena Fakeham")]
    for n, (which, auditor, given, moderated, moderator) in enumerate(plan):
        audit = which.audit(auditor=auditor, grade=given, team="Early Help East")
        data, _ = moderator_copy(which.files[audit].read_bytes(), ".docx", spec, moderator)
        copy = tmp_path / "copies" / f"{n}.docx"
        copy.parent.mkdir(exist_ok=True)
        copy.write_bytes(data)
        with open_register(month.register, write=True) as reg:
            reg.record_events([m.Event("selected_for_moderation", dt.date(2026, 12, 1), audit, who=moderator)])
        which.return_moderated(copy, {"moderated_grade": moderated}, folder=tmp_path / "moderated" / str(n))
    result = run("moderation", "agreement", "--month", "2026-11", "--json", tmp_path / "a.json",
                 "--register", month.register)
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert (data["first"], data["last"], data["moderated"], data["year"]) == ("2026-11", "2026-11", 3, "2026–27")
    (overall,) = data["overall"]
    assert (overall["n"], overall["same"], overall["up"], overall["down"]) == (3, 1, 1, 1)
    auditors = {p["name"]: p for p in data["by_auditor"]}  # over the audit year: October's too
    assert (auditors["Ann Testworth"]["n"], auditors["Ann Testworth"]["up"], auditors["Ann Testworth"]["down"]) == (
        3, 1, 1)
    assert auditors["Bo Fictional"]["within_one_pct"] == 100 and auditors["Bo Fictional"]["down"] == 1
    moderators = {p["name"]: p for p in data["by_moderator"]}
    assert moderators["Lena Fakeham"]["n"] == 3 and moderators["Harriet Notreal"]["exact_pct"] == 100
    assert "Only 3 audits: too few for kappa to say much" in result.output
    period = run("moderation", "agreement", "--from", "2026-10", "--to", "2026-11", "--register", month.register)
    assert period.exit_code == 0 and "October 2026 to November 2026: 4 audits moderated" in period.output
    both = run("moderation", "agreement", "--month", "2026-11", "--from", "2026-10", "--register", month.register)
    assert both.exit_code == 2


def test_a_dispute_needs_a_senior_manager_from_an_unconnected_service(tmp_path, library):
    month = Month(tmp_path, library)
    write_moderators(month.moderators, people=[
        ("Marion Fictionby", "Head of Service", "Assessment Service"),
        ("Harriet Notreal", "Head of Service", "Early Help"),
        ("Lena Fakeham", "QA officer", "Quality Assurance"),
        ("Gordon Placeholder", "Assistant Director", "Children's Social Care"),
        ("Rosalind Exampleby", "Assistant Director", "Education and Inclusion"),
        ("Cal Madeup", "Group Manager", "Safeguarding Service")])
    audit = month.audit(team="Assessment Team 1", auditor="Cal Madeup")
    with open_register(month.register, write=True) as reg:
        reg.record_events([m.Event("selected_for_moderation", dt.date(2026, 12, 1), audit, who="Harriet Notreal",
                                   details={"service": "Early Help"})])
    base = ["moderation", "dispute", audit, "--moderators", month.moderators, "--register", month.register]
    for who, why in (("Marion Fictionby", "Assessment Service is the case's service"),
                     ("Harriet Notreal", "moderated it (or was chosen to)"),
                     ("Lena Fakeham", "a disputed audit is moderated by a senior manager"),
                     ("Cal Madeup", "did the audit"),
                     ("Nobody Known", "is not on the moderators list")):
        refused = run(*base, "--moderator", who)
        assert refused.exit_code == 2 and why in refused.output, refused.output
    assert "Who can: Gordon Placeholder" in run(*base, "--moderator", "Marion Fictionby").output
    ok = run(*base, "--moderator", "rosalind exampleby", "--reason", "The team manager disagrees with the grade",
             "--outcome", "Grade stays Good")
    assert ok.exit_code == 0, ok.output
    (event,) = month.get(audit).events_of("disputed")
    assert (event.who, event.details["outcome"], event.reason) == (
        "Rosalind Exampleby", "Grade stays Good", "The team manager disagrees with the grade")
    figures = moderation_agreement(month.audits(), library, first=NOV, last=NOV)
    assert figures.disputed == 1 and figures.selected == 1
    unknown = run("moderation", "dispute", "AUD-202611-AAAAAAAA", "--moderator", "Rosalind Exampleby",
                  "--moderators", month.moderators, "--register", month.register)
    assert unknown.exit_code == 2 and "there is no audit AUD-202611-AAAAAAAA" in unknown.output
