"""The block registry: one NodeSpec per node type, with ports, settings schema and run function."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from .ports import PortType

if TYPE_CHECKING:
    from .engine import NodeContext
    from .validation import Diagnostic, ValidationContext
    from .workflow import Node

SETTING_KINDS = ("str", "int", "float", "bool", "choice", "path", "column", "list")


@dataclass(frozen=True)
class Port:
    """A named, typed input or output of a block."""

    name: str
    type: PortType
    required: bool = True
    description: str = ""


@dataclass(frozen=True)
class Setting:
    """One entry of a block's settings schema: kind, default, bounds or choices and help."""

    name: str
    kind: str
    default: Any
    label: str = ""
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    # The diagnostic code the validator uses when the value is not acceptable.
    code: str = "invalid-setting"

    def __post_init__(self) -> None:
        if self.kind not in SETTING_KINDS:
            raise ValueError(f"unknown setting kind {self.kind!r}")

    @property
    def display_name(self) -> str:
        """The label shown in editors and messages."""
        return self.label or self.name.replace("_", " ").capitalize()

    def problem(self, value: Any) -> str | None:
        """Why `value` is not acceptable for this setting, or None when it is."""
        name = self.display_name
        if self.kind == "bool":
            return None if isinstance(value, bool) else f"{name} must be true or false, not {value!r}"
        if self.kind in ("int", "float"):
            numeric = (int,) if self.kind == "int" else (int, float)
            if isinstance(value, bool) or not isinstance(value, numeric):
                return f"{name} must be a{'n integer' if self.kind == 'int' else ' number'}, not {value!r}"
            if self.minimum is not None and value < self.minimum:
                return f"{name} must be at least {self.minimum:g}, not {value:g}"
            if self.maximum is not None and value > self.maximum:
                return f"{name} must be at most {self.maximum:g}, not {value:g}"
            return None
        if self.kind == "list":
            return None if isinstance(value, list) else f"{name} must be a list, not {value!r}"
        if not isinstance(value, str):
            return f"{name} must be text, not {value!r}"
        if self.kind == "choice" and self.choices and value not in self.choices:
            return f"{name} must be one of {', '.join(self.choices)}, not {value!r}"
        return None


RunFunction = Callable[["NodeContext"], Mapping[str, Any]]
CheckFunction = Callable[["ValidationContext", "Node"], Iterable["Diagnostic"]]
FingerprintFunction = Callable[[Mapping[str, Any], "str | None"], str]
ExportFunction = Callable[[Mapping[str, Any], str, str], list[str]]
MigrateFunction = Callable[[dict[str, Any], int], dict[str, Any]]


@dataclass(frozen=True)
class NodeSpec:
    """Everything the engine, validator, file reader and GUI need to know about a block type.

    run: computes outputs from ctx.inputs and ctx.settings.
    check: static per-node diagnostics (e.g. a missing file) run by the validator.
    fingerprint: extra cache key text from settings and base dir (e.g. a file's mtime).
    export: writes extra files for `embedflow run --out` (returns their paths).
    migrate: upgrades settings saved by an older node_version (settings, from_version) -> settings.
    """

    type: str
    title: str
    category: str
    description: str
    icon: str
    inputs: tuple[Port, ...]
    outputs: tuple[Port, ...]
    settings: tuple[Setting, ...]
    run: RunFunction
    version: int = 1
    check: CheckFunction | None = None
    fingerprint: FingerprintFunction | None = None
    export: ExportFunction | None = None
    migrate: MigrateFunction | None = None
    help_page: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def input(self, name: str) -> Port | None:
        """The input port called `name`, if any."""
        return next((p for p in self.inputs if p.name == name), None)

    def output(self, name: str) -> Port | None:
        """The output port called `name`, if any."""
        return next((p for p in self.outputs if p.name == name), None)

    def setting(self, name: str) -> Setting | None:
        """The schema entry for setting `name`, if any."""
        return next((s for s in self.settings if s.name == name), None)

    def defaults(self) -> dict[str, Any]:
        """A fresh dict of every setting's default."""
        return {s.name: s.default for s in self.settings}

    def resolve_settings(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """Defaults overlaid with the stored settings (unknown keys are kept)."""
        return {**self.defaults(), **stored}


CATEGORIES = ("Data", "Text", "Image", "Analysis", "Visualise")

_SPECS: dict[str, NodeSpec] = {}


def register(spec: NodeSpec) -> NodeSpec:
    """Add a block type to the registry (re-registering a type replaces it)."""
    _SPECS[spec.type] = spec
    return spec


def unregister(type_name: str) -> None:
    """Remove a block type (used by tests that define their own types)."""
    _SPECS.pop(type_name, None)


def get(type_name: str) -> NodeSpec | None:
    """The spec of a block type, or None for an unknown type."""
    load_builtin_nodes()
    return _SPECS.get(type_name)


def all_specs() -> list[NodeSpec]:
    """All registered block types in category, then title order."""
    load_builtin_nodes()
    order = {c: i for i, c in enumerate(CATEGORIES)}
    return sorted(_SPECS.values(), key=lambda s: (order.get(s.category, len(order)), s.title))


_loaded = False


def load_builtin_nodes() -> None:
    """Import every module in embedflow.nodes once; each registers its block."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    from . import nodes

    for module in pkgutil.iter_modules(nodes.__path__):
        importlib.import_module(f"{nodes.__name__}.{module.name}")
