"""The embedding server (`embedflow serve`): image embeddings over HTTP with FastAPI and uvicorn.

GET /health, GET /v1/models, POST /v1/embed (multipart `images` files and a `model` field, or
JSON {"model": ..., "images": [base64 or {"name", "data"}]}). Every answer is JSON; each image
gets a vector or its own error; bad requests get 4xx JSON and no traceback ever leaves.
POST /v1/embeddings is the OpenAI-compatible endpoint for the built-in text models.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hmac
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
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import __version__
from .core.errors import EmbedflowError
from .images import catalog
from .images.loading import MAX_PIXELS, ImageLoadError
from .images.pipeline import LocalBackend
from .text.transformer import MINILM, sentence_model

TOKEN_ENV = "EMBEDFLOW_SERVER_TOKEN"
DEFAULT_MAX_REQUEST_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_IMAGES = 256
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
    threads: int = field(default_factory=lambda: max(1, os.cpu_count() or 1))


class RequestTooLarge(Exception):
    """The body is larger than the server accepts."""


def _json_error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


class LimitBody:
    """ASGI middleware: refuse bodies above the cap (by Content-Length or while streaming) with 413."""

    def __init__(self, app: Callable[..., Awaitable[None]], max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = _json_error(413, f"The request is larger than the server's limit of "
                                     f"{self.max_bytes // 2**20} MB; send fewer or smaller images.")
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_bytes:
            await too_large(scope, receive, send)
            return
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            total += len(message.get("body", b""))
            if total > self.max_bytes:
                await too_large(scope, receive, send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


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

    @app.middleware("http")
    async def require_token(request: Request, call_next: Callable) -> Any:
        if config.token and request.url.path.startswith("/v1/"):
            given = request.headers.get("authorization", "")
            given = given[7:] if given.lower().startswith("bearer ") else request.headers.get("x-embedflow-token", "")
            if not hmac.compare_digest(given.encode(), config.token.encode()):
                message = "A valid token is required (Authorization: Bearer <token>)."
                response = (_openai_error(401, message) if request.url.path == "/v1/embeddings"
                            else _json_error(401, message))
                response.headers["WWW-Authenticate"] = "Bearer"
                return response
        return await call_next(request)

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
        results = await run_in_threadpool(_embed_all, backend, images, config.max_pixels, decoders)
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

    return LimitBody(app, config.max_request_bytes)  # type: ignore[return-value]


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
                model = str(form.get("model") or "squeezenet")
                names = [f.filename or f"image{i}" for i, f in enumerate(files)]
                images = [await f.read() for f in files]
        except StarletteHTTPException as exc:
            raise _BadRequest(f"The multipart body could not be read: {exc.detail}") from None
    elif kind == "application/json":
        try:
            payload = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            raise _BadRequest("The body is not valid JSON.") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("images"), list):
            raise _BadRequest('The JSON body needs "images": a list of base64 strings or {"name", "data"} objects.')
        model = str(payload.get("model") or "squeezenet")
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
    if not images:
        raise _BadRequest("The request holds no images.")
    if len(images) > max_images:
        raise _BadRequest(f"At most {max_images} images per request.", 413)
    return model, names, images


def _embed_all(backend: LocalBackend, images: list[bytes], max_pixels: int,
               decoders: ThreadPoolExecutor) -> list[np.ndarray | str]:
    """Decode in parallel, run the net in batches; an error string for each image that fails."""
    def prepare(data: bytes) -> np.ndarray | str:
        try:
            return backend.preprocess.load(data, max_pixels)
        except ImageLoadError as exc:
            return str(exc)

    prepared = list(decoders.map(prepare, images))
    results: list[np.ndarray | str] = list(prepared)
    arrays = {i: p for i, p in enumerate(prepared) if not isinstance(p, str)}
    good = list(arrays)
    for start in range(0, len(good), BATCH):
        rows = good[start:start + BATCH]
        for row, vector in zip(rows, backend.run([arrays[r] for r in rows])):
            results[row] = vector
    return results


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
    parser.add_argument("--max-request-mb", type=int, default=DEFAULT_MAX_REQUEST_BYTES // 2**20,
                        help="largest request body accepted, in MB (default 64)")
    parser.add_argument("--max-images", type=int, default=DEFAULT_MAX_IMAGES,
                        help="most images in one request (default 256)")


def main(args: argparse.Namespace) -> int:
    """Run the server until interrupted; returns the exit code."""
    import uvicorn

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
    config = ServerConfig(token=token, max_request_bytes=args.max_request_mb * 2**20, max_images=args.max_images)
    print(f"embedflow serve: image and text embeddings on http://{args.host}:{args.port}"
          f"{' (token required)' if token else ''}; Ctrl+C stops it", file=sys.stderr)
    server = uvicorn.Server(uvicorn.Config(create_app(config), log_level="warning"))
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
