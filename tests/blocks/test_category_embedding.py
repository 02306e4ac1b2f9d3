"""Category Embedding: flight categories as short vectors, their widths, unseen values, and bad columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.preprocessing import OneHotEncoder

from embedflow.analysis.category_embedding import default_dimensions
from embedflow.core.workflow import Workflow
from embedflow.engine import Engine
from embedflow.io import resources
from embedflow.registry import default_registry
from embedflow.validation import validate

TRAIN = resources.resource("data", "flights-delays-train.csv")
TEST = resources.resource("data", "flights-delays-test.csv")
COLUMNS = ["carrier", "origin", "dest", "tailnum", "hour"]


@pytest.fixture
def split():
    return TRAIN, TEST  # the test flights are the later ones


def embedding_workflow(train, test=None, **settings):
    workflow = Workflow(default_registry())
    source = workflow.add_node("input", settings={"path": str(train)})
    block = workflow.add_node("category_embedding", settings={"columns": COLUMNS, "target": "delayed", **settings})
    workflow.connect(source.id, "data", block.id, "data")
    if test is not None:
        later = workflow.add_node("input", settings={"path": str(test)})
        workflow.connect(later.id, "data", block.id, "test")
    return workflow, block.id


def macro_f1(train_x, train_y, test_x, test_y) -> float:
    model = LogisticRegression(max_iter=2000, class_weight="balanced").fit(train_x, train_y)
    return f1_score(test_y, model.predict(test_x), average="macro")


def test_each_column_gets_its_own_width_and_the_summary_says_the_width_saved(split):
    train, _ = split
    workflow, block = embedding_workflow(train)
    embedded = Engine(workflow).run()[block]
    frame = pd.read_csv(train)
    widths = [default_dimensions(frame[c].nunique()) for c in COLUMNS]
    assert embedded.state == "done"
    assert embedded.outputs["embeddings"].dims == sum(widths) <= 64
    counts = " + ".join(f"{frame[c].nunique():,}" for c in COLUMNS)
    assert f"{counts} one-hot columns → {sum(widths)} dimensions" in embedded.summary


def test_categories_lists_every_value_with_its_count(split):
    train, _ = split
    workflow, block = embedding_workflow(train)
    categories = Engine(workflow).run()[block].outputs["categories"].meta
    frame = pd.read_csv(train)
    assert len(categories) == sum(frame[c].nunique() for c in COLUMNS)
    carriers = categories[categories["column"] == "carrier"].set_index("value")["count"]
    assert carriers.to_dict() == frame["carrier"].value_counts().to_dict()


def test_supervised_vectors_predict_later_flights_nearly_as_well_as_one_hot(split):
    train, test = split
    workflow, block = embedding_workflow(train, test)
    outputs = Engine(workflow).run()[block].outputs
    fitted, later = outputs["embeddings"], outputs["test"]
    ours = macro_f1(fitted.vectors, fitted.meta["delayed"], later.vectors, later.meta["delayed"])
    a, b = pd.read_csv(train), pd.read_csv(test)
    encoder = OneHotEncoder(handle_unknown="ignore").fit(a[COLUMNS].astype(str))
    one_hot = macro_f1(encoder.transform(a[COLUMNS].astype(str)), a["delayed"],
                       encoder.transform(b[COLUMNS].astype(str)), b["delayed"])
    assert ours >= 0.9 * one_hot
    assert ours > 0.5  # above what always answering "no" scores (about 0.45)


def test_values_never_seen_in_fitting_get_zero_vectors_and_are_counted(split):
    train, test = split
    workflow, block = embedding_workflow(train, test)
    result = Engine(workflow).run()[block]
    later = result.outputs["test"]
    fitted = pd.read_csv(train)
    unseen_tails = ~later.meta["tailnum"].isin(set(fitted["tailnum"]))
    assert unseen_tails.sum() > 0
    start = sum(default_dimensions(fitted[c].nunique()) for c in COLUMNS[:3])
    width = default_dimensions(fitted["tailnum"].nunique())
    assert not later.vectors[unseen_tails.to_numpy(), start:start + width].any()
    (note,) = [d for d in result.messages if d.code == "unseen-categories"]
    assert f"{int(unseen_tails.sum()):,} in 'tailnum'" in note.message


def test_co_occurrence_needs_no_target_and_puts_planes_of_one_airline_together(split):
    train, _ = split
    workflow, block = embedding_workflow(train, method="co-occurrence", target="none", columns=["carrier", "tailnum"])
    outputs = Engine(workflow).run()[block].outputs
    assert outputs["embeddings"].dims == default_dimensions(16) + 16
    categories = outputs["categories"]
    planes = (categories.meta["column"] == "tailnum").to_numpy()
    airline = pd.read_csv(train).groupby("tailnum")["carrier"].first()
    carriers = airline.reindex(categories.meta["value"][planes]).to_numpy()
    vectors = categories.vectors[planes]
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    cosine = unit @ unit.T
    same = carriers[:, None] == carriers[None, :]
    assert cosine[same].mean() > cosine[~same].mean() + 0.2


def test_an_id_column_is_refused_naming_it_and_its_count(tmp_path):
    frame = pd.read_csv(TRAIN).head(500).assign(flight_id=lambda f: [f"F{i}" for i in range(len(f))])
    frame.to_csv(tmp_path / "ids.csv", index=False)
    workflow, block = embedding_workflow(tmp_path / "ids.csv", columns=["carrier", "flight_id"])
    result = Engine(workflow).run()[block]
    assert result.state == "failed" and "'flight_id' has 500 different values in 500 rows" in result.error


def test_a_column_of_measured_numbers_is_refused(tmp_path):
    frame = pd.read_csv(TRAIN).head(500).assign(delay=lambda f: np.round(np.linspace(0.5, 9.3, len(f)) % 3, 1))
    frame.to_csv(tmp_path / "numbers.csv", index=False)
    workflow, block = embedding_workflow(tmp_path / "numbers.csv", columns=["carrier", "delay"])
    result = Engine(workflow).run()[block]
    assert result.state == "failed" and "'delay' holds measured numbers (31 different values" in result.error


def test_default_columns_are_the_text_columns_with_more_than_two_values(split):
    train, _ = split
    workflow, block = embedding_workflow(train, columns=[])
    embedded = Engine(workflow).run()[block].outputs["embeddings"]
    assert embedded.provenance["columns"] == ["carrier", "origin", "dest", "tailnum"]


def test_supervised_without_a_target_is_a_validation_error(split):
    workflow, block = embedding_workflow(split[0], target="none")
    assert [d.code for d in validate(workflow) if d.node_id == block] == ["target-not-set"]
