"""Category vectors for a partitioned table: the rows to fit on come here (all, or a seeded sample), every part
is embedded where it lives and stays there."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...core.cluster import Cluster, part_starts
from ...core.table import Table
from ..category_embedding import ColumnVectors, transform


def _row_count(part: Table) -> int:
    return len(part)


def _rows_of(part: Table, rows: np.ndarray) -> pd.DataFrame:
    return part.meta.iloc[rows]


def rows_brought(cluster: Cluster, parts: list[Any], seed: int) -> tuple[pd.DataFrame, int]:
    """Every row's columns here when there are at most `cluster.gather_rows`, else a seeded sample of that many;
    and the rows in all."""
    first = part_starts(cluster.gather([cluster.submit(_row_count, part) for part in parts], "parts counted"))
    total = int(first[-1])
    chosen = np.arange(total) if total <= cluster.gather_rows else \
        np.sort(np.random.default_rng(seed).choice(total, cluster.gather_rows, replace=False))
    local = [chosen[(chosen >= first[n]) & (chosen < first[n + 1])] - first[n] for n in range(len(parts))]
    frames = cluster.gather([cluster.submit(_rows_of, part, rows) for part, rows in zip(parts, local)], "rows brought")
    return pd.concat(frames, ignore_index=True), total


def _embed_part(fitted: list[ColumnVectors], part: Table, provenance: dict[str, Any]) -> tuple[Table, dict[str, int]]:
    result = transform(part.meta, fitted)
    return Table(part.meta, result.vectors, feature=part.feature, base_dir=part.base_dir,
                 provenance={**provenance, "dims": int(result.vectors.shape[1])}), result.unseen


def _table_of(outcome: tuple[Table, dict[str, int]]) -> Table:
    return outcome[0]


def _unseen_of(outcome: tuple[Table, dict[str, int]]) -> dict[str, int]:
    return outcome[1]


def embed_parts(cluster: Cluster, parts: list[Any], fitted: list[ColumnVectors],
                provenance: dict[str, Any]) -> tuple[Any, dict[str, int]]:
    """Every part with its rows' vectors, as an output whose parts stay on the workers, and the values never seen
    in fitting per column, added up."""
    shared = cluster.share(fitted)
    outcomes = [cluster.submit(_embed_part, shared, part, provenance) for part in parts]
    unseen: dict[str, int] = {}
    for counts in cluster.gather([cluster.submit(_unseen_of, o) for o in outcomes], "parts embedded"):
        for column, count in counts.items():
            unseen[column] = unseen.get(column, 0) + count
    return cluster.output([cluster.submit(_table_of, o) for o in outcomes]), unseen
