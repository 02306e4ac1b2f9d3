"""Data files within documented limits: wide headers refused fast, BOMs and gzip understood, binary columns named."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from embedflow.core.errors import NodeError
from embedflow.io import tables
from embedflow.io.tables import MAX_COLUMNS, load_table

TEXT = "text,label\nthe king rules,a\nqueens and princes,b\n"


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_a_header_of_a_million_columns_is_refused_without_parsing(tmp_path: Path) -> None:
    path = _write(tmp_path / "wide.csv", (",".join(f"c{i}" for i in range(1_000_000)) + "\n1\n").encode())
    started = time.process_time()
    with pytest.raises(NodeError) as caught:
        load_table(path)
    assert caught.value.code == "too-many-columns"
    assert time.process_time() - started < 20  # CPU seconds; before the cap it ran for minutes


def test_a_header_just_above_the_cap_names_the_count_and_the_cap(tmp_path: Path) -> None:
    path = _write(tmp_path / "wide.csv", (",".join(f"c{i}" for i in range(MAX_COLUMNS + 1)) + "\n").encode())
    with pytest.raises(NodeError, match=f"{MAX_COLUMNS + 1:,} columns.*up to {MAX_COLUMNS:,}"):
        load_table(path)


def test_a_header_at_the_cap_is_read(tmp_path: Path) -> None:
    header = ",".join(["text"] + [f"c{i}" for i in range(MAX_COLUMNS - 1)])
    path = _write(tmp_path / "wide.csv", (header + "\nthe king rules" + "," * (MAX_COLUMNS - 1) + "\n").encode())
    assert len(load_table(path).table.meta.columns) == MAX_COLUMNS


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_unicode_encodings_with_or_without_a_mark_are_read_as_text(encoding: str, tmp_path: Path) -> None:
    loaded = load_table(_write(tmp_path / "data.csv", TEXT.encode(encoding)))
    assert list(loaded.table.meta.columns) == ["text", "label"] and not loaded.warnings
    assert loaded.table.meta["text"][0] == "the king rules"


@pytest.mark.parametrize("name", ["data.csv.gz", "data.csv", "data.txt"])
def test_gzip_files_are_read_whatever_their_name(name: str, tmp_path: Path) -> None:
    loaded = load_table(_write(tmp_path / name, gzip.compress(TEXT.encode())))
    assert len(loaded.table) >= 2


def test_a_gzip_bomb_is_cut_at_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tables, "MAX_TABLE_BYTES", 2**20)
    path = _write(tmp_path / "bomb.csv.gz", gzip.compress(b"text\n" + b"x" * (20 * 2**20)))
    with pytest.raises(NodeError, match="larger than the limit") as caught:
        load_table(path)
    assert caught.value.code == "unreadable-file"


def test_compressed_excel_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(NodeError, match="Decompress|compressed") as caught:
        load_table(_write(tmp_path / "sheet.xlsx.gz", gzip.compress(b"PK")))
    assert caught.value.code == "unreadable-file"


def test_a_parquet_binary_column_is_left_out_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "mixed.parquet"
    pq.write_table(pa.table({"blob": pa.array([b"\xff\x00", b"\x01\xfe"]), "text": ["the king", "a queen"]}), path)
    loaded = load_table(path)
    assert list(loaded.table.meta.columns) == ["text"]
    assert any("binary data" in w for w in loaded.warnings)


def test_a_parquet_binary_column_chosen_as_feature_is_a_binary_column_error(tmp_path: Path) -> None:
    path = tmp_path / "mixed.parquet"
    pq.write_table(pa.table({"blob": pa.array([b"\xff\x00", b"\x01\xfe"]), "text": ["the king", "a queen"]}), path)
    with pytest.raises(NodeError) as caught:
        load_table(path, feature="blob")
    assert caught.value.code == "binary-column"


def test_parquet_bytes_that_are_utf8_become_text(tmp_path: Path) -> None:
    path = tmp_path / "bytes.parquet"
    pq.write_table(pa.table({"text": pa.array([b"the king rules", b"queens"], pa.binary())}), path)
    assert load_table(path).table.meta["text"].tolist() == ["the king rules", "queens"]


def test_json_lines_with_one_row_of_too_many_keys_are_refused(tmp_path: Path) -> None:
    row = "{" + ",".join(f'"k{i}": {i}' for i in range(50_000)) + "}\n"
    path = _write(tmp_path / "wide.jsonl", ('{"text": "a"}\n' + row).encode())
    with pytest.raises(NodeError, match=f"more than {MAX_COLUMNS:,} different keys by line 2") as caught:
        load_table(path)
    assert caught.value.code == "too-many-columns"


def test_json_lines_that_each_add_a_key_are_refused_at_the_line_past_the_limit(tmp_path: Path) -> None:
    lines = "".join(f'{{"text": "t", "k{i}": 1}}\n' for i in range(30_000))
    with pytest.raises(NodeError, match=f"by line {MAX_COLUMNS:,},"):
        load_table(_write(tmp_path / "growing.jsonl", lines.encode()))


def test_json_lines_at_the_column_limit_are_read(tmp_path: Path) -> None:
    row = '{"text": "t", ' + ",".join(f'"k{i}": {i}' for i in range(MAX_COLUMNS - 1)) + "}\n"
    assert len(load_table(_write(tmp_path / "at.jsonl", row.encode())).table.meta.columns) == MAX_COLUMNS
