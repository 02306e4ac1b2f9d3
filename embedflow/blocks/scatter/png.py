"""A scatter plot rendered to PNG with Pillow (no Qt): axes, ticks, title, legend, notes.

Points are stamped as discs with numpy at twice the size and scaled down (anti-aliasing
without drawing one Python shape per point), so a million points render in seconds.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ...io.atomic import atomic_write
from .label_layout import shorten, spread
from .style import ColorMapping, isolation_order

SUPERSAMPLE = 2
MARGIN_LEFT, MARGIN_TOP, MARGIN_BOTTOM, MARGIN_RIGHT = 80, 48, 64, 24
LEGEND_WIDTH = 210
AXIS_COLOR = (60, 60, 60)
GRID_COLOR = (232, 232, 232)
SELECTED_RING = (0, 0, 0)
LABEL_COLOR = (70, 70, 70)
CLUSTER_LABEL_COLOR = (20, 20, 20)
MAX_LABELLED = 300  # beyond this, labels only hide the points
LABEL_GAP = 5  # pixels between a point and its label
Box = tuple[float, float, float, float]  # left, top, right, bottom in image pixels


@lru_cache(maxsize=8)
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans when the system has it, else Pillow's built-in scalable font."""
    for name in ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def nice_ticks(low: float, high: float, count: int = 8) -> np.ndarray:
    """About `count` round tick positions (steps of 1, 2 or 5 × 10ⁿ) covering [low, high]."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        centre = low if math.isfinite(low) else 0.0
        low, high = centre - 1.0, centre + 1.0
    raw = (high - low) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    start = math.ceil(low / step) * step
    ticks = np.arange(start, high + step * 1e-9, step)
    return np.round(ticks, max(0, -math.floor(math.log10(step))) + 1)


def tick_label(value: float, digits: int = 6) -> str:
    """Short text for a tick value (no "-0", no float noise)."""
    text = f"{value:.{digits}g}"
    return "0" if text in ("-0", "0") else text


def _disc_offsets(radius: int) -> tuple[np.ndarray, np.ndarray]:
    span = np.arange(-radius, radius + 1)
    dy, dx = np.meshgrid(span, span, indexing="ij")
    inside = dx ** 2 + dy ** 2 <= radius ** 2 + radius * 0.5
    return dy[inside], dx[inside]


def _stamp(canvas: np.ndarray, px: np.ndarray, py: np.ndarray, radius: int, rgb: np.ndarray) -> None:
    """Paint a disc of `radius` pixels at every (px, py) with its colour (later points on top)."""
    height, width = canvas.shape[:2]
    for dy, dx in zip(*_disc_offsets(radius)):
        ys, xs = py + dy, px + dx
        inside = (ys >= 0) & (ys < height) & (xs >= 0) & (xs < width)
        canvas[ys[inside], xs[inside]] = rgb[inside]


def _data_range(values: np.ndarray) -> tuple[float, float]:
    if len(values) == 0:
        return -1.0, 1.0
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-12 * max(1.0, abs(low)):
        return low - 1.0, high + 1.0
    pad = (high - low) * 0.05
    return low - pad, high + pad


def render_scatter(coords: np.ndarray, colors: ColorMapping, sizes: np.ndarray,
                   title: str = "", axes: tuple[str, str] = ("x", "y"), notes: tuple[str, ...] = (),
                   selected: np.ndarray | None = None, width: int = 1000, height: int = 720,
                   point_labels: np.ndarray | None = None,
                   cluster_labels: Sequence[tuple[str, float, float]] = ()) -> Image.Image:
    """The plot as an RGB image: points, axes with ticks, axis titles, legend and notes.

    point_labels: text written beside each point when there are at most MAX_LABELLED points.
    cluster_labels: (text, x, y) in data coordinates, written large at each cluster's centre.
    """
    has_legend = colors.kind != "none"
    note_lines = [line for note in notes for line in textwrap.wrap(note, 120)]
    total_height = height + 18 * len(note_lines)
    image = Image.new("RGB", (width, total_height), "white")
    draw = ImageDraw.Draw(image)
    left, top = MARGIN_LEFT, MARGIN_TOP
    right = width - MARGIN_RIGHT - (LEGEND_WIDTH if has_legend else 0)
    bottom = height - MARGIN_BOTTOM
    plot_w, plot_h = right - left, bottom - top

    shown = np.flatnonzero(np.isfinite(coords).all(axis=1))
    x_low, x_high = _data_range(coords[shown, 0])
    y_low, y_high = _data_range(coords[shown, 1])
    x_ticks = nice_ticks(x_low, x_high)
    y_ticks = nice_ticks(y_low, y_high)

    def to_px(values: np.ndarray, low: float, high: float, size: int) -> np.ndarray:
        return (values - low) / (high - low) * (size - 1)

    for tick in x_ticks:
        x = left + float(to_px(np.array(tick), x_low, x_high, plot_w))
        draw.line([(x, top), (x, bottom)], fill=GRID_COLOR)
    for tick in y_ticks:
        y = bottom - float(to_px(np.array(tick), y_low, y_high, plot_h))
        draw.line([(left, y), (right, y)], fill=GRID_COLOR)

    canvas = np.asarray(image.crop((left, top, right, bottom)).resize(
        (plot_w * SUPERSAMPLE, plot_h * SUPERSAMPLE), Image.Resampling.NEAREST)).copy()
    rgb = colors.rgba()[:, :3]
    px = to_px(coords[shown, 0], x_low, x_high, plot_w * SUPERSAMPLE).round().astype(np.int64)
    py = (plot_h * SUPERSAMPLE - 1 - to_px(coords[shown, 1], y_low, y_high, plot_h * SUPERSAMPLE)
          ).round().astype(np.int64)
    radii = np.maximum(1, np.round(sizes[shown] * SUPERSAMPLE / 2)).astype(np.int64)
    _draw_points(canvas, px, py, radii, rgb[shown], np.isin(shown, selected) if selected is not None and
                 len(selected) else None)
    plot = Image.fromarray(canvas).resize((plot_w, plot_h), Image.Resampling.LANCZOS)
    image.paste(plot, (left, top))
    frame = (left, top, right, bottom)
    centre_font = font(15)
    names = cluster_name_boxes(draw, [(text[:40], left + float(to_px(np.array(x), x_low, x_high, plot_w)),
                                        bottom - float(to_px(np.array(y), y_low, y_high, plot_h)))
                                       for text, x, y in cluster_labels], centre_font, frame)
    if point_labels is not None and len(shown) <= MAX_LABELLED:
        at = np.column_stack([left + px / SUPERSAMPLE, top + py / SUPERSAMPLE])
        label_font = font(10)
        for text, (x0, y0, _, _) in point_label_boxes(draw, [shorten(str(point_labels[row])) for row in shown], at,
                                                      isolation_order(coords[shown]), [box for _, box in names],
                                                      frame, label_font):
            draw.text((x0, y0), text, fill=LABEL_COLOR, font=label_font, anchor="la")
    for text, (x0, y0, x1, y1) in names:
        # A white outline keeps the label readable over the points it sits on.
        draw.text(((x0 + x1) / 2, (y0 + y1) / 2), text, fill=CLUSTER_LABEL_COLOR, font=centre_font, anchor="mm",
                  stroke_width=3, stroke_fill="white")

    small, normal, large = font(12), font(14), font(17)
    draw.rectangle([left, top, right, bottom], outline=AXIS_COLOR)
    for tick in x_ticks:
        x = left + float(to_px(np.array(tick), x_low, x_high, plot_w))
        draw.line([(x, bottom), (x, bottom + 5)], fill=AXIS_COLOR)
        draw.text((x, bottom + 8), tick_label(tick), fill=AXIS_COLOR, font=small, anchor="mt")
    for tick in y_ticks:
        y = bottom - float(to_px(np.array(tick), y_low, y_high, plot_h))
        draw.line([(left - 5, y), (left, y)], fill=AXIS_COLOR)
        draw.text((left - 8, y), tick_label(tick), fill=AXIS_COLOR, font=small, anchor="rm")
    draw.text(((left + right) / 2, bottom + 30), axes[0], fill="black", font=normal, anchor="mt")
    y_title = Image.new("RGBA", (plot_h, 22), (255, 255, 255, 0))
    ImageDraw.Draw(y_title).text((plot_h / 2, 11), axes[1], fill="black", font=normal, anchor="mm")
    y_title = y_title.rotate(90, expand=True)
    image.paste(y_title, (8, top), y_title)
    draw.text(((left + right) / 2, top / 2), title, fill="black", font=large, anchor="mm")
    if has_legend:
        _legend(draw, image, colors, right + 20, top, normal, small)
    for i, line in enumerate(note_lines):
        draw.text((left, height + 18 * i), line, fill=(120, 60, 0), font=small)
    return image


def _draw_points(canvas: np.ndarray, px: np.ndarray, py: np.ndarray, radii: np.ndarray, rgb: np.ndarray,
                 is_selected: np.ndarray | None) -> None:
    """The points stamped on the supersampled canvas, largest radius group last; selected ones ringed."""
    outline = len(px) <= 50_000  # rings only help while points are still distinguishable
    for radius in np.unique(radii):
        group = radii == radius
        if outline:
            _stamp(canvas, px[group], py[group], int(radius) + SUPERSAMPLE // 2, (rgb[group] * 0.6).astype(np.uint8))
        _stamp(canvas, px[group], py[group], int(radius), rgb[group])
    if is_selected is not None:
        for radius in np.unique(radii[is_selected]):
            group = is_selected & (radii == radius)
            _stamp(canvas, px[group], py[group], int(radius) + SUPERSAMPLE * 2,
                   np.broadcast_to(np.array(SELECTED_RING, np.uint8), (int(group.sum()), 3)))
            _stamp(canvas, px[group], py[group], int(radius), rgb[group])


def cluster_name_boxes(draw: ImageDraw.ImageDraw, names: list[tuple[str, float, float]],
                        name_font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
                        frame: Box) -> list[tuple[str, Box]]:
    """Each cluster name's box: centred on its cluster, inside the frame, and moved up or down by
    its height when it would cover a name placed before (the first place that covers none)."""
    placed: list[tuple[str, Box]] = []
    for text, cx, cy in names:
        x0, y0, x1, y1 = draw.textbbox((0, 0), text, font=name_font, anchor="mm", stroke_width=3)
        width, height = x1 - x0, y1 - y0
        candidates = []
        for step in (0, 1, -1, 2, -2, 3, -3):
            bx = min(max(cx - width / 2, frame[0]), frame[2] - width)
            by = min(max(cy - height / 2 + step * height, frame[1]), frame[3] - height)
            candidates.append((bx, by, bx + width, by + height))
        free = [box for box in candidates if not any(_covers(box, other) for _, other in placed)]
        placed.append((text, (free or candidates)[0]))
    return placed


def _covers(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def point_label_boxes(draw: ImageDraw.ImageDraw, texts: list[str], at: np.ndarray, order: np.ndarray,
                      obstacles: list[Box], frame: Box,
                      label_font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> list[tuple[str, Box]]:
    """The labels to write for the points at `at` (image pixels) and their boxes: most isolated first,
    each beside its point on the side that cuts less at the frame, leaving out any that would cover
    a label kept before or one of the `obstacles` (cluster names)."""
    height = draw.textbbox((0, 0), "Ag", font=label_font, anchor="la")[3]
    widths = np.array([draw.textlength(texts[i], font=label_font) for i in order])
    x, y = at[order, 0], at[order, 1]
    right_cut = np.maximum(0.0, x + LABEL_GAP + widths - frame[2])
    left_cut = np.maximum(0.0, frame[0] - (x - LABEL_GAP - widths))
    on_left = (right_cut > 0) & (left_cut < right_cut)
    lefts = np.where(on_left, x - LABEL_GAP - widths, x + LABEL_GAP)
    tops = y - height / 2
    blocked = np.array(obstacles, dtype=np.float64).reshape(-1, 4)
    kept = spread(lefts, tops, widths, np.full(len(order), float(height)), MAX_LABELLED,
                  obstacles=(blocked[:, 0], blocked[:, 1],
                             blocked[:, 2] - blocked[:, 0], blocked[:, 3] - blocked[:, 1]))
    return [(texts[order[i]], (float(lefts[i]), float(tops[i]), float(lefts[i] + widths[i]), float(tops[i] + height)))
            for i in kept]


def _legend(draw: ImageDraw.ImageDraw, image: Image.Image, colors: ColorMapping, x: int, y: int,
            title_font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
            item_font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> None:
    draw.text((x, y), colors.title, fill="black", font=title_font)
    y += 26
    if colors.kind == "categorical":
        for label, index in colors.legend:
            fill = tuple(int(c) for c in colors.colors[index][:3])
            draw.ellipse([x, y + 2, x + 11, y + 13], fill=fill, outline=tuple(int(c * 0.6) for c in fill))
            text = label if len(label) <= 24 else label[:23] + "…"
            draw.text((x + 18, y), text, fill=AXIS_COLOR, font=item_font)
            y += 20
        return
    steps = colors.colors[:-1, :3]
    bar_height = 220
    bar = np.repeat(steps[::-1][np.linspace(0, len(steps) - 1, bar_height).astype(int)][:, None, :], 18, axis=1)
    image.paste(Image.fromarray(np.ascontiguousarray(bar)), (x, y))
    draw.rectangle([x, y, x + 17, y + bar_height - 1], outline=AXIS_COLOR)
    low, high = colors.value_range or (float("nan"), float("nan"))
    for fraction, value in ((0.0, high), (0.5, (low + high) / 2), (1.0, low)):
        ty = y + fraction * (bar_height - 1)
        draw.line([(x + 18, ty), (x + 23, ty)], fill=AXIS_COLOR)
        draw.text((x + 27, ty), tick_label(value, 3), fill=AXIS_COLOR, font=item_font, anchor="lm")


def save_png(image: Image.Image, path: str | Path) -> str:
    """Write the image atomically as PNG; returns the path."""
    with atomic_write(path, "wb") as handle:
        image.save(handle, format="PNG")
    return str(path)
