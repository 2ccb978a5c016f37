"""The fact-checker's web page in a real browser: headless Chromium (Debian `chromium` and
`chromium-driver`, driven by Selenium) against `cpkg serve` on a free loopback port with the seed
article ingested. Skips with a clear message when Chromium, its driver or Selenium is missing
(`.ci/install-browser` installs them). Screenshots go to test-artifacts/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_live import LiveServer, live_server
from cpkg.cli import main
from cpkg.export import build_graph, write
from cpkg.store import open_store
from news_corpus import build_news_store

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_7ca092153d92ac16.txt"
GOLD = json.loads((ROOT / "tests" / "data" / "000_7ca092153d92ac16.gold.json").read_text(encoding="utf-8"))
ARTICLE = "000_7ca092153d92ac16"
ARTIFACTS = ROOT / "test-artifacts"
from browser import chromium  # noqa: E402  (skips this module when Chromium is missing)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.select import Select  # noqa: E402
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


def store_document(server: LiveServer, article: str = ARTICLE) -> dict[str, Any]:
    return httpx.get(f"{server.base}/documents/{article}", timeout=30).json()


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
    def extracted(start: int, end: int) -> dict[str, Any] | None:
        """The claim of a gold span, or of the same span with its complementizer ("that X"),
        as PolNeAR, which the attribution model learned from, annotates it."""
        return next(
            (
                c
                for c in document["claims"]
                if c["end"] == end and (c["start"] == start or (c["start"] + 5 == start and c["text"][:5] == "that "))
            ),
            None,
        )

    highlighted = browser.execute_script("""
        const out = {};
        for (const span of document.querySelectorAll('#text .claim')) {
          for (const ref of span.dataset.claims.split(' ')) { out[ref] = (out[ref] || '') + span.textContent; }
        }
        return out;""")
    colours = {}
    for gold in GOLD["claims"]:
        claim = extracted(*gold["content_span"])
        assert claim is not None, f"gold {gold['id']} not extracted: {gold['content']!r}"
        assert claim["attributed"] and claim["speaker"]["label"] == gold["speaker"]
        assert highlighted.get(claim["ref"]) == claim["text"] and claim["text"].endswith(gold["content"]), gold["id"]
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
    qudra = extracted(225, 296)
    assert qudra is not None
    marks = browser.execute_script(
        """
        return [...document.querySelectorAll(`#text .cue, #text .mention`)]
          .filter(n => n.dataset.claim === arguments[0])
          .map(n => [n.className, n.textContent, getComputedStyle(n).textDecorationLine]);""",
        qudra["ref"],
    )
    # the source as written, the name first (with its apposition when the extractor keeps it)
    assert any(m[0] == "mention" and m[1].startswith("Dr. Ashraf al-Qudra") and m[2] == "underline" for m in marks)
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


# ---------------------------------------------------------------- across articles (issue 14)


@pytest.fixture(scope="module")
def news_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The seed, three outlets reporting the ministry's toll (clustered), a disagreement, a fact-check."""
    store = tmp_path_factory.mktemp("news") / "store"
    build_news_store(store)
    with live_server(store) as live:
        yield live


def wait_for(browser: Any, script: str, *args: Any, timeout: float = 30) -> Any:
    """Poll a script until it returns something truthy (a deadline, never a fixed sleep)."""
    WebDriverWait(browser, timeout).until(lambda d: d.execute_script(script, *args))
    return browser.execute_script(script, *args)


def follow(browser: Any, element: Any, path: str) -> None:
    """Click a link and wait for the page it opens to be ready."""
    element.click()
    WebDriverWait(browser, 30).until(
        lambda d: (
            d.current_url.split("://", 1)[1].split("/", 1)[1].startswith(path.lstrip("/"))
            and d.execute_script("return document.body.dataset.ready || ''")
        )
    )
    ready = browser.execute_script("return document.body.dataset.ready")
    assert ready == "true", browser.find_element(By.ID, "app").text


def test_speaker_timeline_in_date_order_with_repeated_claims(news_server, browser):
    open_page(browser, f"{news_server.base}/speakers/organization/health-ministry")
    days = browser.find_elements(By.CSS_SELECTOR, "#timeline > li.timeline-day")
    assert [d.get_attribute("data-date") for d in days] == ["2024-03-05", "2024-03-06", "2024-03-07"]
    refs = [[c.get_attribute("data-claim") for c in d.find_elements(By.CSS_SELECTOR, "li[data-claim]")] for d in days]
    assert refs == [["herald/c01"], ["times/c01"], ["post/c01"]]
    assert "Riverton Herald" in days[0].text and "not independently confirmed" in days[0].text
    assert "Morning Post (published)" in days[2].text  # the Post gives no date said: its publication date
    repeated = [d.find_elements(By.CSS_SELECTOR, "[data-testid=repeated]") for d in days]
    assert [len(r) for r in repeated] == [1, 1, 0] and repeated[0][0].text == "reported by 2 outlets"
    shot(browser, "web-speaker-timeline")
    follow(browser, repeated[1][0], "/cluster/times/c01")
    assert browser.find_element(By.CSS_SELECTOR, "[data-testid=cluster]").get_attribute("data-outlets") == "2"
    assert not console_errors(browser)


def test_a_claims_cluster_page(news_server, browser):
    open_page(browser, f"{news_server.base}/cluster/times/c01")
    assert "9,061 people" in browser.find_element(By.CSS_SELECTOR, "[data-testid=cluster-claim]").text
    rows = browser.find_elements(By.CSS_SELECTOR, "[data-testid=cluster-members] tbody tr")
    assert [r.get_attribute("data-claim") for r in rows] == ["herald/c01", "times/c01"]
    # The first report first, marked; the unconfirmed flag on the Herald's report only.
    assert "first report" in rows[0].text and "first report" not in rows[1].text
    assert [bool(r.find_elements(By.CSS_SELECTOR, "[data-testid=unconfirmed]")) for r in rows] == [True, False]
    assert rows[0].text.startswith("2024-03-05 Riverton Herald") and "Daily Times" in rows[1].text
    assert "current" in rows[1].get_attribute("class")
    assert browser.find_element(By.CSS_SELECTOR, "[data-testid=first-outlet]").text == "Riverton Herald"
    contested = browser.find_element(By.CSS_SELECTOR, "[data-testid=unconfirmed-elsewhere]").text
    assert "Riverton Herald marks it not independently confirmed" in contested
    assert "Daily Times reports it flatly" in contested
    assert browser.find_element(By.CSS_SELECTOR, "[data-testid=rating]").text == "Unproven"
    # The ClaimReview links give the REST API's skeletons.
    for testid, first in (("claimreview", "times/claim/c01"), ("cluster-claimreview", "herald/claim/c01")):
        href = browser.find_element(By.CSS_SELECTOR, f"[data-testid={testid}]").get_attribute("href")
        skeleton = httpx.get(href, timeout=60).json()
        assert skeleton["@type"] == "ClaimReview" and skeleton["identifier"].endswith(first)
    shot(browser, "web-cluster")
    assert not console_errors(browser)


def test_the_article_trace_shows_the_cluster_and_the_fact_check(news_server, browser):
    open_page(browser, f"{news_server.base}/articles/times")
    browser.find_element(By.CSS_SELECTOR, '#claim-list [data-claim="times/c01"]').click()
    wait_for(browser, "return document.querySelector('#trace-cluster[data-claim=\"times/c01\"]')")
    members = browser.execute_script(
        "return [...document.querySelectorAll('#trace-cluster tbody tr')].map(r => r.dataset.claim)"
    )
    assert members == ["herald/c01", "times/c01"]
    assert "First reported on 2024-03-05 by Riverton Herald" in browser.find_element(By.ID, "trace-cluster").text
    rating = browser.find_element(By.CSS_SELECTOR, "#trace [data-field=fact-checks]").text
    assert "Unproven" in rating and "Example Fact Check" in rating
    shot(browser, "web-trace-cluster")
    # A claim no other article reports says so; ?claim= opens an article on a claim.
    open_page(browser, f"{news_server.base}/articles/post?claim=post%2Fc01")
    wait_for(browser, "return document.querySelector('#trace-cluster[data-claim=\"post/c01\"]')")
    assert browser.find_elements(By.CSS_SELECTOR, "#trace-cluster [data-testid=no-cluster]")
    assert not console_errors(browser)


def test_repeated_claims_page(news_server, browser):
    open_page(browser, f"{news_server.base}/repeated")
    rows = browser.find_elements(By.CSS_SELECTOR, "#clusters tbody tr")
    assert [r.get_attribute("data-claim") for r in rows] == ["herald/c01"]
    assert rows[0].text.startswith("2 2 2024-03-05 Health Ministry") and "unconfirmed by some" in rows[0].text
    pairs = browser.find_elements(By.CSS_SELECTOR, "#unconfirmed-elsewhere tbody tr")
    assert [(p.get_attribute("data-marked"), p.get_attribute("data-flat")) for p in pairs] == [
        ("herald/c01", "times/c01")
    ]
    shot(browser, "web-repeated")
    # Three outlets or more: none.
    Select(browser.find_element(By.ID, "min-outlets")).select_by_value("3")
    wait_for(browser, "return document.querySelector('#clusters[data-min-outlets=\"3\"]')")
    assert not browser.find_elements(By.CSS_SELECTOR, "#clusters tbody tr")
    assert not console_errors(browser)


def test_figures_that_disagree_page(news_server, browser):
    open_page(browser, f"{news_server.base}/figures")
    assert browser.find_element(By.ID, "disagreement-count").get_attribute("data-count") == "1"
    sections = browser.find_elements(By.CSS_SELECTOR, "section.measure")
    assert [s.get_attribute("data-measure") for s in sections] == ["Killed"]
    figures = [f.text for f in sections[0].find_elements(By.CSS_SELECTOR, "[data-testid=figure]")]
    assert figures == ["200", "300"]
    row = sections[0].find_element(By.CSS_SELECTOR, "tbody tr")
    assert row.get_attribute("data-document") == "floods"
    assert "Rescuers says 200" in row.text and "ministry says 300" in row.text
    shot(browser, "web-figures")
    open_page(browser, f"{news_server.base}/figures?article=herald")
    assert browser.find_element(By.ID, "disagreement-count").get_attribute("data-count") == "0"
    assert not console_errors(browser)


def test_search_box_finds_speakers_and_claim_text(news_server, browser):
    open_page(browser, news_server.base + "/")
    box = browser.find_element(By.ID, "search")
    box.send_keys("QUDRA" + Keys.ENTER)
    WebDriverWait(browser, 30).until(lambda d: "/find?q=QUDRA" in d.current_url)
    wait_for(browser, "return document.body.dataset.ready === 'true' && document.getElementById('found-speakers')")
    speakers = browser.find_elements(By.CSS_SELECTOR, "#found-speakers li")
    assert [s.get_attribute("data-agent") for s in speakers] == [
        "https://w3id.org/cpkg/id/agent/person/ashraf-al-qudra"
    ]
    assert browser.find_element(By.ID, "search").get_attribute("value") == "QUDRA"
    follow(browser, speakers[0].find_element(By.TAG_NAME, "a"), "/speakers/person/ashraf-al-qudra")
    assert browser.find_element(By.ID, "speaker-name").text == "Ashraf al-Qudra"
    open_page(browser, news_server.base + "/find?q=northern+district")
    claims = browser.find_elements(By.CSS_SELECTOR, "#found-claims li")
    assert {c.get_attribute("data-claim") for c in claims} == {"herald/c01", "times/c01", "post/c01"}
    shot(browser, "web-search")
    open_page(browser, news_server.base + "/find?q=" + "%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
    assert not browser.find_elements(By.CSS_SELECTOR, "#app img")
    assert not console_errors(browser)


RELAYED = "The Associated Press reported that the ministry said 12 schools were closed."


@pytest.fixture(scope="module")
def relay_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One article whose claim reached it through a relay: the ministry's, reported by AP."""
    folder = tmp_path_factory.mktemp("relay")
    (folder / "wire.txt").write_text(RELAYED + "\n")
    assert main(["ingest", str(folder / "wire.txt"), "--store", str(folder / "store")]) == 0
    with live_server(folder / "store") as live:
        yield live


def test_the_trace_shows_who_relayed_the_claim(relay_server, browser):
    document = store_document(relay_server, "wire")
    ministry = next(c for c in document["claims"] if c["speaker"] and c["speaker"]["label"] == "ministry")
    open_page(browser, f"{relay_server.base}/articles/wire?claim={ministry['ref'].replace('/', '%2F')}")
    relay = wait_for(browser, "return document.querySelector('#trace [data-testid=relay]')")
    assert relay.text == "Associated Press “The Associated Press”, “reported”"
    assert relay.find_element(By.TAG_NAME, "a").get_attribute("href").endswith("/speakers/associated-press")
    shot(browser, "web-trace-relayed")
    assert not console_errors(browser)
