"""The moderators' copies (Word and Excel) and what happens when a moderated form comes back."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
from click.testing import CliRunner
from helpers import (
    SPECS,
    docx_schema_errors,
    files_workspace,
    libreoffice_convert,
    needs_soffice,
    xlsx_schema_errors,
)
from lxml import etree
from moderation_month import Month, write_moderators

from auditdocs.cli import cli
from auditdocs.consolidate import consolidate_returns
from auditdocs.consolidate.plan import _Candidate, moderated_version
from auditdocs.consolidate.versions import ReturnedFile
from auditdocs.domain import cycle
from auditdocs.forms.docx.fill import fill_docx
from auditdocs.forms.xlsx.layout import field_name
from auditdocs.moderation.columns import MODERATION_HEADINGS, moderation_columns
from auditdocs.moderation.forms import VersionFacts, moderation_parts, moderator_copy
from auditdocs.moderation.moderators import read_moderators
from auditdocs.moderation.outcome import audit_moderation, moderated_events
from auditdocs.moderation.select import choose_sample
from auditdocs.register import open_register
from auditdocs.returns.read import read_form
from auditdocs.tracker.rows import Graded

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TODAY = dt.date(2026, 12, 1)


def run(*args):
    return CliRunner().invoke(cli, ["--specs", str(SPECS), *map(str, args)])


def select(month: Month, library) -> dict[str, str]:
    """Choose and record the month's sample; audit id -> moderator."""
    people = read_moderators(month.moderators)
    with open_register(month.register, write=True) as reg:
        sample = choose_sample(reg.audits(month=month.month), library, people.moderators,
                               team_services=people.services_of_team(), month=month.month, today=TODAY)
        reg.record_events(sample.events(TODAY))
    return {c.audit_id: c.moderator.name for c in sample.new}


def locks(data: bytes) -> dict[str, str]:
    """Tag -> lock of every content control in a Word document."""
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
    out = {}
    for sdt in root.iter(W + "sdt"):
        tag, lock = sdt.find(f"{W}sdtPr/{W}tag"), sdt.find(f"{W}sdtPr/{W}lock")
        if tag is not None:
            out.setdefault(tag.get(W + "val"), lock.get(W + "val") if lock is not None else "")
    return out


def test_moderation_parts_of_each_kind_of_form(library):
    csc = moderation_parts(library.get("csc_case_file_audit"))
    assert {"moderated_grade", "qa_comments"} <= csc.fields and csc.tables == {"qa_actions"}
    assert "overall_grade" not in csc.fields and not csc.moderator_field
    voices = moderation_parts(library.get("audit_moderation_ascincp"))
    assert "q11_overall.moderator.grade" in voices.fields and "q3_assessment.moderator.comment" in voices.fields
    assert not any(".auditor." in f or ".self." in f for f in voices.fields)
    assert {"moderator_details", "moderation_date"} <= voices.fields and voices.moderator_field == "moderator_details"
    assert moderation_parts(library.get("front_door_referrals")) is None


def test_a_moderated_word_form_returned_becomes_the_final_grade(tmp_path, library):
    month = Month(tmp_path, library)
    audit = month.audit(grade="Good", team="Assessment Team 1", auditor="Ann Testworth")
    for team in ("Safeguarding Team North", "Early Help East"):
        month.audit(grade="Requires Improvement", team=team, auditor="Bo Fictional")
    chosen = select(month, library)
    assert audit in chosen
    out = tmp_path / "copies"
    result = run("moderation", "forms", "--month", "2026-11", "--out", out, "--register", month.register)
    assert result.exit_code == 0, result.output
    copy = out / chosen[audit] / month.files[audit].name
    data = copy.read_bytes()
    assert not docx_schema_errors(data)
    lock = locks(data)
    assert lock["moderated_grade"] == lock["qa_comments"] == lock["qa_actions.action"] == "sdtLocked"
    assert lock["overall_grade"] == lock["kss1_seen_alone"] == lock["actions.action"] == "sdtContentLocked"
    original = read_form(month.files[audit], library)
    as_copied = read_form(copy, library)
    assert as_copied.audit_id == audit and as_copied.answers == original.answers
    assert as_copied.tables == original.tables and as_copied.status == "complete"
    kept = run("moderation", "forms", "--month", "2026-11", "--out", out, "--register", month.register)
    assert "already there, kept" in kept.output  # a copy being moderated is never replaced

    spec = library.get("csc_case_file_audit")
    before = month.get(audit)
    assert moderation_columns(before, library) == {
        "Selected for moderation": "Yes", "Moderator": chosen[audit], "Moderated on": None,
        "Grade after moderation": None, "Changed": None}
    month.return_moderated(copy, {"moderated_grade": "Requires Improvement", "qa_comments": "Drift since August."})
    after = month.get(audit)
    assert len(after.returns) == 2 and after.current.path == copy.name  # the register keeps both versions
    assert cycle.final_grade(spec, after.current.record).value == "requires_improvement"
    assert cycle.overall_grade(spec, after.current.record).value == "good"
    standing = cycle.standings([after], library, TODAY)[audit]
    assert standing.grade.label == "Requires Improvement"
    done = audit_moderation(after, spec)
    assert (done.auditor_grade.label, done.moderated_grade.label, done.change) == ("Good", "Requires Improvement",
                                                                                   "down")
    assert done.moderated_on == dt.date(2026, 12, 10)  # the day the moderated form came back
    columns = moderation_columns(after, library)
    assert list(columns) == list(MODERATION_HEADINGS)
    assert columns == {"Selected for moderation": "Yes", "Moderator": chosen[audit],
                       "Moderated on": dt.date(2026, 12, 10), "Grade after moderation": Graded(
                           "Requires Improvement", "#FFC000"), "Changed": "Down"}
    assert moderation_columns(month.get(month.audit(team="Early Help East")), library)["Selected for moderation"] == "No"
    # consolidate recorded the moderation, once
    assert [(e.kind, e.who, e.details["change"]) for e in after.events_of("moderated")] == [
        ("moderated", chosen[audit], "down")]
    assert moderated_events([after], library) == []
    figures = run("moderation", "agreement", "--month", "2026-11", "--register", month.register)
    assert figures.exit_code == 0, figures.output
    assert "1 audit moderated" in figures.output and "0 higher, 1 lower, 0 the same" in figures.output
    assert f"{audit}" in figures.output and "Good -> Requires Improvement (down)" in figures.output


def test_a_moderated_copy_back_among_the_returned_forms_is_the_audits_newer_version_not_a_duplicate(
        tmp_path, library):
    month = Month(tmp_path, library)
    audit = month.audit(grade="Good", team="Assessment Team 1")
    other = month.audit(grade="Good", team="Early Help East")
    tracker, spec = tmp_path / "tracker.xlsx", library.get("csc_case_file_audit")
    original = month.files[audit].read_bytes()
    back = month.returned / "Moderation 2026-11"
    back.mkdir()
    data, _ = moderator_copy(original, ".docx", spec, "Harriet Notreal")
    (back / month.files[audit].name).write_bytes(fill_docx(data, {"moderated_grade": "Requires Improvement"}))
    # someone also changed the auditor's grade on the other's copy: that is not a moderation, it is a duplicate
    data, _ = moderator_copy(month.files[other].read_bytes(), ".docx", spec, "Harriet Notreal")
    (back / month.files[other].name).write_bytes(fill_docx(data, {"moderated_grade": "Good",
                                                                  "overall_grade": "Outstanding"}))
    for run_number in range(2):  # and again: the earlier version is not a duplicate of the newer one either
        summary = consolidate_returns(files_workspace(tracker, month.register, library),
                                      [month.returned], now=dt.datetime(2026, 12, 10 + run_number, 9))
        assert summary.duplicates == 1
        audits = {row["Audit id"]: row for row in sheet_rows(tracker, "Audits")}
        assert audits[audit]["Grade after moderation"] == "Requires Improvement"
        assert audits[audit]["Overall grade"] == "Good" and audits[audit]["Changed"] == "Down"
        assert audits[other]["Overall grade"] == "Good" and audits[other]["Grade after moderation"] is None
        duplicates = [e for e in sheet_rows(tracker, "Exceptions") if e["Problem"] == "Duplicate"]
        assert [e["Audit id"] for e in duplicates] == [other]
        assert duplicates[0]["File"] == f"Moderation 2026-11/{month.files[other].name}"
    moderated = month.get(audit)
    assert len(moderated.returns) == 2 and moderated.current.path.startswith("Moderation 2026-11/")
    assert [e.details["change"] for e in moderated.events_of("moderated")] == ["down"]  # recorded once
    assert month.files[audit].read_bytes() == original  # the auditor's form is kept as it was


def test_two_moderated_copies_that_differ_are_both_kept_and_said(library):
    def candidate(check, outside, graded):
        return _Candidate(ReturnedFile(check, f"{check}.docx", f"/r/{check}.docx"), check, ()), \
            VersionFacts(outside, graded)

    (first, first_facts), (a, a_facts), (b, b_facts) = (candidate("c0", "x", False), candidate("c1", "x", True),
                                                        candidate("c2", "x", True))
    facts = {id(first): first_facts, id(a): a_facts, id(b): b_facts}.get
    assert moderated_version(first, [a], lambda c: facts(id(c))) == (a, [])
    assert moderated_version(first, [a, b], lambda c: facts(id(c))) == (None, [a, b])
    assert moderated_version(a, [first], lambda c: facts(id(c))) == (None, [])  # the version it was copied from
    assert moderated_version(first, [a], lambda c: None) == (None, [a])  # not known: a duplicate, as before


def sheet_rows(path, name: str) -> list[dict]:
    rows = openpyxl.load_workbook(path)[name].iter_rows(values_only=True)
    headings = next(rows)
    return [dict(zip(headings, row)) for row in rows if row[0] is not None]


def test_an_excel_copy_locks_the_audit_and_opens_the_moderation_part(tmp_path, library):
    month = Month(tmp_path, library)
    audit = month.audit(grade="Outstanding", team="Early Help East", fmt="xlsx")
    chosen = select(month, library)
    out = tmp_path / "copies"
    assert run("moderation", "forms", "--month", "2026-11", "--out", out, "--register", month.register).exit_code == 0
    copy = out / chosen[audit] / month.files[audit].name
    assert not xlsx_schema_errors(copy.read_bytes())
    book = openpyxl.load_workbook(copy)

    def cell(name):
        sheet, ref = next(iter(book.defined_names[name].destinations))
        return book[sheet][ref.replace("$", "")]

    assert cell(field_name("moderated_grade")).protection.locked is False
    assert cell(field_name("qa_comments")).protection.locked is False
    assert cell(field_name("qa_actions.action.1")).protection.locked is False
    assert cell(field_name("overall_grade")).protection.locked is True
    assert cell(field_name("actions.action.1")).protection.locked is True
    assert book["Audit form"].protection.sheet
    assert read_form(copy, library).answers == read_form(month.files[audit], library).answers
    record = month.return_moderated(copy, {"moderated_grade": "Good"})
    assert record.audit_id == audit and record.status == "complete"
    spec = library.get("csc_case_file_audit")
    assert cycle.final_grade(spec, month.get(audit).current.record).label == "Good"
    assert audit_moderation(month.get(audit), spec).change == "down"


def test_the_voice_form_copy_names_its_moderator_and_opens_only_the_moderators_voice(tmp_path, library):
    month = Month(tmp_path, library)
    audit = month.audit(form="audit_moderation_ascincp", team="Safeguarding Team North", grade="Good")
    chosen = select(month, library)
    assert run("moderation", "forms", "--month", "2026-11", "--out", tmp_path / "copies",
               "--register", month.register).exit_code == 0
    copy = tmp_path / "copies" / chosen[audit] / month.files[audit].name
    lock = locks(copy.read_bytes())
    assert lock["q1_recording.moderator.grade"] == lock["moderation_date"] == "sdtLocked"
    assert lock["q1_recording.auditor.grade"] == lock["q1_recording.self.comment"] == "sdtContentLocked"
    people = read_moderators(month.moderators)
    service = people.find(chosen[audit]).service
    record = read_form(copy, library)
    assert record.answers["moderator_details"] == f"{chosen[audit]}, {service}"
    back = month.return_moderated(copy, {"q11_overall.moderator.grade": "Outstanding",
                                         "moderation_date": "2026-12-04"})
    assert back.answers["q11_overall.auditor.grade"] == "good"
    done = audit_moderation(month.get(audit), library.get("audit_moderation_ascincp"))
    assert done.change == "up" and done.moderated_on == dt.date(2026, 12, 4)  # the form's moderation date


def test_a_returned_form_moved_or_changed_since_the_register_read_it_is_not_copied(tmp_path, library):
    month = Month(tmp_path, library)
    gone = month.audit(team="Early Help East")
    changed = month.audit(team="Assessment Team 1")
    write_moderators(month.moderators, people=[("Marion Fictionby", "Head of Service", "Assessment Service"),
                                               ("Harriet Notreal", "Head of Service", "Early Help")])
    assert set(select(month, library)) == {gone, changed}
    month.files[gone].unlink()
    month.files[changed].write_bytes(month.files[changed].read_bytes() + b"\0")  # saved again since
    result = run("moderation", "forms", "--month", "2026-11", "--out", tmp_path / "copies",
                 "--register", month.register)
    assert result.exit_code == 1, result.output
    assert result.output.count("NOT made") == 2 and "not there any more or has changed" in result.output
    assert not list((tmp_path / "copies").rglob("*.docx"))


@needs_soffice
def test_a_moderators_copy_saved_by_libreoffice_reads_as_the_same_audit(tmp_path, library, lo_profile):
    month = Month(tmp_path, library)
    audit = month.audit(form="audit_moderation_ascincp", team="Safeguarding Team North")
    spec = library.get("audit_moderation_ascincp")
    data, _ = moderator_copy(month.files[audit].read_bytes(), ".docx", spec, "Harriet Notreal, Early Help")
    copy = tmp_path / "copy" / "copy.docx"
    copy.parent.mkdir()
    copy.write_bytes(data)
    saved = libreoffice_convert([copy], tmp_path / "lo", "docx:MS Word 2007 XML", lo_profile)[0]
    record = read_form(saved, library)
    original = read_form(month.files[audit], library)
    assert record.audit_id == audit and record.answers["moderator_details"] == "Harriet Notreal, Early Help"
    assert {k: v for k, v in record.answers.items() if k != "moderator_details"} == {
        k: v for k, v in original.answers.items() if k != "moderator_details"}
    again, notes = moderator_copy(saved.read_bytes(), ".docx", spec, "Harriet Notreal")
    assert notes == []  # LibreOffice drops tags and locks: put back by where each control stands
    assert locks(again)["q11_overall.moderator.grade"] == "sdtLocked"
    assert locks(again)["q11_overall.auditor.grade"] == "sdtContentLocked"
    assert read_form(_written(tmp_path / "again.docx", again), library).audit_id == audit


@needs_soffice
def test_an_audit_saved_by_libreoffice_is_moderated_locked_read_back_and_consolidated(tmp_path, library, lo_profile):
    """LibreOffice 7.4 drops every content control's tag (and lock) on save: the moderator's copy finds each
    control by where it stands on the form, as the reader does, tags and locks it again, and the moderated
    copy, saved by LibreOffice once more, comes back as the audit's moderation."""
    month = Month(tmp_path, library)
    audit = month.audit(grade="Good", team="Assessment Team 1", auditor="Ann Testworth")
    voices = month.audit(form="audit_moderation_ascincp", team="Safeguarding Team North", auditor="Bo Fictional")
    month.audit(grade="Requires Improvement", team="Early Help East", auditor="Bo Fictional")
    for path in list(month.files.values()):  # every auditor saved their form in LibreOffice
        path.write_bytes(libreoffice_convert([path], tmp_path / "lo", "docx:MS Word 2007 XML", lo_profile)[0]
                         .read_bytes())
        assert b"<w:tag " not in zipfile.ZipFile(path).read("word/document.xml")
    consolidate_returns(files_workspace(tmp_path / "tracker.xlsx", month.register, library),
                        [month.returned], now=dt.datetime(2026, 11, 29, 9))
    chosen = select(month, library)
    assert audit in chosen and voices in chosen
    out = tmp_path / "copies"
    result = run("moderation", "forms", "--month", "2026-11", "--out", out, "--register", month.register)
    assert result.exit_code == 0, result.output
    assert "lost their labels" not in result.output and "could not" not in result.output

    copy = out / chosen[audit] / month.files[audit].name
    data = copy.read_bytes()
    assert not [e for e in docx_schema_errors(data) if not e.startswith("word/")]  # the body is valid
    lock = locks(data)
    assert lock["moderated_grade"] == lock["qa_comments"] == lock["qa_actions.action"] == "sdtLocked"
    assert lock["overall_grade"] == lock["kss1_seen_alone"] == lock["actions.action"] == "sdtContentLocked"
    assert lock["case_number"] == lock["family_name"] == "sdtContentLocked"
    spec = library.get("csc_case_file_audit")
    assert set(spec.tags) <= set(lock)
    as_copied, original = read_form(copy, library), read_form(month.files[audit], library)
    assert as_copied.audit_id == audit and as_copied.status == "complete"
    assert (as_copied.answers, as_copied.tables) == (original.answers, original.tables)
    voices_copy = out / chosen[voices] / month.files[voices].name
    voices_read = read_form(voices_copy, library)
    moderator = voices_read.answers["moderator_details"]  # filled in once, in the control LibreOffice made inline
    assert moderator.startswith(chosen[voices]) and moderator.count(chosen[voices]) == 1
    assert locks(voices_copy.read_bytes())["q11_overall.moderator.grade"] == "sdtLocked"

    # the moderator fills it in and saves it in LibreOffice too: it comes back as the audit's moderation
    filled = _written(tmp_path / "filled" / copy.name, fill_docx(data, {
        "moderated_grade": "Requires Improvement", "qa_comments": "Drift since August."}))
    back = tmp_path / "moderated"
    libreoffice_convert([filled], back, "docx:MS Word 2007 XML", lo_profile)
    consolidate_returns(files_workspace(tmp_path / "tracker.xlsx", month.register, library),
                        [back], now=dt.datetime(2026, 12, 10, 9))
    after = month.get(audit)
    assert cycle.final_grade(spec, after.current.record).value == "requires_improvement"
    done = audit_moderation(after, spec)
    assert (done.auditor_grade.label, done.moderated_grade.label, done.change) == ("Good", "Requires Improvement",
                                                                                   "down")
    assert [e.who for e in after.events_of("moderated")] == [chosen[audit]]


def _written(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
