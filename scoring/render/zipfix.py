"""Byte-identical Office files: the same input gives the same .xlsx/.docx bytes on every run.

openpyxl and python-docx stamp every zip entry with the current local time (a worksheet
openpyxl streams through a temporary file gets that file's mtime), and openpyxl writes the
save time into docProps/core.xml.  Every Office file we produce therefore goes through
`deterministic_zip`, which rewrites each entry with one fixed timestamp and fixed attributes
and pins the created/modified dates of docProps/core.xml.

The timestamp is a constant, 2000-01-01T00:00:00Z, not the table's own date: a fill-in form,
a batch summary or a review has no such date, and a constant depends on nothing (zip dates
start in 1980 and carry no time zone).

Cheap by design (it runs for every attachment of a batch): entries are copied still
compressed, in their order and with their compression; only docProps/core.xml (a few hundred
bytes) is inflated, patched and deflated again.
"""
from __future__ import annotations

import io
import re
import stat
import struct
import zipfile
import zlib
from datetime import datetime

GENERATOR = "jixiao"  # creator / lastModifiedBy of our Office files, Creator of our PDFs
FIXED_DATE_TIME = (2000, 1, 1, 0, 0, 0)  # zip entries (local time, no zone)
FIXED_DATETIME = datetime(2000, 1, 1)  # core properties (the libraries read a naive datetime as UTC)
FIXED_W3CDTF = b"2000-01-01T00:00:00Z"

CORE_XML = "docProps/core.xml"
_CORE_DATE = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")

_LOCAL = struct.Struct(zipfile.structFileHeader)
_CENTRAL = struct.Struct(zipfile.structCentralDir)
_END = struct.Struct(zipfile.structEndArchive)
_DOS_DATE = (FIXED_DATE_TIME[0] - 1980) << 9 | FIXED_DATE_TIME[1] << 5 | FIXED_DATE_TIME[2]
_DOS_TIME = FIXED_DATE_TIME[3] << 11 | FIXED_DATE_TIME[4] << 5 | FIXED_DATE_TIME[5] // 2
_EXTERNAL_ATTR = (stat.S_IFREG | 0o644) << 16
_UNIX, _VERSION = 3, 20  # "made by" Unix (on every platform), zip 2.0 (deflate)
_UTF8_NAME = 0x800
_KEEP_FLAGS = 0x6  # deflate option bits; the data descriptor bit goes (sizes sit in the headers)
_SMALL = 0x7FFFFFFF  # below this and 0xFFFF entries no zip64 record is needed


def deterministic_zip(data: bytes) -> bytes:
    """`data` (a zip file) with every entry dated FIXED_DATE_TIME, fixed attributes and no extra
    fields, entry order and compressed bytes unchanged, and docProps/core.xml's dates pinned."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
    if len(data) >= _SMALL or len(infos) >= 0xFFFF \
            or any(i.flag_bits & 0x1 or i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
                   for i in infos):
        return _rewrite(data)
    view = memoryview(data)
    out, central = bytearray(), bytearray()
    for info in infos:
        fields = _LOCAL.unpack_from(data, info.header_offset)
        if fields[0] != zipfile.stringFileHeader:
            return _rewrite(data)
        start = info.header_offset + _LOCAL.size + fields[-2] + fields[-1]
        raw = view[start:start + info.compress_size]
        crc, csize, usize = info.CRC, info.compress_size, info.file_size
        if info.filename == CORE_XML:
            raw, crc, csize, usize = _pack(_pin_core(_unpack(raw, info.compress_type)), info.compress_type)
        name, flags = _name(info.filename)
        flags |= info.flag_bits & _KEEP_FLAGS
        offset = len(out)
        out += _LOCAL.pack(zipfile.stringFileHeader, _VERSION, 0, flags, info.compress_type, _DOS_TIME, _DOS_DATE,
                           crc, csize, usize, len(name), 0)
        out += name
        out += raw
        central += _CENTRAL.pack(zipfile.stringCentralDir, _VERSION, _UNIX, _VERSION, 0, flags, info.compress_type,
                                 _DOS_TIME, _DOS_DATE, crc, csize, usize, len(name), 0, 0, 0, 0, _EXTERNAL_ATTR,
                                 offset)
        central += name
    directory = len(out)
    out += central
    out += _END.pack(zipfile.stringEndArchive, 0, 0, len(infos), len(infos), len(central), directory, 0)
    return bytes(out)


def _name(filename: str) -> tuple[bytes, int]:
    try:
        return filename.encode("ascii"), 0
    except UnicodeEncodeError:
        return filename.encode("utf-8"), _UTF8_NAME


def _unpack(raw, method: int) -> bytes:
    return zlib.decompress(raw, -15) if method == zipfile.ZIP_DEFLATED else bytes(raw)


def _pack(content: bytes, method: int) -> tuple[bytes, int, int, int]:
    """Compressed bytes, CRC, compressed size, size — compressed as zipfile does by default."""
    if method == zipfile.ZIP_DEFLATED:
        packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        raw = packer.compress(content) + packer.flush()
    else:
        raw = content
    return raw, zlib.crc32(content), len(raw), len(content)


def _pin_core(xml: bytes) -> bytes:
    return _CORE_DATE.sub(rb"\g<1>" + FIXED_W3CDTF + rb"\g<3>", xml)


def _rewrite(data: bytes) -> bytes:
    """The slow path (zip64, unusual compression): inflate and deflate every entry through zipfile."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == CORE_XML:
                content = _pin_core(content)
            entry = zipfile.ZipInfo(info.filename, FIXED_DATE_TIME)
            entry.compress_type = info.compress_type
            entry.create_system = _UNIX
            entry.external_attr = _EXTERNAL_ATTR
            dst.writestr(entry, content)
    return out.getvalue()


def workbook_bytes(wb) -> bytes:
    """An openpyxl workbook as the bytes of a reproducible .xlsx (jixiao as its author)."""
    props = wb.properties
    props.creator = props.lastModifiedBy = GENERATOR
    props.created = props.modified = FIXED_DATETIME  # openpyxl overwrites `modified` on save: pinned again below
    out = io.BytesIO()
    wb.save(out)
    return deterministic_zip(out.getvalue())


def document_bytes(doc) -> bytes:
    """A python-docx document as the bytes of a reproducible .docx (jixiao as its author)."""
    core = doc.core_properties
    core.author = core.last_modified_by = GENERATOR
    core.created = core.modified = FIXED_DATETIME
    out = io.BytesIO()
    doc.save(out)
    return deterministic_zip(out.getvalue())
