"""Atomic writes make files as open() would: with the user's umask, not mkstemp's 0600."""

from __future__ import annotations

import os
import stat

from embedflow.io.atomic import atomic_write


def test_an_atomic_write_follows_the_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "out.txt") as handle:
            handle.write("hello")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "out.txt").stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
