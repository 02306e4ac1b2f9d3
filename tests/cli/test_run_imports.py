"""`embedflow run` starts only what the workflow uses: no image, download or model code for a table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

# Loaded by a workflow that needs them, never by one that only reads and writes a table.
HEAVY = ("onnx", "onnxruntime", "PIL", "requests", "urllib3", "gensim", "sklearn", "scipy",
         "embedflow.images.catalog", "embedflow.images.pipeline", "embedflow.images.runtime",
         "embedflow.images.squeezenet", "embedflow.images.client", "embedflow.io.downloads",
         "embedflow.text.models", "embedflow.text.gensim_data")

PROBE = """
import json, sys
from embedflow.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def write_workflow(folder: Path, nodes: list[dict], links: list[dict]) -> Path:
    path = folder / "flow.embedflow"
    path.write_text(json.dumps({"format": "embedflow-workflow", "version": 1, "nodes": nodes, "links": links,
                                "annotations": []}))
    return path


def run_and_list_modules(workflow: Path, out: Path) -> tuple[int, set[str]]:
    """Run `embedflow run` in a fresh interpreter; its exit code and every module it imported."""
    done = subprocess.run([sys.executable, "-c", PROBE, "run", str(workflow), "--out", str(out)],
                          capture_output=True, text=True, check=True, timeout=300)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["code"], set(report["modules"])


def loaded_heavy(modules: set[str], heavy: tuple[str, ...] = HEAVY) -> list[str]:
    return sorted(name for name in modules if any(name == h or name.startswith(h + ".") for h in heavy))


def test_an_input_only_run_imports_no_image_text_model_or_download_code(tmp_path: Path):
    pd.DataFrame({"text": ["hello world"]}).to_csv(tmp_path / "one.csv", index=False)
    workflow = write_workflow(tmp_path, [{"id": "n1", "type": "input", "title": "In", "position": [0, 0],
                                          "settings": {"path": "one.csv", "feature": "text"}}], [])
    code, modules = run_and_list_modules(workflow, tmp_path / "out")
    assert code == 0 and (tmp_path / "out" / "n1-data.csv").is_file()
    assert "embedflow.blocks.image_embedding" in modules  # every block is registered …
    assert loaded_heavy(modules) == []  # … but none starts its machinery


def test_a_glove_text_run_imports_no_image_or_download_code(tmp_path: Path):
    pd.DataFrame({"text": ["the king and the queen", "a cat and a dog"]}).to_csv(tmp_path / "docs.csv", index=False)
    nodes = [{"id": "n1", "type": "input", "title": "Docs", "position": [0, 0],
              "settings": {"path": "docs.csv", "feature": "text"}},
             {"id": "n2", "type": "text_encoding", "title": "Enc", "position": [1, 0], "settings": {}},
             {"id": "n3", "type": "text_embedding", "title": "Emb", "position": [2, 0], "settings": {}}]
    links = [{"id": "l1", "source": "n1", "source_port": "data", "target": "n2", "target_port": "data"},
             {"id": "l2", "source": "n2", "source_port": "encoded", "target": "n3", "target_port": "encoded"}]
    code, modules = run_and_list_modules(write_workflow(tmp_path, nodes, links), tmp_path / "out")
    assert code == 0 and (tmp_path / "out" / "n3-embeddings.csv").is_file()
    assert "embedflow.text.models" in modules
    assert loaded_heavy(modules, ("onnx", "onnxruntime", "PIL", "requests", "gensim", "sklearn",
                                  "embedflow.images.catalog", "embedflow.images.pipeline",
                                  "embedflow.io.downloads")) == []
