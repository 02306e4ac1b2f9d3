"""Block specs check themselves when registered; kinds are enums that save as their plain words."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from embedflow.core.context import NodeState
from embedflow.core.diagnostics import Diagnostic, Severity
from embedflow.core.errors import EmbedflowError
from embedflow.core.ports import EMBEDDINGS, TABLE
from embedflow.core.specs import NodeSpec, Port, Setting, SettingKind
from embedflow.core.workflow import AnnotationKind, Workflow
from embedflow.registry import Registry


def good_spec(**changes) -> NodeSpec:
    spec = NodeSpec(type="doubler", title="Doubler", category="Analysis", description="Doubles.", icon="",
                    inputs=(Port("data", TABLE),), outputs=(Port("doubled", EMBEDDINGS),),
                    settings=(Setting("factor", SettingKind.INT, 2, minimum=1, maximum=10),
                              Setting("mode", SettingKind.CHOICE, "fast", choices=("fast", "exact"))),
                    run=lambda ctx: {})
    return replace(spec, **changes)


def test_a_consistent_spec_is_registered():
    registry = Registry()
    registry.register(good_spec())
    assert registry.get("doubler") is not None


@pytest.mark.parametrize("changes, problem", [
    ({"settings": (Setting("factor", SettingKind.INT, 0, minimum=1),)}, "default of 'factor' fails its own check"),
    ({"settings": (Setting("mode", SettingKind.CHOICE, "slow", choices=("fast", "exact")),)},
     "default of 'mode' fails its own check"),
    ({"settings": (Setting("factor", SettingKind.INT, 2), Setting("factor", SettingKind.FLOAT, 1.0))},
     "setting names used twice: factor"),
    ({"inputs": (Port("data", TABLE), Port("data", EMBEDDINGS))}, "port names used twice: data"),
    ({"outputs": (Port("out", TABLE), Port("out", TABLE))}, "port names used twice: out"),
    ({"type": "two words"}, "must be letters, digits"),
    ({"type": ""}, "must be letters, digits"),
], ids=["default-below-minimum", "default-not-a-choice", "duplicate-setting", "duplicate-input",
        "duplicate-output", "type-with-space", "empty-type"])
def test_a_spec_that_contradicts_itself_is_refused_at_registration(changes, problem):
    registry = Registry()
    with pytest.raises(ValueError, match=problem):
        registry.register(good_spec(**changes))
    assert registry.get(good_spec(**changes).type) is None


def test_an_unknown_setting_kind_is_refused():
    with pytest.raises(ValueError, match="unknown setting kind 'integer'"):
        Setting("factor", "integer", 2)


def test_an_unknown_severity_is_refused_and_a_plain_word_becomes_the_enum():
    with pytest.raises(ValueError, match="unknown severity 'warn'"):
        Diagnostic("some-code", "warn", None, None, "message")
    assert Diagnostic("some-code", "warning", None, None, "message").severity is Severity.WARNING


def test_kinds_save_as_their_plain_words():
    workflow = Workflow()
    note = workflow.add_annotation("arrow", (0, 0, 10, 10))
    diagnostic = Diagnostic("some-code", Severity.INFO, None, None, "message")
    assert note.kind is AnnotationKind.ARROW
    assert json.dumps([note.kind, diagnostic.severity, NodeState.REFUSED]) == '["arrow", "info", "refused"]'
    assert diagnostic.line() == "workflow: info some-code: message"


def test_an_unknown_annotation_kind_or_a_short_rectangle_is_an_error():
    workflow = Workflow()
    with pytest.raises(EmbedflowError, match="Unknown annotation kind 'circle'"):
        workflow.add_annotation("circle", (0, 0, 1, 1))
    with pytest.raises(EmbedflowError, match="four numbers"):
        workflow.add_annotation("text", (0, 0, 1))
