"""The semantic-search example: the sentence model finds the answers GloVe's bag of words misses."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from embedflow.cli import main
from embedflow.io import resources


def right_answers(out: Path, example: Path) -> dict[str, int]:
    """Per Nearest Neighbours block: how many questions got their own answer (query_row == neighbour_row)."""
    nodes = json.loads(example.read_text(encoding="utf-8"))["nodes"]
    found = {}
    for node in nodes:
        if node["type"] == "nearest_neighbours":
            frame = pd.read_csv(out / f"{node['id']}-neighbours.csv")
            found[node["title"]] = int((frame["query_row"] == frame["neighbour_row"]).sum())
    return found


def test_the_sentence_model_matches_questions_to_answers_where_glove_fails(tmp_path: Path) -> None:
    example = resources.resource("examples", "semantic-search.embedflow")
    assert main(["run", str(example), "--out", str(tmp_path)]) == 0
    found = right_answers(tmp_path, example)
    # The notes of the example quote these counts.
    assert found == {"Best answer (GloVe)": 3, "Best answer (MiniLM)": 15}
    notes = " ".join(a["text"] for a in json.loads(example.read_text(encoding="utf-8"))["annotations"])
    assert "3 of 16" in notes and "15 of 16" in notes


def test_the_documents_map_offers_both_models() -> None:
    nodes = json.loads(resources.resource("examples", "documents-map.embedflow").read_text(encoding="utf-8"))["nodes"]
    models = {node["settings"].get("language_model") for node in nodes if node["type"] == "text_embedding"}
    assert models == {"glove-6b-50d", "all-minilm-l6-v2"}
