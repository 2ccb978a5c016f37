"""Fact-checks in and out as schema.org ClaimReview.

In: ``cpkg import-reviews FILE…`` reads ClaimReview JSON-LD (the markup fact-checkers put on their
pages; ``http://schema.org/`` and ``https://schema.org/`` alike, the schema.org context given by
name, never fetched). Each review is stored in a named graph of its own
(``graph/review/<hash of the review's URL, else of its content>``), so importing it again replaces
it, and is linked (``cpkg:reviewsClaim`` through a ``cpkg:ReviewMatch`` carrying the similarity) to
the stored claims it reviews: claims whose speaker has the name of the reviewed claim's author
(the whole name, or the same surname when one side gives only a surname) and whose content is
similar to ``claimReviewed`` (TF-IDF cosine over content words, as in ``cpkg.clusters``, at least
``MATCH_THRESHOLD``).

Out: ``claimreview_skeletons`` turns stored claims (one article's, or all) into ClaimReview
skeletons a fact-checker's CMS completes: ``claimReviewed``, ``itemReviewed`` a ``Claim`` with its
``author``, ``datePublished``, every ``appearance`` (the articles of the claim's cluster, or its
own) and ``firstAppearance``; the review's own author, rating and URL are left to the checker.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from cpkg.clusters import ClusterSettings, ContentVectors, StoredClaim, read_stored_claims
from cpkg.errors import InputError, NotAClaimReview
from cpkg.namespaces import CPKG, DCTERMS, ID, RDF, XSD
from cpkg.namespaces import SCHEMA as SDO
from cpkg.queries import run_named
from cpkg.store import Store
from rdflib import Graph, Literal, URIRef

SCHEMA_HTTP = "http://schema.org/"
INLINE_SCHEMA_CONTEXT = {"@vocab": str(SDO)}
MATCH_THRESHOLD = 0.3
MAX_REVIEW_BYTES = 5_000_000


@dataclass(frozen=True)
class ClaimReview:
    """One review as read from JSON-LD (None where the markup says nothing)."""

    claim_reviewed: str | None
    claim_author: str | None
    claim_date: str | None
    appearances: tuple[str, ...]
    review_url: str | None
    review_date: str | None
    reviewer: str | None
    rating_value: str | None
    rating_name: str | None
    best_rating: str | None
    worst_rating: str | None

    @property
    def key(self) -> str:
        basis = self.review_url or json.dumps(self.__dict__, sort_keys=True)
        return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:20]

    @property
    def iri(self) -> str:
        return f"{ID}review/{self.key}"

    @property
    def graph(self) -> str:
        return f"{ID}graph/review/{self.key}"


@dataclass(frozen=True)
class ReviewMatch:
    review: ClaimReview
    claim: StoredClaim
    similarity: float


# ---------------------------------------------------------------- reading JSON-LD


def schema_json_ld(data: Any, *, source: str) -> Any:
    """The document with every schema.org context given by name replaced by its vocabulary inline
    (nothing is fetched); any other remote context is refused."""
    if isinstance(data, dict):
        result = {}
        for key, value in data.items():
            result[key] = _context(value, source) if key == "@context" else schema_json_ld(value, source=source)
        return result
    if isinstance(data, list):
        return [schema_json_ld(item, source=source) for item in data]
    return data


def _context(value: Any, source: str) -> Any:
    if isinstance(value, str):
        if value.rstrip("/") + "/" in (SCHEMA_HTTP, str(SDO)):
            return INLINE_SCHEMA_CONTEXT
        raise NotAClaimReview(f"{source}: remote JSON-LD context {value!r} is not fetched; only schema.org's is known")
    if isinstance(value, list):
        return [_context(item, source) for item in value]
    if isinstance(value, dict):
        return {
            k: (str(SDO) if k == "@vocab" and str(v).rstrip("/") + "/" == SCHEMA_HTTP else v) for k, v in value.items()
        }
    return value


def parse_reviews(text: str | bytes, *, source: str = "reviews") -> list[ClaimReview]:
    """The ClaimReviews of a JSON-LD document; a document without one is ``NotAClaimReview``."""
    if len(text) > MAX_REVIEW_BYTES:
        raise InputError(f"{source}: {len(text):,} bytes, over the limit of {MAX_REVIEW_BYTES:,} for a review file")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise NotAClaimReview(f"{source}: not JSON ({error})") from None
    graph = Graph()
    try:
        graph.parse(data=json.dumps(schema_json_ld(data, source=source)), format="json-ld")
    except NotAClaimReview:
        raise
    except Exception as error:  # rdflib's JSON-LD parser raises many kinds
        raise NotAClaimReview(f"{source}: not JSON-LD that can be read ({type(error).__name__}: {error})") from None
    graph = _https_schema(graph)
    reviews = [_review(graph, node, source) for node in sorted(graph.subjects(RDF.type, SDO.ClaimReview), key=str)]
    if not reviews:
        found = sorted({str(t).removeprefix(str(SDO)) for t in graph.objects(None, RDF.type)})
        raise NotAClaimReview(
            f"{source}: no schema.org ClaimReview in this JSON-LD (types found: {', '.join(found) or 'none'})"
        )
    return reviews


def _https_schema(graph: Graph) -> Graph:
    """One spelling of schema.org's terms: ``http://schema.org/X`` becomes ``https://schema.org/X``."""

    def fix(term: Any) -> Any:
        if isinstance(term, URIRef) and str(term).startswith(SCHEMA_HTTP):
            return URIRef(str(SDO) + str(term)[len(SCHEMA_HTTP) :])
        return term

    fixed = Graph()
    for s, p, o in graph:
        fixed.add((fix(s), fix(p), fix(o)))
    return fixed


def _review(graph: Graph, node: Any, source: str) -> ClaimReview:
    def text(subject: Any, *path: URIRef) -> str | None:
        for predicate in path[:-1]:
            subject = graph.value(subject, predicate)
            if subject is None:
                return None
        value = graph.value(subject, path[-1])
        return str(value).strip() or None if value is not None else None

    def name(subject: Any, predicate: URIRef) -> str | None:
        value = graph.value(subject, predicate)
        if value is None:
            return None
        return str(value).strip() or None if isinstance(value, Literal) else text(value, SDO.name)

    item = graph.value(node, SDO.itemReviewed)
    claim_reviewed = text(node, SDO.claimReviewed) or (text(item, SDO.text) if item is not None else None)
    if claim_reviewed is None:
        raise NotAClaimReview(f"{source}: a ClaimReview without claimReviewed or the text of its itemReviewed")
    appearances: list[str] = []
    if item is not None:
        for predicate in (SDO.firstAppearance, SDO.appearance):
            for target in graph.objects(item, predicate):
                url = text(target, SDO.url) if not isinstance(target, Literal) else str(target)
                url = url or (str(target) if isinstance(target, URIRef) else None)
                if url and url not in appearances:
                    appearances.append(url)
    rating = graph.value(node, SDO.reviewRating)
    return ClaimReview(
        claim_reviewed=claim_reviewed,
        claim_author=name(item, SDO.author) if item is not None else None,
        claim_date=text(item, SDO.datePublished) if item is not None else None,
        appearances=tuple(appearances),
        review_url=text(node, SDO.url) or (str(node) if isinstance(node, URIRef) else None),
        review_date=text(node, SDO.datePublished),
        reviewer=name(node, SDO.author),
        rating_value=text(rating, SDO.ratingValue) if rating is not None else None,
        rating_name=text(rating, SDO.alternateName) if rating is not None else None,
        best_rating=text(rating, SDO.bestRating) if rating is not None else None,
        worst_rating=text(rating, SDO.worstRating) if rating is not None else None,
    )


# ---------------------------------------------------------------- linking and storing


def same_person(review_author: str | None, speaker_label: str) -> bool:
    """The reviewed claim's author names the speaker: the whole name, or the same surname with
    the same first name or only one of them given ("Trump", "Donald Trump", "Donald J. Trump")."""
    if not review_author or not speaker_label:
        return False
    a, b = review_author.casefold().split(), speaker_label.casefold().split()
    if a == b:
        return True
    return a[-1] == b[-1] and (len(a) == 1 or len(b) == 1 or a[0] == b[0])


def match_reviews(reviews: Iterable[ClaimReview], claims: list[StoredClaim]) -> list[ReviewMatch]:
    """Each review with the stored claims it reviews (same speaker, similar content)."""
    reviews = list(reviews)
    vectors = ContentVectors([c.text for c in claims] + [r.claim_reviewed or "" for r in reviews], ClusterSettings())
    matches = []
    for offset, review in enumerate(reviews, start=len(claims)):
        for index, claim in enumerate(claims):
            if claim.own_voice or not same_person(review.claim_author, claim.speaker_label):
                continue
            similarity = vectors.cosine(index, offset)
            if similarity >= MATCH_THRESHOLD:
                matches.append(ReviewMatch(review, claim, round(similarity, 3)))
    return matches


def review_quads(review: ClaimReview, matches: Iterable[ReviewMatch], source: str) -> list[ox.Quad]:
    graph = ox.NamedNode(review.graph)
    node = ox.NamedNode(review.iri)
    quads: list[ox.Quad] = []

    def add(subject: ox.NamedNode, predicate: str, value: ox.NamedNode | ox.Literal) -> None:
        quads.append(ox.Quad(subject, ox.NamedNode(predicate), value, graph))

    def text(subject: ox.NamedNode, predicate: str, value: str | None) -> None:
        if value is not None:
            add(subject, predicate, ox.Literal(value))

    schema = str(SDO)
    add(node, str(RDF.type), ox.NamedNode(schema + "ClaimReview"))
    text(node, schema + "claimReviewed", review.claim_reviewed)
    text(node, schema + "url", review.review_url)
    text(node, schema + "datePublished", review.review_date)
    text(node, str(DCTERMS.source), source)
    if review.reviewer:
        reviewer = ox.NamedNode(f"{review.iri}/author")
        add(node, schema + "author", reviewer)
        add(reviewer, str(RDF.type), ox.NamedNode(schema + "Organization"))
        text(reviewer, schema + "name", review.reviewer)
    rating = ox.NamedNode(f"{review.iri}/rating")
    add(node, schema + "reviewRating", rating)
    add(rating, str(RDF.type), ox.NamedNode(schema + "Rating"))
    for predicate, value in (
        ("ratingValue", review.rating_value),
        ("alternateName", review.rating_name),
        ("bestRating", review.best_rating),
        ("worstRating", review.worst_rating),
    ):
        text(rating, schema + predicate, value)
    item = ox.NamedNode(f"{review.iri}/claim")
    add(node, schema + "itemReviewed", item)
    add(item, str(RDF.type), ox.NamedNode(schema + "Claim"))
    text(item, schema + "text", review.claim_reviewed)
    text(item, schema + "datePublished", review.claim_date)
    if review.claim_author:
        author = ox.NamedNode(f"{review.iri}/claim/author")
        add(item, schema + "author", author)
        text(author, schema + "name", review.claim_author)
    for url in review.appearances:
        text(item, schema + "appearance", url)
    for index, match in enumerate(matches, start=1):
        link = ox.NamedNode(f"{review.iri}/match/{index}")
        add(node, CPKG + "reviewsClaim", ox.NamedNode(match.claim.claim))
        add(link, str(RDF.type), ox.NamedNode(CPKG + "ReviewMatch"))
        add(link, CPKG + "review", node)
        add(link, CPKG + "matchedClaim", ox.NamedNode(match.claim.claim))
        add(link, CPKG + "similarity", ox.Literal(f"{match.similarity:.3f}", datatype=ox.NamedNode(XSD + "decimal")))
    return quads


def replace_review_update(review: ClaimReview, quads: list[ox.Quad]) -> str:
    graph = ox.NamedNode(review.graph)
    lines = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
    return f"DROP SILENT GRAPH {graph} ;\nINSERT DATA {{ GRAPH {graph} {{\n{lines}\n}} }}"


def import_reviews(store: Store, reviews: list[ClaimReview], source: str) -> list[ReviewMatch]:
    """Store each review in its own graph, linked to the claims it reviews; returns the links."""
    claims = read_stored_claims(store)
    matches = match_reviews(reviews, claims)
    for review in reviews:
        own = [m for m in matches if m.review is review]
        store.update(replace_review_update(review, review_quads(review, own, source)))
    return matches


# ---------------------------------------------------------------- ClaimReview skeletons


def claimreview_skeletons(store: Store, *, article: str | None = None) -> Iterator[dict[str, Any]]:
    """A ClaimReview skeleton per attributed claim (of one article, or of all), its cluster's
    articles as appearances; the review's author, rating and URL are left for the fact-checker."""
    articles = {row["article"]: row for row in run_named(store, "claimreview_articles").records()}
    claims = [c for c in read_stored_claims(store) if not c.own_voice and c.speaker is not None]
    clusters: dict[str, list[str]] = {}
    for row in run_named(store, "claim_clusters").records():
        clusters.setdefault(str(row["cluster"]), []).append(str(row["member"]))
    cluster_of = {member: members for members in clusters.values() for member in members}
    by_iri = {c.claim: c for c in claims}
    for claim in claims:
        if article is not None and claim.article_id != article:
            continue
        group = [by_iri[m] for m in cluster_of.get(claim.claim, [claim.claim]) if m in by_iri] or [claim]
        ordered = sorted(group, key=lambda c: (c.date is None, c.date or dt.date.min, c.article_id))
        item: dict[str, Any] = {
            "@type": "Claim",
            "author": {"@type": _agent_type(claim), "name": claim.speaker_label},
            "appearance": [_appearance(articles[c.article]) for c in ordered],
            "firstAppearance": _appearance(articles[ordered[0].article]),
        }
        if ordered[0].date is not None:
            item["datePublished"] = ordered[0].date.isoformat()
        yield {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "claimReviewed": claim.text,
            "itemReviewed": item,
            "identifier": claim.claim,
        }


def _agent_type(claim: StoredClaim) -> str:
    return "Person" if claim.speaker_kind == "person" else "Organization"


def _appearance(row: dict[str, Any]) -> dict[str, Any]:
    work: dict[str, Any] = {"@type": "NewsArticle", "@id": row["article"]}
    for key, name in (("url", "url"), ("title", "headline"), ("published", "datePublished")):
        if row.get(key):
            work[name] = str(row[key])
    if row.get("publisher"):
        work["publisher"] = {"@type": "Organization", "name": row["publisher"]}
    return work


def claimreview_chunks(store: Store, *, article: str | None = None) -> Iterator[bytes]:
    """The skeletons as one JSON-LD document (a list of ClaimReviews), written piece by piece."""
    yield b"[\n"
    for index, skeleton in enumerate(claimreview_skeletons(store, article=article)):
        yield (b",\n" if index else b"") + json.dumps(skeleton, ensure_ascii=False, indent=1).encode("utf-8")
    yield b"\n]\n"
