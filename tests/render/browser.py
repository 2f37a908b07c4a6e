"""Headless Chromium for the report tests: Debian's `chromium` and `chromium-driver` packages.

`.ci/run` installs them when they are missing, and under CI a missing browser fails the test
instead of skipping it. The flags are the ones that work on these machines without a display,
a sandbox or the network.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
)


def require_browser(driver: bool = False) -> str:
    """The Chromium binary; outside CI a missing one skips the test, in CI it fails it."""
    missing = CHROMIUM is None or (driver and CHROMEDRIVER is None)
    if missing:
        message = "headless Chromium is not installed (apt-get install chromium chromium-driver)"
        if os.environ.get("CI"):
            pytest.fail(message + "; .ci/run installs it, so CI must have it")
        pytest.skip(message)
    assert CHROMIUM is not None
    return CHROMIUM


@contextmanager
def webdriver(profile: Path, width: int = 1280, height: int = 2400) -> Iterator[WebDriver]:
    """A WebDriver session on a fresh profile, closed (browser and driver) on exit."""
    from selenium import webdriver as wd
    from selenium.webdriver.chrome.service import Service

    binary = require_browser(driver=True)
    options = wd.ChromeOptions()
    options.binary_location = binary
    for flag in (*FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        options.add_argument(flag)
    driver = wd.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        driver.set_page_load_timeout(60)
        yield driver
    finally:
        driver.quit()
