"""RowSet: a set of row numbers kept as sorted ranges (a Scatter selection of a million rows is a few numbers).

It is immutable, so copying a workflow or an undo step shares it instead of copying a million
elements, and it is saved compactly: as ranges, or as a compressed bitmap when the rows are scattered.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Iterable
from functools import cached_property
from typing import Any

import numpy as np

MAX_ROWS = 100_000_000  # bounds what a file may ask for (a bitmap of 12.5 MB)


class RowSet:
    """Sorted, disjoint half-open ranges [start, stop) of row numbers."""

    def __init__(self, ranges: np.ndarray | None = None) -> None:
        """Use `RowSet.of(rows)` or `RowSet.from_ranges(pairs)`; this takes already merged ranges."""
        array = np.zeros((0, 2), np.int64) if ranges is None else np.asarray(ranges, np.int64).reshape(-1, 2)
        array.setflags(write=False)
        self._ranges = array

    # -- making ---------------------------------------------------------------------------------
    @classmethod
    def of(cls, rows: Iterable[int] | np.ndarray) -> RowSet:
        """The set of these row numbers (non-negative integers; duplicates and order do not matter)."""
        array = rows if isinstance(rows, np.ndarray) else np.fromiter(rows, np.int64)
        if array.size and (array.dtype.kind not in "iu" or array.min() < 0):
            raise ValueError("row numbers must be non-negative integers")
        unique = sorted_unique(array.astype(np.int64, copy=False))
        if not unique.size:
            return cls()
        breaks = np.flatnonzero(np.diff(unique) != 1) + 1
        starts = unique[np.r_[0, breaks]]
        stops = unique[np.r_[breaks - 1, unique.size - 1]] + 1
        return cls(np.column_stack([starts, stops]))

    @classmethod
    def from_ranges(cls, pairs: Iterable[Iterable[int]]) -> RowSet:
        """The union of [start, stop) pairs (overlapping or unsorted pairs are merged)."""
        items = [list(pair) for pair in pairs]
        if not all(len(pair) == 2 and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in pair)
                   for pair in items):
            raise ValueError("ranges must be pairs of integers")
        array = np.asarray(items, dtype=np.int64).reshape(-1, 2)
        if array.size and ((array[:, 0] < 0).any() or (array[:, 1] < array[:, 0]).any()
                           or array[:, 1].max() > MAX_ROWS):
            raise ValueError(f"ranges must be 0 ≤ start ≤ stop ≤ {MAX_ROWS:,}")
        array = array[array[:, 1] > array[:, 0]]
        array = array[np.argsort(array[:, 0], kind="stable")]
        if len(array) < 2:
            return cls(array)
        # A range starts a new run unless it begins at or before the furthest stop seen so far.
        furthest = np.maximum.accumulate(array[:, 1])
        new_run = np.r_[True, array[1:, 0] > furthest[:-1]]
        starts = array[new_run, 0]
        stops = np.maximum.reduceat(array[:, 1], np.flatnonzero(new_run))
        return cls(np.column_stack([starts, stops]))

    # -- reading --------------------------------------------------------------------------------
    @property
    def ranges(self) -> np.ndarray:
        """The (n, 2) read-only array of [start, stop) ranges."""
        return self._ranges

    def rows(self) -> np.ndarray:
        """Every row number, sorted (int64)."""
        if not len(self._ranges):
            return np.zeros(0, np.int64)
        lengths = self._ranges[:, 1] - self._ranges[:, 0]
        offsets = np.repeat(self._ranges[:, 0] - np.r_[0, np.cumsum(lengths)[:-1]], lengths)
        return np.arange(int(lengths.sum()), dtype=np.int64) + offsets

    def __len__(self) -> int:
        return int((self._ranges[:, 1] - self._ranges[:, 0]).sum())

    def __bool__(self) -> bool:
        return bool(len(self._ranges))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RowSet) and np.array_equal(self._ranges, other._ranges)

    def __hash__(self) -> int:
        return hash(self._digest)

    def __repr__(self) -> str:
        return f"RowSet({len(self):,} rows in {len(self._ranges):,} ranges, sha1 {self._digest})"

    def cache_key(self) -> str:
        """The ranges' digest: equal row sets, equal keys (core/keys.py)."""
        return f"{len(self)} rows, sha1 {self._digest}"

    def __copy__(self) -> RowSet:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> RowSet:
        return self  # immutable: sharing is copying

    @cached_property
    def _digest(self) -> str:
        return hashlib.sha1(self._ranges.tobytes()).hexdigest()

    # -- the file -------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """{"ranges": [[start, stop], ...]}, or {"bits": base64 of a zlib'd bitmap, "length": n} for scattered rows."""
        length = int(self._ranges[-1, 1]) if len(self._ranges) else 0
        # A range costs about 12 characters of JSON, a row of the bitmap at most 1/6 (8 bits, base64).
        if 12 * len(self._ranges) <= length / 6 + 64:
            return {"ranges": self._ranges.tolist()}
        mask = np.zeros(length, bool)
        mask[self.rows()] = True
        packed = zlib.compress(np.packbits(mask).tobytes(), 6)
        return {"bits": base64.b64encode(packed).decode("ascii"), "length": length}

    @classmethod
    def from_json(cls, value: Any) -> RowSet:
        """Read what `to_json` wrote; raises ValueError for anything else."""
        if isinstance(value, RowSet):
            return value
        if isinstance(value, dict) and set(value) == {"ranges"} and isinstance(value["ranges"], list):
            return cls.from_ranges(value["ranges"])
        if isinstance(value, dict) and set(value) == {"bits", "length"} and isinstance(value["bits"], str):
            length = value["length"]
            if isinstance(length, bool) or not isinstance(length, int) or not 0 <= length <= MAX_ROWS:
                raise ValueError(f"a row bitmap's length must be 0 … {MAX_ROWS:,}")
            packed_size = (length + 7) // 8
            try:
                inflater = zlib.decompressobj()
                packed = inflater.decompress(base64.b64decode(value["bits"], validate=True), packed_size)
            except (ValueError, zlib.error) as exc:
                raise ValueError(f"the row bitmap is damaged: {exc}") from None
            if len(packed) != packed_size or inflater.unconsumed_tail:
                raise ValueError("the row bitmap does not match its length")
            mask = np.unpackbits(np.frombuffer(packed, np.uint8), count=length).astype(bool)
            return cls.of(np.flatnonzero(mask))
        raise ValueError('rows must be {"ranges": [[start, stop], ...]} or {"bits": ..., "length": n}')

    @classmethod
    def coerce(cls, value: Any) -> RowSet:
        """A RowSet from a RowSet or from row numbers (a script's list); entries that are not rows are dropped."""
        if isinstance(value, RowSet):
            return value
        return cls.of(int(v) for v in value if isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 0)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (np.unique is a hash-based ~100× slower for a million int64 in numpy 2.4)."""
    if values.size > 1 and not (np.diff(values) > 0).all():
        values = np.sort(values, kind="stable")
        values = values[np.r_[True, values[1:] != values[:-1]]]
    return values
