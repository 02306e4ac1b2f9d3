"""How a model wants its pixels: size, resize mode, scale, mean/std, channel order and layout."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from .loading import MAX_PIXELS, open_rgb

# Pillow's reducing_gap: shrink by an integer factor with a box filter first while the image stays
# at least this many times larger than the target, then LANCZOS. 3.0 is Pillow's "indistinguishable"
# setting; we check the effect on embeddings in tests/test_image_preprocess.py and docs/images.md.
REDUCING_GAP = 3.0
# JPEG draft decoding keeps both sides at least this many times the target size.
DRAFT_FACTOR = 2


@dataclass(frozen=True)
class Preprocess:
    """Preprocessing of one model.

    resize: "stretch" (straight to width x height, as SqueezeNet was trained) or "center-crop"
    (shorter side to size / crop_fraction, then the centre).
    scale: pixel values 0..255 are multiplied by this first (1/255 for models trained on 0..1).
    mean, std: per channel, in the model's channel order, applied after scaling.
    channels: "RGB" or "BGR"; layout: "NCHW" or "NHWC".
    fast: allow JPEG draft decoding and reducing_gap (see docs/images.md for the effect).
    """

    width: int = 227
    height: int = 227
    resize: str = "stretch"
    crop_fraction: float = 0.875
    scale: float = 1.0
    mean: tuple[float, float, float] = (0.0, 0.0, 0.0)
    std: tuple[float, float, float] = (1.0, 1.0, 1.0)
    channels: str = "RGB"
    layout: str = "NCHW"
    fast: bool = True

    def __post_init__(self) -> None:
        if self.resize not in ("stretch", "center-crop"):
            raise ValueError(f"resize must be 'stretch' or 'center-crop', not {self.resize!r}")
        if self.channels not in ("RGB", "BGR"):
            raise ValueError(f"channels must be 'RGB' or 'BGR', not {self.channels!r}")
        if self.layout not in ("NCHW", "NHWC"):
            raise ValueError(f"layout must be 'NCHW' or 'NHWC', not {self.layout!r}")

    @property
    def shape(self) -> tuple[int, int, int]:
        """The shape of one preprocessed image (no batch axis)."""
        if self.layout == "NCHW":
            return (3, self.height, self.width)
        return (self.height, self.width, 3)

    def resized(self, image: Image.Image) -> Image.Image:
        """The RGB image resized (and cropped) to the model's input size."""
        gap = REDUCING_GAP if self.fast else None
        if self.resize == "stretch":
            return image.resize((self.width, self.height), Image.Resampling.LANCZOS, reducing_gap=gap)
        short = min(self.width, self.height) / self.crop_fraction
        factor = short / min(image.size)
        size = (max(self.width, round(image.width * factor)), max(self.height, round(image.height * factor)))
        image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=gap)
        left, top = (size[0] - self.width) // 2, (size[1] - self.height) // 2
        return image.crop((left, top, left + self.width, top + self.height))

    def to_array(self, image: Image.Image) -> np.ndarray:
        """A resized RGB image as the float32 array the model takes (no batch axis)."""
        pixels: np.ndarray = np.asarray(image, dtype=np.float32)
        if self.channels == "BGR":
            pixels = pixels[:, :, ::-1]
        if self.scale != 1.0:
            pixels = pixels * np.float32(self.scale)
        pixels = (pixels - np.asarray(self.mean, np.float32)) / np.asarray(self.std, np.float32)
        if self.layout == "NCHW":
            pixels = pixels.transpose(2, 0, 1)
        return np.ascontiguousarray(pixels, dtype=np.float32)

    def load(self, data: bytes, max_pixels: int = MAX_PIXELS) -> np.ndarray:
        """Decode image bytes and preprocess them (raises ImageLoadError with the reason)."""
        min_size = DRAFT_FACTOR * max(self.width, self.height) if self.fast else 0
        image = open_rgb(data, min_size=min_size, max_pixels=max_pixels)
        return self.to_array(self.resized(image))
