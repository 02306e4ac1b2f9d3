"""The registry: block types and their editors, built-ins and add-ons found through entry points, failures isolated.

A `Registry` maps block types to NodeSpecs (remembering where each came from) and to editor
factories. The process's registry (`default_registry()`) is built once at start-up — the built-in
blocks, then every `embedflow.blocks` entry point — and passed to whatever needs it (the canvas,
the command line, file reading); the canvas adds the editors (built-in editor modules, then every
`embedflow.editors` entry point) the same way. A module or add-on that fails to load is recorded
once and harms nothing else. Tests and scripts may build registries of their own.
"""

from __future__ import annotations

import contextvars
import functools
import importlib
import threading
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from importlib import metadata
from typing import Any

from .core.specs import CATEGORIES, NodeSpec

BLOCKS_GROUP = "embedflow.blocks"
EDITORS_GROUP = "embedflow.editors"
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
    "embedflow.blocks.group",
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


# An editor factory: called with the canvas's EditorContext, returns a widget (opaque to the engine).
EditorFactory = Callable[[Any], Any]

# While a module is imported by the loader, blocks and editors it registers land in this registry with this origin.
_loading: contextvars.ContextVar[tuple[Registry, Origin] | None] = contextvars.ContextVar("loading", default=None)
# The editors registered through `register_editor`, by the module defining each factory: a module is
# imported once per process, so a registry that loads it later gets its editors from this record.
_editors_of_module: dict[str, dict[str, EditorFactory]] = {}


class Registry:
    """Block types by name, with their origin, their editors, and the load failures met on the way.

    Blocks come from sources loaded one after another (`load_module`, `load_entry_points`, and any
    further source such as a user's own blocks through `register`); editors likewise
    (`load_editor_module`, `load_editor_entry_points`, `register_editor`).
    """

    def __init__(self) -> None:
        self._specs: dict[str, NodeSpec] = {}
        self._origins: dict[str, Origin] = {}
        self.failures: list[LoadFailure] = []
        self._entry_points: list[Origin] = []
        self._editors: dict[str, EditorFactory] = {}
        self.editor_failures: list[LoadFailure] = []
        self._editor_sources: set[str] = set()

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

    # -- editors ---------------------------------------------------------------------------------
    def register_editor(self, node_type: str, factory: EditorFactory) -> None:
        """Use `factory(context)` as the editor of blocks of `node_type` (instead of the generated form)."""
        self._editors[node_type] = factory

    def unregister_editor(self, node_type: str) -> None:
        """Go back to the generated form for `node_type`."""
        self._editors.pop(node_type, None)

    def editor(self, node_type: str) -> EditorFactory | None:
        """The editor factory registered for a block type, or None (the canvas then generates a form)."""
        return self._editors.get(node_type)

    def load_editor_module(self, module: str, origin: Origin = BUILT_IN) -> None:
        """Import an editor module once into this registry and add the editors it registers.

        A module imported earlier (by another registry, or directly) gives this one the editors it
        registered then. A missing optional module (the module itself not found) is skipped; any
        other failure is recorded in `editor_failures`.
        """
        if module in self._editor_sources:
            return
        self._editor_sources.add(module)

        def load() -> None:
            try:
                importlib.import_module(module)
            except ModuleNotFoundError as exc:
                if exc.name != module:
                    raise
                return
            for node_type, factory in _editors_of_module.get(module, {}).items():
                self.register_editor(node_type, factory)

        self._guarded(f"editor module {module}", origin, load, self.editor_failures)

    def load_editor_entry_points(self, entry_points: Iterable[metadata.EntryPoint] | None = None) -> None:
        """Load add-ons' editors from `embedflow.editors` entry points (once; by default every installed one).

        The value names a module whose import registers editors, or a callable called without
        arguments that does; one that fails is recorded in `editor_failures`.
        """
        if EDITORS_GROUP in self._editor_sources:
            return
        self._editor_sources.add(EDITORS_GROUP)
        found = metadata.entry_points(group=EDITORS_GROUP) if entry_points is None else entry_points
        for entry_point in found:
            dist = entry_point.dist
            origin = Origin(OriginKind.ADD_ON, dist.name if dist else "", dist.version if dist else "",
                            entry_point.name, entry_point.value)

            def load(entry_point: metadata.EntryPoint = entry_point) -> None:
                loaded = entry_point.load()
                if entry_point.attr:
                    loaded()

            package = f"add-on {dist.name} {dist.version}, " if dist else ""
            self._guarded(f"{package}editor entry point '{entry_point.name}' ({entry_point.value})", origin, load,
                          self.editor_failures)

    # -- loading -------------------------------------------------------------------------------
    def _guarded(self, source: str, origin: Origin, load: Callable[[], None],
                 failures: list[LoadFailure] | None = None) -> None:
        before = dict(self._specs), dict(self._origins), dict(self._editors)
        token = _loading.set((self, origin))
        try:
            load()
        except (KeyboardInterrupt, GeneratorExit):
            raise
        except BaseException as exc:  # noqa: BLE001  (an add-on, even exiting at import, must not end embedflow)
            self._specs, self._origins, self._editors = before
            last = traceback.extract_tb(exc.__traceback__)[-1:]
            where = f" ({last[0].filename}:{last[0].lineno})" if last else ""
            (self.failures if failures is None else failures).append(
                LoadFailure(source, origin, f"{type(exc).__name__}: {exc}{where}"))
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


def register_editor(node_type: str, factory: EditorFactory) -> None:
    """Register a block's editor: into the registry loading the current module, else the default registry."""
    _editors_of_module.setdefault(getattr(factory, "__module__", ""), {})[node_type] = factory
    loading = _loading.get()
    (loading[0] if loading is not None else default_registry()).register_editor(node_type, factory)
