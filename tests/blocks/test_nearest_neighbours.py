"""The Nearest Neighbours block in workflows: output shape, validation codes, bad input."""

import numpy as np
import pytest

from embedflow.analysis.neighbours import brute_force
from embedflow.core.workflow import Workflow
from embedflow.engine import Engine
from embedflow.registry import default_registry
from embedflow.validation import validate
from tests import analysis_support


@pytest.fixture(autouse=True)
def source_blocks():
    analysis_support.register()
    yield
    analysis_support.unregister()


def neighbours_of(words, k=3, metric="cosine", query_words=None, query_model="glove-6b-50d"):
    workflow = Workflow(default_registry())
    source = workflow.add_node("t_glove_words", settings={"words": words})
    block = workflow.add_node("nearest_neighbours", settings={"k": k, "metric": metric})
    workflow.connect(source.id, "embeddings", block.id, "data")
    if query_words is not None:
        query = workflow.add_node("t_glove_words", settings={"words": query_words, "model": query_model})
        workflow.connect(query.id, "embeddings", block.id, "query")
    return workflow, block.id


def run(workflow, node_id):
    return Engine(workflow).run()[node_id]


WORDS = "king queen prince man woman apple banana cherry car truck"


def test_king_has_queen_among_its_nearest_words():
    workflow, node = neighbours_of(WORDS, k=3)
    table = run(workflow, node).outputs["neighbours"].meta
    kings = table[table["query_word"] == "king"]
    assert "queen" in kings["neighbour_word"].tolist()


def test_output_has_one_row_per_query_and_neighbour_with_the_contract_columns():
    workflow, node = neighbours_of(WORDS, k=4)
    table = run(workflow, node).outputs["neighbours"].meta
    assert list(table.columns) == ["query_row", "neighbour_row", "rank", "distance", "similarity",
                                   "query_word", "neighbour_word"]
    assert len(table) == 10 * 4
    assert table.groupby("query_row")["rank"].apply(list).map(lambda r: r == [1, 2, 3, 4]).all()


def test_output_equals_brute_force_computation():
    workflow, node = neighbours_of(WORDS, k=5, metric="euclidean")
    table = run(workflow, node).outputs["neighbours"].meta
    vectors = analysis_support.glove_table(WORDS.split()).vectors
    expected = brute_force(vectors, None, 5, "euclidean")
    np.testing.assert_array_equal(table["neighbour_row"].to_numpy().reshape(10, 5), expected.indices)
    np.testing.assert_allclose(table["distance"].to_numpy().reshape(10, 5), expected.distances, rtol=1e-5)
    assert "similarity" not in table.columns


def test_query_rows_search_the_data_rows():
    workflow, node = neighbours_of(WORDS, k=2, query_words="fruit vehicle")
    table = run(workflow, node).outputs["neighbours"].meta
    assert table["query_word"].tolist()[:2] == ["fruit", "fruit"]
    assert set(table[table["query_word"] == "vehicle"]["neighbour_word"]) == {"car", "truck"}


def test_metadata_columns_named_like_fixed_columns_do_not_clash():
    import pandas as pd

    from embedflow.blocks.nearest_neighbours import neighbours_table
    from embedflow.core.table import Table

    table = Table(pd.DataFrame({"row": [5, 6]}), np.eye(2, dtype=np.float32))
    out = neighbours_table(table, table, np.array([[1], [0]]), np.zeros((2, 1)), None, "euclidean")
    assert out.meta["query_row"].tolist() == [0, 1]
    assert out.meta["query_row_"].tolist() == [5, 6]


def test_different_models_fail_the_run_with_embedding_model_mismatch():
    workflow, node = neighbours_of(WORDS, query_words="fruit", query_model="word2vec-google-news-300")
    engine = Engine(workflow)
    result = engine.run()[node]
    assert result.state == "failed" and result.messages[0].code == "embedding-model-mismatch"
    assert "glove-6b-50d" in result.error and "word2vec-google-news-300" in result.error
    codes = {d.code for d in validate(workflow, outputs=engine.outputs()) if d.node_id == node}
    assert "embedding-model-mismatch" in codes


def test_embedding_model_mismatch_is_found_from_block_settings_before_anything_runs():
    workflow = Workflow(default_registry())
    block = workflow.add_node("nearest_neighbours")
    for port, model in (("data", "squeezenet"), ("query", "resnet18-v2")):
        images = workflow.add_node("image_embedding", settings={"model": model})
        workflow.connect(images.id, "embeddings", block.id, port)
    found = [d for d in validate(workflow) if d.node_id == block.id and d.code == "embedding-model-mismatch"]
    assert found and "squeezenet" in found[0].message and "resnet18-v2" in found[0].message


def test_vectors_of_different_length_are_a_dimension_mismatch():
    workflow = Workflow(default_registry())
    data = workflow.add_node("t_random_vectors", settings={"dims": 8, "model": ""})
    query = workflow.add_node("t_random_vectors", settings={"dims": 5, "model": ""})
    block = workflow.add_node("nearest_neighbours")
    workflow.connect(data.id, "embeddings", block.id, "data")
    workflow.connect(query.id, "embeddings", block.id, "query")
    engine = Engine(workflow)
    result = engine.run()[block.id]
    assert result.state == "failed" and result.messages[0].code == "dimension-mismatch"
    assert "8 values" in result.error and "5" in result.error
    assert any(d.code == "dimension-mismatch" for d in validate(workflow, outputs=engine.outputs()))


def test_one_row_fails_with_a_clear_message():
    workflow, node = neighbours_of("king")
    result = run(workflow, node)
    assert result.state == "failed"
    assert result.messages[0].code == "too-few-rows" and "only one row" in result.error


def test_fewer_rows_than_k_warns_and_returns_all_others():
    workflow, node = neighbours_of("king queen prince", k=5)
    result = run(workflow, node)
    assert result.state == "done" and len(result.outputs["neighbours"]) == 3 * 2
    assert any(m.code == "k-larger-than-rows" for m in result.messages)


def test_nan_and_zero_vectors_are_reported_with_row_numbers():
    import pandas as pd

    from embedflow.core.ports import EMBEDDINGS
    from embedflow.core.specs import NodeSpec, Port
    from embedflow.core.table import Table

    vectors = np.random.default_rng(0).standard_normal((6, 3)).astype(np.float32)
    vectors[2] = np.nan
    vectors[4] = 0.0
    default_registry().register(NodeSpec("t_bad_vectors", "Bad", "Data", "", "input", (),
                                         (Port("embeddings", EMBEDDINGS),), (),
                                         lambda ctx: {"embeddings": Table(pd.DataFrame({"i": range(6)}), vectors)}))
    try:
        workflow = Workflow(default_registry())
        source, block = workflow.add_node("t_bad_vectors"), workflow.add_node("nearest_neighbours")
        workflow.connect(source.id, "embeddings", block.id, "data")
        result = Engine(workflow).run()[block.id]
    finally:
        default_registry().unregister("t_bad_vectors")
    messages = {m.code: m.message for m in result.messages}
    assert "rows 2" in messages["nan-vectors"] and "rows 4" in messages["zero-vectors"]
    table = result.outputs["neighbours"].meta
    assert 2 not in table["query_row"].tolist() and 2 not in table["neighbour_row"].tolist()


def test_duplicate_vectors_are_noted():
    workflow, node = neighbours_of("king queen king", k=1)
    result = run(workflow, node)
    assert any(m.code == "duplicate-vectors" and "rows 2" in m.message for m in result.messages)


def test_table_without_vectors_on_the_data_port_is_a_type_error():
    workflow = Workflow(default_registry())
    source, block = workflow.add_node("t_plain_table"), workflow.add_node("nearest_neighbours")
    workflow.connect(source.id, "data", block.id, "data")
    assert any(d.code == "port-type-mismatch" for d in validate(workflow))
