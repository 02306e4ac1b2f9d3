"""The computing behind the routes: texts through the sentence model, images through an image backend.

Both run in a worker thread and check the request's `Work` between steps, so a request past its
deadline or whose client went away stops within one batch.
"""

from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PIL import Image

from ..core.errors import Cancelled, EmbedflowError
from ..images import catalog
from ..images.loading import ImageLoadError
from ..images.pipeline import LocalBackend
from ..text.transformer import MINILM, sentence_model
from .config import BATCH
from .guard import Work
from .memory import give_back_memory
from .parsing import BadRequest

# Texts tokenized at once: the tokenizer holds every piece of a batch (and its overflow) in memory.
TOKENIZE_CHUNK = 16
# Texts run through the model at once: the attention of 8 full-length texts needs about 200 MB,
# of 32 about 1 GB (onnxruntime's working memory, measured with all-minilm-l6-v2).
TEXT_BATCH = 8
# One text request runs the model at a time: parallel runs share the same cores, so they only add memory.
_text_model_turn = threading.Lock()


class Embedders:
    """One loaded image backend per model id, created on first use and shared by all requests."""

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self._backends: dict[str, LocalBackend] = {}
        self._lock = threading.Lock()

    def get(self, model_id: str) -> LocalBackend:
        """The backend of an available catalogue model (raises EmbedflowError otherwise)."""
        with self._lock:
            if model_id not in self._backends:
                model = catalog.get_model(model_id)
                if not model.available:
                    raise EmbedflowError(f"The model '{model_id}' is not downloaded on this server; "
                                         f"run `embedflow models --download {model_id}` there first.")
                self._backends[model_id] = LocalBackend(model, catalog.model_file(model), self.threads)
            return self._backends[model_id]


def embed_texts(texts: list[str], threads: int, max_tokens: int, work: Work) -> tuple[np.ndarray, int]:
    """Vectors of texts at the model's trained length, and the word pieces read (at most `max_tokens`)."""
    model = sentence_model(MINILM.id, threads=threads)
    try:
        ids, masks, tokens = [], [], 0
        for start in range(0, len(texts), TOKENIZE_CHUNK):
            work.check()
            chunk = model.tokenize(texts[start:start + TOKENIZE_CHUNK], MINILM.trained_length)
            ids.append(chunk.ids)
            masks.append(chunk.attention_mask)
            tokens += int(chunk.lengths.sum())
            if tokens > max_tokens:
                raise BadRequest(f"The inputs hold more than {max_tokens} word pieces (each input counted up to "
                                 f"{MINILM.trained_length}); send fewer inputs per request.", 413)
        while not _text_model_turn.acquire(timeout=0.2):
            work.check()
        try:
            vectors = model.embed(np.concatenate(ids), np.concatenate(masks), batch_size=TEXT_BATCH,
                                  cancelled=work.stopped, release_memory=True)
        except Cancelled:
            work.check()
            raise
        finally:
            _text_model_turn.release()
        return vectors, tokens
    finally:
        give_back_memory()


def embed_images(backend: LocalBackend, images: list[bytes], max_pixels: int, decoders: ThreadPoolExecutor,
                 request_pixels: int, work: Work) -> list[np.ndarray | str]:
    """Decode in parallel within the request's pixel budget, run the net in batches; errors as strings."""
    over_budget = _over_budget(images, request_pixels)

    def prepare(index: int) -> np.ndarray | str:
        if index in over_budget:
            return (f"the images before this one used the request's budget of {request_pixels / 1e6:g} "
                    "megapixels; send this image in another request")
        work.check()
        try:
            return backend.preprocess.load(images[index], max_pixels)
        except ImageLoadError as exc:
            return str(exc)
        except MemoryError:
            return "not enough memory to decode this image"

    try:
        prepared = list(decoders.map(prepare, range(len(images))))
    finally:
        give_back_memory()
    results: list[np.ndarray | str] = list(prepared)
    arrays = {i: p for i, p in enumerate(prepared) if not isinstance(p, str)}
    good = list(arrays)
    for start in range(0, len(good), BATCH):
        work.check()
        rows = good[start:start + BATCH]
        for row, vector in zip(rows, backend.run([arrays[r] for r in rows])):
            results[row] = vector
    return results


def _over_budget(images: list[bytes], request_pixels: int) -> set[int]:
    """The images that, read in order from their headers, would take the request past `request_pixels`."""
    used, refused = 0, set()
    for index, data in enumerate(images):
        try:
            with Image.open(io.BytesIO(data)) as header:
                pixels = header.size[0] * header.size[1]
        except Exception:  # not an image: decoding reports it  # noqa: BLE001
            continue
        if used + pixels > request_pixels:
            refused.add(index)
        else:
            used += pixels
    return refused
