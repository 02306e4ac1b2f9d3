"""Rows of a vector table worth a message: NaN or infinite, all-zero, and repeats of an earlier row."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .neighbours import invalid_rows, zero_rows

# Messages name the first rows of a kind and count the rest.
ROWS_NAMED = 10


@dataclass(frozen=True)
class RowFacts:
    """Rows worth a message, of a whole table: every invalid row; the first zero and duplicate rows and counts."""

    invalid: np.ndarray
    zeros: np.ndarray
    zero_count: int
    duplicates: np.ndarray
    duplicate_count: int


def duplicate_rows(vectors: np.ndarray) -> np.ndarray:
    """Row numbers whose vector equals an earlier row's vector exactly."""
    if len(vectors) < 2:
        return np.array([], dtype=np.int64)
    rows = np.ascontiguousarray(vectors).view(np.dtype((np.void, vectors.dtype.itemsize * vectors.shape[1])))
    return np.flatnonzero(pd.Series(rows.ravel()).duplicated().to_numpy())


def row_facts(vectors: np.ndarray) -> RowFacts:
    """The facts of a table held here whole."""
    zeros, duplicates = zero_rows(vectors), duplicate_rows(vectors)
    return RowFacts(invalid_rows(vectors), zeros[:ROWS_NAMED], len(zeros), duplicates[:ROWS_NAMED], len(duplicates))


def rows_named(rows: np.ndarray, count: int) -> str:
    """The first rows of a kind and how many more there are ("3, 8, 9 and 1,204 more")."""
    shown = ", ".join(str(int(r)) for r in rows[:ROWS_NAMED])
    return shown + (f" and {count - ROWS_NAMED:,} more" if count > ROWS_NAMED else "")
