"""`embedflow run` against a hostile remote language model: how long until it ends (figures for docs/reliability.md).

End to end: each case is a fresh `python -m embedflow run` of Input → Text Encoding → Text Embedding whose
language model is a remote entry pointing at the hostile server of tests/reliability/hostile_remote.py on
127.0.0.1 (silent; trickling one byte per 0.05 s; 429 with Retry-After: 3600), with --batch-deadline 10.
The baseline is the same run against a port nobody listens on (it fails at once: start-up and the
workflow's own work). Ctrl+C: SIGINT once the silent server has the request, time until the process exits.

Run from the repository root: python benchmarks/bench_hostile_remote.py
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedflow.cli import main as cli_main
from embedflow.io.workflow_file import write_workflow
from tests.reliability.hostile_remote import hostile_remote
from tests.text_support import text_workflow, write_csv


def prepared(folder: Path, base_url: str) -> list[str]:
    """The command of a run whose remote entry points at base_url."""
    os.environ["EMBEDFLOW_CONFIG_DIR"] = str(folder / "config")
    assert cli_main(["models", "--add-remote", "hostile", "--url", base_url, "--model", "m",
                     "--batch-deadline", "10"]) == 0
    workflow, *_ = text_workflow(write_csv(folder, ["one text", "another"]),
                                 encoding={"language_model": "hostile"}, embedding={"language_model": "hostile"})
    write_workflow(workflow, folder / "w.embedflow")
    return [sys.executable, "-m", "embedflow", "run", str(folder / "w.embedflow"), "--out", str(folder / "out")]


def timed(command: list[str]) -> tuple[float, int]:
    started = time.monotonic()
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=900)
    return time.monotonic() - started, done.returncode


def interrupted(command: list[str], arrived) -> tuple[float, int]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    arrived.wait(300)
    process.send_signal(signal.SIGINT)
    sent = time.monotonic()
    code = process.wait(300)
    return time.monotonic() - sent, code


def main() -> None:
    rows = []
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        nobody = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with tempfile.TemporaryDirectory() as folder:
        rows.append(("baseline: nobody listens (refused)", *timed(prepared(Path(folder), nobody))))
    with hostile_remote() as (url, server):
        for case in ("silent", "trickle", "ratelimited"):
            with tempfile.TemporaryDirectory() as folder:
                rows.append((f"{case} remote", *timed(prepared(Path(folder), f"{url}/{case}"))))
        with tempfile.TemporaryDirectory() as folder:
            server.arrived.clear()
            rows.append(("Ctrl+C while silent: SIGINT to exit", *interrupted(prepared(Path(folder), f"{url}/silent"),
                                                                               server.arrived)))
    for name, seconds, code in rows:
        print(f"{name:<40} {seconds:7.2f} s  exit {code}")


if __name__ == "__main__":
    main()
