"""The image_embedding block using a real embedding server through its server_url setting."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from embedflow.core.workflow import Workflow
from embedflow.engine import Engine
from embedflow.images.client import RemoteBackend, ServerClient, ServerError
from embedflow.registry import default_registry
from embedflow.server import ServerConfig, create_app
from tests.image_support import Served, http_server, photo, running_server

TOKEN = "class-token"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with running_server(create_app(ServerConfig(token=TOKEN))) as url:
        yield url


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    photo("chelsea").save(tmp_path / "cat.jpg")
    photo("coffee").save(tmp_path / "coffee.png")
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    return tmp_path


def run(folder: Path, **settings):
    workflow = Workflow(default_registry())
    source = workflow.add_node("input", settings={"path": str(folder)})
    node = workflow.add_node("image_embedding", settings=settings)
    workflow.connect(source.id, "data", node.id, "data")
    return Engine(workflow).run()[node.id]


def test_server_embeddings_equal_local_ones_and_bad_images_are_skipped(server: str, folder: Path) -> None:
    remote = run(folder, server_url=server, server_token=TOKEN, use_cache=False)
    local = run(folder, use_cache=False)
    assert remote.state == "done", remote.error
    assert remote.summary == "2 of 3 images embedded"
    assert remote.outputs["embeddings"].meta["image"].tolist() == ["cat.jpg", "coffee.png"]
    assert np.allclose(remote.outputs["embeddings"].vectors, local.outputs["embeddings"].vectors, atol=1e-4)
    skipped = remote.outputs["skipped"].meta
    assert skipped["image"].tolist() == ["broken.jpg"] and skipped["reason"][0]


def test_token_from_the_environment_is_used(server: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMBEDFLOW_SERVER_TOKEN", TOKEN)
    assert run(folder, server_url=server, use_cache=False).state == "done"


def test_refused_token_fails_the_node_with_a_clear_message(server: str, folder: Path) -> None:
    result = run(folder, server_url=server, server_token="wrong", use_cache=False)
    assert result.state == "failed" and "refused the token" in result.error
    assert result.messages[-1].code == "image-server-failed"


def test_unreachable_server_fails_the_node_with_a_clear_message(folder: Path) -> None:
    with http_server(Served()) as url:
        pass  # nothing listens on this port any more
    result = run(folder, server_url=url, use_cache=False)
    assert result.state == "failed" and "Cannot reach the embedding server" in result.error


def test_client_health_and_models(server: str) -> None:
    client = ServerClient(server, TOKEN)
    assert client.health()["status"] == "ok"
    assert "squeezenet" in {m["id"] for m in client.models()}


def test_client_splits_batches_by_request_size(server: str) -> None:
    import io

    buffer = io.BytesIO()
    photo("chelsea").save(buffer, "JPEG")
    data = buffer.getvalue()
    backend = RemoteBackend(ServerClient(server, TOKEN), "squeezenet", max_request_bytes=len(data) + 10)
    results = backend.run([data, b"tiny", data])
    assert [isinstance(r, str) for r in results] == [False, True, False]


def test_client_rejects_urls_without_scheme() -> None:
    with pytest.raises(ServerError, match="http://"):
        ServerClient("localhost:8765")


def test_cancel_stops_a_request_to_a_server_that_never_answers() -> None:
    import threading

    from embedflow.core.errors import Cancelled
    from tests.reliability.hostile_remote import hostile_remote
    from tests.waiting import HANG

    cancel = threading.Event()
    with hostile_remote() as (url, server):
        threading.Thread(target=lambda: server.arrived.wait(HANG) and cancel.set(), daemon=True).start()
        with pytest.raises(Cancelled):
            ServerClient(f"{url}/silent", timeout=600, cancelled=cancel.is_set).embed([b"image"], "squeezenet")
    assert cancel.is_set()
