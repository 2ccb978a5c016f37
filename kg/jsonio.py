"""The JSON contract of `cpkg extract --format json` and the REST API, built here only.

The CLI gives an extraction as it comes out of the pipeline; the REST API gives the same model
objects read back from the graph (``cpkg.service``), so a stored article reads as it was posted.
The shape is documented by ``ontology/extraction.schema.json``; keep the two in step.
"""

from __future__ import annotations

from typing import Any

from cpkg.iris import agent_iri
from cpkg.model import Agent, Claim, Extraction, Quantity, Report, Span

SCHEMA_VERSION = "1.0"


def _span(span: Span | None) -> dict[str, Any] | None:
    if span is None:
        return None
    return {"text": span.text, "start": span.start, "end": span.end}


def _agent(agent: Agent | None) -> dict[str, Any] | None:
    if agent is None:
        return None
    data: dict[str, Any] = {"label": agent.label, "kind": agent.kind, "iri": agent_iri(agent.key)}
    if agent.aliases:
        data["aliases"] = list(agent.aliases)
    if agent.author is not None:
        data["author"] = _agent(agent.author)
    return data


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _quantity(quantity: Quantity) -> dict[str, Any]:
    data = {"value": _number(quantity.value), "qualifier": quantity.qualifier, "unit": quantity.unit}
    if quantity.upper is not None:
        data["upper"] = _number(quantity.upper)
    return {**data, **_span(quantity.span)}  # type: ignore[dict-item]


def _speaker(claim: Claim) -> dict[str, Any] | None:
    """The resolved speaker, or, for an attributed claim whose speaker could not be resolved, its mention."""
    if claim.speaker is None and claim.mention is None:
        return None
    speaker = _agent(claim.speaker) or {"label": None, "kind": None, "iri": None}
    role = claim.role
    resolution = claim.resolution
    speaker.update(
        mention=_span(claim.mention),
        resolution=None
        if resolution is None
        else {"method": resolution.method, "confidence": round(resolution.confidence, 2)},
        honorific=claim.honorific,
        role=None if role is None else {"title": role.title, **({"text": role.span.text} if role.span else {})},
        affiliation=_agent(role.organization) if role else None,
    )
    return speaker


def _report(report: Report) -> dict[str, Any]:
    return {
        "source": _agent(report.agent),
        "mention": _span(report.mention),
        "cue": _span(report.cue),
        "claim": report.claim_id,
    }


def claim_to_json(claim: Claim) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": claim.id,
        "text": claim.content.text,
        "start": claim.content.start,
        "end": claim.content.end,
    }
    if claim.parts:
        data["parts"] = [[part.start, part.end] for part in claim.parts]
    data.update(
        cue=_span(claim.cue),
        speaker=_speaker(claim),
        attributed=claim.attributed,
        verification=claim.verification,
        verification_marker=claim.marker,
        hedged=claim.hedged,
        quantities=[_quantity(q) for q in claim.quantities],
        said_on=claim.said_on.isoformat() if claim.said_on else None,
        context=claim.context,
    )
    if claim.reported_by:
        data["reported_by"] = [_report(report) for report in claim.reported_by]
    return data


def document_to_json(extraction: Extraction) -> dict[str, Any]:
    """The contract's ``document``: what the extraction's article and dateline say of it."""
    article, dateline = extraction.article, extraction.dateline
    meta = article.meta
    return {
        "id": meta.id,
        "chars": len(article.text),
        "sha256": article.content_hash,
        "url": meta.url,
        "title": meta.title or (extraction.title.text if extraction.title else None),
        "publisher": meta.publisher,
        "published": meta.published.isoformat() if meta.published else None,
        "dateline": None
        if dateline is None
        else {
            "place": dateline.place,
            "date": dateline.date.isoformat() if dateline.date else None,
            "agency": dateline.agency,
            **_span(dateline.span),  # type: ignore[dict-item]
        },
    }


def extraction_to_json(extraction: Extraction) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "document": document_to_json(extraction),
        "claims": [claim_to_json(claim) for claim in extraction.claims],
        "verification_markers": [
            {"id": marker.id, **_span(marker.span), "covers": list(marker.claim_ids)}  # type: ignore[dict-item]
            for marker in extraction.markers
        ],
        "embedded_headlines": [_span(span) for span in extraction.headlines],
        "organization_relations": [
            {
                "subject": _agent(rel.subject),
                "relation": rel.relation,
                "object": _agent(rel.object) if rel.object else {"label": rel.object_label},
                "evidence": _span(rel.evidence),
            }
            for rel in extraction.org_relations
        ],
        "source_assessments": [
            {"about": _agent(a.about), **_span(a.span)}  # type: ignore[dict-item]
            for a in extraction.assessments
        ],
        "extractor": {"software_version": extraction.software_version, "model": extraction.model},
    }
