"""The Scatter as one self-contained HTML page: every row, search, legend, selection, offline.

The page is a template (html_map.html) with its script and style inlined (html_map.js, formatted
with `npx prettier@3 --print-width 110`; html_map.css) and the data as one JSON block: coordinates
as base64 float32, colour indices and sizes as base64 integers, text columns dictionary-encoded when
values repeat. Points are drawn by the page's own Canvas 2D rasterizer (no WebGL, no library: see
docs/outputs.md for the measurements behind that choice). Everything that comes from the data
reaches the page as JSON (with `<`, `>` and `&` escaped) or through `html.escape`, and the script
writes it with `textContent` only.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ... import __version__
from ...analysis.projection import TITLES
from ...io.atomic import atomic_write
from .projector_export import image_paths
from .style import ColorMapping, color_mapping, isolation_order, labels, point_sizes

MAX_ROWS = 5_000_000  # beyond this a browser tab runs out of memory decoding the page
MAX_THUMBNAILS = 20_000  # 64 px JPEGs of about 2 KB each: 40 MB at most
THUMBNAIL_SIDE = 64
MAX_COLUMNS = 6  # label first, then the short columns hover and search show
MAX_CELL = 300  # characters kept of one cell
SHORT_CELL = 60  # a column whose cells average more characters is not "short" (unless it is the label)
LABELLED_POINTS = 300  # the most isolated points, candidates for a label on the map
READING_NOTES = {
    "tsne": "t-SNE keeps neighbourhoods: points close together are similar, but the size of a cluster "
            "and the distance between clusters mean little.",
    "umap": "UMAP keeps neighbourhoods: points close together are similar, but distances between "
            "clusters and their sizes mean little.",
}


class HtmlMapTooLarge(OSError):
    """The map has more rows than one HTML page can hold; the message names the limit."""


@dataclass(frozen=True)
class MapContent:
    """What one HTML map shows: coordinates, styling and the columns for hover, search and CSV."""

    coords: np.ndarray
    colors: ColorMapping
    sizes: np.ndarray
    columns: pd.DataFrame
    title: str
    projection: str
    notes: tuple[str, ...] = ()
    clusters: tuple[tuple[str, float, float], ...] = ()
    images: Sequence[Path] | None = None
    workflow: str = ""


def content_of(view: Any, workflow: str = "") -> MapContent:
    """The map content of a Scatter's view (its projection, colours, sizes, labels and images)."""
    meta = view.data.meta.reset_index(drop=True)
    label_column = next((c for c in (view.label, view.data.feature) if c and c in meta.columns), "")
    point_labels = labels(meta, label_column)
    columns = _shown_columns(meta, label_column, view.color)
    if point_labels is not None and label_column not in columns:
        columns.insert(0, "label", point_labels)
    notes = tuple(note for _, note in view.projection.notes)
    if view.projection.method in READING_NOTES:
        notes += (READING_NOTES[view.projection.method],)
    return MapContent(view.projection.coords, color_mapping(meta, view.color), point_sizes(meta, view.size),
                      columns, view.title, TITLES[view.projection.method], notes, tuple(view.centres),
                      image_paths(view.data), workflow)


def _shown_columns(meta: pd.DataFrame, label: str, color: str) -> pd.DataFrame:
    """The label and colour columns, then other columns with short cells, at most MAX_COLUMNS."""
    chosen = [c for c in (label, color) if c and c in meta.columns]
    for column in meta.columns:
        if len(chosen) >= MAX_COLUMNS:
            break
        if column in chosen or str(column) in ("x", "y", "row"):
            continue
        sample = meta[column].head(1000).dropna().astype(str)
        if len(sample) and sample.str.len().mean() <= SHORT_CELL:
            chosen.append(column)
    return meta[chosen].copy()


def write_html_map(content: MapContent, path: str | os.PathLike[str]) -> str:
    """Write the map atomically to `path`; returns the path. Over MAX_ROWS rows it is refused."""
    page = html_map_page(content)
    with atomic_write(path, "w", encoding="utf-8") as handle:
        handle.write(page)
    return str(path)


def html_map_page(content: MapContent) -> str:
    """The whole page as text."""
    rows = len(content.coords)
    if rows > MAX_ROWS:
        raise HtmlMapTooLarge(f"{content.title}: an HTML map holds at most {MAX_ROWS:,} rows and this one has "
                              f"{rows:,}; the PNG and CSV are written, or sample the rows before the Scatter.")
    drawn = np.flatnonzero(np.isfinite(content.coords).all(axis=1))
    left_out = rows - len(drawn)
    notes = list(content.notes)
    if left_out:
        notes.append(f"{left_out:,} row{'' if left_out == 1 else 's'} without coordinates "
                     f"(missing or NaN vectors) {'is' if left_out == 1 else 'are'} left out.")
    data, data_notes = _payload(content, drawn)
    notes.extend(data_notes)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    facts = [content.projection, f"{len(drawn):,} of {rows:,} rows" if left_out else f"{rows:,} rows",
             when, f"embedflow {__version__}"]
    heading = f"{content.workflow} — {content.title}" if content.workflow else content.title
    template = _asset("html_map.html")
    values = {
        "TITLE": html.escape(heading),
        "FACTS": html.escape(" · ".join(facts)),
        "NOTES": "".join(f"<li>{html.escape(note)}</li>" for note in notes),
        "EMPTY": "" if len(drawn) else '<p class="empty">This map has no rows to show.</p>',
        "STYLE": _asset("html_map.css"),
        "SCRIPT": _asset("html_map.js").replace("</", "<\\/"),
        "DATA": _json_for_script(data),
    }
    # One pass, so a title that contains "{{DATA}}" stays text.
    return re.sub(r"\{\{(\w+)\}\}", lambda match: values[match.group(1)], template)


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _json_for_script(data: dict[str, Any]) -> str:
    """JSON safe inside <script type="application/json">: no `<`, `>` or `&` can end the element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


def _b64(values: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(values).tobytes()).decode("ascii")


def _smallest_uint(top: int) -> type[np.unsignedinteger[Any]]:
    return np.uint8 if top < 256 else np.uint16 if top < 65536 else np.uint32


def _payload(content: MapContent, drawn: np.ndarray) -> tuple[dict[str, Any], list[str]]:
    """The page's data (only the drawn rows) and notes about what was left out of it."""
    coords = content.coords[drawn].astype(np.float32)
    data: dict[str, Any] = {
        "count": len(drawn),
        "xy": _b64(coords.reshape(-1)),
        "color": _colour_payload(content.colors, drawn),
        "clusters": [[text, x, y] for text, x, y in content.clusters if np.isfinite([x, y]).all()],
        "isolated": isolation_order(coords)[:LABELLED_POINTS].astype(int).tolist(),
        "columns": [_column(str(name), content.columns[name], drawn) for name in content.columns.columns],
    }
    if len(drawn) < len(content.coords):
        data["row"] = _b64(drawn.astype(np.int32))
    sizes = np.clip(np.round(content.sizes[drawn]), 1, 255).astype(np.uint8)
    if len(sizes) and (sizes != sizes[0]).any():
        data["size"] = _b64(sizes)
    else:
        data["pointSize"] = int(sizes[0]) if len(sizes) else 7
    if content.images is None:
        return data, []
    data["thumbs"], notes = _thumbnail_payload(content.images, drawn)
    return data, notes


def _colour_payload(colors: ColorMapping, drawn: np.ndarray) -> dict[str, Any]:
    """Each drawn row's colour index, the colour table, and the legend with counts or the value range."""
    index = colors.index[drawn]
    index_type = _smallest_uint(len(colors.colors) - 1)
    counts = np.bincount(index, minlength=len(colors.colors))
    return {"kind": colors.kind, "title": colors.title, "index": _b64(index.astype(index_type)),
            "bytes": np.dtype(index_type).itemsize, "colors": colors.colors.astype(int).tolist(),
            "legend": [[name, int(i), int(counts[i])] for name, i in colors.legend],
            "range": _finite_pair(colors.value_range)}


def _thumbnail_payload(images: Sequence[Path], drawn: np.ndarray) -> tuple[list[str | None], list[str]]:
    """Thumbnails of the drawn rows' images (the first MAX_THUMBNAILS) and notes on what is missing."""
    thumbs, missing = _thumbnails([images[r] for r in drawn[:MAX_THUMBNAILS]])
    notes = []
    if len(drawn) > MAX_THUMBNAILS:
        notes.append(f"Thumbnails are kept for the first {MAX_THUMBNAILS:,} images only.")
    if missing:
        notes.append(f"{missing:,} image{'' if missing == 1 else 's'} could not be read; "
                     f"{'its point shows' if missing == 1 else 'their points show'} no thumbnail.")
    return thumbs, notes


def _finite_pair(pair: tuple[float, float] | None) -> list[float] | None:
    if pair is None or not np.isfinite(pair).all():
        return None
    return [float(pair[0]), float(pair[1])]


def _column(name: str, values: pd.Series, drawn: np.ndarray) -> dict[str, Any]:
    """One text column of the drawn rows: dictionary codes when values repeat, else the strings."""
    series = values.reset_index(drop=True).iloc[drawn]
    text = series.astype(str).where(series.notna(), "").str.slice(0, MAX_CELL)
    codes, uniques = pd.factorize(text, sort=False)
    if len(uniques) <= max(1, len(text) // 4):
        return {"name": name, "dictionary": [str(u) for u in uniques],
                "codes": _b64(codes.astype(_smallest_uint(len(uniques)))),
                "bytes": np.dtype(_smallest_uint(len(uniques))).itemsize}
    return {"name": name, "values": text.tolist()}


def _thumbnails(paths: Sequence[Path]) -> tuple[list[str | None], int]:
    """64 px JPEG data URLs of the images (None where an image cannot be read) and how many failed.

    Decoding runs in a few threads (Pillow releases the GIL while it decodes)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        urls = list(pool.map(_thumbnail, paths, chunksize=16))
    return urls, sum(u is None for u in urls)


def _thumbnail(path: Path) -> str | None:
    """One image as a 64 px JPEG data URL, or None when it cannot be read."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.draft("RGB", (THUMBNAIL_SIDE * 2, THUMBNAIL_SIDE * 2))
            small = image.convert("RGB")
            small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
            buffer = io.BytesIO()
            small.save(buffer, format="JPEG", quality=75)
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return None
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
