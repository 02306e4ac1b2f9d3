"""Input (image folder) → Image Embedding → Scatter: similar images land together on the map."""

from pathlib import Path

import pytest

from embedflow.analysis.neighbours import search
from embedflow.api import read_workflow
from embedflow.blocks.scatter.projector_export import image_paths
from embedflow.engine import Engine
from embedflow.io.resources import resource

PAIRS = [("cat", "cat-face"), ("coffee", "coffee-cup"), ("brick", "brick-2"), ("grass", "grass-2"),
         ("gravel", "gravel-2"), ("galaxies", "galaxies-2"), ("tissue", "tissue-2")]


@pytest.fixture(scope="module")
def image_map():
    path = resource("examples", "image-map.embedflow")
    workflow, _ = read_workflow(path)
    results = Engine(workflow, str(Path(path).parent)).run()
    return results["n3"].view


def test_crops_of_the_same_photo_are_nearest_neighbours_on_the_map(image_map):
    names = image_map.data.meta["name"].tolist()
    nearest = search(image_map.projection.coords, k=1, metric="euclidean").indices[:, 0]
    together = [names[nearest[names.index(a)]] == b or names[nearest[names.index(b)]] == a for a, b in PAIRS]
    assert sum(together) >= len(PAIRS) - 1


def test_image_map_knows_the_image_files_for_thumbnails(image_map):
    paths = image_paths(image_map.data)
    assert len(paths) == 23 and all(p.is_file() for p in paths)
