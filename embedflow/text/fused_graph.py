"""The sentence model's ONNX graph with onnxruntime's transformer fusions applied once, kept in the cache folder.

onnxruntime's own session optimisations fuse LayerNorm with its residual add (SkipLayerNormalization)
but not the bias with GELU; the offline optimizer in `onnxruntime.transformers` (its pure-Python pass,
opt_level 0, which needs no torch) also fuses BiasGelu. The fused file is written once per source
graph (named by the source's sha256), atomically; when the optimizer is missing or fails, the shipped
graph is used as it is. Measured in benchmarks/bench_sentences.py (docs/sentence-models.md).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from ..io.user_dirs import cache_dir

FOLDER = "models"


def file_digest(path: Path) -> str:
    """The sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fused_graph(source: Path, name: str, heads: int, hidden: int) -> Path:
    """The fused copy of the BERT-like graph at `source` (made on first use), or `source` when it cannot be made."""
    target = cache_dir(FOLDER) / f"{name}-fused-{file_digest(source)[:16]}.onnx"
    if target.is_file():
        return target
    try:
        from onnxruntime.transformers.optimizer import optimize_model

        fused = optimize_model(str(source), model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=0)
        handle, temporary = tempfile.mkstemp(suffix=".onnx", dir=target.parent)
        os.close(handle)
        try:
            fused.save_model_to_file(temporary)
            os.replace(temporary, target)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    except Exception:  # noqa: BLE001 - any failure of an optional speed-up falls back to the shipped graph
        return source
    return target
