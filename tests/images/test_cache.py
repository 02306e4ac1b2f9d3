"""The SQLite embedding cache: keyed by (model, content hash), persistent, capped, self-healing."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from embedflow.io.embedding_store import EmbeddingCache


def vec(seed: int, dims: int = 1000) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(dims).astype(np.float32)


def test_vectors_survive_a_restart(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "c.sqlite")
    cache.put_many("squeezenet", [("aa", vec(1)), ("bb", vec(2))])
    cache.close()
    again = EmbeddingCache(tmp_path / "c.sqlite")
    found = again.get_many("squeezenet", ["aa", "bb", "cc"])
    assert set(found) == {"aa", "bb"} and np.array_equal(found["bb"], vec(2))


def test_models_do_not_share_entries(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "c.sqlite")
    cache.put_many("squeezenet", [("aa", vec(1))])
    assert cache.get_many("resnet18-v2", ["aa"]) == {}


def test_corrupt_file_is_replaced_by_an_empty_store(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    cache = EmbeddingCache(path)
    assert cache.rebuilt and len(cache) == 0
    cache.put_many("m", [("aa", vec(1))])
    assert "aa" in cache.get_many("m", ["aa"])


def test_size_cap_drops_least_recently_used_first(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "c.sqlite", max_bytes=120_000)
    cache.put_many("m", [("old", vec(0))])
    for i in range(1, 40):
        cache.put_many("m", [(f"k{i}", vec(i))])
        cache.get_many("m", ["k1"])  # keep one early entry in use
    assert cache.size_bytes() <= 120_000
    assert "old" not in cache.get_many("m", ["old"])
    assert "k1" in cache.get_many("m", ["k1"])
    assert "k39" in cache.get_many("m", ["k39"])


def test_a_store_busy_in_another_process_is_skipped_not_deleted(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "c.sqlite"
    cache = EmbeddingCache(path, busy_timeout=0.1)
    cache.put_many("m", [("aa", vec(1))])
    other = sqlite3.connect(path)
    other.execute("BEGIN EXCLUSIVE")
    cache.put_many("m", [("bb", vec(2))])  # cannot write now: skipped quietly
    other.rollback()
    other.close()
    assert not cache.rebuilt
    assert set(cache.get_many("m", ["aa", "bb"])) == {"aa"}


def test_an_unopenable_store_is_an_error_the_block_can_catch(tmp_path: Path) -> None:
    import sqlite3

    import pytest

    (tmp_path / "c.sqlite").mkdir()  # a folder where the file should be
    with pytest.raises(sqlite3.OperationalError):
        EmbeddingCache(tmp_path / "c.sqlite")


def test_blocks_opening_a_new_cache_at_once_all_get_it(tmp_path):
    """Two Image Embedding branches run side by side: the first run of a fresh cache is not 'locked' for one."""
    import threading

    from embedflow.io.embedding_store import EmbeddingCache

    for attempt in range(15):
        path = tmp_path / f"try-{attempt}" / "images.sqlite"
        start = threading.Barrier(6)
        opened: list[object] = []
        failures: list[BaseException] = []

        def open_cache() -> None:
            start.wait()  # noqa: B023 - the threads are joined within this iteration
            try:
                opened.append(EmbeddingCache(path))  # noqa: B023 - the threads are joined within this iteration
            except Exception as exc:  # noqa: BLE001 - the test reports what went wrong
                failures.append(exc)  # noqa: B023 - the threads are joined within this iteration

        threads = [threading.Thread(target=open_cache) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not failures, failures[0]
        assert len(opened) == 6
