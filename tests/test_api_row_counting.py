"""The row counter that enforces the row limit on pyoxigraph's own serializations (api/results.py).

Results with awkward literals are serialized by pyoxigraph and fed to the counter in random
chunks: it must never count more rows than there are, must stop past the limit, and its truncated
body must be exactly the first ``limit`` rows.
"""

from __future__ import annotations

import random

import pyoxigraph as ox
import pytest
from cpkg.api import results

AWKWARD = ["{}", "a,{}", "x\ny", "{", "}", ',{"o":{', '[{"o":{', "<result>", "plain", "é{}\r\n", '"', "\\", "<"]
QUERIES = [
    "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s",
    "SELECT ?z ?o WHERE { ?s ?p ?o OPTIONAL { FILTER(STRLEN(STR(?o)) < 3) BIND(?o AS ?z) } } ORDER BY ?s",
    "SELECT ?z WHERE { ?s ?p ?o OPTIONAL { FILTER(STRLEN(STR(?o)) < 3) BIND(?o AS ?z) } } ORDER BY ?s",
    "SELECT ?o WHERE { ?s ?p ?o FILTER(isIRI(?o)) } ORDER BY ?s",
]
FORMATS = [ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML, ox.QueryResultsFormat.TSV]


@pytest.fixture(scope="module")
def store() -> ox.Store:
    rng = random.Random(2)
    store = ox.Store()
    for i in range(600):
        obj = (
            ox.Literal(rng.choice(AWKWARD) * rng.randrange(1, 4))
            if rng.random() < 0.5
            else ox.NamedNode(f"http://e/o{i}")
        )
        store.add(ox.Quad(ox.NamedNode(f"http://e/s{i}"), ox.NamedNode("http://e/p"), obj))
    return store


def _rows(body: bytes, fmt: ox.QueryResultsFormat) -> list[list[str]]:
    return [[str(term) for term in solution] for solution in ox.parse_query_results(body, format=fmt)]


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
@pytest.mark.parametrize("query", QUERIES)
def test_counter_agrees_with_a_parser_for_any_chunking(store, query, fmt):
    rng = random.Random(7)
    body = store.query(query).serialize(format=fmt)
    expected = _rows(body, fmt)
    variables = [v.value for v in store.query(query).variables]
    count = len(expected)
    for limit in sorted({1, 7, 100, count // 2, count - 1, count, count + 1, 2 * count} - {0}):
        for _ in range(3):
            counter = results.RowCounter(results.row_marks(fmt, variables), limit)
            stopped, position = False, 0
            while position < len(body):
                size = rng.choice([1, 2, 3, 7, 100, 8192])
                try:
                    counter.write(body[position : position + size])
                except results.RowLimitReached:
                    stopped = True
                    break
                position += size
            if not stopped:
                assert count <= limit
                assert bytes(counter.buffer) == body
                continue
            assert counter.sure <= count
            if counter.sure > limit:
                assert count > limit
                if not counter.maybe:
                    assert _rows(counter.truncated(), fmt) == expected[:limit]
