"""Atomic file writes: a temp file in the same folder, fsync, then os.replace — for the backup too.

At every instant of a save, the file and its `.bak` are each a complete version: the new file is
renamed into place only when fully written, and the backup is a hard link to (or, where links are
not possible, a renamed temp copy of) the previous file. A save killed half-way leaves a temp file;
the next save to the same file removes the temp files of dead writers (each writer holds a lock on
its temp file, released by the system when the process dies).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; orphans are then left for the user
    fcntl = None  # type: ignore[assignment]

TEMP_SUFFIX = ".tmp"


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w", keep_backup: bool = False,
                 encoding: str | None = "utf-8", newline: str | None = None) -> Iterator[IO]:
    """Open a temp file beside `path`; on success it replaces `path`, on error `path` is untouched.

    keep_backup: keep the previous file as `path + ".bak"` (replaced atomically as well).
    The new file gets the previous file's permissions, or the user's umask for a new file.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_orphans(target)
    fd, temp_name = _locked_temp_file(target)
    binary = "b" in mode
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, _permissions(target))
        with os.fdopen(fd, mode, encoding=None if binary else encoding,
                       newline=None if binary else newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
            # The lock stays held (the descriptor open) until the temp file has its final name.
            if keep_backup and target.is_file():
                _replace_backup(target)
            os.replace(temp_name, target)
        _sync_folder(target.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise


def backup_path(path: str | os.PathLike[str]) -> Path:
    """Where the previous version of `path` is kept."""
    target = Path(path)
    return target.with_name(target.name + ".bak")


def _replace_backup(target: Path) -> None:
    """Make `target.bak` the current `target`, atomically: link (or copy) to a temp name, then rename."""
    backup = backup_path(target)
    fd, temp_name = tempfile.mkstemp(prefix=f".{backup.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
    os.close(fd)
    try:
        os.unlink(temp_name)  # only the unique name is wanted: the link takes it
        try:
            os.link(target, temp_name)
        except OSError:  # file systems without hard links: a full copy, fsynced before the rename
            with open(temp_name, "wb") as copy, open(target, "rb") as source:
                shutil.copyfileobj(source, copy)
                copy.flush()
                os.fsync(copy.fileno())
            shutil.copymode(target, temp_name)
        os.replace(temp_name, backup)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise


def remove_orphans(target: Path) -> list[Path]:
    """Delete temp files of `target` (and of its backup) left by saves that died; returns them."""
    if fcntl is None:
        return []
    removed: list[Path] = []
    with contextlib.suppress(OSError):
        # `.name.*.tmp` also matches the backup's temp files, `.name.bak.*.tmp`.
        for candidate in target.parent.glob(f"{_glob_escape(f'.{target.name}.')}*{TEMP_SUFFIX}"):
            if _owned_by_dead_writer(candidate):
                with contextlib.suppress(FileNotFoundError):
                    candidate.unlink()
                    removed.append(candidate)
    return removed


def _owned_by_dead_writer(candidate: Path) -> bool:
    """True when nobody holds the temp file's lock (its writer has ended)."""
    try:
        fd = os.open(candidate, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _locked_temp_file(target: Path, attempts: int = 10) -> tuple[int, str]:
    """A new temp file beside `target`, locked as its writer's. Until the lock is taken it looks like a dead
    writer's to another save's orphan sweep (another thread or process writing the same file), which may
    delete it: then a new one is made."""
    for _ in range(attempts):
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
        _lock(fd)
        with contextlib.suppress(FileNotFoundError):
            if os.path.samestat(os.fstat(fd), os.stat(name)):
                return fd, name
        os.close(fd)
    raise OSError(f"could not keep a temporary file beside {target}: other saves of it removed each one")


def _lock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)


def _permissions(target: Path) -> int:
    """The previous file's mode bits, or 0o666 minus the umask for a new file."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _sync_folder(folder: Path) -> None:
    """fsync the folder so the renames survive a power cut (not possible on every system)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def write_frame_csv(frame, path: str | os.PathLike[str]) -> None:
    """Write a DataFrame to CSV atomically (UTF-8, no index)."""
    with atomic_write(path, "w", newline="") as handle:
        frame.to_csv(handle, index=False)
