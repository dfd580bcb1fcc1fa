"""Issue 21, items 5-7: personal data kept its owner's only, hostile and huge input refused fast
with the file and the reason, and nothing skipped without a word. Real files, the real CLI."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import SPECS, needs_soffice
from test_generate import three_rows

from auditdocs.cli import cli

ON_POSIX = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


def invoke(*args, cwd: Path | None = None):
    old = os.getcwd()
    try:
        if cwd:
            os.chdir(cwd)
        result = CliRunner().invoke(cli, [*map(str, args)])
    finally:
        os.chdir(old)
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.fixture
def usual_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


# ---- 5. owner-only files --------------------------------------------------------------------------------


@ON_POSIX
def test_generated_forms_the_manifest_and_their_folders_are_the_owners_only(tmp_path, usual_umask):
    out = tmp_path / "made" / "forms"
    result = invoke("--specs", SPECS, "generate", "--month", "2026-11", "--data", three_rows(tmp_path), "--out", out)
    assert result.exit_code == 0, result.output
    made = list(out.rglob("*.docx"))
    assert len(made) == 3
    for path in [*made, out / "manifest.csv"]:
        assert mode(path) == 0o600, (path, oct(mode(path)))
    for folder in [out, out.parent, *{p.parent for p in made}]:
        assert mode(folder) == 0o700, (folder, oct(mode(folder)))


@ON_POSIX
def test_a_workspace_s_folders_are_the_owners_only(tmp_path, usual_umask):
    result = invoke("init", tmp_path / "ws")
    assert result.exit_code == 0, result.output
    folders = [p for p in (tmp_path / "ws").rglob("*") if p.is_dir()]
    assert folders and all(mode(p) == 0o700 for p in [tmp_path / "ws", *folders]), \
        [(p, oct(mode(p))) for p in folders]


@pytest.fixture(scope="module")
def report_register(tmp_path_factory, library):
    from test_report import Scenario

    return Scenario(tmp_path_factory.mktemp("report"), library).register.path


def _left_copies(out: Path, tmp: Path) -> list[Path]:
    return [*out.glob(".~auditdocs-pdf-*"), *tmp.glob("auditdocs-pdf-*")]


@ON_POSIX
@needs_soffice
def test_a_report_pdf_stopped_midway_leaves_no_copy_of_the_report(report_register, tmp_path):
    """Stopped (SIGTERM) while LibreOffice works: no copy in the system's temporary folder or the output."""
    out, tmp = tmp_path / "reports", tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "TMP": str(tmp), "TEMP": str(tmp)}
    run = subprocess.Popen([sys.executable, "-c", "from auditdocs.cli import main; main()", "--specs", str(SPECS),
                            "report", "--register", str(report_register), "--month", "2025-11", "--out", str(out),
                            "--pdf"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    deadline = time.monotonic() + 120
    while run.poll() is None and time.monotonic() < deadline:
        seen = _left_copies(out, tmp) if out.exists() else list(tmp.glob("auditdocs-pdf-*"))
        if seen:
            break
        time.sleep(0.05)
    assert seen, "LibreOffice's work folder was never seen"
    assert all(mode(p) == 0o700 for p in seen if p.exists())
    time.sleep(0.5)
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=60)
    assert "Traceback" not in err, err
    assert _left_copies(out, tmp) == []
    assert not (out / "Audit report 2025-11.docx").exists()


@ON_POSIX
def test_what_a_killed_run_left_beside_the_output_is_removed_by_a_later_one(tmp_path):
    from auditdocs.files import LEFT_OVER_AFTER, private_folder

    left = tmp_path / ".~auditdocs-pdf-killed"
    left.mkdir(mode=0o700)
    (left / "Audit report.docx").write_bytes(b"a report")
    old = time.time() - LEFT_OVER_AFTER - 60
    os.utime(left, (old, old))
    recent = tmp_path / ".~auditdocs-pdf-running"
    recent.mkdir(mode=0o700)
    with private_folder(tmp_path, "pdf") as work:
        assert mode(work) == 0o700 and work.parent == tmp_path
    assert not left.exists() and recent.exists() and not work.exists()


# ---- 6. hostile and huge input refused fast ------------------------------------------------------------

LAUGHS = "lol: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"l{n}: &{chr(98 + n)} [{', '.join([f'*{chr(97 + n)}'] * 9)}]\n" for n in range(9))

HOSTILE_SPECS = {
    "billion laughs.yaml": (LAUGHS, "aliases (*name) here would copy out more than"),
    "recursive.yaml": ("id: x\nitems: &a [1, *a]\n", "used inside what it names"),
    "deep.yaml": ("id: x\nsections: " + "[" * 20000 + "]" * 20000 + "\n", "nested here more than"),
    "python.yaml": ("id: x\ntitle: !!python/object/apply:os.system ['echo pwned']\n", "'!!python/object/apply:os.system'"),
}


def _workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    assert invoke("init", ws).exit_code == 0
    return ws


@pytest.mark.parametrize("name", sorted(HOSTILE_SPECS))
def test_a_hostile_spec_is_refused_naming_the_file_and_the_rest_of_the_workspace_works(tmp_path, name):
    ws = _workspace(tmp_path)
    text, reason = HOSTILE_SPECS[name]
    bad = ws / "form_specs" / name
    bad.write_text(text, encoding="utf-8")
    checked = invoke("specs", "validate", bad, cwd=ws)
    assert checked.exit_code == 1 and name in checked.output and reason in checked.output, checked.output
    listed = invoke("specs", "list", cwd=ws)
    assert listed.exit_code == 0, listed.output
    assert f"form spec {bad} was left out" in listed.output and reason in listed.output, listed.output
    assert "csc_case_file_audit" in listed.output


def test_broken_specs_in_the_workspace_stop_no_command_that_does_not_use_them(demo_month, tmp_path):
    import shutil

    ws = tmp_path / "demo"
    shutil.copytree(demo_month[1], ws)
    for name, (text, _) in HOSTILE_SPECS.items():
        (ws / "form_specs" / name).write_text(text, encoding="utf-8")
    for command in (["status"], ["consolidate"], ["report", "--month", "2026-11"]):
        result = invoke(*command, cwd=ws)
        assert result.exit_code in (0, 1), (command, result.output)
        for name, (_, reason) in HOSTILE_SPECS.items():
            assert f"{name} was left out" in result.output and reason in result.output, (command, result.output)
    assert "60 audits" in result.output  # the control sample's (the report counts the other activities apart)


def test_a_50_mb_spec_is_refused_unread(tmp_path):
    ws = _workspace(tmp_path)
    big = ws / "form_specs" / "huge.yaml"
    with open(big, "wb") as fh:
        fh.write(b"id: huge\ntitle: ")
        fh.truncate(50 * 1024 * 1024)  # sparse where the system allows: the size is what counts
    result = invoke("specs", "validate", big, cwd=ws)
    assert result.exit_code == 1 and "huge.yaml" in result.output and "this file is 50 MB, far more than any spec" \
        in result.output, result.output
    assert "was left out" in invoke("status", cwd=ws).output


def zip_bomb(path: Path, sheet_bytes: int = 1536 * 1024 * 1024) -> Path:
    """An .xlsx whose sheet unpacks to `sheet_bytes` (1.5 GB) of spaces: a few MB on disk."""
    import zipfile

    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["Name", "Team"])
    book.save(path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as package, \
            package.open("xl/worksheets/padding.xml", "w", force_zip64=True) as part:
        block = b" " * (16 * 1024 * 1024)
        for _ in range(sheet_bytes // len(block)):
            part.write(block)
    return path


def shared_strings_bomb(path: Path, cells: int = 16000, length: int = 1024 * 1024) -> Path:
    """An .xlsx with a string of `length` characters in `cells` cells (one shared string, a small file)."""
    import io
    import zipfile

    import openpyxl
    from helpers import rewrite_parts
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook()
    book.active.append(["Name", "Team"])
    data = io.BytesIO()
    book.save(data)
    rows = "".join(f'<row r="{r}">' + "".join(f'<c r="{get_column_letter(c)}{r}" t="s"><v>0</v></c>'
                                               for c in range(1, 101)) + "</row>" for r in range(2, 2 + cells // 100))
    import random

    text = "".join(random.Random(21).choices("abcdefghijklmnopqrstuvwxyz ", k=length)).encode()  # not a zip bomb
    strings = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
               b"<si><t>" + text + b"</t></si></sst>")

    def change(name, content):
        if name == "xl/worksheets/sheet1.xml":
            return content.replace(b"</row></sheetData>", b"</row>" + rows.encode() + b"</sheetData>")
        if name == "[Content_Types].xml":
            return content.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                   b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        if name == "xl/_rels/workbook.xml.rels":
            return content.replace(b"</Relationships>", b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats'
                                   b'.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                                   b"</Relationships>")
        return content

    made = rewrite_parts(data.getvalue(), change)
    with zipfile.ZipFile(io.BytesIO(made)) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        target.writestr("xl/sharedStrings.xml", strings)
    return path


def test_an_auditors_list_that_is_a_zip_bomb_is_refused_unpacked(tmp_path):
    from allocate_year import write_cases

    write_cases(tmp_path / "cases.xlsx")
    bomb = zip_bomb(tmp_path / "auditors.xlsx")
    assert bomb.stat().st_size < 10 * 1024 * 1024
    result = invoke("--specs", SPECS, "allocate", "--month", "2026-11", "--cases", tmp_path / "cases.xlsx",
                    "--auditors", bomb, "--register", tmp_path / "register.sqlite", "--out", tmp_path / "out.xlsx")
    assert result.exit_code == 2, result.output
    assert str(bomb) in result.output and "would unpack to 1,536 MB" in result.output, result.output
    assert not (tmp_path / "out.xlsx").exists()


def test_a_list_with_megabyte_cells_is_refused_naming_the_cell(tmp_path):
    huge = shared_strings_bomb(tmp_path / "list.xlsx")
    result = invoke("--specs", SPECS, "generate", "--month", "2026-11", "--data", huge, "--out", tmp_path / "forms")
    assert result.exit_code == 2, result.output
    assert str(huge) in result.output and "cell A2 holds 1,048,576 characters" in result.output, result.output


def test_a_returned_form_with_megabyte_cells_is_unreadable_with_the_reason(tmp_path):
    returned = tmp_path / "returned"
    returned.mkdir()
    huge = shared_strings_bomb(returned / "form.xlsx")
    result = invoke("--specs", SPECS, "parse", returned)
    assert result.exit_code != 3 and "form.xlsx" in result.output, result.output
    assert "more text than Excel can hold in a cell" in result.output, result.output
    assert huge.exists()


def test_a_tracker_that_is_a_zip_bomb_is_refused_and_left_as_it_was(tmp_path):
    returned = tmp_path / "returned"
    returned.mkdir()
    tracker = zip_bomb(tmp_path / "tracker.xlsx", 512 * 1024 * 1024)
    before = tracker.read_bytes()
    result = invoke("--specs", SPECS, "consolidate", returned, "--tracker", tracker,
                    "--register", tmp_path / "register.sqlite")
    assert result.exit_code == 2, result.output
    assert str(tracker) in result.output and "would unpack to 512 MB, more than any tracker" in result.output, \
        result.output
    assert tracker.read_bytes() == before


# ---- 7. nothing skipped without a word ----------------------------------------------------------------


def _deep_folder(base: Path, levels: int = 18) -> tuple[int, str]:
    """Folders nested below `base` so deep that their path is longer than the system can open (made through
    folder handles): (a handle on the deepest, its path relative to base)."""
    fd = os.open(base, os.O_RDONLY)
    parts = []
    for n in range(levels):
        name = f"{n:02d} " + "folder of a team with a long name " * 7
        os.mkdir(name, dir_fd=fd)
        below = os.open(name, os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = below
        parts.append(name)
    return fd, "/".join(parts)


@pytest.mark.skipif(os.name != "posix", reason="folder handles (dir_fd)")
def test_a_subfolder_that_cannot_be_opened_is_listed_and_the_rest_is_read(tmp_path, library):
    from helpers import one_of_each_form

    made = one_of_each_form(tmp_path / "made")
    returned = tmp_path / "returned"
    returned.mkdir()
    forms = sorted(made.values())
    for form in forms[:3]:
        (returned / form.name).write_bytes(form.read_bytes())
    fd, deep = _deep_folder(returned)
    try:
        copy = os.open(forms[3].name, os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd)
        os.write(copy, forms[3].read_bytes())
        os.close(copy)
    finally:
        os.close(fd)
    assert len(str(returned / deep)) > 4096
    result = invoke("--specs", SPECS, "parse", returned)
    assert result.exit_code == 1, result.output
    assert "could not be searched for forms (File name too long)" in result.output, result.output
    assert "move its forms to a folder with a shorter path" in result.output
    assert "3 complete" in result.output or result.output.count("complete ") >= 3, result.output


def test_a_utf16_csv_list_is_read_as_people_saved_it(tmp_path):
    from test_allocation import write_csv

    rows = [{"Form": "csc_case_file_audit", "Case number": "9900001", "Family name": "Wałęsa-Tëst", "Given names": "Ava",
             "Date of birth": "01/02/2015", "Social worker": "Sam Worker", "Team manager": "Tess Manager",
             "Team": "Assessment Team 1", "Auditor": "Priya Lakhani", "Due date": "30/11/2026"}]
    listed = write_csv(tmp_path / "list.csv", rows, encoding="utf-16", delimiter="\t")  # Excel's "Unicode Text"
    assert listed.read_bytes().startswith(b"\xff\xfe")
    result = invoke("--specs", SPECS, "generate", "--month", "2026-11", "--data", listed, "--out", tmp_path / "forms")
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "forms").rglob("*.docx")][0].startswith("9900001 Wałęsa-Tëst Ava")


def test_a_utf16_csv_without_its_marker_says_to_save_it_as_csv_utf8(tmp_path):
    listed = tmp_path / "list.csv"
    listed.write_bytes("Form,Case number\ncsc_case_file_audit,1\n".encode("utf-16-le"))
    result = invoke("--specs", SPECS, "generate", "--month", "2026-11", "--data", listed, "--out", tmp_path / "forms")
    assert result.exit_code == 2, result.output
    assert str(listed) in result.output and "it looks like UTF-16 text without its marker" in result.output
    assert "save it as 'CSV UTF-8 (.csv)'" in result.output, result.output


@pytest.fixture
def tiny_disk(tmp_path):
    """A real 64 KB file system, filled up (needs the right to mount one: root on Linux)."""
    place = tmp_path / "full"
    place.mkdir()
    if os.name != "posix" or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(place)],
                                            capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small file system here")
    try:
        fd = os.open(place / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError:
            os.close(fd)
        yield place
    finally:
        subprocess.run(["umount", str(place)], capture_output=True)


@pytest.mark.parametrize("command, written", [
    (["parse", "{returned}", "--json", "{full}/answers.json"], "{full}/answers.json"),
    (["init", "{full}/workspace"], "{full}/workspace/form_specs/"),
])
def test_no_space_left_names_the_file_and_says_what_to_do(tmp_path, tiny_disk, command, written):
    returned = tmp_path / "returned"
    returned.mkdir()
    (returned / "form.docx").write_bytes(b"not a form")
    args = [part.format(returned=returned, full=tiny_disk) for part in command]
    result = subprocess.run([sys.executable, "-c", "from auditdocs.cli import main; main()", "--specs", str(SPECS),
                             *args], capture_output=True, text=True)
    assert result.returncode == 2, result.stdout + result.stderr
    assert written.format(full=tiny_disk) in result.stderr, result.stderr
    assert "no space left" in result.stderr and "free some space" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and not list(tiny_disk.rglob("*.~auditdocs*"))


def test_register_import_leaves_out_bad_lines_and_never_opens_a_file_outside_the_folder(tmp_path):
    import csv

    out = tmp_path / "forms"
    assert invoke("--specs", SPECS, "generate", "--month", "2026-11", "--data", three_rows(tmp_path), "--out",
                  out).exit_code == 0
    manifest = out / "manifest.csv"
    with open(manifest, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    outside = tmp_path / "secret.docx"
    outside.write_bytes(Path(out, rows[0]["File"]).read_bytes())  # a real form, outside the folder
    good = rows[0]
    bad = [
        {**good, "Audit id": "not-an-id"},
        {**good, "Audit id": "AUD-202611-AAAAAAAA", "Form": "no_such_form"},
        {**good, "Audit id": "AUD-202611-BBBBBBBB", "File": "../secret.docx"},
        {**good, "Audit id": "AUD-202611-CCCCCCCC", "File": "x" * 300 + "/form.docx"},
    ]
    with open(manifest, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.DictWriter(fh, list(rows[0]))
        writer.writeheader()
        writer.writerows([rows[0], *bad, *rows[1:]])
    result = invoke("--specs", SPECS, "register", "import", out, "--register", tmp_path / "register.sqlite")
    assert result.exit_code == 1, result.output
    assert "'not-an-id' is not an audit id" in result.output
    assert "the form 'no_such_form' is not among the form specs" in result.output
    assert "../secret.docx is outside the folder" in result.output and "it was not opened" in result.output
    assert "could not be opened (File name too long); the line was left out" in result.output
    assert "3 audits added" in result.output, result.output
    from auditdocs.register import open_register

    with open_register(tmp_path / "register.sqlite") as reg:
        ids = {a.audit_id for a in reg.audits()}
    assert ids == {r["Audit id"] for r in rows}
