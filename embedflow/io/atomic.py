"""Atomic file writes: a temp file in the same folder, fsync, then os.replace."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
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
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
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


def write_frame_csv(frame, path: str | os.PathLike[str]) -> None:
    """Write a DataFrame to CSV atomically (UTF-8, no index)."""
    with atomic_write(path, "w", newline="") as handle:
        frame.to_csv(handle, index=False)
