"""The SPARQL query page (vendored YASGUI) in headless Chromium: it loads from our own origin
under the CSP, opens the named queries as tabs, and runs a query against /sparql. Skips when
Chromium, chromedriver or Selenium is missing (`.ci/install-browser`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_live import LiveServer, live_server
from browser import chromium  # (skips this module when Chromium is missing)
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("page") / "store") as live:
        live.update('INSERT DATA { GRAPH <urn:x:g> { <urn:x:a> <urn:x:p> "ok!" } }')
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as driver:
        yield driver


def test_query_page(server: LiveServer, browser: Any) -> None:
    from cpkg.queries import named_queries

    browser.get(server.sparql)
    wait = WebDriverWait(browser, 30)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".yasgui .tabPanel, .yasgui .CodeMirror"))
    names = set(named_queries())
    wait.until(
        lambda d: (
            names
            <= {e.get_attribute("textContent").strip() for e in d.find_elements(By.CSS_SELECTOR, ".yasgui .tab a span")}
        )
    )
    browser.execute_script(
        "const y = window.__cpkgYasgui;y.addTab(true, {name: 'check', yasqe: {value: 'SELECT ?o WHERE { ?s ?p ?o }'}});"
    )
    wait.until(lambda d: d.execute_script("return !!window.__cpkgYasgui.getTab().getYasqe()"))
    browser.execute_script("window.__cpkgYasgui.getTab().query();")
    wait.until(lambda d: "ok!" in d.find_element(By.CSS_SELECTOR, ".yasgui").text)
    severe = [
        e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE" and "favicon.ico" not in e["message"]
    ]
    assert severe == []
