"""Clustering block: groups of similar rows, each with a readable label, and one row per group."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..analysis.checks import AnalysisError
from ..analysis.cluster_labels import SEPARATOR, cluster_names, with_clusters
from ..analysis.clustering import LINKAGES, METHODS, METRICS, ClusterResult, cluster
from ..analysis.partitioned.clustering import PartitionedClustering
from ..core.cluster import Cluster
from ..core.context import NodeContext
from ..core.diagnostics import Diagnostic, Severity, ValidationContext, error
from ..core.errors import NodeError
from ..core.ports import EMBEDDINGS, TABLE
from ..core.sizes import format_size
from ..core.specs import Execution, NodeSpec, OutputDescription, Port, Setting
from ..core.table import Table
from ..core.workflow import Node

TYPE = "clustering"
AUTO: Literal["auto"] = "auto"
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


# -- on a Dask cluster: the kernel of analysis/partitioned/clustering.py; docs/analysis-clustering.md ------
def run_on_cluster(ctx: NodeContext, cluster: Cluster) -> dict[str, Any] | None:
    """Fit on the rows (or a seeded sample of at most `cluster.gather_rows`) brought here; assign every row,
    count the clusters' words and label the rows on the workers, where the output stays."""
    parts = cluster.parts("data")
    if parts is None:
        return None
    settings = ctx.settings
    method, seed = settings["method"], int(settings["seed"])
    k = parse_k(settings["k"])
    if k is None:
        raise NodeError(f"{ctx.title}: k must be a whole number of at least 2, or auto; it is {settings['k']!r}.",
                        "invalid-k", HINTS["invalid-k"])
    on_parts = PartitionedClustering(cluster, parts, settings["metric"])
    if on_parts.head.vectors is None:
        raise NodeError(f"{ctx.title}: its input has no vectors.", "no-vectors", HINTS["no-vectors"])
    try:
        fitted = on_parts.fit(method, k, int(settings["min_cluster_size"]), settings["linkage"], seed,
                              progress=ctx.progress, cancelled=lambda: ctx.cancelled)
    except AnalysisError as exc:
        raise NodeError(f"{ctx.title}: {exc}", exc.code, HINTS.get(exc.code, "")) from None
    result = fitted.result
    for code, note in result.notes:
        ctx.report(Severity.WARNING if code in WARNING_NOTES else Severity.INFO, code, note)
    ctx.progress(0.8, "naming the clusters")
    named = on_parts.names(fitted)
    if fitted.sampled:
        rule = {"kmeans": "the nearest cluster centre", "agglomerative": "the nearest cluster mean",
                "hdbscan": "the cluster of the nearest sampled row, noise included"}[method]
        ctx.report(Severity.INFO, "clustering-sampled",
                   f"{method} was fitted on a random sample of {len(fitted.fitted_rows):,} of "
                   f"{len(fitted.usable.kept):,} rows (seed {seed}); every other row was assigned on the cluster to "
                   f"{rule}. The silhouette and the most central rows are the sample's; the sizes count every row.")
    ctx.report(Severity.INFO, "gathered-from-cluster",
               f"“{ctx.title}” clustered on the cluster and brought the vectors of {len(fitted.fitted_rows):,} of "
               f"{on_parts.total:,} rows ({format_size(fitted.brought)}) to this computer to fit on, and "
               f"{named.brought}; the rows and their clusters stayed on the workers.")
    ctx.summary = summary(result) + " (on the cluster)"
    return {"clustered": on_parts.clustered(fitted, named.names),
            "clusters": clusters_table(result, named.names, named.shown)}


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
