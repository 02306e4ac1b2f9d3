"""Decode image bytes safely into an RGB Pillow image: size limits, EXIF rotation, odd modes."""

from __future__ import annotations

import io
import re
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..core.errors import EmbedflowError

# 100 megapixels: a 12000x8000 camera image fits, a 30000x30000 "bomb" header does not.
MAX_PIXELS = 100_000_000


class ImageLoadError(EmbedflowError):
    """An image could not be used; the message is the reason shown in the `skipped` output."""


def open_rgb(data: bytes, *, min_size: int = 0, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Decode `data` to an upright RGB image.

    min_size: for JPEG, let the decoder scale down by 1/2, 1/4 or 1/8 (Image.draft) as long as
    both sides stay at least this many pixels; 0 decodes at full size.
    Transparent pixels are composited over white; 16-bit images are scaled to 8 bits.
    """
    if not data:
        raise ImageLoadError("empty file (0 bytes)")
    with warnings.catch_warnings():
        # Our own pixel limit below decides; Pillow's warning would only be noise.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image: Image.Image = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError as exc:
            raise ImageLoadError(_too_large_message(exc)) from None
        except UnidentifiedImageError:
            raise ImageLoadError("not an image, or a format that cannot be read") from None
        except (OSError, ValueError, SyntaxError) as exc:
            raise ImageLoadError(f"cannot read the image header ({exc})") from None
        width, height = image.size
        if width * height > max_pixels:
            raise ImageLoadError(
                f"image is {width}×{height} pixels, more than the limit of "
                f"{max_pixels / 1e6:g} megapixels")
        if width < 1 or height < 1:
            raise ImageLoadError("image has no pixels")
        if min_size and image.format == "JPEG":
            # Pick the coarsest DCT scale that keeps both sides >= min_size (works for any rotation).
            image.draft("RGB", (min_size * width // min(width, height),
                                min_size * height // min(width, height)))
        try:
            image.load()
            image = ImageOps.exif_transpose(image)
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            raise ImageLoadError(f"the file is damaged or truncated ({exc})") from None
    return _to_rgb(image)


def _to_rgb(image: Image.Image) -> Image.Image:
    """Convert any Pillow mode to 8-bit RGB the way a viewer would show it."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        values = np.asarray(image, dtype=np.float64)
        top = 65535.0 if image.mode.startswith("I;16") or values.max(initial=0) > 255 else 255.0
        gray = np.clip(values * (255.0 / top) + 0.5, 0, 255).astype(np.uint8)
        return Image.fromarray(gray, "L").convert("RGB")
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info)
    if has_alpha:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if image.mode != "RGB":
        return image.convert("RGB")
    return image


def _too_large_message(exc: Exception) -> str:
    """The too-large reason, with the pixel count Pillow found in the header."""
    found = re.search(r"\((\d+) pixels\)", str(exc))
    size = f" ({int(found.group(1)) / 1e6:,.0f} megapixels)" if found else ""
    return f"image is too large{size}; the limit is {MAX_PIXELS / 1e6:g} megapixels"
