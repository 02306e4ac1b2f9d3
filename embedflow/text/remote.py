"""A client for remote embedding models that speak the OpenAI-compatible `POST /v1/embeddings`."""

from __future__ import annotations

import base64
import binascii
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.errors import EmbedflowError
from ..io.http import Deadline, HttpClient, HttpError, HttpPolicy, Reply, Unreachable

# What a server may send back: an answer's bytes and a vector's size (past these it is not an embedding model).
MAX_ANSWER_BYTES = 256 * 2**20
MAX_DIMENSIONS = 65_536
# How much of a server's own error text is shown.
MESSAGE_CHARS = 300
_FLOAT32_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class RemoteModel:
    """Settings of one remote model; the API key is read from the environment variable `api_key_env`.

    Per attempt a connection must open within `connect_timeout` and the server may stay silent for at
    most `read_timeout`; a batch (its retries and waits included) must end within `batch_deadline`,
    the whole run within `run_deadline`. A Retry-After longer than `max_wait` ends the run at once.
    """

    base_url: str
    model: str
    api_key_env: str = ""
    batch_size: int = 64
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    batch_deadline: float = 120.0
    run_deadline: float = 3600.0
    retries: int = 4
    backoff: float = 0.5
    max_wait: float = 60.0
    encoding_format: str = "float"

    @property
    def url(self) -> str:
        """The embeddings endpoint (a base URL that already ends in /v1 is not doubled)."""
        base = self.base_url.rstrip("/")
        return f"{base}/embeddings" if base.endswith("/v1") else f"{base}/v1/embeddings"

    def policy(self) -> HttpPolicy:
        """The HTTP policy of this model's calls."""
        return HttpPolicy(connect_timeout=self.connect_timeout, read_timeout=self.read_timeout,
                          deadline=self.batch_deadline, retries=self.retries, backoff=self.backoff,
                          max_backoff=self.max_wait, max_retry_after=self.max_wait, max_bytes=MAX_ANSWER_BYTES)


class RemoteEmbedder:
    """Embeds texts on an OpenAI-compatible server: batches, deadlines, retries, every answer checked."""

    def __init__(self, settings: RemoteModel, sleep: Callable[[float], None] = time.sleep) -> None:
        if settings.batch_size < 1:
            raise EmbedflowError("The batch size of a remote model must be at least 1.")
        self.settings = settings
        self._sleep = sleep

    def embed(self, texts: Sequence[str], progress: Callable[[float], None] | None = None,
              cancelled: Callable[[], bool] | None = None) -> np.ndarray:
        """float32 [n, dims] vectors of texts, in order; raises EmbedflowError with a user-facing message."""
        s = self.settings
        client = HttpClient(s.policy(), headers=self._headers(), cancelled=cancelled, sleep=self._sleep)
        run = Deadline(s.run_deadline, cancelled)
        texts = list(texts)
        batches: list[np.ndarray] = []
        try:
            for start in range(0, len(texts), s.batch_size):
                vectors = self._batch(client, texts[start:start + s.batch_size], run)
                if batches and vectors.shape[1] != batches[0].shape[1]:
                    raise EmbedflowError(f"The model '{s.model}' at {s.url} changed its vector size from "
                                         f"{batches[0].shape[1]} to {vectors.shape[1]} between batches; the server "
                                         "may have switched models. Run again once it is stable.")
                batches.append(vectors)
                if progress is not None:
                    progress(min(start + s.batch_size, len(texts)) / len(texts))
        finally:
            client.close()
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

    def _batch(self, client: HttpClient, texts: list[str], run: Deadline) -> np.ndarray:
        """One batch within the batch deadline and what is left of the run's."""
        s = self.settings
        try:
            run.check()
        except HttpError:
            raise EmbedflowError(f"The embedding server at {s.url} did not embed every text within the run's "
                                 f"deadline of {s.run_deadline:g} s.") from None
        left = run.left()
        seconds = s.batch_deadline if left is None else min(s.batch_deadline, left)
        body = {"model": s.model, "input": texts, "encoding_format": s.encoding_format}
        try:
            answer = client.request("POST", s.url, json=body, deadline=client.deadline(seconds))
        except Unreachable as exc:
            raise EmbedflowError(f"Cannot reach the embedding server at {s.url}: {exc}. "
                                 "Check the address and that the server is running.") from None
        except HttpError as exc:
            if (run.left() or 1.0) <= 0:
                raise EmbedflowError(f"The embedding server at {s.url} did not embed every text within the run's "
                                     f"deadline of {s.run_deadline:g} s.") from None
            raise EmbedflowError(f"The embedding server at {s.url} failed for model '{s.model}': {exc}.") from None
        return self._vectors(answer, len(texts))

    def _vectors(self, answer: Reply, count: int) -> np.ndarray:
        """The float32 matrix of a response, or an EmbedflowError saying what is wrong with it."""
        s = self.settings
        if answer.status in (401, 403):
            where = f"the environment variable {s.api_key_env}" if s.api_key_env else "no API key was sent"
            raise EmbedflowError(f"The embedding server at {s.url} refused the API key (HTTP {answer.status}: "
                                 f"{_server_message(answer)}). Check {where}.")
        if answer.status == 429:
            raise EmbedflowError(f"The embedding server at {s.url} is still rate-limiting after "
                                 f"{s.retries + 1} tries; try again later or use smaller batches.")
        if answer.status >= 400:
            raise EmbedflowError(f"The embedding server at {s.url} answered HTTP {answer.status} "
                                 f"for model '{s.model}': {_server_message(answer)}")
        try:
            rows = _rows(answer.json(), count)
        except AnswerProblem as exc:
            raise EmbedflowError(f"The embedding server at {s.url} sent a wrong answer for model '{s.model}': "
                                 f"{exc}. Nothing of it was used.") from None
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
            raise EmbedflowError(f"The embedding server at {s.url} sent an answer that is not an OpenAI-style "
                                 "embeddings response (JSON with data[].embedding).") from None
        return rows


class AnswerProblem(ValueError):
    """An embeddings answer that parses but cannot be right: the message says what is wrong."""


def _rows(answer: Any, count: int) -> np.ndarray:
    """The [count, dims] float32 vectors of a parsed answer, each checked: index, size, finiteness."""
    items = answer["data"]
    if not isinstance(items, list):
        raise TypeError("data is not a list")
    if len(items) != count:
        raise AnswerProblem(f"{len(items)} vectors for {count} texts")
    indices = [item["index"] for item in items]
    if sorted(indices) != list(range(count)) or not all(type(i) is int for i in indices):
        raise AnswerProblem(f"the vectors are labelled with indices {_shown(indices)}, not 0 to {count - 1} "
                            "each once")
    rows = [_decode(item["embedding"]) for item in sorted(items, key=lambda item: item["index"])]
    sizes = {len(row) for row in rows}
    if len(sizes) > 1:
        raise AnswerProblem(f"vectors of different sizes in one batch ({_shown(sorted(sizes))})")
    dims = sizes.pop() if sizes else 0
    if count and not 1 <= dims <= MAX_DIMENSIONS:
        raise AnswerProblem(f"vectors of {dims:,} values (an embedding has 1 to {MAX_DIMENSIONS:,})")
    vectors = np.array(rows, dtype=np.float64).reshape(count, dims)
    bad = ~np.isfinite(vectors).all(axis=1) | (np.abs(np.nan_to_num(vectors)) > _FLOAT32_MAX).any(axis=1)
    if bad.any():
        raise AnswerProblem(f"vectors with values that are not finite 32-bit numbers (NaN, infinity or too large) "
                            f"for the texts at {_shown(np.flatnonzero(bad).tolist())} of this batch")
    return vectors.astype(np.float32)


def _shown(values: list[Any], limit: int = 8) -> str:
    """A few values of a list, for a message."""
    text = ", ".join(str(v)[:20] for v in values[:limit])
    return text + (f", … ({len(values):,} in all)" if len(values) > limit else "")


def _decode(embedding: Any) -> np.ndarray:
    """A vector given as a list of numbers or as base64 little-endian float32, as float64."""
    if isinstance(embedding, str):
        raw = base64.b64decode(embedding, validate=True)
        if len(raw) % 4:
            raise ValueError("base64 vector is not float32")
        return np.frombuffer(raw, dtype="<f4").astype(np.float64)
    if not isinstance(embedding, list) or not all(type(v) in (int, float) for v in embedding):
        raise TypeError("embedding is not a list of numbers")
    try:
        return np.array(embedding, dtype=np.float64)
    except OverflowError:
        raise AnswerProblem("a number too large for any vector (hundreds of digits)") from None


def _server_message(answer: Reply) -> str:
    """The error text of a JSON error body ({"error": str} or {"error": {"message": str}}), cut to a readable length."""
    try:
        error = answer.json().get("error")
    except (ValueError, AttributeError):
        error = None
    if isinstance(error, dict):
        error = error.get("message")
    text = " ".join(str(error).split()) if error else (answer.reason or "no message")
    return text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS] + f"… ({len(text):,} characters in all)"
