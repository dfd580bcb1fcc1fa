"""The use cases of the returned forms, called directly, without click: parse (`returns.run`), consolidate
(`consolidate.run`) and looking after the register (`consolidate.upkeep`), each on a real workspace with real
Word forms, a real register and a real tracker."""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time

import pytest
from click.testing import CliRunner
from helpers import SAMPLES, full_answers, record_values

from auditdocs import files
from auditdocs.cli import cli
from auditdocs.consolidate.placing import NOT_ALLOCATED
from auditdocs.consolidate.run import (
    attach_files,
    consolidate_records,
    consolidate_returns,
)
from auditdocs.consolidate.upkeep import (
    check_register,
    import_manifests,
    rebuild_register,
)
from auditdocs.errors import UserError
from auditdocs.files import settled_stat
from auditdocs.forms.docx.fill import fill_docx
from auditdocs.forms.docx.writer import WordForm
from auditdocs.register import file_hash
from auditdocs.returns.run import check_returns, record_sent_back
from auditdocs.workspace import (
    init_workspace,
    load_workspace,
    workspace_without_settings,
)

NOW = dt.datetime(2026, 12, 1, 9, 30)


@pytest.fixture
def month(tmp_path):
    """A workspace with three Word forms made for November 2026 (recorded in its register) and returned: one
    complete, one with nothing filled in, and a PDF sent by mistake."""
    folder = tmp_path / "ws"
    init_workspace(folder, "Anytown Borough Council")
    ws = load_workspace(folder / "auditdocs.toml")
    lines = (SAMPLES / "allocations_2026-11.csv").read_text(encoding="utf-8-sig").splitlines()
    data = tmp_path / "three.csv"
    data.write_text("\n".join(lines[:4]) + "\n", encoding="utf-8")
    made = CliRunner().invoke(cli, ["--specs", str(ws.specs), "generate", "--data", str(data), "--month", "2026-11",
                                    "--out", str(ws.forms / "2026-11"), "--register", str(ws.register)])
    assert made.exit_code == 0, made.output
    forms = sorted((ws.forms / "2026-11").rglob("*.docx"))
    assert len(forms) == 3
    spec = ws.library().latest("csc_case_file_audit")
    answers, tables = full_answers(spec)
    complete = ws.returned / forms[0].parent.name / forms[0].name
    complete.parent.mkdir(parents=True)
    complete.write_bytes(fill_docx(forms[0].read_bytes(), answers, tables))
    incomplete = ws.returned / forms[1].parent.name / forms[1].name
    incomplete.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(forms[1], incomplete)
    (ws.returned / "scan.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    return ws, forms, complete, incomplete


def test_check_returns_reads_every_form_says_what_stands_and_writes_the_json(month, tmp_path):
    ws, forms, complete, incomplete = month
    seen = []
    checked = check_returns(ws, json_file=tmp_path / "answers.json", progress=lambda done, total: seen.append(
        (done, total)))
    assert checked.paths == [ws.returned]
    by_file = {r.file: r for r in checked.records}
    assert by_file[str(complete)].status == "complete"
    assert by_file[str(incomplete)].status == "incomplete"
    assert by_file[str(ws.returned / "scan.pdf")].status == "unreadable"
    assert checked.counts == {"complete": 1, "incomplete": 1, "unreadable": 1}
    assert checked.needs_attention
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert checked.files == [tmp_path / "answers.json"] and checked.json_problem == ""
    written = json.loads((tmp_path / "answers.json").read_text(encoding="utf-8"))
    assert sorted(r["file"] for r in written) == sorted(by_file)
    assert not checked.refused and not checked.lossy and not checked.versions  # forms the register allocated
    assert {r.file for r in checked.standing} == set(by_file)
    lines = checked.record_lines()
    assert any(line.startswith("incomplete  ") and str(incomplete) in line for line in lines)
    text = checked.returns_text(ws.library(), dt.date(2026, 12, 1))
    assert "send them back by Friday 4 December 2026." in text and incomplete.name in text
    assert checked.total_line() == (f"\n3 forms: 1 complete, 1 incomplete, 1 unreadable. Answers written to "
                                    f"{tmp_path / 'answers.json'}.")


def test_check_returns_names_a_missing_path_and_says_when_there_are_no_forms(month, tmp_path):
    ws = month[0]
    with pytest.raises(UserError, match="there is no file or folder"):
        check_returns(ws, [tmp_path / "nowhere"])
    (tmp_path / "empty").mkdir()
    checked = check_returns(ws, [tmp_path / "empty"])
    assert checked.records == [] and not checked.needs_attention
    assert checked.no_forms() == f"No forms (.docx or .xlsx) were found in {tmp_path / 'empty'}."


def test_check_returns_sets_apart_a_file_the_register_did_not_allocate_and_counts_a_copy_once(month):
    ws, forms, complete, _ = month
    shutil.copy(complete, ws.returned / "copy.docx")  # the same answers twice: counted once
    spec = ws.library().latest("csc_case_file_audit")
    stranger = ws.returned / "stranger.docx"  # a form made in another workspace
    stranger.write_bytes(WordForm(spec).render(record_values(spec, 7), "AUD-202611-ZZZZ2222"))
    checked = check_returns(ws)
    assert list(checked.refused) == [str(stranger)]
    assert checked.refused[str(stranger)].problem == NOT_ALLOCATED
    assert "AUD-202611-ZZZZ2222" in checked.refused[str(stranger)].details
    assert checked.versions == {} and str(stranger) not in {r.file for r in checked.standing}
    assert any(str(stranger) in text for text in checked.attention_texts())
    outside = check_returns(ws, use_register=False)  # (parse outside a workspace, without --register)
    assert outside.refused == {}


def test_record_sent_back_records_the_incomplete_audits_in_the_register(month):
    ws, forms, complete, incomplete = month
    checked = check_returns(ws)
    sent = record_sent_back(ws, checked.standing, sent_on=dt.date(2026, 12, 1))
    incomplete_id = next(r.audit_id for r in checked.records if r.status == "incomplete")
    assert sent.recorded == [incomplete_id] and sent.unknown == []
    assert sent.text() == "\nRecorded in the register that 1 incomplete audit was sent back on 01/12/2026."
    with ws.open_register() as reg:
        [event] = reg.audit(incomplete_id).events_of("sent_back")
    assert event.on == dt.date(2026, 12, 1) and event.who == "auditdocs parse --sent"


def test_consolidate_returns_puts_the_forms_in_the_register_and_writes_the_tracker(month):
    ws, forms, complete, incomplete = month
    seen = []
    summary = consolidate_returns(ws, now=NOW, progress=lambda done, total: seen.append((done, total)))
    assert (summary.files, summary.complete, summary.incomplete, summary.unreadable) == (3, 1, 1, 1)
    assert summary.created and ws.tracker.exists() and summary.tracker == ws.tracker
    assert summary.register == ws.register
    assert summary.audits_total == 3 and summary.needs_attention
    assert seen[-1] == (3, 3)
    assert summary.lines()[-1] == f"Created {ws.tracker}"
    again = consolidate_returns(ws, now=NOW)
    assert again.read == 0 and not again.created and again.backup is not None
    with ws.open_register() as reg:
        returned = [a for a in reg.audits() if a.current is not None]
    assert {a.current.record.status for a in returned} == {"complete", "incomplete"}


def test_a_file_as_it_was_when_last_hashed_is_not_hashed_again_one_changed_or_changing_is(month, monkeypatch):
    ws, forms, complete, incomplete = month
    scan = ws.returned / "scan.pdf"
    monkeypatch.setattr(files, "SETTLED", 0.0)  # (the forms were written moments ago: as if long since)
    first = consolidate_returns(ws, now=NOW)
    assert (first.files, first.hashed, first.read) == (3, 3, 3)
    again = consolidate_returns(ws, now=NOW)  # nothing changed: nothing hashed, nothing read
    assert (again.files, again.hashed, again.read) == (3, 0, 0)
    assert (again.complete, again.incomplete, again.unreadable) == (1, 1, 1)

    made = scan.stat()
    scan.write_bytes(b"%PDF-1.5\n%%EOF\n")  # other bytes, as many, and its time put back
    os.utime(scan, ns=(made.st_atime_ns, made.st_mtime_ns))
    assert (scan.stat().st_size, scan.stat().st_mtime_ns) == (made.st_size, made.st_mtime_ns)
    changed = consolidate_returns(ws, now=NOW)
    assert (changed.hashed, changed.read) == (1, 1)  # its change time tells
    with ws.open_register() as reg:
        kept = reg.known_by_stat(ws.returned)
    assert len(kept) == 3 and all(file_hash(ws.returned / path) == content and stat == settled_stat(ws.returned / path)
                                  for (path, stat), content in kept.items())
    assert consolidate_returns(ws, now=NOW).hashed == 0

    monkeypatch.setattr(files, "SETTLED", 3600.0)  # a file modified within the hour may still be changing
    for path in (complete, scan):  # (the others: modified long before)
        os.utime(path, (time.time() - 7200,) * 2)
    incomplete.write_bytes(incomplete.read_bytes())  # saved again as it was
    assert consolidate_returns(ws, now=NOW).hashed == 3  # (the others' times changed too)
    for _ in range(2):  # the one modified within the hour: hashed each time, until it has settled
        saved = consolidate_returns(ws, now=NOW)
        assert (saved.hashed, saved.read) == (1, 0)


def test_a_form_renamed_since_it_was_read_is_recorded_where_it_is_now_and_not_read_again(month, monkeypatch):
    ws, forms, complete, incomplete = month
    monkeypatch.setattr(files, "SETTLED", 0.0)  # (the forms were written moments ago: as if long since)
    consolidate_returns(ws, now=NOW)
    renamed = complete.with_name("Layla's audit, checked.docx")  # as a QA officer renames a file
    complete.rename(renamed)
    moved = consolidate_returns(ws, now=NOW + dt.timedelta(hours=1))
    assert (moved.hashed, moved.read) == (1, 0)  # its content was known: not read again
    with ws.open_register() as reg:
        [version] = [v for a in reg.audits() for v in a.returns if v.content_hash == file_hash(renamed)]
    where = str(renamed.relative_to(ws.returned))
    assert version.path == where and (str(ws.returned), where) in version.places
    assert consolidate_returns(ws, now=NOW + dt.timedelta(hours=2)).hashed == 0  # as it was where it is now


def test_consolidate_records_takes_forms_read_already_as_consolidate_returns_reads_them(month):
    ws, forms, complete, incomplete = month
    records = check_returns(ws).records  # read by the front end itself, with the workspace's specs
    summary = consolidate_records(ws, records, now=NOW)
    assert (summary.files, summary.complete, summary.incomplete, summary.unreadable) == (3, 1, 1, 1)
    assert summary.created and ws.tracker.exists() and summary.tracker == ws.tracker
    assert summary.register == ws.register and ws.register.is_file()
    assert summary.audits_total == 3 and summary.audits_returned == 2 and summary.needs_attention
    assert summary.lines()[-1] == f"Created {ws.tracker}"
    with ws.open_register() as reg:
        returned = {a.audit_id: a.current.record.status for a in reg.audits() if a.current is not None}
    assert returned == {r.audit_id: r.status for r in records if r.status != "unreadable"}
    again = consolidate_returns(ws, now=NOW)  # the files' contents are the register's already: none read again
    assert again.read == 0 and not again.created and again.backup is not None
    assert (again.files, again.complete, again.incomplete, again.unreadable) == (3, 1, 1, 1)


def test_consolidate_returns_with_no_forms_changes_nothing(tmp_path):
    ws = workspace_without_settings(tmp_path).with_files(returned=tmp_path / "returned",
                                                          tracker=tmp_path / "tracker.xlsx",
                                                          register=tmp_path / "register.sqlite")
    (tmp_path / "returned").mkdir()
    summary = consolidate_returns(ws)
    assert summary.lines() == [f"No forms (.docx or .xlsx) were found in {tmp_path / 'returned'}. "
                               "The tracker was not changed."]
    assert not (tmp_path / "tracker.xlsx").exists() and not (tmp_path / "register.sqlite").exists()
    with pytest.raises(UserError, match="there is no file or folder"):
        consolidate_returns(ws, [tmp_path / "nowhere"])


def test_attach_files_records_the_decision_or_refuses_an_audit_not_allocated(month):
    ws, forms, complete, _ = month
    consolidate_returns(ws, now=NOW)
    with pytest.raises(UserError, match="AUD-202611-NOTHERE is not an audit in the register"):
        attach_files(ws, [(complete, "AUD-202611-NOTHERE")])
    audit_id = check_returns(ws, [complete]).records[0].audit_id
    assert attach_files(ws, [(complete, audit_id)], today=dt.date(2026, 12, 2)) == [
        f"Recorded in the register: {complete} is the audit {audit_id}."]
    with ws.open_register() as reg:
        [event] = reg.audit(audit_id).events_of("attached")
    assert event.on == dt.date(2026, 12, 2)


def test_import_check_and_rebuild_the_register(month):
    ws, forms, complete, incomplete = month
    consolidate_returns(ws, now=NOW)
    assert check_register(ws) == []  # the register agrees with the forms, the returned forms and the tracker
    shutil.copy(complete, ws.returned / "late.docx")  # the same content: known to the register
    assert check_register(ws) == []
    (ws.returned / "other.docx").write_bytes(forms[2].read_bytes())
    assert check_register(ws) == [f"{ws.returned / 'other.docx'} has come back but is not in the register yet: run "
                                  "'auditdocs consolidate'."]

    rebuilt = rebuild_register(ws, now=NOW)
    assert rebuilt.kept is not None and rebuilt.kept.exists() and ws.register.exists()
    assert rebuilt.imported.new == 3 and len(rebuilt.imported.manifests) == 1
    assert rebuilt.summary.files == 5 and rebuilt.summary.unreadable == 1
    with ws.open_register() as reg:
        assert len(reg.audits()) == 3

    ws.register.unlink()
    imported = import_manifests(ws, ws.forms, now=NOW)
    assert (imported.new, imported.known, imported.problems) == (3, 0, [])
    assert imported.manifests == [ws.forms / "2026-11" / "manifest.csv"]
    again = import_manifests(ws, ws.forms / "2026-11", now=NOW)
    assert (again.new, again.known) == (0, 3)
    with pytest.raises(UserError, match="there is no manifest.csv in"):
        import_manifests(ws, ws.returned)
