"""Values held in parts somewhere else (a cluster's workers), and joining parts into one value.

A `Partitioned` travels along links like any output; the executor that made it knows where its parts
live (its `store`). A block that needs every row gets the parts joined by `concat`, which gives exactly
the value a local run would have made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from ..core.sizes import format_size
from ..core.table import EncodedText, Table


class PartStore(Protocol):
    """Where the parts of Partitioned values live: fetch them, or write them where they are."""

    def fetch(self, parts: Sequence[Any]) -> list[Any]:
        """The parts' values, brought to this process."""

    def write(self, parts: Sequence[Any], folder: Path, fmt: str) -> int:
        """Write each part as a file of `folder` (part-00000.<fmt>, …) where it lives; returns the bytes written."""


@dataclass(frozen=True)
class Partitioned:
    """An output held as parts (a Table or EncodedText each, in row order) by a store.

    parts: the store's handles; rows: the row count of each part; kind: "table" or "encoded";
    sizes: each part's size in memory; weights: the work each part stands for, in bytes (an image
    row weighs its pixels), by which parts are cut.
    """

    parts: tuple[Any, ...]
    rows: tuple[int, ...]
    kind: str
    sizes: tuple[int, ...]
    store: PartStore
    weights: tuple[int, ...]

    @property
    def nbytes(self) -> int:
        """The parts' size in memory, together."""
        return sum(self.sizes)

    def __len__(self) -> int:
        return sum(self.rows)

    def offsets(self) -> list[int]:
        """The row number of each part's first row."""
        return [int(x) for x in np.concatenate([[0], np.cumsum(self.rows)[:-1]])] if self.rows else []

    def write(self, folder: Path, fmt: str) -> int:
        """Write the parts as files of `folder` where they live; returns the bytes written."""
        return self.store.write(self.parts, folder, fmt)

    def gather(self) -> Table | EncodedText:
        """The whole value, on this process (what a local run would have made)."""
        return concat(self.store.fetch(self.parts))

    def summary(self) -> str:
        """One line: rows, parts and their size."""
        what = "encoded rows" if self.kind == "encoded" else "rows"
        count = f"{len(self.parts):,} partition" + ("" if len(self.parts) == 1 else "s")
        return f"{len(self):,} {what} in {count} ({format_size(self.nbytes)} on the cluster)"


def nbytes(value: Any) -> int:
    """Memory a Table or EncodedText takes, roughly (metadata deep size plus arrays)."""
    if isinstance(value, EncodedText):
        return int(value.ids.nbytes + value.lengths.nbytes) + nbytes(value.table)
    if isinstance(value, Table):
        size = int(value.meta.memory_usage(index=False, deep=True).sum())
        return size + (0 if value.vectors is None else int(value.vectors.nbytes))
    return 0


def concat(values: Sequence[Any]) -> Any:
    """Parts joined in order into one Table or EncodedText."""
    if not values:
        raise ValueError("nothing to join")
    first = values[0]
    if len(values) == 1:
        return first
    if isinstance(first, EncodedText):
        return _concat_encoded(list(values))
    if isinstance(first, Table):
        return _concat_tables(list(values))
    raise TypeError(f"cannot join parts of {type(first).__name__}")


def _concat_tables(tables: list[Table]) -> Table:
    first = tables[0]
    meta = pd.concat([t.meta for t in tables], ignore_index=True)
    vectors = None
    if first.vectors is not None:
        vectors = np.concatenate([t.vectors for t in tables if t.vectors is not None], axis=0)
    return replace(first, meta=meta, vectors=vectors)


def _concat_encoded(parts: list[EncodedText]) -> EncodedText:
    """Token ids joined; words past the vocabulary (fastText) get one id each across all parts."""
    first = parts[0]
    vocabulary_size = len(first.vocabulary) if first.vocabulary is not None else 0
    extra_words: list[str] = []
    extra_ids: dict[str, int] = {}
    ids = []
    for part in parts:
        part_ids = part.ids.copy()
        words = list(part.provenance.get("extra_words", []))
        if words:
            mapping = np.empty(len(words), dtype=part_ids.dtype)
            for number, word in enumerate(words):
                if word not in extra_ids:
                    extra_ids[word] = vocabulary_size + len(extra_words)
                    extra_words.append(word)
                mapping[number] = extra_ids[word]
            beyond = part_ids >= vocabulary_size
            part_ids[beyond] = mapping[part_ids[beyond] - vocabulary_size]
        ids.append(part_ids)
    total = sum(int(p.provenance.get("total_tokens", 0)) for p in parts)
    known = sum(int(p.provenance.get("known_tokens", 0)) for p in parts)
    provenance = {**first.provenance, "extra_words": extra_words, "total_tokens": total, "known_tokens": known}
    if "coverage" in first.provenance:
        provenance["coverage"] = known / total if total else 0.0
    return replace(first, ids=np.concatenate(ids, axis=0), lengths=np.concatenate([p.lengths for p in parts]),
                   table=_concat_tables([p.table for p in parts]), provenance=provenance)
