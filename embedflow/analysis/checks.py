"""What clustering and classification share: errors with a diagnostic code, row checks, progress."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..core.errors import Cancelled, EmbedflowError

ProgressCallback = Callable[[float, str], None]
CancelledCallback = Callable[[], bool]


class AnalysisError(EmbedflowError):
    """Clustering or classification cannot run; `code` is the diagnostic code a block reports it with."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def as_matrix(vectors: np.ndarray) -> np.ndarray:
    """The vectors as a 2-D float array (float32 stays float32, anything else becomes float64)."""
    array = np.asarray(vectors)
    if array.ndim != 2:
        raise AnalysisError(f"Expected one vector per row (a 2-D array), got an array of shape {array.shape}.",
                            "no-vectors")
    return array if array.dtype in (np.float32, np.float64) else array.astype(np.float64)


def non_finite_rows(vectors: np.ndarray) -> np.ndarray:
    """Row numbers whose vector holds NaN or an infinity."""
    return np.flatnonzero(~np.isfinite(vectors).all(axis=1))


def zero_rows(vectors: np.ndarray) -> np.ndarray:
    """Row numbers whose vector is all zeros."""
    return np.flatnonzero(~vectors.any(axis=1))


def describe_rows(rows: np.ndarray, limit: int = 10) -> str:
    """'3 rows (1, 4, 9)' or '12 rows (1, 2, … and 2 more)': row numbers as a user reads them."""
    shown = ", ".join(str(int(r)) for r in rows[:limit])
    more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
    return f"{len(rows)} row{'s' if len(rows) != 1 else ''} ({shown}{more})"


def checkpoint(progress: ProgressCallback | None, cancelled: CancelledCallback | None,
               fraction: float, message: str) -> None:
    """Stop with Cancelled if the caller asked to, else report progress."""
    if cancelled is not None and cancelled():
        raise Cancelled()
    if progress is not None:
        progress(fraction, message)
