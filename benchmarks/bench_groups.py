"""Live validation with groups: `validate()` on a workflow whose embedding steps are folded into groups,
against the same workflow flat (the baseline), in-process.

The canvas validates after every edit, so flattening groups must stay a small part of it. Builds
--chains Input → Text Encoding → Text Embedding → Nearest Neighbours chains (Encoding and Embedding
of each folded into a group in the grouped copy), times `validate` --runs times on each, interleaved,
and prints the medians and their ratio. The machine may be loaded: read the ratio, not the times.
Run: python benchmarks/bench_groups.py [--chains 200] [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from embedflow.core.workflow import Workflow
from embedflow.grouping import group_nodes
from embedflow.registry import default_registry
from embedflow.validation import validate


def chains(count: int, folder: Path, grouped: bool) -> Workflow:
    """`count` text chains reading one small CSV; with `grouped`, each chain's two text blocks in a group."""
    workflow = Workflow(default_registry())
    for index in range(count):
        source = workflow.add_node("input", (0, index * 200), {"path": str(folder / "words.csv"), "feature": "word"})
        encode = workflow.add_node("text_encoding", (220, index * 200))
        embed = workflow.add_node("text_embedding", (440, index * 200))
        near = workflow.add_node("nearest_neighbours", (660, index * 200))
        workflow.connect(source.id, "data", encode.id, "data")
        workflow.connect(encode.id, "encoded", embed.id, "encoded")
        workflow.connect(embed.id, "embeddings", near.id, "data")
        if grouped:
            group_nodes(workflow, [encode.id, embed.id], f"Embed words {index}")
    return workflow


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chains", type=int, default=200)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "words.csv").write_text("word\nking\nqueen\n")
        workflows = {"flat": chains(args.chains, folder, False), "grouped": chains(args.chains, folder, True)}
        found = {name: validate(workflow, tmp) for name, workflow in workflows.items()}  # warm up; same findings
        assert [d.code for d in found["flat"]] == [d.code for d in found["grouped"]], "the findings differ"
        times: dict[str, list[float]] = {name: [] for name in workflows}
        load = os.getloadavg()[0]
        for _ in range(args.runs):
            for name, workflow in workflows.items():
                started = time.perf_counter()
                validate(workflow, tmp)
                times[name].append(time.perf_counter() - started)
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"validate(), in-process, {args.chains} chains ({args.chains * 4} blocks), {args.runs} runs, "
          f"load average {load:.1f}:")
    for name, value in median.items():
        print(f"  {name:8} median {value * 1000:8.1f} ms")
    print(f"  grouped / flat: {median['grouped'] / median['flat']:.2f}")


if __name__ == "__main__":
    main()
