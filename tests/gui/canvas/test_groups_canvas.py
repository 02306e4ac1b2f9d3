"""Groups on the canvas: group and ungroup a selection (undoable), open a group, edit and run inside, reuse it."""

from __future__ import annotations

import json
from pathlib import Path

from embedflow_canvas.editors.group import GroupEditor
from embedflow_canvas.group_window import MARKER_MARGIN
from embedflow_canvas.toolbox import MY_BLOCKS
from PyQt5.QtCore import QPointF, Qt
from PyQt5.QtGui import QColor
from PyQt5.QtTest import QTest
from PyQt5.QtWidgets import QApplication, QFileDialog

from embedflow.api import read_workflow, write_workflow
from embedflow.core.workflow import Workflow
from embedflow.engine import Engine
from embedflow.grouping import group_nodes
from embedflow.io.user_blocks import USER_BLOCK, library_folder
from embedflow.io.workflow_file import dumps
from embedflow.registry import default_registry
from tests.group_support import chain


def show_chain(window) -> str:
    """Numbers → Scale → Needs embeddings on the canvas; the file text of it."""
    window.editor.set_workflow(chain(), None)
    window.revalidate()
    return dumps(window.document.workflow)


def same_content(text: str, other: str) -> bool:
    """The same nodes (positions, settings) and links with the same ids, in any order."""
    def content(document: str) -> tuple:
        data = json.loads(document)
        return (sorted(json.dumps(node, sort_keys=True) for node in data["nodes"]),
                sorted(json.dumps(link, sort_keys=True) for link in data["links"]))
    return content(text) == content(other)


def press(window, keys: str) -> None:
    """Press Ctrl+G or Ctrl+Shift+G on the canvas."""
    modifiers = Qt.ControlModifier | (Qt.ShiftModifier if "Shift" in keys else Qt.NoModifier)
    QTest.keyClick(window.view, Qt.Key_G, modifiers)


def test_ctrl_g_folds_the_selection_into_a_group_whose_ports_are_the_crossing_links(window) -> None:
    before = show_chain(window)
    window.scene.select_only(["n2"])
    press(window, "Ctrl+G")
    workflow = window.document.workflow
    [group_id] = [nid for nid, node in workflow.nodes.items() if node.type == "group"]
    assert set(workflow.nodes) == {"n1", group_id, "n3"}
    item = window.scene.nodes[group_id]
    assert list(item.inputs) == ["data"] and list(item.outputs) == ["embeddings"]
    assert {(link.source, link.target) for link in workflow.links.values()} == {("n1", group_id), (group_id, "n3")}
    assert window.scene.selected_node_ids() == [group_id]
    window.document.undo_stack.undo()
    assert dumps(workflow) == before
    window.document.undo_stack.redo()
    assert group_id in workflow.nodes


def test_ctrl_shift_g_puts_the_blocks_back_where_they_were_and_undo_folds_them_again(window) -> None:
    before = show_chain(window)
    window.scene.select_only(["n2"])
    press(window, "Ctrl+G")
    grouped = dumps(window.document.workflow)
    press(window, "Ctrl+Shift+G")
    assert same_content(dumps(window.document.workflow), before)
    assert window.scene.selected_node_ids() == ["n2"]
    window.document.undo_stack.undo()
    assert dumps(window.document.workflow) == grouped


def test_double_click_opens_the_group_with_a_breadcrumb_and_its_exposed_ports_as_markers(window, qtbot) -> None:
    show_chain(window)
    window.scene.select_only(["n2"])
    group_id = window.editor.group_selection()
    window.document.workflow.set_title(group_id, "Scale it")
    window.scene.nodeActivated.emit(group_id)
    inside = window.editor.groups[group_id]
    qtbot.waitExposed(inside)
    assert inside.breadcrumb.text() == "Main › Scale it"
    assert list(inside.workflow.nodes) == ["n2"]
    assert sorted(inside.marker_texts()) == ["embeddings ▶", "▶ data"]
    inside.grab().save("/tmp/group_window.png")


def test_exposed_ports_sit_at_the_views_edges_with_a_line_to_their_inner_port(window, qtbot) -> None:
    show_chain(window)
    window.scene.select_only(["n2"])
    group_id = window.editor.group_selection()
    inside = window.editor.open_group(group_id)
    qtbot.waitExposed(inside)
    view, port_of = inside.editor.view, inside.editor.scene.nodes["n2"].port
    for pan in (0, 120):  # the markers stay at the edges while the inside pans
        view.horizontalScrollBar().setValue(view.horizontalScrollBar().value() + pan)
        places = {place.marker.text: place for place in inside.marker_places()}
        width = view.viewport().width()
        data, embeddings = places["▶ data"], places["embeddings ▶"]
        assert data.box.left() == MARKER_MARGIN
        assert embeddings.box.right() == width - MARKER_MARGIN
        assert data.target == QPointF(view.mapFromScene(port_of("in", "data").scenePos()))
        assert embeddings.target == QPointF(view.mapFromScene(port_of("out", "embeddings").scenePos()))
        assert data.box.right() < data.target.x() and embeddings.target.x() < embeddings.box.left()
    picture = view.viewport().grab().toImage()
    inside.grab().save("/tmp/group_edge_markers.png")
    assert QColor(picture.pixel(int(data.box.left()) + 2, int(data.box.center().y()))) == QColor("#E3F2FD")


def test_a_scatter_inside_a_group_exports_a_page_named_after_the_workflow_and_the_group(window, qtbot, tmp_path,
                                                                                        monkeypatch) -> None:
    workflow = Workflow(default_registry())
    workflow.add_node("t_numbers", (0, 0), {"rows": 4}, node_id="n1")
    workflow.add_node("t_scale", (100, 0), {"factor": 2.0}, node_id="n2")
    workflow.add_node("scatter", (200, 0), {"projection": "pca"}, node_id="s")
    workflow.connect("n1", "data", "n2", "data")
    workflow.connect("n2", "embeddings", "s", "data")
    group_nodes(workflow, ["n2", "s"], "Scale and map", "g1")
    write_workflow(workflow, tmp_path / "lesson.embedflow")
    window.editor.set_workflow(read_workflow(tmp_path / "lesson.embedflow")[0], str(tmp_path / "lesson.embedflow"))
    with qtbot.waitSignal(window.runs.runFinished, timeout=30_000):
        window.runs.run()
    inside = window.editor.open_group("g1")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(tmp_path / "map.html"), ""))
    inside.editor.open_editor("s").editor.export_html.click()
    assert "<h1>lesson › Scale and map — Scatter</h1>" in (tmp_path / "map.html").read_text(encoding="utf-8")


def test_an_edit_inside_is_a_step_of_the_workflow_and_its_undo_redraws_the_inside(window, qtbot) -> None:
    show_chain(window)
    window.scene.select_only(["n2"])
    group_id = window.editor.group_selection()
    inside = window.editor.open_group(group_id)
    inside.editor.document.update_settings("n2", {"factor": 5.0})
    [inner] = window.document.workflow.nodes[group_id].settings["nodes"]
    assert inner["settings"]["factor"] == 5.0
    window.document.undo_stack.undo()
    assert inside.workflow.nodes["n2"].settings["factor"] == 2.0


def test_validation_inside_shows_on_the_inner_block_and_as_the_groups_badge(window) -> None:
    show_chain(window)
    window.document.workflow.update_settings("n2", {"factor": "a lot"})
    window.scene.select_only(["n2"])
    group_id = window.editor.group_selection()
    window.revalidate()
    assert window.scene.nodes[group_id].severity == "error"
    inside = window.editor.open_group(group_id)
    assert [d.code for d in inside.editor.scene.nodes["n2"].diagnostics] == ["invalid-setting"]
    assert [d.node_id for d in window.editor.open_editor(group_id).context.diagnostics()] == [f"{group_id}/n2"]


def test_a_run_shows_the_groups_summary_and_the_inner_states_inside(window, qtbot) -> None:
    show_chain(window)
    window.scene.select_only(["n2"])
    group_id = window.editor.group_selection()
    inside = window.editor.open_group(group_id)
    with qtbot.waitSignal(window.runs.runFinished, timeout=30_000):
        window.runs.run()
    assert window.scene.nodes[group_id].summary == "1 block, done"
    assert inside.editor.scene.nodes["n2"].state == "done"
    assert inside.runs.result("n2").outputs["embeddings"].vectors.shape == (4, 2)


def test_a_group_saved_as_a_block_is_listed_under_my_blocks_and_placing_it_copies_the_group(window) -> None:
    from embedflow_canvas.group_actions import save_selected_group

    show_chain(window)
    window.scene.select_only(["n2"])
    group_id = window.editor.group_selection()
    window.document.workflow.set_title(group_id, "Scale it")
    path = save_selected_group(window, "Doubles numbers")
    assert path is not None and Path(path).parent == library_folder()
    [category] = [window.toolbox.tree.topLevelItem(i) for i in range(window.toolbox.tree.topLevelItemCount())
                  if window.toolbox.tree.topLevelItem(i).text(0) == MY_BLOCKS]
    assert category.child(0).text(0) == "Scale it"
    placed = window.interactions.add_block(USER_BLOCK + path, window.view.mapToScene(10, 10))
    workflow = window.document.workflow
    assert placed != group_id and workflow.nodes[placed].settings == workflow.nodes[group_id].settings
    assert list(window.scene.nodes[placed].outputs) == ["embeddings"]


def test_a_broken_library_file_is_listed_greyed_out_and_the_toolbox_still_works(window) -> None:
    folder = library_folder()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bad.embedflow").write_text("{", encoding="utf-8")
    window.toolbox.reload()
    [category] = [window.toolbox.tree.topLevelItem(i) for i in range(window.toolbox.tree.topLevelItemCount())
                  if window.toolbox.tree.topLevelItem(i).text(0) == MY_BLOCKS]
    assert category.child(0).text(0) == "bad (broken)" and not category.child(0).flags() & Qt.ItemIsEnabled
    assert "t_numbers" in window.toolbox.visible_types()


def test_messages_name_a_block_inside_a_group_by_the_way_in_and_clicking_opens_the_group(window) -> None:
    show_chain(window)
    window.document.workflow.update_settings("n2", {"factor": "a lot"})
    window.scene.select_only(["n2"])
    group_id = window.editor.group_selection()
    window.document.workflow.set_title(group_id, "Scale it")
    window.revalidate()
    [(diagnostic, title)] = [(d, t) for d, t in window.messages.messages if d.node_id == f"{group_id}/n2"]
    assert title == "Scale it › Scale" and diagnostic.code == "invalid-setting"
    window.messages.nodeClicked.emit(diagnostic.node_id)
    inside = window.editor.groups[group_id]
    assert inside.editor.scene.selected_node_ids() == ["n2"]


def test_presentation_mode_shows_groups_folded(window) -> None:
    show_chain(window)
    window.scene.select_only(["n2"])
    group_id = window.editor.group_selection()
    inside = window.editor.open_group(group_id)
    window.teaching.presentation.set_active(True)
    try:
        assert window.editor.groups == {} and not inside.isVisible()
        assert set(window.scene.nodes) == {"n1", group_id, "n3"}
    finally:
        window.teaching.presentation.set_active(False)


def test_a_promoted_setting_is_on_the_groups_settings_form_and_sets_every_target(window) -> None:
    show_chain(window)
    window.scene.select_only(["n2"])
    group_id = window.editor.group_selection()
    window.document.update_settings(group_id, {"settings_exposed": [{"name": "factor", "targets": [["n2", "factor"]]}]})
    dialog = window.editor.open_editor(group_id)
    form = dialog.findChild(GroupEditor).form
    assert list(form.fields) == ["factor"] and form.fields["factor"].widget.value() == 2.0  # what Scale holds
    form.context.apply({"factor": 7.0})
    window.revalidate()
    assert window.document.workflow.nodes[group_id].settings["factor"] == 7.0
    results = Engine(window.document.workflow).run()
    assert results[f"{group_id}/n2"].outputs["embeddings"].vectors[1].tolist() == [7.0, 7.0]


def test_renaming_an_exposed_port_redraws_the_group_keeps_its_links_and_undoes(window) -> None:
    show_chain(window)
    window.scene.select_only(["n2"])
    group_id = window.editor.group_selection()
    grouped = dumps(window.document.workflow)
    window.document.rename_group_port(group_id, "outputs", "embeddings", "vectors")
    item = window.scene.nodes[group_id]
    assert list(item.outputs) == ["vectors"]
    assert [link.source_port for link in window.document.workflow.links_from(group_id)] == ["vectors"]
    assert window.scene.links["l2"].source is item.outputs["vectors"]
    window.document.undo_stack.undo()
    assert dumps(window.document.workflow) == grouped and list(window.scene.nodes[group_id].outputs) == ["embeddings"]


def test_save_as_into_another_folder_keeps_a_data_path_inside_a_group_pointing_at_the_same_file(window, tmp_path):
    from embedflow.api import read_workflow, write_workflow
    from embedflow.core.workflow import Workflow
    from embedflow.grouping import group_nodes
    from embedflow.registry import default_registry

    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "data.csv").write_text("text\nhello\n", encoding="utf-8")
    workflow = Workflow(default_registry())
    workflow.add_node("input", (0, 0), {"path": "data.csv", "feature": "", "format": "auto"}, node_id="n1")
    group_nodes(workflow, ["n1"], "Read", "g1")
    write_workflow(workflow, first / "flow.embedflow")
    window.open_file(str(first / "flow.embedflow"))
    assert window.files.save_to(str(second / "flow.embedflow"))
    moved, _ = read_workflow(second / "flow.embedflow")
    [inner] = moved.nodes["g1"].settings["nodes"]
    assert Path(inner["settings"]["path"]) == (first / "data.csv").resolve()
    window.revalidate()
    assert not [d for d in window.diagnostics if d.code == "missing-file"]


def test_a_group_inside_a_group_opens_from_the_outer_groups_window_with_the_whole_breadcrumb(window, qtbot) -> None:
    show_chain(window)
    window.scene.select_only(["n2"])
    inner_id = window.editor.group_selection()
    window.scene.select_only([inner_id, "n3"])
    outer_id = window.editor.group_selection()
    window.document.workflow.set_title(outer_id, "Outer")
    outside = window.editor.open_group(outer_id)
    outside.workflow.set_title(inner_id, "Inner")
    inside = outside.editor.open_group(inner_id)
    assert inside.breadcrumb.text() == "Main › Outer › Inner" and inside.path == f"{outer_id}/{inner_id}"
    with qtbot.waitSignal(window.runs.runFinished, timeout=30_000):
        inside.runs.run(["n2"])
    assert inside.editor.scene.nodes["n2"].state == "done"
    inner_settings = window.document.workflow.nodes[outer_id].settings["nodes"]
    assert [item["title"] for item in inner_settings if item["id"] == inner_id] == ["Inner"]


def test_the_quick_search_offers_no_empty_group(window) -> None:
    from embedflow_canvas.document.quick_search import QuickSearch

    assert "group" not in {spec.type for spec in QuickSearch(window, window.registry.specs()).specs}


def test_inside_a_group_delete_and_undo_work_from_the_keyboard(window, qtbot) -> None:
    show_chain(window)
    window.scene.select_only(["n2", "n3"])
    group_id = window.editor.group_selection()
    inside = window.editor.open_group(group_id)
    QApplication.setActiveWindow(inside)
    inside.editor.view.setFocus()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is inside)
    inside.editor.scene.select_only(["n3"])
    QTest.keyClick(inside.editor.view, Qt.Key_Delete)
    assert [item["id"] for item in window.document.workflow.nodes[group_id].settings["nodes"]] == ["n2"]
    QTest.keyClick(inside.editor.view, Qt.Key_Z, Qt.ControlModifier)
    assert [item["id"] for item in window.document.workflow.nodes[group_id].settings["nodes"]] == ["n2", "n3"]
    assert list(inside.workflow.nodes) == ["n2", "n3"]


def test_a_note_added_inside_a_group_is_saved_in_the_group(window) -> None:
    show_chain(window)
    window.scene.select_only(["n2"])
    group_id = window.editor.group_selection()
    inside = window.editor.open_group(group_id)
    inside.editor.document.add_annotation("text", (10, 20, 200, 60), "Scale doubles")
    assert window.document.workflow.nodes[group_id].settings["annotations"] == [
        {"id": "a1", "kind": "text", "rect": [10, 20, 200, 60], "text": "Scale doubles"}]


def test_selected_notes_go_into_the_group_and_come_back_out_on_ungroup_and_undo(window) -> None:
    show_chain(window)
    note_id = window.document.add_annotation("text", (60, -80, 160, 40), "Scale doubles")
    with_note = dumps(window.document.workflow)
    window.scene.select_only(["n2"])
    window.scene.annotations[note_id].setSelected(True)
    group_id = window.editor.group_selection()
    workflow = window.document.workflow
    assert workflow.annotations == {} and [a["text"] for a in workflow.nodes[group_id].settings["annotations"]] == [
        "Scale doubles"]
    grouped = dumps(workflow)
    window.document.undo_stack.undo()
    assert dumps(workflow) == with_note
    window.document.undo_stack.redo()
    window.scene.select_only([group_id])
    window.editor.ungroup_selection()
    assert [a.text for a in workflow.annotations.values()] == ["Scale doubles"]
    window.document.undo_stack.undo()
    assert dumps(workflow) == grouped


def test_opening_a_group_with_parts_that_cannot_be_read_says_so(window) -> None:
    show_chain(window)
    window.scene.select_only(["n2"])
    group_id = window.editor.group_selection()
    good = list(window.document.workflow.nodes[group_id].settings["links"])
    window.document.update_settings(group_id, {"links": [*good, {"source": "n2"}]})
    inside = window.editor.open_group(group_id)
    assert not inside.warning.isHidden() and "Link #1 in the file is incomplete" in inside.warning.text()
    window.document.update_settings(group_id, {"links": good})
    assert inside.warning.isHidden()


def test_save_as_packages_data_read_inside_a_nested_group_next_to_the_workflow(window, tmp_path) -> None:
    from embedflow.grouping import group_nodes

    data = tmp_path / "elsewhere" / "reviews.csv"
    data.parent.mkdir()
    data.write_text("text\ngood film\n", encoding="utf-8")
    window.document.workflow.add_node("input", (0, 0), {"path": str(data), "feature": "text"}, node_id="n1")
    group_nodes(window.document.workflow, ["n1"], "Read", "g2")
    group_nodes(window.document.workflow, ["g2"], "Outer", "g1")
    share = tmp_path / "class"
    share.mkdir()
    offered = []
    window.ask_package = lambda paths, folder: offered.append(paths) or True
    window.choose_save_path = lambda: str(share / "lesson.embedflow")
    window.named_actions["save_as"].trigger()
    assert offered == [[str(data.resolve())]]
    saved = json.loads((share / "lesson.embedflow").read_text(encoding="utf-8"))
    [outer] = saved["nodes"]
    [inner_group] = outer["settings"]["nodes"]
    assert inner_group["settings"]["nodes"][0]["settings"]["path"] == "reviews.csv"
    assert (share / "reviews.csv").read_text(encoding="utf-8") == data.read_text(encoding="utf-8")
