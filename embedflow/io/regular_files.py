"""Read only regular files, and never more than a limit: FIFOs, devices and loops are refused at once.

Opening uses O_NONBLOCK so a FIFO cannot block the open itself, and the type is checked on the
open descriptor (fstat), so a path swapped between the check and the open changes nothing.
"""

from __future__ import annotations

import errno
import io
import os
import stat
from typing import BinaryIO

from ..core.errors import EmbedflowError

CHUNK = 1024 * 1024


class FileRefused(EmbedflowError):
    """A path that is not a readable regular file, or a file larger than the reader's limit.

    kind: "missing", "folder", "special" (FIFO, device, socket), "unreadable" or "too-large";
    the message (`reason`) does not repeat the path, so callers can phrase it their way.
    """

    def __init__(self, reason: str, kind: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


def _refusal(exc: OSError) -> FileRefused:
    """The FileRefused that explains an OSError from stat or open."""
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return FileRefused("no such file", "missing")
    if exc.errno == errno.EISDIR:
        return FileRefused("it is a folder, not a file", "folder")
    if exc.errno == errno.ELOOP:
        return FileRefused("it is a symbolic link that points to itself (a loop)", "unreadable")
    if exc.errno == errno.ENAMETOOLONG:
        return FileRefused("the path is too long for the file system", "unreadable")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return FileRefused("no permission to read it", "unreadable")
    return FileRefused(f"it cannot be read ({exc.strerror or exc})", "unreadable")


def _kind_refusal(mode: int) -> FileRefused | None:
    """Why a file of this st_mode is not read, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return FileRefused("it is a folder, not a file", "folder")
    if stat.S_ISFIFO(mode):
        return FileRefused("it is a named pipe (FIFO), not a regular file", "special")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return FileRefused("it is a device, not a regular file", "special")
    if stat.S_ISSOCK(mode):
        return FileRefused("it is a socket, not a regular file", "special")
    return FileRefused("it is not a regular file", "special")


def path_problem(path: str | os.PathLike[str]) -> FileRefused | None:
    """Why `path` is not a readable regular file (without opening it), or None when it is one."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return _refusal(exc)
    except ValueError:  # an embedded NUL character
        return FileRefused("the path contains a NUL character", "unreadable")
    return _kind_refusal(mode)


def exists(path: str | os.PathLike[str]) -> bool:
    """Like Path.exists, but False (never an exception) for paths too long, looping or unreadable."""
    try:
        os.stat(path)
    except (OSError, ValueError):
        return False
    return True


def open_regular(path: str | os.PathLike[str], limit: int | None = None) -> BinaryIO:
    """Open a regular file for binary reading; FileRefused for anything else or a file above `limit` bytes."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise _refusal(exc) from None
    except ValueError:
        raise FileRefused("the path contains a NUL character", "unreadable") from None
    try:
        info = os.fstat(fd)
        refusal = _kind_refusal(info.st_mode)
        if refusal is not None:
            raise refusal
        if limit is not None and info.st_size > limit:
            raise _too_large(info.st_size, limit)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def read_regular(path: str | os.PathLike[str], limit: int) -> bytes:
    """All bytes of a regular file of at most `limit` bytes; the bound holds while reading (a growing file)."""
    with open_regular(path, limit) as handle:
        return read_bounded(handle, limit)


def read_bounded(handle: BinaryIO, limit: int) -> bytes:
    """Read a stream to its end, refusing it (FileRefused "too-large") as soon as it passes `limit` bytes."""
    parts: list[bytes] = []
    total = 0
    while True:
        block = handle.read(min(CHUNK, limit + 1 - total))
        if not block:
            return b"".join(parts)
        total += len(block)
        if total > limit:
            raise _too_large(None, limit)
        parts.append(block)


class BoundedReader(io.RawIOBase):
    """A read-only stream over another that raises FileRefused once more than `limit` bytes came through."""

    def __init__(self, inner: BinaryIO, limit: int) -> None:
        super().__init__()
        self.inner = inner
        self.limit = limit
        self.count = 0

    def readable(self) -> bool:
        """Always True."""
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        """Read into `buffer`, counting bytes against the limit."""
        data = self.inner.read(min(len(buffer), self.limit + 1 - self.count) or 1)
        self.count += len(data)
        if self.count > self.limit:
            raise _too_large(None, self.limit)
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        """Close this stream and the one inside."""
        self.inner.close()
        super().close()


def _too_large(size: int | None, limit: int) -> FileRefused:
    found = f"{size / 2**20:,.1f} MB, " if size is not None else ""
    return FileRefused(f"it is {found}larger than the limit of {limit / 2**20:,.0f} MB", "too-large")

