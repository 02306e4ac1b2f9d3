"""Remote text models over the OpenAI protocol: our client, the real server, and a hostile stub."""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
import requests

from embedflow.core.errors import Cancelled, EmbedflowError
from embedflow.server import ServerConfig, create_app
from embedflow.text import remote
from embedflow.text.remote import RemoteEmbedder, RemoteModel
from embedflow.text.transformer import MINILM, sentence_model
from tests.image_support import running_server

TOKEN = "classroom-token"
KEY_ENV = "EMBEDFLOW_TEST_REMOTE_KEY"
TEXTS = ["That is a happy person", "Someone performs music on a stringed instrument.", "", "東京 😀"]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with running_server(create_app(ServerConfig(token=TOKEN, max_request_bytes=2**20, max_texts=8,
                                                max_text_chars=5000, threads=1))) as url:
        yield url


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(KEY_ENV, TOKEN)
    return KEY_ENV


def local(texts: list[str]) -> np.ndarray:
    return sentence_model(threads=1).encode(texts, MINILM.trained_length)


# --- our client against the real server -------------------------------------------------------

@pytest.mark.parametrize("encoding", ["float", "base64"])
def test_client_gets_the_local_models_vectors_from_the_server(server: str, key: str, encoding: str) -> None:
    client = RemoteEmbedder(RemoteModel(server, MINILM.id, api_key_env=key, batch_size=3, encoding_format=encoding))
    vectors = client.embed(TEXTS)
    assert vectors.dtype == np.float32 and vectors.shape == (4, 384)
    assert np.abs(vectors - local(TEXTS)).max() < 1e-6


def test_official_openai_client_with_its_defaults_gets_the_same_vectors(server: str) -> None:
    import openai

    answer = openai.OpenAI(base_url=f"{server}/v1", api_key=TOKEN).embeddings.create(model=MINILM.id, input=TEXTS)
    vectors = np.array([item.embedding for item in sorted(answer.data, key=lambda d: d.index)])
    assert np.abs(vectors - local(TEXTS)).max() < 1e-6
    assert answer.usage.prompt_tokens > 0


def test_a_single_string_input_gets_one_vector(server: str) -> None:
    answer = requests.post(f"{server}/v1/embeddings", json={"model": MINILM.id, "input": "hello"},
                           headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert answer.status_code == 200 and len(answer.json()["data"][0]["embedding"]) == 384


def test_wrong_key_is_a_clear_error_naming_the_variable(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "wrong")
    with pytest.raises(EmbedflowError, match=f"refused the API key.*{KEY_ENV}"):
        RemoteEmbedder(RemoteModel(server, MINILM.id, api_key_env=KEY_ENV)).embed(["hello"])


def test_official_client_with_a_wrong_key_gets_an_authentication_error(server: str) -> None:
    import openai

    with pytest.raises(openai.AuthenticationError, match="token"):
        openai.OpenAI(base_url=f"{server}/v1", api_key="wrong", max_retries=0).embeddings.create(
            model=MINILM.id, input="hello")


def test_unset_key_variable_is_named_before_anything_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    with pytest.raises(EmbedflowError, match=f"{KEY_ENV}, which is not set"):
        RemoteEmbedder(RemoteModel("http://127.0.0.1:9", "m", api_key_env=KEY_ENV)).embed(["hello"])


def test_unreachable_server_fails_at_once_without_retrying() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    waits: list[float] = []
    client = RemoteEmbedder(RemoteModel(f"http://127.0.0.1:{port}", "m"), sleep=waits.append)
    with pytest.raises(EmbedflowError, match="Cannot reach the embedding server.*connection refused"):
        client.embed(["hello"])
    assert waits == []


def test_base_url_ending_in_v1_is_not_doubled() -> None:
    assert RemoteModel("http://h:1/v1/", "m").url == "http://h:1/v1/embeddings"
    assert RemoteModel("http://h:1", "m").url == "http://h:1/v1/embeddings"


# --- the server's own checks ------------------------------------------------------------------

def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}


@pytest.mark.parametrize("body, status", [
    ("not json", 400),
    ('{"model": "all-minilm-l6-v2"}', 400),
    ('{"model": "all-minilm-l6-v2", "input": [[101, 102]]}', 400),
    ('{"model": "all-minilm-l6-v2", "input": []}', 400),
    ('{"model": "all-minilm-l6-v2", "input": "a", "encoding_format": "int8"}', 400),
    ('{"model": "all-minilm-l6-v2", "input": "a", "dimensions": 128}', 400),
    ('{"model": "glove-6b-50d", "input": "a"}', 404),
    ('{"model": "all-minilm-l6-v2", "input": ["a", "b", "c", "d", "e", "f", "g", "h", "i"]}', 413),
    ('{"model": "all-minilm-l6-v2", "input": "%s"}' % ("x" * 6000), 413),
])
def test_bad_embedding_requests_get_4xx_openai_errors(server: str, body: str, status: int) -> None:
    answer = requests.post(f"{server}/v1/embeddings", data=body, timeout=30,
                           headers={**auth(), "Content-Type": "application/json"})
    assert answer.status_code == status
    assert answer.json()["error"]["message"] and "Traceback" not in answer.text


def test_embeddings_need_the_token_before_the_body_is_read(server: str) -> None:
    answer = requests.post(f"{server}/v1/embeddings", json={"model": MINILM.id, "input": "a"}, timeout=30)
    assert answer.status_code == 401 and "token" in answer.json()["error"]["message"]


def test_embeddings_body_over_the_size_cap_is_413(server: str) -> None:
    answer = requests.post(f"{server}/v1/embeddings", data=b"x" * (2 * 2**20), timeout=30,
                           headers={**auth(), "Content-Type": "application/json"})
    assert answer.status_code == 413 and "larger than the server's limit of 1 MB" in answer.json()["error"]["message"]


# --- a hostile stub server --------------------------------------------------------------------

class Script:
    """Answers the stub gives, one per request, and the request bodies it received."""

    def __init__(self, answers: list[tuple[int, dict[str, str], bytes]]) -> None:
        self.answers = answers
        self.bodies: list[dict] = []


def ok(vectors: list[list[float]], base64_encoded: bool = False) -> tuple[int, dict[str, str], bytes]:
    def encode(v: list[float]) -> object:
        return base64.b64encode(np.array(v, dtype="<f4").tobytes()).decode() if base64_encoded else v

    data = [{"object": "embedding", "index": i, "embedding": encode(v)} for i, v in enumerate(vectors)]
    return 200, {"Content-Type": "application/json"}, json.dumps({"object": "list", "data": data}).encode()


@contextmanager
def stub(script: Script, delay: float = 0.0) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            script.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            if delay:
                threading.Event().wait(delay)
            status, headers, body = script.answers.pop(0)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_429_is_retried_after_the_seconds_in_retry_after() -> None:
    script = Script([(429, {"Retry-After": "3"}, b'{"error": "slow down"}'), ok([[1.0, 0.0]])])
    waits: list[float] = []
    with stub(script) as url:
        vectors = RemoteEmbedder(RemoteModel(url, "m"), sleep=waits.append).embed(["a"])
    assert vectors.tolist() == [[1.0, 0.0]] and len(script.bodies) == 2
    assert sum(waits) == pytest.approx(3.0)


def test_endless_429_gives_up_with_a_rate_limit_message() -> None:
    script = Script([(429, {"Retry-After": "1"}, b"{}")] * 3)
    with stub(script) as url, pytest.raises(EmbedflowError, match="rate-limiting after 3 tries"):
        RemoteEmbedder(RemoteModel(url, "m", retries=2), sleep=[].append).embed(["a"])


def test_server_errors_are_retried_with_exponential_backoff() -> None:
    script = Script([(503, {}, b""), (502, {}, b""), ok([[0.5]])])
    waits: list[float] = []
    with stub(script) as url:
        assert RemoteEmbedder(RemoteModel(url, "m", backoff=0.5), sleep=waits.append).embed(["a"]).shape == (1, 1)
    assert sum(waits) == pytest.approx(0.5 + 1.0)


def test_texts_are_sent_in_batches_and_reassembled_in_order() -> None:
    script = Script([ok([[1.0], [2.0]]), ok([[3.0]])])
    seen: list[float] = []
    with stub(script) as url:
        vectors = RemoteEmbedder(RemoteModel(url, "m", batch_size=2)).embed(["a", "b", "c"], progress=seen.append)
    assert [b["input"] for b in script.bodies] == [["a", "b"], ["c"]] and script.bodies[0]["model"] == "m"
    assert vectors.ravel().tolist() == [1.0, 2.0, 3.0] and seen == [pytest.approx(2 / 3), 1.0]


def test_base64_vectors_are_decoded() -> None:
    script = Script([ok([[0.25, -1.5]], base64_encoded=True)])
    with stub(script) as url:
        assert RemoteEmbedder(RemoteModel(url, "m")).embed(["a"]).tolist() == [[0.25, -1.5]]


def test_a_dimension_change_between_batches_is_a_clear_error() -> None:
    script = Script([ok([[1.0, 2.0, 3.0]]), ok([[1.0, 2.0, 3.0, 4.0]])])
    with stub(script) as url, pytest.raises(EmbedflowError, match="changed its vector size from 3 to 4"):
        RemoteEmbedder(RemoteModel(url, "m", batch_size=1)).embed(["a", "b"])


@pytest.mark.parametrize("body", [b"<html>proxy error</html>", b'{"data": [{"index": 0}]}',
                                  b'{"data": [{"index": 0, "embedding": "%%%"}]}', b'{"data": "nope"}'])
def test_malformed_answers_are_a_clear_error(body: bytes) -> None:
    script = Script([(200, {"Content-Type": "application/json"}, body)])
    with stub(script) as url, pytest.raises(EmbedflowError, match="not an OpenAI-style embeddings response"):
        RemoteEmbedder(RemoteModel(url, "m")).embed(["a"])


def test_too_few_vectors_is_a_clear_error() -> None:
    script = Script([ok([[1.0]])])
    with stub(script) as url, pytest.raises(EmbedflowError, match="1 vectors for 2 texts"):
        RemoteEmbedder(RemoteModel(url, "m")).embed(["a", "b"])


def test_other_client_errors_carry_the_servers_message() -> None:
    script = Script([(400, {}, b'{"error": {"message": "model not loaded"}}')])
    with stub(script) as url, pytest.raises(EmbedflowError, match="HTTP 400 for model 'm': model not loaded"):
        RemoteEmbedder(RemoteModel(url, "m")).embed(["a"])


def test_a_server_that_never_answers_times_out_with_a_message() -> None:
    script = Script([ok([[1.0]]), ok([[1.0]])])
    with stub(script, delay=1.0) as url, pytest.raises(EmbedflowError, match="the server sent nothing for 0.2 s"):
        RemoteEmbedder(RemoteModel(url, "m", read_timeout=0.2, retries=1), sleep=[].append).embed(["a"])
    assert len(script.bodies) == 2


def test_cancel_during_a_retry_wait_stops_the_run() -> None:
    script = Script([(429, {"Retry-After": "30"}, b"{}")])
    waits: list[float] = []
    with stub(script) as url, pytest.raises(Cancelled):
        RemoteEmbedder(RemoteModel(url, "m"), sleep=waits.append).embed(["a"], cancelled=lambda: len(waits) >= 2)
    assert sum(waits) < 1.0


# --- what a remote returns is checked ---------------------------------------------------------

def answer(data: object) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "application/json"}, json.dumps({"object": "list", "data": data}).encode()


@pytest.mark.parametrize("body, problem", [
    (b'{"data": [{"index": 0, "embedding": [1.0, NaN]}]}', "not finite 32-bit numbers"),
    (b'{"data": [{"index": 0, "embedding": [1.0, Infinity]}]}', "not finite 32-bit numbers"),
    (b'{"data": [{"index": 0, "embedding": [1e300, 0.0]}]}', "not finite 32-bit numbers"),
    (b'{"data": [{"index": 0, "embedding": [1%s, 0.0]}]}' % (b"0" * 400), "too large"),
    (b'{"data": [{"index": 0, "embedding": []}]}', "vectors of 0 values"),
])
def test_vectors_that_are_not_numbers_a_model_makes_are_refused(body: bytes, problem: str) -> None:
    script = Script([(200, {"Content-Type": "application/json"}, body)])
    with (stub(script) as url,
          pytest.raises(EmbedflowError, match=f"{url}/v1/embeddings sent a wrong answer.*{problem}")):
        RemoteEmbedder(RemoteModel(url, "m")).embed(["a"])


def test_every_vector_labelled_index_0_is_refused() -> None:
    script = Script([answer([{"index": 0, "embedding": [1.0]}, {"index": 0, "embedding": [2.0]}])])
    with stub(script) as url, pytest.raises(EmbedflowError, match="indices 0, 0, not 0 to 1 each once"):
        RemoteEmbedder(RemoteModel(url, "m")).embed(["a", "b"])


def test_vectors_in_another_order_are_put_back_by_their_index() -> None:
    script = Script([answer([{"index": 1, "embedding": [2.0]}, {"index": 0, "embedding": [1.0]}])])
    with stub(script) as url:
        assert RemoteEmbedder(RemoteModel(url, "m")).embed(["a", "b"]).ravel().tolist() == [1.0, 2.0]


def test_a_huge_vector_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remote, "MAX_DIMENSIONS", 4)
    script = Script([ok([[1.0] * 5])])
    with stub(script) as url, pytest.raises(EmbedflowError, match="vectors of 5 values"):
        RemoteEmbedder(RemoteModel(url, "m")).embed(["a"])


def test_an_answer_over_the_size_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remote, "MAX_ANSWER_BYTES", 1000)
    script = Script([ok([[0.5] * 400])])
    with stub(script) as url, pytest.raises(EmbedflowError, match="more than the 1,000 allowed"):
        RemoteEmbedder(RemoteModel(url, "m")).embed(["a"])


def test_a_long_error_message_is_cut_to_a_readable_length() -> None:
    script = Script([(400, {}, json.dumps({"error": {"message": "x" * 100_000}}).encode())])
    with stub(script) as url, pytest.raises(EmbedflowError) as caught:
        RemoteEmbedder(RemoteModel(url, "m")).embed(["a"])
    assert len(str(caught.value)) < 500 and "100,000 characters in all" in str(caught.value)


def test_a_wrong_dimension_in_a_later_batch_names_both_sizes() -> None:
    script = Script([ok([[1.0, 2.0]]), ok([[1.0, 2.0]]), ok([[1.0, 2.0, 3.0]])])
    with stub(script) as url, pytest.raises(EmbedflowError, match="from 2 to 3 between batches"):
        RemoteEmbedder(RemoteModel(url, "m", batch_size=1)).embed(["a", "b", "c"])
