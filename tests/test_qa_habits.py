"""A QA officer's habits: what `status` and `chase` show when no month is given, deadlines on working days,
and the small slips a new user meets (issue 22). Through the real commands, workspace and register."""
from __future__ import annotations

from pathlib import Path

import pytest
from habits import invoke, workspace_with

NOVEMBER = [("9914001", "Testworth", "Amelia", "Ann Testworth"), ("9914002", "Fictionby", "Oscar", "Bo Fictionby")]
DECEMBER = [("9914003", "Madeupson", "Priya", "Ann Testworth")]


@pytest.fixture(scope="module")
def two_months(tmp_path_factory) -> Path:
    """November 2026 (two audits, overdue from 1 December) and December 2026 (one, due 31 December)."""
    return workspace_with(tmp_path_factory.mktemp("months"), {"2026-11": NOVEMBER, "2026-12": DECEMBER})


# ---- status and chase: every month, and their exit codes -------------------------------------------


def test_status_without_a_month_shows_what_is_overdue_in_earlier_months(two_months):
    shown = invoke("status", "--on", "15/12/2026", code=1, cwd=two_months)  # 1: November's audits are overdue
    assert shown.startswith("December 2026 on Tuesday 15 December 2026: 1 audit.")
    overdue = shown.split("Overdue, of every month:")[1].split("Due in the next")[0]
    assert "case 9914001" in overdue and "case 9914002" in overdue and "November 2026" in overdue
    assert "case 9914003" not in overdue  # December's is not overdue yet
    # with --month, the month alone, as before
    december = invoke("status", "--month", "2026-12", "--on", "15/12/2026", code=0, cwd=two_months)
    assert "Overdue: none." in december and "9914001" not in december


def test_status_json_without_a_month_lists_the_other_months_audits_overdue(two_months, tmp_path):
    import json

    out = tmp_path / "status.json"
    invoke("status", "--on", "28/12/2026", "--json", out, code=1, cwd=two_months)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["month"] == "2026-12" and [a["case_number"] for a in data["audits"]] == ["9914003"]
    assert sorted((a["case_number"], a["month"], a["state"]) for a in data["other_months"]) == [
        ("9914001", "2026-11", "overdue"), ("9914002", "2026-11", "overdue")]


def test_chase_exits_1_when_it_lists_something_overdue_and_0_when_not(two_months):
    late = invoke("chase", "--on", "15/12/2026", code=1, cwd=two_months)
    assert "- overdue" in late
    on_time = invoke("chase", "--month", "2026-11", "--on", "16/11/2026", code=0, cwd=two_months)
    assert "To Ann Testworth:" in on_time and "- overdue" not in on_time


def test_status_and_chase_in_a_fresh_workspace_say_to_allocate_or_generate_first(tmp_path):
    folder = tmp_path / "Case file audits"
    invoke("init", folder)
    for command in ("status", "chase"):
        shown = invoke(command, code=2, cwd=folder)
        assert "no audits yet: allocate or generate first" in shown, shown
        assert "auditdocs init" not in shown
