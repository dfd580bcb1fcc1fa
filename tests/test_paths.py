"""Paths short enough for Windows and Excel, made in a folder as deep as a council's OneDrive one.

`C:\\Users\\firstname.lastname\\OneDrive - Anytown Borough Council\\Audits\\` is about 75 characters;
the QA officer's own folders below it take more. Here a real folder of a given length stands for it."""
from __future__ import annotations

import csv
import os
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from helpers import SPECS, one_of_each_form
from moderation_month import Month
from test_moderation_forms import select

from auditdocs import naming
from auditdocs.cli import cli
from auditdocs.domain.identity import AUDIT_ID_RE
from auditdocs.returns.read import read_form


def deep(base: Path, length: int) -> Path:
    """A folder under `base` whose absolute path is `length` characters long, OneDrive-like."""
    folder = Path(os.path.abspath(base)) / "OneDrive - Anytown Borough Council" / "Audits" / "Case file audits 2026-27"
    pad = length - len(str(folder)) - 1
    assert pad > 5, "the test's own folder is too deep already"
    return folder / ("Month-folders-" + "x" * pad)[:pad]  # exactly `length`, however deep the test's own folder


def made_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and p.suffix in (".docx", ".xlsx")]


def test_forms_made_in_a_deep_folder_stay_within_windows_and_excel_limits(tmp_path):
    folder = deep(tmp_path, 150)
    assert len(str(folder)) == 150
    made = one_of_each_form(folder, fmt="both")  # `auditdocs generate --format both` into folder/forms
    files = made_files(folder / "forms")
    assert len(files) == 2 * len(made)
    for path in files:
        limit = 218 if path.suffix == ".xlsx" else 250
        assert len(str(path)) <= limit, (len(str(path)), path.name)
    with open(folder / "forms" / "manifest.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        name = Path(row["File"]).name
        assert (folder / "forms" / row["File"]).is_file()
        assert name.startswith(row["Case number"]) and f" - {row['Audit id']}." in name  # what identifies it kept
    excel = next(p for p in files if p.suffix == ".xlsx")
    assert openpyxl.load_workbook(excel)  # a whole workbook, under its shortened name
    long_names = [p.name for p in files if p.suffix == ".xlsx" and len(p.name) > 60]
    assert long_names == []  # Excel's names cut to what the folder leaves (150, and the auditor's folder)


def test_a_folder_too_deep_is_said_and_the_forms_are_still_made(tmp_path):
    folder = deep(tmp_path, 175)
    book = openpyxl.Workbook()
    book.active.append(["Form", "Case number", "Family name", "Given names", "Date of birth", "Auditor",
                        "Social worker", "Team manager", "Team"])
    book.active.append(["csc_case_file_audit", "C900123", "Testworth", "Amelia Rose", "2015-03-04", "Ann Testworth",
                        "Jo Fictional", "Sam Notreal", "Assessment Team 1"])
    book.save(tmp_path / "list.xlsx")
    result = CliRunner().invoke(cli, ["--specs", str(SPECS), "generate", "--data", str(tmp_path / "list.xlsx"),
                                      "--month", "2026-11", "--format", "xlsx", "--out", str(folder)])
    assert result.exit_code == 0, result.output
    assert f"Warning: the folder {folder / 'Ann Testworth'} is 189 characters long" in result.output
    assert "Choose a folder nearer the top of the drive" in result.output
    [form] = made_files(folder)
    assert AUDIT_ID_RE.fullmatch(form.name.removeprefix("C900123 - ").removesuffix(".xlsx"))  # at its shortest


def test_moderators_copies_in_a_deep_folder_keep_case_number_and_audit_id(tmp_path, library):
    month = Month(tmp_path, library)
    named = " Testworth Amelia Rose - Case File Audit Tool — Children's Social Care"  # as `generate` names them
    audits = [month.audit(grade="Good", team="Early Help East", fmt="xlsx", named=named),
              month.audit(grade="Requires Improvement", team="Safeguarding Team North", fmt="docx", named=named)]
    chosen = select(month, library)
    out = deep(tmp_path, 160)
    result = CliRunner().invoke(cli, ["--specs", str(SPECS), "moderation", "forms", "--month", "2026-11",
                                      "--out", str(out), "--register", str(month.register)])
    assert result.exit_code == 0, result.output
    copies = made_files(out)
    assert len(copies) == len([a for a in audits if a in chosen]) >= 1
    for copy in copies:
        assert len(str(copy)) <= (218 if copy.suffix == ".xlsx" else 250), (len(str(copy)), copy.name)
        record = read_form(copy, library)
        case = month.get(record.audit_id).case_number
        assert copy.name.startswith(case) and record.audit_id in copy.name
        assert str(copy.relative_to(out)) in result.output  # where it was made, as it is called


def test_a_name_is_cut_in_its_middle_never_its_case_number_audit_id_or_extension(tmp_path):
    name = "C123456 Amelia Rose Testworth - Case File Audit Tool - AUD-202611-ABCDEFGH.xlsx"
    keep = ("C123456", "AUD-202611-ABCDEFGH")
    assert naming.fit_name(tmp_path, name, keep) == name  # room enough: as it was
    for length, expected in ((150, "C123456 Amelia Rose Testworth - Case - AUD-202611-ABCDEFGH.xlsx"),
                             (165, "C123456 Amelia Rose - AUD-202611-ABCDEFGH.xlsx"),  # the form, then the names
                             (200, "C123456 - AUD-202611-ABCDEFGH.xlsx")):  # at its shortest: too deep
        folder = deep(tmp_path, length)
        assert naming.fit_name(folder, name, keep) == expected
        assert len(str(folder / expected)) <= 218 or length == 200
    assert naming.too_deep(deep(tmp_path, 199)).startswith("the folder ")
    assert naming.too_deep(deep(tmp_path, 199), "x.docx") is not None and naming.too_deep(tmp_path) is None


def test_a_report_made_in_a_folder_too_deep_says_so(tmp_path, library):
    from test_report import Scenario

    scenario = Scenario(tmp_path / "register", library)
    out = deep(tmp_path, 200)
    result = CliRunner().invoke(cli, ["--specs", str(SPECS), "report", "--register", str(scenario.register.path),
                                      "--month", "2025-11", "--out", str(out)])
    assert f"Warning: The folder {out} is 200 characters long, which leaves 17 for the names" in result.output
    assert "Excel cannot open a file whose whole path is longer than 218 characters" in result.output
    assert (out / "Audit dashboard 2025-11.xlsx").is_file() and result.exit_code == 1  # made, and to look at


def test_chase_letters_in_a_deep_folder_keep_the_role_and_fit(tmp_path, library):
    from test_report import Scenario

    scenario = Scenario(tmp_path / "register", library)
    out = deep(tmp_path, 225)  # "Terry Madeupson (team manager).txt" would reach 260
    result = CliRunner().invoke(cli, ["--specs", str(SPECS), "chase", "--register", str(scenario.register.path),
                                      "--month", "2025-11", "--on", "15/12/2025", "--out", str(out)])
    letters = sorted(out.glob("*.txt"))
    assert letters, result.output
    for letter in letters:
        assert len(str(letter)) <= 250, letter.name
        assert letter.name.endswith(").txt") and " (" in letter.name  # who it is for: the role kept
    assert "Terry (team manager).txt" in [letter.name for letter in letters]


def test_e_mail_drafts_in_a_deep_folder_fit_and_keep_their_part_numbers(tmp_path):
    """`generate --eml` and `chase --eml` drafts, named for their person, in a folder as deep as a OneDrive one."""
    import datetime as dt
    from email import message_from_bytes

    from auditdocs.share.email import forms_drafts
    from auditdocs.share.settings import EmailSettings

    folder = deep(tmp_path, 200) / "E-mail drafts"
    forms = tmp_path / "forms"
    forms.mkdir()
    made = []
    for n in range(3):  # three forms of 700 kB: in three drafts at a 1 MB limit
        made.append(forms / f"form {n}.docx")
        made[-1].write_bytes(os.urandom(700_000))
    auditor = "Anastasia Bartholomew-Featherstonehaugh Fictionby-Madeupson"
    namesake = "Anastasia Bartholomew-Featherstonehaugh Notreal"  # cut short, the same name as the first
    drafts = forms_drafts({auditor: made, namesake: made[:1]}, {}, folder, dt.date(2026, 11, 1), {},
                          EmailSettings(max_mb=1), now=dt.datetime(2026, 11, 2, 9))
    assert len(drafts.paths) == 4 and len(set(drafts.paths)) == 4  # none written over another
    for n, path in enumerate(drafts.paths[:3], start=1):
        assert len(str(path)) <= 250 and path.name.endswith(f" ({n} of 3).eml"), (len(str(path)), path.name)
        assert path.name.startswith("Anastasia")
    assert len(str(drafts.paths[3])) <= 250 and drafts.paths[3].name.startswith("Anastasia")
    assert [message_from_bytes(p.read_bytes())["X-Unsent"] for p in drafts.paths] == ["1"] * 4
    assert f"Dear {namesake}," in message_from_bytes(drafts.paths[3].read_bytes()).get_payload()[0].get_payload(
        decode=True).decode("utf-8")
