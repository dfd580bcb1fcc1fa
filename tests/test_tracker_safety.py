"""Writing the tracker safely: lock files, backups, atomic writes, content we cannot keep."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from helpers import REALWORLD, files_workspace
from openpyxl.chart import BarChart, Reference
from tracker_records import NOW, by_id, make_record

from auditdocs.consolidate import consolidate_records
from auditdocs.errors import UserError
from auditdocs.tracker import safety


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def existing(library, tracker) -> Path:
    consolidate_records(files_workspace(tracker, library=library), [make_record(library, "C1")], now=NOW)
    shutil.rmtree(safety.backup_folder(tracker), ignore_errors=True)
    return tracker


def refused(library, tracker, *records) -> str:
    """Run consolidation that must stop; check nothing in the folder changed; return the message."""
    before = snapshot(tracker.parent)
    with pytest.raises(UserError) as info:
        consolidate_records(files_workspace(tracker, library=library),
                            list(records) or [make_record(library, "C2")], now=NOW)
    assert snapshot(tracker.parent) == before
    return info.value.message


@pytest.mark.parametrize("lock", ["~$tracker.xlsx", ".~lock.tracker.xlsx#"])
def test_open_in_excel_stops_and_changes_nothing(library, existing, lock):
    (existing.parent / lock).write_bytes(b"\x0bSomeone")
    message = refused(library, existing)
    assert "open in Excel" in message and lock in message and "not changed" in message


def test_read_only_tracker_or_folder_stops(library, existing, monkeypatch):
    monkeypatch.setattr(safety, "can_write", lambda path: Path(path) != existing)
    assert "read-only" in refused(library, existing)
    monkeypatch.setattr(safety, "can_write", lambda path: Path(path) != existing.parent)
    assert "cannot save files in the folder" in refused(library, existing)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="file permissions do not apply to root")
def test_read_only_file_for_real(library, existing):
    existing.chmod(0o444)
    try:
        assert "read-only" in refused(library, existing)
    finally:
        existing.chmod(0o644)


def test_backup_before_every_write_keeps_the_last_ten(library, tracker):
    record = make_record(library, "C1")
    summary = consolidate_records(files_workspace(tracker, library=library), [record], now=NOW)
    assert summary.backup is None and summary.created
    folder = safety.backup_folder(tracker)
    assert not folder.exists()
    first = tracker.read_bytes()
    summary = consolidate_records(files_workspace(tracker, library=library), [record], now=NOW)
    assert summary.backup == folder / "tracker 2026-02-10 09-30-00.xlsx"
    assert summary.backup.read_bytes() == first
    assert "previous version is kept in" in str(summary)
    (folder / "keep me.txt").write_text("not a backup")
    for i in range(12):
        consolidate_records(files_workspace(tracker, library=library), [record], now=NOW + dt.timedelta(minutes=i))
    consolidate_records(files_workspace(tracker, library=library),
                        [record], now=NOW + dt.timedelta(minutes=11))  # same second twice
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 11 and "keep me.txt" in names
    assert "tracker 2026-02-10 09-41-00.xlsx" in names and "tracker 2026-02-10 09-41-00 (2).xlsx" in names
    assert "tracker 2026-02-10 09-33-00.xlsx" in names and "tracker 2026-02-10 09-32-00.xlsx" not in names


def test_a_failed_write_leaves_the_old_tracker(library, existing, monkeypatch):
    def broken_save(wb, target):
        Path(target).write_bytes(b"PK\x03\x04 half a workbook")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(safety, "save_workbook", broken_save)
    old = existing.read_bytes()
    with pytest.raises(UserError) as info:
        consolidate_records(files_workspace(existing, library=library), [make_record(library, "C2")], now=NOW)
    assert f"there is no space left on the disk for {existing}: free some space on {existing.parent}" \
        in info.value.message and "The tracker was not changed" in info.value.message
    assert existing.read_bytes() == old
    assert not [p for p in existing.parent.iterdir() if p.name.startswith(".~auditdocs")]
    assert set(by_id(existing, "Audits", "Audit id")) == {"AUD-202601-C1"}


def test_write_keeps_the_file_permissions(library, existing):
    existing.chmod(0o640)
    consolidate_records(files_workspace(existing, library=library), [make_record(library, "C2")], now=NOW)
    assert existing.stat().st_mode & 0o777 == 0o640


def test_chart_in_the_tracker_stops(library, existing):
    wb = openpyxl.load_workbook(existing)
    ws = wb.create_sheet("Chart")
    for i in range(4):
        ws.append([i, i * i])
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=4))
    ws.add_chart(chart, "D2")
    wb.save(existing)
    message = refused(library, existing)
    assert "charts" in message and "move the charts to another workbook" in message


def add_x14_validation(path: Path, sheet_part: str = "xl/worksheets/sheet4.xml") -> None:
    """What Excel writes for a drop-down whose list is on another sheet."""
    ext = ('<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
           'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
           '<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
           '<x14:dataValidation type="list" allowBlank="1"><x14:formula1><xm:f>Lists!$A$1:$A$4</xm:f>'
           '</x14:formula1><xm:sqref>T2:T10</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst>')
    copy = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == sheet_part:
                data = data.replace(b"</worksheet>", ext.encode() + b"</worksheet>")
            dst.writestr(item, data)
    os.replace(copy, path)


def test_x14_validation_in_the_tracker_stops(library, existing):
    add_x14_validation(existing)
    message = refused(library, existing)
    assert "drop-down lists that take their items from another sheet on the sheet 'Actions'" in message
    assert "Define Name" in message


@pytest.mark.skipif(not (REALWORLD / "excel" / "poi__56644.xlsx").exists(), reason="real-world sample not present")
def test_real_workbook_with_x14_validations_and_a_picture_stops(library, tmp_path):
    target = tmp_path / "tracker.xlsx"
    shutil.copy(REALWORLD / "excel" / "poi__56644.xlsx", target)
    message = refused(library, target)
    assert "drop-down lists that take their items from another sheet" in message
    assert "pictures" in message


@pytest.mark.parametrize("content", [b"", b"not a workbook at all", b"PK\x03\x04truncated",
                                     b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 encrypted"])
def test_unreadable_tracker_is_never_overwritten(library, tracker, content):
    tracker.write_bytes(content)
    message = refused(library, tracker)
    assert "cannot be read" in message and "not changed" in message


def test_damaged_workbook_inside_a_good_zip_is_not_overwritten(library, existing):
    copy = existing.with_suffix(".tmp")
    with zipfile.ZipFile(existing) as src, zipfile.ZipFile(copy, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item, data[: len(data) // 2] if item.filename == "xl/worksheets/sheet1.xml" else data)
    os.replace(copy, existing)
    assert "cannot be read" in refused(library, existing)


def test_another_workbook_is_not_taken_for_a_tracker(library, tracker):
    wb = openpyxl.Workbook()
    wb.active.title = "Allocations"
    wb.active["A1"] = "Case number"
    wb.save(tracker)
    assert "does not look like an auditdocs tracker" in refused(library, tracker)


def test_tracker_must_be_xlsx(library, tmp_path):
    with pytest.raises(UserError, match="must be an Excel .xlsx file"):
        consolidate_records(files_workspace(tmp_path / "tracker.xls", library=library), [], now=NOW)


def test_new_tracker_in_a_folder_that_does_not_exist_is_refused(library, tmp_path):
    target = tmp_path / "output" / "month" / "tracker.xlsx"
    with pytest.raises(UserError, match="there is no folder"):
        consolidate_records(files_workspace(target, library=library), [make_record(library, "C1")], now=NOW)
    assert not (tmp_path / "output").exists()  # never made silently: a mistyped folder name would hide it
    target.parent.mkdir(parents=True)
    summary = consolidate_records(files_workspace(target, library=library), [make_record(library, "C1")], now=NOW)
    assert target.exists() and summary.created and "Created" in str(summary)


def test_headings_moved_down_stops(library, existing):
    wb = openpyxl.load_workbook(existing)
    wb["Actions"].insert_rows(1)
    wb["Actions"]["A1"] = "Team North actions"
    wb.save(existing)
    message = refused(library, existing)
    assert "Actions sheet" in message and "'Action id' heading" in message


def test_a_mistyped_folder_is_an_error_and_nothing_is_written(library, tmp_path):
    from click.testing import CliRunner
    from helpers import SPECS, full_answers, record_values

    from auditdocs.cli import cli
    from auditdocs.forms.docx.fill import fill_docx
    from auditdocs.forms.docx.writer import WordForm

    spec = library.latest("csc_case_file_audit")
    returned = tmp_path / "December returned"
    returned.mkdir()
    answers, tables = full_answers(spec)
    (returned / "form.docx").write_bytes(fill_docx(WordForm(spec).render(record_values(spec), "AUD-202612-TYPO0001"),
                                                   answers, tables))
    runner = CliRunner()
    tracker = tmp_path / "tracker.xlsx"

    def consolidate(*args):
        return runner.invoke(cli, ["--specs", str(SPECS), "consolidate", *map(str, args)])

    typo = tmp_path / "December retruned"
    result = consolidate(typo, "--tracker", tracker)
    assert result.exit_code == 2 and f"'{typo}'" in result.output and "nothing was read or written" in result.output
    assert not tracker.exists()
    assert consolidate(returned, "--tracker", tracker).exit_code == 0
    before = tracker.read_bytes()
    result = consolidate(returned, typo, "--tracker", tracker)  # one good folder and one mistyped
    assert result.exit_code == 2 and tracker.read_bytes() == before
    assert not (tmp_path / "tracker backups").exists() or len(list((tmp_path / "tracker backups").iterdir())) == 0

    elsewhere = tmp_path / "Trackers 2026" / "tracker.xlsx"
    result = consolidate(returned, "--tracker", elsewhere)
    assert result.exit_code == 2 and "there is no folder" in result.output and str(elsewhere.parent) in result.output
    assert not elsewhere.parent.exists()

    answers_json = tmp_path / "answers.json"
    result = runner.invoke(cli, ["--specs", str(SPECS), "parse", str(typo), "--json", str(answers_json)])
    assert result.exit_code == 2 and f"'{typo}'" in result.output and not answers_json.exists()
