"""Writes the sample images (resources/data/images/ and image-queries/) from scikit-image's bundled photos.

Run once by hand (`python resources/data/make_images.py`); the JPEGs it writes are committed. The
source photos and their licences are listed in resources/data/README.md.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data

HERE = Path(__file__).resolve().parent
LARGEST_SIDE = 256

# category -> file stem -> (skimage function, crop box as fractions (left, top, right, bottom))
WHOLE = (0.0, 0.0, 1.0, 1.0)
IMAGES: dict[str, dict[str, tuple[str, tuple[float, float, float, float]]]] = {
    "photos": {
        "astronaut": ("astronaut", WHOLE),
        "astronaut-face": ("astronaut", (0.3, 0.0, 0.7, 0.45)),
        "cameraman": ("camera", WHOLE),
        "cat": ("chelsea", WHOLE),
        "cat-face": ("chelsea", (0.3, 0.05, 0.75, 0.8)),
        "coffee": ("coffee", WHOLE),
        "coffee-cup": ("coffee", (0.15, 0.0, 0.75, 0.75)),
        "rocket": ("rocket", WHOLE),
        "clock": ("clock", WHOLE),
        "coins": ("coins", WHOLE),
    },
    "textures": {
        "brick": ("brick", (0.0, 0.0, 0.5, 0.5)),
        "brick-2": ("brick", (0.5, 0.5, 1.0, 1.0)),
        "grass": ("grass", (0.0, 0.0, 0.5, 0.5)),
        "grass-2": ("grass", (0.5, 0.5, 1.0, 1.0)),
        "gravel": ("gravel", (0.0, 0.0, 0.5, 0.5)),
        "gravel-2": ("gravel", (0.5, 0.5, 1.0, 1.0)),
    },
    "science": {
        "retina": ("retina", WHOLE),
        "retina-detail": ("retina", (0.2, 0.3, 0.6, 0.7)),
        "cell": ("cell", WHOLE),
        "tissue": ("immunohistochemistry", (0.0, 0.0, 0.5, 0.5)),
        "tissue-2": ("immunohistochemistry", (0.5, 0.5, 1.0, 1.0)),
        "galaxies": ("hubble_deep_field", (0.0, 0.0, 0.5, 0.5)),
        "galaxies-2": ("hubble_deep_field", (0.5, 0.5, 1.0, 1.0)),
    },
}
# New views of some photos (mirrored, cropped differently) to search the collection with, in
# sub-folders named like the collection's, so each query's category says which one it should find.
QUERIES = {
    "photos": {
        "which-cat": ("chelsea", (0.1, 0.0, 0.9, 1.0), True),
        "which-rocket": ("rocket", (0.2, 0.0, 0.8, 1.0), True),
    },
    "textures": {
        "which-texture": ("gravel", (0.25, 0.25, 0.75, 0.75), True),
    },
}


def _picture(name: str, box: tuple[float, float, float, float], mirror: bool = False) -> Image.Image:
    array = getattr(data, name)()
    if array.dtype != np.uint8:
        array = (array * 255).astype(np.uint8)
    image = Image.fromarray(array).convert("RGB")
    width, height = image.size
    left, top, right, bottom = box
    image = image.crop((round(left * width), round(top * height), round(right * width), round(bottom * height)))
    if mirror:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    image.thumbnail((LARGEST_SIDE, LARGEST_SIDE), Image.Resampling.LANCZOS)
    return image


def main() -> None:
    """Write every sample image as a small JPEG."""
    for folder in ("images", "image-queries"):
        shutil.rmtree(HERE / folder, ignore_errors=True)
    for category, items in IMAGES.items():
        (HERE / "images" / category).mkdir(parents=True)
        for stem, (name, box) in items.items():
            _picture(name, box).save(HERE / "images" / category / f"{stem}.jpg", quality=85)
    for category, queries in QUERIES.items():
        (HERE / "image-queries" / category).mkdir(parents=True)
        for stem, (name, box, mirror) in queries.items():
            _picture(name, box, mirror).save(HERE / "image-queries" / category / f"{stem}.jpg", quality=85)


if __name__ == "__main__":
    main()
