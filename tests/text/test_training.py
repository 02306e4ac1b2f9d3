"""Training Word2Vec or FastText on the workflow's own texts as a language model option."""

import threading

import numpy as np
import pytest

from embedflow.blocks import text_encoding
from embedflow.core.context import NodeContext
from embedflow.core.errors import Cancelled
from embedflow.core.table import Table
from embedflow.core.workflow import Node
from embedflow.engine import Engine
from tests.text_support import text_workflow, write_csv

ANIMALS = ["the cat chased the mouse", "a dog chased the cat", "the mouse ate cheese", "a dog ate meat"]
CARS = ["the car needs fuel", "a truck needs diesel fuel", "the car has wheels", "a truck has wheels"]
CORPUS = (ANIMALS + CARS) * 25


@pytest.mark.parametrize("model_id", ["trained-word2vec", "trained-fasttext"])
def test_a_trained_model_embeds_the_texts_it_learned_from(tmp_path, model_id):
    workflow, _, encoder, embedder = text_workflow(write_csv(tmp_path, CORPUS),
                                                   encoding={"language_model": model_id},
                                                   embedding={"language_model": model_id})
    events = []
    results = Engine(workflow).run(on_event=events.append)
    assert results[embedder].state == "done"
    assert results[encoder].summary.startswith("all tokens known")
    assert any("epoch" in e.message for e in events if e.node_id == encoder)
    vectors = results[embedder].outputs["embeddings"].vectors
    assert vectors.shape == (len(CORPUS), 50) and np.isfinite(vectors).all()
    assert results[embedder].outputs["embeddings"].provenance["model"] == model_id


def test_the_same_texts_reuse_the_trained_model(tmp_path):
    workflow, _, encoder, _ = text_workflow(write_csv(tmp_path, CORPUS),
                                            encoding={"language_model": "trained-word2vec"},
                                            embedding={"language_model": "trained-word2vec"})
    first = Engine(workflow).run()[encoder].outputs["encoded"]
    second = Engine(workflow).run()[encoder].outputs["encoded"]
    assert first.provenance["model_key"] == second.provenance["model_key"]
    assert first.vocabulary is second.vocabulary


def test_cancelling_stops_training():
    cancel = threading.Event()
    table = Table(__import__("pandas").DataFrame({"text": [f"words {i} more words {i % 7}" for i in range(3000)]}),
                  feature="text")

    def on_event(event):
        if "epoch" in event.message:
            cancel.set()

    settings = {**text_encoding.SPEC.defaults(), "language_model": "trained-word2vec"}
    ctx = NodeContext(Node("n2", "text_encoding", "Text Encoding"), settings, {"data": table}, None, cancel, on_event)
    with pytest.raises(Cancelled):
        text_encoding.run(ctx)
