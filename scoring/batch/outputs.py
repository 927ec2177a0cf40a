"""The batch output directory: preparing it, and the CSV files streamed into it.

Everything written here is atomic: CSV streams go to a hidden temporary file
renamed into place only when the batch finishes, so an interrupted batch
leaves the previous complete file or none, never half of one.
"""
from __future__ import annotations

import csv
import os
import re
import shutil
from decimal import Decimal
from pathlib import Path

from ..safetext import safe_text

MARKER = ".jixiao-batch"  # marks a folder as ours, so --force only ever clears our own outputs
RESULTS_DIR = "results"
OUR_FILES = ("summary.html", "summary.xlsx", "errors.csv", "results.csv", MARKER)

ERROR_COLUMNS = ["文件", "代码", "级别", "位置", "说明", "建议"]
SEVERITY_TEXT = {"error": "错误", "warning": "警告", "info": "提示"}
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


class OutputDirError(Exception):
    """The output folder cannot be used as it is (a usage problem)."""


def prepare(out_dir: Path, force: bool) -> None:
    """Make `out_dir` ready. An existing folder with contents needs --force, and then only our files go."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputDirError(f"输出路径 {out_dir} 已存在且不是目录；请换一个目录名。")
    existing = [p for p in out_dir.iterdir()] if out_dir.exists() else []
    if existing and not force:
        raise OutputDirError(f"输出目录 {out_dir} 已有内容（上次的结果？）；加 --force 覆盖其中 jixiao 的输出，或换一个新目录。")
    if existing:
        if not (out_dir / MARKER).exists():
            raise OutputDirError(f"输出目录 {out_dir} 有内容，但不是 jixiao batch 的输出目录；为免误删，请换一个新目录。")
        shutil.rmtree(out_dir / RESULTS_DIR, ignore_errors=True)
        for name in OUR_FILES:
            (out_dir / name).unlink(missing_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MARKER).write_text("jixiao batch output\n", encoding="utf-8")


def cell(value) -> str:
    """A CSV cell a spreadsheet shows as written: numbers stay numbers, text cannot become a formula."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    text = str(value)
    return text if _NUMBER.match(text) else safe_text(text)


class CsvStream:
    """A CSV written row by row to a temporary file, renamed into place by `commit()`.

    UTF-8 with a BOM, because that is what makes Excel and WPS open Chinese CSV correctly.
    """

    def __init__(self, path: Path, header: list[str]):
        self.path = path
        self.tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        self.fh = open(self.tmp, "w", encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.fh)
        self.writer.writerow(header)
        self.rows = 0

    def write(self, row) -> None:
        self.writer.writerow([cell(v) for v in row])
        self.rows += 1

    def commit(self) -> None:
        self.fh.close()
        os.replace(self.tmp, self.path)

    def discard(self) -> None:
        if not self.fh.closed:
            self.fh.close()
        self.tmp.unlink(missing_ok=True)


def sweep_temporary(out_dir: Path) -> int:
    """Remove temporary files an interrupted batch left behind; returns how many."""
    removed = 0
    for folder, _, files in os.walk(out_dir):
        for name in files:
            if name.startswith(".") and name.endswith(".tmp"):
                Path(folder, name).unlink(missing_ok=True)
                removed += 1
    return removed
