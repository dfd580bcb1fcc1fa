"""Learning from audits (issue 26 items 1-2): the themes (themes.xlsx made by `auditdocs init`, checked by
`auditdocs learning themes check`), evidence tagged with them in the tracker's Themes sheet (the words that
triggered each tag kept, the QA officer's corrections read back and winning in every count), the counts by service,
team and month, and the learning session's pack in Word (`auditdocs learning pack`), anonymous.

A small month of real forms (generated, filled as auditors fill them with the people named in the comments,
consolidated into a real register and tracker) is shared by the tests."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from month_register import NOW, make_month, sample_allocations

from auditdocs.cli import cli
from auditdocs.consolidate import consolidate_returns
from auditdocs.domain.dates import uk
from auditdocs.errors import UserError
from auditdocs.learning import themes as th
from auditdocs.learning.pack import CONSENT
from auditdocs.learning.run import audit_tags, check_themes, make_pack, workspace_themes
from auditdocs.learning.sessions import NoSuchSession
from auditdocs.workspace import (
    THEMES_FILE,
    init_workspace,
    load_workspace,
    workspace_without_settings,
)

VALIDATE = Path("/work/shared/ooxml/validate_docx.py")
ON = dt.date(2026, 12, 7)
#: Assessment, Safeguarding, Children in Care, Fostering and Adoption audits of the sample month: the session of
#: 8 December 2026 (Localities & Fostering) has the Assessment, Safeguarding and Fostering ones in scope.
CHOSEN = (0, 1, 2, 11, 12, 22, 23, 40, 41, 46)
IN_SCOPE = 7


@pytest.fixture(scope="module")
def made(library, tmp_path_factory):
    """A workspace as `auditdocs init` makes it, with a month of audits consolidated into its register."""
    folder = tmp_path_factory.mktemp("learning") / "Case file audits"
    init_workspace(folder, council="Anytown Borough Council")
    allocations = sample_allocations(library)
    allocations = dataclasses.replace(allocations, allocations=[allocations.allocations[i] for i in CHOSEN])
    month = make_month(folder / "month", library, allocations)
    return folder, month


@pytest.fixture
def ws(made, tmp_path, monkeypatch):
    """A copy of the workspace (its register and tracker in month/), the current folder."""
    folder = tmp_path / "ws"
    shutil.copytree(made[0], folder)
    monkeypatch.chdir(folder)
    return load_workspace(folder / "auditdocs.toml").with_files(
        "given", register=folder / "month" / "register.sqlite", tracker=folder / "month" / "tracker.xlsx")


def cli_run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def themes_sheet(path: Path) -> tuple[list[str], list[list]]:
    sheet = openpyxl.load_workbook(path)["Themes"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    return rows[0], rows[1:]


# ---- the vocabulary -------------------------------------------------------------------------------


def test_init_makes_themes_xlsx_with_the_frameworks_themes_and_appendix_c_sessions(ws):
    book = openpyxl.load_workbook(ws.folder / THEMES_FILE)
    assert book.sheetnames == ["Themes", "Sessions", "How to fill this in"]
    headings = [c.value for c in book["Themes"][1]]
    assert headings == ["Theme", "Words and phrases", "Questions it belongs to"]
    checked = check_themes(ws)
    assert not checked.needs_attention
    names = [t.name for t in checked.vocabulary.themes]
    assert names == ["The child's voice and lived experience", "Chronology", "Management oversight", "Supervision",
                     "Drift and delay", "SMART plans", "Assessment quality", "Multi-agency working",
                     "Contextual safeguarding and exploitation", "Recording and jargon"]
    session = next(s for s in checked.vocabulary.sessions if s.on == dt.date(2026, 12, 8))
    assert session.title == "November Audits – Localities & Fostering"
    assert session.month == dt.date(2026, 11, 1) and "Fostering" in session.services
    assert checked.lines() == ["themes.xlsx has 10 themes and 12 sessions; no problems."]
    assert "themes.xlsx" in (ws.folder / "README.md").read_text(encoding="utf-8")


def test_a_themes_xlsx_with_problems_says_the_sheet_the_row_and_what_to_do(ws):
    path = ws.folder / THEMES_FILE
    book = openpyxl.load_workbook(path)
    themes, sessions = book["Themes"], book["Sessions"]
    themes["A3"] = None  # words with no theme
    themes["C4"] = "2.1\n9.99"  # a question no form has
    themes["A5"] = "chronology"  # the name of row 3 again
    themes["B6"] = None  # a theme with no words
    sessions["A3"] = "the 8th"  # not a date
    book.save(path)
    result = cli_run("learning", "themes", "check")
    assert result.exit_code == 2
    out = result.output
    place = f"{path}, sheet 'Themes', row"
    assert f"{place} 3: the words chronology, history, journey of the child have no theme: write the theme's name " \
           "in 'Theme'." in out
    assert f"{place} 4: '9.99' is no question of the forms" in out and "write the question's ref as the forms " \
                                                                        "number it" in out
    assert f"{place} 6: the theme 'Drift and delay' has no words or phrases: write them in 'Words and phrases', one a " \
           "line." in out
    assert f"{path}, sheet 'Sessions', row 3: 'the 8th' is not a date: write the session's date as 08/12/2026." in out
    assert "4 problems in themes.xlsx: correct them and run 'auditdocs learning themes check' again." in out
    assert "themes.xlsx has 7 themes and 11 sessions that could be read; the rows with problems were left out." in out
    # row 5 ('chronology') is no longer a second Chronology, as row 3 was left out: it is read
    assert "row 5" not in out


def test_a_themes_sheet_without_its_headings_says_which_to_put_where(ws):
    path = ws.folder / THEMES_FILE
    book = openpyxl.load_workbook(path)
    book["Themes"]["B1"] = "Wrods and phrases"
    book.save(path)
    checked = check_themes(ws)
    assert [str(p) for p in checked.vocabulary.problems] == [
        f"{path}, sheet 'Themes', row 1: there is no 'Words and phrases' column: put the heading 'Words and phrases' "
        "in row 1 (did you mean 'Wrods and phrases'?)."]


# ---- tagging ------------------------------------------------------------------------------------------


def test_tagging_finds_whole_words_and_phrases_with_their_endings_and_keeps_the_triggers():
    delay = th.Theme("Drift and delay", ("drift", "delay", "out of timescale"))
    oversight = th.Theme("Management oversight", ("management oversight", "oversight"))
    voice = th.Theme("Voice", ("child's voice", "seen alone"))
    text = ("Delays in the plan, the review was delayed and it DRIFTED; work out-of-timescale. The child's voice "
            "is heard. Management oversight is weak; the oversights continue. Nobody was seen alone.")
    assert th.triggers(text, delay) == ("Delays", "delayed", "DRIFTED", "out-of-timescale")
    assert th.triggers(text, oversight) == ("Management oversight", "oversights")  # not "oversight" twice
    assert th.triggers(text, voice) == ("child's voice", "seen alone")
    assert th.triggers("The child’s voice", voice) == ("child’s voice",)  # a typographic apostrophe
    curly = th.Theme("Voice", ("child’s voice",))  # typed with one (Excel's autocorrect)
    assert th.triggers("the child's voice and the child’s voice", curly) == ("child's voice", "child’s voice")
    assert th.triggers("undelayed, drifting-off, redrift", delay) == ("drifting",)  # whole words only
    assert th.triggers("Unrelated words only.", delay) == ()


#: Themes with words of every kind: the framework's, and odd ones (letters `re.IGNORECASE` takes for others, a
#: capital whose lower case is longer, one-letter words, hyphens, typographic apostrophes).
ODD_THEMES = th.default_themes() + [th.Theme("Odd", ("Straße", "chıld", "ΐδιο", "x", "co-working", "TAC", "day",
                                                     "İstanbul", "young person’s plan", "ſtory", "ﬅ")),
                                    th.Theme("Odd but foldable", ("chıld", "ΐδιο", "ſtory", "ﬅ", "TAC", "day", "x"))]


def mixed_texts(themes: list[th.Theme], count: int = 800) -> list[str]:
    """Texts of every kind, with every theme's phrases written in every form the search allows, and fillers
    (some whose folding changes the text's length)."""
    import random

    forms = []
    for theme in themes:
        for phrase in theme.phrases:
            for ending in ("", "s", "es", "ed", "ing", "d", "ies", "ied", "ying", "ged"):
                forms += [phrase + ending, (phrase[:-1] + ending) if ending.startswith("i") else phrase.upper() + ending]
    forms += ["STRASSE", "CHILD", "chiLD's", "voice’s", "Voice_of", "delay-drift", "child’s views", "ΪΔΙΟ", "istanbul",
              "young person's plan", "STORY", "ﬆ", "Großmutter", "ͅchild", "uncased"]
    fillers = ["the", "review", "-", "'", "’", "_", "ok", "2026", "👍", "\n", "Zoë", "قالت", "孩子", "İ", "ͅ"]
    rng = random.Random(5)
    texts = []
    for n in range(count):
        text = " ".join(rng.choice(forms if rng.random() < 0.4 else fillers) for _ in range(rng.randint(1, 12)))
        texts.append(text.replace(" - ", rng.choice([" - ", "-", "  "])))
    return texts


def test_the_quick_look_for_a_themes_first_words_misses_nothing_the_search_finds():
    """Tagging searches a text only where one of a theme's first words begins (in the text folded as
    `re.IGNORECASE` compares it): on texts of every kind, with every theme's phrases written in every form the
    search allows, the tags are those of the search through the whole text."""
    for text in mixed_texts(ODD_THEMES):
        for theme in ODD_THEMES:
            assert th.triggers(text, theme, th.folded(text)) == th.triggers(text, theme), (text, theme.name)


def test_a_word_after_the_one_mark_that_folds_to_a_letter_is_found_as_the_search_finds_it():
    """The quick look finds its first words in one go, going on after each: a word that begins inside another's
    first word in the text folded (YPOGEGRAMMENI folds to iota, a letter) is still found where the text has it."""
    theme = th.Theme("Greek", ("αιδελ", "δελτα"))
    for text in ("α\u0345δελτα ok", "x α\u0345δελτα", "αιδελ α\u0345δελτα"):
        assert th.triggers(text, theme, th.folded(text)) == th.triggers(text, theme), text
    assert th.triggers("α\u0345δελτα", theme, th.folded("α\u0345δελτα")) == ("δελτα",)
    tags = th.tag_texts([th.EvidenceText("A1", "f", "Evidence", "1.1", "q", th.WORRY, "α\u0345δελτα ok")],
                        [theme, *th.default_themes()])
    assert [(t.theme, t.triggers) for t in tags] == [("Greek", ("δελτα",))]


def _searched_whole(texts: list[th.EvidenceText], themes: list[th.Theme]) -> list[tuple]:
    """The tags of the texts, each theme searched for through the whole of each text."""
    return [(t.field_id, theme.name, words) for t in texts for theme in themes
            if theme.applies_to(t) and (words := th.triggers(t.text, theme))]


def test_all_the_themes_looked_for_at_once_are_tagged_as_each_searched_for_alone(ws):
    """`tag_texts` looks for the first words of all the themes in one pass over a text: the same tags (themes,
    triggers, in the same order) as each theme searched for through the whole text, on texts of every kind and on
    a month's real evidence, with themes for some questions only."""
    themes = ODD_THEMES + [th.Theme("Only 1.1 and 2.1", ("delay", "child", "voice"), questions=("1.1", "2.1"))]
    mixed = [th.EvidenceText("A1", f"f{n}", "Evidence", f"{n % 3}.1", f"q{n}", th.WORRY, text)
             for n, text in enumerate(mixed_texts(ODD_THEMES))]
    tags = th.tag_texts(mixed, themes)
    assert [(t.field_id, t.theme, t.triggers) for t in tags] == _searched_whole(mixed, themes)
    assert len(tags) > 1000 and {t.theme for t in tags} == {theme.name for theme in themes}
    with ws.open_register() as reg:
        real = []
        for a in reg.audits():
            spec = ws.library().get(a.form_id, a.form_version)
            if a.current is not None and spec is not None and (record := reg.record_of(a.current.content_hash)):
                real += th.evidence_texts(spec, record)
    tags = th.tag_texts(real, themes)
    assert len(real) > 100 and len(tags) > 100
    assert [(t.field_id, t.theme, t.triggers) for t in tags] == _searched_whole(real, themes)


def test_folding_keeps_together_every_letter_the_search_takes_for_another():
    """The quick look relies on it: two letters `re.IGNORECASE` takes for one another fold alike (where folding
    keeps a letter one letter long; where it does not, the text is searched whole)."""
    import _sre  # the search's own rule: the letter each letter is lowered to

    cased = [code for code in range(0x110000) if _sre.unicode_tolower(code) != code]
    assert len(cased) > 1000
    for code in cased:
        letter, lowered = chr(code), chr(_sre.unicode_tolower(code))
        if len(th.folded(letter)) == 1 and len(th.folded(lowered)) == 1:
            assert th.folded(letter) == th.folded(lowered), (hex(code), letter, lowered)
        assert re.fullmatch(re.escape(letter), lowered, re.IGNORECASE)
    for letter, like in {"ı": "i", "ſ": "s", "ς": "σ", "ϐ": "β", "ẛ": "ṡ"}.items():  # sre's equivalences
        assert re.fullmatch(letter, like, re.IGNORECASE) and th.folded(letter) == th.folded(like)


def test_a_theme_for_some_questions_tags_only_their_evidence():
    theme = th.Theme("Advocacy", ("advocate",), questions=("1.4",))
    here = th.EvidenceText("A1", "kss1_advocate.evidence", "Evidence", "1.4", "kss1_advocate", th.WORRY,
                           "No advocate offered.")
    there = dataclasses.replace(here, ref="2.1", field_id="kss2_voice.evidence", question="kss2_voice")
    tags = th.tag_texts([here, there], [theme])
    assert [(t.field_id, t.triggers, t.kind) for t in tags] == [("kss1_advocate.evidence", ("advocate",), th.WORRY)]


def test_a_returned_audits_strengths_worries_evidence_and_rationales_are_tagged(ws, library):
    with ws.open_register() as reg:
        audits = reg.audits()
        tags = audit_tags(reg, audits, ws.library(), th.default_themes())
    assert tags
    for t in tags:
        assert t.triggers and all(w.casefold() in t.text.casefold() for w in t.triggers)
    fields = {t.field_id for t in tags}
    assert {"working_well", "worried_about"} & fields
    assert any(f.endswith(".evidence") for f in fields) and any(f.endswith(".comment") for f in fields)
    kinds = {(t.field_id, t.kind) for t in tags}
    assert ("working_well", th.STRENGTH) in kinds or ("worried_about", th.WORRY) in kinds
    assert all(t.kind == th.STRENGTH for t in tags if t.field_id == "working_well")
    assert all(t.kind == th.WORRY for t in tags if t.field_id == "worried_about")


# ---- the tracker's Themes sheet, and the QA officer's corrections ------------------------------------------


def consolidate_again(ws) -> None:
    consolidate_returns(ws, [ws.folder / "month" / "returned"], now=NOW + dt.timedelta(days=1))


def test_the_themes_sheet_shows_each_tag_with_its_triggers_and_keeps_the_qa_officers_corrections(ws):
    tracker = ws.tracker
    headings, rows = themes_sheet(tracker)
    assert headings == ["Audit id", "Month", "Service", "Team", "Ref", "Field", "Field id", "Kind", "Theme",
                        "Triggered by", "Excerpt", "Correct?", "Theme instead"]
    offered = openpyxl.load_workbook(tracker)["Themes"].data_validations.dataValidation
    assert any(dv.formula1 == '"Yes,No"' and "L2" in str(dv.sqref) for dv in offered)  # Correct?: a drop-down
    col = {h: i for i, h in enumerate(headings)}
    assert rows
    for row in rows:
        for word in row[col["Triggered by"]].split("; "):
            assert word.casefold() in row[col["Excerpt"]].casefold()
    # a theme of an audit shown by one text only: marking it wrong takes the audit out of the theme's count
    per = {}
    for row in rows:
        per.setdefault((row[col["Audit id"]], row[col["Theme"]]), []).append(row)
    wrong_audit, wrong_theme = next(k for k, v in per.items() if len(v) == 1)
    moved_audit, moved_theme = next(k for k, v in per.items() if len(v) == 1 and k[1] != "Supervision"
                                    and k[0] != wrong_audit and (k[0], "Supervision") not in per)
    with ws.open_register() as reg:
        before = th.theme_counts(audit_tags(reg, reg.audits(), ws.library(), th.default_themes()),
                                 th.default_themes())
    counted = {r[0]: r[3] for r in before.rows}

    book = openpyxl.load_workbook(tracker)
    sheet = book["Themes"]
    for r in range(2, sheet.max_row + 1):
        key = (sheet.cell(r, col["Audit id"] + 1).value, sheet.cell(r, col["Theme"] + 1).value)
        if key == (wrong_audit, wrong_theme):
            sheet.cell(r, col["Correct?"] + 1).value = "No"
        elif key == (moved_audit, moved_theme):
            sheet.cell(r, col["Correct?"] + 1).value = "No"
            sheet.cell(r, col["Theme instead"] + 1).value = "supervision"  # the vocabulary's name, written loosely
    book.save(tracker)
    consolidate_again(ws)
    consolidate_again(ws)  # and again: the entries are the register's now

    _, rows = themes_sheet(tracker)
    typed = {(r[col["Audit id"]], r[col["Theme"]]): (r[col["Correct?"]], r[col["Theme instead"]]) for r in rows}
    assert typed[wrong_audit, wrong_theme] == ("No", None)
    assert typed[moved_audit, moved_theme] == ("No", "supervision")
    with ws.open_register() as reg:
        cells = reg.tracker_columns("Themes")
        tags = th.corrected(audit_tags(reg, reg.audits(), ws.library(), th.default_themes()), cells,
                            th.default_themes())
    after = {r[0]: r[3] for r in th.theme_counts(tags, th.default_themes()).rows}
    assert after[wrong_theme] == counted[wrong_theme] - 1 - (moved_theme == wrong_theme)
    assert after[moved_theme] == counted[moved_theme] - 1 - (moved_theme == wrong_theme)
    assert after["Supervision"] == counted["Supervision"] + 1
    moved = next(t for t in tags if t.audit_id == moved_audit and t.tagged_as == moved_theme)
    assert moved.theme == "Supervision" and moved.triggers  # the words that triggered it still shown


def test_the_register_keeps_each_contents_tags_and_a_rerun_shows_the_same_sheet_from_them(ws):
    """A run tags only the contents it has not tagged before with the same themes, form and tagger: the register
    keeps each complete content's tags (the sheet's rows are those of tagging the records), and what it keeps
    with another signature (themes changed, a newer tagger) is made again."""
    import sqlite3

    from auditdocs.consolidate.more_sheets import SheetInput
    from auditdocs.learning.run import themes_sheet as sheet_of

    with ws.open_register() as reg:
        audits, library = reg.audits(), ws.library()
        made = audit_tags(reg, audits, library, th.default_themes())
        sheet = sheet_of(SheetInput(reg, audits, library, NOW.date()), every_month=True)
        kept = sheet.rows()
        shown = [row for audit_id, _ in sheet.audits for row in kept.get(audit_id, ())]
    assert [("\x1f".join((t.audit_id, t.field_id, t.theme)), t.audit_id, t.month, t.field, t.field_id, th.KINDS[t.kind],
             t.theme, "; ".join(t.triggers), t.excerpt) for t in made] == [
        (key, *(row[h] for h in ("Audit id", "Month", "Field", "Field id", "Kind", "Theme", "Triggered by", "Excerpt")))
        for key, row in shown]
    complete = {a.current.content_hash for a in audits if a.current and a.current.status == "complete"}
    db = sqlite3.connect(ws.register)
    assert {c for (c,) in db.execute("SELECT content_hash FROM theme_tags")} == complete
    sheet_before = themes_sheet(ws.tracker)
    with db:  # as if kept by an older tagger, and one content's tags lost
        db.execute("UPDATE theme_tags SET signature = 'an older tagger', tags = x'' WHERE rowid = 1")
        db.execute("DELETE FROM theme_tags WHERE rowid = 2")
    db.close()
    consolidate_again(ws)
    assert themes_sheet(ws.tracker) == sheet_before
    db = sqlite3.connect(ws.register)
    assert {c for (c,) in db.execute("SELECT content_hash FROM theme_tags")} == complete
    assert db.execute("SELECT count(*) FROM theme_tags WHERE signature = 'an older tagger'").fetchone()[0] == 0
    db.close()


def test_the_themes_rows_written_are_kept_audit_by_audit_and_a_rerun_writes_the_same_sheet_from_them(ws):
    """The Themes sheet's rows (tens of thousands in a year) are kept written in the register, all of an audit's rows
    as one entry with a signature of what they are made from: a re-run takes them as they are kept, writes again an
    audit's rows whose signature differs, and lets go of what is kept for audits no longer on the sheet. An audit with
    a row a person marked has its rows written from their values, with the person's cell."""
    import sqlite3
    import zipfile

    def themes_xml() -> bytes:
        with zipfile.ZipFile(ws.tracker) as z:
            found = [z.read(n) for n in z.namelist()
                     if n.startswith("xl/worksheets/sheet") and b"Triggered by" in z.read(n)]
        assert len(found) == 1
        return found[0]

    def kept() -> dict[str, list[str]]:
        return {audit_id: json.loads(meta)["keys"] for audit_id, meta in
                db.execute("SELECT audit_id, meta FROM rendered WHERE sheet = 'Themes by audit'")}

    headings, rows = themes_sheet(ws.tracker)
    col = {h: i for i, h in enumerate(headings)}
    keys = ["\x1f".join((r[col["Audit id"]], r[col["Field id"]], r[col["Theme"]])) for r in rows]
    db = sqlite3.connect(ws.register)
    assert [key for audit_keys in kept().values() for key in audit_keys] == keys and len(set(keys)) == len(rows)
    assert set(kept()) == {r[col["Audit id"]] for r in rows} and len(kept()) > 1
    assert db.execute("SELECT count(*) FROM rendered WHERE sheet = 'Themes'").fetchone()[0] == 0  # none row by row
    before = themes_xml()
    with db:  # one audit's rows kept as written from other values; one kept for an audit no longer on the sheet
        db.execute("UPDATE rendered SET signature = 'other values' WHERE rowid = (SELECT min(rowid) FROM rendered "
                   "WHERE sheet = 'Themes by audit')")
        db.execute("INSERT INTO rendered (sheet, audit_id, signature, data, crc, length, rows, meta) "
                   "VALUES ('Themes by audit', 'an audit gone', 'x', x'00', 0, 0, 1, '{}')")
    consolidate_again(ws)
    assert themes_xml() == before
    assert [key for audit_keys in kept().values() for key in audit_keys] == keys
    entries = db.execute("SELECT rowid, data, length, meta FROM rendered WHERE sheet = 'Themes by audit'").fetchall()
    assert all(length > 0 and zlib.decompress(data).count(b"</row>") == len(json.loads(meta)["sizes"]) == len(
        json.loads(meta)["keys"]) and sum(json.loads(meta)["sizes"]) == length for _, data, length, meta in entries)
    with db:  # an audit's rows kept as an earlier auditdocs kept them (not compressed, no sizes) still read
        rowid, data, _, meta = entries[0]
        db.execute("UPDATE rendered SET data = ?, length = 0, meta = ? WHERE rowid = ?",
                   (zlib.decompress(data), json.dumps({k: v for k, v in json.loads(meta).items() if k != "sizes"}),
                    rowid))
    consolidate_again(ws)
    assert themes_xml() == before
    excerpt = rows[-1][col["Excerpt"]]
    with db:  # what is kept is what is written: a kept row's text changed here shows in the sheet
        for rowid, data, length, meta in db.execute(
                "SELECT rowid, data, length, meta FROM rendered WHERE sheet = 'Themes by audit'").fetchall():
            xml = zlib.decompress(data) if length else data
            if excerpt.encode() in xml:
                xml = xml.replace(excerpt.encode(), b"changed where kept")
                sizes = [len(row) + 6 for row in xml.split(b"</row>")[:-1]]
                db.execute("UPDATE rendered SET data = ?, length = ?, meta = ? WHERE rowid = ?",
                           (zlib.compress(xml), len(xml), json.dumps({**json.loads(meta), "sizes": sizes}), rowid))
    consolidate_again(ws)
    assert "changed where kept" in [r[col["Excerpt"]] for r in themes_sheet(ws.tracker)[1]]
    book = openpyxl.load_workbook(ws.tracker)  # a person marks the first row: its audit's rows are written again
    book["Themes"].cell(2, col["Correct?"] + 1).value = "No"
    book.save(ws.tracker)
    consolidate_again(ws)
    db.close()
    _, now = themes_sheet(ws.tracker)
    assert now[0][col["Correct?"]] == "No" and now[0][col["Excerpt"]] == rows[0][col["Excerpt"]]
    marked = rows[0][col["Audit id"]]  # its rows from their values; the others' as kept (with the text changed)
    assert [r[:col["Correct?"]] for r in now[1:]] == [
        [*r[:col["Excerpt"]], "changed where kept" if r[col["Excerpt"]] == excerpt and r[col["Audit id"]] != marked
         else r[col["Excerpt"]]] for r in rows[1:]]
    assert any(r[col["Audit id"]] != marked and r[col["Excerpt"]] == "changed where kept" for r in now)


def test_an_audits_kept_themes_rows_are_read_compressed_or_as_an_earlier_auditdocs_kept_them_none_included():
    from auditdocs.consolidate.made_rows import _PackedRows
    from auditdocs.tracker import deflate

    rows = [b'<row r="\x00"><c r="A\x00" t="inlineStr"><is><t>\xc3\xa9 one</t></is></c></row>', b'<row r="\x00"></row>']
    whole, last = b"".join(rows), [None, b""]
    packed = _PackedRows(deflate.packed(whole), len(whole), {"sizes": [len(r) for r in rows]}, 2, last)
    plain = _PackedRows(whole, 0, {}, 2, last)
    for kept in (packed, plain):
        assert kept.sizes == [len(r) for r in rows]
        assert [kept.read_at(0, len(rows[0])), kept.read_at(len(rows[0]), len(rows[1]))] == rows
    assert _PackedRows(deflate.packed(b""), 0, {"sizes": []}, 0, last).sizes == []  # an audit with no rows: kept
    assert _PackedRows(b"", 0, {}, 0, last).sizes == []
    assert _PackedRows(deflate.packed(whole), len(whole), {"sizes": [len(whole)]}, 2, last).sizes is None  # made again
    assert _PackedRows(whole, 0, {}, 3, last).sizes is None


def test_the_themes_sheet_shows_the_latest_months_and_rows_of_earlier_months_go_but_what_people_typed_stays(
        ws, monkeypatch):
    from auditdocs.learning import run as learning_run

    with ws.open_register() as reg:
        audits = reg.audits()
    november = [dataclasses.replace(a, month=dt.date(2026, 11, 1)) for a in audits]
    earlier = [dataclasses.replace(a, month=dt.date(2026, 7, 1)) for a in audits[:2]]
    assert learning_run.latest_months(november + earlier) == november  # September to November
    assert learning_run.latest_months(november + earlier, months=5) == november + earlier
    tracker = ws.tracker
    headings, rows = themes_sheet(tracker)
    col = {h: i for i, h in enumerate(headings)}
    book = openpyxl.load_workbook(tracker)
    sheet = book["Themes"]
    sheet.cell(2, col["Correct?"] + 1).value = "No"
    corrected_key = "\x1f".join((rows[0][col["Audit id"]], rows[0][col["Field id"]], rows[0][col["Theme"]]))
    added = list(rows[0])
    added[col["Theme"]], added[col["Triggered by"]] = "Supervision", "typed by the QA officer"
    sheet.append(added)  # a tag the tagger missed, added by a person
    book.save(tracker)
    monkeypatch.setattr(learning_run, "latest_months", lambda audits, months=None: [])  # every month earlier now
    consolidate_again(ws)
    _, rows = themes_sheet(tracker)
    assert [r[col["Triggered by"]] for r in rows] == ["typed by the QA officer"]  # the register's rows went
    with ws.open_register() as reg:
        assert reg.tracker_columns("Themes")[corrected_key] == {"Correct?": "No"}  # the correction is kept


def test_a_theme_the_council_adds_to_themes_xlsx_tags_the_tracker(ws):
    path = ws.folder / THEMES_FILE
    book = openpyxl.load_workbook(path)
    book["Themes"].append(["Relationships", "relationship\nrapport", "any"])
    book["Themes"].append(["Relationships", "duplicate name", "9.99"])  # a row with problems: said, left out
    book.save(path)
    assert "Relationships" in [t.name for t in workspace_themes(ws.folder)]
    told = consolidate_returns(ws, [ws.folder / "month" / "returned"], now=NOW + dt.timedelta(days=1)).lines()
    assert "Note: The workspace's themes.xlsx has 1 theme row with problems, left out of the tagging. Run 'auditdocs learning " \
           "themes check' to see what to put right." in told
    headings, rows = themes_sheet(ws.tracker)
    found = [r for r in rows if r[headings.index("Theme")] == "Relationships"]
    assert found and all(r[headings.index("Triggered by")].casefold().startswith("relationship") for r in found)


# ---- counts ------------------------------------------------------------------------------------------


def tag(audit, theme, kind, month=11, team="Team North", service="Localities", field="worried_about"):
    return th.Tag(audit, field, field, "9.1", kind, theme, ("word",), "word", "word", dt.date(2026, month, 1),
                  service, team)


def test_counts_by_theme_service_and_team_and_the_trend_count_audits_once():
    tags = [tag("A1", "Chronology", th.WORRY), tag("A1", "Chronology", th.WORRY, field="kss1.evidence"),
            tag("A2", "Chronology", th.WORRY, team="Team South"), tag("A2", "Chronology", th.STRENGTH,
                                                                        team="Team South", field="working_well"),
            tag("A3", "Supervision", th.STRENGTH, service="Fostering", team="Fostering Team"),
            tag("A4", "Chronology", th.WORRY, month=10)]
    themes = [th.Theme("Chronology", ("chronology",)), th.Theme("Supervision", ("supervision",)),
              th.Theme("Drift and delay", ("drift",))]
    assert th.theme_counts(tags, themes).rows == [["Chronology", 3, 1, 3], ["Supervision", 0, 1, 1],
                                                  ["Drift and delay", 0, 0, 0]]
    assert th.theme_counts(tags, themes, by="service").rows == [["Fostering", "Supervision", 0, 1, 1],
                                                                ["Localities", "Chronology", 3, 1, 3]]
    by_team = th.theme_counts(tags, themes, by="team")
    assert by_team.headers == ["Team", "Theme", "In worries", "In strengths", "Audits"]
    assert by_team.rows == [["Fostering Team", "Supervision", 0, 1, 1], ["Team North", "Chronology", 2, 0, 2],
                            ["Team South", "Chronology", 1, 1, 1]]
    months = [dt.date(2026, 10, 1), dt.date(2026, 11, 1)]
    trend = th.theme_trend(tags, months, themes)
    assert trend.headers == ["Theme", "Oct 2026", "Nov 2026"]
    assert trend.rows == [["Chronology", 1, 2], ["Supervision", 0, 0], ["Drift and delay", 0, 0]]
    assert th.theme_trend(tags, months, themes, th.STRENGTH).rows[:2] == [["Chronology", 0, 1], ["Supervision", 0, 1]]
    # a correction wins: A2's worry is not Chronology but Supervision, A1's second text is not Chronology at all
    cells = {"A2\x1fworried_about\x1fChronology": {"Correct?": "No", "Theme instead": "Supervision"}}
    fixed = th.corrected(tags, cells, themes)
    assert th.theme_counts(fixed, themes).rows[:2] == [["Chronology", 2, 1, 3], ["Supervision", 1, 1, 2]]


# ---- the session's pack -----------------------------------------------------------------------------


def register_people(ws) -> list[str]:
    """Every name, date of birth and case number the register holds (each part of a name on its own too)."""
    with ws.open_register() as reg:
        audits = reg.audits()
    found = set()
    for a in audits:
        for k, v in a.subject.items():
            if not v:
                continue
            if k in ("date_of_birth",):
                found |= {v, uk(v)}
            elif k == "case_number":
                found.add(v)
            elif k.endswith(("name", "names")) or k in ("social_worker", "team_manager", "auditor", "children_placed",
                                                         "young_people_placed", "senior_managers"):
                found.add(v)
                found |= {p for p in re.split(r"[\s,&()/]+", v) if len(p) >= 3 and p[0].isupper() and p != "and"}
        found |= set(a.group)
    return sorted(found)


def every_text(path: Path) -> str:
    """The text of every part of the package (the document, its properties, its footer…)."""
    with zipfile.ZipFile(path) as z:
        return "\n".join(re.sub(r"<[^>]+>", "", z.read(n).decode("utf-8")) for n in z.namelist()
                         if n.endswith((".xml", ".rels")))


def test_the_session_pack_has_its_sections_its_examples_and_no_name_or_date_of_birth(ws, tmp_path):
    made = make_pack(ws, session="2026-12-08", out=tmp_path, today=ON, now=dt.datetime(2026, 12, 7, 9))
    assert made.files == [tmp_path / "Learning pack 2026-12-08.docx"] and made.path.is_file()
    assert made.title == "November Audits – Localities & Fostering"
    assert made.audits == IN_SCOPE and made.tags > 0
    assert made.lines()[0] == (f"Learning pack for November Audits – Localities & Fostering: {IN_SCOPE} audits in "
                               f"scope, {made.tags} theme tags.")
    checked = subprocess.run([sys.executable, str(VALIDATE), str(made.path)], capture_output=True, text=True)
    assert checked.returncode == 0 and "VALID" in checked.stdout, checked.stdout + checked.stderr

    document = docx.Document(str(made.path))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    for heading in ("The audits in scope", "Grades", "Month by month", "Themes", "By team", "Worries month by month",
                    "Good practice", "What we are worried about", "Actions", "Oldest overdue actions",
                    "The meeting's notes", "What we learned"):
        assert heading in headings
    texts = [p.text for p in document.paragraphs]
    quotes = [p.text for p in document.paragraphs if p.style.name == "Quote"]
    assert len(quotes) >= 2
    assert any("[child]" in q or "[social worker]" in q for q in quotes)  # names were there, replaced by roles
    assert CONSENT in texts
    assert "Tuesday 8 December 2026" in texts
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    assert "Children in Care Team" not in cells and "Adoption Team" not in cells  # out of the session's scope
    assert "Fostering Team" in cells and "Chronology" in cells
    assert len(document.inline_shapes) >= 2
    for shape in document.inline_shapes:  # every chart has its alt text
        assert shape._inline.docPr.get("descr")

    text = every_text(made.path)
    people = register_people(ws)
    assert len(people) > 20
    for what in people:
        assert not re.search(rf"(?<!\w){re.escape(what)}(?!\w)", text), what
    assert "AUD-" not in text  # no audit id


def test_the_pack_of_a_month_has_every_audit_of_it(ws, tmp_path):
    made = make_pack(ws, month="2026-11", out=tmp_path, today=ON)
    assert made.audits == len(CHOSEN)
    assert made.path.name == "Learning pack 2026-11.docx"
    cells = [c.text for t in docx.Document(str(made.path)).tables for r in t.rows for c in r.cells]
    assert "Children in Care Team" in cells


def test_a_wrong_session_date_names_the_nearest_and_lists_the_sessions(ws, tmp_path):
    result = cli_run("learning", "pack", "--session", "2026-12-09", "--register", ws.register, "--out", tmp_path)
    assert result.exit_code == 2
    out = " ".join(result.output.split())
    assert "there is no session on 09/12/2026 in the sheet 'Sessions'" in out
    assert "(did you mean 2026-12-08, November Audits – Localities & Fostering?)" in out
    assert "The sessions: 2026-12-01 October audits – AS, CWD, ILAC; 2026-12-08 November Audits" in out
    assert not list(tmp_path.glob("*.docx"))
    with pytest.raises(NoSuchSession):
        make_pack(ws, session="2027-03-30", out=tmp_path, today=ON)


def test_the_pack_command_writes_the_pack(ws, tmp_path):
    result = cli_run("learning", "pack", "--session", "2026-12-08", "--register", ws.register, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Learning pack for November Audits – Localities & Fostering: {IN_SCOPE} audits")
    assert (tmp_path / "Learning pack 2026-12-08.docx").is_file()
    both = cli_run("learning", "pack", "--session", "2026-12-08", "--month", "2026-11")
    assert both.exit_code == 2 and "give --session YYYY-MM-DD or --month YYYY-MM" in both.output


def test_a_themes_workbook_that_cannot_be_read_says_what_to_do(ws):
    path = ws.folder / THEMES_FILE
    path.write_bytes(b"not a workbook")
    with pytest.raises(UserError, match="could not be read as an Excel workbook .* save it again as 'Excel Workbook"):
        check_themes(ws)
    told = consolidate_returns(ws, [ws.folder / "month" / "returned"], now=NOW + dt.timedelta(days=1)).lines()
    assert any(line.startswith(f"Note: Nothing was tagged with themes: {path} could not be read") and
               line.endswith("Run 'auditdocs learning themes check' to see what to put right.") for line in told), told
    book = openpyxl.Workbook()
    book.active.title = "Vocabulary"
    book.save(path)
    result = cli_run("learning", "themes", "check")
    assert result.exit_code == 2
    assert f"{path} has no sheet 'Themes'. Its sheets: Vocabulary. Name the sheet of the themes 'Themes'." \
        in " ".join(result.output.split())


def test_the_pack_of_a_month_outside_a_workspace_uses_the_frameworks_themes(made, tmp_path):
    ws = workspace_without_settings(tmp_path).with_files("given", register=made[1].register)
    made_pack = make_pack(ws, month="2026-11", out=tmp_path, today=ON)
    assert made_pack.audits == len(CHOSEN) and made_pack.tags > 0
    cells = [c.text for t in docx.Document(str(made_pack.path)).tables for r in t.rows for c in r.cells]
    assert "Contextual safeguarding and exploitation" in cells  # every theme of the framework has its row
    with pytest.raises(UserError, match="give the themes workbook with --themes FILE"):
        make_pack(ws, session="2026-12-08", out=tmp_path, today=ON)
