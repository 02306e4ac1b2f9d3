"""Nearest Neighbours block: for each query row, the k closest data rows in embedding space."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..analysis.ann import (
    AUTO_MIN_QUERIES,
    AUTO_MIN_ROWS,
    INSTALL_HINT,
    METHODS,
    Recall,
    approximate_search,
    choose_method,
    faiss_available,
    recall_at_k,
)
from ..analysis.neighbours import METRICS, search
from ..analysis.neighbours_table import neighbours_table
from ..analysis.partitioned.neighbours import PartitionedNeighbours
from ..analysis.projection import row_list
from ..analysis.query_words import feature_texts, most_words, without_query_words
from ..analysis.row_facts import RowFacts, row_facts, rows_named
from ..analysis.spaces import space_mismatch, table_space, upstream_space
from ..core.cluster import Cluster
from ..core.context import NodeContext
from ..core.diagnostics import Diagnostic, Severity, ValidationContext, error
from ..core.errors import NodeError
from ..core.ports import EMBEDDINGS, NEIGHBOURS
from ..core.specs import Execution, NodeSpec, Port, Setting
from ..core.table import Table
from ..core.workflow import Node

TYPE = "nearest_neighbours"


def inputs_match(context: ValidationContext, node: Node) -> Iterable[Diagnostic]:
    """Data and query of a Nearest Neighbours block must come from one embedding space."""
    if context.source_of(node, "query") is None:
        return
    found = space_mismatch(upstream_space(context, node, "data"), upstream_space(context, node, "query"))
    if found:
        code, message, hint = found
        yield error(code, f"“{node.title}”: {message}", hint, node_id=node.id)


def check(context: ValidationContext, node: Node) -> Iterable[Diagnostic]:
    """Data and query from one embedding space; approximate search needs faiss-cpu installed."""
    yield from inputs_match(context, node)
    if context.settings(node).get("method") == "approximate" and not faiss_available():
        yield error("ann-not-installed", f"“{node.title}”: approximate search needs the optional package "
                    "faiss-cpu, which is not installed.", f"{INSTALL_HINT} Or set Search to exact.", node_id=node.id)


def _vectors(ctx: NodeContext, table: Table, name: str) -> np.ndarray:
    """The vectors of input `name`; a NodeError when the table has none."""
    if table.vectors is None:
        raise NodeError(f"{ctx.title}: its {name} input has no vectors.", "no-vectors",
                        "Link the output of an embedding block (Text Embedding or Image Embedding).")
    return table.vectors


def _report_rows(ctx: NodeContext, facts: RowFacts, name: str, metric: str) -> None:
    bad = facts.invalid
    if len(bad):
        ctx.report(Severity.WARNING, "nan-vectors",
                   f"{len(bad):,} {name} row(s) hold NaN or infinite values and were skipped (rows {row_list(bad)}).",
                   "Check the upstream block: an empty text or unreadable image may have produced them.")
    if facts.zero_count and metric == "cosine":
        ctx.report(Severity.WARNING, "zero-vectors",
                   f"{facts.zero_count:,} {name} row(s) have all-zero vectors, so cosine similarity is 0 for "
                   f"them (rows {rows_named(facts.zeros, facts.zero_count)}).",
                   "Such rows usually had no known words; check the text or the language model.")
    if facts.duplicate_count:
        ctx.report(Severity.INFO, "duplicate-vectors",
                   f"{facts.duplicate_count:,} {name} row(s) repeat an earlier row's vector exactly "
                   f"(rows {rows_named(facts.duplicates, facts.duplicate_count)}); duplicates are each other's "
                   "neighbours at distance 0.")


def _check_sizes(ctx: NodeContext, rows: int, queries: int | None, k: int) -> int:
    """The number of candidate rows per query; NodeError when there are too few, a warning when k exceeds them."""
    if rows == 0 or queries == 0:
        raise NodeError(f"{ctx.title}: its {'data' if rows == 0 else 'query'} input has no rows.",
                        "too-few-rows")
    if queries is None and rows < 2:
        raise NodeError(f"{ctx.title}: there is only one row, so it has no other rows to be near.",
                        "too-few-rows", "Give it at least two rows, or link a query.")
    candidates = rows - (1 if queries is None else 0)
    if k > candidates:
        ctx.report(Severity.WARNING, "k-larger-than-rows",
                   f"k is {k} but there {'is only 1 row' if candidates == 1 else f'are only {candidates:,} rows'} "
                   f"to choose from, so each query gets {candidates:,} "
                   f"neighbour{'' if candidates == 1 else 's'}.", f"Set k to {candidates} or less.")
    return candidates


def _check_spaces(ctx: NodeContext, data: Table, query: Table | None) -> None:
    if query is not None:
        problem = space_mismatch(table_space(data), table_space(query))
        if problem:
            code, message, hint = problem
            raise NodeError(f"{ctx.title}: {message}", code, hint)


def _report_recall(ctx: NodeContext, recall: Recall, metric: str) -> str:
    ctx.report(Severity.INFO, "approximate-recall",
               f"Approximate search (faiss HNSW) found {recall.value:.1%} of the exact {recall.k} nearest "
               f"neighbours (recall@{recall.k}, measured with exact search on {recall.queries:,} sampled queries).",
               "" if recall.value >= 0.9 else "Set Search to exact if every true neighbour matters.")
    return f"{metric}, approximate, recall@{recall.k} {recall.value:.3f}"


def run(ctx: NodeContext) -> dict[str, Any]:
    """Search the k nearest data rows of every query row (or of every data row)."""
    data: Table = ctx.inputs["data"]
    query: Table | None = ctx.inputs.get("query")
    k, metric = int(ctx.settings["k"]), ctx.settings["metric"]
    data_vectors = _vectors(ctx, data, "data")
    query_vectors = None if query is None else _vectors(ctx, query, "query")
    _check_spaces(ctx, data, query)
    candidates = _check_sizes(ctx, len(data), None if query is None else len(query), k)
    _report_rows(ctx, row_facts(data_vectors), "data", metric)
    if query_vectors is not None:
        _report_rows(ctx, row_facts(query_vectors), "query", metric)

    queries = len(query) if query is not None else len(data)
    method = _search_method(ctx, len(data), queries)
    how = metric
    asking = query if query is not None else data
    exclude = bool(ctx.settings["exclude_query_words"])
    # Fetch enough extra neighbours that k remain after the query's own words are left out.
    fetch = min(candidates, k + most_words(feature_texts(asking))) if exclude else min(k, candidates)
    if method == "exact":
        found = search(data_vectors, query_vectors, k=fetch, metric=metric,
                       progress=lambda fraction: ctx.progress(fraction, "searching"))
    else:
        found = approximate_search(data_vectors, query_vectors, k=fetch, metric=metric,
                                   progress=lambda fraction: ctx.progress(0.9 * fraction, "approximate search"))
        ctx.progress(0.9, "measuring recall against exact search")
        how = _report_recall(ctx, recall_at_k(data_vectors, query_vectors, found, metric), metric)
    if exclude:
        found = without_query_words(found, feature_texts(asking), feature_texts(data), min(k, candidates))
        how += "; the query's own words left out"
    table = neighbours_table(data, asking, found.indices, found.distances,
                             found.similarities, metric)
    ctx.summary = f"{queries:,} queries × {min(k, candidates)} neighbours ({how}): {len(table):,} rows"
    return {"neighbours": table}


def _search_method(ctx: NodeContext, rows: int, queries: int) -> str:
    """'exact' or 'approximate' for the block's Search setting, with a message when faiss is missing."""
    setting, available = ctx.settings["method"], faiss_available()
    if setting == "approximate" and not available:
        raise NodeError(f"{ctx.title}: approximate search needs the optional package faiss-cpu, which is not "
                        "installed.", "ann-not-installed", f"{INSTALL_HINT} Or set Search to exact.")
    if setting == "auto" and not available and rows >= AUTO_MIN_ROWS and queries >= AUTO_MIN_QUERIES:
        ctx.report(Severity.INFO, "ann-not-installed",
                   f"Exact search of {queries:,} queries among {rows:,} rows can take many minutes; approximate "
                   "search would be much faster but needs the optional package faiss-cpu.", INSTALL_HINT)
    return choose_method(setting, rows, queries, available)


# -- on a cluster: the kernel searches where the rows are; the block words the messages as a local run does --
def run_on_cluster(ctx: NodeContext, cluster: Cluster) -> dict[str, Any] | None:
    """Search where the rows live (analysis/partitioned/neighbours.py), with the messages of a local run."""
    data_parts = cluster.parts("data")
    if data_parts is None:
        return None
    k, metric = int(ctx.settings["k"]), ctx.settings["metric"]
    self_query = ctx.inputs.get("query") is None
    query_parts = None if self_query else (cluster.parts("query") or [cluster.share(ctx.inputs["query"])])
    found = PartitionedNeighbours(cluster, data_parts, query_parts)
    for name, side in (("data", found.data), ("query", found.query)):
        if not side.has_vectors:
            raise NodeError(f"{ctx.title}: its {name} input has no vectors.", "no-vectors",
                            "Link the output of an embedding block (Text Embedding or Image Embedding).")
    if not self_query:
        _check_spaces(ctx, found.data.empty, found.query.empty)
    candidates = _check_sizes(ctx, found.data.rows, None if self_query else found.query.rows, k)
    for name, side in (("data", found.data),) if self_query else (("data", found.data), ("query", found.query)):
        _report_rows(ctx, found.row_facts(side), name, metric)
    method = _search_method(ctx, found.data.rows, found.query.rows)
    exclude = bool(ctx.settings["exclude_query_words"])
    shown = min(k, candidates)
    # as locally: enough extra neighbours that k remain after the query's own words are left out
    fetch = min(candidates, k + found.most_query_words()) if exclude else shown
    merged = found.search(fetch, metric, exact=method == "exact")
    how = metric if method == "exact" else _report_recall(ctx, found.recall(merged, fetch, metric), metric)
    if exclude:
        merged = found.without_query_words(merged, shown)
        how += "; the query's own words left out"
    output = found.tables(merged, metric)
    pairs = len(found.query.parts) * len(found.live)
    ctx.summary = (f"{found.query.rows:,} queries × {shown} neighbours ({how}): {len(output):,} rows, searched in "
                   f"{pairs:,} pairs of partitions on the cluster")
    ctx.report(Severity.INFO, "searched-on-cluster",
               f"“{ctx.title}” searched on the cluster: {len(found.query.parts):,} query × {len(found.live):,} data "
               "partitions. Only row counts and the rows named in messages came to this computer; the neighbours "
               "table stays on the workers, one part per query partition.")
    return {"neighbours": output}



SPEC = NodeSpec(
    type=TYPE,
    title="Nearest Neighbours",
    category="Analysis",
    description="Find, for each row (or each query row), the k closest rows in embedding space.",
    icon="nearest_neighbours",
    inputs=(
        Port("data", EMBEDDINGS, description="The rows to search among."),
        Port("query", EMBEDDINGS, required=False,
             description="Rows to find neighbours for; without it every data row queries the others."),
    ),
    outputs=(Port("neighbours", NEIGHBOURS,
                  description="One row per (query, neighbour): rows, rank, distance and both metadata."),),
    settings=(
        Setting("k", "int", 5, label="Neighbours (k)", minimum=1, maximum=1000,
                help="How many nearest rows to list for each query."),
        Setting("metric", "choice", "cosine", label="Metric", choices=METRICS,
                help="cosine: angle between vectors (usual for embeddings); euclidean: straight-line "
                     "distance; dot: unnormalised dot product (distance is its negative)."),
        Setting("method", "choice", "auto", label="Search", choices=METHODS,
                help=f"exact: every distance is computed; approximate: a faiss HNSW index (needs faiss-cpu), "
                     f"much faster on large data, its recall is measured and shown; auto: approximate from "
                     f"{AUTO_MIN_ROWS:,} rows and {AUTO_MIN_QUERIES:,} queries when faiss-cpu is installed."),
        Setting("exclude_query_words", "bool", False, label="Leave out the query's words",
                help="Skip neighbours whose text is one of the query row's own words (for analogies: "
                     "“king - man + woman” lists no king, man or woman)."),
    ),
    run=run,
    check=check,
    execution=Execution(on_cluster=run_on_cluster),
    help_page="nearest_neighbours",
)
