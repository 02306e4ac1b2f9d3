"""Byte counts as people read them; the one formatter of messages, listings and summaries."""

from __future__ import annotations


def format_size(size: int | None) -> str:
    """A byte count in decimal units: "512 bytes", "1.5 kB", "38.2 MB", "1.1 GB"; None is "unknown size"."""
    if size is None:
        return "unknown size"
    if size < 1000:
        return f"{size} byte" if size == 1 else f"{size} bytes"
    value = float(size)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1000
        if value < 999.95 or unit == "TB":
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")
