"""Downloading a gensim-data catalogue model from a real local HTTP server."""

import gzip
import hashlib
import threading

import numpy as np
import pytest

from embedflow.cli.models import main as models_main
from embedflow.core.errors import Cancelled
from embedflow.engine import Engine
from embedflow.io.user_dirs import cache_dir
from embedflow.text import gensim_data, models
from embedflow.text.models import LanguageModelError
from embedflow.validation import validate
from tests.image_support import Served, http_server
from tests.text_support import text_workflow, write_csv

WORDS = {"king": [1.0, 0.0, 0.5], "queen": [0.9, 0.1, 0.5], "apple": [0.0, 1.0, -0.5]}
NAME = "tiny-test-vectors"


def tiny_archive() -> bytes:
    lines = [f"{len(WORDS)} 3"] + [f"{w} " + " ".join(str(v) for v in vec) for w, vec in WORDS.items()]
    return gzip.compress(("\n".join(lines) + "\n").encode())


@pytest.fixture()
def catalogue(monkeypatch):
    """A local server holding one tiny model, and a catalogue entry for it."""
    body = tiny_archive()
    served = Served(files={f"/{NAME}/{NAME}.gz": body})
    entry = gensim_data.CatalogueEntry(NAME, "Tiny test vectors", 3, 3, len(body), hashlib.md5(body).hexdigest(),
                                       False, gensim_data.CATALOGUE["glove-wiki-gigaword-50"].tokenizer, "test")
    monkeypatch.setitem(gensim_data.CATALOGUE, NAME, entry)
    with http_server(served) as url:
        monkeypatch.setenv("EMBEDFLOW_GENSIM_DATA_URL", url)
        yield served, entry
    models.forget(NAME)


def test_download_checks_the_file_and_makes_the_model_available(catalogue):
    served, entry = catalogue
    assert not models.get_info(NAME).available
    seen = []
    info = gensim_data.download(NAME, progress=lambda fraction, message: seen.append(fraction))
    assert info.available and info.vocab_size == 3 and info.dims == 3
    assert seen[-1] == 1.0 and seen == sorted(seen)
    model = models.load(NAME)
    np.testing.assert_allclose(model.vector("queen"), WORDS["queen"])
    assert list(cache_dir("downloads").iterdir()) == []


def test_a_wrong_checksum_is_a_clear_error_and_leaves_no_model(catalogue, monkeypatch):
    served, entry = catalogue
    monkeypatch.setitem(gensim_data.CATALOGUE, NAME, gensim_data.CatalogueEntry(
        **{**entry.__dict__, "md5": "0" * 32}))
    with pytest.raises(LanguageModelError, match="damaged or not the expected one"):
        gensim_data.download(NAME)
    assert not models.get_info(NAME).available


def test_a_server_error_names_the_model_and_the_url(catalogue):
    served, entry = catalogue
    served.files.clear()
    with pytest.raises(LanguageModelError, match=f"Could not download the language model {NAME}.*404"):
        gensim_data.download(NAME)


def test_cancel_stops_the_download(catalogue):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        gensim_data.download(NAME, cancel=cancel)
    assert not models.get_info(NAME).available


def test_running_text_encoding_downloads_a_missing_model_after_the_warning(catalogue, tmp_path):
    workflow, _, encoder, embedder = text_workflow(write_csv(tmp_path, ["king queen", "apple"]),
                                                   encoding={"language_model": NAME},
                                                   embedding={"language_model": NAME})
    warning = next(d for d in validate(workflow) if d.code == "language-model-not-downloaded")
    assert warning.severity == "warning" and "bytes" in warning.message
    results = Engine(workflow).run()
    assert results[embedder].state == "done"
    np.testing.assert_allclose(results[embedder].outputs["embeddings"].vectors[1], WORDS["apple"])
    assert "language-model-not-downloaded" not in [d.code for d in validate(workflow)]


def test_models_command_downloads_by_name(catalogue, capsys):
    import argparse

    args = argparse.Namespace(download=NAME, add=None, evaluate=None, name=None, format="auto", analogy_vocab=100)
    assert models_main(args) == 0
    assert "3 words × 3 dims" in capsys.readouterr().out
    assert models.get_info(NAME).available


def test_cancel_while_the_download_is_retrying_ends_text_encoding_as_cancelled(catalogue, tmp_path):
    served, entry = catalogue
    served.fail_times[f"/{NAME}/{NAME}.gz"] = 10
    workflow, _, encoder, _ = text_workflow(write_csv(tmp_path, ["king queen"]),
                                            encoding={"language_model": NAME}, embedding={"language_model": NAME})
    cancel = threading.Event()

    def on_event(event):
        if event.message.startswith("Downloading"):
            cancel.set()

    results = Engine(workflow).run(on_event=on_event, cancel=cancel)
    assert results[encoder].state == "cancelled"
    # The block handed the cancel to the download, which stopped instead of retrying a failing server.
    assert served.requests == []
