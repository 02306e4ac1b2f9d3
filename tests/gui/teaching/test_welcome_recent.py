"""The welcome screen's Recent list is as tall as its entries: no empty box under its heading."""

from __future__ import annotations

from embedflow_canvas.welcome import WelcomeDialog

from embedflow.registry import default_registry


def test_two_recent_workflows_leave_no_gap_under_the_heading(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    dialog = WelcomeDialog([str(tmp_path / "a" / "reviews.embedflow"), str(tmp_path / "b" / "reviews.embedflow")],
                           default_registry())
    qtbot.addWidget(dialog)
    dialog.resize(1000, 900)
    dialog.show()
    qtbot.waitExposed(dialog)
    recent = dialog.recent
    last = recent.visualItemRect(recent.item(recent.count() - 1))
    empty = recent.viewport().height() - last.bottom()
    assert 0 <= empty < last.height()  # at most part of a row below the last entry
    assert dialog.new_button.geometry().top() - recent.geometry().bottom() < 20  # the buttons follow the list
