"""The bad workflow files of issue 12 give a clear message or a loaded workflow with diagnostics, never a traceback."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from embedflow.api import read_workflow
from embedflow.cli import main
from embedflow.core.errors import WorkflowFileError
from embedflow.io.workflow_file import MAX_DEPTH, write_workflow
from embedflow.validation import validate
from tests.helpers import loads
from tests.reliability.support import workflow_text

HUGE = 10 ** 400


def _validate_command(path: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["validate", str(path)])
    return code, out.getvalue() + err.getvalue()


def _codes(text: str, tmp_path: Path) -> list[str]:
    workflow, found = loads(text)
    return [d.code for d in found + validate(workflow, str(tmp_path))]


def test_nesting_5000_deep_is_refused_as_too_deep() -> None:
    with pytest.raises(WorkflowFileError, match=f"nested too deeply.*{MAX_DEPTH}"):
        loads('{"format": "embedflow-workflow", "version": 1, "nodes": ' + "[" * 5000 + "]" * 5000 + "}")


def test_nesting_inside_settings_is_refused_before_anything_recurses() -> None:
    settings = "[" * 900 + "]" * 900  # below Python's recursion limit for json, above ours
    with pytest.raises(WorkflowFileError, match="nested too deeply"):
        node = f'{{"type": "input", "settings": {{"x": {settings}}}}}'
        loads(workflow_text().replace('"nodes": []', f'"nodes": [{node}]'))


def test_an_integer_of_5000_digits_is_refused_clearly() -> None:
    with pytest.raises(WorkflowFileError, match="number too long"):
        loads(workflow_text().replace('"links": []', '"links": ' + "9" * 5000))


@pytest.mark.parametrize(("block", "setting"), [("nearest_neighbours", "k"), ("scatter", "perplexity")])
def test_a_400_digit_number_in_a_setting_is_an_invalid_setting(block: str, setting: str, tmp_path: Path) -> None:
    codes = _codes(workflow_text([{"id": "n1", "type": block, "settings": {setting: HUGE}}]), tmp_path)
    assert "invalid-setting" in codes


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_nan_and_infinities_are_never_acceptable_numbers(value: float, tmp_path: Path) -> None:
    text = workflow_text([{"id": "n1", "type": "scatter", "settings": {"perplexity": value}}])
    workflow, _ = loads(text)
    messages = [d for d in validate(workflow, str(tmp_path)) if d.code == "invalid-setting"]
    assert messages and "finite number" in messages[0].message


def test_huge_positions_and_rects_are_dropped_with_a_warning(tmp_path: Path) -> None:
    text = workflow_text([{"id": "n1", "type": "input", "position": [HUGE, 1e400]}],
                         annotations=[{"kind": "text", "rect": [0, 0, HUGE, 1], "text": "x"}])
    workflow, found = loads(text)
    assert {d.code for d in found} == {"invalid-position", "invalid-annotation"}
    assert workflow.nodes["n1"].position == (0.0, 0.0) and not workflow.annotations
    write_workflow(workflow, tmp_path / "saved.embedflow")  # and what loaded saves
    assert read_workflow(tmp_path / "saved.embedflow")[0].nodes["n1"].position == (0.0, 0.0)


@pytest.mark.parametrize("path", ["~nosuchuser/x.csv", "x" * 5000, "d" * 300 + "/f.csv", "a\x00b.csv"])
def test_odd_data_paths_are_diagnosed_not_raised(path: str, tmp_path: Path) -> None:
    workflow_file = tmp_path / "odd.embedflow"
    workflow_file.write_text(workflow_text([{"id": "n1", "type": "input", "settings": {"path": path}}]))
    code, output = _validate_command(workflow_file)
    assert code == 1 and "n1: error" in output and "Traceback" not in output


def test_a_lone_surrogate_in_an_id_prints_and_saves(tmp_path: Path) -> None:
    workflow_file = tmp_path / "surrogate.embedflow"
    workflow_file.write_text(workflow_text([{"id": "n\\ud800", "type": "nosuchblock"}]).replace("\\\\ud800", "\\ud800"))
    code, output = _validate_command(workflow_file)
    assert code == 1 and "unknown-node-type" in output
    workflow, _ = read_workflow(workflow_file)
    write_workflow(workflow, tmp_path / "again.embedflow")
    assert list(read_workflow(tmp_path / "again.embedflow")[0].nodes) == ["n\ufffd"]


def test_a_workflow_file_larger_than_the_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import embedflow.io.workflow_file as workflow_file

    monkeypatch.setattr(workflow_file, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "big.embedflow"
    path.write_text(workflow_text(annotations=[{"kind": "text", "rect": [0, 0, 1, 1], "text": "x" * 2000}]))
    with pytest.raises(WorkflowFileError, match="larger than the limit"):
        read_workflow(path)

