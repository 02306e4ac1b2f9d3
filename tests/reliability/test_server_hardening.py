"""The server checks the token before it reads a body, bounds requests, slow clients and JSON, never echoes reprs."""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import io
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import requests

from embedflow import server as server_module
from embedflow.server import ServerConfig, create_app, uvicorn_config
from embedflow.server.guard import Guard
from tests.image_support import photo

TOKEN = "s3cret-token"


@contextlib.contextmanager
def serving(config: ServerConfig, header_timeout: float = 10.0, **protocol: float) -> Iterator[tuple[str, int]]:
    """The app with the protocol `embedflow serve` uses, on a free loopback port; yields (host, port)."""
    import uvicorn

    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn_config(create_app(config), header_timeout, log_level="error", lifespan="off",
                                           **protocol))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        time.sleep(0.01)
    try:
        yield "127.0.0.1", sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def _raw(address: tuple[str, int], data: bytes, wait: float = 20) -> bytes:
    """Send raw bytes and read the answer until the server closes or `wait` passes."""
    with socket.create_connection(address, timeout=wait) as sock:
        sock.sendall(data)
        answer = b""
        with contextlib.suppress(socket.timeout):
            while b"\r\n\r\n" not in answer:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        return answer


def _png(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    photo("chelsea", size).save(buffer, "PNG")
    return buffer.getvalue()


def test_an_unauthenticated_request_is_refused_before_its_body_is_sent() -> None:
    with serving(ServerConfig(token=TOKEN)) as address:
        # The headers announce 63 MB that never come: the answer must not wait for them.
        answer = _raw(address, b"POST /v1/embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                               b"Content-Length: 66060288\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 401")


def test_a_token_in_the_headers_lets_the_request_through() -> None:
    with serving(ServerConfig(token=TOKEN)) as (host, port):
        answer = requests.post(f"http://{host}:{port}/v1/embed", json={"images": []},
                               headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert answer.status_code == 400 and "no images" in answer.json()["error"]


@contextlib.contextmanager
def serving_app(app: object) -> Iterator[tuple[str, int]]:
    """Any ASGI app with the protocol `embedflow serve` uses, on a free loopback port; yields (host, port)."""
    import uvicorn

    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn_config(app, log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        time.sleep(0.01)
    try:
        yield "127.0.0.1", sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def _gated_app(gate: threading.Event) -> Callable:
    """An ASGI app that answers /health at once and every other request when `gate` opens."""
    async def app(scope: dict, receive: Callable, send: Callable) -> None:
        await receive()
        if scope["path"] != "/health":
            await asyncio.to_thread(gate.wait, 60)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})
    return app


def test_complete_requests_beyond_the_in_flight_bound_get_503_but_health_answers() -> None:
    gate = threading.Event()
    guard = Guard(_gated_app(gate), ServerConfig(max_concurrent=2))
    with serving_app(guard) as (host, port):
        url = f"http://{host}:{port}"
        working = [threading.Thread(target=requests.post, args=(f"{url}/v1/embed",),
                                    kwargs={"data": b"{}", "timeout": 60})
                   for _ in range(2)]
        for thread in working:
            thread.start()
        deadline = time.monotonic() + 30
        while guard.in_flight < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        try:
            third = requests.post(f"{url}/v1/embed", data=b"{}", timeout=30)
            health = requests.get(f"{url}/health", timeout=30)
        finally:
            gate.set()
            for thread in working:
                thread.join(60)
    assert guard.in_flight == 0
    assert third.status_code == 503 and third.headers["Retry-After"] == "1"
    assert health.status_code == 200


def test_slow_bodies_do_not_take_the_slots_of_complete_requests() -> None:
    with serving(ServerConfig(max_concurrent=2)) as address:
        held = [socket.create_connection(address, timeout=20) for _ in range(4)]
        try:
            for sock in held:  # bodies that never finish
                sock.sendall(b"POST /v1/embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 1000\r\n\r\n{")
            answer = _raw(address, b"GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n")
        finally:
            for sock in held:
                sock.close()
    assert answer.startswith(b"HTTP/1.1 200")


def test_a_client_that_does_not_finish_its_headers_is_disconnected() -> None:
    with serving(ServerConfig(), header_timeout=0.5) as address:
        with socket.create_connection(address, timeout=30) as sock:
            sock.sendall(b"POST /v1/embed HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
            assert sock.recv(100) == b"", "the server closed the half-open connection"


def test_headers_that_stall_between_reads_are_cut_before_the_overall_deadline() -> None:
    with serving(ServerConfig(), header_timeout=120, read_timeout=0.5) as address:
        with socket.create_connection(address, timeout=60) as sock:
            sock.sendall(b"POST /v1/embed HTTP/1.1\r\n")
            sock.sendall(b"Host: x\r\n")  # then nothing for longer than the per-read timeout
            assert sock.recv(100) == b"", "the server closed the stalled connection"


def test_a_new_connection_past_the_per_client_cap_closes_the_oldest_idle_one() -> None:
    with serving(ServerConfig(), max_per_client=3) as address:
        idle = [socket.create_connection(address, timeout=30) for _ in range(3)]
        try:
            for sock in idle:
                sock.sendall(b"GET /health HTTP/1.1\r\n")  # headers never finished
            answer = _raw(address, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            oldest_closed = _closed(idle[0])
        finally:
            for sock in idle:
                sock.close()
    assert answer.startswith(b"HTTP/1.1 200") and oldest_closed


def _closed(sock: socket.socket) -> bool:
    """True when the server closed `sock` (waits up to the socket's timeout)."""
    try:
        return sock.recv(100) == b""
    except ConnectionResetError:
        return True


def test_a_body_that_stalls_between_reads_gets_408() -> None:
    with serving(ServerConfig(read_timeout=0.5, body_timeout=120)) as (host, port):
        with socket.create_connection((host, port), timeout=60) as sock:
            sock.sendall(b"POST /v1/embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 100\r\n\r\n{")
            answer = b""
            while b"}" not in answer:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                answer += chunk
    assert answer.startswith(b"HTTP/1.1 408") and b"each read within 0.5 s" in answer


def test_text_requests_past_the_token_budget_get_413_in_openai_shape() -> None:
    with serving(ServerConfig(max_tokens=50)) as (host, port):
        answer = requests.post(f"http://{host}:{port}/v1/embeddings", timeout=120,
                               json={"model": "all-minilm-l6-v2", "input": ["word " * 20] * 8})
    assert answer.status_code == 413 and "more than 50 word pieces" in answer.json()["error"]["message"]


def test_an_image_request_past_its_compute_deadline_gets_504() -> None:
    image = base64.b64encode(_png((32, 32))).decode()
    with serving(ServerConfig(compute_timeout=0)) as (host, port):
        answer = requests.post(f"http://{host}:{port}/v1/embed", json={"images": [image]}, timeout=120)
    assert answer.status_code == 504 and "deadline" in answer.json()["error"]


def test_bodies_past_the_byte_budget_of_all_connections_get_503() -> None:
    guard = create_app(ServerConfig(max_request_bytes=2**20, max_concurrent=1))  # budget: 2 MB held at once
    with serving_app(guard) as address:
        held = [socket.create_connection(address, timeout=30) for _ in range(2)]
        try:
            for sock in held:  # 0.9 MB of each 1 MB body, then nothing
                sock.sendall(b"POST /v1/embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 1048576\r\n\r\n" + b" " * 900_000)
            deadline = time.monotonic() + 30
            while guard.buffered < 1_800_000 and time.monotonic() < deadline:
                time.sleep(0.01)
            answer = requests.post(f"http://{address[0]}:{address[1]}/v1/embed", data=b" " * 500_000,
                                   headers={"Content-Type": "application/json"}, timeout=30)
        finally:
            for sock in held:
                sock.close()
    assert answer.status_code == 503 and "request bodies" in answer.json()["error"]


def test_a_body_that_never_arrives_gets_408() -> None:
    config = ServerConfig(body_timeout=0.5)
    with serving(config) as address:
        answer = _raw(address, b"POST /v1/embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                               b"Content-Length: 100\r\n\r\n{")
    assert answer.startswith(b"HTTP/1.1 408")


def test_deeply_nested_json_gets_400() -> None:
    with serving(ServerConfig()) as (host, port):
        for body in ("[" * 100_000 + "]" * 100_000, json.dumps({"images": [[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]})):
            answer = requests.post(f"http://{host}:{port}/v1/embed", data=body,
                                   headers={"Content-Type": "application/json"}, timeout=30)
            assert answer.status_code == 400 and "nested too deeply" in answer.json()["error"]


def test_a_model_sent_as_a_file_is_refused_without_echoing_it() -> None:
    with serving(ServerConfig()) as (host, port):
        answer = requests.post(f"http://{host}:{port}/v1/embed", timeout=30,
                               files=[("model", ("m.txt", b"squeezenet")), ("images", ("a.png", _png((8, 8))))])
    assert answer.status_code == 400 and "UploadFile" not in answer.text and "model id" in answer.json()["error"]


def test_images_past_the_request_pixel_budget_get_their_own_error() -> None:
    image = base64.b64encode(_png((100, 100))).decode()
    with serving(ServerConfig(request_pixels=25_000)) as (host, port):
        answer = requests.post(f"http://{host}:{port}/v1/embed", json={"images": [image, image, image]}, timeout=120)
    results = answer.json()["results"]
    assert answer.status_code == 200 and [("vector" in r) for r in results] == [True, True, False]
    assert "budget of 0.025 megapixels" in results[2]["error"]


@pytest.mark.parametrize("option", [["--max-request-mb", "-1"], ["--max-request-mb", "0"], ["--max-images", "0"],
                                    ["--max-concurrent", "x"], ["--max-tokens", "0"], ["--max-seconds", "-5"]])
def test_serve_refuses_nonsense_limits_at_start(option: list[str], capsys: pytest.CaptureFixture) -> None:
    parser = argparse.ArgumentParser(prog="embedflow serve")
    server_module.add_arguments(parser)
    with pytest.raises(SystemExit) as caught:
        parser.parse_args(option)
    assert caught.value.code == 2 and option[0] in capsys.readouterr().err
