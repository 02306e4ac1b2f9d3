"""The Nearest Neighbours block's Search setting: exact, approximate (faiss) and auto."""

import sys

import numpy as np
import pytest

from embedflow.blocks import nearest_neighbours
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


def neighbours_block(method, rows=300, k=5):
    workflow = Workflow(default_registry())
    source = workflow.add_node("t_random_vectors", settings={"rows": rows, "dims": 8})
    block = workflow.add_node("nearest_neighbours", settings={"k": k, "method": method})
    workflow.connect(source.id, "embeddings", block.id, "data")
    return workflow, block.id


def without_faiss(monkeypatch):
    monkeypatch.setitem(sys.modules, "faiss", None)  # makes `import faiss` fail


def test_search_defaults_to_auto():
    assert Workflow(default_registry()).add_node("nearest_neighbours").settings["method"] == "auto"


def test_approximate_search_reports_its_recall_on_the_node():
    workflow, node = neighbours_block("approximate")
    result = Engine(workflow).run()[node]
    recall = [m for m in result.messages if m.code == "approximate-recall"]
    assert result.state == "done" and recall[0].severity == "info"
    assert "recall@5" in recall[0].message and "300 sampled queries" in recall[0].message
    assert "approximate, recall@5" in result.summary


def test_approximate_output_has_the_same_rows_as_exact_on_small_data():
    tables = {}
    for method in ("exact", "approximate"):
        workflow, node = neighbours_block(method)
        tables[method] = Engine(workflow).run()[node].outputs["neighbours"].meta
    assert list(tables["approximate"].columns) == list(tables["exact"].columns)
    exact = tables["exact"].groupby("query_row")["neighbour_row"].apply(set)
    approximate = tables["approximate"].groupby("query_row")["neighbour_row"].apply(set)
    assert np.mean([len(a & b) / 5 for a, b in zip(exact, approximate)]) > 0.95


def test_auto_below_the_threshold_searches_exactly():
    workflow, node = neighbours_block("auto")
    result = Engine(workflow).run()[node]
    assert not any(m.code == "approximate-recall" for m in result.messages)
    assert "approximate" not in result.summary


def test_auto_above_the_threshold_searches_approximately(monkeypatch):
    monkeypatch.setattr(nearest_neighbours, "AUTO_MIN_ROWS", 100)
    monkeypatch.setattr(nearest_neighbours, "AUTO_MIN_QUERIES", 100)
    monkeypatch.setattr("embedflow.analysis.ann.AUTO_MIN_ROWS", 100)
    monkeypatch.setattr("embedflow.analysis.ann.AUTO_MIN_QUERIES", 100)
    workflow, node = neighbours_block("auto")
    assert any(m.code == "approximate-recall" for m in Engine(workflow).run()[node].messages)


def test_approximate_without_faiss_fails_the_run_naming_faiss(monkeypatch):
    without_faiss(monkeypatch)
    workflow, node = neighbours_block("approximate")
    result = Engine(workflow).run()[node]
    assert result.state == "refused" and "faiss-cpu" in result.error


def test_approximate_without_faiss_is_a_validation_error(monkeypatch):
    without_faiss(monkeypatch)
    workflow, node = neighbours_block("approximate")
    found = [d for d in validate(workflow) if d.node_id == node and d.code == "ann-not-installed"]
    assert found and found[0].severity == "error" and "pip install faiss-cpu" in found[0].hint


def test_auto_on_large_data_without_faiss_searches_exactly_and_says_faiss_would_help(monkeypatch):
    without_faiss(monkeypatch)
    monkeypatch.setattr(nearest_neighbours, "AUTO_MIN_ROWS", 100)
    monkeypatch.setattr(nearest_neighbours, "AUTO_MIN_QUERIES", 100)
    workflow, node = neighbours_block("auto")
    result = Engine(workflow).run()[node]
    assert result.state == "done"
    assert [m.severity for m in result.messages if m.code == "ann-not-installed"] == ["info"]
