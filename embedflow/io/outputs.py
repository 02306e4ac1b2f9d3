"""Writing a block's output ports to CSV or Parquet files, and choosing which ports to write.

Both formats hold the same columns as `to_frame()`: the metadata, then the vector block as
`dim_0 … dim_{d-1}` (EncodedText: `length`, then `token_0 …`). Files are written atomically
(a temp file beside the target, fsync, `os.replace`) and get the mode the user's umask gives.
See docs/outputs.md for the choices and the measurements behind them.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pa_compute
import pyarrow.csv as pa_csv

from ..core.errors import EmbedflowError
from ..core.sizes import format_size
from ..core.table import EncodedText, Table
from .atomic import atomic_write

OutputFormat = Literal["csv", "parquet"]
FORMATS: tuple[OutputFormat, ...] = ("csv", "parquet")
# Cells per CSV chunk formatted by one thread: ~20 MB of text, so a few chunks in flight stay small.
CSV_CHUNK_CELLS = 2_000_000
# Rows per tile when transposing a vector block to columns: a tile stays in the CPU cache,
# which makes the transpose ~5x faster than numpy's whole-array copy of `vectors.T`.
TRANSPOSE_TILE_ROWS = 256

_CONVERSION_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError)


class OutputSelectionError(EmbedflowError):
    """`--outputs` names something the workflow does not have; the message says what."""


@dataclass(frozen=True)
class WrittenFile:
    """A file an output was written to, and its size in bytes."""

    path: Path
    size: int

    def describe(self) -> str:
        """The file's name and size for the user, e.g. "n3-embeddings.parquet (38.2 MB)"."""
        return f"{self.path.name} ({format_size(self.size)})"


def is_writable(value: object) -> bool:
    """True for an output value that becomes a file (a Table, EncodedText or anything with to_frame())."""
    return isinstance(value, (Table, EncodedText)) or hasattr(value, "to_frame")


def output_path(out_dir: str | os.PathLike[str], node_id: str, port: str, fmt: OutputFormat) -> Path:
    """Where a port's output goes: OUT/<node_id>-<port>.<format>."""
    return Path(out_dir) / f"{node_id}-{port}.{fmt}"


def write_output(value: object, path: str | os.PathLike[str], fmt: OutputFormat = "csv") -> WrittenFile:
    """Write one output value to `path` as `fmt`, atomically; returns the file written and its size."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown output format {fmt!r}; choose one of {', '.join(FORMATS)}")
    table = to_arrow(value, fmt)
    target = Path(path)
    with atomic_write(target, "wb") as handle:
        if fmt == "csv":
            _write_csv(table, handle)
        else:
            _write_parquet(table, handle)
    return WrittenFile(target, target.stat().st_size)


def to_arrow(value: object, fmt: OutputFormat) -> pa.Table:
    """The columns of an output value (as in its to_frame()) as an Arrow table ready for `fmt`.

    For CSV, NaN becomes an empty field (as pandas writes it) and columns the CSV writer cannot
    format as pandas would (lists, durations, mixed objects) become their str(); Parquet keeps
    NaN in vectors and every type Arrow can store.
    """
    if isinstance(value, Table):
        meta, extra, block = value.meta, {}, ("dim_", value.vectors)
    elif isinstance(value, EncodedText):
        meta, extra, block = value.table.meta, {"length": value.lengths}, ("token_", value.ids)
    elif hasattr(value, "to_frame"):
        meta, extra, block = value.to_frame(), {}, ("", None)
    else:
        raise TypeError(f"cannot write a {type(value).__name__} as a table")
    names = [str(name) for name in meta.columns] + list(extra)
    arrays = [_column(meta.iloc[:, i], fmt) for i in range(meta.shape[1])]
    arrays += [pa.array(np.asarray(values)) for values in extra.values()]
    prefix, matrix = block
    if matrix is not None:
        names += [f"{prefix}{i}" for i in range(matrix.shape[1])]
        arrays += _block_columns(np.asarray(matrix), nan_as_null=fmt == "csv")
    table = pa.Table.from_arrays(arrays, names=names)
    if fmt == "csv" and table.num_columns == 1 and table.column(0).null_count:
        # A one-column CSV would hold an empty line for a missing value, which readers skip
        # (pandas' skip_blank_lines); pandas writes "" there, and so do we.
        text = pa_compute.fill_null(pa_compute.cast(table.column(0), pa.large_string()), "")
        table = pa.Table.from_arrays([text], names=names)
    return table


def _column(series: pd.Series, fmt: OutputFormat) -> pa.Array | pa.ChunkedArray:
    try:
        array = pa.array(series, from_pandas=True)
    except _CONVERSION_ERRORS:  # e.g. an object column mixing numbers and strings
        return _as_text(series)
    if fmt == "csv" and not _csv_formats_like_pandas(array.type):
        return _as_text(series)
    return array


def _csv_formats_like_pandas(kind: pa.DataType) -> bool:
    """True for the types Arrow's CSV writer formats as pandas' to_csv does (up to spelling)."""
    if pa.types.is_dictionary(kind):
        return _csv_formats_like_pandas(kind.value_type)
    return (pa.types.is_integer(kind) or pa.types.is_float32(kind) or pa.types.is_float64(kind)
            or pa.types.is_boolean(kind) or pa.types.is_string(kind) or pa.types.is_large_string(kind)
            or pa.types.is_timestamp(kind) or pa.types.is_date(kind) or pa.types.is_null(kind))


def _as_text(series: pd.Series) -> pa.Array:
    """str() of every value, missing ones (None, NaN, NaT) left missing: what pandas' to_csv writes."""
    return pa.array([None if pd.api.types.is_scalar(v) and pd.isna(v) else str(v) for v in series],
                    type=pa.large_string())


def _block_columns(matrix: np.ndarray, nan_as_null: bool) -> list[pa.Array]:
    """One Arrow array per column of a (rows, dims) matrix, sharing one transposed copy."""
    rows, dims = matrix.shape
    columns = np.empty((dims, rows), dtype=matrix.dtype)
    for start in range(0, rows, TRANSPOSE_TILE_ROWS):
        columns[:, start:start + TRANSPOSE_TILE_ROWS] = matrix[start:start + TRANSPOSE_TILE_ROWS].T
    if nan_as_null and matrix.dtype.kind == "f" and not np.isfinite(matrix).all():
        return [pa.array(column, from_pandas=True) for column in columns]
    return [pa.array(column) for column in columns]


def _threads() -> int:
    """Cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _write_csv(table: pa.Table, handle: IO[bytes]) -> None:
    """Header and rows as UTF-8 CSV; large tables are formatted in row chunks on every core."""
    rows = max(1, CSV_CHUNK_CELLS // max(1, table.num_columns))
    threads = min(_threads(), 8)
    if threads == 1 or table.num_rows <= rows:
        pa_csv.write_csv(table, handle)
        return
    # Arrow formats a chunk without holding the GIL, so chunks format in parallel and are
    # written in order; at most two per thread wait in memory.
    with ThreadPoolExecutor(threads) as pool:
        pending: deque = deque()
        for start in range(0, table.num_rows, rows):
            pending.append(pool.submit(_csv_bytes, table.slice(start, rows), start == 0))
            if len(pending) > 2 * threads:
                handle.write(pending.popleft().result())
        while pending:
            handle.write(pending.popleft().result())


def _csv_bytes(table: pa.Table, header: bool) -> pa.Buffer:
    sink = pa.BufferOutputStream()
    pa_csv.write_csv(table, sink, pa_csv.WriteOptions(include_header=header))
    return sink.getvalue()


def _write_parquet(table: pa.Table, handle: IO[bytes]) -> None:
    """Snappy-compressed Parquet; vector columns skip dictionaries and statistics (useless for floats)."""
    import pyarrow.parquet as pq  # only runs that ask for Parquet pay for loading it

    vector_prefixes = ("dim_", "token_")
    meta = [name for name in table.column_names if not name.startswith(vector_prefixes)]
    pq.write_table(table, handle, use_dictionary=meta, write_statistics=meta)


def select_outputs(workflow_links: Iterable[tuple[str, str]], node_outputs: Mapping[str, Sequence[str]],
                   spec: str) -> set[tuple[str, str]]:
    """The (node_id, port) pairs `--outputs SPEC` asks for.

    workflow_links: (source node, source port) of every link; node_outputs: each node's output ports.
    SPEC is `all` (every port), `final` (ports no link consumes) or a comma-separated list of
    NODE (all its ports) and NODE.PORT entries.
    """
    every = {(node, port) for node, ports in node_outputs.items() for port in ports}
    choice = spec.strip()
    if choice == "all":
        return every
    if choice == "final":
        return every - set(workflow_links)
    chosen: set[tuple[str, str]] = set()
    for entry in (item.strip() for item in choice.split(",")):
        chosen |= _entry_outputs(entry, node_outputs)
    return chosen


def entry_node(entry: str, node_outputs: Mapping[str, Sequence[str]]) -> str:
    """The node an --outputs entry (NODE or NODE.PORT) names; a whole node id is tried first (ids may hold dots)."""
    return entry if entry in node_outputs else entry.rpartition(".")[0]


def _entry_outputs(entry: str, node_outputs: Mapping[str, Sequence[str]]) -> set[tuple[str, str]]:
    """The ports one --outputs entry names (NODE or NODE.PORT)."""
    if not entry:
        raise OutputSelectionError("--outputs has an empty entry; give all, final, or NODE[.PORT],... "
                                   "separated by commas")
    if entry_node(entry, node_outputs) == entry:
        return {(entry, port) for port in node_outputs[entry]}
    node, dot, port = entry.rpartition(".")
    if not dot or node not in node_outputs:
        raise OutputSelectionError(f"--outputs names {entry!r}, but the workflow has no node "
                                   f"{(node if dot else entry)!r}; its nodes are {_listing(node_outputs)}")
    if port not in node_outputs[node]:
        raise OutputSelectionError(f"--outputs names {entry!r}, but node {node!r} has no output port "
                                   f"{port!r}; its output ports are {_listing(node_outputs[node])}")
    return {(node, port)}


def _listing(names: Iterable[str]) -> str:
    return ", ".join(names) or "(none)"
