"""Recommendations: a user's profile is the weighted mean of their items' unit vectors; items ranked by cosine.

Scores for a block of users are one matrix product with every item (float32 BLAS); the top k come
from `np.argpartition`; seen items are masked through the sparse matrix, never a dense users × items array
beyond one block.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..core.table import Table
from .checks import CancelledCallback, ProgressCallback, checkpoint

if TYPE_CHECKING:  # scipy loads when the block runs, not with the block list
    import scipy.sparse as sp

# Users scored per matrix product: at most BLOCK_USERS, and at most SCORE_BUDGET scores (128 MB) at a time.
BLOCK_USERS = 512
SCORE_BUDGET = 32 * 2**20


def block_users(items: int) -> int:
    """How many users to score in one matrix product against `items` items."""
    return max(1, min(BLOCK_USERS, SCORE_BUDGET // max(items, 1)))


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """The rows scaled to length 1 (zero rows stay zero), as float32."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def profiles(matrix: sp.csr_matrix, unit_items: np.ndarray) -> np.ndarray:
    """Each user's weighted mean of the unit vectors of their items (users × dims)."""
    totals = np.asarray(matrix.sum(axis=1), dtype=np.float32).ravel()
    totals[totals == 0] = 1.0
    return np.asarray(matrix @ unit_items, dtype=np.float32) / totals[:, None]


def _top(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The column of the k highest scores per row, best first; -1 where fewer than k are finite."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    top_scores = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-top_scores, axis=1, kind="stable")
    columns, values = np.take_along_axis(part, order, axis=1), np.take_along_axis(top_scores, order, axis=1)
    columns[~np.isfinite(values)] = -1
    return columns, values


def _mask_seen(scores: np.ndarray, seen: sp.csr_matrix | None, start: int) -> None:
    if seen is None:
        return
    pointers = seen.indptr[start:start + len(scores) + 1]
    rows = np.repeat(np.arange(len(scores)), np.diff(pointers))
    scores[rows, seen.indices[pointers[0]:pointers[-1]]] = -np.inf


@dataclass(frozen=True)
class Ranked:
    """The top items per user (item column numbers, -1 for none) and their scores."""

    items: np.ndarray
    scores: np.ndarray


def recommend(user_vectors: np.ndarray, unit_items: np.ndarray, k: int, seen: sp.csr_matrix | None = None,
              progress: ProgressCallback | None = None, cancelled: CancelledCallback | None = None) -> Ranked:
    """The k items of highest cosine with each user's vector, leaving out the items marked in `seen`."""
    users = unit_rows(user_vectors)
    n = len(users)
    k = min(k, unit_items.shape[0])
    items = np.full((n, k), -1, dtype=np.int64)
    scores = np.full((n, k), np.nan, dtype=np.float32)
    step = block_users(len(unit_items))
    for start in range(0, n, step):
        checkpoint(progress, cancelled, start / max(n, 1), f"scored {start:,} of {n:,} users")
        block = users[start:start + step] @ unit_items.T
        _mask_seen(block, seen, start)
        top, values = _top(block, k)
        items[start:start + len(block)] = top
        scores[start:start + len(block)] = values
    return Ranked(items, scores)


def popular(counts: np.ndarray, users: int, k: int, seen: sp.csr_matrix | None = None) -> Ranked:
    """The baseline: the k most used items for every user, leaving out the items marked in `seen`."""
    k = min(k, len(counts))
    items = np.full((users, k), -1, dtype=np.int64)
    scores = np.full((users, k), np.nan, dtype=np.float32)
    base = counts.astype(np.float32)
    step = block_users(len(counts))
    for start in range(0, users, step):
        block = np.tile(base, (min(step, users - start), 1))
        _mask_seen(block, seen, start)
        top, values = _top(block, k)
        items[start:start + len(block)] = top
        scores[start:start + len(block)] = values
    return Ranked(items, scores)


@dataclass(frozen=True)
class Scores:
    """Hit rate and NDCG at k over the users evaluated."""

    hit_rate: float
    ndcg: float
    users: int


def score(ranked: Ranked, held_item: np.ndarray) -> Scores:
    """How often each user's held-out item is in their top k and how high (one relevant item: NDCG = 1/log2(rank+2))."""
    match = ranked.items == held_item[:, None]
    hit = match.any(axis=1)
    rank = match.argmax(axis=1)
    gains = np.where(hit, 1.0 / np.log2(rank + 2.0), 0.0)
    return Scores(float(hit.mean()) if len(hit) else 0.0, float(gains.mean()) if len(hit) else 0.0, len(hit))


@dataclass(frozen=True)
class Evaluation:
    """The model's scores and the popularity baseline's, measured on the same held-out events."""

    model: Scores
    popularity: Scores
    k: int


def evaluate(train: sp.csr_matrix, held_user: np.ndarray, held_item: np.ndarray, unit_items: np.ndarray,
             k: int, exclude_seen: bool = True) -> Evaluation:
    """Rank for each held-out user from their other events; score the held-out item against popularity."""
    matrix = train[held_user]
    seen = matrix if exclude_seen else None
    ranked = recommend(profiles(matrix, unit_items), unit_items, k, seen)
    counts = np.asarray(train.astype(bool).sum(axis=0)).ravel()
    baseline = popular(counts, len(held_user), k, seen)
    return Evaluation(score(ranked, held_item), score(baseline, held_item), k)


def recommendations_table(items: Table, names: np.ndarray, ranked: Ranked, user: str, item: str) -> Table:
    """user, rank, item, score and the item's attributes, one row per recommendation (`names`: the users')."""
    users, ranks = np.nonzero(ranked.items >= 0)
    chosen = ranked.items[users, ranks]
    attributes = items.meta.iloc[chosen].reset_index(drop=True)
    frame = pd.DataFrame({user: names[users], "rank": ranks + 1,
                          item: attributes[item].to_numpy(), "score": ranked.scores[users, ranks]})
    extra = attributes.drop(columns=[c for c in attributes.columns if c in frame.columns])
    return Table(pd.concat([frame, extra], axis=1), feature=item, base_dir=items.base_dir)
