"""Fetching web pages for ``cpkg ingest URL…``, with bounded work per URL: http and https only,
a deadline, a size cap read as the bytes arrive, and a limited number of redirects, each
checked like the first URL. Every failure is a ``FetchError`` naming the URL."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from urllib.parse import urljoin, urlsplit

import httpx
from cpkg import __version__
from cpkg.errors import FetchError, InputError
from cpkg.sources.html import MAX_PAGE_BYTES, HtmlPage, read_html

USER_AGENT = f"cpkg/{__version__} (claim-provenance knowledge graph)"
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml")


@dataclass(frozen=True)
class FetchLimits:
    timeout: float = 20.0
    """Seconds for the whole fetch of one URL, redirects included."""
    max_bytes: int = MAX_PAGE_BYTES
    max_redirects: int = 5


@dataclass(frozen=True)
class FetchedPage:
    url: str
    """The URL asked for."""
    final_url: str
    """Where the page was found, after redirects."""
    content_type: str
    body: bytes

    @property
    def is_feed(self) -> bool:
        return self.content_type in FEED_TYPES


def is_url(value: str) -> bool:
    return "://" in value and value.split("://", 1)[0].isalpha()


def check_scheme(url: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise FetchError(f"{url}: only http and https URLs with a host are fetched")


class Fetcher:
    """One HTTP client for many URLs (connections reused); close it, or use it as a context."""

    def __init__(self, limits: FetchLimits | None = None) -> None:
        self.limits = limits = limits or FetchLimits()
        self._client = httpx.Client(
            timeout=httpx.Timeout(limits.timeout),
            follow_redirects=False,  # followed here, so that every hop is checked
            headers={"User-Agent": USER_AGENT, "Accept": ", ".join((*PAGE_TYPES, *FEED_TYPES))},
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def fetch(self, url: str) -> FetchedPage:
        deadline = time.monotonic() + self.limits.timeout
        current = url
        try:
            for _ in range(self.limits.max_redirects + 1):
                check_scheme(current)
                with self._client.stream("GET", current) as response:
                    if response.is_redirect:
                        location = response.headers.get("location", "")
                        current = urljoin(current, location)
                        continue
                    if response.status_code >= 400:
                        raise FetchError(f"{url}: HTTP {response.status_code} {response.reason_phrase}")
                    return self._page(url, current, response, deadline)
        except httpx.TimeoutException:
            raise FetchError(f"{url}: no answer within {self.limits.timeout:g} s") from None
        except httpx.HTTPError as error:
            raise FetchError(f"{url}: {type(error).__name__}: {error or 'connection failed'}") from None
        raise FetchError(f"{url}: more than {self.limits.max_redirects} redirects")

    def _page(self, url: str, final_url: str, response: httpx.Response, deadline: float) -> FetchedPage:
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type and content_type not in (*PAGE_TYPES, *FEED_TYPES):
            raise FetchError(f"{url}: content type {content_type} is not a web page, text or feed")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.limits.max_bytes:
            raise FetchError(f"{url}: page of {int(declared):,} bytes, over the limit of {self.limits.max_bytes:,}")
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > self.limits.max_bytes:
                raise FetchError(f"{url}: page larger than the limit of {self.limits.max_bytes:,} bytes")
            if time.monotonic() > deadline:
                raise FetchError(f"{url}: page not received within {self.limits.timeout:g} s")
        return FetchedPage(url, final_url, content_type or "text/html", bytes(body))


def page_from_response(page: FetchedPage) -> HtmlPage:
    """The text and metadata of a fetched page (plain text as it is, HTML through trafilatura);
    the canonical URL the page declares, else the URL it was found at."""
    if page.content_type == "text/plain":
        try:
            text = page.body.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError:
            raise InputError(f"{page.url}: plain text that is not UTF-8") from None
        return HtmlPage(text=text, url=page.final_url)
    parsed = read_html(page.body, source=page.url)
    return parsed if parsed.url else replace(parsed, url=page.final_url)
