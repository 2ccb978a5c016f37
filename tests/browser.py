"""Headless Chromium for the browser tests: Debian's `chromium` and `chromium-driver` driven by
Selenium. Importing this module skips the importing test module, with a clear message, when any
of them is missing (`.ci/install-browser` installs them)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CPKG_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CPKG_CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
# No background networking: this machine's network is closed, and Chromium must not phone home.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1400,1000",
]

webdriver = pytest.importorskip("selenium.webdriver", reason="Selenium is not installed (pip install selenium)")
if not Path(CHROMIUM).exists():
    pytest.skip(
        f"Chromium not found at {CHROMIUM} (apt-get install chromium; see .ci/install-browser)", allow_module_level=True
    )
if not Path(CHROMEDRIVER).exists():
    pytest.skip(f"chromedriver not found at {CHROMEDRIVER} (apt-get install chromium-driver)", allow_module_level=True)

from selenium.webdriver.chrome.service import Service  # noqa: E402


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium WebDriver that keeps the browser console log."""
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not download anything
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
