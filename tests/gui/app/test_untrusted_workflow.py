"""A workflow file that reads outside its folders: named in Messages, and nothing runs before the user says so."""

from __future__ import annotations

from pathlib import Path

from embedflow.core.workflow import Workflow
from embedflow.io.workflow_file import write_workflow
from embedflow.registry import default_registry


def shared_workflow(tmp_path: Path) -> tuple[Path, Path]:
    secret = tmp_path / "private" / "diary.csv"
    secret.parent.mkdir()
    secret.write_text("text\ndear diary\n", encoding="utf-8")
    workflow = Workflow(default_registry())
    workflow.add_node("input", node_id="n1", title="Reviews", settings={"path": str(secret)})
    file = tmp_path / "downloads" / "lesson" / "shared.embedflow"
    file.parent.mkdir(parents=True)
    write_workflow(workflow, file)
    return file, secret


def test_opening_a_workflow_that_reads_outside_its_folders_warns_and_does_not_run(window, qtbot, tmp_path):
    file, secret = shared_workflow(tmp_path)
    assert window.open_file(str(file))
    found = [d for d, _ in window.messages.messages if d.code == "untrusted-path"]
    assert len(found) == 1 and str(secret) in found[0].message
    assert not window.runs.auto_run and not window.named_actions["autorun"].isChecked()
    assert "auto-run is off" in window.statusBar().currentMessage()
    assert window.runs.handle is None and not window.runs._timer.isActive(), "no run started or scheduled"
    window.grab().save("/tmp/embedflow-untrusted.png")
