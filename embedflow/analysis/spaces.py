"""Whether two inputs of a block hold vectors of one embedding space (asked through the capability hook)."""

from __future__ import annotations

from ..core.diagnostics import ValidationContext
from ..core.table import Table
from ..core.workflow import Node

# (vector length, model id, kind) of what feeds a port; each part None when not known.
Space = tuple[int | None, str | None, str | None]


def table_space(table: Table) -> Space:
    """The space of a computed table: its vector length, and the model and kind of its provenance."""
    return table.dims, table.provenance.get("model"), table.provenance.get("kind")


def upstream_space(context: ValidationContext, node: Node, port: str) -> Space:
    """(vector length, model id, kind) of what feeds `port`, from its last output or its block's description."""
    source = context.source_of(node, port)
    if source is None:
        return None, None, None
    upstream, upstream_port = source
    value = context.output_of(upstream, upstream_port)
    if isinstance(value, Table) and value.vectors is not None:
        return table_space(value)
    description = context.describe(upstream, upstream_port)
    if description is not None:
        model = description.model
        return None, model if isinstance(model, str) and model else None, description.kind
    return None, None, None


def space_mismatch(first: Space, second: Space, first_name: str = "data",
                   second_name: str = "query", use: str = "distances between different embedding spaces mean "
                                                          "nothing") -> tuple[str, str, str] | None:
    """(code, message, hint) when vectors of the two spaces cannot be used together, else None."""
    (first_dims, first_model, first_kind), (second_dims, second_model, second_kind) = first, second
    if first_model and second_model and first_model != second_model:
        kinds = f" ({first_kind} vs {second_kind})" if first_kind and second_kind and first_kind != second_kind else ""
        return ("embedding-model-mismatch",
                f"the {first_name} was embedded with {first_model} but the {second_name} with "
                f"{second_model}{kinds}; {use}.",
                f"Embed the {second_name} with {first_model} too, or the {first_name} with {second_model}.")
    if first_dims and second_dims and first_dims != second_dims:
        return ("dimension-mismatch",
                f"{first_name} vectors have {first_dims} values but {second_name} vectors have {second_dims}.",
                f"Embed {first_name} and {second_name} with the same model so their vectors have the same length.")
    return None
