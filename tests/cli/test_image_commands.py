"""`embedflow run` on Input (an image folder) → Image Embedding writes both outputs as CSV."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from embedflow.cli import main
from tests.image_support import photo


def test_run_writes_embeddings_with_1000_columns_and_skipped_rows(tmp_path: Path, capsys) -> None:
    (tmp_path / "pics" / "cats").mkdir(parents=True)
    photo("chelsea").save(tmp_path / "pics" / "cats" / "chelsea.jpg")
    photo("coffee").save(tmp_path / "pics" / "coffee.png")
    (tmp_path / "pics" / "empty.jpg").write_bytes(b"")
    workflow = {
        "format": "embedflow-workflow", "version": 1,
        "nodes": [
            {"id": "n1", "type": "input", "title": "Pictures", "position": [0, 0], "settings": {"path": "pics"}},
            {"id": "n2", "type": "image_embedding", "title": "Image Embedding", "position": [200, 0],
             "settings": {"model": "squeezenet"}},
        ],
        "links": [{"id": "l1", "source": "n1", "source_port": "data", "target": "n2", "target_port": "data"}],
        "annotations": [],
    }
    (tmp_path / "w.embedflow").write_text(json.dumps(workflow), encoding="utf-8")
    assert main(["run", str(tmp_path / "w.embedflow"), "--out", str(tmp_path / "out")]) == 0
    embeddings = pd.read_csv(tmp_path / "out" / "n2-embeddings.csv")
    skipped = pd.read_csv(tmp_path / "out" / "n2-skipped.csv")
    assert embeddings["image"].tolist() == ["cats/chelsea.jpg", "coffee.png"]
    assert [c for c in embeddings.columns if c.startswith("dim_")] == [f"dim_{i}" for i in range(1000)]
    assert skipped[["row", "image", "reason"]].values.tolist() == [[2, "empty.jpg", "empty file (0 bytes)"]]
    assert "2 of 3 images embedded" in capsys.readouterr().err
