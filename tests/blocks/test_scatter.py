"""The Scatter block: projection in the engine, selection output, PNG/CSV/Projector exports, bad input."""

import json

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from embedflow.analysis.projection import project
from embedflow.blocks.scatter.block import ScatterView, render, selection_rows
from embedflow.blocks.scatter.projector_export import export_projector
from embedflow.blocks.scatter.style import PALETTE, cluster_centres
from embedflow.cli import main as cli_main
from embedflow.core.rows import RowSet
from embedflow.core.table import Table
from embedflow.core.workflow import Workflow
from embedflow.engine import Engine
from embedflow.io.workflow_file import dumps, write_workflow
from embedflow.registry import default_registry
from embedflow.validation import validate
from tests import analysis_support
from tests.helpers import loads
from tests.waiting import HANG, reached


@pytest.fixture(autouse=True)
def source_blocks():
    analysis_support.register()
    yield
    analysis_support.unregister()


def scatter_workflow(rows=30, **settings):
    workflow = Workflow(default_registry())
    source = workflow.add_node("t_random_vectors", settings={"rows": rows})
    block = workflow.add_node("scatter")
    workflow.update_settings(block.id, settings)
    workflow.connect(source.id, "embeddings", block.id, "data")
    return workflow, block.id


def test_selected_output_holds_the_selected_rows_with_vectors():
    workflow, node = scatter_workflow(selection=[5, 1, 5])
    result = Engine(workflow).run()[node]
    selected = result.outputs["selected"]
    assert selected.meta["name"].tolist() == ["item 1", "item 5"]
    assert selected.vectors.shape == (2, 8)


def test_selection_survives_save_and_load():
    workflow, node = scatter_workflow(selection=[3, 4])
    loaded, _ = loads(dumps(workflow))
    assert loaded.nodes[node].settings["selection"] == RowSet.of([3, 4])
    analysis_support.register()
    assert Engine(loaded).run()[node].outputs["selected"].meta["name"].tolist() == ["item 3", "item 4"]


def test_changing_the_selection_reuses_the_projection():
    workflow, node = scatter_workflow(projection="tsne")
    engine = Engine(workflow)
    first = engine.run()[node].view.projection
    workflow.update_settings(node, {"selection": [0]})
    second = engine.run()[node]
    assert second.view.projection is first
    assert len(second.outputs["selected"]) == 1


def test_selection_rows_outside_the_data_are_ignored_with_a_warning():
    workflow, node = scatter_workflow(rows=5, selection=[1, 9, "x"])
    result = Engine(workflow).run()[node]
    assert len(result.outputs["selected"]) == 1
    assert any(m.code == "selection-out-of-range" for m in result.messages)
    rows, invalid = selection_rows([2, True, -1, 2, np.int64(0)], 3)
    assert (rows.tolist(), invalid) == ([0, 2], [True, -1])


def test_unknown_colour_column_fails_with_the_available_columns():
    workflow, node = scatter_workflow(color="topic")
    result = Engine(workflow).run()[node]
    assert result.state == "failed" and result.messages[0].code == "unknown-column"
    assert "'topic'" in result.error and "name, group, weight" in result.error


def test_unknown_column_is_a_validation_error_once_the_input_is_known():
    workflow, node = scatter_workflow()
    engine = Engine(workflow)
    engine.run()
    workflow.update_settings(node, {"label": "nope"})
    assert any(d.code == "unknown-column" and d.node_id == node for d in validate(workflow, outputs=engine.outputs()))


def test_text_size_column_warns_and_uses_one_size():
    workflow, node = scatter_workflow(size="name")
    result = Engine(workflow).run()[node]
    assert result.state == "done" and result.view.size == ""
    assert any(m.code == "size-not-numeric" for m in result.messages)


def test_one_row_plots_and_projection_of_two_points_works():
    for rows in (1, 2):
        workflow, node = scatter_workflow(rows=rows, projection="tsne")
        result = Engine(workflow).run()[node]
        assert result.state == "done"
        assert np.isfinite(result.view.projection.coords).all()


def test_nan_rows_are_reported_and_left_out_of_the_plot():
    data = Table(pd.DataFrame({"w": list("abcd")}),
                 np.array([[0, 1], [np.nan, 1], [1, 0], [1, 1]], dtype=np.float32))
    view = ScatterView(data, project(data.vectors), "S")
    image = np.asarray(render(view))
    assert image.shape[2] == 3
    assert "rows 1" in view.projection.notes[0][1]


def test_rendered_png_shows_points_in_the_palette_colours_and_a_legend():
    rng = np.random.default_rng(0)
    data = Table(pd.DataFrame({"fruit": ["apple"] * 50 + ["pear"] * 50}),
                 rng.standard_normal((100, 3)).astype(np.float32))
    view = ScatterView(data, project(data.vectors), "Fruit", color="fruit")
    pixels = np.asarray(render(view, 800, 600)).reshape(-1, 3)
    for colour in PALETTE[:2]:
        assert (np.abs(pixels.astype(int) - colour).sum(axis=1) < 10).sum() > 50


def test_run_with_out_writes_png_html_map_projection_csv_and_projector_folder(tmp_path):
    workflow = Workflow(default_registry())
    words = workflow.add_node("t_glove_words", node_id="words",
                              settings={"words": "king queen prince apple banana cherry car truck bus"})
    scatter = workflow.add_node("scatter", node_id="map", settings={"label": "word", "selection": [0, 1]})
    workflow.connect(words.id, "embeddings", scatter.id, "data")
    path = tmp_path / "w.embedflow"
    write_workflow(workflow, path)
    out = tmp_path / "out"
    assert cli_main(["run", str(path), "--out", str(out)]) == 0
    with Image.open(out / "map.png") as image:
        assert image.format == "PNG" and image.size[0] >= 800
    frame = pd.read_csv(out / "map-projection.csv")
    assert list(frame.columns[:4]) == ["row", "x", "y", "selected"] and len(frame) == 9
    assert frame["selected"].tolist()[:3] == [True, True, False]
    assert pd.read_csv(out / "map-selected.csv")["word"].tolist() == ["king", "queen"]
    assert (out / "map-projector" / "vectors.tsv").read_text().count("\n") == 9
    assert not (out / "map-view.csv").exists()
    page = (out / "map.html").read_text(encoding="utf-8")
    assert '"count":9,' in page and '"values":["king","queen","prince"' in page  # every row, labelled by word


def test_projector_files_match_the_projector_format(tmp_path):
    data = Table(pd.DataFrame({"text": ["a\tb", "c\nd", None]}),
                 np.arange(6, dtype=np.float32).reshape(3, 2))
    export_projector(data, tmp_path)
    vectors = (tmp_path / "vectors.tsv").read_text().splitlines()
    assert vectors == ["0\t1", "2\t3", "4\t5"]
    metadata = (tmp_path / "metadata.tsv").read_text().splitlines()
    assert metadata == ["row\ttext", "0\ta b", "1\tc d", "2\t"]
    config = json.loads((tmp_path / "projector_config.json").read_text())
    assert config["embeddings"][0]["tensorShape"] == [3, 2]


def test_projector_export_of_images_writes_a_sprite(tmp_path):
    for i, colour in enumerate(["red", "green", "blue"]):
        Image.new("RGB", (40, 30), colour).save(tmp_path / f"{i}.png")
    (tmp_path / "broken.png").write_bytes(b"not an image")
    names = ["0.png", "1.png", "2.png", "broken.png"]
    data = Table(pd.DataFrame({"image": names}), np.eye(4, dtype=np.float32), feature="image",
                 base_dir=str(tmp_path), provenance={"model": "squeezenet", "kind": "image"})
    export_projector(data, tmp_path / "p")
    config = json.loads((tmp_path / "p" / "projector_config.json").read_text())
    side = config["embeddings"][0]["sprite"]["singleImageDim"][0]
    with Image.open(tmp_path / "p" / "sprite.png") as sprite:
        pixels = np.asarray(sprite.convert("RGB"))
    assert sprite.size == (2 * side, 2 * side)
    assert tuple(pixels[side // 2, side // 2]) == (255, 0, 0)
    assert tuple(pixels[side // 2, side + side // 2]) == (0, 128, 0)
    assert tuple(pixels[side + side // 2, side + side // 2]) == (200, 200, 200)


def test_cancelling_a_running_tsne_leaves_the_block_cancelled():
    import threading

    workflow, node = scatter_workflow(rows=3000, projection="tsne")
    engine = Engine(workflow)
    optimising = threading.Event()
    handle = engine.start(
        on_event=lambda e: optimising.set() if e.node_id == node and "optimising" in e.message else None)
    assert reached(optimising, unless=lambda: not handle.running)
    handle.cancel()
    assert handle.wait(HANG)
    assert handle.results[node].state == "cancelled"


def test_png_of_a_small_map_writes_each_label_beside_its_point():
    data = Table(pd.DataFrame({"w": ["left", "right"]}), np.array([[0, 0], [1, 0]], dtype=np.float32))
    with_labels = ScatterView(data, project(data.vectors, "none"), "S", label="w")
    without = ScatterView(data, project(data.vectors, "none"), "S")
    dark = [(np.asarray(render(view).convert("L")) < 120).sum() for view in (with_labels, without)]
    assert dark[0] > dark[1] + 50


def clustered_table() -> Table:
    """Six words in two clusters, as the Clustering block outputs them."""
    table = analysis_support.glove_table("king queen prince apple pear plum".split())
    meta = table.meta.assign(cluster=[0, 0, 0, 1, 1, 1], cluster_label=["royal"] * 3 + ["fruit"] * 3)
    return Table(meta, table.vectors, feature="word", provenance=table.provenance)


def test_cluster_centres_are_the_median_of_each_clusters_points_without_noise():
    meta = pd.DataFrame({"cluster": [0, 0, 0, 1, -1], "cluster_label": ["a", "a", "a", "b", "noise"]})
    coords = np.array([[0.0, 0.0], [1.0, 2.0], [5.0, 1.0], [9.0, 9.0], [3.0, 3.0]])
    assert cluster_centres(meta, coords) == (("a", 1.0, 1.0), ("b", 9.0, 9.0))
    assert cluster_centres(meta.drop(columns="cluster_label"), coords) == ()


def test_scatter_of_clustered_rows_colours_by_cluster_label_and_writes_the_labels_at_the_centres():
    plain = render(ScatterView(clustered_table(), project(clustered_table().vectors, "pca"), "map",
                               color="cluster_label"))
    projected = project(clustered_table().vectors, "pca")
    view = ScatterView(clustered_table(), projected, "map", color="cluster_label",
                       centres=cluster_centres(clustered_table().meta, projected.coords))
    labelled = render(view)
    assert [label for label, _, _ in view.centres] == ["fruit", "royal"]
    difference = np.abs(np.asarray(labelled, dtype=int) - np.asarray(plain, dtype=int)).sum(axis=2)
    # Dark label text was added inside the plot, and nothing else changed.
    rows, columns = np.nonzero(difference)
    assert len(rows) > 200 and 48 <= rows.min() and columns.max() < 1000 - 24 - 210


def test_the_cluster_labels_setting_switches_the_labels_off():
    def centres(on: bool):
        workflow = Workflow(default_registry())
        source = workflow.add_node("t_glove_words", settings={"words": "king queen prince apple pear plum"})
        groups = workflow.add_node("clustering", settings={"k": 2})
        plot = workflow.add_node("scatter", settings={"color": "cluster_label", "cluster_labels": on})
        workflow.connect(source.id, "embeddings", groups.id, "data")
        workflow.connect(groups.id, "clustered", plot.id, "data")
        return Engine(workflow).run()[plot.id].view.centres

    labels = {frozenset(label.split(" · ")) for label, _, _ in centres(True)}
    assert labels == {frozenset({"king", "queen", "prince"}), frozenset({"apple", "pear", "plum"})}
    assert centres(False) == ()


def test_a_million_row_selection_takes_a_few_bytes_in_the_file(tmp_path):
    workflow, node = scatter_workflow(selection=RowSet.of(np.arange(1_000_000)))
    assert len(dumps(workflow).encode()) < 2_000
    # A lasso over a projection picks scattered rows: saved as a bitmap, 1/8 byte a row, not ~8 bytes.
    scattered = np.flatnonzero(np.random.default_rng(0).random(2_000_000) < 0.5)
    workflow.update_settings(node, {"selection": RowSet.of(scattered)})
    write_workflow(workflow, tmp_path / "w.embedflow")
    assert (tmp_path / "w.embedflow").stat().st_size < 400_000
    loaded, diagnostics = loads((tmp_path / "w.embedflow").read_text(encoding="utf-8"))
    assert not diagnostics and np.array_equal(loaded.nodes[node].settings["selection"].rows(), scattered)


def test_a_selection_saved_as_a_list_by_version_1_is_read_as_rows():
    workflow, node = scatter_workflow()
    document = json.loads(dumps(workflow))
    saved = next(n for n in document["nodes"] if n["id"] == node)
    saved["settings"]["selection"], saved["node_version"] = [4, 2, 3, 9, -1, "x", True], 1
    loaded, diagnostics = loads(json.dumps(document))
    assert not diagnostics
    assert loaded.nodes[node].settings["selection"] == RowSet.of([2, 3, 4, 9])
    assert loaded.nodes[node].node_version == 2
    assert json.loads(dumps(loaded))["nodes"][1]["settings"]["selection"] == {"ranges": [[2, 5], [9, 10]]}


def test_a_damaged_saved_selection_is_cleared_with_a_message():
    workflow, node = scatter_workflow()
    document = json.loads(dumps(workflow))
    next(n for n in document["nodes"] if n["id"] == node)["settings"]["selection"] = {"ranges": [[5, 1]]}
    loaded, diagnostics = loads(json.dumps(document))
    assert [d.code for d in diagnostics] == ["invalid-setting"]
    assert "selection" not in loaded.nodes[node].settings
    assert Engine(loaded).run()[node].state == "done"


def test_selection_beyond_the_data_is_ignored_with_a_warning():
    workflow, node = scatter_workflow(rows=5, selection=RowSet.of([1, 40, 41]))
    result = Engine(workflow).run()[node]
    assert len(result.outputs["selected"]) == 1
    assert any(m.code == "selection-out-of-range" and "(40, 41)" in m.message for m in result.messages)


def test_clustered_rows_are_coloured_by_their_cluster_when_no_colour_is_chosen():
    def colour(**settings):
        workflow = Workflow(default_registry())
        source = workflow.add_node("t_glove_words", settings={"words": "king queen prince apple pear plum"})
        groups = workflow.add_node("clustering", settings={"k": 2})
        plot = workflow.add_node("scatter", settings=settings)
        workflow.connect(source.id, "embeddings", groups.id, "data")
        workflow.connect(groups.id, "clustered", plot.id, "data")
        return Engine(workflow).run()[plot.id].view.color

    assert colour() == "cluster_label"
    assert colour(color="word") == "word"


def test_run_refuses_an_html_map_over_the_limit_naming_it_and_keeps_the_other_files(tmp_path, monkeypatch, capsys):
    from embedflow.blocks.scatter import html_map

    monkeypatch.setattr(html_map, "MAX_ROWS", 5)  # a small limit stands in for 5,000,000 rows
    workflow = Workflow(default_registry())
    words = workflow.add_node("t_glove_words", node_id="words",
                              settings={"words": "king queen prince apple banana cherry"})
    scatter = workflow.add_node("scatter", node_id="map", settings={"label": "word"})
    workflow.connect(words.id, "embeddings", scatter.id, "data")
    path = tmp_path / "w.embedflow"
    write_workflow(workflow, path)
    out = tmp_path / "out"
    assert cli_main(["run", str(path), "--out", str(out)]) == 1
    assert "an HTML map holds at most 5 rows and this one has 6" in capsys.readouterr().err
    assert (out / "map.png").is_file() and (out / "map-projection.csv").is_file()
    assert not any(out.glob("*.html")) and not any(out.glob(".*.tmp"))
