"""Corpus-fitted language models: tfidf-lsa, Text Embedding's fit input, and the embedding-spaces-differ warning."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfTransformer

from embedflow.core.workflow import Workflow
from embedflow.engine import Engine
from embedflow.io import resources
from embedflow.registry import default_registry
from embedflow.text import models
from embedflow.validation import validate

CORPUS = resources.resource("data", "corpus.csv")


def split(tmp_path):
    frame = pd.read_csv(CORPUS)
    train, test = frame.iloc[::2], frame.iloc[1::2]
    # One sentence in both halves: it must get the same vector from either branch when they share a fit.
    test = pd.concat([test, train.iloc[:1]], ignore_index=True)
    train.to_csv(tmp_path / "train.csv", index=False)
    test.to_csv(tmp_path / "test.csv", index=False)
    return tmp_path / "train.csv", tmp_path / "test.csv"


def branch(workflow, path, model, **embedding):
    source = workflow.add_node("input", settings={"path": str(path), "feature": "text"})
    encoder = workflow.add_node("text_encoding", settings={"language_model": model, "sequence_length": 128})
    embedder = workflow.add_node("text_embedding", settings={"language_model": model, **embedding})
    workflow.connect(source.id, "data", encoder.id, "data")
    workflow.connect(encoder.id, "encoded", embedder.id, "encoded")
    return encoder.id, embedder.id


def two_branches(tmp_path, model="tfidf-lsa", shared_fit=True, **embedding):
    """Train and test texts embedded by two branches meeting in a Classifier; the test branch fitted on train."""
    train, test = split(tmp_path)
    workflow = Workflow(default_registry())
    train_encoder, train_embedder = branch(workflow, train, model, **embedding)
    _, test_embedder = branch(workflow, test, model, **embedding)
    if shared_fit:
        workflow.connect(train_encoder, "encoded", test_embedder, "fit")
    learn = workflow.add_node("classifier", settings={"label": "topic", "folds": 3})
    workflow.connect(train_embedder, "embeddings", learn.id, "data")
    workflow.connect(test_embedder, "embeddings", learn.id, "test")
    return workflow, train_embedder, test_embedder, learn.id


def test_tfidf_lsa_is_scikit_learns_tfidf_and_truncated_svd_of_the_word_counts(tmp_path):
    workflow = Workflow(default_registry())
    _, embedder = branch(workflow, CORPUS, "tfidf-lsa", dimensions=20)
    table = Engine(workflow).run()[embedder].outputs["embeddings"]
    known = set(models.load("glove-6b-50d").words.to_pylist())
    documents = [[w for w in re.findall(r"[a-z0-9]+|'[a-z]+", text.lower()) if w in known]
                 for text in pd.read_csv(CORPUS)["text"]]
    vocabulary = sorted({w for d in documents for w in d})
    where = {w: i for i, w in enumerate(vocabulary)}
    counts = sp.lil_matrix((len(documents), len(vocabulary)))
    for row, words in enumerate(documents):
        for word in words:
            counts[row, where[word]] += 1
    tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(counts.tocsr())
    expected = TruncatedSVD(20, algorithm="randomized", n_iter=7, random_state=0).fit_transform(tfidf)
    assert table.dims == 20 and len(table) == len(documents)
    np.testing.assert_allclose(table.vectors, expected, atol=1e-4)


def test_with_fit_linked_the_test_branch_lives_in_the_train_branchs_space(tmp_path):
    workflow, train_embedder, test_embedder, learn = two_branches(tmp_path)
    results = Engine(workflow).run()
    train, test = results[train_embedder].outputs["embeddings"], results[test_embedder].outputs["embeddings"]
    shared = train.meta["text"].iloc[0]
    assert test.meta["text"].iloc[-1] == shared
    np.testing.assert_allclose(test.vectors[-1], train.vectors[0], rtol=1e-4, atol=1e-5)
    assert "fitted on the fit input" in results[test_embedder].summary
    assert "embedding-spaces-differ" not in [d.code for d in validate(workflow)]
    scores = results[learn].outputs["predictions"].meta
    assert (scores["predicted"] == scores["topic"]).mean() > 0.7


def test_without_fit_each_branch_has_its_own_space_and_the_validator_warns(tmp_path):
    workflow, train_embedder, test_embedder, learn = two_branches(tmp_path, shared_fit=False)
    (warning,) = [d for d in validate(workflow) if d.code == "embedding-spaces-differ"]
    assert warning.node_id == learn and warning.severity == "warning" and "tfidf-lsa" in warning.message
    results = Engine(workflow).run()
    train, test = results[train_embedder].outputs["embeddings"], results[test_embedder].outputs["embeddings"]
    width = min(test.dims, train.dims)
    assert not np.allclose(np.abs(test.vectors[-1, :width]), np.abs(train.vectors[0, :width]), atol=1e-3)


def test_a_word2vec_trained_on_the_fit_texts_embeds_the_other_branch_with_its_vectors(tmp_path):
    workflow, train_embedder, test_embedder, _ = two_branches(tmp_path, model="trained-word2vec")
    results = Engine(workflow).run()
    train, test = results[train_embedder].outputs["embeddings"], results[test_embedder].outputs["embeddings"]
    np.testing.assert_allclose(test.vectors[-1], train.vectors[0], rtol=1e-5)
    assert "embedding-spaces-differ" not in [d.code for d in validate(workflow)]


def test_two_word2vec_branches_trained_apart_are_flagged(tmp_path):
    workflow, *_ = two_branches(tmp_path, model="trained-word2vec", shared_fit=False)
    assert "embedding-spaces-differ" in [d.code for d in validate(workflow)]


def test_fit_on_a_model_that_is_not_fitted_on_a_corpus_is_a_warning(tmp_path):
    workflow, *_ = two_branches(tmp_path, model="glove-6b-50d")
    codes = [d.code for d in validate(workflow)]
    assert "fit-not-used" in codes and "embedding-spaces-differ" not in codes


def test_fit_encoded_with_another_model_is_a_language_model_mismatch(tmp_path):
    train, test = split(tmp_path)
    workflow = Workflow(default_registry())
    glove_encoder, _ = branch(workflow, train, "glove-6b-50d")
    _, embedder = branch(workflow, test, "tfidf-lsa")
    workflow.connect(glove_encoder, "encoded", embedder, "fit")
    assert [d.code for d in validate(workflow) if d.node_id == embedder] == ["language-model-mismatch"]


def test_tfidf_lsa_is_listed_among_the_language_models():
    info = models.get_info("tfidf-lsa")
    assert info is not None and info.kind == "fitted" and "tfidf-lsa" in models.known_ids()
