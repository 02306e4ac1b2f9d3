"""Word tokenizers for word-vector language models, run over a whole corpus at once.

The corpus is tokenized with vectorised Arrow string kernels (RE2 replacements, then a split on
whitespace), so no Python code runs per token. The rules follow the Penn-Treebank style the
GloVe and word2vec vocabularies were built with: clitics split off ("don't" → "do n't",
"king's" → "king 's"), punctuation separated from words, inner hyphens, dots, commas and
apostrophes kept ("well-known", "u.s", "1,000", "3.5"), each CJK ideograph a token.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NUMBER_MODES = ("keep", "hash", "drop")

# Characters that stay inside a token when letters or digits surround them.
_INNER = r".,'\-"
_WORDISH = r"\p{L}\p{N}\p{M}_#"
_CJK = r"([\p{Han}\p{Hiragana}\p{Katakana}])"
_ALWAYS_PUNCT = rf"([^{_WORDISH}\s{_INNER}])"
_TRAILING_INNER = rf"([{_INNER}]+)(\s|$)"
_LEADING_INNER = rf"(^|\s)([{_INNER}]+)"
# When punctuation is dropped, one pass removes it all (RE2's \s is ASCII, so Unicode spaces go too):
# runs of punctuation with the inner marks next to them, and inner marks at a word's edge together
# with the spaces beside them (so a mark ending one word and one starting the next go in one match).
_DROP_PUNCT = (rf"[{_INNER}]*[^{_WORDISH}\s{_INNER}]+[{_INNER}]*|[{_INNER}]*\s+[{_INNER}]+|[{_INNER}]+\s+"
               rf"|^[{_INNER}]+|[{_INNER}]+$")
_UNICODE_SPACE = r"[\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]"
_CLITIC = r"(?i)(\p{L})(n't|'(?:s|re|ve|m|ll|d))\b"
_NUMBER_TOKEN = r"^[.,\-]*\p{N}[\p{N}.,\-#]*$|^#+$"


@dataclass(frozen=True)
class TokenizerSpec:
    """How a language model cuts text into tokens.

    lowercase: fold case first (the model's vocabulary is lower-case).
    punctuation: keep punctuation marks as tokens (else they are dropped).
    numbers: keep numbers, `hash` (every digit becomes '#', as word2vec Google News does) or drop them.
    """

    lowercase: bool = True
    punctuation: bool = False
    numbers: str = "keep"

    def __post_init__(self) -> None:
        if self.numbers not in NUMBER_MODES:
            raise ValueError(f"numbers must be one of {NUMBER_MODES}, not {self.numbers!r}")

    def describe(self) -> str:
        """A short phrase for lists and help, e.g. "lower-case; punctuation dropped; numbers kept"."""
        case = "lower-case" if self.lowercase else "case kept"
        punctuation = "punctuation kept" if self.punctuation else "punctuation dropped"
        numbers = {"keep": "numbers kept", "hash": "digits as #", "drop": "numbers dropped"}[self.numbers]
        return f"{case}; {punctuation}; {numbers}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict (stored with a user's own models)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TokenizerSpec:
        """The spec stored by to_dict (unknown keys are ignored)."""
        return cls(bool(data.get("lowercase", True)), bool(data.get("punctuation", False)),
                   str(data.get("numbers", "keep")))


@dataclass(frozen=True)
class TokenizedCorpus:
    """Every document's tokens, flattened: document i owns tokens[offsets[i]:offsets[i+1]]."""

    tokens: pa.Array
    offsets: np.ndarray

    @property
    def lengths(self) -> np.ndarray:
        """Token count per document."""
        return np.diff(self.offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def document(self, row: int) -> list[str]:
        """The tokens of one document as Python strings."""
        return self.tokens[int(self.offsets[row]):int(self.offsets[row + 1])].to_pylist()


def tokenize_corpus(texts: pa.Array | Iterable[str], spec: TokenizerSpec,
                    lowercase: bool | None = None) -> TokenizedCorpus:
    """Tokenize many documents; `lowercase` overrides the spec's choice when not None.

    Null documents become empty ones. `texts` must already be valid UTF-8 strings.
    """
    array = texts if isinstance(texts, (pa.Array, pa.ChunkedArray)) else pa.array(list(texts), pa.large_string())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    text = pc.fill_null(array.cast(pa.large_string()), "")
    ascii_only = pc.all(pc.string_is_ascii(text)).as_py() is not False
    if not ascii_only:
        text = pc.replace_substring(text, "’", "'")
    if spec.lowercase if lowercase is None else lowercase:
        text = pc.ascii_lower(text) if ascii_only else pc.utf8_lower(text)
    if spec.numbers == "hash":
        text = pc.replace_substring_regex(text, r"\p{Nd}", "#")
    if not ascii_only:
        text = pc.replace_substring_regex(text, _CJK, r" \1 ")
    if spec.punctuation:
        text = pc.replace_substring_regex(text, _UNICODE_SPACE, " ")
        text = pc.replace_substring_regex(text, _ALWAYS_PUNCT, r" \1 ")
        text = pc.replace_substring_regex(text, _TRAILING_INNER, r" \1\2")
        text = pc.replace_substring_regex(text, _LEADING_INNER, r"\1\2 ")
    else:
        text = pc.replace_substring_regex(text, _DROP_PUNCT, " ")
    text = pc.replace_substring_regex(text, _CLITIC, r"\1 \2")
    lists = pc.ascii_split_whitespace(text)
    tokens = lists.flatten()
    offsets = np.asarray(lists.offsets.to_numpy(zero_copy_only=False), dtype=np.int64)
    offsets = offsets - offsets[0]
    # Splitting yields "" for empty documents and trailing blanks; drop those (and numbers if asked).
    keep = pc.greater(pc.binary_length(tokens), 0)
    if spec.numbers == "drop":
        keep = pc.and_(keep, pc.invert(pc.match_substring_regex(tokens, _NUMBER_TOKEN)))
    keep_mask = np.asarray(keep, dtype=bool)
    if not keep_mask.all():
        tokens = tokens.filter(keep)
        offsets = np.concatenate([[0], np.cumsum(keep_mask, dtype=np.int64)])[offsets]
    return TokenizedCorpus(tokens, offsets)


def tokenize(text: str, spec: TokenizerSpec, lowercase: bool | None = None) -> list[str]:
    """The tokens of one text (for previews and the evaluation of single words)."""
    return tokenize_corpus([text], spec, lowercase).document(0)
