"""The embedding server, started for real with uvicorn on a free 127.0.0.1 port."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import requests

from embedflow.images import catalog
from embedflow.images.pipeline import LocalBackend, embed_sources
from embedflow.server import ServerConfig, create_app
from tests.image_support import photo, png_header, running_server

TOKEN = "s3cret-token"


def jpeg(name: str = "chelsea") -> bytes:
    buffer = io.BytesIO()
    photo(name).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with running_server(create_app(ServerConfig(max_request_bytes=2 * 2**20, max_images=8))) as url:
        yield url


@pytest.fixture(scope="module")
def secured() -> Iterator[str]:
    with running_server(create_app(ServerConfig(token=TOKEN))) as url:
        yield url


def test_health_answers_ok(server: str) -> None:
    answer = requests.get(f"{server}/health", timeout=10)
    assert answer.status_code == 200 and answer.json()["status"] == "ok"


def test_models_lists_squeezenet_as_available(server: str) -> None:
    models = {m["id"]: m for m in requests.get(f"{server}/v1/models", timeout=10).json()["models"]}
    assert models["squeezenet"]["available"] is True and models["squeezenet"]["dims"] == 1000
    assert models["shufflenet-v2"]["available"] is False


def test_multipart_embeddings_equal_local_ones(server: str, tmp_path: Path) -> None:
    data = jpeg("chelsea")
    (tmp_path / "cat.jpg").write_bytes(data)
    answer = requests.post(f"{server}/v1/embed", data={"model": "squeezenet"},
                           files=[("images", ("cat.jpg", data, "image/jpeg"))], timeout=30)
    assert answer.status_code == 200
    (item,) = answer.json()["results"]
    model = catalog.get_model("squeezenet")
    local = embed_sources([str(tmp_path / "cat.jpg")], None, LocalBackend(model, catalog.model_file(model)))
    assert item["name"] == "cat.jpg"
    assert np.allclose(item["vector"], local.matrix()[0], rtol=1e-5, atol=1e-5)


def test_base64_json_with_a_bad_image_gives_per_image_errors(server: str) -> None:
    images = [{"name": "cat", "data": base64.b64encode(jpeg()).decode()},
              {"name": "notes", "data": base64.b64encode(b"just text").decode()}]
    answer = requests.post(f"{server}/v1/embed", json={"images": images}, timeout=30)
    assert answer.status_code == 200
    cat, notes = answer.json()["results"]
    assert len(cat["vector"]) == 1000
    assert "not an image" in notes["error"] and "vector" not in notes


def test_only_non_images_is_a_422_with_reasons(server: str) -> None:
    answer = requests.post(f"{server}/v1/embed", files=[("images", ("a.txt", b"hello", "text/plain"))], timeout=30)
    assert answer.status_code == 422
    assert "not an image" in answer.json()["results"][0]["error"]


def test_decompression_bomb_header_is_rejected(server: str) -> None:
    answer = requests.post(f"{server}/v1/embed", files=[("images", ("bomb.png", png_header(30000, 30000)))],
                           timeout=30)
    assert answer.status_code == 422 and "too large" in answer.json()["results"][0]["error"]


def test_request_over_the_size_cap_is_413_json(server: str) -> None:
    answer = requests.post(f"{server}/v1/embed", files=[("images", ("big.bin", b"\0" * (3 * 2**20)))], timeout=30)
    assert answer.status_code == 413 and "limit" in answer.json()["error"]


def test_too_many_images_is_rejected(server: str) -> None:
    files = [("images", (f"{i}.jpg", b"x")) for i in range(9)]
    answer = requests.post(f"{server}/v1/embed", files=files, timeout=30)
    assert 400 <= answer.status_code < 500 and "error" in answer.json()


@pytest.mark.parametrize("body, kwargs, status", [
    ("not json", {"headers": {"Content-Type": "application/json"}}, 400),
    ('{"images": "nope"}', {"headers": {"Content-Type": "application/json"}}, 400),
    ('{"images": [{"data": "%%%"}]}', {"headers": {"Content-Type": "application/json"}}, 400),
    ("raw bytes", {"headers": {"Content-Type": "image/jpeg"}}, 415),
])
def test_malformed_requests_get_4xx_json_without_traceback(server: str, body: str, kwargs: dict, status: int) -> None:
    answer = requests.post(f"{server}/v1/embed", data=body, timeout=30, **kwargs)
    assert answer.status_code == status
    assert "error" in answer.json() and "Traceback" not in answer.text


def test_unknown_model_is_404_and_not_downloaded_model_is_409(server: str) -> None:
    files = [("images", ("a.jpg", jpeg()))]
    assert requests.post(f"{server}/v1/embed", data={"model": "nope"}, files=files, timeout=30).status_code == 404
    answer = requests.post(f"{server}/v1/embed", data={"model": "shufflenet-v2"}, files=files, timeout=30)
    assert answer.status_code == 409 and "--download shufflenet-v2" in answer.json()["error"]


def test_unknown_route_is_json_404(server: str) -> None:
    answer = requests.get(f"{server}/v2/nothing", timeout=10)
    assert answer.status_code == 404 and "error" in answer.json()


def test_token_is_required_when_set(secured: str) -> None:
    files = [("images", ("a.jpg", jpeg()))]
    assert requests.post(f"{secured}/v1/embed", files=files, timeout=30).status_code == 401
    wrong = requests.post(f"{secured}/v1/embed", files=files, headers={"Authorization": "Bearer nope"}, timeout=30)
    assert wrong.status_code == 401 and "token" in wrong.json()["error"]
    right = requests.post(f"{secured}/v1/embed", files=files, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert right.status_code == 200
    assert requests.get(f"{secured}/health", timeout=10).status_code == 200


def test_serve_command_reports_a_taken_port_instead_of_a_traceback(capsys: pytest.CaptureFixture) -> None:
    import argparse
    import socket

    from embedflow import server as server_module

    parser = argparse.ArgumentParser()
    server_module.add_arguments(parser)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        args = parser.parse_args(["--port", str(taken.getsockname()[1])])
        assert server_module.main(args) == 1
    assert "cannot listen on 127.0.0.1" in capsys.readouterr().err


def test_serve_defaults_to_loopback_and_port_8765() -> None:
    import argparse

    from embedflow import server as server_module

    parser = argparse.ArgumentParser()
    server_module.add_arguments(parser)
    args = parser.parse_args([])
    assert (args.host, args.port, args.token) == ("127.0.0.1", 8765, None)


def test_streamed_body_without_length_is_cut_at_the_cap(server: str) -> None:
    def chunks():
        for _ in range(48):
            yield b"\0" * 65536  # 3 MB in all, sent chunked

    answer = requests.post(f"{server}/v1/embed", data=chunks(), timeout=30,
                           headers={"Content-Type": "application/json"})
    assert answer.status_code == 413 and "limit" in answer.json()["error"]
