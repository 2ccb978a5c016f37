"""The same claim across articles: stored claims that state the same thing, grouped into clusters.

Two claims from different articles are linked when
- their speakers are compatible: the same agent, names that agree (one is the other's surname),
  or, for statements in an article's own voice, both in an outlet's own voice;
- their figures do not contradict each other: figures with the same measure, or the same unit
  when neither has a measure, must have intervals that meet ("more than 9,000" and "9,061" do,
  "9,061" and "8,500" do not); a shared compatible figure counts as evidence;
- they were said or published within a date window of each other;
- their contents are similar: the cosine of TF-IDF vectors of content words (lower-cased, numbers
  without separators, plural and verb endings folded), with the IDF of the stored claims.

Lexical rather than sentence embeddings: on the hand-labelled PolNeAR dev pairs
(``bench/data/polnear_dev_claim_pairs.json``) the shipped attribution encoder's mean-pooled states
were no better at separating same from different claims, and cost a minute on 2,300 claims, more
than ingesting the articles allows (``bench/bench_clusters.py`` measures both).

Clusters grow from the most similar pair down, and two clusters merge only if every claim of one
is compatible (speaker, figures, dates) with every claim of the other, so a chain of loosely
similar claims cannot join incompatible ones. Clusters live in one named graph
(``CLUSTERS_GRAPH``), replaced whole by each run of ``cpkg cluster``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from urllib.parse import urlsplit

import numpy as np
import pyoxigraph as ox
from cpkg.namespaces import CPKG, ID, PROV, RDF, XSD
from cpkg.queries import run_named
from cpkg.store import Store
from cpkg.store.rows import Value

CLUSTERS_GRAPH = ID + "graph/clusters"
RDF_TYPE = str(RDF.type)

_WORD = re.compile(r"[^\W_]+(?:[.,'’][^\W_]+)*")
_NUMBER = re.compile(r"\d[\d,.]*")


@dataclass(frozen=True)
class Figure:
    """A figure of a claim; ``qualifier`` and ``measure`` are the local names of cpkg's concepts."""

    value: float
    qualifier: str
    upper: float | None = None
    measure: str | None = None
    unit: str | None = None

    def interval(self) -> tuple[float, float]:
        """The values the figure allows: "more than 9,000" is (9000, inf), "about 100" 90..110."""
        v = self.value
        match self.qualifier:
            case "MoreThan" | "AtLeast":
                return (v, math.inf)
            case "LessThan" | "AtMost" | "UpTo":
                return (0.0, v)
            case "Approximately":
                return (v * 0.9, v * 1.1)
            case "Range":
                return (v, self.upper if self.upper is not None else v)
            case _:
                # Reported figures are rounded differently ("$916 million", "$915.7 million").
                return (v * 0.995, v * 1.005)

    def comparable(self, other: Figure) -> bool:
        """Whether both count the same thing: the same measure, or the same unit where neither has one."""
        if self.measure or other.measure:
            return self.measure == other.measure
        return self.unit is not None and self.unit == other.unit

    def agrees(self, other: Figure) -> bool:
        low, high = self.interval()
        other_low, other_high = other.interval()
        return low <= other_high and other_low <= high


@dataclass(frozen=True)
class StoredClaim:
    """A stored claim as clustering sees it (read by the named query ``cluster_claims``)."""

    claim: str
    article: str
    article_id: str
    outlet: str
    """The publisher's IRI, else the host of the article's URL, else the article itself."""
    outlet_label: str
    date: dt.date | None
    """When the claim was said, else when the article was published."""
    speaker: str | None
    speaker_label: str
    speaker_kind: str
    """person, organization, country, group, … ("" when unknown)."""
    own_voice: bool
    """A statement in the article's own voice (attributed to the publisher or the article)."""
    text: str
    start: int
    end: int
    """The content's offsets in the article's text."""
    unconfirmed: bool
    hedged: bool
    figures: tuple[Figure, ...] = ()


@dataclass(frozen=True)
class ClusterSettings:
    threshold: float = 0.2
    """Least content similarity (cosine) of a linked pair of claims by one speaker."""
    own_voice_threshold: float = 0.45
    """Least similarity of statements in two outlets' own voices: that two newsrooms write about
    the same thing is weaker evidence than one speaker saying it twice."""
    figure_bonus: float = 0.15
    """Added to the similarity of a pair that shares a compatible figure."""
    window_days: int = 30
    min_words: int = 3
    """Least content words of a clustered claim ("Trump", "taxes" say nothing by themselves)."""
    min_shared_words: int = 2
    """Least words a linked pair shares (one word in common is a topic, not a claim)."""
    cohesion: float = 0.1
    """Least similarity of any two claims of a cluster: growing from its most similar pairs, a
    cluster must not chain through loosely similar claims to unrelated ones."""
    max_document_share: float = 0.05
    """Words in more than this share of the claims do not propose candidate pairs (they still count)."""


@dataclass(frozen=True)
class Cluster:
    id: str
    members: tuple[StoredClaim, ...]
    first: StoredClaim
    """The earliest report (by date, then article id); undated claims come last."""
    outlets: tuple[str, ...]
    unconfirmed: tuple[StoredClaim, ...]
    hedged: tuple[StoredClaim, ...]
    links: tuple[tuple[str, str, float], ...] = field(default=(), compare=False)
    """The linked pairs (claim IRIs) and their similarity, for reports."""


# ---------------------------------------------------------------- reading the store


def _text(value: Value) -> str:
    """A row's value as text: the value itself when it is text (an IRI stays an IRI)."""
    return value if isinstance(value, str) else str(value)


def _optional_text(value: Value | None) -> str | None:
    """A row's value as text; None when it is unbound or empty."""
    return _text(value) if value else None


def read_stored_claims(store: Store) -> list[StoredClaim]:
    figures: dict[str, list[Figure]] = defaultdict(list)
    for row in run_named(store, "cluster_figures"):
        figures[_text(row["claim"])].append(
            Figure(
                value=float(row["value"]),
                qualifier=_optional_text(row.get("qualifier")) or "Exact",
                upper=float(row["upper"]) if row.get("upper") not in (None, "") else None,
                measure=_optional_text(row.get("measure")),
                unit=_optional_text(row.get("unit")),
            )
        )
    claims = []
    for row in run_named(store, "cluster_claims"):
        said, published = row.get("saidOn"), row.get("published")
        when = said or published
        host = _host(_optional_text(row.get("url")))
        claims.append(
            StoredClaim(
                claim=_text(row["claim"]),
                article=_text(row["article"]),
                article_id=_text(row["articleId"]),
                outlet=_optional_text(row.get("publisher")) or host or _text(row["article"]),
                outlet_label=_optional_text(row.get("publisherLabel")) or host or _text(row["articleId"]),
                date=dt.date.fromisoformat(str(when)[:10]) if when else None,
                speaker=_optional_text(row.get("speaker")),
                speaker_label=_optional_text(row.get("speakerLabel")) or "",
                speaker_kind=_optional_text(row.get("speakerKind")) or "",
                own_voice=row.get("attributed") in (False, "false"),
                text=_text(row["text"]),
                start=int(row["start"]),
                end=int(row["end"]),
                unconfirmed=row.get("verification") == "NotIndependentlyConfirmed",
                hedged=row.get("certainty") == "Hedged",
                figures=tuple(figures.get(_text(row["claim"]), ())),
            )
        )
    return claims


def _host(url: str | None) -> str | None:
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else None


# ---------------------------------------------------------------- similarity


@cache
def stopwords() -> frozenset[str]:
    lines = files("cpkg.resources").joinpath("cluster_stopwords.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def content_words(text: str) -> list[str]:
    words = []
    for raw in _WORD.findall(text.casefold()):
        if _NUMBER.fullmatch(raw):
            words.append(raw.replace(",", "").rstrip("."))
            continue
        word = raw.replace("’", "'").removesuffix("'s").replace(".", "")
        if word in stopwords() or len(word) < 2:
            continue
        words.append(_fold(word))
    return words


def _fold(word: str) -> str:
    """Plural and verb endings folded, the same way for every word ("taxes" and "tax", "paid" stays)."""
    for suffix, replacement, shortest in (("ies", "y", 5), ("es", "", 5), ("s", "", 4), ("ing", "", 6), ("ed", "", 5)):
        if word.endswith(suffix) and len(word) >= shortest and not word.endswith("ss"):
            return word[: -len(suffix)] + replacement
    return word


class ContentVectors:
    """Unit TF-IDF vectors of the claims' contents over the words that say something: neither stop
    words nor words in more than ``max_document_share`` of the claims (their IDF is near nothing,
    and leaving them out keeps the pairs to score few)."""

    def __init__(self, texts: Sequence[str], settings: ClusterSettings) -> None:
        words = [content_words(t) for t in texts]
        frequency = Counter(w for ws in words for w in set(ws))
        total = max(len(texts), 1)
        # In a small store every word is frequent: the share applies beyond a few dozen claims.
        limit = max(20, int(settings.max_document_share * total))
        self.sizes = [len(set(ws)) for ws in words]
        self.vectors: list[dict[str, float]] = []
        for ws in words:
            counts = Counter(w for w in ws if frequency[w] <= limit)
            weights = {w: (1 + math.log(n)) * math.log(1 + total / frequency[w]) for w, n in counts.items()}
            norm = math.sqrt(sum(x * x for x in weights.values())) or 1.0
            self.vectors.append({w: x / norm for w, x in weights.items()})

    def cosine(self, i: int, j: int) -> float:
        a, b = self.vectors[i], self.vectors[j]
        if len(a) > len(b):
            a, b = b, a
        return sum(x * b.get(w, 0.0) for w, x in a.items())

    def similar_pairs(self, block: Sequence[int], least: float, shared: int) -> Iterator[tuple[int, int, float]]:
        """The pairs (i < j) of the block that share ``shared`` words or more and whose cosine is at
        least ``least``: the products of the weights of every shared word, summed per pair (a
        sparse product, in numpy)."""
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i in sorted(block):
            for word, weight in self.vectors[i].items():
                postings[word].append((i, weight))
        size = len(self.vectors)
        keys, products = [], []
        for entries in postings.values():
            if len(entries) < 2:
                continue
            index = np.fromiter((i for i, _ in entries), dtype=np.int64, count=len(entries))
            weights = np.fromiter((w for _, w in entries), dtype=np.float64, count=len(entries))
            first, second = np.triu_indices(len(entries), 1)
            keys.append(index[first] * size + index[second])
            products.append(weights[first] * weights[second])
        if not keys:
            return
        pair_keys, where = np.unique(np.concatenate(keys), return_inverse=True)
        sums = np.bincount(where, weights=np.concatenate(products))
        kept = (sums >= least) & (np.bincount(where) >= shared)
        for key, total in zip(pair_keys[kept].tolist(), sums[kept].tolist(), strict=True):
            yield key // size, key % size, total


def speaker_block(claim: StoredClaim) -> str | None:
    """Claims that may share a speaker share a block: the speaker's last name, or the own voice of
    outlets; a claim without a resolved speaker is in none."""
    if claim.own_voice:
        return "own voice"
    if claim.speaker is None:
        return None
    names = claim.speaker_label.casefold().split()
    return names[-1] if names else claim.speaker


def speakers_agree(a: StoredClaim, b: StoredClaim) -> bool:
    if a.own_voice or b.own_voice:
        return a.own_voice and b.own_voice
    if a.speaker is None or b.speaker is None:
        return False
    if a.speaker == b.speaker:
        return True
    # Agents not (yet) merged across articles: "Clinton" and "Hillary Clinton".
    names_a, names_b = a.speaker_label.casefold().split(), b.speaker_label.casefold().split()
    return bool(names_a and names_b) and names_a[-1] == names_b[-1] and (len(names_a) == 1 or len(names_b) == 1)


def figures_agree(a: StoredClaim, b: StoredClaim) -> tuple[bool, bool]:
    """(no comparable figures contradict each other, some comparable figures agree)."""
    shared = False
    for fa in a.figures:
        comparable = [fb for fb in b.figures if fa.comparable(fb)]
        if comparable and not any(fa.agrees(fb) for fb in comparable):
            return False, False
        shared = shared or bool(comparable)
    return True, shared


def dates_agree(a: StoredClaim, b: StoredClaim, settings: ClusterSettings) -> bool:
    return a.date is None or b.date is None or abs((a.date - b.date).days) <= settings.window_days


def compatible(a: StoredClaim, b: StoredClaim, settings: ClusterSettings) -> bool:
    return speakers_agree(a, b) and figures_agree(a, b)[0] and dates_agree(a, b, settings)


def linked_pairs(
    claims: Sequence[StoredClaim], settings: ClusterSettings, vectors: ContentVectors
) -> list[tuple[int, int, float]]:
    """Pairs of claims from different articles that state the same thing, with their score."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, claim in enumerate(claims):
        block = speaker_block(claim)
        if block is not None and vectors.sizes[index] >= settings.min_words:
            blocks[block].append(index)
    pairs = []
    for members in blocks.values():
        for i, j, similarity in vectors.similar_pairs(
            members, settings.threshold - settings.figure_bonus, settings.min_shared_words
        ):
            a, b = claims[i], claims[j]
            if a.article == b.article or not compatible(a, b, settings):
                continue
            score = similarity + (settings.figure_bonus if figures_agree(a, b)[1] else 0.0)
            if score >= (settings.own_voice_threshold if a.own_voice else settings.threshold):
                pairs.append((i, j, score))
    return sorted(pairs, key=lambda p: (-p[2], p[0], p[1]))


def cluster_claims(claims: Sequence[StoredClaim], settings: ClusterSettings | None = None) -> list[Cluster]:
    settings = settings or ClusterSettings()
    group_of = list(range(len(claims)))
    groups: dict[int, list[int]] = {i: [i] for i in range(len(claims))}
    links: dict[int, list[tuple[int, int, float]]] = defaultdict(list)
    vectors = ContentVectors([c.text for c in claims], settings)
    for i, j, score in linked_pairs(claims, settings, vectors):
        gi, gj = group_of[i], group_of[j]
        if gi != gj:
            together = all(
                compatible(claims[x], claims[y], settings) and vectors.cosine(x, y) >= settings.cohesion
                for x in groups[gi]
                for y in groups[gj]
            )
            if not together:
                continue
            keep, gone = (gi, gj) if len(groups[gi]) >= len(groups[gj]) else (gj, gi)
            for member in groups.pop(gone):
                group_of[member] = keep
                groups[keep].append(member)
            links[keep].extend(links.pop(gone, []))
        links[group_of[i]].append((i, j, score))
    clusters = [_cluster([claims[m] for m in members], links[g], claims) for g, members in groups.items()]
    return sorted((c for c in clusters if len(c.members) > 1), key=lambda c: (c.first.date or dt.date.max, c.id))


def _cluster(members: list[StoredClaim], links: list[tuple[int, int, float]], claims: Sequence[StoredClaim]) -> Cluster:
    ordered = sorted(members, key=lambda c: (c.date is None, c.date or dt.date.min, c.article_id, c.claim))
    first = ordered[0]
    digest = hashlib.sha256(min(c.claim for c in members).encode()).hexdigest()[:16]
    return Cluster(
        id=f"{ID}cluster/{digest}",
        members=tuple(ordered),
        first=first,
        outlets=tuple(sorted({c.outlet for c in members})),
        unconfirmed=tuple(c for c in ordered if c.unconfirmed),
        hedged=tuple(c for c in ordered if c.hedged),
        links=tuple((claims[i].claim, claims[j].claim, round(s, 3)) for i, j, s in links),
    )


# ---------------------------------------------------------------- writing the clusters graph


def cluster_quads(clusters: Iterable[Cluster], generated_at: dt.datetime) -> list[ox.Quad]:
    graph = ox.NamedNode(CLUSTERS_GRAPH)
    activity = ox.NamedNode(f"{ID}activity/clustering")
    quads: list[ox.Quad] = []

    def add(subject: ox.NamedNode, predicate: str, value: ox.NamedNode | ox.Literal) -> None:
        quads.append(ox.Quad(subject, ox.NamedNode(predicate), value, graph))

    def literal(value: object, datatype: str) -> ox.Literal:
        return ox.Literal(
            str(value).lower() if isinstance(value, bool) else str(value), datatype=ox.NamedNode(datatype)
        )

    add(activity, RDF_TYPE, ox.NamedNode(PROV + "Activity"))
    add(activity, PROV + "endedAtTime", literal(generated_at.isoformat(), XSD + "dateTime"))
    for cluster in clusters:
        node = ox.NamedNode(cluster.id)
        add(node, RDF_TYPE, ox.NamedNode(CPKG + "ClaimCluster"))
        add(node, PROV + "wasGeneratedBy", activity)
        for member in cluster.members:
            add(node, CPKG + "member", ox.NamedNode(member.claim))
        add(node, CPKG + "firstReport", ox.NamedNode(cluster.first.claim))
        add(node, CPKG + "firstReportedIn", ox.NamedNode(cluster.first.article))
        if cluster.first.date is not None:
            add(node, CPKG + "firstReportedOn", literal(cluster.first.date.isoformat(), XSD + "date"))
        add(node, CPKG + "memberCount", literal(len(cluster.members), XSD + "integer"))
        add(node, CPKG + "outletCount", literal(len(cluster.outlets), XSD + "integer"))
        add(node, CPKG + "anyUnconfirmed", literal(bool(cluster.unconfirmed), XSD + "boolean"))
        add(node, CPKG + "anyHedged", literal(bool(cluster.hedged), XSD + "boolean"))
    return quads


def replace_clusters_update(quads: Sequence[ox.Quad]) -> str:
    """The update that replaces the clusters graph with these quads, in one request."""
    graph = ox.NamedNode(CLUSTERS_GRAPH)
    lines = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
    insert = f"INSERT DATA {{ GRAPH {graph} {{\n{lines}\n}} }}" if quads else ""
    return f"DROP SILENT GRAPH {graph}" + (f" ;\n{insert}" if insert else "")


def recompute_clusters(store: Store, settings: ClusterSettings | None = None) -> list[Cluster]:
    """Cluster every stored claim and replace the clusters graph; returns the clusters."""
    clusters = cluster_claims(read_stored_claims(store), settings)
    store.update(replace_clusters_update(cluster_quads(clusters, dt.datetime.now(dt.UTC).replace(microsecond=0))))
    return clusters
