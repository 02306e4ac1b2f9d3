"""Saving is crash-safe: after a kill -9 at any point of a save, the file and its .bak both parse."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from embedflow.api import read_workflow
from embedflow.core.workflow import Workflow
from embedflow.io.atomic import atomic_write, backup_path
from embedflow.io.workflow_file import write_workflow

KILLS = 12
SEED = 7

# The child saves two versions in turn as fast as it can (a few MB each, so kills land mid-write).
CHILD = textwrap.dedent("""
    import sys
    from embedflow.core.workflow import Workflow
    from embedflow.io.workflow_file import write_workflow

    versions = []
    for count in (2_000, 3_000):
        workflow = Workflow()
        for i in range(count):
            workflow.add_annotation("text", (i, 0, 10, 10), f"note {i} " + "x" * 1000)
        versions.append(workflow)
    write_workflow(versions[0], sys.argv[1])
    print("ready", flush=True)
    turn = 0
    while True:
        turn += 1
        write_workflow(versions[turn % 2], sys.argv[1])
""")


def _annotation_count(path: Path) -> int:
    workflow, _ = read_workflow(path)
    return len(workflow.annotations)


def _temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.skipif(sys.platform == "win32", reason="kill -9 and flock are POSIX")
def test_file_and_backup_parse_after_every_kill_and_orphans_are_removed(tmp_path: Path) -> None:
    target = tmp_path / "work.embedflow"
    rng = random.Random(SEED)
    for _ in range(KILLS):
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(target)], stdout=subprocess.PIPE, text=True)
        try:
            assert child.stdout is not None and child.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.0, 0.4))  # where the kill lands; any point must be safe
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
            child.stdout.close()  # type: ignore[union-attr]
        assert _annotation_count(target) in (2_000, 3_000)
        if backup_path(target).exists():
            assert _annotation_count(backup_path(target)) in (2_000, 3_000)
    write_workflow(Workflow(), target)  # the next save removes what the killed ones left
    assert _temp_files(tmp_path) == []
    assert _annotation_count(backup_path(target)) in (2_000, 3_000)


def test_a_failed_write_leaves_file_and_backup_untouched_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    for text in ("first", "second"):
        with atomic_write(target, keep_backup=True) as handle:
            handle.write(text)
    with pytest.raises(OSError):
        with atomic_write(target, keep_backup=True) as handle:
            handle.write("third, half")
            raise OSError(28, "No space left on device")
    assert target.read_text() == "second" and backup_path(target).read_text() == "first"
    assert _temp_files(tmp_path) == []


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs RLIMIT_FSIZE")
def test_a_full_disk_during_save_is_a_clear_error_and_loses_nothing(tmp_path: Path) -> None:
    target = tmp_path / "work.embedflow"
    small = Workflow()
    small.add_annotation("text", (0, 0, 1, 1), "small")
    write_workflow(small, target)
    write_workflow(small, target)
    code = textwrap.dedent(f"""
        import resource, signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG, as on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
        from embedflow.core.errors import WorkflowFileError
        from embedflow.core.workflow import Workflow
        from embedflow.io.workflow_file import write_workflow
        big = Workflow()
        for i in range(2000):
            big.add_annotation("text", (i, 0, 1, 1), "x" * 50)
        try:
            write_workflow(big, {str(target)!r})
        except WorkflowFileError as exc:
            print("refused:", exc)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "refused: Could not save" in result.stdout, result.stderr
    assert _annotation_count(target) == 1 and _annotation_count(backup_path(target)) == 1
    assert _temp_files(tmp_path) == []


def test_a_new_file_gets_the_umask_and_a_saved_one_keeps_its_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        with atomic_write(tmp_path / "new.txt") as handle:
            handle.write("x")
    finally:
        os.umask(old)
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o640
    (tmp_path / "new.txt").chmod(0o604)
    with atomic_write(tmp_path / "new.txt") as handle:
        handle.write("y")
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o604
