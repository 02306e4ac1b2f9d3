"""Language models as records and on disk: what a model is (info, loaded vectors), the folder that keeps
downloaded and user-added models, and the models already loaded in this process.

Below the registry (models.py), the gensim-data catalogue (gensim_data.py) and the readers of users'
vector files (vectors_io.py), which all store models here; it imports none of them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ..core.errors import EmbedflowError
from ..core.sizes import format_size
from ..io.user_dirs import cache_dir
from .model_ids import ModelKind
from .tokenizer import TokenizerSpec

MODELS_FOLDER = "language-models"


@dataclass(frozen=True)
class RemoteEntry:
    """Where a remote model answers: base URL, the server's model name, the variable holding the key."""

    url: str
    model: str
    key_env: str = ""
    batch_deadline: float | None = None  # seconds; None: RemoteModel's default
    run_deadline: float | None = None


class LanguageModelError(EmbedflowError):
    """A language model is unknown, missing or broken; the message says which and why."""


@dataclass(frozen=True)
class LanguageModelInfo:
    """What a user sees about a language model before it is loaded."""

    id: str
    name: str
    dims: int
    vocab_size: int
    tokenizer: TokenizerSpec
    source: str
    size_bytes: int
    available: bool
    location: str = ""
    description: str = ""
    subwords: bool = False
    kind: ModelKind = ModelKind.WORD_VECTORS
    max_positions: int = 0  # word pieces a transformer reads at most (0: no limit of its own)
    remote: RemoteEntry | None = None
    poolings: tuple[str, ...] = ()  # the poolings it allows, when fewer than its kind's

    def size_text(self) -> str:
        """The size on disk (or to download) in words, e.g. "69 MB"."""
        return format_size(self.size_bytes)


@dataclass
class LanguageModel:
    """A loaded model: its words in id order, their vectors, and how it tokenizes.

    vectors may be a read-only memory map; `oov_vector` builds vectors for unknown words
    (fastText sub-words) and is None for models that cannot.
    """

    info: LanguageModelInfo
    words: pa.Array
    vectors: np.ndarray
    load_seconds: float = 0.0
    oov_vector: Callable[[str], np.ndarray] | None = None
    counts: np.ndarray | None = None
    _index: dict[str, int] | None = field(default=None, repr=False)

    @property
    def id(self) -> str:
        """The model id."""
        return self.info.id

    @property
    def tokenizer(self) -> TokenizerSpec:
        """The model's tokenizer."""
        return self.info.tokenizer

    def index(self) -> dict[str, int]:
        """word → id (built on first use; bulk lookups use Arrow instead)."""
        if self._index is None:
            self._index = {word: i for i, word in enumerate(self.words.to_pylist())}
        return self._index

    def vector(self, word: str) -> np.ndarray | None:
        """The vector of one word, or None when the model has none."""
        row = self.index().get(word)
        if row is not None:
            return np.asarray(self.vectors[row])
        return self.oov_vector(word) if self.oov_vector is not None else None


# -- the model folder ----------------------------------------------------------------

def stored_folder(model_id: str) -> Path:
    """Where a downloaded or user-added model lives."""
    return cache_dir(MODELS_FOLDER) / model_id


def stored_info(folder: Path) -> LanguageModelInfo | None:
    """The info of a model stored by store_vectors, or None if the folder is incomplete."""
    meta_file = folder / "model.json"
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        size = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
        return LanguageModelInfo(
            str(meta["id"]), str(meta["name"]), int(meta["dims"]), int(meta["vocab_size"]),
            TokenizerSpec.from_dict(meta.get("tokenizer", {})), str(meta["source"]), size, True,
            str(folder), str(meta.get("description", "")), bool(meta.get("subwords", False)))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def safe_id(model_id: str) -> bool:
    """True for an id that can name a folder or file of its own (no path separators, no leading dot, a name
    short enough for any file system)."""
    return (bool(model_id) and "/" not in model_id and "\\" not in model_id and not model_id.startswith(".")
            and len(model_id.encode("utf-8", "surrogatepass")) <= 200)


def store_vectors(model_id: str, name: str, words: list[str], vectors: np.ndarray, source: str,
                  tokenizer: TokenizerSpec, description: str = "", subword_model: Any = None,
                  counts: np.ndarray | None = None) -> LanguageModelInfo:
    """Write a model into the model folder atomically (a temp folder renamed into place)."""
    import os
    import shutil
    import tempfile

    import pyarrow.parquet as pq

    if not safe_id(model_id):
        raise LanguageModelError(f"'{model_id}' cannot be a model name: use letters, digits, - and _.")
    root = cache_dir(MODELS_FOLDER)
    temp = Path(tempfile.mkdtemp(prefix=f".{model_id}.", dir=root))
    try:
        np.save(temp / "vectors.npy", np.ascontiguousarray(vectors, dtype=np.float32))
        columns = {"word": pa.array(words, pa.large_string())}
        if counts is not None:
            columns["count"] = pa.array(np.asarray(counts, dtype=np.int64))
        pq.write_table(pa.table(columns), temp / "words.parquet")
        if subword_model is not None:
            subword_model.save(str(temp / "subwords.kv"))
        meta = {"id": model_id, "name": name, "dims": int(vectors.shape[1]), "vocab_size": len(words),
                "source": source, "tokenizer": tokenizer.to_dict(), "description": description,
                "subwords": subword_model is not None}
        (temp / "model.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        target = root / model_id
        if target.exists():
            shutil.rmtree(target)
        os.replace(temp, target)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    forget(model_id)
    info = stored_info(root / model_id)
    assert info is not None
    return info


# -- loaded in this process -------------------------------------------------------------

_LOADED: dict[str, LanguageModel] = {}
# Held while a model is looked up in or added to this process (re-entrant: load() holds it around both).
LOCK = threading.RLock()


def remember(model: LanguageModel, key: str) -> None:
    """Keep a model made in this process (a trained one) under `key`."""
    with LOCK:
        _LOADED[key] = model


def loaded(key: str) -> LanguageModel | None:
    """A model already in this process under `key`, if any."""
    with LOCK:
        return _LOADED.get(key)


def forget(model_id: str) -> None:
    """Drop a loaded model (after it was replaced on disk)."""
    with LOCK:
        _LOADED.pop(model_id, None)
