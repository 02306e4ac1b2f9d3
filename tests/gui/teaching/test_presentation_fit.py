"""Presentation mode (F5) fits the whole workflow at the larger sizes, and Fit keeps it large."""

from __future__ import annotations

import pytest
from PyQt5.QtCore import QRectF, Qt
from PyQt5.QtTest import QTest
from PyQt5.QtWidgets import QApplication

from embedflow.io.resources import resource


def shown_rect(window) -> QRectF:
    """The part of the scene the canvas shows."""
    return window.view.mapToScene(window.view.viewport().rect()).boundingRect()


def workflow_rect(window) -> QRectF:
    """Every block with its title and summary, and every note and arrow."""
    return window.scene.items_rect()


def open_at_actual_size(window, name: str) -> None:
    """Open an example (it fits itself once shown), then zoom to 100 % as a user would."""
    assert window.open_example(resource("examples", name))
    QApplication.processEvents()  # the fit the opening queued
    window.named_actions["reset_zoom"].trigger()
    assert window.view.zoom == 1.0


def present(window) -> None:
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key_F5)
    QApplication.processEvents()  # the docks grow with the larger fonts


def test_f5_never_crops_the_workflow(window):
    window.resize(1200, 860)
    open_at_actual_size(window, "documents-map.embedflow")
    assert not shown_rect(window).contains(workflow_rect(window))  # at 100 % it does not fit
    try:
        present(window)
        assert window.teaching.presentation.active
        shown, workflow = shown_rect(window), workflow_rect(window)
        assert shown.contains(workflow)
        # Fitted to the viewport the larger fonts left, not merely shrunk: it spans one side of it.
        assert max(workflow.width() / shown.width(), workflow.height() / shown.height()) > 0.9
    finally:
        window.teaching.presentation.set_active(False)


def test_f5_draws_blocks_larger_when_there_is_room_and_fit_keeps_them_so(window):
    window.resize(1800, 1200)
    open_at_actual_size(window, "documents-map.embedflow")
    try:
        present(window)
        presented = window.view.zoom * window.scene.layout.scale  # how much larger than at 100 % on screen
        window.named_actions["fit"].trigger()
        assert window.view.zoom * window.scene.layout.scale > 1.0
        assert window.view.zoom * window.scene.layout.scale == pytest.approx(presented)
        assert shown_rect(window).contains(workflow_rect(window))
    finally:
        window.teaching.presentation.set_active(False)


def drawn_sizes(window):
    """Per block, note and link: its width on screen (block and note: bounding box; link: pen)."""
    zoom = window.view.zoom
    return ({node_id: item.sceneBoundingRect().width() * zoom for node_id, item in window.scene.nodes.items()},
            {note_id: item.sceneBoundingRect().width() * zoom for note_id, item in window.scene.annotations.items()
             if type(item).__name__ == "TextAnnotationItem"},
            {link_id: item.pen().widthF() * zoom for link_id, item in window.scene.links.items()})


def test_f5_scales_blocks_notes_and_links_on_the_canvas_and_leaving_restores_them(window):
    window.resize(1200, 860)
    open_at_actual_size(window, "word-similarity.embedflow")
    blocks, notes, links = drawn_sizes(window)
    positions = {node_id: item.pos() for node_id, item in window.scene.nodes.items()}
    try:
        present(window)
        scale = window.scene.layout.scale
        assert scale > 1.0
        scaled_blocks, scaled_notes, scaled_links = drawn_sizes(window)
        zoom = window.view.zoom
        for before, after, factor in ((blocks, scaled_blocks, scale), (notes, scaled_notes, scale),
                                      (links, scaled_links, scale)):
            assert before and all(abs(after[key] - before[key] * factor * zoom) < 0.5 + 1e-3 * before[key]
                                  for key in before)
        assert {node_id: item.pos() for node_id, item in window.scene.nodes.items()} == positions
        link = next(iter(window.scene.links.values()))
        assert link.path().pointAtPercent(0) == link.source.scenePos()  # links still meet the scaled ports
        assert shown_rect(window).contains(workflow_rect(window))
        added = window.document.add_node("input", (0.0, 0.0))
        assert window.scene.nodes[added].scale() == scale  # a block added while presenting is scaled too
    finally:
        window.teaching.presentation.set_active(False)
    window.view.reset_zoom()
    restored_blocks, restored_notes, restored_links = drawn_sizes(window)
    assert restored_blocks.pop(added) > 0 and restored_blocks == pytest.approx(blocks)
    assert restored_notes == pytest.approx(notes) and restored_links == pytest.approx(links)
    assert window.scene.layout.scale == 1.0
    assert all(item.transform().isIdentity() for item in window.scene.items() if item.parentItem() is None)


def overlapping_pairs(window) -> set[tuple[int, int]]:
    """Pairs of blocks (with titles and summaries) and notes whose drawn areas overlap."""
    rects = [node.mapRectToScene(node.boundingRect().united(node.childrenBoundingRect()))
             for node in window.scene.nodes.values()]
    rects += [note.sceneBoundingRect() for note in window.scene.annotations.values()
              if type(note).__name__ == "TextAnnotationItem"]
    return {(i, j) for i in range(len(rects)) for j in range(i + 1, len(rects)) if rects[i].intersects(rects[j])}


@pytest.mark.parametrize("name", ["documents-map.embedflow", "word-similarity.embedflow", "word-clusters.embedflow"])
def test_f5_makes_no_block_or_note_cover_another(window, name):
    assert window.open_example(resource("examples", name))
    window.runs.cancel()  # summaries that arrive later would change the blocks' sizes
    before = overlapping_pairs(window)
    try:
        present(window)
        assert overlapping_pairs(window) <= before
    finally:
        window.teaching.presentation.set_active(False)


def test_f5_spreads_a_tight_workflow_apart_to_draw_it_larger_and_arrows_still_point_where_they_did(window):
    window.resize(2400, 1600)  # room to draw it larger than at 100 %
    assert window.open_example(resource("examples", "documents-map.embedflow"))  # notes close under the blocks
    window.runs.cancel()
    QApplication.processEvents()
    normal = {node_id: width for node_id, width in drawn_sizes(window)[0].items()}
    positions = {node_id: item.pos() for node_id, item in window.scene.nodes.items()}
    arrows = [item for item in window.scene.annotations.values() if type(item).__name__ == "ArrowAnnotationItem"]
    try:
        present(window)
        layout = window.scene.layout
        assert layout.scale == 1.5 and max(layout.spread_x, layout.spread_y) > 1.0
        presented = drawn_sizes(window)[0]
        # Grown in place, the notes under the blocks would soon cover each other (at 1.05x); spread apart the
        # whole workflow is drawn 1.5x and fitted, larger on screen than zoom alone (up to 1.6x) could make it.
        assert all(presented[node_id] > 1.7 * normal[node_id] for node_id in normal)
        assert {node_id: item.pos() for node_id, item in window.scene.nodes.items()} == positions
        assert shown_rect(window).contains(workflow_rect(window))
        for arrow in arrows:  # both ends spread as the blocks they point at
            x1, y1, x2, y2 = arrow.model_rect()
            for (x, y), drawn in (((x1, y1), arrow.mapToScene(0, 0)), ((x2, y2), arrow.mapToScene(arrow._drawn()))):
                dx, dy = layout.offset(x, y)
                assert drawn.x() == pytest.approx(x + dx) and drawn.y() == pytest.approx(y + dy)
    finally:
        window.teaching.presentation.set_active(False)


def test_f5_fills_the_screen_so_a_workflow_that_filled_the_window_is_drawn_larger_and_leaving_restores_it(window):
    """documents-map opened fitted in a window of its opening size (90 % of the screen): without the full
    screen, the larger docks left less room and F5 drew its blocks smaller than before."""
    screen = window.screen().geometry()
    window.resize(int(screen.width() * 0.9), int(screen.height() * 0.9))
    QApplication.processEvents()
    size = window.size()
    assert window.open_example(resource("examples", "documents-map.embedflow"))
    QApplication.processEvents()  # the fit the opening queued
    before, _, _ = drawn_sizes(window)
    try:
        present(window)
        assert window.isFullScreen(), (window.teaching.presentation.active, window.windowState() & Qt.WindowFullScreen)
        after, _, _ = drawn_sizes(window)
        assert all(after[node_id] > before[node_id] for node_id in before)
        assert shown_rect(window).contains(workflow_rect(window))
    finally:
        window.teaching.presentation.set_active(False)
    QApplication.processEvents()
    assert not window.isFullScreen() and window.size() == size
