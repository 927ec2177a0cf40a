"""Find the submissions a batch should score, in a deterministic order.

Directories are walked recursively; files named on the command line are taken
whatever their suffix (an unsupported one is reported per file, not dropped).
Each input gets the name it is shown under and a place for its outputs that no
other input shares.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

SUFFIXES = (".yaml", ".yml", ".xlsx", ".csv")


@dataclass(frozen=True)
class Input:
    path: str   # how to open it
    name: str   # how it is shown: the path as the user would type it, with /
    stem: str   # where its outputs go, relative to OUTDIR/results, without a suffix


class DiscoveryError(Exception):
    """A usage problem with the paths given (missing path, output inside the input)."""


def _skipped(name: str) -> bool:
    # hidden files, editor and Office lock files (~$表.xlsx), our own temporary files
    return name.startswith((".", "~$", "~")) or name.endswith((".tmp", "~"))


def _is_within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _walk(root: str, out_dir: str | None):
    """Supported files under `root` (plain strings: pathlib costs more than the walk at 10,000 files)."""
    found = []
    for folder, subdirs, files in os.walk(root, followlinks=False):
        subdirs[:] = sorted(d for d in subdirs if not _skipped(d) and not (
            out_dir is not None and _is_within(os.path.realpath(os.path.join(folder, d)), out_dir)))
        for name in files:
            if not _skipped(name) and name.lower().endswith(SUFFIXES):
                found.append(os.path.join(folder, name))
    return found


def discover(paths, out_dir: str | Path | None = None) -> list[Input]:
    """The inputs under `paths`, sorted by shown name, each once."""
    out = os.path.realpath(out_dir) if out_dir is not None else None
    chosen: dict[str, tuple[str, str]] = {}  # real path -> (shown name, output stem)
    for raw in paths:
        raw = os.fspath(raw)
        if not os.path.lexists(raw):
            raise DiscoveryError(f"找不到路径：{raw}")
        if os.path.isdir(raw):
            resolved = os.path.realpath(raw)
            if out is not None and (_is_within(out, resolved) or _is_within(resolved, out)):
                raise DiscoveryError(f"输出目录 {out_dir} 位于输入目录 {raw} 之内（或相反）；"
                                     "请把输出目录放在输入目录之外，否则结果会被当作输入再读一次。")
            base = os.path.basename(resolved) or "input"
            for file in _walk(raw, out):
                # outputs mirror the tree under the folder's own name, wherever it was given from;
                # the folder is resolved once, not every file
                rel = os.path.relpath(file, raw) if not file.startswith(raw) else file[len(raw):].lstrip(os.sep)
                rel = rel.replace(os.sep, "/")
                chosen.setdefault(os.path.join(resolved, rel), (file.replace(os.sep, "/"), f"{base}/{rel}"))
        else:
            chosen.setdefault(os.path.realpath(raw), (raw.replace(os.sep, "/"), os.path.basename(raw)))
    ordered = sorted(chosen.items(), key=lambda item: _sort_key(item[1][0]))
    return _with_stems([(real, name, rel) for real, (name, rel) in ordered])


def _sort_key(name: str):
    return [part.casefold() for part in name.split("/") if part not in ("", ".")]


def _with_stems(items: list[tuple[str, str, str]]) -> list[Input]:
    """Two inputs never share an output: a clash keeps the suffix (表.yaml, 表.yml), then gets a number."""
    stems = [_safe_stem(rel) for _, _, rel in items]
    counts: dict[str, int] = {}
    for stem in stems:
        counts[stem] = counts.get(stem, 0) + 1
    taken: set[str] = set()
    inputs = []
    for (path, name, rel), stem in zip(items, stems):
        if counts[stem] > 1:
            stem = stem + "." + os.path.splitext(rel)[1].lstrip(".").lower()
        unique, n = stem, 1
        while unique.casefold() in taken:
            n += 1
            unique = f"{stem}-{n}"
        taken.add(unique.casefold())
        inputs.append(Input(path=path, name=name, stem=unique))
    return inputs


def _safe_stem(rel: str) -> str:
    """A relative output name without a suffix; `..` and drive colons cannot climb out of OUTDIR."""
    parts = [p for p in rel.replace("\\", "/").split("/") if p not in ("", ".")]
    parts = ["__" if p == ".." else p.replace(":", "_") for p in parts]
    if not parts:
        parts = ["input"]
    stem, suffix = os.path.splitext(parts[-1])
    if suffix.lower() in SUFFIXES and stem:
        parts[-1] = stem
    return "/".join(parts)
