"""The Text Encoding block: token ids, coverage report, sequence length and bad input."""

import threading

import numpy as np
import pandas as pd
import pytest

from embedflow.blocks import text_encoding
from embedflow.core.context import NodeContext
from embedflow.core.errors import NodeError
from embedflow.core.table import EncodedText, Table
from embedflow.core.workflow import Node
from embedflow.text import models
from tests.text_support import run_all, text_workflow, write_csv


def encode_texts(tmp_path, texts, **settings):
    workflow, _, encoder, _ = text_workflow(write_csv(tmp_path, texts), encoding=settings)
    return run_all(workflow)[encoder]


def run_block(table, **settings):
    """Run the block's function on a table made in code (for values no file format can hold)."""
    node = Node("n2", "text_encoding", "Text Encoding")
    ctx = NodeContext(node, {**text_encoding.SPEC.defaults(), **settings}, {"data": table}, None,
                      threading.Event(), lambda event: None)
    return text_encoding.run(ctx)


def glove_id(word):
    return models.load("glove-6b-50d").index()[word]


def test_tokens_become_glove_ids_padded_to_the_sequence_length(tmp_path):
    result = encode_texts(tmp_path, ["The king is here", "queen"], sequence_length=6)
    encoded = result.outputs["encoded"]
    assert isinstance(encoded, EncodedText) and encoded.language_model == "glove-6b-50d"
    assert encoded.ids.shape == (2, 6)
    assert encoded.ids[0].tolist() == [glove_id(w) for w in ("the", "king", "is", "here")] + [-1, -1]
    assert encoded.ids[1].tolist() == [glove_id("queen")] + [-1] * 5
    assert encoded.lengths.tolist() == [4, 1]


def test_long_texts_are_cut_at_the_end(tmp_path):
    result = encode_texts(tmp_path, ["one two three four five"], sequence_length=3)
    encoded = result.outputs["encoded"]
    assert encoded.ids[0].tolist() == [glove_id(w) for w in ("one", "two", "three")]
    assert any(m.code == "text-truncated" for m in result.messages)


def test_unknown_tokens_keep_their_place_with_the_unknown_id(tmp_path):
    encoded = encode_texts(tmp_path, ["king zzqxv queen"]).outputs["encoded"]
    assert encoded.ids[0, :3].tolist() == [glove_id("king"), -2, glove_id("queen")]


def test_summary_reports_coverage_and_rows_empty_after_tokenization(tmp_path):
    result = encode_texts(tmp_path, ["king queen", "zzqxv king", "", "?!", "prince"])
    assert result.state == "done"
    assert result.summary.startswith("80.0% of tokens known; 2 rows empty after tokenization; 5 rows × ")
    assert encode_texts(tmp_path, ["king queen"]).summary.startswith("all tokens known; 1 row × ")
    empty = [m for m in result.messages if m.code == "empty-rows"]
    assert len(empty) == 1 and empty[0].severity == "warning" and "rows 2, 3" in empty[0].message


def test_lowercase_auto_follows_the_model_and_no_keeps_capitals(tmp_path):
    auto = encode_texts(tmp_path, ["King"]).outputs["encoded"]
    kept = encode_texts(tmp_path, ["King"], lowercase="no").outputs["encoded"]
    assert auto.ids[0, 0] == glove_id("king")
    assert kept.ids[0, 0] == -2


def test_numbers_nan_bytes_emoji_and_cjk_in_a_text_column_do_not_crash(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_bytes("id,text\n1,king 😀\n2,\n3,42\n4,我爱你\n5,caf\xe9 queen\n".encode())
    workflow, _, encoder, embedder = text_workflow(path)
    results = run_all(workflow)
    assert results[encoder].state == "done" and results[embedder].state == "done"
    encoded = results[encoder].outputs["encoded"]
    assert encoded.ids[0, 0] == glove_id("king")
    assert encoded.lengths.tolist()[1] == 0


def test_bytes_that_are_not_utf8_are_replaced_not_fatal(tmp_path):
    pd.DataFrame({"text": [b"king \xff\xfe queen", b"prince"]}).to_parquet(tmp_path / "bytes.parquet")
    workflow, _, encoder, _ = text_workflow(tmp_path / "bytes.parquet")
    result = run_all(workflow)[encoder]
    assert result.state == "done"
    ids = result.outputs["encoded"].ids
    assert glove_id("queen") in ids[0] and glove_id("prince") in ids[1]


def test_lone_surrogates_from_undecodable_text_are_replaced_not_fatal():
    texts = pd.Series(["bad \udcff surrogate prince", "queen"], dtype=object)
    table = Table(pd.DataFrame({"text": texts}), feature="text")
    encoded = run_block(table)["encoded"]
    assert glove_id("prince") in encoded.ids[0] and encoded.ids[1, 0] == glove_id("queen")


def test_a_one_megabyte_document_is_encoded(tmp_path):
    big = " ".join(["the king and the queen"] * 45_000)
    assert len(big) > 1_000_000
    result = encode_texts(tmp_path, [big, "prince"], sequence_length=512)
    assert result.state == "done"
    assert result.outputs["encoded"].lengths.tolist() == [512, 1]


def test_a_numeric_feature_column_fails_with_feature_not_text(tmp_path):
    pd.DataFrame({"name": ["a", "b"], "price": [1.5, 2.5]}).to_csv(tmp_path / "p.csv", index=False)
    workflow, _, encoder, _ = text_workflow(tmp_path / "p.csv", feature="price")
    result = run_all(workflow)[encoder]
    assert result.state == "failed"
    assert [m.code for m in result.messages] == ["feature-not-text"]
    assert "price" in result.error


def test_a_table_of_zero_rows_is_a_clear_error():
    with pytest.raises(NodeError, match="no rows") as raised:
        run_block(Table(pd.DataFrame({"text": pd.Series([], dtype=str)}), feature="text"))
    assert raised.value.code == "empty-input"


def test_fifty_thousand_rows_keep_their_order_across_chunks(tmp_path):
    texts = [f"king {i} queen" for i in range(50_000)]
    encoded = encode_texts(tmp_path, texts, sequence_length=3).outputs["encoded"]
    assert encoded.ids.shape == (50_000, 3)
    assert (encoded.ids[:, 0] == glove_id("king")).all()
    assert np.array_equal(encoded.ids[:, 1], [glove_id(str(i)) if str(i) in models.load("glove-6b-50d").index()
                                              else -2 for i in range(50_000)])


def test_cancelling_stops_encoding_between_chunks():
    from embedflow.core.errors import Cancelled

    cancel = threading.Event()
    table = Table(pd.DataFrame({"text": [f"king {i} queen" for i in range(80_000)]}), feature="text")

    def on_event(event):
        if event.message.startswith("Tokenized"):
            cancel.set()

    node = Node("n2", "text_encoding", "Text Encoding")
    ctx = NodeContext(node, text_encoding.SPEC.defaults(), {"data": table}, None, cancel, on_event)
    with pytest.raises(Cancelled):
        text_encoding.run(ctx)


def test_a_categorical_text_column_is_text():
    table = Table(pd.DataFrame({"text": pd.Categorical(["king", "queen", "king"])}), feature="text")
    ids = run_block(table)["encoded"].ids
    assert ids[:, 0].tolist() == [glove_id("king"), glove_id("queen"), glove_id("king")]


def test_summary_never_says_all_tokens_are_known_while_a_row_has_no_known_word(tmp_path):
    texts = ["king queen prince"] * 300 + ["zzqxv"]
    result = encode_texts(tmp_path, texts)
    assert result.summary.startswith("99.9% of tokens known")
    assert "1 row with no word the model knows" in result.summary
    assert encode_texts(tmp_path, ["king queen"]).summary.startswith("all tokens known")
