"""Executors decide where and in which order a run's steps execute; the run loop stays the same.

An executor gets the steps with their dependencies and a function that runs one step; it must
call that function for a step only after every step it depends on has returned.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .partitions import Partitioned

if TYPE_CHECKING:
    from ..core.context import NodeContext
    from ..core.specs import NodeSpec


@dataclass(frozen=True)
class Task:
    """One step of a run: a node id and the node ids it needs first."""

    node_id: str
    needs: frozenset[str]


RunTask = Callable[[str], None]


class Executor(ABC):
    """Runs a plan's tasks, each after the tasks it needs."""

    @abstractmethod
    def execute(self, tasks: Sequence[Task], run_task: RunTask) -> None:
        """Call run_task(node_id) for every task, respecting `needs`; tasks come in topological order."""

    def run_block(self, spec: NodeSpec, context: NodeContext) -> Mapping[str, Any]:
        """Compute one block's outputs; here, on this process, with any partitioned input joined first."""
        for name, value in context.inputs.items():
            if isinstance(value, Partitioned):
                context.inputs[name] = value.gather()
        return spec.run(context)


class SerialExecutor(Executor):
    """One task after another on the calling thread, in topological order."""

    def execute(self, tasks: Sequence[Task], run_task: RunTask) -> None:
        for task in tasks:
            run_task(task.node_id)


class ThreadExecutor(Executor):
    """Independent branches side by side on a few threads (a quick block need not wait behind a long t-SNE)."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or min(4, os.cpu_count() or 1)

    def execute(self, tasks: Sequence[Task], run_task: RunTask) -> None:
        if self.workers <= 1 or len(tasks) <= 1:
            SerialExecutor().execute(tasks, run_task)
            return
        pending = list(tasks)
        done: set[str] = set()
        running: dict[Future[None], str] = {}
        with ThreadPoolExecutor(self.workers, thread_name_prefix="embedflow-block") as pool:
            while pending or running:
                ready = [t for t in pending if t.needs <= done]
                for task in ready[: max(0, self.workers - len(running))]:
                    pending.remove(task)
                    running[pool.submit(run_task, task.node_id)] = task.node_id
                if not running:  # nothing can start: the remaining tasks need steps outside the plan
                    for task in pending:
                        run_task(task.node_id)
                    return
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    done.add(running.pop(future))
                    future.result()
