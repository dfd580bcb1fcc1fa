"""Sharing safely: the team's key, pseudonymised exports and finalised PDFs, on a real month of forms
(generated, filled, read back and recorded in a real register: see month_register.py)."""
from __future__ import annotations

import base64
import csv
import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from helpers import (
    SPECS,
    libreoffice_convert,
    needs_soffice,
    pdfinfo_says,
    row_header_texts,
    xmp_properties,
)
from month_register import make_month, sample_allocations
from pypdf import PdfReader
from scan import export_leaks, found_in, haystack, pdf_findings, people

from auditdocs.cli import cli
from auditdocs.domain import cycle
from auditdocs.domain import model as m
from auditdocs.errors import UserError
from auditdocs.register import open_register
from auditdocs.share.export import ExportSettings, age_band
from auditdocs.share.finalise import form_kind, pdf_name, plan_from_records
from auditdocs.share.keys import KEY_HEADER, PseudonymKey, load_key, make_key_file
from auditdocs.tagged_pdf import WORD_JOINER, structure
from auditdocs.tracker.rows import judgement_rows

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
ON_POSIX = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX (Windows uses access lists)")
DAY_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b")
MONTH_TEXT = re.compile(r"^\d{4}-\d{2}$")


def run(*args):
    return CliRunner().invoke(cli, ["--specs", str(SPECS), *map(str, args)])


@pytest.fixture(scope="module")
def month(library, tmp_path_factory):
    return make_month(tmp_path_factory.mktemp("month"), library)


@pytest.fixture(scope="module")
def key_file(tmp_path_factory):
    return make_key_file(tmp_path_factory.mktemp("key") / "team.key")


@pytest.fixture(scope="module")
def exports(month, key_file, tmp_path_factory):
    """Every kind of export of the month, by name."""
    folder = tmp_path_factory.mktemp("exports")
    variants = {"short.xlsx": [], "long.xlsx": ["--long"], "text.xlsx": ["--long", "--with-text"],
                "coded.csv": ["--long", "--with-text", "--code-teams"], "short.csv": []}
    for name, options in variants.items():
        result = run("export", "--pseudonymise", "--key-file", key_file, "--month", "2026-11", "--out", folder / name,
                     "--register", month.register, *options)
        assert result.exit_code == 0, result.output
    return folder


@pytest.fixture(scope="module")
def finalised(month, tmp_path_factory):
    """The PDFs of one auditor's audits and of every Excel form (a foster carer's among them)."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed")
    out = tmp_path_factory.mktemp("finalised")
    paths = [month.returned / "Adaeze Okafor", *sorted(month.returned.rglob("*.xlsx"))]
    result = run("finalise", *paths, "--out", out)
    return out, result


def rows(path: Path, sheet: str = "Audits") -> list[dict]:
    if path.suffix == ".csv":
        if sheet != "Audits":
            path = path.with_name(f"{path.stem} {sheet.lower()}.csv")
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return list(csv.DictReader(fh))
    ws = openpyxl.load_workbook(path)[sheet]
    table = list(ws.iter_rows(values_only=True))
    return [dict(zip(table[0], (v if v is not None else "" for v in r))) for r in table[1:]]


def registered(month) -> dict[str, m.RegisteredAudit]:
    with open_register(month.register) as reg:
        return {a.audit_id: a for a in reg.audits()}


# ---- the key --------------------------------------------------------------------------------------


@ON_POSIX
def test_a_new_key_is_readable_by_its_owner_only_and_never_replaced(tmp_path):
    umask = os.umask(0o022)
    try:
        result = run("key", "new", tmp_path / "team.key")
    finally:
        os.umask(umask)
    assert result.exit_code == 0, result.output
    assert "Keep the key safe" in result.output and "Lose it" in result.output
    path = tmp_path / "team.key"
    assert path.stat().st_mode & 0o777 == 0o600
    before = path.read_bytes()
    assert before.startswith(KEY_HEADER.encode())
    again = run("key", "new", path)
    assert again.exit_code == 2 and "never replaced" in again.output
    assert path.read_bytes() == before
    assert load_key(path)[0].secret != load_key(make_key_file(tmp_path / "other.key"))[0].secret


def test_the_export_refuses_to_run_without_a_key_and_says_how_to_make_one(month, tmp_path):
    out = tmp_path / "export.xlsx"
    result = run("export", "--pseudonymise", "--key-file", tmp_path / "team.key", "--out", out,
                 "--register", month.register)
    assert result.exit_code == 2
    assert "auditdocs key new" in result.output and "Keep the key safe" in result.output
    assert "Lose it" in result.output and "Traceback" not in result.output
    (tmp_path / "notes.txt").write_text("Case 9901001: Testworth\n", encoding="utf-8")
    wrong = run("export", "--pseudonymise", "--key-file", tmp_path / "notes.txt", "--out", out,
                "--register", month.register)
    assert wrong.exit_code == 2 and "not an auditdocs key file" in wrong.output
    unsaid = run("export", "--key-file", tmp_path / "notes.txt", "--out", out, "--register", month.register)
    assert unsaid.exit_code == 2 and "--pseudonymise" in unsaid.output
    assert not out.exists()


@ON_POSIX
def test_a_key_others_can_read_is_warned_about(month, tmp_path):
    (tmp_path / "keys").mkdir()
    key = make_key_file(tmp_path / "keys" / "team.key")
    key.chmod(0o644)
    result = run("export", "--pseudonymise", "--key-file", key, "--out", tmp_path / "out.csv", "--register",
                 month.register)
    assert result.exit_code == 0, result.output
    assert "can be read by other users" in result.output and "chmod 600" in result.output


def test_a_key_beside_the_export_is_warned_about(month, key_file):
    result = run("export", "--pseudonymise", "--key-file", key_file, "--out", key_file.with_name("out.csv"),
                 "--register", month.register)
    assert result.exit_code == 0 and "same folder as the export" in result.output


# ---- pseudonyms ------------------------------------------------------------------------------------


def test_the_same_child_gets_the_same_pseudonym_with_the_same_key_and_only_with_it(month, key_file, exports, tmp_path):
    audits = registered(month)
    first = rows(exports / "short.xlsx")
    again = rows(exports / "short.csv")
    assert [r["Case ref"] for r in first] == [r["Case ref"] for r in again]
    assert [r["Audit ref"] for r in first] == [r["Audit ref"] for r in again]
    assert len(first) == len(audits) == 60
    # one pseudonym per case, one per audit: no two children share one
    assert len({r["Case ref"] for r in first}) == len({a.case_number for a in audits.values()})
    assert len({r["Audit ref"] for r in first}) == 60
    other_key = make_key_file(tmp_path / "other.key")
    assert run("export", "--pseudonymise", "--key-file", other_key, "--out", tmp_path / "other.csv",
               "--register", month.register).exit_code == 0
    other = rows(tmp_path / "other.csv")
    assert not {r["Case ref"] for r in first} & {r["Case ref"] for r in other}
    # keyed: nobody can make a case's pseudonym from its number without the key
    plain = {base64.b32encode(hashlib.sha256(f"case\x1f{a.case_number}".encode()).digest()).decode()[:12]
             for a in audits.values()}
    assert not {r["Case ref"][2:] for r in first} & plain


def test_a_pseudonym_ignores_spaces_and_case_and_differs_by_kind():
    key = PseudonymKey(bytes(range(32)))
    assert key.pseudonym("case", " 9901004 ", "C-") == key.pseudonym("case", "9901004", "C-")
    assert key.pseudonym("case", "ab 12", "C-") == key.pseudonym("case", "AB12", "C-")
    assert key.pseudonym("case", "9901004", "") != key.pseudonym("audit", "9901004", "")
    assert key.pseudonym("case", "", "C-") == "" and repr(bytes(range(32))) not in repr(key)


# ---- what an export holds -----------------------------------------------------------------------------


def test_one_row_per_audit_with_final_grades_stages_age_bands_and_months_only(month, library, key_file, exports):
    key = load_key(key_file)[0]
    audits = {key.pseudonym("audit", a.audit_id, "A-"): a for a in registered(month).values()}
    settings = ExportSettings()
    for row in rows(exports / "short.xlsx"):
        a = audits[row["Audit ref"]]
        spec = library.get(a.form_id)
        current = a.current
        assert row["Case ref"] == key.pseudonym("case", a.case_number, "C-") and row["Team"] == a.team
        assert row["Month"] == "2026-11" and row["Form"] == spec.title
        if current is None:
            assert row["Form status"] == "not returned" and row["Final grade"] == ""
            continue
        assert row["Form status"] == current.record.status
        grade = cycle.final_grade(spec, current.record)
        assert row["Final grade"] == (grade.label if grade else "")
        assert row["Stage"] in cycle.STATES.values()
        born = a.subject.get("date_of_birth")
        assert row["Age band"] == (age_band(dt.date.fromisoformat(born), cycle.finalised_on(spec, current), settings)
                                   if born else "")
        for heading in ("Returned", "Finalised"):
            assert row[heading] == "" or MONTH_TEXT.match(row[heading]), (heading, row[heading])
    bands = {r["Age band"] for r in rows(exports / "short.xlsx")}
    assert bands - {""} and bands <= {"", "Unborn", *settings.band_labels()}
    grades = {r["Final grade"] for r in rows(exports / "short.xlsx")}
    assert {"Outstanding", "Good", "Requires Improvement", "Inadequate"} <= grades
    for name in ("short.xlsx", "long.xlsx", "text.xlsx", "coded.csv"):
        for sheet in ("Audits", "Judgements", "Actions") if name != "short.xlsx" else ("Audits",):
            for row in rows(exports / name, sheet):
                for heading, value in row.items():
                    assert not isinstance(value, dt.date), (name, sheet, heading)
                    assert not DAY_DATE.search(str(value)), (name, sheet, heading, value)


def test_no_free_text_unless_asked_for(exports):
    for name in ("short.xlsx", "long.xlsx", "short.csv"):
        assert "was seen alone" not in haystack(exports / name)
        assert "the next supervision" not in haystack(exports / name)
    assert "Comment" not in rows(exports / "long.xlsx", "Judgements")[0]
    assert "Action" not in rows(exports / "long.xlsx", "Actions")[0]


def test_the_about_sheet_says_it_is_still_personal_data_and_which_key_made_it(exports, key_file):
    about = {r[0]: r[1] for r in openpyxl.load_workbook(exports / "short.xlsx")["About"].iter_rows(values_only=True)}
    assert "still personal data under UK GDPR" in about["Personal data"]
    assert load_key(key_file)[0].key_id in about["Key"] and about["Audits of"] == "November 2026"
    assert about["Free text"].startswith("No free text")
    with_text = openpyxl.load_workbook(exports / "text.xlsx")["About"]
    assert any(str(r[1]).startswith("Free text is included") for r in with_text.iter_rows(values_only=True))


def test_the_long_export_has_a_row_per_judgement_and_per_action(month, library, exports):
    records = [a.current.record for a in registered(month).values() if a.current]
    judgements = sum(len(judgement_rows(library.get(r.form_id), r)) for r in records)
    actions = sum(len(t) for r in records for t in r.tables.values())
    for name in ("long.xlsx", "coded.csv"):
        assert len(rows(exports / name, "Judgements")) == judgements > 300
        assert len(rows(exports / name, "Actions")) == actions > 60
    action_rows = rows(exports / "long.xlsx", "Actions")
    assert all(MONTH_TEXT.match(r["Required by"]) for r in action_rows if r["Required by"])
    assert {r["From"] for r in action_rows} == {"Audit"}
    assert {r["Judgement"] for r in rows(exports / "long.xlsx", "Judgements")} >= {"Met", "Partially met", "Not met"}


def test_with_text_the_names_the_record_knows_become_roles_and_text_stays_text(month, exports):
    audit_rows = rows(exports / "text.xlsx")
    rationales = [r["Grade rationale"] for r in audit_rows if r["Grade rationale"]]
    assert len(rationales) >= 50
    for text in rationales:
        assert "[team manager] and [auditor] agreed the plan" in text, text
    assert sum("was seen alone by [social worker]" in t for t in rationales) >= 50
    assert sum("(born [date of birth], case [case number])" in t for t in rationales) >= 30
    assert any("[foster carer]" in t and "[child placed]" in t for t in rationales)
    actions = rows(exports / "text.xlsx", "Actions")
    assert any(r["Action"].endswith("with [child]") for r in actions)
    assert any(r["Action"].endswith("with [foster carer] [foster carer]") for r in actions)
    # a comment that starts with '=' lands as text, never as a formula
    book = openpyxl.load_workbook(exports / "text.xlsx")
    cells = [c for row in book["Judgements"].iter_rows() for c in row if str(c.value or "").startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)
    assert any(r["Comment"].startswith("'=") for r in rows(exports / "coded.csv", "Judgements"))


def test_teams_and_services_can_be_replaced_by_keyed_codes(month, exports):
    audits = registered(month)
    coded = rows(exports / "coded.csv")
    assert all(r["Team"].startswith("T-") for r in coded)
    assert len({r["Team"] for r in coded}) == len({a.team for a in audits.values()})
    assert not found_in(haystack(exports / "coded.csv"), {a.team for a in audits.values()})


def test_an_export_replaces_only_an_earlier_export(month, key_file, tmp_path):
    tracker = tmp_path / "Audit tracker.xlsx"
    book = openpyxl.Workbook()
    book.active["A1"] = "Managers' notes"
    book.save(tracker)
    before = tracker.read_bytes()
    args = ["export", "--pseudonymise", "--key-file", key_file, "--register", month.register, "--out"]
    result = run(*args, tracker)
    assert result.exit_code == 2 and "not an auditdocs export" in result.output
    assert tracker.read_bytes() == before
    assert run(*args, tmp_path / "export.xlsx").exit_code == 0
    assert run(*args, tmp_path / "export.xlsx", "--long").exit_code == 0
    assert "Judgements" in openpyxl.load_workbook(tmp_path / "export.xlsx").sheetnames
    assert run(*args, tmp_path / "export.txt").exit_code == 2


def test_an_audit_of_a_form_spec_no_longer_there_is_exported_and_noted(library, key_file, tmp_path):
    path = tmp_path / "register.sqlite"
    with open_register(path, write=True, create=True) as reg:
        reg.record_audits([m.RegisteredAudit("AUD-202611-RETIRED2", "retired_form", 1,
                                             {"case_number": "9901099", "team": "Team North"},
                                             dt.date(2026, 11, 1), dt.date(2026, 11, 30))])
    result = run("export", "--pseudonymise", "--key-file", key_file, "--out", tmp_path / "out.csv",
                 "--register", path)
    assert result.exit_code == 1 and "no form spec 'retired_form'" in result.output
    assert [r["Form"] for r in rows(tmp_path / "out.csv")] == ["retired_form"]


def test_a_re_audit_in_a_later_export_points_to_the_audit_it_follows(month, library, key_file, tmp_path):
    register = tmp_path / "register.sqlite"
    shutil.copyfile(month.register, register)
    inadequate = next(a for a in registered(month).values() if a.current and a.current.status == "complete"
                      and cycle.is_inadequate(library.get(a.form_id), a.current.record))
    with open_register(register, write=True) as reg:
        reg.record_audits([dataclasses.replace(inadequate, audit_id="AUD-202612-REAUDIT2", month=dt.date(2026, 12, 1),
                                               due=dt.date(2026, 12, 31), returns=[], events=[], actions=[])])
    result = run("export", "--pseudonymise", "--key-file", key_file, "--month", "2026-12", "--out",
                 tmp_path / "December.csv", "--register", register)
    assert result.exit_code == 0, result.output
    key = load_key(key_file)[0]
    [row] = rows(tmp_path / "December.csv")
    assert row["Re-audit of"] == key.pseudonym("audit", inadequate.audit_id, "A-")
    assert row["Case ref"] == key.pseudonym("case", inadequate.case_number, "C-")
    assert row["Stage"] in (cycle.STATES[cycle.ALLOCATED], cycle.STATES[cycle.OVERDUE])  # by today's date
    assert row["Form status"] == "not returned"


def test_the_months_asked_for(month, key_file, tmp_path):
    args = ["export", "--pseudonymise", "--key-file", key_file, "--register", month.register, "--out",
            tmp_path / "out.csv"]
    assert run(*args, "--month", "2026-11", "--from", "2026-10").exit_code == 2
    empty = run(*args, "--from", "2026-12", "--to", "2027-03")
    assert empty.exit_code == 2 and "no audits for December 2026 to March 2027" in empty.output
    assert run(*args, "--from", "2026-10", "--to", "2026-11").exit_code == 0
    assert len(rows(tmp_path / "out.csv")) == 60


def test_age_bands_at_the_audit_date():
    on = dt.date(2026, 11, 18)
    assert age_band(dt.date(2026, 11, 19), on) == "Unborn"
    assert age_band(dt.date(2025, 11, 19), on) == "Under 1"
    assert age_band(dt.date(2025, 11, 18), on) == "1 to 4"
    assert age_band(dt.date(2016, 11, 19), on) == "5 to 9"
    assert age_band(dt.date(2016, 11, 18), on) == "10 to 15"
    assert age_band(dt.date(2009, 11, 18), on) == "16 to 17"
    assert age_band(dt.date(2008, 11, 18), on) == "18 and over"
    assert age_band(None, on) == "" and age_band(dt.date(2010, 1, 1), None) == ""
    assert age_band(dt.date(2012, 2, 29), dt.date(2026, 2, 28)) == "10 to 15"  # 13 until 1 March


def test_export_settings_from_a_workspace_section():
    where = "auditdocs.toml, [export] table"
    settings, warnings = ExportSettings.from_mapping({"age_bands": [5, 11, 16], "code_teams": True, "colour": 1}, where)
    assert settings == ExportSettings((5, 11, 16), True)
    assert settings.band_labels() == ["Under 5", "5 to 10", "11 to 15", "16 and over"]
    assert warnings == [f"{where}: this version of auditdocs does not know 'colour'; it is ignored (known there: "
                        "age_bands, code_teams)."]
    assert ExportSettings.from_mapping({}, "x") == (ExportSettings(), [])
    for bad in ({"age_bands": [16, 5]}, {"age_bands": "5,10"}, {"age_bands": [0, 5]}, {"code_teams": "yes"}):
        with pytest.raises(UserError, match=r"auditdocs.toml, \[export\] table: (age_bands|code_teams)"):
            ExportSettings.from_mapping(bad, where)


# ---- finalised PDFs ---------------------------------------------------------------------------------


def test_the_pdf_name_is_case_number_form_kind_and_audit_date(library):
    day = dt.date(2026, 11, 18)
    assert pdf_name(library.get("csc_case_file_audit"), "9901004", day) == "9901004 Case File Audit 2026-11-18.pdf"
    assert form_kind(library.get("audit_moderation_ascincp")) == "Audit & Moderation"
    assert form_kind(library.get("front_door_recording")) == "Restorative Learning Audit"
    assert pdf_name(library.get("foster_carer_case_file_audit"), "FC/12:3", day) == "FC-12 -3 Case File Audit 2026-11-18.pdf"


def test_two_files_with_the_same_audit_and_different_answers_are_not_finalised(month, library):
    record = next(r for r in month.records.values() if r.status == "complete")
    changed = dataclasses.replace(record, file=record.file + " (copy).docx",
                                  answers={**record.answers, "working_well": "Changed afterwards."})
    same = dataclasses.replace(record, file=record.file + " (2).docx")
    plan = plan_from_records([record, changed], library, dt.date(2026, 12, 1))
    assert not plan.items and len(plan.skipped) == 2
    assert all("different answers" in s.reason for s in plan.skipped)
    twice = plan_from_records([record, same], library, dt.date(2026, 12, 1))
    assert len(twice.items) == 1 and not twice.skipped


@needs_soffice
def test_finalise_makes_a_pdf_per_complete_audit_named_for_the_case_system(month, finalised, library):
    out, result = finalised
    chosen = [r for r in month.records.values() if "Adaeze Okafor" in r.file or r.file.endswith(".xlsx")]
    expected = [r for r in chosen if r.status == "complete"]
    assert result.exit_code == 1, result.output  # an incomplete audit is among them
    assert len(expected) < len(chosen)
    for record in chosen:
        assert (Path(record.file).name in result.output) == (record.status != "complete")
    by_audit = {}
    for pdf in sorted(out.glob("*.pdf")):
        reader = PdfReader(pdf)
        by_audit[reader.metadata["/AuditId"]] = (pdf, reader)
    assert len(by_audit) == len(expected) >= 10
    for record in expected:
        spec = library.get(record.form_id)
        pdf, reader = by_audit[record.audit_id]
        case = record.subject["case_number"]
        assert pdf.name == f"{case} {form_kind(spec)} {record.answers['audit_date']}.pdf"
        info = reader.metadata
        assert info["/Title"].startswith(spec.title) and case in info["/Title"]
        assert record.audit_id in info["/Subject"] and info["/Keywords"] == record.audit_id
        assert "/Author" not in info and info["/Producer"] == "auditdocs"
        assert set(info) <= {"/Title", "/Subject", "/Keywords", "/AuditId", "/Creator", "/Producer", "/CreationDate"}
        assert xmp_properties(reader) == {"dc:title": info["/Title"], "pdfuaid:part": "1"}  # no tool, no date
        attached = reader.attachments
        assert list(attached) == [f"{record.audit_id}.json"]
        assert json.loads(attached[f"{record.audit_id}.json"][0]) == {**m.shown_record(spec, record).as_dict(),
                                                                      "file": Path(record.file).name}  # labels
        text = "\n".join(page.extract_text() for page in reader.pages)
        assert case in text and record.subject["family_name"] in text
        if os.name == "posix":
            assert pdf.stat().st_mode & 0o777 == 0o600
    assert any(p.suffix == ".xlsx" for p in map(Path, (r.file for r in expected)))


@needs_soffice
def test_each_finalised_pdf_is_tagged_for_screen_readers_whatever_the_form_kind_word_or_excel(
        month, finalised, library):
    out, result = finalised
    assert "Warning" not in result.output
    records = {r.audit_id: r for r in month.records.values()}
    kinds = set()
    for path in sorted(out.glob("*.pdf")):
        reader = PdfReader(path)
        record = records[reader.metadata["/AuditId"]]
        spec, form = library.get(record.form_id), Path(record.file)
        kinds.add((spec.id, form.suffix))
        catalog = reader.trailer["/Root"]
        # every PDF: its language, its title in the window's title bar, not PDF 1.3
        assert catalog["/Lang"] == "en-GB" and bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"])
        assert reader.pdf_header >= "%PDF-1.4" and list(reader.attachments) == [f"{record.audit_id}.json"]
        found = structure(path.read_bytes())
        assert found.shows_title and found.title.startswith(spec.title)
        assert bool(catalog["/MarkInfo"]["/Marked"]) and "/ParentTree" in catalog["/StructTreeRoot"].get_object()
        assert all("/StructParents" in page for page in reader.pages)
        assert pdfinfo_says(path)["Tagged"] == "yes", path.name
        assert found.tagged and found.pdfua and found.figures_without_alt == 0 and found.untagged_text == 0, path.name
        # what the auditor wrote is all there, as written (the word joiner that made Calc tag it is not drawn)
        text = "\n".join(page.extract_text() for page in reader.pages)
        assert WORD_JOINER not in text
        flat = " ".join(text.split())
        shown = m.shown_record(spec, record)  # choices as their labels, as the form shows them
        written = [v for v in [*shown.subject.values(), *shown.answers.values(),
                               *(v for rows in shown.tables.values() for row in rows for v in row.values())]
                   if isinstance(v, str) and not re.fullmatch(r"\d{4}-\d\d-\d\d", v)]
        assert len(written) >= 10 and [v for v in written if " ".join(v.split()) not in flat] == [], path.name
        if form.suffix == ".xlsx":  # Calc tags every cell as a paragraph: no headings or tables
            assert found.roles["/P"] >= len(written)
            continue
        # a heading per section, a table per table of the form, its heading rows as header cells (TH)
        document = docx.Document(str(form))
        assert found.roles["/H1"] == len(spec.sections) == found.bookmarks, path.name
        assert found.roles["/Table"] == len(document.tables)
        headed = [t for t in document.tables if t._tbl.tr_lst[0].find(f"{W}trPr/{W}tblHeader") is not None]
        assert len(headed) >= 1
        # every other table's rows headed by their labels (a detail's, a question's reference and text), no answer
        assert found.tables_without_headers == 0, path.name
        label_of = {item.ref: getattr(item, "text", None) or item.label for _, item in spec.items()
                    if not isinstance(item, m.Actions)}
        label_of.update((ref, voice.label) for q in spec.questions for ref, voice in q.voice_rows())
        details = [h.label for h in spec.header]
        row_headers = row_header_texts(reader)  # in the order they are read
        assert row_headers[:len(details)] == details, path.name
        pairs = list(zip(row_headers[len(details)::2], row_headers[len(details) + 1::2]))
        assert len(pairs) >= 4 and len(details) + 2 * len(pairs) == len(row_headers) == found.roles["/TH"] - sum(
            len(t._tbl.tr_lst[0].tc_lst) for t in headed), path.name
        assert [(ref, text) for ref, text in pairs if not text.startswith(" ".join(label_of.get(ref, "?").split()))] == []
        if shutil.which("pdftotext"):  # poppler reads the rewritten tags and pages as well as pypdf does
            shown = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, encoding="utf-8", errors="replace",
                                   check=True).stdout
            assert record.subject["case_number"] in shown and " ".join(details[-1].split()) in " ".join(shown.split())
    assert {suffix for _, suffix in kinds} == {".docx", ".xlsx"} and len({i for i, _ in kinds}) >= 3, kinds


def excel_form_with(month, tmp_path, change) -> Path:
    """A copy of a complete returned Excel form, changed by `change(book)` (as an auditor might in Excel)."""
    form = next(Path(r.file) for r in month.records.values() if r.file.endswith(".xlsx") and r.status == "complete")
    book = openpyxl.load_workbook(form)
    change(book)
    copy = tmp_path / "returned" / form.name
    copy.parent.mkdir()
    book.save(copy)
    return copy


def _values_on_the_last_printed_row(book) -> None:
    sheet = book.worksheets[0]
    row = int(re.findall(r"\d+", str(sheet.print_area))[-1])  # inside what is printed
    assert all(cell.value is None for cell in sheet[row])
    for column, value, shown in (("A", 12.5, "0.00"), ("B", "=1000+234", "General"), ("C", '="Signed "&"off"', "General"),
                                 ("D", True, "General"), ("E", dt.date(2026, 12, 1), "dd/mm/yyyy"), ("F", 4321, "General"),
                                 ("G", "Agreed", "General"), ("H", f'=IF(G{row}="Agreed","same","differs")', "General")):
        sheet[f"{column}{row}"] = value
        sheet[f"{column}{row}"].number_format = shown


@needs_soffice
def test_row_headers_are_marked_only_where_the_pdfs_tables_are_the_forms_row_for_row_and_cell_for_cell(
        month, library, tmp_path):
    from lxml import etree

    from auditdocs.forms.docx.layout import label_cells
    from auditdocs.tagged_pdf import editable, export_filter, finish, row_headers

    record = next(r for r in month.records.values() if r.file.endswith(".docx") and r.status == "complete")
    form = Path(record.file)
    (pdf,) = libreoffice_convert([form], tmp_path / "pdf", export_filter("writer"), tmp_path / "profile")
    body = etree.fromstring(zipfile.ZipFile(form).read("word/document.xml")).find(f"{W}body")
    labels = label_cells(body, library.get(record.form_id))
    before = structure(pdf.read_bytes())
    assert before.tables_without_headers >= 2 and before.roles["/Table"] == len(labels)

    def marked(labels) -> tuple[int, object]:
        writer = editable(pdf.read_bytes())
        changed = row_headers(writer, labels)
        return changed, structure(finish(writer, {"/Title": "A form"}))

    # a table too few: nothing changed; the details table a row or a cell short: that table left as it was
    changed, found = marked(labels[1:])
    assert changed == 0 and found.roles == before.roles
    for wrong in ([labels[0][:-1], *labels[1:]], [[row[:-1] for row in labels[0]], *labels[1:]]):
        changed, found = marked(wrong)
        assert changed == before.tables_without_headers - 1 and found.tables_without_headers == 1
    changed, found = marked(labels)
    assert changed == before.tables_without_headers and found.tables_without_headers == 0
    assert found.roles["/TD"] + found.roles["/TH"] == before.roles["/TD"] + before.roles["/TH"] < found.roles["/TH"] * 4
    assert found.tagged and found.untagged_text == 0


@needs_soffice
def test_an_excel_forms_numbers_dates_formulas_and_true_or_false_are_tagged_too_and_the_form_is_left_as_it_was(
        month, tmp_path):
    form = excel_form_with(month, tmp_path, _values_on_the_last_printed_row)
    before = form.read_bytes()
    result = run("finalise", form, "--out", tmp_path / "out")
    assert result.exit_code == 0 and "Warning" not in result.output, result.output
    [pdf] = sorted((tmp_path / "out").glob("*.pdf"))
    found = structure(pdf.read_bytes())
    assert found.tagged and found.pdfua and found.untagged_text == 0 and pdfinfo_says(pdf)["Tagged"] == "yes"
    text = " ".join("\n".join(page.extract_text() for page in PdfReader(pdf).pages).split())
    shown = ("12.50", "1234", "Signed off", "TRUE", "01/12/2026", "4321", "Agreed same")  # a formula sees the text as it is
    assert all(value in text for value in shown), text[-400:]
    assert WORD_JOINER not in text
    assert form.read_bytes() == before  # only LibreOffice's copy was changed


@needs_soffice
def test_an_excel_form_with_a_chart_in_it_is_finalised_whole_untagged_and_the_user_is_told_why(month, tmp_path):
    from openpyxl.chart import BarChart, Reference

    def add_chart(book):
        sheet = book.worksheets[0]
        chart = BarChart()
        chart.add_data(Reference(sheet, min_col=1, min_row=21, max_row=24))
        sheet.add_chart(chart, "J2")

    form = excel_form_with(month, tmp_path, add_chart)
    record = next(r for r in month.records.values() if Path(r.file).name == form.name)
    result = run("finalise", form, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    [pdf] = sorted((tmp_path / "out").glob("*.pdf"))
    assert pdfinfo_says(pdf)["Tagged"] == "no" and pdf.name in result.output
    assert "picture, chart or shape" in result.output and "a copy of its form" in result.output
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert record.subject["family_name"] in text and record.subject["case_number"] in text


@needs_soffice
def test_finalise_from_the_register_uses_each_audits_current_version(library, tmp_path):
    month = make_month(tmp_path / "small", library, sample_allocations(library, 6))
    statuses = [r.status for r in month.records.values()]
    assert statuses.count("incomplete") == 1
    moved = next(r for r in month.records.values() if r.status == "complete")
    Path(moved.file).rename(tmp_path / "moved away.docx")
    out = tmp_path / "To upload"
    result = run("finalise", "--month", "2026-11", "--register", month.register, "--out", out)
    assert result.exit_code == 1, result.output
    assert "no longer at" in result.output and moved.audit_id in result.output
    assert "incomplete" in result.output
    made = {PdfReader(p).metadata["/AuditId"] for p in out.glob("*.pdf")}
    assert made == {r.audit_id for r in month.records.values() if r.status == "complete"} - {moved.audit_id}


def test_finalise_without_libreoffice_says_how_to_install_it(month, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "no programs here"))
    result = run("finalise", month.returned, "--out", tmp_path / "out")
    assert result.exit_code == 2 and "LibreOffice" in result.output and "apt-get install" in result.output
    assert not (tmp_path / "out").exists()


def test_finalise_needs_forms_or_a_month_with_the_register(month, tmp_path):
    assert run("finalise").exit_code == 2
    assert run("finalise", "--month", "2026-11").exit_code == 2
    assert run("finalise", month.returned, "--month", "2026-11", "--register", month.register).exit_code == 2


# ---- checked, not hoped: nothing leaves that should not ------------------------------------------


def test_no_export_holds_a_name_case_number_date_of_birth_or_audit_id_of_the_register(month, exports):
    register = people(month.register)
    assert len(set().union(*register.values())) > 300
    files = sorted(exports.iterdir())
    assert len(files) == 7  # 5 exports: the .csv one with --long is a file per table
    for path in files:
        assert len(haystack(path)) > 5000
        assert not export_leaks(path, register), path.name
    # the scan can see: the same look at a returned Excel form finds its own child
    form = next(month.returned.rglob("*.xlsx"))
    record = next(r for r in month.records.values() if r.file == str(form))
    assert {record.subject["case_number"], record.subject["family_name"]} <= export_leaks(form, register)


@needs_soffice
def test_each_finalised_pdf_holds_its_own_audit_and_nothing_of_anyone_else_or_of_the_machine(month, finalised):
    out, _ = finalised
    register = people(month.register)
    machine = {v for v in (str(month.folder), str(Path.home()), "LibreOffice", socket.gethostname()) if len(v) >= 4}
    pdfs = sorted(out.glob("*.pdf"))
    assert len(pdfs) >= 10
    for pdf in pdfs:
        missing, others, of_the_machine = pdf_findings(pdf, register, machine)
        assert not missing and not others and not of_the_machine, (pdf.name, missing, others, of_the_machine)
