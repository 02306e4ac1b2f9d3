"""The cache-key protocol: how a setting value becomes part of the key a block's result is stored under.

Plain values (text, numbers, true/false, None, lists, tuples and dicts of them) are keyed by their
canonical JSON; any other value must say how it is keyed with `cache_key()` (RowSet does). A value
that does neither is refused, naming its type, rather than keyed by a `str()` that may not tell two
values apart.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Keyed(Protocol):
    """A value that is not plain JSON but can be part of a cache key."""

    def cache_key(self) -> str:
        """Text equal for equal values and different for different ones."""


class UnkeyableValue(TypeError):
    """A setting value that is neither plain data nor Keyed."""


def canonical(value: Any) -> Any:
    """`value` as plain JSON data that identifies it; UnkeyableValue for a value of another kind."""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, (list, tuple)):
        return [canonical(item) for item in value]
    if isinstance(value, Mapping):
        if not all(isinstance(name, str) for name in value):
            raise UnkeyableValue("a mapping whose keys are not all text")
        return {name: canonical(item) for name, item in value.items()}
    if isinstance(value, Keyed):
        return {"type": type(value).__name__, "key": value.cache_key()}
    raise UnkeyableValue(f"a value of type {type(value).__name__}")


def digest(parts: Mapping[str, Any]) -> str:
    """The sha256 of the canonical JSON of `parts` (sorted names, no spaces)."""
    text = json.dumps(canonical(parts), sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()
