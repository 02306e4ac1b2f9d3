"""Text Encoding + Text Embedding throughput with glove-6b-50d vs a plain per-token Python loop.

Run: python benchmarks/bench_text.py [--docs 100000] [--tokens 20]
Prints documents/s for encoding and for embedding (mean pooling), for embedflow and for the
baseline doing the same work in the same run, and their ratios.
"""

from __future__ import annotations

import argparse
import re
import time

import numpy as np

from embedflow.text import models
from embedflow.text.encoding import PAD_ID, UNKNOWN_ID, encode, text_values
from embedflow.text.pooling import pool

# The baseline's tokenizer: one compiled regex (words with inner - . , ', clitics split).
_BASELINE_TOKEN = re.compile(r"\w+(?=n't\b)|n't\b|'(?:s|re|ve|m|ll|d)\b|\w+(?:[-.,']\w+)*")


def corpus(docs: int, tokens: int, seed: int = 0) -> list[str]:
    """Sentences of frequent GloVe words with capitals and punctuation, ~`tokens` words each."""
    model = models.load(models.BUILTIN_ID)
    words = [w for w in model.words.slice(0, 30_000).to_pylist() if w.isalpha()]
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(words), size=(docs, tokens))
    lengths = rng.integers(tokens // 2, tokens * 3 // 2 + 1, size=docs)
    return [" ".join(words[i] for i in row[:n]).capitalize() + ", isn't it." for row, n in zip(picks, lengths)]


def baseline_encode(texts: list[str], index: dict[str, int], length: int) -> np.ndarray:
    """Per document and per token in Python: lower-case, find tokens, look each up, pad."""
    ids = np.full((len(texts), length), PAD_ID, dtype=np.int32)
    for row, text in enumerate(texts):
        for position, token in enumerate(_BASELINE_TOKEN.findall(text.lower())[:length]):
            ids[row, position] = index.get(token, UNKNOWN_ID)
    return ids


def baseline_embed(ids: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Per document and per token in Python: add the token's vector, divide by the count."""
    out = np.zeros((len(ids), vectors.shape[1]), dtype=np.float32)
    for row in range(len(ids)):
        total, count = np.zeros(vectors.shape[1], dtype=np.float32), 0
        for token in ids[row]:
            if token >= 0:
                total += vectors[token]
                count += 1
        if count:
            out[row] = total / count
    return out


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--tokens", type=int, default=20)
    parser.add_argument("--sequence-length", type=int, default=64)
    args = parser.parse_args()

    model, load_seconds = timed(models.load, models.BUILTIN_ID)
    index, index_seconds = timed(model.index)
    texts = corpus(args.docs, args.tokens)
    import pandas as pd

    (column, _), convert_seconds = timed(text_values, pd.Series(texts, dtype=object))
    encoding, encode_seconds = timed(encode, column, model, args.sequence_length)
    (vectors, _), pool_seconds = timed(pool, encoding.ids, model.vectors, "mean")
    ours_encode = convert_seconds + encode_seconds

    base_ids, base_encode_seconds = timed(baseline_encode, texts, index, args.sequence_length)
    base_vectors, base_embed_seconds = timed(baseline_embed, base_ids, model.vectors)

    same_ids = float((base_ids == encoding.ids).mean())
    close = float(np.mean(np.isclose(base_vectors, vectors, atol=1e-5).all(axis=1)))
    n = args.docs
    print(f"corpus: {n:,} documents, {encoding.total_tokens / n:.1f} tokens each on average; "
          f"{encoding.coverage:.1%} of tokens known")
    print(f"glove-6b-50d load (memory-mapped): {load_seconds:.3f} s; word→id dict for the baseline: {index_seconds:.3f} s")
    print(f"{'':24}{'embedflow':>14}{'plain loop':>14}{'ratio':>9}")
    for name, ours, base in (("encoding", ours_encode, base_encode_seconds),
                             ("embedding (mean)", pool_seconds, base_embed_seconds),
                             ("encoding + embedding", ours_encode + pool_seconds,
                              base_encode_seconds + base_embed_seconds)):
        print(f"{name:24}{n / ours:>10,.0f} d/s{n / base:>10,.0f} d/s{base / ours:>8.1f}x")
    print(f"embedflow total: {ours_encode + pool_seconds:.2f} s for {n:,} documents "
          f"(tokenize+map {encode_seconds:.2f} s, column to Arrow {convert_seconds:.2f} s, pool {pool_seconds:.2f} s)")
    print(f"agreement with the baseline: {same_ids:.2%} of token ids equal, {close:.2%} of vectors equal")


if __name__ == "__main__":
    main()
