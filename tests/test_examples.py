"""The shipped example workflows: they load cleanly, run headless and teach what their notes say."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from embedflow.api import read_workflow
from embedflow.cli import main
from embedflow.io import resources
from embedflow.io.workflow_file import dumps
from embedflow.validation import validate
from tests.browser_support import browser_session

EXAMPLES = resources.examples()
INVALID = "why-invalid"
VALID = [path for path in EXAMPLES if path.stem != INVALID]
OURS = ("word-similarity", "image-search", "image-search-grouped", "image-map", "why-invalid", "train-word2vec",
        "word-clusters", "teach-a-classifier", "semantic-search", "translations", "held-out-test",
        "flights-you-might-take", "categories-as-vectors", "sparse-to-dense")


def by_name(name: str) -> Path:
    return resources.resource("examples", f"{name}.embedflow")


def diagnostics_of(path: Path):
    workflow, file_diagnostics = read_workflow(path)
    return workflow, file_diagnostics + validate(workflow, str(path.parent))


def run(path: Path, out: Path) -> int:
    return main(["run", str(path), "--out", str(out)])


def test_the_teaching_examples_are_shipped():
    assert {path.stem for path in EXAMPLES} >= {"documents-map", *OURS}


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_example_loads_without_any_diagnostic(path):
    _, diagnostics = diagnostics_of(path)
    assert diagnostics == []


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_example_runs_headless(path, tmp_path):
    assert run(path, tmp_path) == 0
    assert any(tmp_path.glob("*.csv"))


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    yield from browser_session(tmp_path_factory)


def scatter_ids(path: Path) -> list[str]:
    workflow, _ = read_workflow(path)
    return [node.id for node in workflow.nodes.values() if node.type == "scatter"]


def title_of(path: Path, node_id: str) -> str:
    workflow, _ = read_workflow(path)
    return workflow.nodes[node_id].title


@pytest.mark.parametrize("path", [p for p in VALID if scatter_ids(p)], ids=lambda p: p.stem)
def test_example_scatter_writes_a_working_html_map(path, tmp_path, browser):
    assert run(path, tmp_path) == 0
    for node_id in scatter_ids(path):
        projection = pd.read_csv(tmp_path / f"{node_id}-projection.csv")
        browser.open_map(tmp_path / f"{node_id}.html")
        assert browser.js("return document.title") == f"{path.stem} — {title_of(path, node_id)}"
        assert browser.js("return window.embedflowMap.count") == int(projection[["x", "y"]].notna().all(axis=1).sum())
        assert browser.js("return window.embedflowMap.search('')") == 0
        assert browser.js("return window.embedflowMap.selected()") == []
        assert browser.console_errors() == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_explains_its_steps_with_notes_and_arrows(path):
    workflow, _ = read_workflow(path)
    kinds = [a.kind for a in workflow.annotations.values()]
    assert kinds.count("text") >= 2 and "arrow" in kinds


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_notes_do_not_cover_blocks(path):
    workflow, _ = read_workflow(path)
    notes = [a.rect for a in workflow.annotations.values() if a.kind == "text"]
    for node in workflow.nodes.values():
        x, y = node.position
        for left, top, width, height in notes:
            assert not (left - 30 < x < left + width + 30 and top - 30 < y < top + height + 30), node.title


# The script that writes the examples is part of the source tree, not of what is installed (the wheel ships
# the .embedflow files only): read it beside these tests, compare with the installed files.
MAKE_EXAMPLES = Path(__file__).resolve().parent.parent / "resources" / "examples" / "make_examples.py"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_notes_are_plain_text_without_markdown_marks(path):
    workflow, _ = read_workflow(path)
    notes = [a.text for a in workflow.annotations.values() if a.kind == "text"]
    assert notes and not [note for note in notes if "`" in note or "**" in note]


@pytest.mark.parametrize("name", OURS)
def test_example_file_is_what_make_examples_writes(name):
    spec = importlib.util.spec_from_file_location("make_examples", MAKE_EXAMPLES)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    made = next(make() for make in module.EXAMPLES if make().name == name)
    assert dumps(made.workflow, by_name(name).parent) == by_name(name).read_text(encoding="utf-8")


def test_why_invalid_reports_exactly_the_language_model_mismatch():
    workflow, diagnostics = diagnostics_of(by_name(INVALID))
    assert [(d.severity, d.code) for d in diagnostics] == [("error", "language-model-mismatch")]
    (mismatch,) = diagnostics
    assert workflow.nodes[mismatch.node_id].type == "text_embedding"
    assert mismatch.link_id is not None
    assert "trained-word2vec" in mismatch.message and "glove-6b-50d" in mismatch.message
    assert "glove-6b-50d" in mismatch.hint


def test_why_invalid_does_not_run_and_names_the_problem(tmp_path, capsys):
    assert run(by_name(INVALID), tmp_path) == 1
    assert "language-model-mismatch" in capsys.readouterr().err
    assert not any(tmp_path.glob("*.csv"))


def test_why_invalid_is_fixed_by_the_hint(tmp_path):
    workflow, _ = read_workflow(by_name(INVALID))
    embedding = next(node for node in workflow.nodes.values() if node.type == "text_embedding")
    workflow.update_settings(embedding.id, {"language_model": "glove-6b-50d"})
    assert validate(workflow, str(by_name(INVALID).parent)) == []


def neighbours_of(path: Path, out: Path, title: str) -> pd.DataFrame:
    """The neighbours table `embedflow run` wrote for the Nearest Neighbours block called `title`."""
    workflow, _ = read_workflow(path)
    (node,) = [n for n in workflow.nodes.values() if n.title == title]
    return pd.read_csv(out / f"{node.id}-neighbours.csv")


def test_word_similarity_finds_queen_among_the_neighbours_of_king(tmp_path):
    assert run(by_name("word-similarity"), tmp_path) == 0
    neighbours = neighbours_of(by_name("word-similarity"), tmp_path, "Nearest Neighbours")
    assert "queen" in set(neighbours.loc[neighbours.query_word == "king", "neighbour_word"])


def test_word_similarity_answers_king_minus_man_plus_woman_with_queen_first(tmp_path):
    assert run(by_name("word-similarity"), tmp_path) == 0
    answers = neighbours_of(by_name("word-similarity"), tmp_path, "Analogy answers")
    first = dict(answers.loc[answers["rank"] == 1, ["query_analogy", "neighbour_word"]].values)
    assert first["king - man + woman"] == "queen"
    # Every expected answer is among the first two (uncle - man + woman gives daughter, then aunt).
    top_two = answers[answers["rank"] <= 2].groupby("query_analogy")["neighbour_word"].agg(set)
    expected = answers.groupby("query_analogy")["query_expected"].first()
    assert all(expected[analogy] in words for analogy, words in top_two.items())


def test_image_search_finds_the_source_photo_of_each_query_first(tmp_path):
    assert run(by_name("image-search"), tmp_path) == 0
    (table,) = tmp_path.glob("*-neighbours.csv")
    neighbours = pd.read_csv(table)
    first = dict(neighbours.loc[neighbours["rank"] == 1, ["query_name", "neighbour_name"]].values)
    assert first["which-cat"] == "cat"
    assert first["which-rocket"] == "rocket"
    assert first["which-texture"].startswith("gravel")


def test_image_map_draws_every_photo_coloured_by_category(tmp_path):
    assert run(by_name("image-map"), tmp_path) == 0
    (projection,) = tmp_path.glob("*-projection.csv")
    frame = pd.read_csv(projection)
    assert len(frame) == 23 and set(frame.category) == {"photos", "textures", "science"}
    assert any(tmp_path.glob("*.png"))


def test_train_word2vec_learns_vectors_from_the_corpus(tmp_path):
    assert run(by_name("train-word2vec"), tmp_path) == 0
    workflow, _ = read_workflow(by_name("train-word2vec"))
    (trained,) = [n.id for n in workflow.nodes.values()
                  if n.type == "text_embedding" and n.settings["language_model"] == "trained-word2vec"]
    vectors = pd.read_csv(tmp_path / f"{trained}-embeddings.csv").filter(like="dim_")
    assert vectors.shape == (150, 50) and vectors.abs().to_numpy().sum() > 0


def output_of(path: Path, out: Path, title: str, port: str) -> pd.DataFrame:
    """The table `embedflow run` wrote for output `port` of the block called `title`."""
    workflow, _ = read_workflow(path)
    (node,) = [n for n in workflow.nodes.values() if n.title == title]
    return pd.read_csv(out / f"{node.id}-{port}.csv", keep_default_na=False)


def test_word_clusters_recovers_the_five_categories_and_labels_the_map(tmp_path):
    from sklearn.metrics import adjusted_rand_score

    assert run(by_name("word-clusters"), tmp_path) == 0
    clustered = output_of(by_name("word-clusters"), tmp_path, "Clustering", "clustered")
    assert adjusted_rand_score(clustered["category"], clustered["cluster"]) >= 0.9
    projection = output_of(by_name("word-clusters"), tmp_path, "Cluster map", "projection")
    assert projection["cluster_label"].nunique() == 5
    scores = output_of(by_name("word-clusters"), tmp_path, "Classifier", "scores")
    accuracy = scores[scores["metric"] == "accuracy"].iloc[0]
    assert accuracy["value"] >= 0.9 and accuracy["baseline"] == pytest.approx(0.2)


def test_teach_a_classifier_learns_the_image_categories_and_lists_its_mistakes(tmp_path):
    assert run(by_name("teach-a-classifier"), tmp_path) == 0
    scores = output_of(by_name("teach-a-classifier"), tmp_path, "Classifier", "scores")
    accuracy = scores[scores["metric"] == "accuracy"].iloc[0]
    assert accuracy["value"] >= accuracy["baseline"] + 0.25
    predictions = output_of(by_name("teach-a-classifier"), tmp_path, "Classifier", "predictions")
    assert len(predictions) == 23 and set(predictions["category"]) == {"photos", "textures", "science"}
    wrong = predictions[predictions["correct"].astype(str) == "False"]
    # The accuracy is the mean over folds of 4 or 5 images, so it is close to the share right, not equal.
    assert len(wrong) > 0 and abs(len(wrong) / 23 - (1 - accuracy["value"])) < 0.05
    assert any(tmp_path.glob("*.png"))


def test_image_search_queries_name_the_category_each_should_find(tmp_path):
    assert run(by_name("image-search"), tmp_path) == 0
    (table,) = tmp_path.glob("*-neighbours.csv")
    neighbours = pd.read_csv(table, keep_default_na=False)
    first = neighbours[neighbours["rank"] == 1]
    assert dict(first[["query_name", "query_category"]].values) == {
        "which-cat": "photos", "which-rocket": "photos", "which-texture": "textures"}
    assert (first["query_category"] == first["neighbour_category"]).all()


def test_image_search_with_a_group_finds_what_the_flat_image_search_finds(tmp_path):
    assert run(by_name("image-search"), tmp_path / "flat") == 0
    assert run(by_name("image-search-grouped"), tmp_path / "grouped") == 0
    workflow, _ = read_workflow(by_name("image-search-grouped"))
    (group,) = [node for node in workflow.nodes.values() if node.type == "group"]
    assert group.title == "Embed images" and (tmp_path / "grouped" / f"{group.id}-photo_embeddings.csv").is_file()
    (flat,) = (tmp_path / "flat").glob("*-neighbours.csv")
    (grouped,) = (tmp_path / "grouped").glob("*-neighbours.csv")
    pd.testing.assert_frame_equal(pd.read_csv(grouped), pd.read_csv(flat))


def test_translations_every_sentence_finds_its_translation_in_the_other_language(tmp_path):
    assert run(by_name("translations"), tmp_path) == 0
    neighbours = output_of(by_name("translations"), tmp_path, "Closest sentences", "neighbours")
    first = neighbours[neighbours["rank"] == 1]
    assert len(first) == 40
    assert (first["query_pair"] == first["neighbour_pair"]).all()
    assert (first["query_language"] != first["neighbour_language"]).all()
    projection = output_of(by_name("translations"), tmp_path, "Map of both languages", "projection")
    assert set(projection["language"]) == {"English", "German"}


def test_held_out_test_scores_the_new_words_beside_the_cross_validation(tmp_path):
    assert run(by_name("held-out-test"), tmp_path) == 0
    scores = output_of(by_name("held-out-test"), tmp_path, "Classifier", "scores")
    accuracy = scores[(scores["metric"] == "accuracy") & (scores["class"] == "")].set_index("on")
    assert accuracy.loc["cross-validation", "value"] >= 0.9
    assert accuracy.loc["test", "value"] == pytest.approx(0.92)
    assert accuracy.loc["test", "baseline"] == pytest.approx(0.2)
    predictions = output_of(by_name("held-out-test"), tmp_path, "Classifier", "predictions")
    wrong = predictions[predictions["predicted"] != predictions["category"]]
    assert sorted(wrong["word"]) == ["fox", "kiwi"]
