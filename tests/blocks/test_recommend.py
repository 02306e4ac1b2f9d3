"""Item Embedding and Recommend in workflows: planes and the airports they fly to, outputs, evaluation, bad input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from embedflow.core.workflow import Workflow
from embedflow.engine import Engine
from embedflow.io import resources
from embedflow.registry import default_registry
from embedflow.validation import validate

PLANES = resources.resource("data", "plane-destinations.csv")
AIRPORTS = resources.resource("data", "airports.csv")
COLUMNS = {"user": "tailnum", "item": "dest", "weight": "flights", "order": "first_flight"}


def flights_workflow(path: Path = PLANES, embedding: dict | None = None, recommend: dict | None = None,
                     attributes: bool = True):
    workflow = Workflow(default_registry())
    source = workflow.add_node("input", settings={"path": str(path)})
    embed = workflow.add_node("item_embedding", settings={**COLUMNS, "dimensions": 32, **(embedding or {})})
    workflow.connect(source.id, "data", embed.id, "interactions")
    if attributes:
        airports = workflow.add_node("input", settings={"path": str(AIRPORTS)})
        workflow.connect(airports.id, "data", embed.id, "items")
    advise = workflow.add_node("recommend", settings={**COLUMNS, **(recommend or {})})
    workflow.connect(embed.id, "items", advise.id, "items")
    workflow.connect(source.id, "data", advise.id, "interactions")
    return workflow, embed.id, advise.id


def codes(result) -> list[str]:
    return [d.code for d in result.messages]


def test_item_embedding_gives_one_row_per_airport_with_its_count_and_attributes():
    workflow, embed, _ = flights_workflow()
    items = Engine(workflow).run()[embed].outputs["items"]
    frame = pd.read_csv(PLANES)
    assert len(items) == frame["dest"].nunique() and items.dims == 32
    counts = frame.groupby("dest").size()
    assert (items.meta.set_index("dest")["interactions"] == counts.reindex(items.meta["dest"])).all()
    assert items.meta.set_index("dest").loc["HNL", "name"] == "Honolulu Intl"
    assert items.provenance["kind"] == "items"


def test_users_output_has_one_row_per_plane():
    workflow, embed, _ = flights_workflow()
    users = Engine(workflow).run()[embed].outputs["users"]
    assert len(users) == pd.read_csv(PLANES)["tailnum"].nunique() and users.dims == 32


def test_recommend_gives_k_unseen_airports_per_plane_with_their_names():
    workflow, _, advise = flights_workflow(recommend={"k": 5})
    result = Engine(workflow).run()[advise]
    assert result.state == "done", result.error
    recs = result.outputs["recommendations"].meta
    assert list(recs.columns[:4]) == ["tailnum", "rank", "dest", "score"] and "name" in recs.columns
    flown = set(map(tuple, pd.read_csv(PLANES)[["tailnum", "dest"]].to_numpy()))
    assert not any((t, d) in flown for t, d in zip(recs["tailnum"], recs["dest"]))
    assert (recs.groupby("tailnum")["rank"].max() <= 5).all()
    assert (recs.groupby("tailnum")["score"].apply(lambda s: s.is_monotonic_decreasing)).all()


def test_with_seen_items_allowed_a_plane_is_recommended_where_it_already_flies():
    workflow, _, advise = flights_workflow(recommend={"k": 3, "exclude_seen": False})
    recs = Engine(workflow).run()[advise].outputs["recommendations"].meta
    flown = set(map(tuple, pd.read_csv(PLANES)[["tailnum", "dest"]].to_numpy()))
    assert sum((t, d) in flown for t, d in zip(recs["tailnum"], recs["dest"])) > len(recs) / 2


def test_evaluation_on_held_out_events_beats_popularity_and_says_the_vectors_never_saw_them():
    workflow, _, advise = flights_workflow(embedding={"hold_out": True})
    result = Engine(workflow).run()[advise]
    evaluation = result.outputs["evaluation"].meta.set_index("metric")
    assert evaluation.loc["hit rate@10", "value"] > 1.1 * evaluation.loc["hit rate@10", "baseline"]
    assert evaluation.loc["NDCG@10", "ratio"] > 1.0
    assert "evaluation-saw-held-out" not in codes(result)
    assert "hit rate@10" in result.summary


def test_evaluation_of_vectors_that_saw_the_held_out_events_is_flagged():
    workflow, _, advise = flights_workflow()
    result = Engine(workflow).run()[advise]
    assert "evaluation-saw-held-out" in codes(result)
    assert "learned with these events" in result.outputs["evaluation"].provenance["note"]


def test_item2vec_method_runs_in_the_workflow():
    workflow, embed, advise = flights_workflow(embedding={"method": "item2vec", "dimensions": 16})
    results = Engine(workflow).run()
    assert results[embed].outputs["items"].dims == 16 and results[advise].state == "done"


def test_min_count_leaves_rare_items_out_and_says_how_many(tmp_path):
    workflow, embed, _ = flights_workflow(embedding={"min_count": 20})
    result = Engine(workflow).run()[embed]
    rare = int((pd.read_csv(PLANES).groupby("dest").size() < 20).sum())
    assert rare > 0 and len(result.outputs["items"]) == pd.read_csv(PLANES)["dest"].nunique() - rare
    assert f"{rare} items with fewer than 20 events left out" in result.summary


def test_item2vec_leaves_out_items_too_rare_to_learn_and_says_why():
    from embedflow.analysis.item_embedding import ITEM2VEC_MIN_EVENTS

    workflow, embed, _ = flights_workflow(embedding={"method": "item2vec", "dimensions": 16})
    result = Engine(workflow).run()[embed]
    counts = pd.read_csv(PLANES).groupby("dest").size()
    rare = int((counts < ITEM2VEC_MIN_EVENTS).sum())
    assert rare > 0 and len(result.outputs["items"]) == len(counts) - rare
    assert (f"{rare} items with fewer than {ITEM2VEC_MIN_EVENTS} events left out (item2vec cannot learn rarer "
            "items)") in result.summary
    factorised, embed, _ = flights_workflow()
    assert len(Engine(factorised).run()[embed].outputs["items"]) == len(counts)  # it keeps every item by default


def test_negative_weights_fail_naming_the_column_and_count(tmp_path):
    frame = pd.read_csv(PLANES)
    frame.loc[:2, "flights"] = -1
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    workflow, embed, advise = flights_workflow(path)
    results = Engine(workflow).run()
    assert results[embed].state == "failed" and "weight-negative" in codes(results[embed])
    assert "'flights' holds 3 negative" in results[embed].error
    assert results[advise].state == "blocked"


def test_an_item_column_the_items_input_lacks_is_a_clear_error():
    workflow, _, advise = flights_workflow(recommend={"item": "tailnum", "user": "dest"})
    result = Engine(workflow).run()[advise]
    assert result.state == "failed" and "no column 'tailnum'" in result.error


def test_unset_user_column_is_a_validation_error():
    workflow, _, advise = flights_workflow(recommend={"user": ""})
    assert [d.code for d in validate(workflow) if d.node_id == advise] == ["user-not-set"]


def test_text_embeddings_of_the_items_make_it_content_based(tmp_path):
    corpus = pd.read_csv(resources.resource("data", "corpus.csv"))
    readers = [(f"reader-{topic}", text) for topic, group in corpus.groupby("topic") for text in group["text"][:5]]
    pd.DataFrame(readers, columns=["reader", "text"]).to_csv(tmp_path / "reads.csv", index=False)
    workflow = Workflow(default_registry())
    sentences = workflow.add_node("input", settings={"path": str(resources.resource("data", "corpus.csv")),
                                                     "feature": "text"})
    encode = workflow.add_node("text_encoding")
    embed = workflow.add_node("text_embedding")
    reads = workflow.add_node("input", settings={"path": str(tmp_path / "reads.csv")})
    advise = workflow.add_node("recommend", settings={"user": "reader", "item": "text", "k": 5})
    workflow.connect(sentences.id, "data", encode.id, "data")
    workflow.connect(encode.id, "encoded", embed.id, "encoded")
    workflow.connect(embed.id, "embeddings", advise.id, "items")
    workflow.connect(reads.id, "data", advise.id, "interactions")
    recs = Engine(workflow).run()[advise.id].outputs["recommendations"].meta
    same_topic = recs["reader"].str.removeprefix("reader-") == recs["topic"]
    assert len(recs) == 25 and same_topic.mean() >= 0.8
