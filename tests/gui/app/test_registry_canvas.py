"""A canvas works on the registry it is given: its toolbox, scene, files and editors use that one."""

from __future__ import annotations

import pytest
from embedflow_canvas.mainwindow import MainWindow

from embedflow.core.ports import TABLE
from embedflow.core.specs import NodeSpec, Port
from embedflow.core.workflow import Workflow
from embedflow.io.workflow_file import write_workflow
from embedflow.registry import installed_registry

ONLY_HERE = NodeSpec(type="only_here", title="Only Here", category="Data", description="A block of one registry.",
                     icon="input", inputs=(), outputs=(Port(name="data", type=TABLE),), settings=(),
                     run=lambda ctx: {})


@pytest.fixture
def windows(qtbot):
    """A window on a registry with one extra block, and a window on the process's registry."""
    registry = installed_registry()
    registry.register(ONLY_HERE)
    own, default = MainWindow(registry), MainWindow()
    yield own, default
    for window in (own, default):  # not qtbot.addWidget: it would close them before they are marked saved
        window.document.undo_stack.setClean()
        window.close()
        window.deleteLater()


def test_the_toolbox_lists_the_blocks_of_the_window_s_registry(windows):
    own, default = windows
    assert "only_here" in own.toolbox.visible_types()
    assert "only_here" not in default.toolbox.visible_types()


def test_a_block_added_on_the_canvas_takes_its_spec_from_the_window_s_registry(windows):
    own, _ = windows
    node_id = own.interactions.add_block("only_here", own.view.mapToScene(0, 0))
    assert node_id is not None and own.scene.nodes[node_id].spec is ONLY_HERE
    assert own.editor.open_editor(node_id).context.spec is ONLY_HERE


def test_a_file_is_read_with_the_window_s_registry(windows, tmp_path):
    own, default = windows
    workflow = Workflow(own.registry)
    workflow.add_node("only_here", node_id="n1")
    write_workflow(workflow, tmp_path / "w.embedflow")
    assert own.open_file(str(tmp_path / "w.embedflow")) and not own.files.file_diagnostics
    assert default.open_file(str(tmp_path / "w.embedflow"))
    assert [d.code for d in default.diagnostics] == ["unknown-node-type"]
