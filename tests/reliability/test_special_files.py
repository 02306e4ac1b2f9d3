"""Only regular files are read: a FIFO, a device, a symlink loop, a folder or an unreadable file is refused at once."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from embedflow.api import read_workflow
from embedflow.core.errors import EmbedflowError, NodeError, WorkflowFileError
from embedflow.images.loading import ImageLoadError
from embedflow.images.runtime import OnnxEmbedder
from embedflow.images.sources import read_source
from embedflow.io.regular_files import FileRefused, read_bounded, read_regular
from embedflow.io.tables import load_table
from tests.reliability.support import run_isolated

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev/zero are POSIX")


@pytest.fixture()
def special(tmp_path: Path) -> dict[str, Path]:
    """One path of each kind that must be refused."""
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "zero").symlink_to("/dev/zero")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    (tmp_path / "folder").mkdir()
    return {name: tmp_path / name for name in ("fifo", "zero", "loop", "folder")}


REASONS = {"fifo": "named pipe", "zero": "device", "loop": "loop", "folder": "folder"}


@pytest.mark.parametrize("kind", list(REASONS))
def test_reading_refuses_each_special_file_with_its_reason(special: dict[str, Path], kind: str) -> None:
    with pytest.raises(FileRefused, match=REASONS[kind]):
        read_regular(special[kind], 2**20)


@pytest.mark.parametrize("kind", list(REASONS))
def test_a_special_file_as_a_workflow_is_a_clear_error(special: dict[str, Path], kind: str) -> None:
    with pytest.raises(WorkflowFileError, match=REASONS[kind]):
        read_workflow(special[kind])


@pytest.mark.parametrize("kind", ["fifo", "zero", "loop"])
def test_a_special_file_as_a_data_table_is_an_unreadable_file(special: dict[str, Path], kind: str) -> None:
    with pytest.raises(NodeError, match=REASONS[kind]) as caught:
        load_table(special[kind].with_name(kind), "csv")
    assert caught.value.code == "unreadable-file"


@pytest.mark.parametrize("kind", list(REASONS))
def test_a_special_file_as_an_image_is_a_skipped_row_reason(special: dict[str, Path], kind: str) -> None:
    with pytest.raises(ImageLoadError, match=REASONS[kind]):
        read_source(special[kind].name, str(special[kind].parent))


@pytest.mark.parametrize("kind", ["fifo", "zero", "loop"])
def test_a_special_file_as_an_own_onnx_model_is_refused(special: dict[str, Path], kind: str) -> None:
    with pytest.raises(EmbedflowError, match=REASONS[kind]):
        OnnxEmbedder(special[kind])


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file_is_refused_for_lack_of_permission(tmp_path: Path) -> None:
    path = tmp_path / "secret.embedflow"
    path.write_text("{}")
    path.chmod(0)
    with pytest.raises(WorkflowFileError, match="no permission"):
        read_workflow(path)


def test_a_growing_file_is_cut_at_the_limit_while_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "grows.txt"
    path.write_bytes(b"x" * 100)
    with open(path, "rb") as handle:
        path.write_bytes(b"x" * 5000)  # it grew after it was opened
        with pytest.raises(FileRefused, match="larger than the limit"):
            read_bounded(handle, 1000)


def test_validate_and_run_on_a_fifo_or_dev_zero_end_at_once_in_a_child(special: dict[str, Path],
                                                                         tmp_path: Path) -> None:
    workflow = tmp_path / "uses-fifo.embedflow"
    workflow.write_text(json.dumps({"format": "embedflow-workflow", "version": 1, "nodes": [
        {"id": "n1", "type": "input", "settings": {"path": str(special["fifo"])}}]}))
    result = run_isolated(f"""
        from embedflow.cli import main
        codes = [main(["validate", {str(special["fifo"])!r}]), main(["validate", {str(special["zero"])!r}]),
                 main(["validate", {str(workflow)!r}])]
        print("codes", codes)
    """, timeout=120, memory_bytes=3 * 2**30)
    assert "codes [1, 1, 1]" in result.stdout, result.stderr
    assert "named pipe" in result.stderr and "device" in result.stderr and "Traceback" not in result.stderr
    assert "unreadable-file" in result.stdout
