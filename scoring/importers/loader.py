"""The one registry of input types: which files jixiao reads, how, and under which size cap.

Every command opens submissions through `load_submission`; `jixiao batch`
sorts the files of a folder with `classify`.  A file is read once, from a
descriptor opened without blocking and checked to be a regular file, and never
more than its type's cap: a FIFO, a device or /dev/zero behind a .csv name is
refused before a byte is read.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..diagnostics import Diagnostics, Where
from ..fileio import open_regular
from ..yamlload import Document, load_bytes

MB = 1024 * 1024


def _load_yaml(name: str, raw: bytes, diags: Diagnostics, default_set: str | None) -> Document | None:
    return load_bytes(raw, name, diags)


def _load_workbook(name: str, raw: bytes, diags: Diagnostics, default_set: str | None) -> Document | None:
    from .xlsx_form import read_form

    return read_form(name, raw, diags, default_set)


def _load_csv(name: str, raw: bytes, diags: Diagnostics, default_set: str | None) -> Document | None:
    from .csv_table import read_csv

    return read_csv(name, raw, diags, default_set)


@dataclass(frozen=True)
class InputType:
    suffixes: tuple[str, ...]
    label: str          # how the README and messages name it
    max_bytes: int      # checked on the open descriptor, before reading
    load: Callable[[str, bytes, Diagnostics, str | None], Document | None]


INPUT_TYPES = (
    InputType((".yaml", ".yml"), "YAML 自评表", 2 * MB, _load_yaml),
    InputType((".xlsx", ".xlsm"), "Excel 工作簿", 20 * MB, _load_workbook),
    InputType((".csv",), "CSV 表格", 5 * MB, _load_csv),
)
_BY_SUFFIX = {suffix: kind for kind in INPUT_TYPES for suffix in kind.suffixes}
# Files units send that jixiao does not read (yet): named, so they are reported, never guessed at.
NOT_READ = (".xls", ".xlsb", ".ods", ".et", ".docx", ".doc", ".wps", ".pdf", ".ofd", ".zip", ".rar", ".7z",
            ".jpg", ".jpeg", ".png", ".txt", ".json", ".html", ".htm", ".md")
SUPPORTED = "、".join(s for kind in INPUT_TYPES for s in kind.suffixes)


def input_type(path: str | Path) -> InputType | None:
    """The type of `path` by its suffix; None for a suffix jixiao does not read."""
    return _BY_SUFFIX.get(Path(path).suffix.lower())


def is_supported(name: str) -> bool:
    return Path(name).suffix.lower() in _BY_SUFFIX


def load_submission(path: str | Path, diags: Diagnostics, default_set: str | None = "mof-project") -> Document | None:
    """Read and parse one submission. `default_set` names the set of a table that does not say its own.

    A file with a suffix jixiao does not know is read as YAML (it was named on purpose);
    one of the known other kinds (.xls, .docx, .pdf…) is reported as such."""
    path = Path(path)
    name = str(path)
    suffix = path.suffix.lower()
    kind = _BY_SUFFIX.get(suffix)
    if kind is None:
        if suffix == ".xls":
            diags.add("I801", Where(name))
            return None
        if suffix in NOT_READ:
            diags.add("I806", Where(name), suffix=suffix, supported=SUPPORTED)
            return None
        kind = INPUT_TYPES[0]
    raw = open_regular(path, kind.max_bytes, diags)
    if raw is None:
        return None
    return kind.load(name, raw, diags, default_set)
