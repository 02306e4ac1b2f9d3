"""The JSON error answers of the server: embedflow's own shape and OpenAI's."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

OPENAI_PATHS = frozenset({"/v1/embeddings"})


def json_error(status: int, message: str, **extra: Any) -> JSONResponse:
    """{"error": message, ...} with `status`."""
    return JSONResponse({"error": message, **extra}, status_code=status)


def openai_error(status: int, message: str) -> JSONResponse:
    """An error in the shape OpenAI clients read: {"error": {"message", "type", "code"}}."""
    return JSONResponse({"error": {"message": message, "type": "invalid_request_error", "param": None,
                                   "code": None}}, status_code=status)


def error_for(path: str, status: int, message: str) -> JSONResponse:
    """The error answer in the shape clients of `path` read (OpenAI's on its endpoints)."""
    return openai_error(status, message) if path in OPENAI_PATHS else json_error(status, message)
