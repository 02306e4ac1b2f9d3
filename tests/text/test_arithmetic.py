"""Arithmetic pooling: "king - man + woman" as a signed sum of unit GloVe vectors."""

import dataclasses
import threading

import numpy as np
import pyarrow as pa
import pytest

from embedflow.blocks import text_embedding
from embedflow.core.context import NodeContext
from embedflow.core.errors import NodeError
from embedflow.core.workflow import Node
from embedflow.text import models
from embedflow.text.arithmetic import arithmetic_pool, signed_tokens
from tests.text_support import run_all, text_workflow, write_csv


def unit(word):
    vector = models.load("glove-6b-50d").vector(word).astype(np.float64)
    return vector / np.linalg.norm(vector)


def embed(tmp_path, texts, encoding=None, **settings):
    workflow, _, _, embedder = text_workflow(write_csv(tmp_path, texts), encoding=encoding,
                                             embedding={"pooling": "arithmetic", **settings})
    return run_all(workflow)[embedder]


def test_arithmetic_pooling_adds_and_subtracts_unit_word_vectors(tmp_path):
    vectors = embed(tmp_path, ["king - man + woman", "paris"]).outputs["embeddings"].vectors
    np.testing.assert_allclose(vectors[0], unit("king") - unit("man") + unit("woman"), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(vectors[1], unit("paris"), rtol=1e-5, atol=1e-6)


def test_operators_without_spaces_and_the_unicode_minus_are_read_too(tmp_path):
    vectors = embed(tmp_path, ["King-man+woman", "king − man + woman", "king - man + woman"]).outputs[
        "embeddings"].vectors
    np.testing.assert_allclose(vectors[0], vectors[2], rtol=1e-6)
    np.testing.assert_allclose(vectors[1], vectors[2], rtol=1e-6)


def test_every_word_of_a_term_takes_its_sign(tmp_path):
    vectors = embed(tmp_path, ["- new york + london"]).outputs["embeddings"].vectors
    np.testing.assert_allclose(vectors[0], -unit("new") - unit("york") + unit("london"), rtol=1e-5, atol=1e-6)


def test_unknown_words_in_an_analogy_are_left_out(tmp_path):
    vectors = embed(tmp_path, ["king - zzqxv + woman"]).outputs["embeddings"].vectors
    np.testing.assert_allclose(vectors[0], unit("king") + unit("woman"), rtol=1e-5, atol=1e-6)


def test_rows_with_operators_but_no_known_word_are_dropped_like_empty_rows(tmp_path):
    result = embed(tmp_path, ["king - man", "+ -", "zzqxv - qqzzx", "queen"])
    assert result.outputs["embeddings"].meta["id"].tolist() == [0, 3]
    warning = next(m for m in result.messages if m.code == "rows-without-known-words")
    assert "rows 1, 2" in warning.message


def test_the_encodings_lowercase_setting_applies_to_the_terms(tmp_path):
    vectors = embed(tmp_path, ["King - man"], encoding={"lowercase": "no"}, empty_rows="zeros").outputs[
        "embeddings"].vectors
    # GloVe has no capitalised words: without lower-casing only "man" is known.
    np.testing.assert_allclose(vectors[0], -unit("man"), rtol=1e-5, atol=1e-6)


def test_terms_are_cut_at_the_encodings_sequence_length():
    model = models.load("glove-6b-50d")
    signed = signed_tokens(pa.array(["a - b + c - d", None]), model, 3)
    assert signed.signs.tolist() == [[1, -1, 1], [0, 0, 0]]
    assert (signed.ids[1] < 0).all()


def test_arithmetic_pool_skips_negative_ids_and_keeps_zero_vectors_zero():
    table = np.array([[3.0, 4.0], [0.0, 0.0], [0.0, 2.0]], dtype=np.float32)
    ids = np.array([[0, -2, 2], [1, -1, -1], [-1, -1, -1]])
    signs = np.array([[1, 1, -1], [1, 0, 0], [0, 0, 0]], dtype=np.int8)
    vectors, counts = arithmetic_pool(ids, signs, table)
    np.testing.assert_allclose(vectors, [[0.6, 0.8 - 1.0], [0.0, 0.0], [0.0, 0.0]], rtol=1e-6)
    assert counts.tolist() == [2, 1, 0]


def test_arithmetic_pool_gives_the_same_sums_block_by_block(monkeypatch):
    import embedflow.text.arithmetic as arithmetic

    rng = np.random.default_rng(0)
    table = rng.normal(size=(30, 4)).astype(np.float32)
    ids = np.where(rng.random((7, 5)) < 0.7, rng.integers(0, 30, (7, 5)), -1)
    signs = rng.choice([-1, 1], size=(7, 5)).astype(np.int8)
    whole, _ = arithmetic_pool(ids, signs, table)
    monkeypatch.setattr(arithmetic, "_BLOCK_ROWS", 2)
    blocked, _ = arithmetic_pool(ids, signs, table)
    units = table / np.linalg.norm(table, axis=1, keepdims=True)
    expected = [(units[row[row >= 0]] * sign[row >= 0, None]).sum(axis=0) for row, sign in zip(ids, signs)]
    np.testing.assert_allclose(blocked, whole, rtol=1e-6)
    np.testing.assert_allclose(whole, expected, rtol=1e-5, atol=1e-6)


def test_arithmetic_without_the_encoded_text_column_is_a_clear_error(tmp_path):
    workflow, _, encoder, _ = text_workflow(write_csv(tmp_path, ["king - man"]))
    encoded = run_all(workflow)[encoder].outputs["encoded"]
    table = dataclasses.replace(encoded.table, meta=encoded.table.meta.drop(columns=["text"]))
    settings = {**text_embedding.SPEC.defaults(), "pooling": "arithmetic"}
    ctx = NodeContext(Node("n3", "text_embedding", "Word arithmetic"), settings,
                      {"encoded": dataclasses.replace(encoded, table=table)}, None, threading.Event(), lambda e: None)
    with pytest.raises(NodeError) as caught:
        text_embedding.run(ctx)
    assert caught.value.code == "feature-not-text" and "'text'" in str(caught.value)


def test_words_unknown_to_a_fasttext_model_get_sub_word_vectors_in_arithmetic(tmp_path):
    from gensim.models import FastText
    from gensim.models.fasttext import save_facebook_model

    from embedflow.text.models import add_model

    sentences = [["the", "king", "and", "the", "queen"], ["an", "apple", "and", "a", "pear"]] * 30
    trained = FastText(sentences=sentences, vector_size=8, min_count=1, epochs=2, seed=1, workers=1)
    save_facebook_model(trained, str(tmp_path / "ft.bin"))
    add_model(tmp_path / "ft.bin", "ft-arithmetic")
    workflow, _, _, embedder = text_workflow(write_csv(tmp_path, ["kings - queen"]),
                                             encoding={"language_model": "ft-arithmetic"},
                                             embedding={"language_model": "ft-arithmetic", "pooling": "arithmetic"})
    vector = run_all(workflow)[embedder].outputs["embeddings"].vectors[0]
    kings, queen = trained.wv["kings"], trained.wv["queen"]
    np.testing.assert_allclose(vector, kings / np.linalg.norm(kings) - queen / np.linalg.norm(queen),
                               rtol=1e-4, atol=1e-6)
