"""Where jixiao writes, under one rule: only regular files, only its own, never an input.

Every command that writes a file (render, form, import, review -o, sets new,
batch) goes through an `OutputFolder`:

- a write is atomic: a temporary file beside the target, then a rename, so a
  reader never sees half a file;
- it never leaves the folder: every folder below it is opened without
  following links and the file is created and renamed relative to that open
  folder, so a folder swapped for a link during a run leads nowhere;
- it replaces an existing file only if that file is a regular file that jixiao
  wrote there and nobody changed since: the folder's manifest `.jixiao-manifest`
  lists what jixiao wrote (name, SHA-256, and the temporary name used), appended
  *before* the temporary file is made, so even a killed run leaves a record of
  everything it may have left behind;
- `clear()` (batch --force) removes only files the manifest lists with their
  recorded content, and the temporary files it lists; the manifest is a file
  anyone can edit, so names leading out of the folder are ignored;
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
from collections import OrderedDict
from pathlib import Path

from .fileio import kind_of, os_reason

MANIFEST = ".jixiao-manifest"
MAX_MANIFEST_BYTES = 64 * 1024 * 1024  # 100,000 results written twice take about 30 MB
MAX_OUTPUT_BYTES = 1024 * 1024 * 1024  # nothing jixiao writes is this big: a larger file is not ours
_OPEN_DIR = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
# POSIX rename(2) replaces the target atomically; Python lists renameat under os.rename, not os.replace.
_RELATIVE = os.name == "posix" and all(f in os.supports_dir_fd for f in (os.open, os.rename, os.mkdir, os.unlink))
_COUNTER = itertools.count()
_OPEN_FOLDERS = 64  # folder descriptors kept open per process (a batch writes folder by folder)


class OutputError(Exception):
    """A file cannot be written. `usage`: the user should choose another output (exit 2), else exit 1."""

    def __init__(self, message: str, usage: bool = False):
        super().__init__(message)
        self.usage = usage


def environment_error(action: str, path: Path | str, exc: OSError) -> OutputError:
    return OutputError(f"无法{action} {path}：{os_reason(exc, writing=True)}。")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_OUR_LINE = re.compile(rb'^\{"name": "[^\n]{1,4000}$', re.MULTILINE)
_TEMPORARY = re.compile(r"\.jx\d{1,10}-\d{1,12}\.tmp")


def temporary_name() -> str:
    """A short name (a long output name must still fit the file-name limit) unique to this process and write."""
    return f".jx{os.getpid()}-{next(_COUNTER)}.tmp"


class OutputFolder:
    """A folder jixiao writes into; see the module docstring.  Use as a context manager (it locks)."""

    def __init__(self, root: Path | str, inputs=(), lock: bool = True, root_fd: int | None = None):
        """`root_fd`: the root as another OutputFolder opened it (a batch worker forked from the parent that
        holds the lock): the same folder, whatever its path leads to by now."""
        self.root = Path(root)
        self.inputs = [os.path.realpath(p) for p in inputs]
        self._lock = lock
        self._root_fd: int | None = None
        if root_fd is not None:
            try:  # "." of that folder: a new open description (a dup would share, and hold, the parent's lock)
                self._root_fd = os.open(".", _OPEN_DIR, dir_fd=root_fd)
            except OSError:  # not inherited (a spawned worker): open the path
                self._root_fd = None
        self._locked = False
        self._folders: OrderedDict[str, int] = OrderedDict()  # relative folder -> open descriptor
        self._journal = None
        self._records: dict[str, set[str]] | None = None
        self._temps: set[str] = set()

    # -- lifecycle ------------------------------------------------------------------------

    def __enter__(self) -> "OutputFolder":
        self.make_dir(self.root)
        if self._lock:
            self._acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Release everything; never raises (an error already on its way, such as a full disk, is the one to tell)."""
        if self._journal is not None:
            try:
                self._journal.close()
            except OSError:
                pass
            self._journal = None
        for fd in self._folders.values():
            os.close(fd)
        self._folders.clear()
        if self._root_fd is not None:
            os.close(self._root_fd)  # closing the descriptor releases the lock
            self._root_fd = None

    def root_fd(self) -> int:
        """The open root folder (for workers to share)."""
        return self._root()

    def _root(self) -> int:
        if self._root_fd is None:
            try:
                self._root_fd = os.open(self.root, _OPEN_DIR)
            except OSError as exc:
                raise environment_error("打开输出文件夹", self.root, exc) from None
        return self._root_fd

    def _acquire(self) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not on Linux/macOS: no locking
            return
        try:
            fcntl.flock(self._root(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.close()
            raise OutputError(f"输出文件夹 {self.root} 正被另一个 jixiao 进程写入；请等它结束，或换一个输出文件夹。")

    # -- the manifest ---------------------------------------------------------------------

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST

    def has_manifest(self) -> bool:
        return os.path.lexists(self.manifest)

    def records(self) -> dict[str, set[str]]:
        """Name (relative, with /) -> the SHA-256 of every content jixiao wrote under it ("" for an intent).

        The manifest is a file anyone could edit: a name that climbs out of the folder (`..`, an
        absolute path) is ignored, and the manifest must be a regular file, not a link."""
        if self._records is None:
            self._records, self._temps = {}, set()
            for match in _OUR_LINE.finditer(self._read_manifest()):  # only lines shaped as we write them
                try:
                    entry = json.loads(match.group(0))
                    name, sha, tmp = entry["name"], entry.get("sha256") or "", entry.get("tmp") or ""
                except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
                    continue  # a line cut by a crash, or not ours
                if isinstance(name, str) and isinstance(sha, str) and _valid_name(name):
                    self._records.setdefault(name, set()).add(sha)
                if isinstance(tmp, str) and _valid_name(tmp) and _TEMPORARY.fullmatch(tmp.rpartition("/")[2]):
                    self._temps.add(tmp)
        return self._records

    def _read_manifest(self) -> bytes:
        try:
            fd = os.open(MANIFEST, os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW | os.O_CLOEXEC, dir_fd=self._root())
        except FileNotFoundError:
            return b""
        except OSError as exc:
            raise self._bad_manifest(exc) from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_MANIFEST_BYTES or info.st_nlink > 1:
                raise self._bad_manifest(None)
            return os.read(fd, MAX_MANIFEST_BYTES)
        except OSError as exc:
            raise self._bad_manifest(exc) from None
        finally:
            os.close(fd)

    def _bad_manifest(self, exc: OSError | None) -> OutputError:
        if exc is None or exc.errno in (errno.ELOOP, errno.ENXIO, errno.EISDIR):
            return OutputError(f"{self.manifest} 不是 jixiao 写的清单（是符号链接、硬链接、管道、文件夹，或大得异常）；"
                               "为免误写误删，请换一个输出文件夹。", usage=True)
        return environment_error("读取", self.manifest, exc)

    def _record(self, name: str, sha: str, tmp: str = "") -> None:
        """Append one line to the manifest (raises OSError; callers name the file being written)."""
        if self._journal is None:
            try:
                fd = os.open(MANIFEST, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK | _NOFOLLOW
                             | os.O_CLOEXEC, 0o666, dir_fd=self._root())
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENXIO, errno.EISDIR):
                    raise self._bad_manifest(exc) from None
                raise
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_nlink > 1:  # a hard link would make us append elsewhere
                os.close(fd)
                raise self._bad_manifest(None)
            self._journal = os.fdopen(fd, "a", encoding="utf-8")
        entry = {"name": name, "sha256": sha}
        if tmp:
            entry["tmp"] = tmp
        self._journal.write(json.dumps(entry, ensure_ascii=True) + "\n")
        self._journal.flush()  # one write per line: appends from several processes do not interleave
        if self._records is not None:
            self._records.setdefault(name, set()).add(sha)

    def relative(self, path: Path) -> str:
        rel = Path(os.path.relpath(path, self.root)).as_posix()
        if rel == ".." or rel.startswith("../"):
            raise ValueError(f"{path} is not under {self.root}")  # a bug of ours, never the user's input
        return rel

    def inside(self, folder: Path) -> bool:
        """Whether `folder`, links resolved, is the root or under it."""
        root = os.path.realpath(self.root)
        real = os.path.realpath(folder)
        return real == root or real.startswith(root.rstrip(os.sep) + os.sep)

    # -- checks ---------------------------------------------------------------------------

    def problem(self, path: Path) -> str | None:
        """Why `path` must not be written, or None."""
        path = Path(path)
        real = os.path.realpath(path)
        if any(real == p for p in self.inputs):
            return f"输出文件 {path} 就是本次的输入文件"
        if os.path.lexists(path.parent) and not self.inside(path.parent):
            return f"{path.parent} 是指向输出文件夹之外的符号链接"
        try:
            info = os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
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
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW | os.O_CLOEXEC)
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
        problems: list[str] = []
        seen: dict[str, str] = {}
        folders = {os.path.normcase(os.path.abspath(Path(path).parent)) for path, _ in planned}
        for path, source in planned:
            key = os.path.normcase(os.path.abspath(path))
            if key in seen and seen[key] != source:
                problems.append(f"{seen[key]} 与 {source} 的输出都是 {path}")
                continue
            seen[key] = source
            problem = self.problem(path)
            if problem is None and key in folders:
                problem = f"{path} 既要写成文件，又要作为文件夹存放其他输出"
            if problem and problem not in problems:
                problems.append(problem)
        if problems:
            shown = "；\n  ".join(problems[:20]) + ("" if len(problems) <= 20 else f"；\n  ……共 {len(problems)} 处")
            raise OutputError("没有写出任何文件：\n  " + shown +
                              "。\n为免覆盖或丢失文件，请用 -o 指定其他输出位置，或先移走这些文件。", usage=True)

    # -- writing --------------------------------------------------------------------------

    def make_dir(self, folder: Path) -> None:
        """Make the root folder (the user named it: links are followed there, and only there)."""
        try:
            info = os.stat(folder)
        except FileNotFoundError:
            try:
                os.makedirs(folder, exist_ok=True)
            except OSError as exc:
                raise environment_error("创建文件夹", folder, exc) from None
            return
        except OSError as exc:
            raise environment_error("打开文件夹", folder, exc) from None
        if not stat.S_ISDIR(info.st_mode):
            raise OutputError(f"{folder} 已存在且不是文件夹；请换一个输出位置。", usage=True)

    def _folder(self, rel: str) -> int:
        """An open descriptor of the folder `rel` under the root, made if missing, every step without following links."""
        if rel in ("", "."):
            return self._root()
        fd = self._folders.get(rel)
        if fd is not None:
            self._folders.move_to_end(rel)
            return fd
        parent = self._root()
        opened = []
        try:
            for part in rel.split("/"):
                try:
                    current = os.open(part, _OPEN_DIR | _NOFOLLOW, dir_fd=parent)
                except FileNotFoundError:
                    try:
                        os.mkdir(part, 0o777, dir_fd=parent)
                    except FileExistsError:
                        pass
                    current = os.open(part, _OPEN_DIR | _NOFOLLOW, dir_fd=parent)
                opened.append(current)
                parent = current
        except OSError as exc:
            for fd in opened:
                os.close(fd)
            if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                raise OutputError(f"{self.root / rel} 不是文件夹（或是指向别处的符号链接）；为免写到别处，"
                                  "请删除它或换一个输出文件夹。", usage=True) from None
            raise environment_error("创建文件夹", self.root / rel, exc) from None
        for fd in opened[:-1]:
            os.close(fd)
        self._folders[rel] = opened[-1]
        if len(self._folders) > _OPEN_FOLDERS:
            os.close(self._folders.popitem(last=False)[1])
        return opened[-1]

    def write(self, path: Path, data: bytes, *, durable: bool = True, checked: bool = False) -> None:
        """Write `data` to `path` atomically. `checked`: the plan was checked already (batch)."""
        path = Path(path)
        if not checked:
            problem = self.problem(path)
            if problem:
                raise OutputError(problem + "；为免覆盖，未写出。请用 -o 指定其他位置，或先移走该文件。", usage=True)
        rel = self.relative(path)
        folder, _, name = rel.rpartition("/")
        tmp = temporary_name()
        try:
            self._record(rel, digest(data), f"{folder}/{tmp}" if folder else tmp)
        except OSError as exc:
            raise environment_error("写入", path, exc) from None
        if _RELATIVE:
            replace_at(self._folder(folder), tmp, name, data, durable=durable, shown=path)
        else:  # pragma: no cover - platforms without *at() calls
            atomic_replace(path, data, durable=durable)

    def stream(self, path: Path) -> "Stream":
        """A temporary file to write `path` bit by bit (a CSV of a whole batch), recorded before it exists."""
        rel = self.relative(path)
        folder, _, name = rel.rpartition("/")
        tmp = temporary_name()
        try:
            self._record(rel, "", f"{folder}/{tmp}" if folder else tmp)
            fd = self._folder(folder)
            handle = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | os.O_CLOEXEC, 0o666, dir_fd=fd)
        except OSError as exc:
            raise environment_error("写入", path, exc) from None
        return Stream(self, path, rel, fd, tmp, name, handle)

    def read(self, path: Path) -> bytes:
        """A file of ours, read through the open folders (never through a link swapped in since)."""
        folder, _, name = self.relative(path).rpartition("/")
        try:
            fd = os.open(name, os.O_RDONLY | _NOFOLLOW | os.O_CLOEXEC, dir_fd=self._folder(folder))
            with os.fdopen(fd, "rb") as fh:
                return fh.read()
        except OSError as exc:
            raise environment_error("读取", path, exc) from None

    # -- clearing -------------------------------------------------------------------------

    def clear(self) -> tuple[int, list[str]]:
        """Remove what this folder's manifest says jixiao wrote and is unchanged, and the temporary files it
        lists.  Returns (removed, kept): kept are listed files changed since (someone's edits)."""
        removed, kept = 0, []
        folders: set[str] = set()
        for name in sorted(self.records()):
            folder, _, base = name.rpartition("/")
            path = self.root / name
            if not self.inside(path.parent):
                continue  # a folder of ours replaced by a link leading elsewhere: never delete through it
            try:
                info = os.lstat(path)
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode) and self.is_ours(path):
                removed += self._unlink(folder, base)
                folders.add(folder)
            else:
                kept.append(name)
        removed += self.sweep()
        for folder in sorted(folders, key=lambda f: f.count("/"), reverse=True):
            self._remove_empty(folder)
        try:
            self._rewrite_manifest(kept)
        except OSError as exc:
            raise environment_error("写入", self.manifest, exc) from None
        self._records = None
        return removed, kept

    def sweep(self) -> int:
        """Remove the temporary files the manifest lists (after an interrupted or killed run)."""
        self._records = None  # read again: other processes (batch workers) append to it
        self.records()
        removed = 0
        for tmp in sorted(self._temps):
            folder, _, base = tmp.rpartition("/")
            if self.inside((self.root / tmp).parent):
                removed += self._unlink(folder, base)
        return removed

    def _unlink(self, folder: str, base: str) -> int:
        """Remove the regular file `base` in `folder` (a folder reached without following links)."""
        try:
            fd = self._folder_if_exists(folder)
            if fd is None or not stat.S_ISREG(os.stat(base, dir_fd=fd, follow_symlinks=False).st_mode):
                return 0
            os.unlink(base, dir_fd=fd)
            return 1
        except FileNotFoundError:
            return 0
        except OutputError:
            return 0
        except OSError as exc:
            raise environment_error("删除", self.root / folder / base, exc) from None

    def _remove_empty(self, folder: str) -> None:
        """Remove folders of ours left empty, deepest first, never the root; through open folders, no links."""
        while folder:
            parent, _, base = folder.rpartition("/")
            try:
                fd = self._folder_if_exists(parent)
                cached = self._folders.pop(folder, None)
                if cached is not None:
                    os.close(cached)
                if fd is None:
                    return
                os.rmdir(base, dir_fd=fd)
            except (OSError, OutputError):
                return
            folder = parent

    def _folder_if_exists(self, folder: str) -> int | None:
        if folder and not os.path.isdir(self.root / folder):
            return None
        return self._folder(folder)

    def _rewrite_manifest(self, kept: list[str]) -> None:
        """Only the names kept (their older contents stay recognisable, they are never removed)."""
        records = self.records()
        lines = "".join(json.dumps({"name": name, "sha256": sha}, ensure_ascii=True) + "\n"
                        for name in kept for sha in sorted(records.get(name, ())) if sha)
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        replace_at(self._root(), temporary_name(), MANIFEST, lines.encode("utf-8"), durable=True,
                   shown=self.manifest)


class Stream:
    """A temporary file in an output folder, renamed into place by `commit()` (see OutputFolder.stream)."""

    def __init__(self, folder: OutputFolder, path: Path, rel: str, folder_fd: int, tmp: str, name: str, handle: int):
        self.folder, self.path, self.rel = folder, path, rel
        self._fd, self._tmp, self._name = folder_fd, tmp, name
        self.file = os.fdopen(handle, "w", encoding="utf-8-sig", newline="", errors="backslashreplace")

    def commit(self) -> None:
        try:
            self.file.close()
            os.rename(self._tmp, self._name, src_dir_fd=self._fd, dst_dir_fd=self._fd)
        except OSError as exc:
            self.discard()
            raise environment_error("写入", self.path, exc) from None
        data = self.folder.read(self.path)
        try:
            self.folder._record(self.rel, digest(data))
        except OSError as exc:
            raise environment_error("写入", self.path, exc) from None

    def discard(self) -> None:
        try:
            self.file.close()
        except OSError:
            pass
        _unlink_quietly(self._tmp, self._fd)


def _valid_name(name: str) -> bool:
    """A manifest name: relative, with /, no `..`, no empty part, nothing a file name cannot hold."""
    if not name or name.startswith("/") or "\0" in name or "\\" in name or ":" in name[:2] or len(name) > 4000:
        return False
    try:
        name.encode("utf-8")  # a lone surrogate from a crafted \ud800 names no file we wrote
    except UnicodeEncodeError:
        return False
    return all(part not in ("", ".", "..") and len(part.encode("utf-8")) <= 255 for part in name.split("/"))


def replace_at(folder_fd: int, tmp: str, name: str, data: bytes, *, durable: bool, shown: Path) -> None:
    """Write `data` to a new temporary file in the open folder, then rename it over `name` there.

    The temporary file is created exclusively and without following links (never truncates or
    follows anything already there), with the usual permissions; `durable` adds an fsync (a batch
    skips it: a crash can leave a result missing, never half of one)."""
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | os.O_CLOEXEC, 0o666, dir_fd=folder_fd)
    except OSError as exc:
        raise environment_error("写入", shown, exc) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.rename(tmp, name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
    except OSError as exc:
        _unlink_quietly(tmp, folder_fd)
        raise environment_error("写入", shown, exc) from None
    except BaseException:
        _unlink_quietly(tmp, folder_fd)
        raise


def atomic_replace(path: Path, data: bytes, *, durable: bool = True) -> None:  # pragma: no cover - not POSIX
    """By path, for platforms without the *at() calls: a temporary file beside `path`, then os.replace."""
    tmp = path.with_name(temporary_name())
    try:
        os.makedirs(path.parent, exist_ok=True)
        with open(tmp, "xb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise environment_error("写入", path, exc) from None


def _unlink_quietly(name: str, folder_fd: int) -> None:
    try:
        os.unlink(name, dir_fd=folder_fd)
    except OSError:
        pass


def write_one(path: Path | str, data: bytes, inputs=()) -> None:
    """Write a single output file (form, import, review -o, sets new) under the policy above."""
    path = Path(path)
    with OutputFolder(path.parent if str(path.parent) else Path("."), inputs) as folder:
        folder.write(path, data)
