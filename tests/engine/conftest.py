"""Fixtures of the engine tests: one real two-worker Dask cluster shared by every test that asks for it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One cluster for the session: two worker processes of one thread each, on 127.0.0.1."""
    distributed = pytest.importorskip("distributed")
    home = tmp_path_factory.mktemp("dask-home")
    with pytest.MonkeyPatch.context() as patch:  # the workers inherit these: caches stay out of the user's folders
        patch.setenv("EMBEDFLOW_CACHE_DIR", str(home / "cache"))
        patch.setenv("EMBEDFLOW_CONFIG_DIR", str(home / "config"))
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                           dashboard_address=":0")
    with cluster, distributed.Client(cluster) as connected:
        yield connected
