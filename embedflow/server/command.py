"""`embedflow serve`: its options, and running the server on a socket bound before anything starts."""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import sys
from collections.abc import Callable

from .config import (
    DEFAULT_COMPUTE_TIMEOUT,
    DEFAULT_MAX_CONCURRENT,
    DEFAULT_MAX_IMAGES,
    DEFAULT_MAX_REQUEST_BYTES,
    DEFAULT_MAX_TOKENS,
    TOKEN_ENV,
    ServerConfig,
)
from .connections import uvicorn_config
from .routes import create_app


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `embedflow serve`."""
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this computer only)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    parser.add_argument("--token", default=None,
                        help=f"require this token from clients (default: ${TOKEN_ENV} if set)")
    parser.add_argument("--max-request-mb", type=_whole_number(1, 4096), default=DEFAULT_MAX_REQUEST_BYTES // 2**20,
                        help="largest request body accepted, in MB (1 to 4096, default 64)")
    parser.add_argument("--max-images", type=_whole_number(1, 100_000), default=DEFAULT_MAX_IMAGES,
                        help="most images in one request (default 256)")
    parser.add_argument("--max-concurrent", type=_whole_number(1, 1024), default=DEFAULT_MAX_CONCURRENT,
                        help=f"requests computed at once; more get 503 (default {DEFAULT_MAX_CONCURRENT})")
    parser.add_argument("--max-tokens", type=_whole_number(1, 10_000_000), default=DEFAULT_MAX_TOKENS,
                        help=f"most word pieces in one text request; more get 413 (default {DEFAULT_MAX_TOKENS})")
    parser.add_argument("--max-seconds", type=_whole_number(1, 86_400), default=int(DEFAULT_COMPUTE_TIMEOUT),
                        help=f"longest a request may compute; then 504 (default {DEFAULT_COMPUTE_TIMEOUT:g})")


def _whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` to `high`."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}, not {value}")
        return value
    return parse


def main(args: argparse.Namespace) -> int:
    """Run the server until interrupted; returns the exit code."""
    token = args.token if args.token is not None else os.environ.get(TOKEN_ENV, "")
    if not 0 < args.port < 65536:
        print(f"embedflow serve: the port must be between 1 and 65535, not {args.port}", file=sys.stderr)
        return 1
    if not _is_loopback(args.host) and not token:
        print(f"embedflow serve: warning: listening on {args.host} without a token; anyone who can "
              "reach this computer can use the server. Add --token.", file=sys.stderr)
    try:
        sock = _listen(args.host, args.port)
    except OSError as exc:
        print(f"embedflow serve: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    config = ServerConfig(token=token, max_request_bytes=args.max_request_mb * 2**20, max_images=args.max_images,
                          max_concurrent=args.max_concurrent, max_tokens=args.max_tokens,
                          compute_timeout=float(args.max_seconds))
    print(f"embedflow serve: image and text embeddings on http://{args.host}:{args.port}"
          f"{' (token required)' if token else ''}; Ctrl+C stops it", file=sys.stderr)
    import uvicorn

    server = uvicorn.Server(uvicorn_config(create_app(config), log_level="warning"))
    with sock:
        server.run(sockets=[sock])
    return 0


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to host:port, so a taken port is reported before anything starts."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
