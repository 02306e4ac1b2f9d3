"""Word-vector arithmetic ("king - man + woman"): signed terms from text, summed unit vectors.

The tokenizers of the built-in and catalogue models drop punctuation, so "+" and "-" never reach
the token ids, and "king-man" would even stay one hyphenated token. The operators are therefore
turned into marker words before tokenizing ("king - man" → "king <minus> man"), the rows are
tokenized once with the model's own tokenizer, each word takes the sign of the last marker before
it in its row, and the markers are dropped. All of it runs as Arrow kernels and numpy over the
whole column.

Word vectors are scaled to unit length before they are added (3CosAdd, Mikolov et al. 2013, and
gensim's most_similar): otherwise a frequent word with a long vector would outweigh the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .encoding import PAD_ID, token_ids_of, tokenize_in_chunks
from .pooling import gather

if TYPE_CHECKING:
    from .models import LanguageModel

# "−" is the Unicode minus sign, which teachers' slides and word processors produce. The markers
# are lower-case letters only, so every tokenizer keeps them whole whatever its case and number rules.
_MINUS, _PLUS = "qqembedflowminusqq", "qqembedflowplusqq"
_BLOCK_ROWS = 2048


@dataclass(frozen=True)
class SignedTokens:
    """Token ids (rows, length) padded with PAD_ID (unknown words hold negative ids too) and each token's sign."""

    ids: np.ndarray
    signs: np.ndarray
    extra_words: list[str]


def signed_tokens(texts: pa.Array, model: LanguageModel, sequence_length: int,
                  lowercase: bool | None = None) -> SignedTokens:
    """Each row's tokens with +1 or -1: a token after a "-" is subtracted, every other one added."""
    text = pc.fill_null(texts.cast(pa.large_string()), "")
    text = pc.replace_substring_regex(text, r"[\-−]", f" {_MINUS} ")
    text = pc.replace_substring_regex(text, r"\+", f" {_PLUS} ")
    corpus = tokenize_in_chunks(text, model, lowercase)
    rows = len(text)
    minus = np.asarray(pc.equal(corpus.tokens, _MINUS), dtype=bool)
    operator = minus | np.asarray(pc.equal(corpus.tokens, _PLUS), dtype=bool)
    row_of_token = np.repeat(np.arange(rows), corpus.lengths)
    last_operator = np.maximum.accumulate(np.where(operator, np.arange(len(operator)), -1))
    # A word is subtracted when the last operator before it, in its own row, is a minus.
    negative = (last_operator >= corpus.offsets[:-1][row_of_token]) & minus[np.maximum(last_operator, 0)]
    words = ~operator
    row_of_token = row_of_token[words]
    sign_of_token = np.where(negative[words], -1, 1).astype(np.int8)
    token_ids, extra_words = token_ids_of(corpus.tokens.filter(pa.array(words)), model)
    row_lengths = np.bincount(row_of_token, minlength=rows)
    position = np.arange(len(token_ids)) - np.repeat(np.cumsum(row_lengths) - row_lengths, row_lengths)
    kept = position < sequence_length
    ids = np.full((rows, sequence_length), PAD_ID, dtype=np.int64)
    signs = np.zeros((rows, sequence_length), dtype=np.int8)
    ids[row_of_token[kept], position[kept]] = token_ids[kept]
    signs[row_of_token[kept], position[kept]] = sign_of_token[kept]
    return SignedTokens(ids, signs, extra_words)


def arithmetic_pool(ids: np.ndarray, signs: np.ndarray, vectors: np.ndarray, extra: np.ndarray | None = None,
                    progress: Callable[[float], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the signed sum of its known tokens' unit vectors; and the number of known tokens.

    Negative ids (padding, unknown words) are skipped; rows without a known token get zeros.
    Works one token position at a time over a block of rows, so no Python runs per token.
    """
    rows, dims = ids.shape[0], vectors.shape[1]
    out = np.zeros((rows, dims), dtype=np.float32)
    counts = np.count_nonzero(ids >= 0, axis=1)
    for start in range(0, rows, _BLOCK_ROWS):
        stop = min(rows, start + _BLOCK_ROWS)
        block_ids, block_signs, target = ids[start:stop], signs[start:stop], out[start:stop]
        # Positions after the block's longest row hold only padding.
        used = np.flatnonzero((block_ids >= 0).any(axis=0))
        for j in range(int(used[-1]) + 1 if len(used) else 0):
            present = np.flatnonzero(block_ids[:, j] >= 0)
            if not len(present):
                continue
            words = gather(vectors, block_ids[present, j], extra).astype(np.float32, copy=False)
            lengths = np.linalg.norm(words, axis=1)
            # A zero vector (some models keep one for padding) has no direction: it stays zero.
            scale = block_signs[present, j] / np.where(lengths > 0, lengths, 1.0)
            target[present] += words * scale[:, None].astype(np.float32)
        if progress:
            progress(stop / rows)
    return out, counts
