"""Helpers for tests that run workflows on the Dask cluster of tests/engine/conftest.py."""

from __future__ import annotations

from typing import Any

from embedflow.engine.dask_executor import DaskExecutor


def executor(client: Any, partition_bytes: int = 2_000) -> DaskExecutor:
    """A DaskExecutor on the test cluster, cutting small tables into several partitions."""
    return DaskExecutor(client, partition_bytes=partition_bytes)
