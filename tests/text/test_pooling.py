"""Pooling against a plain per-row reference on random ids with padding, unknown ids and sub-word ids."""

import numpy as np
import pytest

from embedflow.text.pooling import pool


def reference(ids, vectors, method, weights, extra):
    table = np.vstack([vectors, extra]) if extra is not None else vectors
    out = np.zeros((len(ids), vectors.shape[1]), dtype=np.float64)
    for row, line in enumerate(ids):
        known = line[line >= 0]
        if not len(known):
            continue
        rows = table[known] * (weights[known, None] if weights is not None else 1.0)
        out[row] = {"mean": rows.mean(axis=0), "sif": rows.mean(axis=0), "sum": rows.sum(axis=0),
                    "max": rows.max(axis=0)}[method]
    return out


@pytest.mark.parametrize("method", ["mean", "sum", "max", "sif"])
def test_pooling_matches_a_per_row_reference(method):
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(500, 8)).astype(np.float32)
    extra = rng.normal(size=(5, 8)).astype(np.float32)
    rows, length = 5000, 12
    ids = rng.integers(0, 505, size=(rows, length)).astype(np.int32)
    ids[rng.random((rows, length)) < 0.1] = -2  # unknown tokens anywhere
    lengths = rng.integers(0, length + 1, size=rows)
    ids[np.arange(length)[None, :] >= lengths[:, None]] = -1  # padding after each row's end
    weights = rng.random(505).astype(np.float32) if method == "sif" else None
    pooled, counts = pool(ids, vectors, method, weights, extra)
    np.testing.assert_allclose(pooled, reference(ids, vectors, method, weights, extra), rtol=1e-4, atol=1e-5)
    assert counts.tolist() == (ids >= 0).sum(axis=1).tolist()


def test_rows_without_known_tokens_pool_to_zeros():
    vectors = np.ones((3, 2), dtype=np.float32)
    pooled, counts = pool(np.array([[-1, -1], [-2, -1], [0, 1]], dtype=np.int32), vectors, "max")
    assert pooled.tolist() == [[0, 0], [0, 0], [1, 1]] and counts.tolist() == [0, 0, 2]
