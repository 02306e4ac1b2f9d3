"""UMAP keeps numba's compiled code in embedflow's cache folder, so a UMAP in a new process compiles nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("umap")

MAP_IN_A_NEW_PROCESS = """
import json, numpy as np
from embedflow.analysis.projection import project
vectors = np.random.default_rng(0).standard_normal((60, 20)).astype(np.float32)
print(json.dumps(project(vectors, "umap").coords.tolist()))
"""


def compiled_files(folder: Path) -> dict[str, int]:
    """numba's cached machine code under `folder`: file → size."""
    return {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*.nbc")}


def umap_in_a_new_process(cache: Path) -> list:
    env = {**os.environ, "EMBEDFLOW_CACHE_DIR": str(cache)}
    env.pop("NUMBA_CACHE_DIR", None)
    done = subprocess.run([sys.executable, "-c", MAP_IN_A_NEW_PROCESS], env=env, capture_output=True, text=True,
                          timeout=1100)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.timeout(1200)  # the first process compiles umap-learn and pynndescent: minutes on a loaded machine
def test_a_second_process_reads_umaps_compiled_code_instead_of_compiling_it(tmp_path: Path):
    first = umap_in_a_new_process(tmp_path)
    kept = compiled_files(tmp_path / "numba")
    assert any(name.startswith("umap_") for name in kept)  # umap-learn's own functions, not only pynndescent's
    second = umap_in_a_new_process(tmp_path)
    assert compiled_files(tmp_path / "numba") == kept  # nothing compiled again
    assert second == first
