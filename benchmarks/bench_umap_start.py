"""How long a 158-word UMAP map takes in a new process: compiling umap-learn's code, or reading it from the cache.

Run: python benchmarks/bench_umap_start.py [--rows 158]
Each leg is a new Python process, timed from start to exit (end to end), on the same seeded vectors:
  embedflow, empty cache   embedflow.analysis.projection.project(..., "umap") with a fresh EMBEDFLOW_CACHE_DIR
  embedflow, cached        the same again, with the folder the first leg filled
  umap-learn               umap.UMAP(...).fit_transform as a user would call it (numba's defaults)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

EMBEDFLOW = """
import numpy as np
from embedflow.analysis.projection import project
project(np.random.default_rng(0).standard_normal(({rows}, 50)).astype(np.float32), "umap")
"""
PLAIN = """
import numpy as np, umap
umap.UMAP(n_components=2, n_neighbors=15, random_state=0, n_jobs=1).fit_transform(
    np.random.default_rng(0).standard_normal(({rows}, 50)).astype(np.float32))
"""


def seconds(code: str, cache: str) -> float:
    """Wall time of one new process running `code`."""
    env = {**os.environ, "EMBEDFLOW_CACHE_DIR": cache}
    env.pop("NUMBA_CACHE_DIR", None)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    """Run the three legs and print their times."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=158)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        fresh = seconds(EMBEDFLOW.format(rows=args.rows), cache)
        cached = seconds(EMBEDFLOW.format(rows=args.rows), cache)
        plain = seconds(PLAIN.format(rows=args.rows), cache)
        again = seconds(EMBEDFLOW.format(rows=args.rows), cache)
    print(f"{args.rows} rows × 50, UMAP in a new process, start to exit")
    print(f"embedflow, empty cache  {fresh:6.1f} s")
    print(f"embedflow, cached       {cached:6.1f} s  (again after the umap-learn leg: {again:.1f} s)")
    print(f"umap-learn              {plain:6.1f} s")
    print(f"umap-learn / embedflow cached: {plain / cached:.1f}x")


if __name__ == "__main__":
    main()
