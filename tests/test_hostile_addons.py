"""An add-on that exits or misbehaves is named, never ends a command silently (issue 26 §7–8).

tests/hostile_addon_package is built and installed for real into a temp folder; `embedflow` runs
as a child process that finds it through PYTHONPATH.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.addon_support import addon_env

PACKAGE = Path(__file__).parent / "hostile_addon_package"
ADD_ON = "add-on embedflow-hostile-addon 0.3.1"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the installed hostile add-on."""
    work = tmp_path_factory.mktemp("hostile-addon")
    source = shutil.copytree(PACKAGE, work / "source")
    site = work / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", "--disable-pip-version-check", "--target", str(site), str(source)],
                   check=True, capture_output=True)
    return site


def _embedflow(site: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from embedflow.cli import main; raise SystemExit(main())", *args],
                          capture_output=True, text=True, env=addon_env(site), timeout=240, check=False)


def _workflow(tmp_path: Path, block_type: str) -> Path:
    path = tmp_path / f"{block_type}.embedflow"
    path.write_text(json.dumps({"format": "embedflow-workflow", "version": 1, "annotations": [], "links": [],
                                "nodes": [{"id": "n1", "type": block_type, "title": "Hostile", "position": [0, 0],
                                           "settings": {}}]}))
    return path


def test_an_add_on_exiting_at_import_is_reported_and_the_command_goes_on(hostile_site: Path) -> None:
    listed = _embedflow(hostile_site, "blocks")
    assert listed.returncode == 0, listed.stderr
    assert "hostile_raises" in listed.stdout and "input" in listed.stdout
    assert "SystemExit: 3" in listed.stdout + listed.stderr


def test_validate_still_works_beside_an_add_on_exiting_at_import(hostile_site: Path, tmp_path: Path) -> None:
    checked = _embedflow(hostile_site, "validate", str(_workflow(tmp_path, "hostile_raises")))
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize(("block_type", "expected"), [
    ("hostile_exits", "SystemExit: 5"),
    ("hostile_raises", "ValueError: the hostile block failed on purpose"),
    ("hostile_wrong_port", "returned the output 'dta', which it does not declare (its outputs are 'data')"),
    ("hostile_string", "its output 'data' should be Table, but it is str"),
])
def test_a_failing_add_on_block_is_named_with_its_package_and_version(hostile_site: Path, tmp_path: Path,
                                                                       block_type: str, expected: str) -> None:
    ran = _embedflow(hostile_site, "run", str(_workflow(tmp_path, block_type)), "--out", str(tmp_path / "out"))
    assert ran.returncode == 1, ran.stderr
    assert expected in ran.stderr and f"block '{block_type}' from {ADD_ON}" in ran.stderr
    assert "report this to the authors of " + ADD_ON in ran.stderr
    assert "Please report this as a bug" not in ran.stderr
