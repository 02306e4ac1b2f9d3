"""`embedflow run --format csv|parquet --outputs all|final|NODE[.PORT],...`: what is written, and how."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from embedflow.cli import main


def link(link_id: str, source: str, source_port: str, target: str, target_port: str) -> dict:
    return {"id": link_id, "source": source, "source_port": source_port, "target": target, "target_port": target_port}


@pytest.fixture
def text_workflow(tmp_path: Path) -> str:
    """Input → Text Encoding → Text Embedding → Nearest Neighbours, on GloVe."""
    pd.DataFrame({"text": ["the king and the queen", "a cat and a dog", "paris and rome"]}).to_csv(
        tmp_path / "docs.csv", index=False)
    nodes = [
        {"id": "n1", "type": "input", "title": "Docs", "position": [0, 0],
         "settings": {"path": "docs.csv", "feature": "text"}},
        {"id": "n2", "type": "text_encoding", "title": "Enc", "position": [1, 0], "settings": {}},
        {"id": "n3", "type": "text_embedding", "title": "Emb", "position": [2, 0], "settings": {}},
        {"id": "n4", "type": "nearest_neighbours", "title": "NN", "position": [3, 0], "settings": {"k": 1}},
    ]
    links = [link("l1", "n1", "data", "n2", "data"), link("l2", "n2", "encoded", "n3", "encoded"),
             link("l3", "n3", "embeddings", "n4", "data")]
    path = tmp_path / "docs.embedflow"
    path.write_text(json.dumps({"format": "embedflow-workflow", "version": 1, "nodes": nodes, "links": links,
                                "annotations": []}))
    return str(path)


def test_parquet_writes_float32_dim_columns_that_pandas_reads(text_workflow: str, tmp_path: Path):
    out = tmp_path / "out"
    assert main(["run", text_workflow, "--out", str(out), "--format", "parquet"]) == 0
    frame = pd.read_parquet(out / "n3-embeddings.parquet")
    dims = [c for c in frame.columns if c.startswith("dim_")]
    assert len(dims) == 50 and all(frame[c].dtype == np.float32 for c in dims)
    assert frame["text"].tolist()[0] == "the king and the queen"
    assert not list(out.glob("*.csv"))


def test_csv_vectors_read_back_exactly(text_workflow: str, tmp_path: Path):
    csv_out, parquet_out = tmp_path / "csv", tmp_path / "parquet"
    assert main(["run", text_workflow, "--out", str(csv_out)]) == 0
    assert main(["run", text_workflow, "--out", str(parquet_out), "--format", "parquet"]) == 0
    dims = [f"dim_{i}" for i in range(50)]
    from_csv = pd.read_csv(csv_out / "n3-embeddings.csv")[dims].to_numpy(np.float32)
    from_parquet = pd.read_parquet(parquet_out / "n3-embeddings.parquet")[dims].to_numpy()
    assert np.array_equal(from_csv, from_parquet)


def test_final_writes_only_what_no_block_consumes(text_workflow: str, tmp_path: Path, capsys):
    out = tmp_path / "out"
    assert main(["run", text_workflow, "--out", str(out), "--outputs", "final"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["n4-neighbours.csv"]
    assert "wrote n4-neighbours.csv (" in capsys.readouterr().err


def test_a_list_names_exactly_what_is_written(text_workflow: str, tmp_path: Path):
    out = tmp_path / "out"
    assert main(["run", text_workflow, "--out", str(out), "--outputs", "n2.encoded,n4"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["n2-encoded.csv", "n4-neighbours.csv"]


def test_all_is_the_default_and_writes_every_port(text_workflow: str, tmp_path: Path):
    out = tmp_path / "out"
    assert main(["run", text_workflow, "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["n1-data.csv", "n2-encoded.csv", "n3-embeddings.csv",
                                                     "n4-neighbours.csv"]


def test_an_unknown_node_or_port_is_refused_before_running(text_workflow: str, tmp_path: Path, capsys):
    out = tmp_path / "out"
    assert main(["run", text_workflow, "--out", str(out), "--outputs", "n9"]) == 1
    assert main(["run", text_workflow, "--out", str(out), "--outputs", "n3.vectors"]) == 1
    err = capsys.readouterr().err
    assert "no node 'n9'" in err and "vectors" in err
    assert not list(out.glob("*"))


def test_the_report_names_a_scatters_extra_files_with_their_folder(text_workflow: str, tmp_path: Path, capsys):
    """The Projector files sit in DIR/<node>-projector/: 'wrote … vectors.tsv' sent a reader to DIR/vectors.tsv."""
    workflow = json.loads(Path(text_workflow).read_text())
    workflow["nodes"].append({"id": "n5", "type": "scatter", "title": "Map", "position": [3, 1],
                              "settings": {"projection": "pca"}})
    workflow["links"].append(link("l4", "n3", "embeddings", "n5", "data"))
    Path(text_workflow).write_text(json.dumps(workflow))
    out = tmp_path / "out"
    assert main(["run", text_workflow, "--out", str(out)]) == 0
    report = capsys.readouterr().err
    assert "n5-projector/vectors.tsv (" in report and (out / "n5-projector" / "vectors.tsv").is_file()
    assert "n5.png (" in report and "n5.html (" in report
