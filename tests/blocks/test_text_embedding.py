"""The Text Embedding block: real GloVe vectors pooled per row, empty rows, provenance, neighbours."""

import numpy as np
import pandas as pd

from embedflow.cli import main as cli_main
from embedflow.io.workflow_file import write_workflow
from embedflow.text import models
from tests.text_support import run_all, text_workflow, write_csv


def embed(tmp_path, texts, **settings):
    workflow, _, _, embedder = text_workflow(write_csv(tmp_path, texts), embedding=settings)
    return run_all(workflow)[embedder]


def glove(*words):
    model = models.load("glove-6b-50d")
    return np.array([model.vector(w) for w in words])


def cosine(a, b):
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_mean_pooling_is_the_average_of_the_words_glove_vectors(tmp_path):
    table = embed(tmp_path, ["The king ruled", "queen"]).outputs["embeddings"]
    np.testing.assert_allclose(table.vectors[0], glove("the", "king", "ruled").mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(table.vectors[1], glove("queen")[0], rtol=1e-6)


def test_sum_and_max_pooling(tmp_path):
    summed = embed(tmp_path, ["king queen"], pooling="sum").outputs["embeddings"].vectors[0]
    largest = embed(tmp_path, ["king queen"], pooling="max").outputs["embeddings"].vectors[0]
    np.testing.assert_allclose(summed, glove("king", "queen").sum(axis=0), rtol=1e-5)
    np.testing.assert_allclose(largest, glove("king", "queen").max(axis=0), rtol=1e-6)


def test_unknown_words_are_left_out_of_the_pool(tmp_path):
    vectors = embed(tmp_path, ["king zzqxv queen"]).outputs["embeddings"].vectors
    np.testing.assert_allclose(vectors[0], glove("king", "queen").mean(axis=0), rtol=1e-5)


def test_sif_is_the_frequency_weighted_average_minus_its_first_principal_direction(tmp_path):
    import wordfreq

    texts = ["the king and the queen", "a cat on the mat", "stocks fell in the market", "the dog barked"]
    table = embed(tmp_path, texts, pooling="sif").outputs["embeddings"]
    averages = []
    for text in texts:
        words = text.split()
        weights = np.array([1e-3 / (1e-3 + wordfreq.word_frequency(w, "en", wordlist="best")) for w in words])
        averages.append((glove(*words) * weights[:, None]).sum(axis=0) / len(words))
    averages = np.array(averages, dtype=np.float64)
    direction = np.linalg.svd(averages, full_matrices=False)[2][0]
    expected = averages - np.outer(averages @ direction, direction)
    np.testing.assert_allclose(table.vectors, expected, atol=1e-4)
    assert table.provenance["pooling"] == "sif"


def test_sif_gives_frequent_words_less_weight_than_rare_ones(tmp_path):
    one = embed(tmp_path, ["the aardvark", "stocks fell"], pooling="sif", sif_frequencies="wordfreq")
    vectors = one.outputs["embeddings"].vectors
    the, aardvark = glove("the", "aardvark")
    assert cosine(vectors[0], aardvark) > cosine(vectors[0], the)


def test_rows_without_known_words_are_dropped_and_reported_by_default(tmp_path):
    result = embed(tmp_path, ["king", "", "zzqxv", "queen"])
    table = result.outputs["embeddings"]
    assert table.meta["id"].tolist() == [0, 3]
    warning = next(m for m in result.messages if m.code == "rows-without-known-words")
    assert "rows 1, 2" in warning.message and warning.severity == "warning"


def test_rows_without_known_words_can_be_kept_as_zero_vectors(tmp_path):
    table = embed(tmp_path, ["king", "", "queen"], empty_rows="zeros").outputs["embeddings"]
    assert len(table) == 3
    assert not table.vectors[1].any() and table.vectors[0].any()


def test_no_known_word_in_any_row_is_a_clear_error(tmp_path):
    result = embed(tmp_path, ["zzqxv", "qqxvz"])
    assert result.state == "failed"
    assert [m.code for m in result.messages if m.severity == "error"] == ["no-known-words"]


def test_output_keeps_the_input_columns_and_names_its_model_in_provenance(tmp_path):
    table = embed(tmp_path, ["king", "queen"]).outputs["embeddings"]
    assert table.columns == ["id", "text"] and table.dims == 50
    assert table.provenance["model"] == "glove-6b-50d" and table.provenance["kind"] == "text"
    assert list(table.to_frame().columns[-2:]) == ["dim_48", "dim_49"]


def test_word_list_through_nearest_neighbours_finds_queen_for_king(tmp_path):
    words = "king queen prince man woman apple banana cherry car truck".split()
    workflow, _, _, embedder = text_workflow(write_csv(tmp_path, words, column="word"), feature="word")
    finder = workflow.add_node("nearest_neighbours", settings={"k": 2, "metric": "cosine"})
    workflow.connect(embedder, "embeddings", finder.id, "data")
    table = run_all(workflow)[finder.id].outputs["neighbours"].meta
    kings = table[table["query_word"] == "king"]
    assert "queen" in kings["neighbour_word"].tolist()


def test_embedflow_run_writes_the_real_glove_vectors(tmp_path):
    words = ["king", "queen", "cabbage"]
    workflow, _, _, embedder = text_workflow(write_csv(tmp_path, words))
    write_workflow(workflow, tmp_path / "words.embedflow")
    assert cli_main(["run", str(tmp_path / "words.embedflow"), "--out", str(tmp_path / "out")]) == 0
    frame = pd.read_csv(tmp_path / "out" / f"{embedder}-embeddings.csv")
    vectors = frame[[f"dim_{i}" for i in range(50)]].to_numpy()
    np.testing.assert_allclose(vectors, glove(*words), rtol=1e-5, atol=1e-6)
    assert cosine(vectors[0], vectors[1]) > 0.75 > cosine(vectors[0], vectors[2])
