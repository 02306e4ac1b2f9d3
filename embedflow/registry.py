"""The block registry: built-in blocks and add-ons found through entry points, failures isolated.

A `Registry` maps block types to NodeSpecs and remembers where each came from. The default one
(`default_registry()`) loads the built-in blocks, then every `embedflow.blocks` entry point; a
module or add-on that fails to load is recorded once in `failures` and harms nothing else.
"""

from __future__ import annotations

import contextvars
import functools
import importlib
import inspect
import threading
import traceback
from dataclasses import dataclass
from enum import StrEnum
from importlib import metadata
from typing import Callable, Iterable

from .core.specs import CATEGORIES, NodeSpec

BLOCKS_GROUP = "embedflow.blocks"
BUILTIN_MODULES = (
    "embedflow.blocks.input",
    "embedflow.blocks.text_encoding",
    "embedflow.blocks.text_embedding",
    "embedflow.blocks.image_embedding",
    "embedflow.blocks.nearest_neighbours",
    "embedflow.blocks.scatter.block",
    "embedflow.blocks.clustering",
    "embedflow.blocks.classifier",
)


class OriginKind(StrEnum):
    """Who provides a block type."""

    BUILT_IN = "built-in"
    ADD_ON = "add-on"
    SCRIPT = "script"


@dataclass(frozen=True)
class Origin:
    """Where a block type comes from: built in, an add-on package (with its entry point), or a script."""

    kind: OriginKind = OriginKind.BUILT_IN
    package: str = ""
    version: str = ""
    entry_point: str = ""

    def __str__(self) -> str:
        if self.kind != OriginKind.ADD_ON:
            return str(self.kind)
        return f"add-on {self.package} {self.version} (entry point {self.entry_point})".replace("  ", " ")


BUILT_IN = Origin()
SCRIPT = Origin(OriginKind.SCRIPT)


@dataclass(frozen=True)
class LoadFailure:
    """A built-in module or an add-on entry point that could not be loaded, and why."""

    source: str
    origin: Origin
    error: str

    def message(self) -> str:
        """One line for users: which entry point failed and its error."""
        return f"{self.source} ({self.origin}) failed to load: {self.error}"


# While a module is imported by the loader, blocks it registers land in this registry with this origin.
_loading: contextvars.ContextVar[tuple["Registry", Origin] | None] = contextvars.ContextVar("loading", default=None)


class Registry:
    """Block types by name, with their origin, plus the load failures met on the way."""

    def __init__(self) -> None:
        self._specs: dict[str, NodeSpec] = {}
        self._origins: dict[str, Origin] = {}
        self.failures: list[LoadFailure] = []

    def register(self, spec: NodeSpec, origin: Origin = SCRIPT) -> NodeSpec:
        """Add a block type after checking the spec; an add-on may not replace another origin's block."""
        spec.self_check()
        known = self._origins.get(spec.type)
        if known is not None and known != origin and origin.kind == OriginKind.ADD_ON:
            raise ValueError(f"block type {spec.type!r} is already provided by {known}")
        self._specs[spec.type] = spec
        self._origins[spec.type] = origin
        return spec

    def unregister(self, type_name: str) -> None:
        """Remove a block type (tests and scripts that define their own types use it)."""
        self._specs.pop(type_name, None)
        self._origins.pop(type_name, None)

    def get(self, type_name: str) -> NodeSpec | None:
        """The spec of a block type, or None for an unknown type."""
        return self._specs.get(type_name)

    def origin(self, type_name: str) -> Origin | None:
        """Where a block type comes from, or None for an unknown type."""
        return self._origins.get(type_name)

    def specs(self) -> list[NodeSpec]:
        """All block types in category, then title order."""
        order = {c: i for i, c in enumerate(CATEGORIES)}
        return sorted(self._specs.values(), key=lambda s: (order.get(s.category, len(order)), s.title))

    def load_module(self, module: str, origin: Origin = BUILT_IN) -> None:
        """Import `module` and register the NodeSpec it declares as `SPEC`; a failure is recorded, not raised."""
        def load() -> None:
            spec = getattr(importlib.import_module(module), "SPEC", None)
            if isinstance(spec, NodeSpec):
                self.register(spec, origin)

        self._guarded(module, origin, load)

    def load_entry_points(self, entry_points: Iterable[metadata.EntryPoint] | None = None) -> None:
        """Load add-ons: each `embedflow.blocks` entry point names a module, or a callable that registers."""
        found = metadata.entry_points(group=BLOCKS_GROUP) if entry_points is None else entry_points
        for entry_point in found:
            dist = entry_point.dist
            origin = Origin(OriginKind.ADD_ON, dist.name if dist else "?", dist.version if dist else "", entry_point.name)
            self._guarded(f"{entry_point.name} = {entry_point.value}", origin,
                          functools.partial(self._load_entry_point, entry_point))

    def _load_entry_point(self, entry_point: metadata.EntryPoint) -> None:
        loaded = entry_point.load()
        if entry_point.attr and callable(loaded):
            takes_registry = len(inspect.signature(loaded).parameters) > 0
            loaded(self) if takes_registry else loaded()

    def _guarded(self, source: str, origin: Origin, load: Callable[[], None]) -> None:
        before = dict(self._specs), dict(self._origins)
        token = _loading.set((self, origin))
        try:
            load()
        except Exception as exc:  # an add-on's bug must not take embedflow down
            self._specs, self._origins = before
            last = traceback.extract_tb(exc.__traceback__)[-1:]
            where = f" ({last[0].filename}:{last[0].lineno})" if last else ""
            self.failures.append(LoadFailure(source, origin, f"{type(exc).__name__}: {exc}{where}"))
        finally:
            _loading.reset(token)


_default: Registry | None = None
_default_lock = threading.RLock()


def default_registry() -> Registry:
    """The process's registry: built-in blocks, then add-ons, loaded once on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Registry()
            for module in BUILTIN_MODULES:
                _default.load_module(module)
            _default.load_entry_points()
        return _default


def register(spec: NodeSpec) -> NodeSpec:
    """Register a block: into the registry loading the current module, else the default registry."""
    loading = _loading.get()
    if loading is not None:
        registry, origin = loading
        return registry.register(spec, origin)
    return default_registry().register(spec, SCRIPT)
