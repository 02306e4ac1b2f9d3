"""A client for remote embedding models that speak the OpenAI-compatible `POST /v1/embeddings`."""

from __future__ import annotations

import base64
import binascii
import email.utils
import os
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import requests

from ..core.errors import Cancelled, EmbedflowError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RemoteModel:
    """Settings of one remote model; the API key is read from the environment variable `api_key_env`."""

    base_url: str
    model: str
    api_key_env: str = ""
    batch_size: int = 64
    connect_timeout: float = 5.0
    read_timeout: float = 120.0
    retries: int = 4
    backoff: float = 0.5
    max_wait: float = 60.0
    encoding_format: str = "float"

    @property
    def url(self) -> str:
        """The embeddings endpoint (a base URL that already ends in /v1 is not doubled)."""
        base = self.base_url.rstrip("/")
        return f"{base}/embeddings" if base.endswith("/v1") else f"{base}/v1/embeddings"


class RemoteEmbedder:
    """Embeds texts on an OpenAI-compatible server: batches, timeouts, retries with backoff."""

    def __init__(self, settings: RemoteModel, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if settings.batch_size < 1:
            raise EmbedflowError("The batch size of a remote model must be at least 1.")
        self.settings = settings
        self._session = session or requests.Session()
        self._sleep = sleep

    def embed(self, texts: Sequence[str], progress: Callable[[float], None] | None = None,
              cancelled: Callable[[], bool] | None = None) -> np.ndarray:
        """float32 [n, dims] vectors of texts, in order; raises EmbedflowError with a user-facing message."""
        headers = self._headers()
        texts = list(texts)
        batches: list[np.ndarray] = []
        size = self.settings.batch_size
        for start in range(0, len(texts), size):
            if cancelled is not None and cancelled():
                raise Cancelled()
            vectors = self._post(texts[start:start + size], headers, cancelled)
            if batches and vectors.shape[1] != batches[0].shape[1]:
                raise EmbedflowError(f"The model '{self.settings.model}' at {self.settings.url} changed its vector "
                                     f"size from {batches[0].shape[1]} to {vectors.shape[1]} between batches; "
                                     "the server may have switched models. Run again once it is stable.")
            batches.append(vectors)
            if progress is not None:
                progress(min(start + size, len(texts)) / len(texts))
        return np.vstack(batches) if batches else np.zeros((0, 0), dtype=np.float32)

    def _headers(self) -> dict[str, str]:
        env = self.settings.api_key_env
        if not env:
            return {}
        key = os.environ.get(env, "")
        if not key:
            raise EmbedflowError(f"The remote model needs an API key in the environment variable {env}, "
                                 "which is not set. Set it before starting embedflow.")
        return {"Authorization": f"Bearer {key}"}

    def _post(self, texts: list[str], headers: dict[str, str], cancelled: Callable[[], bool] | None) -> np.ndarray:
        """One batch, retried on timeouts, 429 and 5xx."""
        s = self.settings
        body = {"model": s.model, "input": texts, "encoding_format": s.encoding_format}
        for attempt in range(s.retries + 1):
            last = attempt == s.retries
            try:
                answer = self._session.post(s.url, json=body, headers=headers,
                                            timeout=(s.connect_timeout, s.read_timeout))
            except requests.exceptions.ConnectionError as exc:
                if isinstance(exc, requests.exceptions.ConnectTimeout) and not last:
                    self._wait(self._backoff(attempt), cancelled)
                    continue
                raise EmbedflowError(f"Cannot reach the embedding server at {s.url}: {_reason(exc)}. "
                                     "Check the address and that the server is running.") from None
            except requests.exceptions.Timeout:
                if last:
                    raise EmbedflowError(f"The embedding server at {s.url} did not answer within "
                                         f"{s.read_timeout:g} s ({s.retries + 1} tries).") from None
                self._wait(self._backoff(attempt), cancelled)
                continue
            except requests.exceptions.RequestException as exc:
                raise EmbedflowError(f"The request to {s.url} failed: {exc}") from None
            if answer.status_code in RETRY_STATUSES and not last:
                self._wait(self._retry_after(answer) if answer.status_code == 429 else self._backoff(attempt),
                           cancelled)
                continue
            return self._vectors(answer, len(texts))
        raise AssertionError("unreachable")  # the last attempt always returns or raises

    def _vectors(self, answer: requests.Response, count: int) -> np.ndarray:
        """The float32 matrix of a response, or an EmbedflowError saying what is wrong with it."""
        s = self.settings
        if answer.status_code in (401, 403):
            where = f"the environment variable {s.api_key_env}" if s.api_key_env else "no API key was sent"
            raise EmbedflowError(f"The embedding server at {s.url} refused the API key (HTTP {answer.status_code}: "
                                 f"{_server_message(answer)}). Check {where}.")
        if answer.status_code == 429:
            raise EmbedflowError(f"The embedding server at {s.url} is still rate-limiting after "
                                 f"{s.retries + 1} tries; try again later or use smaller batches.")
        if answer.status_code >= 400:
            raise EmbedflowError(f"The embedding server at {s.url} answered HTTP {answer.status_code} "
                                 f"for model '{s.model}': {_server_message(answer)}")
        try:
            items = sorted(answer.json()["data"], key=lambda item: item["index"])
            rows = [_decode(item["embedding"]) for item in items]
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise EmbedflowError(f"The embedding server at {s.url} sent an answer that is not an OpenAI-style "
                                 "embeddings response (JSON with data[].embedding).") from None
        if len(rows) != count:
            raise EmbedflowError(f"The embedding server at {s.url} returned {len(rows)} vectors for {count} texts.")
        if count and len({len(r) for r in rows}) != 1:
            raise EmbedflowError(f"The embedding server at {s.url} returned vectors of different sizes in one batch.")
        return np.array(rows, dtype=np.float32).reshape(count, -1)

    def _backoff(self, attempt: int) -> float:
        return min(self.settings.backoff * 2 ** attempt, self.settings.max_wait)

    def _retry_after(self, answer: requests.Response) -> float:
        """Seconds the server asks us to wait (Retry-After as seconds or an HTTP date), capped."""
        value = answer.headers.get("Retry-After", "").strip()
        wait: float | None = None
        if value:
            try:
                wait = float(value)
            except ValueError:
                try:
                    wait = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
                except (TypeError, ValueError):
                    wait = None
        if wait is None or wait != wait:
            wait = self._backoff(0)
        return min(max(wait, 0.0), self.settings.max_wait)

    def _wait(self, seconds: float, cancelled: Callable[[], bool] | None) -> None:
        """Sleep in short steps so a cancel is not held up by a long Retry-After."""
        left = seconds
        while left > 0:
            if cancelled is not None and cancelled():
                raise Cancelled()
            step = min(left, 0.2)
            self._sleep(step)
            left -= step


def _decode(embedding: Any) -> list[float] | np.ndarray:
    """A vector given as a list of numbers or as base64 little-endian float32."""
    if isinstance(embedding, str):
        raw = base64.b64decode(embedding, validate=True)
        if len(raw) % 4:
            raise ValueError("base64 vector is not float32")
        return np.frombuffer(raw, dtype="<f4")
    if not isinstance(embedding, list) or not all(isinstance(v, (int, float)) for v in embedding):
        raise TypeError("embedding is not a list of numbers")
    return embedding


def _server_message(answer: requests.Response) -> str:
    """The error message inside a JSON error body ({"error": str} or {"error": {"message": str}})."""
    try:
        error = answer.json().get("error")
    except (ValueError, AttributeError):
        return answer.reason or "no message"
    if isinstance(error, dict):
        error = error.get("message")
    return str(error) if error else (answer.reason or "no message")


def _reason(exc: requests.exceptions.ConnectionError) -> str:
    text = str(exc)
    for known, said in (("Connection refused", "connection refused"),
                        ("Name or service not known", "unknown host"),
                        ("timed out", "no answer to the connection attempt")):
        if known in text:
            return said
    return "connection failed"
