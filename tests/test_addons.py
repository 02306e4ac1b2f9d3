"""Add-ons: a real package with one good and one broken `embedflow.blocks` entry point, and the entry-point formats."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from importlib import metadata

import numpy as np
import pandas as pd
import pytest

from embedflow.api import read_workflow
from embedflow.core.workflow import Workflow
from embedflow.io.workflow_file import write_workflow
from embedflow.registry import BUILT_IN, BUILTIN_MODULES, Registry
from embedflow.validation import validate
from tests.addon_support import DISTRIBUTION, addon_env

WORDS = ["king", "queen", "apple", "pear"]


def node(node_id, type_name, **settings):
    return {"id": node_id, "type": type_name, "title": type_name, "position": [0, 0], "settings": settings,
            "node_version": 1}


def link(link_id, source, source_port, target, target_port):
    return {"id": link_id, "source": source, "source_port": source_port, "target": target,
            "target_port": target_port}


def write_doc(path, nodes, links=()):
    path.write_text(json.dumps({"format": "embedflow-workflow", "version": 1, "nodes": nodes,
                                "links": list(links), "annotations": []}))
    return path


@pytest.fixture
def normalise_workflow(tmp_path):
    """Words → Text Encoding → Text Embedding → the add-on's Normalise (length 2)."""
    pd.DataFrame({"word": WORDS}).to_csv(tmp_path / "words.csv", index=False)
    return write_doc(tmp_path / "normalise.embedflow", [
        node("n1", "input", path="words.csv", feature="word"),
        node("n2", "text_encoding", language_model="glove-6b-50d"),
        node("n3", "text_embedding", language_model="glove-6b-50d"),
        node("n4", "demo_normalise", length=2.0),
    ], [link("l1", "n1", "data", "n2", "data"), link("l2", "n2", "encoded", "n3", "encoded"),
        link("l3", "n3", "embeddings", "n4", "data")])


def embedflow(addon_site, *args):
    return subprocess.run([sys.executable, "-m", "embedflow", *map(str, args)], capture_output=True, text=True,
                          env=addon_env(addon_site), timeout=240)


# -- the installed package ---------------------------------------------------------------------

def test_the_good_entry_point_adds_its_block_with_the_package_as_origin(addon):
    origin = addon.origin("demo_normalise")
    assert (origin.kind, origin.package, origin.version, origin.entry_point) == ("add-on", DISTRIBUTION, "0.1.0",
                                                                                 "demo")
    assert addon.get("demo_normalise").title == "Normalise"


def test_the_broken_entry_point_is_one_failure_naming_it_and_its_error(addon):
    broken = [f for f in addon.failures if f.origin.entry_point == "broken"]
    assert len(broken) == 1
    message = broken[0].message()
    assert f"add-on {DISTRIBUTION} 0.1.0, entry point 'broken' (embedflow_demo_addon.broken)" in message
    assert "ModuleNotFoundError" in message and "embedflow_demo_missing_dependency" in message


def test_the_built_in_blocks_are_untouched_by_the_add_ons(addon):
    built_in = {importlib.import_module(m).SPEC.type: importlib.import_module(m).SPEC for m in BUILTIN_MODULES}
    assert {t: addon.get(t) for t in built_in} == built_in
    assert {s.type for s in addon.specs() if addon.origin(s.type) == BUILT_IN} == set(built_in)
    assert [f for f in addon.failures if f.origin.kind != "add-on"] == []


def test_add_ons_lists_each_entry_point_with_its_blocks_or_its_error(addon):
    found = {a.origin.entry_point: a for a in addon.add_ons() if a.origin.package == DISTRIBUTION}
    assert found["demo"].blocks == ("demo_normalise",) and found["demo"].error is None
    assert found["broken"].blocks == () and "ModuleNotFoundError" in found["broken"].error


def test_validate_names_the_broken_add_on_once_and_accepts_the_good_block(addon_site, normalise_workflow):
    done = embedflow(addon_site, "validate", normalise_workflow)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    failed = [line for line in lines if "add-on-failed" in line]
    assert len(failed) == 1 and "entry point 'broken'" in failed[0] and "ModuleNotFoundError" in failed[0]
    assert not any("n4" in line for line in lines)


def test_run_headless_goes_through_the_add_on_block(addon_site, normalise_workflow, tmp_path):
    out = tmp_path / "out"
    done = embedflow(addon_site, "run", normalise_workflow, "--out", out)
    assert done.returncode == 0, done.stderr
    frame = pd.read_csv(out / "n4-embeddings.csv")
    vectors = frame[[f"dim_{i}" for i in range(50)]].to_numpy()
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 2.0, rtol=1e-5)
    assert frame["word"].tolist() == WORDS
    assert "4 vectors scaled to length 2" in done.stderr
    assert sum("add-on-failed" in line for line in done.stderr.splitlines()) == 1


def test_a_block_of_the_broken_add_on_loads_as_a_placeholder_and_saves_its_settings(addon, tmp_path):
    settings = {"strength": 0.5, "columns": ["a", "b"], "nested": {"on": True}}
    path = write_doc(tmp_path / "broken.embedflow", [node("n1", "demo_broken", **settings)])
    workflow, _ = read_workflow(path, addon)
    unknown = [d for d in validate(workflow) if d.code == "unknown-node-type"]
    assert len(unknown) == 1 and "entry point 'broken'" in unknown[0].message
    assert "ModuleNotFoundError" not in unknown[0].message  # the error itself is in add-on-failed, once
    write_workflow(workflow, tmp_path / "saved.embedflow")
    saved = json.loads((tmp_path / "saved.embedflow").read_text())["nodes"][0]
    assert (saved["type"], saved["settings"]) == ("demo_broken", settings)


def test_embedding_model_mismatch_is_seen_through_the_add_on_block(addon):
    workflow = Workflow(addon)
    words, images = workflow.add_node("input"), workflow.add_node("input")
    encoding = workflow.add_node("text_encoding", settings={"language_model": "glove-6b-50d"})
    embedding = workflow.add_node("text_embedding", settings={"language_model": "glove-6b-50d"})
    normalise = workflow.add_node("demo_normalise")
    pictures = workflow.add_node("image_embedding", settings={"model": "squeezenet"})
    neighbours = workflow.add_node("nearest_neighbours")
    for source, out, target, into in ((words, "data", encoding, "data"), (encoding, "encoded", embedding, "encoded"),
                                      (embedding, "embeddings", normalise, "data"),
                                      (normalise, "embeddings", neighbours, "data"),
                                      (images, "data", pictures, "data"),
                                      (pictures, "embeddings", neighbours, "query")):
        workflow.connect(source.id, out, target.id, into)
    found = [d for d in validate(workflow) if d.code == "embedding-model-mismatch"]
    assert len(found) == 1 and found[0].node_id == neighbours.id
    assert "glove-6b-50d" in found[0].message and "squeezenet" in found[0].message


# -- entry-point formats (stdlib EntryPoint objects naming modules written by the test) ------------

SPEC_SOURCE = '''
from embedflow.api import TABLE, NodeSpec, Port, register

def spec(type_name):
    return NodeSpec(type=type_name, title=type_name, category="Data", description="", icon="block",
                    inputs=(), outputs=(Port(name="data", type=TABLE),), settings=(), run=lambda ctx: {{}})

{body}
'''


@pytest.fixture
def module(tmp_path, monkeypatch):
    """Write an importable module `name` with `body` after a `spec(type)` helper; returns its name."""
    monkeypatch.syspath_prepend(str(tmp_path))

    def write(name: str, body: str) -> str:
        (tmp_path / f"{name}.py").write_text(SPEC_SOURCE.format(body=body))
        monkeypatch.delitem(sys.modules, name, raising=False)
        return name

    return write


def load(*entry_points: tuple[str, str]) -> Registry:
    registry = Registry()
    registry.load_module("embedflow.blocks.input")
    registry.load_entry_points([metadata.EntryPoint(name, value, "embedflow.blocks") for name, value in entry_points])
    return registry


def test_a_module_entry_point_registers_on_import(module):
    registry = load(("m", module("ep_module", 'register(spec("ep_a"))')))
    assert registry.get("ep_a") is not None and registry.origin("ep_a").entry_point == "m"


def test_a_callable_entry_point_is_called_and_may_register_or_return_specs(module):
    name = module("ep_callable", 'def setup():\n    register(spec("ep_b"))\n    return [spec("ep_c")]')
    registry = load(("c", f"{name}:setup"))
    assert registry.get("ep_b") is not None and registry.get("ep_c") is not None
    assert registry.origin("ep_c").value == f"{name}:setup" and not registry.failures


def test_an_entry_point_naming_something_not_callable_is_a_failure(module):
    name = module("ep_value", "VALUE = 3")
    registry = load(("v", f"{name}:VALUE"))
    assert "neither a module nor a callable" in registry.failures[0].message()


def test_an_add_on_that_fails_halfway_adds_none_of_its_blocks(module):
    name = module("ep_half", 'register(spec("ep_first"))\nraise RuntimeError("half done")')
    registry = load(("h", name), ("ok", module("ep_ok", 'register(spec("ep_ok"))')))
    assert registry.get("ep_first") is None and registry.get("ep_ok") is not None
    assert [f.origin.entry_point for f in registry.failures] == ["h"] and "half done" in registry.failures[0].error


def test_an_add_on_cannot_replace_a_built_in_block(module):
    registry = load(("x", module("ep_clash", 'register(spec("input"))')))
    assert registry.origin("input") == BUILT_IN
    assert "already provided by built-in" in registry.failures[0].error


# -- editors in the registry (plain callables here: the engine never looks inside a factory) ---------

EDITOR_SOURCE = '''
from embedflow.registry import register_editor

def factory(context):
    return ("editor of", context)

{body}
'''


def load_editors(tmp_path, **bodies: str) -> Registry:
    registry = Registry()
    for name, body in bodies.items():
        (tmp_path / f"{name}.py").write_text(EDITOR_SOURCE.format(body=body))
    registry.load_editor_entry_points([metadata.EntryPoint(name, name, "embedflow.editors") for name in bodies])
    return registry


def test_an_editor_entry_point_registers_into_the_registry_loading_it(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = load_editors(tmp_path, ed_good='register_editor("ep_a", factory)')
    assert registry.editor("ep_a") is not None and registry.editor("ep_a")("ctx") == ("editor of", "ctx")
    assert not registry.editor_failures
    assert Registry().editor("ep_a") is None  # another registry holds its own editors


def test_a_broken_editor_entry_point_is_one_failure_and_adds_none_of_its_editors(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = load_editors(tmp_path, ed_half='register_editor("ep_half", factory)\nraise RuntimeError("half done")',
                            ed_fine='register_editor("ep_fine", factory)')
    assert registry.editor("ep_half") is None and registry.editor("ep_fine") is not None
    assert [f.origin.entry_point for f in registry.editor_failures] == ["ed_half"]
    assert "RuntimeError: half done" in registry.editor_failures[0].error and not registry.failures


def test_a_registry_built_later_gets_the_editors_of_a_module_imported_before(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "ed_shared.py").write_text(EDITOR_SOURCE.format(body='register_editor("ep_shared", factory)'))
    first, second = Registry(), Registry()
    first.load_editor_module("ed_shared")
    second.load_editor_module("ed_shared")  # the module is imported once per process
    assert second.editor("ep_shared") is first.editor("ep_shared") is not None
