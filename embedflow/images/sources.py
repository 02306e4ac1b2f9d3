"""Fetch the bytes of one image: a file path (absolute or relative to the data) or an http(s) URL."""

from __future__ import annotations

import time

import requests

from ..core.paths import resolve_path
from ..io.regular_files import FileRefused, read_regular
from .loading import ImageLoadError

MAX_FILE_BYTES = 64 * 1024 * 1024
URL_TIMEOUT = 10.0
URL_RETRIES = 2


def is_url(value: str) -> bool:
    """True for http:// and https:// addresses."""
    return value.lower().startswith(("http://", "https://"))


def read_source(value: object, base_dir: str | None, *, session: requests.Session | None = None,
                timeout: float = URL_TIMEOUT, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes the cell points to; raises ImageLoadError with a reason for the skipped table."""
    if not isinstance(value, str) or not value.strip():
        raise ImageLoadError("no image path in this row")
    value = value.strip()
    if is_url(value):
        return _read_url(value, session or requests.Session(), timeout, max_bytes)
    path = resolve_path(value, base_dir)
    try:
        return read_regular(path, max_bytes)
    except FileRefused as exc:
        if exc.kind == "missing":
            raise ImageLoadError(f"file not found: {path}") from None
        raise ImageLoadError(f"{path} cannot be read: {exc.reason}") from None
    except OSError as exc:
        raise ImageLoadError(f"cannot read {path}: {exc.strerror or exc}") from None


def _read_url(url: str, session: requests.Session, timeout: float, max_bytes: int) -> bytes:
    """GET with a timeout, a size cap and a retry with backoff on connection errors and 5xx."""
    for attempt in range(URL_RETRIES + 1):
        try:
            with session.get(url, timeout=timeout, stream=True) as response:
                if response.status_code >= 500 and attempt < URL_RETRIES:
                    time.sleep(0.5 * 2 ** attempt)
                    continue
                if response.status_code >= 400:
                    raise ImageLoadError(f"the URL answered HTTP {response.status_code}")
                length = response.headers.get("Content-Length", "")
                if length.isdigit() and int(length) > max_bytes:
                    raise ImageLoadError(f"the URL's file is {int(length) / 1e6:.0f} MB, more than the limit")
                data = bytearray()
                for chunk in response.iter_content(64 * 1024):
                    data += chunk
                    if len(data) > max_bytes:
                        raise ImageLoadError("the URL's file is larger than the limit")
                return bytes(data)
        except requests.Timeout:
            raise ImageLoadError(f"the URL did not answer within {timeout:g} s") from None
        except requests.ConnectionError:
            if attempt < URL_RETRIES:
                time.sleep(0.5 * 2 ** attempt)
                continue
            raise ImageLoadError("cannot connect to the URL's server") from None
        except requests.RequestException as exc:
            raise ImageLoadError(f"the URL could not be fetched ({exc})") from None
    raise ImageLoadError("the URL's server kept failing")
