"""Teaching tools on the canvas: help (F1), welcome screen, presentation mode, PNG/SVG export."""

from __future__ import annotations

import pytest
from embedflow_canvas import thumbnails
from embedflow_canvas.export import content_rect
from embedflow_canvas.teaching import Teaching
from embedflow_canvas.welcome import WelcomeDialog, set_show_at_startup, show_at_startup
from PyQt5.QtCore import Qt, QUrl
from PyQt5.QtGui import QImage
from PyQt5.QtTest import QTest
from PyQt5.QtWidgets import QApplication

from embedflow.io import resources
from embedflow.registry import default_registry

WORDS = resources.resource("examples", "word-similarity.embedflow")


@pytest.fixture
def teaching(window):
    """The window's teaching tools, on the word-similarity example."""
    assert window.open_example(WORDS)
    tools = getattr(window, "teaching", None) or Teaching(window)
    yield tools
    tools.presentation.set_active(False)


def node_of_type(window, type_name: str) -> str:
    return next(n.id for n in window.document.workflow.nodes.values() if n.type == type_name)


# -- help ---------------------------------------------------------------------------------------
def test_f1_opens_the_help_page_of_the_selected_block(window, teaching, qtbot):
    window.scene.select_only([node_of_type(window, "nearest_neighbours")])
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key_F1)
    viewer = window._help_viewer
    qtbot.waitUntil(viewer.isVisible)
    assert viewer.page == "nearest_neighbours"
    assert "Nearest Neighbours" in viewer.browser.toPlainText()


def test_f1_in_a_blocks_settings_window_opens_that_blocks_help(window, teaching, qtbot):
    window.scene.select_only([node_of_type(window, "input")])
    dialog = window.editor.open_editor(node_of_type(window, "text_embedding"))
    qtbot.waitExposed(dialog)
    QApplication.setActiveWindow(dialog)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    QTest.keyClick(dialog, Qt.Key_F1)
    viewer = window._help_viewer
    qtbot.waitUntil(viewer.isVisible)
    assert viewer.page == "text_embedding"


def test_f1_with_nothing_selected_opens_what_an_embedding_is(window, teaching, qtbot):
    window.scene.clearSelection()
    viewer = teaching.show_help()
    assert viewer.page == "embeddings"
    assert viewer.browser.toPlainText().startswith("What is an embedding?")


def test_a_link_in_a_help_page_opens_that_page_and_back_returns(window, teaching):
    window.scene.select_only([node_of_type(window, "scatter")])
    viewer = teaching.show_help()
    viewer.follow_link(QUrl("projections.md"))
    assert viewer.page == "projections"
    assert viewer.back_button.isEnabled()
    viewer.back_button.click()
    assert viewer.page == "scatter"


def test_the_help_page_list_opens_a_concept_page(window, teaching):
    viewer = teaching.show_help()
    item = next(viewer.pages.item(r) for r in range(viewer.pages.count())
                if viewer.pages.item(r).data(Qt.UserRole) == "distances")
    QTest.mouseClick(viewer.pages.viewport(), Qt.LeftButton, Qt.NoModifier, viewer.pages.visualItemRect(item).center())
    assert viewer.page == "distances"


def test_the_help_window_stays_on_the_page_it_was_opened_on(window, teaching, qtbot):
    window.scene.clearSelection()
    viewer = teaching.show_help()
    qtbot.waitExposed(viewer)
    QTest.qWait(50)
    assert viewer.page == "embeddings" and not viewer.back_button.isEnabled()


# -- welcome screen -------------------------------------------------------------------------------
def test_welcome_gallery_shows_every_example_with_a_drawn_thumbnail(window, teaching):
    dialog = teaching.show_welcome()
    assert sorted(dialog.example_paths()) == resources.examples()
    for row in range(dialog.gallery.count()):
        icon = dialog.gallery.item(row).icon()
        image = icon.pixmap(thumbnails.SIZE).toImage()
        colours = {image.pixel(x, y) for x in range(0, image.width(), 2) for y in range(0, image.height(), 2)}
        assert not icon.isNull() and len(colours) > 20


def test_welcome_gallery_names_examples_by_their_title_note(window, teaching):
    dialog = teaching.show_welcome()
    names = [dialog.gallery.item(r).text().split("\n")[0] for r in range(dialog.gallery.count())]
    assert "Why is this workflow invalid?" in names and "Word similarity with GloVe" in names


def test_double_clicking_an_example_in_the_gallery_opens_it(window, teaching, qtbot):
    window.files.new()
    dialog = teaching.show_welcome()
    row = next(r for r, p in enumerate(dialog.example_paths()) if p.stem == "image-map")
    rect = dialog.gallery.visualItemRect(dialog.gallery.item(row))
    QTest.mouseClick(dialog.gallery.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
    QTest.mouseDClick(dialog.gallery.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert {n.type for n in window.document.workflow.nodes.values()} == {"input", "image_embedding", "scatter"}
    assert "Image map" in window.windowTitle()


def test_welcome_lists_recent_workflows_and_opens_one(window, teaching, qtbot, tmp_path):
    saved = tmp_path / "mine.embedflow"
    assert window.files.save_to(str(saved))
    window.files.new()
    dialog = teaching.show_welcome()
    assert dialog.recent.item(0).text() == "mine"
    dialog.recent.itemActivated.emit(dialog.recent.item(0))
    assert window.document.path == str(saved.resolve())


def test_show_at_startup_is_remembered(window, teaching):
    dialog = teaching.show_welcome()
    assert show_at_startup()
    dialog.startup.setChecked(False)
    assert not show_at_startup()
    assert not WelcomeDialog([], window.registry, None).startup.isChecked()
    set_show_at_startup(True)


def test_thumbnails_are_cached_and_redrawn_when_the_workflow_changes(tmp_path, qapp):
    path = tmp_path / "w.embedflow"
    path.write_bytes(WORDS.read_bytes())
    thumbnails.thumbnail(path, default_registry())
    first = sorted(p.name for p in thumbnails.cache_dir("thumbnails").glob("w-*.png"))
    thumbnails.thumbnail(path, default_registry())
    assert sorted(p.name for p in thumbnails.cache_dir("thumbnails").glob("w-*.png")) == first
    path.write_text(WORDS.read_text(encoding="utf-8").replace('"Words"', '"Other words"'), encoding="utf-8")
    thumbnails.thumbnail(path, default_registry())
    assert len(list(thumbnails.cache_dir("thumbnails").glob("w-*.png"))) == 2


# -- presentation mode ------------------------------------------------------------------------------
def node_width_on_screen(window) -> int:
    item = window.scene.nodes[node_of_type(window, "input")]
    return window.view.mapFromScene(item.sceneBoundingRect()).boundingRect().width()


def test_presentation_mode_enlarges_text_and_blocks(window, teaching):
    window.resize(1800, 1200)  # room for the workflow at the larger size
    assert window.open_example(resources.resource("examples", "documents-map.embedflow"))
    window.view.fit()
    font, width = QApplication.font().pointSizeF(), node_width_on_screen(window)
    teaching.window.named_actions["presentation"].trigger()
    assert QApplication.font().pointSizeF() == pytest.approx(font * 1.5)
    assert node_width_on_screen(window) >= 1.2 * width


def test_leaving_presentation_mode_restores_the_sizes(window, teaching):
    font, zoom = QApplication.font().pointSizeF(), window.view.zoom
    teaching.window.named_actions["presentation"].trigger()
    teaching.window.named_actions["presentation"].trigger()
    assert not teaching.presentation.active
    assert (QApplication.font().pointSizeF(), window.view.zoom) == (font, pytest.approx(zoom))


# -- export -------------------------------------------------------------------------------------------
def test_export_png_writes_the_canvas_at_twice_its_size(window, teaching, tmp_path):
    teaching.choose_export_path = lambda kind: str(tmp_path / "slide")
    written = teaching.export("png")
    assert written == tmp_path / "slide.png"
    image = QImage(str(written))
    rect = content_rect(window.scene)
    assert (image.width(), image.height()) == (round(rect.width() * 2), round(rect.height() * 2))


def test_export_svg_keeps_block_titles_and_notes_as_text(window, teaching, tmp_path):
    teaching.choose_export_path = lambda kind: str(tmp_path / "slide.svg")
    text = teaching.export("svg").read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    assert "Text Embedding" in text and "Word similarity with GloVe" in text


def test_export_leaves_the_selection_out_of_the_picture_and_selected(window, teaching, tmp_path):
    teaching.choose_export_path = lambda kind: str(tmp_path / "plain.png")
    plain = teaching.export("png").read_bytes()
    node = node_of_type(window, "text_encoding")
    window.scene.select_only([node])
    teaching.choose_export_path = lambda kind: str(tmp_path / "selected.png")
    assert teaching.export("png").read_bytes() == plain
    assert window.scene.selected_node_ids() == [node]


def test_cancelled_export_writes_nothing(window, teaching, tmp_path):
    teaching.choose_export_path = lambda kind: ""
    assert teaching.export("png") is None
    assert list(tmp_path.iterdir()) == []


def test_export_to_an_unwritable_place_says_so(window, teaching, tmp_path):
    (tmp_path / "file").write_text("not a folder")
    errors = []
    window.show_error = lambda title, message: errors.append(message)
    teaching.choose_export_path = lambda kind: str(tmp_path / "file" / "slide.png")
    assert teaching.export("png") is None
    assert errors and "slide.png" in errors[0]


# -- start-up -----------------------------------------------------------------------------------------
def visible(qapp, kind):
    return [w for w in qapp.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


def start_without_a_file(qapp):
    """Run `embedflow` with no FILE; returns the gallery sizes of the welcome screens that were showing."""
    from embedflow_canvas.mainwindow import MainWindow
    from PyQt5.QtCore import QTimer

    from embedflow import cli

    seen = []

    def look_and_close():
        seen.extend(dialog.gallery.count() for dialog in visible(qapp, WelcomeDialog))
        for window in visible(qapp, MainWindow):
            window.document.undo_stack.setClean()
            window.close()
        qapp.quit()

    QTimer.singleShot(0, look_and_close)
    assert cli.main([]) == 0
    return seen


def test_starting_without_a_file_shows_the_welcome_screen(qapp):
    assert start_without_a_file(qapp) == [len(resources.examples())]


def test_the_welcome_screen_stays_away_when_switched_off(qapp):
    set_show_at_startup(False)
    assert start_without_a_file(qapp) == []


def test_welcome_shows_three_columns_whole_titles_and_descriptions(window, teaching, qtbot):
    from embedflow.io.examples import title_and_description

    dialog = teaching.show_welcome()
    dialog.resize(dialog.usual_size())
    qtbot.waitUntil(lambda: dialog.gallery.viewport().width() > 0)
    gallery = dialog.gallery
    columns = {gallery.visualItemRect(gallery.item(r)).center().x() // gallery.gridSize().width()
               for r in range(gallery.count())}
    assert len(columns) == 3
    text_room = gallery.gridSize().height() - thumbnails.SIZE.height() - 8
    for row in range(gallery.count()):
        item = gallery.item(row)
        title, description = title_and_description(dialog.example_paths()[row])
        assert description and item.text() == f"{title}\n{description}"
        needed = gallery.fontMetrics().boundingRect(0, 0, gallery.gridSize().width() - 8, 10_000,
                                                    Qt.TextWordWrap | Qt.AlignHCenter, item.text()).height()
        assert needed <= text_room, item.text()


def test_export_of_a_workflow_without_notes_keeps_every_title_and_summary_whole(window, tmp_path):
    from embedflow_canvas.export import export_png

    window.named_actions["autorun"].setChecked(False)
    node = window.document.add_node("nearest_neighbours", (0.0, 0.0))
    item = window.scene.nodes[node]
    item.set_run_state("done", summary="158 queries × 5 neighbours (cosine): 790 rows")
    rect = content_rect(window.scene)
    for label in (item.title_item, item.status_item):
        assert rect.contains(label.sceneBoundingRect())
    image = QImage(str(export_png(window.scene, tmp_path / "one.png")))
    assert (image.width(), image.height()) == (round(rect.width() * 2), round(rect.height() * 2))
