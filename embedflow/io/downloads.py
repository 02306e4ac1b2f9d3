"""Download a file over HTTP(S): size first, streamed with progress, resumed, checked, atomic.

The transfer follows the HTTP policy of io/http.py: a cancel acts within its CANCEL_LATENCY, and
connecting, waiting for an answer, or a gap between bytes longer than `timeout` seconds (the idle
timeout, IDLE_TIMEOUT by default) fails the attempt, whatever the server does.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import Cancelled, EmbedflowError
from .http import (
    RETRY_STATUSES,
    Deadline,
    HttpClient,
    HttpError,
    HttpPolicy,
    Stream,
    Transient,
    retry_after,
)

CHUNK = 64 * 1024
IDLE_TIMEOUT = 30.0
MAX_REDIRECTS = 10
ProgressFunction = Callable[[int, "int | None"], None]


class DownloadError(EmbedflowError):
    """A download failed; the message says which URL and why."""


class ChecksumError(DownloadError):
    """The downloaded bytes do not have the expected sha256 or size."""


class DownloadCancelled(Cancelled, DownloadError):
    """The user cancelled a download."""


def _client(timeout: float, retries: int = 0, cancel: threading.Event | None = None) -> HttpClient:
    return HttpClient(HttpPolicy(connect_timeout=timeout, read_timeout=timeout, retries=retries,
                                 max_redirects=MAX_REDIRECTS), cancelled=cancel.is_set if cancel else None)


def remote_size(url: str, timeout: float = IDLE_TIMEOUT) -> int | None:
    """The size announced by a HEAD request (Content-Length), or None when unknown."""
    client = _client(timeout)
    try:
        reply = client.request("HEAD", url, allow_redirects=True)
    except HttpError as exc:
        raise DownloadError(f"Cannot reach {url}: {exc}") from None
    finally:
        client.close()
    if reply.status >= 400:
        raise DownloadError(f"Downloading {url} failed: the server answered HTTP {reply.status}")
    length = reply.headers.get("Content-Length")
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
    arrive (total None when unknown); setting `cancel` stops the transfer with DownloadCancelled
    at once. `timeout` is the idle timeout: connecting, waiting for an answer, or a gap between
    bytes longer than that fails the attempt. Failed attempts are retried `retries` times with
    exponential backoff (the HTTP policy's).
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    state = _Transfer(url, dest.with_name(dest.name + ".part"), size, progress)
    if dest.exists() and _matches(dest, sha256, size):
        if progress:
            progress(dest.stat().st_size, dest.stat().st_size)
        return dest
    if state.total is None:
        state.total = remote_size(url, timeout)
    if state.total is not None:
        _check_space(dest.parent, state.total - state.have(), url)
        if progress:
            progress(state.have(), state.total)
    client = _client(timeout, retries, cancel)
    try:
        client.retry(state.attempt_with(client))
    except Cancelled:
        raise DownloadCancelled(f"Download of {dest.name} cancelled") from None
    except HttpError as exc:
        raise DownloadError(f"Downloading {url} failed: {exc}") from None
    finally:
        client.close()
    _verify(state.part, url, sha256, size if size is not None else state.total)
    os.replace(state.part, dest)
    return dest


@dataclass
class _Transfer:
    """What a download knows between attempts: where the bytes go and how many there will be."""

    url: str
    part: Path
    total: int | None
    progress: ProgressFunction | None

    def have(self) -> int:
        """Bytes already in the part file."""
        return self.part.stat().st_size if self.part.exists() else 0

    def attempt_with(self, client: HttpClient) -> Callable[[Deadline], None]:
        """One attempt for HttpClient.retry: append to the part file from where it ends."""
        def attempt(deadline: Deadline) -> None:
            have = self.have()
            if self.total is not None and have == self.total:
                return
            if self.total is not None and have > self.total:
                self.part.unlink()
                have = 0
            headers = {"Range": f"bytes={have}-"} if have else {}
            with client.stream("GET", self.url, deadline, headers=headers) as answer:
                self._receive(answer, self._accepted(answer, have))
        return attempt

    def _accepted(self, answer: Stream, have: int) -> int:
        """Where the answer's body starts in the file (0 when the server ignored Range); raises when unusable."""
        if answer.status == 416 and have:
            # The server has nothing past what we hold: start over rather than trust the part.
            self.part.unlink()
            raise Transient("the partial file did not match the server's; starting again")
        if answer.status in RETRY_STATUSES:
            raise Transient(f"the server answered HTTP {answer.status}", answer.status, retry_after(answer.headers))
        if answer.status >= 400:
            raise DownloadError(f"Downloading {self.url} failed: the server answered HTTP {answer.status}")
        if have and answer.status != 206:
            have = 0  # the server ignored Range and sends everything again
        length = answer.length()
        announced = None if length is None else length + have
        if self.total is not None and announced is not None and announced != self.total:
            raise DownloadError(f"Downloading {self.url} failed: the server announces {announced:,} bytes, "
                                f"but {self.total:,} were expected")
        if self.total is None and announced is not None:
            _check_space(self.part.parent, announced - have, self.url)
            self.total = announced
        return have

    def _receive(self, answer: Stream, have: int) -> None:
        """Write the body to the part file as it arrives, reporting progress; Transient on a short body."""
        done = have
        with open(self.part, "ab" if have else "wb") as handle:
            for chunk in answer.chunks():
                if self.total is not None and done + len(chunk) > self.total:
                    raise DownloadError(f"Downloading {self.url} failed: the server sent more than the "
                                        f"{self.total:,} bytes it announced")
                handle.write(chunk)
                done += len(chunk)
                if self.progress:
                    self.progress(done, self.total)
            handle.flush()
            os.fsync(handle.fileno())
        if self.total is not None and done < self.total:
            raise Transient(f"the connection closed after {done:,} of {self.total:,} bytes")


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
