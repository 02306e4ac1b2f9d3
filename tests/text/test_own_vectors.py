"""Bringing your own vectors: word2vec binary/text, GloVe text, fastText .bin; broken files."""

import argparse

import numpy as np
import pytest
from gensim.models import FastText, KeyedVectors
from gensim.models.fasttext import save_facebook_model

from embedflow.cli.models import main as models_main
from embedflow.engine import Engine
from embedflow.text import models
from embedflow.text.models import LanguageModelError, add_model
from embedflow.text.vectors_io import detect_format
from tests.text_support import text_workflow, write_csv

WORDS = ["King", "queen", "apple", "pear"]
VECTORS = np.array([[1.0, 0.0, 0.5], [0.9, 0.1, 0.5], [0.0, 1.0, -0.5], [0.1, 0.9, -0.4]], dtype=np.float32)
SENTENCES = [["the", "king", "and", "the", "queen"], ["an", "apple", "and", "a", "pear"]] * 30


def keyed() -> KeyedVectors:
    vectors = KeyedVectors(vector_size=3)
    vectors.add_vectors(WORDS, VECTORS)
    return vectors


def args(**kwargs):
    return argparse.Namespace(**{"download": None, "add": None, "evaluate": None, "add_remote": None,
                                 "clear_cache": False, "name": None,
                                 "format": "auto", "analogy_vocab": 100, **kwargs})


@pytest.mark.parametrize("fmt, writer", [
    ("word2vec-text", lambda path: keyed().save_word2vec_format(str(path), binary=False)),
    ("word2vec-binary", lambda path: keyed().save_word2vec_format(str(path), binary=True)),
    ("glove-text", lambda path: keyed().save_word2vec_format(str(path), binary=False, write_header=False)),
])
def test_vector_files_are_recognised_and_read_exactly(tmp_path, fmt, writer):
    path = tmp_path / "mine.vec"
    writer(path)
    assert detect_format(path) == fmt
    info = add_model(path, f"mine-{fmt}")
    assert (info.vocab_size, info.dims, info.source) == (4, 3, "your file")
    model = models.load(info.id)
    np.testing.assert_allclose(model.vector("queen"), VECTORS[1])
    assert not info.tokenizer.lowercase  # "King" is capitalised, so the model is cased


def test_a_lower_case_vocabulary_gets_a_lower_casing_tokenizer(tmp_path):
    vectors = KeyedVectors(vector_size=3)
    vectors.add_vectors([w.lower() for w in WORDS], VECTORS)
    vectors.save_word2vec_format(str(tmp_path / "lower.txt"))
    assert add_model(tmp_path / "lower.txt", "lower").tokenizer.lowercase


def test_fasttext_bin_gives_vectors_to_unknown_words_in_a_workflow(tmp_path):
    trained = FastText(sentences=SENTENCES, vector_size=8, min_count=1, epochs=2, seed=1, workers=1)
    save_facebook_model(trained, str(tmp_path / "ft.bin"))
    assert detect_format(tmp_path / "ft.bin") == "fasttext-bin"
    info = add_model(tmp_path / "ft.bin", "ft")
    assert info.subwords
    workflow, _, encoder, embedder = text_workflow(write_csv(tmp_path, ["kings", "queen"]),
                                                   encoding={"language_model": "ft"},
                                                   embedding={"language_model": "ft"})
    results = Engine(workflow).run()
    assert results[encoder].outputs["encoded"].provenance["extra_words"] == ["kings"]
    vectors = results[embedder].outputs["embeddings"].vectors
    assert len(vectors) == 2 and np.abs(vectors[0]).sum() > 0
    np.testing.assert_allclose(vectors[0], trained.wv["kings"], rtol=1e-5)


def test_a_broken_vector_file_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.txt"
    path.write_text("4 3\nking 1.0 0.0\nqueen not numbers here\n")
    with pytest.raises(LanguageModelError, match="broken.txt is not a readable word2vec text file"):
        add_model(path, "broken")
    assert models.get_info("broken") is None


def test_a_truncated_binary_file_is_a_clear_error(tmp_path):
    keyed().save_word2vec_format(str(tmp_path / "full.bin"), binary=True)
    data = (tmp_path / "full.bin").read_bytes()
    (tmp_path / "cut.bin").write_bytes(data[: len(data) // 2])
    with pytest.raises(LanguageModelError, match="cut.bin"):
        add_model(tmp_path / "cut.bin", "cut", "word2vec-binary")


def test_an_empty_or_missing_file_is_a_clear_error(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(LanguageModelError, match="empty"):
        add_model(tmp_path / "empty.txt", "empty")
    with pytest.raises(LanguageModelError, match="does not exist"):
        add_model(tmp_path / "nope.txt", "nope")


def test_a_name_taken_by_a_built_in_or_catalogue_model_is_refused(tmp_path):
    keyed().save_word2vec_format(str(tmp_path / "v.txt"))
    with pytest.raises(LanguageModelError, match="already the name"):
        add_model(tmp_path / "v.txt", "glove-6b-50d")
    with pytest.raises(LanguageModelError, match="cannot be a model name"):
        add_model(tmp_path / "v.txt", "../escape")


def test_models_command_adds_a_file_and_lists_it(tmp_path, capsys):
    keyed().save_word2vec_format(str(tmp_path / "v.txt"))
    assert models_main(args(add=str(tmp_path / "v.txt"), name="classroom")) == 0
    assert "Added classroom: 4 words × 3 dims" in capsys.readouterr().out
    assert models_main(args()) == 0
    listing = capsys.readouterr().out
    assert "classroom" in listing and "glove-6b-50d" in listing and "word2vec-google-news-300" in listing


def test_models_command_reports_a_broken_file_without_a_traceback(tmp_path, capsys):
    (tmp_path / "bad.txt").write_text("2 3\nword x y z\n")
    assert models_main(args(add=str(tmp_path / "bad.txt"), name="bad")) == 1
    err = capsys.readouterr().err
    assert err.startswith("embedflow models: bad.txt") and "Traceback" not in err


def test_adding_a_model_again_under_the_same_name_re_encodes_the_rows(tmp_path):
    first = KeyedVectors(vector_size=3)
    first.add_vectors(["king"], VECTORS[:1])
    first.save_word2vec_format(str(tmp_path / "a.txt"))
    add_model(tmp_path / "a.txt", "mine")
    workflow, _, _, embedder = text_workflow(write_csv(tmp_path, ["king"]), encoding={"language_model": "mine"},
                                             embedding={"language_model": "mine"})
    engine = Engine(workflow)
    np.testing.assert_allclose(engine.run()[embedder].outputs["embeddings"].vectors[0], VECTORS[0])
    second = KeyedVectors(vector_size=3)
    second.add_vectors(["king"], VECTORS[2:3])
    second.save_word2vec_format(str(tmp_path / "b.txt"))
    add_model(tmp_path / "b.txt", "mine")
    np.testing.assert_allclose(engine.run()[embedder].outputs["embeddings"].vectors[0], VECTORS[2])
