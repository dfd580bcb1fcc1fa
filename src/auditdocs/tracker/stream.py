"""The tracker's rows as SpreadsheetML of our own, put into the workbook openpyxl writes around them.

openpyxl writes the *skeleton*: every sheet with its headings, widths, frozen panes, print setup,
tables, drop-downs, conditional formats, people's own sheets, and only those cells of the rows that
openpyxl must write because they carry something of a person's (a note, a link, a formula, a look of
their own). Every other cell of the rows is written here, straight to XML: inline strings, the few
styles the rows use (registered once in the workbook through `Styles`, so that styles.xml holds them),
numbers and dates as Excel keeps them. `assemble` then writes the final package: each data sheet's
rows merged, row by row and column by column, with the skeleton's cells.

Every row and cell carries its reference (`r`): the standard allows leaving them out, and Excel and
LibreOffice cope, but Gnumeric drops such cells, and a manager's edits made there would be lost. A row
written before its place in the sheet is known (kept in the register, or one audit's rows of a sheet
nobody edits, `SheetDef.big`, one compressed piece per audit, `Fragment`) holds ROW where its number goes,
and gets the number when the sheet is put together (`numbered`). An audit's fragment is kept (in the
register) numbered for its place, and used again as it is while it stays there (`placed`): the pieces
are joined without compressing them again (a deflate stream may be cut after a flush).
"""
from __future__ import annotations

import datetime as dt
import re
import struct
import time
import zipfile
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Iterator

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from ..contrast import WHITE, text_on
from ..files import MAX_CELL_TEXT, cell_safe, looks_like_formula
from ..forms.textwidth import CELL_PADDING, cell_height, column_points
from . import deflate
from .rows import Col, Graded

DATE_FORMAT = "DD/MM/YYYY"
MONTH_FORMAT = "MMM YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
TOP = Alignment(vertical="top")
WRAP = Alignment(vertical="top", wrap_text=True)
FONT_SIZE = 11  # the workbook's own font (Calibri; LibreOffice may show a wider one, so rows get room to spare)
SPARE = 0.8
MAX_ROW_HEIGHT = 409  # Excel's limit, in points
COMPRESSION = 6


# ---- styles ----------------------------------------------------------------------


@dataclass(frozen=True)
class StyleKey:
    """What the look of one of our cells depends on."""

    wrap: bool = False
    number_format: str = ""
    fill: str = ""  # RRGGBB of a solid fill
    dark: bool = False  # white text on the fill
    quote: bool = False  # text that would start a formula: Excel keeps it text when edited


def style_key(col: Col | None, value) -> StyleKey:
    """The style our writer gives `value` in a cell of column `col` (None: a column of people's own)."""
    kind = col.kind if col else "text"
    if isinstance(value, Graded):
        rgb = value.colour.lstrip("#").upper() if value.colour else ""
        return StyleKey(kind == "long", "", rgb, bool(rgb) and is_dark(rgb), looks_like_formula(value.label))
    if isinstance(value, dt.datetime) and kind not in ("date", "month"):
        return StyleKey(kind == "long", DATETIME_FORMAT)
    if kind in ("date", "month") or isinstance(value, dt.date):
        return StyleKey(kind == "long", MONTH_FORMAT if kind == "month" else DATE_FORMAT)
    return StyleKey(kind == "long", "", "", False, isinstance(value, str) and looks_like_formula(value))


def value_kind(value):
    """What the style of a cell depends on in a value (see `fragments.SheetRows`)."""
    kind = type(value)
    if kind is str:
        return "=" if value[:1] in _MAYBE_FORMULA and looks_like_formula(value) else "s"
    if kind is Graded:
        return "g", value.colour, value.label[:1] in _MAYBE_FORMULA and looks_like_formula(value.label)
    return kind.__name__


@lru_cache(maxsize=1024)
def is_dark(rgb: str) -> bool:
    """White text reads better on it than black (WCAG contrast)."""
    return text_on(rgb) == WHITE


class Styles:
    """Our cell styles in a workbook: `index(key)` is the style's number in styles.xml (openpyxl writes
    every style the workbook lists, in order). `is_ours(cell)` tells a cell that looks as we write it
    from one a person formatted."""

    def __init__(self, wb):
        self.wb = wb
        self._index: dict[StyleKey, int] = {}
        self._ours: set[tuple] = {signature_of_style(wb, wb._cell_styles[0])}
        self._seen: dict[tuple, bool] = {}
        self._fast: dict[tuple, int] = {}
        self._cols: dict[int, Col | None] = {}

    def index(self, key: StyleKey) -> int:
        found = self._index.get(key)
        if found is None:
            cell = Cell(self.wb.worksheets[0])
            cell.alignment = WRAP if key.wrap else TOP
            if key.number_format:
                cell.number_format = key.number_format
            if key.fill:
                cell.fill = PatternFill("solid", fgColor=key.fill)
                cell.font = Font(color="FFFFFF" if key.dark else "000000")
            if key.quote:
                cell.quotePrefix = True
            found = self._index[key] = self.wb._cell_styles.add(cell._style)
            self._ours.add(signature_of_style(self.wb, cell._style))
        return found

    def of(self, col: Col | None, value) -> int:
        """The style of `value` in a cell of `col` (worked out once per column and kind of value)."""
        kind = type(value)
        if kind is str:
            fast = (id(col), "=" if value[:1] in _MAYBE_FORMULA and looks_like_formula(value) else "")
        elif kind is Graded:
            fast = (id(col), value.colour, value.label[:1] in _MAYBE_FORMULA and looks_like_formula(value.label))
        else:
            fast = (id(col), kind)
        found = self._fast.get(fast)
        if found is None:
            found = self._fast[fast] = self.index(style_key(col, value))
            self._cols[id(col)] = col  # kept alive, so that its id stays its own
        return found

    def is_ours(self, style) -> bool:
        """Whether a cell's look (its StyleArray) is one our writer gives (or the default look): nothing of
        a person's."""
        key = tuple(style)
        found = self._seen.get(key)
        if found is None:
            signature = signature_of_style(self.wb, style)
            found = self._seen[key] = signature in self._ours or self._would_give(signature)
        return found

    def _would_give(self, signature: tuple) -> bool:
        """Whether the style is one `index` makes (asked of a workbook written earlier, whose styles.xml
        Excel or LibreOffice may have renumbered)."""
        font, fill, _, align, number_format, _, quote = signature
        formats = {f.lower(): f for f in (DATE_FORMAT, MONTH_FORMAT, DATETIME_FORMAT)}
        if number_format not in formats and number_format != "general":
            return False
        solid = fill[0] == "solid" and fill[1]
        key = StyleKey(align[2], formats.get(number_format, ""), fill[1] if solid else "",
                       bool(solid) and font[4] == "FFFFFF", quote)
        return signature_of_style(self.wb, self.wb._cell_styles[self.index(key)]) == signature


def signature_of_style(wb, style) -> tuple:
    """What a person sees of a style: font, fill, borders, alignment, number format, protection; colours by
    their RGB (Excel and LibreOffice write the alpha differently). What looks the same is the same:
    Gnumeric gives every cell it saves a solid white fill, black text in the default font on the baseline,
    not struck through, and 'general' alignment, which look as the defaults."""
    font = wb._fonts[style.fontId]
    fill = wb._fills[style.fillId]
    border = wb._borders[style.borderId]
    align = wb._alignments[style.alignmentId]
    protection = wb._protections[style.protectionId]
    number_format = _number_format(wb, style.numFmtId)
    paint = (getattr(fill, "patternType", None), _rgb(getattr(fill, "fgColor", None)))
    colour, default = _rgb(font.color), wb._fonts[0]  # a font without a name or size has the default's
    return (
        (bool(font.b), bool(font.i), None if font.u == "none" else font.u, bool(font.strike),
         None if colour == "000000" else colour, font.sz or default.sz, font.name or default.name,
         None if font.vertAlign == "baseline" else font.vertAlign),
        (None, None) if paint == ("solid", "FFFFFF") or not paint[0] else paint,
        tuple((side.style if side else None) for side in (border.left, border.right, border.top, border.bottom)),
        (None if align.horizontal == "general" else align.horizontal, align.vertical or "bottom",
         bool(align.wrap_text), align.indent, align.textRotation),
        number_format.lower(), (protection.locked, protection.hidden), bool(style.quotePrefix),
    )


def _number_format(wb, num_fmt_id: int) -> str:
    from openpyxl.styles.numbers import BUILTIN_FORMATS

    if num_fmt_id < 164:
        return BUILTIN_FORMATS.get(num_fmt_id, "General")
    return wb._number_formats[num_fmt_id - 164]


def _rgb(color) -> str | None:
    rgb = getattr(color, "rgb", None)
    return rgb[-6:].upper() if isinstance(rgb, str) else None


# ---- cells and rows ------------------------------------------------------------------


def _escaped(text: str) -> str:
    """Text as XML character data (what str.translate gave with a table of these four, several times quicker
    on long texts)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


#: A character `cell_safe` takes out (`files.ILLEGAL_CHARACTERS_RE`) or `_escaped` writes otherwise.
_TO_CHANGE = re.compile(r"[\000-\010\013\014\016-\037&<>\r]").search

_MAYBE_FORMULA = frozenset("=+-@ \t\r\n\xa0")


def cell_xml(value, style: int, ref: str = "") -> str:
    """One cell: text as an inline string (never a formula), numbers and dates as numbers."""
    r = f' r="{ref}"' if ref else ""
    s = f' s="{style}"' if style else ""
    if value is None or value == "":
        return f"<c{r}{s}/>"
    if isinstance(value, Graded):
        value = value.label
    if isinstance(value, str):
        # one look first: most texts (long answers too) have nothing for `cell_safe` or `_escaped` to change
        plain = len(value) <= MAX_CELL_TEXT and not _TO_CHANGE(value)
        text = value if plain else cell_safe(value)
        space = ' xml:space="preserve"' if text.strip() and text != text.strip() else ""
        return f'<c{r}{s} t="inlineStr"><is><t{space}>{text if plain else _escaped(text)}</t></is></c>'
    if isinstance(value, bool):
        return f'<c{r}{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        value = to_excel(value)
    if isinstance(value, (int, float)):
        return f'<c{r}{s} t="n"><v>{value:.16g}</v></c>' if isinstance(value, float) else f'<c{r}{s} t="n"><v>{value}</v></c>'
    return cell_xml(str(value), style, ref)


def row_height(texts: Iterable[tuple[str, float]], bold: bool = False) -> float | None:
    """The height a row needs for its wrapped texts ((text, column width) pairs), None when one line does."""
    height = 0.0
    for text, width in texts:
        if len(text) <= _one_line(width) and "\n" not in text:
            continue  # one line, even in wide letters
        measured = _cell_height if len(text) <= SEEN_AGAIN else _cell_height.__wrapped__  # an answer: not kept
        height = max(height, measured(text, width, bold))
        if height >= MAX_ROW_HEIGHT:
            break  # as tall as a row can be
    return min(height, MAX_ROW_HEIGHT) if height > 15 else None


@lru_cache(maxsize=256)
def _one_line(width: float) -> int:
    """How many letters surely fit on one line of a column `width` characters wide (at an 'M' each)."""
    return int((column_points(width) - CELL_PADDING) * SPARE / (0.833 * FONT_SIZE))


#: The texts that come back are the forms' own (questions, sections: a few hundred), each seen again within a few
#: forms; an answer's text is seen once. So some thousands are kept, not a year's answers (up to 3,000 characters
#: each: hundreds of megabytes in every process that reads forms), and no text longer than SEEN_AGAIN.
@lru_cache(maxsize=8192)
def _cell_height(text: str, width: float, bold: bool) -> float:
    return cell_height(text, width, FONT_SIZE, bold, spare=SPARE, tallest=MAX_ROW_HEIGHT)


#: Texts longer than this are answers (seen once): kept in no cache (`_cell_height`, `RowWriter`'s memo), where they
#: would only take memory and slow every allocation after.
SEEN_AGAIN = 400


#: Where a row's number goes in a row written before its place is known (no cell's text can hold it: XML
#: forbids the character, and `cell_safe` takes it out).
ROW = "\x00"


def row_xml(cells: str, height: float | None, r: int | str = ROW) -> str:
    ht = f' ht="{height:g}" customHeight="1"' if height else ""
    return f'<row r="{r}"{ht}>{cells}</row>'


def numbered(rows_xml: str, first: int) -> str:
    """Rows written with ROW for their numbers (each of their cells too), numbered from `first` on."""
    if ROW not in rows_xml:
        return rows_xml
    rows = rows_xml.split("</row>")  # no text holds it: `<` is always escaped
    return "</row>".join([row.replace(ROW, str(n)) for n, row in enumerate(rows[:-1], start=first)] + rows[-1:])


@dataclass
class Fragment:
    """Rows of one audit, without references, compressed on their own (a raw deflate stream cut after
    a flush): `rows` rows, `length` bytes of XML whose CRC-32 is `crc`."""

    data: bytes
    crc: int
    length: int
    rows: int


def fragment(xml: str, rows: int) -> Fragment:
    raw = xml.encode("utf-8")
    return Fragment(deflate.piece(raw), deflate.crc32(raw), len(raw), rows)


# ---- the package -------------------------------------------------------------------

def crc_combine(crc1: int, crc2: int, len2: int) -> int:
    """The CRC-32 of A + B from A's and B's (B `len2` bytes long). Without its pre- and post-inversion, CRC-32
    is linear: A's CRC moved on over `len2` zero bytes, XOR B's. Moving it on over 2**k zero bytes is a 32 x 32
    matrix over GF(2), kept as four byte tables (`_ADVANCE`); one per bit of `len2` is applied (a few
    microseconds, where running CRC-32 over the zeros took a pass over each piece's length: a year's big sheets,
    hundreds of megabytes, on every run)."""
    crc, k = crc1, 0
    while len2:
        if len2 & 1:
            t0, t1, t2, t3 = _advance(k)
            crc = t0[crc & 0xFF] ^ t1[(crc >> 8) & 0xFF] ^ t2[(crc >> 16) & 0xFF] ^ t3[crc >> 24]
        len2 >>= 1
        k += 1
    return crc ^ crc2


_ADVANCE: list[tuple[list[int], ...]] = []  # k -> the byte tables moving a CRC on over 2**k zero bytes


def _advance(k: int) -> tuple[list[int], ...]:
    while len(_ADVANCE) <= k:
        if not _ADVANCE:  # one zero byte, from zlib itself: L(c) = ~crc32(b"\0", ~c)
            columns = [zlib.crc32(b"\0", (1 << i) ^ 0xFFFFFFFF) ^ 0xFFFFFFFF for i in range(32)]
        else:  # twice as many as the last: that matrix squared
            last = _ADVANCE[-1]

            def apply(c: int, t=last) -> int:
                return t[0][c & 0xFF] ^ t[1][(c >> 8) & 0xFF] ^ t[2][(c >> 16) & 0xFF] ^ t[3][c >> 24]

            columns = [apply(apply(1 << i)) for i in range(32)]
        tables = []
        for byte in range(4):
            table = [0] * 256
            for x in range(1, 256):  # each value: the one without its lowest bit, XOR that bit's column
                low = (x & -x).bit_length() - 1
                table[x] = table[x & (x - 1)] ^ columns[8 * byte + low]
            tables.append(table)
        _ADVANCE.append(tuple(tables))
    return _ADVANCE[k]


_combine = deflate.crc32_combine or crc_combine  # (a year's big sheets are 20,000 pieces: in C where it can be)


class Package:
    """A zip package written entry by entry (what zipfile cannot do: an entry made of pieces already
    compressed). Entries are deflated; sizes must stay under 4 GB (a tracker is far from it)."""

    def __init__(self, fh):
        self.fh = fh
        self.entries: list[tuple[bytes, int, int, int, int, int]] = []  # name, method, crc, compressed, size, offset
        self.stamp = _dos_time(time.localtime())

    def add(self, name: str, data: bytes) -> None:
        squeeze = zlib.compressobj(COMPRESSION, zlib.DEFLATED, -15)
        self.add_pieces(name, [(squeeze.compress(data) + squeeze.flush(), zlib.crc32(data), len(data))], final=False)

    def add_pieces(self, name: str, pieces: list[tuple[bytes, int, int]], final: bool = True) -> None:
        """An entry made of compressed pieces, each (deflate data, CRC-32, length of what it holds);
        `final`: the pieces end with a flush, so the entry needs the deflate stream's last block."""
        tail = zlib.compressobj(COMPRESSION, zlib.DEFLATED, -15).flush() if final else b""
        crc, size, compressed = 0, 0, len(tail)
        for data, piece_crc, length in pieces:
            crc = _combine(crc, piece_crc, length) if size else piece_crc
            size += length
            compressed += len(data)
        self._entry(name, zipfile.ZIP_DEFLATED, crc, compressed, size, [data for data, _, _ in pieces] + [tail])

    def add_raw(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        """An entry of another package, copied as it is stored there (not compressed again)."""
        fp = zf.fp
        fp.seek(info.header_offset)
        header = fp.read(30)
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        fp.seek(info.header_offset + 30 + name_length + extra_length)
        self._entry(info.filename, info.compress_type, info.CRC, info.compress_size, info.file_size,
                    [fp.read(info.compress_size)])

    def _entry(self, name: str, method: int, crc: int, compressed: int, size: int, data: list[bytes]) -> None:
        if size >= 0xFFFFFFFF or compressed >= 0xFFFFFFFF:
            raise OSError(27, f"{name} would be larger than 4 GB")
        encoded = name.encode("utf-8")
        offset = self.fh.tell()
        self.fh.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, method, *self.stamp, crc, compressed, size,
                                  len(encoded), 0) + encoded)
        for piece in data:
            self.fh.write(piece)
        self.entries.append((encoded, method, crc, compressed, size, offset))

    def close(self) -> None:
        start = self.fh.tell()
        for encoded, method, crc, compressed, size, offset in self.entries:
            self.fh.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x800, method, *self.stamp, crc,
                                      compressed, size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
        end = self.fh.tell()
        self.fh.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(self.entries), len(self.entries),
                                  end - start, start, 0))


def _dos_time(t) -> tuple[int, int]:
    return ((t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec // 2),
            ((max(t.tm_year, 1980) - 1980) << 9) | (t.tm_mon << 5) | t.tm_mday)


class Compressed:
    """XML text compressed as it is written (one piece of a package entry)."""

    def __init__(self):
        self._squeeze = deflate.compressor()
        self._out: list[bytes] = []
        self.crc = 0
        self.length = 0

    def write(self, text: str | bytes) -> None:
        raw = text if type(text) is bytes else text.encode("utf-8")
        self.crc = deflate.crc32(raw, self.crc)
        self.length += len(raw)
        self._out.append(self._squeeze.compress(raw))

    def piece(self) -> tuple[bytes, int, int]:
        self._out.append(self._squeeze.flush(zlib.Z_SYNC_FLUSH))
        return b"".join(self._out), self.crc, self.length


# ---- putting our rows into the skeleton's sheets --------------------------------------------

_SHEET_DATA = re.compile(r"<sheetData\s*/>|<sheetData>(.*?)</sheetData>", re.S)
_ROW = re.compile(r"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.S)
_CELL = re.compile(r"<c\b([^>]*?)(?:/>|>.*?</c>)", re.S)
_R = re.compile(r'\br="([A-Z]*)(\d+)"')
_DIMENSION = re.compile(r"<dimension ref=\"[^\"]*\"\s*/>")


@dataclass
class SkeletonRow:
    attributes: str
    cells: dict[int, str]  # column number -> the cell's XML, as openpyxl wrote it


def skeleton_rows(sheet_xml: str) -> tuple[str, dict[int, SkeletonRow], str]:
    """A sheet openpyxl wrote: the XML before its rows, its rows by number, and the XML after them."""
    found = _SHEET_DATA.search(sheet_xml)
    head, tail = sheet_xml[:found.start()], sheet_xml[found.end():]
    rows = {}
    for row in _ROW.finditer(found.group(1) or ""):
        number = int(_R.search(row.group(1))[2])
        cells = {}
        for cell in _CELL.finditer(row.group(2) or ""):
            ref = _R.search(cell.group(1))
            cells[_column_number(ref[1])] = cell.group(0)
        attributes = re.sub(r'\s*\br="\d+"', "", row.group(1))
        rows[number] = SkeletonRow(attributes, cells)
    return head, rows, tail


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


@dataclass
class BodyRow:
    """One row of a sheet as we write it: the value of each column (None: nothing of ours), its height; or
    the row already written (`xml`, a `sheets.Rendered`: its UTF-8 bytes are `xml.data`)."""

    values: list | None
    height: float | None = None
    xml: object | None = None


#: A value of each kind a cell may hold (see `value_kind`), to register the style our writer gives it.
SAMPLES = {"s": "text", "=": "=text", "date": dt.date(2000, 1, 1), "datetime": dt.datetime(2000, 1, 1, 12),
           "int": 1, "float": 1.5, "bool": True}


class RowWriter:
    """Our cells of one sheet, quickly: each column's style for each kind of value registered once in the
    workbook (and nothing registered afterwards, so that a copy can write rows in another process), and
    the cells of values that repeat (headings, grades, dates, teams) remembered."""

    MEMO = 4096  # cells remembered per column

    def __init__(self, cols: list[Col | None], styles: Styles, colours: Iterable[str | None]):
        self.cols = cols
        self.kinds: list[dict] = []
        for col in cols:
            kinds = {kind: styles.of(col, sample) for kind, sample in SAMPLES.items()}
            for colour in sorted(colours, key=lambda c: c or ""):  # in one order, so that two runs number styles alike
                for label in ("x", "=x"):
                    kinds[value_kind(Graded(label, colour))] = styles.of(col, Graded(label, colour))
            self.kinds.append(kinds)
        self._memo: list[dict] = [{} for _ in cols]
        self._letters = [get_column_letter(i) for i in range(1, len(cols) + 1)]
        self._row_starts = [f'<c r="{letter}{ROW}"' for letter in self._letters]  # each cell's start, numbered later

    def style(self, i: int, value) -> int:
        kinds = self.kinds[i]
        return kinds.get(value_kind(value), kinds["s"])

    def cells(self, values: list, n: int | str = ROW) -> str:
        """The cells of row `n` (ROW: numbered later, see `numbered`), each with its reference."""
        out = []
        starts = self._row_starts if n is ROW else [f'<c r="{letter}{n}"' for letter in self._letters]
        for i, value in enumerate(values):
            kind = type(value)
            if kind is str:  # most cells: a text is its own key (only a text equals a text)
                if not value:
                    continue
                key = value
            elif value is None:
                continue
            else:
                key = (Graded, value.label, value.colour) if kind is Graded else (kind, value)
            memo = self._memo[i]
            found = memo.get(key)
            if found is None:
                found = cell_xml(value, self.style(i, value))[2:]  # what follows "<c"
                if len(memo) < self.MEMO and (kind is not str or len(value) <= SEEN_AGAIN):
                    memo[key] = found
            out.append(starts[i] + found)
        return "".join(out)

    def cells_at(self, values: list, n: int) -> dict[int, str]:
        """The cells of row `n`, with their references (to merge with other cells of the row)."""
        return {i + 1: cell_xml(v, self.style(i, v), f"{self._letters[i]}{n}")
                for i, v in enumerate(values) if v is not None and v != ""}

    def signature(self) -> list:
        """The style numbers it uses, column by column (they change when the workbook's styles do)."""
        return [sorted((str(k), v) for k, v in kinds.items()) for kinds in self.kinds]

    def __getstate__(self):
        return {**self.__dict__, "_memo": [{} for _ in self.cols]}


def merged_sheet(sheet_xml: str, body: list[BodyRow], writer: RowWriter, last_col: int) -> Iterator[bytes]:
    """The sheet's XML (UTF-8) in pieces: the skeleton with `body` as its rows 2 onwards, each merged with the
    skeleton's own cells of that row (the skeleton's win: they carry a person's note or look). (Bytes: the rows
    kept written, most of a year's, go in as they are held, not made text and back.)"""
    head, rows, tail = skeleton_rows(sheet_xml)
    last_row = max([len(body) + 1, *rows])
    yield _DIMENSION.sub(f'<dimension ref="A1:{get_column_letter(max(last_col, 1))}{last_row}"/>', head,
                         1).encode("utf-8")
    yield b"<sheetData>"
    if 1 in rows:
        yield _skeleton_row(1, rows[1]).encode("utf-8")
    chunk = []
    for n, row in enumerate(body, start=2):
        theirs = rows.get(n)
        xml = row.xml.data if row.xml is not None else None
        if xml is not None and theirs is None and _ROW_BYTE in xml:  # a row of ours kept as written
            chunk.append(xml.replace(_ROW_BYTE, b"%d" % n))
        elif xml is not None:  # with people's cells beside the table in the same row (or kept unnumbered)
            attributes, cells = _numbered_cells(xml.decode("utf-8"), n)
            cells.update(theirs.cells if theirs is not None else {})
            chunk.append(f'<row r="{n}"{attributes}>{"".join(cells[c] for c in sorted(cells))}</row>'.encode("utf-8"))
        elif theirs is None:
            chunk.append(row_xml(writer.cells(row.values, n), row.height, n).encode("utf-8"))
        else:
            cells = writer.cells_at(row.values, n)
            cells.update(theirs.cells)
            chunk.append(row_xml("".join(cells[c] for c in sorted(cells)), row.height, n).encode("utf-8"))
        if len(chunk) >= 500:
            yield b"".join(chunk)
            chunk = []
    yield b"".join(chunk)
    for n in sorted(r for r in rows if r > len(body) + 1):
        yield _skeleton_row(n, rows[n]).encode("utf-8")
    yield b"</sheetData>"
    yield tail.encode("utf-8")


def _numbered_cells(row: str, n: int) -> tuple[str, dict[int, str]]:
    """A row of ours written before its place was known (with ROW for its number, or, kept from an earlier
    version, without references): its attributes, and its cells (column -> XML) with their references."""
    found = _ROW.match(row.replace(ROW, str(n)))
    cells = {}
    for c, cell in enumerate(_CELL.finditer(found.group(2) or ""), start=1):
        ref = _R.search(cell.group(1))
        if ref:
            cells[_column_number(ref[1])] = cell.group(0)
        elif cell.group(0) != "<c/>":
            cells[c] = f'<c r="{get_column_letter(c)}{n}"' + cell.group(0)[2:]
    return re.sub(r'\s*\br="\d+"', "", found.group(1)), cells


def _skeleton_row(n: int, row: SkeletonRow) -> str:
    return f'<row r="{n}"{row.attributes}>{"".join(row.cells[c] for c in sorted(row.cells))}</row>'


_NUMBER = re.compile(r'(<row r="|<c r="[A-Z]+)\d+"')


def numbered_from(f: Fragment, first: int) -> bool:
    """The fragment's rows are numbered from `first` (it was kept from a run that put it in the same place)."""
    start = f'<row r="{first}"'.encode()
    return zlib.decompressobj(-15).decompress(f.data, len(start)) == start  # (zlib starts quicker for a few bytes)


def placed(f: Fragment, first: int) -> Fragment:
    """The fragment with its rows numbered from `first`: itself when they already are (a fragment kept from
    a run that put it in the same place), else made again from its XML (nothing else in it changes)."""
    if numbered_from(f, first):
        return f
    # as bytes, not text: the UTF-8 of ROW (one NUL byte) is in no other character's, and a year's rows are
    # numbered here (hundreds of megabytes), which decoding and encoding them again would double
    raw = deflate.inflated(f.data)
    if _ROW_BYTE not in raw:  # numbered for another place
        raw = _NUMBER_BYTES.sub(rb'\1' + _ROW_BYTE + b'"', raw)
    rows = raw.split(b"</row>")  # no text holds it: `<` is always escaped
    raw = b"</row>".join([row.replace(_ROW_BYTE, b"%d" % n) for n, row in enumerate(rows[:-1], start=first)]
                         + rows[-1:])
    return Fragment(deflate.piece(raw), deflate.crc32(raw), len(raw), f.rows)


_ROW_BYTE = ROW.encode("utf-8")
_NUMBER_BYTES = re.compile(rb'(<row r="|<c r="[A-Z]+)\d+"')


def big_sheet_pieces(sheet_xml: str, fragments: list[Fragment], last_col: int) -> list[tuple[bytes, int, int]]:
    """A sheet nobody edits: the skeleton's heading row, then every audit's fragment, each numbered for its place
    already (`placed`: checked where they were placed, not again here)."""
    head, rows, tail = skeleton_rows(sheet_xml)
    count = sum(f.rows for f in fragments)
    start = Compressed()
    start.write(_DIMENSION.sub(f'<dimension ref="A1:{get_column_letter(last_col)}{count + 1}"/>', head, 1))
    start.write("<sheetData>" + (_skeleton_row(1, rows[1]) if 1 in rows else ""))
    end = Compressed()
    end.write("</sheetData>" + tail)
    pieces = [start.piece()]
    for f in fragments:
        pieces.append((f.data, f.crc, f.length))
    return [*pieces, end.piece()]


def read_entries(skeleton: bytes) -> list[tuple[str, bytes]]:
    import io

    with zipfile.ZipFile(io.BytesIO(skeleton)) as zf:
        return [(info.filename, zf.read(info)) for info in zf.infolist()]
