"""Clustering and classification: embedflow.analysis vs scikit-learn called directly, in one run.

On seeded synthetic Gaussian blobs (float32), measures on the same arrays:
  1. k-means, k = 8, on 100,000 x 384: embedflow.analysis.clustering.cluster(method="kmeans",
     metric="euclidean") vs KMeans(n_clusters=8, n_init=4, random_state=0).fit_predict();
     ours also checks the rows, scores a 5,000-row silhouette and finds the central rows;
     then metric="cosine" (ours normalises the rows itself) vs KMeans on rows normalised beforehand;
  2. HDBSCAN, min_cluster_size = 10, on 20,000 x 50: cluster(method="hdbscan", metric="euclidean")
     vs HDBSCAN(min_cluster_size=10).fit_predict();
  3. 5-fold logistic regression on 50,000 x 384 with 20 classes:
     embedflow.analysis.classification.cross_validate() vs
     cross_val_predict(LogisticRegression(max_iter=1000), cv=StratifiedKFold(5, shuffle=True),
     method="predict_proba"); ours also scores every fold and builds the tables.
and checks that both found the same clusters / predictions. Then it times ours once more with the
model fit replaced by a replay of scikit-learn's result: what embedflow itself adds. Prints times and the overhead ratio
(ours / scikit-learn; the target is below 1.2x), in wall-clock and in this process's CPU time (less
sensitive to other processes on a shared machine). Each pair runs --repeat times, alternating which
goes first; the best time counts.
Run: python benchmarks/bench_analysis.py [--quick] [--repeat 1] [--only kmeans,hdbscan,logistic] [--kmeans 50000x384]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedflow.analysis import classification, clustering
from embedflow.analysis.classification import MAX_ITERATIONS, cross_validate
from embedflow.analysis.clustering import KMEANS_INITS, cluster

FULL = {"kmeans": (100_000, 384), "hdbscan": (20_000, 50), "logistic": (50_000, 384)}
QUICK = {"kmeans": (20_000, 384), "hdbscan": (5_000, 50), "logistic": (10_000, 384)}


def blobs(rows: int, dims: int, centres: int, spread: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Seeded Gaussian blobs as float32 vectors and the blob of each row."""
    from sklearn.datasets import make_blobs

    vectors, blob = make_blobs(n_samples=rows, n_features=dims, centers=centres, cluster_std=spread,
                               random_state=seed)
    return vectors.astype(np.float32), blob


@dataclass
class Timing:
    """Best wall-clock and CPU seconds (this process, all threads) over the repeats, and the last result."""

    wall: float = float("inf")
    cpu: float = float("inf")
    result: object = None


def compare(ours: Callable[[], object], theirs: Callable[[], object], repeat: int) -> tuple[Timing, Timing]:
    """Time both `repeat` times, alternating which goes first, so load from other processes hits both."""
    timings = (Timing(), Timing())
    for r in range(repeat):
        order = (0, 1) if r % 2 == 0 else (1, 0)
        for i in order:
            wall, cpu = time.perf_counter(), time.process_time()
            result = (ours, theirs)[i]()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            timing = timings[i]
            timing.wall, timing.cpu, timing.result = min(timing.wall, wall), min(timing.cpu, cpu), result
    return timings


def report(name: str, ours: Timing, theirs: Timing, same: str) -> None:
    """Print one comparison line: wall-clock times and both overhead ratios."""
    print(f"{name:<42} ours {ours.wall:7.2f} s  scikit-learn {theirs.wall:7.2f} s  "
          f"overhead {ours.wall / theirs.wall:4.2f}x (CPU time {ours.cpu / theirs.cpu:4.2f}x)  {same}", flush=True)


def own_steps(module: ModuleType, name: str, replay: Callable, run: Callable[[], object], theirs: Timing) -> None:
    """Time run() with module.name (the model fit) replaced by `replay` of scikit-learn's result, and print it:
    what embedflow adds (checks, scores, central rows, tables), free of the fit's run-to-run noise."""
    original = getattr(module, name)
    setattr(module, name, replay)
    try:
        started = time.perf_counter()
        run()
        seconds = time.perf_counter() - started
    finally:
        setattr(module, name, original)
    print(f"{'':<42} our own steps alone (fit replayed): {seconds:.2f} s = {seconds / theirs.wall:.1%} of "
          "scikit-learn's time", flush=True)


def bench_kmeans(rows: int, dims: int, repeat: int) -> None:
    """k-means, k = 8, euclidean and cosine."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    vectors, _ = blobs(rows, dims, centres=8, spread=6.0)
    for metric in ("euclidean", "cosine"):
        unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        theirs_input = vectors if metric == "euclidean" else unit
        kmeans = KMeans(n_clusters=8, n_init=KMEANS_INITS, random_state=0)
        ours, theirs = compare(lambda: cluster(vectors, "kmeans", k=8, metric=metric),  # noqa: B023 - called within this iteration
                               lambda: kmeans.fit_predict(theirs_input), repeat)  # noqa: B023 - called within this iteration
        report(f"k-means k=8 {metric}, {rows:,} x {dims}", ours, theirs,
               f"ARI between the two: {adjusted_rand_score(theirs.result, ours.result.labels):.4f}")
        own_steps(clustering, "_fit", lambda *_: theirs.result, lambda: cluster(vectors, "kmeans", k=8, metric=metric),  # noqa: B023 - called within this iteration
                  theirs)


def bench_hdbscan(rows: int, dims: int, repeat: int) -> None:
    """HDBSCAN with a minimum cluster size of 10."""
    from sklearn.cluster import HDBSCAN
    from sklearn.metrics import adjusted_rand_score

    vectors, _ = blobs(rows, dims, centres=10, spread=3.0)
    ours, theirs = compare(lambda: cluster(vectors, "hdbscan", metric="euclidean", min_cluster_size=10),
                           lambda: HDBSCAN(min_cluster_size=10, copy=False).fit_predict(vectors), repeat)
    report(f"HDBSCAN min size 10, {rows:,} x {dims}", ours, theirs,
           f"ARI between the two: {adjusted_rand_score(theirs.result, ours.result.labels):.4f}")
    own_steps(clustering, "_hdbscan", lambda *_: theirs.result,
              lambda: cluster(vectors, "hdbscan", metric="euclidean", min_cluster_size=10), theirs)


def bench_logistic(rows: int, dims: int, repeat: int) -> None:
    """5-fold stratified cross-validation of logistic regression, 20 classes."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    vectors, blob = blobs(rows, dims, centres=20, spread=12.0)

    def theirs_run() -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return cross_val_predict(LogisticRegression(max_iter=MAX_ITERATIONS, random_state=0), vectors, blob,
                                     cv=StratifiedKFold(5, shuffle=True, random_state=0), method="predict_proba")

    ours, theirs = compare(lambda: cross_validate(vectors, blob, "logistic_regression", folds=5), theirs_run, repeat)
    same = np.mean(ours.result.predictions["predicted"].to_numpy(dtype=np.int64) == theirs.result.argmax(axis=1))
    accuracy = ours.result.scores.iloc[0]
    report(f"5-fold logistic regression, {rows:,} x {dims}", ours, theirs,
           f"same predictions: {same:.2%}; accuracy {accuracy['value']:.3f} (baseline {accuracy['baseline']:.3f})")
    splits = iter(StratifiedKFold(5, shuffle=True, random_state=0).split(vectors, blob))

    def replay(*_) -> tuple[np.ndarray, np.ndarray]:
        probabilities = theirs.result[next(splits)[1]]
        return probabilities.argmax(axis=1), probabilities.max(axis=1)

    own_steps(classification, "_fit_predict", replay,
              lambda: cross_validate(vectors, blob, "logistic_regression", folds=5), theirs)


def main() -> None:
    """Run the three comparisons and print times and overhead ratios."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller arrays: " + ", ".join(
        f"{name} {rows:,} x {dims}" for name, (rows, dims) in QUICK.items()))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--only", default="kmeans,hdbscan,logistic", help="which comparisons to run")
    parser.add_argument("--kmeans", default="", help="ROWSxDIMS for k-means instead of the size above")
    args = parser.parse_args()
    sizes = dict(QUICK if args.quick else FULL)
    if args.kmeans:
        rows, dims = (int(part) for part in args.kmeans.split("x"))
        sizes["kmeans"] = (rows, dims)
    benches = {"kmeans": bench_kmeans, "hdbscan": bench_hdbscan, "logistic": bench_logistic}
    for name in args.only.split(","):
        benches[name](*sizes[name], args.repeat)


if __name__ == "__main__":
    main()
