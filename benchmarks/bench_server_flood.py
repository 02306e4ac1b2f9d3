"""Server memory and connections under a bounded loopback flood (figures for docs/reliability.md).

Starts `embedflow serve --token …` on a free 127.0.0.1 port, then:
1. 16 concurrent unauthenticated POSTs, each sending a 63 MB body: peak and final server RSS;
2. 300 half-open connections (headers never finished): how many the server still holds after 6 s
   and after 15 s;
3. one authenticated request of 8 images of 100 megapixels: RSS before, at peak, and after;
then the hostile peers of issue 26 §1–4:
4. one authenticated POST /v1/embeddings of 64 texts of "a." * 15000 (1.9 MB): RSS before, peak, after;
5. 70 half-open connections and 8 authenticated slow bodies held open while 20 requests each go to
   /health and /v1/embeddings: how many got 503 and how many hung (no answer within 30 s);
6. /v1/embeddings with JSON nested 10,000 deep and with a lone surrogate: the statuses;
7. a request of 380 texts of 256 word pieces whose client leaves after sending it: how long the
   server went on computing (its CPU time still growing), up to 300 s.

Run: python benchmarks/bench_server_flood.py [--skip-images] [--skip-floods]. Everything stays on
127.0.0.1 and ends within a few minutes; the server process is stopped at the end. To measure an
older embedflow, put its source first on PYTHONPATH (the server runs as `python -c`).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import json
import select
import socket
import subprocess
import sys
import threading
import time

import psutil
import requests

TOKEN = "bench-token"
MB = 2**20


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PeakRss:
    """Samples a process's resident memory every 50 ms while active; `peak` in MB."""

    def __init__(self, process: psutil.Process) -> None:
        self.process = process
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, rss(self.process))

    def __enter__(self) -> PeakRss:
        self.peak = rss(self.process)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def rss(process: psutil.Process) -> float:
    """Resident memory in MB."""
    return process.memory_info().rss / MB


def unauthenticated_post(port: int, body_mb: int) -> str:
    """POST `body_mb` MB without a token; returns the status line (or how the server cut us off)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(f"POST /v1/embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {body_mb * MB}\r\n\r\n".encode())
        block = b"\0" * MB
        try:
            for _ in range(body_mb):
                sock.sendall(block)
        except OSError:
            pass  # the server answered and closed without reading: exactly the point
        with contextlib.suppress(OSError):
            return sock.recv(200).split(b"\r\n", 1)[0].decode() or "closed"
    return "closed"


def still_open(sockets: list[socket.socket]) -> int:
    """How many of the sockets the server has not closed (readable with 0 bytes means closed)."""
    count = 0
    for sock in sockets:
        readable, _, _ = select.select([sock], [], [], 0)
        if not readable:
            count += 1
            continue
        try:
            if sock.recv(1, socket.MSG_PEEK):
                count += 1
        except OSError:
            pass
    return count


def big_png(side: int) -> bytes:
    """A side x side RGB PNG (a gradient, so it compresses to a few MB)."""
    import numpy as np
    from PIL import Image

    row = np.linspace(0, 255, side, dtype=np.uint8)
    pixels = np.broadcast_to(row[None, :, None], (side, side, 3))
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def post_texts(port: int, texts: list[str] | str, timeout: float = 600) -> requests.Response:
    """An authenticated OpenAI embeddings request."""
    return requests.post(f"http://127.0.0.1:{port}/v1/embeddings", json={"model": "all-minilm-l6-v2", "input": texts},
                         headers={"Authorization": f"Bearer {TOKEN}"}, timeout=timeout)


def long_texts(process: psutil.Process, port: int) -> None:
    """Scenario 4: texts with no whitespace, far longer than the model reads."""
    post_texts(port, ["warm up"] * 8)
    before = rss(process)
    with PeakRss(process) as peak:
        answer = post_texts(port, ["a." * 15000] * 64)
    time.sleep(1)
    print(f"64 texts of 'a.' x 15000 (1.9 MB) to /v1/embeddings: HTTP {answer.status_code}; server RSS before "
          f"{before:.0f} MB, peak {peak.peak:.0f} MB, after {rss(process):.0f} MB")


def stalled_peers(port: int) -> None:
    """Scenario 5: half-open connections and slow bodies while complete requests come in."""
    held = []
    for _ in range(70):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(b"POST /v1/embeddings HTTP/1.1\r\nHost: x\r\n")
        held.append(sock)
    for _ in range(8):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(f"POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
                     "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{".encode())
        held.append(sock)
    counts = {"health": [0, 0, 0], "embeddings": [0, 0, 0]}  # answered 200, 503, hung
    for _ in range(20):
        for name, call in (("health", lambda: requests.get(f"http://127.0.0.1:{port}/health", timeout=30)),
                           ("embeddings", lambda: post_texts(port, "hello", timeout=30))):
            try:
                status = call().status_code
                counts[name][0 if status == 200 else 1] += 1
            except requests.RequestException:
                counts[name][2] += 1
    for sock in held:
        sock.close()
    print("70 half-open + 8 slow bodies held; 20 requests each: " + "; ".join(
        f"{name}: {ok} answered 200, {busy} refused, {hung} hung" for name, (ok, busy, hung) in counts.items()))


def bad_json(port: int) -> None:
    """Scenario 6: JSON that broke the parser of /v1/embeddings."""
    statuses = []
    for body in (b"[" * 10_000 + b"]" * 10_000, b'{"model": "all-minilm-l6-v2", "input": "\\ud800"}'):
        answer = requests.post(f"http://127.0.0.1:{port}/v1/embeddings", data=body, timeout=60,
                               headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
        statuses.append(answer.status_code)
    print(f"/v1/embeddings with JSON nested 10,000 deep: HTTP {statuses[0]}; with a lone surrogate: HTTP {statuses[1]}")


def abandoned_request(process: psutil.Process, port: int) -> None:
    """Scenario 7: a long request whose client leaves as soon as it has sent it."""
    body = json.dumps({"model": "all-minilm-l6-v2", "input": ["word " * 300] * 380}).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(f"POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
                     f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
        time.sleep(2)  # the server has the body and has started
    left = time.monotonic()
    busy_until = left
    cpu = sum(process.cpu_times()[:2])
    while time.monotonic() - left < 300:
        time.sleep(1)
        now = sum(process.cpu_times()[:2])
        if now - cpu > 0.2:
            busy_until = time.monotonic()
        elif time.monotonic() - busy_until > 3:
            break
        cpu = now
    print(f"380 texts x 256 word pieces, client gone after sending: the server computed on for "
          f"{busy_until - left:.0f} s after the client left (measured up to 300 s)")


def main() -> int:
    """Run the floods and the hostile peers, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-images", action="store_true", help="leave out the 8 x 100-megapixel request")
    parser.add_argument("--skip-floods", action="store_true", help="leave out scenarios 1-3")
    args = parser.parse_args()
    port = free_port()
    child = subprocess.Popen([sys.executable, "-c", "from embedflow.cli import main; raise SystemExit(main())",
                              "serve", "--port", str(port), "--token", TOKEN], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=1).ok:
                    break
            time.sleep(0.2)
        process = psutil.Process(child.pid)
        print(f"server RSS at start: {rss(process):.0f} MB")
        if not args.skip_floods:
            floods(process, port, args.skip_images)
        long_texts(process, port)
        stalled_peers(port)
        bad_json(port)
        abandoned_request(process, port)
    finally:
        child.terminate()
        try:
            child.wait(20)
        except subprocess.TimeoutExpired:  # an older server busy with abandoned work
            child.kill()
            child.wait(20)
    return 0


def floods(process: psutil.Process, port: int, skip_images: bool) -> None:
    """Scenarios 1-3: unauthenticated large bodies, half-open connections, very large images."""
    with PeakRss(process) as peak:
        threads, statuses = [], []
        for _ in range(16):
            thread = threading.Thread(target=lambda: statuses.append(unauthenticated_post(port, 63)))
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join(120)
    print(f"16 unauthenticated 63 MB POSTs: answers {sorted(set(statuses))}; "
          f"server RSS peak {peak.peak:.0f} MB, after {rss(process):.0f} MB")

    half_open = []
    for _ in range(300):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(b"POST /v1/embed HTTP/1.1\r\nHost: x\r\n")
        half_open.append(sock)
    time.sleep(6)
    after_6 = still_open(half_open)
    time.sleep(9)
    after_15 = still_open(half_open)
    for sock in half_open:
        sock.close()
    print(f"300 half-open connections: {after_6} still held after 6 s, {after_15} after 15 s")

    if not skip_images:
        image = base64.b64encode(big_png(10_000)).decode()
        before = rss(process)
        with PeakRss(process) as peak:
            answer = requests.post(f"http://127.0.0.1:{port}/v1/embed", json={"images": [image] * 8},
                                   headers={"Authorization": f"Bearer {TOKEN}"}, timeout=600)
        time.sleep(1)
        results = answer.json().get("results", [])
        embedded = sum("vector" in r for r in results)
        print(f"8 x 100-megapixel PNGs in one request: HTTP {answer.status_code}, {embedded} embedded, "
              f"{len(results) - embedded} refused by the pixel budget; server RSS before {before:.0f} MB, "
              f"peak {peak.peak:.0f} MB, after {rss(process):.0f} MB")


if __name__ == "__main__":
    raise SystemExit(main())
