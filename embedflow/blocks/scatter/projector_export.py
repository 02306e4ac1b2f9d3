"""Export to the TensorFlow Embedding Projector (projector.tensorflow.org): vectors.tsv,
metadata.tsv, a sprite of thumbnails for image data, and projector_config.json tying them.

Load the folder in the Projector with "Load" (vectors, then metadata) or host the folder and
point the Projector at projector_config.json.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from ...core.paths import resolve_path
from ...core.table import Table
from ...io.atomic import atomic_write
from ...io.regular_files import path_problem

# The Projector accepts sprites up to 8192 × 8192 pixels.
MAX_SPRITE_SIDE = 8192
THUMBNAIL = 64


def _cell(value: object) -> str:
    """A metadata cell: tabs and newlines would break the TSV, so they become spaces."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return " ".join(str(value).split())


def image_paths(table: Table) -> list[Path] | None:
    """Absolute image paths of the feature column when the table holds images, else None."""
    if table.provenance.get("kind") != "image" or not table.feature or table.feature not in table.meta:
        return None
    return [resolve_path(value, table.base_dir) for value in table.meta[table.feature].astype(str)]


def make_sprite(paths: list[Path]) -> tuple[Image.Image, int, int]:
    """A square grid of thumbnails in row order; unreadable images become grey tiles.

    Returns (sprite, tile side in pixels, number of unreadable images).
    """
    columns = max(1, math.ceil(math.sqrt(len(paths))))
    side = max(8, min(THUMBNAIL, MAX_SPRITE_SIDE // columns))
    sprite = Image.new("RGB", (columns * side, columns * side), "white")
    unreadable = 0
    for i, path in enumerate(paths):
        try:
            if path_problem(path) is not None:  # a FIFO or device would block Image.open
                raise OSError("not a regular file")
            with Image.open(path) as image:
                image.draft("RGB", (side, side))  # JPEG decodes at a reduced scale: much faster
                tile = image.convert("RGB")
                tile.thumbnail((side, side), Image.Resampling.LANCZOS, reducing_gap=2.0)
        except (OSError, ValueError, Image.DecompressionBombError):
            unreadable += 1
            tile = Image.new("RGB", (side, side), (200, 200, 200))
        x, y = (i % columns) * side, (i // columns) * side
        sprite.paste(tile, (x + (side - tile.width) // 2, y + (side - tile.height) // 2))
    return sprite, side, unreadable


def export_projector(table: Table, out_dir: str | Path, name: str = "embedflow") -> list[str]:
    """Write the Projector files for every row with finite vectors; returns the written paths."""
    if table.vectors is None:
        raise ValueError("the table has no vectors to export")
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    keep = np.flatnonzero(np.isfinite(table.vectors).all(axis=1))
    vectors = table.vectors[keep]
    written = []

    with atomic_write(folder / "vectors.tsv", newline="\n") as handle:
        np.savetxt(handle, vectors, delimiter="\t", fmt="%.6g")
    written.append(str(folder / "vectors.tsv"))

    # A row column keeps at least two columns, so the Projector reads the first line as a header.
    meta = pd.DataFrame({"row": keep})
    for column in table.columns:
        meta[column] = [_cell(v) for v in table.meta[column].iloc[keep]]
    with atomic_write(folder / "metadata.tsv", newline="\n") as handle:
        handle.write("\t".join(_cell(c) for c in meta.columns) + "\n")
        for values in meta.itertuples(index=False):
            handle.write("\t".join(_cell(v) for v in values) + "\n")
    written.append(str(folder / "metadata.tsv"))

    embedding: dict[str, object] = {
        "tensorName": name, "tensorShape": [int(len(keep)), int(table.dims)],
        "tensorPath": "vectors.tsv", "metadataPath": "metadata.tsv",
    }
    paths = image_paths(table)
    if paths is not None and len(keep):
        sprite, side, _ = make_sprite([paths[i] for i in keep])
        with atomic_write(folder / "sprite.png", "wb") as handle:
            sprite.save(handle, format="PNG")
        written.append(str(folder / "sprite.png"))
        embedding["sprite"] = {"imagePath": "sprite.png", "singleImageDim": [side, side]}
    with atomic_write(folder / "projector_config.json") as handle:
        json.dump({"embeddings": [embedding]}, handle, indent=2)
    written.append(str(folder / "projector_config.json"))
    return written
