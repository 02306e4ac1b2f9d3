"""Diagnostics: what is wrong with a workflow, worded for users, with stable codes; and what rules see."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from .paths import resolve_path
from .specs import NodeSpec, OutputDescription, SettingKind, SpecSource, node_spec
from .workflow import Link, Node, Workflow


class Severity(StrEnum):
    """How bad a diagnostic is; errors stop a block from running."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


SEVERITIES = tuple(Severity)
# What a severity may be written as: the enum, or its value (checked by mypy, converted on construction).
SeverityName = Severity | Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Diagnostic:
    """One finding: a stable code, its severity, where it is, what is wrong and what to do."""

    code: str
    severity: SeverityName
    node_id: str | None
    link_id: str | None
    message: str
    hint: str = ""

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "severity", Severity(self.severity))
        except ValueError:
            raise ValueError(f"unknown severity {self.severity!r} (one of {', '.join(SEVERITIES)})") from None

    def line(self) -> str:
        """The `embedflow validate` form: `node_id: severity code: message (hint)`."""
        where = self.node_id or self.link_id or "workflow"
        text = f"{where}: {self.severity} {self.code}: {self.message}"
        return f"{text} Hint: {self.hint}" if self.hint else text


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    """True when any diagnostic is an error."""
    return any(d.severity == Severity.ERROR for d in diagnostics)


def error(code: str, message: str, hint: str = "", node_id: str | None = None,
          link_id: str | None = None) -> Diagnostic:
    """Shorthand for an error diagnostic."""
    return Diagnostic(code, Severity.ERROR, node_id, link_id, message, hint)


def warning(code: str, message: str, hint: str = "", node_id: str | None = None,
            link_id: str | None = None) -> Diagnostic:
    """Shorthand for a warning diagnostic."""
    return Diagnostic(code, Severity.WARNING, node_id, link_id, message, hint)


@dataclass
class ValidationContext:
    """What rules may look at: the workflow, the block specs, its folder, and results of nodes already run."""

    workflow: Workflow
    specs: SpecSource
    base_dir: str | None = None
    outputs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def spec(self, node: Node) -> NodeSpec | None:
        """The NodeSpec of a node (None for unknown types)."""
        return node_spec(self.specs, node.type, node.settings)

    def settings(self, node: Node) -> dict[str, Any]:
        """A node's effective settings (defaults overlaid with what is stored).

        A stored value that fails its setting's own check reads as the default here (the
        invalid-setting rule reports it), so a block's check only ever sees well-formed values.
        """
        spec = self.spec(node)
        if spec is None:
            return dict(node.settings)
        resolved = spec.resolve_settings(node.settings)
        for setting in spec.settings:
            if setting.problem(resolved[setting.name]) is not None:
                resolved[setting.name] = setting.default
        return resolved

    def resolve_path(self, path: str) -> Path:
        """A path setting made absolute against the workflow's folder."""
        return resolve_path(path, self.base_dir)

    def source_of(self, node: Node, port: str) -> tuple[Node, str] | None:
        """The (upstream node, its output port) linked into input `port` of `node`."""
        return self.workflow.upstream_of(node.id, port)

    def link_into(self, node: Node, port: str) -> Link | None:
        """The link into input `port` of `node`, if any."""
        return next((link for link in self.workflow.links_into(node.id) if link.target_port == port), None)

    def output_of(self, node: Node, port: str) -> Any:
        """The last computed value of output `port` of `node`, if the engine has one."""
        return self.outputs.get(node.id, {}).get(port)

    def describe(self, node: Node, port: str, _seen: frozenset[str] = frozenset()) -> OutputDescription | None:
        """What output `port` of `node` holds (model, kind), from the block's describes_output capability."""
        spec = self.spec(node)
        if spec is None or spec.describes_output is None or node.id in _seen:
            return None
        seen = _seen | {node.id}

        def upstream(input_port: str) -> OutputDescription | None:
            source = self.source_of(node, input_port)
            return self.describe(source[0], source[1], seen) if source else None

        description = spec.describes_output(self.described_settings(node), port, upstream)
        if description is not None and description.origin is None:
            description = replace(description, origin=f"{node.id}.{port}")
        return description

    def described_settings(self, node: Node) -> dict[str, Any]:
        """A node's effective settings with its path settings made absolute (what describes_output gets)."""
        settings = self.settings(node)
        spec = self.spec(node)
        for setting in spec.settings if spec else ():
            value = settings.get(setting.name)
            if setting.kind == SettingKind.PATH and isinstance(value, str) and value:
                settings[setting.name] = str(self.resolve_path(value))
        return settings
