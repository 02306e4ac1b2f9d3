"""Download a file over HTTP(S): size first, streamed with progress, resumed, checked, atomic."""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from pathlib import Path
from typing import Callable

import requests

from ..core.errors import Cancelled, EmbedflowError

CHUNK = 64 * 1024
ProgressFunction = Callable[[int, "int | None"], None]


class DownloadError(EmbedflowError):
    """A download failed; the message says which URL and why."""


class ChecksumError(DownloadError):
    """The downloaded bytes do not have the expected sha256 or size."""


class DownloadCancelled(Cancelled, DownloadError):
    """The user cancelled a download."""


def remote_size(url: str, timeout: float = 30) -> int | None:
    """The size announced by a HEAD request (Content-Length), or None when unknown."""
    try:
        response = requests.head(url, allow_redirects=True, timeout=timeout)
    except requests.RequestException as exc:
        raise DownloadError(f"Cannot reach {url}: {_reason(exc)}") from None
    if response.status_code >= 400:
        raise DownloadError(f"Downloading {url} failed: the server answered HTTP {response.status_code}")
    length = response.headers.get("Content-Length")
    return int(length) if length and length.isdigit() else None


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's contents."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def download(url: str, dest: Path, *, sha256: str | None = None, size: int | None = None,
             progress: ProgressFunction | None = None, cancel: threading.Event | None = None,
             timeout: float = 30, retries: int = 3) -> Path:
    """Fetch `url` into `dest` and return `dest`.

    The bytes go to `dest.part` first (kept between attempts and runs so a broken transfer
    resumes with an HTTP Range request), are checked against `size` and `sha256` when given,
    and only then replace `dest` with os.replace. `progress(done, total)` is called as bytes
    arrive (total None when unknown); setting `cancel` stops the transfer with DownloadCancelled.
    Network failures are retried `retries` times with exponential backoff.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    if dest.exists() and _matches(dest, sha256, size):
        if progress:
            progress(dest.stat().st_size, dest.stat().st_size)
        return dest
    total = size if size is not None else remote_size(url, timeout)
    if total is not None and progress:
        progress(part.stat().st_size if part.exists() else 0, total)
    attempt = 0
    while True:
        _check_cancel(cancel, part)
        try:
            total = _transfer(url, part, total, progress, cancel, timeout)
            break
        except _Retryable as exc:
            attempt += 1
            if attempt > retries:
                raise DownloadError(
                    f"Downloading {url} failed after {retries + 1} attempts: {exc}") from None
            _sleep_backoff(attempt, cancel, part)
    _verify(part, url, sha256, size if size is not None else total)
    os.replace(part, dest)
    return dest


class _Retryable(Exception):
    """A transient failure (connection, timeout, 5xx, short read) worth another attempt."""


def _transfer(url: str, part: Path, total: int | None, progress: ProgressFunction | None,
              cancel: threading.Event | None, timeout: float) -> int | None:
    """One attempt: append to `part` from where it ends; return the total size if known."""
    have = part.stat().st_size if part.exists() else 0
    if total is not None and have == total:
        return total
    if total is not None and have > total:
        part.unlink()
        have = 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        response = requests.get(url, headers=headers, stream=True, timeout=timeout)
    except requests.RequestException as exc:
        raise _Retryable(_reason(exc)) from None
    with contextlib.closing(response):
        if response.status_code == 416 and have:
            # The server has nothing past what we hold: start over rather than trust the part.
            part.unlink()
            raise _Retryable("the partial file did not match the server's; starting again")
        if response.status_code >= 500 or response.status_code == 429:
            raise _Retryable(f"the server answered HTTP {response.status_code}")
        if response.status_code >= 400:
            raise DownloadError(
                f"Downloading {url} failed: the server answered HTTP {response.status_code}")
        if have and response.status_code != 206:
            have = 0  # the server ignored Range and sends everything again
        length = response.headers.get("Content-Length")
        if total is None and length and length.isdigit():
            total = int(length) + have
        done = have
        try:
            with open(part, "ab" if have else "wb") as handle:
                for chunk in response.iter_content(CHUNK):
                    if cancel is not None and cancel.is_set():
                        break
                    handle.write(chunk)
                    done += len(chunk)
                    if progress:
                        progress(done, total)
                handle.flush()
                os.fsync(handle.fileno())
        except requests.RequestException as exc:
            raise _Retryable(_reason(exc)) from None
    _check_cancel(cancel, part)
    if total is not None and done < total:
        raise _Retryable(f"the connection closed after {done:,} of {total:,} bytes")
    return total


def _verify(part: Path, url: str, sha256: str | None, size: int | None) -> None:
    """Raise ChecksumError (and delete the part file) when size or sha256 differ."""
    actual_size = part.stat().st_size
    if size is not None and actual_size != size:
        part.unlink()
        raise ChecksumError(f"Downloading {url} gave {actual_size:,} bytes, expected {size:,}")
    if sha256 is not None:
        actual = file_sha256(part)
        if actual.lower() != sha256.lower():
            part.unlink()
            raise ChecksumError(
                f"The file downloaded from {url} is damaged or not the expected one "
                f"(sha256 {actual[:12]}…, expected {sha256[:12]}…)")


def _matches(path: Path, sha256: str | None, size: int | None) -> bool:
    """True when an existing file already has the expected size and checksum."""
    if size is not None and path.stat().st_size != size:
        return False
    if sha256 is not None:
        return file_sha256(path).lower() == sha256.lower()
    return size is not None


def _check_cancel(cancel: threading.Event | None, part: Path) -> None:
    """Raise DownloadCancelled when `cancel` is set (the part file stays for a later resume)."""
    if cancel is not None and cancel.is_set():
        raise DownloadCancelled(f"Download of {part.name.removesuffix('.part')} cancelled")


def _sleep_backoff(attempt: int, cancel: threading.Event | None, part: Path) -> None:
    """Wait 0.5 s, 1 s, 2 s … (capped at 8 s) before the next attempt; a cancel cuts it short."""
    delay = min(8.0, 0.5 * 2 ** (attempt - 1))
    if cancel is not None:
        cancel.wait(delay)
        _check_cancel(cancel, part)
    else:
        time.sleep(delay)


def _reason(exc: Exception) -> str:
    """A short human reason for a requests exception."""
    if isinstance(exc, requests.Timeout):
        return "the server did not answer in time"
    if isinstance(exc, requests.ConnectionError):
        return "could not connect (check the address and your network)"
    return str(exc) or type(exc).__name__
