"""A Parquet file cut by its row groups (its footer read alone) and read piece by piece."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from embedflow.io.tables import load_table, parquet_feature, parquet_pieces


def _file(tmp_path: Path, rows: int = 100, group: int = 10) -> Path:
    path = tmp_path / "texts.parquet"
    pd.DataFrame({"id": range(rows), "text": [f"text number {i}" for i in range(rows)]}).to_parquet(
        path, row_group_size=group)
    return path


def test_row_groups_are_grouped_into_runs_of_about_the_piece_size(tmp_path: Path) -> None:
    path = _file(tmp_path)
    assert parquet_pieces(path, 1) == [[n] for n in range(10)]  # a group larger than a piece is a piece alone
    assert parquet_pieces(path, 10**9) == [list(range(10))]
    runs = parquet_pieces(path, 3 * 400)
    assert runs is not None and 2 < len(runs) < 10
    assert [group for run in runs for group in run] == list(range(10))  # every group once, in order


def test_pieces_read_by_their_row_groups_join_into_the_whole_file(tmp_path: Path) -> None:
    path = _file(tmp_path)
    runs = parquet_pieces(path, 1_000)
    assert runs is not None
    parts = [load_table(path, row_groups=run).table.meta for run in runs]
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), load_table(path).table.meta)


def test_a_file_that_is_not_parquet_gives_no_pieces(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"not parquet at all")
    assert parquet_pieces(path, 1_000) is None
    assert parquet_feature(path) is None


def test_the_feature_of_a_parquet_file_is_the_one_load_table_chooses(tmp_path: Path) -> None:
    assert parquet_feature(_file(tmp_path)) == load_table(_file(tmp_path)).table.feature == "text"
