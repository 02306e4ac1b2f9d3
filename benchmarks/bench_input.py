"""Input block vs pandas.read_csv on a 1,000,000-row CSV and the same rows as an Orange .tab file,
and load+validate+save of a 300-node workflow.

Run: python benchmarks/bench_input.py [--rows N]. Prints times and ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from embedflow.api import read_workflow
from embedflow.core.workflow import Workflow
from embedflow.engine import Engine
from embedflow.io.workflow_file import write_workflow
from embedflow.registry import default_registry
from embedflow.validation import validate


def best_of(function, repeats: int = 3) -> float:
    """The fastest of `repeats` timed calls (seconds)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def make_csv(path: Path, rows: int) -> None:
    rng = np.random.default_rng(0)
    words = np.array("the cat dog sat on a mat barked at night happy purr when".split())
    texts = [" ".join(words[rng.integers(0, len(words), 6)]) for _ in range(min(rows, 10_000))]
    frame = pd.DataFrame({"id": np.arange(rows), "topic": rng.choice(["cats", "dogs", "birds"], rows),
                          "score": rng.random(rows), "text": np.resize(np.array(texts, dtype=object), rows)})
    frame.to_csv(path, index=False)


def bench_csv(folder: Path, rows: int) -> None:
    path = folder / "big.csv"
    make_csv(path, rows)
    workflow = Workflow(default_registry())
    node = workflow.add_node("input", settings={"path": str(path)})

    def through_block() -> None:
        result = Engine(workflow).run()[node.id]
        assert result.state == "done" and len(result.outputs["data"]) == rows

    baseline = best_of(lambda: pd.read_csv(path))
    ours = best_of(through_block)
    print(f"CSV {rows:,} rows ({path.stat().st_size / 1e6:.0f} MB): pandas.read_csv {baseline:.3f} s, "
          f"Input block {ours:.3f} s, ratio {ours / baseline:.2f}x (aim <= 1.2x)")


def bench_orange_tab(folder: Path, rows: int) -> None:
    """The CSV's rows as Orange's .tab (names, types, flags): the typed read vs pandas reading the same file."""
    make_csv(folder / "big.csv", rows)
    path = folder / "big.tab"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("id\ttopic\tscore\ttext\nc\td\tc\ts\nignore\tclass\t\tinclude=True\n")
        pd.read_csv(folder / "big.csv").to_csv(handle, sep="\t", index=False, header=False)
    workflow = Workflow(default_registry())
    node = workflow.add_node("input", settings={"path": str(path)})

    def through_block() -> None:
        result = Engine(workflow).run()[node.id]
        assert result.state == "done" and len(result.outputs["data"]) == rows

    def typed_by_pandas() -> None:
        frame = pd.read_csv(path, sep="\t", skiprows=[1, 2], usecols=["topic", "score", "text"])
        frame["topic"] = frame["topic"].astype("category")

    baseline = best_of(typed_by_pandas)
    ours = best_of(through_block)
    print(f"Orange .tab {rows:,} rows ({path.stat().st_size / 1e6:.0f} MB): pandas.read_csv + category "
          f"{baseline:.3f} s, Input block {ours:.3f} s, ratio {ours / baseline:.2f}x")


def bench_workflow(folder: Path, nodes: int = 300) -> None:
    path = folder / "big.embedflow"
    workflow = Workflow(default_registry())
    previous = None
    for i in range(nodes):
        node = workflow.add_node("input", (i * 10 % 3000, i * 7 % 2000), settings={"path": f"data/{i}.csv"})
        if previous is not None and i % 3:
            workflow.add_annotation("text", (i, i, 100, 40), f"note {i}")
        previous = node
    write_workflow(workflow, path)

    def cycle() -> None:
        loaded, _ = read_workflow(path)
        validate(loaded, str(folder))
        write_workflow(loaded, path)

    read_only = best_of(lambda: read_workflow(path), 5)
    whole = statistics.median([best_of(cycle, 1) for _ in range(5)])
    print(f"workflow of {nodes} nodes: read {read_only * 1000:.1f} ms, read+validate+save "
          f"{whole * 1000:.1f} ms (ratio to read alone {whole / read_only:.1f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        bench_csv(Path(folder), args.rows)
        bench_orange_tab(Path(folder), args.rows)
        bench_workflow(Path(folder))


if __name__ == "__main__":
    main()
