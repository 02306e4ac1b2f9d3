"""The Normalise block: every vector scaled to the same length (L2), rows and model unchanged."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from embedflow.api import EMBEDDINGS, NodeContext, NodeSpec, OutputDescription, Port, Setting, register


def run(ctx: NodeContext) -> dict[str, Any]:
    """Divide every vector by its L2 norm (all-zero vectors stay zero), then scale to `length`."""
    table = ctx.inputs["data"]
    norms = np.linalg.norm(table.vectors, axis=1, keepdims=True)
    vectors = table.vectors / np.where(norms == 0, 1, norms) * ctx.settings["length"]
    ctx.summary = f"{len(table):,} vectors scaled to length {ctx.settings['length']:g}"
    return {"embeddings": table.with_vectors(vectors, normalised="l2")}


def describe(settings: Mapping[str, Any], port: str,
             upstream: Callable[[str], OutputDescription | None]) -> OutputDescription | None:
    """The vectors stay in the input's embedding space, so say what the input says."""
    return upstream("data")


register(NodeSpec(
    type="demo_normalise",
    title="Normalise",
    category="Analysis",
    description="Scale every vector to the same length, so only its direction counts.",
    icon=str(Path(__file__).with_name("normalise.svg")),  # or the name of one of embedflow's icons
    inputs=(Port(name="data", type=EMBEDDINGS, description="The vectors to scale."),),
    outputs=(Port(name="embeddings", type=EMBEDDINGS, description="The same rows, vectors of one length."),),
    settings=(Setting(name="length", kind="float", default=1.0, minimum=0.001, maximum=1000.0,
                      label="Length", help="The length of every vector afterwards."),),
    run=run,
    describes_output=describe,
))
