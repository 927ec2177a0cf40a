"""Where jixiao writes, under one rule: only regular files, only its own, never an input.

Every command that writes a file (render, form, import, review -o, batch) goes
through an `OutputFolder`:

- a write is atomic: a temporary file beside the target, then a rename, so a
  reader never sees half a file;
- it replaces an existing file only if that file is a regular file that jixiao
  wrote there and nobody changed since: the folder's manifest `.jixiao-manifest`
  lists what jixiao wrote (name, size, SHA-256), appended *before* the rename,
  so even a killed run leaves a record of what it may have left behind;
- `clear()` (batch --force) removes only files the manifest lists with their
  recorded content, and the temporary files of those names;
- the folder is locked (flock on the folder) while a run writes into it;
- the outputs of a run are checked together before the first write
  (`check_plan`): no two share a path, none is an input of the run, none
  would replace something that is not ours.

Problems are `OutputError`s with a Chinese message naming the path: a usage
problem (exit 2: choose another output) or an environment problem (exit 1:
permission, disk full, read-only file system).
"""
from __future__ import annotations

import errno
import hashlib
import itertools
import json
import os
import re
import stat
from pathlib import Path

from .fileio import kind_of, os_reason

MANIFEST = ".jixiao-manifest"
MAX_MANIFEST_BYTES = 256 * 1024 * 1024
MAX_OUTPUT_BYTES = 1024 * 1024 * 1024  # nothing jixiao writes is this big: a larger file is not ours
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_COUNTER = itertools.count()

class OutputError(Exception):
    """A file cannot be written. `usage`: the user should choose another output (exit 2), else exit 1."""

    def __init__(self, message: str, usage: bool = False):
        super().__init__(message)
        self.usage = usage


def environment_error(action: str, path: Path | str, exc: OSError) -> OutputError:
    return OutputError(f"无法{action} {path}：{os_reason(exc, writing=True)}。")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def same_file(a: Path | str, b: Path | str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


class OutputFolder:
    """A folder jixiao writes into; see the module docstring.  Use as a context manager (it locks)."""

    def __init__(self, root: Path | str, inputs=(), lock: bool = True):
        self.root = Path(root)
        self.inputs = [os.path.realpath(p) for p in inputs]
        self._lock = lock
        self._dir_fd: int | None = None
        self._journal = None
        self._made: set[str] = set()
        self._records: dict[str, set[str]] | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def __enter__(self) -> "OutputFolder":
        self.make_dir(self.root)
        if self._lock:
            self._acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        if self._dir_fd is not None:
            os.close(self._dir_fd)  # closing the descriptor releases the lock
            self._dir_fd = None

    def _acquire(self) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not on Linux/macOS: no locking
            return
        try:
            self._dir_fd = os.open(self.root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError as exc:
            raise environment_error("打开输出文件夹", self.root, exc) from None
        try:
            fcntl.flock(self._dir_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self._dir_fd)
            self._dir_fd = None
            raise OutputError(f"输出文件夹 {self.root} 正被另一个 jixiao 进程写入；请等它结束，或换一个输出文件夹。")

    # -- the manifest ---------------------------------------------------------------------

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST

    def has_manifest(self) -> bool:
        return os.path.isfile(self.manifest)

    def records(self) -> dict[str, set[str]]:
        """Name (relative, with /) -> the SHA-256 of every content jixiao wrote under it ("" for an intent).

        The manifest is a file anyone could edit: a name that climbs out of the folder (`..`, an
        absolute path) is ignored, and the manifest must be a regular file, not a link."""
        if self._records is None:
            self._records = {}
            for line in self._read_manifest().splitlines():
                try:
                    entry = json.loads(line)
                    name, sha = entry["name"], entry.get("sha256") or ""
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut by a crash
                if isinstance(name, str) and isinstance(sha, str) and _valid_name(name):
                    self._records.setdefault(name, set()).add(sha)
        return self._records

    def _read_manifest(self) -> bytes:
        try:
            fd = os.open(self.manifest, os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            return b""
        except OSError as exc:
            raise self._bad_manifest(exc) from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_MANIFEST_BYTES:
                raise OutputError(f"{self.manifest} 不是 jixiao 写的清单（不是普通文件，或大得异常）；"
                                  "为免误删，请换一个输出文件夹。", usage=True)
            return os.read(fd, MAX_MANIFEST_BYTES)
        except OSError as exc:
            raise self._bad_manifest(exc) from None
        finally:
            os.close(fd)

    def _bad_manifest(self, exc: OSError) -> OutputError:
        if exc.errno == errno.ELOOP:
            return OutputError(f"{self.manifest} 是符号链接，不是 jixiao 写的清单；为免误删，请换一个输出文件夹。", usage=True)
        return environment_error("读取", self.manifest, exc)

    def _record(self, name: str, sha: str, size: int) -> None:
        """Append one line to the manifest (raises OSError; callers name the file being written)."""
        if self._journal is None:
            fd = os.open(self.manifest, os.O_WRONLY | os.O_APPEND | os.O_CREAT | _NOFOLLOW
                         | getattr(os, "O_CLOEXEC", 0), 0o666)
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                os.close(fd)
                raise OSError(errno.EINVAL, "manifest is not a regular file")
            self._journal = os.fdopen(fd, "a", encoding="utf-8")
        line = json.dumps({"name": name, "sha256": sha, "size": size}, ensure_ascii=True)
        self._journal.write(line + "\n")
        self._journal.flush()  # one write per line: appends from several processes do not interleave
        if self._records is not None:
            self._records.setdefault(name, set()).add(sha)

    def relative(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.root)).as_posix()

    def inside(self, folder: Path) -> bool:
        """Whether `folder`, links resolved, is the root or under it: writes never leave the root."""
        root = os.path.realpath(self.root)
        real = os.path.realpath(folder)
        return real == root or real.startswith(root.rstrip(os.sep) + os.sep)

    # -- checks ---------------------------------------------------------------------------

    def problem(self, path: Path) -> str | None:
        """Why `path` must not be written, or None."""
        real = os.path.realpath(path)
        if any(real == p for p in self.inputs):
            return f"输出文件 {path} 就是本次的输入文件"
        if os.path.lexists(path.parent) and not self.inside(path.parent):
            return f"{path.parent} 是指向输出文件夹之外的符号链接"
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            return f"无法检查 {path}：{os_reason(exc)}"
        kind = kind_of(info.st_mode)
        if kind is not None:
            return f"{path} 已存在，是{kind}，不是普通文件"
        if not self.is_ours(path):
            return f"{path} 已存在，不是 jixiao 生成的（或生成后被修改过）"
        return None

    def is_ours(self, path: Path) -> bool:
        """Whether `path` is a regular file whose content jixiao wrote there (read without following links)."""
        hashes = self.records().get(self.relative(path))
        if not hashes:
            return False
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            return False
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_OUTPUT_BYTES:
                return False
            hasher = hashlib.sha256()
            while chunk := os.read(fd, 1 << 20):
                hasher.update(chunk)
            return hasher.hexdigest() in hashes
        except OSError:
            return False
        finally:
            os.close(fd)

    def check_plan(self, planned: list[tuple[Path, str]]) -> None:
        """Check every (output, source) of a run before writing any; raise one OutputError listing all."""
        problems = []
        seen: dict[str, str] = {}
        for path, source in planned:
            key = os.path.normcase(os.path.abspath(path))
            if key in seen and seen[key] != source:
                problems.append(f"{seen[key]} 与 {source} 的输出都是 {path}")
                continue
            seen[key] = source
            problem = self.problem(path)
            if problem:
                problems.append(problem)
        if problems:
            shown = "；\n  ".join(problems[:20]) + ("" if len(problems) <= 20 else f"；\n  ……共 {len(problems)} 处")
            raise OutputError("没有写出任何文件：\n  " + shown +
                              "。\n为免覆盖或丢失文件，请用 -o 指定其他输出位置，或先移走这些文件。", usage=True)

    # -- writing --------------------------------------------------------------------------

    def make_dir(self, folder: Path) -> None:
        key = str(folder)
        if key in self._made:
            return
        try:
            info = os.stat(folder)
        except FileNotFoundError:
            try:
                os.makedirs(folder, exist_ok=True)
            except OSError as exc:
                raise environment_error("创建文件夹", folder, exc) from None
        except OSError as exc:
            raise environment_error("打开文件夹", folder, exc) from None
        else:
            if not stat.S_ISDIR(info.st_mode):
                raise OutputError(f"{folder} 已存在且不是文件夹；请换一个输出位置。", usage=True)
        if folder != self.root and not self.inside(folder):
            raise OutputError(f"{folder} 是指向输出文件夹之外的符号链接；为免写到别处，请删除该链接或换一个输出文件夹。",
                              usage=True)
        self._made.add(key)

    def write(self, path: Path, data: bytes, *, durable: bool = True, checked: bool = False) -> None:
        """Write `data` to `path` atomically. `checked`: the plan was checked already (batch)."""
        path = Path(path)
        if not checked:
            problem = self.problem(path)
            if problem:
                raise OutputError(problem + "；为免覆盖，未写出。请用 -o 指定其他位置，或先移走该文件。", usage=True)
        self.make_dir(path.parent)
        try:
            self._record(self.relative(path), digest(data), len(data))
        except OSError as exc:
            raise environment_error("写入", path, exc) from None
        atomic_replace(path, data, durable=durable)

    def intend(self, path: Path) -> None:
        """Record that a file is about to be streamed to `path` (its content is recorded by `wrote`)."""
        try:
            self._record(self.relative(path), "", 0)
        except OSError as exc:
            raise environment_error("写入", path, exc) from None

    def wrote(self, path: Path) -> None:
        """Record the content of a file just streamed into place."""
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise environment_error("读取", path, exc) from None
        try:
            self._record(self.relative(path), digest(data), len(data))
        except OSError as exc:
            raise environment_error("写入", path, exc) from None

    # -- clearing -------------------------------------------------------------------------

    def clear(self) -> tuple[int, list[str]]:
        """Remove what this folder's manifest says jixiao wrote and is unchanged, and our temporary
        files.  Returns (removed, kept): kept are listed files changed since (someone's edits)."""
        removed, kept = 0, []
        folders: dict[Path, set[str]] = {}
        for name, hashes in sorted(self.records().items()):
            path = self.root / name
            if not self.inside(path.parent):
                continue  # a folder of ours replaced by a link leading elsewhere: never delete through it
            folders.setdefault(path.parent, set()).add(path.name)
            try:
                info = os.lstat(path)
            except OSError:
                continue
            if not stat.S_ISREG(info.st_mode):
                kept.append(name)
                continue
            if self.is_ours(path):
                try:
                    os.unlink(path)
                    removed += 1
                except OSError as exc:
                    raise environment_error("删除", path, exc) from None
            else:
                kept.append(name)
        for folder, names in folders.items():
            removed += _sweep(folder, names)
            _remove_empty(folder, self.root)
        try:
            os.replace(self._compacted(kept), self.manifest)
        except OSError as exc:
            raise environment_error("写入", self.manifest, exc) from None
        self._records = None
        return removed, kept

    def sweep(self) -> int:
        """Remove the temporary files of every name in the manifest (after an interrupted run)."""
        folders: dict[Path, set[str]] = {}
        for name in self.records():
            path = self.root / name
            if self.inside(path.parent):
                folders.setdefault(path.parent, set()).add(path.name)
        return sum(_sweep(folder, names) for folder, names in folders.items())

    def _compacted(self, kept: list[str]) -> str:
        tmp = str(self.root / f".{MANIFEST}.{os.getpid()}.tmp")
        records = self.records()
        with open(tmp, "w", encoding="utf-8") as fh:
            for name in kept:  # still listed (their older contents stay recognisable), never removed
                for sha in sorted(records.get(name, ())):
                    if sha:
                        fh.write(json.dumps({"name": name, "sha256": sha}, ensure_ascii=True) + "\n")
        return tmp


def _valid_name(name: str) -> bool:
    """A manifest name: relative, with /, no `..`, no empty part, nothing a file name cannot hold."""
    if not name or name.startswith("/") or "\0" in name or "\\" in name or ":" in name[:2]:
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))


def _sweep(folder: Path, names: set[str]) -> int:
    """Remove our temporary files for `names` in `folder`: .NAME.<pid>.<n>.tmp, or .NAME.XXXXXXXX.tmp
    (mkstemp's, from earlier versions)."""
    try:
        entries = os.listdir(folder)
    except OSError:
        return 0
    removed = 0
    for entry in entries:
        if not (entry.startswith(".") and entry.endswith(".tmp")):
            continue
        if not any(entry.startswith(f".{name}.") and _TMP_TAIL.match(entry, len(name) + 2) for name in names):
            continue
        try:
            if stat.S_ISREG(os.lstat(folder / entry).st_mode):
                os.unlink(folder / entry)
                removed += 1
        except OSError:
            pass
    return removed


_TMP_TAIL = re.compile(r"(?:\d+(?:\.\d+)?|[A-Za-z0-9_]{6,16})\.tmp$")


def _remove_empty(folder: Path, root: Path) -> None:
    """Remove folders left empty under root (our result folders), never root itself."""
    folder = Path(folder)
    while folder != root and root in folder.parents:
        try:
            os.rmdir(folder)
        except OSError:
            return
        folder = folder.parent


def temporary_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{next(_COUNTER)}.tmp")


def atomic_replace(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write `data` to a new temporary file beside `path`, then rename it over `path`.

    The temporary file is created exclusively (never follows or truncates anything already there)
    with the usual permissions; `durable` adds an fsync (a batch skips it: a crash can leave a result
    missing, never half of one)."""
    tmp = temporary_name(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    except OSError as exc:
        raise environment_error("写入", path, exc) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        _unlink_quietly(tmp)
        raise environment_error("写入", path, exc) from None
    except BaseException:
        _unlink_quietly(tmp)
        raise


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def write_one(path: Path | str, data: bytes, inputs=()) -> None:
    """Write a single output file (form, import, review -o) under the policy above."""
    path = Path(path)
    with OutputFolder(path.parent if str(path.parent) else Path("."), inputs) as folder:
        folder.write(path, data)
