"""Helpers for the image, download and server tests: a real local HTTP server and test images."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image


@dataclass
class Served:
    """What the local server serves and how it misbehaves (set by the test)."""

    files: dict[str, bytes] = field(default_factory=dict)
    drop_after: dict[str, int] = field(default_factory=dict)  # path -> bytes sent before cutting once
    fail_times: dict[str, int] = field(default_factory=dict)  # path -> number of 503s to answer first
    delay: dict[str, float] = field(default_factory=dict)  # path -> seconds to wait before answering
    ignore_range: bool = False
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)  # method, path, Range


def _handler(served: Served) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _body(self) -> bytes | None:
            served.requests.append((self.command, self.path, self.headers.get("Range")))
            if self.path in served.delay:
                time.sleep(served.delay[self.path])
            if served.fail_times.get(self.path, 0) > 0:
                served.fail_times[self.path] -= 1
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            body = served.files.get(self.path)
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
            return body

        def do_HEAD(self) -> None:
            body = self._body()
            if body is not None:
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()

        def do_GET(self) -> None:
            body = self._body()
            if body is None:
                return
            start = 0
            header = self.headers.get("Range")
            if header and not served.ignore_range:
                start = int(header.split("=")[1].split("-")[0])
                if start >= len(body):
                    self.send_response(416)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            else:
                self.send_response(200)
            payload = body[start:]
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            cut = served.drop_after.pop(self.path, None)
            if cut is not None:
                self.wfile.write(payload[:cut])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(payload)

    return Handler


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that time out on purpose close the socket mid-answer


@contextmanager
def http_server(served: Served) -> Iterator[str]:
    """Run a threaded HTTP server on a free 127.0.0.1 port; yields its base URL."""
    server = _QuietServer(("127.0.0.1", 0), _handler(served))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def photo(name: str = "astronaut", size: tuple[int, int] | None = None) -> Image.Image:
    """A real photo from scikit-image, optionally resized."""
    from PIL import Image
    from skimage import data

    image = Image.fromarray(getattr(data, name)()).convert("RGB")
    return image.resize(size, Image.Resampling.LANCZOS) if size else image


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height pixels (the pixel data is a stub)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16))
            + chunk(b"IEND", b""))


def bad_and_odd_images(folder: Path) -> dict[str, str | None]:
    """Write every awkward case into `folder`; returns file name -> expected reason word (None = embeds)."""
    import io

    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    good = photo("chelsea")
    good.save(folder / "good.jpg", quality=90)
    (folder / "empty.jpg").write_bytes(b"")
    buffer = io.BytesIO()
    good.save(buffer, "JPEG", quality=90)
    (folder / "truncated.jpg").write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    (folder / "not-an-image.png").write_text("this is a text file, not a picture\n")
    good.convert("CMYK").save(folder / "cmyk.jpg", quality=90)
    gray16 = (np.asarray(good.convert("L"), np.uint16) * 257).astype(np.uint16)
    Image.fromarray(gray16).save(folder / "gray16.png")
    good.convert("L").save(folder / "gray.png")
    palette = good.convert("P", palette=Image.Palette.ADAPTIVE, colors=64)
    palette.save(folder / "palette-alpha.png", transparency=0)
    upright = photo("coffee", (300, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: the viewer must rotate 90° clockwise
    upright.transpose(Image.Transpose.ROTATE_90).save(folder / "exif-rotated.png", exif=exif)
    (folder / "huge-header.png").write_bytes(png_header(30000, 30000))
    return {"good.jpg": None, "empty.jpg": "empty", "truncated.jpg": "truncated",
            "not-an-image.png": "not an image", "cmyk.jpg": None, "gray16.png": None, "gray.png": None,
            "palette-alpha.png": None, "exif-rotated.png": None, "huge-header.png": "too large"}


@contextmanager
def running_server(app: object) -> Iterator[str]:
    """Run an ASGI app with uvicorn in a thread on a free 127.0.0.1 port; yields its base URL."""
    import socket

    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(5)
        sock.close()


def channel_mean_model(layout: str = "NCHW", batch: int | str = "batch") -> bytes:
    """A real ONNX model: 8x8 RGB in, the three channel means out (output 'means')."""
    import onnx
    from onnx import TensorProto, helper

    shape = [batch, 3, 8, 8] if layout == "NCHW" else [batch, 8, 8, 3]
    axes = [2, 3] if layout == "NCHW" else [1, 2]
    axes_init = helper.make_tensor("axes", TensorProto.INT64, [2], axes)
    nodes = [helper.make_node("ReduceMean", ["pixels", "axes"], ["means"], keepdims=0)]
    graph = helper.make_graph(nodes, "means",
                              [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("means", TensorProto.FLOAT, [batch, 3])],
                              [axes_init])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()
