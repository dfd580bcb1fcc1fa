"""The rows of the Audits and Actions sheets, made again only for the audits that changed.

Each audit's rows are kept in the register (`Register.keep_rendered`) with a signature: its revision
(bumped by the register whenever anything of the audit changes), those of the other audits of its case
(a re-audit changes where the original stands), the sheet's columns and the workbook's styles. They stay
good until one of those changes, or until the day after the earliest date among the audit's steps and
open actions (then a step may have become late). A row that carries something of a person's in the
skeleton (a note, a look of theirs) is made every time, by `tracker.sheets.lay_out`.

The rows of the sheets later steps add (`rows_written`: the Themes sheet's tens of thousands) are kept the same
way, each with a signature of its values.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path

from ..domain import cycle
from ..domain import model as m
from ..moderation.columns import moderation_columns
from ..moderation.outcome import audit_moderation
from ..register import places
from ..tracker import deflate, sheets
from ..tracker import rows as r
from ..tracker.sheets import Kept, OldSheet, Rendered, Updated
from ..tracker.stream import RowWriter
from . import apart, plan

VERSION = "3"  # of the rows made here (2: with references; 3: with the activity): change it when they change, so kept rows are made again


@dataclass
class AuditFacts:
    """What a run needs of an audit besides its rows: for the summary and the Exceptions sheet."""

    state: str
    returned: bool
    actions: int
    overdue: int
    entries: list[dict] = dc_field(default_factory=list)  # 'Tracker entry' rows about its cells
    valid_until: str | None = None  # ISO date: the rows are good until then (None: until it changes)

    def as_meta(self) -> dict:
        return {**vars(self), "entries": [{k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in e.items()}
                                            for e in self.entries]}

    @classmethod
    def from_meta(cls, meta: dict) -> AuditFacts:
        facts = cls(**meta)
        for e in facts.entries:
            e["Found on"] = dt.date.fromisoformat(e["Found on"]) if e.get("Found on") else None
        return facts


@dataclass
class MadeRows:
    audits: dict[str, dict | Rendered]  # audit id -> its Audits row
    actions: dict[str, dict | Rendered]  # action id -> its Actions row
    facts: dict[str, AuditFacts]  # audit id -> facts, for every audit listed
    rows: dict[str, dict]  # audit id -> its Audits row's values, for those of `make_rows(rows_of=)` made again
    writers: dict = dc_field(default_factory=dict)  # sheet -> (headings, RowWriter, wrapped columns)


KEEP_AT_ONCE = 500  # rows made now kept in the register at a time


def listed(audit: m.RegisteredAudit, library) -> bool:
    """On the Audits sheet: allocated, or returned on a form the specs know."""
    return audit.source != "returned" or (library.get(audit.form_id, audit.form_version) is not None
                                          and audit.current is not None)


def library_signature(library) -> str:
    specs = sorted((spec.id, spec.version, spec.title) for versions in library.forms.values()
                   for spec in versions.values())
    return hashlib.sha256(json.dumps(specs).encode()).hexdigest()[:12]


def make_rows(audits: list[m.RegisteredAudit], old: dict[str, OldSheet], reg, library, styles, colours,
              today: dt.date, reuse: bool, tracker: Path | None = None, rows_of: frozenset[str] = frozenset(),
              spill=None) -> MadeRows:
    """The Audits and Actions rows of every audit listed: kept ones where still good (`reuse`: the tracker
    is as the register last wrote it), the others made now (and kept for the next run). `tracker`: where the
    tracker is (its rows show their files' locations from its folder: `shown_location`); `rows_of`: the audits
    whose rows' values the run needs besides (`MadeRows.rows`; not a year's, held to the end); `spill`: a temporary
    file the rows written wait in (`sheets.Rendered`)."""
    shown = shown_location(tracker)
    chosen = [a for a in audits if listed(a, library)]
    old_audits = old.get(r.AUDITS.name) or OldSheet()
    old_actions = old.get(r.ACTIONS.name) or OldSheet()
    writers, layout = {}, {}
    for sheet, sheet_old in ((r.AUDITS, old_audits), (r.ACTIONS, old_actions)):
        headers = sheets.merged_headers(sheet, sheet_old)
        wrapped = sheets.wrapped_columns(sheet, sheet_old, headers)
        writers[sheet.name] = (headers, RowWriter([sheet.col(h) for h in headers], styles, colours), wrapped)
        layout[sheet.name] = hashlib.sha256(json.dumps([VERSION, headers, wrapped, writers[sheet.name][1].signature(),
                                                        library_signature(library), shown.base]
                                                       ).encode()).hexdigest()[:16]
    revisions = reg.revisions()
    by_case: dict[str, list[str]] = {}
    for aid, (_, case) in revisions.items():
        if case:
            by_case.setdefault(case, []).append(aid)
    case_sig = {case: hashlib.sha256(json.dumps(sorted((aid, revisions[aid][0]) for aid in ids)).encode()).hexdigest()[:12]
                for case, ids in by_case.items()}

    def signature(sheet: str, a: m.RegisteredAudit) -> str:
        rev, case = revisions.get(a.audit_id, (0, ""))
        return f"{layout[sheet]}:{rev}:{case_sig.get(case, '')}"

    signatures = {a.audit_id: signature(r.AUDITS.name, a) for a in chosen}
    action_signatures = {x.action_id: signature(r.ACTIONS.name, a) for a in chosen for x in a.actions}
    kept = reg.rendered(r.AUDITS.name, signatures) if reuse else {}
    kept_actions = reg.rendered(r.ACTIONS.name, action_signatures) if reuse else {}
    special_audits, special_actions = _with_cells(old_audits), _with_cells(old_actions)

    def still_good(a: m.RegisteredAudit) -> bool:
        found = kept.get(a.audit_id)
        if found is None or a.audit_id in special_audits:
            return False
        until = found[4].get("valid_until")
        if until and today > dt.date.fromisoformat(until):
            return False
        return all(x.action_id in kept_actions and x.action_id not in special_actions for x in a.actions)

    made = MadeRows({}, {}, {}, {}, writers)
    again = [a for a in chosen if not still_good(a)]
    made_again = {a.audit_id for a in again}
    for a in chosen:  # (each kept row let go once taken: a year's rows are not held twice)
        if a.audit_id not in made_again:
            data, _, _, _, meta = kept.pop(a.audit_id)
            made.audits[a.audit_id] = Rendered(_xml(data), spill)
            made.facts[a.audit_id] = AuditFacts.from_meta(meta)
            for x in a.actions:
                made.actions[x.action_id] = Rendered(_xml(kept_actions.pop(x.action_id)[0]), spill)
    if not again:
        return made
    cases = {a.case_number for a in again if a.case_number}
    peers = [a for a in audits if a.case_number in cases] + [a for a in again if not a.case_number]
    standings = cycle.standings(peers, library, today)
    # the rows are made here and written (as XML) in worker processes when there are many, a few hundred at a time,
    # while the next are made: `sent` says, in order, which row each written row is
    sent: deque[tuple[str, str, AuditFacts | None]] = deque()
    writing = {name: writers[name] for name in (r.AUDITS.name, r.ACTIONS.name)}

    def tasks() -> Iterator[tuple[dict, list[tuple[str, dict]]]]:
        batch = []
        for a in again:
            spec = library.get(a.form_id, a.form_version)
            standing = standings[a.audit_id]
            done = audit_moderation(a, spec)
            row = r.audit_row(a, standing, spec, moderation_columns(a, library, done),
                              done.auditor_grade if done.moderated else None)
            row.update(a.columns.get(r.AUDITS.name, {}))
            row["Needs attention"] = "\n".join(standing.problems) or None
            if a.audit_id in rows_of:
                made.rows[a.audit_id] = row
            current = a.current
            subject = current.record.subject if current is not None and current.record.subject else a.subject
            action_rows = {x.action_id: r.action_row(x, spec, subject, m.activity_name(a)) for x in a.actions}
            # the next day something of it changes by itself: a step or an open action becomes late
            dates = [d for x in a.actions if cycle.action_open(x) and (d := cycle.action_required_by(spec, x)) and d >= today]
            dates += [s.due for s in standing.steps if s.due and s.due >= today]
            facts = AuditFacts(standing.state, current is not None, len(a.actions),
                               sum(1 for x in a.actions if cycle.action_overdue(spec, x, today)),
                               plan.tracker_entries({r.AUDITS.name: [(a.audit_id, row)],
                                                     r.ACTIONS.name: list(action_rows.items())}, today),
                               min(dates).isoformat() if dates else None)
            made.facts[a.audit_id] = facts
            # a row with something of a person's in the skeleton is laid out with it (`sheets.lay_out`); the others are
            # written (in their place: the dicts keep the order the rows were made in)
            made.audits[a.audit_id] = row_shown = shown(row)
            if a.audit_id not in special_audits:
                sent.append((r.AUDITS.name, a.audit_id, facts))
                batch.append((r.AUDITS.name, row_shown))
            for key, action in action_rows.items():
                made.actions[key] = action
                if key not in special_actions:
                    sent.append((r.ACTIONS.name, key, None))
                    batch.append((r.ACTIONS.name, action))
            if len(batch) >= RENDER_AT_ONCE:
                yield writing, batch
                batch = []
        if batch:
            yield writing, batch

    made_in = {r.AUDITS.name: made.audits, r.ACTIONS.name: made.actions}
    kept_signatures = {r.AUDITS.name: signatures, r.ACTIONS.name: action_signatures}
    keep: dict[str, dict] = {r.AUDITS.name: {}, r.ACTIONS.name: {}}
    for xml in apart.in_order(_render_many, tasks(), len(again) >= WORTH_RENDERING_APART):
        sheet, key, facts = sent.popleft()
        made_in[sheet][key] = Rendered(xml, spill)
        keep[sheet][key] = _kept(kept_signatures[sheet][key], xml, facts)
        if len(keep[sheet]) >= KEEP_AT_ONCE:  # kept a few at a time: a year's rows are not all held twice
            reg.keep_rendered(sheet, keep[sheet])
            keep[sheet] = {}
    for sheet, rows in keep.items():
        reg.keep_rendered(sheet, rows)
    return made


def rows_written(sheet: r.SheetDef, rows: list[tuple[str, dict | Rendered]], old: OldSheet, reg, styles, colours,
                 spill=None) -> tuple[list[tuple[str, dict | Rendered]], RowWriter]:
    """A sheet's rows (`sheets.compose`'s), those of ours with nothing of people's in them as written XML: kept from
    an earlier run where their values are the same, else written now (in worker processes when there are many) and
    kept for the next run; what was kept for rows no longer on the sheet is let go. With the RowWriter they were
    written with, to lay out the others (`book.write`'s `writers`). Rows already written (`Rendered`: those
    `grouped_rows` gives) are left as they are. (`rows` is changed in place: each row's values are let go once it is
    written; `spill`: as `make_rows`'s.)"""
    writing = _sheet_writing(sheet, old, styles, colours)
    headers, writer, _ = writing[sheet.name]
    layout = _layout_signature(writing[sheet.name])
    once = Counter(key for key, _ in rows)
    signatures = {key: f"{layout}:{_values_signature(row, headers)}" for key, row in rows
                  if type(row) is not Rendered and once[key] == 1
                  and not any(type(v) in (Kept, Updated) for v in row.values())}
    kept = reg.rendered(sheet.name, signatures)
    for i, (key, row) in enumerate(rows):
        if key in kept and type(row) is not Rendered:
            rows[i] = (key, Rendered(kept.pop(key)[0], spill))
    todo = [i for i, (key, _) in enumerate(rows) if key in signatures and type(rows[i][1]) is not Rendered]
    keep = {}
    for i, xml in zip(todo, _written(writing, [(sheet.name, rows[i][1]) for i in todo])):
        key = rows[i][0]
        rows[i] = (key, Rendered(xml, spill))
        keep[key] = (signatures[key], xml, 0, 0, 1)
        if len(keep) >= KEEP_AT_ONCE:
            reg.keep_rendered(sheet.name, keep)
            keep = {}
    reg.keep_rendered(sheet.name, keep)
    reg.forget_rendered(sheet.name, set(signatures))
    return rows, writer


def grouped_rows(sheet: r.SheetDef, grouped, old: OldSheet, reg, styles, colours, spill=None
                 ) -> dict[str, dict | Rendered]:
    """A sheet made audit by audit (`learning.run.ThemesSheet`: `audits`, (audit id, signature of what its rows are
    made from); `stale`, those to make again whatever is kept; `rows(audit_ids)`), its rows by key, for
    `sheets.compose`. The rows of an audit with nothing of people's in them (no cell of their columns, in the
    register or the tracker) come written: as kept from an earlier run under the same signature and layout, else
    written now (in worker processes when there are many) and kept, all of the audit's rows as one entry of the
    register (a re-run then goes over the audits, not over every row). The others come as their values with
    people's cells, for `rows_written`. What was kept for audits no longer on the sheet is let go."""
    writing = _sheet_writing(sheet, old, styles, colours)
    layout = _layout_signature(writing[sheet.name])
    cells = reg.tracker_columns(sheet.name)
    marked = set(cells) | {key for key, row, whole in zip(old.keys, old.rows, old.whole) if key and row and not whole}
    store = _by_audit(sheet)
    signatures = dict(grouped.audits)
    kept, unpacked = {}, [None, b""]  # (the rows last unpacked: see `_PackedRows`)
    for audit_id, (data, _, length, _, meta) in reg.rendered(store, signatures).items():
        keys = meta.get("keys", [])
        if audit_id not in grouped.stale and meta.get("layout") == layout and marked.isdisjoint(keys):
            rows = _PackedRows(data, length, meta, len(keys), unpacked)
            if rows.sizes is not None:
                kept[audit_id] = (keys, rows)
    made = grouped.rows({audit_id for audit_id in signatures if audit_id not in kept})
    fresh: dict[str, dict | Rendered] = {}
    plain = []  # (audit id, its rows) written now
    for audit_id, _ in grouped.audits:
        if audit_id in kept:
            keys, rows = kept[audit_id]
            at = 0
            for key, size in zip(keys, rows.sizes):
                fresh[key] = Rendered.held_in(rows, at, size)
                at += size
            continue
        rows = made.get(audit_id, [])
        if marked.isdisjoint(key for key, _ in rows):
            plain.append((audit_id, rows))
        fresh.update((key, {**row, **cells[key]} if key in cells else row) for key, row in rows)
    written = _written(writing, [(sheet.name, row) for _, rows in plain for _, row in rows])
    keep = {}
    for audit_id, rows in plain:
        xml = [next(written) for _ in rows]
        fresh.update((key, Rendered(data, spill)) for (key, _), data in zip(rows, xml))
        whole = b"".join(xml)
        keep[audit_id] = (signatures[audit_id], deflate.packed(whole), 0, len(whole), len(rows),
                          {"layout": layout, "keys": [key for key, _ in rows], "sizes": [len(x) for x in xml]})
        if len(keep) >= KEEP_AT_ONCE:
            reg.keep_rendered(store, keep)
            keep = {}
    reg.keep_rendered(store, keep)
    reg.forget_rendered(store, set(signatures))
    return fresh


class _PackedRows:
    """An audit's rows of a sheet kept written as one entry (`grouped_rows`): `data`, their XML one after the other,
    compressed (`deflate.packed`, kept with its `length` and each row's size in its meta), or as it is (as an earlier
    auditdocs kept them: `_compressed` tells which). `sizes`: each row's, in bytes (None when they are not `count`
    rows: made again). Unpacked only where the tracker is written (`read_at`, as `Rendered.held_in` asks): a year's
    Themes rows are not held, nor written to the run's temporary file, as they are. `last`: the rows of a sheet last
    unpacked, shared by all its audits' entries ([the entry's data, its XML]: an audit's rows are read one after
    another)."""

    def __init__(self, data: bytes, length: int, meta: dict, count: int, last: list):
        self.data, self.last = data, last
        if _compressed(data):
            sizes, whole = meta.get("sizes"), length
        else:
            sizes, whole = [len(row) + len(b"</row>") for row in data.split(b"</row>")[:-1]], len(data)
        self.sizes = sizes if sizes is not None and len(sizes) == count and sum(sizes) == whole else None

    def read_at(self, at: int, size: int) -> bytes:
        if self.last[0] is not self.data:
            self.last[:] = self.data, _xml(self.data)
        return self.last[1][at:at + size]


def kept_keys(reg, sheet: r.SheetDef, audits: list[tuple[str, str]]) -> dict[str, list[str]]:
    """The row keys of each audit of `audits` ((audit id, signature), as `grouped_rows` is given them) whose rows are
    kept written under the same signature: audit id -> its rows' keys."""
    return {audit_id: meta.get("keys", []) for audit_id, meta in reg.rendered_meta(_by_audit(sheet), dict(audits)).items()}


def _by_audit(sheet: r.SheetDef) -> str:
    """Where the register keeps a sheet's rows written audit by audit (`grouped_rows`), beside those kept row by
    row (`rows_written`)."""
    return f"{sheet.name} by audit"


def _sheet_writing(sheet: r.SheetDef, old: OldSheet, styles, colours) -> dict[str, tuple]:
    """{sheet name: (headings, RowWriter, wrapped columns)}, as `_render_many` is given them."""
    headers = sheets.merged_headers(sheet, old)
    wrapped = sheets.wrapped_columns(sheet, old, headers)
    return {sheet.name: (headers, RowWriter([sheet.col(h) for h in headers], styles, colours), wrapped)}


def _layout_signature(writing: tuple) -> str:
    headers, writer, wrapped = writing
    return hashlib.sha256(json.dumps([VERSION, headers, wrapped, writer.signature()]).encode()).hexdigest()[:16]


def _written(writing: dict, rows: list[tuple[str, dict]]) -> Iterator[bytes]:
    """The XML of each (sheet, row) of `rows`, in order: in worker processes when there are many."""
    tasks = ((writing, rows[n:n + RENDER_AT_ONCE]) for n in range(0, len(rows), RENDER_AT_ONCE))
    return apart.in_order(_render_many, tasks, len(rows) >= WORTH_RENDERING_APART)


def _values_signature(row: dict, headers: list[str]) -> str:
    """What a row's XML is written from (with the sheet's layout): its values, in the columns' order."""
    return hashlib.blake2b(repr([row.get(h) for h in headers]).encode("utf-8", "backslashreplace"),
                           digest_size=16).hexdigest()


RENDER_AT_ONCE = 400  # rows written per task of a worker process
WORTH_RENDERING_APART = 1000  # fewer audits than this to make rows for: written here


def _render_many(task: tuple[dict, list[tuple[str, dict]]]) -> list[bytes]:
    """The XML (UTF-8) of each (sheet, row), with each sheet's (headings, RowWriter, wrapped columns)."""
    writing, rows = task
    return [sheets.render_row(row, *writing[sheet]).data for sheet, row in rows]


def shown_location(tracker: Path | None):
    """A row as the tracker shows it: its hidden 'File location' relative to the tracker's folder where the file
    is in the workspace, so that no computer's own paths are written into the tracker (see `register.places`)."""
    base = places.base_of(tracker) if tracker is not None else ""

    def shown(row: dict) -> dict:
        location = row.get(places.LOCATION)
        return {**row, places.LOCATION: places.stored(location, base)} if base and isinstance(location, str) else row

    shown.base = base  # (what the rows kept for the next run depend on)
    return shown


def _with_cells(old: OldSheet) -> set[str]:
    """The keys of our rows that hold something of people's (in any copy of a row that is there twice)."""
    return {k for k, row, whole in zip(old.keys, old.rows, old.whole) if k and row and not whole}


def _kept(signature: str, xml: bytes, facts: AuditFacts | None = None) -> tuple:
    # kept as the XML's bytes, not compressed: a row is small (a kilobyte or two), and compressing a year's rows
    # one by one (and taking them out again on every run) cost more than all else made here
    return (signature, xml, 0, 0, 1, facts.as_meta() if facts else {})


def _xml(kept: bytes) -> bytes:
    """A row's XML (UTF-8) as `_kept` keeps it; compressed (zlib) as an earlier auditdocs kept it (no XML starts
    so)."""
    return deflate.unpacked(kept) if _compressed(kept) else kept


def _compressed(kept: bytes) -> bool:
    """Is kept XML compressed? No XML starts as compressed data does (nor is any compressed data empty)."""
    return kept[:1] not in (b"", b"<")
