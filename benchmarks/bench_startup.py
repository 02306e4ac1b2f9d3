"""Start-up cost of `embedflow run` on a one-row Input-only workflow against `python -c "import pandas"`.

Runs each command --runs times, interleaved, in fresh processes, and prints the median (and
minimum) wall time and the median CPU time (user + system, from wait4) with its ratio to
importing pandas. CPU time is the steadier measure on a loaded machine.
Run: python benchmarks/bench_startup.py [--runs 15] [--before PYTHONPATH]
(--before adds a leg running another copy of embedflow, e.g. an export of an older commit.)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--before", default="", help="PYTHONPATH of another embedflow to time too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "one.csv").write_text("text\nhello world\n")
        workflow = folder / "one.embedflow"
        workflow.write_text(json.dumps({"format": "embedflow-workflow", "version": 1, "links": [], "annotations": [],
                                        "nodes": [{"id": "n1", "type": "input", "title": "In", "position": [0, 0],
                                                   "settings": {"path": "one.csv", "feature": "text"}}]}))
        run = [sys.executable, "-m", "embedflow", "run", str(workflow), "--out", str(folder / "out")]
        commands: dict[str, tuple[list[str], dict[str, str]]] = {"embedflow run": (run, {})}
        if args.before:
            commands["embedflow run (--before)"] = (run, {"PYTHONPATH": args.before})
        commands["python -c 'import pandas'"] = ([sys.executable, "-c", "import pandas"], {})
        results: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in commands}
        load = os.getloadavg()[0]
        for _ in range(args.runs):
            for name, (command, env) in commands.items():
                started = time.perf_counter()
                process = subprocess.Popen(command, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL)
                _, status, usage = os.wait4(process.pid, 0)
                if status != 0:
                    raise SystemExit(f"{name} failed with status {status}")
                results[name][0].append(time.perf_counter() - started)
                results[name][1].append(usage.ru_utime + usage.ru_stime)
    pandas_cpu = statistics.median(results["python -c 'import pandas'"][1])
    print(f"{args.runs} interleaved runs each, load {load:.1f} before and {os.getloadavg()[0]:.1f} after:")
    for name, (wall, cpu) in results.items():
        print(f"  {name:28s} wall {statistics.median(wall):5.2f} s (min {min(wall):4.2f})  "
              f"CPU {statistics.median(cpu):5.2f} s  = {statistics.median(cpu) / pandas_cpu:4.2f}x import pandas")


if __name__ == "__main__":
    main()
