"""The Group block: blocks folded into one, with the ports its settings expose (embedflow/groups.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.context import NodeContext
from ..core.errors import NodeError
from ..core.specs import NodeSpec, Setting
from ..groups import GROUP, instance_spec


def run(ctx: NodeContext) -> Mapping[str, Any]:
    """Never called by the engine, which runs a group's blocks one by one; a caller that skips flattening is told."""
    raise NodeError(f"The group “{ctx.title}” runs through its inner blocks: run it with the engine "
                    "(embedflow.api.run_workflow), which flattens groups.", "group-not-flattened")


SPEC = NodeSpec(
    type=GROUP,
    title="Group",
    category="Groups",
    description="Blocks folded into one block with its own ports; double-click it to open it.",
    icon="block",
    inputs=(),
    outputs=(),
    settings=(
        Setting("nodes", "list", [], help="The blocks inside, shaped as in a workflow file."),
        Setting("links", "list", [], help="The links between the blocks inside."),
        Setting("annotations", "list", [], help="The notes inside."),
        Setting("inputs", "list", [], help="Exposed inputs: [{name, node, port}]."),
        Setting("outputs", "list", [], help="Exposed outputs: [{name, node, port}]."),
        Setting("settings_exposed", "list", [], help="Promoted settings: [{name, targets: [[node, setting]]}]."),
    ),
    run=run,
    instance=instance_spec,
    help_page="groups",
)
