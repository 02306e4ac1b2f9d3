"""The Input block: every format, encodings, image folders and bad files."""

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from embedflow.cli import main as cli_main
from embedflow.core.workflow import Workflow
from embedflow.engine import Engine
from embedflow.io.workflow_file import write_workflow
from embedflow.registry import default_registry
from embedflow.validation import validate
from tests.text_support import text_workflow

DOCS = pd.DataFrame({"id": [1, 2, 3], "topic": ["cats", "dogs", "cats"],
                     "text": ["the cat sat on the mat", "a dog barked at night", "cats purr when happy"]})


def run_input(path, **settings):
    workflow = Workflow(default_registry())
    node = workflow.add_node("input", settings={"path": str(path), "feature": "", "format": "auto", **settings})
    result = Engine(workflow).run()[node.id]
    return result


def loaded(path, **settings):
    result = run_input(path, **settings)
    assert result.state == "done", result.error
    return result.outputs["data"]


@pytest.mark.parametrize("name, write", [
    ("d.csv", lambda df, p: df.to_csv(p, index=False)),
    ("d.tsv", lambda df, p: df.to_csv(p, index=False, sep="\t")),
    ("semicolon.csv", lambda df, p: df.to_csv(p, index=False, sep=";")),
    ("d.xlsx", lambda df, p: df.to_excel(p, index=False)),
    ("d.parquet", lambda df, p: df.to_parquet(p)),
    ("d.jsonl", lambda df, p: df.to_json(p, orient="records", lines=True)),
])
def test_each_table_format_loads_with_free_text_as_default_feature(tmp_path, name, write):
    write(DOCS, tmp_path / name)
    table = loaded(tmp_path / name)
    assert table.columns == ["id", "topic", "text"] and len(table) == 3
    assert table.feature == "text" and table.meta["text"][1] == "a dog barked at night"
    assert table.base_dir == str(tmp_path)


def test_text_file_gives_one_document_per_nonblank_line(tmp_path):
    (tmp_path / "d.txt").write_text("first document\n\nsecond one\n", encoding="utf-8")
    table = loaded(tmp_path / "d.txt")
    assert table.meta["text"].tolist() == ["first document", "second one"] and table.feature == "text"


def test_utf8_with_bom_loads_clean_column_names(tmp_path):
    (tmp_path / "d.csv").write_bytes("\ufefftext,n\ncafé au lait,1\n".encode("utf-8"))
    table = loaded(tmp_path / "d.csv")
    assert table.columns == ["text", "n"] and table.meta["text"][0] == "café au lait"


def test_latin1_falls_back_with_a_warning(tmp_path):
    (tmp_path / "d.csv").write_bytes("text\ncrème brûlée is sweet\n".encode("latin-1"))
    result = run_input(tmp_path / "d.csv")
    assert result.outputs["data"].meta["text"][0] == "crème brûlée is sweet"
    assert [m.code for m in result.messages] == ["encoding-fallback"]
    assert "latin-1" in result.messages[0].message


def test_feature_setting_chooses_the_column(tmp_path):
    DOCS.to_csv(tmp_path / "d.csv", index=False)
    assert loaded(tmp_path / "d.csv", feature="topic").feature == "topic"


def test_image_folder_lists_images_with_category_from_subfolder(tmp_path):
    for category in ("cats", "dogs"):
        (tmp_path / "imgs" / category).mkdir(parents=True)
        Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "imgs" / category / f"{category}1.png")
    (tmp_path / "imgs" / "notes.txt").write_text("not an image")
    table = loaded(tmp_path / "imgs")
    assert table.meta.to_dict("list") == {"image": ["cats/cats1.png", "dogs/dogs1.png"],
                                          "name": ["cats1", "dogs1"], "category": ["cats", "dogs"]}
    assert table.feature == "image" and table.base_dir == str(tmp_path / "imgs")


def test_csv_of_image_paths_picks_the_path_column(tmp_path):
    pd.DataFrame({"label": ["a", "b"], "file": ["x.jpg", "y.png"]}).to_csv(tmp_path / "d.csv", index=False)
    assert loaded(tmp_path / "d.csv").feature == "file"


@pytest.mark.parametrize("name, content, code, words", [
    ("empty.csv", b"", "empty-file", "is empty"),
    ("header.csv", b"text,label\n", "empty-table", "has no rows"),
    ("numbers.csv", b"a,b\n1,2\n3,4\n", "no-usable-column", "no text or image column"),
    ("broken.xlsx", b"PK\x03\x04 this is not really a zip", "unreadable-file", "could not be read"),
    ("broken.parquet", b"PAR1 garbage", "unreadable-file", "could not be read"),
    ("data.xyz", b"a\n", "unreadable-file", "cannot tell the format"),
])
def test_bad_files_fail_the_node_with_a_clear_message(tmp_path, name, content, code, words):
    (tmp_path / name).write_bytes(content)
    result = run_input(tmp_path / name)
    assert result.state == "failed" and words in result.error and name in result.error
    assert result.messages[-1].code == code


def test_unknown_feature_lists_the_columns(tmp_path):
    DOCS.to_csv(tmp_path / "d.csv", index=False)
    result = run_input(tmp_path / "d.csv", feature="body")
    assert result.state == "failed" and "no column 'body'" in result.error and "id, topic, text" in result.error


def test_missing_file_is_a_validation_error_not_a_crash(tmp_path):
    workflow = Workflow(default_registry())
    node = workflow.add_node("input", settings={"path": "gone.csv"})
    found = validate(workflow, str(tmp_path))
    assert [(d.code, d.severity) for d in found] == [("missing-file", "error")]
    assert str(tmp_path / "gone.csv") in found[0].message
    assert Engine(workflow, str(tmp_path)).run()[node.id].state == "refused"


def test_no_file_chosen_is_reported():
    workflow = Workflow(default_registry())
    workflow.add_node("input")
    assert "no data file chosen" in validate(workflow)[0].message


def test_no_file_chosen_hint_reads_right_in_the_inputs_own_settings_window_too():
    """The settings window shows the hint under its fields: it names the buttons there, not only 'double-click it'."""
    workflow = Workflow(default_registry())
    workflow.add_node("input")
    hint = validate(workflow)[0].hint
    assert "File…" in hint and "Folder…" in hint and "drop a file on the canvas" in hint


def test_edited_file_is_read_again_but_unchanged_file_is_cached(tmp_path):
    path = tmp_path / "d.csv"
    DOCS.to_csv(path, index=False)
    workflow = Workflow(default_registry())
    node = workflow.add_node("input", settings={"path": str(path)})
    engine = Engine(workflow)
    engine.run()
    engine.run()
    assert engine.executions[node.id] == 1
    DOCS.head(2).to_csv(path, index=False)
    assert len(engine.run()[node.id].outputs["data"]) == 2


ORANGE_SAMPLE = Path(__file__).parents[1] / "io" / "orange_files" / "grimm-tales-sample.tab"


def test_an_orange_tab_file_says_its_class_and_ignored_columns_in_the_summary(tmp_path):
    (tmp_path / "tales.tab").write_text("Category\tText\tid\nd\tstring\tc\nclass\tinclude=True\tignore\n\n"
                                        "children\tthe captain drank rum\t1\nadult\tthe blind man tapped\t2\n",
                                        encoding="utf-8")
    result = run_input(tmp_path / "tales.tab")
    assert result.state == "done" and result.outputs["data"].feature == "Text"
    assert result.summary.endswith("; feature: Text; class: Category; ignored: id")


def test_a_pattern_reads_the_tab_files_and_not_orange_s_metadata_beside_them(tmp_path):
    for name in ("a.tab", "b.tab"):
        shutil.copy(ORANGE_SAMPLE, tmp_path / name)
        (tmp_path / f"{name}.metadata").write_text("language: English\n", encoding="utf-8")
    result = run_input(tmp_path / "*.tab*")
    assert result.state == "done", result.error
    assert len(result.outputs["data"]) == 10 and result.summary.count("class: ATU Topic") == 1


def test_the_format_setting_offers_tab_and_the_file_dialog_its_suffix():
    settings = {setting.name: setting for setting in default_registry().get("input").settings}
    assert "tab" in settings["format"].choices and ".tab" in settings["path"].suffixes


def test_a_tales_corpus_in_tab_format_runs_headless_to_text_embeddings(tmp_path):
    shutil.copy(ORANGE_SAMPLE, tmp_path)
    workflow, _, _, embedder = text_workflow(tmp_path / ORANGE_SAMPLE.name, feature="")
    write_workflow(workflow, tmp_path / "tales.embedflow")
    assert cli_main(["run", str(tmp_path / "tales.embedflow"), "--out", str(tmp_path / "out")]) == 0
    frame = pd.read_csv(tmp_path / "out" / f"{embedder}-embeddings.csv")
    assert len(frame) == 5 and frame["ATU Topic"].iloc[0] == "Tales of Magic"
    vectors = frame[[f"dim_{i}" for i in range(50)]].to_numpy()
    assert np.isfinite(vectors).all() and (np.abs(vectors).sum(axis=1) > 0).all()
