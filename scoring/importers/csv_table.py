"""Read a flat table (one row per indicator) from CSV: UTF-8 with or without BOM, or GBK.

The file is read the way Excel reads it, with no guessing of the dialect beyond the
delimiter: fields may be quoted with `"`, a quote inside a quoted field is written
twice (`""`), a quoted field may hold delimiters and line breaks, lines end with
`\\r\\n` or `\\n`.  A quote that does not open a field (`5"`) is a literal character.
Only the delimiter is chosen, from the first lines: comma, tab or semicolon (European
Excel), and the full-width comma `，` when nothing else fits.

Quoting that Excel would not write (a quoted field never closed, text after a closing
quote), a cell longer than any field of the schema, or a table longer than the reader
reads are errors (I811) that name the line, never a silent cut.
"""
from __future__ import annotations

import re
from collections import Counter

from ..diagnostics import Diagnostics, Where
from ..yamlload import Document
from .xlsx_form import COLUMNS, MAX_COLS, MAX_ROWS, RowCells, find_header, read_table

MAX_FIELD_CHARS = 20000          # the schema's longest text field
DELIMITERS = (",", "\t", ";")    # in order of preference: comma wins ties
FULLWIDTH_COMMA = "，"            # only when none of DELIMITERS fits
SAMPLE_CHARS = 64 * 1024         # text looked at to choose the delimiter
SAMPLE_RECORDS = 20              # logical lines looked at to choose the delimiter

# A quoted field: `"`, then anything but a quote or a doubled quote, then the closing `"`.
# Possessive quantifiers: one linear scan, no backtracking into a shorter (wrong) close.
_QUOTED = re.compile(r'"([^"]*+(?:""[^"]*+)*+)"')


class _Malformed(Exception):
    """A CSV problem at a line (1-based, physical) and field (1-based, or None)."""

    def __init__(self, line: int, col: int | None, problem: str, record: int | None = None):
        super().__init__(problem)
        self.line, self.col, self.problem, self.record = line, col, problem, record


def read_csv(name: str, raw: bytes, diags: Diagnostics, default_set: str | None = None) -> Document | None:
    """The submission in a CSV file's bytes (read by the loader, under its size cap)."""
    text = decode_csv(raw, name, diags)
    if text is None:
        return None
    rows = parse_csv(text, name, diags)
    if rows is None:
        return None
    cells = RowCells([[cell.strip() for cell in row[:MAX_COLS]] for row in rows])  # it reads no more
    header = find_header(cells)
    if header is None:
        diags.add("I803", Where(name), names="、".join(n[0] for n in COLUMNS.values()))
        return None
    doc = read_table(name, None, cells, header, diags, default_set)
    doc.data.pop("_unit_fallback", None)
    return doc


def decode_csv(raw: bytes, file: str, diags: Diagnostics) -> str | None:
    """UTF-8 (with or without BOM), else GB18030 with a warning (I807), else None with I808."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("gb18030")  # Excel/WPS in Chinese Windows save CSV as GBK
    except UnicodeDecodeError:
        diags.add("I808", Where(file))
        return None
    diags.add("I807", Where(file))
    return text


def parse_csv(text: str, file: str, diags: Diagnostics, delimiter: str | None = None) -> list[list[str]] | None:
    """The records of `text` by Excel's CSV rules, each a list of field texts (not stripped); a blank
    line is `[]`.  `delimiter` None chooses it (see `choose_delimiter`).  On malformed quoting, a field
    over MAX_FIELD_CHARS, content beyond MAX_ROWS records or a column name beyond MAX_COLS: I811 and
    None.  Never raises on any text."""
    try:
        delimiter = delimiter or choose_delimiter(text)
        rows: list[list[str]] = []
        lines: list[int] = []
        _split(text, delimiter, rows, lines, MAX_ROWS)
        _check_width(rows, lines)
    except _Malformed as exc:
        problem = exc.problem
        if exc.record is not None and exc.record != exc.line:
            problem += f"（在 Excel/WPS 中是第 {exc.record} 行）"
        diags.add("I811", Where(file, exc.line, exc.col), line=exc.line, problem=problem)
        return None
    return rows


def choose_delimiter(text: str) -> str:
    """Comma, tab or semicolon: the one splitting most of the first logical lines into the same
    number (≥ 2) of fields, counted outside quoted fields (title lines above the header have none);
    comma wins ties.  The full-width comma only when none of them does so on most of the lines
    that have any text, and it does so on more lines."""
    sample = text[:SAMPLE_CHARS]
    support = {delim: _support(sample, delim) for delim in DELIMITERS}
    filled = max(lines for _, lines in support.values())
    best = max(DELIMITERS, key=lambda d: (support[d][0], -DELIMITERS.index(d)))
    if 2 * support[best][0] <= filled and _support(sample, FULLWIDTH_COMMA)[0] > support[best][0]:
        return FULLWIDTH_COMMA
    return best


def _support(sample: str, delim: str) -> tuple[int, int]:
    """(how many of the first records split by `delim` into the most common number ≥ 2 of fields,
    how many of them have text)."""
    rows: list[list[str]] = []
    try:
        _split(sample, delim, rows, [], None, SAMPLE_RECORDS)
    except _Malformed:
        pass  # quoting that does not parse with this delimiter: what was read so far counts
    widths = [len(row) for row in rows if any(cell.strip() for cell in row)]
    return max(Counter(w for w in widths if w >= 2).values(), default=0), len(widths)


class _Patterns:
    """The regular expressions for one delimiter and line end."""

    def __init__(self, delim: str, newline: str):
        d, nl = re.escape(delim), re.escape(newline)
        quoted = '"[^"]*+(?:""[^"]*+)*+"'
        field = f'(?:{quoted}|[^{d}"{nl}][^{d}{nl}]*+|)'
        end = r"(?:\r?\n|\Z)" if newline == "\n" else r"(?:\r|\Z)"
        # A whole well-formed record, its line end included: one scan in C.
        self.record = re.compile(f"{field}(?:{d}{field})*+{end}").match
        # The fields of a well-formed record written after one more delimiter: quoted text, or plain text.
        self.fields = re.compile(f'{d}(?:"([^"]*+(?:""[^"]*+)*+)"|([^{d}"{nl}][^{d}{nl}]*+)|)').findall
        self.unquoted = re.compile(f"[^{d}{nl}]*").match
        self.content = re.compile(f"[^\\s{d}]").search  # a character that may make a cell non-blank


_PATTERNS: dict[tuple[str, str], _Patterns] = {}


def _split(text: str, delim: str, rows: list[list[str]], lines: list[int], max_rows: int | None,
           max_records: int | None = None) -> None:
    """Append the records of `text` to `rows` and the line each starts on to `lines`.

    Records beyond `max_rows` are dropped when empty; one with content raises.  Stops after
    `max_records` records (sampling).  Raises _Malformed, with what was read so far in `rows`."""
    n = len(text)
    newline = "\n" if "\n" in text else "\r"  # a file with CR only: old Mac Excel
    crlf = newline == "\n"
    patterns = _PATTERNS.get((delim, newline))
    if patterns is None:
        patterns = _PATTERNS[(delim, newline)] = _Patterns(delim, newline)
    whole_record, fields_of = patterns.record, patterns.fields
    find = text.find
    pos, line, record = 0, 1, 0
    while pos < n:
        if max_records is not None and record >= max_records:
            return
        record += 1
        start = line
        end = find(newline, pos)
        if end < 0:
            end = n
        segment = text[pos:end]
        if '"' not in segment:
            # A line without quotes is one record: split at the delimiter.
            if crlf and segment.endswith("\r"):
                segment = segment[:-1]
            fields = segment.split(delim) if segment else []
            line, pos, size = line + 1, end + 1, end - pos
        else:
            match = whole_record(text, pos)
            if match is None:
                raise _malformed(text, pos, line, delim, newline, patterns, record)
            size, body = match.end() - pos, text[pos:match.end()]
            line += body.count(newline)
            pos = match.end()
            if body.endswith("\n"):
                body = body[:-1]
            if body.endswith("\r"):  # CRLF, a CR-only line end, or an unquoted last cell's CR (as above)
                body = body[:-1]
            fields = [(q.replace('""', '"') if '"' in q else q) if q else u for q, u in fields_of(delim + body)]
        if size > MAX_FIELD_CHARS and max(map(len, fields), default=0) > MAX_FIELD_CHARS:
            for col, value in enumerate(fields, 1):
                if len(value) > MAX_FIELD_CHARS:
                    raise _too_long(_field_line(text, start, fields, col, newline), col, len(value), record)
        if max_rows is not None and record > max_rows:
            if any(cell.strip() for cell in fields):
                raise _Malformed(start, None, f"表格超过 {max_rows} 行（这一行仍有内容），超出读取上限；"
                                              "一张自评表不应这么长，请删除多余的行，或检查是否选错了文件",
                                 record)
            # Blank rows past the end of the table (Excel's used range): skip them all to the next
            # line that may have content.
            found = patterns.content(text, pos)
            if found is None:
                return
            line_start = text.rfind(newline, pos, found.start()) + 1
            if line_start > pos:
                skipped = text.count(newline, pos, line_start)
                line, record, pos = line + skipped, record + skipped, line_start
            continue
        rows.append(fields)
        lines.append(start)


def _field_line(text: str, start: int, fields: list[str], col: int, newline: str) -> int:
    """The line field `col` of a record starting on line `start` starts on."""
    return start + sum(value.count(newline) for value in fields[:col - 1])


def _malformed(text: str, pos: int, line: int, delim: str, newline: str, patterns: _Patterns,
               record: int) -> _Malformed:
    """What is wrong with the record at `pos`, which does not match `patterns.record`: walk its
    fields to the first one that Excel would not have written."""
    n = len(text)
    col = 0
    while True:
        col += 1
        if text.startswith('"', pos):
            match = _QUOTED.match(text, pos)
            if match is None:
                return _Malformed(line, col, f"引号没有闭合（从第 {line} 行开始的单元格一直到文件末尾）；"
                                             "请在这个单元格的内容末尾补上英文引号 \"，"
                                             "单元格内的英文引号要写成两个 \"\"", record)
            line += text.count(newline, pos, match.end())
            pos = match.end()
            if newline == "\n" and text.startswith("\r\n", pos):
                pos += 1
        else:
            pos = patterns.unquoted(text, pos).end()
        if pos >= n or text[pos] == newline:
            break
        if text[pos] != delim:
            return _Malformed(line, col, f"第 {col} 列的单元格在引号结束后还有「{_shown(text, pos)}」；"
                                         "单元格内的英文引号要写成两个 \"\"，"
                                         "或把整个单元格放在一对引号里", record)
        pos += 1
    # Not reached for any text (the record pattern and this walk accept the same records): a plain report.
    return _Malformed(line, None, "无法按 CSV 格式读取这一行；请检查这一行的英文引号", record)


def _too_long(line: int, col: int, size: int, record: int) -> _Malformed:
    return _Malformed(line, col, f"第 {col} 列的单元格有 {size} 个字，超过上限 {MAX_FIELD_CHARS} 个字；"
                                 "请删减这个单元格的内容，或检查是否选错了文件", record)


def _shown(text: str, pos: int) -> str:
    """The few characters at `pos`, printable in a message."""
    piece = text[pos:pos + 8].split("\n")[0].split("\r")[0]
    if not piece:
        return "回车符"
    return piece + ("…" if len(piece) == 8 else "")


def _check_width(rows: list[list[str]], lines: list[int]) -> None:
    """Content beyond MAX_COLS would be silently lost: an error, as in a workbook.  Empty cells
    there (Excel's trailing `,,,,`) are not content."""
    for index, row in enumerate(rows):
        if len(row) <= MAX_COLS:
            continue
        for col in range(MAX_COLS + 1, len(row) + 1):
            cell = row[col - 1].strip()
            if cell:
                raise _Malformed(lines[index], col,
                                 f"第 {col} 列还有内容「{cell[:20]}」，超出读取范围（最多 {MAX_COLS} 列）；"
                                 "请删除表格右边多余的列后另存", index + 1)
