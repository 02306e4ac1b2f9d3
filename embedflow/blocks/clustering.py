"""Clustering block: groups of similar rows, each with a readable label, and one row per group."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import reduce
from typing import Any, Iterable, Literal, Mapping, Sequence

import numpy as np
import pandas as pd

from ..analysis.checks import AnalysisError
from ..analysis.cluster_labels import (
    SEPARATOR,
    WordCounts,
    category_counts,
    image_labels,
    image_names,
    labels_from_counts,
    text_labels,
    word_counts,
)
from ..analysis.clustering import (
    AGGLOMERATIVE_MAX_ROWS,
    LINKAGES,
    METHODS,
    METRICS,
    NOISE,
    SKIPPED,
    ClusterModel,
    ClusterResult,
    UsableRows,
    cluster,
    cluster_points,
    unusable_rows,
    usable_rows,
)
from ..analysis.projection import sample_rows
from ..core.cluster import Cluster, part_starts
from ..core.context import NodeContext
from ..core.diagnostics import Diagnostic, Severity, ValidationContext, error
from ..core.errors import NodeError
from ..core.ports import EMBEDDINGS, TABLE
from ..core.specs import EmbeddingKind, Execution, NodeSpec, OutputDescription, Port, Setting
from ..core.table import Table
from ..core.workflow import Node
from ..io.outputs import format_size

TYPE = "clustering"
AUTO: Literal["auto"] = "auto"
CATEGORY_COLUMN = "category"  # what an Input of an image folder names the sub-folder column
WARNING_NOTES = ("nan-vectors", "zero-vectors", "no-clusters", "fewer-clusters")
HINTS = {
    "too-few-rows": "Give it at least two rows with usable vectors.",
    "k-larger-than-rows": "Lower k (or the minimum cluster size), or give it more rows.",
    "invalid-k": "Set k to a whole number of at least 2, or to auto.",
    "invalid-min-cluster-size": "Set the minimum cluster size to 2 or more.",
    "zero-vectors": "Check the block that made the vectors, or use the euclidean metric.",
    "nan-vectors": "Check the block that made the vectors.",
    "too-many-rows": "Use k-means or HDBSCAN for this many rows.",
    "no-vectors": "Link the output of an embedding block (Text Embedding or Image Embedding).",
}


@dataclass(frozen=True)
class KSetting(Setting):
    """The number of clusters: a whole number of at least 2, or "auto" (also as text, as an editor types it)."""

    def problem(self, value: Any) -> str | None:
        """Why `value` is not a usable k, or None."""
        return None if parse_k(value) is not None else (
            f"{self.display_name} must be a whole number of at least 2, or auto; not {value!r}")


def parse_k(value: Any) -> int | Literal["auto"] | None:
    """k as the clustering takes it (an int ≥ 2 or "auto"), or None when `value` is neither."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text == AUTO:
            return AUTO
        value = int(text) if text.isdigit() else None
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 2:
        return int(value)
    return None


def cluster_names(table: Table, result: ClusterResult) -> dict[int, str]:
    """A label per cluster id: distinguishing words of the feature text, or for images a category or file name."""
    feature = table.feature if table.feature in table.meta.columns else None
    if feature is None:
        return {int(c): f"cluster {c}" for c in np.unique(result.labels)}
    values = table.meta[feature]
    if table.provenance.get("kind") == EmbeddingKind.IMAGE:
        categories = None
        if CATEGORY_COLUMN in table.meta.columns:
            column = table.meta[CATEGORY_COLUMN]
            categories = column.mask(column == "")  # files at the top of the folder have no category
        return image_labels(values.astype(str), result.labels, result.central, categories)
    return text_labels(values, result.labels, result.central)


def clusters_table(result: ClusterResult, names: Mapping[int, str], shown: Mapping[int, Sequence[Any]]) -> Table:
    """One row per cluster (noise last): id, label, size, its most central rows and their feature values (`shown`)."""
    rows = []
    for c in range(result.k):
        central = ", ".join(str(int(r)) for r in result.central[c])
        rows.append((c, names[c], int(result.sizes[c]), central, SEPARATOR.join(str(v) for v in shown.get(c, ()))))
    if result.noise:
        rows.append((-1, names[-1], result.noise, "", ""))
    frame = pd.DataFrame(rows, columns=["cluster", "cluster_label", "size", "central_rows", "central"])
    provenance = {"method": result.method, "metric": result.metric, "silhouette": result.silhouette,
                  "silhouette_rows": result.silhouette_rows, "auto_k": result.auto.chosen if result.auto else None}
    return Table(frame, feature="cluster_label", provenance=provenance)


def summary(result: ClusterResult) -> str:
    """One sentence: how many clusters, their sizes, the noise and the silhouette."""
    sizes = ", ".join(f"{int(s):,}" for s in result.sizes[:12]) + (" …" if result.k > 12 else "")
    text = f"{result.k} cluster{'' if result.k == 1 else 's'} (sizes {sizes})" if result.k else "no clusters"
    if result.noise:
        text += f", {result.noise:,} noise rows"
    if result.silhouette is not None:
        text += f"; silhouette {result.silhouette:.3f}"
    return text


def run(ctx: NodeContext) -> dict[str, Any]:
    """Cluster the input rows; add `cluster` and `cluster_label` to them and list the clusters."""
    data: Table = ctx.inputs["data"]
    settings = ctx.settings
    if data.vectors is None:
        raise NodeError(f"{ctx.title}: its input has no vectors.", "no-vectors", HINTS["no-vectors"])
    k = parse_k(settings["k"])
    if k is None:
        raise NodeError(f"{ctx.title}: k must be a whole number of at least 2, or auto; it is {settings['k']!r}.",
                        "invalid-k", HINTS["invalid-k"])
    try:
        result = cluster(data.vectors, settings["method"], k, settings["metric"],
                         int(settings["min_cluster_size"]), settings["linkage"], int(settings["seed"]),
                         progress=ctx.progress, cancelled=lambda: ctx.cancelled)
    except AnalysisError as exc:
        raise NodeError(f"{ctx.title}: {exc}", exc.code, HINTS.get(exc.code, "")) from None
    for code, note in result.notes:
        ctx.report(Severity.WARNING if code in WARNING_NOTES else Severity.INFO, code, note)
    names = cluster_names(data, result)
    feature = data.feature if data.feature in data.meta.columns else None
    shown = {c: data.meta[feature].iloc[rows].tolist() for c, rows in result.central.items()} if feature else {}
    ctx.summary = summary(result)
    return {"clustered": with_clusters(data, result.labels, names), "clusters": clusters_table(result, names, shown)}


def with_clusters(table: Table, labels: np.ndarray, names: Mapping[int, str]) -> Table:
    """The rows with their `cluster` and its `cluster_label`."""
    meta = table.meta.copy()
    meta["cluster"] = labels
    meta["cluster_label"] = pd.Series([names[int(c)] for c in labels], index=meta.index, dtype=object)
    return replace(table, meta=meta)


def check(context: ValidationContext, node: Node) -> Iterable[Diagnostic]:
    """Once the input is known: k (or HDBSCAN's minimum size) must not exceed its rows."""
    settings = context.settings(node)
    source = context.source_of(node, "data")
    value = context.output_of(*source) if source else None
    if not isinstance(value, Table):
        return
    k = settings.get("min_cluster_size") if settings.get("method") == "hdbscan" else parse_k(settings.get("k"))
    if isinstance(k, int) and k > len(value):
        what = "the minimum cluster size" if settings.get("method") == "hdbscan" else "k"
        yield error("k-larger-than-rows", f"“{node.title}”: {what} is {k} but the input has only "
                      f"{len(value):,} rows.", HINTS["k-larger-than-rows"], node_id=node.id)


def describe(settings: Mapping[str, Any], port: str, upstream: Any) -> OutputDescription | None:
    """The clustered rows keep the input's vectors, so their model; the cluster list has no vectors."""
    return upstream("data") if port == "clustered" else None


# -- on a Dask cluster (NodeSpec.on_cluster; docs/analysis-clustering.md) ----------------------------
@dataclass(frozen=True)
class _PartFacts:
    rows: int
    head: Table  # no rows: the columns, provenance and vector length
    bad: np.ndarray
    zeros: np.ndarray


def _part_facts(part: Table, metric: str) -> _PartFacts:
    none = np.zeros(0, dtype=np.int64)
    bad, zeros = unusable_rows(part.vectors, metric) if part.vectors is not None else (none, none)
    return _PartFacts(len(part), part.take(none), bad, zeros)


def _take_vectors(part: Table, rows: np.ndarray) -> np.ndarray:
    assert part.vectors is not None
    return part.vectors[rows]


def _assign(model: ClusterModel, part: Table, rows: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Every row of the part assigned by the model; its sampled `rows` keep the `labels` of the fit."""
    assert part.vectors is not None
    assigned = model.predict(part.vectors)
    assigned[rows] = labels
    return assigned


def _label_counts(labels: np.ndarray, k: int, first_row: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Rows per cluster id, the first row of each (or -1), and the noise rows."""
    clustered = labels[labels >= 0]
    first = np.full(k, -1, dtype=np.int64)
    ids, where = np.unique(clustered, return_index=True)
    first[ids] = np.flatnonzero(labels >= 0)[where] + first_row
    return np.bincount(clustered, minlength=k), first, int((labels == NOISE).sum())


def _renumber(labels: np.ndarray, mapping: np.ndarray) -> np.ndarray:
    renumbered = labels.copy()
    renumbered[labels >= 0] = mapping[labels[labels >= 0]]
    return renumbered


def _word_counts(part: Table, labels: np.ndarray, feature: str) -> WordCounts:
    return word_counts(part.meta[feature], labels)


def _category_counts(part: Table, labels: np.ndarray) -> pd.Series:
    column = part.meta[CATEGORY_COLUMN]
    return category_counts(labels, column.mask(column == ""))


def _add(*values: Any) -> Any:
    return reduce(lambda a, b: a + b, values)


def _add_series(*values: pd.Series) -> pd.Series:
    return reduce(lambda a, b: a.add(b, fill_value=0), values)


def _sizes(result: ClusterResult) -> dict[int, int]:
    """Rows per cluster id present in the labels (noise and skipped rows included), from the result's counts."""
    sizes = {c: int(result.sizes[c]) for c in range(result.k)}
    if result.noise:
        sizes[NOISE] = int(result.noise)
    if len(result.skipped):
        sizes[SKIPPED] = len(result.skipped)
    return sizes


def _values(part: Table, column: str, rows: np.ndarray) -> list[Any]:
    return part.meta[column].iloc[rows].tolist()


def _by_part(rows: np.ndarray, first: np.ndarray) -> list[np.ndarray]:
    """Sorted row numbers of the whole table as row numbers within each part."""
    return [rows[(rows >= first[n]) & (rows < first[n + 1])] - first[n] for n in range(len(first) - 1)]


def fit_budget(method: str, gather_rows: int) -> int:
    """How many rows a cluster run fits on: the gather budget, and for agglomerative at most what it can hold."""
    return min(gather_rows, AGGLOMERATIVE_MAX_ROWS) if method == "agglomerative" else gather_rows


def run_on_cluster(ctx: NodeContext, cluster: Cluster) -> dict[str, Any] | None:
    """Fit on the rows (or a seeded sample of at most `cluster.gather_rows`) brought here; assign every row,
    count the clusters' words and label the rows on the workers, where the output stays."""
    parts = cluster.parts("data")
    if parts is None:
        return None
    settings = ctx.settings
    method, metric, seed = settings["method"], settings["metric"], int(settings["seed"])
    k = parse_k(settings["k"])
    if k is None:
        raise NodeError(f"{ctx.title}: k must be a whole number of at least 2, or auto; it is {settings['k']!r}.",
                        "invalid-k", HINTS["invalid-k"])
    facts: list[_PartFacts] = cluster.gather([cluster.submit(_part_facts, part, metric) for part in parts],
                                             "parts checked")
    head = facts[0].head
    if head.vectors is None:
        raise NodeError(f"{ctx.title}: its input has no vectors.", "no-vectors", HINTS["no-vectors"])
    first = part_starts(f.rows for f in facts)
    total = int(first[-1])
    try:
        usable = usable_rows(np.concatenate([f.bad + first[n] for n, f in enumerate(facts)]),
                             np.concatenate([f.zeros + first[n] for n, f in enumerate(facts)]), total, metric)
        budget = fit_budget(method, cluster.gather_rows)
        sampled = len(usable.kept) > budget
        fitted_rows = sample_rows(usable.kept, budget, seed) if sampled else usable.kept
        local = _by_part(fitted_rows, first)
        points = np.concatenate(cluster.gather([cluster.submit(_take_vectors, part, rows)
                                                for part, rows in zip(parts, local)], "vectors brought"))
        fit_on = UsableRows(np.arange(len(points)), np.zeros(0, dtype=np.int64), (), len(points)) if sampled else usable
        result = cluster_points(points, fit_on, method, k, metric, int(settings["min_cluster_size"]),
                                settings["linkage"], seed, progress=lambda f, m: ctx.progress(0.6 * f, m),
                                cancelled=lambda: ctx.cancelled)
    except AnalysisError as exc:
        raise NodeError(f"{ctx.title}: {exc}", exc.code, HINTS.get(exc.code, "")) from None
    if sampled:
        ctx.progress(0.6, f"assigning {total:,} rows on the cluster")
        result, labels = _assign_every_row(cluster, parts, first, result, usable, fitted_rows, local)
    else:
        labels = [result.labels[first[n]:first[n + 1]] for n in range(len(parts))]
    for code, note in result.notes:
        ctx.report(Severity.WARNING if code in WARNING_NOTES else Severity.INFO, code, note)
    ctx.progress(0.8, "naming the clusters")
    names, shown, brought = _names_on_cluster(cluster, parts, first, labels, head, result)
    if sampled:
        rule = {"kmeans": "the nearest cluster centre", "agglomerative": "the nearest cluster mean",
                "hdbscan": "the cluster of the nearest sampled row, noise included"}[method]
        ctx.report(Severity.INFO, "clustering-sampled",
                   f"{method} was fitted on a random sample of {len(fitted_rows):,} of {len(usable.kept):,} rows "
                   f"(seed {seed}); every other row was assigned on the cluster to {rule}. The silhouette and the "
                   "most central rows are the sample's; the sizes count every row.")
    ctx.report(Severity.INFO, "gathered-from-cluster",
               f"“{ctx.title}” clustered on the cluster and brought the vectors of {len(fitted_rows):,} of "
               f"{total:,} rows ({format_size(points.nbytes)}) to this computer to fit on, and {brought}; "
               "the rows and their clusters stayed on the workers.")
    shared = cluster.share(names)
    clustered = cluster.output([cluster.submit(with_clusters, part, part_labels, shared)
                                for part, part_labels in zip(parts, labels)])
    ctx.summary = summary(result) + " (on the cluster)"
    return {"clustered": clustered, "clusters": clusters_table(result, names, shown)}


def _assign_every_row(cluster: Cluster, parts: list[Any], first: np.ndarray, result: ClusterResult,
                      usable: UsableRows, fitted_rows: np.ndarray, local: list[np.ndarray]
                      ) -> tuple[ClusterResult, list[Any]]:
    """Every row assigned to the sample's clusters on its worker, then the clusters numbered by their size
    over every row (as locally); the result counts every row, and its central rows are numbered in the table."""
    model = cluster.share(result.model)
    offsets = part_starts(len(rows) for rows in local)
    assigned = [cluster.submit(_assign, model, part, rows, result.labels[offsets[n]:offsets[n + 1]])
                for n, (part, rows) in enumerate(zip(parts, local))]
    counts = cluster.gather([cluster.submit(_label_counts, labels, result.k, int(first[n]))
                             for n, labels in enumerate(assigned)], "rows assigned")
    sizes = np.sum([c[0] for c in counts], axis=0) if result.k else np.zeros(0, dtype=np.int64)
    firsts = np.array([min(int(f) for f in column if f >= 0) for column in zip(*[c[1] for c in counts])]
                      if result.k else [], dtype=np.int64)
    order = np.lexsort((firsts, -sizes))
    mapping = np.empty(result.k, dtype=np.int64)
    mapping[order] = np.arange(result.k)
    central = {int(mapping[c]): fitted_rows[rows] for c, rows in result.central.items()}
    whole = replace(result, labels=_renumber(result.labels, mapping), sizes=sizes[order], central=central,
                    noise=sum(c[2] for c in counts), skipped=usable.skipped, notes=usable.notes + result.notes)
    return whole, [cluster.submit(_renumber, labels, mapping) for labels in assigned]


def _names_on_cluster(cluster: Cluster, parts: list[Any], first: np.ndarray, labels: list[Any], head: Table,
                      result: ClusterResult) -> tuple[dict[int, str], dict[int, list[Any]], str]:
    """The cluster names from counts added up on the workers, the feature values of the central rows, and
    what was brought here for them (for the note)."""
    feature = head.feature if head.feature in head.meta.columns else None
    sizes = _sizes(result)
    if feature is None:
        return {int(c): f"cluster {c}" for c in sizes}, {}, "no words (the input has no feature column)"
    central_rows = np.sort(np.concatenate([rows for rows in result.central.values()])) if result.central else \
        np.zeros(0, dtype=np.int64)
    values = [v for vs in cluster.gather([cluster.submit(_values, part, feature, rows) for part, rows in
                                          zip(parts, _by_part(central_rows, first))], "central rows brought")
              for v in vs]
    value_of = dict(zip(central_rows.tolist(), values))
    shown = {c: [value_of[int(r)] for r in rows] for c, rows in result.central.items()}
    if head.provenance.get("kind") == EmbeddingKind.IMAGE:
        categories = None
        if CATEGORY_COLUMN in head.meta.columns:
            categories = cluster.gather([cluster.submit(_add_series, *[
                cluster.submit(_category_counts, part, part_labels) for part, part_labels in zip(parts, labels)])])[0]
        names = image_names(sizes, categories, {c: str(v[0]) for c, v in shown.items()})
        return names, shown, "the counts of each cluster's categories"
    counts = cluster.gather([cluster.submit(_add, *[cluster.submit(_word_counts, part, part_labels, feature)
                                                    for part, part_labels in zip(parts, labels)])],
                            "words counted")[0]
    texts = {c: ["" if pd.isna(v) else str(v) for v in vs] for c, vs in shown.items()}
    size = counts.counts.data.nbytes + sum(len(str(w)) for w in counts.words)
    return labels_from_counts(counts, texts), shown, f"the word counts of each cluster ({format_size(size)})"


SPEC = NodeSpec(
    type=TYPE,
    title="Clustering",
    category="Analysis",
    description="Group similar rows (k-means, HDBSCAN or agglomerative) and name each group with the words "
                "or the category that set it apart.",
    icon="clustering",
    inputs=(Port("data", EMBEDDINGS, description="The rows to cluster."),),
    outputs=(
        Port("clustered", EMBEDDINGS, description="The input rows with `cluster` and `cluster_label`."),
        Port("clusters", TABLE, description="One row per cluster: id, label, size and its most central rows."),
    ),
    settings=(
        Setting("method", "choice", "kmeans", label="Method", choices=METHODS,
                help="kmeans: k groups around k centres; hdbscan: as many groups as the data has, the rest "
                     "noise; agglomerative: joins the closest groups until k are left."),
        KSetting("k", "str", 8, label="Clusters (k)", code="invalid-k",
                 help="How many groups (k-means, agglomerative), or auto: the k from 2 to 15 with the best "
                      "silhouette."),
        Setting("metric", "choice", "cosine", label="Metric", choices=METRICS,
                help="cosine: compare directions (vectors scaled to length 1); euclidean: straight-line distance."),
        Setting("min_cluster_size", "int", 10, label="Minimum cluster size", minimum=2, maximum=100_000,
                help="HDBSCAN only: smaller groups become noise."),
        Setting("linkage", "choice", "ward", label="Linkage", choices=LINKAGES,
                help="Agglomerative only: ward (compact groups), average, complete or single (chains)."),
        Setting("seed", "int", 0, label="Seed", minimum=0, maximum=2**31 - 1,
                help="The random start of k-means; the same seed gives the same clusters."),
    ),
    run=run,
    check=check,
    describes_output=describe,
    execution=Execution(preload=("sklearn.cluster", "sklearn.exceptions", "sklearn.feature_extraction.text",
                                 "scipy.sparse"), on_cluster=run_on_cluster),
    help_page="clustering",
)
