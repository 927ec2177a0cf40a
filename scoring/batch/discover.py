"""Find what a batch should score, in a deterministic order, and account for everything else.

Every entry under an input folder becomes an `Input`: the submissions to read,
and, with the reason, what is not read — hidden and Office lock files
(ignored, B904), types jixiao does not read (I806), pipes and devices (Y112),
symbolic links leading out of the input folder (B905), folders that cannot be
listed (B905).  Nothing found is dropped without a row in results.csv.
Files named on the command line are taken whatever their suffix.  Each input
gets a printable name (file names in any encoding) and a place for its outputs
that no other input shares.
"""
from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..importers.loader import SUPPORTED, is_supported
from ..display import escaped_name, replace_invisible
from ..fileio import kind_of, os_reason


@dataclass(frozen=True)
class Input:
    path: str   # how to open it (undecodable names keep their bytes, as surrogates)
    name: str   # how it is shown: the path as the user would type it, with /, always printable text
    stem: str   # where its outputs go, relative to OUTDIR/results, without a suffix
    skip: tuple | None = None  # (code, fields): listed but not read


class DiscoveryError(Exception):
    """A usage problem with the paths given (missing path, output inside the input)."""


def shown(path: str) -> str:
    """A path as text that can be printed and written anywhere.

    A name that is not UTF-8 (a zip made on Chinese Windows keeps GBK names) is decoded as
    GB18030 when it is valid GB18030, else its bytes are shown as \\xNN; each part of the
    path on its own, so a GBK file in a UTF-8 folder keeps both readable.  Control and other
    invisible characters (a name can hold ESC, CR, LF, U+202E) are shown as \\u001b-style escapes,
    so two names never look alike."""
    try:
        path.encode("utf-8")
        return escaped_name(path)
    except UnicodeEncodeError:
        pass
    parts = []
    for part in os.fsencode(path).split(b"/"):
        try:
            parts.append(part.decode("utf-8"))
        except UnicodeDecodeError:
            try:
                parts.append(part.decode("gb18030"))
            except UnicodeDecodeError:
                parts.append(part.decode("utf-8", "surrogateescape"))  # escaped below as \\xNN
    return escaped_name("/".join(parts))


def _ignored(name: str) -> str | None:
    """Why a file or folder is passed over, or None."""
    if name.startswith("~$"):
        return "Office 打开文件时生成的临时锁定文件"
    if name.startswith("."):
        return "隐藏文件或文件夹"
    if name.endswith("~") or name.lower().endswith(".tmp"):
        return "临时文件"
    return None


def _is_within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


class _Walk:
    """One input folder, walked without following links; everything found goes into `found`."""

    def __init__(self, root: str, out_dir: str | None, found: dict):
        self.root = root
        self.real_root = os.path.realpath(root)
        self.base = shown(os.path.basename(self.real_root) or "input")
        self.out_dir = out_dir
        self.found = found

    def add(self, path: str, skip: tuple | None = None, key: str | None = None) -> None:
        rel = os.path.relpath(path, self.root).replace(os.sep, "/")
        self.found.setdefault(key or f"skip:{os.path.abspath(path)}",
                              (path, shown(path.replace(os.sep, "/")), f"{self.base}/{shown(rel)}", skip))

    def folder(self, folder: str) -> None:
        """Walk `folder` and everything below it (a stack, not recursion: a tree can be any depth)."""
        pending = [folder]
        while pending:
            current = pending.pop()
            try:
                with os.scandir(current) as listing:
                    entries = sorted(listing, key=lambda e: e.name)
            except OSError as exc:
                self.add(current, ("B905", {"reason": f"无法读取文件夹（{os_reason(exc)}）", "hint": _FOLDER_HINT}))
                continue
            for entry in entries:
                sub = self.entry(entry)
                if sub is not None:
                    pending.append(sub)

    def entry(self, entry: os.DirEntry) -> str | None:
        """Account for one entry; a folder to walk is returned, not walked."""
        path = entry.path
        why = _ignored(entry.name)
        try:  # the entry's type comes with the listing: no system call per file
            if why is not None:
                self.add(path, ("B904", {"reason": why}))
            elif entry.is_symlink():
                self.link(path)
            elif entry.is_dir(follow_symlinks=False):
                return path
            elif entry.is_file(follow_symlinks=False):
                self.file(path, entry.name)
            else:
                self.add(path, ("Y112", {"kind": kind_of(entry.stat(follow_symlinks=False).st_mode)}))
        except OSError as exc:
            self.add(path, ("B905", {"reason": f"无法读取（{os_reason(exc)}）", "hint": _FOLDER_HINT}))
        return None

    def file(self, path: str, name: str) -> None:
        if is_supported(name):
            self.add(path, None, key=os.path.realpath(path))
            return
        suffix = os.path.splitext(name)[1].lower() or "（无扩展名）"
        self.add(path, ("I801", {}) if suffix == ".xls" else ("I806", {"suffix": suffix, "supported": SUPPORTED}))

    def link(self, path: str) -> None:
        target = os.path.realpath(path)
        if not os.path.exists(path):
            self.add(path, ("B905", {"reason": "符号链接指向的文件不存在（或链接成环）", "hint": ""}))
        elif not _is_within(target, self.real_root):
            self.add(path, ("B905", {"reason": f"符号链接指向输入文件夹之外（{shown(target)}），没有跟随",
                                     "hint": "要处理该文件，请把它复制到输入文件夹中，或在命令行上直接写出它的路径。"}))
        else:
            self.add(path, ("B904", {"reason": f"符号链接，指向输入文件夹中的 {shown(os.path.relpath(target, self.real_root))}"
                                               "（该文件或文件夹本身已在清单中）"}))


_FOLDER_HINT = "请检查该文件夹的读取权限；其中的文件没有计分。"


def discover(paths, out_dir: str | Path | None = None) -> list[Input]:
    """The inputs under `paths`, sorted by shown name, each once."""
    out = os.path.realpath(out_dir) if out_dir is not None else None
    found: dict[str, tuple] = {}  # key -> (path, shown name, output name, skip)
    for raw in paths:
        raw = os.fspath(raw)
        if not os.path.lexists(raw):
            raise DiscoveryError(f"找不到路径：{shown(raw)}")
        resolved = os.path.realpath(raw)
        if out is not None and (_is_within(out, resolved) or _is_within(resolved, out)):
            raise DiscoveryError(f"输出目录 {out_dir} 与输入 {shown(raw)} 相互包含；请把输出目录放在输入之外，"
                                 "否则结果会被当作输入再读一次，清理旧结果时也可能波及输入。")
        if os.path.isdir(raw):
            _Walk(raw, out, found).folder(raw)
        else:
            name = shown(raw.replace(os.sep, "/"))
            found.setdefault(resolved, (raw, name, shown(os.path.basename(raw)), None))
    ordered = sorted(found.values(), key=lambda item: _sort_key(item[1]))
    return _with_stems(ordered)


def _sort_key(name: str):
    return [part.casefold() for part in name.split("/") if part not in ("", ".")]


# Output suffixes a result can get: a stem must leave room for the longest, and no result file may be named
# like a folder that holds other results.
_OUTPUT_SUFFIXES = (".json", ".html", ".pdf", ".xlsx", ".docx", ".md")
_MAX_PART_BYTES = 200  # file-name limit 255, less the longest suffix, a "-NN" and room to spare
_MAX_STEM_BYTES = 1024  # a path under OUTDIR/results must stay well within PATH_MAX (4096)


def _with_stems(items: list[tuple]) -> list[Input]:
    """Two inputs never share an output: a clash keeps the suffix (表.yaml, 表.yml), then gets a number;
    a result is never named like a folder holding other results (b.json beside the folder b.json/)."""
    stems = [_safe_stem(rel) if skip is None else "" for _, _, rel, skip in items]
    counts: dict[str, int] = {}
    for stem in stems:
        counts[stem] = counts.get(stem, 0) + 1
    folders = {_key(stem.rsplit("/", depth)[0]) for stem in stems if stem for depth in range(1, stem.count("/") + 1)}
    taken: set[str] = set()
    inputs = []
    for (path, name, rel, skip), stem in zip(items, stems):
        if skip is None:
            if counts[stem] > 1:
                stem = stem + "." + os.path.splitext(rel)[1].lstrip(".").lower()
            unique, n = stem, 1
            while _key(unique) in taken or any(_key(unique + s) in folders for s in _OUTPUT_SUFFIXES):
                n += 1
                unique = f"{stem}-{n}"
            taken.add(_key(unique))
            stem = unique
        inputs.append(Input(path=path, name=name, stem=stem, skip=skip))
    return inputs


def _key(name: str) -> str:
    """Names a case- or normalization-insensitive file system (Windows, macOS) would take as one."""
    return unicodedata.normalize("NFC", name).casefold()


def _safe_stem(rel: str) -> str:
    """A relative output name without a suffix: `..`, drive colons and backslashes cannot climb out of OUTDIR
    or make folders; invisible characters become `_`; each part fits a file name once a suffix is added."""
    parts = [p for p in rel.split("/") if p not in ("", ".")]
    parts = ["__" if p == ".." else _plain_part(p) for p in parts]
    parts = [("_" + p) if p.startswith(".") else p for p in parts]  # never a hidden output
    if not parts:
        parts = ["input"]
    stem, suffix = os.path.splitext(parts[-1])
    if is_supported(parts[-1]) and stem:
        parts[-1] = stem
    parts = [_fit(p) for p in parts]
    if len("/".join(parts).encode("utf-8", "surrogateescape")) > _MAX_STEM_BYTES and len(parts) > 2:
        # A tree too deep for a path: the folders between the first and the last become one digest.
        import hashlib

        middle = "/".join(parts[1:-1]).encode("utf-8", "surrogateescape")
        parts = [parts[0], "~" + hashlib.blake2b(middle, digest_size=6).hexdigest(), parts[-1]]
    return "/".join(parts)


def _plain_part(part: str) -> str:
    return replace_invisible(part.replace(":", "_").replace("\\", "_"))


def _fit(part: str) -> str:
    """`part` cut to _MAX_PART_BYTES of UTF-8, with a short digest of the whole so cut names stay distinct."""
    raw = part.encode("utf-8", "surrogateescape")
    if len(raw) <= _MAX_PART_BYTES:
        return part
    import hashlib

    tag = hashlib.blake2b(raw, digest_size=4).hexdigest()
    cut = raw[:_MAX_PART_BYTES - 9].decode("utf-8", "ignore")
    return f"{cut}~{tag}"


__all__ = ["Input", "DiscoveryError", "discover", "shown"]
