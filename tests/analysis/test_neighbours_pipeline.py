"""Input → Text Encoding → Text Embedding → Nearest Neighbours on the shipped word list, headless."""

import pandas as pd

from embedflow.cli import main as cli_main
from embedflow.io.resources import resource


def test_word_similarity_example_lists_queen_among_kings_neighbours(tmp_path):
    out = tmp_path / "out"
    assert cli_main(["run", str(resource("examples", "word-similarity.embedflow")), "--out", str(out)]) == 0
    neighbours = pd.read_csv(out / "n4-neighbours.csv")
    kings = neighbours[neighbours["query_word"] == "king"].sort_values("rank")
    assert "queen" in kings["neighbour_word"].tolist()
    assert kings["rank"].tolist() == [1, 2, 3, 4, 5]
    assert (kings["similarity"].diff().dropna() <= 0).all()
    assert (out / "n5.png").exists() and (out / "n5-projection.csv").exists()
    assert (out / "n5-projector" / "metadata.tsv").read_text().splitlines()[0].split("\t")[:2] == ["row", "word"]
