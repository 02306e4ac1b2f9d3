"""Building a workflow on the canvas as a user does: drag, link, select, move, rename, undo."""

from __future__ import annotations

from pathlib import Path

from PyQt5.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PyQt5.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QWheelEvent
from PyQt5.QtTest import QTest
from PyQt5.QtWidgets import QApplication

from embedflow.io.workflow_file import write_workflow
from embedflow.registry import default_registry
from tests.gui.conftest import drag, port_point, view_point


def drop_mime(window, mime: QMimeData, pos: QPoint) -> None:
    """Drag `mime` over the canvas and drop it at `pos` (viewport coordinates)."""
    target = window.view.viewport()
    actions = Qt.CopyAction | Qt.MoveAction
    enter = QDragEnterEvent(pos, actions, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(target, QDragMoveEvent(pos, actions, mime, Qt.LeftButton, Qt.NoModifier))
    QApplication.sendEvent(target, QDropEvent(QPointF(pos), actions, mime, Qt.LeftButton, Qt.NoModifier))


def two_nodes(window, second: str = "t_scale"):
    source = window.document.add_node("t_numbers", (-150.0, 0.0))
    target = window.document.add_node(second, (150.0, 0.0))
    return source, target


def test_dragging_a_block_from_the_toolbox_adds_it_where_it_is_dropped(window):
    item = window.toolbox.item_for("t_scale")
    mime = window.toolbox.tree.mimeData([item])
    drop_at = view_point(window, QPointF(40, 60))
    drop_mime(window, mime, drop_at)
    [node] = window.document.workflow.nodes.values()
    assert node.type == "t_scale"
    dropped = window.view.mapToScene(drop_at)
    assert node.position == (dropped.x(), dropped.y())
    assert window.scene.nodes[node.id].isSelected()


def test_the_toolbox_filter_hides_blocks_that_do_not_match(window):
    window.toolbox.filter.setText("scale")
    assert window.toolbox.visible_types() == ["t_scale"]


def test_linking_two_ports_with_the_mouse_creates_the_link(window):
    source, target = two_nodes(window)
    drag(window.view.viewport(), port_point(window, source, "out", "data"),
         port_point(window, target, "in", "data"))
    [link] = window.document.workflow.links.values()
    assert (link.source, link.source_port, link.target, link.target_port) == (source, "data", target, "data")
    assert link.id in window.scene.links


def test_while_dragging_a_link_compatible_ports_light_up_and_others_dim_with_the_reason(window):
    source, good = two_nodes(window)
    bad = window.document.add_node("t_needs_embeddings", (150.0, 200.0))
    viewport = window.view.viewport()
    QTest.mousePress(viewport, Qt.LeftButton, Qt.NoModifier, port_point(window, source, "out", "data"))
    good_port = window.scene.nodes[good].port("in", "data")
    bad_port = window.scene.nodes[bad].port("in", "data")
    assert good_port.highlight == "ok"
    assert bad_port.highlight == "no" and bad_port.opacity() < 1
    assert "expects Embeddings" in bad_port.toolTip()
    QTest.mouseRelease(viewport, Qt.LeftButton, Qt.NoModifier, port_point(window, source, "out", "data"))
    assert good_port.highlight is None and bad_port.opacity() == 1


def test_a_link_that_breaks_a_rule_is_drawn_red_and_dashed_with_the_message(window, qtbot):
    source, target = two_nodes(window, "t_needs_embeddings")
    drag(window.view.viewport(), port_point(window, source, "out", "data"),
         port_point(window, target, "in", "data"))
    [link_id] = window.document.workflow.links
    item = window.scene.links[link_id]
    qtbot.waitUntil(lambda: item.invalid)
    assert item.pen().style() == Qt.DashLine
    assert item.pen().color().name() == "#d62728"
    assert "expects Embeddings" in item.toolTip()
    assert window.scene.nodes[target].severity == "error"


def test_dropping_a_link_on_empty_canvas_offers_fitting_blocks_and_links_the_chosen_one(window, qtbot):
    source = window.document.add_node("t_numbers", (0.0, 0.0))
    offered = []

    def choose():
        popup = QApplication.activePopupWidget()
        offered.extend(popup.visible_types())
        popup.edit.setText("scale")
        QTest.keyClick(popup.edit, Qt.Key_Return)

    QTimer.singleShot(0, choose)
    drag(window.view.viewport(), port_point(window, source, "out", "data"), view_point(window, QPointF(250, 0)))
    assert "t_scale" in offered and "t_needs_embeddings" not in offered
    [link] = window.document.workflow.links.values()
    assert window.document.workflow.nodes[link.target].type == "t_scale"
    window.document.undo_stack.undo()
    assert list(window.document.workflow.nodes) == [source]


def test_typing_on_the_canvas_opens_the_quick_search_and_adds_the_block_at_the_pointer(window):
    seen = []

    def choose():
        popup = QApplication.activePopupWidget()
        seen.append(popup.edit.text())
        QTest.keyClicks(popup.edit, "umb")
        seen.append(popup.visible_types())
        QTest.keyClick(popup.edit, Qt.Key_Return)

    window.view.setFocus()
    QTimer.singleShot(0, choose)
    QTest.keyClick(window.view, Qt.Key_N)
    assert seen == ["n", ["t_numbers"]]
    [node] = window.document.workflow.nodes.values()
    assert node.type == "t_numbers"


def test_double_clicking_empty_canvas_opens_the_quick_search_there(window):
    QTimer.singleShot(0, lambda: (QApplication.activePopupWidget().edit.setText("slow"),
                                  QTest.keyClick(QApplication.activePopupWidget().edit, Qt.Key_Return)))
    where = view_point(window, QPointF(100, 80))
    QTest.mouseDClick(window.view.viewport(), Qt.LeftButton, Qt.NoModifier, where)
    [node] = window.document.workflow.nodes.values()
    assert node.type == "t_slow"
    assert node.position == (100.0, 80.0)


def test_moving_a_node_with_the_mouse_is_one_undo_step(window):
    node_id = window.document.add_node("t_numbers", (0.0, 0.0))
    start = view_point(window, QPointF(0, 0))
    drag(window.view.viewport(), start, start + QPoint(120, 40), steps=6)
    assert window.document.workflow.nodes[node_id].position == (120.0, 40.0)
    assert window.document.undo_stack.undoText() == "Move Numbers"
    window.document.undo_stack.undo()
    assert window.document.workflow.nodes[node_id].position == (0.0, 0.0)
    assert window.scene.nodes[node_id].pos() == QPointF(0, 0)


def test_snap_to_grid_puts_dragged_nodes_on_the_grid(window):
    node_id = window.document.add_node("t_numbers", (0.0, 0.0))
    window.named_actions["snap"].trigger()
    start = view_point(window, QPointF(0, 0))
    drag(window.view.viewport(), start, start + QPoint(93, 47))
    assert window.document.workflow.nodes[node_id].position == (100.0, 40.0)


def test_rubber_band_selects_every_node_inside_it(window):
    first, second = two_nodes(window)
    outside = window.document.add_node("t_slow", (600.0, 400.0))
    drag(window.view.viewport(), view_point(window, QPointF(-250, -100)), view_point(window, QPointF(250, 120)))
    assert window.scene.selected_node_ids() == [first, second]
    assert outside not in window.scene.selected_node_ids()


def test_delete_removes_the_selection_with_its_links_and_undo_brings_all_back(window):
    source, target = two_nodes(window)
    window.document.connect(source, "data", target, "data")
    window.scene.select_only([source])
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key_Delete)
    assert list(window.document.workflow.nodes) == [target] and not window.document.workflow.links
    assert not window.scene.links
    window.document.undo_stack.undo()
    assert list(window.document.workflow.nodes) == [source, target]
    assert len(window.scene.links) == 1


def test_f2_renames_the_selected_block_in_place_and_undo_restores_the_title(window):
    node_id = window.document.add_node("t_numbers", (0.0, 0.0))
    window.scene.select_only([node_id])
    window.view.setFocus()
    window.named_actions["rename"].trigger()
    QTest.keyClicks(window.view, "Reviews")
    QTest.keyClick(window.view, Qt.Key_Return)
    assert window.document.workflow.nodes[node_id].title == "Reviews"
    assert window.scene.nodes[node_id].title == "Reviews"
    window.document.undo_stack.undo()
    assert window.scene.nodes[node_id].title == "Numbers"


def test_copy_and_paste_adds_new_blocks_with_the_link_between_them(window):
    source, target = two_nodes(window)
    window.document.update_settings(source, {"rows": 7})
    window.document.connect(source, "data", target, "data")
    window.scene.select_only([source, target])
    window.named_actions["copy"].trigger()
    window.named_actions["paste"].trigger()
    workflow = window.document.workflow
    assert len(workflow.nodes) == 4 and len(workflow.links) == 2
    new_source, new_target = window.scene.selected_node_ids()
    assert workflow.nodes[new_source].settings["rows"] == 7
    assert workflow.nodes[new_source].position == (-120.0, 30.0)
    assert workflow.upstream_of(new_target, "data")[0].id == new_source
    window.document.undo_stack.undo()
    assert len(workflow.nodes) == 2


def test_ctrl_wheel_zooms_around_the_pointer(window):
    viewport = window.view.viewport()
    centre = QPointF(viewport.rect().center())
    event = QWheelEvent(centre, viewport.mapToGlobal(centre.toPoint()), QPoint(0, 0), QPoint(0, 240),
                        Qt.NoButton, Qt.ControlModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(viewport, event)
    assert window.view.zoom > 1.2


def test_notes_and_arrows_are_added_edited_and_undone(window):
    note = window.editor.add_note(QPointF(0, 0))
    QTest.keyClicks(window.view, "Look here")
    window.scene.annotations[note].text_item.clearFocus()
    assert window.document.workflow.annotations[note].text == "Look here"
    arrow = window.editor.add_arrow(QPointF(10, 10))
    assert window.document.workflow.annotations[arrow].rect == (10.0, 10.0, 110.0, 50.0)
    window.document.undo_stack.undo()
    window.document.undo_stack.undo()
    assert arrow not in window.scene.annotations
    assert window.document.workflow.annotations[note].text == "Double-click to write a note"


def test_dropping_a_data_file_creates_an_input_block_for_it(window, tmp_path):
    data = tmp_path / "reviews.csv"
    data.write_text("text\nfine\n", encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(data))])
    drop_mime(window, mime, view_point(window, QPointF(0, 0)))
    [node] = window.document.workflow.nodes.values()
    assert node.type == "input" and node.title == "reviews"
    assert Path(node.settings["path"]) == data


def test_every_edit_is_undone_and_redone_back_to_a_byte_identical_file(window, tmp_path):
    doc = window.document
    source, target = two_nodes(window)
    doc.connect(source, "data", target, "data")
    note = doc.add_annotation("text", (0.0, -100.0, 200.0, 40.0), "Step 1")
    assert window.files.save_to(str(tmp_path / "saved.embedflow"))
    saved = (tmp_path / "saved.embedflow").read_bytes()
    third = doc.add_node("t_needs_embeddings", (300.0, 150.0))
    doc.connect(target, "embeddings", third, "data")
    doc.move_nodes({source: ((-150.0, 0.0), (-180.5, 12.25))})
    doc.rename(target, "Scaled")
    doc.update_settings(target, {"factor": 2.5})
    doc.update_annotation(note, text="Step one")
    window.scene.select_only([source])
    window.editor.delete_selection()
    window.scene.select_only([third])
    window.editor.duplicate()
    [copy] = window.scene.selected_node_ids()
    doc.connect(target, "embeddings", copy, "data")
    edited_index = doc.undo_stack.index()
    write_workflow(doc.workflow, tmp_path / "edited.embedflow")
    while doc.undo_stack.index() > doc.undo_stack.cleanIndex():
        window.named_actions["undo"].trigger()
    assert doc.undo_stack.isClean()
    write_workflow(doc.workflow, tmp_path / "undone.embedflow")
    assert (tmp_path / "undone.embedflow").read_bytes() == saved
    while doc.undo_stack.index() < edited_index:
        window.named_actions["redo"].trigger()
    write_workflow(doc.workflow, tmp_path / "redone.embedflow")
    assert (tmp_path / "redone.embedflow").read_bytes() == (tmp_path / "edited.embedflow").read_bytes()


def test_escape_while_renaming_keeps_the_old_title(window):
    node_id = window.document.add_node("t_numbers", (0.0, 0.0))
    window.scene.select_only([node_id])
    window.view.setFocus()
    window.named_actions["rename"].trigger()
    QTest.keyClicks(window.view, "Oops")
    QTest.keyClick(window.view, Qt.Key_Escape)
    assert window.scene.nodes[node_id].title == "Numbers"
    assert window.document.workflow.nodes[node_id].title == "Numbers"
    assert window.document.undo_stack.undoText() == "Add Numbers"


def test_dragging_a_selected_notes_corner_resizes_it_in_one_undo_step(window):
    note = window.document.add_annotation("text", (0.0, 0.0, 200.0, 60.0), "Resize me")
    item = window.scene.annotations[note]
    item.setSelected(True)
    corner = view_point(window, item.mapToScene(item.boundingRect().bottomRight()) - QPointF(2, 2))
    drag(window.view.viewport(), corner, corner + QPoint(100, 40))
    x, y, width, height = window.document.workflow.annotations[note].rect
    assert (x, y) == (0.0, 0.0) and 295 <= width <= 300 and height >= 95
    window.named_actions["undo"].trigger()
    assert window.document.workflow.annotations[note].rect == (0.0, 0.0, 200.0, 60.0)


def test_dragging_an_arrows_head_moves_only_that_end(window):
    arrow = window.document.add_annotation("arrow", (0.0, 0.0, 100.0, 0.0))
    window.scene.annotations[arrow].setSelected(True)
    drag(window.view.viewport(), view_point(window, QPointF(100, 0)), view_point(window, QPointF(150, 80)))
    assert window.document.workflow.annotations[arrow].rect == (0.0, 0.0, 150.0, 80.0)


def test_dragging_a_note_moves_it(window):
    note = window.document.add_annotation("text", (0.0, 0.0, 200.0, 60.0), "Move me")
    drag(window.view.viewport(), view_point(window, QPointF(60, 10)), view_point(window, QPointF(110, 40)))
    assert window.document.workflow.annotations[note].rect == (50.0, 30.0, 200.0, 60.0)


def test_quick_search_lists_blocks_whose_title_matches_before_those_whose_description_does(qtbot):
    from embedflow_canvas.document.quick_search import QuickSearch

    popup = QuickSearch(None, default_registry().specs(), "emb")
    qtbot.addWidget(popup)
    listed = popup.visible_types()
    assert listed.index("text_embedding") < listed.index("nearest_neighbours")
    assert listed.index("image_embedding") < listed.index("scatter")


def test_enter_opens_the_settings_of_the_selected_block(window):
    node_id = window.document.add_node("t_numbers", (0.0, 0.0))
    window.scene.select_only([node_id])
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key_Return)
    assert window.editor.editors[node_id].isVisible()


def test_dragging_a_linked_input_away_moves_the_link_to_another_block(window):
    source, first = two_nodes(window)
    second = window.document.add_node("t_scale", (150.0, 200.0))
    window.document.connect(source, "data", first, "data")
    drag(window.view.viewport(), port_point(window, first, "in", "data"), port_point(window, second, "in", "data"))
    [link] = window.document.workflow.links.values()
    assert (link.source, link.target) == (source, second)
    assert window.scene.links[link.id].isVisible()
    window.named_actions["undo"].trigger()
    [link] = window.document.workflow.links.values()
    assert link.target == first


def test_dragging_a_linked_input_onto_empty_canvas_removes_the_link(window):
    source, target = two_nodes(window)
    window.document.connect(source, "data", target, "data")
    drag(window.view.viewport(), port_point(window, target, "in", "data"), view_point(window, QPointF(0, 250)))
    assert not window.document.workflow.links and not window.scene.links


def test_dropping_an_image_folder_creates_an_input_block_for_the_folder(window, tmp_path):
    from PIL import Image

    folder = tmp_path / "photos" / "cats"
    folder.mkdir(parents=True)
    Image.new("RGB", (8, 8), "red").save(folder / "one.png")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "photos"))])
    drop_mime(window, mime, view_point(window, QPointF(0, 0)))
    [node] = window.document.workflow.nodes.values()
    assert node.type == "input" and Path(node.settings["path"]) == tmp_path / "photos"


def test_dropping_a_folder_without_images_adds_nothing(window, tmp_path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path))])
    drop_mime(window, mime, view_point(window, QPointF(0, 0)))
    assert not window.document.workflow.nodes
    assert "neither a data file nor a folder with images" in window.statusBar().currentMessage()


def test_a_settings_step_holds_only_the_settings_it_changes_and_undo_drops_keys_it_added(window):
    node = window.document.add_node("t_scale", (0.0, 0.0), settings={"fail": False})
    window.document.update_settings(node, {"factor": 2.0})
    step = window.document.undo_stack.command(window.document.undo_stack.index() - 1)
    assert (step.changes, step.old, step.absent) == ({"factor": 2.0}, {}, ("factor",))
    window.named_actions["undo"].trigger()
    assert window.document.workflow.nodes[node].settings == {"fail": False}


def test_each_committed_setting_change_is_its_own_undo_step(window):
    node = window.document.add_node("scatter", (0.0, 0.0))
    for projection in ("tsne", "umap", "none"):  # from the default, pca
        window.document.update_settings(node, {"projection": projection})
    window.named_actions["undo"].trigger()
    assert window.document.workflow.nodes[node].settings["projection"] == "umap"


def test_a_spin_box_stepped_click_by_click_is_one_undo_step(window):
    from embedflow_canvas.editors.form import SettingsForm

    node = window.document.add_node("nearest_neighbours", (0.0, 0.0))
    before = window.document.undo_stack.count()
    form = next(w for w in window.editor.open_editor(node).findChildren(SettingsForm))
    spin = form.fields["k"].editor
    for _ in range(3):
        spin.stepUp()
    assert window.document.workflow.nodes[node].settings["k"] == 8
    assert window.document.undo_stack.count() == before + 1
    window.named_actions["undo"].trigger()
    assert window.document.workflow.nodes[node].settings["k"] == 5


def test_a_link_drawn_from_an_output_that_does_not_fit_starts_from_the_one_that_does(window):
    clustering = window.document.add_node("clustering", (-200.0, 0.0))
    scatter = window.document.add_node("scatter", (200.0, 0.0))
    drag(window.view.viewport(), port_point(window, clustering, "out", "clusters"),
         port_point(window, scatter, "in", "data"))
    [link] = window.document.workflow.links.values()
    assert (link.source, link.source_port, link.target_port) == (clustering, "clustered", "data")


def test_a_mismatched_link_s_message_names_the_output_that_would_fit(window, qtbot):
    clustering = window.document.add_node("clustering", (-200.0, 0.0))
    scatter = window.document.add_node("scatter", (200.0, 0.0))
    window.document.connect(clustering, "clusters", scatter, "data")
    qtbot.waitUntil(lambda: any(d.code == "port-type-mismatch" for d in window.diagnostics))
    found = next(d for d in window.diagnostics if d.code == "port-type-mismatch")
    assert "on 'clusters'" in found.message and "output 'clustered' instead" in found.hint


def test_a_link_let_go_on_the_lower_half_of_a_blocks_first_input_ends_on_that_input(window):
    """Text Embedding's `encoded` and `fit` dots are 16 px apart, so their grab areas overlap: the one nearer
    the pointer wins, not the one drawn last (a drop 4 px below `encoded` went to the optional `fit`)."""
    encoding = window.document.add_node("text_encoding", (-200.0, 0.0))
    embedding = window.document.add_node("text_embedding", (200.0, 0.0))
    encoded = window.scene.nodes[embedding].port("in", "encoded").scenePos()
    drag(window.view.viewport(), port_point(window, encoding, "out", "encoded"),
         view_point(window, encoded + QPointF(0.0, 4.0)))
    [link] = window.document.workflow.links.values()
    assert (link.source, link.target, link.target_port) == (encoding, embedding, "encoded")
