"""Real news inputs (issue 14): HTML pages through trafilatura with their metadata, JSON Lines
dumps, RSS/Atom feeds, and pages fetched over http(s) from a server on loopback; bad inputs
give a clear error for that input and the rest of the batch goes on."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cpkg.articles import load_article
from cpkg.cli import main
from cpkg.errors import FetchError, InputError, TooLarge
from cpkg.sources import InputFailure, SourcedArticle
from cpkg.sources.fetch import Fetcher, FetchLimits
from cpkg.sources.html import read_html
from cpkg.sources.inputs import InputOptions, plan_inputs, read_inputs
from cpkg.sources.jsonl import JsonlFields
from cpkg.store import open_store

PAGE = """<!DOCTYPE html>
<html lang="en"><head><title>Floods hit Riverton | The Daily Example</title>
<meta property="og:site_name" content="The Daily Example">
<meta name="author" content="Jane Roe">
<meta property="article:published_time" content="2024-03-05T10:00:00Z">
<link rel="canonical" href="https://news.example.org/2024/floods">
<script>var tracking = "do not keep me";</script><style>p { color: red }</style></head>
<body><nav><a href="/">Home</a> | <a href="/world">World</a> | <a href="/sport">Sport</a></nav>
<article><h1>Floods hit Riverton</h1>
<p>At least 40 people were evacuated on Monday, the police said in a statement.</p>
<p>"We are doing everything we can," Maria Lopez, a spokesperson for the police, told <b>reporters</b>.</p>
<p>John Carter said the damage could reach 12 million dollars.</p>
</article>
<aside>Most read: Celebrity news you will not believe</aside>
<footer>Copyright 2019 The Daily Example. All rights reserved.</footer></body></html>
"""


def story(index: int) -> str:
    return f"John Carter said on Monday that {10 + index} people had left the town of Riverton number {index}."


def items(source: Iterator[SourcedArticle | InputFailure]) -> tuple[list[SourcedArticle], list[InputFailure]]:
    found = list(source)
    return [i for i in found if isinstance(i, SourcedArticle)], [i for i in found if isinstance(i, InputFailure)]


def read(*inputs: str | Path, options: InputOptions | None = None) -> tuple[list[SourcedArticle], list[InputFailure]]:
    return items(read_inputs(plan_inputs(inputs), options))


# ---------------------------------------------------------------- HTML pages


def test_an_html_page_gives_its_main_text_and_metadata(tmp_path: Path) -> None:
    page = read_html(PAGE)
    assert page.text == (
        "Floods hit Riverton\n\n"
        "At least 40 people were evacuated on Monday, the police said in a statement.\n\n"
        '"We are doing everything we can," Maria Lopez, a spokesperson for the police, told reporters.\n\n'
        "John Carter said the damage could reach 12 million dollars."
    )
    assert (page.title, page.author, page.site_name) == ("Floods hit Riverton", "Jane Roe", "The Daily Example")
    assert (page.published, page.url) == (dt.date(2024, 3, 5), "https://news.example.org/2024/floods")

    path = tmp_path / "floods.html"
    path.write_text(PAGE, encoding="utf-8")
    article = load_article(path)
    assert article.text == page.text and article.id == "floods"
    meta = article.meta
    assert (meta.title, meta.publisher, meta.published, meta.url) == (
        "Floods hit Riverton",
        "The Daily Example",
        dt.date(2024, 3, 5),
        "https://news.example.org/2024/floods",
    )
    # A sidecar overrides what the page says about itself; the command line overrides both.
    path.with_suffix(".json").write_text(json.dumps({"publisher": "Example Media"}), encoding="utf-8")
    assert load_article(path).meta.publisher == "Example Media"
    assert load_article(path, publisher="Given").meta.publisher == "Given"


def test_a_page_without_dates_in_its_markup_gets_none_not_a_guess() -> None:
    page = read_html(PAGE.replace('<meta property="article:published_time" content="2024-03-05T10:00:00Z">', ""))
    assert page.published is None  # never the "Copyright 2019" of the footer


def test_a_page_in_its_declared_encoding(tmp_path: Path) -> None:
    page = (
        '<html><head><meta charset="windows-1252"></head><body><p>The café owner said it was closed.</p></body></html>'
    )
    path = tmp_path / "cafe.html"
    path.write_bytes(page.encode("windows-1252"))
    assert load_article(path).text == "The café owner said it was closed."


def test_malformed_html_is_read_or_refused_clearly(tmp_path: Path) -> None:
    broken = "<html><body><p>The mayor said the <b>bridge <i>had reopened</p><div><p>Residents cheered</body"
    assert read_html(broken).text == "The mayor said the bridge had reopened\n\nResidents cheered"
    with pytest.raises(InputError, match="no article text found"):
        read_html("<html><body><script>only code</script><p> </p></body></html>", source="empty.html")


def test_a_50_mb_page_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    huge = tmp_path / "huge.html"
    with huge.open("wb") as file:
        file.write(b"<html><body>")
        file.write(b"<p>The mayor said so.</p>" * (50_000_000 // 25))
    with pytest.raises(TooLarge, match=r"huge\.html: page of 50\.0 MB, over the limit"):
        load_article(huge)


# ---------------------------------------------------------------- JSON Lines dumps


def write_lines(path: Path, records: list[object]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def test_a_jsonl_dump_gives_one_article_per_line_and_reports_bad_lines(tmp_path: Path) -> None:
    dump = write_lines(
        tmp_path / "dump.jsonl",
        [
            {"id": "a-1", "text": story(1), "date": "2016-09-12T08:00:00", "title": "One", "url": "https://x.org/1"},
            {"text": story(2)},
            "{not json",
            {"id": "a-4", "body": "the text under another name"},
            {"id": "a-5", "text": story(5), "date": "12 September"},
            "",
            {"id": 6, "text": "<html><body><p>The mayor said it was fine.</p></body></html>"},
        ],
    )
    articles, failures = read(dump)
    assert [a.article.id for a in articles] == ["a-1", "dump-2", "6"]
    first = articles[0].article
    assert (first.meta.published, first.meta.title, first.meta.url) == (dt.date(2016, 9, 12), "One", "https://x.org/1")
    assert articles[2].article.text == "The mayor said it was fine."
    assert {a.source for a in articles} == {str(dump.resolve())} and articles[1].location == f"{dump}:2"
    messages = {f.location: f.error for f in failures}
    assert set(messages) == {f"{dump}:3", f"{dump}:4", f"{dump}:5"}
    assert "not a JSON object" in messages[f"{dump}:3"]
    assert "field 'text' is missing" in messages[f"{dump}:4"]
    assert "not an ISO date" in messages[f"{dump}:5"]


def test_jsonl_field_names_are_configurable(tmp_path: Path) -> None:
    dump = write_lines(tmp_path / "crawl.ndjson", [{"key": "k1", "maintext": story(1), "date_publish": "2016-09-30"}])
    fields = JsonlFields(text="maintext", id="key", date="date_publish")
    (only,), failures = read(dump, options=InputOptions(fields=fields))
    assert not failures and (only.article.id, only.article.meta.published) == ("k1", dt.date(2016, 9, 30))


# ---------------------------------------------------------------- feeds

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Example</title>
<item><title>Full text</title><guid>urn:story:1</guid><link>https://news.example.org/1</link>
<pubDate>Tue, 05 Mar 2024 10:00:00 GMT</pubDate><description>A teaser.</description>
<content:encoded><![CDATA[<p>The police said 40 people were evacuated.</p><p>The mayor said all was calm.</p>]]>
</content:encoded></item>
<item><title>Saved page</title><guid>urn:story:2</guid><link>pages/floods.html</link></item>
<item><title>Outside</title><guid>urn:story:3</guid><link>../secret.txt</link></item>
<item><title>Summary only</title><guid>urn:story:4</guid>
<description>The minister said taxes would fall.</description></item>
</channel></rss>
"""


def test_a_feed_gives_entry_texts_and_saved_pages_from_its_folder_only(tmp_path: Path) -> None:
    folder = tmp_path / "feeds"
    (folder / "pages").mkdir(parents=True)
    (folder / "pages" / "floods.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "secret.txt").write_text("The owner said the password is hunter2.", encoding="utf-8")
    feed = folder / "news.rss"
    feed.write_text(RSS, encoding="utf-8")
    articles, failures = read(feed)
    by_title = {a.article.meta.title: a.article for a in articles}
    assert set(by_title) == {"Full text", "Floods hit Riverton", "Summary only"}
    full = by_title["Full text"]
    assert full.text == "The police said 40 people were evacuated.\n\nThe mayor said all was calm."
    assert (full.id, full.meta.published, full.meta.url) == (
        "urn-story-1-" + full.id.rsplit("-", 1)[1],
        dt.date(2024, 3, 5),
        "https://news.example.org/1",
    )
    saved = by_title["Floods hit Riverton"]  # the saved page's own metadata
    assert saved.meta.publisher == "The Daily Example" and saved.text.startswith("Floods hit Riverton\n\nAt least 40")
    assert by_title["Summary only"].text == "The minister said taxes would fall."
    (outside,) = failures
    assert outside.location == f"{feed} entry 3" and "not a page saved in the feed's folder" in outside.error


def test_an_atom_feed_named_xml_is_recognised(tmp_path: Path) -> None:
    feed = tmp_path / "atom.xml"
    feed.write_text(
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>X</title>'
        "<entry><title>A story</title><id>urn:a</id><updated>2024-03-05T10:00:00Z</updated>"
        '<content type="text">The police said 40 people left.</content></entry></feed>',
        encoding="utf-8",
    )
    (only,), failures = read(feed)
    assert not failures and only.article.text == "The police said 40 people left."


def test_a_feed_of_10000_entries_is_refused_whole_and_the_batch_goes_on(tmp_path: Path) -> None:
    entries = "".join(
        f"<item><guid>g{i}</guid><description>The mayor said {i}.</description></item>" for i in range(10_000)
    )
    big = tmp_path / "big.rss"
    big.write_text(f'<?xml version="1.0"?><rss version="2.0"><channel>{entries}</channel></rss>', encoding="utf-8")
    good = tmp_path / "good.txt"
    good.write_text(story(1), encoding="utf-8")
    articles, (failure,) = read(big, good)
    assert [a.article.id for a in articles] == ["good"]
    assert "feed of 10,000 entries, over the limit of 1,000 per feed" in failure.error
    assert "nothing of it was read" in failure.error


def test_a_file_that_is_not_a_feed_is_reported(tmp_path: Path) -> None:
    fake = tmp_path / "fake.rss"
    fake.write_text("<html><body><p>not a feed</p></body></html>", encoding="utf-8")
    _, (failure,) = read(fake)
    assert "not an RSS or Atom feed" in failure.error


# ---------------------------------------------------------------- fetching from loopback

SLOW_LIMITS = FetchLimits(timeout=1.0, max_bytes=200_000, max_redirects=3)


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass

    def send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        routes = {
            "/floods": lambda: self.send(200, PAGE.encode()),
            "/old": lambda: self.send(301, b"", Location="/floods"),
            "/loop": lambda: self.send(302, b"", Location="/loop"),
            "/to-ftp": lambda: self.send(302, b"", Location="ftp://127.0.0.1/file"),
            "/image": lambda: self.send(200, b"\x89PNG", "image/png"),
            "/declared-huge": lambda: self.send_declared_huge(),
            "/endless": lambda: self.send_endless(),
            "/feed": lambda: self.send(200, RSS.encode(), "application/rss+xml"),
        }
        routes.get(self.path, lambda: self.send(404, b"no such page"))()

    def send_declared_huge(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(50_000_000))
        self.end_headers()

    def send_endless(self) -> None:
        # No Content-Length: the size cap must stop the reading, not the server.
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        try:
            while True:
                self.wfile.write(b"<p>The mayor said so again and again.</p>" * 1000)
        except OSError:
            pass


@pytest.fixture(scope="module")
def web() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/never"
    listener.close()


def test_a_fetched_page_gives_its_text_metadata_and_follows_a_redirect(web: str) -> None:
    with Fetcher(SLOW_LIMITS) as fetcher:
        page = fetcher.fetch(f"{web}/old")
    assert page.final_url == f"{web}/floods" and page.content_type == "text/html"
    (article,), failures = read(f"{web}/old", options=InputOptions(fetch=SLOW_LIMITS))
    assert not failures and article.source == f"{web}/old"
    assert article.article.text == read_html(PAGE).text
    assert article.article.meta.url == "https://news.example.org/2024/floods"  # the canonical URL the page declares


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/loop", "more than 3 redirects"),
        ("/to-ftp", "only http and https"),
        ("/missing", "HTTP 404"),
        ("/image", "content type image/png is not a web page"),
        ("/declared-huge", "page of 50,000,000 bytes, over the limit of 200,000"),
        ("/endless", "page larger than the limit of 200,000 bytes"),
    ],
)
def test_a_url_that_cannot_be_fetched_says_why(web: str, path: str, reason: str) -> None:
    with Fetcher(SLOW_LIMITS) as fetcher, pytest.raises(FetchError, match=reason):
        fetcher.fetch(web + path)


def test_a_url_that_never_answers_times_out(silent_url: str) -> None:
    with Fetcher(SLOW_LIMITS) as fetcher, pytest.raises(FetchError, match="no answer within 1 s"):
        fetcher.fetch(silent_url)


def test_only_http_and_https_urls_are_fetched() -> None:
    _, (failure,) = read("ftp://127.0.0.1/story", options=InputOptions(fetch=SLOW_LIMITS))
    assert failure.error == "ftp://127.0.0.1/story: only http and https URLs with a host are fetched"


def test_a_fetched_feed_gives_its_entries(web: str) -> None:
    articles, failures = read(f"{web}/feed", options=InputOptions(fetch=SLOW_LIMITS))
    # Its relative links name no saved page (a feed from the web has no folder here).
    assert {a.article.meta.title for a in articles} == {"Full text", "Summary only"}
    assert len(failures) == 2 and all("no content or summary" in f.error for f in failures)


def test_ingest_reads_every_kind_of_input_and_a_bad_one_never_stops_the_batch(
    tmp_path: Path, web: str, silent_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    first = tmp_path / "first.txt"
    first.write_text(story(0), encoding="utf-8")
    assert main(["ingest", str(first), "--store", str(store), "--quiet"]) == 0
    with open_store(store) as opened:
        before = opened.stats().triples
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "floods.html").write_text(PAGE, encoding="utf-8")
    write_lines(folder / "dump.jsonl", [{"id": "d1", "text": story(1)}, "{broken", {"id": "d3", "text": story(3)}])
    entries = "".join(f"<item><guid>g{i}</guid><description>x</description></item>" for i in range(10_000))
    (folder / "big.rss").write_text(f'<rss version="2.0"><channel>{entries}</channel></rss>', encoding="utf-8")
    code = main(
        ["ingest", str(folder), f"{web}/floods", f"{web}/missing", silent_url, "--store", str(store), "--timeout", "1"]
    )
    out, err = capsys.readouterr()
    assert code == 1, (out, err)
    assert "4 stored" in out and "4 failed" in out, out
    for reason in (
        "dump.jsonl:2: not a JSON object",
        "big.rss: feed of 10,000 entries",
        "HTTP 404",
        "no answer within",
    ):
        assert reason in err, (reason, err)
    with open_store(store) as opened:
        ids = opened.article_ids()
        assert opened.article_source("floods") == str((folder / "floods.html").resolve())
        assert opened.article_source(next(i for i in ids if i.startswith("127.0.0.1"))) == f"{web}/floods"
        assert opened.stats().triples > before
    assert "first" in ids and {"d1", "d3", "floods"} <= set(ids) and len(ids) == 5


def test_extract_jsonl_names_where_each_article_came_from(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dump = write_lines(tmp_path / "dump.jsonl", [{"id": "d1", "text": story(1)}, {"id": "d2"}])
    assert main(["extract", str(dump), "--format", "jsonl", "--quiet"]) == 1
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    (error,) = [line for line in lines if "error" in line]
    (first,) = [line for line in lines if "document" in line]
    assert error == {"path": f"{dump}:2", "error": f"{dump}:2: no text: field 'text' is missing"}
    assert first["document"]["path"] == f"{dump}:1" and first["claims"]
