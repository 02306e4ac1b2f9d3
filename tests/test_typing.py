"""mypy over embedflow/ and the canvas (widgets/) is clean, with the settings in pyproject.toml ([tool.mypy])."""

from __future__ import annotations

import tempfile
from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parents[1]
# An incremental cache outside the checkout: a full check takes about half a minute, a re-check seconds.
CACHE = Path(tempfile.gettempdir()) / "embedflow-mypy-cache"


def test_mypy_finds_no_errors_in_embedflow_or_the_canvas():
    out, err, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(CACHE),
                                "--no-error-summary", "--hide-error-context",
                                str(ROOT / "embedflow"), str(ROOT / "widgets")])
    assert status == 0, out + err
