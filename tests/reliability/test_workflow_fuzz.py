"""A deterministic fuzzer of workflow files: every mutation gives a workflow or a clear error, never a traceback."""

from __future__ import annotations

import io
import json
import random
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from embedflow.cli import main
from embedflow.core.errors import WorkflowFileError
from embedflow.io.workflow_file import dumps
from embedflow.validation import validate
from tests.helpers import loads
from tests.reliability.support import EXAMPLES

SEED = 12
CASES = 300
HOSTILE_VALUES: list[Any] = [
    10 ** 400, -10 ** 400, 1e308, float("inf"), float("nan"), -1, 0, 2 ** 63, "", "~nosuchuser/x.csv",
    "x" * 5000, "a/" * 2500, "d" * 300 + "/f.csv", "\ud800", "\udfff tail", None, True, [], {}, [[[[]]]],
    {"nested": {"deeper": [1, 2, {"x": None}]}}, "/dev/zero", "../../../../etc/passwd", "\x00",
]


def _mutate_tree(data: Any, rng: random.Random) -> Any:
    """Replace one value somewhere in the parsed file, or delete or duplicate an item."""
    containers: list[Any] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, (dict, list)):
            containers.append(item)
            stack.extend(item.values() if isinstance(item, dict) else item)
    target = rng.choice(containers)
    if not target:
        return data
    key = rng.choice(list(target)) if isinstance(target, dict) else rng.randrange(len(target))
    action = rng.random()
    if action < 0.7:
        target[key] = rng.choice(HOSTILE_VALUES)
    elif action < 0.85:
        del target[key]
    elif isinstance(target, list):
        target.append(json.loads(json.dumps(target[key])))
    return data


def _cases() -> list[tuple[str, str]]:
    rng = random.Random(SEED)
    texts = [path.read_text(encoding="utf-8") for path in EXAMPLES]
    cases = []
    for index in range(CASES):
        text = rng.choice(texts)
        kind = rng.choice(("truncate", "byte", "tree", "tree", "tree", "splice"))
        if kind == "truncate":
            text = text[:rng.randrange(len(text))]
        elif kind == "byte":
            position = rng.randrange(len(text))
            text = text[:position] + rng.choice('{}[]",:0\\ \x00é') + text[position + 1:]
        elif kind == "tree":
            data = json.loads(text)
            for _ in range(rng.randint(1, 4)):
                data = _mutate_tree(data, rng)
            text = json.dumps(data, ensure_ascii=rng.random() < 0.5)
        else:
            position = rng.randrange(len(text))
            splice = rng.choice(["[" * 5000, "9" * 5000, "1e99999", "\"\\ud800\"", "NaN"])
            text = text[:position] + splice + text[position:]
        cases.append((f"{index}-{kind}", text))
    return cases


def test_the_fuzzer_covers_every_example_and_a_few_hundred_cases() -> None:
    assert len(EXAMPLES) >= 5 and len(_cases()) == CASES


def test_every_mutated_file_loads_validates_and_saves_or_is_refused_clearly(tmp_path: Path) -> None:
    outcomes = {"loaded": 0, "refused": 0}
    for name, text in _cases():
        try:
            workflow, _ = loads(text, name)
        except WorkflowFileError as exc:
            assert str(exc).startswith(name), f"{name}: the message names the file: {exc}"
            outcomes["refused"] += 1
            continue
        validate(workflow, str(tmp_path))
        again, _ = loads(dumps(workflow, tmp_path), name)  # what was loaded saves and loads again
        assert list(again.nodes) == list(workflow.nodes), name
        outcomes["loaded"] += 1
    assert outcomes["loaded"] > 50 and outcomes["refused"] > 20, outcomes


@pytest.mark.parametrize("case", range(0, CASES, 15))
def test_validate_command_prints_without_a_traceback(case: int, tmp_path: Path) -> None:
    name, text = _cases()[case]
    path = tmp_path / "fuzzed.embedflow"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["validate", str(path)])
    assert code in (0, 1), name
    assert "Traceback" not in out.getvalue() + err.getvalue()


GROUP_CASES = 150


def _group_cases() -> list[tuple[str, str]]:
    """Mutations inside a group's settings only (its blocks, links, exposed ports, promoted settings)."""
    rng = random.Random(SEED)
    grouped = [path for path in EXAMPLES if '"type": "group"' in path.read_text(encoding="utf-8")]
    cases = []
    for index in range(GROUP_CASES):
        data = json.loads(rng.choice(grouped).read_text(encoding="utf-8"))
        group = next(node for node in data["nodes"] if node["type"] == "group")
        for _ in range(rng.randint(1, 4)):
            group["settings"] = _mutate_tree(group["settings"], rng)
        cases.append((f"group-{index}", json.dumps(data, ensure_ascii=False)))
    return cases


def test_every_mutation_of_group_settings_loads_validates_saves_and_ungroups_or_is_refused_clearly(
        tmp_path: Path) -> None:
    from embedflow.core.errors import EmbedflowError
    from embedflow.grouping import ungroup
    from embedflow.groups import flatten

    outcomes = {"valid": 0, "diagnosed": 0, "ungrouped": 0}
    for name, text in _group_cases():
        workflow, _ = loads(text, name)  # the file itself is whole: only the group's settings are odd
        group = next(node for node in workflow.nodes.values() if node.type == "group")
        found = validate(workflow, str(tmp_path))
        outcomes["diagnosed" if any(d.node_id and d.node_id.startswith(group.id) for d in found) else "valid"] += 1
        assert json.loads(dumps(workflow, tmp_path))["nodes"] == json.loads(dumps(loads(dumps(workflow), name)[0]))[
            "nodes"], f"{name}: what was loaded saves and loads again unchanged"
        flatten(workflow)
        try:
            ungroup(workflow, group.id)
            outcomes["ungrouped"] += 1
        except EmbedflowError as exc:
            assert "not a valid sub-workflow" in str(exc), name
    assert outcomes["diagnosed"] > 20 and outcomes["ungrouped"] > 20, outcomes
