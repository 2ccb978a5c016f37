"""The same claim across articles: stored claims that state the same thing, grouped into clusters.

Two claims from different articles are linked when
- their speakers may be the same (:func:`speaker_link`): one named agent (the same agent, or names
  that agree: one is the other's surname); two outlets' own voices; or a speaker that is unknown on
  one side at least: unresolved, anonymous ("sources"), a document ("a report"), or a quotation
  left in an outlet's own voice, which is someone's words. An outlet's own sentence links only to
  another outlet's, and two different names never link;
- their figures do not contradict each other: figures with the same measure, or the same unit
  when neither has a measure, must have intervals that meet ("more than 9,000" and "9,061" do,
  "9,061" and "8,500" do not); a shared figure that agrees (also one whose measure was not found,
  of the same unit) adds ``figure_bonus`` to the similarity;
- they were said or published within a date window of each other;
- their contents are similar: the cosine of TF-IDF vectors of content words (lower-cased, numbers
  without separators, plural and verb endings folded), with the IDF of the stored claims, sharing
  two words at least; the least similarity grows as the speaker evidence weakens (one named
  speaker ``threshold``, two outlets ``own_voice_threshold``, an unknown speaker
  ``unknown_threshold`` with ``unknown_min_words`` on each side).

The settings were picked on one half of the hand-labelled PolNeAR dev pairs
(``bench/data/polnear_dev_claim_pairs.json``) and measured on the other (``bench/bench_clusters.py
--tune``). Lexical rather than sentence embeddings: on those pairs the shipped attribution
encoder's mean-pooled states separate same from different claims worse, and embedding every
claim costs more than the clustering may (``bench/bench_clusters.py --encoder``).

Clusters grow from the most similar pair down, and two clusters merge only if every claim of one
is compatible (speaker, figures, dates) with every claim of the other and similar to it at least
``cohesion``, so a chain of loosely similar claims cannot join incompatible ones (an unknown
speaker never joins two different names). Clusters live in one named graph (``CLUSTERS_GRAPH``),
replaced whole by each run of ``cpkg cluster``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib.resources import files
from typing import Literal
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
UNKNOWN_KINDS = frozenset({"", "anonymous", "document"})
"""Speaker kinds that name no one a claim could be matched by: unresolved, "sources", "a report"."""
_QUOTED = re.compile(r"“[^”]*”?|\"[^\"]*\"?|''.*?(?:''|$)")

Evidence = Literal["named", "unknown", "outlet"]


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

    def same_unit(self, other: Figure) -> bool:
        """Both have one unit, and one of them no measure: they may count the same thing."""
        return self.unit is not None and self.unit == other.unit and not (self.measure and other.measure)

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

    @cached_property
    def evidence(self) -> Evidence:
        """What the speaker tells about who else may have said it (see :func:`speaker_evidence`)."""
        if self.own_voice:
            quoted = sum(len(m) for m in _QUOTED.findall(self.text))
            return "unknown" if quoted * 2 >= len(self.text.strip()) > 0 else "outlet"
        if self.speaker is None or self.speaker_kind in UNKNOWN_KINDS:
            return "unknown"
        return "named"


@dataclass(frozen=True)
class ClusterSettings:
    threshold: float = 0.2
    """Least content similarity (cosine) of a linked pair of claims by one speaker; the thresholds
    below apply when they are higher."""
    own_voice_threshold: float = 0.55
    """Least similarity of statements in two outlets' own voices: that two newsrooms write about
    the same thing is weaker evidence than one speaker saying it twice."""
    unknown_threshold: float = 0.6
    """Least similarity of a pair where one speaker is unknown (unresolved, anonymous, a document,
    or a quotation left in an outlet's voice): the content alone must say it is the same claim."""
    unknown_min_words: int = 3
    """Least content words of each claim of a pair with an unknown speaker."""
    figure_bonus: float = 0.3
    """Added to the similarity of a pair that shares a figure that agrees."""
    min_similarity: float = 0.1
    """Least similarity of any linked pair, whatever its figures."""
    window_days: int = 30
    min_words: int = 2
    """Least content words of a clustered claim ("Trump", "taxes" say nothing by themselves)."""
    min_shared_words: int = 2
    """Least words a linked pair shares (one word in common is a topic, not a claim: with one,
    "he is making a demand" and "that makes me smart" link)."""
    cohesion: float = 0.05
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
        self._pairs: dict[tuple[tuple[int, ...], int], tuple[float, list[tuple[int, int, float]]]] = {}
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

    def pairs(self, block: Sequence[int], least: float, shared: int) -> list[tuple[int, int, float]]:
        """:meth:`similar_pairs` as a list, kept for the next call on the same block (tuning settings
        clusters the same claims many times)."""
        key = (tuple(block), shared)
        known = self._pairs.get(key)
        if known is None or known[0] > least:
            known = (least, list(self.similar_pairs(block, least, shared)))
            self._pairs[key] = known
        return [pair for pair in known[1] if pair[2] >= least]

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


def speaker_evidence(claim: StoredClaim) -> Evidence:
    """What a claim's speaker tells about who else may have said it: a named agent ("named"), an
    outlet's own voice ("outlet"), or nobody one can compare ("unknown": unresolved, anonymous or a
    document, or a quotation that holds most of a claim in the outlet's voice: someone's words)."""
    return claim.evidence


def _names_agree(a: StoredClaim, b: StoredClaim) -> bool:
    if a.speaker == b.speaker:
        return True
    # Agents not (yet) merged across articles: "Clinton" and "Hillary Clinton".
    names_a, names_b = a.speaker_label.casefold().split(), b.speaker_label.casefold().split()
    return bool(names_a and names_b) and names_a[-1] == names_b[-1] and (len(names_a) == 1 or len(names_b) == 1)


def speakers_agree(a: StoredClaim, b: StoredClaim) -> bool:
    """Both claims are by one named speaker (by name), or both in outlets' own voices."""
    return speaker_link(a, b) in ("speaker", "outlets")


def speaker_link(a: StoredClaim, b: StoredClaim) -> Literal["speaker", "outlets", "unknown"] | None:
    """How the speakers of two claims may be the same: one named speaker ("speaker"), two outlets'
    own voices ("outlets"), a speaker that is unknown on one side at least ("unknown"), or not (None:
    two different names, or an outlet's own voice against anyone else)."""
    evidence = {a.evidence, b.evidence}
    if evidence == {"outlet"}:
        return "outlets"
    if "outlet" in evidence:
        return None
    if evidence == {"named"}:
        return "speaker" if _names_agree(a, b) else None
    return "unknown"


def figures_agree(a: StoredClaim, b: StoredClaim) -> tuple[bool, bool]:
    """(no comparable figures contradict each other, some figures agree). A figure whose measure
    was not found agrees with one of the same unit, but does not contradict it (it may count
    something else)."""
    shared = False
    for fa in a.figures:
        comparable = [fb for fb in b.figures if fa.comparable(fb)]
        if comparable and not any(fa.agrees(fb) for fb in comparable):
            return False, False
        shared = shared or any(fa.agrees(fb) for fb in b.figures if fa.comparable(fb) or fa.same_unit(fb))
    return True, shared


def dates_agree(a: StoredClaim, b: StoredClaim, settings: ClusterSettings) -> bool:
    return a.date is None or b.date is None or abs((a.date - b.date).days) <= settings.window_days


def compatible(a: StoredClaim, b: StoredClaim, settings: ClusterSettings) -> bool:
    return speaker_link(a, b) is not None and figures_agree(a, b)[0] and dates_agree(a, b, settings)


def least_similarity(link: str, settings: ClusterSettings) -> float:
    """The content similarity a pair needs, by how its speakers may be the same."""
    match link:
        case "speaker":
            return settings.threshold
        case "outlets":
            return max(settings.threshold, settings.own_voice_threshold)
        case _:
            return max(settings.threshold, settings.unknown_threshold)


def linked_pairs(
    claims: Sequence[StoredClaim], settings: ClusterSettings, vectors: ContentVectors
) -> list[tuple[int, int, float]]:
    """Pairs of claims from different articles that state the same thing, with their score."""
    eligible = [i for i in range(len(claims)) if vectors.sizes[i] >= settings.min_words]
    lowest = min(settings.threshold, settings.own_voice_threshold, settings.unknown_threshold) - settings.figure_bonus
    pairs = []
    for i, j, similarity in vectors.pairs(eligible, max(lowest, settings.min_similarity), settings.min_shared_words):
        a, b = claims[i], claims[j]
        if a.article == b.article:
            continue
        link = speaker_link(a, b)
        if link is None or not (figures_agree(a, b)[0] and dates_agree(a, b, settings)):
            continue
        if link == "unknown" and min(vectors.sizes[i], vectors.sizes[j]) < settings.unknown_min_words:
            continue
        score = similarity + (settings.figure_bonus if figures_agree(a, b)[1] else 0.0)
        if score >= least_similarity(link, settings):
            pairs.append((i, j, score))
    return sorted(pairs, key=lambda p: (-p[2], p[0], p[1]))


def cluster_claims(
    claims: Sequence[StoredClaim], settings: ClusterSettings | None = None, *, vectors: ContentVectors | None = None
) -> list[Cluster]:
    """The clusters of two claims or more; ``vectors`` are the claims' content vectors, when known."""
    settings = settings or ClusterSettings()
    group_of = list(range(len(claims)))
    groups: dict[int, list[int]] = {i: [i] for i in range(len(claims))}
    links: dict[int, list[tuple[int, int, float]]] = defaultdict(list)
    vectors = vectors or ContentVectors([c.text for c in claims], settings)
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
