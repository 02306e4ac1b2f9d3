"""Client of the embedflow embedding server (`embedflow serve`): batches, timeouts, retries."""

from __future__ import annotations

from collections.abc import Callable, Set
from typing import Any

import numpy as np

from ..core.errors import EmbedflowError
from ..io.http import HttpClient, HttpError, HttpPolicy, Reply, Unreachable

TOKEN_HEADER = "Authorization"


class ServerError(EmbedflowError):
    """The embedding server could not be used; the message says why and what to check."""


class ServerClient:
    """Talks to one embedding server; `embed` sends a batch of image bytes as multipart."""

    def __init__(self, url: str, token: str = "", *, timeout: float = 60.0, retries: int = 2,
                 cancelled: Callable[[], bool] | None = None) -> None:
        if not url.lower().startswith(("http://", "https://")):
            raise ServerError(f"The server URL must start with http:// or https://, not '{url}'")
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.http = HttpClient(HttpPolicy(read_timeout=timeout, retries=retries),
                               headers={TOKEN_HEADER: f"Bearer {token}"} if token else None, cancelled=cancelled)

    def health(self) -> dict[str, Any]:
        """GET /health: the server's status and version (raises ServerError when unusable)."""
        return self._request("GET", "/health", deadline=min(self.timeout, 10.0))

    def models(self) -> list[dict[str, Any]]:
        """GET /v1/models: the models the server offers."""
        return list(self._request("GET", "/v1/models")["models"])

    def embed(self, images: list[bytes], model: str) -> list[np.ndarray | str]:
        """A vector or an error reason per image, in order."""
        files = [("images", (f"image{i}", data, "application/octet-stream")) for i, data in enumerate(images)]
        answer = self._request("POST", "/v1/embed", data={"model": model}, files=files, tolerate={422})
        results: list[np.ndarray | str] = []
        for item in sorted(answer.get("results", []), key=lambda r: r["index"]):
            if "vector" in item:
                results.append(np.asarray(item["vector"], np.float32))
            else:
                results.append(str(item.get("error", "the server could not embed this image")))
        if len(results) != len(images):
            raise ServerError(f"The embedding server at {self.url} answered {len(results)} results "
                              f"for {len(images)} images")
        return results

    def _request(self, method: str, path: str, *, tolerate: Set[int] = frozenset(),
                 deadline: float | None = None, **kwargs: Any) -> dict[str, Any]:
        """One call under the HTTP policy (retries with backoff on lost connections, timeouts and 5xx)."""
        try:
            reply = self.http.request(method, self.url + path, deadline=self.http.deadline(deadline), **kwargs)
        except Unreachable:
            raise ServerError(f"Cannot reach the embedding server at {self.url}. Is `embedflow serve` "
                              "running there, and is the address right?") from None
        except HttpError as exc:
            raise ServerError(f"The embedding server at {self.url} could not be used: {exc}") from None
        return self._answer(reply, tolerate)

    def _answer(self, response: Reply, tolerate: Set[int]) -> dict[str, Any]:
        """The JSON of a response, or a ServerError in the user's words."""
        try:
            body = response.json()
        except ValueError:
            body = {}
        detail = body.get("error") if isinstance(body, dict) else None
        if response.status in (401, 403):
            raise ServerError(f"The embedding server at {self.url} refused the token "
                              f"({detail or 'HTTP ' + str(response.status)}). Check the server token.")
        if response.status >= 400 and response.status not in tolerate:
            raise ServerError(f"The embedding server at {self.url} answered HTTP {response.status}: "
                              f"{detail or response.reason}")
        if not isinstance(body, dict):
            raise ServerError(f"{self.url} did not answer like an embedflow embedding server")
        return body


class RemoteBackend:
    """A pipeline backend that sends image bytes to the server (no decoding here)."""

    def __init__(self, client: ServerClient, model: str, max_request_bytes: int = 32 * 1024 * 1024) -> None:
        self.client = client
        self.model = model
        self.max_request_bytes = max_request_bytes
        self.cache_key = f"server|{client.url}|{model}"

    def prepare(self, data: bytes) -> bytes:
        """Images go to the server as they are."""
        return data

    def run(self, items: list[bytes]) -> list[np.ndarray | str]:
        """Send the batch in requests of at most max_request_bytes each, keeping the order."""
        results: list[np.ndarray | str] = []
        group: list[bytes] = []
        size = 0

        def flush() -> None:
            nonlocal group, size
            if group:
                results.extend(self.client.embed(group, self.model))
            group, size = [], 0

        for data in items:
            if len(data) > self.max_request_bytes:
                flush()
                results.append(f"file is larger than the {self.max_request_bytes // 2**20} MB a request may carry")
                continue
            if group and size + len(data) > self.max_request_bytes:
                flush()
            group.append(data)
            size += len(data)
        flush()
        return results
