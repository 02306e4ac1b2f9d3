"""The result cache: keyed by input signature, least recently used dropped first beyond its budget."""

from __future__ import annotations

import numpy as np
import pytest

from embedflow.core.workflow import Workflow
from embedflow.engine import Engine
from embedflow.engine.cache import ResultCache
from embedflow.registry import default_registry
from tests.helpers import register_test_nodes, unregister_test_nodes


@pytest.fixture(autouse=True)
def test_nodes():
    register_test_nodes()
    yield
    unregister_test_nodes()


def test_going_back_to_an_earlier_setting_reuses_its_result():
    workflow = Workflow(default_registry())
    source, scale = workflow.add_node("t_numbers"), workflow.add_node("t_scale")
    workflow.connect(source.id, "data", scale.id, "data")
    engine = Engine(workflow)
    engine.run()
    workflow.update_settings(scale.id, {"factor": 2.0})
    engine.run()
    workflow.update_settings(scale.id, {"factor": 1.0})
    result = engine.run()[scale.id]
    assert engine.executions[scale.id] == 2
    assert result.cached and result.outputs["embeddings"].vectors[:, 0].tolist() == [0.0, 1.0, 2.0]


def test_entries_beyond_the_budget_are_dropped_least_recently_used_first():
    cache = ResultCache(budget=2500)
    cache.put("a", np.zeros(1000, dtype=np.uint8))
    cache.put("b", np.zeros(1000, dtype=np.uint8))
    assert cache.get("a") is not None  # a is now more recent than b
    cache.put("c", np.zeros(1000, dtype=np.uint8))
    assert "a" in cache and "c" in cache and "b" not in cache
    assert cache.used == 2000


def test_the_newest_entry_is_kept_even_when_it_alone_exceeds_the_budget():
    cache = ResultCache(budget=10)
    cache.put("small", np.zeros(5, dtype=np.uint8))
    cache.put("big", np.zeros(100, dtype=np.uint8))
    assert len(cache) == 1 and "big" in cache


def test_a_block_result_dropped_from_the_cache_is_computed_again():
    workflow = Workflow(default_registry())
    source, scale = workflow.add_node("t_numbers"), workflow.add_node("t_scale")
    workflow.connect(source.id, "data", scale.id, "data")
    engine = Engine(workflow, cache=ResultCache(budget=1))
    engine.run()
    workflow.update_settings(scale.id, {"factor": 2.0})
    engine.run()
    workflow.update_settings(scale.id, {"factor": 1.0})
    engine.run()
    assert engine.executions[scale.id] == 3
