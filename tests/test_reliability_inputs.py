"""Input limits through the API, with clear errors and nothing stored (issue 6, "Input"):
empty, binary, non-UTF-8, too large, HTML given as text, JSON with wrong types."""

from __future__ import annotations

import json as json_module
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from api_live import LiveServer, live_server
from cpkg.sources.html import read_html
from reliability_articles import article_text

MAX_CHARS = 5000
MAX_BODY = 20_000
TEXT = {"Content-Type": "text/plain; charset=utf-8"}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    store = tmp_path_factory.mktemp("inputs") / "store"
    with live_server(store, CPKG_MAX_ARTICLE_CHARS=str(MAX_CHARS), CPKG_MAX_BODY=str(MAX_BODY)) as server:
        yield server


def post(
    live: LiveServer, content: bytes | None = None, headers: dict[str, str] | None = None, json: Any = None
) -> httpx.Response:
    return httpx.post(
        live.base + "/documents", content=content, json=json, timeout=60, headers={**live.auth(), **(headers or {})}
    )


def total(live: LiveServer) -> int:
    return httpx.get(live.base + "/documents", timeout=30).json()["total"]


def error_of(response: httpx.Response) -> str:
    return response.json()["error"]


@pytest.mark.parametrize("body", [b"", b"   \n\t\r\n  ", "\u200b\n".encode(), b"\xef\xbb\xbf"])
def test_empty_article_is_400(live: LiveServer, body: bytes) -> None:
    before = total(live)
    response = post(live, body, TEXT)
    assert response.status_code == 400, response.text
    assert "empty" in error_of(response)
    assert total(live) == before


def test_empty_json_text_is_400(live: LiveServer) -> None:
    response = post(live, json={"text": "  "})
    assert response.status_code == 400 and "empty" in error_of(response)


def test_binary_body_is_400(live: LiveServer) -> None:
    response = post(live, b"PK\x03\x04\x00\x00binary\x00zip", TEXT)
    assert response.status_code == 400, response.text
    assert "binary" in error_of(response)


def test_non_utf8_bytes_are_415_naming_utf8(live: LiveServer) -> None:
    response = post(live, "Le ministre a déclaré que tout allait bien.".encode("latin-1"), TEXT)
    assert response.status_code == 415, response.text
    assert "UTF-8" in error_of(response) and "0xe9" in error_of(response)


def test_other_charset_is_415(live: LiveServer) -> None:
    response = post(live, b"The minister said all was well.", {"Content-Type": "text/plain; charset=latin-1"})
    assert response.status_code == 415, response.text
    assert "UTF-8" in error_of(response)


def test_non_utf8_json_names_the_problem(live: LiveServer) -> None:
    response = post(live, b'{"text": "caf\xe9 owners said prices rose."}', {"Content-Type": "application/json"})
    assert response.status_code in (400, 415), response.text
    assert "utf-8" in error_of(response).lower()


def test_article_over_the_character_limit_is_413(live: LiveServer) -> None:
    text = ("The minister said the bridge would reopen soon. " * 200)[: MAX_CHARS + 100]
    assert len(text.encode()) < MAX_BODY  # the article limit, not the body limit
    response = post(live, text.encode(), TEXT)
    assert response.status_code == 413, response.text
    assert f"{MAX_CHARS:,}" in error_of(response)
    response = post(live, json={"text": text})
    assert response.status_code == 413, response.text


def test_body_over_the_byte_limit_is_413(live: LiveServer) -> None:
    body = b"x" * (MAX_BODY + 1)
    response = post(live, body, TEXT)
    assert response.status_code == 413
    assert str(MAX_BODY) in response.text

    def chunks() -> Iterator[bytes]:  # no Content-Length: checked while streaming
        for _ in range(MAX_BODY // 1000 + 2):
            yield b"y" * 1000

    response = httpx.post(live.base + "/documents", content=chunks(), headers={**live.auth(), **TEXT}, timeout=60)
    assert response.status_code == 413


HTML_PAGE = """<!DOCTYPE html>
<html><head><title>Floods in Riverton</title><style>p { color: red }</style>
<script>var secret = "do not keep me";</script></head>
<body><nav><a href="/">Home</a> | <a href="/world">World</a></nav>
<article>
<h1>Floods in Riverton</h1>
<p>RIVERTON (Reuters) - At least 40 people were evacuated on Monday, the police said in a statement.</p>
<p>&quot;We are doing everything we can,&quot; Maria Lopez, a spokesperson for the police, told reporters.</p>
<p>John Carter said the damage could reach 12 million dollars &amp; more.</p>
</article><footer>Copyright 2024</footer></body></html>
"""


@pytest.mark.parametrize("as_json", [False, True])
def test_html_given_as_text_is_converted(live: LiveServer, as_json: bool) -> None:
    page = HTML_PAGE.replace("Monday", "Tuesday" if as_json else "Monday")
    response = post(live, json={"text": page}) if as_json else post(live, page.encode(), TEXT)
    assert response.status_code == 201, response.text
    body = response.json()
    plain = read_html(page).text
    assert body["document"]["chars"] == len(plain)
    assert body["claims"]
    for claim in body["claims"]:
        assert claim["text"] == plain[claim["start"] : claim["end"]]
        assert "<" not in claim["text"] and "&quot;" not in claim["text"] and "&amp;" not in claim["text"]
    assert "do not keep me" not in plain and "color: red" not in plain and "Home" not in plain
    texts = " ".join(c["text"] for c in body["claims"])
    assert "evacuated" in texts and "12 million dollars & more" in texts
    stored = httpx.get(f"{live.base}/documents/{body['id']}", timeout=30).json()
    assert stored["document"]["chars"] == len(plain)


@pytest.mark.parametrize(
    "payload",
    [
        {"text": 5},
        {"text": None},
        {"text": ["a", "list"]},
        {"text": {"nested": "object"}},
        {"title": "no text at all"},
        {"text": "The minister said all was well.", "title": 5},
        {"text": "The minister said all was well.", "published": 20240101},
        {"text": "The minister said all was well.", "url": ["http://example.org"]},
        {"text": "The minister said all was well.", "id": True},
        [],
        ["text"],
        "just a string",
        42,
        None,
    ],
)
def test_json_with_wrong_types_is_422(live: LiveServer, payload: Any) -> None:
    before = total(live)
    response = post(live, json_module.dumps(payload).encode(), {"Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["error"]
    assert total(live) == before


@pytest.mark.parametrize(
    "payload",
    [
        {"text": "The minister said all was well.", "published": "last Tuesday"},
        {"text": "The minister said all was well.", "colour": "blue"},
    ],
)
def test_json_with_bad_values_is_a_client_error(live: LiveServer, payload: Any) -> None:
    response = post(live, json=payload)
    assert response.status_code in (400, 422), response.text
    key = "published" if "published" in payload else "colour"
    assert key in error_of(response)


def test_malformed_json_is_400(live: LiveServer) -> None:
    response = post(live, b'{"text": "unterminated', {"Content-Type": "application/json"})
    assert response.status_code == 400 and "JSON" in error_of(response)


def test_wrong_content_type_is_415(live: LiveServer) -> None:
    response = post(live, b"<a>x</a>", {"Content-Type": "application/xml"})
    assert response.status_code == 415, response.text


def test_writes_need_the_token(live: LiveServer) -> None:
    text = article_text(1, tag="token").encode()
    for headers in (
        {},
        {"Authorization": "Bearer wrong-token-0123456789"},
        {"Authorization": "Basic eDp5"},
        {"Authorization": f"Bearer {live.token}x"},
        {"Authorization": live.token},
    ):
        response = httpx.post(live.base + "/documents", content=text, headers={**TEXT, **headers}, timeout=30)
        assert response.status_code == 403, (headers, response.status_code)
    assert live.token not in live.log.read_text(errors="replace")


def test_writes_are_off_without_a_configured_token(tmp_path: Any) -> None:
    with live_server(tmp_path / "store", token=None) as server:
        for token in ("", "anything-at-all-0123456789"):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = httpx.post(
                server.base + "/documents", content=b"The minister said so.", headers={**TEXT, **headers}, timeout=30
            )
            assert response.status_code == 403
            response = httpx.post(
                server.sparql,
                content=b"CLEAR ALL",
                headers={"Content-Type": "application/sparql-update", **headers},
                timeout=30,
            )
            assert response.status_code == 403
            assert httpx.delete(server.base + "/documents/x", headers=headers, timeout=30).status_code == 403
        assert httpx.get(server.base + "/health", timeout=30).json()["writes"] is False
        assert "writes are off" in server.log.read_text(errors="replace")  # the admin is told at start
