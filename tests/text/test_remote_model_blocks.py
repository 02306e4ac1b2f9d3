"""A remote language model (an OpenAI-compatible server) in Text Encoding and Text Embedding.

The server is the real `embedflow serve`, started by the test as its own process.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import requests

from embedflow.cli import main as cli_main
from embedflow.io.workflow_file import write_workflow
from embedflow.text import models
from embedflow.text.transformer import sentence_model
from embedflow.validation import validate
from tests.text_support import run_all, text_workflow, write_csv

TOKEN = "room-42-token"
KEY_ENV = "CLASSROOM_EMBEDDINGS_KEY"
TEXTS = ["How do I fix a flat bicycle tyre?", "", "Easy recipes for an evening meal."]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    """`embedflow serve` on a free port with a token; its base URL once /health answers."""
    port = free_port()
    env = {**os.environ, "EMBEDFLOW_SERVER_TOKEN": TOKEN}
    process = subprocess.Popen([sys.executable, "-m", "embedflow", "serve", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{url}/health", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"embedflow serve did not start: {process.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def failure(result) -> tuple[str, str]:
    """(code, message) of the error a failed block reported."""
    assert result.state == "failed"
    return result.messages[-1].code, result.messages[-1].message


def add_remote(name: str, url: str, *extra: str) -> None:
    assert cli_main(["models", "--add-remote", name, "--url", url, "--model", "all-minilm-l6-v2",
                     "--key-env", KEY_ENV, *extra]) == 0


def remote_workflow(tmp_path: Path, name: str):
    return text_workflow(write_csv(tmp_path, TEXTS), encoding={"language_model": name},
                         embedding={"language_model": name})


def test_a_remote_model_embeds_through_a_real_embedflow_serve(tmp_path: Path, served: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, TOKEN)
    add_remote("classroom", served, "--dims", "384")
    workflow, _, encoder, embedder = remote_workflow(tmp_path, "classroom")
    assert validate(workflow) == []
    results = run_all(workflow)
    encoded = results[encoder].outputs["encoded"]
    assert encoded.ids.shape == (3, 0) and encoded.lengths.tolist() == [len(t) for t in TEXTS]
    assert "rows 1" in next(m.message for m in results[encoder].messages if m.code == "empty-rows")
    output = results[embedder].outputs["embeddings"]
    assert output.meta["id"].tolist() == [0, 2]
    local = sentence_model().encode([TEXTS[0], TEXTS[2]], 256)
    assert np.abs(output.vectors - local).max() < 1e-5


def test_a_second_run_takes_the_remote_vectors_from_the_cache_without_asking_the_server(
        tmp_path: Path, served: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, TOKEN)
    add_remote("classroom", served)
    workflow, _, _, embedder = remote_workflow(tmp_path, "classroom")
    first = run_all(workflow)[embedder]
    monkeypatch.setenv(KEY_ENV, "not-the-token")  # the server would refuse every request now
    second = run_all(workflow)[embedder]
    assert second.state == "done" and "; 2 of 2 from the cache" in second.summary
    np.testing.assert_array_equal(second.outputs["embeddings"].vectors, first.outputs["embeddings"].vectors)


def test_the_workflow_file_holds_the_entry_name_but_never_the_key(tmp_path: Path, served: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, TOKEN)
    add_remote("classroom", served)
    workflow, *_ = remote_workflow(tmp_path, "classroom")
    write_workflow(workflow, tmp_path / "remote.embedflow")
    stored = models.remote_file("classroom").read_text(encoding="utf-8")
    assert TOKEN not in (tmp_path / "remote.embedflow").read_text(encoding="utf-8") and TOKEN not in stored
    assert json.loads(stored)["key_env"] == KEY_ENV


def test_a_wrong_key_fails_the_block_naming_the_variable(tmp_path: Path, served: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "not-the-token")
    add_remote("classroom", served)
    workflow, _, _, embedder = remote_workflow(tmp_path, "classroom")
    code, message = failure(run_all(workflow)[embedder])
    assert code == "remote-model-failed" and KEY_ENV in message and "refused the API key" in message


def test_an_unreachable_server_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, TOKEN)
    add_remote("nobody", f"http://127.0.0.1:{free_port()}")
    workflow, _, _, embedder = remote_workflow(tmp_path, "nobody")
    code, message = failure(run_all(workflow)[embedder])
    assert code == "remote-model-failed" and "Cannot reach" in message


def test_vectors_of_another_size_than_the_entry_says_are_a_dimension_change(tmp_path: Path, served: str,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, TOKEN)
    add_remote("classroom", served, "--dims", "768")
    workflow, _, _, embedder = remote_workflow(tmp_path, "classroom")
    code, message = failure(run_all(workflow)[embedder])
    assert code == "remote-dimensions-changed" and "384" in message and "768" in message


def test_the_match_rule_holds_between_a_remote_and_a_local_model(tmp_path: Path) -> None:
    add_remote("classroom", "http://127.0.0.1:9")
    workflow, *_ = text_workflow(write_csv(tmp_path, TEXTS), encoding={"language_model": "classroom"},
                                 embedding={"language_model": "all-minilm-l6-v2"})
    found = [d for d in validate(workflow) if d.code == "language-model-mismatch"]
    assert len(found) == 1 and "classroom" in found[0].message


def test_a_remote_model_pools_on_its_server(tmp_path: Path) -> None:
    add_remote("classroom", "http://127.0.0.1:9")
    workflow, *_ = text_workflow(write_csv(tmp_path, TEXTS), encoding={"language_model": "classroom"},
                                 embedding={"language_model": "classroom", "pooling": "max"})
    assert [d.code for d in validate(workflow)] == ["pooling-not-for-model"]


@pytest.mark.parametrize("args,problem", [(["--url", "ftp://x", "--model", "m"], "not an http"),
                                          (["--url", "http://x", "--model", "m", "--key-env", "sk-123abc"],
                                           "not the name of an environment variable"),
                                          (["--url", "http://x"], "--model")])
def test_bad_remote_entries_are_refused(args: list[str], problem: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["models", "--add-remote", "classroom", *args]) == 1
    assert problem in capsys.readouterr().err
    assert not models.remote_file("classroom").exists()


def test_models_lists_remote_entries_and_the_transformer(capsys: pytest.CaptureFixture[str]) -> None:
    add_remote("classroom", "http://127.0.0.1:9")
    capsys.readouterr()
    assert cli_main(["models"]) == 0
    lines = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()}
    assert lines["all-minilm-l6-v2"][1:5] == ["transformer", "384", "512", "23.4"]
    assert lines["classroom"][1] == "remote" and "http://127.0.0.1:9" in lines["classroom"]
    assert lines["glove-6b-50d"][1:4] == ["word-vectors", "50", "-"]


def test_settings_a_remote_model_does_not_read_are_named(tmp_path: Path) -> None:
    add_remote("classroom", "http://127.0.0.1:9")
    workflow, _, encoder, _ = text_workflow(write_csv(tmp_path, TEXTS),
                                            encoding={"language_model": "classroom", "lowercase": "yes",
                                                      "sequence_length": 128},
                                            embedding={"language_model": "classroom"})
    found = [d for d in validate(workflow) if d.code == "setting-not-used"]
    assert len(found) == 1 and found[0].node_id == encoder and found[0].severity == "warning"
    assert "Lower-case 'yes' and Sequence length 128 have no effect with classroom" in found[0].message
    workflow.update_settings(encoder, {"lowercase": "auto", "sequence_length": 64})
    assert validate(workflow) == []
