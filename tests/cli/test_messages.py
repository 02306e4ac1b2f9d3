"""`embedflow run` with an output folder it cannot use: a clear message naming it, exit 1, no traceback."""

from __future__ import annotations

import json

from embedflow.cli import main
from embedflow.registry import default_registry


def one_input_workflow(tmp_path) -> str:
    (tmp_path / "docs.csv").write_text("text\none doc\n", encoding="utf-8")
    path = tmp_path / "w.embedflow"
    path.write_text(json.dumps({"format": "embedflow-workflow", "version": 1, "annotations": [], "links": [],
                                "nodes": [{"id": "n1", "type": "input", "title": "Docs", "position": [0, 0],
                                           "settings": {"path": "docs.csv"}, "node_version": 1}]}))
    return str(path)


def test_run_into_an_out_path_that_is_a_file_says_so(tmp_path, capsys):
    (tmp_path / "taken").write_text("mine", encoding="utf-8")
    assert main(["run", one_input_workflow(tmp_path), "--out", str(tmp_path / "taken")]) == 1
    assert "it is a file, not a folder" in capsys.readouterr().err
    assert (tmp_path / "taken").read_text(encoding="utf-8") == "mine"


def test_an_output_that_cannot_be_written_names_its_node_and_fails_the_run(tmp_path, capsys):
    out = tmp_path / "out"
    (out / "n1-data.csv").mkdir(parents=True)  # a folder where the CSV should go: the write fails
    assert main(["run", one_input_workflow(tmp_path), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "n1 (Docs): its outputs could not be written to" in err and "Traceback" not in err


def test_adding_a_word_list_as_a_language_model_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EMBEDFLOW_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "words.txt").write_text("king\nqueen\n", encoding="utf-8")
    assert main(["models", "--add", str(tmp_path / "words.txt"), "--name", "mine"]) == 1
    assert "words.txt has words but no numbers after them" in capsys.readouterr().err
    assert main(["models"]) == 0 and "mine" not in capsys.readouterr().out


def test_a_failed_block_prints_its_hint_too(tmp_path, capsys):
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.4")
    path = tmp_path / "w.embedflow"
    path.write_text(json.dumps({"format": "embedflow-workflow", "version": 1, "annotations": [], "links": [],
                                "nodes": [{"id": "n1", "type": "input", "title": "Docs", "position": [0, 0],
                                           "settings": {"path": "report.pdf"}, "node_version": 1}]}))
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 1
    assert "Hint: Use CSV, TSV, Orange .tab, Excel (.xlsx), Parquet, JSON lines or .txt" in capsys.readouterr().err


def test_choosing_one_image_as_the_input_file_points_to_its_folder(tmp_path):
    from embedflow.core.workflow import Workflow
    from embedflow.engine import Engine
    from tests.image_support import photo

    (tmp_path / "pics").mkdir()
    photo("chelsea").save(tmp_path / "pics" / "cat.jpg")
    workflow = Workflow(default_registry())
    node = workflow.add_node("input", settings={"path": str(tmp_path / "pics" / "cat.jpg")})
    result = Engine(workflow).run()[node.id]
    assert result.state == "failed" and "cat.jpg is a single image" in result.error
    assert "Choose the folder that holds it (pics)" in result.messages[-1].hint
