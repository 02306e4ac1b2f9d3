"""Writes corpus-train.csv and corpus-test.csv: corpus.csv's first 20 sentences of each topic, and the last 10.

Run once by hand (`python resources/data/make_corpus_split.py`); the CSVs it writes are committed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
TRAIN_PER_TOPIC = 20


def main() -> None:
    """Split corpus.csv by position within each topic."""
    corpus = pd.read_csv(HERE / "corpus.csv")
    position = corpus.groupby("topic").cumcount()
    corpus[position < TRAIN_PER_TOPIC].to_csv(HERE / "corpus-train.csv", index=False)
    corpus[position >= TRAIN_PER_TOPIC].to_csv(HERE / "corpus-test.csv", index=False)


if __name__ == "__main__":
    main()
