"""One HTTP policy for every network call embedflow makes.

Each attempt has a connect timeout and a read timeout (the longest silence while an answer
arrives); failures worth another try (a lost connection, a timeout, 429, 5xx) are retried with
exponential backoff, or after the server's Retry-After up to a cap; a call has an overall
deadline and a size limit. A cancel acts within CANCEL_LATENCY seconds at any point: the blocking
socket work of an attempt runs on a worker thread while the caller waits on it in short steps,
and an abort shuts down the attempt's sockets, so the worker ends too.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import math
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from ..core.errors import Cancelled, EmbedflowError

CANCEL_LATENCY = 0.2
CHUNK = 64 * 1024
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
Cancel = Callable[[], bool]
T = TypeVar("T")


@dataclass(frozen=True)
class HttpPolicy:
    """How the calls of one client behave (seconds and bytes; None means no limit)."""

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    deadline: float | None = None
    retries: int = 3
    backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 60.0
    max_bytes: int | None = None
    max_redirects: int = 10


class HttpError(EmbedflowError):
    """A call failed for good; the message says why, `status` is the HTTP status if an answer came."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Unreachable(HttpError):
    """Nobody answers at that address (connection refused, unknown host): not worth another try."""


class Transient(HttpError):
    """A failure worth another attempt; `wait` is what the server asked for, `reply` the answer if one came."""

    def __init__(self, message: str, status: int | None = None, wait: float | None = None,
                 reply: Reply | None = None) -> None:
        super().__init__(message, status)
        self.wait = wait
        self.reply = reply


@dataclass(frozen=True)
class Reply:
    """A complete answer: status, headers and the whole body."""

    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON (ValueError when it is not)."""
        return json.loads(self.body)


class Deadline:
    """The time left for one call and the cancel it obeys."""

    def __init__(self, seconds: float | None, cancelled: Cancel | None) -> None:
        self.seconds = seconds
        self.until = None if seconds is None else time.monotonic() + seconds
        self.cancelled = cancelled

    def left(self) -> float | None:
        """Seconds left, or None without a deadline."""
        return None if self.until is None else self.until - time.monotonic()

    def check(self) -> None:
        """Raise Cancelled after a cancel, HttpError once the deadline has passed."""
        if self.cancelled is not None and self.cancelled():
            raise Cancelled()
        left = self.left()
        if left is not None and left <= 0:
            raise HttpError(f"no complete answer within {self.seconds:g} s (the deadline for one call)")


class HttpClient:
    """Calls under one policy on one session; safe to share between threads."""

    def __init__(self, policy: HttpPolicy | None = None, *, headers: Mapping[str, str] | None = None,
                 cancelled: Cancel | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        self.policy = policy or HttpPolicy()
        self.cancelled = cancelled
        self.session = requests.Session()
        self.session.max_redirects = self.policy.max_redirects
        adapter = _WatchedAdapter()
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update(headers or {})
        self._sleep = sleep

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()

    def deadline(self, seconds: float | None = None) -> Deadline:
        """A deadline of `seconds` (the policy's by default) under this client's cancel."""
        return Deadline(self.policy.deadline if seconds is None else seconds, self.cancelled)

    def request(self, method: str, url: str, *, deadline: Deadline | None = None, **kwargs: Any) -> Reply:
        """One call with the policy's retries; the last answer is returned whatever its status."""
        def attempt(limit: Deadline) -> Reply:
            reply = self.fetch(method, url, limit, **kwargs)
            if reply.status in RETRY_STATUSES:
                raise Transient(f"the server answered HTTP {reply.status}", reply.status,
                                retry_after(reply.headers), reply)
            return reply

        return self.retry(attempt, deadline)

    def retry(self, attempt: Callable[[Deadline], T], deadline: Deadline | None = None) -> T:
        """Run `attempt` until it does not raise Transient, waiting between tries as the policy says."""
        limit = deadline or self.deadline()
        tries = self.policy.retries + 1
        for number in range(tries):
            limit.check()
            try:
                return attempt(limit)
            except Transient as exc:
                if number == tries - 1:
                    if exc.reply is not None:
                        return exc.reply  # type: ignore[return-value]
                    raise HttpError(f"{exc} (after {tries} attempt{'s' if tries > 1 else ''})", exc.status) from None
                self.pause(self._wait_before_retry(exc, number, limit), limit)
        raise AssertionError("unreachable")  # the last try returns or raises

    def _wait_before_retry(self, exc: Transient, number: int, limit: Deadline) -> float:
        """The backoff, or the server's Retry-After when it gave one; HttpError when that is too long."""
        if exc.wait is None:
            return min(self.policy.backoff * 2 ** number, self.policy.max_backoff)
        if exc.wait > self.policy.max_retry_after:
            raise HttpError(f"{exc}, asking to wait {exc.wait:,.0f} s (Retry-After), more than the "
                            f"{self.policy.max_retry_after:g} s embedflow waits; try again later", exc.status)
        left = limit.left()
        if left is not None and exc.wait > left:
            raise HttpError(f"{exc}, asking to wait {exc.wait:,.0f} s (Retry-After), past the deadline of "
                            f"{limit.seconds:g} s for this call", exc.status)
        return exc.wait

    def pause(self, seconds: float, deadline: Deadline) -> None:
        """Wait `seconds` in short steps, so a cancel or the deadline is not held up."""
        left = seconds
        while left > 0:
            deadline.check()
            step = min(left, CANCEL_LATENCY)
            self._sleep(step)
            left -= step
        deadline.check()

    def fetch(self, method: str, url: str, deadline: Deadline, **kwargs: Any) -> Reply:
        """One attempt, the whole body read within the policy's size limit."""
        with self.stream(method, url, deadline, **kwargs) as answer:
            return Reply(answer.status, answer.reason, answer.headers, answer.read(self.policy.max_bytes))

    @contextlib.contextmanager
    def stream(self, method: str, url: str, deadline: Deadline, **kwargs: Any) -> Iterator[Stream]:
        """One attempt whose body is read as it arrives (Stream.chunks); no retries here."""
        timeout = (self.policy.connect_timeout, self.policy.read_timeout)
        call = _Call()

        def work() -> None:
            _watching.call = call
            try:
                response = self.session.request(method, url, stream=True, timeout=timeout, **kwargs)
            except BaseException as exc:  # handed to the caller's thread, which raises it  # noqa: BLE001
                call.put(("error", exc))
                return
            with contextlib.closing(response):
                call.put(("head", response))
                call.pump(response)

        threading.Thread(target=work, name="embedflow-http", daemon=True).start()
        try:
            kind, value = call.next(deadline)
            if kind == "error":
                raise _translated(value, self.policy) from None
            yield Stream(call, value, deadline, self.policy)
        finally:
            call.close()


class Stream:
    """An answer whose head has arrived; its body comes through `chunks()` or `read()`."""

    def __init__(self, call: _Call, response: requests.Response, deadline: Deadline, policy: HttpPolicy) -> None:
        self._call = call
        self._deadline = deadline
        self._policy = policy
        self.status = response.status_code
        self.reason = response.reason or ""
        self.headers: Mapping[str, str] = response.headers

    def length(self) -> int | None:
        """The Content-Length the server announced, if any."""
        value = self.headers.get("Content-Length", "")
        return int(value) if value.isdigit() else None

    def chunks(self) -> Iterator[bytes]:
        """The body as it arrives (a trickle comes byte by byte); raises Transient when the connection breaks."""
        while True:
            kind, value = self._call.next(self._deadline)
            if kind == "end":
                return
            if kind == "error":
                raise _translated(value, self._policy) from None
            yield value

    def read(self, limit: int | None) -> bytes:
        """The whole body; HttpError beyond `limit` bytes, announced or arriving."""
        announced = self.length()
        if limit is not None and announced is not None and announced > limit:
            raise HttpError(f"the answer would be {announced:,} bytes, more than the {limit:,} allowed", self.status)
        body = bytearray()
        for chunk in self.chunks():
            body += chunk
            if limit is not None and len(body) > limit:
                raise HttpError(f"the answer is larger than the {limit:,} bytes allowed", self.status)
        return bytes(body)


class _Call:
    """One attempt's worker, as its caller sees it: a queue of events and the sockets to shut on abort."""

    def __init__(self) -> None:
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=8)
        self.stopped = threading.Event()
        self.finished = threading.Event()
        self.sockets: list[socket.socket] = []

    def put(self, event: tuple[str, Any]) -> None:
        """Hand an event to the caller (worker side); gives up once the caller stopped listening."""
        while not self.stopped.is_set():
            try:
                self.events.put(event, timeout=CANCEL_LATENCY)
                return
            except queue.Full:
                continue

    def pump(self, response: requests.Response) -> None:
        """Read the body in the worker, as it arrives, until the end, an error or an abort."""
        try:
            while not self.stopped.is_set():
                # read1 returns what has arrived, so the caller sees a trickle too.
                chunk = response.raw.read1(CHUNK)
                if not chunk:
                    break
                self.put(("data", chunk))
        except BaseException as exc:  # handed to the caller's thread  # noqa: BLE001
            self.put(("error", exc))
            return
        self.finished.set()
        self.put(("end", None))

    def next(self, deadline: Deadline) -> tuple[str, Any]:
        """The worker's next event; Cancelled or HttpError (after an abort) when the caller must stop waiting."""
        while True:
            try:
                deadline.check()
            except BaseException:
                self.abort()
                raise
            try:
                return self.events.get(timeout=CANCEL_LATENCY)
            except queue.Empty:
                continue

    def close(self) -> None:
        """End the attempt: a worker still reading is aborted; a finished one has released its connection."""
        if not self.finished.is_set():
            self.abort()
        self.stopped.set()

    def abort(self) -> None:
        """Stop the worker: it checks `stopped` between reads, and a blocked read is woken by a shutdown."""
        self.stopped.set()
        for sock in list(self.sockets):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


_watching = threading.local()


def _watch(sock: socket.socket | None) -> None:
    """Remember the socket of the call running on this thread, so its caller can shut it down."""
    call = getattr(_watching, "call", None)
    if call is not None and sock is not None:
        call.sockets.append(sock)


class _WatchedHTTPConnection(HTTPConnection):
    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        _watch(self.sock)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        _watch(self.sock)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedAdapter(HTTPAdapter):
    """A requests adapter whose connections tell the running call which socket waits for an answer."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """The usual pool manager, with pools of watched connections."""
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds a Retry-After header asks for (seconds or an HTTP date), or None without a usable one."""
    value = headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        wait = float(value)
    except ValueError:
        try:
            wait = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return None if math.isnan(wait) else max(wait, 0.0)


def _translated(exc: BaseException, policy: HttpPolicy) -> BaseException:
    """The worker's exception in the user's words: Transient when another try may help."""
    if isinstance(exc, requests.TooManyRedirects):
        return HttpError(f"the server redirects in a loop (more than {policy.max_redirects} redirects)")
    if isinstance(exc, requests.exceptions.SSLError):
        return HttpError(f"the secure connection failed: {str(exc)[:200]}")
    if isinstance(exc, requests.ConnectTimeout):
        return Transient(f"no connection within {policy.connect_timeout:g} s")
    if isinstance(exc, (requests.ReadTimeout, urllib3.exceptions.ReadTimeoutError, TimeoutError)):
        return Transient(f"the server sent nothing for {policy.read_timeout:g} s")
    if isinstance(exc, requests.ConnectionError) and _refused(exc):
        return Unreachable(f"could not connect ({_refused(exc)})")
    if isinstance(exc, (requests.ConnectionError, urllib3.exceptions.HTTPError, OSError)):
        return Transient("the connection broke off")
    if isinstance(exc, requests.RequestException):
        return HttpError(f"the request failed: {str(exc)[:200]}")
    return exc


def _refused(exc: requests.ConnectionError) -> str:
    """'connection refused' or 'unknown host' when nobody can answer at that address; else ''."""
    reason = getattr(exc.args[0] if exc.args else None, "reason", None)
    if isinstance(reason, urllib3.exceptions.NameResolutionError):
        return "unknown host"
    if isinstance(reason, urllib3.exceptions.NewConnectionError) and isinstance(
            reason.__cause__ or reason.__context__, ConnectionRefusedError):
        return "connection refused"
    return ""
