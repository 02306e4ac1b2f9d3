"""Scatter's projections against what users would call directly, in one run and in-process.

On seeded embedding-like data (200 Gaussian clusters) measures
  1. PCA: embedflow.projection.pca against scikit-learn's PCA(2) (svd_solver="auto"), with the
     share of the optimal variance (numpy's float64 SVD) each captures;
  2. t-SNE: embedflow.projection.project(method="tsne", large="all") against openTSNE's TSNE with
     n_jobs=-1 and its defaults (the same perplexity 30 and seed), and against scikit-learn's
     TSNE with its defaults (Barnes-Hut, perplexity 30, the same seed);
  3. with --methods, openTSNE itself with negative_gradient_method bh/fft on 1 and 2 threads, the
     figures behind the thread and method choice in embedflow/projection.py.
Run: python benchmarks/bench_projection.py [--pca 10000x50,100000x128] [--tsne 2000x50,5000x50,10000x50]
     [--methods 2000,5000,10000,20000]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedflow.analysis.projection import pca, project


def clustered(rows: int, dims: int, seed: int = 0) -> np.ndarray:
    """Embedding-like data: 200 Gaussian clusters in `dims` dimensions."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((200, dims)).astype(np.float32)
    return centres[rng.integers(0, 200, rows)] + 0.5 * rng.standard_normal((rows, dims)).astype(np.float32)


def sizes(text: str) -> list[tuple[int, int]]:
    """ "10000x50,100000x128" → [(10000, 50), (100000, 128)]."""
    return [tuple(int(part) for part in item.split("x")) for item in text.split(",") if item]  # type: ignore[misc]


def best_of(function: Callable[[], object], repeats: int) -> tuple[float, object]:
    """The fastest of `repeats` calls (seconds) and the last result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    return best, result


def captured(coords: np.ndarray, optimal: float) -> float:
    """Share of the optimal two-axis variance that `coords` hold."""
    return float((np.asarray(coords, dtype=np.float64) ** 2).sum() / optimal)


def bench_pca(rows: int, dims: int) -> None:
    from sklearn.decomposition import PCA

    data = clustered(rows, dims)
    centred = data.astype(np.float64) - data.mean(axis=0)
    eigenvalues = np.linalg.eigvalsh(centred.T @ centred)
    optimal = float(eigenvalues[-1] + eigenvalues[-2])
    ours, (coords, _) = best_of(lambda: pca(data), 7)
    theirs, their_coords = best_of(lambda: PCA(2).fit_transform(data), 7)
    print(f"PCA {rows:,} x {dims}: embedflow {ours:.3f} s ({captured(coords, optimal):.2%} of the optimal "
          f"variance), scikit-learn PCA(2) {theirs:.3f} s ({captured(their_coords, optimal):.2%}); "
          f"ratio {ours / theirs:.2f}x", flush=True)


def bench_tsne(rows: int, dims: int) -> None:
    import openTSNE
    import sklearn
    from sklearn.manifold import TSNE as ScikitTSNE

    data = clustered(rows, dims)
    ours, _ = best_of(lambda: project(data, "tsne", large="all"), 1)
    direct, _ = best_of(lambda: openTSNE.TSNE(n_jobs=-1, random_state=0).fit(data.astype(np.float64)), 1)
    scikit, _ = best_of(lambda: ScikitTSNE(random_state=0).fit_transform(data), 1)
    print(f"t-SNE {rows:,} x {dims}: embedflow {ours:.1f} s, openTSNE {openTSNE.__version__} n_jobs=-1 "
          f"{direct:.1f} s (ratio {ours / direct:.2f}x), scikit-learn {sklearn.__version__} TSNE {scikit:.1f} s "
          f"(ratio {ours / scikit:.2f}x); {load()}", flush=True)


def bench_methods(rows: int, dims: int = 50) -> None:
    from openTSNE import TSNE

    data = clustered(rows, dims).astype(np.float64)
    cells = []
    for method in ("bh", "fft"):
        for threads in (1, 2):
            seconds, _ = best_of(lambda: TSNE(n_jobs=threads, negative_gradient_method=method,  # noqa: B023 - best_of() calls it within this iteration
                                              random_state=0).fit(data), 1)
            cells.append(f"{method} {threads} thread{'s' if threads > 1 else ''} {seconds:5.1f} s")
    print(f"openTSNE {rows:,} x {dims}: " + ", ".join(cells), flush=True)


def load() -> str:
    """The machine's 1-minute load and its runnable threads, printed beside the figures (2 cores shared)."""
    with open("/proc/loadavg", encoding="ascii") as handle:
        fields = handle.read().split()
    return f"load {fields[0]}, {fields[3].partition('/')[0]} runnable"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pca", default="10000x50,100000x128", help="ROWSxDIMS,... for PCA ('' to skip)")
    parser.add_argument("--tsne", default="2000x50,5000x50,10000x50", help="ROWSxDIMS,... for t-SNE ('' to skip)")
    parser.add_argument("--methods", default="", help="ROWS,... for openTSNE's method x threads table")
    args = parser.parse_args()
    print(f"in-process; {load()} at the start", flush=True)
    for rows, dims in sizes(args.pca):
        bench_pca(rows, dims)
    for rows, dims in sizes(args.tsne):
        bench_tsne(rows, dims)
    for rows in (int(item) for item in args.methods.split(",") if item):
        bench_methods(rows)
    print(f"{load()} at the end")


if __name__ == "__main__":
    main()
