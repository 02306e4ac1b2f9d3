"""The Scatter's HTML map at 1,000,000 rows: write time against the PNG, bytes per row, open time in
headless Chromium, side by side with the same rows written by Bokeh (and Plotly) directly (as a user would script it).

All in-process for the writes (the map's content and the PNG from the same arrays, as `embedflow run`
writes them after the projection); the open time is end to end in a fresh headless Chromium (Debian's
chromium + chromium-driver, network blocked, file://) from navigation until the page is usable:
`window.embedflowMap.count` defined for embedflow's page, the first Bokeh view rendered for Bokeh's.
The rows: 8 Gaussian clusters, a category column (colour) and a short label ("item 123456").
Plotly Express (scattergl, library inlined) is measured too where plotly is importable (it is not an
embedflow dependency; docs/outputs.md says how the figures were made with a one-off copy).
Run: python benchmarks/bench_html_map.py [--rows 1000000] [--skip-bokeh] [--skip-plotly] [--open-timeout 180]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedflow.blocks.scatter.html_map import MapContent, write_html_map
from embedflow.blocks.scatter.png import render_scatter, save_png
from embedflow.blocks.scatter.style import PALETTE, color_mapping, point_sizes
from tests.browser_support import Browser, missing_reason

PLOTLY_READY = "const d = document.querySelector('.js-plotly-plot'); return !!(d && d._fullData && d._fullLayout)"
BOKEH_READY = "return !!(window.Bokeh && Bokeh.index && Object.keys(Bokeh.index).length > 0)"
MAP_READY = "return window.embedflowMap !== undefined && window.embedflowMap.count >= 0"
# Twenty zoom steps by wheel events (frames while moving), then ten clicks on Reset view (frames
# that draw every point), each awaited to the frame that drew it: milliseconds per frame of each.
REDRAW = """
const done = arguments[arguments.length - 1], overlay = document.getElementById('overlay');
const reset = document.getElementById('reset');
function frames(count, act, then) {
  let frame = 0;
  const start = performance.now();
  function step() {
    act(frame);
    requestAnimationFrame(() => { if (++frame < count) step(); else then((performance.now() - start) / count); });
  }
  step();
}
frames(20, (f) => overlay.dispatchEvent(new WheelEvent('wheel', {deltaY: f % 2 ? 60 : -60, clientX: 400,
                                                                 clientY: 300, bubbles: true, cancelable: true})),
       (moving) => setTimeout(() => frames(10, () => reset.click(), (full) => done([moving, full])), 400));
"""


def rows_of(count: int) -> pd.DataFrame:
    """`count` points in 8 clusters with a topic and a short label."""
    rng = np.random.default_rng(0)
    topic = rng.integers(0, 8, count)
    centres = rng.normal(0, 6, (8, 2))
    xy = centres[topic] + rng.normal(size=(count, 2))
    return pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "topic": np.array(list("abcdefgh"))[topic],
                         "label": [f"item {i}" for i in range(count)]})


def timed(work) -> tuple[float, object]:
    start = time.perf_counter()
    value = work()
    return time.perf_counter() - start, value


def write_embedflow(frame: pd.DataFrame, folder: Path) -> tuple[float, float, Path]:
    """(HTML seconds, PNG seconds, page) for the rows, as the Scatter's export writes them."""
    coords = frame[["x", "y"]].to_numpy()
    colors, sizes = color_mapping(frame, "topic"), point_sizes(frame, "")
    page = folder / "embedflow.html"
    content = MapContent(coords, colors, sizes, frame[["label", "topic"]], "Benchmark", "PCA")
    html_seconds, _ = timed(lambda: write_html_map(content, page))
    png_seconds, _ = timed(lambda: save_png(render_scatter(coords, colors, sizes, title="Benchmark",
                                                           axes=("x", "y")), folder / "embedflow.png"))
    return html_seconds, png_seconds, page


def write_bokeh(frame: pd.DataFrame, folder: Path) -> tuple[float, Path]:
    """What a user would script: one WebGL scatter coloured by topic, hover on the label, inline resources."""
    from bokeh.io import save
    from bokeh.models import ColumnDataSource, HoverTool
    from bokeh.plotting import figure
    from bokeh.resources import INLINE
    from bokeh.transform import factor_cmap

    page = folder / "bokeh.html"

    def write() -> None:
        plot = figure(output_backend="webgl", tools="pan,wheel_zoom,box_select,lasso_select,reset",
                      width=900, height=700, title="Benchmark")
        topics = sorted(frame["topic"].unique())
        palette = ["#" + "".join(f"{int(c):02x}" for c in rgb) for rgb in PALETTE[: len(topics)]]
        plot.scatter("x", "y", source=ColumnDataSource(frame), size=5,
                     color=factor_cmap("topic", palette, topics), legend_field="topic")
        plot.add_tools(HoverTool(tooltips=[("label", "@label")]))
        save(plot, filename=str(page), resources=INLINE, title="Benchmark")

    seconds, _ = timed(write)
    return seconds, page


def write_plotly(frame: pd.DataFrame, folder: Path) -> tuple[float, Path]:
    """What a user would script with Plotly Express: scattergl coloured by topic, the library inlined."""
    import plotly.express as px

    page = folder / "plotly.html"

    def write() -> None:
        figure = px.scatter(frame, x="x", y="y", color="topic", hover_name="label", render_mode="webgl")
        figure.write_html(str(page), include_plotlyjs=True)

    seconds, _ = timed(write)
    return seconds, page


def open_seconds(page: Path, ready: str, timeout: float, downloads: Path,
                 redraw: bool = False) -> tuple[float | None, list[float] | None]:
    """Seconds from navigation until `ready` is true in a fresh headless Chromium (None: timed out),
    and with `redraw` the milliseconds per frame while zooming and when every point is drawn."""
    browser = Browser(downloads)
    try:
        browser.driver.set_page_load_timeout(timeout)
        start = time.perf_counter()
        browser.driver.get(page.resolve().as_uri())
        try:
            browser.wait_for(lambda: browser.js(ready), page.name, timeout=timeout - (time.perf_counter() - start))
        except AssertionError:
            return None, None
        opened = time.perf_counter() - start
        if not redraw:
            return opened, None
        browser.driver.set_script_timeout(timeout)
        return opened, browser.driver.execute_async_script(REDRAW)
    finally:
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-bokeh", action="store_true")
    parser.add_argument("--skip-plotly", action="store_true", help="Plotly is measured only where it is installed")
    parser.add_argument("--open-timeout", type=float, default=180.0)
    args = parser.parse_args()
    frame = rows_of(args.rows)
    browser_missing = missing_reason()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        html_s, png_s, page = write_embedflow(frame, folder)
        size = page.stat().st_size
        print(f"rows: {args.rows:,}")
        print(f"embedflow HTML map: written in {html_s:.2f} s; PNG of the same rows {png_s:.2f} s "
              f"(HTML/PNG = {html_s / png_s:.2f}); {size / 1e6:.1f} MB = {size / args.rows:.1f} bytes/row")
        if browser_missing:
            print(f"open times skipped: {browser_missing}")
        else:
            opened, frame_ms = open_seconds(page, MAP_READY, args.open_timeout, folder, redraw=True)
            print("embedflow HTML map: opened in " + (f"{opened:.2f} s" if opened is not None
                                                       else f"more than {args.open_timeout:.0f} s")
                  + (f"; a frame takes {frame_ms[0]:.0f} ms while zooming, {frame_ms[1]:.0f} ms with every point"
                     if frame_ms else ""))
        others = [] if args.skip_bokeh else [("Bokeh", write_bokeh, BOKEH_READY)]
        if not args.skip_plotly:
            try:
                import plotly  # noqa: F401
                others.append(("Plotly", write_plotly, PLOTLY_READY))
            except ImportError:
                print("Plotly is not installed: its leg is skipped")
        for name, writer, ready in others:
            seconds, other_page = writer(frame, folder)
            other_size = other_page.stat().st_size
            print(f"{name} written directly: {seconds:.2f} s ({name}/embedflow = {seconds / html_s:.2f}); "
                  f"{other_size / 1e6:.1f} MB = {other_size / args.rows:.1f} bytes/row")
            if not browser_missing:
                opened, _ = open_seconds(other_page, ready, args.open_timeout, folder)
                print(f"{name} written directly: opened in " + (f"{opened:.2f} s" if opened is not None
                                                                 else f"more than {args.open_timeout:.0f} s"))


if __name__ == "__main__":
    main()
