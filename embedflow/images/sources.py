"""Fetch the bytes of one image: a file path (absolute or relative to the data) or an http(s) URL."""

from __future__ import annotations

from collections.abc import Callable

from ..core.paths import resolve_path
from ..io.http import HttpClient, HttpError, HttpPolicy
from ..io.regular_files import FileRefused, read_regular
from .loading import ImageLoadError

MAX_FILE_BYTES = 64 * 1024 * 1024
URL_TIMEOUT = 10.0
URL_RETRIES = 2


def is_url(value: str) -> bool:
    """True for http:// and https:// addresses."""
    return value.lower().startswith(("http://", "https://"))


def url_client(timeout: float = URL_TIMEOUT, max_bytes: int = MAX_FILE_BYTES,
               cancelled: Callable[[], bool] | None = None) -> HttpClient:
    """The HTTP client for image URLs: `timeout` per connect and per silence, six times that per image."""
    return HttpClient(HttpPolicy(connect_timeout=timeout, read_timeout=timeout, deadline=6 * timeout,
                                 retries=URL_RETRIES, max_bytes=max_bytes), cancelled=cancelled)


def read_source(value: object, base_dir: str | None, *, client: HttpClient | None = None,
                max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes the cell points to; raises ImageLoadError with a reason for the skipped table."""
    if not isinstance(value, str) or not value.strip():
        raise ImageLoadError("no image path in this row")
    value = value.strip()
    if is_url(value):
        return _read_url(value, client or url_client(max_bytes=max_bytes))
    path = resolve_path(value, base_dir)
    try:
        return read_regular(path, max_bytes)
    except FileRefused as exc:
        if exc.kind == "missing":
            raise ImageLoadError(f"file not found: {path}") from None
        raise ImageLoadError(f"{path} cannot be read: {exc.reason}") from None
    except OSError as exc:
        raise ImageLoadError(f"cannot read {path}: {exc.strerror or exc}") from None


def _read_url(url: str, client: HttpClient) -> bytes:
    """GET under the image URLs' HTTP policy; any failure is a reason for the skipped table."""
    try:
        reply = client.request("GET", url)
    except HttpError as exc:
        raise ImageLoadError(f"the URL could not be fetched: {exc}") from None
    if reply.status >= 400:
        raise ImageLoadError(f"the URL answered HTTP {reply.status}")
    return reply.body
