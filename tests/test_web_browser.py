"""The fact-checker's web page in a real browser: headless Chromium (Debian `chromium` and
`chromium-driver`, driven by Selenium) against `cpkg serve` on a free loopback port with the seed
article ingested. Skips with a clear message when Chromium, its driver or Selenium is missing
(`.ci/install-browser` installs them). Screenshots go to test-artifacts/."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_live import LiveServer, live_server
from cpkg.cli import main
from cpkg.export import build_graph, write
from cpkg.store import open_store

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_7ca092153d92ac16.txt"
GOLD = json.loads((ROOT / "tests" / "data" / "000_7ca092153d92ac16.gold.json").read_text(encoding="utf-8"))
ARTICLE = "000_7ca092153d92ac16"
ARTIFACTS = ROOT / "test-artifacts"
from browser import chromium  # noqa: E402  (skips this module when Chromium is missing)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    store = tmp_path_factory.mktemp("web") / "store"
    assert main(["ingest", str(SEED), "--store", str(store)]) == 0
    with live_server(store) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as driver:
        yield driver


def shot(browser: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    browser.save_screenshot(str(path))
    return path


def open_page(browser: Any, url: str) -> None:
    browser.get(url)
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return document.body.dataset.ready || ''"))
    assert browser.execute_script("return document.body.dataset.ready") == "true", browser.find_element(
        By.ID, "app"
    ).text


def console_errors(browser: Any) -> list[str]:
    return [
        e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE" and "favicon.ico" not in e["message"]
    ]


def store_document(server: LiveServer) -> dict[str, Any]:
    return httpx.get(f"{server.base}/documents/{ARTICLE}", timeout=30).json()


def test_article_list(server, browser):
    open_page(browser, server.base + "/")
    rows = browser.find_elements(By.CSS_SELECTOR, "#articles tbody tr")
    assert [r.get_attribute("data-article") for r in rows] == [ARTICLE]
    link = browser.find_element(By.ID, "sparql-link")
    assert link.get_attribute("href") == server.base + "/sparql"
    shot(browser, "web-article-list")
    rows[0].find_element(By.TAG_NAME, "a").click()
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.ID, "summary"))
    assert browser.current_url == f"{server.base}/articles/{ARTICLE}"
    assert not console_errors(browser)


def test_article_view_marks_every_gold_claim(server, browser):
    document = store_document(server)
    listed = httpx.get(server.base + "/documents", timeout=30).json()["documents"][0]
    open_page(browser, f"{server.base}/articles/{ARTICLE}")
    summary = browser.find_element(By.ID, "summary")
    attributed = [c for c in document["claims"] if c["attributed"]]
    # Exactly what the store says: every attributed claim, listed and counted.
    assert int(summary.get_attribute("data-attributed")) == len(attributed) == listed["attributedClaims"]
    assert f"{len(attributed)} attributed claims" in summary.text
    items = browser.find_elements(By.CSS_SELECTOR, "#claim-list [data-claim]")
    assert [i.get_attribute("data-claim") for i in items] == [c["ref"] for c in attributed]
    # The 17 gold claims are present and highlighted in the text with their speaker's colour.
    by_span = {(c["start"], c["end"]): c for c in document["claims"]}
    highlighted = browser.execute_script("""
        const out = {};
        for (const span of document.querySelectorAll('#text .claim')) {
          for (const ref of span.dataset.claims.split(' ')) { out[ref] = (out[ref] || '') + span.textContent; }
        }
        return out;""")
    colours = {}
    for gold in GOLD["claims"]:
        claim = by_span.get(tuple(gold["content_span"]))
        assert claim is not None, f"gold {gold['id']} not extracted: {gold['content']!r}"
        assert claim["attributed"] and claim["speaker"]["label"] == gold["speaker"]
        assert highlighted.get(claim["ref"]) == gold["content"], gold["id"]
        colour = browser.execute_script(
            'return getComputedStyle(document.querySelector(`#text .claim[data-claim="${arguments[0]}"]`))'
            ".backgroundColor",
            claim["ref"],
        )
        colours.setdefault(gold["speaker"], set()).add(colour)
    assert len(GOLD["claims"]) == 17
    assert all(len(c) == 1 for c in colours.values())  # one colour per speaker
    assert len({next(iter(c)) for c in colours.values()}) >= 10
    # Cue and speaker mention underlined.
    qudra = by_span[(225, 296)]
    marks = browser.execute_script(
        """
        return [...document.querySelectorAll(`#text .cue, #text .mention`)]
          .filter(n => n.dataset.claim === arguments[0])
          .map(n => [n.className, n.textContent, getComputedStyle(n).textDecorationLine]);""",
        qudra["ref"],
    )
    assert ["mention", "Dr. Ashraf al-Qudra", "underline"] in marks
    assert ["cue", "said", "underline"] in marks
    # Embedded headlines apart from the body (and the IDF headline claim inside one).
    headlines = browser.find_elements(By.CSS_SELECTOR, "[data-testid=embedded-headline] .headline-text")
    assert [h.text for h in headlines] == [h["text"] for h in GOLD["embedded_headlines"]]
    assert not browser.find_elements(By.CSS_SELECTOR, "#text p [data-testid=embedded-headline]")
    shot(browser, "web-article")
    assert not console_errors(browser)


def test_two_claims_carry_the_unconfirmed_badge(server, browser):
    document = store_document(server)
    open_page(browser, f"{server.base}/articles/{ARTICLE}")
    badges = browser.find_elements(By.CSS_SELECTOR, "#text .badge-unconfirmed")
    assert len(badges) == 2
    by_span = {(c["start"], c["end"]): c["ref"] for c in document["claims"]}
    gold_unconfirmed = {by_span[tuple(g["content_span"])] for g in GOLD["claims"] if g["unconfirmed"]}
    assert {b.get_attribute("data-claim") for b in badges} == gold_unconfirmed
    assert browser.find_element(By.ID, "summary").get_attribute("data-unconfirmed") == "2"
    hedged = [c for c in document["claims"] if c["hedged"]]
    assert len(browser.find_elements(By.CSS_SELECTOR, "#text .badge-hedged")) == len(hedged)


def test_clicking_al_qudras_claim_shows_the_trace(server, browser):
    document = store_document(server)
    qudra = next(c for c in document["claims"] if c["speaker"] and c["speaker"]["label"] == "Ashraf al-Qudra")
    open_page(browser, f"{server.base}/articles/{ARTICLE}")
    span = browser.find_element(By.CSS_SELECTOR, f'#text .claim[data-claim="{qudra["ref"]}"]')
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", span)
    span.click()
    WebDriverWait(browser, 30).until(
        lambda d: d.find_element(By.ID, "trace").get_attribute("data-claim") == qudra["ref"]
    )
    trace = browser.find_element(By.ID, "trace")
    fields = browser.execute_script("""
        const dts = [...document.querySelectorAll('#trace dt')], dds = [...document.querySelectorAll('#trace dd')];
        return Object.fromEntries(dts.map((dt, i) => [dt.textContent, dds[i].innerText]));""")
    assert fields["Speaker"].startswith("Ashraf al-Qudra")
    assert fields["Role"] == "spokesperson"
    assert "Health Ministry" in fields["Organisation"]
    assert "Hamas-run government" in fields["Part of"]
    assert "published 2023-11-02" in fields["Article"]
    assert "9,061" in fields["Figures"] and "3,760" in fields["Figures"]
    assert trace.find_element(By.CSS_SELECTOR, "[data-testid=trace-text]").text == qudra["text"]
    shot(browser, "web-trace-al-qudra")
    # An unconfirmed claim's trace shows the verification sentence.
    idf = next(c for c in document["claims"] if c["verification"] == "not_independently_confirmed")
    browser.find_element(By.CSS_SELECTOR, f'#claim-list [data-claim="{idf["ref"]}"]').click()
    WebDriverWait(browser, 30).until(lambda d: d.find_element(By.ID, "trace").get_attribute("data-claim") == idf["ref"])
    marker = browser.find_element(By.CSS_SELECTOR, "#trace [data-testid=marker]")
    assert marker.text == "“The report could not be independently confirmed.”"
    shot(browser, "web-trace-unconfirmed")
    assert not console_errors(browser)


def test_speaker_page(server, browser):
    open_page(browser, f"{server.base}/speakers/israel-defense-forces")
    assert browser.find_element(By.ID, "speaker-name").text == "Israel Defense Forces"
    rows = browser.find_elements(By.CSS_SELECTOR, "#speaker-claims tbody tr")
    assert len(rows) == 3
    assert sum("not independently confirmed" in r.text for r in rows) == 2
    shot(browser, "web-speaker")
    open_page(browser, f"{server.base}/speakers/person/ashraf-al-qudra")
    assert "spokesperson of Health Ministry (Gaza)" in browser.find_element(By.ID, "app").text
    row = browser.find_element(By.CSS_SELECTOR, "#speaker-claims tbody tr")
    assert "9,061; 3,760" in row.text
    assert not console_errors(browser)


def test_graph_view_renders_nodes(server, browser):
    expected = httpx.get(server.base + "/export", params={"format": "cytoscape", "article": ARTICLE}, timeout=60).json()
    open_page(browser, f"{server.base}/graph?article={ARTICLE}")
    WebDriverWait(browser, 30).until(lambda d: d.find_element(By.ID, "graph").get_attribute("data-rendered"))
    rendered = int(browser.find_element(By.ID, "graph").get_attribute("data-rendered"))
    assert rendered == len(expected["elements"]["nodes"]) > 20
    drawn = browser.execute_script("""
        const cy = window.cpkgGraph;
        return {nodes: cy.nodes().length, edges: cy.edges().length,
                visible: cy.nodes().filter(n => n.visible() && n.renderedBoundingBox().w > 0).length,
                canvas: document.querySelectorAll('#graph canvas').length};""")
    assert drawn["nodes"] == rendered and drawn["edges"] == len(expected["elements"]["edges"])
    assert drawn["visible"] == rendered and drawn["canvas"] >= 1
    time.sleep(0.5)
    shot(browser, "web-graph")
    assert not console_errors(browser)


@pytest.mark.parametrize("view", ["claims", "rdf", "disagreements", "speaker"])
def test_cytoscape_json_loads_in_cytoscape_js(server, browser, view):
    params = {"format": "cytoscape", "view": view, **({"speaker": "IDF"} if view == "speaker" else {})}
    expected = httpx.get(server.base + "/export", params=params, timeout=60).json()
    open_page(browser, server.base + "/")
    counts = browser.execute_async_script(
        """
        const [url, done] = arguments;
        const script = document.createElement('script');
        script.src = '/static/vendor/cytoscape/cytoscape.min.js';
        script.onload = async () => {
          const data = await (await fetch(url)).json();
          const cy = cytoscape({headless: true, elements: data.elements});
          done({nodes: cy.nodes().length, edges: cy.edges().length,
                claims: cy.nodes('[type = "claim"]').length});
        };
        document.head.append(script);""",
        server.base + "/export?" + str(httpx.QueryParams(params)),
    )
    assert counts["nodes"] == len(expected["elements"]["nodes"])
    # The seed's figure pairs can all be true at once, so its disagreements view is empty
    # (tests/test_export.py::test_disagreements_view has a store with a real disagreement).
    assert counts["nodes"] > 0 or view == "disagreements"
    assert counts["edges"] == len(expected["elements"]["edges"])
    assert counts["claims"] == sum(n["data"]["type"] == "claim" for n in expected["elements"]["nodes"])


def test_exported_html_file_works_offline(server, browser, tmp_path):
    store_dir = tmp_path / "copy"
    assert main(["ingest", str(SEED), "--store", str(store_dir)]) == 0
    store = open_store(store_dir)
    try:
        graph = build_graph(store, view="article", article=ARTICLE)
    finally:
        store.close()
    page = tmp_path / "graph.html"
    page.write_bytes(write(graph, "html"))
    browser.get(page.as_uri())
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return !!window.cpkgGraph"))
    assert browser.execute_script("return window.cpkgGraph.nodes().length") == graph.number_of_nodes()
    assert browser.execute_script("return window.cpkgGraph.edges().length") == graph.number_of_edges()
    shot(browser, "export-html")
    # Served by the API too, with a CSP that allows exactly its inline scripts.
    response = httpx.get(server.base + "/export", params={"format": "html", "article": ARTICLE}, timeout=60)
    assert response.status_code == 200 and "sha256-" in response.headers["content-security-policy"]
    browser.get(server.base + f"/export?format=html&article={ARTICLE}")
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return !!window.cpkgGraph"))
    assert browser.execute_script("return window.cpkgGraph.nodes().length") == graph.number_of_nodes()
    assert not console_errors(browser)


def test_hostile_article_text_is_shown_as_text(server, browser):
    text = (
        "Gaza, November 2: Officials said <img src=x onerror=\"document.title='pwned'\"> was "
        "found. \"</script><script>document.title='pwned'</script>\" the ministry said Thursday."
    )
    response = httpx.post(
        server.base + "/documents", json={"text": text, "id": "hostile"}, headers=server.auth(), timeout=120
    )
    assert response.status_code == 201, response.text
    open_page(browser, f"{server.base}/articles/hostile")
    assert not browser.find_elements(By.CSS_SELECTOR, "#text img, #text script")
    assert '<img src=x onerror="document.title' in browser.find_element(By.ID, "text").text
    assert "pwned" not in browser.title
    shot(browser, "web-hostile")
