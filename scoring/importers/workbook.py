"""Read the visible sheets of an .xlsx/.xlsm workbook, bounded before anything is decompressed in full.

python-calamine reads a workbook in about a millisecond, but it builds each sheet
as a dense grid over the cells' bounding box: two cells at A1 and XFD1048576 in a
5 KB file would cost gigabytes.  So before calamine sees the file, one pass over
the zip checks what calamine would read:

- the zip itself: entry count, and every XML part inflated here from its
  compressed bytes under a cap, each and in total; its real size and CRC must
  match the headers (a lying header cannot hide a zip bomb);
- every sheet we will read: the bounding box of the cells that hold something,
  found by scanning the sheet XML as it is decompressed, chunk by chunk;
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

MAX_ENTRIES = 2000
MAX_PART_BYTES = 32 * 1024 * 1024      # one XML part, decompressed
MAX_XML_BYTES = 64 * 1024 * 1024       # all XML parts together, decompressed
MAX_ROWS = 5000                        # rows of a sheet we read
MAX_COLS = 256                         # columns (IV, the old Excel limit)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_CELL = re.compile(rb'<c\s[^>]*?\br="([A-Za-z]+)([0-9]+)"[^>]*?(/?)>')
_ANY_CELL = re.compile(rb"<c[\s/>]")
_ROW_REF = re.compile(rb'<row\s[^>]*?\br="([0-9]+)"')
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
    except (zipfile.BadZipFile, ValueError, OSError):
        raise WorkbookError("I802", "不是有效的 .xlsx 文件（可能已损坏，或只是改了扩展名）") from None
    with archive:
        parts = _check_parts(archive, data)
        sheets = _sheet_parts(archive, parts)
        visible = [(name, part) for name, part, state in sheets if state == "visible"]
        hidden = [name for name, _, state in sheets if state != "visible"]
        special = {name: _scan_sheet(parts, name, part) for name, part in visible}
    return Workbook(_load(data, [name for name, _ in visible], special), hidden)


def _check_parts(archive: zipfile.ZipFile, data: bytes) -> dict[str, bytes]:
    """Every XML part, inflated here under the caps: the sizes in the zip headers are not trusted."""
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise WorkbookError("I810", f"压缩包内有 {len(infos)} 个部件，超过上限 {MAX_ENTRIES} 个")
    parts: dict[str, bytes] = {}
    total = 0
    for info in infos:
        name = info.filename
        if not name.lower().endswith((".xml", ".rels")) or info.is_dir():
            continue  # pictures, printer settings, VBA: calamine does not read them
        if info.file_size > MAX_PART_BYTES or total + info.file_size > MAX_XML_BYTES:
            raise _too_big(name)
        content = _inflate(data, info, min(MAX_PART_BYTES, MAX_XML_BYTES - total))
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
                                 f"（全部 XML 部件合计上限 {MAX_XML_BYTES // 1024 // 1024} MB），可能是压缩炸弹")


def _xml(parts: dict[str, bytes], name: str):
    raw = parts.get(name)
    if raw is None:
        return None
    try:
        return ElementTree.fromstring(raw)
    except ElementTree.ParseError:
        raise WorkbookError("I802", f"部件 {name} 不是有效的 XML（文件可能已损坏）") from None


def _sheet_parts(archive: zipfile.ZipFile, parts: dict[str, bytes]) -> list[tuple[str, str | None, str]]:
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


def _number(digits: bytes) -> int:
    return int(digits) if len(digits) <= 9 else 10**9  # int() of thousands of digits is refused by Python


def _column_number(letters: bytes) -> int:
    if len(letters) > 4:
        return 10**9
    number = 0
    for ch in letters:
        number = number * 26 + (ch & 0xDF) - 64  # & 0xDF: upper case
    return number


def _scan_sheet(parts: dict[str, bytes], name: str, part: str | None) -> dict[tuple[int, int], tuple[str, str]]:
    """Check the sheet's cell box against the caps; return its formula-without-result and error cells."""
    raw = parts.get(part or "")
    if raw is None:
        return {}  # a chart sheet or a missing part: calamine gives no cells either
    # Distinct row numbers and column letters only: a sheet has hundreds of cells but a few dozen of each.
    cells = _CELL.findall(raw)
    max_row = max((_number(d) for d in {d for _, d, closed in cells if not closed}), default=0)
    max_col = max((_column_number(c) for c in {c for c, _, closed in cells if not closed}), default=0)
    if len(_ANY_CELL.findall(raw)) > len(cells):
        # Cells without an address follow each other: the counts bound the box.
        rows = [_number(r) for r in _ROW_REF.findall(raw)]
        max_row = max([max_row, len(rows), *rows])
        max_col = max(max_col, raw.count(b"<c"))
    if max_row > MAX_ROWS:
        raise WorkbookError("I810", f"工作表「{name}」有内容的行到第 {max_row} 行，超过上限 {MAX_ROWS} 行", name)
    if max_col > MAX_COLS:
        raise WorkbookError("I810", f"工作表「{name}」有内容的列到第 {max_col} 列，超过上限 {MAX_COLS} 列", name)
    maybe_special = b"<f>" in raw or b"<f " in raw or b"<f/" in raw or b't="e"' in raw
    return _special_cells(raw) if maybe_special else {}


_WHOLE_CELL = re.compile(rb'<c\s([^>]*?)\br="([A-Za-z]+)([0-9]+)"([^>]*?)(?<!/)>(.*?)</c>', re.DOTALL)
_FORMULA = re.compile(rb"<f(?:\s[^>]*)?>(.*?)</f>|<f\s[^>]*/>", re.DOTALL)
_VALUE = re.compile(rb"<v>(.*?)</v>", re.DOTALL)


def _special_cells(raw: bytes) -> dict[tuple[int, int], tuple[str, str]]:
    """Formula cells without a cached result, and error cells: calamine reads both as empty."""
    from html import unescape

    found = {}
    for match in _WHOLE_CELL.finditer(raw):
        attrs, body = match.group(1) + match.group(4), match.group(5)
        position = (_number(match.group(3)), _column_number(match.group(2)))
        value = _VALUE.search(body)
        text = unescape(value.group(1).decode("utf-8", "replace")) if value else ""
        if b't="e"' in attrs:
            found[position] = ("error", text or "#N/A")
            continue
        formula = _FORMULA.search(body)
        if formula is not None and not text:
            body_text = formula.group(1) or b""
            found[position] = ("formula", "=" + unescape(body_text.decode("utf-8", "replace")))
    return found


def _load(data: bytes, names: list[str], special: dict) -> list[Sheet]:
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise WorkbookError("I802", "文件设有密码") from None
    except Exception as exc:  # calamine's own error types for broken packages
        raise WorkbookError("I802", _calamine_reason(exc)) from None
    sheets = []
    with book:
        for name in names:
            try:
                rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=MAX_ROWS)
            except Exception as exc:
                raise WorkbookError("I802", _calamine_reason(exc), name) from None
            sheets.append(Sheet(name, rows, special.get(name, {})))
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
