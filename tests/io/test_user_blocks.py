"""The user library: groups saved as blocks, listed (broken files as broken), placed as copies."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from embedflow.cli import main
from embedflow.core.errors import EmbedflowError
from embedflow.io.user_blocks import library_folder, place_user_block, save_user_block, user_blocks
from embedflow.registry import default_registry
from tests.group_support import grouped_chain
from tests.helpers import register_test_nodes, unregister_test_nodes


@pytest.fixture(autouse=True)
def test_nodes():
    register_test_nodes()
    yield
    unregister_test_nodes()


def test_a_saved_group_is_listed_and_placing_it_copies_the_group(tmp_path: Path) -> None:
    workflow = grouped_chain()
    path = save_user_block(workflow, "g1", "Doubles the numbers", tmp_path)
    assert path == tmp_path / "scale-it.embedflow"
    [block] = user_blocks(default_registry(), tmp_path)
    assert (block.title, block.description, block.broken) == ("Scale it", "Doubles the numbers", False)
    placed = place_user_block(workflow, block, (50, 60))
    assert placed.id != "g1" and placed.settings == workflow.nodes["g1"].settings
    assert placed.settings is not block.settings
    spec = workflow.spec_of(placed)
    assert spec is not None and [p.name for p in spec.outputs] == ["embeddings"]


def test_saving_twice_keeps_both_files(tmp_path: Path) -> None:
    workflow = grouped_chain()
    save_user_block(workflow, "g1", folder=tmp_path)
    save_user_block(workflow, "g1", folder=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scale-it-2.embedflow", "scale-it.embedflow"]


def test_a_broken_library_file_is_listed_as_broken_and_cannot_be_placed(tmp_path: Path) -> None:
    save_user_block(grouped_chain(), "g1", folder=tmp_path)
    (tmp_path / "a-broken.embedflow").write_text("{ not json", encoding="utf-8")
    (tmp_path / "b-two.embedflow").write_text(
        '{"format": "embedflow-workflow", "version": 1, "nodes": [], "links": []}', encoding="utf-8")
    broken, empty, good = user_blocks(default_registry(), tmp_path)
    assert broken.broken and "not valid JSON" in (broken.error or "")
    assert empty.broken and "exactly one group" in (empty.error or "")
    assert not good.broken
    with pytest.raises(EmbedflowError, match="cannot be placed"):
        place_user_block(grouped_chain(), broken)


def test_embedflow_blocks_lists_the_user_blocks_and_where_they_live(capsys: pytest.CaptureFixture[str]) -> None:
    folder = library_folder()
    save_user_block(grouped_chain(), "g1", "Doubles", folder)
    (folder / "zz.embedflow").write_text("[]", encoding="utf-8")
    assert main(["blocks"]) == 0
    out = capsys.readouterr().out
    assert f"My blocks ({folder}):" in out
    assert "  Scale it (scale-it.embedflow): Doubles" in out
    assert "  zz.embedflow: broken: " in out


def test_a_named_pipe_in_the_library_is_listed_as_broken_without_waiting_for_a_writer(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.embedflow")
    save_user_block(grouped_chain(), "g1", folder=tmp_path)
    pipe, good = user_blocks(default_registry(), tmp_path)
    assert pipe.broken and "named pipe" in (pipe.error or "") and not good.broken
