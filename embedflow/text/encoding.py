"""Turning a text column into fixed-length token-id sequences with a language model's vocabulary."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .tokenizer import TokenizedCorpus, tokenize_corpus

if TYPE_CHECKING:
    from .models import LanguageModel

PAD_ID = -1
UNKNOWN_ID = -2
CHUNK_ROWS = 25_000
MIN_SEQUENCE_LENGTH, MAX_SEQUENCE_LENGTH = 3, 512
ProgressFunction = Callable[[float, str], None]


class NotText(ValueError):
    """The column holds numbers, dates or other values that are not text."""


@dataclass
class Encoding:
    """Token ids (rows, sequence_length) plus what the encoding found out about the corpus.

    Unknown tokens hold UNKNOWN_ID and positions after a document's end hold PAD_ID. For models
    with sub-words, unknown tokens instead get ids from vocab_size on; `extra_words` names them.
    """

    ids: np.ndarray
    lengths: np.ndarray
    total_tokens: int
    known_tokens: int
    empty_rows: np.ndarray
    unknown_only_rows: np.ndarray
    truncated_rows: np.ndarray
    extra_words: list[str] = field(default_factory=list)

    @property
    def coverage(self) -> float:
        """Share of all tokens (before truncation) that the model knows."""
        return self.known_tokens / self.total_tokens if self.total_tokens else 0.0


def text_values(column: pd.Series) -> tuple[pa.Array, np.ndarray]:
    """The column as valid UTF-8 Arrow strings, and the rows that held numbers rather than text.

    Missing values become empty texts; bytes are decoded as UTF-8 with replacement characters;
    a column that is numeric, boolean or dates as a whole raises NotText.
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype(object)
    if len(column) and not (pd.api.types.is_string_dtype(column) or pd.api.types.is_object_dtype(column)):
        raise NotText(_kind_of(column))
    if isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow":
        # Text read from files is already Arrow strings: no per-row work needed.
        array = pa.array(column.array)
        return array.cast(pa.large_string()), np.array([], dtype=np.int64)
    values = column.to_numpy(dtype=object, na_value=None)
    kinds = pd.Series([type(v) for v in values], dtype=object) if len(values) else pd.Series([], dtype=object)
    numeric = np.flatnonzero(kinds.isin([int, float, np.int64, np.float64, bool, np.bool_]).to_numpy())
    if len(values) and len(numeric) == len(values):
        raise NotText("numbers")
    if (kinds != str).any():  # noqa: E721 - an element-wise comparison of a Series of types
        values = np.array([_as_text(v) for v in values], dtype=object)
    try:
        array = pa.array(values, pa.large_string())
    except (pa.ArrowException, UnicodeEncodeError):
        # Lone surrogates (bytes that were not UTF-8) cannot go to Arrow; replace them.
        array = pa.array([None if v is None else v.encode("utf-8", "replace").decode("utf-8") for v in values],
                         pa.large_string())
    return array, numeric


def _kind_of(column: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(column):
        return "true/false values"
    if pd.api.types.is_datetime64_any_dtype(column) or pd.api.types.is_timedelta64_dtype(column):
        return "dates or times"
    if pd.api.types.is_numeric_dtype(column):
        return "numbers"
    return f"values of type {column.dtype}"


def _as_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def tokenize_in_chunks(texts: pa.Array, model: LanguageModel, lowercase: bool | None,
                       progress: ProgressFunction | None = None) -> TokenizedCorpus:
    """Tokenize with the model's tokenizer in chunks of CHUNK_ROWS documents on two threads.

    Arrow's string kernels release the GIL, so the chunks run in parallel; progress is reported
    (and cancellation checked by the callback) as each chunk finishes, in order.
    """
    starts = list(range(0, max(len(texts), 1), CHUNK_ROWS))
    parts: list[TokenizedCorpus] = []
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        futures = [pool.submit(tokenize_corpus, texts.slice(start, CHUNK_ROWS), model.tokenizer, lowercase)
                   for start in starts]
        try:
            for start, future in zip(starts, futures):
                parts.append(future.result())
                if progress:
                    done = min(start + CHUNK_ROWS, len(texts))
                    progress(0.8 * done / max(len(texts), 1), f"Tokenized {done:,} of {len(texts):,} rows")
        finally:
            for future in futures:
                future.cancel()
    if len(parts) == 1:
        return parts[0]
    shifts = np.cumsum([0] + [len(p.tokens) for p in parts[:-1]])
    offsets = np.concatenate([parts[0].offsets[:1]] + [p.offsets[1:] + s for p, s in zip(parts, shifts)])
    return TokenizedCorpus(pa.concat_arrays([p.tokens for p in parts]), offsets)


def token_ids_of(tokens: pa.Array, model: LanguageModel) -> tuple[np.ndarray, list[str]]:
    """Each token's vocabulary id (UNKNOWN_ID if unknown), and the unknown words given extra ids.

    The distinct tokens are looked up by probing the vocabulary against them (a hash of the few
    distinct tokens rather than of the whole vocabulary). For models with sub-words, unknown
    tokens get ids from the vocabulary size on, in `extra_words` order.
    """
    encoded = pc.dictionary_encode(tokens)
    distinct = encoded.dictionary
    position = pc.index_in(model.words, value_set=distinct)
    present = np.asarray(position.is_valid(), dtype=bool)
    mapping = np.full(len(distinct), UNKNOWN_ID, dtype=np.int64)
    mapping[np.asarray(position.filter(position.is_valid()), dtype=np.int64)] = np.flatnonzero(present)
    extra_words: list[str] = []
    if model.oov_vector is not None:
        unknown = np.flatnonzero(mapping == UNKNOWN_ID)
        extra_words = distinct.take(pa.array(unknown)).to_pylist()
        mapping[unknown] = len(model.words) + np.arange(len(unknown))
    indices = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    return mapping[indices], extra_words


def encode(texts: pa.Array, model: LanguageModel, sequence_length: int, lowercase: bool | None = None,
           progress: ProgressFunction | None = None) -> Encoding:
    """Tokenize every text, map tokens to the model's ids, truncate at the end and pad."""
    corpus = tokenize_in_chunks(texts, model, lowercase, progress)
    rows = len(corpus)
    token_ids, extra_words = token_ids_of(corpus.tokens, model)
    lengths_all = corpus.lengths
    known = token_ids != UNKNOWN_ID
    doc_of_token = np.repeat(np.arange(rows), lengths_all)
    position = np.arange(len(token_ids)) - np.repeat(corpus.offsets[:-1], lengths_all)
    kept = position < sequence_length
    ids = np.full((rows, sequence_length), PAD_ID, dtype=np.int32)
    ids[doc_of_token[kept], position[kept]] = token_ids[kept]
    lengths = np.minimum(lengths_all, sequence_length).astype(np.int32)
    known_kept = np.bincount(doc_of_token[kept & known], minlength=rows)
    return Encoding(
        ids=ids, lengths=lengths, total_tokens=int(len(token_ids)), known_tokens=int(known.sum()),
        empty_rows=np.flatnonzero(lengths_all == 0),
        unknown_only_rows=np.flatnonzero((lengths_all > 0) & (known_kept == 0)),
        truncated_rows=np.flatnonzero(lengths_all > sequence_length),
        extra_words=extra_words)
