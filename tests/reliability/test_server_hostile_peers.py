"""A real `embedflow serve` holds against hostile peers (issue 26 §1–4): memory, slow sockets, bad JSON, deadlines.

Each test drives a child `embedflow serve` on 127.0.0.1 and measures its memory from /proc/<pid>/status.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest
import requests

from tests.reliability.serve_process import (
    TOKEN,
    ServeProcess,
    closed_by_server,
    peak_rss,
    raw_connection,
)

FULL_LENGTH = 256  # word pieces all-minilm-l6-v2 reads per input (its trained length)


@pytest.fixture(scope="module")
def server() -> Iterator[ServeProcess]:
    serving = ServeProcess()
    try:
        yield serving
    finally:
        serving.stop()


def _long_request(texts: int) -> bytes:
    """A complete authenticated HTTP request of `texts` inputs, each longer than the model reads."""
    body = json.dumps({"model": "all-minilm-l6-v2", "input": ["word " * 300] * texts}).encode()
    return (f"POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


def test_long_texts_without_whitespace_are_clipped_and_memory_comes_back(server: ServeProcess) -> None:
    assert server.post_texts(["warm up the model"] * 8).status_code == 200
    before = server.rss_mb()
    with peak_rss(server) as peak:
        answer = server.post_texts(["a." * 15000] * 64)  # 1.9 MB: took the server from 169 MB to 1.9 GB
    after = server.rss_mb()
    assert answer.status_code == 200 and len(answer.json()["data"]) == 64
    assert answer.json()["usage"]["prompt_tokens"] == 64 * FULL_LENGTH
    assert peak[0] - before < 600, f"RSS before {before:.0f} MB, peak {peak[0]:.0f} MB"
    assert after - before < 150, f"RSS before {before:.0f} MB, after {after:.0f} MB"


def test_a_text_request_past_the_byte_limit_gets_413_in_openai_shape(server: ServeProcess) -> None:
    answer = server.post_texts(["x" * 100_000] * 170)  # 17 MB
    assert answer.status_code == 413
    assert "larger than the server's limit of 16 MB" in answer.json()["error"]["message"]


@pytest.mark.parametrize("body", [b"[" * 10_000 + b"]" * 10_000,
                                  b'{"model": "all-minilm-l6-v2", "input": "\\ud800"}',
                                  b'{"model": "all-minilm-l6-v2", "input": ["fine", "x \\udfff y"]}'],
                         ids=["nested-10000-deep", "lone-surrogate", "lone-low-surrogate-in-a-list"])
def test_bad_json_on_embeddings_is_a_400_in_openai_shape_and_no_traceback(server: ServeProcess, body: bytes) -> None:
    answer = requests.post(f"{server.url}/v1/embeddings", data=body, timeout=60,
                           headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["error"]["type"] == "invalid_request_error"
    assert "Traceback" not in server.log()


def test_a_lone_surrogate_in_an_image_name_is_a_400(server: ServeProcess) -> None:
    answer = requests.post(f"{server.url}/v1/embed", timeout=60,
                           data=b'{"images": [{"name": "\\ud800", "data": "AAAA"}]}',
                           headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    assert answer.status_code == 400 and "lone surrogate" in answer.json()["error"]
    assert "Traceback" not in server.log()


def test_half_open_connections_and_slow_bodies_leave_room_for_complete_requests(server: ServeProcess) -> None:
    half_open = [raw_connection(server, b"POST /v1/embeddings HTTP/1.1\r\nHost: x\r\n") for _ in range(70)]
    slow_bodies = [raw_connection(server, f"POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}"
                                          "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
                                  .encode()) for _ in range(8)]
    try:
        health = requests.get(f"{server.url}/health", timeout=30)
        embedded = server.post_texts("a complete request", timeout=120)
        still_open = sum(not closed_by_server(sock) for sock in half_open)
    finally:
        for sock in half_open + slow_bodies:
            sock.close()
    assert health.status_code == 200
    assert embedded.status_code == 200 and len(embedded.json()["data"]) == 1
    assert still_open <= 32, "connections per client address are bounded"


def test_work_stops_when_the_client_goes_away(server: ServeProcess) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        started = server.cpu_seconds()
        sock.sendall(_long_request(380))  # about 97,000 word pieces: minutes of work on two cores
        # Leave once the server is computing (a second of its CPU time), not while it still reads the body.
        deadline = time.monotonic() + 120
        while server.cpu_seconds() - started < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert server.wait_for_log("the client disconnected", timeout=120), server.log()[-2000:]
    assert server.post_texts("the model is free again").status_code == 200


def test_a_request_past_its_compute_deadline_gets_504_and_the_server_goes_on() -> None:
    serving = ServeProcess("--max-seconds", "1")
    try:
        answer = serving.post_texts(["word " * 300] * 380)
        health = requests.get(f"{serving.url}/health", timeout=30)
        log = serving.log()
    finally:
        serving.stop()
    assert answer.status_code == 504 and "deadline" in answer.json()["error"]["message"]
    assert health.status_code == 200 and "stopped the work of /v1/embeddings" in log
