"""The Nearest Neighbours output: one row per (query, neighbour) with row numbers, rank, distances and both metadata."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..core.table import Table


def neighbours_table(data: Table, query: Table, indices: np.ndarray, distances: np.ndarray,
                     similarities: np.ndarray | None, metric: str) -> Table:
    """One row per (query, neighbour): row numbers, rank, distance, similarity, then both metadata."""
    head, query_rows, neighbour_rows = head_columns(indices, distances, similarities, 0)
    return assemble(head, query, query.meta.iloc[query_rows], data, data.meta.iloc[neighbour_rows], metric)


def head_columns(indices: np.ndarray, distances: np.ndarray, similarities: np.ndarray | None,
                 first_query: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The leading columns, the query rows (of `indices`) and the neighbour rows they name."""
    queries, k = indices.shape
    found = indices.ravel() >= 0
    query_rows = np.repeat(np.arange(queries), k)[found]
    neighbour_rows = indices.ravel()[found]
    columns: dict[str, Any] = {
        "query_row": query_rows + first_query,
        "neighbour_row": neighbour_rows,
        "rank": np.tile(np.arange(1, k + 1), queries)[found],
        "distance": distances.ravel()[found],
    }
    if similarities is not None:
        columns["similarity"] = similarities.ravel()[found]
    return pd.DataFrame(columns), query_rows, neighbour_rows


def assemble(head: pd.DataFrame, query: Table, query_rows: pd.DataFrame, data: Table,
             neighbour_rows: pd.DataFrame, metric: str) -> Table:
    """The neighbours table from its leading columns and the metadata rows of the queries and neighbours.

    query, data: the tables those rows come from (only their columns and provenance are read).
    """
    taken = set(head.columns)
    query_meta = _prefixed(query_rows, "query_", taken)
    neighbour_meta = _prefixed(neighbour_rows, "neighbour_", taken)
    meta = pd.concat([head, query_meta, neighbour_meta], axis=1)
    provenance = {**data.provenance, "metric": metric}
    images = {**_image_column(query, query_meta), **_image_column(data, neighbour_meta)}
    if images:
        provenance["image_columns"] = images
    return Table(meta, provenance=provenance)


def _prefixed(frame: pd.DataFrame, prefix: str, taken: set[str]) -> pd.DataFrame:
    """Metadata rows with column names prefixed, renamed where they would clash."""
    frame = frame.reset_index(drop=True)
    names = []
    for column in frame.columns:
        name = f"{prefix}{column}"
        while name in taken:
            name += "_"
        taken.add(name)
        names.append(name)
    frame.columns = names
    return frame


def _image_column(source: Table, prefixed: pd.DataFrame) -> dict[str, str | None]:
    """{prefixed name of the image column: folder its relative paths start from} for a table of images."""
    if source.provenance.get("kind") != "image" or source.feature not in source.meta:
        return {}
    return {str(prefixed.columns[list(source.meta.columns).index(source.feature)]): source.base_dir}
