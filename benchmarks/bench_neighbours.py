"""All-rows top-10 cosine kNN: embedflow's exact search vs scikit-learn brute force, in one run.

On the same N × D float32 matrix (default 100,000 × 128, seeded) measures:
  1. the raw matrix product: every block of normalised queries times the data, nothing else
     (the physical floor of exact search);
  2. ours: embedflow.neighbours.search(k=10, metric="cosine"), each row excluding itself;
  3. scikit-learn: NearestNeighbors(n_neighbors=11, algorithm="brute", metric="cosine").kneighbors()
     (the row itself comes back first and is dropped);
and checks that ours and scikit-learn found the same neighbour sets.
Run: python benchmarks/bench_neighbours.py [--rows 100000] [--dims 128] [--skip-sklearn]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedflow.neighbours import DEFAULT_MEMORY_BYTES, search  # noqa: E402


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


def main() -> None:
    """Run the three measurements and print times and ratios."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dims", type=int, default=128)
    parser.add_argument("--skip-sklearn", action="store_true")
    args = parser.parse_args()
    data = clustered(args.rows, args.dims)
    print(f"all-rows top-10 cosine kNN on {args.rows:,} x {args.dims} float32")

    floor = matrix_product_only(data)
    print(f"raw matrix product (floor):  {floor:8.2f} s")

    started = time.perf_counter()
    ours = search(data, k=10, metric="cosine")
    ours_time = time.perf_counter() - started
    print(f"embedflow search:            {ours_time:8.2f} s   {ours_time / floor:5.2f}x the matrix product")

    if args.skip_sklearn:
        return
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
