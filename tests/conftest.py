"""Fixtures shared across the test modules, and the markers that select them.

Markers (registered in pyproject.toml) are set here from what a test uses, so a module cannot
forget them: ``live`` for a test of a running ``cpkg serve`` process, ``browser`` for one that
drives Chromium, ``virtuoso`` for one that needs a Virtuoso server. ``slow`` is set by hand on
the few tests that take tens of seconds. ``pytest -m "not slow and not browser"`` is the fast
inner loop.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import virtuoso


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = getattr(item, "module", None)
        names = set(vars(module)) if module is not None else set()
        if "live_server" in names:
            item.add_marker(pytest.mark.live)
        if "chromium" in names:
            item.add_marker(pytest.mark.browser)
        if "virtuoso_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.virtuoso)


@pytest.fixture(scope="session")
def virtuoso_server() -> Iterator[virtuoso.VirtuosoServer]:
    """One throwaway Virtuoso for the session (skips, with the reason, when none is installed)."""
    with virtuoso.running(max_rows=10_000) as server:
        yield server
