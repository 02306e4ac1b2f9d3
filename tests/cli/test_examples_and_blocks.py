"""`embedflow examples` (list, --copy) and `embedflow blocks`."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from embedflow.cli import main
from embedflow.io.resources import examples, resource
from tests.addon_support import DISTRIBUTION, addon_env


def test_examples_lists_each_installed_example_with_its_description_and_path(capsys):
    assert main(["examples"]) == 0
    out = capsys.readouterr().out
    for path in examples():
        assert str(path) in out
    # Names are padded to the longest one (teach-a-classifier), so the gap varies.
    assert re.search(r"^word-similarity +Word similarity with GloVe$", out, re.M)
    assert re.search(r"^documents-map +A map of documents$", out, re.M)


def test_an_example_whose_note_has_no_short_title_is_named_after_its_file_and_described_by_its_first_sentence():
    from pathlib import Path

    from embedflow.io.examples import title_and_description

    note = "48 short documents on four topics, embedded with GloVe word vectors. Double-click a block to see it."
    assert title_and_description(Path("documents-map.embedflow"), note) == (
        "Documents map", "48 short documents on four topics, embedded with GloVe word vectors.")


def test_examples_copy_writes_workflows_and_the_data_they_read_so_they_validate_there(tmp_path, capsys):
    target = tmp_path / "class"
    assert main(["examples", "--copy", str(target)]) == 0
    assert sorted(p.name for p in (target / "examples").iterdir()) == sorted(p.name for p in examples())
    assert (target / "data" / "words.csv").read_bytes() == resource("data", "words.csv").read_bytes()
    assert (target / "data" / "images" / "photos" / "cat.jpg").is_file()
    assert (target / "data" / "README.md").is_file()
    capsys.readouterr()
    assert main(["validate", str(target / "examples" / "image-search.embedflow")]) == 0
    assert "no problems found" in capsys.readouterr().out


def test_examples_copy_refuses_to_overwrite_and_copies_nothing(tmp_path, capsys):
    target = tmp_path / "class"
    (target / "data").mkdir(parents=True)
    (target / "data" / "words.csv").write_text("my own words\n")
    assert main(["examples", "--copy", str(target)]) == 1
    err = capsys.readouterr().err
    assert "already exist" in err and "--force" in err
    assert (target / "data" / "words.csv").read_text() == "my own words\n"
    assert not (target / "examples").exists()


def test_examples_copy_with_force_overwrites(tmp_path):
    target = tmp_path / "class"
    (target / "data").mkdir(parents=True)
    (target / "data" / "words.csv").write_text("my own words\n")
    assert main(["examples", "--copy", str(target), "--force"]) == 0
    assert (target / "data" / "words.csv").read_bytes() == resource("data", "words.csv").read_bytes()


def test_blocks_lists_the_built_in_blocks_under_their_origin(capsys):
    assert main(["blocks"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Built-in:"
    types = [line.split()[0] for line in lines[1:] if line.startswith("  ")]
    assert {"input", "text_encoding", "text_embedding", "image_embedding", "nearest_neighbours",
            "scatter"} <= set(types)


@pytest.mark.timeout(120)
def test_blocks_names_each_add_on_package_and_version_and_its_failures(addon_site):
    done = subprocess.run([sys.executable, "-m", "embedflow", "blocks"], capture_output=True, text=True,
                          env=addon_env(addon_site), timeout=100)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    header = f"Add-on {DISTRIBUTION} 0.1.0, entry point 'demo' (embedflow_demo_addon.normalise):"
    assert lines[lines.index(header) + 1].split()[:2] == ["demo_normalise", "Normalise"]
    failures = lines[lines.index("Failed to load:") + 1:]
    assert any("entry point 'broken'" in line and "ModuleNotFoundError" in line for line in failures)
