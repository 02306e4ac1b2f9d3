"""`embedflow run`, `embedflow validate` and `--version` on good and bad files."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from embedflow import __version__
from embedflow.cli import main
from tests.helpers import register_test_nodes, unregister_test_nodes


@pytest.fixture(autouse=True)
def test_nodes():
    register_test_nodes()
    yield
    unregister_test_nodes()


def write_doc(path, nodes, links=()):
    path.write_text(json.dumps({"format": "embedflow-workflow", "version": 1, "nodes": nodes,
                                "links": list(links), "annotations": []}))
    return str(path)


def input_node(node_id="n1", path="docs.csv", **settings):
    return {"id": node_id, "type": "input", "title": "Docs", "position": [0, 0],
            "settings": {"path": path, **settings}, "node_version": 1}


@pytest.fixture
def good(tmp_path):
    pd.DataFrame({"text": ["one doc", "two docs"], "n": [1, 2]}).to_csv(tmp_path / "docs.csv", index=False)
    return write_doc(tmp_path / "good.embedflow", [
        input_node(),
        {"id": "n3", "type": "t_numbers", "title": "Numbers", "position": [1, 1], "settings": {}, "node_version": 1},
        {"id": "n4", "type": "t_scale", "title": "Scale 2", "position": [1, 1], "settings": {"factor": 2},
         "node_version": 1},
    ], [{"id": "l1", "source": "n3", "source_port": "data", "target": "n4", "target_port": "data"}])


def test_validate_good_file_exits_0(good, capsys):
    assert main(["validate", good]) == 0
    assert "no problems found" in capsys.readouterr().out


def test_run_writes_each_output_port_as_csv_with_vector_columns(good, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", good, "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["n1-data.csv", "n3-data.csv", "n4-embeddings.csv"]
    frame = pd.read_csv(out / "n4-embeddings.csv")
    assert frame.columns.tolist() == ["x", "dim_0", "dim_1"] and frame["dim_1"].tolist() == [0, 2, 4]
    assert "n1 (Docs): 2 rows" in capsys.readouterr().err


def test_run_on_validation_error_exits_1_naming_the_node(tmp_path, capsys):
    path = write_doc(tmp_path / "w.embedflow", [input_node(path="missing.csv")])
    assert main(["run", path, "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "n1: error missing-file" in err and "nothing was run" in err


def test_run_with_a_failing_node_exits_1_but_writes_the_rest(tmp_path, capsys):
    (tmp_path / "empty.csv").write_text("")
    path = write_doc(tmp_path / "w.embedflow", [
        input_node(path="empty.csv"),
        {"id": "n2", "type": "t_numbers", "title": "Numbers", "position": [0, 0], "settings": {},
         "node_version": 1}])
    assert main(["run", path, "--out", str(tmp_path / "out")]) == 1
    assert "n1 (Docs): failed: empty.csv is empty" in capsys.readouterr().err
    assert (tmp_path / "out" / "n2-data.csv").exists()


BAD_FILES = {
    "not-json.embedflow": b"this is not json",
    "garbage.embedflow": bytes(range(256)),
    "truncated.embedflow": b'{"format": "embedflow-workflow", "version": 1, "nodes": [{"id": "n1"',
    "wrong-format.embedflow": b'{"format": "orange-workflow", "version": 1}',
    "newer.embedflow": b'{"format": "embedflow-workflow", "version": 2, "nodes": []}',
    "latin1.embedflow": '{"format": "embedflow-workflow", "version": 1, "nodes": [{"title": "é"}]}'.encode("latin-1"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
@pytest.mark.parametrize("command", ["validate", "run"])
def test_unreadable_files_exit_1_with_a_message_and_no_traceback(tmp_path, capsys, name, command):
    (tmp_path / name).write_bytes(BAD_FILES[name])
    assert main([command, str(tmp_path / name)]) == 1
    err = capsys.readouterr().err
    assert name in err and "Traceback" not in err


@pytest.mark.parametrize("nodes, links, expected, exit_code", [
    ([{"id": "n1", "type": "mystery", "settings": {"k": 1}}], [], "n1: error unknown-node-type", 1),
    ([{"id": "n1", "type": "t_numbers"}, {"id": "n1", "type": "t_numbers"}], [], "n2: warning duplicate-id", 0),
    ([{"id": "n1", "type": "t_numbers"}],
     [{"id": "l1", "source": "n1", "source_port": "data", "target": "n9", "target_port": "data"}],
     "workflow: warning dangling-link", 0),
    ([{"id": "n1", "type": "t_numbers"}, {"id": "n2", "type": "t_scale"}],
     [{"id": "l1", "source": "n1", "source_port": "data", "target": "n2", "target_port": "nope"}],
     "n2: warning dangling-link", 1),
    ([{"id": "n1", "type": "t_numbers", "settings": {"rows": "three"}}], [], "n1: error invalid-setting", 1),
    ([{"id": "n1", "type": "t_numbers", "settings": {"rows": 0}}], [], "n1: error invalid-setting", 1),
    ([{"id": "a", "type": "t_slow"}, {"id": "b", "type": "t_slow"}],
     [{"id": "l1", "source": "a", "source_port": "data", "target": "b", "target_port": "data"},
      {"id": "l2", "source": "b", "source_port": "data", "target": "a", "target_port": "data"}], "error cycle", 1),
    ([{"id": "n1", "type": "t_numbers"}, {"id": "n2", "type": "t_needs_embeddings"}],
     [{"id": "l1", "source": "n1", "source_port": "data", "target": "n2", "target_port": "data"}],
     "n2: error port-type-mismatch", 1),
    ([{"id": "n1", "type": "t_scale"}], [], "n1: error missing-input", 1),
])
def test_validate_reports_problems_one_line_each(tmp_path, capsys, nodes, links, expected, exit_code):
    path = write_doc(tmp_path / "w.embedflow", nodes, links)
    code = main(["validate", path])
    out = capsys.readouterr().out
    assert expected in out
    assert code == exit_code


def test_version_and_console_script(tmp_path):
    done = subprocess.run([sys.executable, "-m", "embedflow", "--version"], capture_output=True, text=True)
    assert done.stdout.strip() == f"embedflow {__version__}"


def test_validate_of_a_truncated_file_points_at_its_backup_only_when_there_is_one(tmp_path, capsys):
    path = tmp_path / "cut.embedflow"
    path.write_text('{"format": "embedflow-workflow", "version": 1, "nodes": [', encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "looks truncated" in err and ".bak" not in err
    (tmp_path / "cut.embedflow.bak").write_text('{"format": "embedflow-workflow", "version": 1}', encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    assert f"its last good version is {path}.bak" in capsys.readouterr().err
