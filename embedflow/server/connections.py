"""Connections: uvicorn's HTTP/1.1 protocol with header deadlines and connection caps.

uvicorn has no deadline for a request's headers (its keep-alive timer only covers the time between
requests, and its `limit_concurrency` counts half-open connections too, so 64 stalled sockets made
every request, /health included, a 503). This protocol closes a connection whose headers take
longer than `header_timeout` in all or `read_timeout` between two reads, and bounds connections per
client address and in all: when a cap is reached, the oldest connection of that address (or of
all) that is not carrying a request gives way to the newcomer; a newcomer finding none is closed.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from .config import (
    HEADER_TIMEOUT,
    MAX_CONNECTIONS,
    MAX_CONNECTIONS_PER_CLIENT,
    MAX_HEADER_BYTES,
    READ_TIMEOUT,
)


class GuardedProtocol(H11Protocol):
    """HTTP/1.1 with header deadlines (overall and per read) and connection caps (per client and in all)."""

    header_timeout = HEADER_TIMEOUT
    read_timeout = READ_TIMEOUT
    max_connections = MAX_CONNECTIONS
    max_per_client = MAX_CONNECTIONS_PER_CLIENT

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Make room under the caps, then start the clocks for the first request's headers."""
        super().connection_made(transport)
        self._overall: asyncio.TimerHandle | None = None
        self._idle: asyncio.TimerHandle | None = None
        self._opened = self.loop.time()
        self._make_room()
        self._arm_header_deadline()

    def data_received(self, data: bytes) -> None:
        """Restart the per-read clock while headers are still arriving."""
        super().data_received(data)
        if self._waiting_for_headers() and self._idle is not None:
            self._idle.cancel()
            self._idle = self.loop.call_later(self.read_timeout, self._headers_too_slow)

    def on_response_complete(self) -> None:
        """Start the clocks again for the next request on this connection."""
        super().on_response_complete()
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the clocks."""
        self._cancel_timers()
        super().connection_lost(exc)

    def _waiting_for_headers(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _make_room(self) -> None:
        """Close the oldest idle connection of this client (or of all) when a cap is reached."""
        host = self.client[0] if self.client else None
        others = [c for c in self.connections if c is not self and isinstance(c, GuardedProtocol)]
        same_client = [c for c in others if c.client and c.client[0] == host]
        for group, cap in ((same_client, self.max_per_client), (others, self.max_connections)):
            if len(group) + 1 <= cap:
                continue
            idle = [c for c in group if c._waiting_for_headers() and not c.transport.is_closing()]
            if not idle:
                self.transport.close()
                return
            min(idle, key=lambda c: c._opened).transport.close()

    def _arm_header_deadline(self) -> None:
        self._cancel_timers()
        self._overall = self.loop.call_later(self.header_timeout, self._headers_too_slow)
        self._idle = self.loop.call_later(self.read_timeout, self._headers_too_slow)

    def _cancel_timers(self) -> None:
        for timer in (self._overall, self._idle):
            if timer is not None:
                timer.cancel()

    def _headers_too_slow(self) -> None:
        if self._waiting_for_headers() and not self.transport.is_closing():
            self.transport.close()


def uvicorn_config(app: Any, header_timeout: float = HEADER_TIMEOUT, read_timeout: float = READ_TIMEOUT,
                   max_per_client: int = MAX_CONNECTIONS_PER_CLIENT, **options: Any) -> Any:
    """The uvicorn.Config the server runs with: header deadlines, connection caps, header size cap."""
    import uvicorn

    protocol = type("Guarded", (GuardedProtocol,), {"header_timeout": header_timeout, "read_timeout": read_timeout,
                                                    "max_per_client": max_per_client})
    return uvicorn.Config(app, http=protocol, timeout_keep_alive=5, h11_max_incomplete_event_size=MAX_HEADER_BYTES,
                          **options)
