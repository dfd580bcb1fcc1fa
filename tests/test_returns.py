"""`auditdocs parse --returns`: the list of what to send back, ready to e-mail; and no forms is no error."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from helpers import SPECS, full_answers, record_values, rewrite_parts

from auditdocs.cli import cli
from auditdocs.domain.identity import audit_id
from auditdocs.domain.model import Allocation
from auditdocs.forms.docx.fill import fill_docx
from auditdocs.forms.docx.writer import WordForm
from auditdocs.generate.run import file_name, folder_name


def cli_run(*args):
    result = CliRunner().invoke(cli, ["--specs", str(SPECS), *map(str, args)])
    assert "Traceback" not in result.output
    return result


def returned(folder: Path, spec, values: dict, answers: dict, tables: dict) -> Path:
    """A form as an auditor sends it back: in their folder, named as generate names it."""
    aid = audit_id(spec, values)
    path = folder / folder_name(values["auditor"]) / file_name(spec, Allocation(spec.id, values, 2, aid), "docx")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(fill_docx(WordForm(spec).render(values, aid), answers, tables))
    return path


def test_returns_are_in_form_order_name_every_subject_and_give_the_date(library, tmp_path):
    csc = library.latest("csc_case_file_audit")
    answers, tables = full_answers(csc)
    answers["kss2_voice"] = "No"
    del answers["kss2_voice.evidence"]  # a rule: evidence is needed when the answer is No (section 2)
    del answers["kss1_seen_alone"]  # a required answer (section 1)
    del tables["actions"][0]["responsible_person"]  # an action table (section 11)
    del answers["overall_grade"]  # section 12
    returned(tmp_path, csc, {**record_values(csc, 1), "auditor": "Priya Lakhani"}, answers, tables)
    for form_id, values in [
        ("supported_lodgings_case_file_audit", {"provider_names": "Jo and Sam Madeup"}),
        ("foster_carer_case_file_audit", {"given_names": "Robin", "family_name": "Fictionby"}),
        ("prospective_adopter_case_file_audit", {"given_names": "Alex", "family_name": "Notreal"}),
    ]:
        spec = library.latest(form_id)
        returned(tmp_path, spec, {**record_values(spec, 2), **values, "auditor": "Gareth Pennington"}, {}, {})

    result = cli_run("parse", tmp_path, "--returns", "--sent-on", "01/12/2026")
    assert result.exit_code == 1
    out = result.output
    assert str(tmp_path) not in out  # file names, not local paths: the list is for e-mail
    assert out.count("Please amend these audits and send them back by Friday 4 December 2026.") == 2
    priya = out[out.index("To Priya Lakhani:"):]
    refs = [line.split()[1] for line in priya.splitlines() if line.startswith("    - ")][:4]
    assert refs == ["1.1", "2.1:", "11.3", "12.1"], priya  # section by section, whatever the checks' order
    assert "(Oscar Fictionby, case TEST900101, audit AUD-" in priya
    gareth = out[out.index("To Gareth Pennington:"):out.index("To Priya Lakhani:")]
    for who in ("Jo and Sam Madeup, case", "Robin Fictionby, case", "Alex Notreal, case"):
        assert who in gareth


def test_amend_by_counts_working_days_past_bank_holidays(library, tmp_path):
    spec = library.latest("csc_case_file_audit")
    returned(tmp_path, spec, record_values(spec), {}, {})
    out = cli_run("parse", tmp_path, "--returns", "--sent-on", "24/12/2026").output
    assert "send them back by Thursday 31 December 2026." in out  # Christmas and Boxing Day (on the 28th) skipped
    bad = cli_run("parse", tmp_path, "--returns", "--sent-on", "12/31/2026")
    assert bad.exit_code == 2 and "'12/31/2026' is not a date: write it as dd/mm/yyyy" in bad.output


def test_files_that_cannot_be_read_are_listed_under_who_sent_them(library, tmp_path):
    spec = library.latest("csc_case_file_audit")
    answers, tables = full_answers(spec)
    priya = {**record_values(spec, 1), "auditor": "Priya Lakhani"}
    good = returned(tmp_path, spec, priya, answers, tables)
    # 1. a PDF saved by mistake in Priya's folder: the folder says who sent it
    (good.parent / "9900001 Testley Ava - Children's Social Care - AUD-202611-ABCDEFGH.pdf").write_bytes(b"%PDF-1.4")
    # 2. a form whose body is damaged, sent on by someone else: its properties still say who it was for
    gareth = {**record_values(spec, 2), "auditor": "Gareth Pennington"}
    form = WordForm(spec).render(gareth, audit_id(spec, gareth))
    broken = rewrite_parts(form, lambda name, content: b"<w:document" if name == "word/document.xml" else content)
    (tmp_path / "forwarded").mkdir()
    (tmp_path / "forwarded" / "from the team inbox.docx").write_bytes(broken)
    # 3. a file that says nothing about who sent it
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4")

    out = cli_run("parse", tmp_path, "--returns", "--sent-on", "01/12/2026").output
    assert str(tmp_path) not in out
    priya_part = out[out.index("To Priya Lakhani:"):out.index("Files that could not be read and do not say")]
    assert "These files could not be read: please send the form itself (the .docx or .xlsx file) by Friday " \
           "4 December 2026." in priya_part
    assert "  9900001 Testley Ava - Children's Social Care - AUD-202611-ABCDEFGH.pdf\n    - this is a PDF" in priya_part
    gareth_part = out[out.index("To Gareth Pennington:"):out.index("To Priya Lakhani:")]
    assert "  from the team inbox.docx\n" in gareth_part
    last = out[out.index("Files that could not be read and do not say who sent them"):]
    assert "  scan.pdf\n" in last


def test_no_forms_yet_is_said_plainly_and_is_not_an_error(tmp_path):
    empty = tmp_path / "November returned"
    empty.mkdir()
    result = cli_run("parse", empty, "--returns")
    assert result.exit_code == 0
    assert result.output == f"No forms (.docx or .xlsx) were found in {empty}.\n"
    tracker = tmp_path / "tracker.xlsx"
    result = cli_run("consolidate", empty, "--tracker", tracker)
    assert result.exit_code == 0
    assert result.output == f"No forms (.docx or .xlsx) were found in {empty}. The tracker was not changed.\n"
    assert not tracker.exists()
