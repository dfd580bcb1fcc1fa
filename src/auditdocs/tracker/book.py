"""The tracker as a whole: opening the one there is (quickly, when it is as the register last wrote
it), and writing the new one (see the package docstring)."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import Callable

import openpyxl

from ..errors import UserError
from ..files import LANGUAGE, sha256_of
from . import safety, sheets, stream
from .rows import (
    ABOUT,
    ACTIONS,
    ANSWERS,
    AUDITS,
    CORE_SHEETS,
    DATA_SHEETS,
    JUDGEMENTS,
    LEARNING_LOG,
    SheetDef,
)
from .sheets import OldSheet
from .stream import Fragment, Package, Styles

BIG = (ANSWERS.name, JUDGEMENTS.name)
ABOUT_REGISTER = "The register"  # the About sheet's row naming the register the tracker is written from
ABOUT_REGISTER_SAYS = ": every audit allocated and what happened to it."


@dataclass
class Tracker:
    """A tracker opened for updating: its workbook (the skeleton, or the whole workbook when people
    may have changed it since the register wrote it), its styles, and what it held."""

    path: Path
    wb: openpyxl.Workbook
    styles: Styles
    existed: bool
    sha256: str = ""
    layouts: dict[str, list[str]] | None = None  # the row keys of the skeleton's rows, when opened from one
    old: dict[str, OldSheet] = dc_field(default_factory=dict)

    @property
    def unchanged(self) -> bool:
        """As the register last wrote it: nobody has changed it since."""
        return self.layouts is not None


def open_tracker(path: Path | None, written: Callable[[str], object | None] = lambda sha: None) -> Tracker:
    """The tracker at `path` (after `safety.check_before_update`), or a new one (also for no path: a
    tracker that will not be written). `written(sha256)`: the register's record of a tracker it wrote
    with those bytes (`register.TrackerState`), if any: then the skeleton it kept is opened instead of
    the workbook."""
    if path is None or not path.exists():
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for s in CORE_SHEETS:
            wb.create_sheet(s.name)
        wb.create_sheet(ABOUT)
        wb.properties.title, wb.properties.language = "Audit tracker", LANGUAGE  # for screen readers
        return Tracker(path, wb, Styles(wb), existed=False)
    sha = sha256_of(path)
    state = written(sha)
    if state is not None:
        wb = openpyxl.load_workbook(io.BytesIO(state.skeleton), rich_text=True)
        tracker = Tracker(path, wb, Styles(wb), True, sha, dict(state.layouts))
    else:
        wb = safety.load(path, unless_protected=BIG)
        _own_default_font(wb)
        tracker = Tracker(path, wb, Styles(wb), True, sha)
    if not any(s in wb.sheetnames for s in (AUDITS.name, ACTIONS.name)):
        raise UserError(f"{path} does not look like an auditdocs tracker (it has no Audits or Actions sheet), "
                        "so it was not changed. Give a new file name to start a tracker.")
    for s in DATA_SHEETS:
        if s.name not in wb.sheetnames:
            continue
        ws = wb[s.name]
        heading = s.key[0]
        headings = [" ".join(str(c.value).split()) for c in next(ws.iter_rows(max_row=1), ()) if c.value is not None]
        if headings and heading not in headings:
            raise UserError(
                f"the {s.name} sheet of {path} has no '{heading}' heading in its first row, so its rows cannot "
                f"be matched. If rows were inserted above the headings, delete them; if the heading was renamed, "
                f"change it back to '{heading}'. Then run again. {safety.NOTHING_CHANGED}")
    return tracker


def _own_default_font(wb) -> None:
    """Gnumeric saves its own default font (Sans 10) as the workbook's, and the tracker's font on every cell:
    the tracker's default is put back, so that the rows written now look as the others, and cells that look
    as ours are known as ours (not kept as a person's look, run after run)."""
    from openpyxl.styles.fonts import DEFAULT_FONT
    from openpyxl.utils.indexed_list import IndexedList

    if wb._fonts and wb._fonts[0].name == "Sans":
        wb._fonts = IndexedList([DEFAULT_FONT, *list(wb._fonts)[1:]])


@dataclass
class MadeFrom:
    """What a tracker says of the register it was written from."""

    register: str  # as its About sheet names it
    audit_ids: set[str]  # the audits on its Audits sheet


def made_from(path: Path) -> MadeFrom | None:
    """The register a tracker's About sheet says it is written from, and the audits it lists (None when it
    names no register: not a tracker written from a register, or not a workbook that can be read)."""
    try:
        wb = openpyxl.load_workbook(path, read_only=True)
    except Exception:  # not ours to judge here: opening the tracker for the update says what is wrong
        return None
    try:
        if ABOUT not in wb.sheetnames:
            return None
        for row in wb[ABOUT].iter_rows(max_row=100, max_col=2, values_only=True):
            if len(row) == 2 and row[0] == ABOUT_REGISTER:
                named = str(row[1] or "").split(ABOUT_REGISTER_SAYS, 1)[0]
                break
        else:
            return None
        listed = set()
        if AUDITS.name in wb.sheetnames:  # its first column: the audit id
            listed = {str(v) for (v,) in wb[AUDITS.name].iter_rows(min_row=2, max_col=1, values_only=True) if v}
        return MadeFrom(named, listed)
    finally:
        wb.close()


def read_sheets(tracker: Tracker, known: dict[str, Callable[[str], bool]]) -> dict[str, OldSheet]:
    """What each data sheet holds (see `sheets.read`); `known[sheet](key)`: the register knows the row."""
    for s in DATA_SHEETS:
        if s.name in tracker.wb.sheetnames:
            layout = tracker.layouts.get(s.name, []) if tracker.layouts is not None else None
            tracker.old[s.name] = sheets.read(tracker.wb[s.name], s, tracker.styles, known.get(s.name, lambda k: True),
                                              layout)
        else:
            tracker.old[s.name] = OldSheet()
    return tracker.old


@dataclass
class BigSheet:
    """The rows of a sheet nobody edits, one fragment per audit (see `stream.Fragment`), each numbered for its
    place (`stream.placed`)."""

    fragments: list[Fragment]

    @property
    def count(self) -> int:
        return sum(f.rows for f in self.fragments)


@dataclass
class Written:
    backup: Path | None
    sha256: str
    skeleton: bytes
    layouts: dict[str, list[str]]


class _Book:
    """What `safety.save` writes: the skeleton openpyxl made, with our rows streamed into its sheets. `sha256`: of
    what the last `save` wrote, hashed as it was written (a year's tracker is not read back to hash it)."""

    def __init__(self, skeleton: bytes, parts: dict[str, Callable[[bytes], list[tuple[bytes, int, int]]]]):
        self.skeleton, self.parts = skeleton, parts
        self.sha256 = ""

    def save(self, target: Path) -> None:
        self.sha256 = ""
        with open(target, "wb") as fh:
            hashed = _Hashed(fh)
            package = Package(hashed)
            import zipfile

            with zipfile.ZipFile(io.BytesIO(self.skeleton)) as zf:
                for info in zf.infolist():
                    make = self.parts.get(info.filename)
                    if make is None:
                        package.add_raw(zf, info)
                    else:
                        package.add_pieces(info.filename, make(zf.read(info)))
            package.close()
        self.sha256 = hashed.sha256.hexdigest()


class _Hashed:
    """A file written from start to end (as `Package` writes), hashed as it is."""

    def __init__(self, fh):
        self.fh, self.sha256 = fh, hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        return self.fh.write(data)

    def tell(self) -> int:
        return self.fh.tell()


def write(tracker: Tracker, content: dict[str, list[tuple[str, dict]] | BigSheet], about: list[tuple[str, object]],
          now: dt.datetime, colours=(None,), writers: dict | None = None,
          record: Callable[[Written], None] | None = None, then: Callable[[], None] | None = None) -> Written:
    """Write the tracker: each data sheet's rows (a `BigSheet` for a sheet nobody edits; a sheet not in
    `content` is left out), and the About sheet; the previous tracker is backed up first, and the new one replaces it whole (`safety.save`).
    `colours`: those the rows' graded values may have (scales' and states'); `writers`: the RowWriter
    each sheet's rows already written (`sheets.Rendered`) were written with; `record(written)`: called
    when the new tracker is whole, just before it replaces the old one (to record it in the register's
    transaction, so that only the commit is left between the two); `then()`: called when it has replaced the old
    one (to commit that transaction: if it fails, the old tracker is put back). Each sheet's XML is compressed here
    as it is made, as one stream (`squeezed_here`): at ISA-L's speed a year's Audits, Actions and Themes sheets
    (a hundred megabytes and more) take a tenth of a second, less than handing them to worker processes would."""
    wb, styles = tracker.wb, tracker.styles
    laid: dict[str, tuple[SheetDef, sheets.LaidOut, BigSheet | None]] = {}
    for s in DATA_SHEETS:
        if s.name not in content:  # a sheet of MORE_SHEETS with no rows yet
            continue
        if s.name in wb.sheetnames:
            ws = wb[s.name]
        else:  # before the About sheet
            ws = wb.create_sheet(s.name, wb.sheetnames.index(ABOUT) if ABOUT in wb.sheetnames else None)
        rows = content[s.name]
        old = tracker.old.get(s.name) or OldSheet()
        if isinstance(rows, BigSheet):
            laid[s.name] = (s, sheets.lay_out(ws, s, old, [], styles, count=rows.count, colours=colours), rows)
        else:
            laid[s.name] = (s, sheets.lay_out(ws, s, old, rows, styles, colours=colours,
                                              writer=(writers or {}).get(s.name)), None)
        headers, n = laid[s.name][1].headers, (rows.count if isinstance(rows, BigSheet) else len(rows))
        if s is ACTIONS:
            sheets.mark_actions(ws, headers, n)
        elif s is AUDITS:
            sheets.mark_audits(ws, headers, n)
        elif s.name == LEARNING_LOG.name:
            sheets.mark_actions(ws, headers, n, due_heading="Due")
        else:
            sheets.mark_choices(ws, s, headers, n)
    about_ws = wb[ABOUT] if ABOUT in wb.sheetnames else wb.create_sheet(ABOUT)
    sheets.write_about(about_ws, about, styles)
    out = io.BytesIO()
    wb.save(out)
    skeleton = out.getvalue()
    import zipfile

    with zipfile.ZipFile(io.BytesIO(skeleton)) as zf:
        part_of = safety._sheet_parts(zf)
    parts = {}
    for name, (s, done, big) in laid.items():
        width = len(done.headers)
        if big is not None:
            parts[part_of[name]] = lambda xml, big=big, width=width: stream.big_sheet_pieces(xml.decode("utf-8"),
                                                                                             big.fragments, width)
        else:
            parts[part_of[name]] = lambda xml, done=done, width=width: squeezed_here(
                stream.merged_sheet(xml.decode("utf-8"), done.body, done.writer, width))
    layouts = {name: done.keys for name, (_, done, big) in laid.items() if big is None}
    written = Written(None, "", skeleton, layouts)

    made = _Book(skeleton, parts)

    def ready(new: Path) -> None:
        written.sha256 = made.sha256 or sha256_of(new)
        if record is not None:
            record(written)

    written.backup = safety.save(made, tracker.path, now, ready, then)
    return written


def squeezed_here(chunks) -> list[tuple[bytes, int, int]]:
    """A sheet's XML, in pieces, compressed as one stream (one piece)."""
    squeeze = stream.Compressed()
    for chunk in chunks:
        squeeze.write(chunk)
    return [squeeze.piece()]
