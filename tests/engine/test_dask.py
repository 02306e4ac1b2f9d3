"""Running workflows on a real two-worker Dask cluster (distributed.LocalCluster with worker processes)."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")

from embedflow.cli import main  # noqa: E402
from embedflow.core.context import NodeEvent, NodeState  # noqa: E402
from embedflow.core.errors import NodeError  # noqa: E402
from embedflow.core.ports import EMBEDDINGS, TABLE  # noqa: E402
from embedflow.core.specs import Execution, NodeSpec, Port, RowWise, Setting  # noqa: E402
from embedflow.core.workflow import Workflow  # noqa: E402
from embedflow.engine import Engine  # noqa: E402
from embedflow.engine.dask_executor import ClusterError, DaskExecutor  # noqa: E402
from embedflow.engine.partitions import Partitioned  # noqa: E402
from embedflow.io.workflow_file import write_workflow  # noqa: E402
from embedflow.registry import Registry, default_registry  # noqa: E402
from tests.dask_support import executor  # noqa: E402
from tests.image_support import bad_and_odd_images, photo  # noqa: E402
from tests.text_support import text_workflow, write_csv  # noqa: E402

WORDS = ("the cat sat on the mat", "stars and planets in space", "a goal in the last minute",
         "bake the bread in the oven", "qwzx vbnm", "music with a guitar and drums")


def corpus(tmp_path: Path, rows: int = 120) -> Path:
    """A CSV of short texts; every sixth has no word GloVe knows."""
    return write_csv(tmp_path, [WORDS[i % len(WORDS)] + ("" if i % len(WORDS) == 4 else f" {i}")
                                for i in range(rows)])


def with_neighbours(workflow: Workflow, embedder: str) -> str:
    """Add Nearest Neighbours after the embedder; its id."""
    neighbours = workflow.add_node("nearest_neighbours", settings={"k": 4})
    workflow.connect(embedder, "embeddings", neighbours.id, "data")
    return neighbours.id


def same_neighbours(remote: pd.DataFrame, local: pd.DataFrame) -> None:
    """The same rows, neighbours and metadata; distances to float32 precision (products summed in other blocks)."""
    pd.testing.assert_frame_equal(remote, local, check_exact=False, rtol=1e-5, atol=1e-6)
    for column in ("query_row", "neighbour_row", "rank"):
        assert remote[column].tolist() == local[column].tolist()


def test_text_results_on_the_cluster_equal_the_local_run(client: Any, tmp_path: Path) -> None:
    workflow, _, encoder, embedder = text_workflow(corpus(tmp_path))
    neighbours = with_neighbours(workflow, embedder)
    local = Engine(workflow).run()
    remote = Engine(workflow, executor=executor(client)).run()
    assert all(result.state == NodeState.DONE for result in remote.values()), remote
    embeddings = remote[embedder].outputs["embeddings"]
    assert isinstance(embeddings, Partitioned) and len(embeddings.parts) > 1
    gathered, expected = embeddings.gather(), local[embedder].outputs["embeddings"]
    assert np.array_equal(gathered.vectors, expected.vectors)  # exactly: a row's pooling never sees other rows
    pd.testing.assert_frame_equal(gathered.meta, expected.meta)
    encoded = remote[encoder].outputs["encoded"].gather()
    assert np.array_equal(encoded.ids, local[encoder].outputs["encoded"].ids)
    same_neighbours(remote[neighbours].outputs["neighbours"].gather().meta,
                    local[neighbours].outputs["neighbours"].meta)


def test_rows_without_known_words_are_named_by_their_row_in_the_whole_table(client: Any, tmp_path: Path) -> None:
    workflow, _, _, embedder = text_workflow(corpus(tmp_path))
    local = Engine(workflow).run()[embedder].messages
    remote = Engine(workflow, executor=executor(client)).run()[embedder].messages

    def rows(messages: list) -> set[str]:
        found = [m.message.split("rows ", 1)[1] for m in messages if m.code == "rows-without-known-words"]
        return {row.strip(" .") for text in found for row in text.split(",")}

    expected = {str(row) for row in range(4, 120, len(WORDS))}  # the rows of "qwzx vbnm"
    assert rows(remote) == expected  # each partition names its own (at most 10) rows
    assert rows(local) - {row for row in rows(local) if "more" in row} <= expected


def test_partitions_run_on_both_workers(client: Any, tmp_path: Path) -> None:
    workflow, _, _, embedder = text_workflow(corpus(tmp_path))
    embeddings = Engine(workflow, executor=executor(client)).run()[embedder].outputs["embeddings"]
    distributed.wait(list(embeddings.parts))
    holders = client.who_has(list(embeddings.parts))
    assert len({worker for workers in holders.values() for worker in workers}) == 2


_LOADS: list[str] = []


def _count_loads() -> None:
    """On a worker: forget loaded models and count each load from now on."""
    from embedflow.text import models

    original = models._load_builtin
    if getattr(original, "counting", False):
        original = original.__wrapped__

    def counted(info: Any) -> Any:
        _LOADS.append(info.id)
        return original(info)

    counted.counting = True  # type: ignore[attr-defined]
    counted.__wrapped__ = original  # type: ignore[attr-defined]
    models._load_builtin = counted
    models.forget("glove-6b-50d")
    _LOADS.clear()


def _loads() -> list[str]:
    return list(_LOADS)


def test_a_language_model_loads_once_per_worker_not_per_partition(client: Any, tmp_path: Path) -> None:
    client.run(_count_loads)
    workflow, _, _, embedder = text_workflow(corpus(tmp_path, rows=300))
    embeddings = Engine(workflow, executor=executor(client)).run()[embedder].outputs["embeddings"]
    assert len(embeddings.parts) >= 4
    loads = client.run(_loads)
    assert sorted(loads.values()) == [["glove-6b-50d"], ["glove-6b-50d"]]


def test_images_embed_on_the_cluster_with_skipped_rows_numbered_as_locally(client: Any, tmp_path: Path) -> None:
    bad_and_odd_images(tmp_path / "images")
    workflow = Workflow(default_registry())
    source = workflow.add_node("input", settings={"path": str(tmp_path / "images")})
    embedder = workflow.add_node("image_embedding", settings={"use_cache": False})
    workflow.connect(source.id, "data", embedder.id, "data")
    local = Engine(workflow).run()[embedder.id].outputs
    result = Engine(workflow, executor=executor(client, partition_bytes=2_000_000)).run()[embedder.id]
    assert result.state == NodeState.DONE, result.error
    remote = result.outputs
    assert len(remote["embeddings"].parts) > 1
    gathered = remote["embeddings"].gather()
    pd.testing.assert_frame_equal(gathered.meta, local["embeddings"].meta)
    np.testing.assert_allclose(gathered.vectors, local["embeddings"].vectors, rtol=1e-5, atol=1e-5)
    pd.testing.assert_frame_equal(remote["skipped"].gather().meta, local["skipped"].meta)


def test_a_folder_of_images_is_listed_by_its_subfolders_on_both_workers(client: Any, tmp_path: Path) -> None:
    folder = tmp_path / "museum"
    for number, (room, name) in enumerate([("", "entrance"), ("coins", "astronaut"), ("coins", "coffee"),
                                           ("paintings", "chelsea"), ("sculpture", "rocket"), ("sculpture", "camera")]):
        (folder / room).mkdir(parents=True, exist_ok=True)
        photo(name if name != "entrance" else "astronaut", size=(64, 48)).save(folder / room / f"{number}-{name}.jpg")
    (folder / "storage").mkdir()  # a room without pictures
    workflow = Workflow(default_registry())
    source = workflow.add_node("input", settings={"path": str(folder)})
    embedder = workflow.add_node("image_embedding", settings={"use_cache": False})
    workflow.connect(source.id, "data", embedder.id, "data")
    local = Engine(workflow).run()
    with distributed.get_task_stream(client) as stream:
        remote = Engine(workflow, executor=executor(client, partition_bytes=10**9)).run()
    assert len(remote[source.id].outputs["data"].parts) == 4  # the top-level run and each room with pictures
    assert len(set(_reads(stream))) == 2  # listed and embedded on both workers
    pd.testing.assert_frame_equal(remote[source.id].outputs["data"].gather().meta,
                                  local[source.id].outputs["data"].meta)
    vectors = remote[embedder.id].outputs["embeddings"].gather()
    pd.testing.assert_frame_equal(vectors.meta, local[embedder.id].outputs["embeddings"].meta)
    np.testing.assert_allclose(vectors.vectors, local[embedder.id].outputs["embeddings"].vectors, rtol=1e-5, atol=1e-5)


def _fail_on_row_13(ctx: Any) -> dict[str, Any]:
    table = ctx.inputs["data"]
    if 13 - ctx.first_row in range(len(table)):
        raise NodeError("row 13 is unlucky", "unlucky-row", "Leave out row 13.")
    return {"data": table}


FAILING = NodeSpec(type="t_fail_on_row_13", title="Unlucky", category="Analysis", description="fails on row 13",
                   icon="input", inputs=(Port("data", TABLE),), outputs=(Port("data", TABLE),), settings=(),
                   run=_fail_on_row_13, execution=Execution(row_wise=RowWise(port="data")))


def test_a_failing_partition_fails_its_block_naming_the_partition_and_rows(client: Any, tmp_path: Path) -> None:
    specs = Registry()
    for spec in default_registry().specs():
        specs.register(spec)
    specs.register(FAILING)
    workflow = Workflow(specs)
    source = workflow.add_node("input", settings={"path": str(corpus(tmp_path)), "feature": "text"})
    unlucky = workflow.add_node("t_fail_on_row_13")
    workflow.connect(source.id, "data", unlucky.id, "data")
    result = Engine(workflow, executor=executor(client)).run()[unlucky.id]
    assert result.state == NodeState.FAILED
    assert "row 13 is unlucky" in result.error and "rows 0–" in result.error
    assert [m.code for m in result.messages] == ["unlucky-row"]


def _exit_on_row_13(ctx: Any) -> dict[str, Any]:
    table = ctx.inputs["data"]
    if 13 - ctx.first_row in range(len(table)):
        sys.exit(7)
    return {"data": table}


EXITING = NodeSpec(type="t_exit_on_row_13", title="Exits", category="Analysis", description="sys.exit on row 13",
                   icon="input", inputs=(Port("data", TABLE),), outputs=(Port("data", TABLE),), settings=(),
                   run=_exit_on_row_13, execution=Execution(row_wise=RowWise(port="data")))


def test_a_block_calling_sys_exit_on_a_worker_fails_named_and_the_run_goes_on(client: Any, tmp_path: Path) -> None:
    specs = Registry()
    for spec in default_registry().specs():
        specs.register(spec)
    specs.register(EXITING)
    workflow = Workflow(specs)
    source = workflow.add_node("input", settings={"path": str(corpus(tmp_path)), "feature": "text"})
    exits = workflow.add_node("t_exit_on_row_13")
    workflow.connect(source.id, "data", exits.id, "data")
    results = Engine(workflow, executor=executor(client)).run()
    assert results[source.id].state == NodeState.DONE
    assert results[exits.id].state == NodeState.FAILED
    assert "SystemExit: 7" in results[exits.id].error
    assert "from module tests.engine.test_dask" in results[exits.id].error


def test_cancel_stops_the_run_on_the_cluster(client: Any, tmp_path: Path) -> None:
    workflow, _, encoder, embedder = text_workflow(corpus(tmp_path))
    cancel = threading.Event()

    def on_event(event: NodeEvent) -> None:
        if event.node_id == encoder and event.state == NodeState.RUNNING:
            cancel.set()

    results = Engine(workflow, executor=executor(client)).run(on_event=on_event, cancel=cancel)
    assert results[encoder].state == NodeState.CANCELLED
    assert results[embedder].state == NodeState.CANCELLED


def test_input_pattern_reads_each_file_as_a_partition_in_name_order(client: Any, tmp_path: Path) -> None:
    for number in range(3):
        write_csv(tmp_path, [f"text {number} {i}" for i in range(5)], name=f"part-{number}.csv")
    workflow = Workflow(default_registry())
    source = workflow.add_node("input", settings={"path": str(tmp_path / "part-*.csv"), "feature": "text"})
    local = Engine(workflow).run()[source.id].outputs["data"]
    remote = Engine(workflow, executor=executor(client, partition_bytes=10**9)).run()[source.id].outputs["data"]
    assert local.meta["text"].tolist()[::5] == ["text 0 0", "text 1 0", "text 2 0"]
    assert remote.rows == (5, 5, 5)
    pd.testing.assert_frame_equal(remote.gather().meta, local.meta)


def _parquet_corpus(tmp_path: Path, name: str = "corpus.parquet", rows: int = 120) -> Path:
    """The corpus as a Parquet file of row groups of 20 rows."""
    texts = pd.read_csv(corpus(tmp_path, rows))
    path = tmp_path / name
    texts.to_parquet(path, row_group_size=20)
    return path


def _reads(stream: Any) -> list[str]:
    """The workers that ran a block's partition tasks (here: the Input's reads), one entry a task."""
    return [task["worker"] for task in stream.data if str(task["key"]).startswith("_run_part")]


def test_a_parquet_file_is_read_by_row_groups_on_both_workers_as_the_local_run_reads_it(
        client: Any, tmp_path: Path) -> None:
    workflow, source, _, embedder = text_workflow(_parquet_corpus(tmp_path), feature="")
    neighbours = with_neighbours(workflow, embedder)
    reading = Workflow(default_registry())
    reading.add_node("input", settings=dict(workflow.nodes[source].settings))
    with distributed.get_task_stream(client) as stream:
        Engine(reading, executor=executor(client, partition_bytes=1_500)).run()
    reads = _reads(stream)
    assert len(reads) >= 3 and len(set(reads)) == 2  # pieces of row groups, read where they are worked on
    local = Engine(workflow).run()
    remote = Engine(workflow, executor=executor(client, partition_bytes=1_500)).run()
    pd.testing.assert_frame_equal(remote[source].outputs["data"].gather().meta, local[source].outputs["data"].meta)
    gathered = remote[embedder].outputs["embeddings"].gather()
    assert np.array_equal(gathered.vectors, local[embedder].outputs["embeddings"].vectors)
    same_neighbours(remote[neighbours].outputs["neighbours"].gather().meta,
                    local[neighbours].outputs["neighbours"].meta)
    unknown = [m.message for m in remote[embedder].messages if m.code == "rows-without-known-words"]
    named = {row.strip(" .") for text in unknown for row in text.split("rows ", 1)[1].split(",")}
    assert named == {str(row) for row in range(4, 120, len(WORDS))}  # numbered in the whole file


def test_every_piece_of_a_parquet_file_uses_the_feature_its_first_rows_give(client: Any, tmp_path: Path) -> None:
    path = tmp_path / "titled.parquet"
    titles = ["two words"] * 70 + ["one"] * 50  # rows 60-119 alone would choose 'text'
    pd.DataFrame({"title": titles, "text": [f"a text {i}" for i in range(120)]}).to_parquet(path, row_group_size=20)
    workflow = Workflow(default_registry())
    source = workflow.add_node("input", settings={"path": str(path)})
    assert Engine(workflow).run()[source.id].outputs["data"].feature == "title"
    remote = Engine(workflow, executor=executor(client, partition_bytes=1_500)).run()[source.id].outputs["data"]
    assert len(remote.parts) > 2
    assert {part.feature for part in remote.store.fetch(remote.parts)} == {"title"}


def test_a_big_parquet_file_among_small_ones_is_cut_by_its_row_groups(client: Any, tmp_path: Path) -> None:
    _parquet_corpus(tmp_path, "part-0.parquet", rows=12)
    _parquet_corpus(tmp_path, "part-1.parquet", rows=120)
    _parquet_corpus(tmp_path, "part-2.parquet", rows=12)
    workflow = Workflow(default_registry())
    source = workflow.add_node("input", settings={"path": str(tmp_path / "part-*.parquet"), "feature": "text"})
    local = Engine(workflow).run()[source.id].outputs["data"]
    with distributed.get_task_stream(client) as stream:
        remote = Engine(workflow, executor=executor(client, partition_bytes=10**9)).run()[source.id].outputs["data"]
    assert len(_reads(stream)) == 3  # one piece a file while the big one fits in a partition
    cut = executor(client, partition_bytes=1_500)
    with distributed.get_task_stream(client) as stream:
        pieces = Engine(workflow, executor=cut).run()[source.id].outputs["data"]
    assert len(_reads(stream)) > 3
    pd.testing.assert_frame_equal(remote.gather().meta, local.meta)
    pd.testing.assert_frame_equal(pieces.gather().meta, local.meta)


def _saved(tmp_path: Path) -> Path:
    workflow, _, _, embedder = text_workflow(corpus(tmp_path))
    with_neighbours(workflow, embedder)
    path = tmp_path / "flow.embedflow"
    write_workflow(workflow, path)
    return path


def test_cli_runs_on_a_scheduler_from_the_environment_writing_parquet_folders(
        client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    path = _saved(tmp_path)
    assert main(["run", str(path), "--format", "parquet", "--out", str(tmp_path / "local")]) == 0
    monkeypatch.setenv("EMBEDFLOW_SCHEDULER", client.scheduler.address)
    assert main(["run", str(path), "--format", "parquet", "--out", str(tmp_path / "cluster")]) == 0
    stderr = capsys.readouterr().err
    assert "2 Dask workers" in stderr and "of" in stderr and "partitions" in stderr
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "cluster" / "n3-embeddings.parquet"),
                                  pd.read_parquet(tmp_path / "local" / "n3-embeddings.parquet"))
    same_neighbours(pd.read_parquet(tmp_path / "cluster" / "n4-neighbours.parquet"),
                    pd.read_parquet(tmp_path / "local" / "n4-neighbours.parquet"))
    assert (tmp_path / "cluster" / "n3-embeddings.parquet").is_dir()
    assert (tmp_path / "cluster" / "n4-neighbours.parquet").is_dir()  # built on the workers, part by part


def test_cli_refuses_csv_on_a_cluster(client: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(_saved(tmp_path)), "--scheduler", client.scheduler.address]) == 1
    assert "--format parquet" in capsys.readouterr().err


def test_cli_starts_a_local_cluster(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _saved(tmp_path)
    assert main(["run", str(path), "--cluster", "local:2", "--format", "parquet", "--out", str(tmp_path / "o")]) == 0
    assert "2 Dask workers" in capsys.readouterr().err
    assert len(pd.read_parquet(tmp_path / "o" / "n3-embeddings.parquet")) == 100


def test_an_unreachable_scheduler_is_named_in_the_message() -> None:
    with pytest.raises(ClusterError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        DaskExecutor.connect("tcp://127.0.0.1:9", timeout=2)


def test_a_bad_local_cluster_size_is_refused() -> None:
    with pytest.raises(ClusterError, match="local:N"):
        DaskExecutor.connect("local:many")


def test_the_workers_run_the_clients_embedflow(client: Any) -> None:
    executor(client).check_workers()


def _vectors_from_ids(ctx: Any) -> dict[str, Any]:
    """Seeded random vectors from the `id` column; with `odd`, every 50th row (from 7) is zero and every 50th
    (from 9) repeats the row before (rows whose neighbours tie, in any order)."""
    table = ctx.inputs["data"]
    ids = table.meta["id"].to_numpy()
    odd = bool(ctx.settings["odd"])
    vectors = np.stack([np.random.default_rng(int(i) - (odd and i % 50 == 9)).normal(size=16)
                        for i in ids]).astype(np.float32)
    if odd:
        vectors[ids % 50 == 7] = 0.0
    return {"embeddings": table.with_vectors(vectors, model="random-16", kind="text")}


VECTORS = NodeSpec(type="t_vectors", title="Vectors", category="Analysis", description="seeded vectors",
                   icon="input", inputs=(Port("data", TABLE),), outputs=(Port("embeddings", EMBEDDINGS),),
                   settings=(Setting("odd", "bool", False),), run=_vectors_from_ids,
                   execution=Execution(row_wise=RowWise(port="data")))


def _vector_workflow(tmp_path: Path, rows: int, settings: dict[str, Any], query_rows: int = 0,
                     odd: bool = False, block: str = "nearest_neighbours") -> tuple[Workflow, str]:
    """Input → seeded vectors → `block` (and a second Input → vectors as its query); the block's id."""
    specs = Registry()
    for spec in default_registry().specs():
        specs.register(spec)
    specs.register(VECTORS)
    workflow = Workflow(specs)
    neighbours = workflow.add_node(block, settings=settings)
    for port, count, name in (("data", rows, "data.csv"), ("query", query_rows, "query.csv")):
        if not count:
            continue
        first = 0 if port == "data" else 10_000
        path = tmp_path / name
        rows = pd.DataFrame({"id": range(first, first + count), "text": [f"row {i}" for i in range(count)]})
        rows.to_csv(path, index=False)
        source = workflow.add_node("input", settings={"path": str(path), "feature": "text"})
        vectors = workflow.add_node("t_vectors", settings={"odd": odd})
        workflow.connect(source.id, "data", vectors.id, "data")
        workflow.connect(vectors.id, "embeddings", neighbours.id, port)
    return workflow, neighbours.id


@pytest.mark.parametrize("metric", ["cosine", "euclidean", "dot"])
def test_exact_neighbours_on_the_cluster_equal_the_local_search(client: Any, tmp_path: Path, metric: str) -> None:
    workflow, neighbours = _vector_workflow(tmp_path, 400, {"k": 6, "metric": metric, "method": "exact"})
    local = Engine(workflow).run()[neighbours]
    remote = Engine(workflow, executor=executor(client)).run()[neighbours]
    assert remote.state == NodeState.DONE, remote.error
    table = remote.outputs["neighbours"]
    assert isinstance(table, Partitioned) and len(table.parts) > 2  # built on the workers, one part per query part
    same_neighbours(table.gather().meta, local.outputs["neighbours"].meta)


def test_zero_and_repeated_vectors_on_the_cluster_are_named_as_locally(client: Any, tmp_path: Path) -> None:
    workflow, neighbours = _vector_workflow(tmp_path, 400, {"k": 3, "method": "exact"}, odd=True)
    local = Engine(workflow).run()[neighbours].messages
    remote = Engine(workflow, executor=executor(client)).run()[neighbours].messages
    assert {"zero-vectors", "duplicate-vectors"} <= {m.code for m in local}
    assert [(m.code, m.message) for m in remote if m.code != "searched-on-cluster"] == [(m.code, m.message)
                                                                                         for m in local]


def test_neighbours_of_a_partitioned_query_equal_the_local_search(client: Any, tmp_path: Path) -> None:
    workflow, neighbours = _vector_workflow(tmp_path, 300, {"k": 3, "method": "exact"}, query_rows=90)
    local = Engine(workflow).run()[neighbours].outputs["neighbours"].meta
    remote = Engine(workflow, executor=executor(client, partition_bytes=1_000)).run()[neighbours].outputs["neighbours"]
    assert len(remote.parts) > 1
    same_neighbours(remote.gather().meta, local)


def test_approximate_neighbours_on_the_cluster_report_recall_measured_as_locally(client: Any, tmp_path: Path) -> None:
    pytest.importorskip("faiss")
    from embedflow.analysis.ann import recall_at_k
    from embedflow.analysis.neighbours import Neighbours

    workflow, neighbours = _vector_workflow(tmp_path, 400, {"k": 5, "method": "approximate"})
    engine = Engine(workflow, executor=executor(client))
    remote = engine.run()[neighbours]
    assert remote.state == NodeState.DONE, remote.error
    [note] = [m for m in remote.messages if m.code == "approximate-recall"]
    table = remote.outputs["neighbours"].gather().meta
    embeddings = Engine(workflow).run()
    vectors = next(r.outputs["embeddings"] for r in embeddings.values() if "embeddings" in r.outputs).vectors
    indices = np.full((400, 5), -1)
    for row, found in table.groupby("query_row"):
        indices[row, :len(found)] = found["neighbour_row"].to_numpy()
    distances = np.zeros(indices.shape, np.float32)
    expected = recall_at_k(vectors, None, Neighbours(indices, distances, None), "cosine")
    assert f"found {expected.value:.1%} of the exact 5" in note.message
    assert f"on {expected.queries:,} sampled queries" in note.message


ANALOGY_WORDS = ("king", "queen", "man", "woman", "prince", "princess", "paris", "rome", "italy", "france",
                 "apple", "banana", "boy", "girl", "london", "england", "berlin", "germany", "madrid", "spain",
                 "uncle", "aunt", "father", "mother", "son", "daughter", "emperor", "empress", "car", "river")


def _analogy_workflow(tmp_path: Path) -> tuple[Workflow, str]:
    """Words (mean pooling) as data, two analogies (arithmetic pooling) as query, their own words left out."""
    workflow = Workflow(default_registry())
    ends = []
    for name, texts, pooling in (("words.csv", list(ANALOGY_WORDS), "mean"),
                                 ("analogies.csv", ["king - man + woman", "Paris-France+Italy"], "arithmetic")):
        source = workflow.add_node("input", settings={"path": str(write_csv(tmp_path, texts, name=name)),
                                                      "feature": "text"})
        encoder = workflow.add_node("text_encoding")
        embedder = workflow.add_node("text_embedding", settings={"pooling": pooling})
        workflow.connect(source.id, "data", encoder.id, "data")
        workflow.connect(encoder.id, "encoded", embedder.id, "encoded")
        ends.append(embedder.id)
    near = workflow.add_node("nearest_neighbours", settings={"k": 3, "method": "exact", "exclude_query_words": True})
    workflow.connect(ends[0], "embeddings", near.id, "data")
    workflow.connect(ends[1], "embeddings", near.id, "query")
    return workflow, near.id


def test_leaving_out_the_query_words_on_the_cluster_filters_per_partition_as_locally(
        client: Any, tmp_path: Path) -> None:
    workflow, near = _analogy_workflow(tmp_path)
    local = Engine(workflow).run()[near]
    results = Engine(workflow, executor=executor(client, partition_bytes=300)).run()
    remote = results[near]
    assert remote.state == NodeState.DONE, remote.error
    upstream = workflow.upstream_of(near, "data")
    assert upstream is not None and len(results[upstream[0].id].outputs["embeddings"].parts) > 2
    assert "gathered-from-cluster" not in {m.code for m in remote.messages}  # searched where the rows live
    assert "searched-on-cluster" in {m.code for m in remote.messages}
    table = remote.outputs["neighbours"]
    assert isinstance(table, Partitioned)
    gathered = table.gather().meta
    same_neighbours(gathered, local.outputs["neighbours"].meta)
    assert gathered.loc[gathered["rank"] == 1, "neighbour_text"].tolist() == ["queen", "rome"]
    assert not gathered["neighbour_text"].isin(["king", "man", "woman", "paris", "france", "italy"]).any()
    assert gathered.groupby("query_row").size().tolist() == [3, 3]
    assert "own words left out" in remote.summary


def test_scatter_pca_on_the_cluster_equals_the_local_projection(client: Any, tmp_path: Path) -> None:
    workflow, scatter = _vector_workflow(tmp_path, 400, {"projection": "pca", "color": "text",
                                                         "selection": [3, 150, 399]}, block="scatter")
    local = Engine(workflow).run()[scatter]
    remote = Engine(workflow, executor=executor(client)).run()[scatter]
    assert remote.state == NodeState.DONE, remote.error
    np.testing.assert_allclose(remote.view.projection.coords, local.view.projection.coords, rtol=1e-4, atol=1e-5)
    assert remote.view.projection.axes == local.view.projection.axes
    assert remote.view.data.meta.columns.tolist() == ["text"]  # only the column the colours need came here
    selected = remote.outputs["selected"]
    assert isinstance(selected, Partitioned)
    pd.testing.assert_frame_equal(selected.gather().meta, local.outputs["selected"].meta)
    [note] = [m.message for m in remote.messages if m.code == "gathered-from-cluster"]
    assert "400 coordinates and the column text" in note and "vectors stayed on the workers" in note


def test_scatter_tsne_on_the_cluster_fits_a_sample_and_places_the_other_rows(client: Any, tmp_path: Path) -> None:
    from embedflow.analysis.projection import project

    workflow, scatter = _vector_workflow(tmp_path, 150, {"projection": "tsne", "perplexity": 10.0}, block="scatter")
    cluster = DaskExecutor(client, partition_bytes=2_000, gather_rows=60)
    remote = Engine(workflow, executor=cluster).run()[scatter]
    assert remote.state == NodeState.DONE, remote.error
    [note] = [m.message for m in remote.messages if m.code == "projection-sampled"]
    assert "random sample of 60 of 150 rows" in note and "other 90 were placed by its transform" in note
    data = next(r for r in Engine(workflow).run().values() if "embeddings" in r.outputs).outputs["embeddings"]
    here = project(data.vectors, "tsne", sample_size=60, perplexity=10.0).coords  # the same sample, locally
    fitted = np.isfinite(here).all(axis=1)
    assert fitted.sum() == 60
    np.testing.assert_allclose(remote.view.projection.coords[fitted], here[fitted], rtol=1e-4, atol=1e-4)
    assert np.isfinite(remote.view.projection.coords).all()  # every other row placed too


def test_scatter_umap_on_the_cluster_fits_a_sample_and_places_the_other_rows_by_its_transform(
        client: Any, tmp_path: Path) -> None:
    pytest.importorskip("umap")
    from embedflow.analysis.projection import project

    workflow, scatter = _vector_workflow(tmp_path, 120, {"projection": "umap"}, block="scatter")
    cluster = DaskExecutor(client, partition_bytes=1_000_000, gather_rows=60)
    remote = Engine(workflow, executor=cluster).run()[scatter]
    assert remote.state == NodeState.DONE, remote.error
    [note] = [m.message for m in remote.messages if m.code == "projection-sampled"]
    assert "UMAP was fitted on a random sample of 60 of 120 rows" in note
    assert "other 60 were placed by its transform on the cluster" in note
    data = next(r for r in Engine(workflow).run().values() if "embeddings" in r.outputs).outputs["embeddings"]
    here = project(data.vectors, "umap", sample_size=60).coords  # the same sample, locally
    fitted = np.isfinite(here).all(axis=1)
    assert fitted.sum() == 60
    np.testing.assert_allclose(remote.view.projection.coords[fitted], here[fitted], rtol=1e-4, atol=1e-4)
    coords = remote.view.projection.coords
    assert np.isfinite(coords).all()  # every other row placed too, within the fitted rows' extent
    low, high = coords[fitted].min(axis=0), coords[fitted].max(axis=0)
    margin = high - low
    assert ((coords[~fitted] >= low - margin) & (coords[~fitted] <= high + margin)).all()


def _stall_first_partition_once(ctx: Any) -> dict[str, Any]:
    """On a cluster, the first partition's first attempt says which worker runs it (its pid) and waits to be killed."""
    folder = Path(ctx.settings["folder"])
    if not ctx.whole and ctx.first_row == 0:
        started = folder / "started"
        if started.exists():
            (folder / "retried").write_text(str(os.getpid()))
        else:
            temp = folder / "started.tmp"
            temp.write_text(str(os.getpid()))
            os.replace(temp, started)
            for _ in range(1200):  # a bound, not a timing: the test kills this process long before
                threading.Event().wait(0.1)
    return {"data": ctx.inputs["data"]}


STALLING = NodeSpec(type="t_stall", title="Stall", category="Analysis", description="waits to be killed once",
                    icon="input", inputs=(Port("data", TABLE),), outputs=(Port("data", TABLE),),
                    settings=(Setting("folder", "str", ""),), run=_stall_first_partition_once,
                    execution=Execution(row_wise=RowWise(port="data")))


def test_a_worker_killed_during_a_run_has_its_tasks_retried_and_the_output_is_identical(tmp_path: Path) -> None:
    specs = Registry()
    for spec in default_registry().specs():
        specs.register(spec)
    specs.register(STALLING)
    workflow = Workflow(specs)
    source = workflow.add_node("input", settings={"path": str(corpus(tmp_path)), "feature": "text"})
    stall = workflow.add_node("t_stall", settings={"folder": str(tmp_path)})
    encoder = workflow.add_node("text_encoding")
    embedder = workflow.add_node("text_embedding")
    for (a, port), (b, into) in (((source.id, "data"), (stall.id, "data")), ((stall.id, "data"), (encoder.id, "data")),
                                 ((encoder.id, "encoded"), (embedder.id, "encoded"))):
        workflow.connect(a, port, b, into)
    expected = Engine(workflow).run()[embedder.id].outputs["embeddings"]
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=":0")
    with cluster, distributed.Client(cluster) as own:
        handle = Engine(workflow, executor=executor(own)).start()
        started = tmp_path / "started"
        for _ in range(1200):  # until the stalled task has begun (bounded so a broken run cannot hang the suite)
            if started.exists() or not handle.running:
                break
            threading.Event().wait(0.1)
        killed = int(started.read_text())
        os.kill(killed, signal.SIGKILL)
        assert handle.wait(300)
        result = handle.results[embedder.id]
        assert result.state == NodeState.DONE, result.error
        assert int((tmp_path / "retried").read_text()) != killed  # the partition ran again, in another process
        gathered = result.outputs["embeddings"].gather()
    assert np.array_equal(gathered.vectors, expected.vectors)
    pd.testing.assert_frame_equal(gathered.meta, expected.meta)
