"""The embedding server (`embedflow serve`): image embeddings over HTTP with FastAPI and uvicorn.

GET /health, GET /v1/models, POST /v1/embed (multipart `images` files and a `model` field, or
JSON {"model": ..., "images": [base64 or {"name", "data"}]}). Every answer is JSON; each image
gets a vector or its own error; bad requests get 4xx JSON and no traceback ever leaves.
POST /v1/embeddings is the OpenAI-compatible endpoint for the built-in text models.

The Guard middleware, outermost, checks the token from the headers before a byte of the body is
read, bounds the requests in flight and the time a body may take; the HTTP protocol class drops
connections that do not finish their headers in time (docs/reliability.md lists the limits).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import ctypes
import ctypes.util
import gc
import hmac
import io
import ipaddress
import json
import logging
import os
import socket
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

import numpy as np
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from PIL import Image
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.protocols.http.h11_impl import H11Protocol

from . import __version__
from .core.errors import EmbedflowError
from .images import catalog
from .images.loading import MAX_PIXELS, ImageLoadError
from .images.pipeline import LocalBackend
from .text.transformer import MINILM, sentence_model

TOKEN_ENV = "EMBEDFLOW_SERVER_TOKEN"
DEFAULT_MAX_REQUEST_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_IMAGES = 256
DEFAULT_MAX_CONCURRENT = 8
DEFAULT_REQUEST_PIXELS = 200_000_000
HEADER_TIMEOUT = 10.0
BODY_TIMEOUT = 60.0
MAX_CONNECTIONS = 64
MAX_HEADER_BYTES = 64 * 1024
MAX_JSON_DEPTH = 16
BATCH = 32
DEFAULT_MAX_TEXTS = 2048
DEFAULT_MAX_TEXT_CHARS = 200_000
TEXT_MODELS = {MINILM.id: MINILM.id, "sentence-transformers/all-minilm-l6-v2": MINILM.id}
log = logging.getLogger("embedflow.server")


@dataclass
class ServerConfig:
    """Limits and access control of one server."""

    token: str = ""
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    max_images: int = DEFAULT_MAX_IMAGES
    max_pixels: int = MAX_PIXELS
    max_texts: int = DEFAULT_MAX_TEXTS
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS
    request_pixels: int = DEFAULT_REQUEST_PIXELS
    max_concurrent: int = DEFAULT_MAX_CONCURRENT
    body_timeout: float = BODY_TIMEOUT
    threads: int = field(default_factory=lambda: max(1, os.cpu_count() or 1))


def _json_error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def token_accepted(headers: dict[bytes, bytes], token: str) -> bool:
    """True when the headers carry `token` (Authorization: Bearer, or X-Embedflow-Token)."""
    given = headers.get(b"authorization", b"")
    given = given[7:] if given.lower().startswith(b"bearer ") else headers.get(b"x-embedflow-token", b"")
    return hmac.compare_digest(given, token.encode())


class Guard:
    """ASGI middleware, outermost: token from the headers, then requests in flight, then a bounded body.

    Nothing of the body is read before the token is checked, so an unauthenticated client costs
    no memory; at most `max_concurrent` bodies (each at most `max_request_bytes`) are held at once,
    and a body must arrive within `body_timeout` seconds.
    """

    def __init__(self, app: Callable[..., Awaitable[None]], config: ServerConfig) -> None:
        self.app = app
        self.config = config
        self.in_flight = 0

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if self.config.token and scope["path"].startswith("/v1/") and not token_accepted(headers, self.config.token):
            message = "A valid token is required (Authorization: Bearer <token>)."
            # OpenAI clients read errors of /v1/embeddings in their own shape.
            response = _openai_error(401, message) if scope["path"] == "/v1/embeddings" else _json_error(401, message)
            response.headers["WWW-Authenticate"] = "Bearer"
            await response(scope, receive, send)
            return
        if self.in_flight >= self.config.max_concurrent:
            busy = _json_error(503, "The server is busy with other requests; try again shortly.")
            busy.headers["Retry-After"] = "1"
            await busy(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self._bounded(scope, receive, send, headers)
        finally:
            self.in_flight -= 1

    async def _bounded(self, scope: dict, receive: Callable, send: Callable, headers: dict[bytes, bytes]) -> None:
        limit = self.config.max_request_bytes
        too_large = _json_error(413, f"The request is larger than the server's limit of "
                                     f"{limit // 2**20} MB; send fewer or smaller images.")
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            await too_large(scope, receive, send)
            return
        chunks: list[bytes] = []
        total = 0
        try:
            async with asyncio.timeout(self.config.body_timeout):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return
                    total += len(message.get("body", b""))
                    if total > limit:
                        chunks.clear()
                        await too_large(scope, receive, send)
                        return
                    chunks.append(message.get("body", b""))
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            chunks.clear()
            await _json_error(408, f"The request body did not arrive within {self.config.body_timeout:g} s.")(
                scope, receive, send)
            return
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class HeaderDeadlineProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, closing connections that take over `header_timeout` s to send a request's headers."""

    header_timeout = HEADER_TIMEOUT

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock for the first request's headers."""
        super().connection_made(transport)
        self._arm_header_deadline()

    def on_response_complete(self) -> None:
        """Start the clock again for the next request on this connection."""
        super().on_response_complete()
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the clock."""
        if self._header_deadline is not None:
            self._header_deadline.cancel()
        super().connection_lost(exc)

    def _arm_header_deadline(self) -> None:
        previous: asyncio.TimerHandle | None = getattr(self, "_header_deadline", None)
        if previous is not None:
            previous.cancel()
        self._header_deadline: asyncio.TimerHandle | None = self.loop.call_later(
            self.header_timeout, self._headers_too_slow)

    def _headers_too_slow(self) -> None:
        waiting = self.cycle is None or self.cycle.response_complete
        if waiting and not self.transport.is_closing():
            self.transport.close()


def uvicorn_config(app: Any, header_timeout: float = HEADER_TIMEOUT, **options: Any) -> Any:
    """The uvicorn.Config the server runs with: header deadline, connection cap, header size cap."""
    import uvicorn

    protocol = type("HeaderDeadline", (HeaderDeadlineProtocol,), {"header_timeout": header_timeout})
    return uvicorn.Config(app, http=protocol, limit_concurrency=MAX_CONNECTIONS, timeout_keep_alive=5,
                          h11_max_incomplete_event_size=MAX_HEADER_BYTES, **options)


class Embedders:
    """One loaded backend per model id, created on first use and shared by all requests."""

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self._backends: dict[str, LocalBackend] = {}
        self._lock = threading.Lock()

    def get(self, model_id: str) -> LocalBackend:
        """The backend of an available catalogue model (raises EmbedflowError otherwise)."""
        with self._lock:
            if model_id not in self._backends:
                model = catalog.get_model(model_id)
                if not model.available:
                    raise EmbedflowError(f"The model '{model_id}' is not downloaded on this server; "
                                         f"run `embedflow models --download {model_id}` there first.")
                self._backends[model_id] = LocalBackend(model, catalog.model_file(model), self.threads)
            return self._backends[model_id]


def create_app(config: ServerConfig | None = None) -> FastAPI:
    """The FastAPI application, with limits, token check and JSON errors installed."""
    config = config or ServerConfig()
    app = FastAPI(title="embedflow embedding server", version=__version__,
                  docs_url=None, redoc_url=None, openapi_url=None)
    embedders = Embedders(config.threads)
    decoders = ThreadPoolExecutor(max_workers=config.threads, thread_name_prefix="embedflow-serve")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _json_error(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _json_error(400, "The request is not valid.")

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error while answering %s", request.url.path)
        return _json_error(500, "Internal error in the embedding server; see its log.")

    @app.get("/health")
    async def health() -> dict[str, Any]:
        """Liveness and version; needs no token."""
        return {"status": "ok", "service": "embedflow", "version": __version__}

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        """The image models of the catalogue and whether this server has them."""
        return {"models": [{key: row[key] for key in ("id", "name", "kind", "dims", "available")}
                           for row in catalog.describe_models()]}

    @app.post("/v1/embed")
    async def embed(request: Request) -> JSONResponse:
        """A vector or an error for every image of a multipart or JSON request."""
        try:
            model_id, names, images = await _read_images(request, config.max_images)
        except _BadRequest as exc:
            return _json_error(exc.status, str(exc))
        try:
            backend = embedders.get(model_id)
        except EmbedflowError as exc:
            return _json_error(404 if model_id not in catalog.CATALOG else 409, str(exc))
        results = await run_in_threadpool(_embed_all, backend, images, config.max_pixels, decoders,
                                          config.request_pixels)
        body = {"model": model_id, "dims": next((len(r) for r in results if not isinstance(r, str)), None),
                "results": [_result(i, names[i], r) for i, r in enumerate(results)]}
        if images and all(isinstance(r, str) for r in results):
            return JSONResponse({"error": "None of the images could be embedded.", **body}, status_code=422)
        return JSONResponse(body)

    @app.post("/v1/embeddings")
    async def embeddings(request: Request) -> JSONResponse:
        """OpenAI-compatible embeddings (float lists or base64 float32) of the built-in text models."""
        try:
            model_id, texts, encoding = await _read_texts(request, config)
        except _BadRequest as exc:
            return _openai_error(exc.status, str(exc))
        try:
            vectors, tokens = await run_in_threadpool(_embed_texts, texts, config.threads)
        except EmbedflowError as exc:  # the model's packages are missing on this server
            return _openai_error(409, str(exc))
        data = [{"object": "embedding", "index": i,
                 "embedding": base64.b64encode(v.astype("<f4").tobytes()).decode() if encoding == "base64"
                 else [float(x) for x in v]} for i, v in enumerate(vectors)]
        return JSONResponse({"object": "list", "data": data, "model": model_id,
                             "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})

    return Guard(app, config)  # type: ignore[return-value]


def _openai_error(status: int, message: str) -> JSONResponse:
    """An error in the shape OpenAI clients read: {"error": {"message", "type", "code"}}."""
    return JSONResponse({"error": {"message": message, "type": "invalid_request_error", "param": None,
                                   "code": None}}, status_code=status)


async def _read_texts(request: Request, config: ServerConfig) -> tuple[str, list[str], str]:
    """(model id, texts, encoding format) of an OpenAI embeddings request."""
    try:
        payload = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise _BadRequest("The body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise _BadRequest('The JSON body needs "model" and "input".')
    model = payload.get("model")
    if not isinstance(model, str) or model.lower() not in TEXT_MODELS:
        raise _BadRequest(f"This server has no text model '{model}'; it serves {MINILM.id}.", 404)
    encoding = payload.get("encoding_format") or "float"
    if encoding not in ("float", "base64"):
        raise _BadRequest('"encoding_format" must be "float" or "base64".')
    dimensions = payload.get("dimensions")
    if dimensions is not None and dimensions != MINILM.dims:
        raise _BadRequest(f"{MINILM.id} gives {MINILM.dims} dimensions only.")
    texts = payload.get("input")
    texts = [texts] if isinstance(texts, str) else texts
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise _BadRequest('"input" must be a string or a non-empty list of strings (token arrays are not '
                          "accepted).")
    if len(texts) > config.max_texts:
        raise _BadRequest(f"At most {config.max_texts} inputs per request.", 413)
    longest = max(range(len(texts)), key=lambda i: len(texts[i]))
    if len(texts[longest]) > config.max_text_chars:
        raise _BadRequest(f"Input {longest} is longer than {config.max_text_chars} characters.", 413)
    return TEXT_MODELS[model.lower()], texts, encoding


def _embed_texts(texts: list[str], threads: int) -> tuple[np.ndarray, int]:
    """Vectors of texts at the model's trained length, and the number of word pieces read."""
    model = sentence_model(MINILM.id, threads=threads)
    tokens = model.tokenize(texts, MINILM.trained_length)
    return model.embed(tokens.ids, tokens.attention_mask), int(tokens.lengths.sum())


class _BadRequest(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


async def _read_images(request: Request, max_images: int) -> tuple[str, list[str], list[bytes]]:
    """(model id, names, image bytes) from a multipart or JSON body."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        try:
            async with request.form(max_files=max_images, max_fields=16) as form:
                files = [f for f in form.getlist("images") if isinstance(f, UploadFile)]
                model = form.get("model") or "squeezenet"
                names = [f.filename or f"image{i}" for i, f in enumerate(files)]
                images = [await f.read() for f in files]
        except StarletteHTTPException as exc:
            raise _BadRequest(f"The multipart body could not be read: {exc.detail}") from None
    elif kind == "application/json":
        try:
            payload = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            raise _BadRequest("The body is not valid JSON.") from None
        except RecursionError:
            raise _BadRequest("The JSON body is nested too deeply.") from None
        if _json_depth(payload) > MAX_JSON_DEPTH:
            raise _BadRequest(f"The JSON body is nested too deeply (more than {MAX_JSON_DEPTH} levels).")
        if not isinstance(payload, dict) or not isinstance(payload.get("images"), list):
            raise _BadRequest('The JSON body needs "images": a list of base64 strings or {"name", "data"} objects.')
        model = payload.get("model") or "squeezenet"
        if len(payload["images"]) > max_images:
            raise _BadRequest(f"At most {max_images} images per request.", 413)
        names, images = [], []
        for i, item in enumerate(payload["images"]):
            name, data = (item.get("name", f"image{i}"), item.get("data")) if isinstance(item, dict) else (f"image{i}", item)
            if not isinstance(data, str):
                raise _BadRequest(f"Image {i} has no base64 \"data\".")
            try:
                images.append(base64.b64decode(data, validate=True))
            except (binascii.Error, ValueError):
                raise _BadRequest(f"Image {i} ({name}) is not valid base64.") from None
            names.append(str(name))
    else:
        raise _BadRequest("Send images as multipart/form-data (field 'images') or as JSON.", 415)
    if not isinstance(model, str) or len(model) > 200:
        raise _BadRequest("The model must be a model id such as 'squeezenet' (see GET /v1/models).")
    if not images:
        raise _BadRequest("The request holds no images.")
    if len(images) > max_images:
        raise _BadRequest(f"At most {max_images} images per request.", 413)
    return model, names, images


def _json_depth(value: Any) -> int:
    """How deeply lists and objects nest, counted up to MAX_JSON_DEPTH + 1."""
    level, containers = 0, [value] if isinstance(value, (dict, list)) else []
    while containers and level <= MAX_JSON_DEPTH:
        level += 1
        containers = [v for c in containers for v in (c.values() if isinstance(c, dict) else c)
                      if isinstance(v, (dict, list))]
    return level


def _embed_all(backend: LocalBackend, images: list[bytes], max_pixels: int,
               decoders: ThreadPoolExecutor, request_pixels: int = DEFAULT_REQUEST_PIXELS) -> list[np.ndarray | str]:
    """Decode in parallel within the request's pixel budget, run the net in batches; errors as strings."""
    over_budget = _over_budget(images, request_pixels)

    def prepare(index: int) -> np.ndarray | str:
        if index in over_budget:
            return (f"the images before this one used the request's budget of {request_pixels / 1e6:g} "
                    "megapixels; send this image in another request")
        try:
            return backend.preprocess.load(images[index], max_pixels)
        except ImageLoadError as exc:
            return str(exc)
        except MemoryError:
            return "not enough memory to decode this image"

    try:
        prepared = list(decoders.map(prepare, range(len(images))))
    finally:
        _give_back_memory()
    results: list[np.ndarray | str] = list(prepared)
    arrays = {i: p for i, p in enumerate(prepared) if not isinstance(p, str)}
    good = list(arrays)
    for start in range(0, len(good), BATCH):
        rows = good[start:start + BATCH]
        for row, vector in zip(rows, backend.run([arrays[r] for r in rows])):
            results[row] = vector
    return results


def _over_budget(images: list[bytes], request_pixels: int) -> set[int]:
    """The images that, read in order from their headers, would take the request past `request_pixels`."""
    used, refused = 0, set()
    for index, data in enumerate(images):
        try:
            with Image.open(io.BytesIO(data)) as header:
                pixels = header.size[0] * header.size[1]
        except Exception:  # not an image: decoding reports it  # noqa: BLE001
            continue
        if used + pixels > request_pixels:
            refused.add(index)
        else:
            used += pixels
    return refused


def _give_back_memory() -> None:
    """Return freed decode buffers to the system (glibc keeps them in its arenas otherwise)."""
    gc.collect()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _load_libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


_LIBC = _load_libc()


def _result(index: int, name: str, outcome: np.ndarray | str) -> dict[str, Any]:
    if isinstance(outcome, str):
        return {"index": index, "name": name, "error": outcome}
    return {"index": index, "name": name, "vector": [float(v) for v in outcome]}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `embedflow serve`."""
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this computer only)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    parser.add_argument("--token", default=None,
                        help=f"require this token from clients (default: ${TOKEN_ENV} if set)")
    parser.add_argument("--max-request-mb", type=_whole_number(1, 4096), default=DEFAULT_MAX_REQUEST_BYTES // 2**20,
                        help="largest request body accepted, in MB (1 to 4096, default 64)")
    parser.add_argument("--max-images", type=_whole_number(1, 100_000), default=DEFAULT_MAX_IMAGES,
                        help="most images in one request (default 256)")
    parser.add_argument("--max-concurrent", type=_whole_number(1, 1024), default=DEFAULT_MAX_CONCURRENT,
                        help=f"requests handled at once; more get 503 (default {DEFAULT_MAX_CONCURRENT})")


def _whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` to `high`."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}, not {value}")
        return value
    return parse


def main(args: argparse.Namespace) -> int:
    """Run the server until interrupted; returns the exit code."""
    token = args.token if args.token is not None else os.environ.get(TOKEN_ENV, "")
    if not 0 < args.port < 65536:
        print(f"embedflow serve: the port must be between 1 and 65535, not {args.port}", file=sys.stderr)
        return 1
    if not _is_loopback(args.host) and not token:
        print(f"embedflow serve: warning: listening on {args.host} without a token; anyone who can "
              "reach this computer can use the server. Add --token.", file=sys.stderr)
    try:
        sock = _listen(args.host, args.port)
    except OSError as exc:
        print(f"embedflow serve: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    config = ServerConfig(token=token, max_request_bytes=args.max_request_mb * 2**20, max_images=args.max_images,
                          max_concurrent=args.max_concurrent)
    print(f"embedflow serve: image and text embeddings on http://{args.host}:{args.port}"
          f"{' (token required)' if token else ''}; Ctrl+C stops it", file=sys.stderr)
    import uvicorn

    server = uvicorn.Server(uvicorn_config(create_app(config), log_level="warning"))
    with sock:
        server.run(sockets=[sock])
    return 0


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to host:port, so a taken port is reported before anything starts."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
