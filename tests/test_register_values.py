"""Records hold the options' values: a register made by the auditdocs before (its records holding the labels),
migrated, holds the values and shows exactly what it showed (tracker, report --json, status)."""
from __future__ import annotations

import gzip
import json
import shutil
import sqlite3
import zlib
from pathlib import Path

from register_outputs import outputs

from auditdocs.domain import model as m
from auditdocs.register import SCHEMA_VERSION, open_register
from auditdocs.register.values import value_of
from auditdocs.tracker.rows import MORE_SHEETS

MADE_BEFORE = Path(__file__).resolve().parent / "data" / "register_v4"


def _stored(path: Path) -> dict[str, tuple[dict, str | None]]:
    """content hash -> (the record as kept, its content check), read with SQLite itself."""
    with sqlite3.connect(path) as conn:
        return {h: (json.loads(zlib.decompress(blob)), check)
                for h, blob, check in conn.execute("SELECT content_hash, record, content_check FROM contents")}


def _choices(spec: m.FormSpec, data: dict):
    """(field or column, answer) of every choice answered in a record as kept."""
    for k, v in data["answers"].items():
        f = spec.field(k)
        if f is not None and f.scale is not None:
            yield f, v
    for table_id, rows in data["tables"].items():
        columns = {c.id: c for c in spec.table(table_id).columns}
        for row in rows:
            for k, v in row.items():
                if columns.get(k) is not None and columns[k].scale is not None:
                    yield columns[k], v


def test_a_register_made_before_holds_the_options_values_once_opened(library, tmp_path):
    path = tmp_path / "register.sqlite"
    shutil.copyfile(MADE_BEFORE / "auditdocs.sqlite", path)
    before = _stored(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 4
    labels = sum(1 for data, _ in before.values() if data["form"]["id"]
                 for kind, v in _choices(library.get(data["form"]["id"], data["form"]["version"]), data)
                 if kind.scale.option(v) is None)
    assert labels > 1000  # the demo month's records held labels

    with open_register(path) as reg:  # opening migrates it
        audits = reg.audits()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 9
        assert conn.execute("SELECT count(*) FROM rendered").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM contents WHERE content_check IS NULL").fetchone()[0] == 0
    after = _stored(path)
    assert after.keys() == before.keys()
    answered = 0
    for content, (data, check) in after.items():
        old, old_check = before[content]
        assert check == old_check  # the check of what people see: the same
        if not data["form"]["id"]:
            assert data == old  # a file that could not be read: as it was
            continue
        spec = library.get(data["form"]["id"], data["form"]["version"])
        for kind, v in _choices(spec, data):
            assert kind.scale.option(v) is not None, (content, kind.id, v)  # every choice is an option's value
            answered += 1
        # nothing else changed, and each value is the option of the label kept before
        assert m.shown_record(spec, m.AuditRecord("", answers=data["answers"], tables=data["tables"])).answers \
            == old["answers"]
        assert {k: v for k, v in data.items() if k not in ("answers", "tables")} == \
               {k: v for k, v in old.items() if k not in ("answers", "tables")}
        assert data["answers"] == {k: value_of(spec.field(k), v) for k, v in old["answers"].items()}
    assert answered == labels + sum(1 for data, _ in before.values() if data["form"]["id"] for kind, v in
                                    _choices(library.get(data["form"]["id"], data["form"]["version"]), data)
                                    if kind.scale.option(v) is not None)
    # what the rules read of the records: the grades as before
    grades = {}
    for a in audits:
        if a.current is not None:
            spec = library.get(a.form_id, a.form_version)
            grades[a.audit_id] = getattr(m.option_of(spec, a.current.record, "overall_grade"), "value", None)
    assert len(grades) == 59 and set(grades.values()) >= {"good", "inadequate", "requires_improvement"}


def test_a_label_no_option_has_is_kept_as_typed(library):
    spec = library.get("csc_case_file_audit")
    grade = spec.field_with_role("overall_grade")
    assert value_of(grade, "Requires Improvement") == "requires_improvement"
    assert value_of(grade, "requires_improvement") == "requires_improvement"  # already a value
    assert value_of(grade, "Sort of fine") == "Sort of fine"
    assert value_of(spec.field_with_role("audit_date"), "2026-11-20") == "2026-11-20"


#: What a register made before the programme's activities shows of each audit's activity: the control sample.
CONTROL = {"activity": m.CONTROL_SAMPLE_NAME, "activity_type": m.CONTROL_SAMPLE, "counts_toward_ten": True, "group": []}


def without_activities(shown: dict) -> dict:
    """The outputs without what later versions add of the activities (checked: every audit of a register made
    before is of the control sample), to compare with those the register gave before."""
    for audit in shown["status"]["audits"]:
        assert {key: audit.pop(key) for key in CONTROL} == CONTROL
    assert not {"by_activity", "managers_dip_samples"} & set(shown["status"])
    activities = shown["report"].pop("activities")
    assert [row["name"] for row in activities["rows"]] == [m.CONTROL_SAMPLE_NAME]
    assert shown["report"].pop("managers_dip_samples") == []
    for sheet, columns in (("Audits", ("Activity", "Group")), ("Actions", ("Activity",))):
        rows = shown["tracker"][sheet]
        at = [rows[0].index(heading) for heading in columns]
        assert {tuple(row[i] for i in at) for row in rows[1:]} <= {(m.CONTROL_SAMPLE_NAME, None)[:len(at)]}
        shown["tracker"][sheet] = [[v for i, v in enumerate(row) if i not in at] for row in rows]
    return shown


def test_a_register_made_before_shows_the_same_once_migrated(tmp_path):
    expected = json.loads(gzip.decompress((MADE_BEFORE / "outputs.json.gz").read_bytes()))
    shown = without_activities(json.loads(json.dumps(outputs(MADE_BEFORE / "auditdocs.sqlite", tmp_path),
                                                     ensure_ascii=False, sort_keys=True)))
    for part in ("status_text", "status", "report"):
        assert shown[part] == expected[part], part
    added = set(shown["tracker"]) - set(expected["tracker"])  # sheets added since (the Themes sheet's tags)
    assert added <= {s.name for s in MORE_SHEETS}, added
    for sheet in added:
        del shown["tracker"][sheet]
    assert shown["tracker"].keys() == expected["tracker"].keys()
    for sheet, rows in expected["tracker"].items():
        assert shown["tracker"][sheet] == rows, sheet


def test_the_migration_reads_the_labels_by_the_workspaces_own_specs(tmp_path, monkeypatch):
    """A council's workspace whose N/A is kept as 'not_applicable': its register's N/A answers become that."""
    from click.testing import CliRunner

    from auditdocs.cli import cli
    from auditdocs.specs import load_library

    monkeypatch.delenv("AUDITDOCS_SPECS", raising=False)
    folder = tmp_path / "Case file audits"
    assert CliRunner().invoke(cli, ["init", str(folder), "--council", "Anytown"]).exit_code == 0
    scales = folder / "form_specs" / "scales.yaml"
    scales.write_text(scales.read_text("utf-8").replace("- value: na\n", "- value: not_applicable\n", 1), "utf-8")
    own = load_library(folder / "form_specs")
    path = folder / "register" / "auditdocs.sqlite"
    path.parent.mkdir(exist_ok=True)
    shutil.copyfile(MADE_BEFORE / "auditdocs.sqlite", path)
    before = _stored(path)
    with open_register(path):
        pass
    after = _stored(path)
    na = 0
    for content, (data, _) in after.items():
        old = before[content][0]
        if not data["form"]["id"]:
            continue
        spec = own.get(data["form"]["id"], data["form"]["version"])
        for k, v in old["answers"].items():
            f = spec.field(k)
            if v == "N/A" and f is not None and f.scale is not None and f.scale.id == "answer":
                assert data["answers"][k] == "not_applicable"
                na += 1
    assert na > 10


def test_one_helper_reads_a_choice_by_role_or_id_and_labels_are_made_where_shown(library):
    spec = library.get("csc_case_file_audit")
    grade = spec.field_with_role("overall_grade")
    seen = next(f for f in spec.fields if f.scale is not None and f.scale.id == "answer")
    held = m.AuditRecord("a.docx", "complete", spec.id, spec.version, answers={
        grade.id: "requires_improvement", seen.id: "Sort of", "audit_date": "2026-11-20"})
    assert m.option_of(spec, held, "overall_grade").label == "Requires Improvement"  # by role
    assert m.option_of(spec, held, grade.id).value == "requires_improvement"  # by id
    assert m.option_of(spec, held, seen.id) is None  # typed, no option
    assert m.option_of(spec, held, "audit_date") is None and m.option_of(spec, held, "no_such_field") is None
    shown = m.shown_record(spec, held)
    assert shown.answers == {grade.id: "Requires Improvement", seen.id: "Sort of", "audit_date": "2026-11-20"}
    assert held.answers[grade.id] == "requires_improvement"  # the record itself is left as it is
    # the check of what a form says is of what people see: the same whether a record holds labels or values
    labelled = m.AuditRecord("a.docx", "complete", spec.id, spec.version, answers=dict(shown.answers))
    assert m.content_check(held, spec) == m.content_check(labelled, spec) == m.content_check(labelled, None)
    # a register not yet migrated holds labels: read the same
    assert m.option_of(spec, labelled, "overall_grade") == m.option_of(spec, held, "overall_grade")
