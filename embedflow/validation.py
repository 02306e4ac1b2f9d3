"""The validator: rules that explain, in the user's words, what is wrong with a workflow.

One function, `validate`, serves the canvas (badges, red links, the Messages dock) and
`embedflow validate`. The general rules are listed in RULES; each NodeSpec's `check` adds the
diagnostics of its own block (its links, settings and model checks, asked through capabilities).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .core.diagnostics import SEVERITIES, Diagnostic, ValidationContext, error, warning
from .core.ports import accepts
from .core.specs import SpecSource
from .core.workflow import Node, Workflow
from .groups import Flattened, flatten
from .io.trusted_paths import untrusted
from .registry import LoadFailure, Registry

Rule = Callable[[ValidationContext], Iterable[Diagnostic]]


def validate(workflow: Workflow, base_dir: str | None = None,
             outputs: Mapping[str, Mapping[str, Any]] | None = None,
             specs: SpecSource | None = None) -> list[Diagnostic]:
    """Every diagnostic for the workflow: the general rules, then each block's own check.

    specs: where block types are looked up; by default the workflow's own.
    Rules see inside groups: they check the flattened workflow, whose inner blocks have path ids (`g1/m`).
    """
    flat = flatten(workflow)
    workflow = flat.workflow
    context = ValidationContext(workflow, specs if specs is not None else workflow.specs, base_dir, outputs or {})
    found: list[Diagnostic] = list(flat.diagnostics)
    for function in RULES:
        found.extend(function(context))
    own = [d for node in workflow.nodes.values() for d in _own_check(context, node)]
    return _in_reading_order(_without_generic_duplicates(context, found, own), flat)


def _own_check(context: ValidationContext, node: Node) -> Iterable[Diagnostic]:
    """The block's own diagnostics for `node` (none for an unknown type or a block without a check)."""
    spec = context.spec(node)
    return spec.check(context, node) if spec is not None and spec.check is not None else ()


def _without_generic_duplicates(context: ValidationContext, found: list[Diagnostic],
                                own: list[Diagnostic]) -> list[Diagnostic]:
    """The general rules' and the blocks' diagnostics, less generic ones a block's own rule explains better."""
    # A block's own check of a setting (e.g. the sequence length its language model can read)
    # explains it better than the schema's generic bound, so the generic one is dropped.
    checked = {(d.node_id, d.code) for d in own}
    generic = set(invalid_settings(context))
    found = [d for d in found if not (d in generic and (d.node_id, d.code) in checked)] + own
    # A block's own rule about a link (e.g. "insert a Text Encoding") explains it better than the
    # generic type mismatch, so the generic one is dropped for that link.
    specific = {d.link_id for d in found if d.link_id and d.code not in ("port-type-mismatch", "cycle")}
    return [d for d in found if not (d.code == "port-type-mismatch" and d.link_id in specific)]


def _in_reading_order(found: list[Diagnostic], flat: Flattened) -> list[Diagnostic]:
    """Diagnostics in the workflow's node order (a group where its first block is), errors first per node."""
    order = {node_id: i for i, node_id in enumerate(flat.workflow.nodes)}
    order.update({path: order.get(group.members[0], len(order)) if group.members else len(order)
                  for path, group in flat.groups.items()})
    rank: dict[str, int] = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(found, key=lambda d: (order.get(d.node_id or "", len(order)), rank[d.severity]))


# -- general rules --------------------------------------------------------------------

def _failures(context: ValidationContext) -> list[LoadFailure]:
    specs = context.specs
    return list(specs.failures) if isinstance(specs, Registry) else []


def add_on_failures(context: ValidationContext) -> Iterable[Diagnostic]:
    """An add-on (or built-in block module) that failed to load is named once, with its error."""
    for failure in _failures(context):
        yield warning("add-on-failed", f"Blocks could not be loaded: {failure.message()}",
                      "Reinstall or update that add-on; the other blocks work as usual.")


def unknown_node_types(context: ValidationContext) -> Iterable[Diagnostic]:
    """A node whose type this embedflow does not know cannot run (its settings are kept)."""
    # The failures' errors are in their own add-on-failed message; here they are only named.
    failed = [failure.origin.describe() if failure.origin.kind == "add-on" else failure.source
              for failure in _failures(context)]
    for node in context.workflow.nodes.values():
        if context.spec(node) is None:
            cause = (f" It may come from an add-on that failed to load: {'; '.join(failed)}."
                     if failed else "")
            yield error("unknown-node-type",
                        f"“{node.title}” is a block of type '{node.type}', which this embedflow does not know.{cause}",
                        "Install the version or add-on that provides it (`embedflow blocks` lists what is "
                        "installed), or replace the block; its settings are kept when you save.", node_id=node.id)


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
        fitting = [port.name for port in source_spec.outputs if accepts(in_port.type, port.type)]
        hint = (f"Link “{source.title}”'s output '{fitting[0]}' instead: it gives {in_port.type}." if fitting
                else f"Link an output that gives {in_port.type} instead.")
        yield error("port-type-mismatch",
                    f"“{source.title}” gives {out_port.type} on '{out_port.name}' but “{target.title}” "
                    f"expects {in_port.type} on '{in_port.name}'.",
                    hint, node_id=target.id, link_id=link.id)


def cycles(context: ValidationContext) -> Iterable[Diagnostic]:
    """Links may not form a loop: data must flow one way."""
    workflow = context.workflow
    if workflow.topological_order() is not None:
        return
    for link in workflow.links_in_cycles():
        target = workflow.nodes[link.target]
        yield error("cycle", f"The link into “{target.title}” closes a loop: data would flow in a circle.",
                    "Remove one link of the loop.", node_id=target.id, link_id=link.id)


def invalid_settings(context: ValidationContext) -> Iterable[Diagnostic]:
    """Settings must have the schema's type and lie within its bounds or choices."""
    for node in context.workflow.nodes.values():
        spec = context.spec(node)
        if spec is None:
            continue
        for name, value in node.settings.items():
            setting = spec.setting(name)
            problem = setting.problem(value) if setting is not None else None
            if setting is not None and problem:
                yield error(setting.code, f"“{node.title}”: {problem}.",
                            f"Open the block's settings and choose a valid {setting.display_name.lower()}"
                            f" (default: {setting.default!r}).", node_id=node.id)


def embedding_spaces_differ(context: ValidationContext) -> Iterable[Diagnostic]:
    """Two inputs of one block in spaces of the same corpus-fitted model, fitted on different texts."""
    for node in context.workflow.nodes.values():
        spec = context.spec(node)
        if spec is None or len(spec.inputs) < 2:
            continue
        fitted = []
        for port in spec.inputs:
            source = context.source_of(node, port.name)
            description = context.describe(*source) if source else None
            if description is not None and description.fitted_on:
                fitted.append((port.name, description))
        for (first, a), (second, b) in zip(fitted, fitted[1:]):
            if a.model == b.model and a.fitted_on != b.fitted_on:
                yield warning("embedding-spaces-differ",
                              f"“{node.title}”: its {first} and {second} inputs were embedded with {a.model} fitted "
                              f"on different texts, so their vectors live in different spaces and do not compare.",
                              "Link the texts of one branch to the other Text Embedding's 'fit' input, so both "
                              "are fitted on the same texts.", node_id=node.id)


UNTRUSTED_PATH = "untrusted-path"


def untrusted_paths(context: ValidationContext) -> Iterable[Diagnostic]:
    """A data path outside the workflow's folder and its parent's, the examples and the folders the user picked."""
    if not context.base_dir:
        return
    for node in context.workflow.nodes.values():
        spec = context.spec(node)
        settings = context.settings(node) if spec is not None else {}
        for setting in spec.settings if spec is not None else ():
            value = settings.get(setting.name)
            if setting.kind != "path" or not isinstance(value, str) or not value.strip():
                continue
            outside = untrusted(context.resolve_path(value), context.base_dir)
            if outside is not None:
                yield warning(UNTRUSTED_PATH, f"“{node.title}” reads {outside}, outside the workflow's folder and "
                              "its parent's, the examples and the folders you picked: a workflow from someone "
                              "else can read any of your files this way.",
                              "If you expect this file, choose it again in the block's settings (its folder is "
                              "then trusted); `embedflow run --strict-paths` refuses such paths.", node_id=node.id)


RULES: tuple[Rule, ...] = (add_on_failures, unknown_node_types, missing_inputs, port_type_mismatches,
                          cycles, invalid_settings, untrusted_paths, embedding_spaces_differ)
