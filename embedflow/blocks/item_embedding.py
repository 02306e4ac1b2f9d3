"""Item Embedding block: item and user vectors learned from who used what (collaborative filtering)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.checks import AnalysisError
from ..analysis.interactions import (
    NONE,
    Interactions,
    held_out,
    read_interactions,
    unset,
    user_sequences,
)
from ..analysis.item_embedding import METHODS, factorise, item2vec, least_events
from ..analysis.recommend import profiles, unit_rows
from ..core.context import NodeContext
from ..core.diagnostics import Diagnostic, Severity, ValidationContext, error
from ..core.errors import NodeError
from ..core.ports import EMBEDDINGS, TABLE
from ..core.specs import Execution, NodeSpec, OutputDescription, Port, Setting
from ..core.table import Table
from ..core.workflow import Node

TYPE = "item_embedding"
KIND = "items"
HINTS = {
    "user-not-set": "Choose the column that says who (user, customer, listener) in the block's settings.",
    "item-not-set": "Choose the column that says what (item, movie, song) in the block's settings.",
    "column-not-found": "Choose one of the interactions' columns.",
    "weight-not-numeric": "Choose a column of ratings or counts, or set the weight to none.",
    "weight-negative": "Shift the ratings so they start at 0, or set the weight to none.",
    "order-not-sortable": "Choose a column of times or numbers, or set the order to none.",
    "too-few-interactions": "Give it interactions of at least two users with at least two items.",
    "item-column-not-in-items": "Give the items table a column named like the interactions' item column.",
}


def node_error(ctx: NodeContext, exc: AnalysisError) -> NodeError:
    """An analysis error as the block reports it: its title, the message and the hint for its code."""
    return NodeError(f"“{ctx.title}”: {exc}", exc.code, HINTS.get(exc.code, ""))


def interactions_of(ctx: NodeContext, table: Table) -> Interactions:
    """The block's interactions, read with its user, item, weight and order settings; notes reported."""
    settings = ctx.settings
    try:
        interactions = read_interactions(table.meta, settings["user"], settings["item"],
                                         settings.get("weight", NONE), settings.get("order", NONE))
    except AnalysisError as exc:
        raise node_error(ctx, exc) from None
    for code, note in interactions.notes:
        ctx.report(Severity.WARNING, code, note)
    return interactions


def _kept_items(interactions: Interactions, min_count: int) -> tuple[Interactions, int]:
    """The interactions without the items used fewer than `min_count` times, and how many items were left out."""
    counts = interactions.counts()
    rare = counts < min_count
    if not rare.any():
        return interactions, 0
    keep_items = np.flatnonzero(~rare)
    if len(keep_items) < 2:
        raise AnalysisError(f"only {len(keep_items)} of {len(counts):,} items have at least {min_count} events.",
                            "too-few-interactions")
    new_code = np.full(len(counts), -1, dtype=np.int64)
    new_code[keep_items] = np.arange(len(keep_items))
    rows = np.flatnonzero(~rare[interactions.item])
    kept = Interactions(interactions.user[rows], new_code[interactions.item[rows]], interactions.weight[rows],
                        None if interactions.order is None else interactions.order[rows], interactions.users,
                        interactions.items[keep_items], interactions.notes)
    return kept, int(rare.sum())


def items_meta(interactions: Interactions, item: str, attributes: Table | None) -> pd.DataFrame:
    """One row per item: the item column, its interaction count and the attributes joined on the item column."""
    meta = pd.DataFrame({item: interactions.items.to_numpy(), "interactions": interactions.counts()})
    if attributes is None:
        return meta
    if item not in attributes.meta.columns:
        raise AnalysisError(f"the items table has no column '{item}' to join on; its columns are "
                            f"{', '.join(attributes.columns)}.", "item-column-not-in-items")
    extra = attributes.meta.drop_duplicates(subset=[item]).drop(columns=["interactions"], errors="ignore")
    key = extra[item]
    if key.dtype != meta[item].dtype:  # ids read as numbers in one table and as text in the other
        key, meta_key = key.astype(str), meta[item].astype(str)
        return meta.assign(_key=meta_key).merge(extra.assign(_key=key).drop(columns=[item]), on="_key",
                                                how="left").drop(columns=["_key"])
    return meta.merge(extra, on=item, how="left")


def run(ctx: NodeContext) -> dict[str, Any]:
    """Learn item vectors (and user vectors) from the interactions."""
    settings = ctx.settings
    interactions = interactions_of(ctx, ctx.inputs["interactions"])
    dims, seed, method = int(settings["dimensions"]), int(settings["seed"]), settings["method"]
    try:
        least = least_events(method, int(settings["min_count"]))
        interactions, rare = _kept_items(interactions, least)
        fit_rows = np.setdiff1d(np.arange(len(interactions)), held_out(interactions, seed)) \
            if settings["hold_out"] else None
        matrix = interactions.matrix(fit_rows)
        ctx.progress(0.05, f"{method} of {matrix.shape[0]:,} users × {matrix.shape[1]:,} items")
        if method == "factorisation":
            learned = factorise(matrix, dims, seed)
            item_vectors, user_vectors = learned.items, learned.users
        else:
            item_vectors = item2vec(user_sequences(interactions, fit_rows), len(interactions.items), dims, seed,
                                    progress=lambda f, m: ctx.progress(0.05 + 0.9 * f, m),
                                    cancelled=lambda: ctx.cancelled, min_events=1)  # the rare are left out above
            user_vectors = profiles(matrix, unit_rows(item_vectors))
        meta = items_meta(interactions, settings["item"], ctx.inputs.get("items"))
    except AnalysisError as exc:
        raise node_error(ctx, exc) from None
    provenance = {"model": TYPE, "kind": KIND, "method": method, "dims": dims,
                  "held_out": seed if settings["hold_out"] else None, "item_column": settings["item"]}
    items = Table(meta, item_vectors, feature=settings["item"], provenance=provenance)
    users = Table(pd.DataFrame({settings["user"]: interactions.users.to_numpy(),
                                "interactions": np.bincount(interactions.user, minlength=len(interactions.users))}),
                  user_vectors, feature=settings["user"], provenance={**provenance, "kind": "users"})
    ctx.summary = (f"{len(items):,} items and {len(users):,} users × {dims} dims ({method}) from "
                   f"{len(interactions):,} interactions")
    if rare:
        ctx.summary += f"; {rare:,} items with fewer than {least} events left out"
        if least > int(settings["min_count"]):
            ctx.summary += " (item2vec cannot learn rarer items)"
    if settings["hold_out"]:
        ctx.summary += "; each user's last event held out of the fit"
    return {"items": items, "users": users}


def check(context: ValidationContext, node: Node) -> Iterable[Diagnostic]:
    """The user and item columns must be chosen."""
    settings = context.settings(node)
    if unset(settings, "user"):
        yield error("user-not-set", f"“{node.title}”: no user column is chosen.", HINTS["user-not-set"],
                    node_id=node.id)
    if unset(settings, "item"):
        yield error("item-not-set", f"“{node.title}”: no item column is chosen.", HINTS["item-not-set"],
                    node_id=node.id)


def describe(settings: Mapping[str, Any], port: str, upstream: Any) -> OutputDescription:
    """Items and users live in a space learned by this very block."""
    return OutputDescription(model=TYPE, kind=KIND)


COLUMN_HELP = "A column of the interactions table."
SPEC = NodeSpec(
    type=TYPE,
    title="Item Embedding",
    category="Analysis",
    description="Vectors for items (and users) learned from who used what: items used by the same people end "
                "up close (collaborative filtering).",
    icon="item_embedding",
    inputs=(
        Port("interactions", TABLE, description="One row per user–item event (a rating, a play, a purchase)."),
        Port("items", TABLE, required=False, description="Item attributes (title, genre …), joined on the item "
                                                         "column."),
    ),
    outputs=(
        Port("items", EMBEDDINGS, description="One row per item: the item, its interaction count, its attributes."),
        Port("users", EMBEDDINGS, description="One row per user: the user and their interaction count."),
    ),
    settings=(
        Setting("user", "column", "user", label="User column", help=COLUMN_HELP + " Who interacted."),
        Setting("item", "column", "item", label="Item column", help=COLUMN_HELP + " With what."),
        Setting("weight", "column", NONE, label="Weight column",
                help="A rating or count per event (0 or more), or none: every event counts 1."),
        Setting("order", "column", NONE, label="Order column",
                help="A time or sequence number: item2vec reads each user's items in this order, and the held-out "
                     "event is each user's last; none: a seeded random one."),
        Setting("method", "choice", "factorisation", label="Method", choices=METHODS,
                help="factorisation: a truncated SVD of the weighted user × item matrix; item2vec: word2vec over "
                     "each user's items, read as a basket."),
        Setting("dimensions", "int", 64, label="Dimensions", minimum=2, maximum=1024),
        Setting("min_count", "int", 1, label="Minimum events per item", minimum=1, maximum=1_000_000,
                help="Items used fewer times are left out (and counted in the summary)."),
        Setting("hold_out", "bool", False, label="Hold out each user's last event",
                help="Learn without each user's last event (or a seeded random one), so Recommend's evaluation "
                     "tests on events the vectors never saw."),
        Setting("seed", "int", 0, label="Seed", minimum=0, maximum=2**31 - 1),
    ),
    run=run,
    check=check,
    describes_output=describe,
    execution=Execution(preload=("sklearn.decomposition", "gensim.models", "scipy.sparse")),
    help_page=TYPE,
)
