"""The toolbox shows every block's title whole when the window opens."""

from __future__ import annotations


def test_the_toolbox_is_wide_enough_for_every_block_title(qtbot):
    from embedflow_canvas.mainwindow import MainWindow

    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    tree = window.toolbox.tree
    assert tree.viewport().width() >= tree.sizeHintForColumn(0) + tree.indentation()
    assert tree.horizontalScrollBar().maximum() == 0
    window.close()


def test_presentation_mode_keeps_every_block_title_whole(window, qtbot):
    tree = window.toolbox.tree
    window.teaching.presentation.set_active(True)
    try:
        qtbot.waitUntil(lambda: tree.viewport().width() >= tree.sizeHintForColumn(0) + tree.indentation(),
                        timeout=3000)
    finally:
        window.teaching.presentation.set_active(False)
