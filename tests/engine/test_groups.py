"""Running groups: their blocks run as steps of their own under path ids, cached one by one."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from embedflow.api import WorkflowRunError, run_workflow
from embedflow.core.context import NodeState
from embedflow.core.errors import EmbedflowError
from embedflow.engine import Engine
from embedflow.grouping import group_nodes, rename_port
from tests.group_support import chain, grouped_chain
from tests.helpers import register_test_nodes, unregister_test_nodes


@pytest.fixture(autouse=True)
def test_nodes() -> Iterator[None]:
    register_test_nodes()
    yield
    unregister_test_nodes()


def test_a_grouped_workflow_gives_the_results_of_the_flat_one() -> None:
    flat, grouped = Engine(chain()).run(), Engine(grouped_chain()).run()
    assert {nid: r.state for nid, r in grouped.items()} == {
        "n1": NodeState.DONE, "g1/n2": NodeState.DONE, "n3": NodeState.DONE, "g1": NodeState.DONE}
    assert np.array_equal(grouped["g1/n2"].outputs["embeddings"].vectors, flat["n2"].outputs["embeddings"].vectors)
    assert grouped["g1"].outputs["embeddings"] is grouped["g1/n2"].outputs["embeddings"]
    assert grouped["n3"].outputs["data"].meta.equals(flat["n3"].outputs["data"].meta)
    assert grouped["g1"].summary == "1 block, done"


def test_changing_one_inner_setting_runs_again_only_that_block_and_what_follows() -> None:
    workflow = chain()
    group_nodes(workflow, ["n1", "n2"], "Numbers and scale", "g1")
    engine = Engine(workflow)
    engine.run()
    inner = workflow.nodes["g1"].settings["nodes"]
    changed = [dict(item, settings={"factor": 3.0}) if item["id"] == "n2" else item for item in inner]
    workflow.update_settings("g1", {"nodes": changed})
    results = engine.run()
    assert engine.executions == {"g1/n1": 1, "g1/n2": 2, "n3": 2}
    assert results["g1/n1"].cached and not results["g1/n2"].cached
    assert results["g1/n2"].outputs["embeddings"].vectors[1].tolist() == [3.0, 3.0]


def test_nested_groups_run_under_nested_paths() -> None:
    workflow = grouped_chain()
    group_nodes(workflow, ["g1", "n3"], "Outer", "g2")
    results = Engine(workflow).run()
    assert set(results) == {"n1", "g2/g1/n2", "g2/n3", "g2/g1", "g2"}
    assert all(result.state == NodeState.DONE for result in results.values())
    assert list(results)[-2:] == ["g2/g1", "g2"]  # an inner group is finished before the group holding it


def test_a_failing_inner_block_fails_its_group_naming_the_block_by_its_path() -> None:
    workflow = chain()
    workflow.update_settings("n2", {"fail": True})
    group_nodes(workflow, ["n2"], "Scale it", "g1")
    results = Engine(workflow).run()
    assert results["g1/n2"].state == NodeState.FAILED
    assert results["g1"].state == NodeState.FAILED and results["g1"].error.startswith("g1/n2: asked to fail")
    assert results["n3"].state == NodeState.BLOCKED


def test_running_a_group_runs_its_blocks_and_what_they_need_only() -> None:
    engine = Engine(grouped_chain())
    results = engine.run(["g1"])
    assert set(results) == {"n1", "g1/n2", "g1"}


def test_renaming_an_exposed_port_moves_the_outer_links_to_the_new_name() -> None:
    workflow = grouped_chain()
    rename_port(workflow, "g1", "outputs", "embeddings", "vectors")
    assert workflow.nodes["g1"].settings["outputs"] == [{"name": "vectors", "node": "n2", "port": "embeddings"}]
    assert [(link.id, link.source_port) for link in workflow.links_from("g1")] == [("l2", "vectors")]
    assert Engine(workflow).run()["n3"].state == NodeState.DONE
    with pytest.raises(EmbedflowError, match="already has an input called 'data'"):
        rename_port(workflow, "g1", "inputs", "data", "data")


def test_run_workflow_names_a_failed_block_inside_a_group_by_its_path_and_title() -> None:
    workflow = chain()
    workflow.update_settings("n2", {"fail": True})
    group_nodes(workflow, ["n2"], "Scale it", "g1")
    with pytest.raises(WorkflowRunError) as caught:
        run_workflow(workflow)
    assert "g1/n2 (Scale it › Scale): failed: asked to fail" in str(caught.value)
    assert "g1 (Scale it): failed" in str(caught.value)
