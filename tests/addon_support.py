"""The demo add-on (tests/addon_package) installed for real: pip builds it and installs it into a folder.

pip installs it with `--target` into a session temp folder rather than into site-packages, so the
add-on is seen only by the tests that ask for it (its broken entry point would otherwise add a
warning to every other test's validation), and a killed test session leaves nothing behind.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import embedflow.registry
from embedflow.registry import Registry, default_registry, installed_registry

PACKAGE = Path(__file__).parent / "addon_package"
DISTRIBUTION = "embedflow-demo-addon"


@pytest.fixture(scope="session")
def addon_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the installed demo add-on (its modules and dist-info with the entry points)."""
    work = tmp_path_factory.mktemp("addon")
    source = shutil.copytree(PACKAGE, work / "source")  # pip builds in the source folder: not in tests/
    site = work / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", "--disable-pip-version-check", "--target", str(site), str(source)],
                   check=True, capture_output=True)
    return site


@pytest.fixture(scope="session")
def addon_registry(addon_site: Path) -> Registry:
    """The registry a process with the add-on installed builds: built-ins, then the add-on's entry points."""
    default_registry()  # the process's own registry stays without the add-on
    sys.path.insert(0, str(addon_site))
    importlib.invalidate_caches()
    try:
        return installed_registry()
    finally:
        sys.path.remove(str(addon_site))


@pytest.fixture
def addon(addon_site: Path, addon_registry: Registry, monkeypatch: pytest.MonkeyPatch) -> Registry:
    """For one test, this process sees the demo add-on installed: its registry is the default one."""
    monkeypatch.syspath_prepend(str(addon_site))
    monkeypatch.setattr(embedflow.registry, "_default", addon_registry)
    return addon_registry


def addon_env(addon_site: Path) -> dict[str, str]:
    """The environment of an `embedflow` subprocess that finds the add-on installed."""
    paths = [str(addon_site), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
