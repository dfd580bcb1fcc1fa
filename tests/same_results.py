"""The demo month's results, captured canonically, so that a refactor can be checked against them (issue 23, 6).

Five outputs of the demo month (`auditdocs demo`, on its own calendar), each as pretty-printed JSON with sorted
keys, kept in tests/data/same_results/ and compared byte for byte by tests/test_same_results.py:

- register.json: the register through its read API (`audits()` with their returns, records, events and actions,
  `months()`, `tracker_columns()` of every tracker sheet, `unidentified()`); answers that are an option of the
  spec are shown as the option's label, whether the register holds its value or its label;
- tracker.json: every sheet of the tracker workbook, its cell values (openpyxl, values only);
- report.json: the month's report figures, as `auditdocs report --json` writes them, made on the demo's calendar
  (the demo's own `reports/figures.json`: the `report` command takes today from the clock, and its figures,
  such as what is overdue, depend on the day);
- status.json: `auditdocs status --month 2026-11 --on 07/12/2026 --json`, in the demo's workspace;
- parse.json: `auditdocs parse <returned folder> --json`, answers shown as labels as in register.json.

What differs from one run to the next, or from one folder to another, is normalised; the rest of the month is on
the demo's own calendar (`today`, `now` and the files' saved times), and its random choices are seeded:

- the demo's folder (a temporary folder) is written `<demo>`, and paths in it with `/`;
- a returned file's content hash (SHA-256 of its bytes; the tracker shows its first 20 characters) is written as
  the file it names, `<audit id> return <n>`: the forms embed the time they were made (the zip entries' times,
  the `created` document property, LibreOffice's own stamps), so their bytes differ in every run;
- an audit's `recorded` (when `allocate` put it in the register) is `<the clock>`: allocate takes it from the
  clock, not from the demo's calendar.
- so is the day an unreadable file was saved (its record's `modified`): the demo's PDF sent back by mistake
  holds no saved time of its own, so it is the day the file was written.

To record the results again, deliberately (after a change that is meant to change them)::

    .venv/bin/python tests/same_results.py --write

Without --write it runs the demo month and says which outputs differ from those recorded; with --folder FOLDER
it reads the demo month already made in FOLDER (by `auditdocs demo FOLDER`) instead of running it.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import re
import sys
import tempfile
from pathlib import Path

import openpyxl

EXPECTED = Path(__file__).resolve().parent / "data" / "same_results"
OUTPUTS = ("register", "tracker", "report", "status", "parse")
MONTH = "2026-11"
STATUS_ON = "07/12/2026"  # the demo's last day (demo.REPORT_ON)
DEMO = "<demo>"
CLOCK = "<the clock>"  # when allocate recorded the month's audits: the time it ran (it takes no `now`)


# ---- canonical JSON ---------------------------------------------------------------------------------


def canonical(data) -> str:
    """Pretty-printed JSON with sorted keys: the text that is compared and kept."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=_plain) + "\n"


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, Path):
        return value.as_posix()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    return str(value)


def _normalised(data, folder: Path, files: dict[str, str]):
    """`data` with the demo's folder written as <demo> in every string (paths with '/'), and every content hash
    of a returned file (or the start of one, as the tracker shows it) written as the name of the file it is."""
    text = json.dumps(data, ensure_ascii=False, default=_plain)
    for spelling in {str(folder), folder.as_posix(), str(folder.resolve()), folder.resolve().as_posix()}:
        text = text.replace(json.dumps(spelling, ensure_ascii=False)[1:-1], DEMO)
    text = HEX.sub(lambda found: _file_named(found.group(0), files), text)
    return _slashes(json.loads(text))


HEX = re.compile(r"\b[0-9a-f]{12,64}\b")


def _file_named(text: str, files: dict[str, str]) -> str:
    if text in files:
        return files[text]
    starts = [name for content, name in files.items() if content.startswith(text)]
    return f"{starts[0]}[:{len(text)}]" if len(starts) == 1 else text


def _slashes(data):
    if isinstance(data, dict):
        return {k: _slashes(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_slashes(v) for v in data]
    if isinstance(data, str) and data.startswith(DEMO):
        return data.replace("\\", "/")
    return data


# ---- answers as labels --------------------------------------------------------------------------------


def _label(scale, value):
    """The option's label for an answer that is the option's value (or already its label); else the answer."""
    if scale is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_label(scale, v) for v in value]
    if isinstance(value, str):
        if any(o.label == value for o in scale.options):
            return value
        option = scale.option(value)
        return option.label if option is not None else value
    return value


def labelled(record: dict, library) -> dict:
    """A record's dict (`AuditRecord.as_dict()`) with its answers, subject and table cells as labels."""
    spec = _spec(library, record.get("form", {}).get("id"), record.get("form", {}).get("version"))
    if spec is None:
        return record
    record = dict(record)
    record["answers"] = {k: _label(_scale(spec.field(k)), v) for k, v in record.get("answers", {}).items()}
    record["subject"] = {k: _label(_scale(spec.header_field(k)), v) for k, v in record.get("subject", {}).items()}
    record["tables"] = {t: [_row(spec, t, row) for row in rows] for t, rows in record.get("tables", {}).items()}
    return record


def _row(spec, table_id: str, row: dict) -> dict:
    table = spec.table(table_id)
    columns = {c.id: c for c in table.columns} if table else {}
    return {k: _label(_scale(columns.get(k)), v) for k, v in row.items()}


def _scale(item):
    return getattr(item, "scale", None)


def _spec(library, form_id, version):
    if not form_id:
        return None
    try:
        return library.get(form_id, version)
    except Exception:  # a form the library does not know: its answers as they are
        return None


# ---- 1. the register ---------------------------------------------------------------------------------


def register_dump(register: Path, library, tracker_sheets) -> tuple[dict, dict[str, str]]:
    """The register through its read API, and content hash -> a name for the returned file it is
    (`<audit id> return <n>`, n counting its versions by when each was first seen, then by path)."""
    from auditdocs.register import open_register

    with open_register(register) as reg:
        audits = reg.audits()
        unidentified = reg.unidentified()
        dump = {
            "months": reg.months(),
            "audits": [_audit(a, library) for a in audits],
            "tracker_columns": {sheet: reg.tracker_columns(sheet) for sheet in tracker_sheets},
            "unidentified": [_return(r, library) for r in unidentified],
        }
    files = {}
    for a in audits:
        for n, r in enumerate(sorted(a.returns, key=lambda r: (r.first_seen, r.path, r.status)), start=1):
            files.setdefault(r.content_hash, f"<{a.audit_id} return {n}>")
    for r in sorted(unidentified, key=lambda r: (r.path, r.first_seen)):
        files.setdefault(r.content_hash, f"<unidentified {r.path}>")
    return dump, files


def _audit(a, library) -> dict:
    spec = _spec(library, a.form_id, a.form_version)
    return {
        "audit_id": a.audit_id, "form_id": a.form_id, "form_version": a.form_version,
        "subject": {k: _label(_scale(spec.header_field(k)) if spec else None, v) for k, v in a.subject.items()},
        "month": a.month, "due": a.due, "source": a.source, "files": a.files, "auditor_role": a.auditor_role,
        "service": a.service, "re_audit_of": a.re_audit_of, "recorded": CLOCK if a.recorded else None,
        "chosen": a.chosen,
        "current": a.current.content_hash if a.current else None,
        "returns": [_return(r, library) for r in a.returns],
        "events": [{"kind": e.kind, "on": e.on, "audit_id": e.audit_id, "who": e.who, "agreed_by": e.agreed_by,
                    "agreed_role": e.agreed_role, "reason": e.reason, "details": e.details, "recorded": e.recorded}
                   for e in a.events],
        "actions": [_action(x, spec) for x in a.actions],
        "columns": a.columns,
    }


def _return(r, library) -> dict:
    record = r.record
    return {
        "content_hash": r.content_hash, "audit_id": r.audit_id, "status": r.status, "folder": r.folder,
        "path": r.path, "first_seen": r.first_seen, "last_seen": r.last_seen, "places": r.places,
        "record": {**labelled(record.as_dict(), library), "notes": record.notes,
                   "modified": CLOCK if record.modified and r.status == "unreadable" else record.modified,
                   "fingerprint": record.fingerprint, "file_check": record.file_check},
    }


def _action(x, spec) -> dict:
    return {"action_id": x.action_id, "audit_id": x.audit_id, "table_id": x.table_id, "form_row": x.form_row,
            "text": x.text, "values": _row(spec, x.table_id, x.values) if spec else x.values,
            "on_form": x.on_form, "status": x.status, "done_on": x.done_on, "columns": x.columns,
            "signed_off_by": x.signed_off_by, "signed_off_on": x.signed_off_on}


# ---- 2. the tracker ------------------------------------------------------------------------------------


def tracker_dump(tracker: Path) -> dict:
    book = openpyxl.load_workbook(tracker)  # formulas as their text
    try:
        return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}
    finally:
        book.close()


# ---- 3-5. the commands ----------------------------------------------------------------------------------


def _command(folder: Path, specs: Path, *args: str) -> None:
    """`auditdocs --specs SPECS ARGS` in the demo's workspace, as a QA officer types it there."""
    from click.testing import CliRunner

    from auditdocs.cli import cli

    with contextlib.chdir(folder):
        result = CliRunner().invoke(cli, ["--specs", str(specs), *args])
    if result.exit_code not in (0, 1) or result.exception and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"auditdocs {' '.join(args)} exited {result.exit_code}:\n{result.output}")


def _read_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


# ---- all five ---------------------------------------------------------------------------------------------


def capture(folder: Path, library, specs: Path, scratch: Path) -> dict[str, str]:
    """The five outputs of the demo month made in `folder` (left as it is), as canonical JSON texts;
    `scratch` is an empty folder for the commands' JSON files."""
    folder = Path(folder).absolute()
    if (folder / "form_specs").is_dir():  # the demo's own forms: the thematic audit's, made from a workbook, too
        from auditdocs.specs import load_library

        specs = folder / "form_specs"
        library = load_library(specs)
    tracker = folder / "tracker" / "Audit tracker.xlsx"
    tracker_values = tracker_dump(tracker)
    register, files = register_dump(folder / "register" / "auditdocs.sqlite", library, list(tracker_values))
    outputs = {
        "register": register,
        "tracker": tracker_values,
        "report": _read_json(folder / "reports" / "figures.json"),
    }
    _command(folder, specs, "status", "--month", MONTH, "--on", STATUS_ON, "--json", str(scratch / "status.json"))
    outputs["status"] = _read_json(scratch / "status.json")
    _command(folder, specs, "parse", str(folder / "returned"), "--json", str(scratch / "parse.json"))
    outputs["parse"] = [labelled(r, library) for r in _read_json(scratch / "parse.json")]
    return {name: canonical(_normalised(outputs[name], folder, files)) for name in OUTPUTS}


def first_difference(expected, actual, path: str = "$") -> str:
    """Where two JSON values first differ, as a path ($.audits[3].returns[0].status), with both values."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual)):
            if key not in actual:
                return f"{path}.{key}: missing (expected {_short(expected[key])})"
            if key not in expected:
                return f"{path}.{key}: not expected (got {_short(actual[key])})"
            if expected[key] != actual[key]:
                return first_difference(expected[key], actual[key], f"{path}.{key}")
    elif isinstance(expected, list) and isinstance(actual, list):
        for n, (e, a) in enumerate(zip(expected, actual)):
            if e != a:
                return first_difference(e, a, f"{path}[{n}]")
        if len(expected) != len(actual):
            return f"{path}: {len(actual)} items, expected {len(expected)}"
    elif expected != actual or type(expected) is not type(actual):
        return f"{path}: got {_short(actual)}, expected {_short(expected)}"
    return f"{path}: the same values, other text (key order or spacing)"


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 200 else text[:200] + "…"


def run_demo_month(folder: Path, specs: Path) -> str:
    """`auditdocs demo FOLDER`, as tests/conftest.py's demo_month runs it; what it printed."""
    from click.testing import CliRunner

    from auditdocs.cli import cli

    result = CliRunner().invoke(cli, ["--specs", str(specs), "demo", str(folder)])
    if result.exit_code != 0:
        raise AssertionError(result.output)
    return result.output


def main(argv: list[str]) -> int:
    """Run the demo month in a temporary folder (or read the one made in --folder FOLDER); with --write record
    its outputs as the expected ones, else say which differ."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from helpers import SPECS

    from auditdocs.specs import load_library

    write = "--write" in argv
    given = argv[argv.index("--folder") + 1] if "--folder" in argv[:-1] else None
    library = load_library(SPECS)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(given) if given else Path(tmp) / "demo month"
        if not given:
            run_demo_month(folder, SPECS)
        (Path(tmp) / "scratch").mkdir()
        texts = capture(folder, library, SPECS, Path(tmp) / "scratch")
    differ = 0
    for name, text in texts.items():
        path = EXPECTED / f"{name}.json"
        if write:
            EXPECTED.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
            print(f"wrote {path} ({len(text):,} characters)")
        elif not path.exists() or path.read_text(encoding="utf-8") != text:
            differ += 1
            where = first_difference(json.loads(path.read_text(encoding="utf-8")), json.loads(text)) \
                if path.exists() else "not recorded yet"
            print(f"{name}: differs at {where}")
        else:
            print(f"{name}: the same")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
