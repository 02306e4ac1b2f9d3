"""Scaling on a local Dask cluster: the local executor vs a cluster of 1 and of 2 worker processes.

Run: python benchmarks/bench_dask.py [--docs 1000000] [--images 2000] [--whole 100000] [--partition-mb 100]
                                     [--row-group 100000]
Three workloads, each Input → … → Parquet outputs written by the workers:
- text: short documents in one Parquet file of row groups of `--row-group` rows (the workers read it
  by row groups), Text Encoding (glove-6b-50d, 32 tokens) → Text Embedding (mean);
- images: a folder of JPEGs (scikit-image samples, resized copies) → Image Embedding (SqueezeNet);
- whole-table blocks: the text chain on `--whole` documents → Nearest Neighbours (exact, k = 5, every
  row a query) and Scatter (PCA), local vs 2 workers.
Prints rows/s for each way of running, the speed-up of 2 workers over 1, the scaling efficiency
(speed-up / 2) and the cluster run against the local one, plus the client's peak memory. Ratios,
measured in the same run, are the figures to quote; the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from embedflow.core.workflow import Workflow
from embedflow.engine import Engine
from embedflow.engine.dask_executor import DaskExecutor
from embedflow.engine.partitions import Partitioned
from embedflow.io.outputs import output_path, write_output
from embedflow.registry import default_registry
from embedflow.text import models


def text_corpus(folder: Path, docs: int, row_group: int = 100_000) -> Path:
    """A Parquet file of `docs` sentences of 8-24 frequent GloVe words, in row groups of `row_group` rows."""
    words = np.array([w for w in models.load(models.BUILTIN_ID).words.slice(0, 30_000).to_pylist() if w.isalpha()])
    rng = np.random.default_rng(0)
    picks = words[rng.integers(0, len(words), size=(docs, 24))]
    lengths = rng.integers(8, 25, size=docs)
    texts = [" ".join(row[:n]) for row, n in zip(picks, lengths)]
    path = folder / "docs.parquet"
    pd.DataFrame({"text": texts}).to_parquet(path, row_group_size=row_group)
    return path


def image_folder(folder: Path, count: int) -> Path:
    """`count` JPEGs made from scikit-image's samples at a few sizes."""
    from PIL import Image
    from skimage import data

    samples = [data.astronaut(), data.chelsea(), data.coffee(), data.rocket(), data.hubble_deep_field()]
    images = folder / "images"
    images.mkdir()
    for number in range(count):
        picture = Image.fromarray(samples[number % len(samples)])
        side = 256 + 64 * (number % 4)
        picture.resize((side, side * 3 // 4)).save(images / f"{number:05d}.jpg", quality=85)
    return images


def text_workflow(path: Path) -> tuple[Workflow, str]:
    workflow = Workflow(default_registry())
    source = workflow.add_node("input", settings={"path": str(path), "feature": "text"})
    encoder = workflow.add_node("text_encoding", settings={"sequence_length": 32})
    embedder = workflow.add_node("text_embedding")
    workflow.connect(source.id, "data", encoder.id, "data")
    workflow.connect(encoder.id, "encoded", embedder.id, "encoded")
    return workflow, embedder.id


def image_workflow(path: Path) -> tuple[Workflow, str]:
    workflow = Workflow(default_registry())
    source = workflow.add_node("input", settings={"path": str(path)})
    embedder = workflow.add_node("image_embedding", settings={"use_cache": False})
    workflow.connect(source.id, "data", embedder.id, "data")
    return workflow, embedder.id


def whole_workflow(path: Path) -> tuple[Workflow, list[str]]:
    """The text chain, then Nearest Neighbours (exact) and a Scatter (PCA) of its embeddings."""
    workflow, embedder = text_workflow(path)
    neighbours = workflow.add_node("nearest_neighbours", settings={"k": 5, "method": "exact"})
    scatter = workflow.add_node("scatter", settings={"projection": "pca"})
    workflow.connect(embedder, "embeddings", neighbours.id, "data")
    workflow.connect(embedder, "embeddings", scatter.id, "data")
    return workflow, [neighbours.id, scatter.id]


def measure_whole(rows: int, workflow: Workflow, nodes: list[str], partition_bytes: int) -> None:
    """Seconds of each whole-table block, locally and on 2 workers (after a warm-up run each)."""
    durations: dict[str, dict[str, float]] = {}
    for where in ("local", "2w"):
        executor = DaskExecutor.connect("local:2", partition_bytes=partition_bytes) if where == "2w" else None
        try:
            Engine(workflow, executor=executor).run()
            results = Engine(workflow, executor=executor).run()
            durations[where] = {node: results[node].duration for node in nodes}
            failed = [r.error for r in results.values() if r.error]
            if failed:
                raise SystemExit(f"{where}: {failed}")
        finally:
            if executor is not None:
                executor.close()
    print(f"whole-table blocks on {rows:,} documents:")
    for node, title in zip(nodes, ("Nearest Neighbours (exact, k 5)", "Scatter (PCA)")):
        local, cluster = durations["local"][node], durations["2w"][node]
        print(f"  {title}: local {local:.2f} s, 2 workers {cluster:.2f} s, local / 2 workers {local / cluster:.2f}")


def timed(run: Callable[[], None]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def run_and_write(workflow: Workflow, node: str, out: Path, executor: DaskExecutor | None) -> None:
    """Run, then write the embeddings as Parquet (by the workers when on the cluster)."""
    out.mkdir(parents=True, exist_ok=True)
    results = Engine(workflow, executor=executor).run()
    value = results[node].outputs["embeddings"]
    target = output_path(out, node, "embeddings", "parquet")
    if isinstance(value, Partitioned):
        value.write(target, "parquet")
    else:
        write_output(value, target, "parquet")


def peak_mb() -> float:
    """This process's peak resident memory in MB: VmHWM where Linux has it.

    Not ru_maxrss: a process keeps its parent's ru_maxrss across exec, so every Dask worker would
    report at least the client's peak.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> None:
    """Start this process's peak memory afresh (Linux: clear_refs 5), so a figure excludes making the data."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        pass


def worker_peak_mb(executor: DaskExecutor) -> float:
    """The largest peak resident memory among the workers, in MB."""
    return max(executor.client.run(peak_mb).values())


def measure(name: str, rows: int, workflow: Workflow, node: str, folder: Path, partition_bytes: int) -> None:
    """Local, then 1 and 2 workers, each once after a warm-up that loads the models."""
    seconds: dict[str, float] = {}
    peaks: dict[str, float] = {}
    reset_peak()
    for workers in (1, 2):
        with DaskExecutor.connect(f"local:{workers}", partition_bytes=partition_bytes) as executor:
            run_and_write(workflow, node, folder / f"warm{workers}", executor)  # models load once per worker
            seconds[f"{workers}w"] = timed(lambda: run_and_write(workflow, node, folder / f"c{workers}", executor))  # noqa: B023 - timed() calls it within this iteration
            peaks[f"{workers}w"] = worker_peak_mb(executor)
    # Before the local runs: what this process needed while the cluster did the work.
    client = peak_mb()
    run_and_write(workflow, node, folder / "warm", None)
    seconds["local"] = timed(lambda: run_and_write(workflow, node, folder / "local", None))
    speedup = seconds["1w"] / seconds["2w"]
    print(f"{name}: {rows:,} rows; client peak memory during the cluster runs {client:,.0f} MB")
    for key, value in seconds.items():
        peak = f", worker peak {peaks[key]:,.0f} MB" if key in peaks else ""
        print(f"  {key:>5}: {value:7.2f} s  {rows / value:12,.0f} rows/s{peak}")
    print(f"  2 workers / 1 worker speed-up {speedup:.2f}, scaling efficiency {speedup / 2:.0%}; "
          f"2 workers / local {seconds['local'] / seconds['2w']:.2f}, 1 worker / local "
          f"{seconds['local'] / seconds['1w']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--images", type=int, default=2_000)
    parser.add_argument("--whole", type=int, default=100_000)
    parser.add_argument("--partition-mb", type=float, default=100)
    parser.add_argument("--row-group", type=int, default=100_000, help="rows per row group of the text corpus")
    args = parser.parse_args()
    partition_bytes = int(args.partition_mb * 1e6)
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        if args.docs:
            workflow, node = text_workflow(text_corpus(folder, args.docs, args.row_group))
            measure("text (GloVe, mean)", args.docs, workflow, node, folder / "text", partition_bytes)
        if args.whole:
            (folder / "whole").mkdir()
            workflow, nodes = whole_workflow(text_corpus(folder / "whole", args.whole, args.row_group))
            measure_whole(args.whole, workflow, nodes, partition_bytes)
        if args.images:
            workflow, node = image_workflow(image_folder(folder, args.images))
            measure("images (SqueezeNet)", args.images, workflow, node, folder / "img", partition_bytes)
    client_peak = peak_mb()
    print(f"client peak memory {client_peak:,.0f} MB (includes the local runs)")


if __name__ == "__main__":
    main()
