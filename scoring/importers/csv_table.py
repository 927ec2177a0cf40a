"""Read a flat table (one row per indicator) from CSV: UTF-8 with or without BOM, or GBK."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from ..diagnostics import Diagnostics, Where
from ..yamlload import Document
from .xlsx_form import COLUMNS, RowCells, find_header, read_table

MAX_CSV_BYTES = 5 * 1024 * 1024


def read_csv(path: str | Path, diags: Diagnostics, default_set: str | None = None) -> Document | None:
    path = Path(path)
    name = str(path)
    try:
        raw = path.read_bytes()[: MAX_CSV_BYTES + 1]
    except OSError as exc:
        diags.add("Y100", Where(name), reason=exc.strerror or str(exc))
        return None
    if len(raw) > MAX_CSV_BYTES:
        diags.add("Y101", Where(name), size=len(raw), limit=MAX_CSV_BYTES)
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")  # Excel/WPS in Chinese Windows save CSV as GBK
            diags.add("I807", Where(name))
        except UnicodeDecodeError:
            diags.add("I808", Where(name))
            return None
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;，")
    except csv.Error:
        dialect = csv.excel
    rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), dialect)]
    cells = RowCells(rows)
    header = find_header(cells)
    if header is None:
        diags.add("I803", Where(name), names="、".join(n[0] for n in COLUMNS.values()))
        return None
    doc = read_table(name, None, cells, header, diags, default_set)
    doc.data.pop("_unit_fallback", None)
    return doc
