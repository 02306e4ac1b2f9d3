"""Downloadable and own ONNX image models: a tiny real model served by a local HTTP server."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from embedflow.core.context import NodeContext
from embedflow.core.errors import Cancelled, EmbedflowError
from embedflow.core.table import Table
from embedflow.core.workflow import Node, Workflow
from embedflow.engine import Engine
from embedflow.images import catalog
from embedflow.images.catalog import ImageModel, describe_models, model_file, own_model
from embedflow.images.pipeline import LocalBackend, embed_sources
from embedflow.images.preprocess import Preprocess
from embedflow.images.runtime import OnnxEmbedder
from embedflow.io.downloads import ChecksumError
from embedflow.registry import default_registry
from tests.image_support import Served, channel_mean_model, http_server, photo


def expected_means(image: Image.Image) -> np.ndarray:
    small = image.convert("RGB").resize((8, 8), Image.Resampling.LANCZOS)
    return np.asarray(small, np.float32).reshape(-1, 3).mean(axis=0) / 255


def tiny_entry(url: str, body: bytes, **changes) -> ImageModel:
    fields = dict(id="tiny", name="Tiny test model", dims=3,
                  preprocess=Preprocess(8, 8, "stretch", scale=1 / 255, fast=False),
                  filename="tiny.onnx", url=url, sha256=hashlib.sha256(body).hexdigest(),
                  size_bytes=len(body), output="means")
    return ImageModel(**{**fields, **changes})


def test_catalogue_model_downloads_with_progress_then_runs(tmp_path: Path) -> None:
    body = channel_mean_model()
    calls: list[tuple[int, int | None]] = []
    with http_server(Served(files={"/tiny.onnx": body})) as url:
        entry = tiny_entry(f"{url}/tiny.onnx", body)
        assert not entry.available
        path = model_file(entry, progress=lambda done, total: calls.append((done, total)))
    assert entry.available and path == entry.location and path.read_bytes() == body
    assert calls[0] == (0, len(body)) and calls[-1] == (len(body), len(body))
    photo("chelsea").save(tmp_path / "cat.png")
    result = embed_sources([str(tmp_path / "cat.png")], None, LocalBackend(entry, path))
    assert np.allclose(result.matrix()[0], expected_means(photo("chelsea")), atol=1e-5)


def test_downloaded_model_is_not_fetched_again() -> None:
    body = channel_mean_model()
    served = Served(files={"/tiny.onnx": body})
    with http_server(served) as url:
        entry = tiny_entry(f"{url}/tiny.onnx", body)
        model_file(entry)
        count = len(served.requests)
        model_file(entry)
    assert len(served.requests) == count


def test_damaged_download_is_refused_and_not_kept() -> None:
    body = channel_mean_model()
    with http_server(Served(files={"/tiny.onnx": body[:-1] + b"x"})) as url:
        entry = tiny_entry(f"{url}/tiny.onnx", body)
        with pytest.raises(ChecksumError):
            model_file(entry)
    assert not entry.available


def test_cancelled_download_leaves_no_model() -> None:
    body = channel_mean_model()
    cancel = threading.Event()
    cancel.set()
    with http_server(Served(files={"/tiny.onnx": body})) as url:
        with pytest.raises(EmbedflowError, match="cancelled"):
            model_file(tiny_entry(f"{url}/tiny.onnx", body), cancel=cancel)


def test_mirror_replaces_the_upstream_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMBEDFLOW_MODEL_MIRROR", "http://teacher.local/models/")
    assert catalog.get_model("shufflenet-v2").download_url() == "http://teacher.local/models/shufflenet-v2-12.onnx"


def test_every_catalogue_download_has_checksum_size_and_preprocessing() -> None:
    for model in catalog.CATALOG.values():
        if not model.builtin:
            assert model.url.startswith("https://") and len(model.sha256) == 64 and model.size_bytes > 0
            assert model.preprocess.width > 0 and model.dims > 0


def test_describe_models_lists_image_models_for_embedflow_models() -> None:
    rows = {row["id"]: row for row in describe_models()}
    assert set(rows) == set(catalog.CATALOG)
    for row in rows.values():
        assert {"id", "name", "kind", "dims", "size_bytes", "available", "location"} <= set(row)
        assert row["kind"] == "image"
    assert rows["squeezenet"]["available"] and rows["squeezenet"]["dims"] == 1000
    assert rows["shufflenet-v2"]["size_bytes"] == 9_218_556 and not rows["shufflenet-v2"]["available"]


def test_own_model_runs_in_the_block_with_its_preprocessing(tmp_path: Path) -> None:
    (tmp_path / "means.onnx").write_bytes(channel_mean_model())
    (tmp_path / "pics").mkdir()
    photo("coffee").save(tmp_path / "pics" / "coffee.png")
    workflow = Workflow(default_registry())
    source = workflow.add_node("input", settings={"path": str(tmp_path / "pics")})
    node = workflow.add_node("image_embedding", settings={
        "model": "onnx-file", "model_path": str(tmp_path / "means.onnx"), "input_size": 8,
        "resize": "stretch", "normalisation": "unit"})
    workflow.connect(source.id, "data", node.id, "data")
    result = Engine(workflow).run()[node.id]
    assert result.state == "done", result.error
    embeddings = result.outputs["embeddings"]
    assert embeddings.vectors.shape == (1, 3)
    # The block decodes in fast mode (reducing_gap), so allow a fraction of a grey level.
    assert np.allclose(embeddings.vectors[0], expected_means(photo("coffee")), atol=1e-2)


def test_own_nhwc_model_with_fixed_batch_of_one(tmp_path: Path) -> None:
    (tmp_path / "m.onnx").write_bytes(channel_mean_model("NHWC", batch=1))
    model = own_model(tmp_path / "m.onnx", input_size=8, resize="stretch", normalisation="unit", layout="NHWC")
    for name in ("a", "b", "c"):
        photo("chelsea" if name != "b" else "coffee").save(tmp_path / f"{name}.png")
    result = embed_sources([str(tmp_path / f"{n}.png") for n in "abc"], None,
                           LocalBackend(model, tmp_path / "m.onnx"))
    assert result.matrix().shape == (3, 3)
    assert np.allclose(result.matrix()[1], expected_means(photo("coffee")), atol=1e-2)


def test_missing_output_name_lists_the_real_outputs(tmp_path: Path) -> None:
    (tmp_path / "m.onnx").write_bytes(channel_mean_model())
    with pytest.raises(EmbedflowError, match="no output called 'logits'.*means"):
        OnnxEmbedder(tmp_path / "m.onnx", output="logits")


def test_file_that_is_not_onnx_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "m.onnx").write_bytes(b"not a model")
    with pytest.raises(EmbedflowError, match="Cannot load the ONNX model"):
        OnnxEmbedder(tmp_path / "m.onnx")


def test_download_model_builds_squeezenet_without_network() -> None:
    assert catalog.download_model("squeezenet").suffix == ".onnx"
    with pytest.raises(EmbedflowError, match="Unknown image model 'nope'"):
        catalog.download_model("nope")


def test_models_command_downloads_an_image_model(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from embedflow.cli import main

    body = channel_mean_model()
    with http_server(Served(files={"/tiny.onnx": body})) as url:
        monkeypatch.setitem(catalog.CATALOG, "tiny", tiny_entry(f"{url}/tiny.onnx", body))
        assert main(["models", "--download", "tiny"]) == 0
    assert catalog.CATALOG["tiny"].available
    assert "tiny: 3-d image vectors in" in capsys.readouterr().out


def test_cancel_while_a_model_download_is_retrying_ends_image_embedding_as_cancelled(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = catalog.CATALOG["shufflenet-v2"]
    served = Served(files={f"/{model.filename}": b"never sent"}, fail_times={f"/{model.filename}": 10})
    photo("chelsea").save(tmp_path / "cat.png")
    workflow = Workflow(default_registry())
    source = workflow.add_node("input", settings={"path": str(tmp_path)})
    embedder = workflow.add_node("image_embedding", settings={"model": model.id, "use_cache": False})
    workflow.connect(source.id, "data", embedder.id, "data")
    cancel = threading.Event()

    def on_event(event) -> None:
        if event.message.startswith("Downloading"):
            cancel.set()

    with http_server(served) as url:
        monkeypatch.setenv("EMBEDFLOW_MODEL_MIRROR", url)
        results = Engine(workflow).run(on_event=on_event, cancel=cancel)
    assert results[embedder.id].state == "cancelled"
    # The block handed the cancel to the download, which stopped instead of retrying a failing server.
    assert served.requests == []


def test_image_embedding_passes_a_cancelled_download_on_as_a_cancel(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The engine would call a block's error after a cancel "cancelled" too; the block itself must not
    # turn the download's cancel (a DownloadError as well as a Cancelled) into a download failure.
    model = catalog.CATALOG["shufflenet-v2"]
    spec = default_registry().get("image_embedding")
    cancel = threading.Event()

    def on_event(event) -> None:
        if event.message.startswith("Downloading"):
            cancel.set()

    table = Table(pd.DataFrame({"image": [str(tmp_path / "cat.png")]}), feature="image")
    context = NodeContext(Node("n1", "image_embedding", "Image Embedding"),
                          spec.resolve_settings({"model": model.id, "use_cache": False}),
                          {"data": table}, None, cancel, on_event)
    served = Served(files={f"/{model.filename}": b"never sent"}, fail_times={f"/{model.filename}": 10})
    with http_server(served) as url:
        monkeypatch.setenv("EMBEDFLOW_MODEL_MIRROR", url)
        with pytest.raises(Cancelled):
            spec.run(context)


def test_the_names_block_settings_list_match_the_catalogue():
    from embedflow.images import names

    assert catalog.MODEL_IDS == names.MODEL_IDS
    assert tuple(catalog.NORMALISATIONS) == names.NORMALISATION_NAMES
