"""Text Encoding and Text Embedding with the built-in transformer all-minilm-l6-v2."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from embedflow.blocks import text_embedding, text_encoding
from embedflow.cli import main as cli_main
from embedflow.core.context import NodeContext
from embedflow.core.errors import NodeError
from embedflow.core.table import EncodedText, Table
from embedflow.core.workflow import Node
from embedflow.engine import Engine
from embedflow.io.workflow_file import write_workflow
from embedflow.text.transformer import MINILM_ID, sentence_model
from embedflow.validation import validate
from tests.text_support import run_all, text_workflow, write_csv

REFERENCE = json.loads((Path(__file__).parent / "data" / "minilm_reference.json").read_text(encoding="utf-8"))
MINILM = {"language_model": MINILM_ID}
# Questions and their answers share almost no words; each distractor shares most words with a question.
PARAPHRASES = [
    ("How do I fix a flat bicycle tyre?", "Patching a punctured bike wheel step by step."),
    ("What should I cook for dinner tonight?", "Easy recipes for an evening meal."),
    ("The film was boring.", "I found that movie really dull."),
    ("Where can I park my car?", "Parking spaces for vehicles near here."),
    ("My laptop will not turn on.", "The computer does not start when I press the power button."),
]
DISTRACTORS = ["How do I fix a flat roof?", "What should I read tonight?", "The film was long.",
               "Where can I buy my car?", "My laptop will not stop beeping."]


def minilm_workflow(tmp_path: Path, texts: list, **embedding: object):
    return text_workflow(write_csv(tmp_path, texts), encoding=dict(MINILM), embedding={**MINILM, **embedding})


def codes(found) -> list[str]:
    return [d.code for d in found]


def test_the_workflow_writes_384_dimensional_vectors_that_match_the_fp32_reference(tmp_path: Path) -> None:
    texts = [row["text"] for row in REFERENCE["sentences"] if row["text"].strip()]
    workflow, _, encoder, embedder = minilm_workflow(tmp_path, texts)
    workflow.update_settings(encoder, {"sequence_length": 256})
    assert validate(workflow) == []
    results = run_all(workflow)
    output = results[embedder].outputs["embeddings"]
    assert output.vectors.shape == (len(texts), 384)
    reference = {row["text"]: np.array(row["vector"]) for row in REFERENCE["sentences"]}
    cosines = [float(vector @ reference[text]) for text, vector in zip(output.meta["text"], output.vectors)]
    assert min(cosines) > 0.995


def test_embedflow_run_writes_the_same_vectors_to_csv(tmp_path: Path) -> None:
    texts = [row["text"] for row in REFERENCE["sentences"] if row["text"].strip()][:3]
    workflow, _, encoder, embedder = minilm_workflow(tmp_path, texts)
    workflow.update_settings(encoder, {"sequence_length": 256})
    write_workflow(workflow, tmp_path / "sentences.embedflow")
    assert cli_main(["run", str(tmp_path / "sentences.embedflow"), "--out", str(tmp_path / "out")]) == 0
    frame = pd.read_csv(tmp_path / "out" / f"{embedder}-embeddings.csv")
    vectors = frame[[f"dim_{i}" for i in range(384)]].to_numpy()
    assert "dim_384" not in frame.columns
    reference = {row["text"]: np.array(row["vector"]) for row in REFERENCE["sentences"]}
    assert min(float(v @ reference[t]) for t, v in zip(frame["text"], vectors)) > 0.995


def test_paraphrases_with_few_shared_words_are_each_others_nearest_neighbours(tmp_path: Path) -> None:
    questions = [q for q, _ in PARAPHRASES]
    documents = [a for _, a in PARAPHRASES] + DISTRACTORS
    workflow, _, _, embedder = minilm_workflow(tmp_path, documents)
    query_source = workflow.add_node("input", settings={"path": str(write_csv(tmp_path, questions, "q.csv")),
                                                        "feature": "text"})
    query_encoder = workflow.add_node("text_encoding", settings=dict(MINILM))
    query_embedder = workflow.add_node("text_embedding", settings=dict(MINILM))
    near = workflow.add_node("nearest_neighbours", settings={"k": 1})
    workflow.connect(query_source.id, "data", query_encoder.id, "data")
    workflow.connect(query_encoder.id, "encoded", query_embedder.id, "encoded")
    workflow.connect(embedder, "embeddings", near.id, "data")
    workflow.connect(query_embedder.id, "embeddings", near.id, "query")
    neighbours = run_all(workflow)[near.id].outputs["neighbours"].meta
    found = dict(zip(neighbours["query_text"], neighbours["neighbour_text"]))
    assert found == dict(PARAPHRASES)


def test_encoding_carries_word_pieces_special_tokens_and_the_attention_mask(tmp_path: Path) -> None:
    workflow, _, encoder, _ = minilm_workflow(tmp_path, ["embedding", "a b"])
    workflow.update_settings(encoder, {"sequence_length": 8})
    encoded = run_all(workflow)[encoder].outputs["encoded"]
    assert isinstance(encoded, EncodedText) and encoded.language_model == MINILM_ID
    model = sentence_model()
    assert model.pieces("embedding") == ["em", "##bed", "##ding"]
    cls, sep = 101, 102
    assert encoded.ids[0, :5].tolist()[0] == cls and encoded.ids[0, 4] == sep
    assert encoded.lengths.tolist() == [5, 4]
    assert encoded.attention_mask.tolist() == [[1] * 5 + [0] * 3, [1] * 4 + [0] * 4]
    assert encoded.pad_id == 0 and (encoded.ids[encoded.attention_mask == 0] == 0).all()


def test_attention_mask_must_have_the_shape_of_the_ids() -> None:
    with pytest.raises(ValueError, match="attention mask"):
        EncodedText(ids=np.zeros((2, 4), np.int32), lengths=np.zeros(2, np.int32), language_model=MINILM_ID,
                    table=Table(pd.DataFrame({"t": ["a", "b"]})), attention_mask=np.zeros((2, 3), np.int8))


def test_bad_rows_are_reported_by_row_and_the_run_goes_on(tmp_path: Path) -> None:
    document = "word " * 200_000  # 1 MB
    texts = ["A cat sat on the mat.", "", "   ", None, "Smile 😀", document, "猫が好きです"]
    workflow, _, encoder, embedder = minilm_workflow(tmp_path, texts)
    results = run_all(workflow)
    messages = {m.code: m.message for m in results[encoder].messages}
    assert "rows 1, 2, 3" in messages["empty-rows"]
    assert "rows 5" in messages["text-truncated"]
    assert "rows 4" in messages["unknown-pieces"] and "[UNK]" in messages["unknown-pieces"]
    assert results[encoder].outputs["encoded"].lengths[6] > 2  # CJK characters are pieces of their own
    summary = results[encoder].summary
    assert summary.startswith("7 rows × 64 word pieces with all-minilm-l6-v2; ") and "% of pieces unknown" in summary
    assert summary.endswith("; 1 row cut; 3 rows without text")
    clean = run_all(minilm_workflow(tmp_path, ["A cat sat on the mat."])[0])[encoder].summary
    assert clean == "1 row × 64 word pieces with all-minilm-l6-v2"  # nothing to report is not reported
    output = results[embedder].outputs["embeddings"]
    assert output.meta["id"].tolist() == [0, 4, 5, 6]
    assert "rows 1, 2, 3" in next(m.message for m in results[embedder].messages
                                  if m.code == "rows-without-known-words")


def test_rows_without_text_can_be_kept_as_zero_vectors(tmp_path: Path) -> None:
    workflow, _, _, embedder = minilm_workflow(tmp_path, ["A cat.", ""], empty_rows="zeros")
    vectors = run_all(workflow)[embedder].outputs["embeddings"].vectors
    assert np.linalg.norm(vectors, axis=1).round(5).tolist() == [1.0, 0.0]


def encoding_context(table: Table) -> NodeContext:
    """A context for running the Text Encoding's function on a table made in code."""
    return NodeContext(Node("n2", "text_encoding", "Text Encoding"), {**text_encoding.SPEC.defaults(), **MINILM},
                       {"data": table}, None, threading.Event(), lambda event: None)


def test_numbers_in_a_text_column_are_encoded_as_text_with_a_warning() -> None:
    ctx = encoding_context(Table(pd.DataFrame({"text": ["a cat", 42, float("nan")]}), feature="text"))
    encoded = text_encoding.run(ctx)["encoded"]
    assert encoded.lengths.tolist()[1:] == [3, 2]  # "42" is one piece; NaN is empty
    messages = {m.code: m.message for m in ctx.messages}
    assert "rows 1" in messages["numbers-as-text"] and "rows 2" in messages["empty-rows"]


def test_a_table_with_no_rows_is_a_clear_error() -> None:
    with pytest.raises(NodeError) as raised:
        text_encoding.run(encoding_context(Table(pd.DataFrame({"text": pd.Series([], dtype=object)}), feature="text")))
    assert raised.value.code == "empty-input"


def test_sequence_length_beyond_the_models_positions_names_its_limit_once(tmp_path: Path) -> None:
    workflow, _, encoder, _ = minilm_workflow(tmp_path, ["a"])
    for length, expected in ((2, ["sequence-length-out-of-range"]), (3, []), (512, []),
                             (513, ["sequence-length-out-of-range"])):
        workflow.update_settings(encoder, {"sequence_length": length})
        found = validate(workflow)
        assert codes(found) == expected, length
        if expected:
            assert MINILM_ID in found[0].message and "512" in found[0].message


def test_a_lower_case_choice_is_named_as_unused_for_the_transformer_but_not_for_glove(tmp_path: Path) -> None:
    workflow, _, encoder, _ = minilm_workflow(tmp_path, ["a"])
    workflow.update_settings(encoder, {"lowercase": "no"})
    found = validate(workflow)
    assert codes(found) == ["setting-not-used"] and found[0].severity == "warning"
    assert "Lower-case 'no' has no effect with all-minilm-l6-v2" in found[0].message
    glove, *_ = text_workflow(write_csv(tmp_path, ["a"]), encoding={"lowercase": "no"})
    assert codes(validate(glove)) == []


def test_the_model_refuses_a_sequence_length_past_its_positions_at_run_time() -> None:
    with pytest.raises(NodeError, match="all-minilm-l6-v2 can read: 3 to 512") as raised:
        sentence_model().tokenize(["a"], 600)
    assert raised.value.code == "sequence-length-out-of-range"


@pytest.mark.parametrize("model,pooling", [(MINILM_ID, "sum"), (MINILM_ID, "sif"), (MINILM_ID, "arithmetic"),
                                           ("glove-6b-50d", "cls")])
def test_poolings_that_do_not_fit_the_model_kind_are_refused(tmp_path: Path, model: str, pooling: str) -> None:
    workflow, *_ = text_workflow(write_csv(tmp_path, ["a"]), encoding={"language_model": model},
                                 embedding={"language_model": model, "pooling": pooling})
    found = validate(workflow)
    assert codes(found) == ["pooling-not-for-model"]
    assert pooling in found[0].message and model in found[0].message


def test_cls_and_max_pooling_give_other_unit_vectors_than_mean(tmp_path: Path) -> None:
    vectors = {}
    for pooling in ("mean", "cls", "max"):
        workflow, _, _, embedder = minilm_workflow(tmp_path, ["A man is eating food."], pooling=pooling)
        assert validate(workflow) == []
        vectors[pooling] = run_all(workflow)[embedder].outputs["embeddings"].vectors[0]
        assert abs(np.linalg.norm(vectors[pooling]) - 1) < 1e-5
    assert vectors["mean"] @ vectors["cls"] < 0.99 and vectors["mean"] @ vectors["max"] < 0.99


@pytest.mark.parametrize("encoder_model,embedder_model", [("glove-6b-50d", MINILM_ID), (MINILM_ID, "glove-6b-50d")])
def test_language_model_mismatch_fires_in_both_directions_with_both_fixes(tmp_path: Path, encoder_model: str,
                                                                          embedder_model: str) -> None:
    workflow, _, _, embedder = text_workflow(write_csv(tmp_path, ["a"]), encoding={"language_model": encoder_model},
                                             embedding={"language_model": embedder_model})
    found = [d for d in validate(workflow) if d.code == "language-model-mismatch"]
    assert len(found) == 1 and found[0].node_id == embedder
    assert f"to {encoder_model}, or set the language model of “Text Encoding” to {embedder_model}" in found[0].hint
    result = run_all(workflow)[embedder]
    assert result.state == "refused" and result.diagnostic.code == "language-model-mismatch"


def test_embedding_reports_progress_per_batch_and_stops_on_cancel(tmp_path: Path) -> None:
    workflow, _, _, embedder = minilm_workflow(tmp_path, [f"sentence number {i}" for i in range(70)])
    cancel = threading.Event()
    seen: list[str] = []

    def listen(event) -> None:
        if event.node_id == embedder and event.message.startswith("Embedded batch"):
            seen.append(event.message)
            if event.message == "Embedded batch 2 of 3":
                cancel.set()

    results = Engine(workflow).run(on_event=listen, cancel=cancel)
    assert seen[:2] == ["Embedded batch 1 of 3", "Embedded batch 2 of 3"] and len(seen) == 2
    assert results[embedder].state == "cancelled"


def test_text_embedding_help_lists_the_new_pooling() -> None:
    assert "cls" in text_embedding.SPEC.setting("pooling").choices
