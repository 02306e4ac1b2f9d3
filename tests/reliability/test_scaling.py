"""Opening and validating grow linearly with the file: 50,000 nodes or links, 200,000 annotations.

The checks compare CPU time (time.process_time, which other processes' load does not inflate)
of the same work at two sizes: linear work grows 4x from n to 4n, quadratic work 16x.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from embedflow.core.workflow import Workflow
from embedflow.validation import validate
from tests.helpers import loads
from tests.reliability.support import workflow_text

# Linear work measures about 4x; quadratic 16x. The margin absorbs caches and the collector.
MAX_GROWTH = 9.0


def _id_less_nodes(n: int) -> str:
    return workflow_text([{"type": "input", "settings": {"path": f"rows{i}.csv"}} for i in range(n)])


def _fan_out(n: int) -> str:
    return workflow_text([{"id": "s", "type": "input"}] + [{"id": f"t{i}", "type": "scatter"} for i in range(n)],
                         [{"source": "s", "source_port": "data", "target": f"t{i}", "target_port": "data"}
                          for i in range(n)])


def _cycle(n: int) -> str:
    return workflow_text([{"id": f"n{i}", "type": "placeholder-block"} for i in range(n)],
                         [{"source": f"n{i}", "source_port": "out", "target": f"n{(i + 1) % n}", "target_port": "in"}
                          for i in range(n)])


def _annotations(n: int) -> str:
    return workflow_text(annotations=[{"kind": "text", "rect": [i, 0, 10, 10], "text": "note"} for i in range(4 * n)])


def _cpu_seconds(text: str, tmp_path: Path) -> float:
    """The best of two runs, without the cyclic collector (whose cost grows with everything else alive)."""
    gc.collect()
    gc.disable()
    try:
        times = []
        for _ in range(2):
            started = time.process_time()
            workflow, _ = loads(text)
            validate(workflow, str(tmp_path))
            times.append(time.process_time() - started)
            del workflow
    finally:
        gc.enable()
    return min(times)


@pytest.mark.parametrize("make", [_id_less_nodes, _fan_out, _cycle, _annotations], ids=lambda f: f.__name__)
def test_open_and_validate_grow_linearly(make: Callable[[int], str], tmp_path: Path) -> None:
    _cpu_seconds(make(500), tmp_path)  # imports and first-call costs out of the way
    small, large = _cpu_seconds(make(2_500), tmp_path), _cpu_seconds(make(10_000), tmp_path)
    assert large < MAX_GROWTH * max(small, 0.01), f"{small:.2f}s for n, {large:.2f}s for 4n"


def test_a_file_of_50000_id_less_nodes_opens_with_unique_ids(tmp_path: Path) -> None:
    workflow, found = loads(_id_less_nodes(50_000))
    assert len(workflow.nodes) == 50_000 and len(set(workflow.nodes)) == 50_000 and not found


def test_a_cycle_of_50000_links_is_reported_link_by_link(tmp_path: Path) -> None:
    workflow, _ = loads(_cycle(50_000))
    cycles = [d for d in validate(workflow, str(tmp_path)) if d.code == "cycle"]
    assert len(cycles) == 50_000


def test_links_on_a_loop_are_found_and_links_below_it_are_not() -> None:
    workflow = Workflow()
    for node_id in "abcd":
        workflow.add_node("x", node_id=node_id)
    workflow.connect("a", "o", "b", "i")
    workflow.connect("b", "o", "c", "i")
    workflow.connect("c", "o", "a", "i")
    workflow.connect("c", "o2", "d", "i")
    assert [(link.source, link.target) for link in workflow.links_in_cycles()] == [("a", "b"), ("b", "c"), ("c", "a")]


def test_a_second_link_into_an_input_replaces_the_first_through_the_index() -> None:
    workflow = Workflow()
    for node_id in "abc":
        workflow.add_node("x", node_id=node_id)
    first = workflow.connect("a", "o", "c", "i")
    second = workflow.connect("b", "o", "c", "i")
    assert list(workflow.links) == [second.id] and workflow.upstream_of("c", "i")[0].id == "b"
    workflow.remove_node("b")
    assert workflow.upstream_of("c", "i") is None and not workflow.links_into("c") and first.id not in workflow.links
