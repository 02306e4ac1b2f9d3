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


def test_a_temp_file_swept_away_before_its_lock_is_replaced_and_the_write_completes(tmp_path, monkeypatch):
    """Two writers of one file (two Image Embedding blocks building the SqueezeNet file): one's orphan sweep
    may delete the other's temp file between mkstemp and its lock. Here the first temp file is deleted
    right after it is made, as that sweep would."""
    import tempfile

    made = []
    real_mkstemp = tempfile.mkstemp

    def mkstemp_then_swept(*args, **kwargs):
        fd, name = real_mkstemp(*args, **kwargs)
        if not made:
            os.unlink(name)
        made.append(name)
        return fd, name

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp_then_swept)
    target = tmp_path / "model.onnx"
    with atomic_write(target, "wb") as handle:
        handle.write(b"whole")
    assert target.read_bytes() == b"whole" and len(made) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["model.onnx"]
