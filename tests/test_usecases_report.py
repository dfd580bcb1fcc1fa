"""The use cases of status, chase, report, export, key and finalise, called as a browser would call them:
a Workspace and plain arguments in, a result object out; no click, nothing printed.

One small month of real forms (generated, filled as auditors fill them, one of them incomplete and one an
Excel form, consolidated into a real register) is shared by the tests; each checks what its use case did,
the files it wrote and what it says went wrong, with the place."""
from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest
from habits import auditors_list
from helpers import needs_soffice
from month_register import make_month, sample_allocations
from pypdf import PdfReader

from auditdocs.errors import UserError
from auditdocs.register import AuditRegister, Register
from auditdocs.report.run import NotAPeriod, PeriodsClash, make_report
from auditdocs.share.keys import load_key
from auditdocs.share.run import NO_KEY, export_audits, finalise_audits, new_key
from auditdocs.status.run import NO_AUDITS_YET, chase_letters, month_status
from auditdocs.workspace import (
    init_workspace,
    load_workspace,
    workspace_without_settings,
)

NOVEMBER = dt.date(2026, 11, 1)
ON = dt.date(2026, 12, 7)  # after the month's deadlines: something is overdue
COUNT = 6  # index 4 is filled in incompletely, index 5 is an Excel form (see month_register)


@pytest.fixture(scope="module")
def month(library, tmp_path_factory):
    return make_month(tmp_path_factory.mktemp("month"), library, sample_allocations(library, COUNT))


@pytest.fixture(scope="module")
def ws(month):
    """A workspace without a settings file, its register the month's (as `--register` names one)."""
    return workspace_without_settings(month.folder).with_files("given", register=month.register)


@pytest.fixture(scope="module")
def audits(ws):
    """The month's audits, as the register holds them."""
    with ws.open_register() as reg:
        return reg.audits(month=NOVEMBER)


def test_the_sqlite_register_is_an_audit_register():
    assert AuditRegister in Register.__mro__  # declared, not only alike
    every = {name for name, value in vars(AuditRegister).items() if callable(value) and not name.startswith("_")}
    assert {"audits", "months", "case_history", "record_audits", "record_events", "commit"} <= every
    for name in every:  # each operation documented, and the SQLite one has it
        assert getattr(AuditRegister, name).__doc__, name
        assert getattr(Register, name) is not getattr(AuditRegister, name), name


# ---- status and chase -------------------------------------------------------------------------


def test_month_status_counts_the_month_and_writes_its_json(ws, month, tmp_path):
    json_file = tmp_path / "November.json"
    done = month_status(ws, month=NOVEMBER, today=ON, json_file=json_file)
    assert done.glance.month == NOVEMBER and done.glance.today == ON
    assert len(done.glance.lines) == COUNT and sum(done.glance.counts().values()) == COUNT
    assert {line.audit.audit_id for line in done.glance.lines} == {a.audit_id for a in month.allocations.allocations}
    assert done.files == [json_file] and done.json_file == json_file
    data = json.loads(json_file.read_text(encoding="utf-8"))
    assert data == done.glance.as_json() and data["month"] == "2026-11" and len(data["audits"]) == COUNT
    assert done.lines() == [done.glance.text(), f"\nWritten to {json_file}."]
    assert done.lines()[0].startswith("November 2026 on ") and f"{COUNT} audits." in done.lines()[0]
    assert done.overdue == bool(done.glance.overdue())
    assert "other_months" not in data  # a month was asked for: of that month only


def test_month_status_without_a_month_shows_the_latest_and_every_month_overdue(ws):
    done = month_status(ws, today=ON)
    assert done.glance.month == NOVEMBER and done.glance.other_months == [] and done.files == []
    assert done.lines() == [done.glance.text()]


def test_a_workspace_without_a_register_yet_has_no_audits_yet(tmp_path):
    init_workspace(tmp_path / "ws")
    fresh = load_workspace(tmp_path / "ws" / "auditdocs.toml")
    with pytest.raises(UserError) as raised:
        month_status(fresh, today=ON)
    assert raised.value.message == NO_AUDITS_YET
    with pytest.raises(UserError, match=NO_AUDITS_YET[:40]):
        chase_letters(fresh, today=ON)
    named = fresh.with_files("given", register=tmp_path / "elsewhere.sqlite")  # a register named, not there
    with pytest.raises(UserError, match="there is no register at .*elsewhere.sqlite"):
        month_status(named, today=ON)


def test_chase_writes_a_letter_per_person_and_a_draft_each(ws, audits, tmp_path):
    first = audits[0]
    auditors = auditors_list(tmp_path / "auditors.xlsx", [(first.auditor, "first@anytown.example", "Team")])
    out = tmp_path / "chase"
    done = chase_letters(ws, month=NOVEMBER, today=ON, out=out, eml=True, auditors=auditors,
                         now=dt.datetime(2026, 12, 7, 9))
    assert done.letters and done.month == NOVEMBER and done.today == ON
    assert done.text == "\n\n".join(letter.text for letter in done.letters)
    assert len(done.letter_files) == len(done.letters) and all(p.parent == out for p in done.letter_files)
    for letter, path in zip(done.letters, done.letter_files):
        assert path.read_text(encoding="utf-8") == letter.text + "\n" and f"({letter.role})" in path.name
    drafts = sorted(out.glob("*.eml"))
    assert len(drafts) == len(done.letters) and sorted(done.files) == sorted(done.letter_files + drafts)
    assert done.written == f"{len(done.letters)} letter{'s' * (len(done.letters) != 1)} written to {out}."
    # everyone but the first auditor lacks an address in the list: a warning each, naming them
    others = [letter.to for letter in done.letters if letter.to != first.auditor]
    assert len(done.warnings) == len(others) and all(any(name in w for w in done.warnings) for name in others)
    assert done.overdue == any(letter.overdue for letter in done.letters)


def test_chase_before_the_deadlines_has_nothing_overdue_and_writes_nothing_unasked(ws):
    done = chase_letters(ws, month=NOVEMBER, today=dt.date(2026, 11, 3))
    assert not done.overdue and done.files == [] and done.written == "" and done.drafts is None


# ---- report -----------------------------------------------------------------------------------


def test_make_report_writes_the_word_report_the_dashboard_and_the_json(ws, month, tmp_path):
    told = []
    out = tmp_path / "reports"
    files = make_report(ws, month="2026-11", out=out, today=ON, json_file=tmp_path / "figures.json",
                        progress=lambda done, total: told.append((done, total)))
    assert files.report == out / "Audit report 2026-11.docx" and files.dashboard == out / "Audit dashboard 2026-11.xlsx"
    assert files.files == [files.report, files.dashboard, tmp_path / "figures.json"] and files.pdf is None
    assert all(p.is_file() and p.stat().st_size > 0 for p in files.files)
    assert files.figures.audits == COUNT and files.figures.period_label == "November 2026"
    data = json.loads((tmp_path / "figures.json").read_text(encoding="utf-8"))
    assert data["period_label"] == "November 2026" and data["audits"] == COUNT
    assert files.lines()[0].startswith(f"Audit report for November 2026: {COUNT} audits (")
    assert files.lines()[1:3] == [f"  Word report: {files.report}", f"  Dashboard:   {files.dashboard}"]
    assert told[-1] == (3, 3) and [d for d, _ in told] == sorted(d for d, _ in told)
    openpyxl.load_workbook(files.dashboard)  # a real workbook
    assert files.notes == files.figures.notes


def test_make_report_anonymous_holds_no_case_number(ws, audits, tmp_path):
    files = make_report(ws, first="2026-10", last="2026-11", out=tmp_path, today=ON, anonymous=True,
                        json_file=tmp_path / "anonymous.json")
    text = (tmp_path / "anonymous.json").read_text(encoding="utf-8")
    assert files.figures.period_label == "October to November 2026" and len(audits) == COUNT
    assert all(a.case_number for a in audits) and not [a.case_number for a in audits if a.case_number in text]


def test_make_report_refuses_periods_it_cannot_use(ws, tmp_path):
    with pytest.raises(PeriodsClash, match="give one period: --month or --quarter, not both"):
        make_report(ws, month="2026-11", quarter="2026-Q3", out=tmp_path)
    with pytest.raises(PeriodsClash, match="give both --from and --to"):
        make_report(ws, first="2026-04", out=tmp_path)
    with pytest.raises(NotAPeriod, match="is not a quarter"):
        make_report(ws, quarter="2026-3", out=tmp_path)
    with pytest.raises(UserError, match=r"no audits allocated for January 2024 \(it has audits for November 2026\)"):
        make_report(ws, month="2024-01", out=tmp_path)
    assert not list(tmp_path.iterdir())  # nothing written


def test_make_report_without_a_period_reports_on_last_month(ws, tmp_path):
    files = make_report(ws, out=tmp_path, today=dt.date(2026, 12, 2))
    assert files.figures.period_label == "November 2026" and files.json is None


# ---- export and the key -----------------------------------------------------------------------


def test_new_key_makes_the_teams_key(tmp_path):
    made = new_key(None, tmp_path / "team.key")
    assert made.files == [tmp_path / "team.key"] and load_key(made.path)[0].key_id
    assert made.lines()[0].startswith(f"Made the key {made.path}")
    with pytest.raises(UserError):
        new_key(None, made.path)  # never replaced


def test_export_audits_writes_a_pseudonymised_workbook(ws, audits, tmp_path):
    (tmp_path / "keys").mkdir()
    key = new_key(None, tmp_path / "keys" / "team.key").path
    out = tmp_path / "out" / "November.xlsx"
    done = export_audits(ws, key_file=key, out=out, month=NOVEMBER, long=True, today=ON)
    assert done.files == [out] and done.period == "November 2026" and done.warnings == []
    assert [s.name for s in done.tables.sheets] == ["Audits", "Judgements", "Actions"]
    assert len(done.tables.sheets[0].rows) == COUNT and done.key_id == load_key(key)[0].key_id
    assert done.lines()[0] == (f"Exported {COUNT} audits, {len(done.tables.sheets[1].rows)} judgements, "
                               f"{len(done.tables.sheets[2].rows)} actions (November 2026), pseudonymised with key "
                               f"{done.key_id}:") and done.lines()[1] == f"  {out}"
    book = openpyxl.load_workbook(out, read_only=True)
    cells = {str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c}
    assert not {a.case_number for a in audits} & cells and not {a.auditor for a in audits} & cells
    assert done.notes == []


def test_export_audits_says_what_is_wrong_with_its_key_or_its_months(ws, tmp_path):
    with pytest.raises(UserError) as raised:
        export_audits(ws, key_file=None, out=tmp_path / "x.xlsx")
    assert raised.value.message == NO_KEY
    key = new_key(None, tmp_path / "team.key").path
    beside = export_audits(ws, key_file=key, out=tmp_path / "x.csv", today=ON)  # every month
    assert beside.period == "every month in the register" and beside.files == [tmp_path / "x.csv"]
    assert beside.warnings == [f"the key {key} is in the same folder as the export: keep them apart, so that the key "
                               "never goes out with an export."]
    with pytest.raises(UserError, match=r"has no audits for January 2025, so nothing was exported"):
        export_audits(ws, key_file=key, out=tmp_path / "out" / "y.xlsx", month=dt.date(2025, 1, 1))
    assert not (tmp_path / "out").exists()


# ---- finalise ---------------------------------------------------------------------------------


@needs_soffice
def test_finalise_audits_of_the_month_makes_a_pdf_of_each_complete_audit(ws, month, tmp_path):
    told = []
    out = tmp_path / "To upload"
    done = finalise_audits(ws, month=NOVEMBER, out=out, today=ON, now=dt.datetime(2026, 12, 7, 10),
                           progress=lambda n, total: told.append((n, total)))
    complete = {aid for aid, record in month.records.items() if record.status == "complete"}
    assert len(complete) == COUNT - 1  # one is filled in incompletely
    assert len(done.made) == len(complete) and done.files == done.made and all(p.parent == out for p in done.made)
    assert {PdfReader(p).metadata["/AuditId"] for p in done.made} == complete
    assert [s.what.split(" ")[0] for s in done.skipped] == sorted(set(month.records) - complete)
    assert "incomplete, so not finalised" in done.skipped[0].reason
    assert done.skipped_lines() == ["Not finalised (1):", f"  {done.skipped[0]}"]
    assert done.lines()[0].startswith(f"Finalised {len(complete)} audits in {out} (upload each")
    assert told == [(n, len(complete)) for n in range(1, len(complete) + 1)]
    assert done.tagging_warnings() == [] and done.warnings == []


@needs_soffice
def test_finalise_audits_of_returned_forms_and_what_it_refuses(ws, month, tmp_path):
    one = next(aid for aid, record in month.records.items() if record.status == "complete")
    done = finalise_audits(ws, paths=[month.file_of(one)], out=tmp_path / "pdf", today=ON)
    assert len(done.made) == 1 and PdfReader(done.made[0]).metadata["/AuditId"] == one and done.skipped == []
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no forms .* were found there; nothing was finalised"):
        finalise_audits(ws, paths=[tmp_path / "empty"], out=tmp_path / "again")
    with pytest.raises(UserError, match=r"has no audits for January 2025; nothing was finalised"):
        finalise_audits(ws, month=dt.date(2025, 1, 1), out=tmp_path / "again")
    with pytest.raises(ValueError):
        finalise_audits(ws, paths=[month.file_of(one)], month=NOVEMBER, out=tmp_path / "again")
