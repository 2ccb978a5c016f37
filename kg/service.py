"""The query service: what people and tools read from a store, as the REST API and the web page
give it. Each function takes a ``cpkg.store.Store`` and returns JSON-ready data; the HTTP layer
only parses the request, runs one of these (in a query worker, or a thread for a remote store) and
returns the answer.

Claims come back in the JSON contract built by ``cpkg.jsonio`` from the same model objects the
extraction makes (read back from the graph here), so ``GET /documents/{id}`` gives the claims
``POST /documents`` returned. Every query is a named query with its values bound.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from cpkg.aliases import search_key
from cpkg.errors import NotFound, ParameterError, QueryError
from cpkg.graph import CONTEXT, QUALIFIER, RESOLUTION, VERIFICATION
from cpkg.iris import AGENTS_GRAPH, agent_iri, article_graph_iri, claim_iri
from cpkg.jsonio import claim_to_json, document_to_json
from cpkg.model import (
    Agent,
    Article,
    ArticleMeta,
    Claim,
    Dateline,
    Extraction,
    Quantity,
    Report,
    Resolution,
    Role,
    Span,
)
from cpkg.namespaces import CPKG, ID
from cpkg.queries import get_named_query, run_named
from cpkg.sparql_text import term
from cpkg.store import Store
from cpkg.store.rows import IRI, Row, Solutions, Value

KINDS = ("person", "organization", "country", "group")
MAX_PAGE = 500
AGENT_PREFIX = ID + "agent/"
# The contract's names of the graph's terms: the inverse of the tables that wrote the graph.
VERIFICATION_NAMES = {str(concept): name for name, concept in VERIFICATION.items()}
CONTEXT_NAMES = {str(concept): name for name, concept in CONTEXT.items()}
QUALIFIER_NAMES = {str(concept): name for name, concept in QUALIFIER.items()}
RESOLUTION_NAMES = {str(concept): name for name, concept in RESOLUTION.items()}
UNRESOLVED = Resolution("unresolved", 0.0)


def _date(name: str, value: str | None) -> str:
    if not value:
        return ""
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise ParameterError(f"{name} must be an ISO date (YYYY-MM-DD), got {value!r}") from None


@dataclass(frozen=True)
class ClaimFilters:
    """The filters of ``GET /claims``; None is "any"."""

    speaker: str | None = None
    kind: str | None = None
    verification: str | None = None
    hedged: bool | None = None
    q: str | None = None
    since: str | None = None
    until: str | None = None
    document: str | None = None

    def params(self) -> dict[str, str]:
        """The parameters of the named query ``claims``, checked."""
        if self.kind is not None and self.kind not in KINDS:
            raise ParameterError(f"kind must be one of {', '.join(KINDS)}")
        if self.verification is not None and self.verification not in VERIFICATION:
            raise ParameterError(f"verification must be one of {', '.join(VERIFICATION)}")
        return {
            "speaker": self.speaker or "",
            "kind": self.kind or "",
            "verification": str(VERIFICATION[self.verification]) if self.verification else "",
            "hedged": "" if self.hedged is None else str(self.hedged).lower(),
            "q": self.q or "",
            "since": _date("since", self.since),
            "until": _date("until", self.until),
            "document": self.document or "",
        }


# ---------------------------------------------------------------------------------------- claims


def _span(row: Row, prefix: str = "") -> Span | None:
    """The span in the row's ``text``/``start``/``end``, or ``{prefix}Text``/``Start``/``End``."""
    text, start, end = (f"{prefix}Text", f"{prefix}Start", f"{prefix}End") if prefix else ("text", "start", "end")
    if row.get(text) is None:
        return None
    return Span(int(row[start]), int(row[end]), str(row[text]))


def _agent(row: Row, prefix: str, aliases: dict[str, tuple[str, ...]], author: Agent | None = None) -> Agent | None:
    iri = row.get(prefix)
    if iri is None:
        return None
    key = row.get(prefix + "Key") or unquote(str(iri).removeprefix(AGENT_PREFIX))
    label = row.get(prefix + "Label")
    return Agent(str(key), label, row.get(prefix + "Kind"), aliases.get(str(iri), ()), author)  # type: ignore[arg-type]


def _claim(row: Row, parts: list[Span], quantities: list[Quantity], aliases: dict[str, tuple[str, ...]]) -> Claim:
    speaker = _agent(row, "speaker", aliases, _agent(row, "author", aliases))
    role = None
    if row.get("role") is not None:
        role = Role(row.get("roleTitle"), _agent(row, "affiliation", aliases), _span(row, "role"))  # type: ignore[arg-type]
    resolution = None
    if row.get("resolutionMethod") is not None:
        resolution = Resolution(RESOLUTION_NAMES[str(row["resolutionMethod"])], float(row["confidence"]))  # type: ignore[arg-type]
    elif row.get("unresolved") is not None:
        resolution = UNRESOLVED
    marker = row.get("marker")
    said_on = row.get("saidOn")
    return Claim(
        id=str(row["claimId"]),
        content=Span(int(row["start"]), int(row["end"]), str(row["text"])),
        attributed=bool(row["attributed"]),
        context=CONTEXT_NAMES.get(str(row.get("context")), "body"),  # type: ignore[arg-type]
        parts=tuple(parts),
        cue=_span(row, "cue"),
        speaker=speaker,
        mention=_span(row, "mention"),
        resolution=resolution,
        role=role,
        honorific=row.get("honorific"),  # type: ignore[arg-type]
        verification=VERIFICATION_NAMES[str(row["status"])],  # type: ignore[arg-type]
        # Marker nodes are numbered as the extraction numbers its markers (m1, m2, …).
        marker="m" + str(marker).rsplit("/", 1)[1] if marker else None,
        hedged=row["certainty"] == CPKG.Hedged,
        quantities=tuple(quantities),
        said_on=dt.date.fromisoformat(str(said_on)) if said_on else None,
    )


def _report(row: Row, aliases: dict[str, tuple[str, ...]]) -> Report:
    """One link of a claim's citation chain (named query ``claim_reports``)."""
    cue = _span(row, "cue")
    assert cue is not None
    claim_id = row.get("reportClaimId")
    return Report(cue, _agent(row, "source", aliases), _span(row, "mention"), str(claim_id) if claim_id else None)


def _by_claim(rows: Iterable[Row]) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        grouped.setdefault(row["claim"], []).append(row)  # type: ignore[arg-type]
    return grouped


def claims_json(store: Store, claim_iris: list[IRI]) -> list[dict[str, Any]]:
    """The given claims in the JSON contract, in the same order, each with its ``document``, ``ref``
    (DOCUMENT/CLAIM) and ``iri``; claims not stored are left out."""
    if not claim_iris:
        return []
    page = {"claim": claim_iris}
    details = store.select(get_named_query("claim_details"), page)
    quantities = _by_claim(store.select(get_named_query("claim_quantities"), page))
    parts = _by_claim(store.select(get_named_query("claim_parts"), page))
    reports = _by_claim(store.select(get_named_query("claim_reports"), page))
    sources = {IRI(row["source"]) for rows in reports.values() for row in rows if row.get("source")}
    agents = sorted(
        {IRI(row[key]) for row in details for key in ("speaker", "affiliation", "author") if row.get(key)} | sources
    )
    aliases: dict[str, tuple[str, ...]] = {}
    if agents:
        for row in store.select(get_named_query("agent_aliases"), {"agent": agents}):
            agent = str(row["agent"])
            aliases[agent] = (*aliases.get(agent, ()), str(row["alias"]))
    claims: dict[str, dict[str, Any]] = {}
    for row in details:  # the first row of a claim whose values repeat
        iri = str(row["claim"])
        if iri in claims:
            continue
        figures = {str(q["quantity"]): q for q in quantities.get(iri, [])}
        claim = _claim(
            row,
            [_span(p) for p in parts.get(iri, [])],  # type: ignore[misc]
            [
                Quantity(
                    q["value"],  # type: ignore[arg-type]
                    QUALIFIER_NAMES[str(q["qualifier"])],  # type: ignore[arg-type]
                    Span(int(q["start"]), int(q["end"]), str(q["text"])),
                    q.get("unit"),  # type: ignore[arg-type]
                    q.get("upper"),  # type: ignore[arg-type]
                )
                for q in figures.values()
            ],
            aliases,
        )
        claim.reported_by = tuple(_report(link, aliases) for link in reports.get(iri, []))
        document = str(row["articleId"])
        claims[iri] = {**claim_to_json(claim), "document": document, "ref": f"{document}/{claim.id}", "iri": iri}
    return [claims[str(iri)] for iri in claim_iris if str(iri) in claims]


def _page(rows: Solutions, limit: int, offset: int) -> dict[str, Any]:
    return {"limit": limit, "offset": offset, "next_offset": offset + limit if len(rows) > limit else None}


def claims(store: Store, filters: ClaimFilters, limit: int, offset: int) -> dict[str, Any]:
    """A page of the claims the filters keep, in document order (``next_offset`` when more follow)."""
    query = get_named_query("claims")
    bindings: dict[str, Value | list[Value]] = dict(query.bindings(filters.params()))
    if bindings.get("speakerKey"):
        # The agents a name names, looked up through the index first: the query then starts from
        # them instead of testing the name on every claim (docs/scaling.md).
        speakers = get_named_query("export_speakers")
        found = store.select(speakers, speakers.bindings({"speaker": filters.speaker or ""}))
        bindings.update(speaker=list(dict.fromkeys(IRI(row["speaker"]) for row in found)), speakerKey="")
    # A speaker that matches no one keeps no claim, as any other filter does: no suggestions here.
    no_one = bindings.get("speaker") == []
    rows = Solutions(["claim"]) if no_one else store.select(query, bindings, limit=limit + 1, offset=offset)
    return {"claims": claims_json(store, [IRI(row["claim"]) for row in rows[:limit]]), **_page(rows, limit, offset)}


def _claim_iri(document: str, claim_id: str) -> IRI:
    iri = IRI(claim_iri(document, claim_id))
    term(iri)  # a value no IRI can hold (a control character) names no claim: QueryError
    return iri


def claim(store: Store, document: str, claim_id: str) -> dict[str, Any]:
    found = claims_json(store, [_claim_iri(document, claim_id)])
    if not found:
        raise NotFound(f"no claim {document}/{claim_id!r}")
    return found[0]


def trace(store: Store, document: str, claim_id: str) -> dict[str, Any]:
    """The provenance chain of a claim (named query ``trace_claim``) and the imported fact-checks
    of it with their ratings (named query ``claim_reviews``, best match first)."""
    # By the claim's IRI: an id alone repeats in every article, and the planner would start there.
    iri = _claim_iri(document, claim_id)
    rows = run_named(store, "trace_claim", {"claim": iri})
    if not rows:
        raise NotFound(f"no claim {document}/{claim_id!r}")
    reviews = store.select(get_named_query("claim_reviews"), {"claim": iri})
    # A statement every article repeats (an organisation's parent) is a triple in each article's
    # graph, so the union default graph gives the same row once per article: kept once.
    chain = list({tuple(row.items()): row for row in rows}.values())
    # The sources that relayed the claim between its speaker and the article (named query
    # ``citation_chain``): one row per link, from the speaker outwards, with its spans.
    citations = run_named(store, "citation_chain", {"claim": iri})
    ref = f"{document}/{claim_id}"
    return {"claim": ref, "iri": str(iri), "chain": chain, "citations": citations, "reviews": reviews}


# ---------------------------------------------------------------------------------------- documents


def document(store: Store, document_id: str, limit: int, offset: int) -> dict[str, Any]:
    """The document in the JSON contract and one page of its claims."""
    rows = run_named(store, "document", {"document": document_id})
    if not rows:
        raise NotFound(f"no document {document_id!r}")
    row = rows[0]
    published = row.get("published")
    meta = ArticleMeta(
        id=document_id,
        url=row.get("url"),  # type: ignore[arg-type]
        title=row.get("title"),  # type: ignore[arg-type]
        publisher=row.get("publisher"),  # type: ignore[arg-type]
        published=dt.date.fromisoformat(str(published)) if published else None,
    )
    dateline = None
    if (span := _span(row, "dl")) is not None:
        date = row.get("date")
        place, agency = row.get("place"), row.get("agency")
        dateline = Dateline(
            span,
            str(place) if place is not None else None,
            dt.date.fromisoformat(str(date)) if date else None,
            str(agency) if agency is not None else None,
        )
    extraction = Extraction(Article(meta, str(row["text"])), dateline)
    page = claims(store, ClaimFilters(document=document_id), limit, offset)
    return {"document": document_to_json(extraction), **page}


def document_rdf(store: Store, document_id: str, format: str) -> bytes:
    """The document's graph in an RDF syntax (one of ``cpkg.formats.RDF_FORMATS``)."""
    graph = article_graph_iri(document_id)
    if not store.has_graph(graph):
        raise NotFound(f"no document {document_id!r}")
    return store.dump(format, graph)


def _listing(store: Store, name: str, count: str, limit: int, offset: int) -> tuple[Solutions, int]:
    """One page of a named query, cut in the query, and the total from its count query: the row
    limit bounds a page, never the whole list."""
    rows = run_named(store, name, limit=limit, offset=offset)
    return rows, int(run_named(store, count)[0]["n"])


def documents(store: Store, limit: int, offset: int) -> dict[str, Any]:
    """Stored documents with title, publisher, date and claim counts (named query ``articles``)."""
    rows, total = _listing(store, "articles", "article_count", limit, offset)
    return {"documents": rows, "total": total, "limit": limit, "offset": offset}


def article_text(store: Store, article_id: str) -> dict[str, Any]:
    """The article's text, title, dateline and embedded headline spans (for the web page)."""
    rows = run_named(store, "export_article_text", {"article": article_id})
    if not rows:
        raise NotFound(f"no document {article_id!r}")
    first = rows[0]
    headlines = sorted({(r["headlineStart"], r["headlineEnd"]) for r in rows if r.get("headlineStart") is not None})
    dateline = None
    if first.get("datelineStart") is not None:
        dateline = {"start": first["datelineStart"], "end": first["datelineEnd"]}
    return {
        "id": article_id,
        "text": first["text"],
        "title": first.get("title"),
        "label": first.get("label"),
        "published": first.get("published"),
        "publisher": first.get("publisher"),
        "url": first.get("url"),
        "dateline": dateline,
        "headlines": [{"start": s, "end": e} for s, e in headlines],
    }


# ---------------------------------------------------------------------------------------- agents


def agents(store: Store, limit: int, offset: int) -> dict[str, Any]:
    """Speakers and organisations with kind, aliases and claim counts (named query ``agents``)."""
    rows, total = _listing(store, "agents", "agent_count", limit, offset)
    for row in rows:
        if isinstance(row.get("agent"), IRI) and row["agent"].startswith(AGENT_PREFIX):  # type: ignore[union-attr]
            row["id"] = str(row["agent"]).removeprefix(AGENT_PREFIX)
    return {"agents": rows, "total": total, "limit": limit, "offset": offset}


def agent(store: Store, agent_ref: str) -> dict[str, Any]:
    """An agent by id (its key, as in ``agents``) or IRI: labels, aliases, kind, types, roles,
    affiliations (the memberships claims state, with those claims), parent organisations, claims."""
    iri = IRI(agent_ref if agent_ref.startswith(("http://", "https://")) else agent_iri(agent_ref))
    try:
        term(iri)
    except QueryError:
        raise NotFound(f"no agent {agent_ref!r}") from None
    bound = {"agent": iri}
    rows = store.select(get_named_query("agent"), bound)
    if not rows:
        raise NotFound(f"no agent {agent_ref!r}")
    roles = store.select(get_named_query("agent_roles"), bound)
    memberships = store.select(get_named_query("agent_memberships"), bound)
    said = store.select(get_named_query("agent_claims"), bound)

    def distinct(key: str) -> list[Any]:
        return sorted({r[key] for r in rows if r.get(key) is not None})

    affiliations: dict[str, dict[str, Any]] = {}
    for row in memberships:
        entry = affiliations.setdefault(
            str(row["organization"]),
            {"iri": row["organization"], "label": row.get("organizationLabel"), "claims": []},
        )
        ref = f"{row['articleId']}/{row['claimId']}"
        if ref not in entry["claims"]:
            entry["claims"].append(ref)
    parents = {r["parent"]: r.get("parentLabel") for r in rows if r.get("parent")}
    return {
        "iri": iri,
        "id": iri.removeprefix(AGENT_PREFIX),
        "label": (distinct("label") or [None])[0],
        "labels": distinct("label"),
        "aliases": distinct("altLabel"),
        "kind": (distinct("kind") or [None])[0],
        "types": distinct("type"),
        "description": distinct("description"),
        "affiliations": [affiliations[k] for k in sorted(affiliations)],
        "parents": [{"iri": k, "label": v} for k, v in sorted(parents.items())],
        "roles": [{k: r.get(k) for k in ("role", "organization", "organizationLabel")} for r in roles],
        "claims": [{"ref": f"{c['articleId']}/{c['claimId']}", "text": c["text"]} for c in said],
        "graph": AGENTS_GRAPH,
    }


# ---------------------------------------------------------------------------------------- the whole store


def validation(store: Store) -> dict[str, Any]:
    """The SHACL report of every stored article, article by article."""
    from cpkg.validate import validate_store

    articles = {
        article_id: {"conforms": result.conforms, "violations": [str(v) for v in result.violations]}
        for article_id, result in validate_store(store).items()
    }
    return {"conforms": all(a["conforms"] for a in articles.values()), "articles": articles}


# ---------------------------------------------------------------------------------------- named queries


def named(store: Store, name: str, params: dict[str, str]) -> dict[str, Any]:
    """A named query run with its parameters bound (a speaker matching no one is NotFound)."""
    query = get_named_query(name)
    return {"query": query.name, "description": query.description, "rows": run_named(store, name, params)}


# ---------------------------------------------------------------------------------------- across articles


def _claim_ref(article_id: Any, iri: Any) -> str | None:
    """DOCUMENT/CLAIM of a claim IRI minted for the article (``cpkg.iris.claim_iri``), else None."""
    prefix = claim_iri(str(article_id), "")
    return f"{article_id}/{unquote(str(iri)[len(prefix) :])}" if str(iri).startswith(prefix) else None


def _outlet(row: Row) -> str:
    """The publisher's name, else the host of the article's URL ("" when neither is stored)."""
    if row.get("outlet"):
        return str(row["outlet"])
    host = urlsplit(str(row["url"])).hostname if row.get("url") else None
    return host.removeprefix("www.") if host else ""


def _verification(local_name: Any) -> str:
    """The contract's name of a verification status given by its local name ("Unmarked")."""
    return VERIFICATION_NAMES.get(CPKG + str(local_name), str(local_name))


def _agent_ref_iri(agent_ref: str) -> IRI:
    iri = IRI(agent_ref if agent_ref.startswith(("http://", "https://")) else agent_iri(agent_ref))
    try:
        term(iri)
    except QueryError:
        raise NotFound(f"no agent {agent_ref!r}") from None
    return iri


def claim_summaries(store: Store, claim_iris: Iterable[IRI]) -> dict[str, dict[str, Any]]:
    """A short account of each given claim that is stored, by IRI (named query ``claim_summaries``):
    ``ref``, ``iri``, ``document``, ``text``, ``attributed``, ``speaker`` ``{iri, label}``,
    ``said_on``, ``verification``, ``hedged``. Lists across articles show these; it reads none of
    the spans the JSON contract rebuilds, so its cost does not grow with the store."""
    wanted = sorted(set(claim_iris))
    if not wanted:
        return {}
    found: dict[str, dict[str, Any]] = {}
    for row in store.select(get_named_query("claim_summaries"), {"claim": wanted}):
        speaker = {"iri": row["speaker"], "label": row.get("speakerLabel")} if row.get("speaker") else None
        found.setdefault(
            str(row["claim"]),
            {
                "ref": f"{row['articleId']}/{row['claimId']}",
                "iri": row["claim"],
                "document": row["articleId"],
                "text": row["text"],
                "attributed": bool(row["attributed"]),
                "speaker": speaker,
                "said_on": str(row["saidOn"]) if row.get("saidOn") else None,
                "verification": _verification(row["verification"]),
                "hedged": bool(row["hedged"]),
            },
        )
    return found


def claim_cluster(store: Store, document: str, claim_id: str) -> dict[str, Any]:
    """The cluster of a claim (named query ``cluster_members``): every report of the same claim,
    the first report first, with its article, outlet, date, speaker, verification marker and
    certainty; the cluster's outlet count and flags; and the pairs in which one outlet marks the
    claim unconfirmed while another reports it flatly (unmarked, unhedged). A stored claim in no
    cluster has ``cluster`` None and no members."""
    iri = _claim_iri(document, claim_id)
    ref = f"{document}/{claim_id}"
    rows = store.select(get_named_query("cluster_members"), {"claim": iri})
    if not rows:
        if not claim_summaries(store, [iri]):
            raise NotFound(f"no claim {ref!r}")
        return {
            "claim": ref,
            "iri": str(iri),
            "cluster": None,
            "outlets": 0,
            "reports": 0,
            "unconfirmed": False,
            "hedged": False,
            "first": None,
            "members": [],
            "unconfirmed_elsewhere": [],
        }
    members: dict[str, dict[str, Any]] = {}
    for row in rows:
        member = members.get(str(row["member"]))
        if member is None:
            speaker = None
            if row.get("speaker") is not None:
                speaker = {"iri": row["speaker"], "label": row.get("speakerLabel")}
            member = members[str(row["member"])] = {
                "ref": f"{row['articleId']}/{row['claimId']}",
                "iri": row["member"],
                "document": row["articleId"],
                "title": row.get("title"),
                "url": row.get("url"),
                "outlet": _outlet(row),
                "date": str(row["date"]) if row.get("date") else None,
                "first": bool(row["first"]),
                "attributed": bool(row["attributed"]),
                "speaker": speaker,
                "text": row["text"],
                "verification": _verification(row["verification"]),
                "hedged": bool(row["hedged"]),
                "markers": [],
            }
        if row.get("marker") and row["marker"] not in member["markers"]:
            member["markers"].append(row["marker"])
    reports = list(members.values())
    head = rows[0]
    marked = [m for m in reports if m["verification"] == "not_independently_confirmed"]
    flat = [m for m in reports if m["verification"] == "unmarked" and not m["hedged"]]
    return {
        "claim": ref,
        "iri": str(iri),
        "cluster": head["cluster"],
        "outlets": head["outlets"],
        "reports": head["members"],
        "unconfirmed": bool(head["anyUnconfirmed"]),
        "hedged": bool(head["anyHedged"]),
        "first": next((m for m in reports if m["first"]), reports[0]),
        "members": reports,
        "unconfirmed_elsewhere": [
            {
                "marked": a["ref"],
                "marked_outlet": a["outlet"],
                "marker": (a["markers"] or [None])[0],
                "flat": b["ref"],
                "flat_outlet": b["outlet"],
            }
            for a in marked
            for b in flat
            if a["document"] != b["document"] and (a["outlet"] != b["outlet"] or not a["outlet"])
        ],
    }


def clusters(store: Store, min_outlets: int, limit: int, offset: int) -> dict[str, Any]:
    """A page of the claims repeated by at least ``min_outlets`` outlets (named query
    ``repeated_claims``), the widest first: each cluster with its outlet and report counts, the
    date of its first report, its flags, and the first report (``claim_summaries``)."""
    if min_outlets < 1:
        raise ParameterError(f"min_outlets must be at least 1, got {min_outlets}")
    rows = run_named(store, "repeated_claims", {"outlets": str(min_outlets)}, limit=limit + 1, offset=offset)
    page = rows[:limit]
    firsts = claim_summaries(store, [IRI(row["first"]) for row in page])
    return {
        "clusters": [
            {
                "cluster": row["cluster"],
                "outlets": row["count"],
                "reports": row["members"],
                "first_reported": str(row["date"]) if row.get("date") else None,
                "speaker": row.get("speakerLabel"),
                "text": row["text"],
                "unconfirmed": bool(row["unconfirmed"]),
                "hedged": bool(row["hedged"]),
                "first": firsts.get(str(row["first"])),
            }
            for row in page
        ],
        "min_outlets": min_outlets,
        **_page(rows, limit, offset),
    }


def _report_of(row: Row, side: str) -> dict[str, Any]:
    """One side of an unconfirmed-here, flat-there pair: ``side`` is ``marked`` or ``flat``."""
    return {
        "ref": _claim_ref(row[f"{side}Article"], row[f"{side}Claim"]),
        "iri": row[f"{side}Claim"],
        "document": row[f"{side}Article"],
        "outlet": row.get(f"{side}Outlet") or "",
        "text": row[side],
    }


def unconfirmed_elsewhere(store: Store, limit: int, offset: int) -> dict[str, Any]:
    """A page of the claims one outlet marks as not independently confirmed while another reports
    the same claim flatly (named query ``unconfirmed_elsewhere``): both reports, with their outlets
    and the marker sentence."""
    rows = run_named(store, "unconfirmed_elsewhere", limit=limit + 1, offset=offset)
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows[:limit]:
        key = (str(row["markedClaim"]), str(row["flatClaim"]))
        if key in pairs:  # another marker sentence covering the same claim
            continue
        pairs[key] = {
            "cluster": row["cluster"],
            "speaker": row.get("speakerLabel"),
            "marked": {**_report_of(row, "marked"), "marker": row.get("marker")},
            "flat": _report_of(row, "flat"),
        }
    return {"pairs": list(pairs.values()), **_page(rows, limit, offset)}


def claim_review(store: Store, document: str, claim_id: str) -> dict[str, Any]:
    """A claim as a ClaimReview skeleton (``cpkg.reviews.claimreview_skeletons``, as ``cpkg export
    --format claimreview`` writes it): its cluster's articles are its appearances."""
    from cpkg.reviews import claimreview_skeletons  # rdflib's JSON-LD, the clustering words: on first use

    iri = _claim_iri(document, claim_id)
    for skeleton in claimreview_skeletons(store, article=document):
        if skeleton["identifier"] == iri:
            return skeleton
    if not claim_summaries(store, [iri]):
        raise NotFound(f"no claim {document}/{claim_id!r}")
    raise NotFound(
        f"claim {document}/{claim_id} has no speaker (the article's own voice, or a source not resolved): "
        "a ClaimReview names who made the claim"
    )


def cluster_review(store: Store, document: str, claim_id: str) -> dict[str, Any]:
    """The cluster of a claim as one ClaimReview skeleton: that of its earliest report attributed to
    a speaker, whose appearances are every article of the cluster and whose firstAppearance is the
    first report."""
    found = claim_cluster(store, document, claim_id)
    if found["cluster"] is None:
        raise NotFound(
            f"claim {document}/{claim_id} is in no cluster (cpkg cluster computes them); "
            f"GET /claims/{document}/{claim_id}/claimreview exports the claim alone"
        )
    for member in found["members"]:
        if member["attributed"] and member["speaker"] is not None:
            member_document, _, member_claim = str(member["ref"]).rpartition("/")
            try:
                return claim_review(store, member_document, member_claim)
            except NotFound:
                continue
    raise NotFound(f"no report in the cluster of {document}/{claim_id} names a speaker: a ClaimReview names one")


def speaker_timeline(store: Store, agent_ref: str) -> dict[str, Any]:
    """A speaker's claims in time order (named query ``speaker_timeline``): the date said, else the
    article's publication date (``said`` tells which), undated claims last; each with its article,
    outlet, verification, certainty and, when the claim is repeated elsewhere, its cluster."""
    iri = _agent_ref_iri(agent_ref)
    query = get_named_query("speaker_timeline")
    rows = store.select(query, query.bindings({"speaker": str(iri)}))
    if not rows and not store.select(get_named_query("agent"), {"agent": iri}):
        raise NotFound(f"no agent {agent_ref!r}")
    claims: dict[str, dict[str, Any]] = {}
    for row in rows:
        claims.setdefault(
            str(row["claim"]),
            {
                "ref": f"{row['articleId']}/{row['claimId']}",
                "iri": row["claim"],
                "document": row["articleId"],
                "title": row.get("title"),
                "outlet": row.get("outlet") or "",
                "date": str(row["date"]) if row.get("date") else None,
                "said": bool(row["said"]),
                "cue": row.get("cue"),
                "text": row["text"],
                "verification": _verification(row["verification"]),
                "hedged": bool(row["hedged"]),
                "cluster": row.get("cluster"),
                "outlets": row.get("outlets"),
            },
        )
    return {"agent": str(iri), "id": iri.removeprefix(AGENT_PREFIX), "claims": list(claims.values())}


def search(store: Store, q: str, limit: int) -> dict[str, Any]:
    """Speakers whose name contains ``q`` (named query ``agent_search``, in the search form of
    names: case, accents and titles ignored) and claims whose text contains it (named query
    ``claims``, each claim as ``claim_summaries`` gives it)."""
    text = q.strip()
    if not text:
        raise ParameterError("q must not be empty")
    speakers = run_named(store, "agent_search", {"q": search_key(text) or text}, limit=limit)
    for row in speakers:
        if isinstance(row.get("agent"), str) and str(row["agent"]).startswith(AGENT_PREFIX):
            row["id"] = str(row["agent"]).removeprefix(AGENT_PREFIX)
    query = get_named_query("claims")
    rows = store.select(query, query.bindings(ClaimFilters(q=text).params()), limit=limit + 1)
    iris = [IRI(row["claim"]) for row in rows[:limit]]
    summaries = claim_summaries(store, iris)
    found = [summaries[str(iri)] for iri in iris if str(iri) in summaries]
    return {"q": text, "speakers": speakers, "claims": found, "more_claims": len(rows) > limit}


def disagreements(store: Store, article: str | None, measure: str | None, limit: int, offset: int) -> dict[str, Any]:
    """Figures about the same thing that cannot both be true (named query ``disagreeing_figures``),
    grouped by measure (people killed, money, …): each pair with both figures, their qualifiers,
    sources and claim texts (``claim_summaries``). ``article`` and ``measure`` narrow it;
    paging counts pairs."""
    rows = [
        row
        for row in run_named(store, "disagreeing_figures")
        if (not article or row["articleId"] == article) and (not measure or row["measure"] == measure)
    ]
    page = rows[offset : offset + limit]
    texts = claim_summaries(store, [IRI(r[k]) for r in page for k in ("claim1", "claim2")])

    def side(row: Row, n: str) -> dict[str, Any]:
        claim_json = texts.get(str(row[f"claim{n}"]))
        return {
            "ref": f"{row['articleId']}/{row[f'claimId{n}']}",
            "figure": row[f"figure{n}"],
            "value": row[f"value{n}"],
            "qualifier": row[f"qualifier{n}"],
            "source": row[f"source{n}"],
            "text": claim_json["text"] if claim_json else None,
        }

    measures: dict[str, list[dict[str, Any]]] = {}
    for row in page:
        pair = {"document": row["articleId"], "smaller": side(row, "1"), "larger": side(row, "2")}
        measures.setdefault(str(row["measure"]), []).append(pair)
    return {
        "measures": [{"measure": name, "pairs": pairs} for name, pairs in sorted(measures.items())],
        "total": len(rows),
        "limit": limit,
        "offset": offset,
        "next_offset": offset + limit if len(rows) > offset + limit else None,
    }
