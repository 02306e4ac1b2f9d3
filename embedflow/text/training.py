"""Training a small Word2Vec or FastText model on a workflow's own texts, with progress and cancel."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import numpy as np
import pyarrow as pa

from .models import GLOVE_TOKENIZER, LanguageModel, LanguageModelInfo, get_info, loaded, remember
from .tokenizer import TokenizedCorpus

KINDS = {"trained-word2vec": "word2vec", "trained-fasttext": "fasttext"}
DIMS = 50


def model_key(model_id: str, corpus: TokenizedCorpus) -> str:
    """A key that changes whenever the training texts change."""
    digest = hashlib.sha1(model_id.encode())
    for buffer in corpus.tokens.buffers():
        if buffer is not None:
            digest.update(memoryview(buffer))
    digest.update(np.ascontiguousarray(corpus.offsets).tobytes())
    return f"{model_id}:{digest.hexdigest()[:16]}"


def train(model_id: str, corpus: TokenizedCorpus, progress: Callable[[float, str], None] | None = None,
          check_cancelled: Callable[[], None] | None = None) -> tuple[LanguageModel, str]:
    """Train (or reuse, for the same texts) a model; returns it and the key it is kept under."""
    key = model_key(model_id, corpus)
    existing = loaded(key)
    if existing is not None:
        return existing, key
    from gensim.models import FastText, Word2Vec
    from gensim.models.callbacks import CallbackAny2Vec

    words = corpus.tokens.to_pylist()
    offsets = corpus.offsets.tolist()
    sentences = [words[a:b] for a, b in zip(offsets[:-1], offsets[1:]) if b > a]
    if not sentences:
        raise ValueError("no words to train on")
    total = len(words)
    # Small corpora need many passes to learn anything; big ones fewer.
    epochs = 40 if total < 20_000 else 15 if total < 500_000 else 5
    min_count = 1 if total < 50_000 else 2

    class Progress(CallbackAny2Vec):
        def __init__(self) -> None:
            self.epoch = 0

        def on_epoch_end(self, model) -> None:
            self.epoch += 1
            if check_cancelled:
                check_cancelled()
            if progress:
                progress(self.epoch / epochs, f"Training {KINDS[model_id]}: epoch {self.epoch} of {epochs}")

    cls = FastText if KINDS[model_id] == "fasttext" else Word2Vec
    trained = cls(sentences=sentences, vector_size=DIMS, window=5, min_count=min_count, sg=1, epochs=epochs,
                  workers=2, seed=1, callbacks=[Progress()])
    keyed = trained.wv
    base = get_info(model_id)
    assert base is not None
    info = LanguageModelInfo(model_id, base.name, DIMS, len(keyed.index_to_key), GLOVE_TOKENIZER, "trained", 0,
                             True, "", base.description, subwords=cls is FastText)
    counts = np.array([keyed.get_vecattr(word, "count") for word in keyed.index_to_key], dtype=np.int64)
    oov = (lambda word: np.asarray(keyed.get_vector(word), dtype=np.float32)) if cls is FastText else None
    model = LanguageModel(info, pa.array(keyed.index_to_key, pa.large_string()),
                          np.asarray(keyed.vectors, dtype=np.float32), oov_vector=oov, counts=counts)
    remember(model, key)
    return model, key
