"""Decoding awkward image files: each either becomes the right RGB image or a clear reason."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedflow.images.loading import ImageLoadError, open_rgb
from tests.image_support import bad_and_odd_images, photo, png_header


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("odd")
    bad_and_odd_images(path)
    return path


def load(folder: Path, name: str) -> Image.Image:
    return open_rgb((folder / name).read_bytes())


@pytest.mark.parametrize("name, reason", [
    ("empty.jpg", "empty file"),
    ("truncated.jpg", "damaged or truncated"),
    ("not-an-image.png", "not an image"),
    ("huge-header.png", "too large"),
])
def test_unusable_files_give_a_reason(folder: Path, name: str, reason: str) -> None:
    with pytest.raises(ImageLoadError, match=reason):
        load(folder, name)


def test_header_above_our_pixel_limit_but_below_pillows_is_rejected() -> None:
    with pytest.raises(ImageLoadError, match="11000×10000 pixels, more than the limit of 100 megapixels"):
        open_rgb(png_header(11000, 10000))


def test_cmyk_jpeg_becomes_rgb_close_to_the_original(folder: Path) -> None:
    image = load(folder, "cmyk.jpg")
    original = np.asarray(load(folder, "good.jpg"), np.float32)
    assert image.mode == "RGB" and image.size == (451, 300)
    assert np.abs(np.asarray(image, np.float32) - original).mean() < 8


def test_16_bit_png_is_scaled_to_8_bits_not_clipped(folder: Path) -> None:
    image = load(folder, "gray16.png")
    assert image.mode == "RGB"
    assert np.array_equal(np.asarray(image), np.asarray(load(folder, "gray.png")))


def test_grayscale_is_repeated_in_three_channels(folder: Path) -> None:
    pixels = np.asarray(load(folder, "gray.png"))
    assert pixels.shape == (300, 451, 3)
    assert np.array_equal(pixels[..., 0], pixels[..., 2])


def test_transparent_palette_pixels_become_white(folder: Path) -> None:
    source = Image.open(folder / "palette-alpha.png")
    transparent = np.asarray(source) == 0
    assert transparent.any()
    pixels = np.asarray(load(folder, "palette-alpha.png"))
    assert (pixels[transparent] == 255).all()


def test_exif_orientation_is_applied(folder: Path) -> None:
    image = load(folder, "exif-rotated.png")
    assert image.size == (300, 200)
    assert np.array_equal(np.asarray(image), np.asarray(photo("coffee", (300, 200))))


def test_jpeg_draft_decodes_large_photos_at_reduced_size_but_not_below_the_minimum() -> None:
    buffer = io.BytesIO()
    photo("astronaut", (2000, 1600)).save(buffer, "JPEG", quality=90)
    image = open_rgb(buffer.getvalue(), min_size=454)
    assert image.size == (1000, 800)  # 1/2 keeps both sides >= 454; 1/4 would not
    assert open_rgb(buffer.getvalue()).size == (2000, 1600)


def test_exif_orientation_of_a_camera_jpeg_is_applied_after_draft_decoding() -> None:
    upright = photo("coffee", (1200, 800))
    exif = Image.Exif()
    exif[0x0112] = 8  # the viewer must rotate 90° counter-clockwise
    buffer = io.BytesIO()
    upright.transpose(Image.Transpose.ROTATE_270).save(buffer, "JPEG", quality=95, exif=exif)
    image = open_rgb(buffer.getvalue(), min_size=300)
    assert image.size == (600, 400)  # decoded at 1/2 and turned upright
    reference = np.asarray(upright.resize((600, 400), Image.Resampling.BOX), np.float32)
    assert np.abs(np.asarray(image, np.float32) - reference).mean() < 6
