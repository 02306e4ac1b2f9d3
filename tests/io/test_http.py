"""The HTTP policy's own rules (the hostile-server tests in tests/reliability exercise it end to end)."""

from __future__ import annotations

import email.utils
import time

import pytest

from embedflow.io.http import retry_after


@pytest.mark.parametrize("value, seconds", [("3", 3.0), ("0.5", 0.5), ("-4", 0.0), ("", None), ("soon", None),
                                            ("nan", None)])
def test_retry_after_in_seconds(value: str, seconds: float | None) -> None:
    assert retry_after({"Retry-After": value} if value else {}) == seconds


def test_retry_after_as_an_http_date() -> None:
    in_an_hour = email.utils.formatdate(time.time() + 3600, usegmt=True)
    assert retry_after({"Retry-After": in_an_hour}) == pytest.approx(3600, abs=5)
