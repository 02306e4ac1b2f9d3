"""The routes: GET /health, GET /v1/models, POST /v1/embed (images), POST /v1/embeddings (OpenAI, texts)."""

from __future__ import annotations

import base64
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..core.errors import EmbedflowError
from ..images import catalog
from .answers import error_for, json_error, openai_error
from .config import ServerConfig
from .embedding import Embedders, embed_images, embed_texts
from .guard import Guard, Stopped, Work
from .parsing import BadRequest, parse_images, parse_texts

log = logging.getLogger("embedflow.server")


def create_app(config: ServerConfig | None = None) -> FastAPI:
    """The FastAPI application behind its Guard, with limits, token check and JSON errors installed."""
    config = config or ServerConfig()
    app = FastAPI(title="embedflow embedding server", version=__version__,
                  docs_url=None, redoc_url=None, openapi_url=None)
    embedders = Embedders(config.threads)
    decoders = ThreadPoolExecutor(max_workers=config.threads, thread_name_prefix="embedflow-serve")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_for(request.url.path, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_for(request.url.path, 400, "The request is not valid.")

    @app.exception_handler(BadRequest)
    async def bad_request(request: Request, exc: BadRequest) -> JSONResponse:
        return error_for(request.url.path, exc.status, str(exc))

    @app.exception_handler(Stopped)
    async def stopped(request: Request, exc: Stopped) -> JSONResponse:
        log.warning("stopped the work of %s: %s", request.url.path, exc)
        return error_for(request.url.path, 504, f"The request was stopped: {exc} (the limit is "
                                                 f"{config.compute_timeout:g} s); send fewer inputs per request.")

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error while answering %s", request.url.path)
        return error_for(request.url.path, 500, "Internal error in the embedding server; see its log.")

    @app.get("/health")
    async def health() -> dict[str, Any]:
        """Liveness and version; needs no token and is never refused as busy."""
        return {"status": "ok", "service": "embedflow", "version": __version__}

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        """The image models of the catalogue and whether this server has them."""
        return {"models": [{key: row[key] for key in ("id", "name", "kind", "dims", "available")}
                           for row in catalog.describe_models()]}

    @app.post("/v1/embed")
    async def embed(request: Request) -> JSONResponse:
        """A vector or an error for every image of a multipart or JSON request."""
        model_id, names, images = await parse_images(request, await request.body(), config.max_images)
        try:
            backend = embedders.get(model_id)
        except EmbedflowError as exc:
            return json_error(404 if model_id not in catalog.CATALOG else 409, str(exc))
        results = await run_in_threadpool(embed_images, backend, images, config.max_pixels, decoders,
                                          config.request_pixels, _work(request))
        body = {"model": model_id, "dims": next((len(r) for r in results if not isinstance(r, str)), None),
                "results": [_result(i, names[i], r) for i, r in enumerate(results)]}
        if images and all(isinstance(r, str) for r in results):
            return JSONResponse({"error": "None of the images could be embedded.", **body}, status_code=422)
        return JSONResponse(body)

    @app.post("/v1/embeddings")
    async def embeddings(request: Request) -> JSONResponse:
        """OpenAI-compatible embeddings (float lists or base64 float32) of the built-in text models."""
        model_id, texts, encoding = parse_texts(await request.body(), config)
        try:
            vectors, tokens = await run_in_threadpool(embed_texts, texts, config.threads, config.max_tokens,
                                                      _work(request))
        except EmbedflowError as exc:  # the model's packages are missing on this server
            return openai_error(409, str(exc))
        data = [{"object": "embedding", "index": i, "embedding": _encoded(v, encoding)} for i, v in enumerate(vectors)]
        return JSONResponse({"object": "list", "data": data, "model": model_id,
                             "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})

    return Guard(app, config)  # type: ignore[return-value]


def _work(request: Request) -> Work:
    """The request's deadline and disconnect signal, set by the Guard."""
    work: Work = request.state.work
    return work


def _encoded(vector: np.ndarray, encoding: str) -> str | list[float]:
    if encoding == "base64":
        return base64.b64encode(vector.astype("<f4").tobytes()).decode()
    return [float(x) for x in vector]


def _result(index: int, name: str, outcome: np.ndarray | str) -> dict[str, Any]:
    if isinstance(outcome, str):
        return {"index": index, "name": name, "error": outcome}
    return {"index": index, "name": name, "vector": [float(v) for v in outcome]}
