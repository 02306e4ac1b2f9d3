"""The persistent text embedding cache: a second run skips the model, keys separate models, bad caches warn."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from embedflow.cli import main as cli_main
from embedflow.io.embedding_store import EmbeddingCache, store_path
from embedflow.io.workflow_file import write_workflow
from embedflow.text import transformer
from embedflow.text.embedding_cache import embed_cached
from embedflow.text.transformer import MINILM_ID
from tests.text_support import run_all, text_workflow, write_csv

MINILM = {"language_model": MINILM_ID}
TEXTS = ["The cat sat on the mat.", "Stars and planets in space.", "", "Bake the bread in the oven.",
         "The cat sat on the mat."]


@pytest.fixture
def model_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Rows the real sentence model was run on, one entry per onnxruntime call."""
    calls: list[int] = []
    real = transformer.SentenceModel._run

    def counted(self, ids, mask, *options):
        calls.append(len(ids))
        return real(self, ids, mask, *options)

    monkeypatch.setattr(transformer.SentenceModel, "_run", counted)
    return calls


def sentence_workflow(tmp_path: Path, texts: list[str] = TEXTS, **embedding: object):
    return text_workflow(write_csv(tmp_path, texts), encoding=dict(MINILM), embedding={**MINILM, **embedding})


def test_a_second_run_reads_every_vector_from_the_cache_and_they_are_identical(tmp_path, model_calls):
    workflow, _, _, embedder = sentence_workflow(tmp_path)
    first = run_all(workflow)[embedder]
    assert sum(model_calls) == 3  # four texts, one of them twice: embedded once
    assert "from the cache" not in first.summary
    model_calls.clear()
    second = run_all(workflow)[embedder]  # a new engine: nothing kept in memory
    assert model_calls == []
    assert "; 4 of 4 from the cache" in second.summary
    np.testing.assert_array_equal(second.outputs["embeddings"].vectors, first.outputs["embeddings"].vectors)


def test_new_texts_are_embedded_and_seen_ones_come_from_the_cache(tmp_path, model_calls):
    workflow, _, _, _ = sentence_workflow(tmp_path)
    run_all(workflow)
    model_calls.clear()
    (tmp_path / "more").mkdir()
    more, _, _, embedder = sentence_workflow(tmp_path / "more", TEXTS[:2] + ["A brand new sentence about rivers."])
    result = run_all(more)[embedder]
    assert sum(model_calls) == 1 and "; 2 of 3 from the cache" in result.summary


def test_the_pooling_and_the_sequence_length_are_part_of_the_key(tmp_path, model_calls):
    workflow, _, encoder, embedder = sentence_workflow(tmp_path)
    run_all(workflow)
    model_calls.clear()
    workflow.update_settings(embedder, {"pooling": "cls"})
    assert "from the cache" not in run_all(workflow)[embedder].summary and sum(model_calls) == 3
    model_calls.clear()
    workflow.update_settings(encoder, {"sequence_length": 32})
    assert "from the cache" not in run_all(workflow)[embedder].summary and sum(model_calls) == 3


def test_a_new_process_reads_the_vectors_the_first_one_kept(tmp_path):
    workflow, _, _, embedder = sentence_workflow(tmp_path)
    path = tmp_path / "sentences.embedflow"
    write_workflow(workflow, path)
    assert cli_main(["run", str(path), "--out", str(tmp_path / "first")]) == 0
    done = subprocess.run([sys.executable, "-m", "embedflow", "run", str(path), "--out", str(tmp_path / "second")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "4 of 4 from the cache" in done.stderr
    first = pd.read_csv(tmp_path / "first" / f"{embedder}-embeddings.csv")
    second = pd.read_csv(tmp_path / "second" / f"{embedder}-embeddings.csv")
    pd.testing.assert_frame_equal(first, second)


def test_a_corrupt_cache_is_started_afresh_with_a_warning_and_the_run_goes_on(tmp_path):
    path = store_path("texts")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a database" * 100)
    workflow, _, _, embedder = sentence_workflow(tmp_path)
    result = run_all(workflow)[embedder]
    assert result.state == "done" and result.outputs["embeddings"].vectors.shape == (4, 384)
    assert [m.code for m in result.messages if m.severity == "warning"].count("text-cache-rebuilt") == 1
    assert len(EmbeddingCache(path)) == 3


def test_a_cache_folder_that_cannot_be_made_warns_once_and_the_run_goes_on(tmp_path):
    folder = store_path("texts").parent
    folder.rmdir()
    folder.write_text("a file where the cache folder should be")
    workflow, _, _, embedder = sentence_workflow(tmp_path)
    result = run_all(workflow)[embedder]
    assert result.state == "done" and result.outputs["embeddings"].vectors.shape == (4, 384)
    (warning,) = [m for m in result.messages if m.code == "text-cache-unavailable"]
    assert "embedded afresh" in warning.message


def test_a_full_store_keeps_nothing_says_why_and_returns_every_vector(tmp_path):
    cache = EmbeddingCache(tmp_path / "texts.sqlite")
    assert cache._db is not None
    pages = cache._db.execute("PRAGMA page_count").fetchone()[0]
    cache._db.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full
    vectors = np.random.default_rng(0).standard_normal((50, 384)).astype(np.float32)
    cached = embed_cached(cache, "m", [f"d{i}" for i in range(50)], lambda rows: vectors[rows])
    np.testing.assert_array_equal(cached.vectors, vectors)
    assert cache.write_error is not None and "full" in cache.write_error
    assert len(cache) == 0


def test_clear_cache_deletes_the_stores(tmp_path, capsys):
    workflow, _, _, _ = sentence_workflow(tmp_path)
    run_all(workflow)
    assert store_path("texts").exists()
    assert cli_main(["models", "--clear-cache"]) == 0
    out = capsys.readouterr().out
    assert "texts:" in out and "freed" in out and "images: nothing to clear" in out
    assert not store_path("texts").exists()
    with pytest.raises(sqlite3.OperationalError):
        sqlite3.connect(f"file:{store_path('texts')}?mode=ro", uri=True).execute("SELECT 1")
