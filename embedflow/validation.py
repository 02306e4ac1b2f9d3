"""The validator: rules that explain, in the user's words, what is wrong with a workflow.

One function, `validate`, serves the canvas (badges, red links, the Messages dock) and
`embedflow validate`. Rules are registered per concern with @rule; a NodeSpec may also carry
a `check` for diagnostics about one node of its type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from . import registry
from .paths import resolve_path
from .ports import accepts
from .workflow import Node, Workflow

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Diagnostic:
    """One finding: a stable code, its severity, where it is, what is wrong and what to do."""

    code: str
    severity: str
    node_id: str | None
    link_id: str | None
    message: str
    hint: str = ""

    def line(self) -> str:
        """The `embedflow validate` form: `node_id: severity code: message (hint)`."""
        where = self.node_id or self.link_id or "workflow"
        text = f"{where}: {self.severity} {self.code}: {self.message}"
        return f"{text} Hint: {self.hint}" if self.hint else text


@dataclass
class ValidationContext:
    """What rules may look at: the workflow, its folder, and results of nodes already run."""

    workflow: Workflow
    base_dir: str | None = None
    outputs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def spec(self, node: Node) -> registry.NodeSpec | None:
        """The NodeSpec of a node (None for unknown types)."""
        return registry.get(node.type)

    def settings(self, node: Node) -> dict[str, Any]:
        """A node's effective settings (defaults overlaid with what is stored)."""
        spec = self.spec(node)
        return spec.resolve_settings(node.settings) if spec else dict(node.settings)

    def resolve_path(self, path: str) -> Path:
        """A path setting made absolute against the workflow's folder."""
        return resolve_path(path, self.base_dir)

    def source_of(self, node: Node, port: str) -> tuple[Node, str] | None:
        """The (upstream node, its output port) linked into input `port` of `node`."""
        return self.workflow.upstream_of(node.id, port)

    def output_of(self, node: Node, port: str) -> Any:
        """The last computed value of output `port` of `node`, if the engine has one."""
        return self.outputs.get(node.id, {}).get(port)


Rule = Callable[[ValidationContext], Iterable[Diagnostic]]
_RULES: list[Rule] = []


def rule(function: Rule) -> Rule:
    """Register a workflow-wide validation rule."""
    _RULES.append(function)
    return function


def validate(workflow: Workflow, base_dir: str | None = None,
             outputs: Mapping[str, Mapping[str, Any]] | None = None) -> list[Diagnostic]:
    """Every diagnostic for the workflow: general rules, registered rules and per-node checks."""
    registry.load_builtin_nodes()
    context = ValidationContext(workflow, base_dir, outputs or {})
    found: list[Diagnostic] = []
    for function in _RULES:
        found.extend(function(context))
    for node in workflow.nodes.values():
        spec = context.spec(node)
        if spec is not None and spec.check is not None:
            found.extend(spec.check(context, node))
    # A block's own rule about a link (e.g. "insert a Text Encoding") explains it better than the
    # generic type mismatch, so the generic one is dropped for that link.
    specific = {d.link_id for d in found if d.link_id and d.code not in ("port-type-mismatch", "cycle")}
    found = [d for d in found if not (d.code == "port-type-mismatch" and d.link_id in specific)]
    order = {node_id: i for i, node_id in enumerate(workflow.nodes)}
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(found, key=lambda d: (order.get(d.node_id or "", len(order)), rank[d.severity]))


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    """True when any diagnostic is an error."""
    return any(d.severity == "error" for d in diagnostics)


def error(code: str, message: str, hint: str = "", node_id: str | None = None,
          link_id: str | None = None) -> Diagnostic:
    """Shorthand for an error diagnostic."""
    return Diagnostic(code, "error", node_id, link_id, message, hint)


def warning(code: str, message: str, hint: str = "", node_id: str | None = None,
            link_id: str | None = None) -> Diagnostic:
    """Shorthand for a warning diagnostic."""
    return Diagnostic(code, "warning", node_id, link_id, message, hint)


# -- general rules --------------------------------------------------------------------

@rule
def unknown_node_types(context: ValidationContext) -> Iterable[Diagnostic]:
    """A node whose type this embedflow does not know cannot run (its settings are kept)."""
    for node in context.workflow.nodes.values():
        if context.spec(node) is None:
            yield error("unknown-node-type",
                        f"“{node.title}” is a block of type '{node.type}', which this embedflow does not know.",
                        "Install the version or add-on that provides it, or replace the block; "
                        "its settings are kept when you save.", node_id=node.id)


@rule
def missing_inputs(context: ValidationContext) -> Iterable[Diagnostic]:
    """Every required input port needs a link."""
    for node in context.workflow.nodes.values():
        spec = context.spec(node)
        if spec is None:
            continue
        for port in spec.inputs:
            if port.required and context.source_of(node, port.name) is None:
                yield error("missing-input",
                            f"“{node.title}” needs something on its '{port.name}' input ({port.type}).",
                            f"Link an output that gives {port.type} to '{port.name}'.", node_id=node.id)


@rule
def port_type_mismatches(context: ValidationContext) -> Iterable[Diagnostic]:
    """A link must carry a type that the input port accepts."""
    workflow = context.workflow
    for link in workflow.links.values():
        source, target = workflow.nodes.get(link.source), workflow.nodes.get(link.target)
        if source is None or target is None:
            continue
        source_spec, target_spec = context.spec(source), context.spec(target)
        if source_spec is None or target_spec is None:
            continue
        out_port, in_port = source_spec.output(link.source_port), target_spec.input(link.target_port)
        if out_port is None or in_port is None or accepts(in_port.type, out_port.type):
            continue
        yield error("port-type-mismatch",
                    f"“{source.title}” gives {out_port.type} but “{target.title}” "
                    f"expects {in_port.type} on '{in_port.name}'.",
                    f"Link an output that gives {in_port.type} instead.",
                    node_id=target.id, link_id=link.id)


@rule
def cycles(context: ValidationContext) -> Iterable[Diagnostic]:
    """Links may not form a loop: data must flow one way."""
    workflow = context.workflow
    if workflow.topological_order() is not None:
        return
    for link in workflow.links.values():
        if link.source in workflow.downstream_of(link.target) or link.source == link.target:
            target = workflow.nodes[link.target]
            yield error("cycle",
                        f"The link into “{target.title}” closes a loop: data would flow in a circle.",
                        "Remove one link of the loop.", node_id=target.id, link_id=link.id)


@rule
def invalid_settings(context: ValidationContext) -> Iterable[Diagnostic]:
    """Settings must have the schema's type and lie within its bounds or choices."""
    for node in context.workflow.nodes.values():
        spec = context.spec(node)
        if spec is None:
            continue
        for name, value in node.settings.items():
            setting = spec.setting(name)
            problem = setting.problem(value) if setting else None
            if problem:
                yield error(setting.code, f"“{node.title}”: {problem}.",
                            f"Open the block's settings and choose a valid {setting.display_name.lower()}"
                            f" (default: {setting.default!r}).", node_id=node.id)
