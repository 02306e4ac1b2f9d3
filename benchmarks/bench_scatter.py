"""Scatter: t-SNE time and quality against scikit-learn, and drawing/panning many points offscreen.

1. t-SNE of N × 50 (default 10,000, 20 clusters): embedflow (openTSNE, FFT) vs scikit-learn's
   TSNE (Barnes-Hut) in the same run; quality = share of each point's 10 nearest neighbours in
   the original space that are also among its 10 nearest on the map.
2. The Qt view offscreen: loading, first paint and panning of 1,000,000 points drawn as the
   view does (a raster image above 200,000 points) vs one symbol per point and vs 10,000 points
   (baselines) in the same run; frames per second while panning.
3. The headless PNG (Pillow) of 1,000,000 points vs 10,000.
4. UMAP (umap-learn, if installed) of the same N × 50 clusters vs embedflow's t-SNE in the same run,
   with the same quality measure; umap-learn's one-off numba compilation is timed separately.
6. Labels and density in the Qt view at 20,000 and 1,000,000 points: load and pan frame with
   labels on (the greedy non-overlap pass after every pan) vs labels off, and the density-graded
   points vs the same points drawn opaque (DENSITY_FROM raised above the count), in the same run.
5. A selection of 1,000,000 rows (one run of rows, and a lasso-like scattered half of 2,000,000):
   the edit through the document's undo stack and the saved file, as a RowSet vs the same rows as
   a list of row numbers (the format before node version 2) in the same run.
Run: QT_QPA_PLATFORM=offscreen python benchmarks/bench_scatter.py [--tsne-rows 10000] [--points 1000000]
     [--skip-tsne] [--skip-umap] [--only-selection] [--only-labels]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from embedflow.analysis.neighbours import search
from embedflow.analysis.projection import project
from embedflow.blocks.scatter.png import render_scatter
from embedflow.blocks.scatter.style import color_mapping, point_sizes


def clusters(rows: int, dims: int, seed: int = 0) -> np.ndarray:
    """20 Gaussian clusters: structure a good map must keep."""
    rng = np.random.default_rng(seed)
    centres = 4.0 * rng.standard_normal((20, dims))
    return (centres[rng.integers(0, 20, rows)] + rng.standard_normal((rows, dims))).astype(np.float32)


def neighbour_preservation(vectors: np.ndarray, coords: np.ndarray, k: int = 10) -> float:
    """Mean share of the k original-space neighbours that stay among the k map neighbours."""
    high = search(vectors, k=k, metric="euclidean").indices
    low = search(coords.astype(np.float32), k=k, metric="euclidean").indices
    return float(np.mean([len(set(a) & set(b)) / k for a, b in zip(high, low)]))


def bench_tsne(rows: int) -> None:
    """openTSNE through embedflow vs scikit-learn TSNE."""
    from sklearn.manifold import TSNE

    vectors = clusters(rows, 50)
    print(f"t-SNE of {rows:,} x 50")
    started = time.perf_counter()
    ours = project(vectors, "tsne").coords
    ours_time = time.perf_counter() - started
    print(f"  embedflow (openTSNE):  {ours_time:7.1f} s   10-NN kept {neighbour_preservation(vectors, ours):.1%}")
    started = time.perf_counter()
    theirs = TSNE(n_components=2, perplexity=30, init="pca", random_state=0).fit_transform(vectors)
    sklearn_time = time.perf_counter() - started
    print(f"  scikit-learn TSNE:     {sklearn_time:7.1f} s   10-NN kept "
          f"{neighbour_preservation(vectors, theirs):.1%}")
    print(f"  speed-up: {sklearn_time / ours_time:.1f}x")


def bench_view(points: int, pans: int = 20) -> None:
    """Load, first paint and pan of the Qt view: 10,000 points, then `points` drawn as one symbol
    each (the baseline) and as the raster image the view uses above its threshold."""
    from embedflow_canvas.views.scatter_plot import ScatterPlot
    from PyQt5.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    results = {}
    for count, raster in ((10_000, False), (points, False), (points, True)):
        rng = np.random.default_rng(1)
        coords = rng.standard_normal((count, 2)).astype(np.float32)
        meta = pd.DataFrame({"c": rng.integers(0, 8, count)})
        plot = ScatterPlot()
        plot.raster_threshold = 0 if raster else count
        plot.resize(1000, 700)
        plot.show()
        app.processEvents()
        started = time.perf_counter()
        plot.set_data(coords, color_mapping(meta, "c"), point_sizes(meta, ""))
        load = time.perf_counter() - started
        started = time.perf_counter()
        plot.plot.grab()
        first = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(pans):
            plot.view_box.translateBy(x=0.05)
            plot.plot.grab()
        frame = (time.perf_counter() - started) / pans
        results[(count, raster)] = frame
        how = "raster " if raster else "symbols"
        print(f"  {count:>9,} points as {how}: load {load:6.2f} s, first paint {first:6.2f} s, "
              f"pan frame {frame * 1000:7.1f} ms ({1 / frame:5.1f} fps)")
        plot.close()
    print(f"  {points:,} points: raster pans {results[(points, False)] / results[(points, True)]:.1f}x "
          f"faster than symbols; {results[(points, True)] / results[(10_000, False)]:.1f}x the "
          f"10,000-point frame")


def bench_labels(points: int, pans: int = 10) -> None:
    """Labels (greedy pass per pan) and density alpha vs none, at 20,000 and `points` points."""
    import embedflow_canvas.views.scatter_plot as scatter_plot
    from embedflow_canvas.views.scatter_plot import ScatterPlot
    from PyQt5.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    default_density = scatter_plot.DENSITY_FROM
    for count in (20_000, points):
        rng = np.random.default_rng(2)
        coords = rng.standard_normal((count, 2)).astype(np.float32)
        meta = pd.DataFrame({"c": rng.integers(0, 8, count), "w": [f"word{i}" for i in range(count)]})
        frames = {}
        for labelled, density in ((False, False), (True, False), (False, True)):
            scatter_plot.DENSITY_FROM = default_density if density else count + 1
            plot = ScatterPlot()
            plot.resize(1000, 700)
            plot.show()
            app.processEvents()
            started = time.perf_counter()
            plot.set_data(coords, color_mapping(meta, "c"), point_sizes(meta, ""),
                          meta["w"].to_numpy() if labelled else None, meta=meta)
            load = time.perf_counter() - started
            plot.plot.grab()
            started = time.perf_counter()
            for _ in range(pans):
                plot.view_box.translateBy(x=0.05)
                plot.plot.grab()
            frames[(labelled, density)] = frame = (time.perf_counter() - started) / pans
            what = "labels" if labelled else "density" if density else "plain (baseline)"
            print(f"  {count:>9,} points, {what:<16}: load {load:6.2f} s, pan frame {frame * 1000:7.1f} ms, "
                  f"{len(plot.label_layer.shown_texts('points'))} labels drawn")
            plot.close()
        base = frames[(False, False)]
        print(f"  {count:,} points: labels {frames[(True, False)] / base:.2f}x, density "
              f"{frames[(False, True)] / base:.2f}x the plain pan frame")
    scatter_plot.DENSITY_FROM = default_density


def bench_png(points: int) -> None:
    """The Pillow renderer used by `embedflow run`."""
    for count in (10_000, points):
        rng = np.random.default_rng(2)
        coords = rng.standard_normal((count, 2))
        meta = pd.DataFrame({"c": rng.integers(0, 8, count)})
        started = time.perf_counter()
        render_scatter(coords, color_mapping(meta, "c"), point_sizes(meta, ""), "bench", ("x", "y"))
        print(f"  PNG of {count:>9,} points: {time.perf_counter() - started:6.2f} s")


def bench_umap(rows: int) -> None:
    """UMAP through embedflow vs openTSNE through embedflow, same data, same run."""
    from embedflow.analysis.projection import umap_available

    if not umap_available():
        print("UMAP: umap-learn is not installed (pip install umap-learn); skipped")
        return
    vectors = clusters(rows, 50)
    print(f"UMAP of {rows:,} x 50")
    started = time.perf_counter()
    # 5,000 rows: above 4,096 umap-learn switches to pynndescent, whose numba code compiles too.
    project(clusters(5_000, 50), "umap", umap_epochs=10)
    print(f"  first UMAP in the process (import + numba compile, 5,000 rows, 10 epochs): "
          f"{time.perf_counter() - started:5.1f} s")
    started = time.perf_counter()
    ours = project(vectors, "umap").coords
    umap_time = time.perf_counter() - started
    print(f"  embedflow (umap-learn):   {umap_time:7.1f} s   10-NN kept {neighbour_preservation(vectors, ours):.1%}")
    started = time.perf_counter()
    baseline = project(vectors, "tsne").coords
    tsne_time = time.perf_counter() - started
    print(f"  embedflow t-SNE (baseline): {tsne_time:5.1f} s   10-NN kept "
          f"{neighbour_preservation(vectors, baseline):.1%}")
    print(f"  UMAP takes {umap_time / tsne_time:.2f}x the t-SNE time")


def bench_selection(points: int) -> None:
    """A big selection as the view hands it to the model: RowSet vs a plain list, same document."""
    from embedflow_canvas.document.document import WorkflowDocument

    from embedflow.core.rows import RowSet
    from embedflow.io.workflow_file import dumps

    scattered = np.flatnonzero(np.random.default_rng(3).random(2 * points) < 0.5)
    for name, rows in (("one run", np.arange(points)), ("scattered", scattered)):
        for kind in ("RowSet", "list"):
            document = WorkflowDocument()
            node = document.add_node("scatter", (0.0, 0.0))
            started = time.perf_counter()
            value = RowSet.of(rows) if kind == "RowSet" else [int(r) for r in rows]
            document.update_settings(node, {"selection": value})
            edit = time.perf_counter() - started
            started = time.perf_counter()
            text = dumps(document.workflow)
            if kind == "list":  # what version 1 wrote: the list itself, one row number a line
                text = json.dumps({"settings": {"selection": value}}, indent=2)
            size = len(text.encode())
            print(f"  {name:>9} {len(rows):,} rows as {kind:6}: edit + undo step {edit * 1000:7.1f} ms, "
                  f"save {(time.perf_counter() - started) * 1000:7.1f} ms, file {size / 1000:9.1f} kB")


def main() -> None:
    """Run the measurements."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tsne-rows", type=int, default=10_000)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--skip-tsne", action="store_true")
    parser.add_argument("--skip-umap", action="store_true")
    parser.add_argument("--only-selection", action="store_true")
    parser.add_argument("--only-labels", action="store_true")
    args = parser.parse_args()
    if args.only_labels:
        print("Qt view: labels and density (offscreen, 1000 x 700)")
        bench_labels(args.points)
        return
    print("selection edit and file")
    bench_selection(args.points)
    if args.only_selection:
        return
    if not args.skip_tsne:
        bench_tsne(args.tsne_rows)
    if not args.skip_umap:
        bench_umap(args.tsne_rows)
    print("Qt view (offscreen, 1000 x 700)")
    bench_view(args.points)
    print("Qt view: labels and density (offscreen, 1000 x 700)")
    bench_labels(args.points)
    print("headless PNG")
    bench_png(args.points)


if __name__ == "__main__":
    main()
