"""Read the visible sheets of an .xlsx/.xlsm workbook, bounded before anything is decompressed in full.

python-calamine reads a workbook in about a millisecond, but it builds each sheet
as a dense grid over the cells' bounding box: two cells at A1 and XFD1048576 in a
5 KB file would cost gigabytes.  So before calamine sees the file, one pass over
the zip checks what calamine would read:

- the zip itself: entry count, and every XML part inflated here from its
  compressed bytes under a cap, each and in total; its real size and CRC must
  match the headers (a lying header cannot hide a zip bomb);
- every part that can be a sheet (any part holding `sheetData`, whatever its
  name, so that no resolution of the workbook's links can reach an unchecked
  one): the bounding box of the cells that hold something, with an XML parser
  (quoting, spacing and namespace prefixes as calamine reads them; rows and
  cells without an address counted the way calamine places them);
- amplification: the sheets loaded times the largest sheet part, and the
  characters of the shared strings the cells use (a 30 MB string used 100
  times is 3 GB);
- the cells calamine reads as empty although they are not: formulas without a
  cached result and error values (#DIV/0!), which the reader must report;
- the number format of the cells holding a number whose format shows decimals
  (a score 5 printed as 5.00): calamine does not expose formats, so the styles
  part is read here too, under caps of its own; a missing, broken or oversized
  styles part only means that no format is known.

Hidden and very hidden sheets are never read; the caller is told their names.
The file is read once, into memory (it is size-capped), and never reopened.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree
from xml.parsers import expat

MAX_ENTRIES = 2000
MAX_PART_BYTES = 32 * 1024 * 1024      # one part, inflated
MAX_TOTAL_BYTES = 100 * 1024 * 1024    # all parts together, inflated (pictures too)
MAX_LOAD_BYTES = 64 * 1024 * 1024      # sheet XML calamine parses: sheets loaded x the largest sheet part
MAX_SHEETS = 100                       # visible sheets loaded
MAX_STRING_CHARS = 16 * 1024 * 1024    # characters of the shared strings the cells of a sheet use
MAX_ELEMENTS = 1_000_000               # XML elements of one sheet part (a full 5000 x 256 sheet has fewer)
MAX_STYLE_WORK = 10_000_000            # cell styles x the length of the number formats calamine scans for each
MAX_ROWS = 5000                        # rows of a sheet we read
MAX_COLS = 256                         # columns (IV, the old Excel limit)
STYLES_PART = "xl/styles.xml"          # where Excel, WPS and calamine keep the cell styles
MAX_STYLE_ELEMENTS = 1_000_000         # XML elements of the styles part read for formats; more: no format known
MAX_NUM_FORMATS = 1000                 # custom number formats read (Excel allows about 250)
MAX_FORMAT_CODE = 255                  # characters of a number format (Excel's own limit); longer: unknown
MAX_CELL_STYLES = 65_536               # cell styles (cellXfs) read (Excel allows 64,000); later ones: unknown
MAX_FORMATTED_CELLS = 20_000           # cells of one sheet whose number format is recorded (a table has hundreds)
MAX_FORMATTED_TOTAL = 100_000          # the same, over every sheet part
BUILTIN_FORMATS = {0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%"}
FIRST_CUSTOM_FORMAT = 164              # numFmtId of the first format a workbook defines itself
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}


class WorkbookError(Exception):
    """The workbook cannot be read; `code` is I802 (not a workbook) or I810 (over a cap)."""

    def __init__(self, code: str, detail: str, sheet: str | None = None):
        super().__init__(detail)
        self.code, self.detail, self.sheet = code, detail, sheet


@dataclass
class Sheet:
    """One visible sheet: rows of typed values, 1-based access, plus the cells calamine reads as empty."""
    name: str
    rows: list[list[Any]]
    special: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)  # (row, col) -> (kind, text)
    # (row, col) -> number format, for the cells holding a number whose format shows decimals (`format_decimals`
    # ≥ 1): a format without decimals adds nothing to what the value itself shows, so only these are kept.
    formats: dict[tuple[int, int], str] = field(default_factory=dict)

    @property
    def max_row(self) -> int:
        return len(self.rows)

    @property
    def max_col(self) -> int:
        return max((len(r) for r in self.rows), default=0)


@dataclass
class Workbook:
    sheets: list[Sheet]
    hidden: list[str]


def read_workbook(data: bytes) -> Workbook:
    """The visible sheets of `data` (.xlsx/.xlsm bytes). Raises WorkbookError."""
    if data[:8] == _OLE_MAGIC:
        raise WorkbookError("I802", "文件设有打开密码，或是改了扩展名的旧版 .xls 文件")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise WorkbookError("I802", "不是有效的 .xlsx 文件（可能已损坏，或只是改了扩展名）") from None
    with archive:
        parts = _check_parts(archive, data)
    sheets = _sheet_parts(parts)
    visible = [(index, name, part) for index, (name, part, state) in enumerate(sheets) if state == "visible"]
    hidden = [name for name, _, state in sheets if state != "visible"]
    if len({name.casefold() for name, _, _ in sheets}) < len(sheets):
        raise WorkbookError("I802", "工作簿中有同名的工作表（Excel 不允许这样，文件可能被人改过）")
    titles = {part: name for name, part, _ in sheets if part}
    scans = _scan_sheets(parts, len(visible), titles)
    return Workbook(_load(data, visible, scans), hidden)


def _check_parts(archive: zipfile.ZipFile, data: bytes) -> dict[str, bytes]:
    """Every part, inflated here under the caps: the sizes in the zip headers are not trusted."""
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise WorkbookError("I810", f"压缩包内有 {len(infos)} 个部件，超过上限 {MAX_ENTRIES} 个")
    parts: dict[str, bytes] = {}
    total = 0
    for info in infos:
        name = info.filename
        if info.is_dir():
            continue
        if info.file_size > MAX_PART_BYTES or total + info.file_size > MAX_TOTAL_BYTES:
            raise _too_big(name)
        content = _inflate(data, info, min(MAX_PART_BYTES, MAX_TOTAL_BYTES - total))
        total += len(content)
        parts[name] = content
    return parts


_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")


def _inflate(data: bytes, info: zipfile.ZipInfo, limit: int) -> bytes:
    """The part's bytes as any reader inflates them from its compressed bytes, at most `limit`.

    The declared size and CRC must match what the data really gives, so a header that lies
    about a zip bomb, or a part whose checked prefix differs from what another reader sees,
    is refused."""
    if info.flag_bits & 0x1:
        raise WorkbookError("I802", "文件设有密码")
    start = info.header_offset
    header = data[start:start + _LOCAL_HEADER.size]
    if len(header) < _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise WorkbookError("I802", "压缩包已损坏（文件可能没有完整保存或下载）")
    fields = _LOCAL_HEADER.unpack(header)
    begin = start + _LOCAL_HEADER.size + fields[-2] + fields[-1]
    packed = data[begin:begin + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        content = packed
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
        try:
            content = inflater.decompress(packed, limit + 1)
        except zlib.error:
            raise WorkbookError("I802", "压缩包已损坏（文件可能没有完整保存或下载）") from None
        if inflater.unconsumed_tail:
            raise _too_big(info.filename)
    else:
        raise WorkbookError("I802", "压缩方式不受支持（文件可能不是 Excel 或 WPS 保存的）")
    if len(content) > limit:
        raise _too_big(info.filename)
    if len(content) != info.file_size or zlib.crc32(content) != info.CRC:
        raise WorkbookError("I802", f"部件 {info.filename} 的大小或校验和与压缩包记录的不符（文件已损坏，或被人改过）")
    return content


def _too_big(part: str) -> WorkbookError:
    return WorkbookError("I810", f"部件 {part} 解压后超过 {MAX_PART_BYTES // 1024 // 1024} MB"
                                 f"（全部部件合计上限 {MAX_TOTAL_BYTES // 1024 // 1024} MB），可能是压缩炸弹")


def _xml(parts: dict[str, bytes], name: str):
    raw = parts.get(name)
    if raw is None:
        return None
    _no_doctype(raw, f"部件 {name}")
    try:
        return ElementTree.fromstring(raw)
    except ElementTree.ParseError:
        raise WorkbookError("I802", f"部件 {name} 不是有效的 XML（文件可能已损坏）") from None
    except ValueError:  # a declared encoding expat does not read (GBK...)
        raise WorkbookError("I802", f"部件 {name} 的字符编码不受支持（Excel 保存的文件都是 UTF-8）；"
                                    "请用 Excel 另存为 .xlsx") from None


def _no_doctype(raw: bytes, name: str) -> None:
    """Office XML never declares a DTD: one that does is an entity-expansion attack."""
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise WorkbookError("I802", f"{name}含有 DTD 声明，不是 Excel 保存的文件（可能被人改过）")


def _sheet_parts(parts: dict[str, bytes]) -> list[tuple[str, str | None, str]]:
    """(name, part path, state) of every sheet, in workbook order."""
    book = _xml(parts, "xl/workbook.xml")
    if book is None:
        raise WorkbookError("I802", "缺少 xl/workbook.xml，不是 Excel 工作簿（.xlsx）")
    rels = _xml(parts, "xl/_rels/workbook.xml.rels")
    targets = {}
    if rels is not None:
        for rel in rels.findall("rel:Relationship", _NS):
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else "xl/" + target
            targets[rel.get("Id")] = _normalise(target)
    found = []
    for sheet in book.iterfind("m:sheets/m:sheet", _NS):
        state = sheet.get("state", "visible")
        found.append((sheet.get("name", ""), targets.get(sheet.get(f"{{{_NS['r']}}}id")), state))
    return found


def _normalise(path: str) -> str:
    out: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if out:
                out.pop()
        elif part not in ("", "."):
            out.append(part)
    return "/".join(out)


def _scan_sheets(parts: dict[str, bytes], loaded: int, titles: dict[str, str]) -> dict[str, _SheetScan]:
    """Check every part that can be a sheet; return the scan of each (special cells, number formats), by part name.

    Which part calamine reads for a sheet is its own resolution of the workbook's links: every
    candidate is checked, so none can slip past, and the amplification bound assumes the
    worst (each loaded sheet is the largest candidate)."""
    candidates = {name: raw for name, raw in parts.items() if b"sheetData" in raw}
    largest = max(map(len, candidates.values()), default=0)
    elements = {name: raw.count(b"<") for name, raw in candidates.items()}  # C-level: before expat's callbacks
    if any(count > MAX_ELEMENTS for count in elements.values()) or sum(elements.values()) > 2 * MAX_ELEMENTS:
        raise WorkbookError("I810", f"工作表的 XML 元素超过 {MAX_ELEMENTS} 个（一张自评表只有几千个）")
    _check_styles(parts)
    if loaded > MAX_SHEETS:
        raise WorkbookError("I810", f"可见的工作表有 {loaded} 张，超过上限 {MAX_SHEETS} 张")
    if loaded * largest > MAX_LOAD_BYTES:
        raise WorkbookError("I810", f"{loaded} 张工作表、最大的工作表 {largest // 1024} KB，合计超过 "
                                    f"{MAX_LOAD_BYTES // 1024 // 1024} MB")
    strings = _shared_string_lengths(parts)
    styles = _decimal_styles(parts)
    shown = {part: f"工作表「{titles[part]}」" if part in titles else f"部件 {part}" for part in candidates}
    room = [MAX_FORMATTED_TOTAL]  # formatted cells still recorded, over every part
    return {part: _scan_sheet(raw, shown[part], titles.get(part), strings, styles, room)
            for part, raw in candidates.items()}


_FORMAT_CODE = re.compile(rb'formatCode\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')


def _check_styles(parts: dict[str, bytes]) -> None:
    """calamine scans a cell style's number format once per style: cap styles x the longest format code."""
    for name, raw in parts.items():
        if b"cellXfs" not in raw and b"numFmt" not in raw:
            continue
        styles = raw.count(b"<xf") + raw.count(b":xf")
        longest = max((len(a or b) for a, b in _FORMAT_CODE.findall(raw)), default=0)
        if styles * max(longest, 1) > MAX_STYLE_WORK:
            raise WorkbookError("I810", f"部件 {name} 有 {styles} 个单元格样式、最长的数字格式 {longest} 个字符，"
                                        "读取时要做的工作超过上限（正常的工作簿远小于此）")


def format_decimals(code: str | None) -> int | None:
    """Decimals a number format shows after the decimal point, from its first section (the one for positive
    numbers): 0.00 → 2, #,##0.0 → 1, 0.0% → 1, 0 → 0, [Red]0.00 → 2, 0.0"分" → 1.  General, text (@), dates
    and times, a format without digits, none at all or one longer than Excel allows → None (unknown).

    Quoted text, backslash-escaped characters, [colours and conditions], and the character after `_` (a space
    as wide as it) or `*` (a fill) are literals, not part of the number."""
    if not code or len(code) > MAX_FORMAT_CODE:
        return None
    plain = []  # the first section without its literals
    i, n = 0, len(code)
    while i < n:
        ch = code[i]
        if ch == '"':
            end = code.find('"', i + 1)
            i = n if end < 0 else end + 1
        elif ch in "\\_*":
            i += 2
        elif ch == "[":
            end = code.find("]", i + 1)
            inner = code[i + 1:n if end < 0 else end].strip().lower()
            if inner and set(inner) <= set("hms"):  # [h]:mm, elapsed time
                return None
            i = n if end < 0 else end + 1
        elif ch == ";":
            break
        else:
            plain.append(ch)
            i += 1
    text = "".join(plain).lower()
    if "general" in text or "@" in text or any(ch in text for ch in "ymdhs"):
        return None
    if not any(ch in text for ch in "0#?"):
        return None
    point = text.find(".")
    if point < 0:
        return 0
    decimals = 0
    for ch in text[point + 1:]:
        if ch == "e":  # 0.00E+00: the exponent's digits are not decimals
            break
        if ch in "0#?":
            decimals += 1
    return decimals


class _StylesScan:
    """The number format of each cell style (cellXfs), from the styles part, under the caps."""

    def __init__(self):
        self.custom: dict[int, str | None] = {}
        self.xf_formats: list[int | None] = []  # numFmtId of each cellXfs entry, in order
        self.in_numfmts = self.in_cellxfs = 0

    def start(self, tag, attrs):
        local = tag.rpartition(" ")[2]
        if local == "numFmts":
            self.in_numfmts += 1
        elif local == "cellXfs":
            self.in_cellxfs += 1
        elif local == "numFmt" and self.in_numfmts and len(self.custom) < MAX_NUM_FORMATS:
            number = _style_number(attrs.get("numFmtId"))
            code = attrs.get("formatCode")
            if number is not None and number >= FIRST_CUSTOM_FORMAT and number not in self.custom:
                self.custom[number] = code if code is not None and len(code) <= MAX_FORMAT_CODE else None
        elif local == "xf" and self.in_cellxfs and len(self.xf_formats) < MAX_CELL_STYLES:
            self.xf_formats.append(_style_number(attrs.get("numFmtId", "0")))

    def end(self, tag):
        local = tag.rpartition(" ")[2]
        if local == "numFmts":
            self.in_numfmts -= 1
        elif local == "cellXfs":
            self.in_cellxfs -= 1
            if not self.in_cellxfs:
                raise _StylesRead  # numFmts come before cellXfs: the rest (cellStyles, dxfs...) is not needed


class _StylesRead(Exception):
    """The cell styles are read: stop parsing the styles part."""


def _style_number(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _decimal_styles(parts: dict[str, bytes]) -> dict[int, str]:
    """Cell style index -> number format, for the styles whose format shows decimals.

    A missing, broken or oversized styles part means no format is known: the formats only refine the
    precision a table prints, and calamine reads the values without them."""
    raw = parts.get(STYLES_PART)
    if raw is None or raw.count(b"<") > MAX_STYLE_ELEMENTS:
        return {}
    scan = _StylesScan()
    try:
        _parse(raw, f"部件 {STYLES_PART}", scan.start, scan.end, _ignore)
    except _StylesRead:
        pass
    except WorkbookError:
        return {}
    out = {}
    for index, number in enumerate(scan.xf_formats):
        if number is None:
            continue
        code = scan.custom.get(number) if number >= FIRST_CUSTOM_FORMAT else BUILTIN_FORMATS.get(number)
        if code is not None and (format_decimals(code) or 0) > 0:
            out[index] = code
    return out


def _ignore(data) -> None:
    pass


def _shared_string_lengths(parts: dict[str, bytes]) -> list[int]:
    """The length of each shared string, the longest wherever several parts could be the table."""
    lengths: list[int] = []
    for name, raw in parts.items():
        if b"<sst" not in raw and b":sst" not in raw:
            continue
        found: list[int] = []
        depth = {"si": 0}

        def start(tag, attrs):
            if tag.rpartition(" ")[2] == "si":
                depth["si"] += 1
                found.append(0)

        def end(tag):
            if tag.rpartition(" ")[2] == "si":
                depth["si"] -= 1

        def text(data):
            if depth["si"] > 0:
                found[-1] += len(data)

        _parse(raw, f"部件 {name}", start, end, text)
        if len(found) > len(lengths):
            lengths.extend([0] * (len(found) - len(lengths)))
        for index, length in enumerate(found):
            if length > lengths[index]:
                lengths[index] = length
    return lengths


def _parse(raw: bytes, name: str, start, end, text) -> None:
    """Parse `raw` with expat (no DTD, so no entities); `name` names the part in messages."""
    _no_doctype(raw, name)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
    parser.buffer_text = True
    try:
        parser.Parse(raw, True)
    except expat.ExpatError:
        raise WorkbookError("I802", f"{name}不是有效的 XML（文件可能已损坏）") from None
    except ValueError:  # expat reads UTF-8, UTF-16 and Latin-1 only: a part declaring GBK is not Excel's
        raise WorkbookError("I802", f"{name}的字符编码不受支持（Excel 保存的文件都是 UTF-8）；请用 Excel 另存为 .xlsx") \
            from None


class _SheetScan:
    """One pass over a sheet part with expat: the box of the cells that hold something, the shared-string
    characters they use, and the cells calamine reads as empty although they are not.

    Wherever calamine could read something otherwise (an attribute with a prefix, an address it would
    wrap around, an index it cannot parse), the reading that costs most is the one counted."""

    def __init__(self, strings: list[int], styles: dict[int, str] | None = None, room: list[int] | None = None):
        self.strings = strings
        self.styles = styles or {}
        self.room = room if room is not None else [MAX_FORMATTED_TOTAL]
        self.formats: dict[tuple[int, int], str] = {}
        self.style: int | None = 0
        self.longest = max(strings, default=0)
        self.row = self.col = 0
        self.max_row = self.max_col = 0
        self.chars = 0
        self.special: dict[tuple[int, int], tuple[str, str]] = {}
        self.cell: tuple[int, int] | None = None
        self.kinds: set[str] = set()
        self.value: list[str] | None = None
        self.formula: list[str] | None = None
        self.collect: list[str] | None = None

    def start(self, tag, attrs):
        local = tag.rpartition(" ")[2]
        if local == "c":
            self.col += 1
            rows, cols = [self.row], [self.col]
            self.kinds = set()
            self.style = _style_number(attrs["s"]) if "s" in attrs else 0  # no `s`: the workbook's default style
            for key, value in attrs.items():  # `r` and `t` with any prefix: every reading counts
                name = key.rpartition(" ")[2]
                if name == "r" and value.strip():
                    row, col = _address(value.strip())
                    rows.append(row)
                    cols.append(col)
                elif name == "t":
                    self.kinds.add(value.strip())
            self.cell = (max(rows), max(cols))
            self.col = max(cols)
            self.value = self.formula = None
        elif local == "row":
            self.row += 1
            self.col = 0
            for key, value in attrs.items():
                if key.rpartition(" ")[2] == "r" and value.strip():
                    self.row = max(self.row, _row_number(value.strip()))
        elif self.cell is not None and local in ("v", "is"):
            self.value = self.value if self.value is not None else []
            self.collect = self.value
        elif self.cell is not None and local == "f":
            self.formula = []
            self.collect = self.formula

    def end(self, tag):
        local = tag.rpartition(" ")[2]
        if local in ("v", "is", "f", "t"):
            self.collect = None
        elif local == "c" and self.cell is not None:
            self._finish()
            self.cell = None

    def text(self, data):
        if self.collect is not None:
            self.collect.append(data)

    def _finish(self) -> None:
        value = "".join(self.value) if self.value is not None else None
        if value is not None or self.formula is not None:
            row, col = self.cell
            self.max_row, self.max_col = max(self.max_row, row), max(self.max_col, col)
        if "e" in self.kinds:
            self.special[self.cell] = ("error", (value or "").strip() or "#N/A")
        elif self.formula is not None and not (value or "").strip():
            self.special[self.cell] = ("formula", "=" + "".join(self.formula))
        if "s" in self.kinds and value is not None:
            index = value.strip()
            known = index.isascii() and index.isdigit() and len(index) < 10 and int(index) < len(self.strings)
            self.chars += self.strings[int(index)] if known else self.longest
        if self.style in self.styles and self.kinds <= {"n"} and (value or "").strip():
            self._record_format(self.styles[self.style])

    def _record_format(self, code: str) -> None:
        """Keep the number format of a cell holding a number, within the caps (past them: not known)."""
        if self.cell in self.formats:
            self.formats[self.cell] = code
        elif len(self.formats) < MAX_FORMATTED_CELLS and self.room[0] > 0:
            self.formats[self.cell] = code
            self.room[0] -= 1


_ADDRESS = re.compile(r"[A-Za-z]{1,3}[0-9]{1,7}")


def _address(text: str) -> tuple[int, int]:
    """(row, column) of a cell address; anything else counts as beyond every cap (calamine might wrap it)."""
    if not _ADDRESS.fullmatch(text):
        return 10**9, 10**9
    letters = text.rstrip("0123456789")
    return int(text[len(letters):]), _column_number(letters)


def _row_number(text: str) -> int:
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 7 else 10**9


def _column_number(letters: str) -> int:
    if len(letters) > 4:
        return 10**9
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


def _scan_sheet(raw: bytes, shown: str, sheet: str | None, strings: list[int], styles: dict[int, str] | None = None,
                room: list[int] | None = None) -> _SheetScan:
    """Check one sheet part against the caps; return its scan: formula-without-result and error cells
    (`special`) and the number formats that show decimals (`formats`)."""
    scan = _SheetScan(strings, styles, room)
    _parse(raw, shown, scan.start, scan.end, scan.text)
    if max(scan.max_row, scan.max_col) >= 10**9:
        raise WorkbookError("I810", f"{shown}有单元格的地址无效或超出 Excel 的范围", sheet)
    if scan.max_row > MAX_ROWS:
        raise WorkbookError("I810", f"{shown}有内容的行到第 {scan.max_row} 行，超过上限 {MAX_ROWS} 行", sheet)
    if scan.max_col > MAX_COLS:
        raise WorkbookError("I810", f"{shown}有内容的列到第 {scan.max_col} 列，超过上限 {MAX_COLS} 列", sheet)
    if scan.chars > MAX_STRING_CHARS:
        raise WorkbookError("I810", f"{shown}的单元格共用了 {scan.chars} 个字的共享文字，超过上限 {MAX_STRING_CHARS} 个字",
                            sheet)
    return scan


def _load(data: bytes, visible: list[tuple[int, str, str | None]], scans: dict[str, _SheetScan]) -> list[Sheet]:
    """The visible sheets, by their place in the workbook; calamine must agree on each name and that it is visible."""
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise WorkbookError("I802", "文件设有密码") from None
    except Exception as exc:  # calamine's own error types for broken packages
        raise WorkbookError("I802", _calamine_reason(exc)) from None
    sheets = []
    with book:
        described = book.sheets_metadata
        for index, name, part in visible:
            if index >= len(described) or described[index].name != name \
                    or described[index].visible != python_calamine.SheetVisibleEnum.Visible:
                raise WorkbookError("I802", "工作簿的工作表清单前后不一致（文件可能被人改过）")
            try:
                rows = book.get_sheet_by_index(index).to_python(skip_empty_area=False, nrows=MAX_ROWS)
            except Exception as exc:
                raise WorkbookError("I802", _calamine_reason(exc), name) from None
            scan = scans.get(part or "")
            sheets.append(Sheet(name, rows, scan.special if scan else {}, scan.formats if scan else {}))
    return sheets


def _calamine_reason(exc: Exception) -> str:
    kind = type(exc).__name__
    if kind == "XmlError":
        return "工作簿内容不是有效的 XML（文件可能已损坏）"
    if kind == "ZipError":
        return "压缩包已损坏（文件可能没有完整保存或下载）"
    if kind == "WorksheetNotFound":
        return "工作簿中列出的工作表不存在（文件可能已损坏）"
    return "文件内容无法解析（可能已损坏，或不是 Excel 保存的 .xlsx 文件）"
