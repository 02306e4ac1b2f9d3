"""Downloads against a hostile local server: every misbehaviour ends in a clear error, cancel acts at once."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

import pytest

from embedflow.io import downloads
from embedflow.io.downloads import ChecksumError, DownloadCancelled, DownloadError, download
from tests.reliability.hostile_http import BODY, hostile_server

SHA = hashlib.sha256(BODY).hexdigest()
# Bounds for "at once": the real figures are a fraction of a second; the old code took minutes.
PROMPT = 5.0


def test_the_good_path_downloads_and_checks(tmp_path: Path) -> None:
    with hostile_server() as (url, _):
        assert download(f"{url}/good", tmp_path / "m.bin", sha256=SHA).read_bytes() == BODY


def test_a_wrong_checksum_leaves_no_file(tmp_path: Path) -> None:
    with hostile_server() as (url, _):
        with pytest.raises(ChecksumError, match="damaged or not the expected one"):
            download(f"{url}/good", tmp_path / "m.bin", sha256="0" * 64)
    assert list(tmp_path.iterdir()) == []


def test_a_truncated_body_is_retried_then_named(tmp_path: Path) -> None:
    with hostile_server() as (url, server):
        with pytest.raises(DownloadError, match="after 2 attempts"):
            download(f"{url}/truncated", tmp_path / "m.bin", size=len(BODY), retries=1)
    assert [path for _, path in server.seen].count("/truncated") == 2
    assert not (tmp_path / "m.bin").exists()


def test_a_redirect_loop_fails_at_once_without_retries(tmp_path: Path) -> None:
    with hostile_server() as (url, server):
        with pytest.raises(DownloadError, match="redirects in a loop"):
            download(f"{url}/loop", tmp_path / "m.bin", size=len(BODY), retries=3)
    assert len(server.seen) == downloads.MAX_REDIRECTS + 1


def test_a_redirect_loop_when_asking_the_size_is_a_clear_error(tmp_path: Path) -> None:
    with hostile_server() as (url, _):
        with pytest.raises(DownloadError, match="redirects"):
            download(f"{url}/loop", tmp_path / "m.bin")


def test_a_huge_content_length_is_refused_before_the_body(tmp_path: Path) -> None:
    with hostile_server() as (url, _):
        with pytest.raises(DownloadError, match="GB are free"):
            download(f"{url}/huge", tmp_path / "m.bin")
    assert not (tmp_path / "m.bin.part").exists()


def test_a_content_length_other_than_the_expected_size_is_refused(tmp_path: Path) -> None:
    with hostile_server() as (url, _):
        with pytest.raises(DownloadError, match="announces 1,000,000,000,000,000 bytes"):
            download(f"{url}/huge", tmp_path / "m.bin", size=len(BODY))


def test_more_bytes_than_expected_are_cut_off(tmp_path: Path) -> None:
    with hostile_server() as (url, _):
        with pytest.raises(DownloadError, match="more than the 10,240 bytes"):
            download(f"{url}/unannounced_extra", tmp_path / "m.bin", size=len(BODY), retries=0)


def test_a_trickle_reports_progress_and_cancel_acts_at_once(tmp_path: Path) -> None:
    cancel = threading.Event()
    seen: list[int] = []
    cancelled_at: list[float] = []

    def progress(done: int, total: int | None) -> None:
        seen.append(done)
        if done >= 5 and not cancel.is_set():
            cancelled_at.append(time.monotonic())
            cancel.set()

    with hostile_server() as (url, _):
        with pytest.raises(DownloadCancelled):
            download(f"{url}/trickle", tmp_path / "m.bin", size=len(BODY), progress=progress, cancel=cancel)
        ended = time.monotonic()
    assert 5 <= max(seen) < len(BODY), "a trickle is seen byte by byte, not after a 64 KB chunk"
    assert ended - cancelled_at[0] < PROMPT


def test_cancel_acts_at_once_while_the_server_has_not_answered(tmp_path: Path) -> None:
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    with hostile_server() as (url, _):
        started = time.monotonic()
        with pytest.raises(DownloadCancelled):
            download(f"{url}/silent", tmp_path / "m.bin", size=len(BODY), cancel=cancel, timeout=60)
        assert time.monotonic() - started < PROMPT


def test_a_stalled_transfer_fails_after_the_idle_timeout(tmp_path: Path) -> None:
    with hostile_server() as (url, _):
        started = time.monotonic()
        with pytest.raises(DownloadError, match="the server sent nothing for 0.5 s"):
            download(f"{url}/stall", tmp_path / "m.bin", size=len(BODY), timeout=0.5, retries=0)
        assert time.monotonic() - started < 30
    assert (tmp_path / "m.bin.part").stat().st_size == 10, "what arrived is kept for a resume"


def test_cancel_also_ends_the_transfer_thread_that_waits_for_the_server(tmp_path: Path) -> None:
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    with hostile_server() as (url, _):
        with pytest.raises(DownloadCancelled):
            download(f"{url}/silent", tmp_path / "m.bin", size=len(BODY), cancel=cancel, timeout=60)
        workers = [t for t in threading.enumerate() if t.name == "embedflow-http"]
        for worker in workers:
            worker.join(PROMPT)
        assert not any(worker.is_alive() for worker in workers), "its socket was shut down, so its read ended"
