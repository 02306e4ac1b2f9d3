"""The ASGI guard in front of the routes: who asks, how much they send, how long they take.

Order of checks for one request: the token from the headers (401, before a byte of the body is
read); the announced size (413); the body, read with a per-read and an overall deadline (408)
within the bytes all bodies may hold at once (503); only then, with the whole request here, the
bound on requests in flight (503 with Retry-After). A slow or stalled client therefore never takes
a slot that a complete request needs, and `/health` skips the bound altogether. The routes get a
`Work` in `request.state.work`: the request's compute deadline and whether its client went away.
"""

from __future__ import annotations

import asyncio
import hmac
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from .answers import error_for
from .config import ServerConfig

UNMETERED = frozenset({"/health"})


class Stopped(Exception):
    """The work of a request stopped: its deadline passed or its client went away."""


@dataclass
class Work:
    """What limits the computing of one request: a deadline (time.monotonic) and the client's presence."""

    deadline: float
    client_gone: threading.Event = field(default_factory=threading.Event)

    def check(self) -> None:
        """Raise Stopped when the deadline has passed or the client has disconnected."""
        if self.client_gone.is_set():
            raise Stopped("the client disconnected")
        if time.monotonic() > self.deadline:
            raise Stopped("the request's compute deadline passed")

    def stopped(self) -> bool:
        """True when `check` would raise."""
        return self.client_gone.is_set() or time.monotonic() > self.deadline


def token_accepted(headers: dict[bytes, bytes], token: str) -> bool:
    """True when the headers carry `token` (Authorization: Bearer, or X-Embedflow-Token)."""
    given = headers.get(b"authorization", b"")
    given = given[7:] if given.lower().startswith(b"bearer ") else headers.get(b"x-embedflow-token", b"")
    return hmac.compare_digest(given, token.encode())


class _Refused(Exception):
    def __init__(self, status: int, message: str, retry_after: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class Guard:
    """ASGI middleware, outermost: token, body size and deadlines, a byte budget, then requests in flight."""

    def __init__(self, app: Callable[..., Awaitable[None]], config: ServerConfig) -> None:
        self.app = app
        self.config = config
        self.in_flight = 0
        self.buffered = 0

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        headers = dict(scope.get("headers") or [])
        if self.config.token and path.startswith("/v1/") and not token_accepted(headers, self.config.token):
            response = error_for(path, 401, "A valid token is required (Authorization: Bearer <token>).")
            response.headers["WWW-Authenticate"] = "Bearer"
            await response(scope, receive, send)
            return
        if path in UNMETERED:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        try:
            await self._read_body(path, headers, receive, chunks)
            if self.in_flight >= self.config.max_concurrent:
                raise _Refused(503, "The server is busy with other requests; try again shortly.", retry_after=True)
        except _Refused as refused:
            chunks.clear()
            response = error_for(path, refused.status, str(refused))
            if refused.retry_after:
                response.headers["Retry-After"] = "1"
            await response(scope, receive, send)
            return
        except _ClientGone:
            return
        self.in_flight += 1
        try:
            await self._run(scope, receive, send, chunks)
        finally:
            self.in_flight -= 1

    async def _read_body(self, path: str, headers: dict[bytes, bytes], receive: Callable,
                         chunks: list[bytes]) -> None:
        """Fill `chunks` with the body, raising _Refused past a limit or deadline, _ClientGone on disconnect.

        The bytes count against the budget of all bodies while they arrive; a complete body is then
        either in flight (bounded by `max_concurrent`) or refused.
        """
        try:
            await self._receive_body(path, headers, receive, chunks)
        finally:
            self.buffered -= sum(map(len, chunks))

    async def _receive_body(self, path: str, headers: dict[bytes, bytes], receive: Callable,
                            chunks: list[bytes]) -> None:
        limit = self.config.body_limit(path)
        too_large = _Refused(413, f"The request is larger than the server's limit of {_megabytes(limit)} for "
                                  f"{path}; send fewer or smaller inputs.")
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            raise too_large
        total = 0
        overall = time.monotonic() + self.config.body_timeout
        while True:
            wait = min(self.config.read_timeout, overall - time.monotonic())
            try:
                async with asyncio.timeout(max(wait, 0)):
                    message = await receive()
            except TimeoutError:
                raise _Refused(408, f"The request body did not arrive in time (each read within "
                                    f"{self.config.read_timeout:g} s, all of it within "
                                    f"{self.config.body_timeout:g} s).") from None
            if message["type"] == "http.disconnect":
                raise _ClientGone()
            body = message.get("body", b"")
            total += len(body)
            if total > limit:
                raise too_large
            if self.buffered + len(body) > self.config.buffered_bytes:
                raise _Refused(503, "The server holds as many request bodies as it can; try again shortly.",
                               retry_after=True)
            self.buffered += len(body)
            chunks.append(body)
            if not message.get("more_body", False):
                return

    async def _run(self, scope: dict, receive: Callable, send: Callable, chunks: list[bytes]) -> None:
        """Run the app on the buffered body, watching for the client leaving while it works."""
        work = Work(deadline=time.monotonic() + self.config.compute_timeout)
        scope.setdefault("state", {})["work"] = work
        body = b"".join(chunks)
        chunks.clear()
        watcher = asyncio.ensure_future(_watch_disconnect(receive, work.client_gone))
        replayed = False

        async def replay() -> dict:
            nonlocal replayed, body
            if not replayed:
                replayed = True
                message = {"type": "http.request", "body": body, "more_body": False}
                body = b""
                return message
            await asyncio.shield(watcher)
            return {"type": "http.disconnect"}

        try:
            await self.app(scope, replay, send)
        finally:
            watcher.cancel()


class _ClientGone(Exception):
    """The client disconnected before its body arrived."""


async def _watch_disconnect(receive: Callable, gone: threading.Event) -> None:
    """Set `gone` when the server reports that the client disconnected."""
    while (await receive())["type"] != "http.disconnect":
        pass
    gone.set()


def _megabytes(size: int) -> str:
    return f"{size / 2**20:g} MB"
