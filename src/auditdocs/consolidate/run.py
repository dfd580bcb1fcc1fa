"""Consolidation, with its files: one run, one register transaction.

1. the tracker is checked and opened first (nothing is made, not even a register, for a tracker that
   cannot be updated);
2. the returned files are found and hashed; those whose content the register has not parsed are read,
   several at a time (`parsing`), and recorded with their paths relative to the folder given;
3. what people typed into the tracker is read back into the register (skipped when the tracker's bytes
   are those the register last wrote: nobody can have typed anything);
4. `plan` decides which version of each audit is in use, what goes on the Exceptions sheet and which
   action is which (`cycle.identify_actions`); moderation's events are added;
5. the tracker is written from the register (`tracker.book`) to a temporary file, what was written is
   recorded, then it replaces the old tracker and the transaction is committed.

All of it is one transaction: a run stopped anywhere leaves the register and the tracker as they were,
but for the instant between the new tracker taking the old one's place and the commit; and the next run
gives the same register and tracker as a run that was never stopped (a tracker put in place by a run
stopped in that instant is read back like one a person saved). A run that fails (a full disk, a register
that cannot be written) leaves both as they were: a commit that fails puts the old tracker back.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import gc
import hashlib
import json
import os
import signal
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path

from ..domain import cycle
from ..domain import model as m
from ..errors import UserError
from ..files import settled_stat, sha256_of
from ..learning.run import tags_kept, tags_signature, workspace_themes
from ..moderation.forms import VersionFacts, version_facts
from ..moderation.outcome import moderated_events
from ..progress import Progress, report
from ..register import (
    SeenFile,
    file_hash,
    pack_record,
    pack_tags,
    places,
    unpack_record,
)
from ..returns.read import find_files
from ..tracker import book, safety, sheets, stream
from ..tracker import rows as r
from ..tracker.fragments import BigSheets, scale_colours
from ..tracker.sheets import OldSheet, plain
from ..workspace import Workspace
from . import apart, more_sheets, plan
from .made_rows import MadeRows, grouped_rows, make_rows, rows_written, shown_location
from .parsing import read_forms
from .placing import Placed, Placing
from .versions import Held, held

#: Tests set this to a step's name to have the process killed there (see tests/test_register_upkeep.py).
KILL_AT = "AUDITDOCS_TEST_KILL_AT"
BATCH = 200  # records recorded in the register at a time, so that the forms read are not all held at once


@dataclass
class Summary:
    """What a consolidation did, for the person who ran it: print `lines()`."""

    tracker: Path
    register: Path | None = None
    files: int = 0
    complete: int = 0
    incomplete: int = 0
    unreadable: int = 0
    read: int = 0  # files whose content was new, read in this run
    hashed: int = 0  # files hashed in this run (the others were as when last hashed: the same size and times)
    audits_new: int = 0
    audits_updated: int = 0
    audits_total: int = 0
    audits_returned: int = 0
    actions_total: int = 0
    actions_new: int = 0
    actions_removed: int = 0
    actions_overdue: int = 0
    duplicates: int = 0  # audits that came in as different files with different answers
    unplaced: int = 0  # files put on no audit: another child's details, or an audit this register did not allocate
    exceptions: int = 0  # rows put on the Exceptions sheet in this run
    exception_files: int = 0  # the files those rows are about (a file may have several)
    exception_entries: int = 0  # those rows about no file (a tracker entry, an action changed)
    states: dict[str, int] = dc_field(default_factory=dict)
    backup: Path | None = None
    created: bool = False
    notes: list[str] = dc_field(default_factory=list)  # told first (a lock left by a stopped run, taken over)
    not_changed: str = ""  # no form to read and no audit allocated: why nothing was changed (the one line said)

    @property
    def needs_attention(self) -> bool:
        """Something on the Exceptions sheet came from this run (unreadable, incomplete, duplicates…)."""
        return bool(self.exceptions or self.unreadable or self.incomplete or self.duplicates or self.unplaced)

    def lines(self) -> list[str]:
        def n(count: int, word: str) -> str:
            return f"{count} {word}{'' if count == 1 else 's'}"

        if self.not_changed:
            return [self.not_changed]
        out = [f"Note: {note[0].upper()}{note[1:]}" for note in self.notes]
        out += [f"Read {n(self.files, 'file')}: {self.complete} complete, {self.incomplete} incomplete, "
               f"{self.unreadable} unreadable."
               + (f" ({self.files - self.read} unchanged since the last run were not read again.)"
                  if self.files - self.read else "")]
        out += [f"The tracker has {n(self.audits_total, 'audit')} "
               f"({self.audits_new} new, {self.audits_updated} updated) "
               f"and {n(self.actions_total, 'action')} ({self.actions_new} new, "
               f"{self.actions_removed} removed from their form, {self.actions_overdue} overdue)."]
        if self.audits_total != self.audits_returned:
            out.append(f"{self.audits_returned} of the {n(self.audits_total, 'audit')} have come back; "
                       "'auditdocs status' shows where each stands.")
        if self.unplaced:
            out.append(f"{n(self.unplaced, 'file')} {'was' if self.unplaced == 1 else 'were'} not put on any audit "
                       "(another child's details, or an audit this register did not allocate): see the Exceptions "
                       "sheet.")
        if self.duplicates:
            out.append(f"{n(self.duplicates, 'audit')} came in twice with different answers: "
                       "see the Exceptions sheet.")
        entries = self.exception_entries
        said = [n(self.exception_files, "file") if self.exception_files else "",
                f"{entries} other entr{'y' if entries == 1 else 'ies'}" if entries else ""]
        if self.exceptions:
            one = self.exception_files + entries == 1
            out.append(f"{' and '.join(s for s in said if s)} need{'s' * one} attention: "
                       "see the Exceptions sheet for what to do.")
        out.append(f"{'Created' if self.created else 'Updated'} {self.tracker}")
        if self.backup:
            out.append(f"The previous version is kept in {self.backup}")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _check(path: Path, ws: Workspace, reg=None) -> None:
    """Stop before anything is read if the tracker cannot be updated (quickly when the register wrote it). `reg`:
    the register, open for the run; None when there is none yet (or an empty file, which opening would make a
    register)."""
    _not_without_its_register(path, ws, reg)

    def written(tracker: Path) -> bool:
        return reg is not None and reg.tracker_written(sha256_of(tracker)) is not None

    safety.check_before_update(path, written)


def _not_without_its_register(path: Path, ws: Workspace, reg) -> None:
    """Stop, changing nothing, when the tracker was written from a register that is not there, is empty, or has
    been started afresh since (it has never written a tracker): such a register would not know the tracker's
    audits, actions and people's entries."""
    register = ws.register
    if not path.is_file() or (reg is not None and reg.tracker_last_written(None) is not None):
        return
    made = book.made_from(path)
    if made is None:
        return  # a tracker made before there was a register: the run takes it in
    if reg is not None:  # a register that has not written it: does it know its audits?
        known = reg.revisions()
        if not made.audit_ids or not made.audit_ids.isdisjoint(known):
            return  # (one rebuilt from the tracker and its forms)
    named = places.placed(made.register, places.base_of(path))
    raise UserError(
        f"the register {register} is missing, empty or new (it has never written a tracker); the tracker {path} "
        "was made from one"
        + (f" ({named}, its About sheet says)" if named and named != str(register) else "")
        + ". Updating the tracker from such a register would lose track of its actions and of where each audit "
        "stands. If the register was moved, give it with --register. Otherwise run 'auditdocs register rebuild' "
        "to remake it from your forms and tracker (managers' and QA officers' entries are read back from the "
        f"tracker), then run this again. {safety.NOTHING_CHANGED}")


def _collector_paused(run):
    """`run` with Python's cycle collector paused while it goes: it would go over the run's many long-lived objects
    (audits, records, rows) again and again, a fifth of the time the run takes in this process at 10,000
    audits. A run makes few reference cycles; they are collected after it, when what it held is let go (not
    before it returns: the first collection would go over a year's objects once more). (Worker processes, forked
    from this one, collect as usual: see `parsing`.)"""

    @functools.wraps(run)
    def paused(*args, **kwargs):
        if not gc.isenabled():
            return run(*args, **kwargs)
        gc.disable()
        try:
            return run(*args, **kwargs)
        finally:
            gc.enable()

    return paused


def _kill_point(name: str) -> None:
    if os.environ.get(KILL_AT) == name:
        os.kill(os.getpid(), signal.SIGKILL)


# ---- the ways in -------------------------------------------------------------------------


def consolidate_returns(ws: Workspace, paths: list[Path] | None = None, *, prefer_newer: bool = False,
                        now: dt.datetime | None = None, workers: int | None = None,
                        progress: Progress | None = None) -> Summary:
    """The use case of `auditdocs consolidate`: put the returned forms under `paths` (files and folders, searched
    with their subfolders; default: the workspace's returned folder) into the workspace's register, and write its
    tracker from the register. Only the files whose content the register has not parsed are read (in parallel);
    `progress(done, total)` is told as each is read. When there is no form to read and the register has allocated
    nothing, nothing is changed (`Summary.not_changed` says so). Raises UserError, changing nothing, when a path
    does not exist or the tracker cannot be updated.

    Audits already in the register and not among the forms read are kept as they are. Managers' and QA officers'
    columns, people's rows, columns and sheets are never lost (see `tracker`). Two files with the same
    audit id: identical answers count once; otherwise the one saved last stands, unless it lost what an
    earlier one held (`plan.decide`), or `prefer_newer`, when the newest file wins whatever it lost. A file is
    attached to the audit it says only when its details are that audit's, and (in a register that allocated
    audits) only to an audit allocated (`placing`).

    The previous tracker is backed up first (`<name> backups` beside it, last 10 kept) and the new one
    written to a temporary file and renamed over it. Raises UserError, changing nothing, if the tracker
    is open in Excel, not writable, unreadable, not a tracker, or holds things that would be lost
    (charts, pictures, pivot tables, macros, newer Excel features).
    """
    paths = list(paths) if paths else [ws.returned]
    library = ws.library()
    path = Path(ws.tracker)
    found = find_files(paths)  # a path that does not exist stops the run here, before anything is written
    if not found:  # (a tracker that cannot be updated stops the run before the forms are read)
        safety.check_before_update(path)
        allocated = False
        if ws.register.exists():
            with ws.open_register() as reg:
                allocated = bool(reg.months())
        if not allocated:
            from ..returns.run import no_forms

            return Summary(path, ws.register, not_changed=f"{no_forms(paths)} The tracker was not changed.")
    return _consolidate(_reading(found, library, workers, progress), library, path, ws, prefer_newer,
                        now or dt.datetime.now(), read_files=True, check=True, workers=workers)


def attach_files(ws: Workspace, attach: list[tuple[Path, str]], *, today: dt.date | None = None) -> list[str]:
    """A QA officer's decisions (`consolidate --attach FILE AUDIT_ID`): each file is the audit given, recorded in
    the workspace's register (a line each, to show). Raises UserError, recording none, for a file that cannot be
    read as a form or an audit the register did not allocate."""
    from .placing import record_attachments

    library = ws.library()
    with ws.open_register(write=True) as reg:
        return record_attachments(reg, library, [(Path(f), a) for f, a in attach], today or dt.date.today())


def consolidate_records(ws: Workspace, records: list[m.AuditRecord], *, prefer_newer: bool = False,
                        now: dt.datetime | None = None) -> Summary:
    """`consolidate_returns` from records already read from returned forms (complete, incomplete and unreadable;
    read with the workspace's form specs), for a front end that has read them itself (the tests, the demo): put
    them in the workspace's register and write its tracker from the register. Raises UserError, changing
    nothing, when the tracker cannot be updated (see `consolidate_returns`)."""
    library = ws.library()

    def gather(reg, batch, reader, meanwhile) -> list[plan.Seen]:
        meanwhile()
        seen = []
        for n, rec in enumerate(records):
            folder = os.path.abspath(rec.folder) if rec.folder else ""
            shown = os.path.relpath(os.path.abspath(rec.file), folder) if folder else os.path.abspath(rec.file)
            seen.append(plan.Seen(_record_hash(rec, library), folder, shown, record=rec, order=n, library=library))
        known = reg.known_contents(s.content_hash for s in seen)
        for s in seen:
            s.new = s.content_hash not in known
        batch(seen)
        return seen

    return _consolidate(gather, library, Path(ws.tracker), ws, prefer_newer, now or dt.datetime.now(), check=True)


def register_from_folders(ws: Workspace, paths: list[Path], library, tracker_path: Path | None, *,
                          now: dt.datetime | None = None) -> Summary:
    """What `consolidate_returns` records in the workspace's register, leaving the tracker (if any) as it is: its
    people's columns are read back, nothing is written to it (for `register rebuild`)."""
    found = find_files(list(paths))
    return _consolidate(_reading(found, library, None), library, Path(tracker_path) if tracker_path else None, ws,
                        False, now or dt.datetime.now(), read_files=True, write=False)


def _reading(found, library, workers, progress: Progress | None = None):
    """How a run gathers the files found: hashed (those not as they were when last hashed: `files.settled_stat`),
    and read (in parallel) where the register does not know their content; each read with what `reader` (a
    `_ReadHere`) makes of it. `meanwhile()` is done while the files are hashed, before any is read."""

    def gather(reg, batch, reader: _ReadHere, meanwhile) -> list[plan.Seen]:
        located = [(given, os.path.relpath(os.path.abspath(file), given) if given else os.path.abspath(file))
                  for file, given in ((file, os.path.abspath(folder) if folder is not None else "")
                                      for file, folder in found)]
        now = time.time()
        stats = [settled_stat(file, now) for file, _ in found]
        # a file as it was when its content was hashed in an earlier run has that content still: the others are
        # hashed, in worker processes when there are many (a year's forms)
        kept = {given: reg.known_by_stat(given) for given in {given for given, _ in located}}
        hashes = [kept[given].get((shown, stat)) if stat else None for (given, shown), stat in zip(located, stats)]
        to_hash = [str(found[n][0]) for n, content in enumerate(hashes) if content is None]
        hashing = apart.started(_hash_many, [to_hash[i:i + HASH_AT_ONCE] for i in range(0, len(to_hash), HASH_AT_ONCE)],
                                len(to_hash) >= WORTH_HASHING_APART)
        meanwhile()
        by_stat = [content is not None for content in hashes]
        results = iter(hashing)
        hashes = [content if content is not None else next(results) for content in hashes]
        known = reg.content_facts(h for h in hashes if h)
        seen, first = [], {}
        for n, ((given, shown), content, stat, unchanged) in enumerate(zip(located, hashes, stats, by_stat)):
            stat, hashed = (stat if content else ""), not unchanged
            if content in known:
                audit_id, status, form = known[content]
                seen.append(plan.Seen(content, given, shown, load=_loader(reg, content), audit_id=audit_id,
                                      status=status, form=form, new=False, order=n, library=library, stat=stat,
                                      hashed=hashed))
            else:
                seen.append(plan.Seen(content, given, shown, order=n, library=library, stat=stat, hashed=hashed))
                first.setdefault(content or f"unhashed {n}", n)
        todo = sorted(first.values())
        pending = []
        for done, (i, record, rows, check) in enumerate(read_forms([found[n][0] for n in todo], library, workers,
                                                                  reader), start=1):
            report(progress, done, len(todo))
            n = todo[i]
            record.folder = seen[n].folder
            at_hand = rows.pop(AT_HAND, None) if rows is not None else None
            if not seen[n].content_hash:  # the file could not be opened to hash it: its record says why
                seen[n].content_hash = _record_hash(at_hand.whole(record) if at_hand is not None else record, library)
            _attach(seen[n], record, check)
            if at_hand is not None:
                seen[n].at_hand = at_hand
                seen[n]._held, seen[n]._facts = at_hand.held, (at_hand.facts,)
            seen[n].rows = rows or None
            pending.append(seen[n])
            if len(pending) >= BATCH:
                batch(pending)
                pending = []
        batch(pending)
        read_now = {s.content_hash: s for s in seen if s._record is not None}
        for s in seen:  # a second copy of a content read in this run
            if s._record is None and s.new and s.content_hash in read_now:
                _attach(s, read_now[s.content_hash].record, read_now[s.content_hash].check)
                s._held = read_now[s.content_hash]._held
        return seen

    return gather


#: The key of `_ReadHere.render`'s own entry (no sheet has this name).
AT_HAND = "\x00at hand"


@dataclass
class _AtHand:
    """What the run needs of a whole record, worked out where the form was read (a worker process), so that
    this process neither packs it nor goes over its answers: the record and its summary packed for the register
    (`register.pack_record`), the summary (`cycle.summary_record`), `versions.held` and `version_facts`."""

    packed: bytes
    summary: m.AuditRecord
    packed_summary: bytes
    held: Held
    facts: VersionFacts | None
    tags: tuple[str, bytes] | None = None  # a complete record's theme tags: (signature, `pack_tags` of `tags_kept`)

    def whole(self, sent: m.AuditRecord) -> m.AuditRecord:
        """The record whole again, from the one the run was sent (`_ReadHere.sent`) and its packed copy."""
        return dataclasses.replace(sent, answers=unpack_record(self.packed, sent.file).answers)


class _ReadHere:
    """What `parsing.read_forms` has made of each record it reads (its `render`): the audit's rows of the sheets
    nobody edits (`big`, a `tracker.fragments.BigSheets`; None: none), and `_AtHand` under the key AT_HAND, with
    a complete record's evidence tagged with `themes` (the Themes sheet's)."""

    def __init__(self, big: BigSheets | None, library, themes=()):
        self.big, self.library, self.themes = big, library, list(themes)
        self._signatures: dict[tuple[str, int], str] = {}

    def render(self, spec, record: m.AuditRecord) -> dict:
        out = self.big.render(spec, record) if self.big is not None else {}
        spec = self.library.get(record.form_id, record.form_version)  # (as `batch` finds it)
        summary = cycle.summary_record(spec, record)
        out[AT_HAND] = _AtHand(pack_record(record), summary, pack_record(summary), held(record),
                               version_facts(spec, record), self._tags(spec, record))
        return out

    @staticmethod
    def sent(record: m.AuditRecord) -> m.AuditRecord:
        """The record as the run is sent it once `render` has made what the run needs of it: without its answers
        (`_light`), which `_AtHand.packed` holds (`_AtHand.whole`)."""
        return _light(record)

    def _tags(self, spec, record: m.AuditRecord) -> tuple[str, list] | None:
        if not self.themes or spec is None or record.status != "complete":
            return None
        if (spec.id, spec.version) not in self._signatures:
            self._signatures[spec.id, spec.version] = tags_signature(spec, self.themes)
        return self._signatures[spec.id, spec.version], pack_tags(tags_kept(spec, record, self.themes))


HASH_AT_ONCE = 250  # files hashed per task of a worker process
WORTH_HASHING_APART = 2000  # fewer files than this: hashed here


def _hash_many(paths: list[str]) -> list[str]:
    return [_hash(Path(path)) for path in paths]


def _hash(path: Path) -> str:
    try:
        return file_hash(path)
    except OSError:
        return ""


def _record_hash(rec: m.AuditRecord, library) -> str:
    """A record's content hash: its file's SHA-256 when the record was read from the file as it is now,
    else one of the record itself (a record given without its file)."""
    try:
        if rec.file_check and os.path.isfile(rec.file):
            content = file_hash(Path(rec.file))
            if content.startswith(rec.file_check):
                return content
    except OSError:
        pass
    data = m.shown_record(library.spec_of(rec), rec).as_dict()
    data.pop("file", None)
    data.update(modified=rec.modified, check=rec.file_check)
    return "record-" + hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def _loader(reg, content: str):
    return lambda: reg.record_of(content)


def _attach(seen: plan.Seen, record: m.AuditRecord, check: str = "") -> None:
    """A record read in this run, kept light: what the plan needs (its details, problems, actions), not
    every answer (those go to the register)."""
    seen._record, seen._check = record, ""
    seen.audit_id, seen.status, seen.form = record.audit_id, record.status, (record.form_id, record.form_version)
    seen._check = check or seen.check  # (worked out now, from the whole record)


# ---- the run ---------------------------------------------------------------------------


@_collector_paused
def _consolidate(gather, library, path: Path | None, ws: Workspace, prefer_newer: bool, now: dt.datetime,
                 read_files: bool = False, write: bool = True, check: bool = False, workers: int | None = None
                 ) -> Summary:
    """One run, in one transaction of the workspace's register (opened once). `check`: stop, changing nothing,
    before anything is read when the tracker cannot be updated (`_check`); `workers`: how many worker processes
    (default: one per processor), started once for the run (`apart.run_workers`)."""
    register = ws.register
    today = now.date()
    reg_exists = register.exists()
    ready = register.is_file() and register.stat().st_size > 0  # (an empty file: opening it makes it a register)
    if check and not ready:
        _check(path, ws)
    # a tracker that cannot be used stops the run before a register is made
    tracker = book.open_tracker(path) if not reg_exists and path is not None and (write or path.exists()) else None
    # the rows written (evidence) wait in a file with no name: removed by the system however the run ends,
    # even killed outright (unlinked at once on Linux, O_TEMPORARY on Windows), unlike a private_folder
    with ws.open_register(write=True, create=True) as reg, \
            tempfile.TemporaryFile(buffering=0) as spill_file, \
            apart.run_workers(workers) as run_workers:  # (the file unbuffered: a failed write fails there, not at close)
        spill = _SpillFile(spill_file)
        if check and ready:
            _check(path, ws, reg)
        if tracker is None:
            tracker = book.open_tracker(path, reg.tracker_written if write else (lambda sha: None))
        big = BigSheets(tracker.styles, library)
        before: dict[str, m.RegisteredAudit] = {}
        placing, placed = None, {}

        def audits_before() -> None:  # (while the files are hashed)
            nonlocal placing
            before.update((a.audit_id, a) for a in reg.audits(summaries=True))
            placing = Placing(before, library)

        def batch(pending: list[plan.Seen]) -> None:
            by_folder: dict[str, list[SeenFile]] = {}
            tagged = {}
            for s in pending:
                # what was worked out where the form was read (`_ReadHere`), else here
                at_hand = s.__dict__.pop("at_hand", None) if s.new else None
                if at_hand is not None and at_hand.tags is not None:
                    tagged[s.content_hash] = at_hand.tags
                spec = library.get(s.record.form_id, s.record.form_version) if s.new else None
                summary = (at_hand.summary if at_hand is not None else cycle.summary_record(spec, s.record)) \
                    if s.new else None
                if s.new and s.content_hash not in placed:
                    placed[s.content_hash] = placing.place(s.record, s.content_hash, s.location)
                by_folder.setdefault(s.folder, []).append(
                    SeenFile(s.path, s.content_hash, s.record if s.new else None, summary, s.check if s.new else "",
                             placed[s.content_hash].audit_id if s.new else None,
                             (at_hand.packed, at_hand.packed_summary) if at_hand is not None else None, s.stat))
                if s.new:
                    s.held()  # while the whole record is at hand
                if s.new and read_files:
                    s.facts(spec)  # while the whole record is at hand
                    s._record = _light(s.record)
                if getattr(s, "rows", None):  # its rows of the big sheets: kept on disk until they are placed
                    s.rows = {name: _Spilled(spill, f) if f is not None else None for name, f in s.rows.items()}
            for folder, files in by_folder.items():
                reg.record_returns(folder, files, now=now)
            if tagged:  # the theme tags made where the forms were read
                reg.keep_theme_tags(tagged)

        folder = ws.folder if ws.settings_file is not None else None  # what the added sheets read there (themes.xlsx)
        reader = _ReadHere(big if write else None, library, workspace_themes(folder) if write else ())
        run_workers.readers(library, reader)
        seen = gather(reg, batch, reader, audits_before)
        if read_files:
            _seen_again(reg, seen, now)
        _place(reg, seen, placing, placed)
        _kill_point("recorded")
        audit_ids, action_ids = reg.keys()
        exceptions_before = reg.exceptions()
        exception_keys = {key for key, _ in exceptions_before}
        old = book.read_sheets(tracker, {
            **more_sheets.known_keys(more_sheets.SheetInput(reg, list(before.values()), library, today, folder)),
            r.AUDITS.name: audit_ids.__contains__,
            r.ACTIONS.name: action_ids.__contains__,
            r.EXCEPTIONS.name: exception_keys.__contains__,
            r.ANSWERS.name: lambda key: key.split("\x1f", 1)[0] in audit_ids,
            r.JUDGEMENTS.name: lambda key: key.split("\x1f", 1)[0] in audit_ids,
        })
        adopted = _adopt_actions(old.get(r.ACTIONS.name), before, action_ids, library, tracker.styles)
        if adopted:
            reg.record_actions(adopted, now=now)
            for action in adopted:
                before[action.audit_id].actions.append(action)
        adopted_rows = more_sheets.adopt(old, reg, tracker.styles, today, ws)
        exceptions_old = _adopt_exceptions(old.get(r.EXCEPTIONS.name), exceptions_before, exception_keys,
                                           tracker.styles, path)
        # read back unless the tracker is as the register wrote it, holding no second copy of a row of ours (as an
        # older auditdocs wrote over a register that was lost: the first copy has people's entries)
        unchanged = tracker.unchanged and not _twice(old)
        back = (plan.read_back(old, before, today, reg.tracker_last_written(path)) if not unchanged
                else plan.ReadBack())
        _save_read_back(reg, back, before, now)

        decision = plan.decide(seen, before, library, prefer_newer=prefer_newer, today=today,
                               mtime=_mtime, exists=os.path.exists, record_of=reg.record_of,
                               attached=frozenset(k for k in placing.decided if isinstance(k, str)))
        for aid, content in decision.chosen.items():
            reg.choose_version(aid, content)
        identity = _identify_actions(reg, decision, library, now)
        returned_now = {s.audit_id for s in seen if s.new and s.audit_id}
        # the audits as they stand now: those this run changed read again, the others as they were
        changed = returned_now | set(decision.chosen) | set(decision.applied) | {a.audit_id for a in adopted}
        if not unchanged:
            changed = set(before) | changed
        audits = _audits_now(reg, before, changed)
        moderated = moderated_events([a for a in audits if a.audit_id in returned_now], library)
        if moderated:
            reg.record_events(moderated, now=now)
            audits = _audits_now(reg, {a.audit_id: a for a in audits}, {e.audit_id for e in moderated})
        colours = scale_colours(library) | set(r.STATE_COLOURS.values())
        made = make_rows(audits, old, reg, library, tracker.styles, colours, today, reuse=unchanged, tracker=path,
                         rows_of=frozenset(old_action.audit_id for old_action, _ in identity.unsure), spill=spill)
        content = _content(audits, made, old, reg, library, big, seen if write else [], spill)
        more_input = more_sheets.SheetInput(reg, audits, library, today, folder)
        grouped = {name: grouped_rows(r.SHEETS[name], make(more_input), old.get(name) or OldSheet(), reg,
                                      tracker.styles, colours, spill)
                   for name, make in more_sheets.GROUPED.items()} if write else {}
        more = more_sheets.content(more_sheets.made_rows(more_input, but=frozenset(grouped)), old, reg,
                                   tracker.wb.sheetnames, grouped)
        writers = {name: writer for name, (_, writer, _) in made.writers.items()}
        for s in r.MORE_SHEETS:
            if s.name in more and write:
                more[s.name], writers[s.name] = rows_written(s, more[s.name], old.get(s.name) or OldSheet(), reg,
                                                             tracker.styles, colours, spill)
        content |= more
        new_exceptions = decision.exceptions + adopted_rows + [e for facts in made.facts.values() for e in facts.entries] + [
            plan.action_changed(old_action, new_action, made.rows.get(old_action.audit_id, {}), today)
            for old_action, new_action in identity.unsure] + more_sheets.entries(more_input)
        exceptions = plan.merge_exceptions(exceptions_old, new_exceptions, seen, os.path.exists)
        if exceptions != exceptions_before:  # (as the register holds them: not written again)
            reg.save_exceptions(exceptions)
        exception_cells = reg.tracker_columns(r.EXCEPTIONS.name)
        shown = shown_location(path)
        rows = {key: shown({**row, **exception_cells.get(key, {})}) for key, row in exceptions}
        content[r.EXCEPTIONS.name] = sheets.compose(r.EXCEPTIONS, old.get(r.EXCEPTIONS.name) or OldSheet(), rows)
        summary = _summary(path, register, tracker, seen, decision, identity, made, new_exceptions, read_files)
        summary.notes += reg.notes
        _kill_point("planned")
        if write:
            about = _about_lines(summary, seen, exceptions, path, now)
            # what the plan read (a year's records, audits and versions) is not needed to write the tracker: let
            # it go before the tracker is written, which holds every row at once
            del seen, decision, identity, audits, before, placing, placed

            def record(written: book.Written) -> None:
                reg.record_tracker(path.resolve(), written.sha256, written.skeleton, written.layouts, now=now)
                _kill_point("recorded tracker")

            def commit() -> None:
                _kill_point("written")  # the tracker replaced, the register's transaction not yet committed
                reg.commit()  # (if this fails, the old tracker is put back)

            written = book.write(tracker, content, about, now, colours, writers, record, commit)
            summary.backup = written.backup
    return summary


def _place(reg, seen: list[plan.Seen], placing: Placing, placed: dict) -> None:
    """Each file attached to the audit it is (`placing`): those read now as they were recorded; those read before
    and attached to none, again (the audit they say may have been allocated since, or a QA officer decided);
    those a QA officer has since said are another audit's, moved to it."""
    for s in seen:
        if s.content_hash not in placed and not s.new and s.status != "unreadable":
            decided = placing.decided.get(s.content_hash)
            if s.audit_id and decided in placing.audits and decided != s.audit_id:
                placed[s.content_hash] = Placed(decided)
                reg.attach_content(s.content_hash, decided)
            elif not s.audit_id and s.record.audit_id:
                placed[s.content_hash] = found = placing.place(s.record, s.content_hash, s.location)
                if found.audit_id:
                    reg.attach_content(s.content_hash, found.audit_id)
        if s.content_hash in placed:
            s.placed = placed[s.content_hash]
            s.audit_id = s.placed.audit_id


def _seen_again(reg, seen: list[plan.Seen], now: dt.datetime) -> None:
    """The files of contents the register knew, hashed in this run (not as they were when last hashed): their stat
    now, and the places of those moved, renamed or copied since."""
    by_folder: dict[str, list[tuple[str, str, str]]] = {}
    for s in seen:
        if s.hashed and not s.new and s.content_hash:
            by_folder.setdefault(s.folder, []).append((s.path, s.content_hash, s.stat))
    for folder, files in by_folder.items():
        reg.seen_again(folder, files, now=now)


def _audits_now(reg, before: dict[str, m.RegisteredAudit], changed: set[str]) -> list[m.RegisteredAudit]:
    """Every audit, in the register's order: those in `changed` read from the register again (what the rules
    read of each version: `cycle.summary_record`)."""
    if len(changed) * 4 > len(before):
        return reg.audits(summaries=True)
    fresh = {a.audit_id: a for a in reg.audits(ids=changed, summaries=True)} if changed else {}
    merged = {**before, **fresh}
    return sorted(merged.values(), key=lambda a: (a.month.isoformat() if a.month else "", a.audit_id))


def _light(record: m.AuditRecord) -> m.AuditRecord:
    """A record without its answers (kept in the register), for the plan."""
    return dataclasses.replace(record, answers={})


def _mtime(location: str) -> float:
    try:
        return os.path.getmtime(location)
    except OSError:
        return 0.0


def _adopt_actions(sheet: OldSheet | None, before: dict[str, m.RegisteredAudit], action_ids: set[str], library,
                   styles) -> list[m.TrackedAction]:
    """Actions a tracker holds that the register does not (a tracker made before the register, or written
    by a run stopped before its end): taken into the register with their ids, so that they keep them."""
    if sheet is None:
        return []
    out, taken = [], set()
    for i, (key, row, whole) in enumerate(zip(sheet.keys, sheet.rows, sheet.whole)):
        if not key or not whole:
            continue
        if key in taken:  # a second copy of an action taken in: read back with the first
            sheet.whole[i] = False
            sheet.rows[i] = sheets.as_ours(r.ACTIONS, row, styles)
            continue
        if key in action_ids:
            continue
        audit_id = key.rsplit("-A", 1)[0]
        audit = before.get(audit_id)
        if audit is None:
            continue
        spec = library.get(audit.form_id, audit.form_version)
        values = {h: plain(v) for h, v in row.items()}
        table = next((t for t in (spec.tables if spec else []) if t.ref == str(values.get("Form ref") or "")), None)
        if table is None:
            continue
        columns = {heading: column for column, heading in r.action_columns(table).items()}
        form_values = {columns[h]: _form_value(v) for h, v in values.items() if h in columns and v is not None}
        text = str(values.get("Action") or values.get("Next steps") or "")
        try:
            form_row = int(values.get("Form row") or 0)
        except (TypeError, ValueError):
            form_row = 0
        out.append(m.TrackedAction(key, audit_id, table.id, form_row, text, form_values,
                                   str(values.get("On form") or r.ON_FORM) != r.REMOVED))
        sheet.whole[i] = False
        sheet.rows[i] = sheets.as_ours(r.ACTIONS, row, styles)
        action_ids.add(key)
        taken.add(key)
    return out


def _twice(old: dict[str, OldSheet]) -> bool:
    """A row of ours is in the tracker more than once."""
    for sheet in old.values():
        keys = [key for key, whole in zip(sheet.keys, sheet.whole) if key and not whole]
        if len(set(keys)) != len(keys):
            return True
    return False


def _form_value(value):
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _adopt_exceptions(sheet: OldSheet | None, stored: list[tuple[str, dict]], keys: set[str], styles,
                      tracker: Path | None = None) -> list[tuple[str, dict]]:
    """The Exceptions rows the register holds, and those of the tracker it does not (a tracker made before
    the register, or written by a run stopped before its end)."""
    out = list(stored)
    if sheet is None:
        return out
    generated = r.EXCEPTIONS.generated
    for i, (key, row, whole) in enumerate(zip(sheet.keys, sheet.rows, sheet.whole)):
        if not key or not whole or key in keys:
            continue
        values = {h: plain(v) for h, v in row.items() if h in generated}
        if isinstance(values.get("Found on"), dt.datetime):
            values["Found on"] = values["Found on"].date()
        if tracker is not None and isinstance(values.get(places.LOCATION), str):  # as `shown_location` wrote it
            values[places.LOCATION] = places.placed(values[places.LOCATION], places.base_of(tracker))
        out.append((key, values))
        keys.add(key)
        sheet.rows[i] = sheets.as_ours(r.EXCEPTIONS, row, styles)
        sheet.whole[i] = False
    return out


def _save_read_back(reg, back: plan.ReadBack, before: dict[str, m.RegisteredAudit], now: dt.datetime) -> None:
    for sheet, cells in back.cells.items():
        reg.save_tracker_columns(sheet, cells)
    actions = {a.action_id: a for audit in before.values() for a in audit.actions}
    for action_id, state in back.action_states.items():
        reg.set_action_status(action_id, state["status"], state["done_on"], state["signed_off_by"],
                              state["signed_off_on"])
        if action_id in actions:
            for field, value in state.items():
                setattr(actions[action_id], field, value)
    reg.delete_events(back.gone)
    reg.record_events(back.events, now=now)  # at the time the tracker showing them is written


def _identify_actions(reg, decision: plan.Decision, library, now) -> cycle.ActionIdentity:
    """Which action is which, for every audit whose version in use was read in this run."""
    total = cycle.ActionIdentity([])
    known = reg.actions(decision.applied)
    for aid, seen in decision.applied.items():
        record = seen.record
        spec = library.get(record.form_id, record.form_version)
        if spec is None:
            continue
        found = cycle.identify_actions(aid, known.get(aid, []), r.form_actions(spec, record))
        total.actions += found.actions
        total.new += found.new
        total.removed += found.removed
        total.unsure += found.unsure
    reg.record_actions(total.actions, now=now)
    return total


def _content(audits, made: MadeRows, old: dict[str, OldSheet], reg, library, big: BigSheets, seen, spill) -> dict:
    """Each sheet's rows, from the register (in the order the tracker had them)."""
    content = {r.AUDITS.name: sheets.compose(r.AUDITS, old.get(r.AUDITS.name) or OldSheet(), made.audits),
               r.ACTIONS.name: sheets.compose(r.ACTIONS, old.get(r.ACTIONS.name) or OldSheet(), made.actions,
                                              placed_after=lambda key: key.rsplit("-A", 1)[0])}
    listed = [a for a in audits if a.audit_id in made.audits and a.current is not None]
    made_now = {s.content_hash: s.rows for s in seen if getattr(s, "rows", None) is not None}
    for sheet in (r.ANSWERS, r.JUDGEMENTS):
        content[sheet.name] = _big_sheet(sheet, listed, old.get(sheet.name) or OldSheet(),
                                         reg.tracker_columns(sheet.name), library, reg, big, made_now, spill)
    return content


def _big_sheet(sheet, listed, old: OldSheet, cells, library, reg, big: BigSheets, made_now, spill):
    """A sheet nobody edits: each audit's rows as kept in the register, made when its form was read, or
    made now; written like the others when people have put something of theirs in it (they unprotected it)."""
    make = BigSheets.MAKERS[sheet.name]
    people = bool(cells) or any(old.whole) or any(old.rows) or old.outside or (
        old.headers and old.headers != sheet.headers)
    if people:
        fresh = {}
        for a in listed:
            for row in make(library.get(a.form_id, a.form_version), reg.record_of(a.current.content_hash)):
                key = r.row_key(sheet, row)
                fresh[key] = {**row, **cells.get(key, {})}
        return sheets.compose(sheet, old, fresh)
    signatures = {a.audit_id: big.signature(a.current.content_hash, spec)
                  for a in listed if (spec := library.get(a.form_id, a.form_version)) is not None}
    kept = reg.rendered(sheet.name, signatures)
    # first where each audit's rows go; then those not numbered for their place numbered again (`stream.placed`),
    # in worker processes when there are many (a fresh year: hundreds of megabytes of rows)
    pieces, n = [], 2  # n: the row the next audit's rows start at (each kept numbered for it)
    for a in listed:
        if a.audit_id not in signatures:
            continue
        if a.audit_id in kept:
            data, crc, length, rows, _ = kept[a.audit_id]
            piece = stream.Fragment(data, crc, length, rows)
        else:
            made = made_now.get(a.current.content_hash)  # (taken from it: held once, where it is placed)
            piece = made.pop(sheet.name) if made is not None and sheet.name in made else big.render(
                library.get(a.form_id, a.form_version), reg.record_of(a.current.content_hash)).get(sheet.name)
        here = n if piece is not None and piece.rows and not stream.numbered_from(piece, n) else None
        pieces.append((a.audit_id, piece, here))
        n += piece.rows if piece is not None else 0
    moved = _placed_pieces([(piece, here) for _, piece, here in pieces if here is not None])
    fragments, keep = [], {}
    for audit_id, piece, here in pieces:
        at = _Spilled(spill, next(moved)) if here is not None else piece
        if at is not None and at.rows:
            fragments.append(at)
        if audit_id not in kept or at is not piece:
            keep[audit_id] = (signatures[audit_id], *((at.data, at.crc, at.length, at.rows)
                                                      if at is not None else (b"", 0, 0, 0)))
            if len(keep) >= BATCH:  # (kept a few at a time: a year's rows are not all held at once)
                reg.keep_rendered(sheet.name, keep)
                keep = {}
    reg.keep_rendered(sheet.name, keep)
    return book.BigSheet([f for f in fragments if f.rows])


PLACE_AT_ONCE = 128  # fragments numbered for their place per task of a worker process (a few hundred tasks a year)
WORTH_PLACING_APART = 256  # fewer fragments than this to number: numbered here


def _placed_pieces(todo: list[tuple[stream.Fragment, int]]) -> Iterator[stream.Fragment]:
    """`stream.placed(piece, first)` of each (piece, first), in order: in worker processes when there are many
    (what a fresh year's rows cost this process would double its time), else here."""
    tasks = [[(piece.data, piece.crc, piece.length, piece.rows, first) for piece, first in todo[i:i + PLACE_AT_ONCE]]
             for i in range(0, len(todo), PLACE_AT_ONCE)]
    return (stream.Fragment(*f) for f in apart.in_order(_place_many, tasks, len(todo) >= WORTH_PLACING_APART))


def _place_many(task: list[tuple[bytes, int, int, int, int]]) -> list[tuple[bytes, int, int, int]]:
    out = []
    for data, crc, length, rows, first in task:
        f = stream.placed(stream.Fragment(data, crc, length, rows), first)
        out.append((f.data, f.crc, f.length, f.rows))
    return out


class _SpillFile:
    """The run's temporary file, where the rows written wait until the tracker is written (`append` gives where a
    row's bytes are, `read_at` gives them back; they are written a megabyte or so at a time). When it cannot be
    written (the drive of the system's temporary folder is full), the run stops with what to do, as when the
    tracker or the register cannot be written, changing neither."""

    AT_ONCE = 1 << 20

    def __init__(self, file):
        self._file, self._written, self._waiting, self._waiting_size = file, 0, [], 0
        self._ahead_at, self._ahead, self._last_end = 0, b"", -1  # what was read ahead, where; where the last read ended

    def append(self, data: bytes) -> int:
        at = self._written + self._waiting_size
        self._waiting.append(data)
        self._waiting_size += len(data)
        if self._waiting_size >= self.AT_ONCE:
            self._flush()
        return at

    def read_at(self, at: int, size: int) -> bytes:
        sequential, self._last_end = at == self._last_end, at + size
        start = at - self._ahead_at
        if 0 <= start and start + size <= len(self._ahead):  # (the file is only ever added to: never stale)
            return self._ahead[start:start + size]
        if at + size > self._written:
            self._flush()
        self._use(self._file.seek, at)
        if not sequential or size >= self.AT_ONCE:
            return self._use(self._file.read, size)
        # read in order (a sheet's rows, as they were written): a megabyte at a time, not a read per row
        self._ahead_at, self._ahead = at, self._use(self._file.read, max(size, self.AT_ONCE))
        return self._ahead[:size]

    def _flush(self) -> None:
        self._use(self._file.seek, self._written)
        left = memoryview(b"".join(self._waiting))
        while left:  # (a write may take only a part, as when the drive fills up: the next then fails)
            left = left[self._use(self._file.write, left):]
        self._written += self._waiting_size
        self._waiting, self._waiting_size = [], 0

    @staticmethod
    def _use(step, *given):
        try:
            return step(*given)
        except OSError as exc:
            raise UserError(f"a temporary file in {tempfile.gettempdir()} could not be written "
                            f"({exc.strerror or exc}): free some space on the drive it is on and run again. Nothing "
                            "was changed.") from None


class _Spilled:
    """A `stream.Fragment` kept in a temporary file until the tracker is written (a year's rows of the big sheets
    are not all held at once); read back whole when its `data` is asked for."""

    __slots__ = ("_file", "_at", "_size", "crc", "length", "rows")

    def __init__(self, file: _SpillFile, fragment: stream.Fragment):
        self._file, self._at, self._size = file, file.append(fragment.data), len(fragment.data)
        self.crc, self.length, self.rows = fragment.crc, fragment.length, fragment.rows

    @property
    def data(self) -> bytes:
        return self._file.read_at(self._at, self._size)


def _summary(path, register, tracker, seen, decision, identity, made: MadeRows, new_exceptions, read_files
             ) -> Summary:
    summary = Summary(path, register, created=not tracker.existed, duplicates=decision.duplicates)
    summary.files = len(seen)
    summary.read = sum(1 for s in seen if s.new) if read_files else len(seen)
    summary.hashed = sum(1 for s in seen if s.hashed)
    for status in ("complete", "incomplete", "unreadable"):
        setattr(summary, status, sum(1 for s in seen if s.status == status))
    summary.audits_new, summary.audits_updated = decision.new, decision.updated
    facts = made.facts.values()
    summary.audits_total = len(made.facts)
    summary.audits_returned = sum(1 for f in facts if f.returned)
    summary.actions_total = sum(f.actions for f in facts)
    summary.actions_new, summary.actions_removed = identity.new, identity.removed
    summary.actions_overdue = sum(f.overdue for f in facts)
    summary.exceptions = len(new_exceptions)
    summary.unplaced = len({s.content_hash for s in seen if s.placed is not None and s.placed.refused})
    summary.exception_files = len({e["File"] for e in new_exceptions if e.get("File")})
    summary.exception_entries = sum(1 for e in new_exceptions if not e.get("File"))
    for f in facts:
        summary.states[f.state] = summary.states.get(f.state, 0) + 1
    return summary


def _about_lines(summary: Summary, seen, exceptions, path: Path, now: dt.datetime):
    base = places.base_of(path)  # paths in the workspace shown from the tracker's folder (no computer's own)
    folders = sorted({places.stored(folder, base) for folder in {s.folder or str(Path(s.path).parent) for s in seen}})
    states = ", ".join(f"{n} {cycle.STATES[s].lower()}" for s, n in sorted(
        summary.states.items(), key=lambda item: list(cycle.STATES).index(item[0])))
    manager = ", ".join(r.MANAGER_HEADERS)
    qa = ", ".join(h for h in r.AUDITS.people)
    return [
        ("auditdocs tracker", ""),
        ("Last updated", now.replace(microsecond=0)),
        ("Files read in the last update", f"{summary.files}: {summary.complete} complete, "
                                          f"{summary.incomplete} incomplete, {summary.unreadable} unreadable"),
        ("Read from", "\n".join(folders)),
        ("Audits in the tracker", f"{summary.audits_total} ({summary.audits_returned} returned): {states}"),
        ("Actions in the tracker", f"{summary.actions_total}: {summary.actions_overdue} overdue"),
        ("Files needing attention", f"{len({row['File'] for _, row in exceptions if row.get('File')})} (see the "
                                    "Exceptions sheet)"),
        (book.ABOUT_REGISTER, f"{places.stored(Path(summary.register).absolute(), base)}{book.ABOUT_REGISTER_SAYS} "
                              "The tracker is "
                              "written from it on every update; keep it where it is backed up, and not in a "
                              "cloud-synced folder."),
        ("", ""),
        ("How to use this workbook", ""),
        ("Audits", "Every audit allocated, returned or not, with where it stands (State, coloured), the next step "
                   "and its deadline. A next deadline that has passed shows in red."),
        ("QA officers", f"On the Audits sheet, fill in the columns with yellow headings ({qa}) as things happen: "
                        "they are read back on the next update and never overwritten. An exemption counts only "
                        "when agreed by the Assistant Director (for a QA auditor, the Strategic Lead)."),
        ("Team managers", f"On the Actions sheet, fill in the columns with yellow headings ({manager}). "
                          "They are never overwritten."),
        ("Keeping your changes", "Updating the tracker keeps your entries, and the rows, columns and sheets you "
                                 "add. Do not change an Audit id or an Action id. Columns with blue headings come "
                                 "from the register and are written again on every update."),
        ("Answers and Judgements", "These sheets are rebuilt from the forms on every update, so they are "
                                   "protected (no password): filter them, or copy them to a workbook of your own. "
                                   "If you unprotect one to add to it, what you add is kept."),
        ("Removed actions", f"An action that is no longer on its form is kept and marked '{r.REMOVED}' "
                            "in the 'On form' column. To close an action, set its Status to 'No longer needed'."),
        ("Overdue", "Actions shown in red are overdue: the required date has passed and the status is "
                    "not Done or No longer needed."),
        ("Deadlines", "An audit is due on the last day of its month. Sent back, it is amended within 3 working "
                      "days. Management oversight is due 10 working days (England and Wales) after the audit was "
                      "finalised. For an Inadequate audit - by the grade after moderation if there is one, "
                      "else by the overall grade - a review meeting is due 4 weeks and a re-audit 2 months "
                      "after the audit was finalised. Finalised is the date on the form, or the date the "
                      "form was returned if it has none."),
        ("Backups", f"Before each update the previous tracker is copied to the folder "
                    f"'{safety.backup_folder(path).name}' beside it (the last {safety.KEEP_BACKUPS} are kept)."),
        ("Please do not add", "charts, pictures, pivot tables, slicers or macros to this workbook: the tool "
                              "cannot keep them, so it will refuse to update it. Put them in another workbook "
                              "that reads from this one."),
    ]
