"""Checks and cache fingerprints about a block's language_model setting, shared by the text blocks.

The model registry is imported when a check runs, so registering the text blocks does not load it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..core.diagnostics import Diagnostic, ValidationContext, error, warning
from ..core.workflow import Node


def language_model_diagnostics(context: ValidationContext, node: Node,
                               warn_download: bool = False) -> Iterable[Diagnostic]:
    """unknown-language-model (and, with warn_download, language-model-not-downloaded) for a block's language_model."""
    from . import models

    model_id = context.settings(node).get("language_model")
    if not isinstance(model_id, str):
        return
    info = models.get_info(model_id)
    if info is None:
        yield error("unknown-language-model",
                    f"“{node.title}” uses the language model '{model_id}', which embedflow does not know.",
                    f"Choose one of: {', '.join(models.known_ids())} (see `embedflow models`), or add your "
                    f"own vectors with `embedflow models --add FILE --name {model_id}`.", node_id=node.id)
    elif info.source == "gensim-data" and not info.available and warn_download:
        yield warning("language-model-not-downloaded",
                      f"“{node.title}”: the language model {model_id} is not downloaded yet; running the "
                      f"block downloads it ({info.size_text()}).",
                      f"Download it first with `embedflow models --download {model_id}`, or pick "
                      f"{models.BUILTIN_ID}, which is built in.", node_id=node.id)


def model_fingerprint(settings: Mapping[str, Any], base_dir: str | None) -> str:
    """Changes when a stored model is replaced (added again or downloaded) or a remote entry changes."""
    from . import models

    model_id = settings.get("language_model")
    info = models.get_info(model_id) if isinstance(model_id, str) else None
    if info is not None and info.remote is not None:  # another server or model: embed again
        return f"{info.remote.url}|{info.remote.model}|{info.remote.key_env}"
    if info is None or not info.available or info.source in ("built-in", "trained"):
        return ""
    meta = Path(info.location) / "model.json"
    return f"{info.location}:{meta.stat().st_mtime_ns if meta.exists() else 0}:{info.size_bytes}"
