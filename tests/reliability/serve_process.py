"""A real `embedflow serve` in a child process on a free 127.0.0.1 port, with its memory and log at hand."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from tests.reliability.hostile_http import free_port

TOKEN = "hostile-peer-token"
MB = 2**20


class ServeProcess:
    """`embedflow serve --token TOKEN *options` running as a child; `url`, `pid`, `rss_mb()`, `log()`."""

    def __init__(self, *options: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = tempfile.NamedTemporaryFile(prefix="embedflow-serve-", suffix=".log", delete=False)
        self.child = subprocess.Popen(
            [sys.executable, "-c", "from embedflow.cli import main; raise SystemExit(main())", "serve",
             "--port", str(self.port), "--token", TOKEN, *options], stderr=self._log, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self.child.poll() is None:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/health", timeout=2).ok:
                    return
            time.sleep(0.1)
        log = self.log()
        self.stop()
        raise RuntimeError(f"embedflow serve did not start:\n{log}")

    @property
    def pid(self) -> int:
        """The server's process id."""
        return self.child.pid

    def rss_mb(self) -> float:
        """The server's resident memory in MB, read from /proc/<pid>/status (VmRSS)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS line")

    def cpu_seconds(self) -> float:
        """CPU time the server has used (user + system), read from /proc/<pid>/stat."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log(self) -> str:
        """What the server wrote to stderr so far."""
        return Path(self._log.name).read_text(errors="replace")

    def wait_for_log(self, text: str, timeout: float) -> bool:
        """True once `text` appears in the server's log; False after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log():
                return True
            time.sleep(0.1)
        return False

    def post_texts(self, texts: list[str] | str, timeout: float = 300) -> requests.Response:
        """An authenticated POST /v1/embeddings of `texts` with the built-in model."""
        return requests.post(f"{self.url}/v1/embeddings", json={"model": "all-minilm-l6-v2", "input": texts},
                             headers={"Authorization": f"Bearer {TOKEN}"}, timeout=timeout)

    def stop(self) -> None:
        """Stop the server and remove its log."""
        self.child.terminate()
        try:
            self.child.wait(20)
        except subprocess.TimeoutExpired:
            self.child.kill()
            self.child.wait(20)
        self._log.close()
        Path(self._log.name).unlink(missing_ok=True)


@contextlib.contextmanager
def peak_rss(server: ServeProcess) -> Iterator[list[float]]:
    """Yields a one-item list that holds the server's largest RSS (MB) seen while the block ran."""
    peak = [server.rss_mb()]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], server.rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        done.set()
        sampler.join()


def raw_connection(server: ServeProcess, data: bytes) -> socket.socket:
    """A socket to the server that has sent `data` and nothing more."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    sock.sendall(data)
    return sock


def closed_by_server(sock: socket.socket) -> bool:
    """True when the server has closed `sock` (a read returns no bytes or fails) without waiting."""
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
