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
  cached result and error values (#DIV/0!), which the reader must report.

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
    special = _scan_sheets(parts, len(visible), titles)
    return Workbook(_load(data, visible, special), hidden)


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


def _scan_sheets(parts: dict[str, bytes], loaded: int, titles: dict[str, str]) -> dict[str, dict]:
    """Check every part that can be a sheet; return the special cells of each, by part name.

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
    shown = {part: f"工作表「{titles[part]}」" if part in titles else f"部件 {part}" for part in candidates}
    return {part: _scan_sheet(raw, shown[part], titles.get(part), strings) for part, raw in candidates.items()}


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

    def __init__(self, strings: list[int]):
        self.strings = strings
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


def _scan_sheet(raw: bytes, shown: str, sheet: str | None, strings: list[int]) -> dict:
    """Check one sheet part against the caps; return its formula-without-result and error cells."""
    scan = _SheetScan(strings)
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
    return scan.special


def _load(data: bytes, visible: list[tuple[int, str, str | None]], special: dict) -> list[Sheet]:
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
            sheets.append(Sheet(name, rows, special.get(part or "", {})))
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
