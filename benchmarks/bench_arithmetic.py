"""Arithmetic pooling ("king - man + woman") with glove-6b-50d vs a plain per-token Python loop.

Run: python benchmarks/bench_arithmetic.py [--rows 100000] [--terms 3]
Prints rows/s for embedflow (signed terms from the text + unit-vector sums) and, in the same run,
for the baseline (a regex split per row, a dict lookup and a numpy add per word), their ratio,
and the largest difference between the two results. Mean pooling of the same rows through
Text Encoding's `encode` is printed as a second reference.
"""

from __future__ import annotations

import argparse
import re
import time

import numpy as np
import pyarrow as pa

from embedflow.text import models
from embedflow.text.arithmetic import arithmetic_pool, signed_tokens
from embedflow.text.encoding import encode
from embedflow.text.pooling import pool

_TERM = re.compile(r"([+\-−]?)\s*([^+\-−]*)")
_WORD = re.compile(r"\w+")
LENGTH = 64


def analogies(rows: int, terms: int, seed: int = 0) -> list[str]:
    """Rows such as "King - man + woman" from frequent GloVe words, some written without spaces."""
    model = models.load(models.BUILTIN_ID)
    words = [w for w in model.words.slice(0, 30_000).to_pylist() if w.isalpha()]
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(words), size=(rows, terms))
    signs = rng.choice(["+", "-"], size=(rows, terms))
    out = []
    for row, (pick, sign) in enumerate(zip(picks, signs)):
        spaced = " " if row % 2 else ""
        text = words[pick[0]].capitalize()
        for index, operator in zip(pick[1:], sign[1:]):
            text += f"{spaced}{operator}{spaced}{words[index]}"
        out.append(text)
    return out


def baseline(texts: list[str], index: dict[str, int], vectors: np.ndarray) -> np.ndarray:
    """Per row and per word in Python: split at operators, look each word up, add its unit vector."""
    out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
    for row, text in enumerate(texts):
        for operator, term in _TERM.findall(text.lower()):
            for word in _WORD.findall(term):
                if word in index:
                    vector = vectors[index[word]]
                    out[row] += (-1 if operator in "-−" and operator else 1) * vector / np.linalg.norm(vector)
    return out


def ours(texts: pa.Array, model: models.LanguageModel) -> np.ndarray:
    """embedflow's arithmetic pooling over the whole column."""
    signed = signed_tokens(texts, model, LENGTH)
    return arithmetic_pool(signed.ids, signed.signs, model.vectors)[0]


def mean_pooled(texts: pa.Array, model: models.LanguageModel) -> np.ndarray:
    """Text Encoding + mean pooling of the same rows (the usual path, for reference)."""
    return pool(encode(texts, model, LENGTH).ids, model.vectors, "mean")[0]


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


def main() -> None:
    """Print rows/s of embedflow, the baseline and mean pooling, and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--terms", type=int, default=3)
    args = parser.parse_args()
    model = models.load(models.BUILTIN_ID)
    texts = analogies(args.rows, args.terms)
    array = pa.array(texts, pa.large_string())
    index = model.index()
    vectors = np.asarray(model.vectors)
    ours(array.slice(0, 100), model)  # warm-up: regex compilation, page-in of the vectors
    mine, mine_seconds = timed(ours, array, model)
    theirs, their_seconds = timed(baseline, texts, index, vectors)
    _, mean_seconds = timed(mean_pooled, array, model)
    print(f"{args.rows:,} rows of {args.terms} terms (half without spaces), glove-6b-50d")
    print(f"arithmetic pooling (embedflow): {args.rows / mine_seconds:12,.0f} rows/s ({mine_seconds:.2f} s)")
    print(f"per-token Python loop:          {args.rows / their_seconds:12,.0f} rows/s ({their_seconds:.2f} s)")
    print(f"encode + mean pooling:          {args.rows / mean_seconds:12,.0f} rows/s ({mean_seconds:.2f} s)")
    print(f"ratio embedflow / loop:         {their_seconds / mine_seconds:12.1f}x")
    print(f"largest difference:             {float(np.abs(mine - theirs).max()):12.2e}")


if __name__ == "__main__":
    main()
