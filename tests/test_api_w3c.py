"""The W3C SPARQL 1.1 Protocol tests against a live server (runner: tests/w3c_protocol.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from api_live import LiveServer, live_server
from w3c_protocol import (
    INAPPLICABLE,
    SERVICE_DESCRIPTION_TESTS,
    SUITE,
    load_manifest,
    run_service_description_test,
    run_test,
)

pytestmark = [
    pytest.mark.skipif(not SUITE.exists(), reason="../shared/w3c-sparql11-protocol is absent"),
    pytest.mark.slow,
]

TESTS = load_manifest() if SUITE.exists() else []


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("w3c") / "store") as live:
        yield live


def test_manifest_has_34_tests() -> None:
    assert len(TESTS) == 34


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_protocol(server: LiveServer, test) -> None:  # type: ignore[no-untyped-def]
    if test.name in INAPPLICABLE:
        pytest.skip(INAPPLICABLE[test.name])
    with httpx.Client(timeout=30) as client:
        assert run_test(client, server.sparql, server.token, test) == []


@pytest.mark.parametrize("name", SERVICE_DESCRIPTION_TESTS)
def test_service_description(server: LiveServer, name: str) -> None:
    with httpx.Client(timeout=30) as client:
        assert run_service_description_test(client, server.sparql, name) == []


def test_runner_data_path() -> None:
    assert all(Path(file).exists() for t in TESTS for file, _ in t.data)
