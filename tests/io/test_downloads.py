"""downloads.download against a real local HTTP server."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest

from embedflow.io.downloads import ChecksumError, DownloadCancelled, DownloadError, download, remote_size
from tests.image_support import Served, http_server

BODY = os.urandom(300_000) + b"tail"
SHA = hashlib.sha256(BODY).hexdigest()


@pytest.fixture()
def served() -> Served:
    return Served(files={"/model.bin": BODY})


def test_download_writes_file_with_checksum_and_reports_progress(served: Served, tmp_path: Path) -> None:
    calls: list[tuple[int, int | None]] = []
    with http_server(served) as url:
        path = download(f"{url}/model.bin", tmp_path / "m.bin", sha256=SHA,
                        progress=lambda done, total: calls.append((done, total)))
    assert path.read_bytes() == BODY
    assert calls[0] == (0, len(BODY)), "the size is known before the first byte"
    assert calls[-1] == (len(BODY), len(BODY))
    assert not (tmp_path / "m.bin.part").exists()


def test_size_is_asked_with_head_first(served: Served) -> None:
    with http_server(served) as url:
        assert remote_size(f"{url}/model.bin") == len(BODY)
    assert served.requests[0][0] == "HEAD"


def test_broken_transfer_resumes_with_range(served: Served, tmp_path: Path) -> None:
    served.drop_after["/model.bin"] = 100_000
    with http_server(served) as url:
        path = download(f"{url}/model.bin", tmp_path / "m.bin", sha256=SHA, retries=2)
    assert path.read_bytes() == BODY
    ranges = [r for method, _, r in served.requests if method == "GET"]
    assert ranges[0] is None and len(ranges) == 2
    assert 0 < int(ranges[1].removeprefix("bytes=").rstrip("-")) <= 100_000


def test_server_ignoring_range_still_gives_the_whole_file(served: Served, tmp_path: Path) -> None:
    served.drop_after["/model.bin"] = 50_000
    served.ignore_range = True
    with http_server(served) as url:
        path = download(f"{url}/model.bin", tmp_path / "m.bin", sha256=SHA, retries=2)
    assert path.read_bytes() == BODY


def test_server_errors_are_retried(served: Served, tmp_path: Path) -> None:
    served.fail_times["/model.bin"] = 2  # HEAD and the first GET fail
    with http_server(served) as url:
        path = download(f"{url}/model.bin", tmp_path / "m.bin", size=len(BODY), retries=3)
    assert path.read_bytes() == BODY


def test_giving_up_after_retries_names_the_url(served: Served, tmp_path: Path) -> None:
    served.fail_times["/model.bin"] = 10
    with http_server(served) as url:
        with pytest.raises(DownloadError, match="model.bin.*2 attempts"):
            download(f"{url}/model.bin", tmp_path / "m.bin", size=len(BODY), retries=1)
    assert not (tmp_path / "m.bin").exists()


def test_missing_file_is_a_clear_error(served: Served, tmp_path: Path) -> None:
    with http_server(served) as url:
        with pytest.raises(DownloadError, match="HTTP 404"):
            download(f"{url}/nothing.bin", tmp_path / "m.bin")


def test_wrong_checksum_leaves_no_file(served: Served, tmp_path: Path) -> None:
    with http_server(served) as url:
        with pytest.raises(ChecksumError, match="damaged"):
            download(f"{url}/model.bin", tmp_path / "m.bin", sha256="0" * 64)
    assert not (tmp_path / "m.bin").exists()
    assert not (tmp_path / "m.bin.part").exists()


def test_wrong_checksum_keeps_the_previous_file(served: Served, tmp_path: Path) -> None:
    (tmp_path / "m.bin").write_bytes(b"old")
    with http_server(served) as url:
        with pytest.raises(ChecksumError):
            download(f"{url}/model.bin", tmp_path / "m.bin", sha256="0" * 64)
    assert (tmp_path / "m.bin").read_bytes() == b"old"


def test_cancel_stops_and_keeps_part_for_resume(served: Served, tmp_path: Path) -> None:
    cancel = threading.Event()

    def progress(done: int, total: int | None) -> None:
        if done > 0:
            cancel.set()

    with http_server(served) as url:
        with pytest.raises(DownloadCancelled):
            download(f"{url}/model.bin", tmp_path / "m.bin", progress=progress, cancel=cancel)
        assert not (tmp_path / "m.bin").exists()
        assert 0 < (tmp_path / "m.bin.part").stat().st_size < len(BODY)
        path = download(f"{url}/model.bin", tmp_path / "m.bin", sha256=SHA)
    assert path.read_bytes() == BODY


def test_existing_file_with_right_checksum_is_not_fetched_again(served: Served, tmp_path: Path) -> None:
    (tmp_path / "m.bin").write_bytes(BODY)
    with http_server(served) as url:
        download(f"{url}/model.bin", tmp_path / "m.bin", sha256=SHA)
    assert served.requests == []


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    with http_server(Served()) as url:
        pass  # the port is now closed
    with pytest.raises(DownloadError, match="Cannot reach|could not connect"):
        download(f"{url}/model.bin", tmp_path / "m.bin", retries=0)


def test_slow_server_times_out(served: Served, tmp_path: Path) -> None:
    served.delay["/model.bin"] = 2.0
    with http_server(served) as url:
        with pytest.raises(DownloadError, match="the server sent nothing for 0.3 s"):
            download(f"{url}/model.bin", tmp_path / "m.bin", size=len(BODY), timeout=0.3, retries=0)
