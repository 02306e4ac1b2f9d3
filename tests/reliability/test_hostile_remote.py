"""A remote language model that never answers, trickles, or asks to wait an hour does not hang a run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from embedflow.cli import main as cli_main
from embedflow.core.errors import Cancelled, EmbedflowError
from embedflow.io.workflow_file import write_workflow
from embedflow.text.remote import RemoteEmbedder, RemoteModel
from tests.reliability.hostile_remote import hostile_remote
from tests.text_support import text_workflow, write_csv

# Bounds for "at once": the real figures are a fraction of a second; without the policy these calls
# waited 60 s per attempt, a trickle's whole length, or an hour.
PROMPT = 5.0
ARRIVAL = 120.0  # a subprocess's start under load; waited on as an event, not slept


def test_a_silent_remote_fails_at_the_batch_deadline() -> None:
    with hostile_remote() as (url, _):
        started = time.monotonic()
        with pytest.raises(EmbedflowError, match=f"{url}/silent.*no complete answer within 1 s"):
            RemoteEmbedder(RemoteModel(f"{url}/silent", "m", read_timeout=60, batch_deadline=1)).embed(["a"])
        assert time.monotonic() - started < 1 + PROMPT


def test_a_trickling_remote_fails_at_the_batch_deadline() -> None:
    with hostile_remote() as (url, server), pytest.raises(EmbedflowError, match="no complete answer within 1 s"):
        RemoteEmbedder(RemoteModel(f"{url}/trickle", "m", read_timeout=60, batch_deadline=1)).embed(["a"])
    assert len(server.seen) == 1, "a deadline is not retried"


def test_the_run_deadline_bounds_every_batch_together() -> None:
    with hostile_remote() as (url, _), pytest.raises(EmbedflowError, match="within the run's deadline of 1 s"):
        RemoteEmbedder(RemoteModel(f"{url}/silent", "m", read_timeout=60, batch_deadline=60,
                                   run_deadline=1)).embed(["a"])


def test_a_retry_after_of_an_hour_ends_the_batch_at_once() -> None:
    with hostile_remote() as (url, server):
        started = time.monotonic()
        with pytest.raises(EmbedflowError, match="HTTP 429, asking to wait 3,600 s .Retry-After., more than the 60 s"):
            RemoteEmbedder(RemoteModel(f"{url}/ratelimited", "m")).embed(["a"])
        assert time.monotonic() - started < PROMPT
    assert len(server.seen) == 1


def test_cancel_acts_within_a_second_while_the_remote_is_silent() -> None:
    cancel = threading.Event()
    cancelled_at: list[float] = []
    with hostile_remote() as (url, server):
        def cancel_once_it_waits() -> None:
            server.arrived.wait(ARRIVAL)
            cancelled_at.append(time.monotonic())
            cancel.set()

        threading.Thread(target=cancel_once_it_waits, daemon=True).start()
        with pytest.raises(Cancelled):
            RemoteEmbedder(RemoteModel(f"{url}/silent", "m", read_timeout=60)).embed(["a"], cancelled=cancel.is_set)
        assert time.monotonic() - cancelled_at[0] < PROMPT


def remote_run(tmp_path: Path, base_url: str, *entry: str) -> subprocess.Popen[str]:
    """`embedflow run` of Input → Text Encoding → Text Embedding on a remote entry at base_url."""
    assert cli_main(["models", "--add-remote", "hostile", "--url", base_url, "--model", "m", *entry]) == 0
    workflow, *_ = text_workflow(write_csv(tmp_path, ["one text", "another"]),
                                 encoding={"language_model": "hostile"}, embedding={"language_model": "hostile"})
    write_workflow(workflow, tmp_path / "remote.embedflow")
    return subprocess.Popen([sys.executable, "-m", "embedflow", "run", str(tmp_path / "remote.embedflow"),
                             "--out", str(tmp_path / "out")], env=os.environ.copy(), text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_ctrl_c_stops_embedflow_run_while_the_remote_is_silent(tmp_path: Path) -> None:
    with hostile_remote() as (url, server):
        process = remote_run(tmp_path, f"{url}/silent")
        try:
            assert server.arrived.wait(ARRIVAL), "the run never reached the server"
            process.send_signal(signal.SIGINT)
            interrupted = time.monotonic()
            _, stderr = process.communicate(timeout=60)
            stopped = time.monotonic()
        finally:
            process.kill()
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr
    assert stopped - interrupted < PROMPT


def test_embedflow_run_ends_with_a_message_naming_the_block_and_the_remote(tmp_path: Path) -> None:
    with hostile_remote() as (url, _):
        process = remote_run(tmp_path, f"{url}/ratelimited")
        try:
            _, stderr = process.communicate(timeout=ARRIVAL)
        finally:
            process.kill()
    assert process.returncode == 1
    assert f"“Text Embedding”: The embedding server at {url}/ratelimited/v1/embeddings" in stderr
    assert "Retry-After" in stderr and "Traceback" not in stderr


def test_the_entrys_batch_deadline_bounds_embedflow_run(tmp_path: Path) -> None:
    with hostile_remote() as (url, _):
        process = remote_run(tmp_path, f"{url}/silent", "--batch-deadline", "1")
        try:
            _, stderr = process.communicate(timeout=ARRIVAL)
        finally:
            process.kill()
    assert process.returncode == 1
    assert "no complete answer within 1 s" in stderr


def test_a_deadline_that_is_not_a_positive_number_is_refused() -> None:
    assert cli_main(["models", "--add-remote", "r", "--url", "http://127.0.0.1:9", "--model", "m",
                     "--run-deadline", "nan"]) == 1
