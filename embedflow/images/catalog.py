"""The image models embedflow knows: built-in SqueezeNet, downloadable ONNX models, your own file."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import EmbedflowError
from ..io.downloads import download
from ..io.user_dirs import cache_dir
from . import squeezenet
from .names import OWN_MODEL
from .preprocess import Preprocess

# A folder URL (e.g. a teacher's server in a lab without internet) holding the catalogue's files
# under their own names; it replaces the upstream URLs.
MIRROR_ENV = "EMBEDFLOW_MODEL_MIRROR"
ZOO = "https://github.com/onnx/models/raw/main/validated/vision/classification"
IMAGENET: dict[str, Any] = dict(scale=1 / 255, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225), channels="RGB")
NORMALISATIONS: dict[str, dict[str, Any]] = {
    "imagenet": IMAGENET,
    "caffe": dict(scale=1.0, mean=(104.006, 116.669, 122.679), std=(1.0, 1.0, 1.0), channels="BGR"),
    "unit": dict(scale=1 / 255, mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0)),
    "symmetric": dict(scale=1 / 127.5, mean=(1.0, 1.0, 1.0), std=(1.0, 1.0, 1.0)),
    "none": dict(scale=1.0, mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0)),
}


@dataclass(frozen=True)
class ImageModel:
    """One image model: where its ONNX file comes from and how to feed it.

    url, sha256, size_bytes: for downloadable models (None for built-in or own files).
    output: the graph output to use as the embedding (None = the first output).
    """

    id: str
    name: str
    dims: int
    preprocess: Preprocess
    filename: str
    url: str | None = None
    sha256: str | None = None
    size_bytes: int | None = None
    output: str | None = None
    description: str = ""
    licence: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def builtin(self) -> bool:
        """True for SqueezeNet, built locally from installed weights."""
        return self.id == "squeezenet"

    @property
    def location(self) -> Path:
        """Where the ONNX file lives (or will live once downloaded)."""
        return cache_dir("models") / self.filename

    def download_url(self) -> str | None:
        """The upstream URL, or the same file name on the mirror set in EMBEDFLOW_MODEL_MIRROR."""
        mirror = os.environ.get(MIRROR_ENV, "").strip()
        if mirror and self.url:
            return mirror.rstrip("/") + "/" + self.filename
        return self.url

    @property
    def available(self) -> bool:
        """True when the model can run without a download."""
        if self.builtin:
            try:
                squeezenet.weights_path()
            except EmbedflowError:
                return False
            return True
        return self.location.is_file()


CATALOG: dict[str, ImageModel] = {model.id: model for model in (
    ImageModel(
        "squeezenet", "SqueezeNet 1.1 (ImageNet, built in)", 1000,
        Preprocess(227, 227, "stretch", **NORMALISATIONS["caffe"]),
        filename="squeezenet1.1.onnx",
        description="Small and fast; the same network as Orange's local embedder. Built from the "
                    "weights in the 'ndf' package, no download.",
        licence="BSD-2-Clause (SqueezeNet), MIT (ndf)"),
    ImageModel(
        "resnet18-v2", "ResNet-18 v2 (ImageNet, ONNX model zoo)", 1000,
        Preprocess(224, 224, "center-crop", **IMAGENET),
        filename="resnet18-v2-7.onnx",
        url=f"{ZOO}/resnet/model/resnet18-v2-7.onnx",
        sha256="3b4d048057854022232aa20bf68262e31718ab7119a17f920b8a2dc1433f824b",
        size_bytes=46_806_737,
        description="A deeper network with better general-purpose features; about 4x slower than SqueezeNet.",
        licence="Apache-2.0"),
    ImageModel(
        "shufflenet-v2", "ShuffleNet v2 (ImageNet, ONNX model zoo)", 1000,
        Preprocess(224, 224, "center-crop", **IMAGENET),
        filename="shufflenet-v2-12.onnx",
        url=f"{ZOO}/shufflenet/model/shufflenet-v2-12.onnx",
        sha256="ea69821b4dd374ae2f33f9710dd1229ac263d0ee5b5a46ca3521f6483e1ba035",
        size_bytes=9_218_556,
        description="A mobile-class network: small download, fast on laptops.",
        licence="BSD-3-Clause"),
)}

MODEL_IDS: tuple[str, ...] = (*CATALOG, OWN_MODEL)


def get_model(model_id: str) -> ImageModel:
    """The catalogue entry for `model_id`, or an error listing the known ones."""
    try:
        return CATALOG[model_id]
    except KeyError:
        raise EmbedflowError(
            f"Unknown image model '{model_id}'; choose one of {', '.join(MODEL_IDS)}") from None


def own_model(path: Path, *, input_size: int = 224, resize: str = "center-crop",
              normalisation: str = "imagenet", channels: str | None = None, layout: str = "NCHW",
              output: str | None = None) -> ImageModel:
    """An ImageModel for the user's own ONNX file with the given preprocessing."""
    if normalisation not in NORMALISATIONS:
        raise EmbedflowError(
            f"Unknown normalisation '{normalisation}'; choose one of {', '.join(NORMALISATIONS)}")
    norm = dict(NORMALISATIONS[normalisation])
    if channels:
        norm["channels"] = channels
    preprocess = Preprocess(input_size, input_size, resize, layout=layout, **norm)
    return ImageModel(f"onnx:{Path(path).name}", Path(path).name, 0, preprocess, filename=str(path),
                      output=output or None)


def model_file(model: ImageModel, *, progress: Callable[[int, int | None], None] | None = None,
               cancel: threading.Event | None = None) -> Path:
    """The model's ONNX file: built (SqueezeNet), downloaded and checked (catalogue) or the user's."""
    if model.builtin:
        return squeezenet.model_path()
    if model.url is None:
        path = Path(model.filename)
        if not path.is_file():
            raise EmbedflowError(f"The ONNX model file {path} does not exist")
        return path
    if model.location.is_file():
        return model.location
    url = model.download_url()
    assert url is not None
    return download(url, model.location, sha256=model.sha256, size=model.size_bytes,
                    progress=progress, cancel=cancel)


def describe_models() -> list[dict[str, Any]]:
    """One dict per catalogue model (id, name, kind, dims, size_bytes, available, location) for `embedflow models`."""
    rows = []
    for model in CATALOG.values():
        location = model.location
        if model.builtin:
            cached = sorted(location.parent.glob("squeezenet1.1-*.onnx"))
            location = cached[-1] if cached else location.parent
        rows.append({
            "id": model.id, "name": model.name, "kind": "image", "dims": model.dims,
            "size_bytes": model.size_bytes if model.size_bytes is not None
            else (location.stat().st_size if location.is_file() else None),
            "available": model.available, "location": str(location),
            "url": model.download_url(), "description": model.description,
        })
    return rows


def download_model(model_id: str, *, progress: Callable[[int, int | None], None] | None = None,
                   cancel: threading.Event | None = None) -> Path:
    """Make catalogue model `model_id` available (`embedflow models --download ID`); returns its file."""
    return model_file(get_model(model_id), progress=progress, cancel=cancel)
