"""A real headless Chromium for testing pages embedflow writes: network blocked, downloads to a folder.

Debian's chromium and chromium-driver, driven by selenium. Tests that use a `browser_session` are skipped,
with the reason printed, where either is missing (.ci/run installs them when apt is available).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.waiting import HANG

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         # Network blocked twice: no host resolves and every request goes to a proxy that is not there.
         "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9", "--window-size=1200,900")
PAGE_TIMEOUT = HANG  # a page that never gets ready fails only where a hang would


def missing_reason() -> str | None:
    """Why a browser test cannot run here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e .[test])"
    if CHROMIUM is None or CHROMEDRIVER is None:
        return "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)"
    return None


class Browser:
    """One headless Chromium session: open a file:// page, wait for conditions, read downloads."""

    def __init__(self, downloads: Path) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self.downloads = downloads
        self._profile = tempfile.mkdtemp(prefix="embedflow-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={self._profile}")
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        self.driver.set_page_load_timeout(PAGE_TIMEOUT)
        self.driver.execute_cdp_cmd("Network.enable", {})
        self.driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
            "offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
        self.driver.execute_cdp_cmd("Browser.setDownloadBehavior", {
            "behavior": "allow", "downloadPath": str(downloads), "eventsEnabled": True})

    def open_map(self, path: Path) -> None:
        """Load the page from file:// and wait until it has set window.embedflowMap."""
        self.driver.get(path.resolve().as_uri())
        self.wait_for(lambda: self.js("return window.embedflowMap !== undefined"), "window.embedflowMap")

    def js(self, script: str, *args: Any) -> Any:
        """Run `script` in the page and return its value."""
        return self.driver.execute_script(script, *args)

    def wait_for(self, condition: Callable[[], Any], what: str, timeout: float = PAGE_TIMEOUT) -> Any:
        """Poll `condition` until it is true; fail naming `what` after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.05)

    def downloaded(self, name: str) -> Path:
        """The file `name` once the browser has finished writing it to the downloads folder."""
        target = self.downloads / name
        self.wait_for(lambda: target.is_file() and not any(self.downloads.glob("*.crdownload")), f"download {name}")
        return target

    def requests(self) -> list[str]:
        """URLs of every request the pages made since the session began."""
        urls = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
        return urls

    def console_errors(self) -> list[str]:
        """Errors the pages wrote to the console (uncaught exceptions included)."""
        return [e["message"] for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]

    def close(self) -> None:
        """End the session and remove its profile."""
        self.driver.quit()
        shutil.rmtree(self._profile, ignore_errors=True)


def browser_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """A headless Chromium for a module-scoped fixture (skipped, with the reason, where none is installed)."""
    reason = missing_reason()
    if reason is not None:
        print(f"skipping browser tests: {reason}")
        pytest.skip(reason)
    session = Browser(tmp_path_factory.mktemp("downloads"))
    yield session
    session.close()
