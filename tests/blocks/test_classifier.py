"""The Classifier block in workflows: GloVe categories learned, outputs, the label rules, test input, bad input."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pandas as pd
import pytest

from embedflow.core.context import NodeContext
from embedflow.core.errors import Cancelled, NodeError
from embedflow.core.ports import EMBEDDINGS
from embedflow.core.specs import NodeSpec, Port, Setting
from embedflow.core.table import Table
from embedflow.core.workflow import Node, Workflow
from embedflow.engine import Engine
from embedflow.io import resources
from embedflow.registry import default_registry
from embedflow.validation import validate
from tests import analysis_support
from tests.text_support import text_workflow, write_csv

WORDS = resources.resource("data", "word-categories.csv")


def _labelled(ctx) -> dict[str, Any]:
    rows, dims = ctx.settings["rows"], ctx.settings["dims"]
    rng = np.random.default_rng(0)
    labels = list(ctx.settings["labels"]) or [("a", "b")[i % 2] for i in range(rows)]
    vectors = rng.standard_normal((rows, dims)).astype(np.float32) * ctx.settings["scale"]
    meta = pd.DataFrame({"name": [f"row {i}" for i in range(rows)], "kind": labels})
    return {"embeddings": Table(meta, vectors, feature="name", provenance={"model": ctx.settings["model"]})}


LABELLED = NodeSpec(type="t_labelled", title="Labelled vectors", category="Data", description="labelled vectors",
                    icon="input", inputs=(), outputs=(Port("embeddings", EMBEDDINGS),),
                    settings=(Setting("rows", "int", 20), Setting("dims", "int", 4), Setting("labels", "list", []),
                              Setting("scale", "float", 1.0), Setting("model", "str", "random")),
                    run=_labelled)


@pytest.fixture(autouse=True)
def source_blocks():
    analysis_support.register()
    default_registry().register(LABELLED)
    yield
    analysis_support.unregister()
    default_registry().unregister(LABELLED.type)


def glove_classifier(path=WORDS, test_path=None, **settings):
    workflow, _, _, embedder = text_workflow(path, feature="word")
    block = workflow.add_node("classifier", settings={"label": "category", **settings})
    workflow.connect(embedder, "embeddings", block.id, "data")
    if test_path is not None:
        _, _, _, test_embedder = add_text_chain(workflow, test_path)
        workflow.connect(test_embedder, "embeddings", block.id, "test")
    return workflow, block.id


def add_text_chain(workflow, path):
    source = workflow.add_node("input", settings={"path": str(path), "feature": "word"})
    encoder = workflow.add_node("text_encoding")
    embedder = workflow.add_node("text_embedding")
    workflow.connect(source.id, "data", encoder.id, "data")
    workflow.connect(encoder.id, "encoded", embedder.id, "encoded")
    return workflow, source.id, encoder.id, embedder.id


def labelled(labels=(), model="random", test=None, **settings):
    workflow = Workflow(default_registry())
    source = workflow.add_node("t_labelled", settings={"rows": len(labels) or 20, "labels": list(labels),
                                                       "model": model})
    block = workflow.add_node("classifier", settings={"label": "kind", **settings})
    workflow.connect(source.id, "embeddings", block.id, "data")
    if test is not None:
        other = workflow.add_node("t_labelled", settings=test)
        workflow.connect(other.id, "embeddings", block.id, "test")
    return workflow, block.id


def run(workflow, node_id):
    return Engine(workflow).run()[node_id]


def error_of(result):
    assert result.state == "failed"
    (diagnostic,) = [d for d in result.messages if d.severity == "error"]
    return diagnostic


def score(scores: pd.DataFrame, metric: str, column: str = "value") -> float:
    return float(scores[(scores["metric"] == metric) & (scores["class"] == "")][column].iloc[0])


def test_glove_words_of_five_categories_are_learned_well_above_the_baseline():
    workflow, node = glove_classifier()
    result = run(workflow, node)
    scores = result.outputs["scores"].meta
    assert score(scores, "accuracy", "baseline") == pytest.approx(0.2)
    assert score(scores, "accuracy") >= 0.9
    assert "accuracy 1.00 ± 0.00 (baseline 0.20)" in result.summary


def test_predictions_are_every_row_with_its_held_out_prediction_fold_and_correctness():
    workflow, node = glove_classifier(folds=4)
    predictions = run(workflow, node).outputs["predictions"]
    meta = predictions.meta
    assert list(meta.columns) == ["word", "category", "predicted", "probability", "fold", "correct"]
    assert sorted(meta["fold"].unique()) == [1, 2, 3, 4]
    assert (meta["correct"] == (meta["predicted"] == meta["category"])).all()
    assert meta["probability"].between(0, 1).all()
    assert predictions.vectors.shape == (60, 50) and predictions.provenance["model"] == "glove-6b-50d"


def test_scores_and_confusion_have_the_contract_columns():
    workflow, node = glove_classifier()
    outputs = run(workflow, node).outputs
    assert list(outputs["scores"].meta.columns) == ["on", "metric", "class", "value", "std", "baseline"]
    confusion = outputs["confusion"].meta
    assert list(confusion.columns) == ["on", "true", "animals", "colours", "countries", "fruits", "numbers"]
    assert set(confusion["on"]) == {"cross-validation"}
    assert np.diag(confusion.drop(columns=["on", "true"]).to_numpy()).tolist() == [12] * 5


@pytest.mark.parametrize("model", ["knn", "linear_svm"])
def test_every_model_learns_the_glove_categories(model):
    workflow, node = glove_classifier(model=model)
    assert score(run(workflow, node).outputs["scores"].meta, "accuracy") >= 0.9


def test_with_test_connected_it_fits_on_all_data_and_predicts_the_test_rows(tmp_path):
    new = tmp_path / "new.csv"
    pd.DataFrame({"word": ["giraffe", "peru", "apricot", "seventeen"]}).to_csv(new, index=False)
    workflow, node = glove_classifier(test_path=new)
    outputs = run(workflow, node).outputs
    predictions = outputs["predictions"].meta
    assert list(predictions.columns) == ["word", "predicted", "probability"]
    assert predictions["predicted"].tolist() == ["animals", "countries", "fruits", "numbers"]
    assert set(outputs["scores"].meta["on"]) == {"cross-validation"}  # no labels, no test scores


def labelled_test(tmp_path, words, categories):
    path = tmp_path / "held-out.csv"
    pd.DataFrame({"word": words, "category": categories}).to_csv(path, index=False)
    return path


def test_a_labelled_test_input_adds_test_scores_and_a_test_confusion_matrix(tmp_path):
    held_out = labelled_test(tmp_path, ["giraffe", "peru", "apricot", "seventeen", "crimson", "zebra"],
                             ["animals", "countries", "fruits", "numbers", "colours", "countries"])
    workflow, node = glove_classifier(test_path=held_out)
    result = run(workflow, node)
    scores = result.outputs["scores"].meta
    test = scores[scores["on"] == "test"]
    assert list(scores["on"].unique()) == ["cross-validation", "test"]
    accuracy = test[(test["metric"] == "accuracy") & (test["class"] == "")].iloc[0]
    assert accuracy["value"] == pytest.approx(5 / 6) and accuracy["baseline"] == pytest.approx(1 / 6)
    confusion = result.outputs["confusion"].meta
    on_test = confusion[confusion["on"] == "test"].set_index("true")
    assert on_test.loc["countries", "animals"] == 1 and on_test.loc["countries", "countries"] == 1
    assert on_test.drop(columns="on").to_numpy().sum() == 6
    assert result.summary.startswith("test (6 labelled rows): accuracy 0.83 (baseline 0.17)")
    assert result.outputs["predictions"].meta["predicted"].tolist()[:4] == ["animals", "countries", "fruits",
                                                                          "numbers"]


def test_test_rows_of_a_class_the_data_lacks_are_scored_as_mistakes_with_a_warning(tmp_path):
    held_out = labelled_test(tmp_path, ["giraffe", "mars", "venus"], ["animals", "planets", "planets"])
    workflow, node = glove_classifier(test_path=held_out)
    result = run(workflow, node)
    (warning,) = [m for m in result.messages if m.code == "unseen-test-classes"]
    assert "'planets'" in warning.message and warning.severity == "warning"
    confusion = result.outputs["confusion"].meta
    assert "planets" in confusion.columns
    assert (confusion[confusion["on"] == "cross-validation"]["planets"] == 0).all()


def test_a_label_that_is_not_a_column_is_flagged_naming_the_columns_there_are():
    workflow, node = glove_classifier(label="topic")
    results = Engine(workflow).run()
    assert "columns there are 'word', 'category'" in error_of(results[node]).message
    outputs = {n: r.outputs for n, r in results.items()}
    (diagnostic,) = [d for d in validate(workflow, None, outputs) if d.node_id == node]
    assert diagnostic.code == "label-not-a-column"
    assert "'word', 'category'" in diagnostic.message


def test_no_label_chosen_is_flagged_before_anything_runs():
    workflow, node = glove_classifier(label="")
    (diagnostic,) = [d for d in validate(workflow) if d.node_id == node]
    assert diagnostic.code == "label-not-set"


def test_one_class_stops_with_a_message_that_names_it():
    workflow, node = labelled(["same"] * 10)
    diagnostic = error_of(run(workflow, node))
    assert diagnostic.code == "too-few-classes" and "'same'" in diagnostic.message


def test_a_class_with_fewer_rows_than_folds_stops_naming_the_class_and_its_count():
    workflow, node = labelled(["big"] * 10 + ["small"] * 2, folds=5)
    results = Engine(workflow).run()
    diagnostic = error_of(results[node])
    assert diagnostic.code == "class-too-small" and "'small' (2)" in diagnostic.message
    outputs = {n: r.outputs for n, r in results.items()}
    assert [d.code for d in validate(workflow, None, outputs) if d.node_id == node] == ["class-too-small"]


def test_rows_without_a_label_are_left_out_and_reported_with_their_rows():
    labels = ["a", "b"] * 10 + [None, None]
    workflow, node = labelled(labels)
    result = run(workflow, node)
    (warning,) = [d for d in result.messages if d.code == "missing-labels"]
    assert warning.severity == "warning" and "(20, 21)" in warning.message
    predictions = result.outputs["predictions"].meta
    assert predictions["predicted"].iloc[-2:].isna().all() and predictions["fold"].iloc[-2:].isna().all()
    assert predictions["fold"].iloc[:20].notna().all()


def test_ten_thousand_classes_get_a_message_not_a_crash():
    workflow, node = labelled([f"id {i}" for i in range(10_000)], folds=2)
    diagnostic = error_of(run(workflow, node))
    assert diagnostic.code == "too-many-classes" and "10,000" in diagnostic.message


def test_all_zero_vectors_are_zero_vectors():
    workflow = Workflow(default_registry())
    source = workflow.add_node("t_labelled", settings={"scale": 0.0})
    block = workflow.add_node("classifier", settings={"label": "kind"})
    workflow.connect(source.id, "embeddings", block.id, "data")
    assert error_of(run(workflow, block.id)).code == "zero-vectors"


def test_one_row_is_too_few_rows():
    workflow, node = labelled(["a"], folds=2)
    assert error_of(run(workflow, node)).code == "too-few-rows"


def test_folds_below_two_are_invalid_folds():
    workflow, node = labelled(folds=1)
    assert [d.code for d in validate(workflow) if d.node_id == node] == ["invalid-folds"]


def test_data_and_test_from_different_models_are_flagged_before_anything_runs(tmp_path):
    workflow, node = glove_classifier()
    images = workflow.add_node("input", settings={"path": str(resources.resource("data", "images"))})
    image_embedding = workflow.add_node("image_embedding")
    workflow.connect(images.id, "data", image_embedding.id, "data")
    workflow.connect(image_embedding.id, "embeddings", node, "test")
    (diagnostic,) = [d for d in validate(workflow) if d.node_id == node]
    assert diagnostic.code == "embedding-model-mismatch"
    assert "glove-6b-50d" in diagnostic.message and "squeezenet" in diagnostic.message
    assert diagnostic.link_id is not None


def test_data_and_test_from_different_models_stop_the_run():
    workflow, node = labelled(model="one", test={"model": "two"})
    assert error_of(run(workflow, node)).code == "embedding-model-mismatch"


def test_test_vectors_of_another_length_are_dimension_mismatch():
    workflow, node = labelled(test={"dims": 7})
    assert error_of(run(workflow, node)).code == "dimension-mismatch"


def test_predictions_are_described_as_the_data_model_for_blocks_downstream(tmp_path):
    workflow, node = glove_classifier()
    images = workflow.add_node("input", settings={"path": str(resources.resource("data", "images"))})
    image_embedding = workflow.add_node("image_embedding")
    near = workflow.add_node("nearest_neighbours")
    workflow.connect(images.id, "data", image_embedding.id, "data")
    workflow.connect(node, "predictions", near.id, "data")
    workflow.connect(image_embedding.id, "embeddings", near.id, "query")
    assert [d.node_id for d in validate(workflow) if d.code == "embedding-model-mismatch"] == [near.id]


def context(inputs, cancel=None, events=None, **settings) -> NodeContext:
    spec = default_registry().get("classifier")
    return NodeContext(Node("c", "classifier", "Classifier"), spec.resolve_settings(settings), inputs, None,
                       cancel or threading.Event(), (events if events is not None else []).append)


def test_a_table_without_vectors_is_no_vectors():
    with pytest.raises(NodeError) as raised:
        default_registry().get("classifier").run(context({"data": Table(pd.DataFrame({"kind": [1, 2]}))},
                                                         label="kind"))
    assert raised.value.code == "no-vectors"


def test_the_classifier_reports_each_fold_and_stops_when_cancelled():
    spec = default_registry().get("classifier")
    table = analysis_support.glove_table("king queen prince apple pear plum car truck bus".split())
    table = Table(table.meta.assign(kind=["royal"] * 3 + ["fruit"] * 3 + ["vehicle"] * 3), table.vectors,
                  feature="word", provenance=table.provenance)
    events: list = []
    spec.run(context({"data": table}, events=events, label="kind", folds=3))
    assert [e.message for e in events if e.message.startswith("fold")] == ["fold 1 of 3", "fold 2 of 3", "fold 3 of 3"]
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        spec.run(context({"data": table}, cancel=cancel, label="kind", folds=3))


def test_numeric_labels_are_learned_and_named_as_text(tmp_path):
    path = write_csv(tmp_path, ["king", "queen", "prince", "princess", "apple", "pear", "plum", "cherry"],
                     column="word")
    frame = pd.read_csv(path).assign(category=[1, 1, 1, 1, 2, 2, 2, 2])
    frame.to_csv(path, index=False)
    workflow, node = glove_classifier(path=path, folds=2)
    outputs = run(workflow, node).outputs
    assert list(outputs["confusion"].meta.columns) == ["on", "true", "1", "2"]
