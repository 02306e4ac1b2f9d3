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
and checks that both found the same clusters / predictions. Prints times and the overhead ratio
(ours / scikit-learn; the target is below 1.2x). Each pair runs --repeat times; the best time counts.
Run: python benchmarks/bench_analysis.py [--quick] [--repeat 1]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path
from typing import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedflow.analysis.classification import MAX_ITERATIONS, cross_validate  # noqa: E402
from embedflow.analysis.clustering import KMEANS_INITS, cluster  # noqa: E402

FULL = {"kmeans": (100_000, 384), "hdbscan": (20_000, 50), "logistic": (50_000, 384)}
QUICK = {"kmeans": (20_000, 384), "hdbscan": (5_000, 50), "logistic": (10_000, 384)}


def blobs(rows: int, dims: int, centres: int, spread: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Seeded Gaussian blobs as float32 vectors and the blob of each row."""
    from sklearn.datasets import make_blobs

    vectors, blob = make_blobs(n_samples=rows, n_features=dims, centers=centres, cluster_std=spread,
                               random_state=seed)
    return vectors.astype(np.float32), blob


def best_time(run: Callable[[], object], repeat: int) -> tuple[float, object]:
    """The shortest of `repeat` wall-clock times of run() and its last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return min(times), result


def report(name: str, ours: float, theirs: float, same: str) -> None:
    """Print one comparison line."""
    print(f"{name:<44} ours {ours:8.2f} s   scikit-learn {theirs:8.2f} s   overhead {ours / theirs:5.2f}x   {same}")


def bench_kmeans(rows: int, dims: int, repeat: int) -> None:
    """k-means, k = 8, euclidean and cosine."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    vectors, _ = blobs(rows, dims, centres=8, spread=6.0)
    for metric in ("euclidean", "cosine"):
        theirs_input = vectors if metric == "euclidean" else vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        ours_time, ours = best_time(lambda: cluster(vectors, "kmeans", k=8, metric=metric), repeat)
        theirs_time, theirs = best_time(
            lambda: KMeans(n_clusters=8, n_init=KMEANS_INITS, random_state=0).fit_predict(theirs_input), repeat)
        agreement = adjusted_rand_score(theirs, ours.labels)
        report(f"k-means k=8 {metric}, {rows:,} x {dims}", ours_time, theirs_time,
               f"ARI between the two: {agreement:.4f}")


def bench_hdbscan(rows: int, dims: int, repeat: int) -> None:
    """HDBSCAN with a minimum cluster size of 10."""
    from sklearn.cluster import HDBSCAN
    from sklearn.metrics import adjusted_rand_score

    vectors, _ = blobs(rows, dims, centres=10, spread=3.0)
    ours_time, ours = best_time(lambda: cluster(vectors, "hdbscan", metric="euclidean", min_cluster_size=10), repeat)
    theirs_time, theirs = best_time(lambda: HDBSCAN(min_cluster_size=10, copy=False).fit_predict(vectors), repeat)
    report(f"HDBSCAN min size 10, {rows:,} x {dims}", ours_time, theirs_time,
           f"ARI between the two: {adjusted_rand_score(theirs, ours.labels):.4f}")


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

    ours_time, ours = best_time(lambda: cross_validate(vectors, blob, "logistic_regression", folds=5), repeat)
    theirs_time, theirs = best_time(theirs_run, repeat)
    same = np.mean(ours.predictions["predicted"].to_numpy(dtype=np.int64) == theirs.argmax(axis=1))
    accuracy = ours.scores.iloc[0]
    report(f"5-fold logistic regression, {rows:,} x {dims}", ours_time, theirs_time,
           f"same predictions: {same:.2%}; accuracy {accuracy['value']:.3f} (baseline {accuracy['baseline']:.3f})")


def main() -> None:
    """Run the three comparisons and print times and overhead ratios."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller arrays: " + ", ".join(
        f"{name} {rows:,} x {dims}" for name, (rows, dims) in QUICK.items()))
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    bench_kmeans(*sizes["kmeans"], args.repeat)
    bench_hdbscan(*sizes["hdbscan"], args.repeat)
    bench_logistic(*sizes["logistic"], args.repeat)


if __name__ == "__main__":
    main()
