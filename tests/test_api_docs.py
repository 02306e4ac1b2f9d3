"""docs/api.md cannot drift from the code: its names are the API's, its add-on is the tested one, its code runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from embedflow import api
from embedflow.registry import default_registry

ROOT = Path(__file__).parent.parent
DOC = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
ADDON_FILES = ("pyproject.toml", "embedflow_demo_addon/normalise.py", "embedflow_demo_addon/broken.py",
               "embedflow_demo_addon/editor.py")


def fenced(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", DOC, flags=re.S | re.M)


def test_the_names_table_lists_exactly_the_api():
    section = DOC.split("## The names", 1)[1].split("\n## ", 1)[0]
    listed = [name for row in re.findall(r"^\| (`[^|]+`) \|", section, flags=re.M)
              for name in re.findall(r"`(\w+)`", row)]
    assert sorted(listed) == sorted(api.__all__)


@pytest.mark.parametrize("name", ADDON_FILES)
def test_the_add_on_shown_is_the_tested_add_on_package(name):
    text = (ROOT / "tests" / "addon_package" / name).read_text(encoding="utf-8")
    assert text in fenced("toml" if name.endswith(".toml") else "python")


def test_the_script_examples_run_and_print_what_the_doc_says(tmp_path, monkeypatch, capsys):
    addon = {(ROOT / "tests" / "addon_package" / name).read_text(encoding="utf-8") for name in ADDON_FILES}
    scripts = [code for code in fenced("python") if code not in addon]
    assert len(scripts) == 2
    monkeypatch.chdir(tmp_path)
    before = {spec.type for spec in default_registry().specs()}
    try:
        for code in scripts:
            exec(compile(code, "docs/api.md", "exec"), {"__name__": "docs_api"})
    finally:
        for spec in default_registry().specs():
            if spec.type not in before:
                default_registry().unregister(spec.type)
    out = capsys.readouterr().out
    assert "(4, 50)" in out and "neighbour_text" in out
    assert "n1: warning many-rows: “Keep First” keeps 5000 rows." in out and "n1: error missing-input" in out
