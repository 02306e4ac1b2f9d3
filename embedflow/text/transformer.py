"""Contextual sentence models: a WordPiece tokenizer and an ONNX transformer run with onnxruntime."""

from __future__ import annotations

import functools
import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from ..core.errors import Cancelled, EmbedflowError, NodeError
from .fused_graph import file_digest, fused_graph
from .sentence_files import minilm_files

if TYPE_CHECKING:
    from tokenizers import Tokenizer

MINILM_ID = "all-minilm-l6-v2"
Pooling = Literal["mean", "cls", "max"]
POOLINGS: tuple[str, ...] = ("mean", "cls", "max")
MIN_SEQUENCE_LENGTH = 3
UNKNOWN_PIECE = "[UNK]"
# A word piece covers at least one character, so a prefix this many times the sequence length
# nearly always holds enough pieces; long documents are cut there before the tokenizer sees them.
_CHARS_PER_POSITION = 16
_WHITESPACE = re.compile(r"\s")
# A process that must stay responsive (the canvas) sets this to "0": onnxruntime's idle worker
# threads then sleep instead of spinning on the cores the window needs.
SPINNING_ENV = "EMBEDFLOW_ORT_SPINNING"


@dataclass(frozen=True)
class SentenceModelInfo:
    """What a sentence model is: its id, vector size, positions and the pooling it was trained with."""

    id: str
    dims: int
    max_positions: int
    trained_length: int
    pooling: Pooling
    normalize: bool


MINILM_HEADS = 12
MINILM = SentenceModelInfo(id=MINILM_ID, dims=384, max_positions=512, trained_length=256,
                           pooling="mean", normalize=True)


@dataclass(frozen=True)
class TokenizedTexts:
    """Token ids of n texts padded to one sequence length, with what the tokenizer had to drop."""

    ids: np.ndarray             # int32 [n, L], [CLS] … [SEP] then [PAD] (0)
    attention_mask: np.ndarray  # int8 [n, L], 1 on real pieces
    lengths: np.ndarray         # int32 [n], pieces including [CLS] and [SEP]
    truncated_rows: np.ndarray  # int64 row numbers whose text did not fit
    empty_rows: np.ndarray      # int64 row numbers with no piece besides [CLS] and [SEP]
    unknown_share: float        # share of [UNK] among all real pieces (specials excluded)

    @property
    def sequence_length(self) -> int:
        """L, the padded width of `ids`."""
        return int(self.ids.shape[1])


class SentenceModel:
    """One transformer sentence model: its tokenizer and one shared onnxruntime session."""

    def __init__(self, info: SentenceModelInfo, onnx_path: Path, tokenizer_path: Path,
                 threads: int, allow_spinning: bool) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.info = info
        self.allow_spinning = allow_spinning
        self.weights_path = Path(onnx_path)
        self._set_tokenizer(Tokenizer.from_file(str(tokenizer_path)), UNKNOWN_PIECE)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if allow_spinning else "0")
        self._session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        # onnxruntime keeps the arena at its largest batch; a server asks for it back after each batch.
        self._shrinking = ort.RunOptions()
        self._shrinking.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        self._inputs = {i.name for i in self._session.get_inputs()}

    def _set_tokenizer(self, tokenizer: Tokenizer, unknown_piece: str) -> None:
        """Use `tokenizer` (no padding; truncation is set per call) whose piece for unknown characters is named so."""
        self._tokenizer = tokenizer
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self._tokenizer_lock = threading.Lock()  # truncation is tokenizer state; set it per call
        self._unknown_id = self._tokenizer.token_to_id(unknown_piece)
        self.unknown_piece = unknown_piece
        # Pieces that carry no meaning on their own: the unknown one, and SentencePiece's bare word start.
        self.filler_ids = np.array([i for i in (self._unknown_id, self._tokenizer.token_to_id("▁")) if i is not None])

    @functools.cached_property
    def weights_digest(self) -> str:
        """The sha256 of the model's weights file: part of the text cache's key, so other weights never match."""
        return file_digest(self.weights_path)

    @property
    def unknown_id(self) -> int:
        """The id of [UNK] (<unk>), the piece for characters the vocabulary lacks (emoji, rare symbols)."""
        assert self._unknown_id is not None, "a word-piece vocabulary always has a piece for the unknown"
        return self._unknown_id

    def check_sequence_length(self, sequence_length: int) -> None:
        """Raise NodeError(code sequence-length-out-of-range) unless 3 <= length <= the model's positions."""
        if not MIN_SEQUENCE_LENGTH <= sequence_length <= self.info.max_positions:
            raise NodeError(f"The sequence length {sequence_length} is outside what {self.info.id} can read: "
                            f"{MIN_SEQUENCE_LENGTH} to {self.info.max_positions} word pieces.",
                            code="sequence-length-out-of-range",
                            hint=f"Choose a sequence length up to {self.info.max_positions} "
                                 f"({self.info.trained_length} is what the model was trained on).")

    def pieces(self, text: str, limit: int | None = None) -> list[str]:
        """The word pieces of one text without special tokens, e.g. ["em", "##bed", "##ding"]."""
        if limit is not None:
            text = _clip(text, limit * _CHARS_PER_POSITION)
        with self._tokenizer_lock:
            self._tokenizer.no_truncation()
            encoding = self._tokenizer.encode(text, add_special_tokens=False)
        # A unigram tokenizer names an unknown piece by its text; call it what the vocabulary calls it.
        pieces = [self.unknown_piece if i == self._unknown_id else piece
                  for piece, i in zip(encoding.tokens, encoding.ids)]
        return pieces if limit is None else pieces[:limit]

    def tokenize(self, texts: Sequence[str], sequence_length: int) -> TokenizedTexts:
        """Token ids, attention mask and lengths of texts, truncated to sequence_length pieces."""
        self.check_sequence_length(sequence_length)
        texts = list(texts)
        for row, text in enumerate(texts):
            if not isinstance(text, str):
                raise EmbedflowError(f"Row {row} is not text ({type(text).__name__}); "
                                     "the sentence model reads strings only.")
        clipped = [_clip(text, sequence_length * _CHARS_PER_POSITION) for text in texts]
        with self._tokenizer_lock:
            self._tokenizer.enable_truncation(sequence_length)
            try:
                encodings = self._tokenizer.encode_batch(clipped)
                unsure = [r for r, e in enumerate(encodings) if clipped[r] is not texts[r] and not e.overflowing]
                for row, encoding in zip(unsure, self._tokenizer.encode_batch([texts[r] for r in unsure])):
                    encodings[row] = encoding
            finally:
                self._tokenizer.no_truncation()
        n = len(encodings)
        ids = np.zeros((n, sequence_length), dtype=np.int32)
        lengths = np.zeros(n, dtype=np.int32)
        for row, encoding in enumerate(encodings):
            lengths[row] = len(encoding.ids)
            ids[row, :lengths[row]] = encoding.ids
        mask = (np.arange(sequence_length)[None, :] < lengths[:, None]).astype(np.int8)
        real = int((lengths - 2).clip(min=0).sum())
        unknown = int(np.count_nonzero((ids == self._unknown_id) & (mask > 0)))  # padding may share the id
        return TokenizedTexts(
            ids=ids, attention_mask=mask, lengths=lengths,
            truncated_rows=np.array([r for r, e in enumerate(encodings) if e.overflowing], dtype=np.int64),
            empty_rows=np.flatnonzero(lengths <= 2).astype(np.int64),
            unknown_share=unknown / real if real else 0.0)

    def embed(self, ids: np.ndarray, attention_mask: np.ndarray, pooling: Pooling = "mean",
              batch_size: int = 32, progress: Callable[[float], None] | None = None,
              cancelled: Callable[[], bool] | None = None, release_memory: bool = False) -> np.ndarray:
        """float32 [n, dims] vectors: length-sorted batches, dynamic padding, pooled over the mask, L2-normalised.

        `release_memory` returns onnxruntime's working memory after every batch (for long-lived servers).
        """
        if pooling not in POOLINGS:
            raise EmbedflowError(f"The pooling '{pooling}' does not fit a transformer model; "
                                 f"choose one of {', '.join(POOLINGS)}.")
        if batch_size < 1:
            raise EmbedflowError("The batch size must be at least 1.")
        if ids.shape != attention_mask.shape or ids.ndim != 2:
            raise EmbedflowError("Token ids and attention mask must be two matrices of the same shape.")
        if ids.shape[1] > self.info.max_positions:
            self.check_sequence_length(int(ids.shape[1]))
        n = ids.shape[0]
        out = np.zeros((n, self.info.dims), dtype=np.float32)
        lengths = attention_mask.astype(bool).sum(axis=1)
        order = np.argsort(lengths, kind="stable")
        for start in range(0, n, batch_size):
            if cancelled is not None and cancelled():
                raise Cancelled()
            rows = order[start:start + batch_size]
            width = max(int(lengths[rows].max()), 1)
            out[rows] = self._run(ids[rows, :width], attention_mask[rows, :width], pooling, release_memory)
            if progress is not None:
                progress(min(start + batch_size, n) / n)
        return out

    def encode(self, texts: Sequence[str], sequence_length: int | None = None, **embed_options: object) -> np.ndarray:
        """Tokenize and embed texts in one call (sequence length defaults to the trained length)."""
        tokens = self.tokenize(texts, sequence_length or self.info.trained_length)
        return self.embed(tokens.ids, tokens.attention_mask, **embed_options)  # type: ignore[arg-type]

    def _run(self, ids: np.ndarray, mask: np.ndarray, pooling: Pooling, release_memory: bool = False) -> np.ndarray:
        """Pooled, normalised vectors of one padded batch."""
        feeds = {"input_ids": ids.astype(np.int64), "attention_mask": mask.astype(np.int64)}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(feeds["input_ids"])
        hidden = self._session.run(None, feeds, self._shrinking if release_memory else None)[0]
        return pool(hidden, mask, pooling, self.info.normalize)


def pool(hidden: np.ndarray, mask: np.ndarray, pooling: Pooling, normalize: bool = True) -> np.ndarray:
    """Pool token states [b, L, d] over the attention mask [b, L] into float32 [b, d]."""
    weights = mask.astype(np.float32)[:, :, None]
    if pooling == "mean":
        vectors = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    elif pooling == "cls":
        vectors = hidden[:, 0, :]
    else:
        vectors = np.where(weights > 0, hidden, -np.inf).max(axis=1)
    vectors = vectors.astype(np.float32)
    if normalize:
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return vectors


def default_threads() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


@functools.cache
def _load(model_id: str, threads: int, allow_spinning: bool) -> SentenceModel:
    from .use_multilingual import USE_ID, UseMultilingual, use_files

    if model_id == USE_ID:
        return UseMultilingual(use_files(), threads, allow_spinning)
    if model_id != MINILM_ID:
        raise EmbedflowError(f"'{model_id}' is not a built-in sentence model; the built-in ones are {MINILM_ID} "
                             f"and {USE_ID}.")
    files = minilm_files()
    graph = fused_graph(files.onnx, MINILM_ID, heads=MINILM_HEADS, hidden=MINILM.dims)
    return SentenceModel(MINILM, graph, files.tokenizer, threads, allow_spinning)


_load_lock = threading.Lock()


def sentence_model(model_id: str = MINILM_ID, *, threads: int | None = None,
                   allow_spinning: bool = True) -> SentenceModel:
    """The process-wide model (one session per id and options); GUI processes pass allow_spinning=False."""
    with _load_lock:
        return _load(model_id, threads or default_threads(), allow_spinning)


def spinning_allowed() -> bool:
    """False in a process that asked onnxruntime's threads not to spin (the canvas sets SPINNING_ENV=0)."""
    return os.environ.get(SPINNING_ENV, "1") != "0"


def process_model(model_id: str = MINILM_ID) -> SentenceModel:
    """The model as the blocks use it: all cores, spinning as this process allows."""
    return sentence_model(model_id, allow_spinning=spinning_allowed())


def _clip(text: str, chars: int) -> str:
    """text cut at the first whitespace after `chars` characters (the same object if it is short)."""
    if len(text) <= chars:
        return text
    space = _WHITESPACE.search(text, chars)
    return text if space is None else text[:space.start()]
