"""The image_embedding block in a workflow: embeddings, skipped rows with reasons, cache, URLs."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from embedflow.core.workflow import Workflow
from embedflow.engine import Engine
from embedflow.registry import default_registry
from embedflow.validation import validate
from tests.image_support import Served, bad_and_odd_images, http_server, photo


def embed(path: Path, **settings) -> tuple[Workflow, str, object]:
    workflow = Workflow(default_registry())
    source = workflow.add_node("input", settings={"path": str(path), "feature": "", "format": "auto"})
    node = workflow.add_node("image_embedding", settings=settings)
    workflow.connect(source.id, "data", node.id, "data")
    results = Engine(workflow).run()
    return workflow, node.id, results[node.id]


@pytest.fixture(scope="module")
def odd_folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str | None]]:
    folder = tmp_path_factory.mktemp("images")
    expected = bad_and_odd_images(folder / "odd")
    return folder, expected


def test_folder_with_bad_files_embeds_the_good_ones_and_skips_the_rest_with_reasons(odd_folder) -> None:
    folder, expected = odd_folder
    _, _, result = embed(folder)
    assert result.state == "done", result.error
    embeddings, skipped = result.outputs["embeddings"], result.outputs["skipped"]
    good = sorted(f"odd/{name}" for name, reason in expected.items() if reason is None)
    assert sorted(embeddings.meta["image"]) == good
    assert embeddings.vectors.shape == (len(good), 1000) and np.isfinite(embeddings.vectors).all()
    assert embeddings.provenance["model"] == "squeezenet" and embeddings.provenance["kind"] == "image"
    reasons = dict(zip(skipped.meta["image"], skipped.meta["reason"]))
    for name, reason in expected.items():
        if reason is not None:
            assert reason in reasons[f"odd/{name}"]
    assert result.summary.startswith(f"{len(good)} of {len(expected)} images embedded")
    assert any(m.code == "images-skipped" for m in result.messages)


def test_skipped_rows_carry_their_input_row_number(odd_folder) -> None:
    folder, _ = odd_folder
    workflow = Workflow(default_registry())
    source = workflow.add_node("input", settings={"path": str(folder)})
    node = workflow.add_node("image_embedding")
    workflow.connect(source.id, "data", node.id, "data")
    results = Engine(workflow).run()
    inputs = results[source.id].outputs["data"].meta["image"].tolist()
    skipped = results[node.id].outputs["skipped"].meta
    assert len(skipped) == 4
    for row, image in zip(skipped["row"], skipped["image"]):
        assert inputs[row] == image


def test_exif_rotated_photo_embeds_like_the_upright_one(tmp_path: Path) -> None:
    from PIL import Image

    upright = photo("coffee", (300, 200))
    upright.save(tmp_path / "a-upright.png")
    exif = Image.Exif()
    exif[0x0112] = 6
    upright.transpose(Image.Transpose.ROTATE_90).save(tmp_path / "b-rotated.png", exif=exif)
    _, _, result = embed(tmp_path)
    vectors = result.outputs["embeddings"].vectors
    assert np.allclose(vectors[0], vectors[1], atol=1e-4)


def test_csv_with_relative_absolute_and_missing_paths(tmp_path: Path) -> None:
    (tmp_path / "pics").mkdir()
    photo("chelsea").save(tmp_path / "pics" / "cat.jpg")
    photo("coffee").save(tmp_path / "elsewhere.png")
    pd.DataFrame({"label": ["cat", "coffee", "ghost"],
                  "image": ["pics/cat.jpg", str(tmp_path / "elsewhere.png"), "pics/ghost.jpg"]}
                 ).to_csv(tmp_path / "data.csv", index=False)
    _, _, result = embed(tmp_path / "data.csv")
    assert result.outputs["embeddings"].meta["label"].tolist() == ["cat", "coffee"]
    skipped = result.outputs["skipped"].meta
    assert skipped["label"].tolist() == ["ghost"] and skipped["row"].tolist() == [2]
    assert "file not found" in skipped["reason"][0]


def test_urls_are_fetched_and_404_and_timeouts_are_skipped(tmp_path: Path) -> None:
    import io

    buffer = io.BytesIO()
    photo("chelsea").save(buffer, "JPEG")
    served = Served(files={"/cat.jpg": buffer.getvalue(), "/slow.jpg": buffer.getvalue()},
                    delay={"/slow.jpg": 3.0})
    with http_server(served) as url:
        pd.DataFrame({"image": [f"{url}/cat.jpg", f"{url}/missing.jpg", f"{url}/slow.jpg"]}
                     ).to_csv(tmp_path / "urls.csv", index=False)
        _, _, result = embed(tmp_path / "urls.csv", timeout=0.5)
    assert result.outputs["embeddings"].meta["image"].tolist() == [f"{url}/cat.jpg"]
    reasons = result.outputs["skipped"].meta["reason"].tolist()
    assert "HTTP 404" in reasons[0] and "sent nothing for 0.5 s" in reasons[1]


def test_second_run_is_served_from_the_cache(tmp_path: Path) -> None:
    for i, name in enumerate(("astronaut", "chelsea", "coffee")):
        photo(name).save(tmp_path / f"{i}.jpg")
    _, _, first = embed(tmp_path)
    _, _, second = embed(tmp_path)  # a new engine: only the on-disk cache can help
    assert "from the cache" not in first.summary
    assert second.summary == "3 of 3 images embedded (3 from the cache)"
    assert np.array_equal(first.outputs["embeddings"].vectors, second.outputs["embeddings"].vectors)


def test_cache_can_be_turned_off(tmp_path: Path) -> None:
    photo("chelsea").save(tmp_path / "cat.jpg")
    embed(tmp_path)
    _, _, result = embed(tmp_path, use_cache=False)
    assert result.summary == "1 of 1 images embedded"


def test_missing_image_column_is_a_clear_node_error(tmp_path: Path) -> None:
    pd.DataFrame({"text": ["a.jpg"]}).to_csv(tmp_path / "d.csv", index=False)
    _, _, result = embed(tmp_path / "d.csv", column="picture")
    assert result.state == "failed" and "no column 'picture'" in result.error
    assert result.messages[-1].code == "image-column-missing"


def test_cancel_stops_between_batches(tmp_path: Path) -> None:
    image = photo("chelsea", (300, 200))
    for i in range(40):
        image.save(tmp_path / f"{i:03}.png")
    workflow = Workflow(default_registry())
    source = workflow.add_node("input", settings={"path": str(tmp_path)})
    node = workflow.add_node("image_embedding", settings={"use_cache": False})
    workflow.connect(source.id, "data", node.id, "data")
    cancel = threading.Event()

    def on_event(event) -> None:
        if event.node_id == node.id and event.fraction and 0 < event.fraction < 1:
            cancel.set()

    results = Engine(workflow).run(on_event=on_event, cancel=cancel)
    assert results[node.id].state == "cancelled"


def test_own_model_file_that_is_missing_is_a_validation_error(tmp_path: Path) -> None:
    workflow = Workflow(default_registry())
    node = workflow.add_node("image_embedding", settings={"model": "onnx-file", "model_path": "nope.onnx"})
    codes = {d.code for d in validate(workflow, str(tmp_path)) if d.node_id == node.id}
    assert "image-model-file-missing" in codes


def test_server_url_without_scheme_is_a_validation_error() -> None:
    workflow = Workflow(default_registry())
    node = workflow.add_node("image_embedding", settings={"server_url": "localhost:8765"})
    codes = {d.code for d in validate(workflow) if d.node_id == node.id}
    assert "image-server-url-invalid" in codes


def test_downloadable_model_not_yet_downloaded_is_announced() -> None:
    workflow = Workflow(default_registry())
    node = workflow.add_node("image_embedding", settings={"model": "shufflenet-v2"})
    found = [d for d in validate(workflow) if d.node_id == node.id and d.code == "image-model-not-downloaded"]
    assert found and found[0].severity == "info" and "9 MB" in found[0].message


def test_exact_decoding_setting_matches_fast_decoding_closely(tmp_path: Path) -> None:
    photo("astronaut", (2000, 1500)).save(tmp_path / "big.jpg", quality=90)
    _, _, fast = embed(tmp_path, use_cache=False)
    _, _, exact = embed(tmp_path, use_cache=False, fast_decoding=False)
    a, b = fast.outputs["embeddings"].vectors[0], exact.outputs["embeddings"].vectors[0]
    assert not np.array_equal(a, b)
    assert np.linalg.norm(a - b) / np.linalg.norm(b) < 5e-2


def test_when_every_image_fails_embeddings_is_empty_with_the_models_width(tmp_path: Path) -> None:
    (tmp_path / "a.jpg").write_bytes(b"")
    _, _, result = embed(tmp_path)
    assert result.state == "done" and result.summary.startswith("0 of 1 images embedded")
    assert result.outputs["embeddings"].vectors.shape == (0, 1000)


def test_input_columns_called_row_and_reason_are_kept_beside_ours(tmp_path: Path) -> None:
    table = pd.DataFrame({"image": ["missing.jpg"], "row": ["r1"], "reason": ["holiday"]})
    table.to_csv(tmp_path / "d.csv", index=False)
    _, _, result = embed(tmp_path / "d.csv")
    skipped = result.outputs["skipped"].meta
    assert skipped.columns.tolist() == ["row_2", "image", "row", "reason", "reason_2"]
    assert skipped["reason"][0] == "holiday" and skipped["reason_2"][0].endswith("missing.jpg")


def test_unusable_cache_is_a_warning_and_the_images_are_still_embedded(tmp_path: Path) -> None:
    from embedflow.io.user_dirs import cache_dir

    (cache_dir("embeddings") / "images.sqlite").mkdir()  # a folder where the database should be
    photo("chelsea").save(tmp_path / "cat.jpg")
    _, _, result = embed(tmp_path)
    assert result.state == "done" and result.summary == "1 of 1 images embedded"
    assert any(m.code == "image-cache-unavailable" for m in result.messages)
