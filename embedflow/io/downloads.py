"""Download a file over HTTP(S): size first, streamed with progress, resumed, checked, atomic.

Each attempt streams in a worker thread while the caller watches the cancel event and the idle
clock, so a cancel acts within CANCEL_LATENCY seconds and a transfer that sends nothing for
`timeout` seconds (the idle timeout, IDLE_TIMEOUT by default) fails, whatever the server does.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import socket
import threading
import time
from pathlib import Path
from typing import Callable

import requests
import urllib3

from ..core.errors import Cancelled, EmbedflowError

CHUNK = 64 * 1024
IDLE_TIMEOUT = 30.0
CANCEL_LATENCY = 0.2
MAX_REDIRECTS = 10
ProgressFunction = Callable[[int, "int | None"], None]


class DownloadError(EmbedflowError):
    """A download failed; the message says which URL and why."""


class ChecksumError(DownloadError):
    """The downloaded bytes do not have the expected sha256 or size."""


class DownloadCancelled(Cancelled, DownloadError):
    """The user cancelled a download."""


def _session() -> requests.Session:
    session = requests.Session()
    session.max_redirects = MAX_REDIRECTS
    return session


def remote_size(url: str, timeout: float = IDLE_TIMEOUT) -> int | None:
    """The size announced by a HEAD request (Content-Length), or None when unknown."""
    try:
        with _session() as session:
            response = session.head(url, allow_redirects=True, timeout=timeout)
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
             timeout: float = IDLE_TIMEOUT, retries: int = 3) -> Path:
    """Fetch `url` into `dest` and return `dest`.

    The bytes go to `dest.part` first (kept between attempts and runs so a broken transfer
    resumes with an HTTP Range request), are checked against `size` and `sha256` when given,
    and only then replace `dest` with os.replace. `progress(done, total)` is called as bytes
    arrive (total None when unknown, called from the worker thread); setting `cancel` stops the
    transfer with DownloadCancelled within CANCEL_LATENCY seconds. `timeout` is the idle timeout:
    connecting, waiting for an answer, or a gap between bytes longer than that fails the attempt.
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
    if total is not None:
        _check_space(dest.parent, total - (part.stat().st_size if part.exists() else 0), url)
    if total is not None and progress:
        progress(part.stat().st_size if part.exists() else 0, total)
    attempt = 0
    while True:
        _check_cancel(cancel, part)
        try:
            total = _supervised(url, part, total, progress, cancel, timeout)
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


class _Attempt:
    """One transfer running in a worker thread, as its supervisor sees it."""

    def __init__(self, cancel: threading.Event | None) -> None:
        self.cancel = cancel
        self.done = threading.Event()
        self.stop = threading.Event()
        self.last_activity = time.monotonic()
        self.session = _session()
        self.response: requests.Response | None = None
        self.result: int | None = None
        self.error: BaseException | None = None

    def stopped(self) -> bool:
        """True once the supervisor aborted the attempt or the user cancelled."""
        return self.stop.is_set() or (self.cancel is not None and self.cancel.is_set())

    def abort(self) -> None:
        """Stop the worker: it checks `stop` between reads, and a blocked read is woken by a shutdown."""
        self.stop.set()
        sock = _socket_of(self.response)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _supervised(url: str, part: Path, total: int | None, progress: ProgressFunction | None,
                cancel: threading.Event | None, timeout: float) -> int | None:
    """Run one attempt in a worker thread; act on cancel and on an idle transfer without waiting for it."""
    attempt = _Attempt(cancel)

    def work() -> None:
        try:
            attempt.result = _transfer(url, part, total, progress, attempt, timeout)
        except BaseException as exc:  # handed to the supervisor, which raises it  # noqa: BLE001
            attempt.error = exc
        finally:
            attempt.session.close()
            attempt.done.set()

    threading.Thread(target=work, name="embedflow-download", daemon=True).start()
    while not attempt.done.wait(CANCEL_LATENCY):
        if cancel is not None and cancel.is_set():
            attempt.abort()
            attempt.done.wait(0.5)  # a streaming worker ends at once; one still connecting is left behind
            _check_cancel(cancel, part)
        if time.monotonic() - attempt.last_activity > timeout:
            attempt.abort()
            attempt.done.wait(0.5)
            raise _Retryable(f"no data arrived for {timeout:g} s")
    if attempt.error is not None:
        raise attempt.error
    _check_cancel(cancel, part)
    return attempt.result


def _socket_of(response: requests.Response | None) -> socket.socket | None:
    """The socket a streaming response reads from (None when it cannot be found)."""
    try:
        sock = response.raw._fp.fp.raw._sock  # type: ignore[union-attr]
    except AttributeError:
        return None
    return sock if isinstance(sock, socket.socket) else None


def _transfer(url: str, part: Path, total: int | None, progress: ProgressFunction | None,
              attempt: _Attempt, timeout: float) -> int | None:
    """One attempt: append to `part` from where it ends; return the total size if known."""
    have = part.stat().st_size if part.exists() else 0
    if total is not None and have == total:
        return total
    if total is not None and have > total:
        part.unlink()
        have = 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        response = attempt.session.get(url, headers=headers, stream=True, timeout=timeout)
    except requests.TooManyRedirects:
        raise DownloadError(f"Downloading {url} failed: the server redirects in a loop "
                            f"(more than {MAX_REDIRECTS} redirects)") from None
    except requests.RequestException as exc:
        raise _Retryable(_reason(exc)) from None
    attempt.response = response
    attempt.last_activity = time.monotonic()
    with contextlib.closing(response):
        if attempt.stopped():
            return total
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
        length = response.headers.get("Content-Length", "")
        announced = int(length) + have if length.isdigit() else None
        if total is not None and announced is not None and announced != total:
            raise DownloadError(f"Downloading {url} failed: the server announces {announced:,} bytes, "
                                f"but {total:,} were expected")
        if total is None and announced is not None:
            _check_space(part.parent, announced - have, url)
            total = announced
        done = have
        try:
            with open(part, "ab" if have else "wb") as handle:
                while not attempt.stopped():
                    # read1 returns what has arrived, so progress and the idle clock see a trickle too.
                    chunk = response.raw.read1(CHUNK)
                    if not chunk:
                        break
                    if total is not None and done + len(chunk) > total:
                        raise DownloadError(f"Downloading {url} failed: the server sent more than the "
                                            f"{total:,} bytes it announced")
                    handle.write(chunk)
                    done += len(chunk)
                    attempt.last_activity = time.monotonic()
                    if progress:
                        progress(done, total)
                handle.flush()
                os.fsync(handle.fileno())
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            if attempt.stopped():
                return total
            raise _Retryable(_reason(exc)) from None
    if attempt.stopped():
        return total
    if total is not None and done < total:
        raise _Retryable(f"the connection closed after {done:,} of {total:,} bytes")
    return total


def _check_space(folder: Path, needed: int, url: str) -> None:
    """Refuse at once a download that cannot fit on the disk (a huge or false Content-Length)."""
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return
    if needed > free:
        raise DownloadError(f"Downloading {url} needs {needed / 1e9:,.1f} GB, but only {free / 1e9:,.1f} GB "
                            f"are free in {folder}")


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
    """A short human reason for a requests or urllib3 exception."""
    if isinstance(exc, (requests.Timeout, urllib3.exceptions.TimeoutError)):
        return "the server did not answer in time"
    if isinstance(exc, urllib3.exceptions.ProtocolError):
        return "the connection broke off"
    if isinstance(exc, requests.ConnectionError):
        return "could not connect (check the address and your network)"
    return str(exc) or type(exc).__name__
