"""Recommending for partitioned inputs: the item vectors and the interactions' columns come here, each
partition of users is scored on a worker and its recommendations stay there."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...core.cluster import Cluster
from ...core.table import Table
from ..recommend import profiles, recommend, recommendations_table


def whole_table(cluster: Cluster, parts: list[Any]) -> Table:
    """The parts of a table joined here (item vectors: one row per item, small beside the interactions)."""
    tables: list[Table] = cluster.gather(parts, "items brought")
    blocks = [t.vectors for t in tables if t.vectors is not None]
    vectors = np.vstack(blocks) if len(blocks) == len(tables) else None
    return Table(pd.concat([t.meta for t in tables], ignore_index=True), vectors, feature=tables[0].feature,
                 base_dir=tables[0].base_dir, provenance=tables[0].provenance)


def _columns(part: Table, names: list[str]) -> pd.DataFrame:
    return part.meta[[c for c in names if c in part.meta.columns]]


def columns_brought(cluster: Cluster, parts: list[Any], names: list[str]) -> pd.DataFrame:
    """The named columns of every part, joined here."""
    return pd.concat(cluster.gather([cluster.submit(_columns, part, names) for part in parts],
                                    "interactions brought"), ignore_index=True)


def _recommend_users(items: Table, unit: np.ndarray, matrix: Any, users: np.ndarray, k: int, exclude_seen: bool,
                     user: str, item: str) -> Table:
    ranked = recommend(profiles(matrix, unit), unit, k, matrix if exclude_seen else None)
    return recommendations_table(items, users, ranked, user, item)


def recommend_partitions(cluster: Cluster, items: Table, unit: np.ndarray, matrix: Any, names: np.ndarray,
                         partitions: int, k: int, exclude_seen: bool, user: str, item: str) -> tuple[Any, int]:
    """The recommendations of `partitions` slices of the users (rows of `matrix`), each made on a worker, as an
    output whose parts stay there; and how many slices there were."""
    shared_items, shared_unit = cluster.share(items), cluster.share(unit)
    slices = [rows for rows in np.array_split(np.arange(len(names)), partitions) if len(rows)]
    handles = [cluster.submit(_recommend_users, shared_items, shared_unit, matrix[rows], names[rows], k, exclude_seen,
                              user, item) for rows in slices]
    return cluster.output(handles), len(handles)
