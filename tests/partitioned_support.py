"""A Cluster (core/cluster.py) whose parts are held in this process: kernels of analysis/partitioned/ tested alone.

Handles are the values themselves; `submit` runs the function at once, as a worker would on the values
its handles name. It is a complete implementation of the protocol, only without machines, so a
kernel's result can be compared with the local analysis on the joined table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from embedflow.core.table import Table
from embedflow.engine.partitions import concat


class PartsHere:
    """A cluster of one process holding each input as a list of parts."""

    def __init__(self, gather_rows: int = 50_000, **inputs: list[Table] | Table) -> None:
        self.gather_rows = gather_rows
        self.inputs = inputs
        self.submitted = 0

    def parts(self, port: str) -> list[Any] | None:
        """The parts of a partitioned input, None for one held whole or absent."""
        value = self.inputs.get(port)
        return list(value) if isinstance(value, list) else None

    def rows(self, port: str) -> list[int]:
        """The row count of each part."""
        value = self.inputs.get(port)
        if value is None:
            return []
        return [len(part) for part in value] if isinstance(value, list) else [len(value)]

    def submit(self, function: Callable[..., Any], *args: Any) -> Any:
        """function(*args), now."""
        self.submitted += 1
        return function(*args)

    def share(self, value: Any) -> Any:
        """The value itself."""
        return value

    def gather(self, handles: Sequence[Any], message: str = "") -> list[Any]:
        """The values themselves."""
        return list(handles)

    def output(self, handles: Sequence[Any]) -> Table:
        """The parts joined (a real cluster leaves them on the workers)."""
        return concat(list(handles))


def split(table: Table, *sizes: int) -> list[Table]:
    """A table cut into parts of these row counts, in order."""
    parts, first = [], 0
    for size in sizes:
        parts.append(table.take(list(range(first, first + size))))
        first += size
    assert first == len(table)
    return parts
