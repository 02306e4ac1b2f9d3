"""The block registry: built-in blocks and add-ons found through entry points, failures isolated.

A `Registry` maps block types to NodeSpecs and remembers where each came from. The default one
(`default_registry()`) loads the built-in blocks, then every `embedflow.blocks` entry point; a
module or add-on that fails to load is recorded once in `failures` and harms nothing else.
"""

from __future__ import annotations

import contextvars
import functools
import importlib
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
    "embedflow.blocks.item_embedding",
    "embedflow.blocks.recommend",
    "embedflow.blocks.category_embedding",
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
    value: str = ""

    def __str__(self) -> str:
        if self.kind != OriginKind.ADD_ON:
            return str(self.kind)
        return " ".join(part for part in ("add-on", self.package, self.version) if part)

    def describe(self) -> str:
        """The origin with its entry point, for messages: `add-on pkg 1.0, entry point 'x' (pkg.mod)`."""
        if self.kind != OriginKind.ADD_ON:
            return str(self)
        return f"{self}, entry point '{self.entry_point}' ({self.value})"


BUILT_IN = Origin()
SCRIPT = Origin(OriginKind.SCRIPT)


@dataclass(frozen=True)
class LoadFailure:
    """A built-in module or an add-on entry point that could not be loaded, and why."""

    source: str
    origin: Origin
    error: str

    def message(self) -> str:
        """One line for users: which entry point (or built-in module) failed, and its error."""
        where = self.origin.describe() if self.origin.kind == "add-on" else f"built-in module {self.source}"
        return f"{where} failed to load: {self.error}"


@dataclass(frozen=True)
class AddOn:
    """One loaded `embedflow.blocks` entry point: its origin, the block types it added, or why it failed."""

    origin: Origin
    blocks: tuple[str, ...]
    error: str | None = None


# While a module is imported by the loader, blocks it registers land in this registry with this origin.
_loading: contextvars.ContextVar[tuple["Registry", Origin] | None] = contextvars.ContextVar("loading", default=None)


class Registry:
    """Block types by name, with their origin, plus the load failures met on the way."""

    def __init__(self) -> None:
        self._specs: dict[str, NodeSpec] = {}
        self._origins: dict[str, Origin] = {}
        self.failures: list[LoadFailure] = []
        self._entry_points: list[Origin] = []

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
        """Load add-ons from `embedflow.blocks` entry points (by default every installed one).

        An entry point's value names a module whose import registers blocks (`pkg.module`), or a
        callable (`pkg.module:function`) called without arguments that registers blocks or returns
        the NodeSpec(s) to register. One that fails is recorded in `failures` and adds no block.
        """
        found = metadata.entry_points(group=BLOCKS_GROUP) if entry_points is None else entry_points
        for entry_point in found:
            dist = entry_point.dist
            origin = Origin(OriginKind.ADD_ON, dist.name if dist else "", dist.version if dist else "",
                            entry_point.name, entry_point.value)
            self._entry_points.append(origin)
            self._guarded(f"{entry_point.name} = {entry_point.value}", origin,
                          functools.partial(self._load_entry_point, entry_point, origin))

    def _load_entry_point(self, entry_point: metadata.EntryPoint, origin: Origin) -> None:
        loaded = entry_point.load()
        if not entry_point.attr:
            return  # importing the module registered its blocks
        if not callable(loaded):
            raise TypeError(f"{entry_point.value} is neither a module nor a callable")
        returned = loaded()
        specs = [returned] if isinstance(returned, NodeSpec) else list(returned or ())
        for spec in specs:
            if not isinstance(spec, NodeSpec):
                raise TypeError(f"{entry_point.value}() returned {type(spec).__name__}, not NodeSpecs")
            self.register(spec, origin)

    def add_ons(self) -> list[AddOn]:
        """Every add-on entry point loaded, in load order, with the block types it added or its error."""
        errors = {failure.origin: failure.error for failure in self.failures}
        return [AddOn(origin, tuple(sorted(t for t, o in self._origins.items() if o == origin)), errors.get(origin))
                for origin in self._entry_points]

    def _guarded(self, source: str, origin: Origin, load: Callable[[], None]) -> None:
        before = dict(self._specs), dict(self._origins)
        token = _loading.set((self, origin))
        try:
            load()
        except (KeyboardInterrupt, GeneratorExit):
            raise
        except BaseException as exc:  # noqa: BLE001  (an add-on, even exiting at import, must not end embedflow)
            self._specs, self._origins = before
            last = traceback.extract_tb(exc.__traceback__)[-1:]
            where = f" ({last[0].filename}:{last[0].lineno})" if last else ""
            self.failures.append(LoadFailure(source, origin, f"{type(exc).__name__}: {exc}{where}"))
        finally:
            _loading.reset(token)


_default: Registry | None = None
_default_lock = threading.RLock()


def installed_registry() -> Registry:
    """A new registry holding the built-in blocks, then every installed add-on.

    An add-on module registers its blocks when it is first imported, so a module entry point
    adds blocks to the first registry built in a process only: build one per process.
    """
    registry = Registry()
    for module in BUILTIN_MODULES:
        registry.load_module(module)
    registry.load_entry_points()
    return registry


def default_registry() -> Registry:
    """The process's registry (`installed_registry()`), loaded once on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = installed_registry()
        return _default


def register(spec: NodeSpec) -> NodeSpec:
    """Register a block: into the registry loading the current module, else the default registry."""
    loading = _loading.get()
    if loading is not None:
        registry, origin = loading
        return registry.register(spec, origin)
    return default_registry().register(spec, SCRIPT)
