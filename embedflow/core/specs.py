"""Block specifications: a NodeSpec names a block's ports, settings schema, run function and capabilities."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from .cluster import ClusterRunFunction
from .ports import PortType

if TYPE_CHECKING:
    from .context import NodeContext
    from .diagnostics import Diagnostic, ValidationContext
    from .workflow import Node


class SettingKind(StrEnum):
    """What a setting holds; editors and the validator act on it."""

    STR = "str"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    CHOICE = "choice"
    PATH = "path"
    COLUMN = "column"
    LIST = "list"
    ROWS = "rows"  # a RowSet (e.g. the Scatter's selection); a script may give a list of row numbers


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
    kind: SettingKind | str
    default: Any
    label: str = ""
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    # The diagnostic code the validator uses when the value is not acceptable.
    code: str = "invalid-setting"
    # Of a path setting: the file name endings its file dialog offers first (".csv", ".tab", …).
    suffixes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "kind", SettingKind(self.kind))
        except ValueError:
            raise ValueError(f"unknown setting kind {self.kind!r}") from None

    @property
    def display_name(self) -> str:
        """The label shown in editors and messages."""
        return self.label or self.name.replace("_", " ").capitalize()

    def problem(self, value: Any) -> str | None:
        """Why `value` is not acceptable for this setting, or None when it is."""
        name = self.display_name
        if self.kind == "bool":
            return None if isinstance(value, bool) else f"{name} must be true or false, not {_shown(value)}"
        if self.kind in ("int", "float"):
            return self._number_problem(name, value)
        if self.kind == "list":
            return None if isinstance(value, list) else f"{name} must be a list, not {_shown(value)}"
        if self.kind == "rows":
            from .rows import RowSet

            return None if isinstance(value, (RowSet, list)) else f"{name} must be row numbers, not {value!r}"
        if not isinstance(value, str):
            return f"{name} must be text, not {_shown(value)}"
        if self.kind == "choice" and self.choices and value not in self.choices:
            return f"{name} must be one of {', '.join(self.choices)}, not {_shown(value)}"
        return None

    def _number_problem(self, name: str, value: Any) -> str | None:
        """Why `value` is not a number this int or float setting accepts, or None."""
        numeric = (int,) if self.kind == "int" else (int, float)
        if isinstance(value, bool) or not isinstance(value, numeric):
            return f"{name} must be a{'n integer' if self.kind == 'int' else ' number'}, not {_shown(value)}"
        if isinstance(value, float) and not math.isfinite(value):
            return f"{name} must be a finite number, not {value!r}"
        if isinstance(value, int) and abs(value) > MAX_SETTING_INTEGER:
            return f"{name} must be a number of ordinary size, not one of {len(str(abs(value)))} digits"
        if self.minimum is not None and value < self.minimum:
            return f"{name} must be at least {self.minimum:g}, not {value:g}"
        if self.maximum is not None and value > self.maximum:
            return f"{name} must be at most {self.maximum:g}, not {value:g}"
        return None


# Integers beyond 2**53 are not exact as floats; no setting needs them, and huge ones break formatting.
MAX_SETTING_INTEGER = 2**53


def _shown(value: Any) -> str:
    """A value as a message shows it: its repr, cut short when long."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


RunFunction = Callable[["NodeContext"], Mapping[str, Any]]
CheckFunction = Callable[["ValidationContext", "Node"], Iterable["Diagnostic"]]
FingerprintFunction = Callable[[Mapping[str, Any], "str | None"], str]
# export(outputs, view, out_dir, node_id) -> the paths written; an export that also takes a keyword
# `workflow` is given the workflow's name (see NodeSpec).
ExportFunction = Callable[[Mapping[str, Any], Any, str, str], list[str]]
MigrateFunction = Callable[[dict[str, Any], int], dict[str, Any]]


class EmbeddingKind(StrEnum):
    """What the built-in embedding blocks embed; an add-on may describe its own kind with another word."""

    TEXT = "text"
    IMAGE = "image"


@dataclass(frozen=True)
class OutputDescription:
    """What a block says an output holds before anything has run: the embedding model and its kind.

    model: the language or image model id whose space the vectors (or tokens) belong to.
    kind: EmbeddingKind.TEXT or .IMAGE (or an add-on's own word).
    origin: the output ("node_id.port") that made it; set by ValidationContext.describe, kept by pass-throughs.
    fitted_on: for a space fitted on a workflow's own texts (tfidf-lsa, trained-word2vec): the origin of the
    texts it was fitted on, so spaces fitted on different texts are told apart.
    """

    model: str | None = None
    kind: EmbeddingKind | str | None = None
    origin: str | None = None
    fitted_on: str | None = None


# split(settings, base_dir, piece_bytes) -> the settings of each piece a source block can read on its own,
# of about piece_bytes each where the source can tell (a Parquet file's row groups).
SplitFunction = Callable[[Mapping[str, Any], "str | None", int], list[dict[str, Any]]]


@dataclass(frozen=True)
class RowWise:
    """A block's `run` may be applied to slices of rows independently; its outputs are the slices' outputs, in order.

    port: the input whose rows are sliced (the others reach every slice whole); None for a source block,
    whose `split` names the pieces it reads (e.g. one file of a glob each).
    when: the settings under which this holds (e.g. not for SIF pooling, which looks at every row); None: always.
    Executors that spread rows over machines (engine/dask_executor.py) use it; local runs ignore it.
    """

    port: str | None = None
    when: Callable[[Mapping[str, Any]], bool] | None = None
    split: SplitFunction | None = None

    def applies(self, settings: Mapping[str, Any]) -> bool:
        """True when the block is row-wise with these settings."""
        return self.when is None or bool(self.when(settings))


@dataclass(frozen=True)
class Execution:
    """How a block's run may be carried out; only executors read it, the block's `run` is the same either way.

    row_wise: the block can run on slices of rows independently (see RowWise); None: it needs every row.
    preload: modules the block's run imports; the engine imports them one block at a time, because two
    threads importing a package such as scikit-learn for the first time at once can see it half-made.
    on_cluster: for a block that needs every row, how to compute where its partitioned inputs live
    (core/cluster.py; the built-in blocks name a kernel of analysis/partitioned/); returns None to have
    them joined on this computer instead.
    idempotent: the same inputs and settings give the same outputs whichever node runs the block, so two
    identical branches compute once and share the result; False keys each node's result apart (a block
    whose run depends on which node it is, or has effects beyond its outputs).
    """

    row_wise: RowWise | None = None
    preload: tuple[str, ...] = ()
    on_cluster: ClusterRunFunction | None = None
    idempotent: bool = True


# describes_output(settings, port, upstream) -> the description of output `port`; `upstream(port)`
# describes what feeds one of the block's own inputs, so pass-through blocks can forward it.
DescribeFunction = Callable[[Mapping[str, Any], str, Callable[[str], "OutputDescription | None"]],
                            "OutputDescription | None"]
# instance(settings, specs) -> the spec of one node whose ports depend on its settings (a group's exposed ports).
InstanceFunction = Callable[[Mapping[str, Any], "SpecSource"], "NodeSpec"]


@dataclass(frozen=True)
class NodeSpec:
    """Everything the engine, validator, file reader and GUI need to know about a block type.

    run: computes outputs from ctx.inputs and ctx.settings.
    check: static per-node diagnostics (e.g. a missing file or a model mismatch) run by the validator.
    describes_output: the capability other blocks and the validator ask instead of type names.
    icon: the name of a shipped icon (resources/icons/<name>.svg), or the absolute path of an
    add-on's own SVG or PNG file.
    fingerprint: extra cache key text from settings and base dir (e.g. a file's mtime).
    export: writes extra files for `embedflow run --out` (returns their paths); if it takes a keyword
    `workflow`, it gets the workflow's name: the file's stem, then the groups the block sits in
    (`image-search › Embed images`).
    migrate: upgrades settings saved by an older node_version (settings, from_version) -> settings.
    execution: what executors may know of the run beyond `run` itself (see Execution).
    instance: for a block whose ports depend on its settings (a group), the spec of one node of it.
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
    describes_output: DescribeFunction | None = None
    fingerprint: FingerprintFunction | None = None
    export: ExportFunction | None = None
    migrate: MigrateFunction | None = None
    execution: Execution = Execution()
    instance: InstanceFunction | None = None
    help_page: str = ""

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

    def self_check(self) -> None:
        """Raise ValueError when the spec contradicts itself (run when it is registered)."""
        for label, names in (("port", [p.name for p in self.inputs]), ("port", [p.name for p in self.outputs]),
                             ("setting", [s.name for s in self.settings])):
            duplicates = sorted({n for n in names if names.count(n) > 1})
            if duplicates:
                raise ValueError(f"block {self.type!r}: {label} names used twice: {', '.join(duplicates)}")
        for setting in self.settings:
            problem = setting.problem(setting.default)
            if problem:
                raise ValueError(f"block {self.type!r}: the default of {setting.name!r} fails its own check: {problem}")
        if not self.type or not self.type.replace("_", "").replace("-", "").replace(".", "").isalnum():
            raise ValueError(f"block type {self.type!r} must be letters, digits, '_', '-' or '.'")


class SpecSource(Protocol):
    """Where the model looks up block specs (the Registry is one)."""

    def get(self, type_name: str) -> NodeSpec | None:
        """The spec of a block type, or None for an unknown type."""


def node_spec(specs: SpecSource, type_name: str, settings: Mapping[str, Any]) -> NodeSpec | None:
    """The spec of one node: its type's, or its own for a block whose ports depend on its settings (a group)."""
    spec = specs.get(type_name)
    return spec.instance(settings, specs) if spec is not None and spec.instance is not None else spec


CATEGORIES = ("Data", "Text", "Image", "Analysis", "Visualise")
