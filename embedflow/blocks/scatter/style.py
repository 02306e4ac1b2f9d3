"""How a Scatter colours and sizes its points, shared by the PNG renderer and the Qt view.

Colours are an index per point into a small RGBA table, so a renderer builds one brush per
distinct colour (not one per point): a categorical column maps to a palette with a legend,
a numeric column to a 256-step colour map with a colour bar.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# Tableau 10 followed by its light variants: distinct, colour-blind-friendlier than random hues.
PALETTE = np.array([
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
    (174, 199, 232), (255, 187, 120), (152, 223, 138), (255, 152, 150), (197, 176, 213),
    (196, 156, 148), (247, 182, 210), (199, 199, 199), (219, 219, 141), (158, 218, 229),
], dtype=np.uint8)
DEFAULT_COLOR = (31, 119, 180, 200)
MISSING_COLOR = (190, 190, 190, 160)
OTHER_LABEL = "(other)"
MISSING_LABEL = "(missing)"
MAX_CATEGORIES = len(PALETTE) - 1  # one palette slot is kept for "(other)"
# A numeric column with at most this many distinct values reads better as categories.
CATEGORICAL_NUMBERS = 10
# Viridis anchor colours (perceptually uniform, readable in grey); interpolated to 256 steps.
_VIRIDIS = np.array([
    (68, 1, 84), (72, 40, 120), (62, 74, 137), (49, 104, 142), (38, 130, 142),
    (31, 158, 137), (53, 183, 121), (109, 205, 89), (180, 222, 44), (253, 231, 37),
], dtype=np.float64)


def colormap(steps: int = 256) -> np.ndarray:
    """A (steps, 4) uint8 viridis-like colour map."""
    anchors = np.linspace(0.0, 1.0, len(_VIRIDIS))
    positions = np.linspace(0.0, 1.0, steps)
    rgb = np.stack([np.interp(positions, anchors, _VIRIDIS[:, c]) for c in range(3)], axis=1)
    alpha = np.full((steps, 1), 220.0)
    return np.hstack([rgb, alpha]).round().astype(np.uint8)


@dataclass(frozen=True)
class ColorMapping:
    """Per-point colour indices into `colors` and what a legend should show.

    kind: "none", "categorical" or "continuous".
    legend: (label, colour index) pairs for categorical colouring.
    value_range: (low, high) of a continuous column.
    """

    index: np.ndarray
    colors: np.ndarray
    kind: str
    title: str = ""
    legend: tuple[tuple[str, int], ...] = ()
    value_range: tuple[float, float] | None = None

    def rgba(self) -> np.ndarray:
        """(rows, 4) uint8 colours of every point."""
        return self.colors[self.index]


def is_categorical(values: pd.Series) -> bool:
    """True when a column should be coloured by category rather than by a colour map."""
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return True
    return pd.api.types.is_integer_dtype(values) and values.nunique() <= CATEGORICAL_NUMBERS


def color_mapping(meta: pd.DataFrame, column: str) -> ColorMapping:
    """Colours for every row of `meta` by `column` ("" colours all points alike)."""
    rows = len(meta)
    if not column:
        return ColorMapping(np.zeros(rows, np.int32), np.array([DEFAULT_COLOR], np.uint8), "none")
    values = meta[column]
    if is_categorical(values):
        return _categorical(values, column)
    return _continuous(values.astype(float).to_numpy(), column)


def _categorical(values: pd.Series, column: str) -> ColorMapping:
    missing = values.isna().to_numpy()
    text = values.astype(str).to_numpy()
    counts = pd.Series(text[~missing]).value_counts(sort=True)
    keep = list(counts.index[:MAX_CATEGORIES]) if len(counts) > MAX_CATEGORIES + 1 else list(counts.index)
    keep = sorted(keep, key=_natural_key)
    lookup = {name: i for i, name in enumerate(keep)}
    other, missing_slot = len(keep), len(keep) + 1
    index = np.fromiter((lookup.get(t, other) for t in text), np.int32, len(text))
    index[missing] = missing_slot
    colors = np.vstack([
        np.hstack([PALETTE[: len(keep)], np.full((len(keep), 1), 220, np.uint8)]),
        np.array([(120, 120, 120, 180), MISSING_COLOR], np.uint8),
    ])
    legend = [(name, i) for i, name in enumerate(keep)]
    if (index == other).any():
        legend.append((f"{OTHER_LABEL} {len(counts) - len(keep)} more", other))
    if missing.any():
        legend.append((MISSING_LABEL, missing_slot))
    return ColorMapping(index, colors, "categorical", column, tuple(legend))


def _natural_key(name: str) -> tuple[int, float | str]:
    """Numbers sort numerically, before words."""
    try:
        return (0, float(name))
    except ValueError:
        return (1, name.lower())


def _continuous(values: np.ndarray, column: str) -> ColorMapping:
    finite = np.isfinite(values)
    steps = colormap()
    colors = np.vstack([steps, np.array([MISSING_COLOR], np.uint8)])
    index = np.full(len(values), len(steps), np.int32)
    if finite.any():
        low, high = float(values[finite].min()), float(values[finite].max())
        scale = (values[finite] - low) / (high - low) if high > low else np.zeros(int(finite.sum()))
        index[finite] = np.clip((scale * (len(steps) - 1)).round(), 0, len(steps) - 1).astype(np.int32)
        value_range = (low, high)
    else:
        value_range = (float("nan"), float("nan"))
    return ColorMapping(index, colors, "continuous", column, value_range=value_range)


def point_sizes(meta: pd.DataFrame, column: str, smallest: float = 4.0, largest: float = 16.0,
                default: float = 7.0) -> np.ndarray:
    """Point diameters in pixels scaled linearly from a numeric `column` ("" = all `default`)."""
    rows = len(meta)
    if not column:
        return np.full(rows, default, np.float32)
    values = pd.to_numeric(meta[column], errors="coerce").to_numpy(dtype=float)
    finite = np.isfinite(values)
    sizes = np.full(rows, smallest, np.float32)
    if finite.any():
        low, high = values[finite].min(), values[finite].max()
        scale = (values[finite] - low) / (high - low) if high > low else np.full(int(finite.sum()), 0.5)
        sizes[finite] = smallest + scale * (largest - smallest)
    return sizes


def labels(meta: pd.DataFrame, column: str) -> np.ndarray | None:
    """The text shown for each point (hover, label), or None when no column is chosen."""
    if not column:
        return None
    return meta[column].astype(str).to_numpy()


CLUSTER_LABEL_COLUMN = "cluster_label"  # written by the Clustering block, beside `cluster`
# What an empty Colour setting colours by, when the rows carry it (a clustering's result): the first found.
AUTOMATIC_COLOR_COLUMNS = (CLUSTER_LABEL_COLUMN, "cluster")


def automatic_color(meta: pd.DataFrame, column: str) -> str:
    """The column points are coloured by: the chosen one, else the rows' cluster label or cluster, else none."""
    return column or next((c for c in AUTOMATIC_COLOR_COLUMNS if c in meta.columns), "")


def cluster_centres(meta: pd.DataFrame, coords: np.ndarray) -> tuple[tuple[str, float, float], ...]:
    """(label, x, y) at the median position of each cluster's points, when the rows have a `cluster_label`.

    Noise and left-out rows (cluster below 0) get no label; neither do points without coordinates."""
    if CLUSTER_LABEL_COLUMN not in meta.columns or len(meta) != len(coords):
        return ()
    keep = np.isfinite(coords).all(axis=1)
    if "cluster" in meta.columns:
        keep &= pd.to_numeric(meta["cluster"], errors="coerce").fillna(-1).to_numpy() >= 0
    frame = pd.DataFrame({"label": meta[CLUSTER_LABEL_COLUMN].astype(str).to_numpy()[keep],
                          "x": coords[keep, 0], "y": coords[keep, 1]})
    centres = frame.groupby("label", sort=True)[["x", "y"]].median()
    return tuple((str(label), float(row.x), float(row.y)) for label, row in centres.iterrows())


def isolation_order(coords: np.ndarray, exact_up_to: int = 200_000, seed: int = 0) -> np.ndarray:
    """Row positions ordered from the most isolated point (farthest nearest neighbour) to the least.

    Above `exact_up_to` points a fixed random order stands in (a k-d tree query of a million points
    takes seconds); the grid pre-thinning of `spread` still spaces the labels out.
    """
    count = len(coords)
    if count < 3:
        return np.arange(count)
    if count > exact_up_to:
        return np.random.default_rng(seed).permutation(count)
    from scipy.spatial import cKDTree

    span = np.ptp(coords, axis=0)
    scaled = coords / np.where(span > 0, span, 1.0)
    distances, _ = cKDTree(scaled).query(scaled, k=2)
    return np.argsort(-distances[:, 1], kind="stable")
