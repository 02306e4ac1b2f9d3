"""The six text validation codes fire exactly when they should, with messages that say what to do."""

import pandas as pd

from embedflow.cli import main as cli_main
from embedflow.core.ports import TABLE
from embedflow.core.specs import EmbeddingKind, NodeSpec, OutputDescription, Port
from embedflow.core.workflow import Workflow
from embedflow.engine import Engine
from embedflow.io.workflow_file import write_workflow
from embedflow.registry import default_registry, installed_registry
from embedflow.validation import validate
from tests.text_support import text_workflow, write_csv


def codes(workflow, **kwargs):
    return [d.code for d in validate(workflow, **kwargs)]


def test_a_correct_text_workflow_has_no_diagnostics(tmp_path):
    workflow, *_ = text_workflow(write_csv(tmp_path, ["king"]))
    assert validate(workflow) == []


def test_text_embedding_fed_by_an_input_needs_a_text_encoding(tmp_path):
    workflow = Workflow(default_registry())
    source = workflow.add_node("input", settings={"path": str(write_csv(tmp_path, ["king"])), "feature": "text"})
    embedder = workflow.add_node("text_embedding")
    link = workflow.connect(source.id, "data", embedder.id, "encoded")
    found = validate(workflow)
    assert [d.code for d in found] == ["text-embedding-needs-encoded-input"]
    diagnostic = found[0]
    assert diagnostic.node_id == embedder.id and diagnostic.link_id == link.id
    assert "Insert a Text Encoding block between “Input” and “Text Embedding”" in diagnostic.hint


def test_text_embedding_without_any_input_is_a_missing_input_not_a_wrong_one():
    workflow = Workflow(default_registry())
    workflow.add_node("text_embedding")
    assert codes(workflow) == ["missing-input"]


def test_language_model_mismatch_names_both_models_and_nodes_and_offers_both_fixes(tmp_path):
    workflow, _, encoder, embedder = text_workflow(write_csv(tmp_path, ["king"]),
                                                   embedding={"language_model": "glove-wiki-gigaword-100"})
    found = [d for d in validate(workflow) if d.code == "language-model-mismatch"]
    assert len(found) == 1 and found[0].severity == "error" and found[0].node_id == embedder
    message, hint = found[0].message, found[0].hint
    assert "glove-wiki-gigaword-100" in message and "glove-6b-50d" in message
    assert "“Text Encoding”" in message and "“Text Embedding”" in message
    assert "Set the language model of “Text Embedding” to glove-6b-50d" in hint
    assert "set the language model of “Text Encoding” to glove-wiki-gigaword-100" in hint


def test_language_model_mismatch_goes_away_when_the_models_agree(tmp_path):
    workflow, _, encoder, embedder = text_workflow(write_csv(tmp_path, ["king"]),
                                                   embedding={"language_model": "glove-wiki-gigaword-100"})
    workflow.update_settings(embedder, {"language_model": "glove-6b-50d"})
    assert "language-model-mismatch" not in codes(workflow)


def test_unknown_language_model_on_either_block(tmp_path):
    workflow, _, encoder, embedder = text_workflow(write_csv(tmp_path, ["king"]),
                                                   encoding={"language_model": "glove-7b"},
                                                   embedding={"language_model": "glove-7b"})
    found = [d for d in validate(workflow) if d.code == "unknown-language-model"]
    assert sorted(d.node_id for d in found) == sorted([encoder, embedder])
    assert "'glove-7b'" in found[0].message and "glove-6b-50d" in found[0].hint


def test_a_catalogue_model_not_yet_downloaded_is_a_warning_with_its_size(tmp_path):
    workflow, _, encoder, _ = text_workflow(write_csv(tmp_path, ["king"]),
                                            encoding={"language_model": "word2vec-google-news-300"},
                                            embedding={"language_model": "word2vec-google-news-300"})
    found = validate(workflow)
    assert [(d.code, d.severity, d.node_id) for d in found] == [
        ("language-model-not-downloaded", "warning", encoder)]
    assert "1.7 GB" in found[0].message
    assert "embedflow models --download word2vec-google-news-300" in found[0].hint


def test_sequence_length_out_of_range(tmp_path):
    for length, expected in ((2, ["sequence-length-out-of-range"]), (3, []), (512, []),
                             (513, ["sequence-length-out-of-range"]), ("64", ["sequence-length-out-of-range"])):
        workflow, *_ = text_workflow(write_csv(tmp_path, ["king"]), encoding={"sequence_length": length})
        assert codes(workflow) == expected, length
    workflow, *_ = text_workflow(write_csv(tmp_path, ["king"]), encoding={"sequence_length": 900})
    assert "at most 512" in validate(workflow)[0].message


def test_feature_not_text_from_the_input_s_last_output(tmp_path):
    pd.DataFrame({"name": ["a", "b"], "price": [1.5, 2.5]}).to_csv(tmp_path / "p.csv", index=False)
    workflow, source, encoder, _ = text_workflow(tmp_path / "p.csv", feature="price")
    assert "feature-not-text" not in codes(workflow)
    engine = Engine(workflow)
    engine.run([source])
    found = [d for d in validate(workflow, outputs=engine.outputs()) if d.code == "feature-not-text"]
    assert len(found) == 1 and found[0].node_id == encoder and "'price'" in found[0].message


def test_feature_not_text_for_a_folder_of_images(tmp_path):
    (tmp_path / "pics").mkdir()
    workflow, _, encoder, _ = text_workflow(tmp_path / "pics", feature="")
    found = [d for d in validate(workflow) if d.code == "feature-not-text"]
    assert len(found) == 1 and found[0].node_id == encoder and "images" in found[0].message


def test_embedflow_validate_prints_the_codes_and_fails(tmp_path, capsys):
    workflow, *_ = text_workflow(write_csv(tmp_path, ["king"]), embedding={"language_model": "glove-7b"})
    write_workflow(workflow, tmp_path / "w.embedflow")
    assert cli_main(["validate", str(tmp_path / "w.embedflow")]) == 1
    out = capsys.readouterr().out
    assert "error unknown-language-model" in out and "error language-model-mismatch" in out


def test_feature_not_text_for_a_column_of_image_paths(tmp_path):
    path = write_csv(tmp_path, ["cat.jpg", "dog.png", "bird.JPEG"], column="picture")
    workflow, source, encoder, _ = text_workflow(path, feature="picture")
    engine = Engine(workflow)
    engine.run([source])
    found = [d for d in validate(workflow, outputs=engine.outputs()) if d.code == "feature-not-text"]
    assert len(found) == 1 and "image files" in found[0].message
    assert engine.run()[encoder].state == "refused"


def test_feature_not_text_asks_the_source_s_capability_not_its_type_name(tmp_path):
    registry = installed_registry()
    registry.register(NodeSpec(
        type="photo_source", title="Photos", category="Data", description="Rows of photos.", icon="input",
        inputs=(), outputs=(Port(name="data", type=TABLE),), settings=(), run=lambda ctx: {},
        describes_output=lambda settings, port, upstream: OutputDescription(kind=EmbeddingKind.IMAGE)))
    workflow = Workflow(registry)
    source, encoder = workflow.add_node("photo_source"), workflow.add_node("text_encoding")
    workflow.connect(source.id, "data", encoder.id, "data")
    found = [d for d in validate(workflow, specs=registry) if d.code == "feature-not-text"]
    assert len(found) == 1 and found[0].node_id == encoder.id and "“Photos”" in found[0].message


def test_feature_not_text_for_a_folder_of_images_named_relative_to_the_workflow(tmp_path):
    (tmp_path / "pics").mkdir()
    workflow, _, encoder, _ = text_workflow(tmp_path / "pics", feature="")
    workflow.update_settings(next(iter(workflow.nodes)), {"path": "pics"})
    found = [d for d in validate(workflow, base_dir=str(tmp_path)) if d.code == "feature-not-text"]
    assert [d.node_id for d in found] == [encoder]
