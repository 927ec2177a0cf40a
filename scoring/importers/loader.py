"""Open a submission whatever it was written in: YAML, or a filled .xlsx form."""
from __future__ import annotations

from pathlib import Path

from ..diagnostics import Diagnostics, Where
from ..yamlload import Document, load_file

MAX_XLSX_BYTES = 20 * 1024 * 1024
SPREADSHEETS = (".xlsx", ".xlsm", ".xls")


def load_submission(path: str | Path, diags: Diagnostics, default_set: str | None = "mof-project") -> Document | None:
    """`default_set` names the set of a table that does not say (flat tables)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in SPREADSHEETS:
        try:
            size = path.stat().st_size
        except OSError as exc:
            diags.add("Y100", Where(str(path)), reason=exc.strerror or str(exc))
            return None
        if size > MAX_XLSX_BYTES:
            diags.add("Y101", Where(str(path)), size=size, limit=MAX_XLSX_BYTES)
            return None
        from .xlsx_form import read_form

        return read_form(path, diags, default_set)
    if suffix == ".csv":
        from .csv_table import read_csv

        return read_csv(path, diags, default_set)
    if suffix in (".xlsb", ".ods", ".docx", ".pdf"):
        diags.add("I806", Where(str(path)), suffix=suffix)
        return None
    return load_file(path, diags)
