"""Nearest Neighbours block: for each query row, the k closest data rows in embedding space."""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import pandas as pd

from ..analysis.ann import (
    AUTO_MIN_QUERIES,
    AUTO_MIN_ROWS,
    INSTALL_HINT,
    METHODS,
    approximate_search,
    choose_method,
    faiss_available,
    recall_at_k,
)
from ..analysis.neighbours import METRICS, invalid_rows, search, zero_rows
from ..analysis.projection import row_list
from ..analysis.query_words import feature_texts, most_words, without_query_words
from ..analysis.spaces import space_mismatch, table_space, upstream_space
from ..core.context import NodeContext
from ..core.diagnostics import Diagnostic, Severity, ValidationContext, error
from ..core.errors import NodeError
from ..core.ports import EMBEDDINGS, NEIGHBOURS
from ..core.specs import NodeSpec, Port, Setting
from ..core.table import Table
from ..core.workflow import Node

TYPE = "nearest_neighbours"


def duplicate_rows(vectors: np.ndarray) -> np.ndarray:
    """Row numbers whose vector equals an earlier row's vector exactly."""
    if len(vectors) < 2:
        return np.array([], dtype=np.int64)
    rows = np.ascontiguousarray(vectors).view(np.dtype((np.void, vectors.dtype.itemsize * vectors.shape[1])))
    return np.flatnonzero(pd.Series(rows.ravel()).duplicated().to_numpy())


def inputs_match(context: ValidationContext, node: Node) -> Iterable[Diagnostic]:
    """Data and query of a Nearest Neighbours block must come from one embedding space."""
    if context.source_of(node, "query") is None:
        return
    found = space_mismatch(upstream_space(context, node, "data"), upstream_space(context, node, "query"))
    if found:
        code, message, hint = found
        yield error(code, f"“{node.title}”: {message}", hint, node_id=node.id)


def _prefixed(meta: pd.DataFrame, rows: np.ndarray, prefix: str, taken: set[str]) -> pd.DataFrame:
    """Metadata of `rows` with column names prefixed, renamed where they would clash."""
    frame = meta.iloc[rows].reset_index(drop=True)
    names = []
    for column in frame.columns:
        name = f"{prefix}{column}"
        while name in taken:
            name += "_"
        taken.add(name)
        names.append(name)
    frame.columns = names
    return frame


def check(context: ValidationContext, node: Node) -> Iterable[Diagnostic]:
    """Data and query from one embedding space; approximate search needs faiss-cpu installed."""
    yield from inputs_match(context, node)
    if context.settings(node).get("method") == "approximate" and not faiss_available():
        yield error("ann-not-installed", f"“{node.title}”: approximate search needs the optional package "
                    "faiss-cpu, which is not installed.", f"{INSTALL_HINT} Or set Search to exact.", node_id=node.id)


def neighbours_table(data: Table, query: Table, indices: np.ndarray, distances: np.ndarray,
                     similarities: np.ndarray | None, metric: str) -> Table:
    """One row per (query, neighbour): row numbers, rank, distance, similarity, then both metadata."""
    queries, k = indices.shape
    found = indices.ravel() >= 0
    query_rows = np.repeat(np.arange(queries), k)[found]
    neighbour_rows = indices.ravel()[found]
    columns: dict[str, Any] = {
        "query_row": query_rows,
        "neighbour_row": neighbour_rows,
        "rank": np.tile(np.arange(1, k + 1), queries)[found],
        "distance": distances.ravel()[found],
    }
    if similarities is not None:
        columns["similarity"] = similarities.ravel()[found]
    head = pd.DataFrame(columns)
    taken = set(head.columns)
    query_meta = _prefixed(query.meta, query_rows, "query_", taken)
    neighbour_meta = _prefixed(data.meta, neighbour_rows, "neighbour_", taken)
    meta = pd.concat([head, query_meta, neighbour_meta], axis=1)
    provenance = {**data.provenance, "metric": metric}
    images = {**_image_column(query, query_meta), **_image_column(data, neighbour_meta)}
    if images:
        provenance["image_columns"] = images
    return Table(meta, provenance=provenance)


def _image_column(source: Table, prefixed: pd.DataFrame) -> dict[str, str | None]:
    """{prefixed name of the image column: folder its relative paths start from} for a table of images."""
    if source.provenance.get("kind") != "image" or source.feature not in source.meta:
        return {}
    return {str(prefixed.columns[list(source.meta.columns).index(source.feature)]): source.base_dir}


def _vectors(ctx: NodeContext, table: Table, name: str) -> np.ndarray:
    """The vectors of input `name`; a NodeError when the table has none."""
    if table.vectors is None:
        raise NodeError(f"{ctx.title}: its {name} input has no vectors.", "no-vectors",
                        "Link the output of an embedding block (Text Embedding or Image Embedding).")
    return table.vectors


def _report_rows(ctx: NodeContext, vectors: np.ndarray, name: str, metric: str) -> None:
    bad = invalid_rows(vectors)
    if len(bad):
        ctx.report(Severity.WARNING, "nan-vectors",
                   f"{len(bad):,} {name} row(s) hold NaN or infinite values and were skipped (rows {row_list(bad)}).",
                   "Check the upstream block: an empty text or unreadable image may have produced them.")
    zeros = zero_rows(vectors)
    if len(zeros) and metric == "cosine":
        ctx.report(Severity.WARNING, "zero-vectors",
                   f"{len(zeros):,} {name} row(s) have all-zero vectors, so cosine similarity is 0 for "
                   f"them (rows {row_list(zeros)}).",
                   "Such rows usually had no known words; check the text or the language model.")
    duplicates = duplicate_rows(vectors)
    if len(duplicates):
        ctx.report(Severity.INFO, "duplicate-vectors",
                   f"{len(duplicates):,} {name} row(s) repeat an earlier row's vector exactly "
                   f"(rows {row_list(duplicates)}); duplicates are each other's neighbours at distance 0.")


def run(ctx: NodeContext) -> dict[str, Any]:
    """Search the k nearest data rows of every query row (or of every data row)."""
    data: Table = ctx.inputs["data"]
    query: Table | None = ctx.inputs.get("query")
    k, metric = int(ctx.settings["k"]), ctx.settings["metric"]
    data_vectors = _vectors(ctx, data, "data")
    query_vectors = None if query is None else _vectors(ctx, query, "query")
    if query is not None:
        problem = space_mismatch(table_space(data), table_space(query))
        if problem:
            code, message, hint = problem
            raise NodeError(f"{ctx.title}: {message}", code, hint)
    if len(data) == 0 or (query is not None and len(query) == 0):
        raise NodeError(f"{ctx.title}: its {'data' if len(data) == 0 else 'query'} input has no rows.",
                        "too-few-rows")
    if query is None and len(data) < 2:
        raise NodeError(f"{ctx.title}: there is only one row, so it has no other rows to be near.",
                        "too-few-rows", "Give it at least two rows, or link a query.")
    candidates = len(data) - (1 if query is None else 0)
    if k > candidates:
        ctx.report(Severity.WARNING, "k-larger-than-rows",
                   f"k is {k} but there {'is only 1 row' if candidates == 1 else f'are only {candidates:,} rows'} "
                   f"to choose from, so each query gets {candidates:,} "
                   f"neighbour{'' if candidates == 1 else 's'}.", f"Set k to {candidates} or less.")
    _report_rows(ctx, data_vectors, "data", metric)
    if query_vectors is not None:
        _report_rows(ctx, query_vectors, "query", metric)

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
        recall = recall_at_k(data_vectors, query_vectors, found, metric)
        how = f"{metric}, approximate, recall@{recall.k} {recall.value:.3f}"
        ctx.report(Severity.INFO, "approximate-recall",
                   f"Approximate search (faiss HNSW) found {recall.value:.1%} of the exact {recall.k} nearest "
                   f"neighbours (recall@{recall.k}, measured with exact search on {recall.queries:,} sampled queries).",
                   "" if recall.value >= 0.9 else "Set Search to exact if every true neighbour matters.")
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
    help_page="nearest_neighbours",
)
