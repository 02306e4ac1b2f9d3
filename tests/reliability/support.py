"""Helpers of the reliability tests: hostile workflow text, isolated child processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from embedflow.io.resources import resource

EXAMPLES = sorted(Path(str(resource("examples"))).glob("*.embedflow"))


def workflow_text(nodes: list | None = None, links: list | None = None, annotations: list | None = None) -> str:
    """The text of a workflow file holding the given raw items."""
    return json.dumps({"format": "embedflow-workflow", "version": 1, "nodes": nodes or [],
                       "links": links or [], "annotations": annotations or []})


def run_isolated(code: str, timeout: float = 120, memory_bytes: int = 4 * 2**30) -> subprocess.CompletedProcess:
    """Run Python `code` in a child with a time and memory limit (a regression hangs the child, not the suite)."""
    limit = textwrap.dedent(f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, ({memory_bytes}, {memory_bytes}))
    """)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-c", limit + textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout, env=env)
