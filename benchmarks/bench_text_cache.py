"""The text embedding cache end to end: `embedflow run` of a sentence-model workflow, twice, each a new process.

Run: python benchmarks/bench_text_cache.py [--documents 3000] [--words 40]
A CSV of deterministic documents (bench_sentences.corpus) → Text Encoding → Text Embedding with
all-minilm-l6-v2, written as a workflow and run with `python -m embedflow run` in a fresh process:
first with an empty cache folder, then again with the same folder (every vector in the cache).
Prints each run's wall time (process start to exit), the ratio, and whether the vectors are identical.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from benchmarks.bench_sentences import corpus
from embedflow.core.workflow import Workflow
from embedflow.io.workflow_file import write_workflow
from embedflow.registry import default_registry
from embedflow.text.transformer import MINILM_ID


def write_case(folder: Path, documents: int, words: int) -> tuple[Path, str]:
    """The CSV and the workflow file in `folder`; returns the workflow's path and the embedder's id."""
    pd.DataFrame({"text": corpus(documents, words)}).to_csv(folder / "documents.csv", index=False)
    workflow = Workflow(default_registry())
    source = workflow.add_node("input", settings={"path": str(folder / "documents.csv"), "feature": "text"})
    encoder = workflow.add_node("text_encoding", settings={"language_model": MINILM_ID})
    embedder = workflow.add_node("text_embedding", settings={"language_model": MINILM_ID})
    workflow.connect(source.id, "data", encoder.id, "data")
    workflow.connect(encoder.id, "encoded", embedder.id, "encoded")
    path = folder / "documents.embedflow"
    write_workflow(workflow, path)
    return path, embedder.id


def timed_run(path: Path, out: Path, cache: Path) -> float:
    """Seconds for `embedflow run` in a new process, from start to exit."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "embedflow", "run", str(path), "--out", str(out),
                           "--format", "parquet"], env={**os.environ, "EMBEDFLOW_CACHE_DIR": str(cache)},
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return seconds


def main() -> None:
    """Run the workflow twice and print the times."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=3000)
    parser.add_argument("--words", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path, embedder = write_case(folder, args.documents, args.words)
        first = timed_run(path, folder / "first", folder / "cache")
        second = timed_run(path, folder / "second", folder / "cache")
        same = pd.read_parquet(folder / "first" / f"{embedder}-embeddings.parquet").equals(
            pd.read_parquet(folder / "second" / f"{embedder}-embeddings.parquet"))
        size = sum(f.stat().st_size for f in (folder / "cache").rglob("*.sqlite*"))
    print(f"{args.documents} documents of ~{args.words} words, {MINILM_ID}, `embedflow run` in a new process each")
    print(f"first run (empty cache)   {first:7.1f} s")
    print(f"second run (all cached)   {second:7.1f} s")
    print(f"first / second: {first / second:.1f}x   identical vectors: {same}   cache files: {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
