"""Reading word-vector files users bring: word2vec binary/text, GloVe text, fastText .bin."""

from __future__ import annotations

import gzip
import re
import struct
from pathlib import Path

import numpy as np

from .model_store import LanguageModelError

FORMATS = ("auto", "word2vec-binary", "word2vec-text", "glove-text", "fasttext-bin")
_FASTTEXT_MAGIC = 793712314


def detect_format(path: Path) -> str:
    """Guess a vector file's format from its first bytes."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            head = handle.read(4096)
    except (OSError, EOFError) as exc:
        raise LanguageModelError(f"{path.name} cannot be read: {exc}") from None
    if len(head) >= 4 and struct.unpack("<i", head[:4])[0] == _FASTTEXT_MAGIC:
        return "fasttext-bin"
    first, _, rest = head.partition(b"\n")
    if re.fullmatch(rb"\s*\d+\s+\d+\s*", first):
        try:
            rest.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A valid UTF-8 cut off at the 4 kB boundary is still text.
            if exc.start < len(rest) - 4:
                return "word2vec-binary"
        return "word2vec-text"
    if not first.strip():
        raise LanguageModelError(f"{path.name} is empty or does not start with a word vector.")
    return "glove-text"


def read_word2vec(path: Path, binary: bool, no_header: bool = False) -> tuple[list[str], np.ndarray]:
    """Words and float32 vectors of a word2vec-format file (plain or .gz)."""
    from gensim.models import KeyedVectors

    try:
        keyed = KeyedVectors.load_word2vec_format(str(path), binary=binary, no_header=no_header,
                                                  unicode_errors="replace")
    except (ValueError, EOFError, OSError, UnicodeDecodeError, IndexError, struct.error) as exc:
        kind = "binary word2vec" if binary else ("GloVe text" if no_header else "word2vec text")
        raise LanguageModelError(f"{path.name} is not a readable {kind} file: {_first_line(exc)}") from None
    if len(keyed.index_to_key) == 0:
        raise LanguageModelError(f"{path.name} holds no word vectors.")
    vectors = np.asarray(keyed.vectors, dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[1] == 0:  # e.g. a word list: words with no numbers after them
        raise LanguageModelError(f"{path.name} has words but no numbers after them: it is not a word-vector file.")
    if not np.isfinite(vectors).all():
        raise LanguageModelError(f"{path.name} has vectors with NaN or infinite values.")
    return list(keyed.index_to_key), vectors


def read_fasttext(path: Path):
    from gensim.models.fasttext import load_facebook_vectors

    try:
        return load_facebook_vectors(str(path))
    except (ValueError, EOFError, OSError, UnicodeDecodeError, IndexError, struct.error, NotImplementedError) as exc:
        raise LanguageModelError(f"{path.name} is not a readable fastText .bin file: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
