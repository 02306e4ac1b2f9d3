"""What a whole-table block may ask of a cluster: its inputs' parts, work run where they live, small results back.

A block that needs every row (Nearest Neighbours, Scatter) but can compute from its parts declares
`NodeSpec(execution=Execution(on_cluster=...))`; the built-in ones name a kernel of
`analysis/partitioned/`. An executor that holds inputs as parts on other machines calls it with a
`Cluster` instead of joining the parts here. Handles are opaque: they are passed to `submit`, which
resolves them to their values on the worker that runs the function, and to `gather`, which brings
the values here. Functions given to `submit` must be importable module-level functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

import numpy as np


class Cluster(Protocol):
    """A block's view of the machines that hold its partitioned inputs."""

    gather_rows: int
    """The most rows a block should bring to this computer (e.g. the sample a projection is fitted on)."""

    def parts(self, port: str) -> list[Any] | None:
        """Handles of the parts of input `port` in row order, or None when that input is here whole (or absent)."""

    def rows(self, port: str) -> list[int]:
        """The row count of each part of input `port`."""

    def submit(self, function: Callable[..., Any], *args: Any) -> Any:
        """Run function(*args) on a worker (handles among the args become their values there); a handle."""

    def share(self, value: Any) -> Any:
        """A handle for a value of this computer, sent to every worker once."""

    def gather(self, handles: Sequence[Any], message: str = "") -> list[Any]:
        """The handles' values here, waiting with progress (`message`) and cancel."""

    def output(self, handles: Sequence[Any]) -> Any:
        """An output value whose parts are the Tables the handles hold, in order (they stay on the workers)."""


def part_starts(rows: Iterable[int]) -> np.ndarray:
    """The row number in the whole table where each part starts, and the total last: [0, n0, n0 + n1, …]."""
    return np.concatenate([[0], np.cumsum(list(rows), dtype=np.int64)]).astype(np.int64)


# on_cluster(context, cluster) -> the outputs, or None to have the inputs joined and `run` called here.
ClusterRunFunction = Callable[[Any, Cluster], Any]
