"""Records hold dates: a date answer is a `datetime.date` in the record read from a form, it comes back a date
from the register, and it is written as ISO text wherever the record is shown (parse --json)."""
from __future__ import annotations

import datetime as dt
import json
import zlib

from click.testing import CliRunner
from helpers import SPECS, full_answers, record_values

from auditdocs.cli import cli
from auditdocs.domain import model as m
from auditdocs.domain.dates import parse_date
from auditdocs.forms.docx.fill import fill_docx
from auditdocs.forms.docx.reader import read_docx
from auditdocs.forms.docx.writer import WordForm
from auditdocs.register import SeenFile, open_register
from auditdocs.register.store import pack_record, unpack_record

AUDIT_DATE = "2026-11-13"
REQUIRED = "2026-12-01"


def filled(library, folder):
    """A Word form filled in full, its audit date and first action's required date known."""
    spec = library.latest("csc_case_file_audit")
    answers, tables = full_answers(spec)
    answers["audit_date"] = AUDIT_DATE
    tables["actions"][0]["required_date"] = REQUIRED
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "filled.docx"
    path.write_bytes(fill_docx(WordForm(spec).render(record_values(spec, 0), "AUD-202611-TEST0000"), answers, tables))
    return spec, path


def test_a_date_answer_is_a_date_in_the_record_and_after_the_register_and_iso_in_parse_json(library, tmp_path):
    spec, path = filled(library, tmp_path / "returned")
    record = read_docx(path, library)
    assert record.problems == [] and record.status == "complete"
    assert record.answers["audit_date"] == dt.date(2026, 11, 13)
    assert type(record.answers["audit_date"]) is dt.date
    assert record.tables["actions"][0]["required_date"] == dt.date(2026, 12, 1)
    assert record.subject["due_date"] == record_values(spec, 0)["due_date"]  # the record's details stay ISO text

    with open_register(tmp_path / "register.sqlite", write=True, create=True) as reg:
        reg.record_returns(tmp_path / "returned", [SeenFile("filled.docx", "content-1", record)],
                           now=dt.datetime(2026, 11, 30, 10, 0))
    with open_register(tmp_path / "register.sqlite") as reg:
        back = reg.audit(record.audit_id).current.record
    assert back.answers == record.answers and back.tables == record.tables
    assert type(back.answers["audit_date"]) is dt.date
    assert type(back.tables["actions"][0]["required_date"]) is dt.date

    result = CliRunner().invoke(cli, ["--specs", str(SPECS), "parse", str(path), "--json", str(tmp_path / "out.json")])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert data[0]["answers"]["audit_date"] == AUDIT_DATE
    assert data[0]["tables"]["actions"][0]["required_date"] == REQUIRED
    assert m.shown_record(spec, record).as_dict()["answers"]["audit_date"] == AUDIT_DATE


def test_a_record_packed_before_dates_were_tagged_keeps_its_iso_text_that_readers_take_as_the_date(library, tmp_path):
    _, path = filled(library, tmp_path)
    record = read_docx(path, library)
    old = json.loads(zlib.decompress(pack_record(record)))
    old["answers"]["audit_date"] = AUDIT_DATE  # as a register of schema 5 holds it
    old["tables"]["actions"][0]["required_date"] = REQUIRED
    back = unpack_record(zlib.compress(json.dumps(old).encode("utf-8")), str(path))
    assert back.answers["audit_date"] == AUDIT_DATE
    assert parse_date(back.answers["audit_date"]) == record.answers["audit_date"]
    assert parse_date(back.tables["actions"][0]["required_date"]) == record.tables["actions"][0]["required_date"]
    # a text answer that happens to look like the tag's name stays text
    record.answers["working_well"] = '{"$date": "2026-01-01"} typed by someone'
    assert unpack_record(pack_record(record), str(path)).answers == record.answers
