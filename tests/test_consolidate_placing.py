"""A year's forms hashed, a fresh year's rows written (Audits, Actions) and numbered for their place (Answers,
Judgements: hundreds of megabytes) in worker processes (`consolidate.apart`), forked or spawned as Windows starts
them: the very tracker and register that doing it in the run's own process gives."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import openpyxl
from helpers import SPECS, files_workspace
from month_register import NOW, make_month

from auditdocs.consolidate import consolidate_returns, made_rows, parsing
from auditdocs.consolidate import run as consolidate_run
from auditdocs.specs import load_library


def sheets(path: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets if ws.title != "About"}


def contents(register: Path) -> set[str]:
    with sqlite3.connect(register) as db:
        return {h for (h,) in db.execute("SELECT content_hash FROM contents")}


def kept_rows(register: Path) -> dict[tuple[str, str], tuple]:
    with sqlite3.connect(register) as db:
        return {(sheet, key): (data, crc, length, rows) for sheet, key, data, crc, length, rows in db.execute(
            "SELECT sheet, audit_id, data, crc, length, rows FROM rendered")}


def _apart_always(monkeypatch, worth: int = 1) -> None:
    """Every step that can work in worker processes does (from `worth` rows, files or pieces), with two of them, a
    few at a time (several tasks, their results taken in order)."""
    monkeypatch.setattr(parsing, "workers_available", lambda: 2)
    for module, at_least, at_once, n in ((consolidate_run, "WORTH_PLACING_APART", "PLACE_AT_ONCE", 7),
                                         (made_rows, "WORTH_RENDERING_APART", "RENDER_AT_ONCE", 5),
                                         (consolidate_run, "WORTH_HASHING_APART", "HASH_AT_ONCE", 9)):
        monkeypatch.setattr(module, at_least, worth)
        monkeypatch.setattr(module, at_once, n)


def test_rows_written_and_numbered_by_workers_are_those_made_here(tmp_path, monkeypatch):
    library = load_library(SPECS)
    month = make_month(tmp_path / "month", library)
    made = {}
    for how, method, apart in (("here", "fork", 10 ** 9), ("forked", "fork", 1), ("spawned", "spawn", 1)):
        monkeypatch.setattr(parsing, "START_METHOD", method)
        _apart_always(monkeypatch, worth=apart)
        folder = tmp_path / how
        folder.mkdir()
        consolidate_returns(files_workspace(folder / "tracker.xlsx", folder / "register.sqlite", library),
                            [month.returned], now=NOW, workers=2)
        made[how] = (sheets(folder / "tracker.xlsx"), kept_rows(folder / "register.sqlite"),
                     contents(folder / "register.sqlite"))
    here_sheets, here_rows, here_contents = made["here"]
    assert len(here_sheets["Answers"]) > 100 and len(here_sheets["Actions"]) > 10
    assert {sheet for sheet, _ in here_rows} == {"Audits", "Actions", "Answers", "Judgements", "Themes by audit"}
    for how in ("forked", "spawned"):
        assert made[how][0] == here_sheets, how
        assert made[how][1] == here_rows, how
        assert made[how][2] == here_contents and len(here_contents) == 60, how


def test_a_run_starts_its_worker_processes_once_and_again_only_after_one_died(tmp_path, monkeypatch):
    """The forms are hashed, read, and their rows written, numbered and compressed by the same worker processes
    (started once: on Windows each is a new interpreter). When one dies while the forms are read (the computer ran
    out of memory), the forms it had not read are read in the run's own process, and the steps after start others:
    the tracker and register are those of a run in which none died."""
    import os
    from concurrent.futures import ProcessPoolExecutor

    from auditdocs.consolidate import apart

    library = load_library(SPECS)
    month = make_month(tmp_path / "month", library)
    monkeypatch.setattr(parsing, "START_METHOD", "fork")  # (the worker below dies as it was forked)
    _apart_always(monkeypatch)
    started = []

    class Counted(ProcessPoolExecutor):
        def __init__(self, *given, **named):
            started.append(1)
            super().__init__(*given, **named)

    monkeypatch.setattr(apart, "ProcessPoolExecutor", Counted)
    read_one = parsing._read_one

    def dies_on_the_fifth(path, *given):
        if path.name == sorted(p.name for p in month.returned.rglob("*.docx"))[4] and os.getpid() != parent:
            os._exit(1)
        return read_one(path, *given)

    made = {}
    for how in ("none died", "one died"):
        parent = os.getpid()
        if how == "one died":
            monkeypatch.setattr(parsing, "_read_one", dies_on_the_fifth)
        started.clear()
        folder = tmp_path / how.replace(" ", "-")
        folder.mkdir()
        consolidate_returns(files_workspace(folder / "tracker.xlsx", folder / "register.sqlite", library),
                            [month.returned], now=NOW, workers=2)
        made[how] = (sheets(folder / "tracker.xlsx"), kept_rows(folder / "register.sqlite"),
                     contents(folder / "register.sqlite"))
        if how == "none died":
            assert len(started) == 1 and parsing.read_by_workers == 60
        else:
            assert len(started) == 2 and parsing.read_by_workers < 60
    assert made["one died"] == made["none died"] and len(made["none died"][2]) == 60


def test_rows_kept_compressed_by_an_earlier_auditdocs_are_read_as_those_kept_now():
    import zlib

    from auditdocs.consolidate import made_rows
    from auditdocs.tracker.sheets import Rendered

    row = Rendered('<row r="\x00"><c r="A\x00" t="inlineStr"><is><t>Zoë 孩子</t></is></c></row>')
    now = made_rows._kept("signature", row.data)[1]
    assert made_rows._xml(now) == made_rows._xml(zlib.compress(row.xml.encode("utf-8"), 1)) == row.data
    assert row.xml == "<row r=\"\x00\"><c r=\"A\x00\" t=\"inlineStr\"><is><t>Zoë 孩子</t></is></c></row>"


def test_crc_of_pieces_put_together_is_the_crc_of_the_whole():
    """`stream.crc_combine` (the big sheets' pieces make one zip entry, whose CRC-32 is checked by Excel), and ISA-L's,
    which the tracker is written with where it is installed (as it is with auditdocs)."""
    import random
    import zlib

    from auditdocs.tracker import deflate
    from auditdocs.tracker.stream import _combine, crc_combine

    assert _combine is deflate.crc32_combine is not None

    rng = random.Random(7)
    for length in [0, 1, 2, 3, 255, 256, 4096, 65535, 65536, 1 << 20, (3 << 20) + 17] + \
                  [rng.randint(0, 200_000) for _ in range(40)]:
        a, b = rng.randbytes(rng.randint(0, 3000)), rng.randbytes(length)
        assert crc_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b), length
        assert _combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b), length


def test_pieces_compressed_by_isal_and_by_zlib_make_one_entry_any_unzip_reads(tmp_path, monkeypatch):
    """The tracker's sheets are deflated by ISA-L (`tracker.deflate`; installed with auditdocs), and pieces kept in a
    register by zlib (an earlier auditdocs, or a platform without isal) go into the same entry beside them."""
    import random
    import zipfile
    import zlib

    from auditdocs.tracker import deflate, stream

    assert deflate.LIBRARY == "isal.isal_zlib"  # (installed: not the fallback)
    rng = random.Random(3)
    words = ["Zoë", "孩子", "&amp;", "<row r=\"7\">", "Мирон", "👍", "seen alone"]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 40_000))).encode("utf-8") for _ in range(8)]
    pieces = []
    for n, raw in enumerate(texts):
        if n % 2:  # as zlib made them
            squeeze = zlib.compressobj(1, zlib.DEFLATED, -15)
            pieces.append((squeeze.compress(raw) + squeeze.flush(zlib.Z_SYNC_FLUSH), zlib.crc32(raw), len(raw)))
        else:
            pieces.append((deflate.piece(raw), deflate.crc32(raw), len(raw)))
            assert zlib.decompressobj(-15).decompress(pieces[-1][0]) == raw
    with open(tmp_path / "p.zip", "wb") as fh:
        package = stream.Package(fh)
        package.add_pieces("whole.xml", pieces)
        package.close()
    with zipfile.ZipFile(tmp_path / "p.zip") as zf:
        assert zf.testzip() is None
        assert zf.read("whole.xml") == b"".join(texts)
    # a fragment kept by zlib, numbered for another place, is numbered for its own by the library in use
    row = '<row r="5"><c r="A5" t="inlineStr"><is><t>Zoë</t></is></c></row>'.encode("utf-8")
    squeeze = zlib.compressobj(1, zlib.DEFLATED, -15)
    kept = stream.Fragment(squeeze.compress(row * 2) + squeeze.flush(zlib.Z_SYNC_FLUSH), zlib.crc32(row * 2), 0, 2)
    moved = stream.placed(kept, 9)
    assert deflate.inflated(moved.data) == row.replace(b"5", b"9") + row.replace(b"5", b"10")
    assert moved.crc == zlib.crc32(deflate.inflated(moved.data)) and stream.numbered_from(moved, 9)


def test_the_runs_temporary_file_gives_back_each_row_as_written_read_in_order_or_not():
    """`run._SpillFile`, where the rows written wait until the tracker is written: rows read in the order they were
    written are read a megabyte at a time (read ahead), others one by one, while more are being added."""
    import random
    import tempfile

    rng = random.Random(5)
    with tempfile.TemporaryFile(buffering=0) as file:
        spill = consolidate_run._SpillFile(file)
        rows, where = [], []
        for n in range(6000):
            rows.append(("Zoë 孩子 " * rng.randint(0, 300) + str(n)).encode("utf-8") * (40 if n % 997 == 0 else 1))
            where.append(spill.append(rows[-1]))
            if n % 50 == 0:  # read while more is written: the last ones still waiting to be written
                i = rng.randrange(len(rows))
                assert spill.read_at(where[i], len(rows[i])) == rows[i]
        order = list(range(len(rows)))
        for i in order[:3000] + rng.sample(order, 500) + order[2000:]:
            assert spill.read_at(where[i], len(rows[i])) == rows[i], i


def test_a_record_read_by_a_worker_is_sent_without_its_answers_and_made_whole_from_its_packed_copy(tmp_path):
    """The readers send the run each record without its answers (a year's, in several scripts: they are in its packed
    copy already); where the run needs them (a file it could not hash), the record is made whole from that copy."""
    from auditdocs.consolidate.run import AT_HAND, _ReadHere
    from auditdocs.forms.read import read_form

    library = load_library(SPECS)
    month = make_month(tmp_path / "month", library)
    forms = sorted(p for p in month.returned.rglob("*.*x") if p.suffix in (".docx", ".xlsx"))
    reader = _ReadHere(None, library)
    seen_answers = 0
    for path in forms[:12]:
        whole = read_form(path, library)
        sent, made, check = parsing._read_one(path, library, reader)
        assert check and made is not None and sent.answers == {} and sent.tables == whole.tables
        assert made[AT_HAND].whole(sent) == whole
        seen_answers += len(whole.answers)
    assert seen_answers > 100


def test_the_cycle_collector_is_paused_while_a_run_goes_and_on_again_once_it_has_returned(tmp_path, monkeypatch):
    import gc

    library = load_library(SPECS)
    month = make_month(tmp_path / "month", library)
    during = []
    decide = consolidate_run.plan.decide
    monkeypatch.setattr(consolidate_run.plan, "decide", lambda *a, **k: during.append(gc.isenabled()) or decide(*a, **k))
    assert gc.isenabled()
    consolidate_returns(files_workspace(tmp_path / "tracker.xlsx", tmp_path / "register.sqlite", library),
                        [month.returned], now=NOW)
    assert during == [False] and gc.isenabled()
    gc.disable()  # a caller that paused it: left paused
    try:
        consolidate_returns(files_workspace(tmp_path / "tracker.xlsx", tmp_path / "register.sqlite", library),
                            [month.returned], now=NOW)
        assert during == [False, False] and not gc.isenabled()
    finally:
        gc.enable()
