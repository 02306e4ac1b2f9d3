"""Data passed along links: a Table (metadata + optional float32 vectors) and EncodedText."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

# Columns named in a one-line summary; the rest are counted.
SUMMARY_COLUMNS = 12


def _rows(count: int) -> str:
    return f"{count:,} row" if count == 1 else f"{count:,} rows"


@dataclass(frozen=True)
class Table:
    """Rows of metadata with an optional float32 vector block of shape (rows, dims).

    feature: the column blocks work on (text or image paths).
    base_dir: folder that relative paths in the table (e.g. images) are relative to.
    provenance: where the vectors come from, e.g. {"model": "glove-6b-50d", "kind": "text"}.
    """

    meta: pd.DataFrame
    vectors: np.ndarray | None = None
    feature: str | None = None
    base_dir: str | None = None
    provenance: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.vectors is not None:
            vectors = np.asarray(self.vectors)
            if vectors.ndim != 2 or len(vectors) != len(self.meta):
                raise ValueError(
                    f"vectors of shape {vectors.shape} do not match {len(self.meta)} rows"
                )
            if vectors.dtype != np.float32:
                object.__setattr__(self, "vectors", vectors.astype(np.float32))

    def __len__(self) -> int:
        return len(self.meta)

    @property
    def dims(self) -> int:
        """Vector length (0 when the table has no vectors)."""
        return 0 if self.vectors is None else int(self.vectors.shape[1])

    @property
    def columns(self) -> list[str]:
        """Metadata column names."""
        return [str(c) for c in self.meta.columns]

    def with_vectors(self, vectors: np.ndarray, **provenance: Any) -> Table:
        """The same rows with a new vector block and provenance entries added."""
        return replace(self, vectors=vectors, provenance={**self.provenance, **provenance})

    def with_meta(self, meta: pd.DataFrame) -> Table:
        """The same vectors and provenance with new metadata (one row per vector)."""
        return replace(self, meta=meta)

    def take(self, rows: np.ndarray | list[int]) -> Table:
        """A table of the given row positions, in that order (index reset)."""
        rows = np.asarray(rows, dtype=np.intp)
        meta = self.meta.iloc[rows].reset_index(drop=True)
        vectors = None if self.vectors is None else self.vectors[rows]
        return replace(self, meta=meta, vectors=vectors)

    def to_frame(self) -> pd.DataFrame:
        """Metadata followed by the vectors as columns dim_0 … dim_{d-1}."""
        if self.vectors is None:
            return self.meta
        dims = pd.DataFrame(
            self.vectors, columns=[f"dim_{i}" for i in range(self.dims)], index=self.meta.index
        )
        return pd.concat([self.meta, dims], axis=1)

    def summary(self) -> str:
        """One line: rows, columns and vector size."""
        columns = list(self.columns)
        shown = ", ".join(columns[:SUMMARY_COLUMNS]) or "none"
        if len(columns) > SUMMARY_COLUMNS:  # a wide spreadsheet must not flood the canvas and the terminal
            shown += f" and {len(columns) - SUMMARY_COLUMNS:,} more"
        text = f"{_rows(len(self))}; columns: {shown}"
        if self.vectors is not None:
            text += f"; {self.dims}-d vectors"
        return text


@dataclass(frozen=True)
class EncodedText:
    """Token ids per document padded or truncated to a fixed length, and what produced them.

    ids: int32 array (rows, sequence_length); positions past `lengths[i]` hold `pad_id`.
    vocabulary: token strings indexed by id (shared with the language model).
    attention_mask: for transformer encodings, int8 (rows, sequence_length), 1 on real word pieces
    (special tokens included) and 0 on padding; None for word-vector encodings. A remote model's
    encoding passes the text through: ids has no columns and `lengths` counts characters.
    """

    ids: np.ndarray
    lengths: np.ndarray
    language_model: str
    table: Table
    vocabulary: Any = None
    pad_id: int = -1
    provenance: dict[str, Any] = field(default_factory=dict)
    attention_mask: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.attention_mask is not None and np.shape(self.attention_mask) != np.shape(self.ids):
            raise ValueError(f"attention mask of shape {np.shape(self.attention_mask)} does not match "
                             f"token ids of shape {np.shape(self.ids)}")

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @property
    def sequence_length(self) -> int:
        """Number of token positions per document."""
        return int(self.ids.shape[1])

    def to_frame(self) -> pd.DataFrame:
        """The source metadata, then `length` and the ids as columns token_0 … token_{n-1}."""
        tokens = pd.DataFrame(
            self.ids, columns=[f"token_{i}" for i in range(self.sequence_length)],
            index=self.table.meta.index,
        )
        lengths = pd.Series(self.lengths, name="length", index=self.table.meta.index)
        return pd.concat([self.table.meta, lengths, tokens], axis=1)

    def summary(self) -> str:
        """One line: rows, sequence length and model."""
        if self.sequence_length == 0:
            return f"{_rows(len(self))} of text passed through for {self.language_model}"
        return f"{_rows(len(self))} encoded to {self.sequence_length} tokens with {self.language_model}"
