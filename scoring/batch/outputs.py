"""The batch output directory: preparing it, and the CSV files streamed into it.

The folder is an `OutputFolder` (scoring/outputs.py): locked while the batch
runs, its manifest lists everything jixiao wrote, and `--force` removes only
that.  CSV streams go to a hidden temporary file renamed into place only when
the batch finishes, so an interrupted batch leaves the previous complete file
or none, never half of one.
"""
from __future__ import annotations

import csv
import os
import re
from decimal import Decimal
from pathlib import Path

from ..display import strip_invisible
from ..outputs import MANIFEST, OutputFolder, environment_error
from ..safetext import safe_text

RESULTS_DIR = "results"
OUR_FILES = ("summary.html", "summary.xlsx", "errors.csv", "results.csv", "crashes.log")

ERROR_COLUMNS = ["文件", "代码", "级别", "位置", "说明", "建议"]
SEVERITY_TEXT = {"error": "错误", "warning": "警告", "info": "提示"}
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


class OutputDirError(Exception):
    """The output folder cannot be used as it is (a usage problem)."""


def prepare(out_dir: Path, force: bool, planned: list[tuple[Path, str]]) -> OutputFolder:
    """Lock `out_dir` and make it ready; returns the open folder (the caller closes it).

    A folder with contents needs --force, and must be ours (it has a manifest).  Every planned output is
    checked first (none may replace a file jixiao did not write); only then are the files the manifest
    lists, unchanged, removed, so a refused run changes nothing."""
    if os.path.lexists(out_dir) and not out_dir.is_dir():
        raise OutputDirError(f"输出路径 {out_dir} 已存在且不是目录；请换一个目录名。")
    folder = OutputFolder(out_dir).__enter__()
    try:
        _refuse_unless_ours(folder, force)
        folder.check_plan(planned)
        if folder.has_manifest():
            folder.clear()
    except BaseException:
        folder.close()
        raise
    return folder


def _refuse_unless_ours(folder: OutputFolder, force: bool) -> None:
    try:
        existing = sorted(name for name in os.listdir(folder.root) if name != MANIFEST)
    except OSError as exc:
        raise environment_error("读取文件夹", folder.root, exc) from None
    if not existing and not folder.has_manifest():
        return
    if not force:
        raise OutputDirError(f"输出目录 {folder.root} 已有内容（上次的结果？）；加 --force 清除其中 jixiao 上次写出的文件，"
                             "或换一个新目录。")
    if not folder.has_manifest():
        raise OutputDirError(f"输出目录 {folder.root} 有内容，但不是 jixiao batch 的输出目录（没有 {MANIFEST}）；"
                             "为免误删，请换一个新目录。")


def cell(value) -> str:
    """A CSV cell a spreadsheet shows as written: numbers stay numbers, text cannot become a formula,
    and invisible control, bidi and zero-width characters are dropped (before the formula check, so
    dropping one cannot uncover a leading =)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    text = strip_invisible(str(value))
    return text if _NUMBER.match(text) else safe_text(text)


class CsvStream:
    """A CSV written row by row to a temporary file in the output folder, renamed into place by `commit()`.

    UTF-8 with a BOM, because that is what makes Excel and WPS open Chinese CSV correctly.
    """

    def __init__(self, folder: OutputFolder, path: Path, header: list[str]):
        self.path = path
        self.stream = folder.stream(path)  # recorded first: a killed run's temporary file is swept by --force
        self.writer = csv.writer(self.stream.file)
        self.write_row(header)
        self.rows = 0

    def write_row(self, row) -> None:
        try:
            self.writer.writerow(row)
        except OSError as exc:
            raise environment_error("写入", self.path, exc) from None

    def write(self, row) -> None:
        self.write_row([cell(v) for v in row])
        self.rows += 1

    def commit(self) -> None:
        self.stream.commit()

    def discard(self) -> None:
        self.stream.discard()
