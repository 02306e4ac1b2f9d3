"""The server's limits (docs/reliability.md lists them) and the configuration of one server."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..images.loading import MAX_PIXELS

TOKEN_ENV = "EMBEDFLOW_SERVER_TOKEN"
DEFAULT_MAX_REQUEST_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_TEXT_REQUEST_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_IMAGES = 256
DEFAULT_MAX_CONCURRENT = 8
DEFAULT_REQUEST_PIXELS = 200_000_000
DEFAULT_MAX_TEXTS = 2048
DEFAULT_MAX_TEXT_CHARS = 200_000
# OpenAI's own limit per embeddings request; counted after each input is clipped to the model's length.
DEFAULT_MAX_TOKENS = 300_000
DEFAULT_COMPUTE_TIMEOUT = 120.0
HEADER_TIMEOUT = 10.0
READ_TIMEOUT = 10.0
BODY_TIMEOUT = 60.0
MAX_CONNECTIONS = 256
MAX_CONNECTIONS_PER_CLIENT = 32
MAX_HEADER_BYTES = 64 * 1024
MAX_JSON_DEPTH = 16
BATCH = 32


@dataclass
class ServerConfig:
    """Limits and access control of one server."""

    token: str = ""
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    max_text_request_bytes: int = DEFAULT_MAX_TEXT_REQUEST_BYTES
    max_images: int = DEFAULT_MAX_IMAGES
    max_pixels: int = MAX_PIXELS
    max_texts: int = DEFAULT_MAX_TEXTS
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS
    max_tokens: int = DEFAULT_MAX_TOKENS
    request_pixels: int = DEFAULT_REQUEST_PIXELS
    max_concurrent: int = DEFAULT_MAX_CONCURRENT
    read_timeout: float = READ_TIMEOUT
    body_timeout: float = BODY_TIMEOUT
    compute_timeout: float = DEFAULT_COMPUTE_TIMEOUT
    threads: int = field(default_factory=lambda: max(1, os.cpu_count() or 1))

    @property
    def buffered_bytes(self) -> int:
        """Bytes of request bodies held at once over all connections, complete or still arriving."""
        return 2 * self.max_concurrent * self.max_request_bytes

    def body_limit(self, path: str) -> int:
        """The largest body accepted on `path` (text requests need far less than images)."""
        if path == "/v1/embeddings":
            return min(self.max_text_request_bytes, self.max_request_bytes)
        return self.max_request_bytes
