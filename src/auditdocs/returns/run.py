"""The returned forms, checked: the use cases of `auditdocs parse`.

`check_returns` reads every form under the given files and folders (as `read.read_returns` does) and says
which are complete, which file of an audit read more than once stands, which files have lost what the
register holds, and which are put on no audit; it writes the answers as JSON if asked.
`record_sent_back` records in the register that the incomplete audits were sent back to their auditors.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path

from ..domain import model as m
from ..progress import Progress, report

SENT_BY = "auditdocs parse --sent"


@dataclass
class ReturnsChecked:
    """What `check_returns` found: every record read (in the order read), those that stand, and what needs
    attention, with the texts `parse` prints."""

    paths: list[Path]
    records: list[m.AuditRecord] = dc_field(default_factory=list)
    standing: list[m.AuditRecord] = dc_field(default_factory=list)  # one per audit, as consolidate decides
    versions: dict[str, list[tuple[m.AuditRecord, str]]] = dc_field(default_factory=dict)
    lossy: dict[str, str] = dc_field(default_factory=dict)  # file -> what it has lost since read
    refused: dict = dc_field(default_factory=dict)  # file -> `placing.Placed`: put on no audit, with why
    json_file: Path | None = None
    json_problem: str = ""  # why the JSON could not be written ('' when it was, or was not asked for)
    files: list[Path] = dc_field(default_factory=list)  # the files written

    @property
    def counts(self) -> dict[str, int]:
        return {s: sum(r.status == s for r in self.records) for s in ("complete", "incomplete", "unreadable")}

    @property
    def needs_attention(self) -> bool:
        return (self.counts["complete"] != len(self.records) or bool(self.refused) or bool(self.versions)
                or bool(self.lossy))

    def no_forms(self) -> str:
        return no_forms(self.paths)

    def record_lines(self) -> list[str]:
        """A line per form read: complete, incomplete (what is missing) or unreadable (why, what to do)."""
        from .read import one_line

        return [one_line(record) for record in self.records]

    def returns_text(self, library, sent_on: dt.date | None = None) -> str:
        """What to send back, per auditor, ready to e-mail (`read.returns_by_auditor`)."""
        from .read import returns_by_auditor

        return returns_by_auditor(self.standing, library, sent_on)

    def attention_texts(self) -> list[str]:
        """The audits read more than once, the files that lost answers, the files put on no audit (those there are)."""
        from .read import lossy_text, refused_text, versions_text

        return [text for text in (versions_text(self.versions), lossy_text(self.lossy), refused_text(self.refused))
                if text]

    def total_line(self) -> str:
        counts, n = self.counts, len(self.records)
        return (f"\n{n} form{'s' * (n != 1)}: {counts['complete']} complete, "
                f"{counts['incomplete']} incomplete, {counts['unreadable']} unreadable."
                + (f" Answers written to {self.json_file}." if self.json_file else ""))


def no_forms(paths: list[Path]) -> str:
    return f"No forms (.docx or .xlsx) were found in {', '.join(str(p) for p in paths)}."


def check_returns(ws, paths: list[Path] | None = None, *, json_file: Path | None = None, use_register: bool = True,
                  progress: Progress | None = None) -> ReturnsChecked:
    """Read the returned forms under `paths` (files and folders; default: the workspace's returned folder) and
    say what stands. With `use_register` and a register there, the files are placed as consolidate places them
    (those put on no audit, and those that lost what the register holds, are set apart). `json_file`: every
    answer read is written there (the README's contract). Raises UserError when a path does not exist."""
    from ..forms.read import read_form
    from .read import find_files, standing_versions, write_json

    library = ws.library()
    result = ReturnsChecked(list(paths) if paths else [ws.returned], json_file=json_file)
    found = find_files(result.paths)
    for n, (path, folder) in enumerate(found, start=1):
        record = read_form(path, library)
        record.folder = str(folder) if folder is not None else ""
        result.records.append(record)
        report(progress, n, len(found))
    if not result.records:
        return result
    from ..consolidate.placing import lost_since_read, placing_of, refused_files

    records = result.records
    if use_register and ws.register.is_file():
        with ws.open_register() as reg:
            result.refused = refused_files(placing_of(reg, library), records)
            result.lossy = lost_since_read(reg, [r for r in records if r.file not in result.refused])
    result.standing, result.versions = standing_versions(
        [r for r in records if r.file not in result.refused and r.file not in result.lossy], library)
    if json_file:
        try:
            write_json(records, library, json_file)
            result.files.append(Path(json_file))
        except OSError as exc:
            from ..files import os_problem

            result.json_problem = f"could not write {json_file}: {os_problem(exc)}."
    return result


@dataclass
class SentBack:
    """What `record_sent_back` recorded: the audits sent back on `day`, and those the register does not hold."""

    day: dt.date
    recorded: list[str] = dc_field(default_factory=list)
    unknown: list[str] = dc_field(default_factory=list)

    def text(self) -> str:
        known = len(self.recorded)
        text = (f"\nRecorded in the register that {known} incomplete audit{'s were' if known != 1 else ' was'} "
                f"sent back on {self.day:%d/%m/%Y}.")
        unknown = self.unknown
        if unknown:
            text += (f" {len(unknown)} {'are' if len(unknown) != 1 else 'is'} not in the register yet "
                     f"({', '.join(unknown[:3])}{'…' if len(unknown) > 3 else ''}): run 'auditdocs consolidate' first, "
                     "or type the date in the tracker's 'Sent back on' column.")
        return text


def record_sent_back(ws, records: list[m.AuditRecord], *, sent_on: dt.date | None = None,
                     today: dt.date | None = None) -> SentBack:
    """Record in the workspace's register (made if there is none) that the incomplete audits among `records` (those
    that stand: `ReturnsChecked.standing`) were sent back to their auditors on `sent_on` (default: today)."""
    day = sent_on or today or dt.date.today()
    incomplete = sorted({r.audit_id for r in records if r.status == "incomplete" and r.audit_id})
    with ws.open_register(write=True, create=True) as reg:
        known = {a.audit_id for a in reg.audits(ids=incomplete)}
        reg.record_events(m.Event("sent_back", day, aid, who=SENT_BY) for aid in incomplete if aid in known)
    return SentBack(day, [aid for aid in incomplete if aid in known], [aid for aid in incomplete if aid not in known])
