"""User–item interactions read from a table: checked, coded as integers, held out, made a sparse matrix."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .checks import AnalysisError

if TYPE_CHECKING:  # scipy loads when the block runs, not with the block list
    import scipy.sparse as sp

NONE = "none"


@dataclass(frozen=True)
class Interactions:
    """One entry per user–item event: integer codes into `users` / `items`, a weight, an order (or None).

    notes: (code, message) pairs about rows left out or merged, for the block to report.
    """

    user: np.ndarray
    item: np.ndarray
    weight: np.ndarray
    order: np.ndarray | None
    users: pd.Index
    items: pd.Index
    notes: tuple[tuple[str, str], ...] = ()

    def __len__(self) -> int:
        return len(self.user)

    def matrix(self, rows: np.ndarray | None = None) -> sp.csr_matrix:
        """The users × items sparse matrix of summed weights (of `rows` only, when given)."""
        take = slice(None) if rows is None else rows
        import scipy.sparse as sp
        return sp.csr_matrix((self.weight[take], (self.user[take], self.item[take])),
                             shape=(len(self.users), len(self.items)), dtype=np.float32)

    def counts(self) -> np.ndarray:
        """Events per item."""
        return np.bincount(self.item, minlength=len(self.items))


def unset(settings: Mapping[str, Any], name: str) -> bool:
    """True when the column setting `name` is empty or none."""
    return not settings.get(name) or settings.get(name) == NONE


def _column(frame: pd.DataFrame, name: str, role: str) -> pd.Series:
    if not name or name == NONE:
        raise AnalysisError(f"no {role} column is chosen (the columns: {', '.join(map(str, frame.columns))}).",
                            f"{role}-not-set")
    if name not in frame.columns:
        raise AnalysisError(f"the {role} column '{name}' is not in the interactions; their columns are "
                            f"{', '.join(map(str, frame.columns))}.", "column-not-found")
    return frame[name]


def _weights(frame: pd.DataFrame, weight: str) -> np.ndarray:
    """The weight column as floats: non-numeric or negative values are refused with their count."""
    if not weight or weight == NONE:
        return np.ones(len(frame), dtype=np.float32)
    column = _column(frame, weight, "weight")
    numbers = pd.to_numeric(column, errors="coerce")
    bad = int((numbers.isna() & column.notna()).sum())
    if bad:
        raise AnalysisError(f"the weight column '{weight}' holds {bad:,} value(s) that are not numbers.",
                            "weight-not-numeric")
    values = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
    negative = int((values < 0).sum())
    if negative:
        raise AnalysisError(f"the weight column '{weight}' holds {negative:,} negative value(s); a weight says how "
                            "much a user liked or used an item, so it must be 0 or more.", "weight-negative")
    return np.nan_to_num(values, nan=0.0).astype(np.float32)


def read_interactions(frame: pd.DataFrame, user: str, item: str, weight: str = NONE,
                      order: str = NONE) -> Interactions:
    """Check and code the interactions; rows with a missing user or item are left out (and noted)."""
    users_column, items_column = _column(frame, user, "user"), _column(frame, item, "item")
    weights = _weights(frame, weight)
    order_values = None
    if order and order != NONE:
        order_column = _column(frame, order, "order")
        order_values = order_column.to_numpy()
        if pd.api.types.is_object_dtype(order_column) or pd.api.types.is_string_dtype(order_column):
            parsed = pd.to_datetime(order_column, errors="coerce")
            if parsed.notna().sum() < order_column.notna().sum():
                raise AnalysisError(f"the order column '{order}' holds values that are neither numbers nor dates.",
                                    "order-not-sortable")
            order_values = parsed.to_numpy()
    notes: list[tuple[str, str]] = []
    missing = (users_column.isna() | items_column.isna()).to_numpy()
    if missing.any():
        notes.append(("interactions-missing",
                      f"{int(missing.sum()):,} interaction(s) with no {user} or no {item} were left out."))
    keep = np.flatnonzero(~missing)
    user_codes, users = pd.factorize(users_column.iloc[keep], sort=False)
    item_codes, items = pd.factorize(items_column.iloc[keep], sort=False)
    if len(users) < 2 or len(items) < 2:
        few = f"{len(users)} user(s)" if len(users) < 2 else f"{len(items)} item(s)"
        raise AnalysisError(f"the interactions hold only {few} ('{user}': {len(users):,} values, '{item}': "
                            f"{len(items):,} values); recommending needs at least two users and two items.",
                            "too-few-interactions")
    pairs = pd.DataFrame({"u": user_codes, "i": item_codes}).duplicated().to_numpy()
    if pairs.any():
        repeated = f"{int(pairs.sum()):,} interaction(s) repeat a {user}–{item} pair already seen"
        notes.append(("duplicate-interactions", f"{repeated}; their weights are added up."))
    return Interactions(user_codes.astype(np.int64), item_codes.astype(np.int64), weights[keep],
                        None if order_values is None else order_values[keep], users, items, tuple(notes))


def held_out(interactions: Interactions, seed: int = 0) -> np.ndarray:
    """One event per user with two or more: the last by order when there is one, else a seeded random one."""
    n = len(interactions)
    if interactions.order is not None:
        ranks = pd.Series(interactions.order).rank(method="first").to_numpy()
    else:
        ranks = np.random.default_rng(seed).random(n)
    frame = pd.DataFrame({"u": interactions.user, "r": ranks, "row": np.arange(n)})
    several = frame.groupby("u")["row"].transform("size").to_numpy() >= 2
    last = frame[several].sort_values(["u", "r"]).groupby("u").tail(1)
    return np.sort(last["row"].to_numpy())


def user_sequences(interactions: Interactions, rows: np.ndarray | None = None) -> list[list[str]]:
    """Each user's items as tokens, in order when there is one (for item2vec)."""
    take = np.arange(len(interactions)) if rows is None else rows
    key = interactions.order[take] if interactions.order is not None else np.zeros(len(take))
    frame = pd.DataFrame({"u": interactions.user[take], "k": key, "i": interactions.item[take]})
    frame = frame.sort_values(["u", "k"], kind="stable")
    return [[str(i) for i in group] for group in frame.groupby("u", sort=True)["i"].agg(list)]
