"""Image Embedding block: each image of a table becomes a vector; failed rows go to `skipped`."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..core.context import NodeContext
from ..core.diagnostics import Diagnostic, Severity, ValidationContext, error, warning
from ..core.errors import Cancelled, EmbedflowError, NodeError
from ..core.paths import resolve_path
from ..core.ports import EMBEDDINGS, TABLE
from ..core.specs import EmbeddingKind, Execution, NodeSpec, OutputDescription, Port, RowWise, Setting
from ..core.table import Table
from ..core.workflow import Node
from ..images.names import MODEL_IDS, NORMALISATION_NAMES, OWN_MODEL
from ..io.regular_files import path_problem
from ..io.tables import fingerprint_path

if TYPE_CHECKING:  # the image runtime, catalogue and downloads load when the block runs or checks a model
    from ..images.pipeline import Backend
    from ..io.embedding_store import EmbeddingCache

TOKEN_ENV = "EMBEDFLOW_SERVER_TOKEN"
REMOTE_BATCH = 16


def image_column(table: Table, chosen: str) -> str:
    """The column holding image paths: the setting, else the table's feature, else 'image'."""
    column = chosen or table.feature or "image"
    if column not in table.meta.columns:
        raise NodeError(
            f"The input has no column '{column}' with images (columns: {', '.join(table.columns) or 'none'}).",
            "image-column-missing",
            "Choose the column that holds image paths or URLs in the Image Embedding settings, "
            "or set it as the feature in the Input block.")
    return column


def _local_backend(ctx: NodeContext) -> tuple[Backend, str]:
    """The ONNX model the settings ask for, downloaded or built first if need be."""
    from ..images import catalog
    from ..images.pipeline import LocalBackend
    from ..io.downloads import DownloadError

    settings = ctx.settings
    if settings["model"] == OWN_MODEL:
        path = resolve_path(settings["model_path"], ctx.base_dir)
        model = catalog.own_model(
            path, input_size=settings["input_size"], resize=settings["resize"],
            normalisation=settings["normalisation"],
            channels=None if settings["channels"] == "auto" else settings["channels"],
            layout=settings["layout"], output=settings["output"])
    else:
        model = catalog.get_model(settings["model"])
    if not settings["fast_decoding"]:
        model = replace(model, preprocess=replace(model.preprocess, fast=False))

    def downloading(done: int, total: int | None) -> None:
        size = f" of {total / 1e6:.1f} MB" if total else ""
        ctx.progress(done / total * 0.5 if total else 0.0, f"Downloading {model.name}: {done / 1e6:.1f} MB{size}")

    try:
        path = catalog.model_file(model, progress=downloading, cancel=ctx.cancel_event)
        return LocalBackend(model, path), model.id
    except Cancelled:  # before DownloadError: a cancelled download is both
        raise
    except DownloadError as exc:
        raise NodeError(str(exc), "image-model-download-failed",
                        "Check the internet connection, or set EMBEDFLOW_MODEL_MIRROR to a local copy.") from None
    except EmbedflowError as exc:
        raise NodeError(str(exc), "image-model-unusable",
                        "Choose another model, or check the ONNX file and its preprocessing settings.") from None


def run(ctx: NodeContext) -> dict[str, Any]:
    """Embed every image of the input table."""
    from ..images import catalog
    from ..images.client import RemoteBackend, ServerClient
    from ..images.pipeline import DEFAULT_BATCH, embed_sources

    table: Table = ctx.inputs["data"]
    column = image_column(table, ctx.settings["column"])
    if len(table) and not _looks_like_images(table.meta[column]):
        # The static rule needs the input's last output, which a first (headless) run does not have yet.
        ctx.report(Severity.WARNING, "feature-not-image",
                   f"“{ctx.title}”: the column '{column}' does not look like image paths or URLs.",
                   "Choose the column that holds image file names, paths or URLs.")
    server_url = ctx.settings["server_url"].strip()
    if server_url:
        token = ctx.settings["server_token"] or os.environ.get(TOKEN_ENV, "")
        client = ServerClient(server_url, token, timeout=max(60.0, ctx.settings["timeout"]),
                              cancelled=lambda: ctx.cancelled)
        backend: Backend = RemoteBackend(client, ctx.settings["model"])
        model_id, batch, start = ctx.settings["model"], REMOTE_BATCH, 0.0
    else:
        backend, model_id = _local_backend(ctx)
        batch, start = DEFAULT_BATCH, 0.5 if ctx.settings["model"] not in ("squeezenet", OWN_MODEL) else 0.0
    cache = _open_cache(ctx) if ctx.settings["use_cache"] else None
    ctx.progress(start, f"Embedding {len(table):,} images")
    try:
        result = embed_sources(
            table.meta[column].tolist(), table.base_dir, backend, cache=cache, batch_size=batch,
            url_timeout=ctx.settings["timeout"],
            progress=lambda fraction, message: ctx.progress(start + (1 - start) * fraction, message),
            check_cancelled=ctx.check_cancelled)
    except (Cancelled, NodeError):
        raise
    except EmbedflowError as exc:
        raise NodeError(str(exc), "image-server-failed" if server_url else "image-model-unusable",
                        "Check the server URL and token, or clear the URL to embed on this computer."
                        if server_url else "Choose another model.") from None
    finally:
        if cache is not None:
            cache.close()

    order = np.argsort(result.rows, kind="stable")
    rows = np.asarray(result.rows, dtype=np.intp)[order]
    known = catalog.CATALOG.get(model_id)
    vectors = result.matrix()[order] if len(rows) else np.zeros((0, known.dims if known else 0), np.float32)
    embedded = table.take(rows)
    embeddings = embedded.with_vectors(vectors, model=model_id, kind="image")
    skipped = _skipped_table(table, result.failed, ctx.first_row)
    ctx.summary = f"{len(rows):,} of {len(table):,} images embedded"
    if result.from_cache:
        ctx.summary += f" ({result.from_cache:,} from the cache)"
    if result.failed:
        first_row, first_reason = min(result.failed)
        ctx.report(Severity.WARNING, "images-skipped",
                   f"{len(result.failed):,} image(s) could not be embedded; "
                   f"for example row {first_row + ctx.first_row} "
                   f"({table.meta[column].iloc[first_row]}): {first_reason}.",
                   "See the 'skipped' output for every row and its reason.")
    return {"embeddings": embeddings, "skipped": skipped}


def _open_cache(ctx: NodeContext) -> EmbeddingCache | None:
    """The embedding cache, or None (with a warning) when it cannot be opened."""
    import sqlite3

    from ..io.embedding_store import EmbeddingCache

    try:
        return EmbeddingCache()
    except (sqlite3.Error, OSError) as exc:
        ctx.report(Severity.WARNING, "image-cache-unavailable",
                   f"The embedding cache cannot be used ({exc}); every image is embedded afresh.",
                   "Check that the cache folder (EMBEDFLOW_CACHE_DIR) is writable.")
        return None


def _skipped_table(table: Table, failed: list[tuple[int, str]], first_row: int = 0) -> Table:
    """The failed rows with their row number in the input (from 0, as everywhere) and the reason."""
    failed = sorted(failed)
    rows = [row for row, _ in failed]
    meta = table.meta.iloc[rows].reset_index(drop=True).copy()
    meta.insert(0, _free_name(meta, "row"), pd.Series(rows, dtype="int64") + first_row)
    meta[_free_name(meta, "reason")] = pd.Series([reason for _, reason in failed], dtype="object")
    return Table(meta, feature=table.feature, base_dir=table.base_dir, provenance=dict(table.provenance))


def _free_name(meta: pd.DataFrame, name: str) -> str:
    """`name`, or `name_2`, `name_3` … when the input already has such a column."""
    candidate, number = name, 1
    while candidate in meta.columns:
        number += 1
        candidate = f"{name}_{number}"
    return candidate


def check(context: ValidationContext, node: Node) -> Iterable[Diagnostic]:
    """Static problems: a missing own model file, a bad server URL, an unknown image column."""
    from ..images import catalog

    settings = context.settings(node)
    server_url = str(settings.get("server_url", "")).strip()
    if server_url and not server_url.lower().startswith(("http://", "https://")):
        yield error("image-server-url-invalid",
                    f"“{node.title}”: the server URL '{server_url}' must start with http:// or https://.",
                    "Enter the address `embedflow serve` prints, e.g. http://127.0.0.1:8765, or clear it "
                    "to embed on this computer.", node_id=node.id)
    model_id = settings.get("model")
    if not server_url and model_id == OWN_MODEL:
        path = str(settings.get("model_path", ""))
        if not path:
            yield error("image-model-file-missing", f"“{node.title}” uses your own ONNX model but no file is chosen.",
                        "Choose the .onnx file in the block's settings.", node_id=node.id)
        elif (problem := path_problem(context.resolve_path(path))) is not None:
            what = "does not exist" if problem.kind == "missing" else f"cannot be read: {problem.reason}"
            yield error("image-model-file-missing",
                        f"“{node.title}”: the ONNX model {context.resolve_path(path)} {what}.",
                        "Check the model path in the block's settings.", node_id=node.id)
    elif not server_url and model_id in catalog.CATALOG and not catalog.CATALOG[model_id].available:
        model = catalog.CATALOG[model_id]
        size = f" ({model.size_bytes / 1e6:.0f} MB)" if model.size_bytes else ""
        yield Diagnostic("image-model-not-downloaded", Severity.INFO, node.id, None,
                         f"“{node.title}”: {model.name} will be downloaded{size} when the block runs.",
                         "Or download it now with `embedflow models --download "
                         f"{model.id}`.")
    source = context.source_of(node, "data")
    upstream = context.output_of(*source) if source else None
    if isinstance(upstream, Table):
        column = settings.get("column") or upstream.feature or "image"
        if column not in upstream.meta.columns:
            yield error("image-column-missing",
                        f"“{node.title}”: the input has no column '{column}' with images.",
                        "Choose the column that holds image paths or URLs.", node_id=node.id)
        elif len(upstream) and not _looks_like_images(upstream.meta[column]):
            yield warning("feature-not-image",
                          f"“{node.title}”: the column '{column}' does not look like image paths or URLs.",
                          "Choose the column that holds image file names, paths or URLs.", node_id=node.id)


IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm")


def _looks_like_images(values: pd.Series) -> bool:
    """True when most of the first rows end like image files or are URLs."""
    sample = values.dropna().astype(str).str.strip().str.lower().head(50)
    if sample.empty:
        return True
    hits = sample.str.endswith(IMAGE_SUFFIXES) | sample.str.startswith(("http://", "https://"))
    return bool(hits.mean() >= 0.5)


def fingerprint(settings: Mapping[str, Any], base_dir: str | None) -> str:
    """Changes when the own model file changes, so the block runs again."""
    if settings.get("model") != OWN_MODEL or not settings.get("model_path"):
        return ""
    return fingerprint_path(resolve_path(settings["model_path"], base_dir))


def describe(settings: Mapping[str, Any], port: str, upstream: Any) -> OutputDescription | None:
    """The embeddings live in the space of the chosen image model; skipped rows have no vectors."""
    return OutputDescription(model=settings.get("model"), kind=EmbeddingKind.IMAGE) if port == "embeddings" else None


SPEC = NodeSpec(
    type="image_embedding",
    title="Image Embedding",
    category="Image",
    description="Turn each image (a file path or URL in the table) into a vector with SqueezeNet or "
                "another ONNX model, here or on an embedding server. Images that fail go to 'skipped'.",
    icon="image_embedding",
    inputs=(Port("data", TABLE, description="A table with a column of image paths (relative to the "
                                             "data file or absolute) or http(s) URLs."),),
    outputs=(
        Port("embeddings", EMBEDDINGS, description="The rows whose images were embedded, with their vectors."),
        Port("skipped", TABLE, description="The rows that failed, with their row number and the reason."),
    ),
    settings=(
        Setting("model", "choice", "squeezenet", label="Model", choices=MODEL_IDS,
                help="SqueezeNet is built in; the others are downloaded once; 'onnx-file' is your own model."),
        Setting("server_url", "str", "", label="Server URL",
                help="Empty embeds on this computer; otherwise the address of `embedflow serve`."),
        Setting("server_token", "str", "", label="Server token",
                help=f"The server's token, if it has one (or set {TOKEN_ENV})."),
        Setting("column", "column", "", label="Image column",
                help="The column with image paths or URLs; empty uses the input's feature."),
        Setting("timeout", "float", 10.0, label="URL timeout (s)", minimum=0.1, maximum=600.0,
                help="How long to wait for an image URL; the server gets at least 60 s per batch."),
        Setting("fast_decoding", "bool", True, label="Fast decoding",
                help="Decode large JPEGs at reduced scale and resize in two steps: several times faster, "
                     "embeddings within a few percent of exact decoding (see the Images help page)."),
        Setting("use_cache", "bool", True, label="Reuse earlier embeddings",
                help="Keep embeddings by file content so images already seen are not computed again."),
        Setting("model_path", "path", "", label="ONNX file", help="Your own model (when Model is onnx-file)."),
        Setting("input_size", "int", 224, label="Input size", minimum=8, maximum=2048,
                help="Width and height your model takes, in pixels."),
        Setting("resize", "choice", "center-crop", label="Resize", choices=("center-crop", "stretch"),
                help="center-crop keeps the aspect ratio and cuts the edges; stretch squeezes the whole image."),
        Setting("normalisation", "choice", "imagenet", label="Normalisation", choices=NORMALISATION_NAMES,
                help="imagenet: 0..1 then ImageNet mean/std (PyTorch); caffe: BGR minus means; "
                     "unit: 0..1; symmetric: -1..1; none: 0..255."),
        Setting("channels", "choice", "auto", label="Channel order", choices=("auto", "RGB", "BGR"),
                help="auto follows the normalisation (BGR for caffe)."),
        Setting("layout", "choice", "NCHW", label="Layout", choices=("NCHW", "NHWC")),
        Setting("output", "str", "", label="Output", help="The graph output to use; empty takes the first."),
    ),
    run=run,
    check=check,
    describes_output=describe,
    fingerprint=fingerprint,
    execution=Execution(row_wise=RowWise(port="data"),
                        preload=("embedflow.images.catalog", "embedflow.images.pipeline", "embedflow.images.client",
                                 "embedflow.io.embedding_store")),
    help_page="image_embedding",
)
