"""Runner for the W3C SPARQL 1.1 Protocol tests in ../shared/w3c-sparql11-protocol/.

Reads `manifest.ttl` (34 protocol tests) and `service-description-manifest.ttl` (3 tests),
loads each test's `ut:graphData` under the graph IRI in its `rdfs:label` (after clearing the
store), sends each `ht:Request` in order with its method, headers and body encoded in its
`cnt:characterEncoding`, rewriting `/sparql/` to the endpoint, and checks `mf:expectedStatus`,
`mf:expectedFormat` and `mf:expectedBoolean`. Every request carries the admin token, so the
update tests exercise the protocol rather than the access check.

Run it against any server: `python tests/w3c_protocol.py http://127.0.0.1:8000/sparql TOKEN`.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pyoxigraph as ox
from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib.collection import Collection

SUITE = Path(__file__).resolve().parent.parent.parent / "shared" / "w3c-sparql11-protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"

BOOLEAN_TYPES = {
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "application/json",
    "application/xml",
}
TABULAR_TYPES = BOOLEAN_TYPES | {"text/csv", "text/tab-separated-values"}
RDF_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}

# Tests judged inapplicable, with the reason (also in docs/w3c-protocol.md). None so far.
INAPPLICABLE: dict[str, str] = {}


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: list[int]  # accepted status classes: 2, 3, 4, 5
    expected_format: str | None
    expected_boolean: bool | None


@dataclass
class ProtocolTest:
    name: str
    title: str
    data: list[tuple[Path, str]] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)


def load_manifest(suite: Path = SUITE) -> list[ProtocolTest]:
    graph = Graph()
    manifest = suite / "manifest.ttl"
    graph.parse(manifest, format="turtle", publicID=manifest.as_uri())
    root = next(graph.subjects(RDF.type, MF.Manifest))
    entries = Collection(graph, graph.value(root, MF.entries))
    tests: list[ProtocolTest] = []
    for entry in entries:
        test = ProtocolTest(str(entry).rsplit("#", 1)[-1], str(graph.value(entry, MF.name)))
        for data in graph.objects(entry, UT.graphData):
            file = Path(str(graph.value(data, UT.graph)).removeprefix("file://"))
            test.data.append((file, str(graph.value(data, RDFS.label))))
        action = graph.value(entry, MF.action)
        for node in Collection(graph, graph.value(action, HT.requests)):
            headers: dict[str, str] = {}
            header_list = graph.value(node, HT.headers)
            if header_list is not None:
                for header in Collection(graph, header_list):
                    headers[str(graph.value(header, HT.fieldName))] = str(graph.value(header, HT.fieldValue))
            body = None
            body_node = graph.value(node, HT.body)
            if body_node is not None:
                encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = str(graph.value(body_node, CNT.chars)).encode(encoding)
            response = graph.value(node, HT.resp)
            statuses = sorted(
                int(str(code).rsplit("StatusCode", 1)[-1][0]) for code in graph.objects(response, MF.expectedStatus)
            )
            expected_format = graph.value(response, MF.expectedFormat)
            expected_boolean = graph.value(response, MF.expectedBoolean)
            test.requests.append(
                Request(
                    method=str(graph.value(node, HT.methodName)),
                    path=str(graph.value(node, HT.absolutePath)),
                    headers=headers,
                    body=body,
                    statuses=statuses,
                    expected_format=str(expected_format) if expected_format is not None else None,
                    expected_boolean=expected_boolean.toPython() if expected_boolean is not None else None,
                )
            )
        tests.append(test)
    return tests


def load_data(client: httpx.Client, endpoint: str, token: str, test: ProtocolTest) -> None:
    """Empty the store, then load the test's data files into their named graphs."""
    parts = ["CLEAR ALL"]
    for file, graph_iri in test.data:
        triples = " ".join(f"{t} ." for t in ox.parse(path=str(file), format=ox.RdfFormat.N_TRIPLES))
        parts.append(f"INSERT DATA {{ GRAPH {ox.NamedNode(graph_iri)} {{ {triples} }} }}")
    response = client.post(
        endpoint,
        content=" ;\n".join(parts).encode(),
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {token}"},
    )
    if response.status_code // 100 != 2:
        raise AssertionError(f"loading data failed: {response.status_code} {response.text}")


def check_format(response: httpx.Response, request: Request) -> str | None:
    """None when the response has the expected format (and boolean), else the problem."""
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    wanted = request.expected_format
    if wanted == "boolean" or request.expected_boolean is not None:
        if media not in BOOLEAN_TYPES:
            return f"boolean result expected, got {media!r}"
        if media.endswith("json"):
            value = json.loads(response.content).get("boolean")
        else:
            element = ElementTree.fromstring(response.content).find(f"{RESULTS_NS}boolean")
            value = None if element is None else (element.text or "").strip() == "true"
        if not isinstance(value, bool):
            return "no boolean in the result"
        if request.expected_boolean is not None and value != request.expected_boolean:
            return f"expected boolean {request.expected_boolean}, got {value}"
    elif wanted == "tabular":
        if media not in TABULAR_TYPES:
            return f"tabular result expected, got {media!r}"
        if media.endswith("json") and "results" not in json.loads(response.content):
            return "JSON result without 'results'"
    elif wanted == "RDF":
        if media not in RDF_TYPES:
            return f"RDF expected, got {media!r}"
        try:
            list(ox.parse(response.content, format=RDF_TYPES[media]))
        except SyntaxError as error:
            return f"RDF does not parse: {error}"
    return None


def run_test(client: httpx.Client, endpoint: str, token: str, test: ProtocolTest) -> list[str]:
    """Run one test; the list of failures (empty when it passes)."""
    load_data(client, endpoint, token, test)
    failures: list[str] = []
    for index, request in enumerate(test.requests):
        path = request.path.removeprefix("/sparql/")
        url = endpoint + (path if path.startswith("?") or not path else "/" + path)
        headers = {"Authorization": f"Bearer {token}", **request.headers}
        response = client.request(request.method, url, content=request.body, headers=headers)
        if response.status_code // 100 not in request.statuses:
            failures.append(
                f"request {index}: status {response.status_code} not in {request.statuses}xx: {response.text[:300]}"
            )
            continue
        if response.status_code // 100 == 2 and (problem := check_format(response, request)):
            failures.append(f"request {index}: {problem}")
    return failures


SERVICE_DESCRIPTION_TESTS = ["has-endpoint-triple", "returns-rdf", "conforms-to-schema"]
SD_LANGUAGES = {SD.SPARQL10Query, SD.SPARQL11Query, SD.SPARQL11Update}


def run_service_description_test(client: httpx.Client, endpoint: str, name: str) -> list[str]:
    response = client.get(endpoint, headers={"Accept": "text/turtle, application/rdf+xml;q=0.9"})
    if response.status_code != 200:
        return [f"GET {endpoint}: {response.status_code}"]
    media = response.headers.get("content-type", "").split(";")[0].strip()
    if media not in ("text/turtle", "application/rdf+xml"):
        return [f"not RDF: {media}"]
    graph = Graph()
    try:
        graph.parse(data=response.content, format="turtle" if media == "text/turtle" else "xml")
    except Exception as error:  # any parser failure is a test failure
        return [f"service description does not parse: {error}"]
    if name == "returns-rdf":
        return [] if len(graph) else ["empty service description"]
    services = list(graph.subjects(RDF.type, SD.Service))
    if name == "has-endpoint-triple":
        found = any((s, SD.endpoint, URIRef(endpoint)) in graph for s in services)
        return [] if found else [f"no sd:endpoint <{endpoint}>"]
    problems: list[str] = []
    if len(services) != 1:
        problems.append(f"{len(services)} sd:Service nodes")
    for service in services:
        if not isinstance(graph.value(service, SD.endpoint), URIRef):
            problems.append("sd:endpoint missing or not an IRI")
        languages = set(graph.objects(service, SD.supportedLanguage))
        if not languages or not languages <= SD_LANGUAGES:
            problems.append(f"sd:supportedLanguage values {languages}")
        for fmt in graph.objects(service, SD.resultFormat):
            if not isinstance(fmt, URIRef):
                problems.append(f"sd:resultFormat {fmt!r} is not an IRI")
        for dataset in graph.objects(service, SD.defaultDataset):
            if (dataset, RDF.type, SD.Dataset) not in graph:
                problems.append("sd:defaultDataset is not an sd:Dataset")
    return problems


def main(argv: list[str]) -> int:
    endpoint, token = argv[1].rstrip("/"), argv[2]
    tests = load_manifest()
    passed = 0
    with httpx.Client(timeout=30) as client:
        for test in tests:
            if test.name in INAPPLICABLE:
                print(f"SKIP {test.name}: {INAPPLICABLE[test.name]}")
                continue
            failures = run_test(client, endpoint, token, test)
            passed += not failures
            print(("PASS " if not failures else "FAIL ") + test.name, *failures, sep="\n  ")
        for name in SERVICE_DESCRIPTION_TESTS:
            failures = run_service_description_test(client, endpoint, name)
            passed += not failures
            print(("PASS " if not failures else "FAIL ") + name, *failures, sep="\n  ")
    total = len(tests) - len(INAPPLICABLE) + len(SERVICE_DESCRIPTION_TESTS)
    print(f"{passed}/{total} applicable tests passed")
    return 0 if passed == total else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
