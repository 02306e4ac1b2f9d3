"""The Input reads Orange's .tab files: three-line and compact headers, types mapped, class named, bad headers refused."""

from __future__ import annotations

import pandas as pd
import pytest

from embedflow.core.errors import NodeError
from embedflow.core.workflow import Workflow
from embedflow.engine import Engine
from embedflow.io.tables import detect_format, load_table
from embedflow.registry import default_registry

THREE_LINES = ("name\tcolour\tlength\ttext\tid\n"
               "s\td\tc\tstring\tc\n"
               "meta\tclass\t\tmeta\tignore\n"
               "apple\tred\t1.5\tA red fruit\t1\n"
               "plum\tpurple\t?\tA small fruit\t2\n")
COMPACT = ("mS#name\tcD#colour\tC#length\ti#id\n"
           "apple\tred\t1.5\t1\n"
           "plum\tpurple\t\t2\n")


def write(tmp_path, text: str, name: str = "fruit.tab"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text", [THREE_LINES, COMPACT], ids=["three-line header", "compact header"])
def test_a_tab_file_maps_orange_s_types_and_leaves_ignored_columns_out(tmp_path, text):
    table = load_table(write(tmp_path, text), feature="name").table
    meta = table.meta
    assert "id" not in meta.columns and meta["name"].tolist() == ["apple", "plum"]
    assert isinstance(meta["colour"].dtype, pd.CategoricalDtype)
    assert pd.api.types.is_float_dtype(meta["length"]) and meta["length"].isna().tolist() == [False, True]
    assert table.provenance["class"] == "colour"


def test_a_plain_one_line_header_reads_like_a_tsv(tmp_path):
    meta = load_table(write(tmp_path, "word\tcount\nking\t3\nqueen\t4\n")).table.meta
    assert meta["word"].tolist() == ["king", "queen"] and meta["count"].tolist() == [3, 4]


def test_an_unknown_type_is_refused_naming_the_header_line_and_column(tmp_path):
    bad = "name\tcolour\tlength\ns\td\tnumber\nmeta\tclass\t\napple\tred\t1.5\n"
    with pytest.raises(NodeError) as caught:
        load_table(write(tmp_path, bad), feature="name")
    assert "line 2 of the header" in str(caught.value) and "'length'" in str(caught.value)


def test_a_word_in_a_continuous_column_is_refused_naming_its_line(tmp_path):
    bad = THREE_LINES.replace("1.5", "long")
    with pytest.raises(NodeError) as caught:
        load_table(write(tmp_path, bad), feature="name")
    assert "line 4 holds 'long' in column 'length'" in str(caught.value)


def test_orange_s_metadata_file_is_refused_politely(tmp_path):
    with pytest.raises(NodeError) as caught:
        detect_format(write(tmp_path, "{}", "fruit.tab.metadata"))
    assert "Orange's description of fruit.tab" in str(caught.value) and "Choose fruit.tab" in caught.value.hint


def test_the_input_s_summary_names_the_class(tmp_path):
    workflow = Workflow(default_registry())
    source = workflow.add_node("input", settings={"path": str(write(tmp_path, THREE_LINES)), "feature": "text"})
    result = Engine(workflow).run()[source.id]
    assert result.state == "done" and result.summary.endswith("; class: colour")
