"""A note shows a `command` in a monospaced font without its backticks, and is edited as typed."""

from __future__ import annotations

from PyQt5.QtCore import QPointF
from PyQt5.QtTest import QTest

NOTE = "Try `embedflow models --evaluate glove-6b-50d` on 14,877 questions."


def monospaced_text(document) -> str:
    """The characters of `document` drawn in a fixed-pitch font."""
    found, block = [], document.begin()
    while block.isValid():
        fragments = block.begin()
        while not fragments.atEnd():
            fragment = fragments.fragment()
            if fragment.charFormat().fontFamily() == "monospace":
                found.append(fragment.text())
            fragments += 1
        block = block.next()
    return "".join(found)


def test_a_note_shows_its_command_monospaced_without_backticks(window):
    note = window.editor.add_note(QPointF(0, 0))
    item = window.scene.annotations[note]
    item.text_item.clearFocus()
    window.document.update_annotation(note, text=NOTE)
    shown = item.text_item.document()
    assert shown.toPlainText() == "Try embedflow models --evaluate glove-6b-50d on 14,877 questions."
    assert monospaced_text(shown) == "embedflow models --evaluate glove-6b-50d"


def test_editing_a_note_shows_and_keeps_its_backticks(window):
    note = window.editor.add_note(QPointF(0, 0))
    QTest.keyClicks(window.view, NOTE)
    item = window.scene.annotations[note]
    assert item.text_item.toPlainText() == NOTE  # while typing, as typed
    item.text_item.clearFocus()
    assert window.document.workflow.annotations[note].text == NOTE
    assert "`" not in item.text_item.toPlainText()
    item.start_editing()
    assert item.text_item.toPlainText() == NOTE
