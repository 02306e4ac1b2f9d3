"""A hostile OpenAI-compatible embedding server on 127.0.0.1: silent, trickling, or rate-limiting for an hour.

The first segment of the path picks the behaviour (`{url}/silent` as a remote model's base URL makes
every POST go to /silent/v1/embeddings); `arrived` is set when a request has been read whole.
"""

from __future__ import annotations

import contextlib
import json
import socketserver
import threading
from collections.abc import Iterator

from tests.reliability.hostile_http import StoppableServer, serving

ANSWER = json.dumps({"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [1.0, 0.0]}]})
TRICKLE_GAP = 0.05


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        self.request.settimeout(10)
        with contextlib.suppress(OSError, ValueError):
            path = self._read_request()
            self.server.seen.append(path)
            self.server.arrived.set()
            getattr(self, "_" + path.strip("/").split("/")[0])()

    def _read_request(self) -> str:
        """The path of a request whose headers and body (by Content-Length) were read."""
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.request.recv(4096)
            if not chunk:
                raise ValueError("closed")
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        while len(body) < length:
            body += self.request.recv(65536)
        return head.split(b" ")[1].decode()

    def _silent(self) -> None:
        self.server.stopping.wait(120)

    def _trickle(self) -> None:
        body = ANSWER.encode() + b" " * 400  # about 25 s at TRICKLE_GAP a byte
        self.request.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n"
                             "Content-Type: application/json\r\n\r\n".encode())
        for byte in body:
            self.request.sendall(bytes([byte]))
            if self.server.stopping.wait(TRICKLE_GAP):
                return

    def _ratelimited(self) -> None:
        body = b'{"error": {"message": "slow down"}}'
        self.request.sendall(b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3600\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(body), body))


class _Server(StoppableServer):
    seen: list[str]

    def __init__(self) -> None:
        super().__init__(_Handler)
        self.arrived = threading.Event()


@contextlib.contextmanager
def hostile_remote() -> Iterator[tuple[str, _Server]]:
    """Run the server in a thread; yields (base URL, server). Every handler ends when the block exits."""
    server = _Server()
    with serving(server) as url:
        yield url, server
