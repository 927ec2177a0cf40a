"""Files as the operating system sees them: what a path is, why a call failed, and the one safe way to read.

Every reader opens its input through `open_regular`: without blocking (a FIFO with no writer,
a terminal), classified with fstat on the descriptor (what is checked is what is read), and
never more than the type's cap.  Every message about a failed system call comes from here, in
Chinese: the English strerror is never shown.
"""
from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

from .diagnostics import Diagnostics, Where

# Binary (Windows would otherwise turn CRLF into LF and stop at Ctrl-Z), without blocking, not
# inherited by child processes, and never becoming the controlling terminal.
OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
              | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0))

KINDS = {stat.S_IFIFO: "命名管道（FIFO）", stat.S_IFCHR: "字符设备", stat.S_IFBLK: "块设备",
         stat.S_IFSOCK: "套接字", stat.S_IFDIR: "文件夹", stat.S_IFLNK: "符号链接"}

READ_REASONS = {getattr(errno, name): reason for name, reason in (
    ("ENOENT", "文件不存在"), ("EACCES", "没有读取权限"), ("EPERM", "没有读取权限"),
    ("EISDIR", "这是一个文件夹，不是文件"), ("ELOOP", "符号链接循环（链接最终指向了自己）"),
    ("ENAMETOOLONG", "文件名或路径过长"), ("ENOTDIR", "路径中有一段不是文件夹"),
    ("EIO", "磁盘读写错误（磁盘、U 盘或网络盘可能有故障）"), ("ENXIO", "设备不存在或未连接"),
    ("ENODEV", "设备不存在或未连接"), ("EMFILE", "同时打开的文件过多"), ("ENFILE", "同时打开的文件过多"),
    ("EAGAIN", "文件暂时无法读取（可能被其他程序锁定）"), ("EBUSY", "文件正被其他程序占用"),
    ("ETIMEDOUT", "读取超时（网络盘可能已断开）"), ("ESTALE", "网络盘上的文件已失效，请重新打开所在文件夹"),
    ("ENOMEM", "内存不足"),
) if hasattr(errno, name)}
# Writing: where reading says 没有读取权限, writing says 没有写入权限, and a full disk is possible.
WRITE_REASONS = {**READ_REASONS, **{getattr(errno, name): reason for name, reason in (
    ("EACCES", "没有写入权限"), ("EPERM", "没有写入权限"), ("ENOSPC", "磁盘空间不足"), ("EDQUOT", "超出磁盘配额"),
    ("EROFS", "文件系统是只读的"), ("EFBIG", "文件过大"), ("ENOENT", "文件夹不存在"), ("EXDEV", "不能跨磁盘改名"),
    ("ETXTBSY", "文件正被其他程序占用"),
) if hasattr(errno, name)}}


def os_reason(exc: OSError, writing: bool = False) -> str:
    """Why `exc` happened, in Chinese: a known reason, else the errno name; never the English strerror."""
    reason = (WRITE_REASONS if writing else READ_REASONS).get(exc.errno)
    if reason:
        return reason
    name = errno.errorcode.get(exc.errno) if exc.errno is not None else None
    return f"系统错误（{name}）" if name else "系统错误"


def kind_of(mode: int) -> str | None:
    """A Chinese name for what is not a regular file; None for a regular file."""
    return None if stat.S_ISREG(mode) else KINDS.get(stat.S_IFMT(mode), "特殊文件")


def _kind_of_path(path) -> str | None:
    """What `path` is when it is not a regular file (it could not be opened), else None."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    return kind_of(mode)


def open_regular(path: str | Path, max_bytes: int, diags: Diagnostics) -> bytes | None:
    """The bytes of `path` if it is a regular file of at most `max_bytes` bytes, else None with a diagnostic.

    Opens without blocking (a FIFO with no writer, a terminal) and classifies what was opened
    with fstat on the descriptor, so what is checked is what is read: a pipe, device, socket
    or folder is refused (Y112) before a byte is read; the size is checked before reading (Y101)
    and again after (a file still growing); at most max_bytes + 1 bytes are ever read.  OS
    errors become Y100 with a Chinese reason."""
    name = str(path)
    try:
        fd = os.open(path, OPEN_FLAGS)
    except ValueError:  # a NUL in the name: no file can have it
        diags.add("Y100", Where(name.replace("\0", "\\0")), reason="文件名含有空字符（NUL），请检查文件名")
        return None
    except OSError as exc:
        kind = _kind_of_path(path)  # Windows refuses to open a folder; Linux refuses a socket (ENXIO)
        if kind is not None:
            diags.add("Y112", Where(name), kind=kind)
        else:
            diags.add("Y100", Where(name), reason=os_reason(exc))
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            diags.add("Y112", Where(name), kind=kind_of(info.st_mode))
            return None
        if info.st_size > max_bytes:
            diags.add("Y101", Where(name), size=info.st_size, limit=max_bytes)
            return None
        chunks = []
        wanted = max_bytes + 1
        request = min(wanted, info.st_size + 1)  # no 2 MB buffer for a 5 kB file
        while wanted > 0:
            chunk = os.read(fd, request)
            if not chunk:
                break
            chunks.append(chunk)
            wanted -= len(chunk)
            request = min(wanted, 1 << 20)
    except OSError as exc:
        diags.add("Y100", Where(name), reason=os_reason(exc))
        return None
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)
    raw = b"".join(chunks)
    if len(raw) > max_bytes:
        diags.add("Y101", Where(name), size=len(raw), limit=max_bytes)
        return None
    return raw


def peek(path: str | Path, size: int = 65536) -> bytes:
    """The first `size` bytes of a regular file; b"" for anything else or on any error (never blocks on a FIFO)."""
    try:
        fd = os.open(path, OPEN_FLAGS)
    except OSError:
        return b""
    try:
        return os.read(fd, size) if stat.S_ISREG(os.fstat(fd).st_mode) else b""
    except OSError:
        return b""
    finally:
        os.close(fd)
