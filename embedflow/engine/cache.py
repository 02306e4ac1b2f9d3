"""The result cache: block results and block memos keyed by an input signature, LRU within a memory budget.

A signature (`key`) hashes the block's type, version, settings, fingerprint and its inputs' keys
(core/keys.py; not the node, for an idempotent block), so going back to earlier settings finds the
earlier result and two identical branches share one. Entries past the budget are dropped,
least recently used first; the newest entry is kept even when it alone exceeds the budget.
"""

from __future__ import annotations

import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..core.diagnostics import Diagnostic

T = TypeVar("T")
DEFAULT_BUDGET = int(os.environ.get("EMBEDFLOW_CACHE_MB", "2048")) * 1_000_000


@dataclass
class CacheEntry:
    """What a block produced for one signature: outputs, the view data beside them, its summary and messages,
    and the title of the node that made it (which its messages name)."""

    outputs: dict[str, Any]
    view: Any = None
    summary: str = ""
    messages: list[Diagnostic] = field(default_factory=list)
    duration: float = 0.0
    title: str = ""


def size_of(value: Any, _depth: int = 0) -> int:
    """A cheap estimate of the memory a value holds: array buffers, frames, and containers of them."""
    nbytes = getattr(value, "nbytes", None)
    if isinstance(nbytes, int):
        return nbytes
    memory_usage = getattr(value, "memory_usage", None)
    if callable(memory_usage) and hasattr(value, "columns"):
        return int(memory_usage(index=True, deep=False).sum())
    if _depth > 3:
        return sys.getsizeof(value)
    if isinstance(value, dict):
        return sum(size_of(v, _depth + 1) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(size_of(v, _depth + 1) for v in value[:1000])
    if hasattr(value, "__dict__"):
        return sum(size_of(v, _depth + 1) for v in vars(value).values())
    return sys.getsizeof(value)


class ResultCache:
    """Signature → entry (or memo value), least recently used dropped first past `budget` bytes."""

    def __init__(self, budget: int = DEFAULT_BUDGET) -> None:
        self.budget = budget
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = threading.RLock()
        self.used = 0

    def get(self, key: Hashable) -> Any | None:
        """The value stored under `key` (marking it recently used), or None."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: Hashable, value: Any) -> None:
        """Store `value` under `key`, then drop the least recently used entries beyond the budget."""
        size = size_of(value)
        with self._lock:
            if key in self._items:
                self.used -= self._items.pop(key)[1]
            self._items[key] = (value, size)
            self.used += size
            while self.used > self.budget and len(self._items) > 1:
                _, (_, dropped) = self._items.popitem(last=False)
                self.used -= dropped

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value under `key`, computed (outside the lock) and stored when absent."""
        found = self.get(("memo", key))
        if found is not None:
            return found
        value = compute()
        self.put(("memo", key), value)
        return value

    def discard(self, key: Hashable) -> None:
        """Forget `key` if it is stored."""
        with self._lock:
            item = self._items.pop(key, None)
            if item is not None:
                self.used -= item[1]

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        return len(self._items)


class KeyLocks:
    """One holder per key at a time: a step waits while another computes the same signature, then finds its result."""

    def __init__(self, poll_seconds: float = 0.1) -> None:
        self._guard = threading.Lock()
        self._locks: dict[Hashable, tuple[threading.Lock, int]] = {}
        self._poll = poll_seconds

    @contextmanager
    def held(self, key: Hashable, cancel: threading.Event,
             on_wait: Callable[[], None] | None = None) -> Iterator[bool]:
        """Hold `key` (True), or give up when `cancel` is set while waiting for it (False).

        on_wait: called once when another holder makes this one wait.
        """
        with self._guard:
            lock, users = self._locks.get(key, (threading.Lock(), 0))
            self._locks[key] = (lock, users + 1)
        acquired = lock.acquire(blocking=False)
        try:
            if not acquired and on_wait is not None:
                on_wait()
            while not acquired and not cancel.is_set():
                acquired = lock.acquire(timeout=self._poll)  # wakes to look at the cancel flag
            yield acquired
        finally:
            if acquired:
                lock.release()
            with self._guard:
                lock, users = self._locks[key]
                if users == 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)
