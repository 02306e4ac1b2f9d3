"""Atomic file writes: a temp file in the same folder, fsync, then os.replace."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from pathlib import Path
from typing import IO, Iterator


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w", keep_backup: bool = False,
                 encoding: str | None = "utf-8", newline: str | None = None) -> Iterator[IO]:
    """Open a temp file beside `path`; on success it replaces `path`, on error `path` is untouched.

    keep_backup: copy the previous file to `path + ".bak"` before replacing it.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = new_file_beside(target)
    binary = "b" in mode
    try:
        with os.fdopen(fd, mode, encoding=None if binary else encoding,
                       newline=None if binary else newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if keep_backup and target.exists():
            shutil.copy2(target, target.with_name(target.name + ".bak"))
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise


def new_file_beside(target: Path) -> tuple[int, Path]:
    """Create a fresh temp file beside `target` (the user's umask applies); its descriptor and path."""
    # os.open applies the umask to 0o666 as open() does; tempfile.mkstemp would make the file 0600.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(temp, flags, 0o666), temp
        except FileExistsError:
            continue


def write_frame_csv(frame, path: str | os.PathLike[str]) -> None:
    """Write a DataFrame to CSV atomically (UTF-8, no index)."""
    with atomic_write(path, "w", newline="") as handle:
        frame.to_csv(handle, index=False)
