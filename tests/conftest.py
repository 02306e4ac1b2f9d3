"""Test set-up shared by every test: offscreen Qt and private cache/config folders."""

from __future__ import annotations

import os

import pytest

from tests.addon_support import addon, addon_registry, addon_site  # noqa: F401  (fixtures)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def private_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every test's caches and settings out of the user's folders."""
    root = tmp_path_factory.mktemp("embedflow-home")
    monkeypatch.setenv("EMBEDFLOW_CACHE_DIR", str(root / "cache"))
    monkeypatch.setenv("EMBEDFLOW_CONFIG_DIR", str(root / "config"))

