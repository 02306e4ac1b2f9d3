"""Writing block outputs as CSV and Parquet, and choosing which outputs `--outputs` means."""

from __future__ import annotations

import os
import stat

import numpy as np
import pandas as pd
import pyarrow.csv
import pytest

from embedflow.core.sizes import format_size
from embedflow.core.table import EncodedText, Table
from embedflow.io.outputs import (
    FORMATS,
    OutputSelectionError,
    WrittenFile,
    entry_node,
    is_writable,
    output_path,
    select_outputs,
    to_arrow,
    write_output,
)

AWKWARD_TEXT = ["plain", "a, comma", 'a "quote"', "two\nlines", "ünïcødé ✓ 中文", "", None]


def float32_vectors(rows: int = 500, dims: int = 16) -> np.ndarray:
    """Random float32 values across magnitudes, with the extremes and subnormals first."""
    rng = np.random.default_rng(7)
    vectors = (rng.standard_normal((rows, dims)) * 10.0 ** rng.integers(-30, 30, (rows, dims))).astype(np.float32)
    special = [np.finfo(np.float32).max, np.finfo(np.float32).tiny, 1e-45, -0.0, 0.1, 1 / 3]
    vectors.flat[: len(special)] = special
    return vectors


def read_back(path: os.PathLike[str]) -> pd.DataFrame:
    """The file as pandas reads it."""
    if str(path).endswith(".csv"):
        return pd.read_csv(path, keep_default_na=True)
    return pd.read_parquet(path)


def dims_of(frame: pd.DataFrame, dims: int) -> np.ndarray:
    return frame[[f"dim_{i}" for i in range(dims)]].to_numpy(np.float32)


@pytest.mark.parametrize("fmt", FORMATS)
def test_float32_vectors_round_trip_exactly(tmp_path, fmt):
    vectors = float32_vectors()
    written = write_output(Table(pd.DataFrame({"id": range(len(vectors))}), vectors), tmp_path / f"v.{fmt}", fmt)
    back = read_back(written.path)
    assert np.array_equal(dims_of(back, vectors.shape[1]).view(np.uint32), vectors.view(np.uint32))


def test_parquet_stores_vectors_as_float32_dim_columns(tmp_path):
    vectors = float32_vectors(10, 3)
    back = read_back(write_output(Table(pd.DataFrame({"id": range(10)}), vectors), tmp_path / "v.parquet",
                                  "parquet").path)
    assert list(back.columns) == ["id", "dim_0", "dim_1", "dim_2"]
    assert (back.dtypes.iloc[1:] == np.float32).all()


@pytest.mark.parametrize("fmt", FORMATS)
def test_awkward_strings_round_trip(tmp_path, fmt):
    table = Table(pd.DataFrame({"text": AWKWARD_TEXT, "n": range(len(AWKWARD_TEXT))}))
    back = read_back(write_output(table, tmp_path / f"t.{fmt}", fmt).path)
    # CSV cannot tell an empty string from a missing one; pandas reads both as missing.
    expected = [None if fmt == "csv" and value == "" else value for value in AWKWARD_TEXT]
    assert [None if pd.isna(value) else value for value in back["text"]] == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_nan_in_vectors_and_metadata_reads_back_as_nan(tmp_path, fmt):
    vectors = np.array([[1.5, np.nan], [np.inf, -2.0]], dtype=np.float32)
    table = Table(pd.DataFrame({"score": [np.nan, 0.25]}), vectors)
    back = read_back(write_output(table, tmp_path / f"n.{fmt}", fmt).path)
    assert np.isnan(back["score"][0]) and back["score"][1] == 0.25
    assert np.array_equal(dims_of(back, 2), vectors, equal_nan=True)


def test_csv_writes_nan_as_an_empty_field_like_pandas(tmp_path):
    table = Table(pd.DataFrame({"a": [1, 2]}), np.array([[np.nan], [0.5]], dtype=np.float32))
    path = write_output(table, tmp_path / "n.csv").path
    assert path.read_text(encoding="utf-8").splitlines()[1] == "1,"


def test_csv_has_a_header_and_no_index_like_the_pandas_writer(tmp_path):
    table = Table(pd.DataFrame({"word": ["king"]}, index=[41]), np.array([[0.5, -1.0]], dtype=np.float32))
    back = read_back(write_output(table, tmp_path / "h.csv").path)
    assert list(back.columns) == ["word", "dim_0", "dim_1"]
    # Arrow writes -1.0 as -1, so an all-integral column reads back as integers: same values.
    pd.testing.assert_frame_equal(back, pd.read_csv(_pandas_csv(table, tmp_path)), check_dtype=False)


def _pandas_csv(table: Table, folder) -> os.PathLike[str]:
    path = folder / "pandas.csv"
    table.to_frame().to_csv(path, index=False)
    return path


def test_one_column_csv_keeps_rows_with_a_missing_value(tmp_path):
    table = Table(pd.DataFrame({"text": ["a", None, "b"]}))
    back = read_back(write_output(table, tmp_path / "one.csv").path)
    assert len(back) == 3 and pd.isna(back["text"][1])


def test_csv_writes_lists_and_mixed_objects_as_pandas_does(tmp_path):
    column = pd.Series([[1, 2], "x", 3, None], dtype=object)
    table = Table(pd.DataFrame({"mixed": column, "n": range(4)}))
    back = read_back(write_output(table, tmp_path / "m.csv").path)
    expected = pd.read_csv(_pandas_csv(table, tmp_path))
    assert back["mixed"].tolist()[:3] == expected["mixed"].tolist()[:3] == ["[1, 2]", "x", "3"]
    assert pd.isna(back["mixed"][3])


def test_parquet_writes_a_column_mixing_numbers_and_text_as_text(tmp_path):
    table = Table(pd.DataFrame({"mixed": pd.Series([1, "x", None], dtype=object)}))
    back = read_back(write_output(table, tmp_path / "m.parquet", "parquet").path)
    assert back["mixed"].tolist()[:2] == ["1", "x"] and pd.isna(back["mixed"][2])


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_table_writes_its_columns(tmp_path, fmt):
    table = Table(pd.DataFrame({"text": pd.Series([], dtype=str)}), np.zeros((0, 2), dtype=np.float32))
    back = read_back(write_output(table, tmp_path / f"e.{fmt}", fmt).path)
    assert list(back.columns) == ["text", "dim_0", "dim_1"] and len(back) == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_encoded_text_writes_length_and_token_columns(tmp_path, fmt):
    source = Table(pd.DataFrame({"text": ["a b", "c"]}), feature="text")
    encoded = EncodedText(ids=np.array([[3, 4], [5, -1]], dtype=np.int32), lengths=np.array([2, 1]),
                          language_model="glove-6b-50d", table=source)
    back = read_back(write_output(encoded, tmp_path / f"enc.{fmt}", fmt).path)
    expected = encoded.to_frame()
    assert list(back.columns) == list(expected.columns)
    assert back[["length", "token_0", "token_1"]].to_numpy().tolist() == [[2, 3, 4], [1, 5, -1]]


def test_large_csv_written_in_chunks_matches_one_pass(tmp_path, monkeypatch):
    import embedflow.io.outputs as outputs

    table = Table(pd.DataFrame({"text": [f"row {i}, \"x\"" for i in range(1000)]}), float32_vectors(1000, 8))
    whole = tmp_path / "whole.csv"
    pyarrow.csv.write_csv(to_arrow(table, "csv"), whole)
    monkeypatch.setattr(outputs, "CSV_CHUNK_CELLS", 90)
    monkeypatch.setattr(outputs, "_threads", lambda: 2)
    chunked = write_output(table, tmp_path / "chunked.csv").path
    assert chunked.read_bytes() == whole.read_bytes()


@pytest.mark.parametrize("fmt", FORMATS)
def test_written_file_follows_the_umask(tmp_path, fmt):
    previous = os.umask(0o027)
    try:
        path = write_output(Table(pd.DataFrame({"a": [1]})), tmp_path / f"u.{fmt}", fmt).path
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_written_file_reports_its_size(tmp_path):
    written = write_output(Table(pd.DataFrame({"a": [1, 2]})), tmp_path / "s.csv")
    assert written == WrittenFile(tmp_path / "s.csv", len(b'"a"\n1\n2\n'))
    assert written.describe() == "s.csv (8 bytes)"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch, fmt):
    import embedflow.io.outputs as outputs

    target = tmp_path / f"f.{fmt}"
    target.write_text("old")

    def fail_half_way(table, handle):
        handle.write(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outputs, "_write_csv" if fmt == "csv" else "_write_parquet", fail_half_way)
    with pytest.raises(OSError):
        write_output(Table(pd.DataFrame({"a": [1]})), target, fmt)
    assert target.read_text() == "old" and os.listdir(tmp_path) == [target.name]


def test_a_value_that_is_not_a_table_is_refused_before_any_file_exists(tmp_path):
    with pytest.raises(TypeError):
        write_output({"view": 1}, tmp_path / "x.csv")
    assert os.listdir(tmp_path) == []


def test_is_writable_accepts_tables_and_encoded_text_only():
    table = Table(pd.DataFrame({"a": [1]}))
    encoded = EncodedText(np.zeros((1, 1), dtype=np.int32), np.ones(1), "glove-6b-50d", table)
    assert is_writable(table) and is_writable(encoded) and not is_writable({"view": 1})


def test_output_path_is_node_port_and_format():
    assert output_path("out", "n3", "embeddings", "parquet").as_posix() == "out/n3-embeddings.parquet"


@pytest.mark.parametrize("size, text", [(0, "0 bytes"), (1, "1 byte"), (999, "999 bytes"), (1000, "1.0 kB"),
                                        (38_200_000, "38.2 MB"), (999_960_000, "1.0 GB"), (None, "unknown size")])
def test_format_size_uses_decimal_units(size, text):
    assert format_size(size) == text


# n1 input → n2 encoding → n3 embedding → n4 neighbours; n3 → n5 scatter.
NODE_OUTPUTS = {"n1": ["data"], "n2": ["encoded"], "n3": ["embeddings"], "n4": ["neighbours"],
                "n5": ["selected"], "n6.v2": ["a", "b"]}
LINKS = [("n1", "data"), ("n2", "encoded"), ("n3", "embeddings"), ("n3", "embeddings")]


def test_all_selects_every_port():
    assert len(select_outputs(LINKS, NODE_OUTPUTS, "all")) == 7


def test_final_selects_the_ports_no_link_consumes():
    assert select_outputs(LINKS, NODE_OUTPUTS, "final") == {
        ("n4", "neighbours"), ("n5", "selected"), ("n6.v2", "a"), ("n6.v2", "b")}


def test_a_list_names_nodes_and_ports():
    assert select_outputs(LINKS, NODE_OUTPUTS, "n1, n6.v2.b,n3.embeddings") == {
        ("n1", "data"), ("n6.v2", "b"), ("n3", "embeddings")}


def test_a_node_id_with_a_dot_names_the_whole_node():
    assert select_outputs(LINKS, NODE_OUTPUTS, "n6.v2") == {("n6.v2", "a"), ("n6.v2", "b")}


def test_an_unknown_node_is_a_clear_error():
    with pytest.raises(OutputSelectionError, match="no node 'n9'; its nodes are n1, n2"):
        select_outputs(LINKS, NODE_OUTPUTS, "n1,n9")


def test_an_unknown_node_before_a_port_is_a_clear_error():
    with pytest.raises(OutputSelectionError, match="no node 'n9'"):
        select_outputs(LINKS, NODE_OUTPUTS, "n9.data")


def test_an_unknown_port_is_a_clear_error():
    expected = "'n3' has no output port 'vectors'; its output ports are embeddings"
    with pytest.raises(OutputSelectionError, match=expected):
        select_outputs(LINKS, NODE_OUTPUTS, "n3.vectors")


def test_an_empty_entry_is_a_clear_error():
    with pytest.raises(OutputSelectionError, match="empty entry"):
        select_outputs(LINKS, NODE_OUTPUTS, "n1,")


def test_a_node_id_with_a_dot_is_named_whole_before_it_is_read_as_node_dot_port():
    node_outputs = {"n1.a": ["data"], "n1": ["a"]}
    assert entry_node("n1.a", node_outputs) == "n1.a"
    assert entry_node("n1.a.data", node_outputs) == "n1.a"
    assert select_outputs([], node_outputs, "n1.a") == {("n1.a", "data")}
