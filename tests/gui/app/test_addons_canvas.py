"""The demo add-on on the canvas: its block in the toolbox, running, its editor; Help → Add-ons; Messages."""

from __future__ import annotations

import numpy as np
import pytest
from embedflow_canvas import style
from embedflow_canvas.addons_dialog import AddOnsDialog

from tests.addon_support import DISTRIBUTION
from tests.helpers import TEST_SPECS
from tests.waiting import HANG_MS


@pytest.fixture
def addon_canvas(addon):
    """The add-on installed for this test; the test blocks in its registry (its editors load with its first editor)."""
    for spec in TEST_SPECS:
        addon.register(spec)
    yield addon
    for spec in TEST_SPECS:
        addon.unregister(spec.type)


def toolbox_titles(window) -> list[str]:
    tree = window.toolbox.tree
    return [tree.topLevelItem(i).child(j).text(0) for i in range(tree.topLevelItemCount())
            for j in range(tree.topLevelItem(i).childCount())]


def tree_lines(dialog: AddOnsDialog) -> list[str]:
    tree, lines = dialog.tree, []
    for i in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(i)
        lines.append(f"{top.text(0)} | {top.text(1)}")
        lines.extend(f"  {top.child(j).text(0)} | {top.child(j).text(1)}" for j in range(top.childCount()))
    return lines


def test_the_add_on_block_is_in_the_toolbox_with_its_own_icon_runs_and_opens_its_own_editor(addon_canvas, window,
                                                                                             qtbot, addon_site):
    assert "Normalise" in toolbox_titles(window)
    icon = addon_canvas.get("demo_normalise").icon
    assert style.icon_path(icon) == icon == str(addon_site / "embedflow_demo_addon" / "normalise.svg")
    doc = window.document
    numbers, scale = doc.add_node("t_numbers", (-200.0, 0.0)), doc.add_node("t_scale", (0.0, 0.0))
    normalise = doc.add_node("demo_normalise", (200.0, 0.0))
    doc.connect(numbers, "data", scale, "data")
    doc.connect(scale, "embeddings", normalise, "data")
    qtbot.waitUntil(lambda: window.runs.state(normalise).state == "done", timeout=HANG_MS)
    vectors = window.runs.result(normalise).outputs["embeddings"].vectors
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), [0.0, 1.0, 1.0], rtol=1e-6)
    dialog = window.editor.open_editor(normalise)
    assert type(dialog.editor).__name__ == "NormaliseEditor"  # from the add-on's embedflow.editors entry point
    dialog.close()


def test_help_add_ons_lists_the_good_add_on_with_its_block_and_the_broken_one_with_its_error(addon_canvas, window):
    assert window.named_actions["addons"] in window.help_menu.actions()
    window.named_actions["addons"].trigger()
    dialog = window.findChild(AddOnsDialog)
    lines = tree_lines(dialog)
    good = lines.index(f"add-on {DISTRIBUTION} 0.1.0 — entry point 'demo' | embedflow_demo_addon.normalise")
    assert lines[good + 1] == "  Normalise | block type demo_normalise"
    broken = lines.index(f"add-on {DISTRIBUTION} 0.1.0 — entry point 'broken' | embedflow_demo_addon.broken")
    assert lines[broken + 1].startswith("  Failed to load | ModuleNotFoundError")
    dialog.close()


def test_the_broken_add_on_is_named_once_in_messages(addon_canvas, window, qtbot):
    window.document.add_node("demo_normalise", (0.0, 0.0))
    qtbot.waitUntil(lambda: window.messages.messages is not None, timeout=HANG_MS)
    failed = [d for d, _ in window.messages.messages if d.code == "add-on-failed"]
    assert len(failed) == 1 and "entry point 'broken'" in failed[0].message
