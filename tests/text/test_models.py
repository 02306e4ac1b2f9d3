"""The language-model registry and the built-in GloVe model."""

import numpy as np
import pytest

from embedflow.text import gensim_data, models
from embedflow.text.models import LanguageModelError


def cosine(a, b):
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_builtin_glove_is_listed_as_available_with_its_size_and_tokenizer():
    info = models.get_info("glove-6b-50d")
    assert info.available and info.source == "built-in"
    assert (info.dims, info.vocab_size) == (50, 400_000)
    assert info.size_bytes > 80_000_000
    assert info.tokenizer.lowercase


def test_builtin_glove_holds_the_real_stanford_vectors():
    model = models.load("glove-6b-50d")
    assert model.vectors.shape == (400_000, 50) and model.vectors.dtype == np.float32
    king, queen, cabbage = (model.vector(w) for w in ("king", "queen", "cabbage"))
    assert cosine(king, queen) > 0.75 > cosine(king, cabbage)


def test_builtin_glove_is_memory_mapped_and_loaded_once_per_process():
    first = models.load("glove-6b-50d")
    assert models.load("glove-6b-50d") is first
    assert not first.vectors.flags.writeable
    assert isinstance(first.vectors.base, np.memmap) or first.vectors.base is not None


def test_unknown_model_is_a_clear_error_listing_the_known_ones():
    with pytest.raises(LanguageModelError, match="no language model called 'glove-7b'.*glove-6b-50d"):
        models.load("glove-7b")


def test_catalogue_models_are_listed_with_download_size_before_download():
    listed = {info.id: info for info in models.list_models()}
    news = listed["word2vec-google-news-300"]
    assert not news.available and news.source == "gensim-data"
    assert news.size_bytes == 1_743_563_840 and news.size_text() == "1.7 GB"
    assert not news.tokenizer.lowercase and news.tokenizer.numbers == "hash"
    assert set(gensim_data.CATALOGUE) <= set(listed)
    assert {"trained-word2vec", "trained-fasttext"} <= set(listed)


def test_catalogue_urls_follow_the_override_base_url(monkeypatch):
    monkeypatch.setenv("EMBEDFLOW_GENSIM_DATA_URL", "http://127.0.0.1:9/mirror/")
    entry = gensim_data.CATALOGUE["glove-wiki-gigaword-50"]
    assert entry.url() == "http://127.0.0.1:9/mirror/glove-wiki-gigaword-50/glove-wiki-gigaword-50.gz"


def test_evaluate_reports_wordsim_simlex_and_analogies_of_glove(capsys):
    import argparse

    from embedflow.cli.models import main as models_main

    args = argparse.Namespace(download=None, add=None, evaluate="glove-6b-50d", name=None, format="auto",
                              analogy_vocab=5_000)
    assert models_main(args) == 0
    captured = capsys.readouterr()
    assert "Evaluating: word pairs, then analogies among the 5,000 most frequent words" in captured.err
    out = captured.out
    figures = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    assert 0.45 < float(figures["WordSim-353 Spearman"].split()[0]) < 0.6
    assert 0.2 < float(figures["SimLex-999 Spearman"].split()[0]) < 0.35
    assert 30 < float(figures["Analogy accuracy"].split("%")[0]) < 90
