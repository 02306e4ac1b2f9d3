"""A folder of images cut into runs of its top-level entries, each listed apart (on a cluster, by a worker)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from embedflow.core.errors import NodeError
from embedflow.io.tables import image_folder_pieces, load_table


def tree(root: Path) -> Path:
    """Images at the top and in nested subfolders, a subfolder without images, hidden and non-image files."""
    for name in ("a.jpg", "b.txt", "c.png", "k.jpg", "z.jpg", "b/one.jpg", "b/deep/two.png", "b/.skip/x.jpg",
                 "d/notes.txt", "m/three.jpg", ".hidden/y.jpg", "my photo 1.jpg", "my photo 2.jpg"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"not decoded when listing")
    os.symlink(root / "m", root / "n-link")  # a link to a folder is not followed, as when listing whole
    return root


def test_each_subfolder_is_a_piece_and_the_files_between_them_one_run(tmp_path: Path) -> None:
    assert image_folder_pieces(tree(tmp_path)) == [("a.jpg", "a.jpg"), ("b", "b"), ("c.png", "c.png"),
                                                   ("d", "d"), ("k.jpg", "k.jpg"), ("m", "m"),
                                                   ("my photo 1.jpg", "z.jpg")]


def test_the_pieces_list_together_exactly_what_the_whole_folder_lists(tmp_path: Path) -> None:
    folder = tree(tmp_path)
    whole = load_table(folder).table
    parts = [load_table(folder, entries=piece).table for piece in image_folder_pieces(folder) or []]
    assert len(parts[3].meta) == 0  # d holds no image: a piece may be empty, the whole folder may not
    joined = pd.concat([part.meta for part in parts], ignore_index=True)
    pd.testing.assert_frame_equal(joined, whole.meta)
    assert whole.meta["image"].tolist()[:4] == ["a.jpg", "b/deep/two.png", "b/one.jpg", "c.png"]
    assert {part.feature for part in parts} == {whole.feature} == {"image"}


def test_an_image_folder_s_feature_is_its_images_even_when_most_names_have_spaces(tmp_path: Path) -> None:
    for number in range(3):
        (tmp_path / f"holiday photo {number}.jpg").write_bytes(b"x")
    assert load_table(tmp_path).table.feature == "image"


def test_a_flat_folder_or_a_missing_one_is_not_cut(tmp_path: Path) -> None:
    (tmp_path / "a.jpg").write_bytes(b"x")
    (tmp_path / "b.jpg").write_bytes(b"x")
    assert image_folder_pieces(tmp_path) is None
    assert image_folder_pieces(tmp_path / "missing") is None


def test_a_piece_of_a_folder_without_any_image_is_refused_as_the_whole_folder_is(tmp_path: Path) -> None:
    for room in ("a", "b"):
        (tmp_path / room).mkdir()
        (tmp_path / room / "notes.txt").write_text("no picture here")
    with pytest.raises(NodeError) as whole:
        load_table(tmp_path)
    with pytest.raises(NodeError) as piece:
        load_table(tmp_path, entries=("a", "a"))
    assert piece.value.code == whole.value.code == "empty-table"
