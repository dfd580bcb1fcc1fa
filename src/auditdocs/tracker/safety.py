"""Writing the tracker safely: never over a workbook that is open, unreadable, or
holds things openpyxl would silently drop; always with a backup and an atomic rename.
"""
from __future__ import annotations

import datetime as dt
import glob
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

import openpyxl
from lxml import etree

from ..budgets import CELL_CHARS, TRACKER_BYTES
from ..errors import UserError
from ..files import make_folder, set_mode_like, why_not_written
from ..forms.ooxml import NS
from ..forms.safezip import too_big

KEEP_BACKUPS = 10
NOTHING_CHANGED = "The tracker was not changed."

# Parts of a workbook that openpyxl cannot keep: (path prefix, what it is, what to do).
UNSUPPORTED_PARTS = [
    ("xl/charts/", "charts",
     "move the charts to another workbook that reads from the tracker, or delete them"),
    ("xl/chartsheets/", "chart sheets",
     "move the chart sheets to another workbook that reads from the tracker, or delete them"),
    ("xl/drawings/drawing", "pictures, shapes or text boxes",
     "move them to another workbook, or delete them"),
    ("xl/media/", "pictures", "move them to another workbook, or delete them"),
    ("xl/pivotCache/", "pivot tables",
     "build pivot tables in a separate workbook that uses the tracker as its data, and delete them here"),
    ("xl/pivotTables/", "pivot tables",
     "build pivot tables in a separate workbook that uses the tracker as its data, and delete them here"),
    ("xl/vbaProject.bin", "macros", "keep macros in a separate .xlsm workbook; the tracker must stay a plain .xlsx"),
    ("xl/slicers/", "slicers", "remove the slicers (the filter buttons on each table do the same job)"),
    ("xl/slicerCaches/", "slicers", "remove the slicers (the filter buttons on each table do the same job)"),
    ("xl/timelines/", "timelines", "remove the timelines (filter the date columns instead)"),
    ("xl/timelineCaches/", "timelines", "remove the timelines (filter the date columns instead)"),
    ("xl/externalLinks/", "links to other workbooks",
     "in Excel use Data > Edit Links > Break Link, or move those formulas to another workbook"),
    ("xl/connections.xml", "data connections or queries", "move the queries to another workbook"),
    ("xl/queryTables/", "data connections or queries", "move the queries to another workbook"),
    ("xl/ctrlProps/", "buttons or form controls", "delete them, or move them to another workbook"),
    ("xl/activeX/", "buttons or form controls", "delete them, or move them to another workbook"),
    ("xl/embeddings/", "embedded objects or files", "delete them, or move them to another workbook"),
    ("xl/richData/", "pictures placed in cells, or linked data types (stocks, geography)",
     "move them to another workbook, or convert them to text"),
    ("xl/metadata.xml", "formulas that spill into several cells (such as FILTER, UNIQUE or SORT), or linked data types",
     "move those formulas to another workbook that reads from the tracker"),
    ("xl/model/", "a Power Pivot data model", "build it in a separate workbook that uses the tracker as its data"),
    ("xl/threadedComments/", "threaded comments",
     "in Excel use Review > Notes > Convert to Notes (notes are kept), then save"),
]
# Newer-Excel features stored in a worksheet's <extLst>, by the element inside <ext>.
EXTENSIONS = {
    "dataValidations": ("drop-down lists that take their items from another sheet",
                        "give the list a name (Formulas > Define Name) and use that name as the drop-down's source, "
                        "or type the items in the source box"),
    "conditionalFormattings": ("conditional formatting that needs a newer Excel (data bars, icon sets, "
                               "or rules that refer to another sheet)",
                               "remove it (Home > Conditional Formatting > Clear Rules > from This Sheet)"),
    "sparklineGroups": ("sparklines", "delete them, or move them to another workbook"),
    "slicerList": ("slicers", "remove the slicers (the filter buttons on each table do the same job)"),
}


def lock_files(path: Path) -> list[Path]:
    """Excel's `~$name` (and LibreOffice's `.~lock.name#`) beside the file, if any."""
    names = {f"~${path.name}", f"~${path.name[2:]}", f".~lock.{path.name}#"}
    return [path.parent / n for n in sorted(names) if (path.parent / n).exists()]


def can_write(path: Path) -> bool:
    return os.access(path, os.W_OK)


def check_before_update(path: Path, written=None) -> None:
    """Stop with a message (changing nothing) if the tracker cannot be safely updated. `written(path)`:
    whether the tracker is as the register last wrote it (then it holds nothing openpyxl would drop)."""
    if path.suffix.lower() != ".xlsx":
        raise UserError(f"the tracker must be an Excel .xlsx file; '{path.name}' is not. Give a name ending in .xlsx.")
    if path.exists() and not path.is_file():
        raise UserError(f"'{path}' is a folder, not a tracker file. Give a file name ending in .xlsx.")
    locks = lock_files(path)
    if locks:
        raise UserError(
            f"the tracker {path} is open in Excel or LibreOffice (lock file {locks[0].name} beside it). "
            f"Close it (and wait for colleagues to close it) and run again. {NOTHING_CHANGED}\n"
            f"If nobody has it open, the program may have crashed: delete {locks[0].name} and run again."
        )
    folder = path.parent
    if not folder.is_dir():
        raise UserError(f"there is no folder '{folder}' for the tracker {path.name}. Check the name, or make "
                        f"the folder first; nothing was written.")
    if path.exists() and not can_write(path):
        raise UserError(f"the tracker {path} is read-only, so it cannot be updated. "
                        f"Make it writable (or copy it somewhere you can write) and run again. {NOTHING_CHANGED}")
    if not can_write(folder):
        raise UserError(f"you cannot save files in the folder {folder}, so the tracker cannot be written there. "
                        f"Choose a folder you can write to. {NOTHING_CHANGED}")
    if path.exists() and not (written and written(path)):
        problems = unsupported_content(path)
        if problems:
            raise UserError(
                f"the tracker {path} holds things this tool cannot keep; updating it would drop them:\n"
                + "\n".join(f"  - {p}" for p in problems)
                + f"\n{NOTHING_CHANGED} Do that, save the workbook, and run again."
            )


def _unreadable(path: Path, why: str) -> UserError:
    return UserError(
        f"the tracker {path} cannot be read ({why}). {NOTHING_CHANGED}\n"
        f"Restore a good copy from the folder '{backup_folder(path).name}' beside it, "
        "or give another --tracker name to start a new tracker."
    )


def refuse_huge(path: Path, zf: zipfile.ZipFile) -> None:
    """A tracker that would unpack to more than TRACKER_BYTES, or with a cell longer than Excel can hold (a
    crafted file: reading it would take minutes or gigabytes), is refused before openpyxl reads it."""
    problem = too_big(zf.infolist(), "tracker", TRACKER_BYTES, ratio=False)
    if problem:
        raise _unreadable(path, problem.rstrip("."))
    if "xl/sharedStrings.xml" in zf.namelist():
        with zf.open("xl/sharedStrings.xml") as part:
            for _, si in etree.iterparse(part, tag=f"{{{SML}}}si", huge_tree=True, resolve_entities=False,
                                         no_network=True):
                if sum(len(t.text or "") for t in si.iter(f"{{{SML}}}t")) > CELL_CHARS:
                    raise _unreadable(path, f"a cell holds more text than Excel can hold in a cell ({CELL_CHARS:,} "
                                            "characters), so it was not saved by Excel")
                si.clear()


def unsupported_content(path: Path) -> list[str]:
    """What in this workbook openpyxl would drop: one line per kind, with what to do.

    Looks at the zip parts and the worksheets' XML only (never loads the workbook).
    """
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _unreadable(path, "it is password-protected, or an old .xls file renamed to .xlsx")
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if "xl/workbook.xml" not in names:
                raise _unreadable(path, "it is not an Excel workbook")
            refuse_huge(path, zf)
            found: dict[str, str] = {}
            for name in names:
                for prefix, what, todo in UNSUPPORTED_PARTS:
                    if name.startswith(prefix) and what not in found:
                        found[what] = todo
            for sheet, part in _sheet_parts(zf).items():
                if part not in names:
                    continue
                data = zf.read(part)
                if b"extLst" not in data:
                    continue
                for kind in _extensions(data):
                    what, todo = EXTENSIONS.get(kind, (f"features of a newer Excel ({kind})",
                                                       "remove them, or move them to another workbook"))
                    found.setdefault(f"{what} on the sheet '{sheet}'", todo)
    except (zipfile.BadZipFile, etree.XMLSyntaxError, KeyError, OSError, EOFError) as exc:
        raise _unreadable(path, f"it is damaged: {exc}") from None
    return [f"{what}: {todo}." for what, todo in found.items()]


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
R_NS, SML = NS["r"], NS["x"]


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> worksheet part path, from the workbook and its relationships."""
    book = etree.fromstring(zf.read("xl/workbook.xml"), _PARSER)
    rels = etree.fromstring(zf.read("xl/_rels/workbook.xml.rels"), _PARSER)
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    out = {}
    for sheet in book.iter("{*}sheet"):
        target = targets.get(sheet.get(f"{{{R_NS}}}id"), "")
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        out[sheet.get("name", "")] = os.path.normpath(part).replace(os.sep, "/")
    return out


def _extensions(data: bytes) -> list[str]:
    root = etree.fromstring(data, _PARSER)
    kinds = []
    for ext_list in root.findall("{*}extLst"):
        for ext in ext_list:
            for child in ext:
                kinds.append(etree.QName(child).localname)
    return kinds


def load(path: Path, unless_protected: tuple[str, ...] = ()) -> openpyxl.Workbook:
    """The existing tracker, loaded (after `check_before_update`); the rows of the sheets named in
    `unless_protected` are left out when the sheet is still protected (nobody can have changed them)."""
    try:
        with zipfile.ZipFile(path) as zf:
            refuse_huge(path, zf)
        source = _protected_rows_left_out(path, unless_protected) if unless_protected else path
        return openpyxl.load_workbook(source, rich_text=True)
    except UserError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise _unreadable(path, f"it is damaged: {exc}") from None


_PROTECTED = re.compile(rb"<(?:\w+:)?sheetProtection\b[^>]*\bsheet=\"(?:1|true)\"")


def _protected_rows_left_out(path: Path, names: tuple[str, ...]):
    """A copy of the workbook (in memory) whose protected sheets among `names` have no rows."""
    import io

    from .stream import Package

    with zipfile.ZipFile(path) as zf:
        parts = _sheet_parts(zf)
        wanted = {parts[n] for n in names if n in parts}
        out = io.BytesIO()
        package = Package(out)
        for info in zf.infolist():
            emptied = _without_rows(zf, info) if info.filename in wanted else None
            if emptied is not None:
                package.add(info.filename, emptied)
            else:
                package.add_raw(zf, info)
        package.close()
    out.seek(0)
    return out


def _without_rows(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """A sheet's XML without its rows, if the sheet is protected (read as it streams: it may be large)."""
    head, tail, state, carry = [], [], "head", b""
    with zf.open(info) as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            data = carry + chunk
            if state == "head":
                at = data.find(b"<sheetData")
                if at < 0:
                    head.append(data[:-16])
                    carry = data[-16:]
                    continue
                end = data.find(b">", at)
                if end < 0:
                    head.append(data[:at])
                    carry = data[at:]
                    continue
                head.append(data[:at])
                if data[end - 1:end] == b"/":
                    return None  # no rows anyway
                state, data = "rows", data[end + 1:]
            if state == "rows":
                at = data.find(b"</sheetData>")
                if at < 0:
                    carry = data[-16:]
                    continue
                state, data = "tail", data[at + len(b"</sheetData>"):]
            tail.append(data)
            carry = b""
    if state != "tail":
        return None
    rest = b"".join(tail) + carry
    if not _PROTECTED.search(rest):
        return None
    return b"".join(head) + b"<sheetData/>" + rest


# ---- backup and atomic write ---------------------------------------------------


def backup_folder(path: Path) -> Path:
    return path.parent / f"{path.stem} backups"


def backup(path: Path, now: dt.datetime) -> Path | None:
    """Copy the tracker to '<stem> backups/<stem> yyyy-mm-dd hh-mm-ss.xlsx' (see `prune_backups`)."""
    if not path.exists():
        return None
    folder = backup_folder(path)
    folder.mkdir(mode=0o700, exist_ok=True)  # backups hold personal data: their owner's only
    stamp = now.strftime("%Y-%m-%d %H-%M-%S")
    target, n = folder / f"{path.stem} {stamp}{path.suffix}", 1
    while target.exists():
        n += 1
        target = folder / f"{path.stem} {stamp} ({n}){path.suffix}"
    new = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)  # owner only
    try:
        with open(path, "rb") as old, open(new, "wb") as copy:
            shutil.copyfileobj(old, copy)
    except BaseException:
        target.unlink(missing_ok=True)  # never half a backup
        raise
    return target


def prune_backups(path: Path) -> None:
    """Keep the last 10 backups of the tracker."""
    folder = backup_folder(path)
    if not folder.is_dir():
        return
    stamp_re = r" (\d{4}-\d\d-\d\d \d\d-\d\d-\d\d)(?: \((\d+)\))?"
    pattern = re.compile(re.escape(path.stem) + stamp_re + re.escape(path.suffix) + "$")
    ours = []
    for f in folder.iterdir():
        m = pattern.match(f.name)
        if m:
            ours.append(((m[1], int(m[2] or 1)), f))
    for _, old in sorted(ours)[:-KEEP_BACKUPS]:
        old.unlink(missing_ok=True)


def save_workbook(wb, target: Path) -> None:
    """Write the workbook to `target` (a separate function so tests can make it fail)."""
    wb.save(target)


def save(wb, path: Path, now: dt.datetime, ready=None, then=None) -> Path | None:
    """Back up the old tracker, write the new one to a temporary file beside it, then rename it over.
    `ready(temporary path)` is called when the new one is whole, just before the rename (an exception
    there leaves the old tracker in place); `then()` just after it (an exception there puts the old
    tracker back: the tracker changes only if what `then` does succeeds, as committing the register)."""
    prefix = f".~auditdocs-{path.stem}-"
    saved = tmp = previous = None
    new_folder = not backup_folder(path).exists()
    try:
        try:
            make_folder(path.parent)
            for leftover in path.parent.glob(glob.escape(prefix) + "*.xlsx"):  # of a run stopped as it wrote this
                leftover.unlink(missing_ok=True)  # tracker (a copy of its personal data, in a hidden file)
            saved = backup(path, now)
            fd, tmp_name = tempfile.mkstemp(prefix=prefix, suffix=".xlsx", dir=path.parent)
            os.close(fd)
            tmp = Path(tmp_name)
            save_workbook(wb, tmp)
            set_mode_like(tmp, path, private=True)
            if ready is not None:
                ready(tmp)
            previous = _keep_previous(path, prefix) if then is not None else None
        except OSError as exc:
            raise UserError(f"the tracker could not be updated: {why_not_written(exc, exc.filename or path)}. "
                            f"{NOTHING_CHANGED}") from None
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise UserError(f"the tracker {path} could not be replaced by the new one ({exc.strerror or exc}): "
                            "check that it is not open in another program and that you may write in its folder. "
                            f"{NOTHING_CHANGED}") from None
        tmp = None
        if then is not None:
            try:
                then()
            except BaseException:
                try:
                    _put_back(path, previous)
                except OSError as exc:
                    saved = previous = None  # the only copies of the tracker as it was: kept
                    raise UserError(f"the update failed, and the tracker {path} could not be put back as it was "
                                    f"({exc.strerror or exc}): its previous version is kept in "
                                    f"{backup_folder(path)} (the latest there). Copy it over the tracker.") from None
                raise
    except BaseException:
        for made in (tmp, saved, previous):  # a run that failed leaves no copy of its own
            if made is not None:
                made.unlink(missing_ok=True)
        if new_folder:
            try:
                backup_folder(path).rmdir()
            except OSError:
                pass
        raise
    if previous is not None:
        previous.unlink(missing_ok=True)
    prune_backups(path)
    return saved


def _keep_previous(path: Path, prefix: str) -> Path | None:
    """The tracker as it is, kept under another name beside it until the new one is in place for good: a
    second name for the same file where the file system allows it (no space taken), else a copy."""
    if not path.exists():
        return None
    previous = path.with_name(f"{prefix}previous{path.suffix}")
    previous.unlink(missing_ok=True)
    try:
        os.link(path, previous)
    except OSError:
        shutil.copy2(path, previous)
    return previous


def _put_back(path: Path, previous: Path | None) -> None:
    """The tracker as it was before `save` replaced it (a new one removed)."""
    if previous is None:
        path.unlink(missing_ok=True)
    else:
        os.replace(previous, path)
