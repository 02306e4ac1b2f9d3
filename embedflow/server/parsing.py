"""Reading requests: one JSON reader for both endpoints, then the texts or the images a request holds.

Every problem is a `BadRequest` carrying the status and a message for the client; nothing a client
sends can reach the routes as a RecursionError, a lone surrogate or a repr.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..text.transformer import MINILM
from .config import MAX_JSON_DEPTH, ServerConfig

TEXT_MODELS = {MINILM.id: MINILM.id, "sentence-transformers/all-minilm-l6-v2": MINILM.id}
# A word piece covers at least one character and WordPiece reads at most 100 characters as one word,
# so this many characters per position nearly always hold all the pieces the model can read.
CHARS_PER_POSITION = 16
_LAST_SPACE_WITHIN = 100
_WHITESPACE = re.compile(r"\s")


class BadRequest(Exception):
    """A request the server refuses, with the HTTP status to answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def read_json(body: bytes) -> Any:
    """The JSON value of a body: valid UTF-8, at most MAX_JSON_DEPTH levels deep, no lone surrogates."""
    try:
        payload = json.loads(body)
    except RecursionError:
        raise BadRequest("The JSON body is nested too deeply.") from None
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The body is not valid JSON.") from None
    _check_json(payload)
    return payload


def _check_json(value: Any) -> None:
    """Raise BadRequest past MAX_JSON_DEPTH levels or on a string with a lone surrogate (\\ud800)."""
    level, layer = 0, [value]
    while layer:
        level += 1
        containers = [v for v in layer if isinstance(v, (dict, list))]
        if containers and level > MAX_JSON_DEPTH:
            raise BadRequest(f"The JSON body is nested too deeply (more than {MAX_JSON_DEPTH} levels).")
        for text in _strings(layer):
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise BadRequest("The JSON body holds a lone surrogate (such as \\ud800), which is not a "
                                 "character; send valid Unicode text.") from None
        layer = [v for c in containers for v in (c.values() if isinstance(c, dict) else c)]


def _strings(layer: list[Any]) -> Iterator[str]:
    """The strings of one level of a JSON value: string values and the keys of objects."""
    for value in layer:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            yield from value


def parse_texts(body: bytes, config: ServerConfig) -> tuple[str, list[str], str]:
    """(model id, texts clipped to what the model reads, encoding format) of an OpenAI embeddings request."""
    payload = read_json(body)
    if not isinstance(payload, dict):
        raise BadRequest('The JSON body needs "model" and "input".')
    model, encoding = _text_options(payload)
    texts = payload.get("input")
    texts = [texts] if isinstance(texts, str) else texts
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise BadRequest('"input" must be a string or a non-empty list of strings (token arrays are not accepted).')
    if len(texts) > config.max_texts:
        raise BadRequest(f"At most {config.max_texts} inputs per request.", 413)
    longest = max(range(len(texts)), key=lambda i: len(texts[i]))
    if len(texts[longest]) > config.max_text_chars:
        raise BadRequest(f"Input {longest} is longer than {config.max_text_chars} characters.", 413)
    chars = MINILM.trained_length * CHARS_PER_POSITION
    return model, [clip(text, chars) for text in texts], encoding


def _text_options(payload: dict[str, Any]) -> tuple[str, str]:
    """(model id, encoding format) of an embeddings request, checked."""
    model = payload.get("model")
    if not isinstance(model, str) or model.lower() not in TEXT_MODELS:
        shown = model[:80] if isinstance(model, str) else model
        raise BadRequest(f"This server has no text model '{shown}'; it serves {MINILM.id}.", 404)
    encoding = payload.get("encoding_format") or "float"
    if encoding not in ("float", "base64"):
        raise BadRequest('"encoding_format" must be "float" or "base64".')
    dimensions = payload.get("dimensions")
    if dimensions is not None and dimensions != MINILM.dims:
        raise BadRequest(f"{MINILM.id} gives {MINILM.dims} dimensions only.")
    return TEXT_MODELS[model.lower()], encoding


def clip(text: str, chars: int) -> str:
    """text cut to at most `chars` characters, at the last whitespace near the cut when there is one."""
    if len(text) <= chars:
        return text
    space = max((m.start() for m in _WHITESPACE.finditer(text, chars - _LAST_SPACE_WITHIN, chars)), default=chars)
    return text[:space]


async def parse_images(request: Request, body: bytes, max_images: int) -> tuple[str, list[str], list[bytes]]:
    """(model id, names, image bytes) from a multipart or JSON body."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        model, names, images = await _multipart_images(request, max_images)
    elif kind == "application/json":
        model, names, images = _json_images(read_json(body), max_images)
    else:
        raise BadRequest("Send images as multipart/form-data (field 'images') or as JSON.", 415)
    if not isinstance(model, str) or len(model) > 200:
        raise BadRequest("The model must be a model id such as 'squeezenet' (see GET /v1/models).")
    if not images:
        raise BadRequest("The request holds no images.")
    if len(images) > max_images:
        raise BadRequest(f"At most {max_images} images per request.", 413)
    return model, names, images


async def _multipart_images(request: Request, max_images: int) -> tuple[Any, list[str], list[bytes]]:
    try:
        async with request.form(max_files=max_images, max_fields=16) as form:
            files = [f for f in form.getlist("images") if isinstance(f, UploadFile)]
            names = [f.filename or f"image{i}" for i, f in enumerate(files)]
            return form.get("model") or "squeezenet", names, [await f.read() for f in files]
    except StarletteHTTPException as exc:
        raise BadRequest(f"The multipart body could not be read: {exc.detail}") from None


def _json_images(payload: Any, max_images: int) -> tuple[Any, list[str], list[bytes]]:
    if not isinstance(payload, dict) or not isinstance(payload.get("images"), list):
        raise BadRequest('The JSON body needs "images": a list of base64 strings or {"name", "data"} objects.')
    if len(payload["images"]) > max_images:
        raise BadRequest(f"At most {max_images} images per request.", 413)
    names, images = [], []
    for i, item in enumerate(payload["images"]):
        named = isinstance(item, dict)
        name, data = (item.get("name", f"image{i}"), item.get("data")) if named else (f"image{i}", item)
        if not isinstance(data, str):
            raise BadRequest(f"Image {i} has no base64 \"data\".")
        try:
            images.append(base64.b64decode(data, validate=True))
        except (binascii.Error, ValueError):
            raise BadRequest(f"Image {i} ({str(name)[:80]}) is not valid base64.") from None
        names.append(str(name))
    return payload.get("model") or "squeezenet", names, images
