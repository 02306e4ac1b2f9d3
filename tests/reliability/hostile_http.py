"""A hostile HTTP server on 127.0.0.1: wrong bodies, truncation, redirect loops, lies about sizes, trickles, stalls."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from collections.abc import Iterator

BODY = bytes(range(256)) * 40  # 10,240 bytes
TRICKLE_GAP = 0.1


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        self.request.settimeout(5)
        request = b""
        with contextlib.suppress(OSError):
            while b"\r\n\r\n" not in request and len(request) < 65536:
                chunk = self.request.recv(4096)
                if not chunk:
                    return
                request += chunk
        if not request:
            return
        method, path = request.split(b" ", 2)[:2]
        self.server.seen.append((method.decode(), path.decode()))
        with contextlib.suppress(OSError):
            getattr(self, "_" + path.decode().strip("/").split("?")[0], self._missing)(method == b"HEAD")

    def _head(self, status: str, length: int | None, extra: str = "") -> None:
        size = f"Content-Length: {length}\r\n" if length is not None else ""
        self.request.sendall(f"HTTP/1.1 {status}\r\n{size}{extra}Connection: close\r\n\r\n".encode())

    def _wait(self, seconds: float) -> bool:
        """Sleep unless the server is stopping; False when it is."""
        return not self.server.stopping.wait(seconds)

    def _missing(self, head: bool) -> None:
        self._head("404 Not Found", 0)

    def _good(self, head: bool) -> None:
        self._head("200 OK", len(BODY))
        if not head:
            self.request.sendall(BODY)

    def _truncated(self, head: bool) -> None:
        self._head("200 OK", len(BODY))
        if not head:
            self.request.sendall(BODY[:3000])

    def _loop(self, head: bool) -> None:
        self._head("302 Found", 0, "Location: /loop\r\n")

    def _huge(self, head: bool) -> None:
        self._head("200 OK", 10 ** 15)
        if not head:
            self.request.sendall(BODY)
            self._wait(30)

    def _unannounced_extra(self, head: bool) -> None:
        self._head("200 OK", None)
        if not head:
            self.request.sendall(BODY + BODY)

    def _trickle(self, head: bool) -> None:
        self._head("200 OK", len(BODY))
        if head:
            return
        for byte in BODY:
            self.request.sendall(bytes([byte]))
            if not self._wait(TRICKLE_GAP):
                return

    def _stall(self, head: bool) -> None:
        self._head("200 OK", len(BODY))
        if not head:
            self.request.sendall(BODY[:10])
            self._wait(60)

    def _silent(self, head: bool) -> None:
        self._wait(60)  # reads the request, never answers


class StoppableServer(socketserver.ThreadingTCPServer):
    """A threading server on 127.0.0.1 whose handlers end when `stopping` is set; `seen` lists the requests."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, handler: type[socketserver.BaseRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.stopping = threading.Event()
        self.seen: list = []


class _Server(StoppableServer):
    seen: list[tuple[str, str]]

    def __init__(self) -> None:
        super().__init__(_Handler)


@contextlib.contextmanager
def serving(server: StoppableServer) -> Iterator[str]:
    """Run the server in a thread; yields its base URL. Every handler ends when the block exits."""
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def hostile_server() -> Iterator[tuple[str, _Server]]:
    """Run the server in a thread; yields (base URL, server). Every handler ends when the block exits."""
    server = _Server()
    with serving(server) as url:
        yield url, server


def free_port() -> int:
    """A port nobody listens on (bound and released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
