"""The register: a real SQLite file in tmp_path, written, read back, locked, killed, migrated."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from helpers import ROOT
from tracker_records import action, make_record

from auditdocs.domain import model as m
from auditdocs.errors import UserError
from auditdocs.register import (
    SCHEMA_VERSION,
    SeenFile,
    WriterLock,
    audit_from_allocation,
    file_hash,
    open_register,
)
from auditdocs.register.lock import lock_path
from auditdocs.register.schema import APPLICATION_ID, MIGRATIONS
from auditdocs.register.store import PAGE_SIZE, _from_json, _json

NOW = dt.datetime(2026, 11, 30, 10, 0)
ON_POSIX = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX (Windows uses access lists)")


@pytest.fixture
def path(tmp_path):
    return tmp_path / "register.sqlite"


def allocated(library, case="9901001", auditor="Ann Testworth", month="2026-11", team="Team North",
              audit_type="Control sample") -> m.RegisteredAudit:
    spec = library.get("csc_case_file_audit")
    values = {"family_name": "Testworth", "given_names": "Amelia", "case_number": case, "auditor": auditor,
              "team": team, "audit_type": audit_type, "team_manager": "Terry Madeupson",
              "due_date": f"{month}-28"}
    audit_id = f"AUD-{month.replace('-', '')}-{case}"
    return audit_from_allocation(spec, m.Allocation(spec.id, values, 2, audit_id), files=[f"{case}.docx"])


def returned(library, audit: m.RegisteredAudit, **changes) -> m.AuditRecord:
    record = make_record(library, case=audit.case_number, due=audit.due.isoformat(), **changes)
    record.audit_id = audit.audit_id
    record.notes = ["made with version 1 of csc_case_file_audit"]
    return record


def content(record: m.AuditRecord) -> str:
    return hashlib.sha256(json.dumps(record.as_dict(), sort_keys=True, default=str).encode()).hexdigest()


def dump(path: Path) -> dict[str, list]:
    """Everything the register file holds, table by table, to compare two registers."""
    db = sqlite3.connect(path)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: sorted(db.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
    finally:
        db.close()


def child(script: str, *args) -> subprocess.Popen:
    """Another process using the register (as another run would)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(script), *map(str, args)], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# ---- a new register -------------------------------------------------------------------------


def test_a_new_register_is_a_versioned_sqlite_file_with_a_rollback_journal(path, library):
    with open_register(path, write=True, create=True) as reg:
        reg.record_audits([allocated(library)])
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == len(MIGRATIONS)
    assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert db.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE == 16384
    db.close()
    assert not lock_path(path).exists() and not path.with_name(path.name + "-wal").exists()


def test_a_register_made_with_smaller_pages_keeps_them_and_is_used_as_before(path, library):
    with sqlite3.connect(path) as db:  # as an earlier auditdocs made it (SQLite's default pages)
        db.execute("PRAGMA page_size = 4096")
        db.execute("CREATE TABLE t (x)")
        db.execute("DROP TABLE t")
    with open_register(path, write=True, create=True) as reg:
        reg.record_audits([allocated(library)])
        reg.commit()
    with open_register(path) as reg:
        assert [a.audit_id for a in reg.audits()] == [allocated(library).audit_id]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA page_size").fetchone()[0] == 4096


@ON_POSIX
def test_the_register_and_its_lock_are_readable_by_their_owner_only(path, library):
    umask = os.umask(0o022)  # the usual umask, which would give a new file 0644
    try:
        with open_register(path, write=True, create=True) as reg:
            assert lock_path(path).stat().st_mode & 0o777 == 0o600
            reg.record_audits([allocated(library)])
            journal = path.with_name(path.name + "-journal")  # SQLite gives it the register's mode
            assert journal.exists() and journal.stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o600


@ON_POSIX
@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="acting as another user needs root; the mode bits are checked by the test above")
def test_another_user_cannot_open_the_register(library):
    folder = Path(tempfile.mkdtemp(prefix="auditdocs-register-"))
    try:
        folder.chmod(0o755)  # others may look in the folder: only the file's own mode protects it
        path = folder / "register.sqlite"
        with open_register(path, write=True, create=True) as reg:
            reg.record_audits([allocated(library)])
        control = folder / "readable.txt"
        control.write_text("anyone may read this")
        control.chmod(0o644)
        def read_as_nobody(p: Path) -> int:
            return subprocess.run(["head", "-c", "1", str(p)], user="nobody", cwd="/", stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL).returncode

        assert read_as_nobody(control) == 0  # the check can tell
        assert read_as_nobody(path) != 0
    finally:
        for f in folder.iterdir():
            f.unlink()
        folder.rmdir()


@pytest.mark.parametrize("setup, message", [
    (lambda p: None, "there is no register"),
    (lambda p: p.write_text("Case number,Name\n9901001,Testworth\n"), "not a database file"),
    (lambda p: sqlite3.connect(p).execute("CREATE TABLE cases (id TEXT)").connection.commit(), "not an auditdocs register"),
])
def test_a_missing_file_or_one_that_is_not_a_register_is_a_clear_error(path, setup, message):
    setup(path)
    before = path.read_bytes() if path.exists() else None
    with pytest.raises(UserError, match=message):
        with open_register(path):
            pass
    assert (path.read_bytes() if path.exists() else None) == before


def test_a_register_in_a_folder_that_does_not_exist_is_a_clear_error(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        with open_register(tmp_path / "no such folder" / "register.sqlite", write=True, create=True):
            pass


def test_a_register_made_by_a_newer_auditdocs_is_not_touched(path):
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.execute("CREATE TABLE future (x)")
    db.commit()
    db.close()
    with pytest.raises(UserError, match="newer version of auditdocs"):
        with open_register(path, write=True):
            pass


# ---- migration ----------------------------------------------------------------------------------


def test_a_register_at_the_previous_schema_is_migrated_on_open_and_keeps_everything(path, library):
    db = sqlite3.connect(path, isolation_level=None)
    for statement in MIGRATIONS[0]:
        db.execute(statement)
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute("PRAGMA user_version = 1")
    subject = {"case_number": "9901001", "auditor": "Ann Testworth", "audit_type": "Thematic", "team": "Team North"}
    db.execute("INSERT INTO audits (audit_id, form_id, form_version, case_number, auditor, auditor_key, team, month, "
               "due, subject, files, source, recorded) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
               ("AUD-202611-OLD00001", "csc_case_file_audit", 1, "9901001", "Ann Testworth", "ann testworth",
                "Team North", "2026-11", "2026-11-30", json.dumps(subject), '["old.docx"]', "manifest",
                "2026-11-02T09:00:00"))
    db.execute("INSERT INTO events (audit_id, kind, on_date, recorded) VALUES (?,?,?,?)",
               ("AUD-202611-OLD00001", "sent_back", "2026-11-20", "2026-11-20T10:00:00"))
    db.close()

    with open_register(path, write=True) as reg:
        audit = reg.audit("AUD-202611-OLD00001")
        reg.record_actions([m.TrackedAction("AUD-202611-OLD00001-A1", audit.audit_id, "actions", 1, "Visit")])
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert audit.audit_type == "Thematic" and audit.auditor == "Ann Testworth" and audit.files == ["old.docx"]
    assert audit.source == "manifest" and [e.kind for e in audit.events] == ["sent_back"]
    assert sqlite3.connect(path).execute("SELECT audit_type FROM audits").fetchone()[0] == "Thematic"
    with open_register(path) as reg:
        assert [a.action_id for a in reg.audit("AUD-202611-OLD00001").actions] == ["AUD-202611-OLD00001-A1"]


# ---- allocations ---------------------------------------------------------------------------------------


def test_allocations_come_back_as_they_went_in_and_can_be_updated(path, library):
    audit = allocated(library)
    with open_register(path, write=True, create=True) as reg:
        assert reg.record_audits([audit], now=NOW) == 1
    with open_register(path) as reg:
        back = reg.audit(audit.audit_id)
    assert (back.form_id, back.form_version, back.subject, back.month, back.due, back.files, back.source) == (
        "csc_case_file_audit", 1, audit.subject, dt.date(2026, 11, 1), dt.date(2026, 11, 28), ["9901001.docx"],
        "generate")
    assert (back.case_number, back.auditor, back.team, back.audit_type) == (
        "9901001", "Ann Testworth", "Team North", "Control sample")
    assert back.recorded == NOW and back.returns == [] and back.events == [] and back.actions == []

    audit.subject["team"] = "Team South"
    audit.source = "manifest"
    with open_register(path, write=True) as reg:
        assert reg.record_audits([audit], now=NOW + dt.timedelta(days=1)) == 0
        changed = reg.audit(audit.audit_id)
    assert changed.team == "Team South" and changed.source == "manifest" and changed.recorded == NOW


def test_an_audit_from_an_unknown_source_is_refused(path, library):
    audit = allocated(library)
    audit.source = "spreadsheet"
    with open_register(path, write=True, create=True) as reg:
        with pytest.raises(ValueError, match="not a source the register knows: spreadsheet"):
            reg.record_audits([audit])


def test_a_run_that_fails_halfway_through_its_with_changes_nothing(path, library):
    with open_register(path, write=True, create=True) as reg:
        reg.record_audits([allocated(library, case="9901001")])
    before = dump(path)
    with pytest.raises(ZeroDivisionError):
        with open_register(path, write=True) as reg:
            reg.record_audits([allocated(library, case="9901002")])
            1 / 0
    assert dump(path) == before and not lock_path(path).exists()


def test_a_register_opened_for_reading_cannot_be_changed(path, library):
    with open_register(path, write=True, create=True):
        pass
    with open_register(path) as reg:
        with pytest.raises(RuntimeError, match="opened for reading"):
            reg.record_audits([allocated(library)])


# ---- returned files ------------------------------------------------------------------------------------------


def test_a_returned_record_comes_back_exactly_and_is_parsed_only_once(tmp_path, path, library):
    audit = allocated(library)
    record = returned(library, audit, actions=[action("=HYPERLINK(\"x\")"), action("Visit the child")])
    with open_register(path, write=True, create=True) as reg:
        reg.record_audits([audit])
        counts = reg.record_returns(tmp_path / "returned", [SeenFile("Ann/9901001.docx", content(record), record)],
                                    now=NOW)
    assert (counts.new_contents, counts.new_places, counts.seen_again) == (1, 1, 0)

    later = NOW + dt.timedelta(days=3)
    with open_register(path, write=True) as reg:
        assert reg.known_contents([content(record), "something new"]) == {content(record)}
        again = reg.record_returns(tmp_path / "returned", [SeenFile("Ann/9901001.docx", content(record))], now=later)
    assert (again.new_contents, again.new_places, again.seen_again) == (0, 0, 1)

    with open_register(path) as reg:
        version = reg.audit(audit.audit_id).current
    assert version.record.as_dict() == {**record.as_dict(), "file": str(tmp_path / "returned" / "Ann/9901001.docx")}
    assert (version.record.modified, version.record.notes) == (record.modified, record.notes)
    assert (version.first_seen, version.last_seen, version.status) == (NOW, later, "complete")
    assert version.folder == str(tmp_path / "returned") and version.path == "Ann/9901001.docx"


def test_a_moved_copy_is_the_same_version_and_an_amended_form_a_newer_one(tmp_path, path, library):
    audit = allocated(library)
    first = returned(library, audit, grade="Requires Improvement")
    amended = returned(library, audit, grade="Good", modified="2026-12-02")
    with open_register(path, write=True, create=True) as reg:
        reg.record_audits([audit])
        reg.record_returns("December", [SeenFile("9901001.docx", content(first), first)], now=NOW)
        reg.record_returns("Archive", [SeenFile("old/9901001.docx", content(first))], now=NOW + dt.timedelta(days=1))
        reg.record_returns("December", [SeenFile("9901001 v2.docx", content(amended), amended)],
                           now=NOW + dt.timedelta(days=2))
    with open_register(path) as reg:
        versions = reg.audit(audit.audit_id).returns
        current = reg.audit(audit.audit_id).current
        assert reg.record_of(content(first)).answers["overall_grade"] == "requires_improvement"
    assert [v.content_hash for v in versions] == [content(first), content(amended)]
    assert versions[0].places == [("December", "9901001.docx"), ("Archive", "old/9901001.docx")]
    assert (versions[0].folder, versions[0].path) == ("Archive", "old/9901001.docx")  # where it was seen last
    assert current.content_hash == content(amended) and current.record.answers["overall_grade"] == "good"


def test_a_new_content_without_its_record_is_refused(path):
    with open_register(path, write=True, create=True) as reg:
        with pytest.raises(ValueError, match="its record must be given"):
            reg.record_returns("December", [SeenFile("9901001.docx", "never seen")])


def test_a_form_in_no_allocation_is_added_as_returned_until_its_allocation_arrives(path, library):
    audit = allocated(library)
    record = returned(library, audit)
    with open_register(path, write=True, create=True) as reg:
        reg.record_returns("December", [SeenFile("9901001.docx", content(record), record)])
        only_returned = reg.audit(audit.audit_id)
        reg.record_audits([audit])
        allocated_now = reg.audit(audit.audit_id)
    assert only_returned.source == "returned" and only_returned.month == dt.date(2026, 11, 1)
    assert only_returned.case_number == "9901001" and only_returned.auditor == "Ann Auditor"
    assert allocated_now.source == "generate" and allocated_now.auditor == "Ann Testworth"
    assert len(allocated_now.returns) == 1


def test_files_that_are_no_audit_are_listed_apart(path):
    broken = m.AuditRecord(file="x", status="unreadable", problems=[m.Problem("", "this is not an auditdocs form")])
    with open_register(path, write=True, create=True) as reg:
        reg.record_returns("December", [SeenFile("letter.docx", "letter", broken)], now=NOW)
        reg.record_returns("November", [SeenFile("letter.docx", "letter")], now=NOW + dt.timedelta(hours=1))
    with open_register(path) as reg:
        assert [(f.path, f.record.problems[0].message) for f in reg.unidentified("December")] == [
            ("letter.docx", "this is not an auditdocs form")]
        assert reg.unidentified()[0].folder == "November" and reg.audits() == []


def test_file_hash_is_the_content_not_the_name(tmp_path):
    (tmp_path / "a.docx").write_bytes(b"same bytes")
    (tmp_path / "b.docx").write_bytes(b"same bytes")
    assert file_hash(tmp_path / "a.docx") == file_hash(tmp_path / "b.docx") == hashlib.sha256(b"same bytes").hexdigest()


# ---- events, actions, tracker columns ------------------------------------------------------------------------


def test_events_come_back_in_date_order_and_can_be_removed(path, library):
    audit = allocated(library)
    events = [m.Event("reallocated", dt.date(2026, 11, 6), audit.audit_id, details={"to": "Bo Inventwell",
                                                                                   "new_audit_id": "AUD-202611-X"}),
              m.Event("exempted", dt.date(2026, 11, 5), audit.audit_id, who="Ann Testworth", agreed_by="Ada Fictionby",
                      agreed_role="Assistant Director", reason="Long-term sick leave")]
    with open_register(path, write=True, create=True) as reg:
        reg.record_audits([audit])
        ids = reg.record_events(events, now=NOW)
        with pytest.raises(ValueError, match="not a kind of event"):
            reg.record_events([m.Event("lost", dt.date(2026, 11, 5), audit.audit_id)])
    with open_register(path) as reg:
        back = reg.audit(audit.audit_id).events
    assert [e.kind for e in back] == ["exempted", "reallocated"]
    assert (back[0].agreed_by, back[0].agreed_role, back[0].reason, back[0].recorded) == (
        "Ada Fictionby", "Assistant Director", "Long-term sick leave", NOW)
    assert back[1].details == {"to": "Bo Inventwell", "new_audit_id": "AUD-202611-X"} and back[1].id == ids[0]
    with open_register(path, write=True) as reg:
        reg.delete_events([ids[0]])
        assert [e.kind for e in reg.audit(audit.audit_id).events] == ["exempted"]


def test_actions_keep_their_ids_status_and_the_managers_columns(path, library):
    audit = allocated(library)
    aid = audit.audit_id
    with open_register(path, write=True, create=True) as reg:
        reg.record_audits([audit])
        reg.record_actions([m.TrackedAction(f"{aid}-A1", aid, "actions", 1, "Update the chronology",
                                            {"action": "Update the chronology", "required_date": "2026-12-15"}),
                            m.TrackedAction(f"{aid}-A2", aid, "mo_actions", 1, "Supervision")])
        reg.set_action_status(f"{aid}-A1", "Done", dt.date(2026, 12, 10))
        reg.save_tracker_columns("Actions", {f"{aid}-A1": {"Signed off by": "Terry Madeupson",
                                                           "Signed off on": dt.date(2026, 12, 11),
                                                           "Notes": "=not a formula", "Hours": 1.5}})
        reg.save_tracker_columns("Audits", {aid: {"Exemption agreed by": None, "Reviewed": True,
                                                  "Checked at": dt.datetime(2026, 12, 1, 9, 30), "Count": 3}})
        # the form says something new of A1: its id, status and columns stay with it
        reg.record_actions([m.TrackedAction(f"{aid}-A1", aid, "actions", 2, "Update the chronology by Friday",
                                            on_form=True)])
        with pytest.raises(ValueError, match="belong to another audit"):
            reg.record_actions([m.TrackedAction(f"{aid}-A2", "AUD-202611-OTHER", "actions", 1, "x")])
    with open_register(path) as reg:
        back = reg.audit(aid)
        assert reg.tracker_columns("Audits") == {aid: back.columns["Audits"]}
        assert reg.actions([aid, "AUD-202611-NOACTIONS"]) == {aid: back.actions}  # without the rest of the audit
    first, second = back.actions
    assert (first.action_id, first.form_row, first.text, first.status, first.done_on) == (
        f"{aid}-A1", 2, "Update the chronology by Friday", "Done", dt.date(2026, 12, 10))
    assert first.columns == {"Actions": {"Signed off by": "Terry Madeupson", "Signed off on": dt.date(2026, 12, 11),
                                         "Notes": "=not a formula", "Hours": 1.5}}
    assert (second.status, second.columns, second.table_id) == ("Open", {}, "mo_actions")
    assert back.columns == {"Audits": {"Reviewed": True, "Checked at": dt.datetime(2026, 12, 1, 9, 30), "Count": 3}}


def test_saving_a_rows_tracker_columns_replaces_that_row_only(path):
    with open_register(path, write=True, create=True) as reg:
        reg.save_tracker_columns("Actions", {"A-1": {"Status": "Open", "Notes": "call"}, "A-2": {"Notes": "keep"}})
        reg.save_tracker_columns("Actions", {"A-1": {"Status": "Done"}})
        assert reg.tracker_columns("Actions") == {"A-1": {"Status": "Done"}, "A-2": {"Notes": "keep"}}


# ---- reading by month, year, auditor, case ---------------------------------------------------------------------


@pytest.fixture
def year(path, library):
    """Ann's year: April 2026 to March 2027, one exemption, one cancellation; Bo audits twice."""
    audits = [allocated(library, case=f"99010{n:02d}", month=f"{y}-{mo:02d}")
              for n, (y, mo) in enumerate([(2026, 3), (2026, 4), (2026, 11), (2026, 11), (2027, 3), (2027, 4)])]
    audits += [allocated(library, case="9901099", auditor="Bo Inventwell", month="2026-11", team="Team South"),
               allocated(library, case="9901002", auditor="Bo Inventwell", month="2026-12", team="Team South")]
    with open_register(path, write=True, create=True) as reg:
        reg.record_audits(audits)
        reg.record_events([
            m.Event("exempted", dt.date(2026, 11, 3), audits[2].audit_id, agreed_by="Ada Fictionby",
                    agreed_role="Assistant Director"),
            m.Event("exempted", dt.date(2026, 11, 3), audits[3].audit_id, agreed_by="Terry Madeupson",
                    agreed_role="Team manager"),  # not valid: still Ann's
            m.Event("cancelled", dt.date(2027, 3, 2), audits[4].audit_id, agreed_by="Ada Fictionby", reason="Closed"),
            m.Event("selected_for_moderation", dt.date(2026, 12, 1), audits[6].audit_id, who="Hal Pretendon")])
    return audits


def test_audits_by_month_range_of_months_and_audit_year(path, year):
    with open_register(path) as reg:
        assert [a.case_number for a in reg.audits(month=dt.date(2026, 11, 17))] == ["9901002", "9901003", "9901099"]
        assert len(reg.audits(first=dt.date(2026, 11, 1), last=dt.date(2026, 12, 1))) == 4
        assert [a.month.month for a in reg.audits(audit_year=2026)] == [4, 11, 11, 11, 12, 3]
        assert [a.month for a in reg.audits(audit_year=2026, year_start=1)] == [
            dt.date(2026, m, 1) for m in (3, 4, 11, 11, 11, 12)]
        assert reg.months()[0] == dt.date(2026, 3, 1) and len(reg.months()) == 6
        assert {a.team for a in reg.audits(team="Team South")} == {"Team South"}


def test_an_auditors_history_by_audit_year(path, year):
    with open_register(path) as reg:
        ann = reg.auditor_history("  ann   TESTWORTH ")
        bo = reg.auditor_history("Bo Inventwell", year_start=12)
    assert len(ann.audits) == 6 and sorted(ann.years) == [2025, 2026, 2027]
    assert len(ann.years[2026]) == 4 and ann.load(2026) == 2  # exempted and cancelled do not count
    assert ann.exempted_cases == {"9901002"}  # the exemption a team manager agreed is not one
    assert "9901002" not in ann.cases and "9901003" in ann.cases
    assert sorted(bo.years) == [2025, 2026] and bo.cases == {"9901099", "9901002"}


def test_a_cases_history_and_the_moderation_sample(path, year):
    with open_register(path) as reg:
        history = reg.case_history("9901002")
        moderation = reg.moderation(first=dt.date(2026, 11, 1), last=dt.date(2026, 11, 1))
        assert reg.moderation(first=dt.date(2026, 12, 1)) == []
    assert [(a.auditor, a.month) for a in history] == [("Ann Testworth", dt.date(2026, 11, 1)),
                                                       ("Bo Inventwell", dt.date(2026, 12, 1))]
    assert [a.case_number for a in moderation] == ["9901099"]
    assert moderation[0].events_of("selected_for_moderation")[0].who == "Hal Pretendon"


# ---- one writer at a time ------------------------------------------------------------------------------------------

HOLD = """
    import sys
    from auditdocs.register import open_register
    with open_register(sys.argv[1], write=True, create=True) as reg:
        print("holding", flush=True)
        sys.stdin.readline()
"""


def test_a_register_held_by_another_run_names_who_holds_it_and_readers_still_read(path, library):
    with open_register(path, write=True, create=True) as reg:
        reg.record_audits([allocated(library)])
    holder = child(HOLD, path)
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(UserError) as error:
            with open_register(path, write=True):
                pass
        message = str(error.value.message)
        assert f"process {holder.pid}" in message and socket.gethostname() in message
        assert "wait for that run to finish" in message and str(lock_path(path)) in message
        with open_register(path) as reg:
            assert len(reg.audits()) == 1
    finally:
        holder.communicate("\n", timeout=30)
    assert holder.returncode == 0 and not lock_path(path).exists()
    with open_register(path, write=True) as reg:
        reg.record_audits([allocated(library, case="9901002")])


def test_a_lock_left_by_a_process_that_died_on_this_machine_is_taken_over(path, library):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    lock_path(path).write_text(json.dumps({"user": "testworth", "host": socket.gethostname(),
                                           "pid": int(gone.stdout), "since": "2026-11-30T09:00:00"}))
    with open_register(path, write=True, create=True) as reg:
        reg.record_audits([allocated(library)])
    assert not lock_path(path).exists()


def test_a_draft_of_the_lock_left_by_a_run_stopped_as_it_was_locking_goes_with_the_next_run(path, library):
    """A run stopped between writing its lock's draft and linking it into place leaves the draft and no lock: the
    next run takes no lock over, and lets the draft go. Drafts of runs still running, or of another machine (a
    shared folder), stay."""
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    drafts = {}
    for who, host, pid in (("gone", socket.gethostname(), int(gone.stdout)), ("running", socket.gethostname(),
                                                                               os.getppid()),
                           ("elsewhere", "another-pc", 999999999)):
        drafts[who] = lock_path(path).with_name(f".{lock_path(path).name}-{pid}")
        drafts[who].write_text(json.dumps({"user": "testworth", "host": host, "pid": pid,
                                           "since": "2026-11-30T09:00:00"}))
    with open_register(path, write=True, create=True) as reg:
        reg.record_audits([allocated(library)])
    assert not lock_path(path).exists() and not drafts["gone"].exists()
    assert drafts["running"].exists() and drafts["elsewhere"].exists()


def test_a_lock_from_another_machine_is_never_taken_over(path):
    lock_path(path).write_text(json.dumps({"user": "fictionby", "host": "another-pc", "pid": 999999999,
                                           "since": "2026-11-30T09:00:00"}))
    with pytest.raises(UserError, match=r"fictionby on another-pc \(since 30/11/2026 09:00, process 999999999\)"):
        with open_register(path, write=True, create=True):
            pass
    assert not path.exists()


def test_an_empty_lock_is_a_run_starting_unless_it_is_old(path):
    lock = lock_path(path)
    lock.write_text("")
    with pytest.raises(UserError, match="another run that is starting"):
        with open_register(path, write=True, create=True):
            pass
    # one left a few seconds ago by a run stopped as it started (or by an older auditdocs) holds up no one for long
    seconds_ago = dt.datetime.now().timestamp() - 10
    os.utime(lock, (seconds_ago, seconds_ago))
    with WriterLock(path):
        assert json.loads(lock.read_text())["pid"] == os.getpid()
    assert not lock.exists()


# ---- a run stopped halfway -------------------------------------------------------------------------------------------

HALFWAY = """
    import datetime as dt, hashlib, sys, time
    from auditdocs.domain import model as m
    from auditdocs.register import SeenFile, open_register
    def evidence(n, i):  # text that does not compress away: the run writes far more than SQLite's cache
        return hashlib.sha256(f"{n} {i}".encode()).hexdigest() * 4
    records = [m.AuditRecord(f"{n}.docx", "complete", "csc_case_file_audit", 1, f"AUD-202611-K{n:07d}",
                             {"case_number": f"98{n:05d}", "auditor": "Ann Testworth", "due_date": "2026-11-30"},
                             {f"q{i}": evidence(n, i) for i in range(30)}) for n in range(3000)]
    with open_register(sys.argv[1], write=True) as reg:
        reg.record_returns("December", [SeenFile(r.file, r.audit_id, r) for r in records],
                           now=dt.datetime(2026, 12, 1, 9))
        print("halfway", flush=True)
        time.sleep(120)
"""


def test_a_run_killed_halfway_leaves_the_register_as_it_was(tmp_path, path, library):
    start = [allocated(library, case=f"99010{n:02d}") for n in range(3)]
    with open_register(path, write=True, create=True) as reg:
        reg.record_audits(start, now=NOW)
    before, before_bytes = dump(path), path.read_bytes()
    run = child(HALFWAY, path)
    try:
        assert run.stdout.readline().strip() == "halfway", run.stderr.read()
        journal = path.with_name(path.name + "-journal")
        assert journal.exists() and path.read_bytes() != before_bytes  # the file itself was half written
    finally:
        run.send_signal(signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)
        run.communicate(timeout=30)
    assert lock_path(path).exists()  # left by the dead run, taken over below

    with open_register(path) as reg:  # the hot journal is rolled back
        assert len(reg.audits()) == 3
    assert dump(path) == before
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    again = [allocated(library, case="9901050")]
    with open_register(path, write=True) as reg:
        reg.record_audits(again, now=NOW)
    uninterrupted = tmp_path / "uninterrupted.sqlite"
    with open_register(uninterrupted, write=True, create=True) as reg:
        reg.record_audits(start, now=NOW)
    with open_register(uninterrupted, write=True) as reg:
        reg.record_audits(again, now=NOW)
    assert dump(path) == dump(uninterrupted)


def test_an_audits_activity_group_and_count_toward_the_ten_are_kept(library, path):
    spec = library.get("csc_case_file_audit")
    control = allocated(library)
    values = dict(control.subject)
    dip = audit_from_allocation(spec, m.Allocation(spec.id, values, 3, "AUD-202611-DIP00001",
                                                   activity="Children who go missing"),
                                activity_type="dip sample", counts_toward_ten=False,
                                group=["Ann Testworth", "Priya Madeup (health, critical friend)"])
    with open_register(path, write=True, create=True) as reg:
        reg.record_audits([control, dip], now=NOW)
    with open_register(path) as reg:
        back = {a.audit_id: a for a in reg.audits()}
    kept = back[dip.audit_id]
    assert (kept.activity, kept.activity_type, kept.counts_toward_ten) == ("Children who go missing", "dip sample",
                                                                           False)
    assert kept.group == ["Ann Testworth", "Priya Madeup (health, critical friend)"]
    plain = back[control.audit_id]
    assert (plain.activity, plain.activity_type, plain.counts_toward_ten, plain.group) == ("", "", True, [])
    assert m.activity_name(plain) == m.CONTROL_SAMPLE_NAME and m.activity_name(kept) == "Children who go missing"


def test_a_register_made_before_the_programme_holds_its_audits_as_the_control_sample(library, path):
    with open_register(path, write=True, create=True) as reg:
        reg.record_audits([allocated(library)], now=NOW)
    db = sqlite3.connect(path)  # as a register of schema 5 was: no activity columns (and no learning log, no theme tags, no stats)
    with db:
        db.execute("DROP TABLE learning_log")
        db.execute("DROP TABLE theme_tags")
        db.execute("DROP INDEX audits_activity")
        for column in ("activity", "activity_type", "counts_toward_ten", "audit_group"):
            db.execute(f"ALTER TABLE audits DROP COLUMN {column}")
        db.execute("ALTER TABLE files DROP COLUMN stat")
        db.execute("PRAGMA user_version = 5")
    db.close()
    with open_register(path) as reg:
        (audit,) = reg.audits()
    assert (audit.activity, audit.activity_type, audit.counts_toward_ten, audit.group) == ("", "", True, [])
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 9


def test_an_activitys_audit_has_its_own_id_and_the_control_samples_ids_are_as_before(library):
    from auditdocs.domain.identity import audit_id
    spec = library.get("csc_case_file_audit")
    values = {"case_number": "9901001", "auditor": "Ann Testworth", "audit_type": "", "due_date": "2026-11-28"}
    assert audit_id(spec, values) == audit_id(spec, values, "")
    assert audit_id(spec, values, "Children who go missing") != audit_id(spec, values)
    assert audit_id(spec, values, "Children  who go MISSING") == audit_id(spec, values, "Children who go missing")


def test_the_meta_of_kept_tracker_rows_is_read_without_the_rows_and_only_under_the_same_signature(path):
    kept = {"AUD-1": ("sig 1", b"<row/>" * 1000, 7, 6000, 1000, {"keys": ["AUD-1\x1f1", "AUD-1\x1f2"]}),
            "AUD-2": ("sig 2", b"<row/>", 8, 6, 1, {}),
            "AUD-3": ("sig 3", b"<row/>", 9, 6, 1, {"layout": "abc"})}
    with open_register(path, write=True, create=True) as reg:
        reg.keep_rendered("Themes by audit", kept)
        reg.commit()
    with open_register(path) as reg:
        now = {"AUD-1": "sig 1", "AUD-2": "sig 2", "AUD-3": "changed", "AUD-4": "sig 4"}
        assert reg.rendered_meta("Themes by audit", now) == {
            key: meta for key, (*_, meta) in reg.rendered("Themes by audit", now).items()}
        assert reg.rendered_meta("Themes by audit", now) == {"AUD-1": {"keys": ["AUD-1\x1f1", "AUD-1\x1f2"]}, "AUD-2": {}}
        assert reg.rendered_meta("Audits", now) == {}


def test_the_row_keys_of_a_tracker_written_are_kept_compressed_and_those_an_earlier_auditdocs_kept_still_read(path):
    layouts = {"Audits": [f"AUD-{n}" for n in range(500)], "Themes": [f"AUD-{n}\x1fkss1.comment\x1fvoice" for n in range(900)]}
    with open_register(path, write=True, create=True) as reg:
        reg.record_tracker(path.parent / "tracker.xlsx", "ab" * 32, b"skeleton", layouts)
        reg.commit()
    with sqlite3.connect(path) as db:
        kept = db.execute("SELECT layouts FROM trackers").fetchone()[0]
    assert type(kept) is bytes and len(kept) * 10 < len(json.dumps(layouts))
    with open_register(path) as reg:
        assert reg.tracker_written("ab" * 32).layouts == layouts
    with sqlite3.connect(path) as db:  # as JSON text, as registers kept them before
        db.execute("UPDATE trackers SET layouts = ?", (json.dumps(layouts),))
    with open_register(path) as reg:
        assert reg.tracker_written("ab" * 32).layouts == layouts


def test_values_kept_as_json_read_back_as_json_loads_reads_them():
    for value in [{}, [], {"a": "b", "c": [1, 2.5, None, True, -0.0, 10 ** 30]}, "Zoë 孩子 👍 \"quoted\"\n", 3,
                  {"action": "x" * 5000, "by_when": "2026-06-05"}]:
        assert _from_json(_json(value)) == value == json.loads(_json(value))
    assert _from_json(' {"a": 1} ') == {"a": 1}  # (space around it: as json.loads reads it)
    for broken in ["", "{", '{"a": 1} 2', "nan!"]:
        with pytest.raises(json.JSONDecodeError):
            _from_json(broken)
