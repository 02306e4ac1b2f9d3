"""Nearest Neighbours block: for each query row, the k closest data rows in embedding space."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np
import pandas as pd

from ..analysis.ann import (
    AUTO_MIN_QUERIES,
    AUTO_MIN_ROWS,
    INSTALL_HINT,
    METHODS,
    HnswIndex,
    approximate_search,
    choose_method,
    Recall,
    faiss_available,
    recall_at_k,
    recall_from,
    recall_sample,
)
from ..analysis.neighbours import METRICS, Neighbours, invalid_rows, merge, search, shifted, zero_rows
from ..analysis.projection import row_list
from ..analysis.query_words import feature_texts, most_words, without_query_words
from ..analysis.spaces import space_mismatch, table_space, upstream_space
from ..core.cluster import Cluster, part_starts
from ..core.context import NodeContext
from ..core.diagnostics import Diagnostic, Severity, ValidationContext, error
from ..core.errors import NodeError
from ..core.ports import EMBEDDINGS, NEIGHBOURS
from ..core.specs import NodeSpec, Port, Setting
from ..core.table import Table
from ..core.workflow import Node

TYPE = "nearest_neighbours"
# Messages name the first rows of a kind and count the rest.
ROWS_NAMED = 10


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


def _prefixed(frame: pd.DataFrame, prefix: str, taken: set[str]) -> pd.DataFrame:
    """Metadata rows with column names prefixed, renamed where they would clash."""
    frame = frame.reset_index(drop=True)
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
    head, query_rows, neighbour_rows = _head(indices, distances, similarities, 0)
    return _assemble(head, query, query.meta.iloc[query_rows], data, data.meta.iloc[neighbour_rows], metric)


def _head(indices: np.ndarray, distances: np.ndarray, similarities: np.ndarray | None,
          first_query: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The leading columns, the query rows (of `indices`) and the neighbour rows they name."""
    queries, k = indices.shape
    found = indices.ravel() >= 0
    query_rows = np.repeat(np.arange(queries), k)[found]
    neighbour_rows = indices.ravel()[found]
    columns: dict[str, Any] = {
        "query_row": query_rows + first_query,
        "neighbour_row": neighbour_rows,
        "rank": np.tile(np.arange(1, k + 1), queries)[found],
        "distance": distances.ravel()[found],
    }
    if similarities is not None:
        columns["similarity"] = similarities.ravel()[found]
    return pd.DataFrame(columns), query_rows, neighbour_rows


def _assemble(head: pd.DataFrame, query: Table, query_rows: pd.DataFrame, data: Table,
              neighbour_rows: pd.DataFrame, metric: str) -> Table:
    """The neighbours table from its leading columns and the metadata rows of the queries and neighbours.

    query, data: the tables those rows come from (only their columns and provenance are read).
    """
    taken = set(head.columns)
    query_meta = _prefixed(query_rows, "query_", taken)
    neighbour_meta = _prefixed(neighbour_rows, "neighbour_", taken)
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


@dataclass(frozen=True)
class RowFacts:
    """Rows worth a message, of a whole table: every invalid row; the first zero and duplicate rows and counts."""

    invalid: np.ndarray
    zeros: np.ndarray
    zero_count: int
    duplicates: np.ndarray
    duplicate_count: int


def row_facts(vectors: np.ndarray) -> RowFacts:
    """The facts of a table held here whole."""
    zeros, duplicates = zero_rows(vectors), duplicate_rows(vectors)
    return RowFacts(invalid_rows(vectors), zeros[:ROWS_NAMED], len(zeros), duplicates[:ROWS_NAMED], len(duplicates))


def _rows_named(rows: np.ndarray, count: int) -> str:
    """Like row_list, from the first rows and their count."""
    shown = ", ".join(str(int(r)) for r in rows[:ROWS_NAMED])
    return shown + (f" and {count - ROWS_NAMED:,} more" if count > ROWS_NAMED else "")


def _report_rows(ctx: NodeContext, facts: RowFacts, name: str, metric: str) -> None:
    bad = facts.invalid
    if len(bad):
        ctx.report(Severity.WARNING, "nan-vectors",
                   f"{len(bad):,} {name} row(s) hold NaN or infinite values and were skipped (rows {row_list(bad)}).",
                   "Check the upstream block: an empty text or unreadable image may have produced them.")
    if facts.zero_count and metric == "cosine":
        ctx.report(Severity.WARNING, "zero-vectors",
                   f"{facts.zero_count:,} {name} row(s) have all-zero vectors, so cosine similarity is 0 for "
                   f"them (rows {_rows_named(facts.zeros, facts.zero_count)}).",
                   "Such rows usually had no known words; check the text or the language model.")
    if facts.duplicate_count:
        ctx.report(Severity.INFO, "duplicate-vectors",
                   f"{facts.duplicate_count:,} {name} row(s) repeat an earlier row's vector exactly "
                   f"(rows {_rows_named(facts.duplicates, facts.duplicate_count)}); duplicates are each other's "
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


# -- on a cluster: blocked products per pair of partitions, a top-k merge, the table built where the rows are --
@dataclass(frozen=True)
class _PartFacts:
    """What the client learns of one part: its size and space, and the rows worth a message."""

    rows: int
    dims: int | None
    empty: Table  # no rows: the part's columns, vector length, provenance, feature and folder
    invalid: np.ndarray
    zeros: np.ndarray
    zero_count: int


def _part_facts(part: Table) -> _PartFacts:
    empty = part.take(np.zeros(0, np.int64))
    if part.vectors is None:
        return _PartFacts(len(part), None, empty, np.zeros(0, np.int64), np.zeros(0, np.int64), 0)
    zeros = zero_rows(part.vectors)
    return _PartFacts(len(part), part.dims, empty, invalid_rows(part.vectors), zeros[:ROWS_NAMED], len(zeros))


def _part_vectors(part: Table) -> np.ndarray:
    assert part.vectors is not None
    return part.vectors


def _row_hashes(vectors: np.ndarray) -> np.ndarray:
    """One 64-bit hash of each row's bytes: equal vectors, equal hashes."""
    vectors = np.ascontiguousarray(vectors)
    words = vectors.view(f"u{vectors.dtype.itemsize}").reshape(len(vectors), -1)  # the bits, as integers
    return pd.util.hash_pandas_object(pd.DataFrame(words), index=False).to_numpy()


def _duplicates(*hashes: np.ndarray) -> tuple[np.ndarray, int]:
    """The first rows (of the whole table) repeating an earlier row's vector, and their count."""
    rows = np.flatnonzero(pd.Series(np.concatenate(hashes)).duplicated().to_numpy())
    return rows[:ROWS_NAMED], len(rows)


def _pair_exact(data: np.ndarray, query: np.ndarray, k: int, metric: str, offset: int,
                exclude: np.ndarray | None) -> Neighbours:
    """The exact k nearest rows of one data part for the query rows (row numbers of the whole table)."""
    return shifted(search(data, query, k=k, metric=metric, exclude=exclude), offset)


def _part_index(data: np.ndarray, metric: str) -> HnswIndex:
    return HnswIndex(data, metric)


def _pair_approximate(index: HnswIndex, query: np.ndarray, k: int, offset: int, same: bool) -> Neighbours:
    return shifted(index.search(query, k, np.arange(len(query)) if same else None), offset)


def _merge(k: int, *found: Neighbours) -> Neighbours:
    return merge(found, k)


def _own_rows(sample: np.ndarray, first: int, rows: int) -> np.ndarray:
    """Each sampled query row's own row in a data part starting at `first` (-1 outside it)."""
    inside = (sample >= first) & (sample < first + rows)
    return np.where(inside, sample - first, -1)


def _take_vectors(vectors: np.ndarray, rows: np.ndarray) -> np.ndarray:
    return vectors[rows]


def _stack(*arrays: np.ndarray) -> np.ndarray:
    return np.concatenate(arrays, axis=0)


def _take_found(found: Neighbours, rows: np.ndarray) -> Neighbours:
    return Neighbours(found.indices[rows], found.distances[rows],
                      None if found.similarities is None else found.similarities[rows])


def _joined(*found: Neighbours) -> Neighbours:
    similarities = None if found[0].similarities is None else np.concatenate([f.similarities for f in found
                                                                             if f.similarities is not None])
    return Neighbours(np.concatenate([f.indices for f in found]), np.concatenate([f.distances for f in found]),
                      similarities)


def _recall_of(exact: Neighbours, found: Neighbours) -> Recall:
    return recall_from(exact, found)


def _neighbour_meta(part: Table, found: Neighbours, first: int) -> pd.DataFrame:
    """The metadata of this part's rows that `found` names, indexed by their row in the whole table."""
    named = np.unique(found.indices[(found.indices >= first) & (found.indices < first + len(part))])
    frame = part.meta.iloc[named - first]
    frame.index = named
    return frame


def _neighbour_part(query: Table, first_query: int, found: Neighbours, data: Table, metric: str,
                    *metas: pd.DataFrame) -> Table:
    """The neighbours table of one part of the queries, as neighbours_table makes it for the whole.

    data: a row-less table with the data's columns and provenance; metas: the rows `found` names, by part.
    """
    head, query_rows, neighbour_rows = _head(found.indices, found.distances, found.similarities, first_query)
    lookup = pd.concat(metas) if len(metas) > 1 else metas[0]
    return _assemble(head, query, query.meta.iloc[query_rows], data, lookup.loc[neighbour_rows], metric)


def _most_words(part: Table) -> int:
    return most_words(feature_texts(part))


def _named_texts(part: Table, found: Neighbours, first: int) -> pd.Series:
    """The texts of this part's rows that `found` names, indexed by their row in the whole table."""
    named = np.unique(found.indices[(found.indices >= first) & (found.indices < first + len(part))])
    texts = feature_texts(part).iloc[named - first]
    texts.index = named
    return texts


def _without_own_words(found: Neighbours, query: Table, k: int, *texts: pd.Series) -> Neighbours:
    """without_query_words for one query part, from the texts of the data rows `found` names (by part)."""
    lookup = pd.concat(texts) if len(texts) > 1 else texts[0]
    rows = lookup.index.to_numpy(dtype=np.int64)  # ascending: parts in row order, each one's rows sorted
    positions = np.where(found.indices >= 0, np.searchsorted(rows, found.indices), -1)
    kept = without_query_words(Neighbours(positions, found.distances, found.similarities), feature_texts(query),
                               lookup.reset_index(drop=True), k)
    back = np.append(rows, -1)[np.where(kept.indices >= 0, kept.indices, len(rows))]
    return Neighbours(back, kept.distances, kept.similarities)


def run_on_cluster(ctx: NodeContext, cluster: Cluster) -> dict[str, Any] | None:
    """Search where the rows live: every (query part, data part) pair on a worker, then a top-k merge per query part.

    Exact search gives the local result; approximate search builds one HNSW index per data part and its
    recall is measured as locally (exact search of the same seeded sample of queries). Leaving out the
    query's words fetches k + (the most words of a query) per pair, as locally, and filters each query
    part's merged candidates with the texts of just the data rows they name. This computer receives the
    parts' row counts and the row numbers its messages name; the neighbours table is built, part by
    part, on the workers.
    """
    data_parts = cluster.parts("data")
    if data_parts is None:
        return None
    k, metric = int(ctx.settings["k"]), ctx.settings["metric"]
    query_here: Table | None = ctx.inputs.get("query") if cluster.parts("query") is None else None
    self_query = ctx.inputs.get("query") is None
    query_parts = data_parts if self_query else (cluster.parts("query") or [cluster.share(query_here)])
    data_facts = cluster.gather([cluster.submit(_part_facts, part) for part in data_parts], "parts checked")
    query_facts = data_facts if self_query else cluster.gather([cluster.submit(_part_facts, part)
                                                                 for part in query_parts], "query parts checked")
    data_first = part_starts(f.rows for f in data_facts)
    query_first = part_starts(f.rows for f in query_facts)
    for name, facts in (("data", data_facts), ("query", query_facts)):
        if any(f.dims is None for f in facts):
            raise NodeError(f"{ctx.title}: its {name} input has no vectors.", "no-vectors",
                            "Link the output of an embedding block (Text Embedding or Image Embedding).")
    if not self_query:
        problem = space_mismatch(table_space(data_facts[0].empty), table_space(query_facts[0].empty))
        if problem:
            code, message, hint = problem
            raise NodeError(f"{ctx.title}: {message}", code, hint)
    rows, queries = int(data_first[-1]), int(query_first[-1])
    candidates = _check_sizes(ctx, rows, None if self_query else queries, k)
    data_vectors = [cluster.submit(_part_vectors, part) for part in data_parts]
    query_vectors = data_vectors if self_query else [cluster.submit(_part_vectors, part) for part in query_parts]
    for name, facts, vectors, first in (("data", data_facts, data_vectors, data_first),
                                        ("query", query_facts, query_vectors, query_first)):
        if name == "query" and self_query:
            continue
        duplicates, duplicate_count = cluster.gather([cluster.submit(
            _duplicates, *[cluster.submit(_row_hashes, v) for v in vectors])], "duplicates checked")[0]
        zeros = np.concatenate([f.zeros + first[n] for n, f in enumerate(facts)])
        _report_rows(ctx, RowFacts(np.concatenate([f.invalid + first[n] for n, f in enumerate(facts)]),
                                   zeros[:ROWS_NAMED], sum(f.zero_count for f in facts),
                                   duplicates, duplicate_count), name, metric)
    method = _search_method(ctx, rows, queries)
    exclude = bool(ctx.settings["exclude_query_words"])
    shown = min(k, candidates)
    fetch = shown
    if exclude:  # as locally: enough extra neighbours that k remain after the query's own words are left out
        most = max(cluster.gather([cluster.submit(_most_words, part) for part in query_parts], "query words counted"))
        fetch = min(candidates, k + most)
    live = [j for j, f in enumerate(data_facts) if f.rows]
    indexes = {j: cluster.submit(_part_index, data_vectors[j], metric) for j in live} if method != "exact" else {}
    merged = []
    for i, vectors in enumerate(query_vectors):
        pairs = []
        for j in live:
            same = self_query and i == j
            if method == "exact":
                own = np.arange(data_facts[j].rows) if same else None
                pairs.append(cluster.submit(_pair_exact, data_vectors[j], vectors, fetch, metric,
                                            int(data_first[j]), own))
            else:
                pairs.append(cluster.submit(_pair_approximate, indexes[j], vectors, fetch, int(data_first[j]), same))
        merged.append(cluster.submit(_merge, fetch, *pairs))
    how = metric
    if method != "exact":
        how = _report_recall(ctx, _cluster_recall(cluster, query_facts, query_first, query_vectors, merged,
                                                  data_vectors, data_facts, data_first, live, fetch, metric,
                                                  self_query), metric)
    if exclude:
        merged = [cluster.submit(_without_own_words, merged[i], part, shown,
                                 *[cluster.submit(_named_texts, data_parts[j], merged[i], int(data_first[j]))
                                   for j in live])
                  for i, part in enumerate(query_parts)]
        how += "; the query's own words left out"
    tables = []
    for i, part in enumerate(query_parts):
        metas = [cluster.submit(_neighbour_meta, data_parts[j], merged[i], int(data_first[j])) for j in live]
        tables.append(cluster.submit(_neighbour_part, part, int(query_first[i]), merged[i], data_facts[0].empty,
                                     metric, *metas))
    output = cluster.output(tables)
    ctx.summary = (f"{queries:,} queries × {shown} neighbours ({how}): {len(output):,} rows, searched in "
                   f"{len(query_parts) * len(live):,} pairs of partitions on the cluster")
    ctx.report(Severity.INFO, "searched-on-cluster",
               f"“{ctx.title}” searched on the cluster: {len(query_parts):,} query × {len(live):,} data partitions. "
               "Only row counts and the rows named in messages came to this computer; the neighbours table "
               "stays on the workers, one part per query partition.")
    return {"neighbours": output}


def _cluster_recall(cluster: Cluster, query_facts: list[_PartFacts], query_first: np.ndarray,
                    query_vectors: list[Any], merged: list[Any], data_vectors: list[Any],
                    data_facts: list[_PartFacts], data_first: np.ndarray, live: list[int], k: int,
                    metric: str, self_query: bool) -> Recall:
    """recall@k as recall_at_k measures it: exact search, on the cluster, of the same seeded sample of queries."""
    invalid = np.concatenate([f.invalid + query_first[n] for n, f in enumerate(query_facts)])
    sample = recall_sample(int(query_first[-1]), invalid)
    if len(sample) == 0:
        return Recall(1.0, k, 0)
    taken, found = [], []
    for i, vectors in enumerate(query_vectors):
        local = sample[(sample >= query_first[i]) & (sample < query_first[i + 1])] - query_first[i]
        if len(local):
            taken.append(cluster.submit(_take_vectors, vectors, local))
            found.append(cluster.submit(_take_found, merged[i], local))
    asked = cluster.submit(_stack, *taken)
    exact = [cluster.submit(_pair_exact, data_vectors[j], asked, k, metric, int(data_first[j]),
                            _own_rows(sample, int(data_first[j]), data_facts[j].rows) if self_query else None)
             for j in live]
    return cluster.gather([cluster.submit(_recall_of, cluster.submit(_merge, k, *exact),
                                          cluster.submit(_joined, *found))], "recall measured")[0]


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
    on_cluster=run_on_cluster,
    help_page="nearest_neighbours",
)
