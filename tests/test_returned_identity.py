"""Issue 20, items 1-3: every returned file lands on the right child's audit, and the right version of it stands.

A month is allocated and made in a workspace (as a QA officer does, through the CLI); auditors' forms come back
as real Word files: a copy of one child's form saved over another's audit, a form made in another workspace,
an older incomplete copy in a folder whose name sorts first, a complete form re-saved by an editor that drops
its tables. Each case goes through `consolidate`, `parse` and `status` as a QA officer runs them.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from helpers import rewrite_parts
from test_month_cycle import ANN, BO, CASES, DECEMBER, Case, Workspace, run, saved_on

NORTH = ("Team North", "Terry Madeupson")
WAITING, SOUTH, ACTIONS = "waiting", "south", "actions"


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Workspace:
    """December 2025 allocated and made; nothing back yet."""
    folder = tmp_path_factory.mktemp("identity") / "Case file audits"
    with pytest.MonkeyPatch.context() as mp:
        run("init", str(folder), "--council", "Anytown Borough Council")
        mp.chdir(folder)
        ws = Workspace(folder)
        ws.generate(DECEMBER, CASES)
    return ws


@pytest.fixture
def ws(made, tmp_path, monkeypatch) -> Workspace:
    copy = made.copy(tmp_path / "Case file audits")
    monkeypatch.chdir(copy.folder)
    return copy


def with_audit_id(data: bytes, old: str, new: str) -> bytes:
    """The package with its audit id changed everywhere it is written (as a person editing its properties)."""
    return rewrite_parts(data, lambda name, content: content.replace(old.encode(), new.encode()))


def exceptions(ws: Workspace) -> list[dict]:
    sheet = openpyxl.load_workbook(ws.tracker)["Exceptions"]
    headings = [c.value for c in sheet[1]]
    return [dict(zip(headings, row)) for row in sheet.iter_rows(min_row=2, values_only=True) if any(row)]


def events(ws: Workspace, kind: str) -> list[tuple[str, str]]:
    with sqlite3.connect(ws.folder / "register" / "auditdocs.sqlite") as db:
        return db.execute("SELECT audit_id, details FROM events WHERE kind = ?", (kind,)).fetchall()


# ---- 1. a copy of another child's form ---------------------------------------------------------------


def test_a_copy_of_another_childs_form_is_not_put_on_the_audit_it_says_it_is(ws):
    south = ws.fill(SOUTH, dt.date(2025, 12, 17))  # case 9912009's form, complete
    # the auditor of case 9912001 started from a copy of it: only its audit id is 9912001's audit
    copy = ws.folder / "returned" / ANN / "Amelia Testworth.docx"
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_bytes(with_audit_id(south.read_bytes(), ws.ids[SOUTH], ws.ids[WAITING]))

    out = ws.consolidate(code=1)
    assert "1 file was not put on any audit" in out
    audits = ws.sheet("Audits")
    waiting = audits[ws.ids[WAITING]]
    assert waiting["Case number"] == CASES[WAITING].case_number and not waiting["Source file"]
    assert audits[ws.ids[SOUTH]]["Source file"]
    assert ws.standing(WAITING, "02/01/2026")["state"] == "overdue"  # still chased
    [row] = [e for e in exceptions(ws) if e["Problem"] == "Another child's details"]
    assert row["File"] == str(Path(ANN, copy.name)) and row["Audit id"] == ws.ids[WAITING]
    assert (f"says it is the audit {ws.ids[WAITING]} of case 9912001 (Amelia Testworth) but holds case 9912009's "
            "details: it may have been started from a copy of another child's form") in row["Details"]
    assert f"It looks like the audit {ws.ids[SOUTH]} of case 9912009 (Zara Makebelieve)" in row["Details"]
    assert f'--attach "{copy}" {ws.ids[SOUTH]}' in row["What to do"]

    listed = run("parse", "--returns", code=1)
    assert "holds case 9912009's details" in listed and copy.name in listed
    assert "Please amend" not in listed  # nothing to send back: the copy is not an audit of anyone's yet
    # another form whose case number agrees, with a name the auditor corrected: it is that audit's own form
    corrected = ws.fill("by_tracker", dt.date(2025, 12, 19))
    corrected.write_bytes(rewrite_parts(corrected.read_bytes(), lambda name, content: content.replace(
        b"Priya", b"Pria") if name == "word/document.xml" else content))
    ws.consolidate(code=1)  # read again: the copy is still not attached
    assert not ws.sheet("Audits")[ws.ids[WAITING]]["Source file"]
    assert ws.sheet("Audits")[ws.ids["by_tracker"]]["Source file"] == str(corrected.relative_to(ws.folder / "returned"))
    assert len([e for e in exceptions(ws) if e["Problem"] == "Another child's details"]) == 1
    checked = run("register", "check", code=1)
    assert f"{copy} says it is the audit {ws.ids[WAITING]} but is on no audit" in checked


def test_the_qa_officer_attaches_a_file_whose_case_number_was_typed_wrongly_and_the_decision_is_kept(ws):
    form = ws.fill(WAITING, dt.date(2025, 12, 20))
    form.write_bytes(rewrite_parts(form.read_bytes(), lambda name, content: content.replace(
        b"9912001", b"9912010") if name == "word/document.xml" else content))
    ws.consolidate(code=1)
    [row] = [e for e in exceptions(ws) if e["Problem"] == "Another child's details"]
    assert "No audit allocated in this register has these details" in row["Details"]
    assert not ws.sheet("Audits")[ws.ids[WAITING]]["Source file"]

    out = run("consolidate", "--attach", str(form), ws.ids[WAITING], code=(0, 1))
    assert f"Recorded in the register: {form} is the audit {ws.ids[WAITING]}" in out
    assert ws.sheet("Audits")[ws.ids[WAITING]]["Source file"] == str(Path(ANN, form.name))
    assert not [e for e in exceptions(ws) if e["Problem"] == "Another child's details"]
    assert [aid for aid, _ in events(ws, "attached")] == [ws.ids[WAITING]]
    ws.consolidate(code=(0, 1))  # a later run keeps the decision
    assert ws.sheet("Audits")[ws.ids[WAITING]]["Source file"] == str(Path(ANN, form.name))
    assert ws.standing(WAITING, "02/01/2026")["state"] != "overdue"

    refused = run("consolidate", "--attach", str(form), "AUD-202512-NOTOURS1", code=2)
    assert "AUD-202512-NOTOURS1 is not an audit in the register" in refused


# ---- 2. a form from another workspace ----------------------------------------------------------------


def test_a_form_made_in_another_workspace_is_listed_never_added(ws, tmp_path, monkeypatch):
    elsewhere = tmp_path / "Another council"
    run("init", str(elsewhere), "--council", "Elsewhere Council")
    monkeypatch.chdir(elsewhere)
    theirs = Workspace(elsewhere)
    cases = {"theirs": Case(CASES[WAITING].case_number, "Testworth", "Amelia", BO, NORTH)}
    theirs.generate(DECEMBER, cases)
    import test_month_cycle
    monkeypatch.setitem(test_month_cycle.ALL_CASES, "theirs", cases["theirs"])
    filled = theirs.fill("theirs", dt.date(2025, 12, 12))
    monkeypatch.chdir(ws.folder)
    landed = ws.folder / "returned" / BO / filled.name
    landed.parent.mkdir(parents=True, exist_ok=True)
    landed.write_bytes(filled.read_bytes())

    ws.consolidate(code=1)
    assert theirs.ids["theirs"] not in ws.sheet("Audits") and len(ws.sheet("Audits")) == len(CASES)
    assert len(ws.status("02/01/2026")["audits"]) == len(CASES)
    [row] = [e for e in exceptions(ws) if e["Problem"] == "Not allocated here"]
    assert "not an audit this register allocated: made in another workspace" in row["Details"]
    assert f"It looks like the audit {ws.ids[WAITING]} of case 9912001" in row["Details"]
    assert "register import" in row["What to do"]
    listed = run("parse", "--returns", code=1)
    assert "not an audit this register allocated" in listed
    # a form made before this register knew it comes in through `register import`
    run("register", "import", str(elsewhere / "forms"))
    ws.consolidate(code=(0, 1))
    assert ws.sheet("Audits")[theirs.ids["theirs"]]["Source file"] == str(Path(BO, landed.name))
    assert not [e for e in exceptions(ws) if e["Problem"] == "Not allocated here"]


# ---- 3. which version stands ---------------------------------------------------------------------------


def test_an_older_incomplete_copy_whose_folder_sorts_first_does_not_stand_over_the_complete_one(ws):
    older = ws.fill(SOUTH, dt.date(2025, 12, 10), incomplete=True)
    attachments = ws.folder / "returned" / "Attachments from email" / older.name
    attachments.parent.mkdir(parents=True)
    older.rename(attachments)
    complete = ws.fill(SOUTH, dt.date(2025, 12, 17))
    os.utime(attachments, (1_766_000_000, 1_766_000_000))  # copied into the folder after the complete one was saved

    ws.consolidate(code=1)  # a duplicate: listed
    row = ws.sheet("Audits")[ws.ids[SOUTH]]
    assert row["Source file"] == str(complete.relative_to(ws.folder / "returned"))
    [duplicate] = [e for e in exceptions(ws) if e["Audit id"] == ws.ids[SOUTH]]
    assert duplicate["Problem"] == "Duplicate" and "Attachments from email" in duplicate["File"]
    assert "saved last" in duplicate["Details"]

    shown = run("parse", code=1)
    assert re.search(rf"{ws.ids[SOUTH]}.*2 files", shown) and "stands" in shown
    sent = run("parse", "--returns", "--sent", "--sent-on", "05/01/2026", code=1)
    assert "Please amend" not in sent and "0 incomplete audits were sent back" in sent
    assert events(ws, "sent_back") == []


def calligra_resave(data: bytes, day: dt.date) -> bytes:
    """The form as an editor that drops tables saves it again (Calligra Words): no table left, saved on `day`."""
    def change(name, content):
        if name == "word/document.xml":
            return re.sub(rb"<w:tbl>.*?</w:tbl>", b"", content, flags=re.S)
        return content
    return saved_on(rewrite_parts(data, change), day)


def test_a_complete_form_re_saved_by_an_editor_that_drops_its_tables_does_not_replace_it(ws):
    form = ws.fill(ACTIONS, dt.date(2025, 12, 18), actions=[("Update the chronology", "2026-01-08"),
                                                            ("Visit the child at home", "2026-01-29")])
    ws.consolidate(code=(0, 1))
    before = ws.sheet("Audits")[ws.ids[ACTIONS]]
    form.write_bytes(calligra_resave(form.read_bytes(), dt.date(2025, 12, 22)))

    ws.consolidate(code=1)
    after = ws.sheet("Audits")[ws.ids[ACTIONS]]
    for heading in ("Case number", "Auditor", "Team", "Overall grade"):
        assert after[heading] == before[heading] and after[heading]
    actions = [a for a in ws.sheet("Actions").values() if a["Audit id"] == ws.ids[ACTIONS]]
    assert len(actions) == 2 and {a["On form"] for a in actions} == {"Yes"}
    [row] = [e for e in exceptions(ws) if e["Audit id"] == ws.ids[ACTIONS]]
    assert row["Problem"] == "Newer copy lost answers"
    assert "saved again since it was read, and has lost what it held then" in row["Details"]
    assert "2 action rows" in row["Details"] and "answers" in row["Details"]
    listed = run("parse", "--returns", code=1)  # not sent back as incomplete: the earlier version stands
    assert "Please amend" not in listed and "has lost what the version of its audit in the register holds" in listed
    ws.consolidate(code=1)  # again: the earlier version still stands
    assert ws.sheet("Audits")[ws.ids[ACTIONS]]["Overall grade"] == before["Overall grade"]


def test_a_lossy_copy_saved_beside_the_complete_form_is_listed_with_what_it_lost(ws):
    form = ws.fill(ACTIONS, dt.date(2025, 12, 18), actions=[("Update the chronology", "2026-01-08")])
    resaved = form.with_name("Kai - saved in Calligra.docx")
    resaved.write_bytes(calligra_resave(form.read_bytes(), dt.date(2025, 12, 22)))

    ws.consolidate(code=1)
    row = ws.sheet("Audits")[ws.ids[ACTIONS]]
    assert row["Source file"] == str(Path(ANN, form.name)) and row["Case number"] == CASES[ACTIONS].case_number
    [lost] = [e for e in exceptions(ws) if e["Audit id"] == ws.ids[ACTIONS]]
    assert lost["File"] == str(Path(ANN, resaved.name)) and lost["Problem"] == "Newer copy lost answers"
    assert f"newer copy of the audit than {Path(ANN, form.name)}, but it has lost" in lost["Details"]
    shown = run("parse", code=1)
    assert f"{resaved.name}: not used: it was saved later, but has lost" in shown
    assert f"{form.name}: stands (saved 18/12/2025, complete)" in shown
    run("consolidate", "--prefer-newer", code=1)  # the QA officer checked: the newer one is right after all
    assert ws.sheet("Audits")[ws.ids[ACTIONS]]["Source file"] == str(Path(ANN, resaved.name))
