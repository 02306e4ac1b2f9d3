"""The built wheel is the whole product: it installs into a fresh environment and works from any folder."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from embedflow.io import resources
from embedflow.registry import default_registry

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_FOLDERS = {"embedflow": ROOT / "embedflow", "embedflow_canvas": ROOT / "widgets"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from this checkout (no build isolation: setuptools and wheel come with the test extra)."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(out), str(ROOT)], check=True, capture_output=True)
    return next(out.glob("embedflow-*.whl"))


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding only the wheel; its dependencies are borrowed from this interpreter's
    site-packages as a plain path (so no editable embedflow of the checkout is visible there)."""
    root = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
                    str(wheel)], check=True, capture_output=True)
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "borrowed-dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return root


def in_venv(venv: Path, *args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=check, timeout=600)


def test_the_wheel_holds_icons_help_examples_and_data(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {str(path.relative_to(resources.resource())) for path in resources.resource().rglob("*")
               if path.is_file() and path.suffix in (".svg", ".md", ".embedflow", ".csv", ".jpg")}
    assert shipped and {f"embedflow_resources/{name}" for name in shipped} <= names
    for spec in default_registry().specs():
        assert f"embedflow_resources/icons/{spec.icon}.svg" in names
        assert f"embedflow_resources/help/{spec.help_page or spec.type}.md" in names


def test_the_wheel_claims_no_generic_top_level_name(wheel: Path):
    tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert tops == {"embedflow", "embedflow_canvas", "embedflow_resources", "embedflow-0.1.0.dist-info"}


def test_every_package_folder_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {"embedflow_resources"}
    for name, folder in PACKAGE_FOLDERS.items():
        found |= {".".join([name, *init.parent.relative_to(folder).parts]) for init in folder.rglob("__init__.py")}
    assert listed == found


def test_installed_examples_run_headless_from_another_folder(venv: Path, tmp_path: Path):
    examples = in_venv(venv, str(venv / "bin" / "python"), "-c",
                       "from embedflow.io.resources import examples; print('\\n'.join(map(str, examples())))",
                       cwd=tmp_path).stdout.split()
    assert examples and all(str(venv) in path for path in examples)
    for path in examples:
        if Path(path).stem == "why-invalid":
            continue
        done = in_venv(venv, str(venv / "bin" / "embedflow"), "run", path, "--out", str(tmp_path / Path(path).stem),
                       cwd=tmp_path, check=False)
        assert done.returncode == 0, done.stderr
        assert list((tmp_path / Path(path).stem).glob("*.csv"))


def test_generic_names_are_not_importable_from_the_installed_wheel(venv: Path, tmp_path: Path):
    for name in ("widgets", "resources"):
        result = in_venv(venv, str(venv / "bin" / "python"), "-c", f"import {name}", cwd=tmp_path, check=False)
        assert result.returncode != 0 and "ModuleNotFoundError" in result.stderr


CANVAS_CHECK = """
import sys
from PyQt5.QtWidgets import QApplication
app = QApplication([])
from embedflow.io.resources import examples
from embedflow.registry import default_registry
from embedflow_canvas.app import create_window
from embedflow_canvas.welcome import WelcomeDialog
window = create_window(str(examples()[0]), default_registry())
tree = window.toolbox.tree
icons = [tree.topLevelItem(i).child(j).icon(0) for i in range(tree.topLevelItemCount())
         for j in range(tree.topLevelItem(i).childCount())]
assert icons and all(not icon.isNull() for icon in icons), "toolbox icons missing"
assert window.document.workflow.nodes, "example did not open"
welcome = WelcomeDialog([], window.registry, window)
assert welcome.gallery.count() == len(examples()), "welcome screen lists no examples"
print("canvas ok", len(icons))
"""


def test_the_installed_canvas_opens_an_example_with_its_icons(venv: Path, tmp_path: Path):
    result = in_venv(venv, str(venv / "bin" / "python"), "-c", CANVAS_CHECK, cwd=tmp_path, check=False)
    assert result.returncode == 0 and "canvas ok" in result.stdout, result.stderr
