"""2-D projections of vectors for the Scatter block: PCA, t-SNE (openTSNE), UMAP (optional).

Rows whose vector holds NaN/inf are left out (their coordinates are NaN) and reported.
t-SNE and UMAP above SAMPLE_THRESHOLD rows either run on a seeded random sample (the
other rows get NaN coordinates) or on everything, as the caller chooses; either way a
note says so, so the user never waits without knowing why.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

PROJECTIONS = ("pca", "tsne", "umap", "none")
LARGE_DATA = ("sample", "all")
SAMPLE_THRESHOLD = 50_000
TITLES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP", "none": "first two dimensions"}
# Below this many rows t-SNE/UMAP have no neighbourhoods worth the name; PCA is shown instead.
MIN_NEIGHBOUR_ROWS = 5

# Below this many rows t-SNE runs on one thread: a second one gains little there and costs most
# when the load changes under it (2,000 rows: 21 s on one thread, 51 s on two with the other core
# busy; 158 points once took 20 s instead of 1). From here on it takes the usable cores
# (tsne_threads): at 5,000 rows two threads took 0.63x one thread's time on a quiet machine and 1.4-2x
# with other work running (issue 25, docs/analysis.md); OMP_NUM_THREADS=1 is the shared machine's choice.
PARALLEL_TSNE_ROWS = 5_000
# Below this many rows openTSNE's Barnes-Hut gradient is faster than its FFT one: on the idle 2-core
# machine, two threads, BH took 21.1 s at 10,000 rows against FFT's 38.2 s (whose second thread gained
# nothing), and 56.9 s at 20,000 against 45.4 s (`bench_projection.py --methods 10000,20000`).
BARNES_HUT_ROWS = 15_000
# PCA is computed exactly (eigenvectors of the d×d covariance, or of the n×n Gram matrix when
# there are fewer rows than features) when that side is at most this long: n·d² flops is then
# about what randomized SVD costs, and the two axes capture the optimal variance.
EXACT_PCA_SIZE = 512
RANDOMIZED_PCA_ITERATIONS = 7

ProgressCallback = Callable[[float, str], None]


class ProjectionError(ValueError):
    """A projection cannot be computed; the message is meant for the user."""


@dataclass(frozen=True)
class Projection:
    """2-D coordinates for every input row (NaN for rows left out) and what was done.

    axes: names of the two axes, e.g. ("PC1 (42.0%)", "PC2 (11.3%)") or ("t-SNE 1", "t-SNE 2").
    notes: (code, sentence) pairs for the user: projection-sampled, projection-large,
    nan-vectors, projection-fallback, identical-vectors.
    """

    coords: np.ndarray
    method: str
    axes: tuple[str, str]
    notes: tuple[tuple[str, str], ...] = ()

    @property
    def projected(self) -> np.ndarray:
        """Row numbers that have coordinates."""
        return np.flatnonzero(np.isfinite(self.coords).all(axis=1))


def umap_available() -> bool:
    """True when the optional umap-learn package is installed.

    Looked up without importing it: importing umap-learn loads numba (seconds), and the
    validator calls this on the UI thread after every edit.
    """
    if "umap" in sys.modules:
        return sys.modules["umap"] is not None
    return importlib.util.find_spec("umap") is not None


def pca(vectors: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """First two principal components and their variance ratios (exact unless both sides are large)."""
    x = np.asarray(vectors, dtype=np.float32)
    centred = x - x.mean(axis=0, dtype=np.float64).astype(np.float32)
    n_components = min(2, *centred.shape)
    if min(centred.shape) <= EXACT_PCA_SIZE:
        scores, variances, total = _exact_pca(centred, n_components)
    else:
        scores, variances, total = _randomized_pca(centred, n_components, seed)
    # The sign of an axis is arbitrary; fix it (largest score positive) so reruns draw the same picture.
    flip = np.sign(scores[np.abs(scores).argmax(axis=0), np.arange(n_components)])
    coords = np.zeros((len(x), 2), dtype=np.float32)
    coords[:, :n_components] = scores * np.where(flip == 0, 1, flip)
    ratios = np.zeros(2)
    if total > 0:
        ratios[:n_components] = variances / total
    return coords, ratios


def _exact_pca(centred: np.ndarray, n_components: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Scores, their sums of squares and the total from the eigenvectors of the smaller Gram matrix."""
    wide = centred.shape[1] > centred.shape[0]
    gram = (centred @ centred.T if wide else centred.T @ centred).astype(np.float64)
    eigenvalues, eigenvectors = np.linalg.eigh(gram)  # ascending
    top = eigenvectors[:, ::-1][:, :n_components]
    variances = np.clip(eigenvalues[::-1][:n_components], 0.0, None)
    scores = top * np.sqrt(variances) if wide else centred @ top.astype(np.float32)
    return np.asarray(scores, dtype=np.float32), variances, float(np.trace(gram))


def _randomized_pca(centred: np.ndarray, n_components: int, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Scores, their sums of squares and the total by randomized SVD (both sides above EXACT_PCA_SIZE)."""
    from sklearn.utils.extmath import randomized_svd

    u, s, _ = randomized_svd(centred, n_components=n_components, n_iter=RANDOMIZED_PCA_ITERATIONS,
                             random_state=seed)
    total = float(np.einsum("ij,ij->", centred, centred, dtype=np.float64))
    return (u * s).astype(np.float32), s.astype(np.float64) ** 2, total


def tsne_threads(rows: int, cores: int | None = None) -> int:
    """openTSNE threads for `rows`: one for small inputs, else the cores this process may use.

    cores: the usable cores; by default those this process may run on (`os.sched_getaffinity`), no more
    than the OpenMP thread limit (`OMP_NUM_THREADS` or a `threadpoolctl.threadpool_limits` around the run),
    so a loaded machine is handled the standard way rather than by guessing from the load average.
    """
    if rows < PARALLEL_TSNE_ROWS:
        return 1
    return max(1, _usable_cores() if cores is None else cores)


def _usable_cores() -> int:
    """Cores this process may run on, within the OpenMP thread limit of the libraries loaded."""
    from threadpoolctl import threadpool_info

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    limits = [int(pool["num_threads"]) for pool in threadpool_info() if pool.get("user_api") == "openmp"]
    return min([cores, *limits])


def _tsne(vectors: np.ndarray, perplexity: float, seed: int,
          progress: ProgressCallback | None) -> np.ndarray:
    return np.asarray(_tsne_model(vectors, perplexity, seed, progress), dtype=np.float32)


def _tsne_model(vectors: np.ndarray, perplexity: float, seed: int, progress: ProgressCallback | None) -> Any:
    """openTSNE's fitted TSNEEmbedding (an array of the coordinates that can also place new rows)."""
    from openTSNE import TSNE

    n = len(vectors)
    # openTSNE needs 3·perplexity < n; small inputs get the largest perplexity that fits.
    perplexity = float(min(perplexity, max(1.0, (n - 1) / 3.0 - 0.01)))
    phases = {"calls": 0}
    total_calls = (250 + 500) // 50

    def callback(iteration: int, error: float, embedding: np.ndarray) -> bool:
        phases["calls"] += 1
        if progress is not None:
            progress(0.2 + 0.8 * min(1.0, phases["calls"] / total_calls), "optimising t-SNE")
        return False

    if progress is not None:
        progress(0.05, "finding t-SNE neighbourhoods")
    threads = tsne_threads(n)
    method = "bh" if n < BARNES_HUT_ROWS else "fft"
    tsne = TSNE(n_components=2, perplexity=perplexity, n_jobs=threads, negative_gradient_method=method,
                random_state=seed, callbacks=callback, callbacks_every_iters=50, verbose=False)
    return tsne.fit(np.asarray(vectors, dtype=np.float64))


class _EpochProgress:
    """A file for the tqdm bar of umap-learn's epoch loop: each "done/total" it writes becomes a
    progress call, so the block shows the optimisation and a cancel raised there stops it."""

    def __init__(self, progress: ProgressCallback) -> None:
        self._progress = progress
        self.raised = False

    def write(self, text: str) -> None:
        """Report the epochs done; after a cancel stay silent (tqdm writes once more on close)."""
        done, _, total = text.strip().partition("/")
        if self.raised or not (done.isdigit() and total.isdigit() and int(total)):
            return
        try:
            self._progress(0.3 + 0.7 * int(done) / int(total), "optimising UMAP")
        except BaseException:
            self.raised = True
            raise

    def flush(self) -> None:
        """Nothing is buffered."""


def import_umap() -> Any:
    """umap-learn, with numba's compiled code kept in embedflow's cache folder (`numba/`), so that a UMAP in a
    new process reads it instead of compiling for half a minute.

    numba writes a function's machine code to disk only when asked (`cache=True`); most of umap-learn's
    functions do not ask, so caching is switched on for every one of its and pynndescent's functions not
    compiled yet. The cache is checked against each source file's time stamp, so an upgrade recompiles.
    """
    from ..io.user_dirs import cache_dir

    os.environ.setdefault("NUMBA_CACHE_DIR", str(cache_dir("numba")))  # read when numba is first imported
    import numba
    import umap
    from numba.core.caching import NullCache

    if not getattr(numba.config, "CACHE_DIR", ""):  # numba was imported before, without a folder of its own
        setattr(numba.config, "CACHE_DIR", str(cache_dir("numba")))  # noqa: B010 - not declared in numba.config
    from numba.core.registry import CPUDispatcher

    for name, module in list(sys.modules.items()):
        if module is not None and name.split(".")[0] in ("umap", "pynndescent"):
            for value in list(vars(module).values()):
                if (isinstance(value, CPUDispatcher) and not value.signatures
                        and isinstance(getattr(value, "_cache", None), NullCache)):
                    with contextlib.suppress(RuntimeError):  # a function numba cannot locate a file for
                        value.enable_caching()
    return umap


def _umap(vectors: np.ndarray, seed: int, epochs: int | None, progress: ProgressCallback | None) -> np.ndarray:
    return _umap_model(vectors, seed, epochs, progress)[1]


def _umap_model(vectors: np.ndarray, seed: int, epochs: int | None,
                progress: ProgressCallback | None) -> tuple[Any, np.ndarray]:
    """umap-learn's fitted UMAP (which can place new rows) and the coordinates of the rows it was fitted on."""
    try:
        umap = import_umap()
    except ImportError:
        raise ProjectionError(
            "UMAP needs the optional package umap-learn, which is not installed. "
            "Install it with `pip install umap-learn`, or choose PCA or t-SNE.") from None
    if progress is not None:
        progress(0.05, "finding UMAP neighbourhoods (the very first UMAP on this computer also compiles "
                       "umap-learn's code, up to a minute; later ones read it from embedflow's cache)")
    from tqdm.auto import tqdm  # the bar class of umap-learn's epoch loop (a dependency of umap-learn)

    # The bar is the only hook umap-learn offers into its epoch loop; it fires every ~2% of the epochs.
    epoch_file = _EpochProgress(progress) if progress is not None else None
    bar = {"disable": False, "file": epoch_file, "bar_format": "{n}/{total}", "mininterval": 0,
           "miniters": max(1, (epochs or 200) // 50)} if epoch_file is not None else None
    # A seeded UMAP runs on one thread anyway; saying so avoids umap-learn's warning about it.
    reducer = umap.UMAP(n_components=2, n_neighbors=min(15, len(vectors) - 1), random_state=seed, n_jobs=1,
                        n_epochs=epochs, tqdm_kwds=bar)
    try:
        return reducer, np.asarray(reducer.fit_transform(vectors), dtype=np.float32)
    except BaseException:
        if epoch_file is not None and epoch_file.raised:
            # tqdm's refresh() holds its class-wide lock while the bar writes and does not release it
            # when the write raises (a cancel): release it, or every later bar on another thread (the
            # next UMAP the engine runs) would wait for it forever.
            tqdm.get_lock().release()
        raise


def project(vectors: np.ndarray, method: str = "pca", large: str = "sample",
            sample_size: int = SAMPLE_THRESHOLD, perplexity: float = 30.0, seed: int = 0,
            progress: ProgressCallback | None = None, umap_epochs: int | None = None) -> Projection:
    """Project every row of `vectors` to 2-D with `method`; see the module docstring for sampling.

    `umap_epochs` overrides umap-learn's number of optimisation epochs (500 below 10,000 rows, else 200).
    """
    if method not in PROJECTIONS:
        raise ProjectionError(f"Unknown projection {method!r}; choose one of {', '.join(PROJECTIONS)}.")
    if large not in LARGE_DATA:
        raise ProjectionError(f"Unknown large-data choice {large!r}; choose sample or all.")
    x = np.asarray(vectors, dtype=np.float32)
    if x.ndim != 2 or x.shape[1] == 0:
        raise ProjectionError("There are no vectors to project.")
    notes: list[tuple[str, str]] = []
    coords = np.full((len(x), 2), np.nan, dtype=np.float32)
    finite = np.isfinite(x).all(axis=1)
    rows = np.flatnonzero(finite)
    if len(rows) < len(x):
        bad = np.flatnonzero(~finite)
        notes.append(("nan-vectors", f"{len(bad):,} row(s) with NaN or infinite values are not shown "
                     f"(rows {row_list(bad)})."))
    if len(rows) == 0:
        raise ProjectionError("Every row holds NaN or infinite values; there is nothing to project.")

    if method in ("tsne", "umap") and len(rows) > sample_size:
        if large == "sample":
            rows = sample_rows(rows, sample_size, seed)
            notes.append(("projection-sampled", f"{TITLES[method]} ran on a random sample of {sample_size:,} of "
                         f"{int(finite.sum()):,} rows to stay responsive; set Large data to "
                         f"'all' to project every row (slower)."))
        else:
            notes.append(("projection-large",
                          f"{TITLES[method]} of {len(rows):,} rows (above {sample_size:,}) can take several minutes."))
    if method in ("tsne", "umap") and len(rows) < MIN_NEIGHBOUR_ROWS:
        notes.append(("projection-fallback", f"{TITLES[method]} needs at least {MIN_NEIGHBOUR_ROWS} rows; "
                     f"showing PCA of the {len(rows)} row(s) instead."))
        method = "pca"

    subset = x[rows]
    if method != "none" and len(rows) > 1 and not np.ptp(subset, axis=0).any():
        notes.append(("identical-vectors", "All vectors are identical, so every point sits at the same place."))
        method = "pca"  # t-SNE/UMAP divide by the spread, which is zero here
    result, axes = _coordinates(subset, method, perplexity, seed, umap_epochs, progress)
    if not np.isfinite(result).all():
        raise ProjectionError(f"{TITLES[method]} produced invalid coordinates for this data; try PCA.")
    coords[rows] = result
    if progress is not None:
        progress(1.0, "projection done")
    return Projection(coords, method, axes, tuple(notes))


def _coordinates(subset: np.ndarray, method: str, perplexity: float, seed: int, umap_epochs: int | None,
                 progress: ProgressCallback | None) -> tuple[np.ndarray, tuple[str, str]]:
    """The 2-D coordinates of finite rows by one method, and the names of its axes."""
    if method == "pca":
        result, ratios = pca(subset, seed)
        return result, (f"PC1 ({ratios[0]:.1%})", f"PC2 ({ratios[1]:.1%})")
    if method == "tsne":
        return _tsne(subset, perplexity, seed, progress), ("t-SNE 1", "t-SNE 2")
    if method == "umap":
        return _umap(subset, seed, umap_epochs, progress), ("UMAP 1", "UMAP 2")
    result = np.zeros((len(subset), 2), dtype=np.float32)
    result[:, : min(2, subset.shape[1])] = subset[:, :2]
    return result, ("dim_0", "dim_1" if subset.shape[1] > 1 else "(none)")


def sample_rows(rows: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    """The seeded random sample of `size` of `rows` a projection is fitted on, sorted."""
    return np.sort(np.random.default_rng(seed).choice(rows, size, replace=False))


def row_list(rows: np.ndarray, limit: int = 10) -> str:
    """Row numbers for a message, shortened after `limit`."""
    shown = ", ".join(str(int(r)) for r in rows[:limit])
    return shown + (f" and {len(rows) - limit:,} more" if len(rows) > limit else "")
