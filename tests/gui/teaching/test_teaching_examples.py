"""The shipped examples on the canvas: they open, run with auto-run and show no message but those they teach."""

from __future__ import annotations

import pytest

from embedflow.io import resources
from tests.waiting import HANG_MS

EXAMPLES = resources.examples()
# Messages an example shows on purpose: the flights' test rows hold values the categories were never fitted on,
# which is what the example teaches (they get zero vectors, and the warning counts them).
EXPECTED_CODES = {"categories-as-vectors": ["unseen-categories"]}


def finished(window) -> bool:
    states = [window.runs.state(node_id).state for node_id in window.document.workflow.nodes]
    return bool(states) and all(state in ("done", "failed", "blocked", "cancelled") for state in states)


@pytest.mark.parametrize("path", [p for p in EXAMPLES if p.stem != "why-invalid"], ids=lambda p: p.stem)
def test_example_opens_and_runs_on_the_canvas_without_any_message(window, qtbot, path):
    assert window.open_example(path)
    qtbot.waitUntil(lambda: finished(window) and not window.runs.running, timeout=HANG_MS)
    assert {node_id: window.runs.state(node_id).state for node_id in window.document.workflow.nodes} == \
        {node_id: "done" for node_id in window.document.workflow.nodes}
    assert [diagnostic.code for diagnostic, _ in window.messages.messages or []] == EXPECTED_CODES.get(path.stem, [])


def test_why_invalid_shows_one_language_model_mismatch_on_the_text_embedding(window, qtbot):
    assert window.open_example(resources.resource("examples", "why-invalid.embedflow"))
    (diagnostic,) = window.diagnostics
    assert diagnostic.code == "language-model-mismatch"
    assert window.scene.nodes[diagnostic.node_id].severity == "error"
    assert window.messages.counts()["error"] == 1
