"""Running a workflow on a Dask cluster (dask.distributed): row-wise blocks per partition on the workers.

The only module of embedflow that imports dask. What runs where (docs/scale.md):
- a row-wise block (NodeSpec.execution.row_wise) runs once per partition of its input, on the worker that holds
  the partition; its outputs stay there as `Partitioned` values, so a chain Input → Text Encoding →
  Text Embedding never passes through this process. A source block (Input) reads its pieces (one file
  of a pattern each) on the workers; pieces larger than `partition_bytes` are cut there.
- a block that needs every row but says how to work on parts (NodeSpec.execution.on_cluster: Nearest Neighbours,
  Scatter) gets a `Cluster` (core/cluster.py) and brings here only what it says it brings; any other
  block gets its partitioned inputs joined on this process, and says so in a message with the rows and
  megabytes it gathered.
- models load once per worker process: the text models and the image model's onnxruntime session are
  kept per process (embedflow.text.models, embedflow.images.runtime), and a worker runs many tasks.
"""

from __future__ import annotations

import logging
import math
import os
import secrets
import shutil
import traceback
from collections.abc import Mapping, Sequence
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from distributed import Client, Future, LocalCluster, wait

from .. import __version__
from ..core.context import NodeContext, NodeEvent
from ..core.diagnostics import Diagnostic, Severity
from ..core.errors import Cancelled, EmbedflowError, NodeError
from ..core.sizes import format_size
from ..core.specs import NodeSpec
from ..core.table import EncodedText, Table
from ..core.workflow import Node
from ..io.tables import IMAGE_SUFFIXES
from .block_faults import PASSED_THROUGH, failure_hint, provider
from .executors import Executor, RunTask, SerialExecutor, Task
from .partitions import Partitioned, nbytes

# Dask's own guidance: partitions of about 100 MB.
PARTITION_BYTES = 100_000_000
# An image row costs its decoded pixels, not its path: weigh it as a 227×227 float RGB tensor.
IMAGE_ROW_BYTES = 227 * 227 * 3 * 4
# How often a wait for the cluster looks at the cancel flag.
POLL_SECONDS = 0.2
SCHEDULER_ENV = "EMBEDFLOW_SCHEDULER"
# The most rows a whole-table block brings here (a projection's sample): 50,000 rows of 1,000 floats are 200 MB.
GATHER_ROWS = 50_000


class ClusterError(EmbedflowError):
    """The cluster cannot be reached or used; the message says why and what to do."""


@dataclass
class _Outcome:
    """What one partition of a block gave on its worker."""

    outputs: dict[str, Any] = field(default_factory=dict)
    messages: list[Diagnostic] = field(default_factory=list)
    error: tuple[str, str, str] | None = None


@dataclass(frozen=True)
class _Report:
    """The small part of an outcome the client looks at: rows, sizes, messages, error."""

    rows: dict[str, int]
    nbytes: dict[str, int]
    weights: dict[str, int]
    kinds: dict[str, str]
    messages: list[Diagnostic]
    error: tuple[str, str, str] | None


class DaskExecutor(Executor):
    """Runs a workflow's blocks on a Dask cluster; blocks run one after another, each spread over the workers.

    client: a connected distributed.Client; partition_bytes: the size partitions are cut to;
    gather_rows: the most rows a whole-table block brings to this computer (Cluster.gather_rows).
    """

    def __init__(self, client: Client, partition_bytes: int = PARTITION_BYTES,
                 cluster: LocalCluster | None = None, gather_rows: int = GATHER_ROWS) -> None:
        self.client = client
        self.partition_bytes = partition_bytes
        self.gather_rows = gather_rows
        self._cluster = cluster

    @classmethod
    def connect(cls, address: str, partition_bytes: int = PARTITION_BYTES, timeout: float = 10.0) -> DaskExecutor:
        """An executor on the scheduler at `address` (tcp://HOST:PORT), or on a new local cluster for local[:N]."""
        address = address.strip()
        if address == "local" or address.startswith("local:"):
            count = address.partition(":")[2]
            if count and not count.isdigit() or count == "0":
                raise ClusterError(f"'{address}' is not a local cluster size; write local or local:N with N ≥ 1")
            workers = int(count) if count else (os.cpu_count() or 1)
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address=":0")
            executor = cls(Client(cluster), partition_bytes, cluster)
        else:
            try:
                client = Client(address, timeout=timeout)
            except (OSError, TimeoutError, ValueError) as exc:
                raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}. Check the address "
                                   "(tcp://HOST:PORT, as `dask scheduler` prints it) and that it is running.") from None
            executor = cls(client, partition_bytes)
        executor.check_workers(timeout)
        return executor

    def check_workers(self, timeout: float = 10.0) -> None:
        """Raise ClusterError unless the cluster has workers with this embedflow version."""
        try:
            self.client.wait_for_workers(1, timeout=timeout)
        except (TimeoutError, OSError):
            self.close()
            raise ClusterError(f"the Dask scheduler at {self.address} has no workers; "
                               "start some with `dask worker ADDRESS`") from None
        try:
            versions = self.client.run(_embedflow_version)
        except Exception as exc:  # noqa: BLE001 - a worker without embedflow fails to unpickle the call
            self.close()
            raise ClusterError(f"the Dask workers cannot run embedflow ({type(exc).__name__}: {exc}); "
                               f"install embedflow {__version__} on every worker") from None
        wrong = {worker: version for worker, version in versions.items() if version != __version__}
        if wrong:
            self.close()
            listing = ", ".join(f"{worker} has {version}" for worker, version in sorted(wrong.items()))
            raise ClusterError(f"the Dask workers run another embedflow than this computer ({__version__}): "
                               f"{listing}; install the same version everywhere")

    def close(self) -> None:
        """Disconnect, and stop the local cluster if this executor started it."""
        if self._cluster is not None:
            self._quiet_the_workers_shutdown()
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def _quiet_the_workers_shutdown(self) -> None:
        """A local worker's heartbeat can race the scheduler's closing and log a traceback: not news to the user."""
        try:
            self.client.run(_quiet_distributed_logs)
            self.client.run(_quiet_distributed_logs, nanny=True)
        except Exception:  # noqa: BLE001 - workers already gone have nothing left to say
            pass

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def address(self) -> str:
        """The scheduler's address."""
        return str(self.client.scheduler_info(n_workers=0).get("address", ""))

    @property
    def workers(self) -> int:
        """The number of workers the scheduler knows now."""
        return len(self.client.scheduler_info(n_workers=-1)["workers"])

    # -- the executor seam -------------------------------------------------------------
    def execute(self, tasks: Sequence[Task], run_task: RunTask) -> None:
        """One block after another: each block is itself spread over the whole cluster."""
        SerialExecutor().execute(tasks, run_task)

    def run_block(self, spec: NodeSpec, context: NodeContext) -> Mapping[str, Any]:
        """A row-wise block per partition on the workers; any other block here, on its inputs joined."""
        row_wise = spec.execution.row_wise
        if row_wise is not None and row_wise.applies(context.settings):
            if row_wise.port is None:
                return self._run_source(spec, context)
            if isinstance(context.inputs.get(row_wise.port), Partitioned):
                return self._run_parts(spec, context, row_wise.port)
        if spec.execution.on_cluster is not None and any(isinstance(v, Partitioned) for v in context.inputs.values()):
            outputs = spec.execution.on_cluster(context, _BlockCluster(self, context))
            if outputs is not None:
                return outputs
        for name, value in list(context.inputs.items()):
            if isinstance(value, Partitioned):
                context.report(Severity.INFO, "gathered-from-cluster",
                               f"“{context.title}” needs every row of its input '{name}': {len(value):,} rows "
                               f"({format_size(value.nbytes)}) were brought from the cluster to this computer.")
                context.inputs[name] = value.gather()
        return spec.run(context)

    # -- partitioned runs --------------------------------------------------------------
    def _run_source(self, spec: NodeSpec, context: NodeContext) -> dict[str, Any]:
        row_wise = spec.execution.row_wise
        assert row_wise is not None
        pieces = ([dict(context.settings)] if row_wise.split is None
                  else row_wise.split(context.settings, context.base_dir, self.partition_bytes))
        futures = [self.client.submit(_run_part, spec, _node(spec, context, piece), piece, {}, context.base_dir, 0,
                                      pure=False) for piece in pieces]
        outputs = self._collect(spec, context, futures, [(0, 0)] * len(futures))
        # The pieces of one file (its row groups) each say what is true of the whole file: say it once.
        context.messages[:] = list(dict.fromkeys(context.messages))
        outputs = {name: self._cut(value) for name, value in outputs.items()}
        self._summarise(context, outputs)
        return outputs

    def _run_parts(self, spec: NodeSpec, context: NodeContext, port: str) -> dict[str, Any]:
        sliced: Partitioned = context.inputs[port]
        others = {}
        for name, value in context.inputs.items():
            if name == port:
                continue
            if isinstance(value, Partitioned):
                value = value.gather()
            # Inputs every part needs whole go to every worker once, not once per task.
            others[name] = self.client.scatter(value, broadcast=True) if value is not None else None
        node = _node(spec, context, context.settings)
        futures = []
        spans = []
        for part, first, rows in zip(sliced.parts, sliced.offsets(), sliced.rows):
            futures.append(self.client.submit(_run_part, spec, node, dict(context.settings),
                                              {**others, port: part}, context.base_dir, first, pure=False))
            spans.append((first, rows))
        return self._collect(spec, context, futures, spans)

    def _collect(self, spec: NodeSpec, context: NodeContext, futures: list[Future],
                 spans: list[tuple[int, int]]) -> dict[str, Any]:
        """Wait for a block's parts (with progress and cancel) and hold their outputs as Partitioned values."""
        reports = [self.client.submit(_report, future, pure=False) for future in futures]
        self._wait(context, reports, futures, "partitions")
        gathered: list[_Report] = self.client.gather(reports)
        for number, report in enumerate(gathered):
            if report.error is not None:
                self.client.cancel(futures)
                message, code, hint = report.error
                first, rows = spans[number]
                where = f"partition {number + 1} of {len(futures)}"
                if rows:
                    where += f", rows {first}–{first + rows - 1}"
                raise NodeError(f"{message} ({where})", code, hint)
        for report in gathered:
            context.messages.extend(report.messages)
        outputs: dict[str, Any] = {}
        for port in (p.name for p in spec.outputs):
            keep = [n for n, r in enumerate(gathered) if port in r.rows]
            if not keep:
                continue
            nonempty = [n for n in keep if gathered[n].rows[port]] or keep[:1]
            parts = tuple(self.client.submit(_port, futures[n], port, pure=False) for n in nonempty)
            outputs[port] = Partitioned(parts, tuple(gathered[n].rows[port] for n in nonempty),
                                        gathered[nonempty[0]].kinds[port],
                                        tuple(gathered[n].nbytes[port] for n in nonempty), _Store(self.client),
                                        tuple(gathered[n].weights[port] for n in nonempty))
        self._summarise(context, outputs)
        return outputs

    def _summarise(self, context: NodeContext, outputs: Mapping[str, Partitioned]) -> None:
        context.summary = "; ".join(f"{port}: {value.summary()}" for port, value in outputs.items())
        context.summary += f" on {self.workers} workers"

    def _cut(self, value: Partitioned) -> Partitioned:
        """Parts cut on their workers to about `partition_bytes` each (weighing images by their pixels)."""
        parts: list[Any] = []
        rows: list[int] = []
        sizes: list[int] = []
        weights: list[int] = []
        # A file read on one worker would keep every slice (and all the work after) there: each slice
        # moves to the next worker in turn, so only the slices travel, never the whole piece.
        addresses = sorted(self.client.scheduler_info(n_workers=-1)["workers"])
        for part, count, size, weight in zip(value.parts, value.rows, value.sizes, value.weights):
            pieces = max(1, min(count, math.ceil(weight / self.partition_bytes)))
            lengths = [len(chunk) for chunk in np.array_split(np.arange(count), pieces)]
            start = 0
            for length in lengths:
                if pieces > 1:
                    piece = self.client.submit(_slice, part, start, start + length, pure=False)
                    part_here = self.client.submit(_same, piece, workers=[addresses[len(parts) % len(addresses)]],
                                                   allow_other_workers=True, pure=False)
                parts.append(part if pieces == 1 else part_here)
                rows.append(length)
                sizes.append(size * length // max(1, count))
                weights.append(weight * length // max(1, count))
                start += length
        return Partitioned(tuple(parts), tuple(rows), value.kind, tuple(sizes), value.store, tuple(weights))

    def _wait(self, context: NodeContext, reports: list[Future], futures: list[Future], what: str) -> None:
        """Block until every report is in, reporting progress; on cancel or Ctrl+C the cluster's work stops."""
        pending = set(reports)
        total = len(reports)
        try:
            while pending:
                try:
                    _, still = wait(list(pending), timeout=POLL_SECONDS, return_when="FIRST_COMPLETED")
                except (TimeoutError, FuturesTimeout):
                    still = pending
                if len(still) != len(pending):
                    pending = set(still)
                    context.progress((total - len(pending)) / total,
                                     f"{total - len(pending):,} of {total:,} {what}")
                context.check_cancelled()
        except BaseException:
            self.client.cancel(futures + reports)
            raise


class _BlockCluster:
    """The Cluster a whole-table block gets (core/cluster.py): its inputs' parts and work where they live."""

    def __init__(self, executor: DaskExecutor, context: NodeContext) -> None:
        self._executor = executor
        self._client = executor.client
        self._context = context
        self.gather_rows = executor.gather_rows

    def parts(self, port: str) -> list[Any] | None:
        """Handles of the parts of input `port`, or None when it is here whole."""
        value = self._context.inputs.get(port)
        return list(value.parts) if isinstance(value, Partitioned) else None

    def rows(self, port: str) -> list[int]:
        """The row count of each part of input `port`."""
        value = self._context.inputs.get(port)
        if isinstance(value, Partitioned):
            return list(value.rows)
        return [len(value)] if value is not None else []

    def submit(self, function: Any, *args: Any) -> Future:
        """function(*args) on a worker, futures among the args resolved there."""
        return self._client.submit(function, *args, pure=False)

    def share(self, value: Any) -> Future:
        """A value of this process sent to every worker once."""
        return self._client.scatter(value, broadcast=True)

    def gather(self, handles: Sequence[Any], message: str = "") -> list[Any]:
        """The values here, after waiting with progress and cancel."""
        handles = list(handles)
        if handles:
            self._executor._wait(self._context, handles, handles, message or "tasks")
        return list(self._client.gather(handles))

    def output(self, handles: Sequence[Any]) -> Partitioned:
        """The Tables the handles hold, as one partitioned output left on the workers."""
        handles = list(handles)
        reports = self.gather([self._client.submit(_value_report, h, pure=False) for h in handles], "parts")
        return Partitioned(tuple(handles), tuple(r.rows["value"] for r in reports), reports[0].kinds["value"],
                           tuple(r.nbytes["value"] for r in reports), _Store(self._client),
                           tuple(r.weights["value"] for r in reports))


class _Store:
    """Partitioned values whose parts are futures on a Dask cluster."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def fetch(self, parts: Sequence[Any]) -> list[Any]:
        """The parts brought to this process."""
        return list(self.client.gather(list(parts)))

    def write(self, parts: Sequence[Any], folder: Path, fmt: str) -> int:
        """Each part written by the worker holding it; the folder appears whole or not at all.

        A part that cannot be written (a full disk) comes back as its error, once every part has
        finished: the partial folder is then removed and one OSError names how many parts failed.
        """
        folder = Path(folder)
        temp = folder.with_name(f".{folder.name}.{secrets.token_hex(4)}.tmp")
        temp.mkdir(parents=True)
        try:
            futures = [self.client.submit(_write_part, part, str(temp / f"part-{n:05d}.{fmt}"), fmt, pure=False)
                       for n, part in enumerate(parts)]
            wait(futures)  # every writer has stopped before the folder is removed
            written = self.client.gather(futures)
            failed = [result for result in written if isinstance(result, OSError)]
            if failed:
                raise OSError(failed[0].errno, f"{failed[0].strerror or failed[0]} ({len(failed):,} of "
                                               f"{len(parts):,} parts could not be written on the workers; "
                                               "the parts written were removed)")
            _replace_path(temp, folder)
        except BaseException:
            shutil.rmtree(temp, ignore_errors=True)
            raise
        return int(sum(written))


def _replace_path(new: Path, target: Path) -> None:
    """Put `new` where `target` is, the old file or folder removed only once the new one is in place."""
    if not target.exists():
        os.replace(new, target)
        return
    old = target.with_name(f".{target.name}.{secrets.token_hex(4)}.old")
    os.replace(target, old)
    os.replace(new, target)
    if old.is_dir():
        shutil.rmtree(old, ignore_errors=True)
    else:
        old.unlink()


def _node(spec: NodeSpec, context: NodeContext, settings: Mapping[str, Any]) -> Node:
    return Node(id=context.node_id, type=spec.type, title=context.title, settings=dict(settings))


# -- what runs on the workers ---------------------------------------------------------------
def _embedflow_version() -> str:
    return __version__


def _quiet_distributed_logs() -> None:
    logging.getLogger("distributed").setLevel(logging.CRITICAL)


def _run_part(spec: NodeSpec, node: Node, settings: dict[str, Any], inputs: dict[str, Any],
              base_dir: str | None, first_row: int) -> _Outcome:
    """One block on one partition; errors come back as data so the client can name the rows."""
    import threading

    full = {port.name: None for port in spec.inputs}
    full.update(inputs)
    context = NodeContext(node, settings, full, base_dir, threading.Event(), _ignore)
    context.first_row = first_row
    context.whole = False
    try:
        outputs = dict(spec.run(context))
    except NodeError as exc:
        return _Outcome(messages=context.messages, error=(str(exc), exc.code, exc.hint))
    except EmbedflowError as exc:
        return _Outcome(messages=context.messages, error=(str(exc), "node-failed", ""))
    except Cancelled:
        return _Outcome(messages=context.messages, error=("Cancelled", "cancelled", ""))
    except PASSED_THROUGH:
        raise
    except BaseException as exc:  # noqa: BLE001  (a bug in a block, even sys.exit: reported like a local run)
        detail = traceback.format_exc(limit=-3)
        source = provider(spec)
        where = "" if source.is_embedflow else f" (block '{spec.type}' from {source})"
        return _Outcome(messages=context.messages,
                        error=(f"Internal error in {node.title}{where}: {type(exc).__name__}: {exc}", "internal-error",
                               f"{failure_hint(source)} On the worker: {detail}"))
    return _Outcome(outputs, context.messages)


def _ignore(event: NodeEvent) -> None:
    """Progress inside one partition is not sent back: the client counts finished partitions."""


def _report(outcome: _Outcome) -> _Report:
    values = {name: value for name, value in outcome.outputs.items() if isinstance(value, (Table, EncodedText))}
    return _Report({name: len(value) for name, value in values.items()},
                   {name: nbytes(value) for name, value in values.items()},
                   {name: _weight(value) for name, value in values.items()},
                   {name: "encoded" if isinstance(value, EncodedText) else "table" for name, value in values.items()},
                   outcome.messages, outcome.error)


def _value_report(value: Table | EncodedText) -> _Report:
    return _report(_Outcome({"value": value}))


def _weight(value: Table | EncodedText) -> int:
    """The work a part stands for, in bytes: its memory, plus the pixels of the images it names."""
    size = nbytes(value)
    table = value.table if isinstance(value, EncodedText) else value
    column = table.feature
    if column and column in table.meta.columns and len(table):
        first = table.meta[column].iloc[0]
        if isinstance(first, str) and first.lower().endswith(IMAGE_SUFFIXES):
            size += IMAGE_ROW_BYTES * len(table)
    return size


def _port(outcome: _Outcome, name: str) -> Any:
    return outcome.outputs[name]


def _slice(value: Table | EncodedText, start: int, stop: int) -> Table | EncodedText:
    rows = np.arange(start, stop)
    if isinstance(value, EncodedText):
        return EncodedText(value.ids[start:stop], value.lengths[start:stop], value.language_model,
                           value.table.take(rows), value.vocabulary, value.pad_id, dict(value.provenance))
    return value.take(rows)


def _same(value: Any) -> Any:
    return value


def _write_part(value: Any, path: str, fmt: str) -> int | OSError:
    """The part's size, or the OSError that stopped it (returned, so the worker logs no traceback)."""
    from ..io.outputs import write_output

    try:
        return write_output(value, path, fmt).size  # type: ignore[arg-type]
    except OSError as exc:
        return OSError(exc.errno, exc.strerror or str(exc))
