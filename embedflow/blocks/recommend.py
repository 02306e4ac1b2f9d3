"""Recommend block: for each user the k items closest to the mean of what they used, with an honest evaluation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
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
)
from ..analysis.partitioned.recommend import (
    columns_brought,
    recommend_partitions,
    whole_table,
)
from ..analysis.recommend import (
    Evaluation,
    Scores,
    evaluate,
    profiles,
    recommend,
    recommendations_table,
    unit_rows,
)
from ..core.cluster import Cluster
from ..core.context import NodeContext
from ..core.diagnostics import Diagnostic, Severity, ValidationContext, error
from ..core.errors import NodeError
from ..core.ports import EMBEDDINGS, TABLE
from ..core.specs import Execution, NodeSpec, Port, Setting
from ..core.table import Table
from ..core.workflow import Node

TYPE = "recommend"
HINTS = {
    "user-not-set": "Choose the column that says who in the block's settings.",
    "item-not-set": "Choose the column that says what in the block's settings.",
    "column-not-found": "Choose one of the interactions' columns.",
    "weight-not-numeric": "Choose a column of ratings or counts, or set the weight to none.",
    "weight-negative": "Shift the ratings so they start at 0, or set the weight to none.",
    "order-not-sortable": "Choose a column of times or numbers, or set the order to none.",
    "too-few-interactions": "Give it interactions of at least two users with at least two items.",
    "no-vectors": "Link Item Embedding's items, or a Text or Image Embedding of the items.",
    "item-column-not-in-items": "Set the item column to the column the items and the interactions share.",
    "no-shared-items": "Check that the items and the interactions name items the same way.",
}


@dataclass(frozen=True)
class RecommendView:
    """What the editor shows: each user's history and recommendations, and the items' image folder if any."""

    history: pd.DataFrame
    recommendations: pd.DataFrame
    user: str
    item: str
    base_dir: str | None


def _error(ctx: NodeContext, exc: AnalysisError) -> NodeError:
    return NodeError(f"“{ctx.title}”: {exc}", exc.code, HINTS.get(exc.code, ""))


def item_rows(items: Table, item: str, interactions: Interactions) -> tuple[np.ndarray, int]:
    """For each item code of the interactions its row in `items` (-1 if absent), and how many items repeat there."""
    if item not in items.meta.columns:
        raise AnalysisError(f"the items input has no column '{item}' (its columns: {', '.join(items.columns)}).",
                            "item-column-not-in-items")
    keys = items.meta[item]
    known = interactions.items
    if keys.dtype != known.dtype:  # ids read as numbers in one table and as text in the other
        keys, known = keys.astype(str), known.astype(str)
    first = keys.reset_index(drop=True).drop_duplicates()  # its index: the row of each item's first occurrence
    rows = pd.Index(first.to_numpy()).get_indexer(known)
    return np.where(rows >= 0, first.index.to_numpy()[np.maximum(rows, 0)], -1), len(keys) - len(first)


def _table_matrix(interactions: Interactions, rows_of_code: np.ndarray, n_items: int,
                  events: np.ndarray | None = None) -> Any:
    """Users × rows of the items table (sparse), from the events whose item the table has."""
    import scipy.sparse as sp

    take = np.arange(len(interactions)) if events is None else events
    rows = rows_of_code[interactions.item[take]]
    ok = rows >= 0
    return sp.csr_matrix((interactions.weight[take][ok], (interactions.user[take][ok], rows[ok])),
                         shape=(len(interactions.users), n_items), dtype=np.float32)


def evaluation_table(result: Evaluation, note: str) -> Table:
    """metric, value, baseline (popularity), ratio, users: hit rate@k and NDCG@k."""
    rows = []
    for metric, ours, theirs in ((f"hit rate@{result.k}", result.model.hit_rate, result.popularity.hit_rate),
                                 (f"NDCG@{result.k}", result.model.ndcg, result.popularity.ndcg)):
        rows.append((metric, ours, theirs, ours / theirs if theirs else np.nan, result.model.users))
    frame = pd.DataFrame(rows, columns=["metric", "value", "baseline", "ratio", "users"])
    return Table(frame, feature="metric", provenance={"baseline": "popularity", "note": note})


@dataclass(frozen=True)
class Prepared:
    """The interactions coded, each item code's row in the items table, the unit item vectors, the matrix."""

    interactions: Interactions
    rows_of_code: np.ndarray
    unit: np.ndarray
    matrix: Any


def prepare(ctx: NodeContext, items: Table, frame: pd.DataFrame) -> Prepared:
    """Read the interactions, match their items with the items table's rows, report what does not match."""
    settings = ctx.settings
    item = settings["item"]
    if items.vectors is None:
        raise NodeError(f"“{ctx.title}”: its items input has no vectors.", "no-vectors", HINTS["no-vectors"])
    try:
        interactions = read_interactions(frame, settings["user"], item, settings["weight"], settings["order"])
        rows_of_code, duplicated = item_rows(items, item, interactions)
    except AnalysisError as exc:
        raise _error(ctx, exc) from None
    for code, note in interactions.notes:
        ctx.report(Severity.WARNING, code, note)
    unknown = rows_of_code[interactions.item] < 0
    if unknown.all():
        raise NodeError(f"“{ctx.title}”: none of the {len(interactions.items):,} items in the interactions' "
                        f"'{item}' column is in the items input.", "no-shared-items", HINTS["no-shared-items"])
    if unknown.any():
        ctx.report(Severity.WARNING, "items-without-vectors",
                   f"{int(unknown.sum()):,} interaction(s) name {int((rows_of_code < 0).sum()):,} item(s) that the "
                   f"items input has no vector for; they were left out of the profiles.")
    if duplicated:
        ctx.report(Severity.WARNING, "duplicate-items", f"{duplicated:,} row(s) of the items input repeat an "
                                                        f"item of '{item}'; the first of each is used.")
    return Prepared(interactions, rows_of_code, unit_rows(items.vectors),
                    _table_matrix(interactions, rows_of_code, len(items)))


def _summary(ctx: NodeContext, users: int, evaluation: Table) -> str:
    shown = evaluation.meta.iloc[0]
    return (f"{ctx.settings['k']} recommendations for {users:,} users; {shown['metric']} {shown['value']:.3f} vs "
            f"popularity {shown['baseline']:.3f} ({int(shown['users']):,} users)")


def run(ctx: NodeContext) -> dict[str, Any]:
    """Recommend k unseen items per user, and evaluate on each user's held-out event against popularity."""
    settings = ctx.settings
    items: Table = ctx.inputs["items"]
    item, user, k = settings["item"], settings["user"], int(settings["k"])
    ready = prepare(ctx, items, ctx.inputs["interactions"].meta)
    interactions, matrix, unit = ready.interactions, ready.matrix, ready.unit
    ctx.progress(0.1, f"recommending for {len(interactions.users):,} users")
    ranked = recommend(profiles(matrix, unit), unit, k, matrix if settings["exclude_seen"] else None,
                       progress=lambda f, m: ctx.progress(0.1 + 0.6 * f, m), cancelled=lambda: ctx.cancelled)
    recommendations = recommendations_table(items, interactions.users.to_numpy(), ranked, user, item)
    ctx.progress(0.7, "evaluating against popularity")
    evaluation = _evaluation(ctx, items, interactions, ready.rows_of_code, unit, k)
    ctx.summary = _summary(ctx, len(interactions.users), evaluation)
    ctx.view = RecommendView(_history(interactions, user, item), recommendations.meta, user, item, items.base_dir)
    return {"recommendations": recommendations, "evaluation": evaluation}


# -- on a Dask cluster: the kernel of analysis/partitioned/recommend.py; docs/recommendations.md -------------------
def run_on_cluster(ctx: NodeContext, cluster: Cluster) -> dict[str, Any] | None:
    """Bring the items and the interactions' columns here; score each partition of users on a worker, where their
    recommendations stay; evaluate here."""
    item_parts, event_parts = cluster.parts("items"), cluster.parts("interactions")
    if item_parts is None and event_parts is None:
        return None
    settings = ctx.settings
    user, item, k = settings["user"], settings["item"], int(settings["k"])
    items = whole_table(cluster, item_parts) if item_parts else ctx.inputs["items"]
    if event_parts is None:
        frame = ctx.inputs["interactions"].meta
    else:
        frame = columns_brought(cluster, event_parts,
                                [c for c in (user, item, settings["weight"], settings["order"]) if c != NONE])
    ready = prepare(ctx, items, frame)
    interactions = ready.interactions
    recommendations, partitions = recommend_partitions(
        cluster, items, ready.unit, ready.matrix, interactions.users.to_numpy(),
        max(2, len(event_parts or item_parts or [])), k, bool(settings["exclude_seen"]), user, item)
    ctx.progress(0.7, "evaluating against popularity")
    evaluation = _evaluation(ctx, items, interactions, ready.rows_of_code, ready.unit, k)
    ctx.report(Severity.INFO, "gathered-from-cluster",
               f"“{ctx.title}” brought the {len(items):,} item vectors and {len(interactions):,} interactions here; "
               f"the recommendations of {partitions} partitions of users were made on the workers and stayed there.")
    ctx.summary = _summary(ctx, len(interactions.users), evaluation)
    return {"recommendations": recommendations, "evaluation": evaluation}


def _history(interactions: Interactions, user: str, item: str) -> pd.DataFrame:
    """Each user's events, for the editor (in order when there is one)."""
    frame = pd.DataFrame({user: interactions.users.to_numpy()[interactions.user],
                          item: interactions.items.to_numpy()[interactions.item], "weight": interactions.weight})
    if interactions.order is not None:
        frame["order"] = interactions.order
        frame = frame.sort_values([user, "order"], kind="stable")
    return frame.reset_index(drop=True)


def _evaluation(ctx: NodeContext, items: Table, interactions: Interactions, rows_of_code: np.ndarray,
                unit: np.ndarray, k: int) -> Table:
    """Hold out one event per user, rank from the rest, compare with the most popular items."""
    seed = int(ctx.settings["seed"])
    held = held_out(interactions, seed)
    held = held[rows_of_code[interactions.item[held]] >= 0]
    rule = "each user's last event (by order)" if interactions.order is not None else \
        f"one random event per user (seed {seed})"
    if len(held) == 0:
        ctx.report(Severity.WARNING, "nothing-to-evaluate", "no user has two events with vectors, so there is "
                                                            "nothing to hold out and evaluate.")
        return evaluation_table(Evaluation(Scores(0.0, 0.0, 0), Scores(0.0, 0.0, 0), k), "nothing held out")
    train_events = np.setdiff1d(np.arange(len(interactions)), held)
    train = _table_matrix(interactions, rows_of_code, len(items), train_events)
    result = evaluate(train, interactions.user[held], rows_of_code[interactions.item[held]], unit, k,
                      bool(ctx.settings["exclude_seen"]))
    note = f"held out {rule}"
    seen_by_vectors = items.provenance.get("held_out") != seed and items.provenance.get("kind") == "items"
    if seen_by_vectors:
        note += "; the item vectors were learned with these events"
        ctx.report(Severity.WARNING, "evaluation-saw-held-out",
                   "the item vectors were learned from interactions that include the held-out events, so the "
                   "evaluation flatters them.",
                   f"Turn on 'Hold out each user's last event' in the Item Embedding (seed {seed}).")
    return evaluation_table(result, note)


def check(context: ValidationContext, node: Node) -> Iterable[Diagnostic]:
    """The user and item columns must be chosen."""
    settings = context.settings(node)
    if unset(settings, "user"):
        yield error("user-not-set", f"“{node.title}”: no user column is chosen.", HINTS["user-not-set"],
                    node_id=node.id)
    if unset(settings, "item"):
        yield error("item-not-set", f"“{node.title}”: no item column is chosen.", HINTS["item-not-set"],
                    node_id=node.id)


SPEC = NodeSpec(
    type=TYPE,
    title="Recommend",
    category="Analysis",
    description="For each user, the k items whose vectors are closest (cosine) to the mean of the items they "
                "used; evaluated on held-out events against recommending the most popular items.",
    icon="recommend",
    inputs=(
        Port("items", EMBEDDINGS, description="Item vectors with an item column (Item Embedding's items, or a Text "
                                              "or Image Embedding of item descriptions or pictures)."),
        Port("interactions", TABLE, description="One row per user–item event."),
    ),
    outputs=(
        Port("recommendations", TABLE, description="user, rank, item, score and the item's attributes."),
        Port("evaluation", TABLE, description="hit rate@k and NDCG@k of held-out events, beside the popularity "
                                              "baseline measured the same way."),
    ),
    settings=(
        Setting("user", "column", "user", label="User column", help="Who, in the interactions."),
        Setting("item", "column", "item", label="Item column",
                help="What, in the interactions; the items input must have a column of this name."),
        Setting("weight", "column", NONE, label="Weight column",
                help="A rating or count per event: the profile is the mean weighted by it; none: every event 1."),
        Setting("order", "column", NONE, label="Order column",
                help="A time or sequence number: the evaluation holds out each user's last event; none: a seeded "
                     "random one."),
        Setting("k", "int", 10, label="Recommendations per user (k)", minimum=1, maximum=1000),
        Setting("exclude_seen", "bool", True, label="Leave out items the user already has"),
        Setting("seed", "int", 0, label="Seed", minimum=0, maximum=2**31 - 1,
                help="Which event is held out per user when there is no order."),
    ),
    run=run,
    check=check,
    execution=Execution(preload=("scipy.sparse",), on_cluster=run_on_cluster),
    help_page=TYPE,
)

